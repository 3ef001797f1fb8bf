/*
 * dup_a.c - one of two valid plugins that both call themselves "dup": the
 * loader keeps the first and refuses the second.
 */
#include "mentiond/plugin.h"

/* Start and do nothing. */
static int
dup_a_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	return 0;
}

MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "dup",
	.version = "a",
	.description = "a plugin whose name is taken twice",
	.start = dup_a_start,
};
