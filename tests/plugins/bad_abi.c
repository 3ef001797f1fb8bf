/*
 * bad_abi.c - a plugin built for a future ABI (version 99): the loader must
 * refuse it before reading anything past the version.
 */
#include "mentiond/plugin.h"

/* A start that must never run. */
static int
bad_abi_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	return -1;
}

MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	.abi_version = 99,
	.struct_size = sizeof(struct md_plugin),
	.name = "bad_abi",
	.start = bad_abi_start,
};
