/*
 * fuzz_jsonl.c - libFuzzer target for the jsonl connector's line parser: one
 * input is one line. The parser comes from plugins/jsonl/jsonl.c itself
 * (included, so its static functions are reachable); a parsed line then goes
 * through mention_from_plugin as emit would send it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/jsonl/jsonl.c"

#include "mention.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonl_item it;
	struct mention *m;
	const char *why = NULL;
	char *copy, *cause = NULL;
	int64_t t;

	/* The parser gets exactly the line's bytes, no terminating NUL. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (jsonl_parse(copy, size, &it, &why) == 0) {
		if (it.m.id == NULL || it.m.id[0] == '\0')
			abort();
		if (it.m.text == NULL && it.m.title == NULL)
			abort();
		if (it.m.published < 0)
			abort();
		m = mention_from_plugin("fuzz", "jsonl", &it.m, &cause);
		mention_free(m);
		free(cause);
		cJSON_Delete(it.root);
	} else if (why == NULL)
		abort();
	free(copy);

	/* The timestamp parser on its own, NUL-terminated. */
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	ptime_seconds(copy, 0, &t);
	free(copy);
	return 0;
}
