/*
 * github.c - the GitHub connector: searches issues and pull requests for
 * each search term, oldest first from the term's cursor, and reads the
 * issue comments of the repositories listed in `repos` (the search API
 * cannot find comments), emitting each item once. Parsing is
 * githubparse.c's; this file schedules and paces the requests and keeps
 * the cursors.
 *
 * A poll is a round of jobs, one request at a time: one per term, GET
 * {api}/search/issues?q=TERM+created:>=CURSOR&sort=created&order=asc&
 * per_page=100&page=N, and one per repository, GET
 * {api}/repos/OWNER/REPO/issues/comments?since=CURSOR&sort=created&
 * direction=asc&per_page=100&page=N. Both are oldest first, so items are
 * emitted page by page and the cursor (the newest created_at emitted, and
 * the ids of that second) moves after each page. After a full page the
 * query starts again from the cursor's second, at page 1 (the next page
 * only when the whole page was of that second): a page number would skip
 * an item when one read before went away, and the search gives 1,000
 * results of a query at most; max_pages bounds the pages of a job in one
 * poll. See README.md.
 */
/* asprintf(3), strdup(3), clock_gettime(2) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mentiond/plugin.h"

#include "githubparse.h"
#include "cred.h"
#include "cursor.h"
#include "logonce.h"
#include "pace.h"
#include "ptime.h"
#include "strbuf.h"
#include "urlenc.h"

#define GITHUB_PER_PAGE		100	/* the API's maximum */
#define GITHUB_SEARCH_CAP	10	/* pages of a query the search gives */
#define GITHUB_FIRST_WINDOW	3600	/* seconds back on a first run */
#define GITHUB_TOKEN_MAX	1024	/* bytes of a token */
#define GITHUB_GAP_ANON		6.0	/* s between searches: 10 a minute */
#define GITHUB_GAP_TOKEN	2.0	/* ... with a token: 30 a minute */
#define GITHUB_TOKEN_CRED	"github-token"
#define GITHUB_TOKEN_ENV	"MENTIOND_GITHUB_TOKEN"

struct github {
	/* Settings, filled by the host before start(). */
	const char		*api;
	const char		*query;
	const char		*qualifiers;
	const char		*repos;
	double			 interval;
	long long		 max_pages;
	const char		*token_file;
	double			 search_gap;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	char			*base;		/* api without a final / */
	char			*auth;		/* the Authorization header */
	const char		*headers[4];
	double			 gap;		/* between searches, seconds */
	double			 last_search;	/* monotonic */
	struct md_task		*timer;		/* next round or request */
	struct md_task		*fetch;
	int			 idle_logged;
	long long		 low_reset;	/* reset time of the last low
						   rate-limit notice */

	/* The round in progress. */
	char			**terms;
	size_t			 nterms;
	char			**repo;		/* OWNER/REPO, checked */
	size_t			 nrepos;
	size_t			 job;		/* a term, then a repository */
	struct pace		 pace;		/* its start, fresh, failure */
	struct logonce_set	 refused;	/* per job: said already */
	int			 busy;		/* emit said: backed up */

	/* The job in progress. */
	int			 page;		/* of the query */
	long long		 pages;		/* read in this poll */
	int64_t			 from;		/* the query's created:>= */
	struct cursor		 at;		/* newest created_at done, and the
						 * ids done in that second */
	size_t			 nemitted;
};

static void	github_round_end(struct github *);
static void	github_job_start(struct github *, size_t);
static void	github_request(struct github *);

/* Is the job in progress a search (not a repository's comments)? */
static int
github_searching(const struct github *g)
{
	return g->job < g->nterms;
}

/* What the job in progress is, for log lines. */
static const char *
github_label(const struct github *g, char *buf, size_t size)
{
	if (github_searching(g))
		snprintf(buf, size, "search \"%s\"", g->terms[g->job]);
	else
		snprintf(buf, size, "%s comments",
		    g->repo[g->job - g->nterms]);
	return buf;
}

/* Format unix seconds T as "2024-05-01T12:00:00Z" into BUF. */
static void
github_format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "1970-01-01T00:00:00Z");
}

/* The state key of the job in progress (malloc'd): "search:TERM" or
 * "comments:OWNER/REPO". */
static char *
github_state_key(const struct github *g)
{
	char *key;

	if (asprintf(&key, "%s:%s", github_searching(g) ? "search" :
	    "comments", github_searching(g) ? g->terms[g->job] :
	    g->repo[g->job - g->nterms]) == -1)
		return NULL;
	return key;
}

/* Write the cursor of the job in progress: "SECONDS ID ID ...". */
static void
github_save(struct github *g)
{
	char *key, *val;

	if ((key = github_state_key(g)) == NULL ||
	    (val = cursor_save(&g->at)) == NULL) {
		free(key);
		return;
	}
	g->host->state_set(g->src, key, val);
	free(val);
	free(key);
}

/* Read the cursor of the job in progress; 0, or -1 when there is none. */
static int
github_load(struct github *g)
{
	const char *v;
	char *key;

	if ((key = github_state_key(g)) == NULL) {
		cursor_load(&g->at, NULL);
		return -1;
	}
	v = g->host->state_get(g->src, key);
	free(key);
	return cursor_load(&g->at, v);
}

/* github_parse's callback for a page: emit what is new, oldest first. */
static int
github_page_item(const struct github_item *it, void *arg)
{
	struct github *g = arg;
	struct md_mention m = MD_MENTION_INIT;
	char id[24];
	int rc;

	snprintf(id, sizeof id, "%lld", it->num);
	if (cursor_done(&g->at, it->published, id))
		return 0;
	github_mention(it, &m);
	rc = g->host->emit(g->src, &m);
	if (rc != -1)
		g->nemitted++;
	if (rc == 1)
		g->busy = 1;
	cursor_take(&g->at, it->published, id);
	return 0;
}

/* The rate-limit headers of RESP: a notice when low, once per window. */
static void
github_rate_log(struct github *g, const struct md_http_response *resp)
{
	const char *rem, *lim, *reset, *res;
	long long r, l, t;
	char when[32];

	if (!MD_HOST_HAS(g->host, http_header))
		return;
	rem = g->host->http_header(resp, "X-RateLimit-Remaining");
	lim = g->host->http_header(resp, "X-RateLimit-Limit");
	reset = g->host->http_header(resp, "X-RateLimit-Reset");
	res = g->host->http_header(resp, "X-RateLimit-Resource");
	if (rem == NULL || lim == NULL)
		return;
	r = strtoll(rem, NULL, 10);
	l = strtoll(lim, NULL, 10);
	t = reset != NULL ? strtoll(reset, NULL, 10) : 0;
	if (l <= 0 || r * 10 > l || t == g->low_reset)
		return;
	g->low_reset = t;
	github_format_time(t, when, sizeof when);
	g->host->log(g->src, r == 0 ? MD_LOG_WARNING : MD_LOG_NOTICE,
	    "rate limit%s%s: %lld of %lld requests left until %s%s",
	    res != NULL ? " " : "", res != NULL ? res : "", r, l, when,
	    r == 0 ? "; requests wait until then" : "");
}

/* The timer of the next request. */
static void
github_request_cb(struct md_source *src, void *arg)
{
	struct github *g = arg;

	(void)src;
	g->timer = NULL;
	github_request(g);
}

/* The job in progress is over: log what it emitted, start the next. */
static void
github_job_done(struct github *g)
{
	char label[256];

	g->pace.fresh += (int)g->nemitted;
	if (g->nemitted > 0)
		g->host->log(g->src, MD_LOG_INFO, "%s: %zu new",
		    github_label(g, label, sizeof label), g->nemitted);
	github_job_start(g, g->job + 1);
}

/* The round failed at the job in progress, on RESP (NULL when there was
 * none) or for CAUSE: the host logs it once (the label holds no token)
 * and says when to try again, at least the Retry-After of a rate limit. */
static void
github_round_fail(struct github *g, const struct md_http_response *resp,
    const char *cause)
{
	char label[256];

	github_label(g, label, sizeof label);
	pace_fail(&g->pace, g->host, g->src, label, resp, cause, g->interval);
	github_round_end(g);
}

/* A refused request (not 2xx): 1 when the round goes on with the next job
 * (logged here), 0 when the round fails on it. */
static int
github_refused(struct github *g, const struct md_http_response *resp,
    const struct github_info *info)
{
	char label[256];

	switch (resp->status) {
	case 401:
		/* The first failure of a streak: the host logs the 401. */
		if (g->pace.failures == 0)
			g->host->log(g->src, MD_LOG_ERR, "the token is refused: "
			    "renew it, or remove it to search without one");
		return 0;
	case 403:	/* a rate limit, with Retry-After when secondary */
	case 408:
	case 429:
		return 0;
	default:
		if (resp->status < 400 || resp->status > 499)
			return 0;
		/* 404: no such repository; 422: a query the search
		 * refuses. */
		if (logonce_set_due(&g->refused, g->job, resp->status))
			g->host->log(g->src, MD_LOG_WARNING, "%s: HTTP %ld%s%s "
			    "(logged again when it changes or works)",
			    github_label(g, label, sizeof label), resp->status,
			    info->message[0] != '\0' ? ": " : "",
			    info->message);
		return 1;
	}
}

/* The response to a page of the job in progress. */
static void
github_page_done(struct md_source *src, const struct md_http_response *resp,
    void *arg)
{
	struct github *g = arg;
	struct github_info info;
	char *cause = NULL, label[256], why[256];
	size_t before;
	int n;

	(void)src;
	g->fetch = NULL;
	github_label(g, label, sizeof label);
	if (resp->status == 0) {
		github_round_fail(g, resp, NULL);
		return;
	}
	github_rate_log(g, resp);
	if (resp->status < 200 || resp->status > 299) {
		memset(&info, 0, sizeof info);
		(void)github_parse(resp->body, resp->body_len, NULL, NULL,
		    &info, &cause);
		free(cause);
		if (github_refused(g, resp, &info))
			github_job_start(g, g->job + 1);
		else
			github_round_fail(g, resp, NULL);
		return;
	}
	if (logonce_set_clear(&g->refused, g->job))
		g->host->log(g->src, MD_LOG_NOTICE, "%s works again", label);
	before = g->nemitted;
	n = github_parse(resp->body, resp->body_len, github_page_item, g,
	    &info, &cause);
	if (g->nemitted > before || g->busy)
		github_save(g);
	if (n == -1 || cause != NULL || info.body == GITHUB_ERROR ||
	    (info.body == GITHUB_LIST) == github_searching(g)) {
		snprintf(why, sizeof why, "page %d: %s; the cursor stays",
		    g->page, cause != NULL ? cause :
		    "not the body of this request");
		free(cause);
		github_round_fail(g, resp, why);
		return;
	}
	if (info.incomplete)
		g->host->log(g->src, MD_LOG_INFO, "%s: the search timed out "
		    "and gave incomplete results", label);
	g->pages++;
	/* A short page is the end. */
	if (info.nraw < GITHUB_PER_PAGE || (github_searching(g) &&
	    info.total_count >= 0 && info.total_count <= (long long)g->page *
	    GITHUB_PER_PAGE)) {
		github_job_done(g);
		return;
	}
	if (g->pages >= g->max_pages) {
		g->host->log(g->src, MD_LOG_NOTICE, "%s: %lld pages read and "
		    "more to come: the rest at the next poll", label,
		    g->max_pages);
		github_job_done(g);
		return;
	}
	if (g->at.t > g->from) {
		/*
		 * Query again from the cursor's second rather than ask for the
		 * next page: an item of the pages read that went away since
		 * (deleted, edited out of the results) would shift the next
		 * page by one and its first item would never be seen. This
		 * also passes the search's 1,000 results.
		 */
		g->from = g->at.t;
		g->page = 1;
	} else if (github_searching(g) && g->page >= GITHUB_SEARCH_CAP) {
		g->host->log(g->src, MD_LOG_WARNING, "%s: more than %d results "
		    "created in one second, more than the search gives: the "
		    "rest are skipped", label, GITHUB_SEARCH_CAP *
		    GITHUB_PER_PAGE);
		g->at.t++;
		cursor_clear(&g->at);
		github_save(g);
		github_job_done(g);
		return;
	} else
		g->page++;	/* a whole page in the cursor's second */
	github_request(g);
}

/* The URL of the page in progress (malloc'd), or NULL. */
static char *
github_url(const struct github *g)
{
	char when[32], *q = NULL, *eq = NULL, *url = NULL;
	const char *quals = g->qualifiers != NULL ? g->qualifiers : "";

	github_format_time(g->from, when, sizeof when);
	if (!github_searching(g)) {
		if (asprintf(&url, "%s/repos/%s/issues/comments?since=%s&"
		    "sort=created&direction=asc&per_page=%d&page=%d",
		    g->base, g->repo[g->job - g->nterms], when,
		    GITHUB_PER_PAGE, g->page) == -1)
			url = NULL;
		return url;
	}
	if (asprintf(&q, "%s%s%s created:>=%s", g->terms[g->job],
	    *quals != '\0' ? " " : "", quals, when) == -1)
		return NULL;
	if ((eq = urlenc_component(q)) != NULL &&
	    asprintf(&url, "%s/search/issues?q=%s&sort=created&order=asc&"
	    "per_page=%d&page=%d", g->base, eq, GITHUB_PER_PAGE,
	    g->page) == -1)
		url = NULL;
	free(q);
	free(eq);
	return url;
}

/* Ask for the page in progress, when the pace and holds allow; after a
 * timer, which the host holds back while the pipeline is backed up, when
 * an emit said it is. */
static void
github_request(struct github *g)
{
	struct md_http_request req = { .url = NULL, .headers = g->headers };
	double wait = 0, now = ptime_now();
	char *url;

	if (g->busy) {
		g->busy = 0;
		g->timer = g->host->timer_add(g->src, 0, 0, github_request_cb,
		    g);
		if (g->timer != NULL)
			return;
	}
	if (github_searching(g) && g->last_search + g->gap - now > wait)
		wait = g->last_search + g->gap - now;
	if (wait > 0) {
		g->timer = g->host->timer_add(g->src, wait, 0,
		    github_request_cb, g);
		if (g->timer != NULL)
			return;
	}
	if ((url = github_url(g)) == NULL) {
		github_round_fail(g, NULL, "out of memory");
		return;
	}
	if (github_searching(g))
		g->last_search = now;
	req.url = url;
	g->fetch = g->host->http_fetch(g->src, &req, github_page_done, g);
	free(url);
	if (g->fetch == NULL)
		github_round_fail(g, NULL, "cannot start a request");
}

/* Start the job J, or end the round after the last. */
static void
github_job_start(struct github *g, size_t j)
{
	g->job = j;
	if (j >= g->nterms + g->nrepos) {
		github_round_end(g);
		return;
	}
	g->page = 1;
	g->pages = 0;
	g->nemitted = 0;
	if (github_load(g) != 0) {
		/* The first run: the last hour, no further. */
		g->at.t = (int64_t)time(NULL) - GITHUB_FIRST_WINDOW;
	}
	g->from = g->at.t;
	github_request(g);
}

/* Forget the strings of list V of N. */
static void
github_list_clear(char ***v, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

/* Add the N bytes at S to list V unless there. */
static void
github_list_add(char ***v, size_t *nv, const char *s, size_t n)
{
	char **nw, *c;
	size_t i;

	if (n == 0 || (c = strndup(s, n)) == NULL)
		return;
	for (i = 0; i < *nv; i++) {
		if (strcmp((*v)[i], c) == 0) {
			free(c);
			return;
		}
	}
	if ((nw = reallocarray(*v, *nv + 1, sizeof *nw)) == NULL) {
		free(c);
		return;
	}
	*v = nw;
	(*v)[(*nv)++] = c;
}

/* The round timer: take the terms of now and start the first job. */
static void
github_round(struct md_source *src, void *arg)
{
	struct github *g = arg;
	const char *const *t;

	(void)src;
	g->timer = NULL;
	pace_begin(&g->pace);
	g->busy = 0;
	github_list_clear(&g->terms, &g->nterms);
	if (g->query != NULL && *g->query != '\0')
		github_list_add(&g->terms, &g->nterms, g->query,
		    strlen(g->query));
	else if (MD_HOST_HAS(g->host, search_terms))
		for (t = g->host->search_terms(g->src); *t != NULL; t++)
			github_list_add(&g->terms, &g->nterms, *t, strlen(*t));
	if (logonce_due(&g->idle_logged, g->nterms == 0 && g->nrepos == 0))
		g->host->log(g->src, MD_LOG_NOTICE, "nothing to search for: no "
		    "query setting, no track terms and no repos; idle until "
		    "there are");
	github_job_start(g, 0);
}

/* The round is over: arm the next one, at the host's pace, or later
 * after a failure. */
static void
github_round_end(struct github *g)
{
	double delay = pace_next(&g->pace, g->host, g->src, g->interval);

	g->timer = g->host->timer_add(g->src, delay, 0, github_round, g);
}

/* Check and keep the repos setting: OWNER/REPO words; 0, or -1 with
 * *CAUSE. */
static int
github_repos_fill(struct github *g, char **cause)
{
	const char *s = g->repos != NULL ? g->repos : "", *slash;
	size_t n, i;

	while (*s != '\0') {
		s += strspn(s, " ,\t");
		if ((n = strcspn(s, " ,\t")) == 0)
			break;
		slash = memchr(s, '/', n);
		for (i = 0; i < n; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= 'A' && s[i] <= 'Z') ||
			    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
			    s[i] == '_' || s[i] == '.' || s[i] == '/'))
				break;
		if (slash == NULL || slash == s || slash == s + n - 1 ||
		    memchr(slash + 1, '/', n - (size_t)(slash + 1 - s)) !=
		    NULL || i < n) {
			if (asprintf(cause, "repos: '%.*s' is not OWNER/REPO",
			    (int)n, s) == -1)
				*cause = NULL;
			return -1;
		}
		github_list_add(&g->repo, &g->nrepos, s, n);
		s += n;
	}
	return 0;
}

/* Find the token (cred_get): token_file, $CREDENTIALS_DIRECTORY/github-token,
 * then $MENTIOND_GITHUB_TOKEN, and put it in g->auth; *FROM says which. 0
 * (with or without one), or -1 with *CAUSE when token_file or the
 * credential is no good. */
static int
github_find_token(struct github *g, const char **from, char **cause)
{
	static const char *const where[] = { NULL, "token_file",
	    "$CREDENTIALS_DIRECTORY/" GITHUB_TOKEN_CRED, "$" GITHUB_TOKEN_ENV };
	enum cred_from f;
	char *token, *why;

	*from = NULL;
	if ((token = cred_get(g->token_file, GITHUB_TOKEN_CRED,
	    GITHUB_TOKEN_ENV, &f, NULL, &why)) == NULL) {
		if (why == NULL)
			return 0;
		*cause = strbuf_msg("%s: %s", g->token_file != NULL &&
		    *g->token_file != '\0' ? "token_file" : "credential", why);
		free(why);
		return -1;
	}
	/* One line of at most GITHUB_TOKEN_MAX bytes; a variable that is not
	 * such a token is passed over, a file is an error. */
	if (strlen(token) > GITHUB_TOKEN_MAX ||
	    strpbrk(token, "\r\n") != NULL) {
		free(token);
		if (f == CRED_ENV)
			return 0;
		*cause = strbuf_msg("%s: not a token (a line break, or longer "
		    "than %d bytes)", where[f], GITHUB_TOKEN_MAX);
		return -1;
	}
	g->auth = cred_auth_line("Bearer", token, cause);
	free(token);
	if (g->auth == NULL)
		return -1;
	*from = where[f];
	return 0;
}

/* Start: check the settings, find the token, run the first round. */
static int
github_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct github *g = ctx;
	const char *from;
	size_t n, k = 0;

	g->src = src;
	g->host = host;
	if (g->max_pages < 1) {
		*cause = strdup("max_pages: at least 1");
		return -1;
	}
	if (github_repos_fill(g, cause) != 0 ||
	    github_find_token(g, &from, cause) != 0)
		goto fail;
	if ((g->base = strdup(g->api)) == NULL) {
		*cause = strdup("out of memory");
		goto fail;
	}
	n = strlen(g->base);
	while (n > 0 && g->base[n - 1] == '/')
		g->base[--n] = '\0';
	g->headers[k++] = "Accept: application/vnd.github+json";
	g->headers[k++] = "X-GitHub-Api-Version: 2022-11-28";
	if (g->auth != NULL)
		g->headers[k++] = g->auth;
	g->headers[k] = NULL;
	g->gap = g->search_gap > 0 ? g->search_gap : g->auth != NULL ?
	    GITHUB_GAP_TOKEN : GITHUB_GAP_ANON;
	if (g->auth != NULL)
		host->log(src, MD_LOG_INFO, "searching issues every %.0f s "
		    "with the token from %s: 30 searches a minute, one every "
		    "%.1f s", g->interval, from, g->gap);
	else
		host->log(src, MD_LOG_NOTICE, "searching issues every %.0f s "
		    "without a token (none in token_file, $CREDENTIALS_"
		    "DIRECTORY/%s or $%s): GitHub allows 10 searches a minute, "
		    "so one every %.1f s, and 60 other requests an hour for "
		    "repos' comments", g->interval, GITHUB_TOKEN_CRED,
		    GITHUB_TOKEN_ENV, g->gap);
	g->timer = host->timer_add(src, 0, 0, github_round, g);
	if (g->timer == NULL) {
		*cause = strdup("cannot start a timer");
		goto fail;
	}
	return 0;
fail:
	github_list_clear(&g->repo, &g->nrepos);
	free(g->base);
	g->base = NULL;
	free(g->auth);
	g->auth = NULL;
	return -1;
}

/* Stop: the host cancels the tasks; free what is ours. */
static void
github_stop(struct md_source *src, void *ctx)
{
	struct github *g = ctx;

	(void)src;
	logonce_set_free(&g->refused);
	github_list_clear(&g->terms, &g->nterms);
	github_list_clear(&g->repo, &g->nrepos);
	cursor_clear(&g->at);
	free(g->base);
	g->base = NULL;
	free(g->auth);
	g->auth = NULL;
}

/* What github_parse_plugin hands each item to. */
struct github_parse_arg {
	md_parse_fn	 emit;
	void		*arg;
};

/* One item for md_plugin.parse. */
static int
github_parse_item(const struct github_item *it, void *arg)
{
	struct github_parse_arg *pa = arg;
	struct md_mention m = MD_MENTION_INIT;

	github_mention(it, &m);
	return pa->emit(pa->arg, &m);
}

/* md_plugin.parse: every item of one saved search or comments body (an
 * error body gives none, and its message as the cause). */
static int
github_parse_plugin(void *ctx, const struct md_http_response *resp,
    md_parse_fn emit, void *arg, char **cause)
{
	struct github_parse_arg pa = { emit, arg };
	struct github_info info;
	int n;

	(void)ctx;
	n = github_parse(resp->body, resp->body_len, github_parse_item, &pa,
	    &info, cause);
	if (n == 0 && *cause == NULL && info.body == GITHUB_ERROR &&
	    asprintf(cause, "API error: %s", info.message) == -1)
		*cause = NULL;
	return n;
}

static const struct md_setting github_settings[] = {
	{ "api", MD_SET_URL, "https://api.github.com",
	    offsetof(struct github, api), 0, "the API's base URL" },
	{ "query", MD_SET_STRING, NULL, offsetof(struct github, query), 0,
	    "search for this instead of the tracks' terms" },
	{ "qualifiers", MD_SET_STRING, NULL,
	    offsetof(struct github, qualifiers), 0,
	    "added to every search, such as: is:issue org:acme" },
	{ "repos", MD_SET_STRING, NULL, offsetof(struct github, repos), 0,
	    "OWNER/REPO list whose issue comments are read" },
	{ "interval", MD_SET_DURATION, "5m", offsetof(struct github, interval),
	    0, "time between polls" },
	{ "max_pages", MD_SET_INT, "10", offsetof(struct github, max_pages),
	    0, "pages of 100 read per term or repository per poll, at most" },
	{ "token_file", MD_SET_STRING, NULL,
	    offsetof(struct github, token_file), 0,
	    "a file holding a GitHub token" },
	{ "search_gap", MD_SET_DURATION, "0",
	    offsetof(struct github, search_gap), 0,
	    "time between searches; 0: 6 s without a token, 2 s with" },
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "github",
	.version = "0.1",
	.description = "searches GitHub issues and pull requests, reads "
	    "repositories' issue comments",
	.settings = github_settings,
	.ctx_size = sizeof(struct github),
	.start = github_start,
	.stop = github_stop,
	.parse = github_parse_plugin,
};
