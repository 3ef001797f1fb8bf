/*
 * feed.c - the feed connector: polls RSS, RDF, Atom and JSON Feed URLs with
 * the host's conditional GETs and emits each entry it has not emitted
 * before. Parsing is feedparse.c's; this file only keeps the list of feeds,
 * turns entries into mentions and remembers what it emitted.
 *
 * Settings (at least one of the first four):
 *   url        one feed
 *   urls       more feeds, separated by spaces or commas
 *   urls_file  a file of feed URLs, one per line ('#' comments), or an OPML
 *              subscription list (every outline's xmlUrl); watched, so that
 *              feeds added to it start and removed ones stop
 *   opml       the same, for a file that is OPML by name
 *   interval   time between polls of each feed (default 15m)
 *
 * Each feed's cursor is the set of entries already emitted: a 64-bit hash of
 * each id, the most recent FEED_SEEN_MAX of them, kept in the source state
 * (under "seen" for the url setting's feed, "seen URL" for the others) as
 * hexadecimal words, so that a restart repeats nothing.
 */
/* timegm(3), strcasestr(3), strdup(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/queue.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mentiond/plugin.h"

#include "feedparse.h"
#include "idring.h"

#define FEED_SEEN_MAX	2048	/* ids remembered per feed; a feed holds fewer */
#define FEED_LIST_MAX	(16u << 20)	/* the biggest urls_file read */

struct feed;

/* One polled feed. */
struct feed_one {
	LIST_ENTRY(feed_one)	 entry;
	struct feed		*f;
	char			*url;
	char			*key;		/* its state key */
	struct md_task		*poll;
	struct idring		 seen;		/* ids emitted lately */
	int			 emitted;	/* in the current response */
	int			 listed;	/* still in the lists (reload) */
};
LIST_HEAD(feed_list, feed_one);

struct feed {
	/* Settings, filled by the host before start(). */
	const char		*url;
	const char		*urls;
	const char		*urls_file;
	const char		*opml;
	double			 interval;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	struct feed_list	 feeds;
	int			 nfeeds;
	int			 started;	/* by the last feed_sync */
	int			 stopped;
};

/* Load the cursor from the source state. */
static void
feed_load(struct feed_one *f)
{
	idring_load(&f->seen, f->f->host->state_get(f->f->src, f->key));
}

/* Write the cursor to the source state. */
static void
feed_save(struct feed_one *f)
{
	char *buf = idring_save(&f->seen);

	if (buf == NULL)
		return;
	f->f->host->state_set(f->f->src, f->key, buf);
	free(buf);
}

/* The mention of entry E. */
static void
feed_mention(const struct feedparse_entry *e, struct md_mention *m)
{
	m->id = e->id;
	m->url = e->url;
	m->author_name = e->author;
	m->title = e->title;
	m->text = e->text != NULL ? e->text : "";
	m->published = e->published;
}

/* Emit one parsed entry unless it was emitted before. */
static int
feed_entry(const struct feedparse_entry *e, void *arg)
{
	struct feed_one *f = arg;
	struct md_mention m = MD_MENTION_INIT;

	if (idring_has(&f->seen, e->id))
		return 0;
	feed_mention(e, &m);
	/* 1 (backed up) still means taken: the entry is emitted either way. */
	if (f->f->host->emit(f->f->src, &m) != -1)
		f->emitted++;
	idring_add(&f->seen, e->id);
	return 0;
}

/* The charset parameter of a Content-Type into BUF, or NULL. */
static const char *
feed_charset(const char *type, char *buf, size_t size)
{
	const char *p;
	size_t n = 0;

	if (type == NULL || (p = strcasestr(type, "charset=")) == NULL)
		return NULL;
	p += 8;
	if (*p == '"')
		p++;
	while (p[n] != '\0' && p[n] != '"' && p[n] != ';' && p[n] != ' ' &&
	    n + 1 < size) {
		buf[n] = p[n];
		n++;
	}
	buf[n] = '\0';
	return n > 0 ? buf : NULL;
}

/* A new version of a feed: emit its new entries, save the cursor. */
static void
feed_response(struct md_source *src, const struct md_http_response *resp,
    void *arg)
{
	struct feed_one *f = arg;
	const struct md_host *host = f->f->host;
	char csbuf[64], *cause = NULL;
	int n;

	(void)src;
	f->emitted = 0;
	n = feedparse_parse(resp->body, resp->body_len,
	    resp->url != NULL ? resp->url : f->url,
	    feed_charset(resp->content_type, csbuf, sizeof csbuf), feed_entry, f,
	    &cause);
	if (n == -1)
		host->log(f->f->src, MD_LOG_WARNING, "%s: not a feed: %s",
		    f->url, cause);
	else if (cause != NULL)
		host->log(f->f->src, MD_LOG_WARNING, "%s: broken feed, %d "
		    "entries read: %s", f->url, n, cause);
	free(cause);
	if (f->emitted > 0) {
		host->log(f->f->src, MD_LOG_INFO, "%s: %d new %s", f->url,
		    f->emitted, f->emitted == 1 ? "entry" : "entries");
		feed_save(f);
	}
}

/* The feed polling URL, or NULL. */
static struct feed_one *
feed_find(struct feed *f, const char *url)
{
	struct feed_one *one;

	LIST_FOREACH(one, &f->feeds, entry)
		if (strcmp(one->url, url) == 0)
			return one;
	return NULL;
}

/* Stop polling one feed and forget it (its saved cursor stays). */
static void
feed_drop(struct feed_one *one)
{
	LIST_REMOVE(one, entry);
	one->f->nfeeds--;
	if (one->poll != NULL)
		one->f->host->cancel(one->poll);
	idring_free(&one->seen);
	free(one->key);
	free(one->url);
	free(one);
}

/* Start polling URL (once: a URL listed twice is polled once). KEYED: it is
 * the url setting's feed, whose cursor is "seen". */
static void
feed_add(struct feed *f, const char *url, int keyed)
{
	static const char *const headers[] = { "Accept: application/rss+xml, "
	    "application/atom+xml, application/feed+json, application/xml;"
	    "q=0.9, */*;q=0.8", NULL };
	struct md_http_request req = { .url = url, .headers = headers };
	struct feed_one *one;
	size_t n;

	if ((one = feed_find(f, url)) != NULL) {
		one->listed = 1;
		return;
	}
	if (strncasecmp(url, "http://", 7) != 0 &&
	    strncasecmp(url, "https://", 8) != 0) {
		f->host->log(f->src, MD_LOG_WARNING, "'%s' is not an http(s) "
		    "URL: skipped", url);
		return;
	}
	if ((one = calloc(1, sizeof(*one))) == NULL ||
	    idring_init(&one->seen, FEED_SEEN_MAX) != 0 ||
	    (one->url = strdup(url)) == NULL)
		goto oom;
	n = strlen(url) + 6;
	if ((one->key = malloc(n)) == NULL)
		goto oom;
	if (keyed)
		snprintf(one->key, n, "seen");
	else
		snprintf(one->key, n, "seen %s", url);
	one->f = f;
	one->listed = 1;
	LIST_INSERT_HEAD(&f->feeds, one, entry);
	f->nfeeds++;
	f->started++;
	feed_load(one);
	if ((one->poll = f->host->http_poll(f->src, &req, f->interval,
	    feed_response, one)) == NULL) {
		f->host->log(f->src, MD_LOG_WARNING, "%s: cannot start polling",
		    url);
		feed_drop(one);
	}
	return;
oom:
	if (one != NULL) {
		idring_free(&one->seen);
		free(one->url);
		free(one);
	}
	f->host->log(f->src, MD_LOG_ERR, "%s: out of memory", url);
}

/* feedparse_list's callback: one URL of a list file. */
static void
feed_listed(const char *url, void *arg)
{
	feed_add(arg, url, 0);
}

/* Read the list file PATH and start its feeds. Returns how many it lists,
 * or -1 (logged) when it cannot be read. */
static int
feed_read_list(struct feed *f, const char *path)
{
	char *buf = NULL, *cause = NULL;
	size_t len = 0, got;
	FILE *fp;
	int n;

	if ((fp = fopen(path, "rb")) == NULL) {
		f->host->log(f->src, MD_LOG_WARNING, "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	if ((buf = malloc(FEED_LIST_MAX + 1)) == NULL) {
		fclose(fp);
		return -1;
	}
	while (len < FEED_LIST_MAX &&
	    (got = fread(buf + len, 1, FEED_LIST_MAX - len, fp)) > 0)
		len += got;
	buf[len] = '\0';
	fclose(fp);
	n = feedparse_list(buf, len, feed_listed, f, &cause);
	if (n == -1)
		f->host->log(f->src, MD_LOG_WARNING, "%s: %s", path, cause);
	free(cause);
	free(buf);
	return n;
}

/* (Re)read every list: start new feeds, stop those no longer listed. */
static void
feed_sync(struct feed *f)
{
	struct feed_one *one, *next;
	const char *p, *q;
	char url[4096];
	int unreadable = 0;

	f->started = f->stopped = 0;
	LIST_FOREACH(one, &f->feeds, entry)
		one->listed = 0;
	if (f->url != NULL)
		feed_add(f, f->url, 1);
	for (p = f->urls; p != NULL && *p != '\0'; p = q) {
		while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n')
			p++;
		for (q = p; *q != '\0' && *q != ' ' && *q != ',' &&
		    *q != '\t' && *q != '\n'; q++)
			;
		if (q > p && (size_t)(q - p) < sizeof(url)) {
			memcpy(url, p, (size_t)(q - p));
			url[q - p] = '\0';
			feed_add(f, url, 0);
		}
	}
	if (f->urls_file != NULL && feed_read_list(f, f->urls_file) == -1)
		unreadable = 1;
	if (f->opml != NULL && feed_read_list(f, f->opml) == -1)
		unreadable = 1;
	/* A list that cannot be read now (being rewritten) stops nothing. */
	if (unreadable)
		return;
	for (one = LIST_FIRST(&f->feeds); one != NULL; one = next) {
		next = LIST_NEXT(one, entry);
		if (!one->listed) {
			f->host->log(f->src, MD_LOG_INFO, "%s: no longer "
			    "listed, stopped", one->url);
			feed_drop(one);
			f->stopped++;
		}
	}
}

/* A list file changed. */
static void
feed_list_changed(struct md_source *src, void *arg)
{
	struct feed *f = arg;

	(void)src;
	feed_sync(f);
	if (f->started > 0 || f->stopped > 0)
		f->host->log(f->src, MD_LOG_NOTICE, "feed list changed: %d "
		    "feeds (%d started, %d stopped)", f->nfeeds, f->started,
		    f->stopped);
}

/* What feed_parse hands each entry to. */
struct feed_parse_arg {
	md_parse_fn	 emit;
	void		*arg;
};

/* One entry for feed_parse. */
static int
feed_parse_entry(const struct feedparse_entry *e, void *arg)
{
	struct feed_parse_arg *pa = arg;
	struct md_mention m = MD_MENTION_INIT;

	feed_mention(e, &m);
	return pa->emit(pa->arg, &m);
}

/* md_plugin.parse: the entries of one saved feed document, all of them. */
static int
feed_parse(void *ctx, const struct md_http_response *resp, md_parse_fn emit,
    void *arg, char **cause)
{
	struct feed *f = ctx;
	struct feed_parse_arg pa = { emit, arg };
	char csbuf[64];

	return feedparse_parse(resp->body, resp->body_len,
	    resp->url != NULL ? resp->url : f->url,
	    feed_charset(resp->content_type, csbuf, sizeof csbuf),
	    feed_parse_entry, &pa, cause);
}

/* Start polling every listed feed. */
static int
feed_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct feed *f = ctx;

	f->src = src;
	f->host = host;
	LIST_INIT(&f->feeds);
	if (f->url == NULL && f->urls == NULL && f->urls_file == NULL &&
	    f->opml == NULL) {
		*cause = strdup("no feed: set url, urls, urls_file or opml");
		return -1;
	}
	feed_sync(f);
	if (f->urls_file != NULL)
		host->file_watch(src, f->urls_file, feed_list_changed, f);
	if (f->opml != NULL)
		host->file_watch(src, f->opml, feed_list_changed, f);
	if (f->nfeeds == 0 && f->urls_file == NULL && f->opml == NULL) {
		*cause = strdup("no http(s) feed URL to poll");
		return -1;
	}
	host->log(src, MD_LOG_INFO, "polling %d feed%s every %.0f s",
	    f->nfeeds, f->nfeeds == 1 ? "" : "s", f->interval);
	return 0;
}

/* Stop: the host cancels the polls; free the feeds. */
static void
feed_stop(struct md_source *src, void *ctx)
{
	struct feed *f = ctx;
	struct feed_one *one;

	(void)src;
	while ((one = LIST_FIRST(&f->feeds)) != NULL) {
		one->poll = NULL;	/* cancelled by the host */
		feed_drop(one);
	}
}

static const struct md_setting feed_settings[] = {
	{ "url", MD_SET_URL, NULL, offsetof(struct feed, url), 0,
	    "an RSS, RDF, Atom or JSON Feed URL" },
	{ "urls", MD_SET_STRING, NULL, offsetof(struct feed, urls), 0,
	    "more feed URLs, separated by spaces or commas" },
	{ "urls_file", MD_SET_STRING, NULL, offsetof(struct feed, urls_file),
	    0, "a file of feed URLs (one per line) or an OPML list, watched" },
	{ "opml", MD_SET_STRING, NULL, offsetof(struct feed, opml), 0,
	    "an OPML subscription list, watched" },
	{ "interval", MD_SET_DURATION, "15m", offsetof(struct feed, interval),
	    0, "time between polls" },
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "feed",
	.version = "0.1",
	.description = "polls RSS, RDF, Atom and JSON Feed URLs",
	.settings = feed_settings,
	.ctx_size = sizeof(struct feed),
	.start = feed_start,
	.stop = feed_stop,
	.parse = feed_parse,
};
