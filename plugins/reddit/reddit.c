/*
 * reddit.c - the reddit connector: reads reddit's newest posts matching each
 * search term (or the `query`) and the newest posts and comments of the
 * `subreddits`, and emits each one it has not emitted before. Parsing is
 * redditparse.c's; this file schedules the requests, keeps the cursors, the
 * OAuth token and the request budget.
 *
 * A round runs every `interval` (as the host paces it: sooner after news,
 * later when quiet, within min_interval and max_interval): the listings (one
 * search per term, and /r/SUB/new and /r/SUB/comments per subreddit) are
 * read one after another, spaced so that the budget holds: anonymous clients
 * of www.reddit.com get 10 requests a minute (one every 6 s), an OAuth
 * client 100 (one every 0.6 s). When a round takes longer than the interval,
 * the next one follows at once. X-Ratelimit-Remaining, -Used and -Reset slow
 * the pace further when fewer requests are left than the source would send
 * before the reset; when none are left no round starts before it. A round
 * that fails (no answer, 429, 5xx, a token refused) ends early: the host
 * logs it once and the next ones wait its growing backoff.
 *
 * The cursor of a listing is the fullname of the newest thing read and its
 * created_utc ("t3_1cfx0ab 1714564809"), in the source state under
 * "search:HASH" (the 64-bit FNV-1a hash of the term), "new:SUB" or
 * "comments:SUB". The next request asks for what came after it
 * (before=FULLNAME); a full page is followed by the next one the same way,
 * the cursor saved after each. A thing not newer than the cursor (by its
 * base-36 id, or its time when the kinds differ) is never emitted. Reddit
 * answers nothing at all once the cursor's thing is deleted or falls beyond
 * the 1,000 things a listing keeps, so after REDDIT_VERIFY_AFTER empty
 * answers in a row the newest page is read instead; if it holds things newer
 * than the cursor, they are emitted, older pages follow (after=FULLNAME)
 * while a page is full and wholly new, and the cursor moves to the newest.
 * A listing without a cursor (a first run, or a term or subreddit new to the
 * settings) is read the same way back to the source's backfill window (1 h
 * unless the source says otherwise), not through its history.
 */
/* asprintf(3), strdup(3) and clock_gettime(2) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mentiond/plugin.h"

#include "redditparse.h"
#include "cred.h"
#include "idring.h"
#include "logonce.h"
#include "pace.h"
#include "ptime.h"
#include "strbuf.h"
#include "urlenc.h"

#ifndef REDDIT_VERSION
#define REDDIT_VERSION		"0"
#endif

#define REDDIT_LIMIT		100	/* things a page, reddit's most */
#define REDDIT_MAX_PAGES	5	/* pages of one listing in one round */
#define REDDIT_ANON_SPACING	6.0	/* seconds: 10 requests a minute */
#define REDDIT_OAUTH_SPACING	0.6	/* seconds: 100 requests a minute */
#define REDDIT_VERIFY_AFTER	3	/* empty before= answers, then a check */
#define REDDIT_LOG_EVERY	10	/* refusals alike between two warnings */
#define REDDIT_CREDENTIAL	"reddit_client_secret"	/* systemd credential */
#define REDDIT_SECRET_ENV	"REDDIT_CLIENT_SECRET"
#define REDDIT_BACKFILL		3600.0	/* the host's default backfill, seconds */

/* What a listing is. */
enum reddit_kind {
	REDDIT_SEARCH,
	REDDIT_NEW,
	REDDIT_COMMENTS,
};

/* How the current request of a listing asks. */
enum reddit_how {
	REDDIT_FIRST,		/* no cursor: the newest pages, back to the
				 * backfill window */
	REDDIT_BEFORE,		/* what came after the anchor */
	REDDIT_NEWEST,		/* the newest page, to check the cursor */
	REDDIT_AFTER,		/* older than the anchor, catching up */
};

/* One listing read each round. */
struct reddit_listing {
	enum reddit_kind	 kind;
	char			*arg;		/* the term or the subreddit */
	char			*key;		/* its state key */
	char			*label;		/* for the log */
	int			 empties;	/* empty before= answers in a row */
};

struct reddit {
	/* Settings, filled by the host before start(). */
	const char		*api;
	const char		*auth;
	const char		*oauth_api;
	const char		*query;
	const char		*subreddits;
	const char		*user_agent;
	const char		*client_id;
	const char		*client_secret_file;
	double			 interval;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	char			*api_base;	/* without a trailing slash */
	char			*auth_base;
	char			*oauth_base;
	char			**subs;		/* the subreddits, checked */
	size_t			 nsubs;
	char			*ua_header;	/* "User-Agent: ..." */

	/* OAuth. */
	int			 oauth;		/* client credentials known */
	char			*basic;		/* "Authorization: Basic ..." */
	char			*bearer;	/* "Authorization: bearer ...", NULL
						 * without a valid token */
	double			 renew_at;	/* monotonic: get a new one then */
	int			 token_said;
	int			 token_pending;	/* the token request is out */

	/* Pace. */
	double			 spacing;	/* seconds between requests */
	double			 limit_spacing;	/* from the headers, 0 if none */
	double			 limit_until;	/* monotonic end of that window */
	int			 limit_spent;	/* none left in it */
	int			 limit_said;	/* the window's line is logged */
	int			 throttle_said;
	double			 last_request;	/* monotonic */

	/* The round. */
	struct reddit_listing	*lists;
	size_t			 nlists;
	size_t			 cur;
	struct pace		 pace;		/* its start, fresh, failure */
	int			 skips;		/* listings refused alike */
	long			 last_kind;	/* of the last refusal */
	int			 nothing_said;

	/* The listing being read. */
	enum reddit_how		 how;
	int			 pages;
	char			 anchor[REDDITPARSE_NAME_MAX];
	char			 cursor[REDDITPARSE_NAME_MAX];	/* "" for none */
	long long		 cursor_created;
	char			 catch_newest[REDDITPARSE_NAME_MAX];
	long long		 catch_created;
	int			 emitted;	/* by the current response */
	int			 newer;		/* things newer than the cursor */
	char			 best[REDDITPARSE_NAME_MAX];	/* the newest of them */
	long long		 best_created;
	char			 top[REDDITPARSE_NAME_MAX];	/* the newest of all */
	long long		 top_created;
	long long		 since;		/* no cursor: emit from then on */
};

/* The LEN bytes at S in base64 (malloc'd). */
static char *
reddit_base64(const char *s, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)s;
	char *out, *w;
	unsigned long v;
	size_t i;

	if ((out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	for (i = 0, w = out; i < len; i += 3) {
		v = (unsigned long)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*w++ = b64[(v >> 18) & 63];
		*w++ = b64[(v >> 12) & 63];
		*w++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*w++ = i + 2 < len ? b64[v & 63] : '=';
	}
	*w = '\0';
	return out;
}

/* A copy of URL without its trailing slashes. */
static char *
reddit_base(const char *url)
{
	char *b = strdup(url);
	size_t len;

	if (b == NULL)
		return NULL;
	len = strlen(b);
	while (len > 0 && b[len - 1] == '/')
		b[--len] = '\0';
	return b;
}

/* Is fullname A ("t3_...") newer than B, created at ACREATED and BCREATED?
 * Within a kind ids grow in base 36; across kinds only the times tell. */
static int
reddit_newer(const char *a, long long acreated, const char *b,
    long long bcreated)
{
	size_t la, lb;

	if (strncmp(a, b, 3) != 0)
		return acreated > bcreated;
	la = strlen(a + 3);
	lb = strlen(b + 3);
	if (la != lb)
		return la > lb;
	return strcmp(a + 3, b + 3) > 0;
}

/* The source's backfill setting (a host key) in seconds: what a listing
 * without a cursor reads of the past; REDDIT_BACKFILL by default, -1 for
 * all. */
static double
reddit_backfill(const struct reddit *rd)
{
	const char *v = rd->host->config_string(rd->src, "backfill");
	double d;

	if (v == NULL)
		return REDDIT_BACKFILL;
	if (strcmp(v, "all") == 0)
		return -1;
	return ptime_duration(v, &d) == 0 ? d : REDDIT_BACKFILL;
}

/* Find the client secret (cred_get): client_secret_file, $CREDENTIALS_
 * DIRECTORY's reddit_client_secret, or $REDDIT_CLIENT_SECRET. Returns it
 * (malloc'd), where it came from in *FROM; or NULL, with *CAUSE set when the
 * file named by client_secret_file cannot be read. */
static char *
reddit_find_secret(struct reddit *rd, const char **from, char **cause)
{
	static const char *const where[] = { NULL, "client_secret_file",
	    "$CREDENTIALS_DIRECTORY/" REDDIT_CREDENTIAL, "$" REDDIT_SECRET_ENV };
	enum cred_from f;
	char *secret, *warning, *why;

	secret = cred_get(rd->client_secret_file, REDDIT_CREDENTIAL,
	    REDDIT_SECRET_ENV, &f, &warning, &why);
	/* A credential that cannot be used is passed over, as if absent. */
	free(warning);
	if (why != NULL) {
		*cause = strbuf_msg("client_secret_file: %s", why);
		free(why);
	}
	*from = where[f];
	return secret;
}

/* Check and copy the subreddits setting: names split on commas and white
 * space, a leading "/r/" or "r/" dropped. Returns 0, or -1 with *CAUSE. */
static int
reddit_parse_subs(struct reddit *rd, char **cause)
{
	const char *s = rd->subreddits, *start, *p;
	char **v, *c;
	size_t n;

	if (s == NULL)
		return 0;
	while (*s != '\0') {
		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		start = s;
		while (*s != '\0' && *s != ',' && !isspace((unsigned char)*s))
			s++;
		n = (size_t)(s - start);
		if (n > 3 && strncmp(start, "/r/", 3) == 0) {
			start += 3;
			n -= 3;
		} else if (n > 2 && strncmp(start, "r/", 2) == 0) {
			start += 2;
			n -= 2;
		}
		while (n > 0 && start[n - 1] == '/')
			n--;
		for (p = start; p < start + n; p++)
			if (!isalnum((unsigned char)*p) && *p != '_' &&
			    *p != '+')
				break;
		if (n == 0 || n > 200 || p < start + n) {
			if (asprintf(cause, "subreddits: '%.*s' is not a "
			    "subreddit name", (int)(s - start), start) == -1)
				*cause = NULL;
			return -1;
		}
		v = realloc(rd->subs, (rd->nsubs + 1) * sizeof *v);
		if (v == NULL || (v[rd->nsubs] = strndup(start, n)) == NULL) {
			if (v != NULL)
				rd->subs = v;
			*cause = strdup("out of memory");
			return -1;
		}
		rd->subs = v;
		for (c = v[rd->nsubs]; *c != '\0'; c++)
			*c = (char)tolower((unsigned char)*c);
		rd->nsubs++;
	}
	return 0;
}

/* Free the listings. */
static void
reddit_free_lists(struct reddit_listing *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(l[i].arg);
		free(l[i].key);
		free(l[i].label);
	}
	free(l);
}

/* Fill listing L of KIND for ARG; 0, or -1 out of memory. */
static int
reddit_listing_init(struct reddit_listing *l, enum reddit_kind kind,
    const char *arg)
{
	int rc;

	memset(l, 0, sizeof *l);
	l->kind = kind;
	if ((l->arg = strdup(arg)) == NULL)
		return -1;
	switch (kind) {
	case REDDIT_SEARCH:
		rc = asprintf(&l->key, "search:%016llx",
		    (unsigned long long)idring_hash(arg));
		if (rc != -1)
			rc = asprintf(&l->label, "search \"%s\"", arg);
		break;
	case REDDIT_NEW:
		rc = asprintf(&l->key, "new:%s", arg);
		if (rc != -1)
			rc = asprintf(&l->label, "r/%s new", arg);
		break;
	default:
		rc = asprintf(&l->key, "comments:%s", arg);
		if (rc != -1)
			rc = asprintf(&l->label, "r/%s comments", arg);
		break;
	}
	if (rc == -1) {
		l->key = l->label = NULL;
		return -1;
	}
	return 0;
}

/* Build this round's listings: the query or each search term, then each
 * subreddit's new posts and comments; what a listing learnt is kept. */
static size_t
reddit_load_lists(struct reddit *rd)
{
	const char *const *t;
	struct reddit_listing *l;
	size_t nterms = 0, n, i, j, k = 0;

	if (rd->query != NULL && rd->query[0] != '\0') {
		t = NULL;
		nterms = 1;
	} else {
		t = rd->host->search_terms(rd->src);
		while (t[nterms] != NULL)
			nterms++;
	}
	n = nterms + 2 * rd->nsubs;
	if (n == 0 || (l = calloc(n, sizeof *l)) == NULL) {
		reddit_free_lists(rd->lists, rd->nlists);
		rd->lists = NULL;
		rd->nlists = 0;
		return 0;
	}
	for (i = 0; i < nterms; i++)
		if (reddit_listing_init(&l[k], REDDIT_SEARCH, t == NULL ?
		    rd->query : t[i]) == 0)
			k++;
	for (i = 0; i < rd->nsubs; i++) {
		if (reddit_listing_init(&l[k], REDDIT_NEW, rd->subs[i]) == 0)
			k++;
		if (reddit_listing_init(&l[k], REDDIT_COMMENTS,
		    rd->subs[i]) == 0)
			k++;
	}
	for (i = 0; i < k; i++)
		for (j = 0; j < rd->nlists; j++)
			if (strcmp(l[i].key, rd->lists[j].key) == 0)
				l[i].empties = rd->lists[j].empties;
	reddit_free_lists(rd->lists, rd->nlists);
	rd->lists = l;
	rd->nlists = k;
	return k;
}

static void	reddit_tick(struct md_source *, void *);
static void	reddit_listing_begin(struct reddit *);
static void	reddit_request_soon(struct reddit *);

/* The round is over: arm the next one, at the host's pace, or later after
 * a failure, and not before a spent rate limit resets (at once when the
 * round took longer than its interval). */
static void
reddit_round_end(struct reddit *rd)
{
	double delay = pace_next(&rd->pace, rd->host, rd->src, rd->interval);
	double now = ptime_now();

	if (rd->limit_spent && rd->limit_until - now > delay)
		delay = rd->limit_until - now;
	if (rd->host->timer_add(rd->src, delay, 0, reddit_tick, rd) == NULL)
		rd->host->log(rd->src, MD_LOG_ERR, "cannot start the round "
		    "timer: no more rounds");
}

/* The current listing is done: the next one, or the end of the round. */
static void
reddit_listing_next(struct reddit *rd)
{
	if (++rd->cur < rd->nlists)
		reddit_listing_begin(rd);
	else
		reddit_round_end(rd);
}

/* What the current request is about, for the log. */
static const char *
reddit_label(const struct reddit *rd)
{
	if (rd->token_pending || rd->cur >= rd->nlists)
		return "OAuth token";
	return rd->lists[rd->cur].label;
}

/* The round failed on RESP (NULL when there was none: CAUSE says why):
 * it ends; the host logs it once, naming the listing or the token request
 * (never a secret), and says when to try again. */
static void
reddit_round_fail(struct reddit *rd, const struct md_http_response *resp,
    const char *cause)
{
	pace_fail(&rd->pace, rd->host, rd->src, reddit_label(rd), resp, cause,
	    rd->interval);
	rd->token_pending = 0;
	reddit_round_end(rd);
}

/* The current listing was refused, or its body not understood, for WHY
 * of kind KIND (an HTTP status, -1 for a body): the round goes on with the
 * next. A warning when it differs from the last refusal, and every
 * REDDIT_LOG_EVERY alike, else a debug line. */
static void
reddit_skip(struct reddit *rd, long kind, const char *why)
{
	if (kind != rd->last_kind)
		rd->skips = 0;
	rd->host->log(rd->src, rd->skips++ % REDDIT_LOG_EVERY == 0 ?
	    MD_LOG_WARNING : MD_LOG_DEBUG, "%s: %s", reddit_label(rd), why);
	rd->last_kind = kind;
	reddit_listing_next(rd);
}

/* The number in header NAME of RESP into *V; 0, or -1 when absent. */
static int
reddit_header_number(const struct reddit *rd,
    const struct md_http_response *resp, const char *name, double *v)
{
	const char *s;
	char *end;

	if (!MD_HOST_HAS(rd->host, http_header) ||
	    (s = rd->host->http_header(resp, name)) == NULL)
		return -1;
	*v = strtod(s, &end);
	return end == s || !(*v >= 0 && *v < 1e9) ? -1 : 0;
}

/* Read reddit's rate-limit headers: slow down when fewer requests are left
 * than this source would send before the window resets, and say so once a
 * window. */
static void
reddit_ratelimit(struct reddit *rd, const struct md_http_response *resp)
{
	double remaining, used = -1, reset, now = ptime_now(), round, need;

	if (reddit_header_number(rd, resp, "X-Ratelimit-Remaining",
	    &remaining) == -1 || reddit_header_number(rd, resp,
	    "X-Ratelimit-Reset", &reset) == -1)
		return;
	(void)reddit_header_number(rd, resp, "X-Ratelimit-Used", &used);
	if (now >= rd->limit_until)
		rd->limit_said = 0;
	rd->limit_spacing = 0;
	rd->limit_spent = remaining < 1;
	if (remaining < 1) {
		rd->limit_until = now + reset;
		if (!rd->limit_said)
			rd->host->log(rd->src, MD_LOG_NOTICE, "rate limit used "
			    "up (%.0f requests used): no request for %.0f s, "
			    "until the window resets", used, reset);
		rd->limit_said = 1;
		return;
	}
	/* What the source would send before the reset at its own pace. */
	round = (double)rd->nlists * rd->spacing;
	if (round < rd->interval)
		round = rd->interval;
	need = rd->nlists > 0 ? reset * (double)rd->nlists / round : 0;
	if (remaining >= need)
		return;
	rd->limit_spacing = reset / remaining;
	rd->limit_until = now + reset;
	if (!rd->limit_said && rd->limit_spacing > rd->spacing)
		rd->host->log(rd->src, MD_LOG_NOTICE, "rate limit: %.0f requests "
		    "left for the next %.0f s (%.0f used), fewer than the %.0f "
		    "this source would send: one request every %.1f s until "
		    "the window resets", remaining, reset, used, need,
		    rd->limit_spacing);
	rd->limit_said = 1;
}

/* Save the cursor of the current listing. */
static void
reddit_save(struct reddit *rd, const char *fullname, long long created)
{
	char v[REDDITPARSE_NAME_MAX + 32];

	snprintf(v, sizeof v, "%s %lld", fullname, created);
	rd->host->state_set(rd->src, rd->lists[rd->cur].key, v);
	snprintf(rd->cursor, sizeof rd->cursor, "%s", fullname);
	rd->cursor_created = created;
}

/* redditparse_fn for the running connector: emit what is new. */
static int
reddit_emit(const struct redditparse_item *it, void *arg)
{
	struct reddit *rd = arg;

	if (rd->top[0] == '\0' || reddit_newer(it->fullname, it->created,
	    rd->top, rd->top_created)) {
		snprintf(rd->top, sizeof rd->top, "%s", it->fullname);
		rd->top_created = it->created;
	}
	/* New: after the cursor; without one, within the backfill window. */
	if (rd->cursor[0] != '\0' ? !reddit_newer(it->fullname, it->created,
	    rd->cursor, rd->cursor_created) : it->created > 0 &&
	    it->created < rd->since)
		return 0;
	rd->newer++;
	if (rd->best[0] == '\0' || reddit_newer(it->fullname, it->created,
	    rd->best, rd->best_created)) {
		snprintf(rd->best, sizeof rd->best, "%s", it->fullname);
		rd->best_created = it->created;
	}
	/* 1 (backed up) still means taken; the next request waits on a
	 * timer, which the host holds back until there is room. */
	if (it->mention != NULL && rd->host->emit(rd->src, it->mention) != -1)
		rd->emitted++;
	return 0;
}

/* After a full page: go on with the listing if pages remain. */
static int
reddit_more(struct reddit *rd, enum reddit_how how, const char *anchor)
{
	if (rd->pages + 1 >= REDDIT_MAX_PAGES) {
		rd->host->log(rd->src, MD_LOG_WARNING, "%s: more than %d pages "
		    "of new things; %s", reddit_label(rd), REDDIT_MAX_PAGES,
		    how == REDDIT_BEFORE ? "the newer ones wait for the next "
		    "round" : "the older ones are skipped");
		return 0;
	}
	rd->pages++;
	rd->how = how;
	snprintf(rd->anchor, sizeof rd->anchor, "%s", anchor);
	reddit_request_soon(rd);
	return 1;
}

/* The answer to one listing request. */
static void
reddit_response(struct md_source *src, const struct md_http_response *resp,
    void *arg)
{
	struct reddit *rd = arg;
	struct reddit_listing *l = &rd->lists[rd->cur];
	struct redditparse_page pg;
	char why[160], *cause = NULL;
	int n, full;

	(void)src;
	reddit_ratelimit(rd, resp);
	if (resp->status == 401 && resp->error == NULL && rd->oauth) {
		free(rd->bearer);
		rd->bearer = NULL;	/* a new token next time */
	}
	if (resp->error != NULL || resp->status == 0 || resp->status == 429 ||
	    resp->status >= 500 || (resp->status == 401 && rd->oauth)) {
		reddit_round_fail(rd, resp, NULL);
		return;
	}
	if (resp->status < 200 || resp->status > 299) {
		snprintf(why, sizeof why, "HTTP %ld%s", resp->status,
		    resp->status == 403 ? " (a private or quarantined "
		    "subreddit?)" : resp->status == 404 ? " (no such "
		    "subreddit?)" : "");
		reddit_skip(rd, resp->status, why);
		return;
	}

	rd->emitted = rd->newer = 0;
	rd->best[0] = rd->top[0] = '\0';
	rd->best_created = rd->top_created = 0;
	n = redditparse_parse(resp->body, resp->body_len, &pg, reddit_emit, rd,
	    &cause);
	if (n == -1 || cause != NULL) {
		snprintf(why, sizeof why, "%s (%zu bytes, %d read)",
		    cause != NULL ? cause : "unreadable", resp->body_len,
		    rd->emitted);
		free(cause);
		rd->pace.fresh += rd->emitted;
		reddit_skip(rd, -1, why);
		return;
	}
	rd->pace.fresh += rd->emitted;
	if (rd->emitted > 0)
		rd->host->log(rd->src, MD_LOG_INFO, "%s: %d new", l->label,
		    rd->emitted);
	full = pg.things >= REDDIT_LIMIT;

	switch (rd->how) {
	case REDDIT_BEFORE:
		if (rd->newer == 0) {
			l->empties++;
			break;
		}
		l->empties = 0;
		reddit_save(rd, rd->best, rd->best_created);
		if (full && rd->newer == pg.things &&
		    reddit_more(rd, REDDIT_BEFORE, rd->best))
			return;
		break;
	case REDDIT_FIRST:
	case REDDIT_NEWEST:
	case REDDIT_AFTER:
		l->empties = 0;
		if (rd->newer == 0 && rd->how == REDDIT_NEWEST)
			break;		/* the cursor is fine, just quiet */
		if (rd->how == REDDIT_FIRST) {
			/* The cursor: the newest thing, new or not. */
			snprintf(rd->catch_newest, sizeof rd->catch_newest, "%s",
			    rd->top);
			rd->catch_created = rd->top_created;
		} else if (rd->how == REDDIT_NEWEST) {
			rd->host->log(rd->src, MD_LOG_NOTICE, "%s: %s no longer "
			    "anchors the listing (deleted, or beyond the 1,000 "
			    "things reddit keeps): caught up from the newest",
			    l->label, rd->cursor);
			snprintf(rd->catch_newest, sizeof rd->catch_newest, "%s",
			    rd->best);
			rd->catch_created = rd->best_created;
		}
		if (full && rd->newer == pg.things &&
		    reddit_more(rd, REDDIT_AFTER, pg.oldest))
			return;
		if (rd->catch_newest[0] != '\0')
			reddit_save(rd, rd->catch_newest, rd->catch_created);
		break;
	}
	reddit_listing_next(rd);
}

/* The request headers, with the token when there is one. */
static void
reddit_headers(const struct reddit *rd, const char *h[4])
{
	int i = 0;

	h[i++] = rd->ua_header;
	h[i++] = "Accept: application/json";
	if (rd->oauth && rd->bearer != NULL)
		h[i++] = rd->bearer;
	h[i] = NULL;
}

static void	reddit_request(struct md_source *, void *);

/* The token endpoint answered. */
static void
reddit_token_response(struct md_source *src,
    const struct md_http_response *resp, void *arg)
{
	struct reddit *rd = arg;
	const char *p, *q, *e;
	char *token = NULL;
	double expires = 3600;
	size_t len = 0;

	(void)src;
	reddit_ratelimit(rd, resp);
	if (resp->error == NULL && (resp->status == 401 ||
	    resp->status == 403) && rd->pace.failures == 0)
		/* The first of a streak: the host logs the status. */
		rd->host->log(rd->src, MD_LOG_ERR, "reddit refused the client "
		    "credentials: check client_id and the secret");
	if (resp->error != NULL || resp->status != 200) {
		reddit_round_fail(rd, resp, NULL);
		return;
	}
	/* {"access_token": "...", "token_type": "bearer", "expires_in": N,
	 * "scope": "*"}: a token is a plain run of URL-safe characters, so
	 * the two members are found without a JSON tree. */
	if ((p = strstr(resp->body, "\"access_token\"")) != NULL &&
	    (p = strchr(p + 14, ':')) != NULL) {
		while (*++p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			;
		if (*p == '"' && (q = strchr(p + 1, '"')) != NULL) {
			for (e = p + 1; e < q; e++)
				if (*e <= ' ' || *e == '\\' || *e > '~')
					break;
			if (e == q && q > p + 1) {
				len = (size_t)(q - p - 1);
				token = strndup(p + 1, len);
			}
		}
	}
	if ((p = strstr(resp->body, "\"expires_in\"")) != NULL &&
	    (p = strchr(p + 12, ':')) != NULL) {
		expires = strtod(p + 1, NULL);
		if (!(expires >= 2 && expires < 1e8))
			expires = 3600;
	}
	if (token == NULL) {
		reddit_round_fail(rd, resp, "a response without an "
		    "access_token");
		return;
	}
	free(rd->bearer);
	if (asprintf(&rd->bearer, "Authorization: bearer %s", token) == -1)
		rd->bearer = NULL;
	explicit_bzero(token, len);
	free(token);
	rd->token_pending = 0;
	/* Renew five minutes before the end, or half way for short ones. */
	rd->renew_at = ptime_now() + expires - (expires / 2 < 300 ?
	    expires / 2 : 300);
	rd->host->log(rd->src, rd->token_said ? MD_LOG_DEBUG : MD_LOG_INFO,
	    "OAuth token obtained, valid for %.0f s", expires);
	rd->token_said = 1;
	reddit_request_soon(rd);
}

/* Ask for a token: client credentials, HTTP Basic. */
static void
reddit_token_request(struct reddit *rd)
{
	struct md_http_request req = { .url = NULL };
	static const char body[] = "grant_type=client_credentials";
	const char *h[5];
	char *url = NULL;

	rd->token_pending = 1;
	if (asprintf(&url, "%s/api/v1/access_token", rd->auth_base) == -1) {
		reddit_round_fail(rd, NULL, "out of memory");
		return;
	}
	h[0] = rd->ua_header;
	h[1] = rd->basic;
	h[2] = "Content-Type: application/x-www-form-urlencoded";
	h[3] = "Accept: application/json";
	h[4] = NULL;
	req.url = url;
	req.headers = h;
	rd->last_request = ptime_now();
	if (rd->host->http_post(rd->src, &req, body, sizeof body - 1,
	    reddit_token_response, rd) == NULL)
		reddit_round_fail(rd, NULL, "cannot send the request");
	free(url);
}

/* Send the current listing's request (after a token, if one is due). */
static void
reddit_request(struct md_source *src, void *arg)
{
	struct reddit *rd = arg;
	struct reddit_listing *l = &rd->lists[rd->cur];
	struct md_http_request req = { .url = NULL };
	const char *h[4], *base, *suffix;
	char *q = NULL, *url = NULL, page[64] = "";
	int rc;

	(void)src;
	if (rd->oauth && (rd->bearer == NULL || ptime_now() >= rd->renew_at)) {
		reddit_token_request(rd);
		return;
	}
	base = rd->oauth ? rd->oauth_base : rd->api_base;
	suffix = rd->oauth ? "" : ".json";
	if (rd->how == REDDIT_BEFORE || rd->how == REDDIT_AFTER)
		snprintf(page, sizeof page, "&%s=%s", rd->how == REDDIT_BEFORE ?
		    "before" : "after", rd->anchor);
	switch (l->kind) {
	case REDDIT_SEARCH:
		if ((q = urlenc_component(l->arg)) == NULL)
			goto fail;
		rc = asprintf(&url, "%s/search%s?q=%s&sort=new&limit=%d%s",
		    base, suffix, q, REDDIT_LIMIT, page);
		break;
	case REDDIT_NEW:
		rc = asprintf(&url, "%s/r/%s/new%s?limit=%d%s", base, l->arg,
		    suffix, REDDIT_LIMIT, page);
		break;
	default:
		rc = asprintf(&url, "%s/r/%s/comments%s?limit=%d%s", base,
		    l->arg, suffix, REDDIT_LIMIT, page);
		break;
	}
	if (rc == -1) {
		url = NULL;
		goto fail;
	}
	reddit_headers(rd, h);
	req.url = url;
	req.headers = h;
	rd->last_request = ptime_now();
	if (rd->host->http_fetch(rd->src, &req, reddit_response, rd) == NULL)
		goto fail;
	free(q);
	free(url);
	return;
fail:
	free(q);
	free(url);
	reddit_round_fail(rd, NULL, "cannot send the request");
}

/* Send the next request once the pace allows. */
static void
reddit_request_soon(struct reddit *rd)
{
	double spacing = rd->spacing, now = ptime_now(), wait;

	if (now < rd->limit_until && rd->limit_spacing > spacing)
		spacing = rd->limit_spacing;
	wait = rd->last_request + spacing - now;
	if (rd->host->timer_add(rd->src, wait > 0 ? wait : 0, 0,
	    reddit_request, rd) == NULL)
		reddit_round_end(rd);
}

/* Begin the current listing: its cursor decides the first request. */
static void
reddit_listing_begin(struct reddit *rd)
{
	struct reddit_listing *l = &rd->lists[rd->cur];
	char name[REDDITPARSE_NAME_MAX];
	const char *v;
	long long created = 0;
	double backfill;

	rd->pages = 0;
	rd->cursor[0] = rd->anchor[0] = rd->catch_newest[0] = '\0';
	rd->cursor_created = rd->catch_created = 0;
	v = rd->host->state_get(rd->src, l->key);
	if (v != NULL && sscanf(v, "%31s %lld", name, &created) >= 1 &&
	    strlen(name) > 3 && name[0] == 't' && name[2] == '_') {
		snprintf(rd->cursor, sizeof rd->cursor, "%s", name);
		rd->cursor_created = created;
	}
	rd->since = 0;
	if (rd->cursor[0] == '\0') {
		/* A first run, or a listing new to the settings: back to the
		 * backfill window (older pages with after= while a page is
		 * full and wholly inside it), not the listing's history. */
		rd->how = REDDIT_FIRST;
		if ((backfill = reddit_backfill(rd)) > 0)
			rd->since = (long long)time(NULL) - (long long)backfill;
	} else if (l->empties >= REDDIT_VERIFY_AFTER)
		rd->how = REDDIT_NEWEST;
	else {
		rd->how = REDDIT_BEFORE;
		snprintf(rd->anchor, sizeof rd->anchor, "%s", rd->cursor);
	}
	reddit_request_soon(rd);
}

/* The round timer: the listings afresh, then the first of them. */
static void
reddit_tick(struct md_source *src, void *arg)
{
	struct reddit *rd = arg;
	double need;
	int none;

	(void)src;
	pace_begin(&rd->pace);
	none = reddit_load_lists(rd) == 0;
	if (logonce_due(&rd->nothing_said, none))
		rd->host->log(rd->src, MD_LOG_NOTICE, "nothing to read: no track "
		    "has words to search for, and there is neither a query nor "
		    "subreddits setting");
	if (none) {
		reddit_round_end(rd);
		return;
	}
	need = (double)rd->nlists * rd->spacing;
	if (need > rd->interval && !rd->throttle_said)
		rd->host->log(rd->src, MD_LOG_NOTICE, "%zu listing%s at one "
		    "request every %.1f s (%s) take %.0f s a round, more than "
		    "the interval of %.0f s: each listing is read every %.0f s",
		    rd->nlists, rd->nlists == 1 ? "" : "s", rd->spacing,
		    rd->oauth ? "OAuth: 100 a minute" :
		    "anonymous: 10 a minute", need, rd->interval, need);
	rd->throttle_said = need > rd->interval;
	rd->cur = 0;
	reddit_listing_begin(rd);
}

/* What reddit_parse hands each mention to. */
struct reddit_parse_arg {
	md_parse_fn	 emit;
	void		*arg;
};

/* redditparse_fn for reddit_parse: every thing that has a mention. */
static int
reddit_parse_emit(const struct redditparse_item *it, void *arg)
{
	struct reddit_parse_arg *pa = arg;

	return it->mention != NULL ? pa->emit(pa->arg, it->mention) : 0;
}

/* md_plugin.parse: the posts and comments of one saved listing. */
static int
reddit_parse(void *ctx, const struct md_http_response *resp, md_parse_fn emit,
    void *arg, char **cause)
{
	struct reddit_parse_arg pa = { emit, arg };

	(void)ctx;
	return redditparse_parse(resp->body, resp->body_len, NULL,
	    reddit_parse_emit, &pa, cause);
}

/* Free what start() allocated. */
static void
reddit_cleanup(struct reddit *rd)
{
	size_t i;

	reddit_free_lists(rd->lists, rd->nlists);
	rd->lists = NULL;
	rd->nlists = 0;
	for (i = 0; i < rd->nsubs; i++)
		free(rd->subs[i]);
	free(rd->subs);
	rd->subs = NULL;
	rd->nsubs = 0;
	free(rd->api_base);
	free(rd->auth_base);
	free(rd->oauth_base);
	free(rd->ua_header);
	free(rd->basic);
	free(rd->bearer);
	rd->api_base = rd->auth_base = rd->oauth_base = NULL;
	rd->ua_header = rd->basic = rd->bearer = NULL;
}

/* Set up OAuth if a client id and its secret are known, and say which API
 * and which budget apply. Returns 0, or -1 with *CAUSE. */
static int
reddit_setup_auth(struct reddit *rd, char **cause)
{
	const char *from = NULL;
	char *secret, *pair = NULL, *b64;
	int have_id = rd->client_id != NULL && rd->client_id[0] != '\0';

	*cause = NULL;
	secret = reddit_find_secret(rd, &from, cause);
	if (*cause != NULL)
		return -1;
	if (have_id && secret != NULL) {
		if (asprintf(&pair, "%s:%s", rd->client_id, secret) == -1)
			pair = NULL;
		b64 = pair != NULL ? reddit_base64(pair, strlen(pair)) : NULL;
		if (pair != NULL)
			explicit_bzero(pair, strlen(pair));
		explicit_bzero(secret, strlen(secret));
		free(pair);
		free(secret);
		if (b64 == NULL || asprintf(&rd->basic, "Authorization: Basic "
		    "%s", b64) == -1) {
			free(b64);
			rd->basic = NULL;
			*cause = strdup("out of memory");
			return -1;
		}
		free(b64);
		rd->oauth = 1;
		rd->spacing = REDDIT_OAUTH_SPACING;
		rd->host->log(rd->src, MD_LOG_INFO, "OAuth client credentials "
		    "(client_id %s, secret from %s): %s, allowed 100 requests "
		    "a minute: one request every %.1f s", rd->client_id, from,
		    rd->oauth_base, rd->spacing);
		return 0;
	}
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	rd->spacing = REDDIT_ANON_SPACING;
	if (have_id)
		rd->host->log(rd->src, MD_LOG_WARNING, "client_id is set but no "
		    "secret was found (client_secret_file, $CREDENTIALS_"
		    "DIRECTORY/" REDDIT_CREDENTIAL " or $" REDDIT_SECRET_ENV
		    "): reading anonymously");
	else if (secret != NULL)
		rd->host->log(rd->src, MD_LOG_WARNING, "a client secret was "
		    "found (%s) but no client_id: reading anonymously", from);
	rd->host->log(rd->src, MD_LOG_NOTICE, "no OAuth client (client_id and "
	    "client_secret_file): anonymous API at %s, which allows 10 "
	    "requests a minute: one request every %.0f s", rd->api_base,
	    rd->spacing);
	return 0;
}

/* Check the settings and start the round timer. */
static int
reddit_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct reddit *rd = ctx;

	rd->src = src;
	rd->host = host;
	if (!MD_HOST_HAS(host, http_post)) {
		*cause = strdup("this mentiond is too old: no http_post");
		return -1;
	}
	if ((rd->api_base = reddit_base(rd->api)) == NULL ||
	    (rd->auth_base = reddit_base(rd->auth)) == NULL ||
	    (rd->oauth_base = reddit_base(rd->oauth_api)) == NULL ||
	    asprintf(&rd->ua_header, "User-Agent: %s", rd->user_agent) == -1) {
		rd->ua_header = NULL;
		*cause = strdup("out of memory");
		goto fail;
	}
	if (strpbrk(rd->user_agent, "\r\n") != NULL || rd->user_agent[0] ==
	    '\0') {
		*cause = strdup("user_agent must be one non-empty line");
		goto fail;
	}
	if (reddit_parse_subs(rd, cause) == -1 ||
	    reddit_setup_auth(rd, cause) == -1)
		goto fail;
	if (strstr(rd->user_agent, "/u/unknown") != NULL)
		host->log(src, MD_LOG_NOTICE, "user_agent is the default; reddit "
		    "asks for one that names the app and its author, e.g. "
		    "\"linux:acme-watch:1.0 (by /u/NAME)\", and throttles "
		    "generic ones harder");
	if (rd->interval <= 0)
		rd->interval = 60;
	if (host->timer_add(src, 0, 0, reddit_tick, rd) == NULL) {
		*cause = strdup("cannot start the round timer");
		goto fail;
	}
	return 0;
fail:
	reddit_cleanup(rd);
	return -1;
}

/* Stop: the host cancels the tasks; free what is ours. */
static void
reddit_stop(struct md_source *src, void *ctx)
{
	(void)src;
	reddit_cleanup(ctx);
}

static const struct md_setting reddit_settings[] = {
	{ "api", MD_SET_URL, "https://www.reddit.com",
	    offsetof(struct reddit, api), 0, "the anonymous API" },
	{ "auth", MD_SET_URL, "https://www.reddit.com",
	    offsetof(struct reddit, auth), 0,
	    "where OAuth tokens come from ({auth}/api/v1/access_token)" },
	{ "oauth_api", MD_SET_URL, "https://oauth.reddit.com",
	    offsetof(struct reddit, oauth_api), 0, "the API with a token" },
	{ "query", MD_SET_STRING, NULL, offsetof(struct reddit, query), 0,
	    "one search instead of the tracks' search terms" },
	{ "subreddits", MD_SET_STRING, NULL,
	    offsetof(struct reddit, subreddits), 0,
	    "subreddits whose new posts and comments are all read" },
	{ "user_agent", MD_SET_STRING, "mentiond/" REDDIT_VERSION
	    " (by /u/unknown)", offsetof(struct reddit, user_agent), 0,
	    "the User-Agent reddit sees" },
	{ "client_id", MD_SET_STRING, NULL, offsetof(struct reddit, client_id),
	    0, "the OAuth app's client id" },
	{ "client_secret_file", MD_SET_STRING, NULL,
	    offsetof(struct reddit, client_secret_file), 0,
	    "a file holding the OAuth app's secret" },
	{ "interval", MD_SET_DURATION, "1m", offsetof(struct reddit, interval),
	    0, "time between rounds" },
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "reddit",
	.version = "0.1",
	.description = "reads reddit searches and subreddits' new posts and "
	    "comments",
	.settings = reddit_settings,
	.ctx_size = sizeof(struct reddit),
	.start = reddit_start,
	.stop = reddit_stop,
	.parse = reddit_parse,
};
