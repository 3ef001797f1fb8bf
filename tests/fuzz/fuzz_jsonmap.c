/*
 * fuzz_jsonmap.c - libFuzzer target for the generic connectors' field
 * mapping (plugins/common/jsonmap.c). The first line of an input is a path
 * list, used as the items path and as the text path; the rest is a
 * document, mapped item by item with the defaults otherwise. Every mapped
 * item must have an id and a text, every string must be readable, and any
 * failure must say why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonmap.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch S, so that the sanitizers see a bad pointer. */
static size_t
touch(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/* Map every item of DOC with the settings S. */
static void
fuzz_map(const struct jsonmap_settings *s, const cJSON *doc)
{
	struct jsonmap map;
	struct jsonmap_item it;
	struct md_mention m;
	const cJSON **items = NULL;
	char *cause = NULL;
	size_t n, i, total = 0;

	if (jsonmap_init(&map, s, &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		return;
	}
	if (jsonmap_items(&map, doc, &items, &n, &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		jsonmap_clear(&map);
		return;
	}
	memset(&it, 0, sizeof(it));
	for (i = 0; i < n; i++) {
		m = (struct md_mention)MD_MENTION_INIT;
		cause = NULL;
		if (jsonmap_mention(&map, items[i], "http://f.test/a/b?c=d", &it,
		    &m, &cause) != 0) {
			if (cause == NULL)
				abort();
			free(cause);
			continue;
		}
		if (m.id == NULL || m.id[0] == '\0' || m.text == NULL)
			abort();
		total += touch(m.id) + touch(m.url) + touch(m.title) +
		    touch(m.text) + touch(m.author_handle) +
		    touch(m.author_name) + touch(m.lang);
		if (m.published < 0)
			abort();
	}
	(void)total;
	jsonmap_item_clear(&it);
	free(items);
	jsonmap_clear(&map);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonmap_settings s;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t plen = nl != NULL ? (size_t)(nl - data) : 0;
	char *path, *cause = NULL;
	const char *body = nl != NULL ? (const char *)nl + 1 :
	    (const char *)data;
	size_t blen = nl != NULL ? size - plen - 1 : size;
	cJSON *doc;

	if ((path = malloc(plen + 1)) == NULL)
		return 0;
	memcpy(path, data, plen);
	path[plen] = '\0';

	memset(&s, 0, sizeof(s));
	s.field[JSONMAP_ID] = "id";
	s.field[JSONMAP_URL] = "url | link.0.href";
	s.field[JSONMAP_TITLE] = "title";
	s.field[JSONMAP_TEXT] = "text";
	s.field[JSONMAP_AUTHOR] = "author";
	s.field[JSONMAP_AUTHOR_NAME] = "user.name";
	s.field[JSONMAP_PUBLISHED] = "published | created_at";
	s.field[JSONMAP_LANG] = "lang";
	s.field[JSONMAP_SCORE] = "score";
	s.field[JSONMAP_REPLIES] = "stats.-1";
	s.field[JSONMAP_REPOSTS] = "stats.0";

	doc = jsonmap_parse(body, blen, &cause);
	if (doc == NULL) {
		if (cause == NULL)
			abort();
		free(cause);
		free(path);
		return 0;
	}
	fuzz_map(&s, doc);		/* the defaults */
	s.items = path;
	fuzz_map(&s, doc);		/* the path as where the items are */
	s.items = NULL;
	s.field[JSONMAP_TEXT] = path;
	s.field[JSONMAP_ID] = path;
	fuzz_map(&s, doc);		/* the path as id and text */
	(void)jsonmap_date(path);
	cJSON_Delete(doc);
	free(path);
	return 0;
}
