/*
 * sse.c - the sse connector: follows a Server-Sent Events stream (or an
 * NDJSON one, framing = lines) with the host's http_stream, which
 * reconnects with Last-Event-ID, and maps the JSON of each message to
 * mentions with the config's mapping (plugins/common/jsonmap.h). A message
 * may hold one item or an array of them (or, with `items`, a member that
 * does), so that a user follows a push API without writing C.
 *
 * Which messages: those of the event names in `events` (all by default);
 * heartbeats (blank data, an empty object or array, a bare value, events
 * named ping, heartbeat or keepalive when `events` is not set) are skipped
 * quietly. The ids emitted lately are kept in the state ("seen") so that a
 * server replaying its recent history after a reconnect or a restart
 * repeats nothing. See README.md.
 */
/* strdup(3), strcasecmp(3), strtok_r(3) under -std=c11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mentiond/plugin.h"

#include "cred.h"
#include "idring.h"
#include "jsonmap.h"
#include "strbuf.h"

#define SSE_SEEN_MAX	2048	/* ids remembered */
#define SSE_SAVE_EVERY	2.0	/* seconds between saves of "seen" */

struct sse {
	/* Settings, filled by the host before start(). */
	const char		*url;
	const char		*framing;
	const char		*events;
	const char		*headers;
	const char		*token_file;
	const char		*auth_header;
	double			 stall;
	struct jsonmap_settings	 mapset;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	struct jsonmap		 map;
	enum md_stream_framing	 mode;
	char			**names;	/* events, NULL-terminated */
	char			**hdrs;
	struct idring		 seen;
	char			*last_id;	/* the stream's last SSE id */
	int			 last_id_dirty;
	struct jsonmap_quiet	 quiet_broken;
	struct jsonmap_quiet	 quiet_items;
	unsigned long		 emitted;	/* since the last log line */
};

/* What one message hands each mapped item to. */
typedef int (*sse_item_fn)(void *arg, const struct md_mention *m);

/* Free a NULL-terminated array of strings. */
static void
sse_strings_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* The names in LIST (separated by commas or blanks), NULL-terminated;
 * NULL for an empty list. */
static char **
sse_names(const char *list)
{
	char *copy, *tok, *save = NULL, **v = NULL, **nv;
	size_t n = 0;

	if (list == NULL || (copy = strdup(list)) == NULL)
		return NULL;
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if ((nv = realloc(v, (n + 2) * sizeof(*v))) == NULL)
			break;
		v = nv;
		if ((v[n] = strdup(tok)) == NULL)
			break;
		v[++n] = NULL;
	}
	free(copy);
	return v;
}

/* Check and compile the settings that start() and parse() share. */
static int
sse_setup(struct sse *s, char **cause)
{
	if (strcmp(s->framing, "sse") == 0)
		s->mode = MD_STREAM_SSE;
	else if (strcmp(s->framing, "lines") == 0 ||
	    strcmp(s->framing, "ndjson") == 0)
		s->mode = MD_STREAM_LINES;
	else {
		*cause = strbuf_msg("framing: '%s' is not sse or lines",
		    s->framing);
		return -1;
	}
	if (jsonmap_init(&s->map, &s->mapset, cause) != 0)
		return -1;
	s->names = sse_names(s->events);
	return 0;
}

/* Free what sse_setup made. */
static void
sse_teardown(struct sse *s)
{
	jsonmap_clear(&s->map);
	sse_strings_free(s->names);
	s->names = NULL;
}

/* Whether messages of event EVENT are wanted. */
static int
sse_wanted(const struct sse *s, const char *event)
{
	static const char *const heartbeats[] = { "ping", "heartbeat",
	    "keepalive", "keep-alive", NULL };
	size_t i;

	if (event == NULL)
		return 1;	/* lines have no event name */
	if (s->names == NULL) {
		for (i = 0; heartbeats[i] != NULL; i++)
			if (strcasecmp(event, heartbeats[i]) == 0)
				return 0;
		return 1;
	}
	for (i = 0; s->names[i] != NULL; i++)
		if (strcmp(event, s->names[i]) == 0)
			return 1;
	return 0;
}

/* Whether DOC carries nothing (a keep-alive): an empty container or a bare
 * value. */
static int
sse_empty(const cJSON *doc)
{
	if (cJSON_IsObject(doc) || cJSON_IsArray(doc))
		return doc->child == NULL;
	return 1;
}

/*
 * One message: EVENT (NULL for lines) with DATA (LEN bytes). Hands each
 * item's mention to FN and returns how many; 0 for a heartbeat or an
 * unwanted event; -1 with *cause when the data is not JSON. Items that
 * cannot be mapped are counted in *skipped, the first reason in *skip_why.
 */
static int
sse_message(struct sse *s, const char *event, const char *data, size_t len,
    const char *base, sse_item_fn fn, void *arg, int *skipped,
    char **skip_why, char **cause)
{
	struct md_mention m;
	struct jsonmap_item it;
	const cJSON **items = NULL;
	cJSON *doc;
	char *why;
	size_t n, i, k;
	int mapped = 0;

	if (!sse_wanted(s, event))
		return 0;
	for (k = 0; k < len && isspace((unsigned char)data[k]); k++)
		;
	if (k == len)
		return 0;
	if ((doc = jsonmap_parse(data, len, cause)) == NULL)
		return -1;
	if (sse_empty(doc)) {
		cJSON_Delete(doc);
		return 0;
	}
	if (jsonmap_items(&s->map, doc, &items, &n, &why) != 0) {
		(*skipped)++;
		if (*skip_why == NULL)
			*skip_why = why;
		else
			free(why);
		cJSON_Delete(doc);
		return 0;
	}
	memset(&it, 0, sizeof(it));
	for (i = 0; i < n; i++) {
		m = (struct md_mention)MD_MENTION_INIT;
		why = NULL;
		if (jsonmap_mention(&s->map, items[i], base, &it, &m,
		    &why) != 0) {
			(*skipped)++;
			if (*skip_why == NULL)
				*skip_why = why;
			else
				free(why);
			continue;
		}
		mapped++;
		if (fn(arg, &m) != 0)
			break;
	}
	jsonmap_item_clear(&it);
	free(items);
	cJSON_Delete(doc);
	return mapped;
}

/* The running connector's item: emit it unless it was emitted before. */
static int
sse_item(void *arg, const struct md_mention *m)
{
	struct sse *s = arg;

	if (idring_has(&s->seen, m->id))
		return 0;
	if (s->host->emit(s->src, m) != -1)
		s->emitted++;
	idring_add(&s->seen, m->id);
	return 0;
}

/* A message from the stream. */
static void
sse_event(struct md_source *src, const struct md_stream_event *ev, void *arg)
{
	struct sse *s = arg;
	char *why = NULL, *cause = NULL;
	unsigned long held;
	int n, skipped = 0;

	(void)src;
	if (ev->id != NULL && (s->last_id == NULL ||
	    strcmp(ev->id, s->last_id) != 0)) {
		free(s->last_id);
		s->last_id = strdup(ev->id);
		s->last_id_dirty = 1;
	}
	n = sse_message(s, ev->event, ev->data, ev->data_len, s->url, sse_item,
	    s, &skipped, &why, &cause);
	if (n == -1) {
		if (jsonmap_quiet_due(&s->quiet_broken, &held))
			s->host->log(s->src, MD_LOG_WARNING, "message (event "
			    "%.64s, id %.64s) is not JSON, skipped: %s%s",
			    ev->event != NULL ? ev->event : "none",
			    ev->id != NULL ? ev->id : "none", cause,
			    held > 0 ? " (and others since the last warning)" :
			    "");
		free(cause);
		return;
	}
	if (skipped > 0 && jsonmap_quiet_due(&s->quiet_items, &held))
		s->host->log(s->src, MD_LOG_WARNING, "items skipped: %s%s",
		    why, held > 0 ? " (and others since the last warning)" :
		    "");
	free(why);
}

/* Every few seconds: save the ids emitted, if they changed. */
static void
sse_save(struct md_source *src, void *arg)
{
	struct sse *s = arg;
	char *text;

	if (s->emitted > 0) {
		s->host->log(src, MD_LOG_DEBUG, "%lu new %s", s->emitted,
		    s->emitted == 1 ? "item" : "items");
		s->emitted = 0;
	}
	/* The host commits state once Redis has what was emitted before,
	 * so a restart resumes after what was delivered, not what was read. */
	if (s->last_id_dirty && s->last_id != NULL) {
		s->host->state_set(src, "last_event_id", s->last_id);
		s->last_id_dirty = 0;
	}
	if (!s->seen.dirty || (text = idring_save(&s->seen)) == NULL)
		return;
	s->host->state_set(src, "seen", text);
	free(text);
}

/* What sse_parse hands each item to. */
struct sse_parse_arg {
	md_parse_fn	 emit;
	void		*arg;
	int		 stop;
};

/* One item for sse_parse. */
static int
sse_parse_item(void *arg, const struct md_mention *m)
{
	struct sse_parse_arg *pa = arg;

	if (pa->emit(pa->arg, m) != 0)
		pa->stop = 1;
	return pa->stop;
}

/* What a saved stream's messages go through in sse_parse. */
struct sse_parse_run {
	struct sse		*s;
	const char		*base;
	struct sse_parse_arg	 pa;
	int			 mapped;
	int			 skipped;
	int			 broken;
	char			*why;
};

/* One message of a saved stream. */
static void
sse_parse_message(struct sse_parse_run *r, const char *event,
    const char *data, size_t len)
{
	char *cause = NULL;
	int n;

	if (r->pa.stop)
		return;
	n = sse_message(r->s, event, data, len, r->base, sse_parse_item,
	    &r->pa, &r->skipped, &r->why, &cause);
	if (n == -1) {
		r->broken++;
		if (r->why == NULL)
			r->why = cause;
		else
			free(cause);
		return;
	}
	r->mapped += n;
}

/* The next line of BUF[*pos..len) ended by CR, LF or CRLF: its start and
 * length; 0 at the end. An unterminated last line is returned when LAST. */
static int
sse_line(const char *buf, size_t len, size_t *pos, const char **line,
    size_t *n, int last)
{
	size_t i;

	for (i = *pos; i < len && buf[i] != '\n' && buf[i] != '\r'; i++)
		;
	if (i == len && (!last || i == *pos))
		return 0;
	*line = buf + *pos;
	*n = i - *pos;
	if (i < len && buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
		i++;
	*pos = i < len ? i + 1 : i;
	return 1;
}

/* A saved text/event-stream, message by message, as the WHATWG standard
 * reads it: an unfinished last message is dropped, as the host does. */
static void
sse_parse_events(struct sse_parse_run *r, const char *buf, size_t len)
{
	char *data = NULL, *nd, event[128];
	const char *line, *value;
	size_t pos = 0, n, dlen = 0, flen, vlen;
	int have = 0;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	event[0] = '\0';
	while (sse_line(buf, len, &pos, &line, &n, 0)) {
		if (n == 0) {
			if (have) {
				if (dlen > 0 && data[dlen - 1] == '\n')
					dlen--;
				data[dlen] = '\0';
				sse_parse_message(r, event[0] != '\0' ? event :
				    "message", data, dlen);
			}
			have = 0;
			dlen = 0;
			event[0] = '\0';
			continue;
		}
		if (line[0] == ':')
			continue;
		value = memchr(line, ':', n);
		flen = value != NULL ? (size_t)(value - line) : n;
		if (value != NULL) {
			value++;
			if (value < line + n && *value == ' ')
				value++;
			vlen = (size_t)(line + n - value);
		} else {
			value = line + n;
			vlen = 0;
		}
		if (flen == 5 && memcmp(line, "event", 5) == 0) {
			if (vlen >= sizeof(event))
				vlen = sizeof(event) - 1;
			memcpy(event, value, vlen);
			event[vlen] = '\0';
		} else if (flen == 4 && memcmp(line, "data", 4) == 0) {
			if ((nd = realloc(data, dlen + vlen + 2)) == NULL)
				break;
			data = nd;
			memcpy(data + dlen, value, vlen);
			dlen += vlen;
			data[dlen++] = '\n';
			have = 1;
		}
	}
	free(data);
}

/* A saved NDJSON stream, line by line; blank lines are heartbeats. */
static void
sse_parse_lines(struct sse_parse_run *r, const char *buf, size_t len)
{
	const char *line;
	char *copy;
	size_t pos = 0, n;

	while (sse_line(buf, len, &pos, &line, &n, 1)) {
		if (n == 0 || (copy = malloc(n + 1)) == NULL)
			continue;
		memcpy(copy, line, n);
		copy[n] = '\0';
		sse_parse_message(r, NULL, copy, n);
		free(copy);
	}
}

/* md_plugin.parse: the mentions of a saved stream (text/event-stream, or
 * NDJSON with framing = lines), all of them. */
static int
sse_parse(void *ctx, const struct md_http_response *resp, md_parse_fn emit,
    void *arg, char **cause)
{
	struct sse *s = ctx;
	struct sse_parse_run r;

	if (sse_setup(s, cause) != 0)
		return -1;
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.base = resp->url != NULL ? resp->url : s->url;
	r.pa.emit = emit;
	r.pa.arg = arg;
	if (s->mode == MD_STREAM_LINES)
		sse_parse_lines(&r, resp->body, resp->body_len);
	else
		sse_parse_events(&r, resp->body, resp->body_len);
	if (r.broken > 0 || r.skipped > 0)
		*cause = strbuf_msg("%d %s not JSON, %d %s skipped (first: %s)",
		    r.broken, r.broken == 1 ? "message" : "messages", r.skipped,
		    r.skipped == 1 ? "item" : "items", r.why);
	free(r.why);
	sse_teardown(s);
	return r.mapped;
}

/* The header line carrying the token, or none. */
static int
sse_token(struct sse *s, char **line, char **cause)
{
	char *token, *where = NULL;

	*line = NULL;
	token = cred_read(s->token_file, "sse-token", "MENTIOND_SSE_TOKEN",
	    &where, cause);
	if (token == NULL && *cause != NULL)
		return -1;
	if (token == NULL) {
		s->host->log(s->src, MD_LOG_INFO, "no token (token_file, "
		    "$CREDENTIALS_DIRECTORY/sse-token or $MENTIOND_SSE_TOKEN): "
		    "the stream is opened without credentials");
		return 0;
	}
	*line = cred_auth_line(s->auth_header, token, cause);
	free(token);
	if (*line != NULL)
		s->host->log(s->src, MD_LOG_INFO, "token from %s, sent in the "
		    "%.*s header", where, (int)strcspn(*line, ":"), *line);
	free(where);
	return *line != NULL ? 0 : -1;
}

/* Free what start() made. */
static void
sse_release(struct sse *s)
{
	sse_teardown(s);
	sse_strings_free(s->hdrs);
	s->hdrs = NULL;
	idring_free(&s->seen);
	free(s->last_id);
	s->last_id = NULL;
}

/* Resume after ID (the last event id saved by the previous run; NULL on a
 * first run): the first connection sends Last-Event-ID: ID, so a server
 * that keeps history sends what came while we were away. The host sends
 * its own last id on each reconnect, in place of this one. */
static int
sse_resume(struct sse *s, const char *id, char **cause)
{
	char **h, *line;
	size_t n;

	if (id == NULL || *id == '\0' || strpbrk(id, "\r\n") != NULL)
		return 0;
	if ((s->last_id = strdup(id)) == NULL)
		goto oom;
	for (n = 0; s->hdrs[n] != NULL; n++)
		;
	if ((h = realloc(s->hdrs, (n + 2) * sizeof(*h))) == NULL)
		goto oom;
	s->hdrs = h;
	if ((line = malloc(strlen(id) + sizeof("Last-Event-ID: "))) == NULL)
		goto oom;
	strcpy(line, "Last-Event-ID: ");
	strcat(line, id);
	h[n] = line;
	h[n + 1] = NULL;
	s->host->log(s->src, MD_LOG_INFO, "resuming after event id %.64s",
	    id);
	return 0;
oom:
	*cause = strdup("out of memory");
	return -1;
}

/* Open the stream. */
static int
sse_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct sse *s = ctx;
	struct md_stream_request req = { .url = NULL };
	char *auth = NULL;

	s->src = src;
	s->host = host;
	if (sse_setup(s, cause) != 0)
		return -1;
	if (sse_token(s, &auth, cause) != 0)
		goto fail;
	s->hdrs = cred_headers(s->headers, s->mode == MD_STREAM_LINES ?
	    "Accept: application/x-ndjson, application/json" : NULL, auth,
	    cause);
	free(auth);
	if (s->hdrs == NULL)
		goto fail;
	if (idring_init(&s->seen, SSE_SEEN_MAX) != 0) {
		*cause = strdup("out of memory");
		goto fail;
	}
	idring_load(&s->seen, host->state_get(src, "seen"));
	s->seen.dirty = 0;
	if (s->mode == MD_STREAM_SSE && sse_resume(s, host->state_get(src,
	    "last_event_id"), cause) != 0)
		goto fail;
	req.url = s->url;
	req.headers = (const char *const *)s->hdrs;
	req.framing = s->mode;
	req.stall_timeout = s->stall;
	if (host->http_stream(src, &req, sse_event, s) == NULL) {
		*cause = strdup("cannot open the stream");
		goto fail;
	}
	if (host->timer_add(src, SSE_SAVE_EVERY, SSE_SAVE_EVERY, sse_save,
	    s) == NULL) {
		*cause = strdup("cannot add the save timer");
		goto fail;
	}
	return 0;
fail:
	sse_release(s);
	return -1;
}

/* Stop: save the ids emitted, free the rest (the host cancels the tasks). */
static void
sse_stop(struct md_source *src, void *ctx)
{
	struct sse *s = ctx;

	sse_save(src, s);
	sse_release(s);
}

static const struct md_setting sse_settings[] = {
	{ "url", MD_SET_URL, NULL, offsetof(struct sse, url),
	    MD_SETTING_REQUIRED, "the stream's URL" },
	{ "framing", MD_SET_STRING, "sse", offsetof(struct sse, framing), 0,
	    "sse (text/event-stream) or lines (NDJSON)" },
	{ "events", MD_SET_STRING, NULL, offsetof(struct sse, events), 0,
	    "SSE event names that carry mentions (default: all)" },
	{ "headers", MD_SET_STRING, NULL, offsetof(struct sse, headers), 0,
	    "extra request headers, \"Name: value | Name: value\"" },
	{ "token_file", MD_SET_STRING, NULL, offsetof(struct sse, token_file),
	    0, "file holding a token for auth_header" },
	{ "auth_header", MD_SET_STRING, "Bearer", offsetof(struct sse,
	    auth_header), 0, "how the token is sent: a scheme for "
	    "Authorization, or \"Header-Name:\"" },
	{ "stall", MD_SET_DURATION, "60s", offsetof(struct sse, stall), 0,
	    "reconnect after this long without a byte" },
	JSONMAP_SETTINGS(struct sse, mapset),
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "sse",
	.version = "0.1",
	.description = "follows an SSE or NDJSON stream, fields mapped by the "
	    "config",
	.settings = sse_settings,
	.ctx_size = sizeof(struct sse),
	.start = sse_start,
	.stop = sse_stop,
	.parse = sse_parse,
};
