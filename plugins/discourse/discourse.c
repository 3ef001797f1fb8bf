/*
 * discourse.c - the Discourse connector: reads each forum's latest posts
 * (GET {forum}/posts.json, newest first, every post of every public topic)
 * at each poll and emits those it has not emitted, oldest first. Discourse
 * has no search for "what is new since": the matcher decides which posts
 * matter. Parsing is discourseparse.c's; this file schedules the requests
 * and keeps the cursors.
 *
 * A poll is a round of jobs, one per forum, one request at a time. A job
 * reads posts.json, then posts.json?before=ID (ID the lowest post id read
 * so far) while every post read is above the forum's cursor (the highest
 * post id emitted, kept in the state under the forum's URL), at most
 * max_pages pages; then it emits what it gathered oldest first and moves
 * the cursor. A forum without a cursor (the first run) reads one page.
 * See README.md.
 */
/* asprintf(3), strdup(3), clock_gettime(2) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "mentiond/plugin.h"

#include "discourseparse.h"
#include "logonce.h"
#include "mentlist.h"
#include "pace.h"

struct discourse {
	/* Settings, filled by the host before start(). */
	const char		*forum;
	const char		*forums;
	double			 interval;
	long long		 max_pages;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	char			**bases;	/* forum URLs, no final / */
	size_t			 nbases;
	struct md_task		*timer;		/* next round, or emit more */
	struct md_task		*fetch;

	/* The round in progress. */
	size_t			 job;		/* index in bases */
	struct pace		 pace;		/* its start, fresh, failure */
	struct logonce_set	 refused;	/* per forum: said already */

	/* The job in progress. */
	int			 page;
	int			 first;		/* no cursor yet */
	int64_t			 cursor;	/* highest post id done */
	int64_t			 top;		/* highest post id read */
	int64_t			 before;	/* lowest post id read */
	struct mentlist		 got;		/* above the cursor, by post id */
	size_t			 nemitted;
};

static void	discourse_round_end(struct discourse *);
static void	discourse_job_next(struct discourse *);
static void	discourse_fetch_page(struct discourse *);

/* The forum of the job in progress. */
static const char *
discourse_base(const struct discourse *d)
{
	return d->bases[d->job];
}

/* discourse_parse's callback for a page: keep what is above the cursor. */
static int
discourse_page_item(const struct discourse_item *it, void *arg)
{
	struct discourse *d = arg;
	struct md_mention m = MD_MENTION_INIT;

	if (!d->first && it->post_id <= d->cursor)
		return 0;
	/* A page shifts when posts arrive meanwhile. */
	discourse_mention(it, &m);
	if (mentlist_has(&d->got, m.id))
		return 0;
	if (mentlist_add(&d->got, &m, it->post_id) != 0) {
		d->host->log(d->src, MD_LOG_ERR, "out of memory");
		return -1;
	}
	return 0;
}

/* Write the cursor of the job in progress. */
static void
discourse_save(struct discourse *d)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", (long long)d->cursor);
	d->host->state_set(d->src, discourse_base(d), buf);
}

/* The timer of an interrupted emit: go on emitting the job's items. */
static void
discourse_emit_more(struct md_source *src, void *arg)
{
	struct discourse *d = arg;

	(void)src;
	d->timer = NULL;
	discourse_job_next(d);
}

/* Emit the job's items, oldest first, moving the cursor. Returns 0 when all
 * are emitted, 1 when the pipeline is backed up and the rest waits. */
static int
discourse_emit(struct discourse *d)
{
	struct mentlist_item *it;
	int rc;

	while ((it = mentlist_last(&d->got)) != NULL) {
		rc = d->host->emit(d->src, &it->m);
		if (rc != -1)
			d->nemitted++;
		if (it->key > d->cursor)
			d->cursor = it->key;
		mentlist_drop_last(&d->got);
		if (rc == 1 && d->got.n > 0) {
			discourse_save(d);
			d->timer = d->host->timer_add(d->src, 0, 0,
			    discourse_emit_more, d);
			return 1;
		}
	}
	/* Posts skipped by the parser (small actions) are done too. */
	if (d->top > d->cursor)
		d->cursor = d->top;
	if (d->top != 0 || d->nemitted > 0)
		discourse_save(d);
	d->top = 0;
	return 0;
}

/* Start the job J (a forum), or end the round after the last. */
static void
discourse_job_start(struct discourse *d, size_t j)
{
	const char *s;
	char *end;
	long long v;

	d->job = j;
	mentlist_clear(&d->got);
	if (j >= d->nbases) {
		discourse_round_end(d);
		return;
	}
	d->page = 1;
	d->nemitted = 0;
	d->top = 0;
	d->before = 0;
	d->cursor = 0;
	s = d->host->state_get(d->src, discourse_base(d));
	d->first = 1;
	if (s != NULL) {
		v = strtoll(s, &end, 10);
		if (end != s && *end == '\0' && v >= 0) {
			d->cursor = v;
			d->first = 0;
		}
	}
	discourse_fetch_page(d);
}

/* Emit what the job gathered, then start the next; or wait, backed up. */
static void
discourse_job_next(struct discourse *d)
{
	/* Oldest first: the lowest post id is emitted first. */
	if (d->nemitted == 0)
		mentlist_sort(&d->got);
	if (discourse_emit(d) == 1)
		return;
	d->pace.fresh += (int)d->nemitted;
	if (d->nemitted > 0)
		d->host->log(d->src, MD_LOG_INFO, "%s: %zu new %s",
		    discourse_base(d), d->nemitted, d->nemitted == 1 ? "post" :
		    "posts");
	discourse_job_start(d, d->job + 1);
}

/* The round failed at the job in progress, on RESP (NULL when there was
 * none) or for CAUSE: the host logs it once and says when to try again. */
static void
discourse_round_fail(struct discourse *d, const struct md_http_response *resp,
    const char *cause)
{
	char what[256];

	snprintf(what, sizeof what, "%s/posts.json", discourse_base(d));
	pace_fail(&d->pace, d->host, d->src, what, resp, cause, d->interval);
	mentlist_clear(&d->got);
	d->top = 0;
	discourse_round_end(d);
}

/* A short reason from an error body: Discourse's {"errors": ["..."]}. */
static void
discourse_error_reason(const struct md_http_response *resp, char *buf,
    size_t size)
{
	cJSON *root;
	const cJSON *e;

	buf[0] = '\0';
	if ((root = cJSON_ParseWithLength(resp->body, resp->body_len)) ==
	    NULL)
		return;
	e = cJSON_GetObjectItemCaseSensitive(root, "errors");
	if (cJSON_IsArray(e))
		e = cJSON_GetArrayItem(e, 0);
	if (cJSON_IsString(e))
		snprintf(buf, size, ": %.200s", e->valuestring);
	cJSON_Delete(root);
}

/* The response to a page of the job in progress. */
static void
discourse_page_done(struct md_source *src,
    const struct md_http_response *resp, void *arg)
{
	struct discourse *d = arg;
	struct discourse_page pg;
	char *cause = NULL, why[256];
	int64_t prev;
	int n;

	(void)src;
	d->fetch = NULL;
	if (resp->status == 0) {
		discourse_round_fail(d, resp, NULL);
		return;
	}
	if (resp->status < 200 || resp->status > 299) {
		/* Refused (a private forum, a wrong URL): the next forum. */
		if (resp->status >= 400 && resp->status < 500 &&
		    resp->status != 429 && resp->status != 408) {
			discourse_error_reason(resp, why, sizeof why);
			if (logonce_set_due(&d->refused, (size_t)d->job,
			    resp->status))
				d->host->log(d->src, MD_LOG_WARNING, "%s/posts."
				    "json: HTTP %ld%s (logged again when it "
				    "changes or works)", discourse_base(d),
				    resp->status, why);
			mentlist_clear(&d->got);
			d->top = 0;
			discourse_job_start(d, d->job + 1);
			return;
		}
		discourse_round_fail(d, resp, NULL);
		return;
	}
	if (logonce_set_clear(&d->refused, (size_t)d->job))
		d->host->log(d->src, MD_LOG_NOTICE, "%s/posts.json works again",
		    discourse_base(d));
	n = discourse_parse(resp->body, resp->body_len, discourse_base(d),
	    discourse_page_item, d, &pg, &cause);
	if (n == -1 || cause != NULL) {
		snprintf(why, sizeof why, "page %d: %s; the cursor stays",
		    d->page, cause != NULL ? cause : "not understood");
		free(cause);
		discourse_round_fail(d, resp, why);
		return;
	}
	if (pg.max_id > d->top)
		d->top = pg.max_id;
	prev = d->before;
	if (pg.min_id != 0 && (prev == 0 || pg.min_id < prev))
		d->before = pg.min_id;
	/* Down to the cursor; or an empty page, or one going no lower (the
	 * forum's first post, or a server that ignores before=). */
	if (d->first || pg.min_id == 0 || pg.min_id <= d->cursor + 1 ||
	    (prev != 0 && pg.min_id >= prev)) {
		discourse_job_next(d);
		return;
	}
	if (d->page >= d->max_pages) {
		d->host->log(d->src, MD_LOG_NOTICE, "%s: %lld pages of new "
		    "posts and more: those below post %lld are skipped",
		    discourse_base(d), d->max_pages, (long long)d->before);
		discourse_job_next(d);
		return;
	}
	d->page++;
	discourse_fetch_page(d);
}

/* Ask for the next page of the job in progress. */
static void
discourse_fetch_page(struct discourse *d)
{
	static const char *const headers[] = { "Accept: application/json",
	    NULL };
	struct md_http_request req = { .url = NULL, .headers = headers };
	char *url = NULL;
	int rc;

	if (d->page == 1)
		rc = asprintf(&url, "%s/posts.json", discourse_base(d));
	else
		rc = asprintf(&url, "%s/posts.json?before=%lld",
		    discourse_base(d), (long long)d->before);
	if (rc == -1) {
		discourse_round_fail(d, NULL, "out of memory");
		return;
	}
	req.url = url;
	d->fetch = d->host->http_fetch(d->src, &req, discourse_page_done, d);
	free(url);
	if (d->fetch == NULL)
		discourse_round_fail(d, NULL, "cannot start a request");
}

/* The round timer: start the first forum. */
static void
discourse_round(struct md_source *src, void *arg)
{
	struct discourse *d = arg;

	(void)src;
	d->timer = NULL;
	pace_begin(&d->pace);
	discourse_job_start(d, 0);
}

/* The round is over: arm the next one, at the host's pace, or later
 * after a failure. */
static void
discourse_round_end(struct discourse *d)
{
	double delay = pace_next(&d->pace, d->host, d->src, d->interval);

	d->timer = d->host->timer_add(d->src, delay, 0, discourse_round, d);
}

/* Forget the forum list. */
static void
discourse_bases_clear(struct discourse *d)
{
	size_t i;

	for (i = 0; i < d->nbases; i++)
		free(d->bases[i]);
	free(d->bases);
	d->bases = NULL;
	d->nbases = 0;
}

/* Add the forum URL of N bytes at S, without a final /; 0, or -1 with
 * *CAUSE. */
static int
discourse_bases_add(struct discourse *d, const char *s, size_t n,
    char **cause)
{
	char **v, *b;
	size_t i;

	while (n > 0 && s[n - 1] == '/')
		n--;
	if (!(n > 7 && strncmp(s, "http://", 7) == 0) &&
	    !(n > 8 && strncmp(s, "https://", 8) == 0)) {
		if (asprintf(cause, "forums: '%.*s' is not an http or https "
		    "URL", (int)n, s) == -1)
			*cause = NULL;
		return -1;
	}
	if ((b = strndup(s, n)) == NULL)
		goto oom;
	for (i = 0; i < d->nbases; i++) {
		if (strcmp(d->bases[i], b) == 0) {
			free(b);
			return 0;
		}
	}
	if ((v = reallocarray(d->bases, d->nbases + 1, sizeof *v)) == NULL) {
		free(b);
		goto oom;
	}
	d->bases = v;
	d->bases[d->nbases++] = b;
	return 0;
oom:
	*cause = strdup("out of memory");
	return -1;
}

/* The forums to read: the forums list, else the one forum. */
static int
discourse_bases_fill(struct discourse *d, char **cause)
{
	const char *s = d->forums;
	size_t n;

	if (s == NULL || s[strspn(s, " ,\t")] == '\0')
		return discourse_bases_add(d, d->forum, strlen(d->forum),
		    cause);
	while (*s != '\0') {
		s += strspn(s, " ,\t");
		n = strcspn(s, " ,\t");
		if (n > 0 && discourse_bases_add(d, s, n, cause) != 0)
			return -1;
		s += n;
	}
	return 0;
}

/* Start: check the settings, then run the first round at once. */
static int
discourse_start(struct md_source *src, const struct md_host *host,
    void *ctx, char **cause)
{
	struct discourse *d = ctx;

	d->src = src;
	d->host = host;
	if (d->max_pages < 1) {
		*cause = strdup("max_pages: at least 1");
		return -1;
	}
	if (discourse_bases_fill(d, cause) != 0) {
		discourse_bases_clear(d);
		return -1;
	}
	host->log(src, MD_LOG_INFO, "reading the latest posts of %zu %s "
	    "(%s%s) every %.0f s, anonymously: public topics only",
	    d->nbases, d->nbases == 1 ? "forum" : "forums", d->bases[0],
	    d->nbases > 1 ? ", ..." : "", d->interval);
	d->timer = host->timer_add(src, 0, 0, discourse_round, d);
	if (d->timer == NULL) {
		*cause = strdup("cannot start a timer");
		discourse_bases_clear(d);
		return -1;
	}
	return 0;
}

/* Stop: the host cancels the tasks; free what is ours. */
static void
discourse_stop(struct md_source *src, void *ctx)
{
	struct discourse *d = ctx;

	(void)src;
	mentlist_free(&d->got);
	logonce_set_free(&d->refused);
	discourse_bases_clear(d);
}

/* What discourse_parse_plugin hands each item to. */
struct discourse_parse_arg {
	md_parse_fn	 emit;
	void		*arg;
};

/* One item for md_plugin.parse. */
static int
discourse_parse_item(const struct discourse_item *it, void *arg)
{
	struct discourse_parse_arg *pa = arg;
	struct md_mention m = MD_MENTION_INIT;

	discourse_mention(it, &m);
	return pa->emit(pa->arg, &m);
}

/* md_plugin.parse: every post of one saved posts.json body. The forum is
 * what precedes /posts.json in the body's URL, else the first of the
 * settings'. */
static int
discourse_parse_plugin(void *ctx, const struct md_http_response *resp,
    md_parse_fn emit, void *arg, char **cause)
{
	struct discourse *d = ctx;
	struct discourse_parse_arg pa = { emit, arg };
	const char *p;
	char *base;
	int n;

	d->bases = NULL;
	d->nbases = 0;
	if (resp->url != NULL && (p = strstr(resp->url, "/posts.json")) !=
	    NULL)
		base = strndup(resp->url, (size_t)(p - resp->url));
	else if (discourse_bases_fill(d, cause) == 0 && d->nbases > 0)
		base = strdup(d->bases[0]);
	else {
		discourse_bases_clear(d);
		return -1;
	}
	discourse_bases_clear(d);
	if (base == NULL) {
		*cause = strdup("out of memory");
		return -1;
	}
	n = discourse_parse(resp->body, resp->body_len, base,
	    discourse_parse_item, &pa, NULL, cause);
	free(base);
	return n;
}

static const struct md_setting discourse_settings[] = {
	{ "forum", MD_SET_URL, "https://meta.discourse.org",
	    offsetof(struct discourse, forum), 0,
	    "the forum read when forums is not set" },
	{ "forums", MD_SET_STRING, NULL, offsetof(struct discourse, forums), 0,
	    "forum URLs, separated by spaces or commas" },
	{ "interval", MD_SET_DURATION, "5m",
	    offsetof(struct discourse, interval), 0, "time between polls" },
	{ "max_pages", MD_SET_INT, "10",
	    offsetof(struct discourse, max_pages), 0,
	    "pages read back per forum per poll, at most" },
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "discourse",
	.version = "0.1",
	.description = "reads the latest posts of Discourse forums",
	.settings = discourse_settings,
	.ctx_size = sizeof(struct discourse),
	.start = discourse_start,
	.stop = discourse_stop,
	.parse = discourse_parse_plugin,
};
