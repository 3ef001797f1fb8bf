/*
 * fuzz_lemmy.c - libFuzzer target for the Lemmy connector's parser
 * (plugins/lemmy/lemmyparse.c): any bytes as a search response; every item
 * must have an id, a url and a text, and every string must be readable.
 * The input, NUL-terminated, is also read as a time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lemmyparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every field, so that the sanitizers see a bad pointer. */
static int
fuzz_item(const struct lemmy_item *it, void *arg)
{
	struct md_mention m = MD_MENTION_INIT;
	size_t *total = arg;

	if (it->id == NULL || it->url == NULL || it->text == NULL)
		abort();
	lemmy_mention(it, &m);
	*total += strlen(m.id) + strlen(m.url) + strlen(m.text);
	*total += m.author_handle ? strlen(m.author_handle) : 0;
	*total += m.author_name ? strlen(m.author_name) : 0;
	*total += m.title ? strlen(m.title) : 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t total = 0, nraw = 0;
	char *cause = NULL, *s;
	int64_t us;
	int n;

	n = lemmy_parse((const char *)data, size, fuzz_item, &total, &nraw,
	    &cause);
	if (n == -1 && cause == NULL)
		abort();
	if (n >= 0 && (size_t)n > nraw)
		abort();
	free(cause);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)lemmy_time(s, &us);
	free(s);
	return 0;
}
