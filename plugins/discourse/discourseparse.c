/*
 * discourseparse.c - the Discourse connector's parser (see
 * discourseparse.h). GET /posts.json answers {"latest_posts": [post...]},
 * newest first, each post {id, name, username, created_at, cooked, raw
 * (not always), post_number, post_type, topic_id, topic_slug, topic_title,
 * reply_count, hidden, user_deleted, deleted_at, actions_summary: [{id: 2,
 * count: likes}]}. Anything may be missing or of the wrong type: such a
 * field is unknown, and a post without what its link needs is skipped.
 */
/* asprintf(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "discourseparse.h"
#include "ptime.h"

#define DISCOURSE_MAX_NUMBER	9e15	/* beyond it a count is not believed */
#define DISCOURSE_REGULAR	1	/* post_type of a post someone wrote */
#define DISCOURSE_LIKE		2	/* the post action type of a like */

/* The string member KEY of OBJ, or NULL. */
static const char *
discourse_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The string member KEY of OBJ when not empty, or NULL. */
static const char *
discourse_nonempty(const cJSON *obj, const char *key)
{
	const char *s = discourse_str(obj, key);

	return s != NULL && *s != '\0' ? s : NULL;
}

/* The number member KEY of OBJ as an integer, or -1 when unknown. */
static long long
discourse_num(const cJSON *obj, const char *key, int negative_ok)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!(d >= -DISCOURSE_MAX_NUMBER && d <= DISCOURSE_MAX_NUMBER))
		return -1;
	if (d < 0 && !negative_ok)
		return -1;
	return (long long)d;
}

/* Is member KEY of OBJ true? */
static int
discourse_true(const cJSON *obj, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* Append code point C to P as UTF-8; returns the new end. */
static char *
discourse_utf8(char *p, unsigned long c)
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
discourse_numeric(const char *s, unsigned long *c)
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
 * S with its character references decoded (malloc'd): a topic title may
 * come escaped ("Tom &amp; Jerry", as fancy_title is), and the host takes
 * a title as it is. The five XML names, &nbsp; and numeric references;
 * anything else stays as written. No reference is longer than what it
 * stands for, so the result fits in strlen(S) + 1 bytes.
 */
static char *
discourse_unescape(const char *s)
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
			if ((end = discourse_numeric(s + 2, &c)) != NULL) {
				p = discourse_utf8(p, c);
				s = end;
				continue;
			}
		} else {
			for (k = 0; k < sizeof names / sizeof names[0]; k++)
				if (strncmp(s + 1, names[k].name,
				    names[k].len) == 0)
					break;
			if (k < sizeof names / sizeof names[0]) {
				p = discourse_utf8(p, names[k].c);
				s += 1 + names[k].len;
				continue;
			}
		}
		*p++ = *s++;
	}
	*p = '\0';
	return out;
}

/* Read an RFC 3339 time into unix seconds (no zone: UTC). */
int
discourse_time(const char *s, int64_t *out)
{
	return ptime_seconds(s, PTIME_UTC, out);
}

/* A positive integer member KEY of OBJ, or 0. */
static int64_t
discourse_id(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 &&
	    v->valuedouble <= DISCOURSE_MAX_NUMBER))
		return 0;
	return (int64_t)v->valuedouble;
}

/* The likes of a post: the count of its actions_summary entry 2, or -1. */
static long long
discourse_likes(const cJSON *post)
{
	const cJSON *list, *a;

	list = cJSON_GetObjectItemCaseSensitive(post, "actions_summary");
	if (!cJSON_IsArray(list))
		return -1;
	cJSON_ArrayForEach(a, list) {
		if (discourse_id(a, "id") == DISCOURSE_LIKE)
			return discourse_num(a, "count", 0);
	}
	return 0;
}

/* SLUG made safe for a path (malloc'd): unreserved bytes kept, others
 * percent-encoded; "topic" when empty (Discourse routes by the id). */
static char *
discourse_slug(const char *slug)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char *out, *p;

	if (slug == NULL || *slug == '\0')
		slug = "topic";
	if ((out = malloc(strlen(slug) * 3 + 1)) == NULL)
		return NULL;
	for (p = out; *slug != '\0'; slug++) {
		c = (unsigned char)*slug;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			*p++ = (char)c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

/* Hand the item of POST to FN. Returns 1 when handed over, 0 when skipped,
 * -1 when FN said stop. */
static int
discourse_post(const cJSON *post, const char *forum, discourse_item_fn fn,
    void *arg)
{
	struct discourse_item it;
	const char *text, *title;
	char *id = NULL, *url = NULL, *slug = NULL, *t = NULL;
	int64_t topic, number, type;
	int rc = 0;

	memset(&it, 0, sizeof it);
	if ((it.post_id = discourse_id(post, "id")) == 0 ||
	    (topic = discourse_id(post, "topic_id")) == 0 ||
	    (number = discourse_id(post, "post_number")) == 0 ||
	    discourse_time(discourse_str(post, "created_at"),
	    &it.published) != 0)
		return 0;
	type = discourse_id(post, "post_type");
	/* Moderator actions, small actions ("closed the topic") and staff
	 * whispers are not what people said in public. */
	if ((type != 0 && type != DISCOURSE_REGULAR) ||
	    discourse_true(post, "hidden") ||
	    discourse_true(post, "user_deleted") ||
	    discourse_nonempty(post, "deleted_at") != NULL)
		return 0;
	if ((text = discourse_nonempty(post, "cooked")) == NULL &&
	    (text = discourse_nonempty(post, "raw")) == NULL)
		return 0;
	slug = discourse_slug(discourse_str(post, "topic_slug"));
	if (slug == NULL ||
	    asprintf(&id, "%s/p/%lld", forum, (long long)it.post_id) == -1)
		id = NULL;
	if (id == NULL || asprintf(&url, "%s/t/%s/%lld/%lld", forum, slug,
	    (long long)topic, (long long)number) == -1)
		url = NULL;
	if (url != NULL) {
		it.id = id;
		it.url = url;
		it.text = text;
		if ((title = discourse_nonempty(post, "topic_title")) != NULL)
			it.title = t = discourse_unescape(title);
		it.author_handle = discourse_nonempty(post, "username");
		it.author_name = discourse_nonempty(post, "name");
		it.score = discourse_likes(post);
		it.replies = discourse_num(post, "reply_count", 0);
		rc = fn(&it, arg) == 0 ? 1 : -1;
	}
	free(t);
	free(slug);
	free(id);
	free(url);
	return rc;
}

/* Parse a posts.json body: each regular, live post to FN. */
int
discourse_parse(const char *body, size_t len, const char *forum,
    discourse_item_fn fn, void *arg, struct discourse_page *page,
    char **cause)
{
	struct discourse_page pg = { 0, 0, 0 };
	const char *end = NULL;
	const cJSON *list, *post;
	cJSON *root;
	size_t off, total = len;
	int64_t id;
	int n = 0, rc;

	*cause = NULL;
	if (page != NULL)
		*page = pg;
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
	list = cJSON_GetObjectItemCaseSensitive(root, "latest_posts");
	if (!cJSON_IsArray(list)) {
		cJSON_Delete(root);
		*cause = strdup("no latest_posts array: not a Discourse "
		    "posts.json body");
		return -1;
	}
	cJSON_ArrayForEach(post, list) {
		pg.nraw++;
		if ((id = discourse_id(post, "id")) != 0) {
			if (pg.min_id == 0 || id < pg.min_id)
				pg.min_id = id;
			if (id > pg.max_id)
				pg.max_id = id;
		}
		if ((rc = discourse_post(post, forum, fn, arg)) == -1)
			break;
		n += rc;
	}
	cJSON_Delete(root);
	if (page != NULL)
		*page = pg;
	return n;
}

/* Point the mention M into item IT. */
void
discourse_mention(const struct discourse_item *it, struct md_mention *m)
{
	m->id = it->id;
	m->url = it->url;
	m->author_handle = it->author_handle;
	m->author_name = it->author_name;
	m->title = it->title;
	m->text = it->text;
	m->published = it->published;
	m->score = it->score;
	m->replies = it->replies;
}
