/*
 * fuzz_discourse.c - libFuzzer target for the Discourse connector's parser
 * (plugins/discourse/discourseparse.c): any bytes as a posts.json body;
 * every item must have an id, a url under the forum and a text, every
 * string must be readable, and the page's lowest id must not exceed its
 * highest. The input, NUL-terminated, is also read as a time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discourseparse.h"

#define FUZZ_FORUM "https://f.test/forum"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every field, so that the sanitizers see a bad pointer. */
static int
fuzz_item(const struct discourse_item *it, void *arg)
{
	struct md_mention m = MD_MENTION_INIT;
	size_t *total = arg;

	if (it->id == NULL || it->url == NULL || it->text == NULL ||
	    strncmp(it->url, FUZZ_FORUM "/t/", strlen(FUZZ_FORUM) + 3) != 0)
		abort();
	discourse_mention(it, &m);
	*total += strlen(m.id) + strlen(m.url) + strlen(m.text);
	*total += m.author_handle ? strlen(m.author_handle) : 0;
	*total += m.author_name ? strlen(m.author_name) : 0;
	*total += m.title ? strlen(m.title) : 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct discourse_page pg;
	size_t total = 0;
	char *cause = NULL, *s;
	int64_t t;
	int n;

	n = discourse_parse((const char *)data, size, FUZZ_FORUM, fuzz_item,
	    &total, &pg, &cause);
	if (n == -1 && cause == NULL)
		abort();
	if (n >= 0 && ((size_t)n > pg.nraw || pg.min_id > pg.max_id))
		abort();
	free(cause);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)discourse_time(s, &t);
	free(s);
	return 0;
}
