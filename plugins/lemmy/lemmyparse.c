/*
 * lemmyparse.c - the Lemmy connector's parser (see lemmyparse.h). A search
 * response is {"posts": [PostView...], "comments": [CommentView...]}; a
 * PostView is {post: {ap_id, name, body, url, published, deleted, removed},
 * creator: {name, display_name, actor_id}, counts: {score, comments},
 * community: {name}} and a CommentView {comment: {ap_id, content,
 * published, ...}, creator, post: {name}, counts: {score, child_count}}.
 * Anything may be missing or of the wrong type: such a field is unknown,
 * and an item without an ap_id or a published time is skipped.
 */
/* asprintf(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "lemmyparse.h"
#include "ptime.h"

#define LEMMY_MAX_NUMBER	9e15	/* beyond it a count is not believed */

/* The string member KEY of OBJ, or NULL. */
static const char *
lemmy_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The string member KEY of OBJ when not empty, or NULL. */
static const char *
lemmy_nonempty(const cJSON *obj, const char *key)
{
	const char *s = lemmy_str(obj, key);

	return s != NULL && *s != '\0' ? s : NULL;
}

/* The number member KEY of OBJ as an integer, or -1 when unknown. */
static long long
lemmy_num(const cJSON *obj, const char *key, int negative_ok)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!(d >= -LEMMY_MAX_NUMBER && d <= LEMMY_MAX_NUMBER))
		return -1;
	if (d < 0 && !negative_ok)
		return -1;
	return (long long)d;
}

/* Is member KEY of OBJ true? */
static int
lemmy_true(const cJSON *obj, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* Read an RFC 3339 time, the zone optional (Lemmy before 0.19 meant UTC),
 * into microseconds. */
int
lemmy_time(const char *s, int64_t *us)
{
	return ptime_rfc3339(s, PTIME_UTC, us);
}

/* Append code point C to P as UTF-8; returns the new end. */
static char *
lemmy_utf8(char *p, unsigned long c)
{
	if (c == 0 || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		c = 0xfffd;
	if (c < 0x80)
		*p++ = (char)c;
	else if (c < 0x800) {
		*p++ = (char)(0xc0 | (c >> 6));
		*p++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*p++ = (char)(0xe0 | (c >> 12));
		*p++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*p++ = (char)(0x80 | (c & 0x3f));
	} else {
		*p++ = (char)(0xf0 | (c >> 18));
		*p++ = (char)(0x80 | ((c >> 12) & 0x3f));
		*p++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*p++ = (char)(0x80 | (c & 0x3f));
	}
	return p;
}

/* The code point of a numeric reference's digits at S ("38;", "x26;"):
 * the byte after its ';', or NULL when S holds none. */
static const char *
lemmy_numeric(const char *s, unsigned long *c)
{
	unsigned long v = 0;
	int hex = *s == 'x' || *s == 'X', digits;

	if (hex)
		s++;
	for (digits = 0; digits < 8; digits++, s++) {
		if (*s >= '0' && *s <= '9')
			v = v * (hex ? 16 : 10) + (unsigned long)(*s - '0');
		else if (hex && ((*s >= 'a' && *s <= 'f') ||
		    (*s >= 'A' && *s <= 'F')))
			v = v * 16 + (unsigned long)((*s | 0x20) - 'a' + 10);
		else
			break;
	}
	if (digits == 0 || *s != ';')
		return NULL;
	*c = v;
	return s + 1;
}

/*
 * S with its character references decoded (malloc'd): Lemmy 0.18 stored
 * titles HTML-escaped ("Tom &amp; Jerry"), and the host takes a title as
 * it is. The five XML names, &nbsp; and numeric references; anything else
 * stays as written. No reference is longer than what it stands for, so
 * the result fits in strlen(S) + 1 bytes.
 */
static char *
lemmy_unescape(const char *s)
{
	static const struct {
		const char	*name;
		size_t		 len;
		unsigned long	 c;
	} names[] = {
		{ "amp;", 4, '&' }, { "lt;", 3, '<' }, { "gt;", 3, '>' },
		{ "quot;", 5, '"' }, { "apos;", 5, '\'' }, { "nbsp;", 5, 0xa0 },
	};
	unsigned long c;
	const char *end;
	char *out, *p;
	size_t k;

	if ((out = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	for (p = out; *s != '\0';) {
		if (*s != '&') {
			*p++ = *s++;
			continue;
		}
		if (s[1] == '#') {
			if ((end = lemmy_numeric(s + 2, &c)) != NULL) {
				p = lemmy_utf8(p, c);
				s = end;
				continue;
			}
		} else {
			for (k = 0; k < sizeof names / sizeof names[0]; k++)
				if (strncmp(s + 1, names[k].name,
				    names[k].len) == 0)
					break;
			if (k < sizeof names / sizeof names[0]) {
				p = lemmy_utf8(p, names[k].c);
				s += 1 + names[k].len;
				continue;
			}
		}
		*p++ = *s++;
	}
	*p = '\0';
	return out;
}

/* "name@host" of a creator whose actor_id is https://host/u/name, or the
 * bare name; malloc'd, or NULL when there is no name. */
static char *
lemmy_handle(const cJSON *creator)
{
	const char *name = lemmy_nonempty(creator, "name");
	const char *actor = lemmy_str(creator, "actor_id"), *host, *end;
	char *out;
	size_t n;

	if (name == NULL)
		return NULL;
	host = actor != NULL ? strstr(actor, "://") : NULL;
	if (host == NULL)
		return strdup(name);
	host += 3;
	end = host + strcspn(host, "/?#");
	if (end == host)
		return strdup(name);
	n = strlen(name) + 1 + (size_t)(end - host) + 1;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%s@%.*s", name, (int)(end - host), host);
	return out;
}

/* A post's text: its body, and its link when the body does not hold it;
 * malloc'd. */
static char *
lemmy_post_text(const char *body, const char *link)
{
	size_t n;
	char *out;

	if (body == NULL)
		body = "";
	if (link == NULL || strstr(body, link) != NULL)
		return strdup(body);
	n = strlen(body) + 2 + strlen(link) + 1;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%s%s%s", body, *body != '\0' ? "\n\n" : "",
		    link);
	return out;
}

/* Hand the item of VIEW (a PostView or CommentView) to FN. Returns 1 when
 * handed over, 0 when skipped, -1 when FN said stop. */
static int
lemmy_view(const cJSON *view, enum lemmy_kind kind, lemmy_item_fn fn,
    void *arg)
{
	const cJSON *obj, *creator, *counts;
	struct lemmy_item it;
	char *handle = NULL, *text = NULL, *title = NULL;
	const char *name;
	int rc = 0;

	memset(&it, 0, sizeof it);
	it.kind = kind;
	obj = cJSON_GetObjectItemCaseSensitive(view, kind == LEMMY_POST ?
	    "post" : "comment");
	if (!cJSON_IsObject(obj) || lemmy_true(obj, "deleted") ||
	    lemmy_true(obj, "removed"))
		return 0;
	if ((it.id = lemmy_nonempty(obj, "ap_id")) == NULL ||
	    lemmy_time(lemmy_str(obj, "published"), &it.published_us) != 0)
		return 0;
	it.url = it.id;
	creator = cJSON_GetObjectItemCaseSensitive(view, "creator");
	counts = cJSON_GetObjectItemCaseSensitive(view, "counts");
	handle = lemmy_handle(creator);
	it.author_handle = handle;
	it.author_name = lemmy_nonempty(creator, "display_name");
	it.score = lemmy_num(counts, "score", 1);
	if (kind == LEMMY_POST) {
		if ((name = lemmy_nonempty(obj, "name")) != NULL)
			it.title = title = lemmy_unescape(name);
		text = lemmy_post_text(lemmy_str(obj, "body"),
		    lemmy_nonempty(obj, "url"));
		it.replies = lemmy_num(counts, "comments", 0);
	} else {
		text = strdup(lemmy_str(obj, "content") != NULL ?
		    lemmy_str(obj, "content") : "");
		it.replies = lemmy_num(counts, "child_count", 0);
	}
	it.text = text;
	/* Nothing to say: the host would refuse it. */
	if (text != NULL && (*text != '\0' || it.title != NULL))
		rc = fn(&it, arg) == 0 ? 1 : -1;
	free(handle);
	free(text);
	free(title);
	return rc;
}

/* Parse a search response: each live post and comment to FN. */
int
lemmy_parse(const char *body, size_t len, lemmy_item_fn fn, void *arg,
    size_t *nraw, char **cause)
{
	static const char *const arrays[] = { "posts", "comments" };
	const char *end = NULL;
	const cJSON *list, *view;
	cJSON *root;
	size_t k, raw = 0, known = 0, off, total = len;
	int n = 0, rc;

	*cause = NULL;
	if (nraw != NULL)
		*nraw = 0;
	root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (root == NULL) {
		off = end != NULL && end >= body ? (size_t)(end - body) : 0;
		while (len > 0 && (*body == ' ' || *body == '\n' ||
		    *body == '\r' || *body == '\t')) {
			body++;
			len--;
		}
		if (len == 0 || *body != '{') {
			*cause = strdup("not JSON");
			return -1;
		}
		if (asprintf(cause, "broken JSON at byte %zu of %zu", off,
		    total) == -1)
			*cause = NULL;
		return 0;
	}
	for (k = 0; k < 2; k++) {
		list = cJSON_GetObjectItemCaseSensitive(root, arrays[k]);
		if (!cJSON_IsArray(list))
			continue;
		known++;
		cJSON_ArrayForEach(view, list) {
			raw++;
			rc = lemmy_view(view, k == 0 ? LEMMY_POST :
			    LEMMY_COMMENT, fn, arg);
			if (rc == -1)
				goto out;
			n += rc;
		}
	}
out:
	cJSON_Delete(root);
	if (known == 0) {
		*cause = strdup("no posts or comments array: not a Lemmy "
		    "search response");
		return -1;
	}
	if (nraw != NULL)
		*nraw = raw;
	return n;
}

/* Point the mention M into item IT. */
void
lemmy_mention(const struct lemmy_item *it, struct md_mention *m)
{
	m->id = it->id;
	m->url = it->url;
	m->author_handle = it->author_handle;
	m->author_name = it->author_name;
	m->title = it->title;
	m->text = it->text;
	m->published = it->published_us / 1000000;
	m->score = it->score;
	m->replies = it->replies;
}
