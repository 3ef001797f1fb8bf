/*
 * fuzz_stackexchange.c - libFuzzer target for the Stack Exchange
 * connector's parser (plugins/stackexchange/stackexchangeparse.c): any
 * bytes as an API body; every item must have an id with its kind's prefix,
 * a url and a text, every string must be readable, and the wrapper's error
 * strings must be terminated. The input, NUL-terminated, is also read as a
 * site name.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stackexchangeparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every field, so that the sanitizers see a bad pointer. */
static int
fuzz_item(const struct stackexchange_item *it, void *arg)
{
	static const char prefix[] = { 'q', 'a', 'c' };
	struct md_mention m = MD_MENTION_INIT;
	size_t *total = arg;

	if (it->id == NULL || it->url == NULL || it->text == NULL ||
	    it->id[0] != prefix[it->kind])
		abort();
	stackexchange_mention(it, &m);
	*total += strlen(m.id) + strlen(m.url) + strlen(m.text);
	*total += m.author_handle ? strlen(m.author_handle) : 0;
	*total += m.title ? strlen(m.title) : 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stackexchange_info info;
	size_t total = 0;
	char *cause = NULL, *s, domain[64];
	int n;

	n = stackexchange_parse((const char *)data, size, "stackoverflow.com",
	    fuzz_item, &total, &info, &cause);
	if (n == -1 && cause == NULL)
		abort();
	if (n >= 0 && (size_t)n > info.nraw)
		abort();
	total += strlen(info.error_name) + strlen(info.error_message);
	free(cause);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	stackexchange_domain(s, domain, sizeof domain);
	if (strlen(domain) >= sizeof domain)
		abort();
	free(s);
	return 0;
}
