/*
 * fuzz_hackernews.c - libFuzzer target for the hackernews connector's parser
 * (plugins/hackernews/hnparse.c): any bytes as a search response. Every
 * mention must have an id and a text, an http(s) URL or none, and must go
 * through mention_from_plugin as emit would send it; a refused body must say
 * why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hnparse.h"
#include "mention.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check one mention and take it as the host would. */
static int
fuzz_mention(const struct md_mention *m, void *arg)
{
	struct mention *copy;
	char *cause = NULL;
	size_t *count = arg;

	if (m->id == NULL || m->id[0] == '\0' || m->text == NULL)
		abort();
	if (m->text[0] == '\0' && (m->title == NULL || m->title[0] == '\0'))
		abort();
	if (m->url != NULL && strncasecmp(m->url, "http://", 7) != 0 &&
	    strncasecmp(m->url, "https://", 8) != 0)
		abort();
	copy = mention_from_plugin("fuzz", "hackernews", m, &cause);
	mention_free(copy);
	free(cause);
	(*count)++;
	/* Now and then stop early, as a callback may. */
	return *count == 50 ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hnparse_page pg;
	size_t count = 0;
	char *cause = NULL;
	int n;

	n = hnparse_parse((const char *)data, size, &pg, fuzz_mention, &count,
	    &cause);
	if (n == -1 && cause == NULL)
		abort();
	if (n >= 0 && (size_t)n != count)
		abort();
	if (pg.hits < 0 || pg.skipped > pg.hits || pg.oldest > pg.newest)
		abort();
	free(cause);
	return 0;
}
