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
#include "htmlref.h"
#include "jsonget.h"
#include "ptime.h"


/* Read an RFC 3339 time, the zone optional (Lemmy before 0.19 meant UTC),
 * into microseconds. */
int
lemmy_time(const char *s, int64_t *us)
{
	return ptime_rfc3339(s, PTIME_UTC, us);
}

/* "name@host" of a creator whose actor_id is https://host/u/name, or the
 * bare name; malloc'd, or NULL when there is no name. */
static char *
lemmy_handle(const cJSON *creator)
{
	const char *name = jsonget_nonempty(creator, "name");
	const char *actor = jsonget_str(creator, "actor_id"), *host, *end;
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

/* TEXT (markdown, malloc'd, taken) with "<" and ">" as "&lt;" and "&gt;"
 * (malloc'd), or NULL. Lemmy renders markdown without HTML, so a "<" is
 * shown as it is; the host reads the text as HTML, which would take
 * "Vec<acme>" or "n<max ... >" for a tag and drop the words in it. "&" is
 * left alone: Lemmy 0.18 stored it as "&amp;", which the host decodes. */
static char *
lemmy_escape_angles(char *text)
{
	const char *p;
	char *out, *o;
	size_t n = 0;

	if (text == NULL || strpbrk(text, "<>") == NULL)
		return text;
	for (p = text; *p != '\0'; p++)
		n += *p == '<' || *p == '>' ? 4 : 1;
	if ((out = malloc(n + 1)) != NULL) {
		for (p = text, o = out; *p != '\0'; p++) {
			if (*p == '<' || *p == '>') {
				memcpy(o, *p == '<' ? "&lt;" : "&gt;", 4);
				o += 4;
			} else
				*o++ = *p;
		}
		*o = '\0';
	}
	free(text);
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
	if (!cJSON_IsObject(obj) || jsonget_true(obj, "deleted") ||
	    jsonget_true(obj, "removed"))
		return 0;
	if ((it.id = jsonget_nonempty(obj, "ap_id")) == NULL ||
	    lemmy_time(jsonget_str(obj, "published"), &it.published_us) != 0)
		return 0;
	it.url = it.id;
	creator = cJSON_GetObjectItemCaseSensitive(view, "creator");
	counts = cJSON_GetObjectItemCaseSensitive(view, "counts");
	handle = lemmy_handle(creator);
	it.author_handle = handle;
	it.author_name = jsonget_nonempty(creator, "display_name");
	it.score = jsonget_num(counts, "score", 1);
	if (kind == LEMMY_POST) {
		/* Lemmy 0.18 stored titles HTML-escaped ("Tom &amp; Jerry"),
		 * and the host takes a title as it is. */
		if ((name = jsonget_nonempty(obj, "name")) != NULL)
			it.title = title = htmlref_decode(name);
		text = lemmy_post_text(jsonget_str(obj, "body"),
		    jsonget_nonempty(obj, "url"));
		it.replies = jsonget_num(counts, "comments", 0);
	} else {
		text = strdup(jsonget_str(obj, "content") != NULL ?
		    jsonget_str(obj, "content") : "");
		it.replies = jsonget_num(counts, "child_count", 0);
	}
	it.text = text = lemmy_escape_angles(text);
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
	const cJSON *list, *view;
	cJSON *root;
	size_t k, raw = 0, known = 0;
	int n = 0, rc;

	*cause = NULL;
	if (nraw != NULL)
		*nraw = 0;
	if ((rc = jsonget_parse(body, len, "{", NULL, &root,
	    cause)) != 0)
		return rc == 1 ? 0 : -1;
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
