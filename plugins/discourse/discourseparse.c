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
#include "htmlref.h"
#include "jsonget.h"
#include "ptime.h"
#include "urlenc.h"

#define DISCOURSE_REGULAR	1	/* post_type of a post someone wrote */
#define DISCOURSE_LIKE		2	/* the post action type of a like */

/* Read an RFC 3339 time into unix seconds (no zone: UTC). */
int
discourse_time(const char *s, int64_t *out)
{
	return ptime_seconds(s, PTIME_UTC, out);
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
		if (jsonget_id(a, "id") == DISCOURSE_LIKE)
			return jsonget_num(a, "count", 0);
	}
	return 0;
}

/* Hand the item of POST to FN. Returns 1 when handed over, 0 when skipped,
 * -1 when FN said stop. */
static int
discourse_post(const cJSON *post, const char *forum, discourse_item_fn fn,
    void *arg)
{
	struct discourse_item it;
	const char *text, *title, *slug_in;
	char *id = NULL, *url = NULL, *slug = NULL, *t = NULL;
	int64_t topic, number, type;
	int rc = 0;

	memset(&it, 0, sizeof it);
	if ((it.post_id = jsonget_id(post, "id")) == 0 ||
	    (topic = jsonget_id(post, "topic_id")) == 0 ||
	    (number = jsonget_id(post, "post_number")) == 0 ||
	    discourse_time(jsonget_str(post, "created_at"),
	    &it.published) != 0)
		return 0;
	type = jsonget_id(post, "post_type");
	/* Moderator actions, small actions ("closed the topic") and staff
	 * whispers are not what people said in public. */
	if ((type != 0 && type != DISCOURSE_REGULAR) ||
	    jsonget_true(post, "hidden") ||
	    jsonget_true(post, "user_deleted") ||
	    jsonget_nonempty(post, "deleted_at") != NULL)
		return 0;
	if ((text = jsonget_nonempty(post, "cooked")) == NULL &&
	    (text = jsonget_nonempty(post, "raw")) == NULL)
		return 0;
	/* The slug made safe for a path; "topic" when there is none
	 * (Discourse routes by the id). */
	if ((slug_in = jsonget_nonempty(post, "topic_slug")) == NULL)
		slug_in = "topic";
	slug = urlenc_component(slug_in);
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
		/* A topic title may come escaped ("Tom &amp; Jerry"), as
		 * fancy_title is, and the host takes a title as it is. */
		if ((title = jsonget_nonempty(post, "topic_title")) != NULL)
			it.title = t = htmlref_decode(title);
		it.author_handle = jsonget_nonempty(post, "username");
		it.author_name = jsonget_nonempty(post, "name");
		it.score = discourse_likes(post);
		it.replies = jsonget_num(post, "reply_count", 0);
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
	const cJSON *list, *post;
	cJSON *root;
		int64_t id;
	int n = 0, rc;

	*cause = NULL;
	if (page != NULL)
		*page = pg;
	if ((rc = jsonget_parse(body, len, "{", NULL, &root,
	    cause)) != 0)
		return rc == 1 ? 0 : -1;
	list = cJSON_GetObjectItemCaseSensitive(root, "latest_posts");
	if (!cJSON_IsArray(list)) {
		cJSON_Delete(root);
		*cause = strdup("no latest_posts array: not a Discourse "
		    "posts.json body");
		return -1;
	}
	cJSON_ArrayForEach(post, list) {
		pg.nraw++;
		if ((id = jsonget_id(post, "id")) != 0) {
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
