/*
 * hnparse.c - the hackernews connector's parser (see hnparse.h): one Algolia
 * HN Search response into mentions.
 *
 * A search response is mostly what the connector does not read: every hit
 * carries its text a second time in _highlightResult, with tags, ids and
 * match levels around it. Building a cJSON tree of all that costs more than
 * everything else a hit goes through, so this file reads the JSON itself, in
 * one pass over a private copy of the body: the members used are decoded in
 * place (an escape never decodes to more bytes than it was written with) and
 * everything else is skipped by finding the ends of strings with memchr(3).
 * The grammar is still checked everywhere, nesting is bounded (no deep
 * recursion on hostile input), and the copy is the only allocation.
 *
 * A body that breaks off or goes wrong part way gives the hits read before
 * the break and a cause naming what was wrong and at which byte.
 */
/* asprintf(3) and strdup(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hnparse.h"
#include "ptime.h"

#define HNPARSE_DEPTH		64	/* nesting skipped; the API uses 4 */
#define HNPARSE_ITEM_URL	"https://news.ycombinator.com/item?id="
#define HNPARSE_ID_DIGITS	20	/* an item id longer than this is no id */

/* The reader: a position in the copy of the body. */
struct hnparse {
	char		*p;		/* next byte */
	char		*end;		/* one past the last byte */
	char		*buf;		/* the copy, for byte positions */
	const char	*err;		/* the first thing that went wrong */
	size_t		 errpos;
	char		*message;	/* an error response's "message" */
};

/* The members of one hit that make its mention. */
struct hnparse_hit {
	char		*id;
	char		 idbuf[24];	/* a numeric objectID as text */
	char		*title;
	char		*url;
	char		*author;
	char		*story_title;
	char		*comment_text;
	char		*story_text;
	char		*created_at;
	long long	 created;
	long long	 points;
	long long	 comments;
	int		 tag_comment;	/* _tags holds "comment" */
	int		 tag_story;	/* _tags holds "story" (or poll, job) */
};

/* Note the first error, WHAT, at the current byte; returns -1. */
static int
hnparse_fail(struct hnparse *ps, const char *what)
{
	if (ps->err == NULL) {
		ps->err = what;
		ps->errpos = (size_t)(ps->p - ps->buf);
	}
	return -1;
}

/* The next byte that is not white space (left unread), or -1 at the end. */
static int
hnparse_peek(struct hnparse *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' ||
	    *ps->p == '\r' || *ps->p == '\t'))
		ps->p++;
	return ps->p < ps->end ? (unsigned char)*ps->p : -1;
}

/* After a member or an element: 1 past a ',', 0 past CLOSE, or -1 (the
 * parse fails) on anything else. */
static int
hnparse_after(struct hnparse *ps, int close)
{
	int c = hnparse_peek(ps);

	if (c == ',' || c == close) {
		ps->p++;
		return c == ',';
	}
	return hnparse_fail(ps, c == -1 ? "truncated" : close == '}' ?
	    "expected ',' or '}'" : "expected ',' or ']'");
}

/* The closing quote of the string whose opening quote is at ps->p, or NULL
 * when the body ends first. A quote closes the string unless an odd run of
 * backslashes stands before it. */
static char *
hnparse_string_end(struct hnparse *ps)
{
	char *start = ps->p + 1, *s = start, *q;
	size_t n;

	for (;;) {
		q = memchr(s, '"', (size_t)(ps->end - s));
		if (q == NULL)
			return NULL;
		for (n = 0; q - n > start && q[-1 - (ptrdiff_t)n] == '\\'; n++)
			;
		if ((n & 1) == 0)
			return q;
		s = q + 1;
	}
}

/* The value of the four hex digits at S, or -1. */
static long
hnparse_hex4(const char *s)
{
	long v = 0;
	int i, c;

	for (i = 0; i < 4; i++) {
		c = (unsigned char)s[i];
		if (c >= '0' && c <= '9')
			v = v * 16 + c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v = v * 16 + (c | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return v;
}

/* Write code point C as UTF-8 at W; returns the byte after it. */
static char *
hnparse_utf8(char *w, unsigned long c)
{
	if (c < 0x80)
		*w++ = (char)c;
	else if (c < 0x800) {
		*w++ = (char)(0xc0 | (c >> 6));
		*w++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*w++ = (char)(0xe0 | (c >> 12));
		*w++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*w++ = (char)(0x80 | (c & 0x3f));
	} else {
		*w++ = (char)(0xf0 | (c >> 18));
		*w++ = (char)(0x80 | ((c >> 12) & 0x3f));
		*w++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*w++ = (char)(0x80 | (c & 0x3f));
	}
	return w;
}

/* Decode the escapes of the string S..Q (Q its closing quote) in place and
 * end it with a NUL. A lone surrogate and \u0000 become U+FFFD; an unknown
 * escape stands for its letter. */
static void
hnparse_unescape(char *s, char *q)
{
	char *r = s, *w = s;
	long c, lo;

	while (r < q) {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		r++;	/* an escape is never the string's last byte */
		switch (*r) {
		case 'b':
			*w++ = '\b';
			break;
		case 'f':
			*w++ = '\f';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'u':
			if (q - r < 5 || (c = hnparse_hex4(r + 1)) == -1) {
				*w++ = 'u';
				break;
			}
			r += 4;
			if (c >= 0xd800 && c <= 0xdbff && q - r >= 7 &&
			    r[1] == '\\' && r[2] == 'u' &&
			    (lo = hnparse_hex4(r + 3)) >= 0xdc00 &&
			    lo <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (lo - 0xdc00);
				r += 6;
			} else if ((c >= 0xd800 && c <= 0xdfff) || c == 0)
				c = 0xfffd;
			w = hnparse_utf8(w, (unsigned long)c);
			break;
		default:	/* ", \, / and anything else */
			*w++ = *r;
			break;
		}
		r++;
	}
	*w = '\0';
}

/* Read the string at ps->p into *OUT, decoded in place, NUL-terminated. */
static int
hnparse_string(struct hnparse *ps, char **out)
{
	char *q, *s = ps->p + 1;

	if ((q = hnparse_string_end(ps)) == NULL)
		return hnparse_fail(ps, "unterminated string");
	if (memchr(s, '\\', (size_t)(q - s)) == NULL)
		*q = '\0';
	else
		hnparse_unescape(s, q);
	*out = s;
	ps->p = q + 1;
	return 0;
}

/* Skip the literal WORD (true, false, null) at ps->p. */
static int
hnparse_literal(struct hnparse *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n)
		return hnparse_fail(ps, "truncated");
	if (memcmp(ps->p, word, n) != 0)
		return hnparse_fail(ps, "unexpected character");
	ps->p += n;
	return 0;
}

/* Read the number at ps->p into *V, truncated to an integer and saturated. */
static int
hnparse_number(struct hnparse *ps, long long *v)
{
	char *start = ps->p;
	unsigned long long u = 0, lim;
	int neg = 0, digits = 0, exp = 0;
	double d;

	if (ps->p < ps->end && *ps->p == '-') {
		neg = 1;
		ps->p++;
	}
	lim = neg ? (unsigned long long)INT64_MAX + 1 : INT64_MAX;
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
		if (u <= (lim - (unsigned)(*ps->p - '0')) / 10)
			u = u * 10 + (unsigned)(*ps->p - '0');
		else
			u = lim;
		ps->p++;
		digits++;
	}
	if (digits == 0)
		return hnparse_fail(ps, "bad number");
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		exp = 1;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
	}
	if (ps->p == ps->end)
		return hnparse_fail(ps, "truncated");
	if (exp) {
		/* Rare enough for strtod; the copy ends with a NUL. */
		d = strtod(start, NULL);
		if (!(d == d))
			d = 0;
		if (d >= 9.2e18)
			*v = INT64_MAX;
		else if (d <= -9.2e18)
			*v = INT64_MIN;
		else
			*v = (long long)d;
		return 0;
	}
	if (neg)
		*v = u > (unsigned long long)INT64_MAX ? INT64_MIN :
		    -(long long)u;
	else
		*v = (long long)u;
	return 0;
}

/* Skip the value at ps->p, checking its grammar, DEPTH levels deep. */
static int
hnparse_skip(struct hnparse *ps, int depth)
{
	long long dummy;
	char *q;
	int c, close;

	c = hnparse_peek(ps);
	switch (c) {
	case '"':
		if ((q = hnparse_string_end(ps)) == NULL)
			return hnparse_fail(ps, "unterminated string");
		ps->p = q + 1;
		return 0;
	case '{':
	case '[':
		if (depth >= HNPARSE_DEPTH)
			return hnparse_fail(ps, "nested too deep");
		close = c == '{' ? '}' : ']';
		ps->p++;
		if (hnparse_peek(ps) == close) {
			ps->p++;
			return 0;
		}
		for (;;) {
			if (close == '}') {
				if (hnparse_peek(ps) != '"')
					return hnparse_fail(ps, ps->p ==
					    ps->end ? "truncated" :
					    "expected a member name");
				if (hnparse_skip(ps, depth + 1) == -1)
					return -1;
				if (hnparse_peek(ps) != ':')
					return hnparse_fail(ps, ps->p ==
					    ps->end ? "truncated" :
					    "expected ':'");
				ps->p++;
			}
			if (hnparse_skip(ps, depth + 1) == -1)
				return -1;
			if ((c = hnparse_after(ps, close)) != 1)
				return c;
		}
	case 't':
		return hnparse_literal(ps, "true");
	case 'f':
		return hnparse_literal(ps, "false");
	case 'n':
		return hnparse_literal(ps, "null");
	case -1:
		return hnparse_fail(ps, "truncated");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return hnparse_number(ps, &dummy);
		return hnparse_fail(ps, "unexpected character");
	}
}

/* Read a string member's value into *OUT: NULL for null or another type. */
static int
hnparse_text(struct hnparse *ps, char **out)
{
	*out = NULL;
	if (hnparse_peek(ps) == '"')
		return hnparse_string(ps, out);
	return hnparse_skip(ps, 2);
}

/* Read a number member's value into *OUT: -1 for null or another type. */
static int
hnparse_int(struct hnparse *ps, long long *out)
{
	int c = hnparse_peek(ps);

	*out = -1;
	if (c == '-' || (c >= '0' && c <= '9'))
		return hnparse_number(ps, out);
	return hnparse_skip(ps, 2);
}

/* Read the objectID of H: a string, or a number written out. */
static int
hnparse_id(struct hnparse *ps, struct hnparse_hit *h)
{
	long long v;
	int c = hnparse_peek(ps);

	h->id = NULL;
	if (c == '"')
		return hnparse_string(ps, &h->id);
	if (c == '-' || (c >= '0' && c <= '9')) {
		if (hnparse_number(ps, &v) == -1)
			return -1;
		snprintf(h->idbuf, sizeof h->idbuf, "%lld", v);
		h->id = h->idbuf;
		return 0;
	}
	return hnparse_skip(ps, 2);
}

/* Read the _tags array of H, noting whether it is a comment or a story. */
static int
hnparse_tags(struct hnparse *ps, struct hnparse_hit *h)
{
	char *tag;
	int c;

	if (hnparse_peek(ps) != '[')
		return hnparse_skip(ps, 2);
	ps->p++;
	if (hnparse_peek(ps) == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		if (hnparse_peek(ps) == '"') {
			if (hnparse_string(ps, &tag) == -1)
				return -1;
			if (strcmp(tag, "comment") == 0)
				h->tag_comment = 1;
			else if (strcmp(tag, "story") == 0 ||
			    strcmp(tag, "poll") == 0 || strcmp(tag, "job") == 0)
				h->tag_story = 1;
		} else if (hnparse_skip(ps, 3) == -1)
			return -1;
		if ((c = hnparse_after(ps, ']')) != 1)
			return c;
	}
}

/* Is KEY (LEN bytes, not NUL-terminated) the member name NAME? */
#define HNPARSE_KEY(key, len, name) \
	((len) == sizeof(name) - 1 && memcmp((key), (name), (len)) == 0)

/* Read the value of member KEY (LEN bytes) of a hit into H. */
static int
hnparse_member(struct hnparse *ps, const char *key, size_t len,
    struct hnparse_hit *h)
{
	switch (len) {
	case 3:
		if (HNPARSE_KEY(key, len, "url"))
			return hnparse_text(ps, &h->url);
		break;
	case 5:
		if (HNPARSE_KEY(key, len, "title"))
			return hnparse_text(ps, &h->title);
		if (HNPARSE_KEY(key, len, "_tags"))
			return hnparse_tags(ps, h);
		break;
	case 6:
		if (HNPARSE_KEY(key, len, "author"))
			return hnparse_text(ps, &h->author);
		if (HNPARSE_KEY(key, len, "points"))
			return hnparse_int(ps, &h->points);
		break;
	case 8:
		if (HNPARSE_KEY(key, len, "objectID"))
			return hnparse_id(ps, h);
		break;
	case 10:
		if (HNPARSE_KEY(key, len, "created_at"))
			return hnparse_text(ps, &h->created_at);
		if (HNPARSE_KEY(key, len, "story_text"))
			return hnparse_text(ps, &h->story_text);
		break;
	case 11:
		if (HNPARSE_KEY(key, len, "story_title"))
			return hnparse_text(ps, &h->story_title);
		break;
	case 12:
		if (HNPARSE_KEY(key, len, "created_at_i"))
			return hnparse_int(ps, &h->created);
		if (HNPARSE_KEY(key, len, "comment_text"))
			return hnparse_text(ps, &h->comment_text);
		if (HNPARSE_KEY(key, len, "num_comments"))
			return hnparse_int(ps, &h->comments);
		break;
	}
	return hnparse_skip(ps, 2);
}

/* Unix seconds of an ISO 8601 time "YYYY-MM-DDTHH:MM:SS..." (no zone:
 * UTC), or 0. */
static int64_t
hnparse_iso(const char *s)
{
	int64_t t;

	return ptime_seconds(s, PTIME_UTC, &t) == 0 ? t : 0;
}

/* Does S start with http:// or https://? */
static int
hnparse_is_http(const char *s)
{
	return s != NULL && (strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0);
}

/* Is S an item id: digits only, not too many? */
static int
hnparse_is_item(const char *s)
{
	size_t n;

	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++)
		;
	return n > 0 && n <= HNPARSE_ID_DIGITS && s[n] == '\0';
}

/* Turn hit H into a mention and hand it to FN; 1 if it was handed over, 0
 * if it has nothing to say, -1 if FN asked to stop. */
static int
hnparse_emit(struct hnparse_hit *h, hnparse_fn fn, void *arg)
{
	struct md_mention m = MD_MENTION_INIT;
	char url[sizeof(HNPARSE_ITEM_URL) + HNPARSE_ID_DIGITS];
	int comment;

	if (h->id == NULL || h->id[0] == '\0')
		return 0;
	comment = h->tag_comment || (!h->tag_story && h->comment_text != NULL);
	m.id = h->id;
	m.title = h->title != NULL && h->title[0] != '\0' ? h->title :
	    h->story_title;
	m.text = h->comment_text != NULL ? h->comment_text :
	    h->story_text != NULL ? h->story_text : "";
	if (m.text[0] == '\0' && (m.title == NULL || m.title[0] == '\0'))
		return 0;
	if (!comment && hnparse_is_http(h->url))
		m.url = h->url;
	else if (hnparse_is_item(h->id)) {
		memcpy(url, HNPARSE_ITEM_URL, sizeof(HNPARSE_ITEM_URL) - 1);
		strcpy(url + sizeof(HNPARSE_ITEM_URL) - 1, h->id);
		m.url = url;
	}
	m.author_handle = h->author;
	m.published = h->created;
	m.score = h->points;
	m.replies = h->comments;
	return fn(&m, arg) == -1 ? -1 : 1;
}

/* Read the hit object at ps->p and emit it. Returns 0, 1 when FN asked to
 * stop, -1 on a syntax error; *N counts the mentions. */
static int
hnparse_hit(struct hnparse *ps, struct hnparse_page *pg, hnparse_fn fn,
    void *arg, int *n)
{
	struct hnparse_hit h;
	char *key, *q;
	int c, rc;

	if (hnparse_peek(ps) != '{') {
		pg->hits++;
		pg->skipped++;
		return hnparse_skip(ps, 2);
	}
	memset(&h, 0, sizeof h);
	h.created = h.points = h.comments = -1;
	ps->p++;
	if (hnparse_peek(ps) == '}')
		ps->p++;
	else {
		for (;;) {
			if ((c = hnparse_peek(ps)) != '"')
				return hnparse_fail(ps, c == -1 ? "truncated" :
				    "expected a member name");
			if ((q = hnparse_string_end(ps)) == NULL)
				return hnparse_fail(ps, "unterminated string");
			key = ps->p + 1;
			ps->p = q + 1;
			if ((c = hnparse_peek(ps)) != ':')
				return hnparse_fail(ps, c == -1 ? "truncated" :
				    "expected ':'");
			ps->p++;
			if (hnparse_member(ps, key, (size_t)(q - key), &h) == -1)
				return -1;
			if ((c = hnparse_after(ps, '}')) == -1)
				return -1;
			if (c == 1)
				continue;
			break;
		}
	}
	if (h.created <= 0)
		h.created = hnparse_iso(h.created_at);
	pg->hits++;
	if (h.created > 0) {
		if (pg->newest == 0 || h.created > pg->newest)
			pg->newest = h.created;
		if (pg->oldest == 0 || h.created < pg->oldest)
			pg->oldest = h.created;
	}
	if ((rc = hnparse_emit(&h, fn, arg)) != 0)
		(*n)++;
	else
		pg->skipped++;
	return rc == -1 ? 1 : 0;
}

/* Read the hits array at ps->p. Returns 0, 1 when FN asked to stop, -1. */
static int
hnparse_hits(struct hnparse *ps, struct hnparse_page *pg, hnparse_fn fn,
    void *arg, int *n)
{
	int c, rc;

	ps->p++;
	if (hnparse_peek(ps) == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		if ((rc = hnparse_hit(ps, pg, fn, arg, n)) != 0)
			return rc;
		if ((c = hnparse_after(ps, ']')) != 1)
			return c;
	}
}

/* Read the response object; *N counts mentions, *HAVE_HITS whether a hits
 * array was there. Returns 0, 1 when FN asked to stop, -1 on an error. */
static int
hnparse_response(struct hnparse *ps, struct hnparse_page *pg, hnparse_fn fn,
    void *arg, int *n, int *have_hits)
{
	char *key, *q;
	size_t len;
	int c, rc;

	ps->p++;
	if (hnparse_peek(ps) == '}') {
		ps->p++;
		return 0;
	}
	for (;;) {
		if ((c = hnparse_peek(ps)) != '"')
			return hnparse_fail(ps, c == -1 ? "truncated" :
			    "expected a member name");
		if ((q = hnparse_string_end(ps)) == NULL)
			return hnparse_fail(ps, "unterminated string");
		key = ps->p + 1;
		len = (size_t)(q - key);
		ps->p = q + 1;
		if ((c = hnparse_peek(ps)) != ':')
			return hnparse_fail(ps, c == -1 ? "truncated" :
			    "expected ':'");
		ps->p++;
		if (HNPARSE_KEY(key, len, "hits") && hnparse_peek(ps) == '[') {
			*have_hits = 1;
			if ((rc = hnparse_hits(ps, pg, fn, arg, n)) != 0)
				return rc;
		} else if (HNPARSE_KEY(key, len, "page"))
			rc = hnparse_int(ps, &pg->page);
		else if (HNPARSE_KEY(key, len, "nbPages"))
			rc = hnparse_int(ps, &pg->nbpages);
		else if (HNPARSE_KEY(key, len, "message"))
			rc = hnparse_text(ps, &ps->message);
		else
			rc = hnparse_skip(ps, 1);
		if (rc == -1)
			return -1;
		if ((c = hnparse_after(ps, '}')) != 1)
			return c;
	}
}

int
hnparse_parse(const char *body, size_t len, struct hnparse_page *page,
    hnparse_fn fn, void *arg, char **cause)
{
	struct hnparse ps;
	struct hnparse_page pg = { .page = -1, .nbpages = -1 };
	int n = 0, have_hits = 0, rc;

	*cause = NULL;
	if ((ps.buf = malloc(len + 1)) == NULL) {
		*cause = strdup("out of memory");
		return -1;
	}
	if (len > 0)
		memcpy(ps.buf, body, len);
	ps.buf[len] = '\0';
	ps.p = ps.buf;
	ps.end = ps.buf + len;
	ps.err = NULL;
	ps.errpos = 0;
	ps.message = NULL;
	/* A UTF-8 byte order mark is not JSON, but it is harmless. */
	if (len >= 3 && memcmp(ps.p, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3;

	if (hnparse_peek(&ps) != '{') {
		if (asprintf(cause, "not an Algolia search response: %s",
		    ps.p == ps.end ? "empty body" : "not a JSON object") == -1)
			*cause = NULL;
		n = -1;
		goto out;
	}
	rc = hnparse_response(&ps, &pg, fn, arg, &n, &have_hits);
	if (rc == 0 && hnparse_peek(&ps) != -1)
		hnparse_fail(&ps, "data after the response");
	if (!have_hits && ps.err == NULL) {
		if (asprintf(cause, "not an Algolia search response: no hits "
		    "array%s%.200s%s", ps.message != NULL ? " (\"" : "",
		    ps.message != NULL ? ps.message : "",
		    ps.message != NULL ? "\")" : "") == -1)
			*cause = NULL;
		n = -1;
		goto out;
	}
	if (rc != 1 && ps.err != NULL && asprintf(cause, "%s at byte %zu of "
	    "%zu", ps.err, ps.errpos, len) == -1)
		*cause = NULL;
out:
	if (page != NULL)
		*page = pg;
	free(ps.buf);
	return n;
}
