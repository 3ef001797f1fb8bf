/*
 * bad_settings.c - a descriptor whose settings table puts a field beyond
 * ctx_size: the host would write outside the context it allocates.
 */
#include <stddef.h>

#include "mentiond/plugin.h"

struct bad_settings {
	long long	count;
};

/* A start that must never run. */
static int
bad_settings_start(struct md_source *src, const struct md_host *host,
    void *ctx, char **cause)
{
	return -1;
}

static const struct md_setting bad_settings_table[] = {
	{ "count", MD_SET_INT, "1", offsetof(struct bad_settings, count), 0,
	    "fits" },
	{ "overflow", MD_SET_INT, "1", sizeof(struct bad_settings), 0,
	    "lies past the end of the context" },
	{ .key = NULL }
};

MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "bad_settings",
	.settings = bad_settings_table,
	.ctx_size = sizeof(struct bad_settings),
	.start = bad_settings_start,
};
