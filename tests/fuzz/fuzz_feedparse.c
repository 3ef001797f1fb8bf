/*
 * fuzz_feedparse.c - libFuzzer target for the feed parser
 * (plugins/feed/feedparse.c): any bytes as a feed, with and without a feed
 * URL and an HTTP charset; every entry must have an id and valid strings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feedparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every field, so that the sanitizers see a bad pointer. */
static int
fuzz_entry(const struct feedparse_entry *e, void *arg)
{
	size_t *total = arg;

	if (e->id == NULL)
		abort();
	*total += strlen(e->id);
	*total += e->url ? strlen(e->url) : 0;
	*total += e->title ? strlen(e->title) : 0;
	*total += e->author ? strlen(e->author) : 0;
	*total += e->text ? strlen(e->text) : 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t total = 0;
	char *cause = NULL;
	int n;

	n = feedparse_parse((const char *)data, size, NULL, NULL, fuzz_entry,
	    &total, &cause);
	if (n == -1 && cause == NULL)
		abort();
	free(cause);
	cause = NULL;
	n = feedparse_parse((const char *)data, size, "http://f.test/a/feed",
	    size > 0 && data[0] & 1 ? "windows-1252" : "utf-8", fuzz_entry,
	    &total, &cause);
	if (n == -1 && cause == NULL)
		abort();
	free(cause);
	if (size > 0 && data[size - 1] == '\0')
		(void)feedparse_date((const char *)data);
	return 0;
}
