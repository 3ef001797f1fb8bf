/*
 * hackernews.c - the hackernews connector: asks the Algolia HN Search API
 * for the stories and comments that are newer than what it has already read,
 * one search per search term (or one `query`, or with `mode = all` no query
 * at all), and emits each hit as a mention. Parsing is hnparse.c's; this file
 * schedules the requests and keeps the cursors.
 *
 * A round runs every `interval` (as the host paces it: sooner after news,
 * later when quiet, within min_interval and max_interval): the terms are
 * read afresh, then searched one after another, at most one request every
 * HN_SPACING seconds (the API allows 10,000 an hour from one address). A
 * round that fails on a server error ends early; the host logs it once and
 * the next ones wait its growing backoff, at least the Retry-After of a 429
 * or 503.
 *
 * The cursor of a search is the highest created_at_i it has seen, kept in the
 * source state under "q:" and the 64-bit FNV-1a hash of the term ("all" in
 * mode all). While a burst of new hits spans several pages the state says
 * "LOW HIGH PAGE": the range (LOW, HIGH] being read and the next page of it,
 * so that a restart goes on with that page. Pages after the first are asked
 * with the range closed at HIGH, so hits arriving meanwhile cannot shift
 * them; they are read on the next round. A hit outside the range asked for
 * is not emitted, should the API ever ignore the filter. A search without a
 * cursor (a first run, or a term new to the tracks) starts from the source's
 * backfill window (1 h unless the source says otherwise), so that a new
 * term's history is not taken for news; with backfill = all it reads the
 * newest page.
 */
/* asprintf(3), strdup(3) and clock_gettime(2) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mentiond/plugin.h"

#include "hnparse.h"
#include "idring.h"
#include "logonce.h"
#include "pace.h"
#include "ptime.h"
#include "urlenc.h"

#define HN_SPACING	0.4	/* seconds between requests: 9,000 an hour */
#define HN_MAX_PAGES	10	/* pages read of one burst of new hits */
#define HN_MAX_RESULTS	1000	/* Algolia serves no hit beyond the 1,000th */
#define HN_LOG_EVERY	10	/* refusals alike between two warnings */
#define HN_BACKFILL	3600.0	/* the host's default backfill, seconds */

struct hn {
	/* Settings, filled by the host before start(). */
	const char		*api;
	const char		*query;
	const char		*mode;
	double			 interval;
	long long		 hits;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	int			 all;		/* mode = all */
	char			*base;		/* api without a trailing slash */
	int			 per_page;	/* hits, within 1..1000 */
	int			 max_pages;

	char			**terms;	/* this round's searches (copies) */
	size_t			 nterms;
	size_t			 cur;		/* the one being read */
	struct pace		 pace;		/* the round's start, fresh, failure */
	double			 last_request;	/* monotonic */
	int			 skips;		/* searches refused alike */
	long			 last_kind;	/* of the last refusal */
	int			 no_terms_said;

	/* The search in progress. */
	char			 key[24];	/* its state key */
	long long		 low;		/* range (low, high]; -1: first run */
	long long		 high;		/* 0: open */
	long long		 page;
	int			 emitted;	/* by the current response */
};

/* The source's backfill setting (a host key) in seconds: what a search
 * without a cursor reads of the past; HN_BACKFILL by default, -1 for all. */
static double
hn_backfill(const struct hn *hn)
{
	const char *v = hn->host->config_string(hn->src, "backfill");
	double d;

	if (v == NULL)
		return HN_BACKFILL;
	if (strcmp(v, "all") == 0)
		return -1;
	return ptime_duration(v, &d) == 0 ? d : HN_BACKFILL;
}

/* Forget this round's searches. */
static void
hn_free_terms(struct hn *hn)
{
	size_t i;

	for (i = 0; i < hn->nterms; i++)
		free(hn->terms[i]);
	free(hn->terms);
	hn->terms = NULL;
	hn->nterms = 0;
}

/* Copy this round's searches: the query, every search term, or "" in mode
 * all. Returns how many. */
static size_t
hn_load_terms(struct hn *hn)
{
	const char *const *t;
	const char *one = NULL;
	size_t n = 0, i;

	hn_free_terms(hn);
	if (hn->all)
		one = "";
	else if (hn->query != NULL && hn->query[0] != '\0')
		one = hn->query;
	if (one != NULL) {
		if ((hn->terms = calloc(1, sizeof *hn->terms)) == NULL ||
		    (hn->terms[0] = strdup(one)) == NULL)
			return 0;
		return hn->nterms = 1;
	}
	t = hn->host->search_terms(hn->src);
	while (t[n] != NULL)
		n++;
	if (n == 0 || (hn->terms = calloc(n, sizeof *hn->terms)) == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if ((hn->terms[hn->nterms] = strdup(t[i])) != NULL)
			hn->nterms++;
	return hn->nterms;
}

/* How a search is named in the log. */
static const char *
hn_label(const struct hn *hn, char *buf, size_t size)
{
	if (hn->all)
		return "every story and comment";
	snprintf(buf, size, "search \"%s\"", hn->terms[hn->cur]);
	return buf;
}

static void	hn_tick(struct md_source *, void *);
static void	hn_search_begin(struct hn *);
static void	hn_request_soon(struct hn *);

/* The round is over: arm the next one, at the host's pace, or later after
 * a failure (at once when the round took longer than its interval). */
static void
hn_round_end(struct hn *hn)
{
	double delay = pace_next(&hn->pace, hn->host, hn->src, hn->interval);

	hn_free_terms(hn);
	if (hn->host->timer_add(hn->src, delay, 0, hn_tick, hn) == NULL)
		hn->host->log(hn->src, MD_LOG_ERR, "cannot start the round "
		    "timer: no more rounds");
}

/* The current search is done: the next one, or the end of the round. */
static void
hn_search_next(struct hn *hn)
{
	if (++hn->cur < hn->nterms)
		hn_search_begin(hn);
	else
		hn_round_end(hn);
}

/* The round failed on RESP (NULL when there was none: CAUSE says why):
 * it ends; the host logs it once and says when to try again. */
static void
hn_round_fail(struct hn *hn, const struct md_http_response *resp,
    const char *cause)
{
	char buf[256];

	pace_fail(&hn->pace, hn->host, hn->src, hn_label(hn, buf, sizeof buf),
	    resp, cause, hn->interval);
	hn_round_end(hn);
}

/* The current search was refused, or its body not understood, for WHY of
 * kind KIND (an HTTP status, -1 for a body): the round goes on with the
 * next. A warning when it differs from the last refusal, and every
 * HN_LOG_EVERY alike, else a debug line. */
static void
hn_skip(struct hn *hn, long kind, const char *why)
{
	char buf[256];

	if (kind != hn->last_kind)
		hn->skips = 0;
	hn->host->log(hn->src, hn->skips++ % HN_LOG_EVERY == 0 ?
	    MD_LOG_WARNING : MD_LOG_DEBUG, "%s: %s",
	    hn_label(hn, buf, sizeof buf), why);
	hn->last_kind = kind;
	hn_search_next(hn);
}

/* Save the cursor of the current search. */
static void
hn_save(struct hn *hn, long long low, long long high, long long page)
{
	char v[80];

	if (high > 0)
		snprintf(v, sizeof v, "%lld %lld %lld", low, high, page);
	else
		snprintf(v, sizeof v, "%lld", low);
	hn->host->state_set(hn->src, hn->key, v);
}

/* hnparse_fn for the running connector: emit one mention. */
static int
hn_emit(const struct md_mention *m, void *arg)
{
	struct hn *hn = arg;

	/* A hit outside the range asked for was read before, or will be. */
	if (hn->low >= 0 && m->published > 0 && (m->published <= hn->low ||
	    (hn->high > 0 && m->published > hn->high)))
		return 0;
	/* 1 (backed up) still means taken; the next request waits on a
	 * timer, which the host holds back until there is room. */
	if (hn->host->emit(hn->src, m) != -1)
		hn->emitted++;
	return 0;
}

/* The answer to one request of the current search. */
static void
hn_response(struct md_source *src, const struct md_http_response *resp,
    void *arg)
{
	struct hn *hn = arg;
	struct hnparse_page pg;
	char why[160], buf[256], *cause = NULL;
	long long newest;
	int n;

	(void)src;
	if (resp->error != NULL || resp->status == 0 ||
	    resp->status == 429 || resp->status >= 500) {
		hn_round_fail(hn, resp, NULL);
		return;
	}
	if (resp->status < 200 || resp->status > 299) {
		snprintf(why, sizeof why, "HTTP %ld: %.80s", resp->status,
		    resp->body != NULL ? resp->body : "");
		hn_skip(hn, resp->status, why);
		return;
	}

	hn->emitted = 0;
	n = hnparse_parse(resp->body, resp->body_len, &pg, hn_emit, hn, &cause);
	if (n == -1 || cause != NULL) {
		/* What was read is emitted; the cursor stays, so the next
		 * round reads the range again (the dedup drops repeats). */
		snprintf(why, sizeof why, "%s (%zu bytes, %d hits read)",
		    cause != NULL ? cause : "unreadable", resp->body_len,
		    n > 0 ? n : 0);
		free(cause);
		hn->pace.fresh += hn->emitted;
		hn_skip(hn, -1, why);
		return;
	}
	hn->pace.fresh += hn->emitted;
	if (hn->emitted > 0)
		hn->host->log(hn->src, MD_LOG_INFO, "%s: %d new %s",
		    hn_label(hn, buf, sizeof buf), hn->emitted,
		    hn->emitted == 1 ? "hit" : "hits");

	if (hn->low == -1) {
		/* No cursor and backfill = all: the newest page, no more. */
		if (pg.newest > 0)
			hn_save(hn, pg.newest, 0, 0);
		hn_search_next(hn);
		return;
	}
	if (hn->high == 0) {
		if (pg.newest <= hn->low) {
			hn_search_next(hn);	/* nothing new */
			return;
		}
		hn->high = pg.newest;
	}
	newest = hn->high;
	if (pg.nbpages > hn->page + 1 && hn->page + 1 < hn->max_pages &&
	    pg.hits > 0) {
		hn->page++;
		hn_save(hn, hn->low, hn->high, hn->page);
		hn_request_soon(hn);
		return;
	}
	if (pg.nbpages > hn->page + 1)
		hn->host->log(hn->src, MD_LOG_WARNING, "%s: more new hits than "
		    "%d pages of %d; the oldest %lld pages of them are skipped",
		    hn_label(hn, buf, sizeof buf), hn->max_pages, hn->per_page,
		    pg.nbpages - hn->page - 1);
	hn_save(hn, newest, 0, 0);
	hn_search_next(hn);
}

/* Send the request of the current search and page. */
static void
hn_request(struct md_source *src, void *arg)
{
	struct hn *hn = arg;
	struct md_http_request req = { .url = NULL };
	char *q = NULL, *filter = NULL, *efilter = NULL, *url = NULL;
	char page[32] = "", range[80];
	static const char *const headers[] = { "Accept: application/json",
	    NULL };

	(void)src;
	if (hn->terms[hn->cur][0] != '\0' &&
	    (q = urlenc_component(hn->terms[hn->cur])) == NULL)
		goto fail;
	if (hn->low >= 0) {
		if (hn->high > 0)
			snprintf(range, sizeof range, "created_at_i>%lld,"
			    "created_at_i<=%lld", hn->low, hn->high);
		else
			snprintf(range, sizeof range, "created_at_i>%lld",
			    hn->low);
		filter = range;
		if ((efilter = urlenc_component(filter)) == NULL)
			goto fail;
	}
	if (hn->page > 0)
		snprintf(page, sizeof page, "&page=%lld", hn->page);
	if (asprintf(&url, "%s/api/v1/search_by_date?%s%s%stags=%%28story%%2C"
	    "comment%%29%s%s&hitsPerPage=%d%s", hn->base, q != NULL ?
	    "query=" : "", q != NULL ? q : "", q != NULL ? "&" : "",
	    efilter != NULL ? "&numericFilters=" : "",
	    efilter != NULL ? efilter : "", hn->per_page, page) == -1) {
		url = NULL;
		goto fail;
	}
	req.url = url;
	req.headers = headers;
	hn->last_request = ptime_now();
	if (hn->host->http_fetch(hn->src, &req, hn_response, hn) == NULL)
		goto fail;
	free(q);
	free(efilter);
	free(url);
	return;
fail:
	free(q);
	free(efilter);
	free(url);
	hn_round_fail(hn, NULL, "cannot send the request");
}

/* Send the next request once HN_SPACING has passed since the last one. */
static void
hn_request_soon(struct hn *hn)
{
	double wait = hn->last_request + HN_SPACING - ptime_now();

	if (hn->host->timer_add(hn->src, wait > 0 ? wait : 0, 0, hn_request,
	    hn) == NULL)
		hn_round_end(hn);
}

/* Begin the current search: its cursor decides the first request. */
static void
hn_search_begin(struct hn *hn)
{
	const char *v;
	long long low, high, page;
	double backfill;
	int n;

	snprintf(hn->key, sizeof hn->key, hn->all ? "all" : "q:%016llx",
	    (unsigned long long)idring_hash(hn->terms[hn->cur]));
	hn->low = -1;
	hn->high = 0;
	hn->page = 0;
	if ((v = hn->host->state_get(hn->src, hn->key)) != NULL) {
		n = sscanf(v, "%lld %lld %lld", &low, &high, &page);
		if (n >= 1 && low >= 0)
			hn->low = low;
		if (n == 3 && high > low && page > 0 && page < hn->max_pages) {
			hn->high = high;
			hn->page = page;
		}
	}
	if (hn->low == -1 && (backfill = hn_backfill(hn)) > 0)
		/* No cursor (a first run, or a new term): read the backfill
		 * window like a burst, not the term's whole history. */
		hn->low = (long long)time(NULL) - (long long)backfill;
	hn_request_soon(hn);
}

/* The round timer: read the searches afresh, then the first of them. */
static void
hn_tick(struct md_source *src, void *arg)
{
	struct hn *hn = arg;
	int none;

	(void)src;
	pace_begin(&hn->pace);
	none = hn_load_terms(hn) == 0;
	if (logonce_due(&hn->no_terms_said, none))
		hn->host->log(hn->src, MD_LOG_NOTICE, "no search terms: no track "
		    "has words to search for and there is no query setting; "
		    "nothing is asked (mode = all reads every story and "
		    "comment)");
	if (none) {
		hn_round_end(hn);
		return;
	}
	hn->cur = 0;
	hn_search_begin(hn);
}

/* What hn_parse hands each mention to. */
struct hn_parse_arg {
	md_parse_fn	 emit;
	void		*arg;
};

/* hnparse_fn for hn_parse. */
static int
hn_parse_emit(const struct md_mention *m, void *arg)
{
	struct hn_parse_arg *pa = arg;

	return pa->emit(pa->arg, m);
}

/* md_plugin.parse: the hits of one saved search response. */
static int
hn_parse(void *ctx, const struct md_http_response *resp, md_parse_fn emit,
    void *arg, char **cause)
{
	struct hn_parse_arg pa = { emit, arg };

	(void)ctx;
	return hnparse_parse(resp->body, resp->body_len, NULL, hn_parse_emit,
	    &pa, cause);
}

/* Check the settings and start the round timer. */
static int
hn_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct hn *hn = ctx;
	size_t len;

	hn->src = src;
	hn->host = host;
	if (!MD_HOST_HAS(host, search_terms)) {
		*cause = strdup("this mentiond is too old: no search_terms");
		return -1;
	}
	if (strcmp(hn->mode, "all") == 0)
		hn->all = 1;
	else if (strcmp(hn->mode, "search") != 0) {
		if (asprintf(cause, "mode must be search or all, not '%s'",
		    hn->mode) == -1)
			*cause = NULL;
		return -1;
	}
	if (hn->hits < 1 || hn->hits > 1000) {
		if (asprintf(cause, "hits must be within 1 and 1000 (the API's "
		    "most per page), not %lld", hn->hits) == -1)
			*cause = NULL;
		return -1;
	}
	hn->per_page = (int)hn->hits;
	hn->max_pages = HN_MAX_RESULTS / hn->per_page;
	if (hn->max_pages > HN_MAX_PAGES)
		hn->max_pages = HN_MAX_PAGES;
	if ((hn->base = strdup(hn->api)) == NULL) {
		*cause = strdup("out of memory");
		return -1;
	}
	len = strlen(hn->base);
	while (len > 0 && hn->base[len - 1] == '/')
		hn->base[--len] = '\0';
	if (hn->all && hn->query != NULL && hn->query[0] != '\0')
		host->log(src, MD_LOG_WARNING, "mode all asks for everything: "
		    "the query setting is not used");
	host->log(src, MD_LOG_INFO, "%s every %.0f s, %d hits a page",
	    hn->all ? "reading every new story and comment" :
	    hn->query != NULL && hn->query[0] != '\0' ? "searching the query" :
	    "searching each search term", hn->interval, hn->per_page);
	if (hn->interval <= 0)
		hn->interval = 60;
	if (host->timer_add(src, 0, 0, hn_tick, hn) == NULL) {
		free(hn->base);
		hn->base = NULL;
		*cause = strdup("cannot start the round timer");
		return -1;
	}
	return 0;
}

/* Stop: the host cancels the tasks; free what is ours. */
static void
hn_stop(struct md_source *src, void *ctx)
{
	struct hn *hn = ctx;

	(void)src;
	hn_free_terms(hn);
	free(hn->base);
	hn->base = NULL;
}

static const struct md_setting hn_settings[] = {
	{ "api", MD_SET_URL, "https://hn.algolia.com", offsetof(struct hn, api),
	    0, "the Algolia HN Search API" },
	{ "query", MD_SET_STRING, NULL, offsetof(struct hn, query), 0,
	    "one search instead of the tracks' search terms" },
	{ "mode", MD_SET_STRING, "search", offsetof(struct hn, mode), 0,
	    "search: the terms (or query); all: every story and comment" },
	{ "interval", MD_SET_DURATION, "1m", offsetof(struct hn, interval), 0,
	    "time between rounds of searches" },
	{ "hits", MD_SET_INT, "100", offsetof(struct hn, hits), 0,
	    "hits per page, 1 to 1000" },
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "hackernews",
	.version = "0.1",
	.description = "searches Hacker News stories and comments (Algolia)",
	.settings = hn_settings,
	.ctx_size = sizeof(struct hn),
	.start = hn_start,
	.stop = hn_stop,
	.parse = hn_parse,
};
