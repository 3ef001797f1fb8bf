/*
 * mastodon.c - the Mastodon connector: follows hashtag timelines (and the
 * federated public timeline) of one instance, by REST polls with a min_id
 * cursor per timeline and, given an access token, by the streaming API's
 * server-sent events. Statuses become mentions in mastoparse.c; this file
 * makes the requests, keeps the cursors and drops what it emitted already.
 *
 * REST: GET {instance}/api/v1/timelines/tag/TAG?limit=N&min_id=CURSOR (and
 * /api/v1/timelines/public) every interval, conditional GETs by the host. A
 * full page means more is waiting: the Link header's "prev" page (newer) is
 * fetched next, a few pages at most per poll; on a first run (no cursor) the
 * "next" pages (older) are read back one hour at most instead.
 *
 * Streaming (stream = yes and a token): GET {streaming}/api/v1/streaming/
 * hashtag?tag=TAG (and /public) as text/event-stream. "update" carries a
 * status, "status.update" an edited one (emitted again under the same id:
 * the host's dedup treats it as an edit), "delete" an id (logged). The polls
 * go on beside the streams, catching what a reconnect missed; the statuses
 * emitted lately are remembered so that neither path repeats the other.
 */
/* strdup(3), strcasecmp(3), asprintf(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mentiond/plugin.h"

#include "mastoparse.h"
#include "cred.h"
#include "idring.h"
#include "strbuf.h"
#include "urlenc.h"

#define MASTODON_SEEN_MAX	4096	/* ids of statuses emitted lately */
#define MASTODON_PAGES_MAX	5	/* extra pages per timeline and poll */
#define MASTODON_FIRST_WINDOW	3600	/* seconds read back on a first run */
#define MASTODON_LIMIT_MAX	40	/* the API's largest page */
#define MASTODON_TOKEN_CRED	"mastodon-token"
#define MASTODON_TOKEN_ENV	"MENTIOND_MASTODON_TOKEN"

struct mastodon;

/* One timeline followed: a hashtag, or the public timeline. */
struct mastodon_timeline {
	struct mastodon		*ms;
	char			*name;		/* "#tag" or "public", for logs */
	char			*state_key;	/* "min_id #tag" */
	char			*path;		/* /api/v1/timelines/... */
	char			*stream_url;
	char			*cursor;	/* min_id, NULL on a first run */
	struct md_task		*poll;
	struct md_task		*page;		/* a page fetch in flight */
	struct md_task		*wait;		/* the next page, when backed up */
	char			*next_url;	/* what wait fetches */
	int			 pages;		/* extra pages this round */
	int			 older;		/* paging back, on a first run */
	int			 broken;	/* a broken body was logged */
	int			 stream_broken;	/* a broken event was logged */
};

struct mastodon {
	/* Settings, filled by the host before start(). */
	const char		*instance;
	const char		*hashtags;
	int			 public_tl;
	int			 stream;
	const char		*token_file;
	const char		*streaming;
	double			 interval;
	long long		 limit;
	double			 stall_timeout;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	char			*base;		/* instance, no trailing '/' */
	char			*stream_base;
	char			*auth;		/* "Authorization: Bearer ..." */
	const char		*headers[3];	/* REST: Accept, Authorization */
	const char		*stream_headers[2];
	struct mastodon_timeline *tls;
	size_t			 ntls;
	struct idring		 seen;		/* ids emitted lately */
	int			 backed_up;	/* emit said the pipeline is full */
};

/* How a page reached us. */
enum mastodon_how {
	MASTODON_POLL,			/* the timeline's poll */
	MASTODON_CHAIN,			/* a page fetched after a full one */
	MASTODON_STREAM,		/* a stream's update */
	MASTODON_EDIT,			/* a stream's status.update */
};

/* What the parser's callback needs. */
struct mastodon_pass {
	struct mastodon		*ms;
	enum mastodon_how	 how;
	int			 emitted;
};

/* mastoparse_fn: emit one status unless it was emitted lately (an edit is
 * emitted again). */
static int
mastodon_status(const struct mastoparse_status *st, void *arg)
{
	struct mastodon_pass *pass = arg;
	struct mastodon *ms = pass->ms;
	int rc;

	if (pass->how != MASTODON_EDIT && idring_has(&ms->seen, st->m.id))
		return 0;
	rc = ms->host->emit(ms->src, &st->m);
	if (rc == -1)
		return 0;
	if (rc == 1)
		ms->backed_up = 1;
	idring_add(&ms->seen, st->m.id);
	pass->emitted++;
	return 0;
}

/* The URL of TL's page after (PARAM "min_id") or before ("max_id") ID, or
 * its newest page when ID is NULL (malloc'd). */
static char *
mastodon_url(const struct mastodon_timeline *tl, const char *param,
    const char *id)
{
	char *url;

	if (id == NULL) {
		if (asprintf(&url, "%s%s?limit=%lld", tl->ms->base, tl->path,
		    tl->ms->limit) == -1)
			return NULL;
	} else if (asprintf(&url, "%s%s?limit=%lld&%s=%s", tl->ms->base,
	    tl->path, tl->ms->limit, param, id) == -1)
		return NULL;
	return url;
}

/* Move TL's cursor to ID if it is newer, durably, and poll from there. */
static void
mastodon_set_cursor(struct mastodon_timeline *tl, const char *id)
{
	struct mastodon *ms = tl->ms;
	char *copy, *url;

	if (id == NULL || id[0] == '\0' || (tl->cursor != NULL &&
	    mastoparse_idcmp(id, tl->cursor) <= 0))
		return;
	if ((copy = strdup(id)) == NULL)
		return;
	free(tl->cursor);
	tl->cursor = copy;
	ms->host->state_set(ms->src, tl->state_key, tl->cursor);
	if (tl->poll != NULL && (url = mastodon_url(tl, "min_id",
	    tl->cursor)) != NULL) {
		ms->host->http_poll_set_url(tl->poll, url);
		free(url);
	}
}

/* The URL of relation REL ("prev", "next") in Link header VALUE, if it is on
 * the instance (a token is sent there), with a limit (malloc'd); or NULL. */
static char *
mastodon_link(const struct mastodon *ms, const char *value, const char *rel)
{
	const char *p = value, *lt, *gt, *end, *r;
	size_t blen = strlen(ms->base), rlen = strlen(rel);
	char *url = NULL;
	int match;

	while (p != NULL && (lt = strchr(p, '<')) != NULL) {
		if ((gt = strchr(lt, '>')) == NULL)
			break;
		end = strchr(gt, ',');
		if (end == NULL)
			end = gt + strlen(gt);
		match = 0;
		for (r = gt; r + 4 < end; r++) {
			if (strncasecmp(r, "rel=", 4) != 0)
				continue;
			r += 4;
			if (*r == '"')
				r++;
			match = (size_t)(end - r) >= rlen &&
			    strncasecmp(r, rel, rlen) == 0 &&
			    (r[rlen] == '"' || r[rlen] == ';' ||
			    r[rlen] == ',' || r[rlen] == ' ' || r[rlen] == '\0');
			break;
		}
		if (match) {
			lt++;
			if ((size_t)(gt - lt) <= blen ||
			    strncasecmp(lt, ms->base, blen) != 0 ||
			    lt[blen] != '/' || memchr(lt, ' ', gt - lt) != NULL)
				return NULL;
			if (memmem(lt, gt - lt, "limit=", 6) != NULL) {
				if (asprintf(&url, "%.*s", (int)(gt - lt),
				    lt) == -1)
					return NULL;
			} else if (asprintf(&url, "%.*s%climit=%lld",
			    (int)(gt - lt), lt, memchr(lt, '?', gt - lt) !=
			    NULL ? '&' : '?', ms->limit) == -1)
				return NULL;
			return url;
		}
		p = *end == ',' ? end + 1 : NULL;
	}
	return NULL;
}

static void	mastodon_fetch(struct mastodon_timeline *, const char *);

/* The wait for room is over: fetch the next page. */
static void
mastodon_wait_done(struct md_source *src, void *arg)
{
	struct mastodon_timeline *tl = arg;
	char *url = tl->next_url;

	tl->wait = NULL;
	tl->next_url = NULL;
	if (url != NULL)
		mastodon_fetch(tl, url);
	free(url);
}

/* Go on paging TL from RESP, whose page is PAGE, if it was full. */
static void
mastodon_more(struct mastodon_timeline *tl, const struct md_http_response *resp,
    const struct mastoparse_page *page, int had_cursor, enum mastodon_how how)
{
	struct mastodon *ms = tl->ms;
	const char *link = NULL;
	char *url = NULL;

	if (page->count < (size_t)ms->limit || page->newest[0] == '\0')
		return;
	if (how == MASTODON_POLL) {
		if (tl->page != NULL || tl->wait != NULL)
			return;		/* a chain is running already */
		tl->pages = 0;
		tl->older = !had_cursor;
	} else if (++tl->pages >= MASTODON_PAGES_MAX) {
		if (!tl->older)
			ms->host->log(ms->src, MD_LOG_INFO, "%s: more than %d "
			    "full pages of new statuses; the rest at the next "
			    "poll", tl->name, MASTODON_PAGES_MAX + 1);
		return;
	}
	if (tl->older && (page->oldest_created == 0 ||
	    page->oldest_created < (int64_t)time(NULL) - MASTODON_FIRST_WINDOW))
		return;
	if (MD_HOST_HAS(ms->host, http_header))
		link = ms->host->http_header(resp, "Link");
	if (link != NULL)
		url = mastodon_link(ms, link, tl->older ? "next" : "prev");
	if (url == NULL)
		url = tl->older ? mastodon_url(tl, "max_id", page->oldest) :
		    mastodon_url(tl, "min_id", page->newest);
	if (url == NULL)
		return;
	if (ms->backed_up) {
		/* The host holds timers back until the pipeline has room. */
		tl->next_url = url;
		tl->wait = ms->host->timer_add(ms->src, 0, 0,
		    mastodon_wait_done, tl);
		if (tl->wait == NULL) {
			free(tl->next_url);
			tl->next_url = NULL;
		}
		return;
	}
	mastodon_fetch(tl, url);
	free(url);
}

/* A page of TL arrived (RESP, 2xx): emit, move the cursor, maybe page on. */
static void
mastodon_page(struct mastodon_timeline *tl, const struct md_http_response *resp,
    enum mastodon_how how)
{
	struct mastodon *ms = tl->ms;
	struct mastodon_pass pass = { ms, how, 0 };
	struct mastoparse_page page;
	char *cause = NULL;
	int n, had_cursor = tl->cursor != NULL;

	ms->backed_up = 0;
	n = mastoparse_page(resp->body, resp->body_len, mastodon_status, &pass,
	    &page, &cause);
	if (n == -1 || cause != NULL) {
		if (!tl->broken)
			ms->host->log(ms->src, MD_LOG_WARNING, "%s: %s: %s "
			    "(%zu bytes); the cursor stays", tl->name,
			    resp->url != NULL ? resp->url : tl->path,
			    cause != NULL ? cause : "not understood",
			    resp->body_len);
		tl->broken = 1;
		free(cause);
		return;
	}
	tl->broken = 0;
	if (pass.emitted > 0)
		ms->host->log(ms->src, MD_LOG_INFO, "%s: %d new %s", tl->name,
		    pass.emitted, pass.emitted == 1 ? "status" : "statuses");
	/* Right after the page's mentions: the host commits it after them. */
	mastodon_set_cursor(tl, page.newest);
	mastodon_more(tl, resp, &page, had_cursor, how);
}

/* A page fetched after a full one. */
static void
mastodon_fetch_done(struct md_source *src, const struct md_http_response *resp,
    void *arg)
{
	struct mastodon_timeline *tl = arg;
	struct mastodon *ms = tl->ms;

	tl->page = NULL;	/* freed by the host when this returns */
	if (resp->error != NULL || resp->status < 200 || resp->status > 299) {
		if (resp->error != NULL)
			ms->host->log(ms->src, MD_LOG_WARNING, "%s: next page: "
			    "%s; going on at the next poll", tl->name,
			    resp->error);
		else
			ms->host->log(ms->src, MD_LOG_WARNING, "%s: next page: "
			    "HTTP %ld; going on at the next poll", tl->name,
			    resp->status);
		return;
	}
	mastodon_page(tl, resp, MASTODON_CHAIN);
}

/* Fetch page URL of TL. */
static void
mastodon_fetch(struct mastodon_timeline *tl, const char *url)
{
	struct mastodon *ms = tl->ms;
	struct md_http_request req = { .url = url, .headers = ms->headers };

	tl->page = ms->host->http_fetch(ms->src, &req, mastodon_fetch_done, tl);
}

/* The poll of a timeline has a new page. */
static void
mastodon_poll_done(struct md_source *src, const struct md_http_response *resp,
    void *arg)
{
	mastodon_page(arg, resp, MASTODON_POLL);
}

/* One message of a timeline's stream. */
static void
mastodon_stream_event(struct md_source *src, const struct md_stream_event *ev,
    void *arg)
{
	struct mastodon_timeline *tl = arg;
	struct mastodon *ms = tl->ms;
	struct mastodon_pass pass = { ms, MASTODON_STREAM, 0 };
	char *cause = NULL;
	int n;

	if (ev->event == NULL || ev->data == NULL)
		return;
	if (strcmp(ev->event, "delete") == 0) {
		ms->host->log(ms->src, MD_LOG_DEBUG, "%s: status %.64s deleted",
		    tl->name, ev->data);
		return;
	}
	if (strcmp(ev->event, "status.update") == 0)
		pass.how = MASTODON_EDIT;
	else if (strcmp(ev->event, "update") != 0) {
		ms->host->log(ms->src, MD_LOG_DEBUG, "%s: stream event %.64s "
		    "ignored", tl->name, ev->event);
		return;
	}
	ms->backed_up = 0;
	n = mastoparse_page(ev->data, ev->data_len, mastodon_status, &pass,
	    NULL, &cause);
	if (n == -1 || cause != NULL) {
		if (!tl->stream_broken)
			ms->host->log(ms->src, MD_LOG_WARNING, "%s: stream "
			    "event %s: %s (%zu bytes)", tl->name, ev->event,
			    cause != NULL ? cause : "not understood",
			    ev->data_len);
		tl->stream_broken = 1;
		free(cause);
		return;
	}
	tl->stream_broken = 0;
	if (pass.emitted > 0)
		ms->host->log(ms->src, MD_LOG_DEBUG, "%s: %s from the stream",
		    tl->name, pass.how == MASTODON_EDIT ? "an edit" :
		    "a status");
}

/* Find the access token (cred_get): token_file, the systemd credential, or
 * the environment. Returns 0 with *TOKEN (or NULL when there is none) and
 * *WHERE, or -1 with *CAUSE when the configured file cannot be used. */
static int
mastodon_token(struct mastodon *ms, char **token, const char **where,
    char **cause)
{
	static const char *const from[] = { NULL, "token_file",
	    "$CREDENTIALS_DIRECTORY/" MASTODON_TOKEN_CRED,
	    "$" MASTODON_TOKEN_ENV };
	enum cred_from f;
	char *warning, *why;
	const char *e;
	size_t n;

	*where = NULL;
	*token = cred_get(ms->token_file, MASTODON_TOKEN_CRED,
	    MASTODON_TOKEN_ENV, &f, &warning, &why);
	if (warning != NULL) {
		ms->host->log(ms->src, MD_LOG_WARNING, "credential %s: %s",
		    MASTODON_TOKEN_CRED, warning);
		free(warning);
	}
	if (*token == NULL) {
		if (why == NULL)
			return 0;
		*cause = strbuf_msg("token_file: %s", why);
		free(why);
		return -1;
	}
	/* Blanks before the token are no part of it (cred_get drops those
	 * after). A bearer token is one word of printable ASCII; a variable
	 * that is something else is passed over. */
	if ((n = strspn(*token, " \t")) > 0)
		memmove(*token, *token + n, strlen(*token + n) + 1);
	for (e = *token; *e != '\0'; e++)
		if ((unsigned char)*e <= ' ' || (unsigned char)*e >= 0x7f)
			break;
	if (*e != '\0') {
		free(*token);
		*token = NULL;
		if (f == CRED_ENV)
			return 0;
		*cause = strbuf_msg("%s: the token has a character that "
		    "cannot be sent", from[f]);
		return -1;
	}
	*where = from[f];
	return 0;
}

/* Add a timeline named NAME with REST PATH and stream URL STREAM (both
 * taken). Returns -1 when out of memory. */
static int
mastodon_add(struct mastodon *ms, const char *name, char *path, char *stream)
{
	struct mastodon_timeline *tls, *tl;
	const char *cursor;

	tls = realloc(ms->tls, (ms->ntls + 1) * sizeof *tls);
	if (tls == NULL || path == NULL || stream == NULL) {
		if (tls != NULL)
			ms->tls = tls;
		free(path);
		free(stream);
		return -1;
	}
	ms->tls = tls;
	tl = &tls[ms->ntls];
	memset(tl, 0, sizeof *tl);
	tl->ms = ms;
	tl->path = path;
	tl->stream_url = stream;
	tl->name = strdup(name);
	if (tl->name == NULL || asprintf(&tl->state_key, "min_id %s",
	    name) == -1) {
		free(tl->name);
		free(path);
		free(stream);
		return -1;
	}
	cursor = ms->host->state_get(ms->src, tl->state_key);
	if (cursor != NULL && cursor[0] != '\0')
		tl->cursor = strdup(cursor);
	ms->ntls++;
	return 0;
}

/* Add the timelines of the settings; -1 with *CAUSE on a problem. */
static int
mastodon_timelines(struct mastodon *ms, char **cause)
{
	const char *p = ms->hashtags != NULL ? ms->hashtags : "";
	char tag[256], name[260], *enc, *path, *stream;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, ", \t#");
		n = strcspn(p, ", \t");
		if (n == 0)
			continue;
		if (n >= sizeof tag || (memchr(p, '#', n) != NULL)) {
			if (asprintf(cause, "hashtags: bad hashtag '%.*s'",
			    (int)n, p) == -1)
				*cause = NULL;
			return -1;
		}
		memcpy(tag, p, n);
		tag[n] = '\0';
		p += n;
		if ((enc = urlenc_component(tag)) == NULL)
			goto oom;
		snprintf(name, sizeof name, "#%s", tag);
		if (asprintf(&path, "/api/v1/timelines/tag/%s", enc) == -1)
			path = NULL;
		if (asprintf(&stream, "%s/api/v1/streaming/hashtag?tag=%s",
		    ms->stream_base, enc) == -1)
			stream = NULL;
		free(enc);
		if (mastodon_add(ms, name, path, stream) == -1)
			goto oom;
	}
	if (ms->public_tl) {
		path = strdup("/api/v1/timelines/public");
		if (asprintf(&stream, "%s/api/v1/streaming/public",
		    ms->stream_base) == -1)
			stream = NULL;
		if (mastodon_add(ms, "public", path, stream) == -1)
			goto oom;
	}
	if (ms->ntls == 0) {
		*cause = strdup("nothing to follow: set hashtags, or public = "
		    "yes");
		return -1;
	}
	return 0;
oom:
	*cause = strdup("out of memory");
	return -1;
}

/* A copy of URL without its trailing slashes, or NULL. */
static char *
mastodon_trim(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return strndup(url, n);
}

/* The instance the cursors belong to changed: forget them. */
static void
mastodon_check_instance(struct mastodon *ms)
{
	const char *was = ms->host->state_get(ms->src, "instance");
	size_t i;

	if (was != NULL && strcmp(was, ms->base) != 0) {
		ms->host->log(ms->src, MD_LOG_NOTICE, "the instance was %s: its "
		    "cursors are forgotten", was);
		for (i = 0; i < ms->ntls; i++) {
			free(ms->tls[i].cursor);
			ms->tls[i].cursor = NULL;
			ms->host->state_set(ms->src, ms->tls[i].state_key, NULL);
		}
	}
	if (was == NULL || strcmp(was, ms->base) != 0)
		ms->host->state_set(ms->src, "instance", ms->base);
}

static void	mastodon_stop(struct md_source *, void *);

/* Start the polls and, with a token, the streams; see mastodon_start. */
static int
mastodon_begin(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct mastodon *ms = ctx;
	struct md_http_request req = { .url = NULL };
	struct md_stream_request sreq = { .url = NULL };
	struct mastodon_timeline *tl;
	const char *where = NULL;
	char *token = NULL, *url;
	size_t i, h = 0;

	ms->src = src;
	ms->host = host;
	if (ms->limit < 1 || ms->limit > MASTODON_LIMIT_MAX) {
		host->log(src, MD_LOG_WARNING, "limit %lld is out of 1..%d: "
		    "using %d", ms->limit, MASTODON_LIMIT_MAX,
		    MASTODON_LIMIT_MAX);
		ms->limit = MASTODON_LIMIT_MAX;
	}
	ms->base = mastodon_trim(ms->instance);
	ms->stream_base = mastodon_trim(ms->streaming != NULL ?
	    ms->streaming : ms->instance);
	if (ms->base == NULL || ms->stream_base == NULL ||
	    idring_init(&ms->seen, MASTODON_SEEN_MAX) != 0) {
		*cause = strdup("out of memory");
		return -1;
	}
	if (mastodon_timelines(ms, cause) == -1)
		return -1;
	mastodon_check_instance(ms);
	if (mastodon_token(ms, &token, &where, cause) == -1)
		return -1;
	ms->headers[h++] = "Accept: application/json";
	if (token != NULL) {
		if (asprintf(&ms->auth, "Authorization: Bearer %s", token) == -1)
			ms->auth = NULL;
		free(token);
		if (ms->auth == NULL) {
			*cause = strdup("out of memory");
			return -1;
		}
		ms->headers[h++] = ms->auth;
	}
	ms->headers[h] = NULL;
	/* Streams say Accept: text/event-stream (the host adds it). */
	ms->stream_headers[0] = ms->auth;
	ms->stream_headers[1] = NULL;

	if (ms->stream && ms->auth == NULL)
		host->log(src, MD_LOG_WARNING, "stream = yes but no access token "
		    "(token_file, $CREDENTIALS_DIRECTORY/" MASTODON_TOKEN_CRED
		    " or $" MASTODON_TOKEN_ENV "): streaming is off, current "
		    "servers refuse it without one; polling the REST timelines "
		    "every %.0f s instead", ms->interval);
	else if (ms->auth == NULL)
		host->log(src, MD_LOG_INFO, "no access token: polling "
		    "anonymously (an instance that hides its timelines from "
		    "visitors will refuse)");
	else
		host->log(src, MD_LOG_INFO, "access token from %s", where);

	for (i = 0; i < ms->ntls; i++) {
		tl = &ms->tls[i];
		if ((url = mastodon_url(tl, "min_id", tl->cursor)) == NULL) {
			*cause = strdup("out of memory");
			return -1;
		}
		req.url = url;
		req.headers = ms->headers;
		tl->poll = host->http_poll(src, &req, ms->interval,
		    mastodon_poll_done, tl);
		free(url);
		if (tl->poll == NULL) {
			*cause = strdup("cannot start polling");
			return -1;
		}
		if (!ms->stream || ms->auth == NULL)
			continue;
		sreq.url = tl->stream_url;
		sreq.headers = ms->stream_headers;
		sreq.framing = MD_STREAM_SSE;
		sreq.stall_timeout = ms->stall_timeout;
		if (host->http_stream(src, &sreq, mastodon_stream_event,
		    tl) == NULL) {
			*cause = strdup("cannot open the stream");
			return -1;
		}
	}
	host->log(src, MD_LOG_INFO, "following %zu %s on %s%s", ms->ntls,
	    ms->ntls == 1 ? "timeline" : "timelines", ms->base,
	    ms->stream && ms->auth != NULL ? ", streaming" : "");
	return 0;
}

/* Start the source, or free what was allocated when it cannot start. */
static int
mastodon_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	if (mastodon_begin(src, host, ctx, cause) == 0)
		return 0;
	mastodon_stop(src, ctx);
	return -1;
}

/* Free what start() allocated; the host cancels the tasks. */
static void
mastodon_stop(struct md_source *src, void *ctx)
{
	struct mastodon *ms = ctx;
	size_t i;

	for (i = 0; i < ms->ntls; i++) {
		free(ms->tls[i].name);
		free(ms->tls[i].state_key);
		free(ms->tls[i].path);
		free(ms->tls[i].stream_url);
		free(ms->tls[i].cursor);
		free(ms->tls[i].next_url);
	}
	free(ms->tls);
	ms->tls = NULL;
	ms->ntls = 0;
	idring_free(&ms->seen);
	free(ms->base);
	free(ms->stream_base);
	free(ms->auth);
	ms->base = ms->stream_base = ms->auth = NULL;
}

/* What mastodon_parse hands each status to. */
struct mastodon_parse_arg {
	md_parse_fn	 emit;
	void		*arg;
};

/* mastoparse_fn for mastodon_parse: the mention as it is emitted. */
static int
mastodon_parse_status(const struct mastoparse_status *st, void *arg)
{
	struct mastodon_parse_arg *pa = arg;

	return pa->emit(pa->arg, &st->m);
}

/* md_plugin.parse: the statuses of a saved timeline page or status. */
static int
mastodon_parse(void *ctx, const struct md_http_response *resp,
    md_parse_fn emit, void *arg, char **cause)
{
	struct mastodon_parse_arg pa = { emit, arg };

	return mastoparse_page(resp->body, resp->body_len,
	    mastodon_parse_status, &pa, NULL, cause);
}

static const struct md_setting mastodon_settings[] = {
	{ "instance", MD_SET_URL, NULL, offsetof(struct mastodon, instance),
	    MD_SETTING_REQUIRED, "the instance's base URL" },
	{ "hashtags", MD_SET_STRING, NULL, offsetof(struct mastodon, hashtags),
	    0, "hashtags to follow, comma-separated (# optional)" },
	{ "public", MD_SET_BOOL, "no", offsetof(struct mastodon, public_tl),
	    0, "also follow the federated public timeline" },
	{ "stream", MD_SET_BOOL, "no", offsetof(struct mastodon, stream),
	    0, "follow the streaming API too (needs a token)" },
	{ "token_file", MD_SET_STRING, NULL,
	    offsetof(struct mastodon, token_file), 0,
	    "a file holding the access token" },
	{ "streaming", MD_SET_URL, NULL, offsetof(struct mastodon, streaming),
	    0, "the streaming API's base URL, when not the instance's" },
	{ "interval", MD_SET_DURATION, "1m", offsetof(struct mastodon,
	    interval), 0, "time between polls of each timeline" },
	{ "limit", MD_SET_INT, "40", offsetof(struct mastodon, limit), 0,
	    "statuses per page, 1 to 40" },
	{ "stall_timeout", MD_SET_DURATION, "60s",
	    offsetof(struct mastodon, stall_timeout), 0,
	    "reconnect a silent stream after this long" },
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "mastodon",
	.version = "0.1",
	.description = "follows hashtag and public timelines of a Mastodon "
	    "instance",
	.settings = mastodon_settings,
	.ctx_size = sizeof(struct mastodon),
	.start = mastodon_start,
	.stop = mastodon_stop,
	.parse = mastodon_parse,
};
