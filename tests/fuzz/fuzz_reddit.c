/*
 * fuzz_reddit.c - libFuzzer target for the reddit connector's parser
 * (plugins/reddit/redditparse.c): any bytes as a listing. Every thing must
 * have a well-formed fullname; every mention an id equal to it, a text, and
 * an http(s) URL or none, and must go through mention_from_plugin as emit
 * would send it; a refused body must say why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mention.h"
#include "redditparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check one thing and take its mention as the host would. */
static int
fuzz_thing(const struct redditparse_item *it, void *arg)
{
	const struct md_mention *m = it->mention;
	struct mention *copy;
	char *cause = NULL;
	size_t *count = arg;

	if (it->fullname == NULL || strlen(it->fullname) < 4 ||
	    strlen(it->fullname) >= REDDITPARSE_NAME_MAX ||
	    it->fullname[0] != 't' || it->fullname[2] != '_' ||
	    it->created < 0)
		abort();
	if (m == NULL)
		return 0;
	if (m->id == NULL || strcmp(m->id, it->fullname) != 0 ||
	    m->text == NULL)
		abort();
	if (m->url != NULL && strncasecmp(m->url, "http://", 7) != 0 &&
	    strncasecmp(m->url, "https://", 8) != 0)
		abort();
	copy = mention_from_plugin("fuzz", "reddit", m, &cause);
	mention_free(copy);
	free(cause);
	(*count)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct redditparse_page pg;
	size_t count = 0;
	char *cause = NULL;
	int n;

	n = redditparse_parse((const char *)data, size, &pg, fuzz_thing,
	    &count, &cause);
	if (n == -1 && cause == NULL)
		abort();
	if (n >= 0 && (size_t)n != count)
		abort();
	if (pg.things < 0 || (pg.things > 0 && (pg.newest[0] == '\0' ||
	    pg.oldest[0] == '\0')))
		abort();
	free(cause);
	return 0;
}
