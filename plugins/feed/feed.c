/*
 * feed.c - the feed connector: polls one RSS, RDF, Atom or JSON Feed URL
 * with the host's conditional GETs and emits each entry it has not emitted
 * before. Parsing is feedparse.c's; this file only turns entries into
 * mentions and remembers what it emitted.
 *
 * Settings:
 *   url       the feed (required)
 *   interval  seconds between polls (default 15m)
 *
 * The cursor is the set of entries already emitted: a 64-bit hash of each id,
 * the most recent FEED_SEEN_MAX of them, kept in the source state under
 * "seen" as hexadecimal words, so that a restart repeats nothing.
 */
/* timegm(3), strcasestr(3), strdup(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mentiond/plugin.h"

#include "feedparse.h"

#define FEED_SEEN_MAX	2048	/* ids remembered; a feed holds far fewer */

struct feed {
	/* Settings, filled by the host before start(). */
	const char		*url;
	double			 interval;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	uint64_t		*seen;		/* ring of id hashes, oldest first */
	size_t			 nseen;
	int			 emitted;	/* in the current response */
};

/* The 64-bit FNV-1a hash of S. */
static uint64_t
feed_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Has the entry with hash H been emitted? */
static int
feed_seen(const struct feed *f, uint64_t h)
{
	size_t i;

	for (i = 0; i < f->nseen; i++) {
		if (f->seen[i] == h)
			return 1;
	}
	return 0;
}

/* Remember H, forgetting the oldest when full. */
static void
feed_remember(struct feed *f, uint64_t h)
{
	if (f->nseen == FEED_SEEN_MAX) {
		memmove(f->seen, f->seen + 1, (FEED_SEEN_MAX - 1) * sizeof *f->seen);
		f->nseen--;
	}
	f->seen[f->nseen++] = h;
}

/* Load the cursor from the source state. */
static void
feed_load(struct feed *f)
{
	const char *s = f->host->state_get(f->src, "seen");
	char *end;
	uint64_t h;

	while (s != NULL && *s != '\0') {
		h = strtoull(s, &end, 16);
		if (end == s)
			break;
		feed_remember(f, h);
		s = end;
		while (*s == ' ')
			s++;
	}
}

/* Write the cursor to the source state. */
static void
feed_save(struct feed *f)
{
	char *buf = malloc(f->nseen * 17 + 1), *p = buf;
	size_t i;

	if (buf == NULL)
		return;
	*p = '\0';
	for (i = 0; i < f->nseen; i++)
		p += sprintf(p, "%s%016llx", i ? " " : "",
		    (unsigned long long)f->seen[i]);
	f->host->state_set(f->src, "seen", buf);
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
	struct feed *f = arg;
	struct md_mention m = MD_MENTION_INIT;
	uint64_t h = feed_hash(e->id);

	if (feed_seen(f, h))
		return 0;
	feed_mention(e, &m);
	/* 1 (backed up) still means taken: the entry is emitted either way. */
	if (f->host->emit(f->src, &m) != -1)
		f->emitted++;
	feed_remember(f, h);
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

/* A new version of the feed: emit its new entries, save the cursor. */
static void
feed_response(struct md_source *src, const struct md_http_response *resp,
    void *arg)
{
	struct feed *f = arg;
	char csbuf[64], *cause = NULL;
	int n;

	(void)src;
	f->emitted = 0;
	n = feedparse_parse(resp->body, resp->body_len,
	    resp->url != NULL ? resp->url : f->url,
	    feed_charset(resp->content_type, csbuf, sizeof csbuf), feed_entry, f,
	    &cause);
	if (n == -1)
		f->host->log(f->src, MD_LOG_WARNING, "%s: not a feed: %s",
		    f->url, cause);
	else if (cause != NULL)
		f->host->log(f->src, MD_LOG_WARNING, "%s: broken feed, %d "
		    "entries read: %s", f->url, n, cause);
	free(cause);
	if (f->emitted > 0) {
		f->host->log(f->src, MD_LOG_INFO, "%s: %d new %s", f->url,
		    f->emitted, f->emitted == 1 ? "entry" : "entries");
		feed_save(f);
	}
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

/* Start polling the feed. */
static int
feed_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct feed *f = ctx;
	struct md_http_request req = { .url = NULL };
	static const char *const headers[] = { "Accept: application/rss+xml, "
	    "application/atom+xml, application/feed+json, application/xml;"
	    "q=0.9, */*;q=0.8", NULL };

	f->src = src;
	f->host = host;
	f->seen = calloc(FEED_SEEN_MAX, sizeof *f->seen);
	if (f->seen == NULL) {
		*cause = strdup("out of memory");
		return -1;
	}
	feed_load(f);
	req.url = f->url;
	req.headers = headers;
	if (host->http_poll(src, &req, f->interval, feed_response, f) == NULL) {
		*cause = strdup("cannot start polling");
		free(f->seen);
		f->seen = NULL;
		return -1;
	}
	return 0;
}

/* Stop: the host cancels the poll; free the cursor. */
static void
feed_stop(struct md_source *src, void *ctx)
{
	struct feed *f = ctx;

	(void)src;
	free(f->seen);
	f->seen = NULL;
}

static const struct md_setting feed_settings[] = {
	{ "url", MD_SET_URL, NULL, offsetof(struct feed, url),
	    MD_SETTING_REQUIRED, "the RSS, RDF, Atom or JSON Feed URL" },
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
	.description = "polls an RSS, RDF, Atom or JSON Feed URL",
	.settings = feed_settings,
	.ctx_size = sizeof(struct feed),
	.start = feed_start,
	.stop = feed_stop,
	.parse = feed_parse,
};
