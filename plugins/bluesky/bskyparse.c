/*
 * bskyparse.c - searchPosts responses to mentions (see bskyparse.h).
 *
 * A post view has uri (at://DID/app.bsky.feed.post/RKEY, the mention's id),
 * author {did, handle, displayName}, record {text, createdAt, langs, facets,
 * embed}, replyCount, repostCount, likeCount and indexedAt. The web link is
 * https://bsky.app/profile/HANDLE/post/RKEY (the DID when the handle is
 * "handle.invalid" or unusable). The text is plain text whose links clients
 * shorten for display; the link facets, at UTF-8 byte offsets, give them
 * back. Plain text is emitted as it is unless it holds '<' or '&' (the host
 * would read it as HTML): then it is escaped, line breaks as <br>. A post
 * without text has its images' alt texts, or its link card, as text.
 *
 * "latest" sorts on sortAt, the earlier of createdAt and indexedAt (so that
 * a post dated in the future sorts as when it was seen): that is sort_us.
 */
/* asprintf(3), strndup(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "bskyparse.h"
#include "jsonget.h"
#include "langtag.h"
#include "ptime.h"
#include "strbuf.h"

#define BSKYPARSE_LINKS_MAX	64	/* link facets used per post */
#define BSKYPARSE_URL_MAX	1024	/* longest bsky.app link made */

/* One link facet: bytes START to END of the text stand for URI. */
struct bskyparse_link {
	size_t		 start;
	size_t		 end;
	const char	*uri;
	int		 shortened;	/* the bytes are a shortened URI */
};

/* Append LEN bytes of S to B, as HTML when HTML is set. */
static void
bskyparse_put_text(struct strbuf *b, const char *s, size_t len,
    int html)
{
	const char *run = s, *end = s + len, *rep;

	if (!html) {
		strbuf_put(b, s, len);
		return;
	}
	for (; s < end; s++) {
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\n':
			rep = "<br>";
			break;
		default:
			continue;
		}
		strbuf_put(b, run, s - run);
		strbuf_put(b, rep, strlen(rep));
		run = s + 1;
	}
	strbuf_put(b, run, end - run);
}

/* The byte offset member KEY of OBJ (a whole number from 0 to MAX), or -1. */
static long long
bskyparse_offset(const cJSON *obj, const char *key, size_t max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    v->valuedouble > (double)max ||
	    v->valuedouble != floor(v->valuedouble))
		return -1;
	return (long long)v->valuedouble;
}

/* The unix time in microseconds of an RFC 3339 timestamp (no zone: UTC),
 * or -1. */
int64_t
bskyparse_date_us(const char *s)
{
	int64_t us;

	return ptime_rfc3339(s, PTIME_UTC, &us) == 0 ? us : -1;
}

/* Is byte I of TEXT (LEN bytes) the start of a character (or the end)? */
static int
bskyparse_boundary(const char *text, size_t len, size_t i)
{
	return i == len || ((unsigned char)text[i] & 0xc0) != 0x80;
}

/* Cut a scheme and a "www." from the front of S (N bytes). */
static const char *
bskyparse_bare(const char *s, size_t *n)
{
	if (*n >= 8 && strncasecmp(s, "https://", 8) == 0) {
		s += 8;
		*n -= 8;
	} else if (*n >= 7 && strncasecmp(s, "http://", 7) == 0) {
		s += 7;
		*n -= 7;
	}
	if (*n >= 4 && strncasecmp(s, "www.", 4) == 0) {
		s += 4;
		*n -= 4;
	}
	return s;
}

/* Is VIS (N bytes) what clients show of URI: its start, maybe without its
 * scheme and "www.", maybe ending in "..." or U+2026? */
static int
bskyparse_shortened(const char *vis, size_t n, const char *uri)
{
	size_t ulen = strlen(uri);

	if (n >= 3 && memcmp(vis + n - 3, "...", 3) == 0)
		n -= 3;
	else if (n >= 3 && memcmp(vis + n - 3, "\xe2\x80\xa6", 3) == 0)
		n -= 3;
	vis = bskyparse_bare(vis, &n);
	uri = bskyparse_bare(uri, &ulen);
	return n > 0 && n <= ulen && strncasecmp(vis, uri, n) == 0;
}

/* Order links by start. */
static int
bskyparse_link_cmp(const void *a, const void *b)
{
	const struct bskyparse_link *la = a, *lb = b;

	return la->start < lb->start ? -1 : la->start > lb->start;
}

/* The link facets of FACETS usable on TEXT (LEN bytes) into LINKS, in
 * order, none overlapping; returns how many. */
static size_t
bskyparse_links(const char *text, size_t len, const cJSON *facets,
    struct bskyparse_link *links)
{
	const cJSON *facet, *index, *features, *f;
	const char *type, *uri;
	long long start, end;
	size_t n = 0, i, kept;

	cJSON_ArrayForEach(facet, facets) {
		if (n == BSKYPARSE_LINKS_MAX)
			break;
		index = cJSON_GetObjectItemCaseSensitive(facet, "index");
		features = cJSON_GetObjectItemCaseSensitive(facet, "features");
		if (!cJSON_IsObject(index) || !cJSON_IsArray(features))
			continue;
		start = bskyparse_offset(index, "byteStart", len);
		end = bskyparse_offset(index, "byteEnd", len);
		if (start < 0 || end <= start ||
		    !bskyparse_boundary(text, len, (size_t)start) ||
		    !bskyparse_boundary(text, len, (size_t)end))
			continue;
		uri = NULL;
		cJSON_ArrayForEach(f, features) {
			type = jsonget_nonempty(f, "$type");
			if (type != NULL && strcmp(type,
			    "app.bsky.richtext.facet#link") == 0 &&
			    (uri = jsonget_nonempty(f, "uri")) != NULL)
				break;
		}
		if (uri == NULL)
			continue;
		links[n].start = (size_t)start;
		links[n].end = (size_t)end;
		links[n].uri = uri;
		links[n].shortened = bskyparse_shortened(text + start,
		    (size_t)(end - start), uri);
		n++;
	}
	qsort(links, n, sizeof *links, bskyparse_link_cmp);
	for (i = 0, kept = 0; i < n; i++) {
		if (kept > 0 && links[i].start < links[kept - 1].end)
			continue;
		links[kept++] = links[i];
	}
	return kept;
}

char *
bskyparse_text(const char *text, size_t len, const cJSON *facets)
{
	struct bskyparse_link links[BSKYPARSE_LINKS_MAX];
	struct strbuf b = { NULL, 0, 0, 0 };
	size_t n, i, at = 0;
	int html;

	n = bskyparse_links(text, len, facets, links);
	html = memchr(text, '<', len) != NULL || memchr(text, '&', len) != NULL;
	for (i = 0; i < n && !html; i++)
		html = !links[i].shortened || strpbrk(links[i].uri, "<&") != NULL;
	strbuf_put(&b, "", 0);
	for (i = 0; i < n; i++) {
		bskyparse_put_text(&b, text + at, links[i].start - at, html);
		if (links[i].shortened)
			bskyparse_put_text(&b, links[i].uri,
			    strlen(links[i].uri), html);
		else {
			strbuf_put(&b, "<a href=\"", 9);
			bskyparse_put_text(&b, links[i].uri,
			    strlen(links[i].uri), 1);
			strbuf_put(&b, "\">", 2);
			bskyparse_put_text(&b, text + links[i].start,
			    links[i].end - links[i].start, 1);
			strbuf_put(&b, "</a>", 4);
		}
		at = links[i].end;
	}
	bskyparse_put_text(&b, text + at, len - at, html);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* The text of a post without text: its images' alt texts, or its link
 * card's title and description, as HTML (malloc'd, "" when none). */
static char *
bskyparse_embed_text(const cJSON *record)
{
	struct strbuf b = { NULL, 0, 0, 0 };
	const cJSON *embed, *images, *img, *ext;
	const char *s;

	strbuf_put(&b, "", 0);
	embed = cJSON_GetObjectItemCaseSensitive(record, "embed");
	images = cJSON_GetObjectItemCaseSensitive(embed, "images");
	cJSON_ArrayForEach(img, images) {
		if ((s = jsonget_nonempty(img, "alt")) == NULL)
			continue;
		strbuf_put(&b, "<p>", 3);
		bskyparse_put_text(&b, s, strlen(s), 1);
		strbuf_put(&b, "</p>", 4);
	}
	ext = cJSON_GetObjectItemCaseSensitive(embed, "external");
	if (b.len == 0 && cJSON_IsObject(ext)) {
		if ((s = jsonget_nonempty(ext, "title")) != NULL) {
			strbuf_put(&b, "<p>", 3);
			bskyparse_put_text(&b, s, strlen(s), 1);
			strbuf_put(&b, "</p>", 4);
		}
		if ((s = jsonget_nonempty(ext, "description")) != NULL) {
			strbuf_put(&b, "<p>", 3);
			bskyparse_put_text(&b, s, strlen(s), 1);
			strbuf_put(&b, "</p>", 4);
		}
	}
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* Does S hold only bytes of SET (letters and digits always)? */
static int
bskyparse_chars(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr(set, s[i]) == NULL)
			return 0;
	return n > 0;
}

/* The bsky.app link of post URI by HANDLE (or its DID) into BUF, or NULL. */
static const char *
bskyparse_web(const char *uri, const char *handle, char *buf, size_t size)
{
	static const char coll[] = "/app.bsky.feed.post/";
	const char *did, *slash, *rkey;
	size_t dlen;

	if (strncmp(uri, "at://", 5) != 0)
		return NULL;
	did = uri + 5;
	if ((slash = strchr(did, '/')) == NULL ||
	    strncmp(slash, coll, sizeof coll - 1) != 0)
		return NULL;
	dlen = slash - did;
	rkey = slash + sizeof coll - 1;
	if (!bskyparse_chars(rkey, strlen(rkey), "._:~-") ||
	    !bskyparse_chars(did, dlen, "._:%-"))
		return NULL;
	if (handle != NULL && strcmp(handle, "handle.invalid") != 0 &&
	    bskyparse_chars(handle, strlen(handle), ".-") &&
	    strchr(handle, '.') != NULL)
		snprintf(buf, size, "https://bsky.app/profile/%s/post/%s",
		    handle, rkey);
	else
		snprintf(buf, size, "https://bsky.app/profile/%.*s/post/%s",
		    (int)dlen, did, rkey);
	return strlen(buf) + 1 < size ? buf : NULL;
}

/* The earlier of two times, either 0 (unknown) or less. */
static int64_t
bskyparse_earlier(int64_t a, int64_t b)
{
	if (a <= 0)
		return b > 0 ? b : 0;
	if (b <= 0)
		return a;
	return a < b ? a : b;
}

/* Hand post view POST to FN as a mention. Returns 1 when it made one, 0
 * when not, 2 when it made one and FN asked to stop. */
static int
bskyparse_post(const cJSON *post, bskyparse_fn fn, void *arg,
    struct bskyparse_page *page)
{
	struct bskyparse_post p = { .m = MD_MENTION_INIT };
	const cJSON *author, *record, *text, *langs;
	char web[BSKYPARSE_URL_MAX], langbuf[4], *body = NULL;
	int64_t created, indexed;
	int rc = 0;

	if (!cJSON_IsObject(post))
		return 0;
	record = cJSON_GetObjectItemCaseSensitive(post, "record");
	created = bskyparse_date_us(jsonget_nonempty(record, "createdAt"));
	indexed = bskyparse_date_us(jsonget_nonempty(post, "indexedAt"));
	p.sort_us = bskyparse_earlier(created, indexed);
	if (page != NULL && p.sort_us > 0) {
		if (p.sort_us > page->newest_us)
			page->newest_us = p.sort_us;
		if (page->oldest_us == 0 || p.sort_us < page->oldest_us)
			page->oldest_us = p.sort_us;
	}
	if ((p.m.id = jsonget_nonempty(post, "uri")) == NULL ||
	    !cJSON_IsObject(record))
		return 0;
	author = cJSON_GetObjectItemCaseSensitive(post, "author");
	if (cJSON_IsObject(author)) {
		p.m.author_handle = jsonget_nonempty(author, "handle");
		if (p.m.author_handle != NULL &&
		    strcmp(p.m.author_handle, "handle.invalid") == 0)
			p.m.author_handle = jsonget_nonempty(author, "did");
		p.m.author_name = jsonget_nonempty(author, "displayName");
	}
	p.m.url = bskyparse_web(p.m.id, cJSON_IsObject(author) ?
	    jsonget_nonempty(author, "handle") : NULL, web, sizeof web);
	text = cJSON_GetObjectItemCaseSensitive(record, "text");
	if (cJSON_IsString(text) && text->valuestring != NULL &&
	    text->valuestring[0] != '\0')
		body = bskyparse_text(text->valuestring,
		    strlen(text->valuestring),
		    cJSON_GetObjectItemCaseSensitive(record, "facets"));
	else
		body = bskyparse_embed_text(record);
	if (body == NULL || body[0] == '\0')
		goto out;
	p.m.text = body;
	langs = cJSON_GetObjectItemCaseSensitive(record, "langs");
	if (cJSON_IsArray(langs) && cJSON_IsString(cJSON_GetArrayItem(langs, 0)))
		p.m.lang = langtag_primary(cJSON_GetArrayItem(langs,
		    0)->valuestring, langbuf);
	p.m.published = created > 0 ? created / 1000000 : 0;
	p.m.replies = jsonget_count(post, "replyCount");
	p.m.reposts = jsonget_count(post, "repostCount");
	p.m.score = jsonget_count(post, "likeCount");
	rc = fn(&p, arg) == -1 ? 2 : 1;
out:
	free(body);
	return rc;
}

/* A usable copy of cursor S (printable ASCII, bounded), or NULL. */
static char *
bskyparse_cursor(const char *s)
{
	size_t n;

	if (s == NULL)
		return NULL;
	for (n = 0; s[n] != '\0'; n++)
		if (n >= BSKYPARSE_CURSOR_MAX || (unsigned char)s[n] <= ' ' ||
		    (unsigned char)s[n] >= 0x7f)
			return NULL;
	return strndup(s, n);
}

int
bskyparse_page(const char *body, size_t len, bskyparse_fn fn, void *arg,
    struct bskyparse_page *page, char **cause)
{
	const char *err;
	const cJSON *posts, *post;
	cJSON *root;
	int n = 0, rc;

	if (page != NULL)
		memset(page, 0, sizeof *page);
	if ((rc = jsonget_parse(body, len, "{", "a searchPosts response",
	    &root, cause)) != 0)
		return rc == 1 ? 0 : -1;
	posts = cJSON_GetObjectItemCaseSensitive(root, "posts");
	if (!cJSON_IsArray(posts)) {
		err = jsonget_nonempty(root, "error");
		if (asprintf(cause, "not a searchPosts response: %s%s%s",
		    err != NULL ? err : "no posts",
		    jsonget_nonempty(root, "message") != NULL ? ": " : "",
		    jsonget_nonempty(root, "message") != NULL ?
		    jsonget_nonempty(root, "message") : "") == -1)
			*cause = NULL;
		cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(post, posts) {
		if (page != NULL)
			page->count++;
		rc = bskyparse_post(post, fn, arg, page);
		n += rc != 0;
		if (rc == 2)
			break;
	}
	if (page != NULL)
		page->cursor = bskyparse_cursor(jsonget_nonempty(root, "cursor"));
	cJSON_Delete(root);
	return n;
}

void
bskyparse_page_clear(struct bskyparse_page *page)
{
	free(page->cursor);
	page->cursor = NULL;
}
