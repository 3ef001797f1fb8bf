/*
 * fuzz_github.c - libFuzzer target for the GitHub connector's parser
 * (plugins/github/githubparse.c): any bytes as a search, comments or error
 * body; every item must have an id, a url and a text, every string must be
 * readable and the error message terminated. The input, NUL-terminated, is
 * also read as a time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "githubparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every field, so that the sanitizers see a bad pointer. */
static int
fuzz_item(const struct github_item *it, void *arg)
{
	struct md_mention m = MD_MENTION_INIT;
	size_t *total = arg;

	if (it->id == NULL || it->url == NULL || it->text == NULL)
		abort();
	github_mention(it, &m);
	*total += strlen(m.id) + strlen(m.url) + strlen(m.text);
	*total += m.author_handle ? strlen(m.author_handle) : 0;
	*total += m.title ? strlen(m.title) : 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct github_info info;
	size_t total = 0;
	char *cause = NULL, *s;
	int64_t t;
	int n;

	n = github_parse((const char *)data, size, fuzz_item, &total, &info,
	    &cause);
	if (n == -1 && cause == NULL)
		abort();
	if (n >= 0 && (size_t)n > info.nraw)
		abort();
	total += strlen(info.message);
	free(cause);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)github_time(s, &t);
	free(s);
	return 0;
}
