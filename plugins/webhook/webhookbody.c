/*
 * webhookbody.c - a POSTed body to mentions (see webhookbody.h): parsed,
 * its items found and every one mapped before any is handed over, so that
 * a sender told 400 knows nothing of its request was taken.
 */
/* strdup(3), strncasecmp(3) under -std=c11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webhookbody.h"

/* Map item I of ITEMS into M; -1 with *cause naming the item. */
static int
webhook_body_item(const struct jsonmap *map, const cJSON **items, size_t n,
    size_t i, struct jsonmap_item *it, struct md_mention *m, char **cause)
{
	char *why = NULL;
	int len;

	*m = (struct md_mention)MD_MENTION_INIT;
	if (jsonmap_mention(map, items[i], NULL, it, m, &why) == 0)
		return 0;
	len = snprintf(NULL, 0, "item %zu of %zu: %s", i, n, why);
	if (len < 0 || (*cause = malloc((size_t)len + 1)) == NULL)
		*cause = strdup("out of memory");
	else
		snprintf(*cause, (size_t)len + 1, "item %zu of %zu: %s", i, n,
		    why);
	free(why);
	return -1;
}

/* The mentions of a body (see webhookbody.h). */
int
webhook_body(const struct jsonmap *map, const char *body, size_t len,
    webhook_body_fn fn, void *arg, char **cause)
{
	struct md_mention m;
	struct jsonmap_item it;
	const cJSON **items = NULL;
	cJSON *doc;
	size_t n, i;
	int rc = -1;

	if ((doc = jsonmap_parse(body, len, cause)) == NULL)
		return -1;
	if (jsonmap_items(map, doc, &items, &n, cause) != 0)
		goto out;
	memset(&it, 0, sizeof(it));
	for (i = 0; i < n; i++) {
		if (webhook_body_item(map, items, n, i, &it, &m, cause) != 0) {
			jsonmap_item_clear(&it);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (webhook_body_item(map, items, n, i, &it, &m, cause) != 0 ||
		    fn(arg, &m) != 0)
			break;
	}
	jsonmap_item_clear(&it);
	rc = (int)n;
out:
	free(items);
	cJSON_Delete(doc);
	return rc;
}

/* Whether TYPE is a JSON media type. */
int
webhook_json_type(const char *type)
{
	size_t n;

	if (type == NULL)
		return 0;
	while (*type == ' ' || *type == '\t')
		type++;
	n = strcspn(type, "; \t");
	if (n == 16 && strncasecmp(type, "application/json", 16) == 0)
		return 1;
	return n > 17 && strncasecmp(type, "application/", 12) == 0 &&
	    strncasecmp(type + n - 5, "+json", 5) == 0;
}
