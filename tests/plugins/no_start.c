/*
 * no_start.c - a well-formed descriptor without a start callback.
 */
#include "mentiond/plugin.h"

MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "no_start",
	.version = "0",
};
