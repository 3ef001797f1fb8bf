/*
 * lemmy.c - the Lemmy connector: asks one instance's search API, at each
 * poll, for the newest posts and comments holding each search term, and
 * emits those newer than the term's cursor, oldest first. Parsing is
 * lemmyparse.c's; this file schedules the requests and keeps the cursors.
 *
 * A poll is a round of jobs, one per search term and kind (posts,
 * comments), run one request at a time: GET
 * {instance}/api/v3/search?q=TERM&type_=Posts&sort=New&listing_type=All&
 * limit=50&page=N, newest first. A job reads pages until one reaches its
 * cursor (the newest published time it emitted, kept in the state under
 * "posts:TERM" or "comments:TERM"), at most max_pages, then emits what it
 * gathered oldest first and moves the cursor. A job without a cursor (a new
 * term) reads one page only. See README.md.
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

#include "lemmyparse.h"
#include "logonce.h"
#include "mentlist.h"
#include "pace.h"
#include "urlenc.h"

#define LEMMY_LIMIT		50	/* items per page, the API's maximum */

#define LEMMY_WANT_POSTS	0x1
#define LEMMY_WANT_COMMENTS	0x2

struct lemmy {
	/* Settings, filled by the host before start(). */
	const char		*instance;
	const char		*query;
	const char		*types;
	double			 interval;
	long long		 max_pages;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	char			*base;		/* instance without a final / */
	unsigned		 want;		/* LEMMY_WANT_* */
	struct md_task		*timer;		/* next round, or emit more */
	struct md_task		*fetch;
	int			 idle_logged;

	/* The round in progress. */
	char			**terms;
	size_t			 nterms;
	size_t			 job;		/* term * 2 + kind */
	struct pace		 pace;		/* its start, fresh, failure */
	struct logonce_set	 refused;	/* per job: said already */

	/* The job in progress. */
	int			 page;
	int			 first;		/* no cursor yet */
	int64_t			 cursor;	/* microseconds; 0 = none */
	int			 reached;	/* a page went down to it */
	struct mentlist		 got;		/* newer, newest first; keyed by
						 * published_us */
	size_t			 nemitted;
};

static void	lemmy_round_end(struct lemmy *);
static void	lemmy_job_next(struct lemmy *);
static void	lemmy_fetch_page(struct lemmy *);

/* The kind a job is about. */
static enum lemmy_kind
lemmy_job_kind(size_t job)
{
	return job % 2 == 0 ? LEMMY_POST : LEMMY_COMMENT;
}

/* "posts" or "comments". */
static const char *
lemmy_kind_name(enum lemmy_kind kind)
{
	return kind == LEMMY_POST ? "posts" : "comments";
}

/* The search term of the job in progress. */
static const char *
lemmy_term(const struct lemmy *l)
{
	return l->terms[l->job / 2];
}

/* lemmy_parse's callback for a page: keep what is newer than the cursor. */
static int
lemmy_page_item(const struct lemmy_item *it, void *arg)
{
	struct lemmy *l = arg;
	struct md_mention m = MD_MENTION_INIT;

	if (it->kind != lemmy_job_kind(l->job))
		return 0;
	if (!l->first && it->published_us <= l->cursor) {
		l->reached = 1;
		return 0;
	}
	/* Pages shift while read. */
	if (mentlist_has(&l->got, it->id))
		return 0;
	lemmy_mention(it, &m);
	if (mentlist_add(&l->got, &m, it->published_us) != 0) {
		l->host->log(l->src, MD_LOG_ERR, "out of memory");
		return -1;
	}
	return 0;
}

/* Format microseconds US as RFC 3339 UTC with a fraction into BUF. */
static void
lemmy_format_time(int64_t us, char *buf, size_t size)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char date[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, size, "1970-01-01T00:00:00Z");
		return;
	}
	snprintf(buf, size, "%s.%06dZ", date, (int)(us % 1000000));
}

/* The state key of the job in progress, "posts:TERM" (malloc'd). */
static char *
lemmy_state_key(const struct lemmy *l)
{
	char *key;

	if (asprintf(&key, "%s:%s", lemmy_kind_name(lemmy_job_kind(l->job)),
	    lemmy_term(l)) == -1)
		return NULL;
	return key;
}

/* Write the cursor of the job in progress. */
static void
lemmy_save(struct lemmy *l)
{
	char *key = lemmy_state_key(l), buf[48];

	if (key == NULL)
		return;
	lemmy_format_time(l->cursor, buf, sizeof buf);
	l->host->state_set(l->src, key, buf);
	free(key);
}

/* The timer of an interrupted emit: go on emitting the job's items. */
static void
lemmy_emit_more(struct md_source *src, void *arg)
{
	struct lemmy *l = arg;

	(void)src;
	l->timer = NULL;
	lemmy_job_next(l);
}

/* Emit the job's items, oldest first, moving the cursor. Returns 0 when all
 * are emitted, 1 when the pipeline is backed up and the rest waits. */
static int
lemmy_emit(struct lemmy *l)
{
	struct mentlist_item *it;
	int rc, moved = 0;

	while ((it = mentlist_last(&l->got)) != NULL) {
		rc = l->host->emit(l->src, &it->m);
		if (rc != -1)
			l->nemitted++;
		if (it->key > l->cursor)
			l->cursor = it->key;
		moved = 1;
		mentlist_drop_last(&l->got);
		if (rc == 1 && l->got.n > 0) {
			lemmy_save(l);
			l->timer = l->host->timer_add(l->src, 0, 0,
			    lemmy_emit_more, l);
			return 1;
		}
	}
	if (moved)
		lemmy_save(l);
	return 0;
}

/* The job in progress read all it will (MORE: its last page was full):
 * emit, then go to the next job. */
static void
lemmy_job_done(struct lemmy *l, int more)
{
	if (more && l->page >= l->max_pages && !l->reached && !l->first)
		l->host->log(l->src, MD_LOG_NOTICE, "%s \"%s\": %lld pages "
		    "of new items and more: older ones are skipped",
		    lemmy_kind_name(lemmy_job_kind(l->job)), lemmy_term(l),
		    l->max_pages);
	lemmy_job_next(l);
}

/* Start the job J, or the next one after it that is wanted. */
static void
lemmy_job_start(struct lemmy *l, size_t j)
{
	const char *s;
	char *key;

	for (; j < l->nterms * 2; j++)
		if (l->want & (lemmy_job_kind(j) == LEMMY_POST ?
		    LEMMY_WANT_POSTS : LEMMY_WANT_COMMENTS))
			break;
	l->job = j;
	mentlist_clear(&l->got);
	if (j == l->nterms * 2) {
		lemmy_round_end(l);
		return;
	}
	l->page = 1;
	l->reached = 0;
	l->nemitted = 0;
	l->cursor = 0;
	key = lemmy_state_key(l);
	s = key != NULL ? l->host->state_get(l->src, key) : NULL;
	l->first = s == NULL || lemmy_time(s, &l->cursor) != 0;
	if (l->first)
		l->cursor = 0;
	free(key);
	lemmy_fetch_page(l);
}

/* Emit what the job gathered and start the next job; or wait, backed up. */
static void
lemmy_job_next(struct lemmy *l)
{
	if (lemmy_emit(l) == 1)
		return;
	l->pace.fresh += (int)l->nemitted;
	if (l->nemitted > 0)
		l->host->log(l->src, MD_LOG_INFO, "%s \"%s\": %zu new",
		    lemmy_kind_name(lemmy_job_kind(l->job)), lemmy_term(l),
		    l->nemitted);
	lemmy_job_start(l, l->job + 1);
}

/* The round failed at the job in progress, on RESP (NULL when there was
 * none) or for CAUSE: the host logs it once and says when to try again. */
static void
lemmy_round_fail(struct lemmy *l, const struct md_http_response *resp,
    const char *cause)
{
	char what[256];

	snprintf(what, sizeof what, "search %s \"%s\"",
	    lemmy_kind_name(lemmy_job_kind(l->job)), lemmy_term(l));
	pace_fail(&l->pace, l->host, l->src, what, resp, cause, l->interval);
	mentlist_clear(&l->got);
	lemmy_round_end(l);
}

/* A short reason from an error body: Lemmy's {"error": "..."}. */
static void
lemmy_error_reason(const struct md_http_response *resp, char *buf,
    size_t size)
{
	cJSON *root;
	const cJSON *e;

	buf[0] = '\0';
	if ((root = cJSON_ParseWithLength(resp->body, resp->body_len)) ==
	    NULL)
		return;
	e = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (cJSON_IsString(e))
		snprintf(buf, size, ": %.200s", e->valuestring);
	cJSON_Delete(root);
}

/* The response to a page of the job in progress. */
static void
lemmy_page_done(struct md_source *src, const struct md_http_response *resp,
    void *arg)
{
	struct lemmy *l = arg;
	const char *kind = lemmy_kind_name(lemmy_job_kind(l->job));
	char *cause = NULL, why[256];
	size_t nraw = 0;
	int n;

	(void)src;
	l->fetch = NULL;
	if (resp->status == 0) {
		lemmy_round_fail(l, resp, NULL);
		return;
	}
	if (resp->status < 200 || resp->status > 299) {
		/* Refused for this term alone: go on with the others. */
		if (resp->status >= 400 && resp->status < 500 &&
		    resp->status != 429 && resp->status != 408) {
			lemmy_error_reason(resp, why, sizeof why);
			if (logonce_set_due(&l->refused, (size_t)l->job,
			    resp->status))
				l->host->log(l->src, MD_LOG_WARNING, "search %s "
				    "\"%s\": HTTP %ld%s (logged again when it "
				    "changes or works)", kind, lemmy_term(l),
				    resp->status, why);
			mentlist_clear(&l->got);
			lemmy_job_start(l, l->job + 1);
			return;
		}
		lemmy_round_fail(l, resp, NULL);
		return;
	}
	if (logonce_set_clear(&l->refused, (size_t)l->job))
		l->host->log(l->src, MD_LOG_NOTICE, "search %s \"%s\" works "
		    "again", kind, lemmy_term(l));
	n = lemmy_parse(resp->body, resp->body_len, lemmy_page_item, l, &nraw,
	    &cause);
	if (n == -1 || cause != NULL) {
		snprintf(why, sizeof why, "page %d: %s; the cursor stays",
		    l->page, cause != NULL ? cause : "not understood");
		free(cause);
		lemmy_round_fail(l, resp, why);
		return;
	}
	if (l->first || l->reached || nraw < LEMMY_LIMIT ||
	    l->page >= l->max_pages) {
		lemmy_job_done(l, nraw >= LEMMY_LIMIT);
		return;
	}
	l->page++;
	lemmy_fetch_page(l);
}

/* Ask for the next page of the job in progress. */
static void
lemmy_fetch_page(struct lemmy *l)
{
	static const char *const headers[] = { "Accept: application/json",
	    NULL };
	struct md_http_request req = { .url = NULL, .headers = headers };
	enum lemmy_kind kind = lemmy_job_kind(l->job);
	char *q, *url = NULL;

	if ((q = urlenc_component(lemmy_term(l))) == NULL ||
	    asprintf(&url, "%s/api/v3/search?q=%s&type_=%s&sort=New&"
	    "listing_type=All&limit=%d&page=%d", l->base, q,
	    kind == LEMMY_POST ? "Posts" : "Comments", LEMMY_LIMIT,
	    l->page) == -1) {
		free(q);
		lemmy_round_fail(l, NULL, "out of memory");
		return;
	}
	free(q);
	req.url = url;
	l->fetch = l->host->http_fetch(l->src, &req, lemmy_page_done, l);
	free(url);
	if (l->fetch == NULL)
		lemmy_round_fail(l, NULL, "cannot start a request");
}

/* Forget the round's terms. */
static void
lemmy_terms_clear(struct lemmy *l)
{
	size_t i;

	for (i = 0; i < l->nterms; i++)
		free(l->terms[i]);
	free(l->terms);
	l->terms = NULL;
	l->nterms = 0;
}

/* Add T, without the quotes of a phrase (Lemmy matches substrings), to the
 * round's terms unless there. */
static void
lemmy_terms_add(struct lemmy *l, const char *t)
{
	size_t n = strlen(t), i;
	char **v, *s;

	if (n >= 2 && t[0] == '"' && t[n - 1] == '"') {
		t++;
		n -= 2;
	}
	if (n == 0 || (s = strndup(t, n)) == NULL)
		return;
	for (i = 0; i < l->nterms; i++) {
		if (strcmp(l->terms[i], s) == 0) {
			free(s);
			return;
		}
	}
	if ((v = reallocarray(l->terms, l->nterms + 1, sizeof *v)) == NULL) {
		free(s);
		return;
	}
	l->terms = v;
	l->terms[l->nterms++] = s;
}

/* The round timer: take the terms of now and start the first job. */
static void
lemmy_round(struct md_source *src, void *arg)
{
	struct lemmy *l = arg;
	const char *const *t = NULL;

	(void)src;
	l->timer = NULL;
	pace_begin(&l->pace);
	lemmy_terms_clear(l);
	if (l->query != NULL && *l->query != '\0')
		lemmy_terms_add(l, l->query);
	else if (MD_HOST_HAS(l->host, search_terms))
		for (t = l->host->search_terms(l->src); *t != NULL; t++)
			lemmy_terms_add(l, *t);
	if (logonce_due(&l->idle_logged, l->nterms == 0))
		l->host->log(l->src, MD_LOG_NOTICE, "nothing to search for: no "
		    "query setting and no track terms; idle until there are");
	lemmy_job_start(l, 0);
}

/* The round is over: arm the next one, at the host's pace, or later
 * after a failure. */
static void
lemmy_round_end(struct lemmy *l)
{
	double delay = pace_next(&l->pace, l->host, l->src, l->interval);

	l->timer = l->host->timer_add(l->src, delay, 0, lemmy_round, l);
}

/* Read the types setting into L->want; -1 when it holds something else. */
static int
lemmy_parse_types(struct lemmy *l, char **cause)
{
	const char *s = l->types != NULL ? l->types : "";
	size_t n;

	l->want = 0;
	while (*s != '\0') {
		n = strcspn(s, " ,\t");
		if (n == 5 && strncmp(s, "posts", 5) == 0)
			l->want |= LEMMY_WANT_POSTS;
		else if (n == 8 && strncmp(s, "comments", 8) == 0)
			l->want |= LEMMY_WANT_COMMENTS;
		else if (n > 0) {
			if (asprintf(cause, "types: '%.*s' is neither posts "
			    "nor comments", (int)n, s) == -1)
				*cause = NULL;
			return -1;
		}
		s += n;
		s += strspn(s, " ,\t");
	}
	if (l->want == 0) {
		*cause = strdup("types: say posts, comments or both");
		return -1;
	}
	return 0;
}

/* Start: check the settings, then run the first round at once. */
static int
lemmy_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct lemmy *l = ctx;
	size_t n;

	l->src = src;
	l->host = host;
	if (lemmy_parse_types(l, cause) != 0)
		return -1;
	if (l->max_pages < 1) {
		*cause = strdup("max_pages: at least 1");
		return -1;
	}
	if ((l->base = strdup(l->instance)) == NULL) {
		*cause = strdup("out of memory");
		return -1;
	}
	n = strlen(l->base);
	while (n > 0 && l->base[n - 1] == '/')
		l->base[--n] = '\0';
	host->log(src, MD_LOG_INFO, "searching %s for %s, %s every %.0f s "
	    "(no login: public posts and comments only)", l->base,
	    l->query != NULL && *l->query != '\0' ? "the query setting" :
	    "the tracks' terms", l->want == LEMMY_WANT_POSTS ? "posts" :
	    l->want == LEMMY_WANT_COMMENTS ? "comments" :
	    "posts and comments", l->interval);
	l->timer = host->timer_add(src, 0, 0, lemmy_round, l);
	if (l->timer == NULL) {
		*cause = strdup("cannot start a timer");
		free(l->base);
		l->base = NULL;
		return -1;
	}
	return 0;
}

/* Stop: the host cancels the tasks; free what is ours. */
static void
lemmy_stop(struct md_source *src, void *ctx)
{
	struct lemmy *l = ctx;

	(void)src;
	mentlist_free(&l->got);
	logonce_set_free(&l->refused);
	lemmy_terms_clear(l);
	free(l->base);
	l->base = NULL;
}

/* What lemmy_parse_plugin hands each item to. */
struct lemmy_parse_arg {
	md_parse_fn	 emit;
	void		*arg;
};

/* One item for md_plugin.parse. */
static int
lemmy_parse_item(const struct lemmy_item *it, void *arg)
{
	struct lemmy_parse_arg *pa = arg;
	struct md_mention m = MD_MENTION_INIT;

	lemmy_mention(it, &m);
	return pa->emit(pa->arg, &m);
}

/* md_plugin.parse: every item of one saved search response. */
static int
lemmy_parse_plugin(void *ctx, const struct md_http_response *resp,
    md_parse_fn emit, void *arg, char **cause)
{
	struct lemmy_parse_arg pa = { emit, arg };

	(void)ctx;
	return lemmy_parse(resp->body, resp->body_len, lemmy_parse_item, &pa,
	    NULL, cause);
}

static const struct md_setting lemmy_settings[] = {
	{ "instance", MD_SET_URL, "https://lemmy.world",
	    offsetof(struct lemmy, instance), 0,
	    "the Lemmy instance whose search API is asked" },
	{ "query", MD_SET_STRING, NULL, offsetof(struct lemmy, query), 0,
	    "search for this instead of the tracks' terms" },
	{ "types", MD_SET_STRING, "posts comments",
	    offsetof(struct lemmy, types), 0,
	    "what to search: posts, comments or both" },
	{ "interval", MD_SET_DURATION, "5m", offsetof(struct lemmy, interval),
	    0, "time between polls" },
	{ "max_pages", MD_SET_INT, "5", offsetof(struct lemmy, max_pages), 0,
	    "pages of 50 read per term and type per poll, at most" },
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "lemmy",
	.version = "0.1",
	.description = "searches a Lemmy instance's posts and comments",
	.settings = lemmy_settings,
	.ctx_size = sizeof(struct lemmy),
	.start = lemmy_start,
	.stop = lemmy_stop,
	.parse = lemmy_parse_plugin,
};
