/*
 * bluesky.c - the Bluesky connector: searches posts for each of the tracks'
 * terms (or one `query`) with app.bsky.feed.searchPosts, newest first, and
 * emits the posts newer than what it emitted before. Posts become mentions
 * in bskyparse.c; this file makes the requests, keeps the session and the
 * cursors.
 *
 * Every interval, per term: GET {api}/xrpc/app.bsky.feed.searchPosts?q=TERM
 * &sort=latest&limit=N, then &cursor=... while a full page holds only new
 * posts (a few pages at most). "New" is by sortAt (the earlier of createdAt
 * and indexedAt, what "latest" sorts on): per term the state keeps the
 * newest one emitted, "since TERM" = "MARK", or "MARK TOP LOW" while a walk
 * of several pages is under way (the posts from LOW to TOP were emitted), so
 * that a restart in the middle of one neither skips nor repeats.
 *
 * With an identifier and an app password it logs in (createSession on the
 * PDS) and searches through the account's PDS with a bearer token; an
 * ExpiredToken answer refreshes the session (refreshSession with the refresh
 * token) and the request is made again, once. Without credentials it
 * searches anonymously on the public AppView, which may refuse.
 *
 * A round is the walks of every term (and a login first when there is no
 * session); the next begins at the host's pace (sooner after news, later
 * when quiet) once the last walk is over. A round in which a request or the
 * login failed is logged once by the host, and the next ones wait its
 * growing backoff; a spent rate limit (RateLimit-* headers) holds them
 * longer still.
 */
/* strdup(3), strndup(3), asprintf(3), explicit_bzero(3) under -std=c11. */
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

#include <cJSON.h>

#include "mentiond/plugin.h"

#include "bskyparse.h"
#include "cred.h"
#include "idring.h"
#include "logonce.h"
#include "pace.h"
#include "strbuf.h"
#include "urlenc.h"

#define BLUESKY_PUBLIC_API	"https://public.api.bsky.app"
#define BLUESKY_SEEN_MAX	4096	/* uris of posts emitted lately */
#define BLUESKY_PAGES_MAX	5	/* extra pages per term and poll */
#define BLUESKY_FIRST_WINDOW	3600	/* seconds read back on a first run */
#define BLUESKY_LIMIT_MAX	100	/* the API's largest page */
#define BLUESKY_HOLD_MAX	3600	/* longest rate-limit hold, seconds */
#define BLUESKY_PASSWORD_CRED	"bluesky-app-password"
#define BLUESKY_PASSWORD_ENV	"MENTIOND_BLUESKY_APP_PASSWORD"

/* Where the session stands. */
enum bluesky_session {
	BLUESKY_ANON,		/* no credentials: anonymous searches */
	BLUESKY_OUT,		/* credentials, not logged in */
	BLUESKY_LOGIN,		/* createSession in flight */
	BLUESKY_REFRESH,	/* refreshSession in flight */
	BLUESKY_IN,		/* logged in */
};

struct bluesky;

/* One search term, and its walk through the result pages when busy. */
struct bluesky_term {
	struct bluesky		*bs;
	char			*term;
	char			*state_key;	/* "since TERM" */
	int64_t			 mark;		/* sortAt emitted up to, us */
	int64_t			 top;		/* LOW..TOP emitted too, or 0 */
	int64_t			 low;
	int			 stale;		/* no longer a term */

	/* The walk. */
	int			 busy;
	int64_t			 skip_top;	/* top and low when it began */
	int64_t			 skip_low;
	int64_t			 walk_top;	/* sortAt range of its pages */
	int64_t			 walk_low;
	char			*cursor;
	int			 pages;		/* extra pages */
	int			 retried;	/* after a refreshed session */
	int			 waiting;	/* for a session */
	struct md_task		*task;
	struct bluesky_term	*next;
};

struct bluesky {
	/* Settings, filled by the host before start(). */
	const char		*api;
	const char		*pds;
	const char		*identifier;
	const char		*app_password_file;
	const char		*query;
	double			 interval;
	long long		 limit;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	char			*password;
	char			*pds_base;
	char			*search_base;
	char			*access;
	char			*refresh;
	char			*auth;		/* "Authorization: Bearer ..." */
	const char		*headers[3];
	enum bluesky_session	 session;
	time_t			 hold_until;	/* rate limited until then */
	struct pace		 pace;		/* the round's start, fresh,
						   failure */
	int			 in_round;	/* the round's walks are on */
	int			 starting;	/* they are being started */
	int			 refused_logged;
	int			 no_terms_logged;
	int			 backed_up;
	struct bluesky_term	*terms;
	struct idring		 seen;		/* ids emitted lately */
};

static void	bluesky_walk_request(struct bluesky_term *);
static void	bluesky_login(struct bluesky *);
static void	bluesky_round(struct md_source *, void *);
static void	bluesky_round_check(struct bluesky *);
static void	bluesky_round_walks(struct bluesky *);

/* A copy of URL without its trailing slashes, or NULL. */
static char *
bluesky_trim(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return strndup(url, n);
}

/* Set *P to a copy of S (or NULL), freeing what it held. */
static void
bluesky_set(char **p, const char *s)
{
	free(*p);
	*p = s != NULL ? strdup(s) : NULL;
}

/* Load T's saved state: "MARK" or "MARK TOP LOW". */
static void
bluesky_term_load(struct bluesky_term *t)
{
	const char *s = t->bs->host->state_get(t->bs->src, t->state_key);
	long long m = 0, top = 0, low = 0;

	if (s == NULL)
		return;
	if (sscanf(s, "%lld %lld %lld", &m, &top, &low) == 3 && top >= low &&
	    low > m) {
		t->top = top;
		t->low = low;
	}
	t->mark = m > 0 ? m : 0;
}

/* Save T's state: its mark, and the walk's emitted range while one is
 * under way (right after the page's mentions were emitted). */
static void
bluesky_term_save(struct bluesky_term *t)
{
	char buf[80];

	if (t->top > 0)
		snprintf(buf, sizeof buf, "%lld %lld %lld", (long long)t->mark,
		    (long long)t->top, (long long)t->low);
	else
		snprintf(buf, sizeof buf, "%lld", (long long)t->mark);
	t->bs->host->state_set(t->bs->src, t->state_key, buf);
}

/* The record of TERM, made when missing; NULL when out of memory. */
static struct bluesky_term *
bluesky_term_get(struct bluesky *bs, const char *term)
{
	struct bluesky_term *t;

	for (t = bs->terms; t != NULL; t = t->next)
		if (strcmp(t->term, term) == 0)
			return t;
	if ((t = calloc(1, sizeof *t)) == NULL)
		return NULL;
	t->bs = bs;
	if ((t->term = strdup(term)) == NULL ||
	    asprintf(&t->state_key, "since %s", term) == -1) {
		free(t->term);
		free(t);
		return NULL;
	}
	bluesky_term_load(t);
	t->next = bs->terms;
	bs->terms = t;
	return t;
}

/* Free term record T (out of the list). */
static void
bluesky_term_free(struct bluesky_term *t)
{
	free(t->term);
	free(t->state_key);
	free(t->cursor);
	free(t);
}

/* The error and message of an XRPC error body into ERR and MSG. */
static void
bluesky_xrpc_error(const struct md_http_response *resp, char *err,
    size_t esize, char *msg, size_t msize)
{
	const cJSON *e, *m;
	cJSON *root;

	err[0] = msg[0] = '\0';
	if (resp->body_len == 0 || (root = cJSON_ParseWithLength(resp->body,
	    resp->body_len)) == NULL)
		return;
	e = cJSON_GetObjectItemCaseSensitive(root, "error");
	m = cJSON_GetObjectItemCaseSensitive(root, "message");
	if (cJSON_IsString(e))
		snprintf(err, esize, "%s", e->valuestring);
	if (cJSON_IsString(m))
		snprintf(msg, msize, "%s", m->valuestring);
	cJSON_Delete(root);
}

/* "HTTP 500" or "HTTP 400 ExpiredToken: message" of RESP into BUF. */
static const char *
bluesky_why(const struct md_http_response *resp, char *buf, size_t size)
{
	char err[64], msg[200];

	if (resp->error != NULL)
		return resp->error;
	bluesky_xrpc_error(resp, err, sizeof err, msg, sizeof msg);
	snprintf(buf, size, "HTTP %ld%s%s%s%s", resp->status,
	    err[0] != '\0' ? " " : "", err, msg[0] != '\0' ? ": " : "", msg);
	return buf;
}

/* Hold every request while the server's rate limit is spent (RateLimit-*
 * headers, which the host does not read). */
static void
bluesky_ratelimit(struct bluesky *bs, const struct md_http_response *resp)
{
	const char *rem = NULL, *reset = NULL;
	time_t now = time(NULL), until;
	char *end;
	long long v;

	if (!MD_HOST_HAS(bs->host, http_header))
		return;
	rem = bs->host->http_header(resp, "RateLimit-Remaining");
	reset = bs->host->http_header(resp, "RateLimit-Reset");
	if (resp->status != 429 && (rem == NULL || strtoll(rem, NULL, 10) > 0))
		return;
	if (reset == NULL || (v = strtoll(reset, &end, 10)) <= 0 || end == reset)
		return;
	/* An epoch time, or (below 2001) seconds from now. */
	until = v > 1000000000LL ? (time_t)v : now + (time_t)v;
	if (until > now + BLUESKY_HOLD_MAX)
		until = now + BLUESKY_HOLD_MAX;
	if (until > bs->hold_until) {
		bs->hold_until = until;
		bs->host->log(bs->src, MD_LOG_WARNING, "rate limit reached: "
		    "no request for %lld s", (long long)(until - now));
	}
}

/* The walk of T is over: it is free for the next poll. */
static void
bluesky_walk_end(struct bluesky_term *t)
{
	t->busy = 0;
	t->waiting = 0;
	free(t->cursor);
	t->cursor = NULL;
	bluesky_round_check(t->bs);
}

/* The walk of T failed on RESP (a 2xx one when CAUSE says what was wrong
 * with its body): the round fails, which the host logs once; the walk
 * ends, what it emitted is saved already. */
static void
bluesky_walk_fail(struct bluesky_term *t, const struct md_http_response *resp,
    const char *cause)
{
	struct bluesky *bs = t->bs;
	char what[256];

	snprintf(what, sizeof what, "search for %s", t->term);
	pace_fail(&bs->pace, bs->host, bs->src, what, resp, cause,
	    bs->interval);
	bluesky_walk_end(t);
}

/* The walk of T reached what was emitted before, or its end: move the mark
 * to the newest post emitted. */
static void
bluesky_walk_done(struct bluesky_term *t)
{
	int64_t newest = t->walk_top;

	if (t->top > newest)
		newest = t->top;
	if (newest > t->mark || t->top > 0) {
		if (newest > t->mark)
			t->mark = newest;
		t->top = t->low = 0;
		bluesky_term_save(t);
	}
	bluesky_walk_end(t);
}

/* What the parser's callback needs. */
struct bluesky_pass {
	struct bluesky_term	*t;
	int			 emitted;
	int			 reached;	/* met a post emitted before */
};

/* bskyparse_fn: emit one post unless it was emitted before. */
static int
bluesky_post(const struct bskyparse_post *p, void *arg)
{
	struct bluesky_pass *pass = arg;
	struct bluesky_term *t = pass->t;
	struct bluesky *bs = t->bs;
	int rc;

	if (p->sort_us > 0 && p->sort_us <= t->mark) {
		pass->reached = 1;
		return 0;
	}
	/* Above the range's low end only: a post of the next page may share
	 * the time of the last one emitted (one emitted is known to the
	 * ring, or after a restart to Redis's seen keys). */
	if (p->sort_us > 0 && t->skip_top > 0 && p->sort_us > t->skip_low &&
	    p->sort_us <= t->skip_top)
		return 0;
	if (idring_has(&bs->seen, p->m.id))
		return 0;
	rc = bs->host->emit(bs->src, &p->m);
	if (rc == -1)
		return 0;
	if (rc == 1)
		bs->backed_up = 1;
	idring_add(&bs->seen, p->m.id);
	pass->emitted++;
	return 0;
}

/* The wait for room is over: fetch T's next page. */
static void
bluesky_wait_done(struct md_source *src, void *arg)
{
	struct bluesky_term *t = arg;

	t->task = NULL;
	bluesky_walk_request(t);
}

/* A page of T's results arrived (2xx): emit, then page on or finish. */
static void
bluesky_walk_page(struct bluesky_term *t, const struct md_http_response *resp)
{
	struct bluesky *bs = t->bs;
	struct bluesky_pass pass = { t, 0, 0 };
	struct bskyparse_page page;
	char *cause = NULL, why[256];
	int n, more;

	bs->backed_up = 0;
	n = bskyparse_page(resp->body, resp->body_len, bluesky_post, &pass,
	    &page, &cause);
	bs->pace.fresh += pass.emitted;
	if (n == -1 || cause != NULL) {
		snprintf(why, sizeof why, "%s (%zu bytes)", cause != NULL ?
		    cause : "not understood", resp->body_len);
		free(cause);
		bskyparse_page_clear(&page);
		bluesky_walk_fail(t, resp, why);
		return;
	}
	if (page.newest_us > t->walk_top)
		t->walk_top = page.newest_us;
	if (page.oldest_us > 0 && (t->walk_low == 0 ||
	    page.oldest_us < t->walk_low))
		t->walk_low = page.oldest_us;
	if (pass.emitted > 0)
		bs->host->log(bs->src, MD_LOG_INFO, "%s: %d new %s", t->term,
		    pass.emitted, pass.emitted == 1 ? "post" : "posts");
	more = !pass.reached && page.count >= (size_t)bs->limit &&
	    page.cursor != NULL && page.oldest_us > 0;
	if (more && t->mark == 0 && page.oldest_us / 1000000 <
	    (int64_t)time(NULL) - BLUESKY_FIRST_WINDOW)
		more = 0;	/* a first run reads back an hour at most */
	if (more && t->pages >= BLUESKY_PAGES_MAX) {
		bs->host->log(bs->src, MD_LOG_INFO, "%s: more than %d full "
		    "pages of new posts; older ones are left out", t->term,
		    BLUESKY_PAGES_MAX + 1);
		more = 0;
	}
	if (!more) {
		bskyparse_page_clear(&page);
		bluesky_walk_done(t);
		return;
	}
	/*
	 * Under way: every post of these pages is newer than the mark and
	 * was emitted, now or before; say so durably. The range of an earlier
	 * walk that stopped half way is kept when it joins this one.
	 */
	t->top = t->walk_top;
	t->low = t->walk_low;
	if (t->skip_top > 0 && t->walk_low <= t->skip_top &&
	    t->walk_top >= t->skip_low) {
		if (t->skip_top > t->top)
			t->top = t->skip_top;
		if (t->skip_low < t->low)
			t->low = t->skip_low;
	}
	if (t->low > t->mark)
		bluesky_term_save(t);
	else
		t->top = t->low = 0;
	free(t->cursor);
	t->cursor = page.cursor;
	page.cursor = NULL;
	t->pages++;
	if (bs->backed_up) {
		/* The host holds timers back until the pipeline has room. */
		t->task = bs->host->timer_add(bs->src, 0, 0, bluesky_wait_done,
		    t);
		if (t->task == NULL)
			bluesky_walk_end(t);
		return;
	}
	bluesky_walk_request(t);
}

/* Is RESP an expired or invalid access token? */
static int
bluesky_expired(const struct md_http_response *resp)
{
	char err[64], msg[8];

	if (resp->status == 401)
		return 1;
	if (resp->status != 400)
		return 0;
	bluesky_xrpc_error(resp, err, sizeof err, msg, sizeof msg);
	return strcmp(err, "ExpiredToken") == 0 ||
	    strcmp(err, "InvalidToken") == 0;
}

/* Refresh the session (the walks that need it wait). */
static void	bluesky_refresh(struct bluesky *);

/* A search request of T is over. */
static void
bluesky_search_done(struct md_source *src, const struct md_http_response *resp,
    void *arg)
{
	struct bluesky_term *t = arg;
	struct bluesky *bs = t->bs;
	char buf[320];

	t->task = NULL;		/* freed by the host when this returns */
	bluesky_ratelimit(bs, resp);
	if (resp->error == NULL && bs->auth != NULL && !t->retried &&
	    bluesky_expired(resp)) {
		t->retried = 1;
		t->waiting = 1;
		if (bs->session == BLUESKY_IN)
			bluesky_refresh(bs);
		return;
	}
	if (resp->error == NULL && bs->session == BLUESKY_ANON &&
	    (resp->status == 401 || resp->status == 403)) {
		if (!bs->refused_logged)
			bs->host->log(bs->src, MD_LOG_WARNING, "%s refuses "
			    "anonymous search (%s): set identifier and an app "
			    "password to search as an account", bs->search_base,
			    bluesky_why(resp, buf, sizeof buf));
		bs->refused_logged = 1;
		bluesky_walk_end(t);
		return;
	}
	if (resp->error != NULL || resp->status < 200 || resp->status > 299) {
		bluesky_walk_fail(t, resp, NULL);
		return;
	}
	bluesky_walk_page(t, resp);
}

/* Ask for T's current page. */
static void
bluesky_walk_request(struct bluesky_term *t)
{
	struct bluesky *bs = t->bs;
	struct md_http_request req = { .url = NULL, .headers = bs->headers };
	char *q, *c = NULL, *url = NULL;

	q = urlenc_component(t->term);
	if (t->cursor != NULL)
		c = urlenc_component(t->cursor);
	if (q == NULL || (t->cursor != NULL && c == NULL) ||
	    asprintf(&url, "%s/xrpc/app.bsky.feed.searchPosts?q=%s&sort=latest"
	    "&limit=%lld%s%s", bs->search_base, q, bs->limit, c != NULL ?
	    "&cursor=" : "", c != NULL ? c : "") == -1)
		url = NULL;
	free(q);
	free(c);
	if (url == NULL) {
		bluesky_walk_end(t);
		return;
	}
	req.url = url;
	t->task = bs->host->http_fetch(bs->src, &req, bluesky_search_done, t);
	free(url);
	if (t->task == NULL)
		bluesky_walk_end(t);
}

/* Start a walk of T's results, from the newest. */
static void
bluesky_walk_start(struct bluesky_term *t)
{
	t->busy = 1;
	t->skip_top = t->top;
	t->skip_low = t->low;
	t->walk_top = t->walk_low = 0;
	t->pages = 0;
	t->retried = 0;
	t->waiting = 0;
	free(t->cursor);
	t->cursor = NULL;
	bluesky_walk_request(t);
}

/* The session is ready (or lost, when OK is 0): go on with, or end, the
 * walks that waited for it. */
static void
bluesky_resume(struct bluesky *bs, int ok)
{
	struct bluesky_term *t;

	for (t = bs->terms; t != NULL; t = t->next) {
		if (!t->waiting)
			continue;
		t->waiting = 0;
		if (ok)
			bluesky_walk_request(t);
		else
			bluesky_walk_end(t);
	}
}

/* Take the tokens of a createSession or refreshSession answer (and the
 * PDS of its DID document); -1 when it has none. */
static int
bluesky_take_session(struct bluesky *bs, const struct md_http_response *resp,
    int login)
{
	const cJSON *a, *r, *h, *doc, *svc, *one, *id, *ep;
	const char *pds = NULL;
	cJSON *root;
	char *base;
	int rc = -1;

	if ((root = cJSON_ParseWithLength(resp->body, resp->body_len)) == NULL)
		return -1;
	a = cJSON_GetObjectItemCaseSensitive(root, "accessJwt");
	r = cJSON_GetObjectItemCaseSensitive(root, "refreshJwt");
	if (!cJSON_IsString(a) || !cJSON_IsString(r) ||
	    a->valuestring[0] == '\0' || r->valuestring[0] == '\0' ||
	    strpbrk(a->valuestring, "\r\n") != NULL)
		goto out;
	bluesky_set(&bs->access, a->valuestring);
	bluesky_set(&bs->refresh, r->valuestring);
	free(bs->auth);
	if (asprintf(&bs->auth, "Authorization: Bearer %s", bs->access) == -1)
		bs->auth = NULL;
	bs->headers[0] = "Accept: application/json";
	bs->headers[1] = bs->auth;
	bs->headers[2] = NULL;
	if (bs->access == NULL || bs->refresh == NULL || bs->auth == NULL)
		goto out;
	/* The account's PDS, where its requests belong. */
	doc = cJSON_GetObjectItemCaseSensitive(root, "didDoc");
	svc = cJSON_GetObjectItemCaseSensitive(doc, "service");
	cJSON_ArrayForEach(one, svc) {
		id = cJSON_GetObjectItemCaseSensitive(one, "id");
		ep = cJSON_GetObjectItemCaseSensitive(one, "serviceEndpoint");
		if (cJSON_IsString(id) && cJSON_IsString(ep) &&
		    (strcmp(id->valuestring, "#atproto_pds") == 0 ||
		    strstr(id->valuestring, "#atproto_pds") != NULL) &&
		    (strncmp(ep->valuestring, "https://", 8) == 0 ||
		    strncmp(ep->valuestring, "http://", 7) == 0) &&
		    strpbrk(ep->valuestring, " \r\n?#") == NULL) {
			pds = ep->valuestring;
			break;
		}
	}
	base = bluesky_trim(bs->api != NULL ? bs->api : pds != NULL ? pds :
	    bs->pds_base);
	if (base != NULL) {
		if (login && (bs->search_base == NULL ||
		    strcmp(base, bs->search_base) != 0)) {
			h = cJSON_GetObjectItemCaseSensitive(root, "handle");
			bs->host->log(bs->src, MD_LOG_INFO, "logged in as %s; "
			    "searching on %s", cJSON_IsString(h) ?
			    h->valuestring : bs->identifier, base);
		}
		free(bs->search_base);
		bs->search_base = base;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

/* Forget the session's tokens. */
static void
bluesky_drop_session(struct bluesky *bs)
{
	free(bs->access);
	free(bs->refresh);
	free(bs->auth);
	bs->access = bs->refresh = bs->auth = NULL;
	bs->headers[1] = NULL;
}

/* createSession answered. */
static void
bluesky_login_done(struct md_source *src, const struct md_http_response *resp,
    void *arg)
{
	struct bluesky *bs = arg;
	struct bluesky_term *t;
	char what[320];
	int waited = 0;

	(void)src;
	bluesky_ratelimit(bs, resp);
	if (resp->error == NULL && resp->status >= 200 && resp->status <= 299 &&
	    bluesky_take_session(bs, resp, 1) == 0) {
		bs->session = BLUESKY_IN;
		for (t = bs->terms; t != NULL; t = t->next)
			waited |= t->waiting;
		bluesky_resume(bs, 1);
		if (!waited)
			bluesky_round_walks(bs);
		return;
	}
	bluesky_drop_session(bs);
	bs->session = BLUESKY_OUT;
	/* The identifier and the PDS, never the password. */
	snprintf(what, sizeof what, "createSession as %s on %s",
	    bs->identifier, bs->pds_base);
	pace_fail(&bs->pace, bs->host, bs->src, what, resp,
	    "no tokens in the answer", bs->interval);
	bluesky_resume(bs, 0);
	bluesky_round_check(bs);
}

/* Log in with the identifier and the app password. */
static void
bluesky_login(struct bluesky *bs)
{
	static const char *const headers[] = { "Content-Type: application/json",
	    "Accept: application/json", NULL };
	struct md_http_request req = { .url = NULL, .headers = headers };
	cJSON *o;
	char *body = NULL, *url = NULL;

	if ((o = cJSON_CreateObject()) == NULL)
		return;
	if (cJSON_AddStringToObject(o, "identifier", bs->identifier) != NULL &&
	    cJSON_AddStringToObject(o, "password", bs->password) != NULL)
		body = cJSON_PrintUnformatted(o);
	/* The password is in the tree too. */
	cJSON_Delete(o);
	if (body == NULL || asprintf(&url, "%s/xrpc/com.atproto.server."
	    "createSession", bs->pds_base) == -1) {
		free(body);
		return;
	}
	req.url = url;
	bs->session = BLUESKY_LOGIN;
	if (bs->host->http_post(bs->src, &req, body, strlen(body),
	    bluesky_login_done, bs) == NULL)
		bs->session = BLUESKY_OUT;
	explicit_bzero(body, strlen(body));
	free(body);
	free(url);
}

/* refreshSession answered. */
static void
bluesky_refresh_done(struct md_source *src,
    const struct md_http_response *resp, void *arg)
{
	struct bluesky *bs = arg;
	char buf[320];

	bluesky_ratelimit(bs, resp);
	if (resp->error == NULL && resp->status >= 200 && resp->status <= 299 &&
	    bluesky_take_session(bs, resp, 0) == 0) {
		bs->session = BLUESKY_IN;
		bs->host->log(bs->src, MD_LOG_DEBUG, "session refreshed");
		bluesky_resume(bs, 1);
		return;
	}
	bs->host->log(bs->src, MD_LOG_INFO, "refreshSession failed: %s; "
	    "logging in again", bluesky_why(resp, buf, sizeof buf));
	bluesky_drop_session(bs);
	bs->session = BLUESKY_OUT;
	bluesky_login(bs);
	if (bs->session != BLUESKY_LOGIN)
		bluesky_resume(bs, 0);
}

static void
bluesky_refresh(struct bluesky *bs)
{
	struct md_http_request req = { .url = NULL };
	const char *headers[3] = { "Accept: application/json", NULL, NULL };
	char *auth = NULL, *url = NULL;

	if (asprintf(&auth, "Authorization: Bearer %s", bs->refresh) == -1 ||
	    asprintf(&url, "%s/xrpc/com.atproto.server.refreshSession",
	    bs->pds_base) == -1) {
		free(auth);
		bluesky_resume(bs, 0);
		return;
	}
	headers[1] = auth;
	req.url = url;
	req.headers = headers;
	bs->session = BLUESKY_REFRESH;
	if (bs->host->http_post(bs->src, &req, "", 0, bluesky_refresh_done,
	    bs) == NULL) {
		bs->session = BLUESKY_IN;
		bluesky_resume(bs, 0);
	}
	free(auth);
	free(url);
}

/* The round is over: arm the next, at the host's pace or later after a
 * failure, and not before a rate limit's hold ends. */
static void
bluesky_round_end(struct bluesky *bs)
{
	double delay = pace_next(&bs->pace, bs->host, bs->src, bs->interval);
	time_t now = time(NULL);

	bs->in_round = 0;
	if (bs->hold_until > now && (double)(bs->hold_until - now) > delay)
		delay = (double)(bs->hold_until - now);
	if (bs->host->timer_add(bs->src, delay, 0, bluesky_round, bs) == NULL)
		bs->host->log(bs->src, MD_LOG_ERR, "cannot start the round "
		    "timer: no more rounds");
}

/* Is the round over (no walk left, no login out)? Then end it. */
static void
bluesky_round_check(struct bluesky *bs)
{
	struct bluesky_term *t;

	if (!bs->in_round || bs->starting || bs->session == BLUESKY_LOGIN ||
	    bs->session == BLUESKY_REFRESH)
		return;
	for (t = bs->terms; t != NULL; t = t->next)
		if (t->busy)
			return;
	bluesky_round_end(bs);
}

/* The round timer: log in if needed, else start the walks. */
static void
bluesky_round(struct md_source *src, void *arg)
{
	struct bluesky *bs = arg;

	(void)src;
	pace_begin(&bs->pace);
	bs->in_round = 1;
	if (bs->session == BLUESKY_OUT) {
		bluesky_login(bs);
		if (bs->session != BLUESKY_LOGIN) {
			pace_fail(&bs->pace, bs->host, bs->src, "createSession",
			    NULL, "cannot send the request", bs->interval);
			bluesky_round_check(bs);
		}
		return;
	}
	bluesky_round_walks(bs);
}

/* Start a walk for each idle term; the round ends with the last. */
static void
bluesky_round_walks(struct bluesky *bs)
{
	const char *const *terms, *one[2] = { NULL, NULL };
	struct bluesky_term *t, **tp;
	size_t i;
	int none;

	bs->starting = 1;
	if (bs->query != NULL) {
		one[0] = bs->query;
		terms = one;
	} else
		terms = bs->host->search_terms(bs->src);
	none = terms == NULL || terms[0] == NULL;
	if (logonce_due(&bs->no_terms_logged, none))
		bs->host->log(bs->src, MD_LOG_NOTICE, "nothing to search for: the "
		    "tracks have no words (or set query)");
	for (t = bs->terms; !none && t != NULL; t = t->next)
		t->stale = 1;
	for (i = 0; !none && terms[i] != NULL; i++) {
		if (terms[i][0] == '\0' || (t = bluesky_term_get(bs,
		    terms[i])) == NULL)
			continue;
		t->stale = 0;
		if (!t->busy)
			bluesky_walk_start(t);
	}
	/* Terms gone from the tracks (a reload): forget them when idle. */
	for (tp = &bs->terms; (t = *tp) != NULL;) {
		if (t->stale && !t->busy) {
			*tp = t->next;
			bluesky_term_free(t);
		} else
			tp = &t->next;
	}
	bs->starting = 0;
	bluesky_round_check(bs);
}

/* Find the app password (cred_get): app_password_file, the systemd
 * credential, or the environment, into bs->password (NULL when there is
 * none) and *WHERE; -1 with *CAUSE when the configured file cannot be
 * used. */
static int
bluesky_password(struct bluesky *bs, const char **where, char **cause)
{
	static const char *const from[] = { NULL, "app_password_file",
	    "$CREDENTIALS_DIRECTORY/" BLUESKY_PASSWORD_CRED,
	    "$" BLUESKY_PASSWORD_ENV };
	enum cred_from f;
	char *warning, *why;

	*where = NULL;
	bs->password = cred_get(bs->app_password_file, BLUESKY_PASSWORD_CRED,
	    BLUESKY_PASSWORD_ENV, &f, &warning, &why);
	if (warning != NULL) {
		bs->host->log(bs->src, MD_LOG_WARNING, "credential %s: %s",
		    BLUESKY_PASSWORD_CRED, warning);
		free(warning);
	}
	if (bs->password == NULL && why != NULL) {
		*cause = strbuf_msg("app_password_file: %s", why);
		free(why);
		return -1;
	}
	*where = from[f];
	return 0;
}

static void	bluesky_stop(struct md_source *, void *);

/* Find the credentials and start the timer; see bluesky_start. */
static int
bluesky_begin(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct bluesky *bs = ctx;
	const char *where = NULL;

	bs->src = src;
	bs->host = host;
	if (!MD_HOST_HAS(host, http_post) || !MD_HOST_HAS(host, search_terms)) {
		*cause = strdup("this mentiond is too old: no http_post or "
		    "search_terms for plugins");
		return -1;
	}
	if (bs->limit < 1 || bs->limit > BLUESKY_LIMIT_MAX) {
		host->log(src, MD_LOG_WARNING, "limit %lld is out of 1..%d: "
		    "using %d", bs->limit, BLUESKY_LIMIT_MAX, BLUESKY_LIMIT_MAX);
		bs->limit = BLUESKY_LIMIT_MAX;
	}
	bs->pds_base = bluesky_trim(bs->pds);
	if (idring_init(&bs->seen, BLUESKY_SEEN_MAX) != 0 ||
	    bs->pds_base == NULL) {
		*cause = strdup("out of memory");
		return -1;
	}
	if (bluesky_password(bs, &where, cause) == -1)
		return -1;
	bs->headers[0] = "Accept: application/json";
	bs->headers[1] = NULL;
	if (bs->identifier != NULL && bs->password != NULL) {
		bs->session = BLUESKY_OUT;
		host->log(src, MD_LOG_INFO, "logging in as %s on %s (app "
		    "password from %s)", bs->identifier, bs->pds_base, where);
	} else {
		bs->session = BLUESKY_ANON;
		bs->search_base = bluesky_trim(bs->api != NULL ? bs->api :
		    BLUESKY_PUBLIC_API);
		if (bs->search_base == NULL) {
			*cause = strdup("out of memory");
			return -1;
		}
		host->log(src, MD_LOG_NOTICE, "%s: searching anonymously on %s, "
		    "which may refuse anonymous search (then said once); to "
		    "search as an account set identifier and an app password "
		    "(app_password_file, $CREDENTIALS_DIRECTORY/"
		    BLUESKY_PASSWORD_CRED " or $" BLUESKY_PASSWORD_ENV ")",
		    bs->identifier == NULL && bs->password == NULL ?
		    "no credentials" : bs->identifier == NULL ?
		    "an app password but no identifier" :
		    "an identifier but no app password", bs->search_base);
	}
	if (host->timer_add(src, 0, 0, bluesky_round, bs) == NULL) {
		*cause = strdup("cannot start the timer");
		return -1;
	}
	return 0;
}

/* Start the source, or free what was allocated when it cannot start. */
static int
bluesky_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	if (bluesky_begin(src, host, ctx, cause) == 0)
		return 0;
	bluesky_stop(src, ctx);
	return -1;
}

/* Free what start() allocated; the host cancels the tasks. */
static void
bluesky_stop(struct md_source *src, void *ctx)
{
	struct bluesky *bs = ctx;
	struct bluesky_term *t;

	while ((t = bs->terms) != NULL) {
		bs->terms = t->next;
		bluesky_term_free(t);
	}
	bluesky_drop_session(bs);
	if (bs->password != NULL) {
		explicit_bzero(bs->password, strlen(bs->password));
		free(bs->password);
		bs->password = NULL;
	}
	free(bs->pds_base);
	free(bs->search_base);
	idring_free(&bs->seen);
	bs->pds_base = bs->search_base = NULL;
}

/* What bluesky_parse hands each post to. */
struct bluesky_parse_arg {
	md_parse_fn	 emit;
	void		*arg;
};

/* bskyparse_fn for bluesky_parse: the mention as it is emitted. */
static int
bluesky_parse_post(const struct bskyparse_post *p, void *arg)
{
	struct bluesky_parse_arg *pa = arg;

	return pa->emit(pa->arg, &p->m);
}

/* md_plugin.parse: the posts of a saved searchPosts response. */
static int
bluesky_parse(void *ctx, const struct md_http_response *resp,
    md_parse_fn emit, void *arg, char **cause)
{
	struct bluesky_parse_arg pa = { emit, arg };

	return bskyparse_page(resp->body, resp->body_len, bluesky_parse_post,
	    &pa, NULL, cause);
}

static const struct md_setting bluesky_settings[] = {
	{ "api", MD_SET_URL, NULL, offsetof(struct bluesky, api), 0,
	    "where searches go (default: the account's PDS, or the public "
	    "AppView without an account)" },
	{ "pds", MD_SET_URL, "https://bsky.social", offsetof(struct bluesky,
	    pds), 0, "where the account logs in" },
	{ "identifier", MD_SET_STRING, NULL, offsetof(struct bluesky,
	    identifier), 0, "the account's handle, DID or email" },
	{ "app_password_file", MD_SET_STRING, NULL, offsetof(struct bluesky,
	    app_password_file), 0, "a file holding an app password" },
	{ "query", MD_SET_STRING, NULL, offsetof(struct bluesky, query), 0,
	    "search this instead of the tracks' words" },
	{ "interval", MD_SET_DURATION, "1m", offsetof(struct bluesky,
	    interval), 0, "time between searches of each term" },
	{ "limit", MD_SET_INT, "100", offsetof(struct bluesky, limit), 0,
	    "posts per page, 1 to 100" },
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "bluesky",
	.version = "0.1",
	.description = "searches Bluesky posts for the tracks' words",
	.settings = bluesky_settings,
	.ctx_size = sizeof(struct bluesky),
	.start = bluesky_start,
	.stop = bluesky_stop,
	.parse = bluesky_parse,
};
