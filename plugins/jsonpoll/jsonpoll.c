/*
 * jsonpoll.c - the jsonpoll connector: polls any JSON API with the host's
 * conditional GETs and maps each item of the response to a mention with a
 * mapping from the config (plugins/common/jsonmap.h), so that a user adds a
 * source without writing C.
 *
 * The cursor: the value at `cursor` of the newest item (or of the response,
 * with cursor_from = response) is sent as the query parameter `cursor_param`
 * on the next request and kept in the state under "cursor". Whatever the
 * server does with it, the ids emitted lately are kept too ("seen", an
 * idring), so a server that ignores the cursor repeats nothing, nor does a
 * restart. See README.md.
 */
/* strdup(3), strcasecmp(3) under -std=c11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "mentiond/plugin.h"

#include "cred.h"
#include "idring.h"
#include "jsonmap.h"
#include "strbuf.h"

#define JSONPOLL_SEEN_MAX	4096	/* ids remembered: several pages */

struct jsonpoll {
	/* Settings, filled by the host before start(). */
	const char		*url;
	double			 interval;
	const char		*headers;
	const char		*token_file;
	const char		*auth_header;
	const char		*cursor;
	const char		*cursor_param;
	const char		*cursor_from;
	const char		*newest;
	struct jsonmap_settings	 mapset;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	struct jsonmap		 map;
	struct jsonmap_alts	 cursor_path;
	int			 cursor_response;	/* cursor_from = response */
	int			 newest_last;
	char			**hdrs;
	struct md_task		*poll;
	struct idring		 seen;
	char			*cursor_value;		/* last one sent */
	char			*broken;		/* last body error logged */
	struct jsonmap_quiet	 quiet_items;
	int			 emitted;		/* in this response */
	int			 repeated;
};

/* What one page hands each mapped item to. */
typedef int (*jsonpoll_item_fn)(void *arg, const struct md_mention *m);

/* Check and compile the settings that start() and parse() share. */
static int
jsonpoll_setup(struct jsonpoll *jp, char **cause)
{
	char *why = NULL;

	if (strcmp(jp->newest, "first") == 0)
		jp->newest_last = 0;
	else if (strcmp(jp->newest, "last") == 0)
		jp->newest_last = 1;
	else {
		*cause = strbuf_msg("newest: '%s' is not first or last",
		    jp->newest);
		return -1;
	}
	if (strcmp(jp->cursor_from, "item") == 0)
		jp->cursor_response = 0;
	else if (strcmp(jp->cursor_from, "response") == 0)
		jp->cursor_response = 1;
	else {
		*cause = strbuf_msg("cursor_from: '%s' is not item or "
		    "response", jp->cursor_from);
		return -1;
	}
	if (jsonmap_init(&jp->map, &jp->mapset, cause) != 0)
		return -1;
	if (jsonmap_alts_parse(&jp->cursor_path, jp->cursor, &why) != 0) {
		*cause = strbuf_msg("cursor: %s", why);
		free(why);
		jsonmap_clear(&jp->map);
		return -1;
	}
	return 0;
}

/* Free what jsonpoll_setup compiled. */
static void
jsonpoll_teardown(struct jsonpoll *jp)
{
	jsonmap_clear(&jp->map);
	jsonmap_alts_clear(&jp->cursor_path);
}

/* The cursor value at the cursor path of NODE (malloc'd), or NULL. */
static char *
jsonpoll_cursor_at(const struct jsonpoll *jp, const cJSON *node)
{
	char buf[32];
	const char *s;

	if (jp->cursor_path.nalt == 0)
		return NULL;
	s = jsonmap_scalar(jsonmap_get(&jp->cursor_path, node), buf,
	    sizeof(buf));
	return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

/*
 * One response body: hand each item's mention to FN, oldest first. Returns
 * the number of items mapped, with *cursor the new cursor (malloc'd, or
 * NULL) and *skipped / *skip_why (malloc'd) about items that could not be
 * mapped; or -1 with *cause when the body is not usable at all.
 */
static int
jsonpoll_page(struct jsonpoll *jp, const struct md_http_response *resp,
    jsonpoll_item_fn fn, void *arg, char **cursor, int *skipped,
    char **skip_why, char **cause)
{
	struct md_mention m;
	struct jsonmap_item it;
	const cJSON **items = NULL;
	const char *base;
	cJSON *doc;
	char *why;
	size_t n, i, k;
	int mapped = 0;

	*cursor = NULL;
	*skipped = 0;
	*skip_why = NULL;
	if ((doc = jsonmap_parse(resp->body, resp->body_len, cause)) == NULL)
		return -1;
	if (jsonmap_items(&jp->map, doc, &items, &n, cause) != 0) {
		cJSON_Delete(doc);
		return -1;
	}
	base = resp->url != NULL ? resp->url : jp->url;
	memset(&it, 0, sizeof(it));
	for (k = 0; k < n; k++) {
		i = jp->newest_last ? k : n - 1 - k;
		m = (struct md_mention)MD_MENTION_INIT;
		why = NULL;
		if (jsonmap_mention(&jp->map, items[i], base, &it, &m,
		    &why) != 0) {
			if (*skip_why == NULL)
				*skip_why = strbuf_msg("item %zu: %s", i,
				    why);
			free(why);
			(*skipped)++;
			continue;
		}
		mapped++;
		if (fn(arg, &m) != 0)
			break;
	}
	jsonmap_item_clear(&it);
	if (jp->cursor_response)
		*cursor = jsonpoll_cursor_at(jp, doc);
	else if (n > 0)
		*cursor = jsonpoll_cursor_at(jp, items[jp->newest_last ?
		    n - 1 : 0]);
	free(items);
	cJSON_Delete(doc);
	return mapped;
}

/* The poll URL carrying cursor VALUE (malloc'd), or NULL. An earlier
 * cursor_param in the configured URL is replaced. */
static char *
jsonpoll_url(const struct jsonpoll *jp, const char *value)
{
	CURLU *u;
	char *query = NULL, *kept, *pair, *save = NULL, *out = NULL, *add;
	size_t plen = strlen(jp->cursor_param);

	if ((u = curl_url()) == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, jp->url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
		if ((kept = calloc(1, strlen(query) + 1)) == NULL)
			goto out;
		for (pair = strtok_r(query, "&", &save); pair != NULL;
		    pair = strtok_r(NULL, "&", &save)) {
			if (strncmp(pair, jp->cursor_param, plen) == 0 &&
			    (pair[plen] == '=' || pair[plen] == '\0'))
				continue;
			if (*kept != '\0')
				strcat(kept, "&");
			strcat(kept, pair);
		}
		curl_url_set(u, CURLUPART_QUERY, *kept != '\0' ? kept : NULL,
		    0);
		free(kept);
	}
	if ((add = strbuf_msg("%s=%s", jp->cursor_param, value)) == NULL)
		goto out;
	if (curl_url_set(u, CURLUPART_QUERY, add, CURLU_APPENDQUERY |
	    CURLU_URLENCODE) == CURLUE_OK)
		curl_url_get(u, CURLUPART_URL, &out, 0);
	free(add);
out:
	curl_free(query);
	curl_url_cleanup(u);
	if (out != NULL) {
		add = strdup(out);
		curl_free(out);
		return add;
	}
	return NULL;
}

/* Send cursor VALUE from the next request on, and keep it. */
static void
jsonpoll_set_cursor(struct jsonpoll *jp, const char *value)
{
	char *url;

	if (jp->cursor_param == NULL)
		return;
	if ((url = jsonpoll_url(jp, value)) == NULL) {
		jp->host->log(jp->src, MD_LOG_WARNING, "cannot put cursor "
		    "'%.64s' in %s", value, jp->url);
		return;
	}
	if (jp->poll != NULL)
		jp->host->http_poll_set_url(jp->poll, url);
	free(url);
	free(jp->cursor_value);
	jp->cursor_value = strdup(value);
}

/* The running connector's item: emit it unless it was emitted before. */
static int
jsonpoll_item(void *arg, const struct md_mention *m)
{
	struct jsonpoll *jp = arg;

	if (idring_has(&jp->seen, m->id)) {
		jp->repeated++;
		return 0;
	}
	/* 1 (backed up) still means taken: the page is in memory anyway. */
	if (jp->host->emit(jp->src, m) != -1)
		jp->emitted++;
	idring_add(&jp->seen, m->id);
	return 0;
}

/* Log a broken body, once until the error changes. */
static void
jsonpoll_broken(struct jsonpoll *jp, const char *url, const char *cause)
{
	if (jp->broken != NULL && strcmp(jp->broken, cause) == 0)
		return;
	jp->host->log(jp->src, MD_LOG_WARNING, "%s: response not usable, "
	    "nothing emitted: %s", url, cause);
	free(jp->broken);
	jp->broken = strdup(cause);
}

/* A new response: emit its new items, then save the cursor. */
static void
jsonpoll_response(struct md_source *src, const struct md_http_response *resp,
    void *arg)
{
	struct jsonpoll *jp = arg;
	const char *url = resp->url != NULL ? resp->url : jp->url;
	char *cursor = NULL, *why = NULL, *cause = NULL, *seen;
	unsigned long held;
	int n, skipped;

	(void)src;
	jp->emitted = jp->repeated = 0;
	n = jsonpoll_page(jp, resp, jsonpoll_item, jp, &cursor, &skipped,
	    &why, &cause);
	if (n == -1) {
		jsonpoll_broken(jp, url, cause);
		free(cause);
		return;
	}
	if (jp->broken != NULL) {
		jp->host->log(jp->src, MD_LOG_INFO, "%s: the response is "
		    "usable again", url);
		free(jp->broken);
		jp->broken = NULL;
	}
	if (skipped > 0 && jsonmap_quiet_due(&jp->quiet_items, &held))
		jp->host->log(jp->src, MD_LOG_WARNING, "%s: %d of %d items "
		    "skipped (%s)%s", url, skipped, n + skipped, why,
		    held > 0 ? "; more responses like this since the last "
		    "warning" : "");
	free(why);
	if (jp->emitted > 0) {
		jp->host->log(jp->src, MD_LOG_INFO, "%s: %d new %s%s", url,
		    jp->emitted, jp->emitted == 1 ? "item" : "items",
		    jp->repeated > 0 ? ", the others seen before" : "");
		if ((seen = idring_save(&jp->seen)) != NULL) {
			jp->host->state_set(jp->src, "seen", seen);
			free(seen);
		}
	}
	if (cursor != NULL && (jp->cursor_value == NULL ||
	    strcmp(cursor, jp->cursor_value) != 0)) {
		jsonpoll_set_cursor(jp, cursor);
		jp->host->state_set(jp->src, "cursor", cursor);
		jp->host->state_set(jp->src, "cursor_url", jp->url);
	}
	free(cursor);
}

/* What jsonpoll_parse hands each item to. */
struct jsonpoll_parse_arg {
	md_parse_fn	 emit;
	void		*arg;
};

/* One item for jsonpoll_parse. */
static int
jsonpoll_parse_item(void *arg, const struct md_mention *m)
{
	struct jsonpoll_parse_arg *pa = arg;

	return pa->emit(pa->arg, m);
}

/* md_plugin.parse: the items of one saved response, all of them. */
static int
jsonpoll_parse(void *ctx, const struct md_http_response *resp,
    md_parse_fn emit, void *arg, char **cause)
{
	struct jsonpoll *jp = ctx;
	struct jsonpoll_parse_arg pa = { emit, arg };
	char *cursor = NULL, *why = NULL;
	int n, skipped;

	if (jsonpoll_setup(jp, cause) != 0)
		return -1;
	n = jsonpoll_page(jp, resp, jsonpoll_parse_item, &pa, &cursor,
	    &skipped, &why, cause);
	if (n >= 0 && skipped > 0)
		*cause = strbuf_msg("%d of %d items skipped (%s)", skipped,
		    n + skipped, why);
	free(why);
	free(cursor);
	jsonpoll_teardown(jp);
	return n;
}

/* The Authorization (or other) line carrying the token, or none. */
static int
jsonpoll_token(struct jsonpoll *jp, char **line, char **cause)
{
	char *token, *where = NULL;

	*line = NULL;
	token = cred_read(jp->token_file, "jsonpoll-token",
	    "MENTIOND_JSONPOLL_TOKEN", &where, cause);
	if (token == NULL && *cause != NULL)
		return -1;
	if (token == NULL) {
		jp->host->log(jp->src, MD_LOG_INFO, "no token (token_file, "
		    "$CREDENTIALS_DIRECTORY/jsonpoll-token or "
		    "$MENTIOND_JSONPOLL_TOKEN): requests go without "
		    "credentials");
		return 0;
	}
	*line = cred_auth_line(jp->auth_header, token, cause);
	free(token);
	if (*line == NULL) {
		free(where);
		return -1;
	}
	jp->host->log(jp->src, MD_LOG_INFO, "token from %s, sent in the %.*s "
	    "header", where, (int)strcspn(*line, ":"), *line);
	free(where);
	return 0;
}

/* Start polling. */
static int
jsonpoll_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct jsonpoll *jp = ctx;
	struct md_http_request req = { .url = NULL };
	const char *state_url, *state_cursor;
	char *auth = NULL, *url = NULL;

	jp->src = src;
	jp->host = host;
	if (jsonpoll_setup(jp, cause) != 0)
		return -1;
	if ((jp->cursor == NULL) != (jp->cursor_param == NULL)) {
		*cause = strdup("cursor and cursor_param go together: one "
		    "says where the cursor is, the other how to send it");
		goto fail;
	}
	if (jsonpoll_token(jp, &auth, cause) != 0)
		goto fail;
	jp->hdrs = cred_headers(jp->headers, "Accept: application/json",
	    auth, cause);
	free(auth);
	if (jp->hdrs == NULL)
		goto fail;
	if (idring_init(&jp->seen, JSONPOLL_SEEN_MAX) != 0) {
		*cause = strdup("out of memory");
		goto fail;
	}
	idring_load(&jp->seen, host->state_get(src, "seen"));

	/* A cursor saved for another URL means nothing here. */
	state_cursor = host->state_get(src, "cursor");
	state_url = host->state_get(src, "cursor_url");
	if (state_cursor != NULL && jp->cursor_param != NULL &&
	    (state_url == NULL || strcmp(state_url, jp->url) == 0)) {
		url = jsonpoll_url(jp, state_cursor);
		jp->cursor_value = strdup(state_cursor);
	}
	req.url = url != NULL ? url : jp->url;
	req.headers = (const char *const *)jp->hdrs;
	jp->poll = host->http_poll(src, &req, jp->interval, jsonpoll_response,
	    jp);
	free(url);
	if (jp->poll == NULL) {
		*cause = strdup("cannot start polling");
		goto fail;
	}
	return 0;
fail:
	jsonpoll_teardown(jp);
	cred_headers_free(jp->hdrs);
	jp->hdrs = NULL;
	idring_free(&jp->seen);
	free(jp->cursor_value);
	jp->cursor_value = NULL;
	return -1;
}

/* Stop: the host cancels the poll; free the rest. */
static void
jsonpoll_stop(struct md_source *src, void *ctx)
{
	struct jsonpoll *jp = ctx;

	(void)src;
	jsonpoll_teardown(jp);
	cred_headers_free(jp->hdrs);
	jp->hdrs = NULL;
	idring_free(&jp->seen);
	free(jp->cursor_value);
	jp->cursor_value = NULL;
	free(jp->broken);
	jp->broken = NULL;
}

static const struct md_setting jsonpoll_settings[] = {
	{ "url", MD_SET_URL, NULL, offsetof(struct jsonpoll, url),
	    MD_SETTING_REQUIRED, "the JSON API's URL" },
	{ "interval", MD_SET_DURATION, "1m", offsetof(struct jsonpoll,
	    interval), 0, "time between polls" },
	{ "headers", MD_SET_STRING, NULL, offsetof(struct jsonpoll, headers),
	    0, "extra request headers, \"Name: value | Name: value\"" },
	{ "token_file", MD_SET_STRING, NULL, offsetof(struct jsonpoll,
	    token_file), 0, "file holding a token for auth_header" },
	{ "auth_header", MD_SET_STRING, "Bearer", offsetof(struct jsonpoll,
	    auth_header), 0, "how the token is sent: a scheme for "
	    "Authorization, or \"Header-Name:\"" },
	{ "cursor", MD_SET_STRING, NULL, offsetof(struct jsonpoll, cursor), 0,
	    "path of the cursor in the newest item (or the response)" },
	{ "cursor_param", MD_SET_STRING, NULL, offsetof(struct jsonpoll,
	    cursor_param), 0, "query parameter that sends the cursor" },
	{ "cursor_from", MD_SET_STRING, "item", offsetof(struct jsonpoll,
	    cursor_from), 0, "item (the newest one's) or response" },
	{ "newest", MD_SET_STRING, "first", offsetof(struct jsonpoll, newest),
	    0, "first or last: where the newest item is in the array" },
	JSONMAP_SETTINGS(struct jsonpoll, mapset),
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "jsonpoll",
	.version = "0.1",
	.description = "polls a JSON API, fields mapped by the config",
	.settings = jsonpoll_settings,
	.ctx_size = sizeof(struct jsonpoll),
	.start = jsonpoll_start,
	.stop = jsonpoll_stop,
	.parse = jsonpoll_parse,
};
