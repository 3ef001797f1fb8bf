/*
 * stackexchange.c - the Stack Exchange connector: asks the API of one site
 * (Stack Overflow by default) at each poll for the questions created since
 * the cursor that hold each search term, and optionally for the site's
 * newest comments, and emits them oldest first. Parsing is
 * stackexchangeparse.c's; this file schedules the requests, keeps the
 * cursors and obeys the API's backoff, quota and throttle.
 *
 * A poll is a round of jobs, one request at a time: one per term, GET
 * {api}/2.3/search/advanced?site=SITE&q=TERM&fromdate=CURSOR&sort=creation&
 * order=asc&pagesize=100&page=N&filter=withbody, and, with comments = yes,
 * one job GET {api}/2.3/comments?site=SITE&fromdate=CURSOR&... A job reads
 * pages while has_more says so (at most max_pages; each from the newest
 * second read, page 1, so that an item deleted meanwhile shifts nothing
 * past the job), then emits what it
 * gathered oldest first and moves its cursor: the newest creation_date
 * emitted and the ids emitted in that second (fromdate is inclusive), kept
 * in the state under "q:TERM" and "comments". Oldest first, a job cut short
 * (max_pages, the day's quota, a throttle) leaves only newer items, which
 * the next poll reads from the cursor: none is skipped. See README.md.
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

#include <cJSON.h>

#include "mentiond/plugin.h"

#include "stackexchangeparse.h"
#include "cred.h"
#include "cursor.h"
#include "logonce.h"
#include "mentlist.h"
#include "pace.h"
#include "ptime.h"
#include "strbuf.h"
#include "urlenc.h"

#define STACKEXCHANGE_PAGESIZE		100	/* the API's maximum */
#define STACKEXCHANGE_FIRST_WINDOW	3600	/* s back on a first run */
#define STACKEXCHANGE_KEY_MAX		256	/* bytes of an app key */
#define STACKEXCHANGE_KEY_CRED		"stackexchange-key"
#define STACKEXCHANGE_KEY_ENV		"MENTIOND_STACKEXCHANGE_KEY"

/* The API methods, each with its own backoff. */
enum stackexchange_method {
	STACKEXCHANGE_SEARCH,
	STACKEXCHANGE_COMMENTS,
	STACKEXCHANGE_NMETHODS,
};

struct stackexchange {
	/* Settings, filled by the host before start(). */
	const char		*api;
	const char		*site;
	const char		*query;
	int			 comments;
	double			 interval;
	long long		 max_pages;
	const char		*key_file;
	const char		*filter;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	char			*base;		/* api without a final / */
	char			 domain[256];	/* the site's host, for links */
	char			*key;		/* app key, or NULL */
	struct md_task		*timer;		/* next round, a held request,
						   or emit more */
	struct md_task		*fetch;
	int			 idle_logged;
	int			 low_logged;	/* quota low: said once */

	/* What the API asked for. */
	double			 not_before[STACKEXCHANGE_NMETHODS];
						/* monotonic: its backoff */
	double			 hold_until;	/* wall time: quota, throttle */

	/* The round in progress. */
	char			**terms;
	size_t			 nterms;
	size_t			 job;		/* a term; nterms: comments */
	struct pace		 pace;		/* its start, fresh, failure */
	struct logonce_set	 refused;	/* per job: said already */

	/* The job in progress. */
	int			 page;		/* of the query */
	int			 pages;		/* read by the job */
	int			 first;		/* no cursor yet */
	int64_t			 fromdate;
	int64_t			 got_newest;	/* newest creation_date gathered */
	struct cursor		 at;		/* newest creation_date done, and
						 * the ids done in that second */
	struct mentlist		 got;		/* newer, newest first; keyed by
						 * creation_date */
	size_t			 nemitted;
};

static void	stackexchange_round_end(struct stackexchange *);
static void	stackexchange_job_next(struct stackexchange *);
static void	stackexchange_fetch_page(struct stackexchange *);

/* The method of the job in progress. */
static enum stackexchange_method
stackexchange_method(const struct stackexchange *s)
{
	return s->job < s->nterms ? STACKEXCHANGE_SEARCH :
	    STACKEXCHANGE_COMMENTS;
}

/* The API path of a method. */
static const char *
stackexchange_path(enum stackexchange_method m)
{
	return m == STACKEXCHANGE_SEARCH ? "search/advanced" : "comments";
}

/* What the job in progress is, for log lines: search "TERM", comments. */
static const char *
stackexchange_label(const struct stackexchange *s, char *buf, size_t size)
{
	if (stackexchange_method(s) == STACKEXCHANGE_COMMENTS)
		snprintf(buf, size, "comments");
	else
		snprintf(buf, size, "search \"%s\"", s->terms[s->job]);
	return buf;
}

/* stackexchange_parse's callback for a page: keep what is new. */
static int
stackexchange_page_item(const struct stackexchange_item *it, void *arg)
{
	struct stackexchange *s = arg;
	struct md_mention m = MD_MENTION_INIT;

	if (!s->first && cursor_done(&s->at, it->published, it->id))
		return 0;
	/* Pages shift when items arrive meanwhile. */
	if (mentlist_has(&s->got, it->id))
		return 0;
	stackexchange_mention(it, &m);
	if (mentlist_add(&s->got, &m, it->published) != 0) {
		s->host->log(s->src, MD_LOG_ERR, "out of memory");
		return -1;
	}
	if (it->published > s->got_newest)
		s->got_newest = it->published;
	return 0;
}

/* The state key of the job in progress: "q:TERM" or "comments"
 * (malloc'd). */
static char *
stackexchange_state_key(const struct stackexchange *s)
{
	char *key;

	if (stackexchange_method(s) == STACKEXCHANGE_COMMENTS)
		return strdup("comments");
	if (asprintf(&key, "q:%s", s->terms[s->job]) == -1)
		return NULL;
	return key;
}

/* Write the cursor of the job in progress: "SECONDS ID ID ...". */
static void
stackexchange_save(struct stackexchange *s)
{
	char *key, *val;

	if ((key = stackexchange_state_key(s)) == NULL ||
	    (val = cursor_save(&s->at)) == NULL) {
		free(key);
		return;
	}
	s->host->state_set(s->src, key, val);
	free(val);
	free(key);
}

/* Read the cursor of the job in progress from the state; 0, or -1 when
 * there is none. */
static int
stackexchange_load(struct stackexchange *s)
{
	const char *v;
	char *key;

	if ((key = stackexchange_state_key(s)) == NULL) {
		cursor_load(&s->at, NULL);
		return -1;
	}
	v = s->host->state_get(s->src, key);
	free(key);
	return cursor_load(&s->at, v);
}

/* The timer of an interrupted emit: go on emitting the job's items. */
static void
stackexchange_emit_more(struct md_source *src, void *arg)
{
	struct stackexchange *s = arg;

	(void)src;
	s->timer = NULL;
	stackexchange_job_next(s);
}

/* Emit the job's items, oldest first, moving the cursor. Returns 0 when all
 * are emitted, 1 when the pipeline is backed up and the rest waits. */
static int
stackexchange_emit(struct stackexchange *s)
{
	struct mentlist_item *it;
	int rc, moved = 0;

	while ((it = mentlist_last(&s->got)) != NULL) {
		rc = s->host->emit(s->src, &it->m);
		if (rc != -1)
			s->nemitted++;
		cursor_take(&s->at, it->key, it->m.id);
		moved = 1;
		mentlist_drop_last(&s->got);
		if (rc == 1 && s->got.n > 0) {
			stackexchange_save(s);
			s->timer = s->host->timer_add(s->src, 0, 0,
			    stackexchange_emit_more, s);
			return 1;
		}
	}
	if (moved)
		stackexchange_save(s);
	return 0;
}

/* Start the job J, or end the round after the last. */
static void
stackexchange_job_start(struct stackexchange *s, size_t j)
{
	s->job = j;
	mentlist_clear(&s->got);
	if (j > s->nterms || (j == s->nterms && !s->comments)) {
		stackexchange_round_end(s);
		return;
	}
	s->page = 1;
	s->pages = 0;
	s->got_newest = 0;
	s->nemitted = 0;
	s->first = stackexchange_load(s) != 0;
	/* fromdate is inclusive: the ids done at the cursor are skipped. */
	s->fromdate = s->first ? (int64_t)ptime_wall() -
	    STACKEXCHANGE_FIRST_WINDOW : s->at.t;
	stackexchange_fetch_page(s);
}

/* Emit what the job gathered, then start the next; or wait, backed up. */
static void
stackexchange_job_next(struct stackexchange *s)
{
	char label[256];

	if (stackexchange_emit(s) == 1)
		return;
	s->pace.fresh += (int)s->nemitted;
	if (s->nemitted > 0)
		s->host->log(s->src, MD_LOG_INFO, "%s: %zu new",
		    stackexchange_label(s, label, sizeof label), s->nemitted);
	stackexchange_job_start(s, s->job + 1);
}

/* The round failed at the job in progress, on RESP (NULL when there was
 * none) or for CAUSE: the host logs it once (the label holds no key) and
 * says when to try again; a hold of the API's makes it later still. */
static void
stackexchange_round_fail(struct stackexchange *s,
    const struct md_http_response *resp, const char *cause)
{
	char label[256];

	stackexchange_label(s, label, sizeof label);
	pace_fail(&s->pace, s->host, s->src, label, resp, cause, s->interval);
	mentlist_clear(&s->got);
	stackexchange_round_end(s);
}

/* Seconds in "... more requests available in 75536 seconds", or 0. */
static double
stackexchange_throttle_wait(const char *message)
{
	const char *p = strstr(message, "available in ");
	double v;
	char *end;

	if (p == NULL)
		return 0;
	v = strtod(p + 13, &end);
	return end != p + 13 && v > 0 && v < 7 * 86400.0 ? v : 0;
}

/* Hold every request until wall-clock time UNTIL. */
static void
stackexchange_hold(struct stackexchange *s, double until)
{
	if (until > s->hold_until)
		s->hold_until = until;
}

/* Obey what the wrapper said: the method's backoff, the quota. */
static void
stackexchange_obey(struct stackexchange *s,
    const struct stackexchange_info *info)
{
	enum stackexchange_method m = stackexchange_method(s);
	double wall, midnight;
	time_t t;
	struct tm tm;
	char when[32];

	if (info->backoff > 0) {
		s->not_before[m] = ptime_now() + (double)info->backoff;
		s->host->log(s->src, MD_LOG_INFO, "the API asks for %lld s "
		    "between %s requests: waiting", info->backoff,
		    stackexchange_path(m));
	}
	if (info->quota_remaining == 0) {
		/* The quota is a day's: it starts again at 00:00 UTC. */
		wall = ptime_wall();
		midnight = (double)((int64_t)wall / 86400 * 86400 + 86400);
		stackexchange_hold(s, midnight);
		t = (time_t)midnight;
		if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof when,
		    "%Y-%m-%d %H:%M UTC", &tm) == 0)
			snprintf(when, sizeof when, "midnight UTC");
		s->host->log(s->src, MD_LOG_WARNING, "the day's API quota "
		    "(%lld requests) is used up: no request until %s, in "
		    "%.0f s%s", info->quota_max, when, midnight - wall,
		    s->key == NULL ? "; an app key (key_file) raises it" : "");
		s->low_logged = 1;
	} else if (info->quota_remaining > 0 && info->quota_max > 0 &&
	    info->quota_remaining * 10 <= info->quota_max) {
		if (!s->low_logged)
			s->host->log(s->src, MD_LOG_NOTICE, "API quota low: "
			    "%lld of %lld requests left today",
			    info->quota_remaining, info->quota_max);
		s->low_logged = 1;
	} else if (info->quota_remaining > 0)
		s->low_logged = 0;
}

/* An error body: hold on a throttle. The next job when it concerns this
 * job alone (logged here), else the round fails on it. */
static void
stackexchange_error(struct stackexchange *s,
    const struct md_http_response *resp,
    const struct stackexchange_info *info)
{
	char label[256], why[512];
	double wait;

	snprintf(why, sizeof why, "API error %lld %s: %s (HTTP %ld)",
	    info->error_id, info->error_name[0] != '\0' ? info->error_name :
	    "(no name)", info->error_message[0] != '\0' ?
	    info->error_message : "(no message)", resp->status);
	switch (info->error_id) {
	case 400:	/* bad_parameter: this term */
	case 404:	/* no_method */
		if (logonce_set_due(&s->refused, s->job, info->error_id))
			s->host->log(s->src, MD_LOG_WARNING, "%s: %s (logged "
			    "again when it changes or works)",
			    stackexchange_label(s, label, sizeof label), why);
		stackexchange_job_start(s, s->job + 1);
		return;
	case 502:	/* throttle_violation */
		wait = stackexchange_throttle_wait(info->error_message);
		if (wait <= 0)
			wait = 60;
		stackexchange_hold(s, ptime_wall() + wait);
		s->host->log(s->src, MD_LOG_WARNING, "throttled: no request "
		    "for %.0f s", wait);
		break;
	default:
		break;
	}
	/* The host would say only "HTTP 400": the API's words say more. */
	stackexchange_round_fail(s, NULL, why);
}

/* The response to a page of the job in progress. */
static void
stackexchange_page_done(struct md_source *src,
    const struct md_http_response *resp, void *arg)
{
	struct stackexchange *s = arg;
	struct stackexchange_info info;
	char *cause = NULL, label[256], why[256];
	int n;

	(void)src;
	s->fetch = NULL;
	stackexchange_label(s, label, sizeof label);
	if (resp->status == 0) {
		stackexchange_round_fail(s, resp, NULL);
		return;
	}
	n = stackexchange_parse(resp->body, resp->body_len, s->domain,
	    stackexchange_page_item, s, &info, &cause);
	stackexchange_obey(s, &info);
	if (info.error_id != 0) {
		free(cause);
		mentlist_clear(&s->got);
		stackexchange_error(s, resp, &info);
		return;
	}
	if (resp->status < 200 || resp->status > 299) {
		free(cause);
		mentlist_clear(&s->got);
		if (resp->status >= 400 && resp->status < 500 &&
		    resp->status != 429 && resp->status != 408) {
			if (logonce_set_due(&s->refused, s->job,
			    resp->status))
				s->host->log(s->src, MD_LOG_WARNING, "%s: HTTP "
				    "%ld (logged again when it changes or "
				    "works)", label, resp->status);
			stackexchange_job_start(s, s->job + 1);
		} else
			stackexchange_round_fail(s, resp, NULL);
		return;
	}
	if (logonce_set_clear(&s->refused, s->job))
		s->host->log(s->src, MD_LOG_NOTICE, "%s works again", label);
	if (n == -1 || cause != NULL) {
		snprintf(why, sizeof why, "page %d: %s; the cursor stays",
		    s->page, cause != NULL ? cause : "not understood");
		free(cause);
		stackexchange_round_fail(s, resp, why);
		return;
	}
	/* A quota or throttle hold ends the job with what it read. Emitted
	 * in time order (a cursor saved half way would skip an older one
	 * left), as the pages gave those of one second. */
	if (s->first || !info.has_more ||
	    s->hold_until > ptime_wall()) {
		mentlist_sort(&s->got);
		stackexchange_job_next(s);
		return;
	}
	if (++s->pages >= s->max_pages) {
		s->host->log(s->src, MD_LOG_NOTICE, "%s: %lld pages of new "
		    "items and more: the rest at the next poll", label,
		    s->max_pages);
		mentlist_sort(&s->got);
		stackexchange_job_next(s);
		return;
	}
	if (s->got_newest > s->fromdate) {
		/*
		 * Again from the newest second gathered, rather than the next
		 * page: an item of the pages read that went away since (the
		 * site deletes spam fast) would shift the next page by one and
		 * its first item would never be seen. What was gathered of
		 * that second is known to the list.
		 */
		s->fromdate = s->got_newest;
		s->page = 1;
	} else
		s->page++;	/* a whole page of that second */
	stackexchange_fetch_page(s);
}

/* The timer of a request held by its method's backoff. */
static void
stackexchange_fetch_later(struct md_source *src, void *arg)
{
	struct stackexchange *s = arg;

	(void)src;
	s->timer = NULL;
	stackexchange_fetch_page(s);
}

/* The URL of the page in progress (malloc'd), or NULL. */
static char *
stackexchange_url(const struct stackexchange *s)
{
	char *site, *q = NULL, *filter, *key = NULL, *url = NULL;

	site = urlenc_component(s->site);
	filter = urlenc_component(s->filter);
	if (s->key != NULL)
		key = urlenc_component(s->key);
	if (stackexchange_method(s) == STACKEXCHANGE_SEARCH)
		q = urlenc_component(s->terms[s->job]);
	if (site == NULL || filter == NULL || (s->key != NULL && key == NULL) ||
	    (stackexchange_method(s) == STACKEXCHANGE_SEARCH && q == NULL))
		goto out;
	if (asprintf(&url, "%s/2.3/%s?site=%s%s%s&fromdate=%lld&sort=creation&"
	    "order=asc&pagesize=%d&page=%d&filter=%s%s%s", s->base,
	    stackexchange_path(stackexchange_method(s)), site,
	    q != NULL ? "&q=" : "", q != NULL ? q : "",
	    (long long)s->fromdate, STACKEXCHANGE_PAGESIZE, s->page, filter,
	    key != NULL ? "&key=" : "", key != NULL ? key : "") == -1)
		url = NULL;
out:
	free(site);
	free(q);
	free(filter);
	free(key);
	return url;
}

/* Ask for the page in progress: now, after its method's backoff, or not
 * at all while the quota or a throttle holds every request. */
static void
stackexchange_fetch_page(struct stackexchange *s)
{
	static const char *const headers[] = { "Accept: application/json",
	    NULL };
	struct md_http_request req = { .url = NULL, .headers = headers };
	double wait;
	char *url;

	if (s->hold_until > ptime_wall()) {
		/* The round ends; the next waits for the hold. */
		mentlist_clear(&s->got);
		stackexchange_round_end(s);
		return;
	}
	wait = s->not_before[stackexchange_method(s)] - ptime_now();
	if (wait > 0) {
		s->timer = s->host->timer_add(s->src, wait, 0,
		    stackexchange_fetch_later, s);
		if (s->timer != NULL)
			return;
	}
	if ((url = stackexchange_url(s)) == NULL) {
		stackexchange_round_fail(s, NULL, "out of memory");
		return;
	}
	req.url = url;
	s->fetch = s->host->http_fetch(s->src, &req, stackexchange_page_done,
	    s);
	free(url);
	if (s->fetch == NULL)
		stackexchange_round_fail(s, NULL, "cannot start a request");
}

/* Forget the round's terms. */
static void
stackexchange_terms_clear(struct stackexchange *s)
{
	size_t i;

	for (i = 0; i < s->nterms; i++)
		free(s->terms[i]);
	free(s->terms);
	s->terms = NULL;
	s->nterms = 0;
}

/* Add T to the round's terms unless there (the API's q takes a phrase in
 * double quotes as it is). */
static void
stackexchange_terms_add(struct stackexchange *s, const char *t)
{
	char **v, *c;
	size_t i;

	if (*t == '\0')
		return;
	for (i = 0; i < s->nterms; i++)
		if (strcmp(s->terms[i], t) == 0)
			return;
	if ((c = strdup(t)) == NULL)
		return;
	if ((v = reallocarray(s->terms, s->nterms + 1, sizeof *v)) == NULL) {
		free(c);
		return;
	}
	s->terms = v;
	s->terms[s->nterms++] = c;
}

/* The round timer: take the terms of now and start the first job. */
static void
stackexchange_round(struct md_source *src, void *arg)
{
	struct stackexchange *s = arg;
	const char *const *t;

	(void)src;
	s->timer = NULL;
	pace_begin(&s->pace);
	stackexchange_terms_clear(s);
	if (s->query != NULL && *s->query != '\0')
		stackexchange_terms_add(s, s->query);
	else if (MD_HOST_HAS(s->host, search_terms))
		for (t = s->host->search_terms(s->src); *t != NULL; t++)
			stackexchange_terms_add(s, *t);
	if (logonce_due(&s->idle_logged, s->nterms == 0 && !s->comments))
		s->host->log(s->src, MD_LOG_NOTICE, "nothing to search for: no "
		    "query setting and no track terms; idle until there are");
	stackexchange_job_start(s, 0);
}

/* The round is over: arm the next one, at the host's pace, or later after
 * a failure; the later still while a quota or throttle hold lasts. */
static void
stackexchange_round_end(struct stackexchange *s)
{
	double delay, hold;

	delay = pace_next(&s->pace, s->host, s->src, s->interval);
	hold = s->hold_until - ptime_wall();
	if (hold > delay)
		delay = hold;
	s->timer = s->host->timer_add(s->src, delay, 0, stackexchange_round,
	    s);
}

/* Find the app key (cred_get): key_file, the systemd credential, then the
 * environment, into s->key; *FROM says which. 0 (with or without one), or
 * -1 with *CAUSE when key_file or the credential is no good. */
static int
stackexchange_find_key(struct stackexchange *s, const char **from,
    char **cause)
{
	static const char *const where[] = { NULL, "key_file",
	    "$CREDENTIALS_DIRECTORY/" STACKEXCHANGE_KEY_CRED,
	    "$" STACKEXCHANGE_KEY_ENV };
	enum cred_from f;
	char *key, *why;

	*from = NULL;
	if ((key = cred_get(s->key_file, STACKEXCHANGE_KEY_CRED,
	    STACKEXCHANGE_KEY_ENV, &f, NULL, &why)) == NULL) {
		if (why == NULL)
			return 0;
		*cause = strbuf_msg("%s: %s", s->key_file != NULL &&
		    *s->key_file != '\0' ? "key_file" : "credential", why);
		free(why);
		return -1;
	}
	/* One line of at most STACKEXCHANGE_KEY_MAX bytes; a variable that
	 * is not such a key is passed over, a file is an error. */
	if (strlen(key) > STACKEXCHANGE_KEY_MAX ||
	    strpbrk(key, "\r\n") != NULL) {
		free(key);
		if (f == CRED_ENV)
			return 0;
		*cause = strbuf_msg("%s: not an app key (a line break, or "
		    "longer than %d bytes)", where[f], STACKEXCHANGE_KEY_MAX);
		return -1;
	}
	s->key = key;
	*from = where[f];
	return 0;
}

/* Start: check the settings, find the key, run the first round at once. */
static int
stackexchange_start(struct md_source *src, const struct md_host *host,
    void *ctx, char **cause)
{
	struct stackexchange *s = ctx;
	const char *from;
	size_t n;

	s->src = src;
	s->host = host;
	if (s->max_pages < 1) {
		*cause = strdup("max_pages: at least 1");
		return -1;
	}
	if (s->site == NULL || *s->site == '\0' || s->filter == NULL) {
		*cause = strdup("site: say which site, such as stackoverflow");
		return -1;
	}
	if (stackexchange_find_key(s, &from, cause) != 0)
		return -1;
	if ((s->base = strdup(s->api)) == NULL) {
		*cause = strdup("out of memory");
		goto fail;
	}
	n = strlen(s->base);
	while (n > 0 && s->base[n - 1] == '/')
		s->base[--n] = '\0';
	stackexchange_domain(s->site, s->domain, sizeof s->domain);
	if (s->key != NULL)
		host->log(src, MD_LOG_INFO, "searching %s%s every %.0f s with "
		    "the app key from %s (10,000 requests a day)", s->site,
		    s->comments ? " and its comments" : "", s->interval, from);
	else
		host->log(src, MD_LOG_NOTICE, "searching %s%s every %.0f s "
		    "without an app key (none in key_file, $CREDENTIALS_"
		    "DIRECTORY/%s or $%s): the API allows 300 requests a day "
		    "per IP, one per term and poll; a free key from "
		    "stackapps.com raises it to 10,000", s->site,
		    s->comments ? " and its comments" : "", s->interval,
		    STACKEXCHANGE_KEY_CRED, STACKEXCHANGE_KEY_ENV);
	s->timer = host->timer_add(src, 0, 0, stackexchange_round, s);
	if (s->timer == NULL) {
		*cause = strdup("cannot start a timer");
		goto fail;
	}
	return 0;
fail:
	free(s->base);
	s->base = NULL;
	free(s->key);
	s->key = NULL;
	return -1;
}

/* Stop: the host cancels the tasks; free what is ours. */
static void
stackexchange_stop(struct md_source *src, void *ctx)
{
	struct stackexchange *s = ctx;

	(void)src;
	mentlist_free(&s->got);
	logonce_set_free(&s->refused);
	cursor_clear(&s->at);
	stackexchange_terms_clear(s);
	free(s->base);
	s->base = NULL;
	free(s->key);
	s->key = NULL;
}

/* What stackexchange_parse_plugin hands each item to. */
struct stackexchange_parse_arg {
	md_parse_fn	 emit;
	void		*arg;
};

/* One item for md_plugin.parse. */
static int
stackexchange_parse_item(const struct stackexchange_item *it, void *arg)
{
	struct stackexchange_parse_arg *pa = arg;
	struct md_mention m = MD_MENTION_INIT;

	stackexchange_mention(it, &m);
	return pa->emit(pa->arg, &m);
}

/* md_plugin.parse: every item of one saved API body (an error body gives
 * none, and its error as the cause). */
static int
stackexchange_parse_plugin(void *ctx, const struct md_http_response *resp,
    md_parse_fn emit, void *arg, char **cause)
{
	struct stackexchange *s = ctx;
	struct stackexchange_parse_arg pa = { emit, arg };
	struct stackexchange_info info;
	char domain[256];
	int n;

	stackexchange_domain(s->site != NULL ? s->site : "stackoverflow",
	    domain, sizeof domain);
	n = stackexchange_parse(resp->body, resp->body_len, domain,
	    stackexchange_parse_item, &pa, &info, cause);
	if (n == 0 && *cause == NULL && info.error_id != 0 &&
	    asprintf(cause, "API error %lld %s: %s", info.error_id,
	    info.error_name, info.error_message) == -1)
		*cause = NULL;
	return n;
}

static const struct md_setting stackexchange_settings[] = {
	{ "api", MD_SET_URL, "https://api.stackexchange.com",
	    offsetof(struct stackexchange, api), 0,
	    "the API's base URL" },
	{ "site", MD_SET_STRING, "stackoverflow",
	    offsetof(struct stackexchange, site), 0,
	    "the site searched: stackoverflow, superuser, unix, ..." },
	{ "query", MD_SET_STRING, NULL, offsetof(struct stackexchange, query),
	    0, "search for this instead of the tracks' terms" },
	{ "comments", MD_SET_BOOL, "no",
	    offsetof(struct stackexchange, comments), 0,
	    "also read the site's newest comments (all of them)" },
	{ "interval", MD_SET_DURATION, "15m",
	    offsetof(struct stackexchange, interval), 0,
	    "time between polls" },
	{ "max_pages", MD_SET_INT, "3",
	    offsetof(struct stackexchange, max_pages), 0,
	    "pages of 100 read per job per poll, at most" },
	{ "key_file", MD_SET_STRING, NULL,
	    offsetof(struct stackexchange, key_file), 0,
	    "a file holding a stackapps.com app key (raises the quota)" },
	{ "filter", MD_SET_STRING, "withbody",
	    offsetof(struct stackexchange, filter), 0,
	    "the API filter; it must include the body" },
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "stackexchange",
	.version = "0.1",
	.description = "searches a Stack Exchange site's questions and "
	    "comments",
	.settings = stackexchange_settings,
	.ctx_size = sizeof(struct stackexchange),
	.start = stackexchange_start,
	.stop = stackexchange_stop,
	.parse = stackexchange_parse_plugin,
};
