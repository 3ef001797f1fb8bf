/*
 * fuzz_webhook.c - libFuzzer target for the webhook connector's body parse
 * (plugins/webhook/webhookbody.c): any bytes as a POSTed body, mapped with
 * the default mention fields. A body is taken whole or refused with a
 * reason; every mention handed over has an id and a text. The first line
 * is also tried as a Content-Type.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonmap.h"
#include "webhookbody.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every string of a mention. */
static int
fuzz_mention(void *arg, const struct md_mention *m)
{
	size_t *total = arg;

	if (m->id == NULL || m->id[0] == '\0' || m->text == NULL)
		abort();
	*total += strlen(m->id) + strlen(m->text);
	*total += m->url != NULL ? strlen(m->url) : 0;
	*total += m->title != NULL ? strlen(m->title) : 0;
	*total += m->author_handle != NULL ? strlen(m->author_handle) : 0;
	*total += m->author_name != NULL ? strlen(m->author_name) : 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonmap_settings s;
	struct jsonmap map;
	const uint8_t *nl;
	char *cause = NULL, *line;
	size_t total = 0, n;
	int rc;

	memset(&s, 0, sizeof(s));
	s.field[JSONMAP_ID] = "id";
	s.field[JSONMAP_URL] = "url";
	s.field[JSONMAP_TITLE] = "title";
	s.field[JSONMAP_TEXT] = "text";
	s.field[JSONMAP_AUTHOR] = "author";
	s.field[JSONMAP_PUBLISHED] = "published";
	if (jsonmap_init(&map, &s, &cause) != 0)
		abort();
	rc = webhook_body(&map, (const char *)data, size, fuzz_mention, &total,
	    &cause);
	if (rc == -1 && cause == NULL)
		abort();
	free(cause);
	jsonmap_clear(&map);

	nl = memchr(data, '\n', size);
	n = nl != NULL ? (size_t)(nl - data) : size;
	if ((line = malloc(n + 1)) != NULL) {
		memcpy(line, data, n);
		line[n] = '\0';
		(void)webhook_json_type(line);
		free(line);
	}
	return 0;
}
