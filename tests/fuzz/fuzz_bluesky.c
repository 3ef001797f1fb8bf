/*
 * fuzz_bluesky.c - libFuzzer target for the Bluesky parser
 * (plugins/bluesky/bskyparse.c): any bytes as a searchPosts response; every
 * mention must have an id and a text, and every string must be readable.
 * The bytes also go through the facet code directly, as a text whose first
 * bytes say where its link facets are, so that any offsets at all are tried.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "bskyparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every field, so that the sanitizers see a bad pointer. */
static int
fuzz_post(const struct bskyparse_post *p, void *arg)
{
	size_t *total = arg;
	const struct md_mention *m = &p->m;

	if (m->id == NULL || m->text == NULL || m->text[0] == '\0')
		abort();
	*total += strlen(m->id) + strlen(m->text);
	*total += m->url ? strlen(m->url) : 0;
	*total += m->author_handle ? strlen(m->author_handle) : 0;
	*total += m->author_name ? strlen(m->author_name) : 0;
	*total += m->lang ? strlen(m->lang) : 0;
	if (m->score < -1 || m->replies < -1 || p->sort_us < 0)
		abort();
	return 0;
}

/* Facets at offsets taken from the first bytes, on the rest as text. */
static void
fuzz_facets(const uint8_t *data, size_t size)
{
	cJSON *facets, *f, *index, *features, *link;
	char *text, *out;
	size_t i, n, len;

	if (size < 8)
		return;
	n = data[0] % 5;
	if ((text = malloc(size - 8 + 1)) == NULL)
		return;
	memcpy(text, data + 8, size - 8);
	text[size - 8] = '\0';
	len = strlen(text);
	facets = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		f = cJSON_CreateObject();
		index = cJSON_AddObjectToObject(f, "index");
		cJSON_AddNumberToObject(index, "byteStart",
		    (double)data[1 + i] - 2);
		cJSON_AddNumberToObject(index, "byteEnd",
		    (double)data[2 + i] + (i & 1 ? 0.5 : 0));
		features = cJSON_AddArrayToObject(f, "features");
		link = cJSON_CreateObject();
		cJSON_AddStringToObject(link, "$type",
		    "app.bsky.richtext.facet#link");
		cJSON_AddStringToObject(link, "uri", i & 2 ? text :
		    "https://example.com/a&b");
		cJSON_AddItemToArray(features, link);
		cJSON_AddItemToArray(facets, f);
	}
	out = bskyparse_text(text, len, facets);
	if (out != NULL && strlen(out) > (len + 30) * 6 * (n + 1))
		abort();
	free(out);
	cJSON_Delete(facets);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bskyparse_page page;
	size_t total = 0;
	char *cause = NULL, *s;
	int n;

	n = bskyparse_page((const char *)data, size, fuzz_post, &total, &page,
	    &cause);
	if (n == -1 && cause == NULL)
		abort();
	if (page.cursor != NULL && strlen(page.cursor) > BSKYPARSE_CURSOR_MAX)
		abort();
	bskyparse_page_clear(&page);
	free(cause);
	fuzz_facets(data, size);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)bskyparse_date_us(s);
	free(s);
	return 0;
}
