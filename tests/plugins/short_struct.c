/*
 * short_struct.c - a descriptor that claims to be only 8 bytes long (the
 * version and size fields alone): the loader must refuse it without reading
 * further, so only those 8 bytes are exported.
 */
#include <stdint.h>

struct short_struct {
	uint32_t	abi_version;
	uint32_t	struct_size;
};

__attribute__((visibility("default")))
const struct short_struct mentiond_plugin = {
	.abi_version = 1,
	.struct_size = sizeof(struct short_struct),
};
