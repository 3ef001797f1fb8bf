/*
 * githubparse.c - the GitHub connector's parser (see githubparse.h). An
 * issue or pull request of the search is {id, number, html_url, title,
 * body, user: {login}, created_at, comments, reactions: {total_count}}; a
 * comment of a repository is {id, html_url, body, user, created_at,
 * updated_at, reactions}. Anything may be missing or of the wrong type
 * (a body is null when empty): such a field is unknown.
 */
/* asprintf(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "githubparse.h"
#include "jsonget.h"
#include "ptime.h"


/* Read an RFC 3339 time into unix seconds (no zone: UTC). */
int
github_time(const char *s, int64_t *out)
{
	return ptime_seconds(s, PTIME_UTC, out);
}

/* Hand the item ITEM to FN. Returns 1 when handed over, 0 when skipped,
 * -1 when FN said stop. */
static int
github_item(const cJSON *item, github_item_fn fn, void *arg)
{
	struct github_item it;
	const cJSON *user, *reactions;
	const char *p;

	memset(&it, 0, sizeof it);
	if ((it.num = jsonget_id(item, "id")) == 0 ||
	    (it.url = jsonget_nonempty(item, "html_url")) == NULL ||
	    github_time(jsonget_str(item, "created_at"), &it.published) != 0)
		return 0;
	/*
	 * A comment's html_url is its issue's plus a fragment
	 * (#issuecomment-N). The host reads an id that is a URL in its
	 * canonical form, which has no fragment: every comment of an issue
	 * would be one mention. Without its scheme the id is kept as it is.
	 */
	it.id = it.url;
	if (strchr(it.url, '#') != NULL && (p = strstr(it.url, "://")) != NULL)
		it.id = p + 3;
	it.title = jsonget_nonempty(item, "title");
	if ((it.text = jsonget_str(item, "body")) == NULL)
		it.text = "";
	if (*it.text == '\0' && it.title == NULL)
		return 0;
	user = cJSON_GetObjectItemCaseSensitive(item, "user");
	it.author_handle = jsonget_nonempty(user, "login");
	reactions = cJSON_GetObjectItemCaseSensitive(item, "reactions");
	it.score = jsonget_num(reactions, "total_count", 0);
	it.replies = jsonget_num(item, "comments", 0);
	return fn(&it, arg) == 0 ? 1 : -1;
}

/* Copy an error's message, and its first error's, into BUF. */
static void
github_message(const cJSON *root, char *buf, size_t size)
{
	const char *msg = jsonget_str(root, "message"), *first = NULL;
	const cJSON *errors, *e;

	errors = cJSON_GetObjectItemCaseSensitive(root, "errors");
	if (cJSON_IsArray(errors) && (e = cJSON_GetArrayItem(errors, 0)) !=
	    NULL)
		first = cJSON_IsString(e) ? e->valuestring :
		    jsonget_str(e, "message");
	snprintf(buf, size, "%s%s%s", msg != NULL ? msg : "(no message)",
	    first != NULL ? ": " : "", first != NULL ? first : "");
}

/* Parse a search, comments or error body: each item to FN. */
int
github_parse(const char *body, size_t len, github_item_fn fn, void *arg,
    struct github_info *info, char **cause)
{
	struct github_info in;
	const cJSON *list, *item;
	cJSON *root;
		int n = 0, rc;

	*cause = NULL;
	memset(&in, 0, sizeof in);
	in.total_count = -1;
	in.body = GITHUB_ERROR;
	if (info != NULL)
		*info = in;
	if ((rc = jsonget_parse(body, len, "{[", NULL, &root,
	    cause)) != 0)
		return rc == 1 ? 0 : -1;
	if (cJSON_IsArray(root)) {
		in.body = GITHUB_LIST;
		list = root;
	} else if (cJSON_IsArray(list = cJSON_GetObjectItemCaseSensitive(root,
	    "items"))) {
		in.body = GITHUB_SEARCH;
		in.total_count = jsonget_num(root, "total_count", 0);
		in.incomplete = jsonget_true(root,
		    "incomplete_results");
	} else if (jsonget_str(root, "message") != NULL) {
		github_message(root, in.message, sizeof in.message);
		cJSON_Delete(root);
		if (info != NULL)
			*info = in;
		return 0;
	} else {
		cJSON_Delete(root);
		*cause = strdup("no items, no array, no message: not a GitHub "
		    "API body");
		return -1;
	}
	cJSON_ArrayForEach(item, list) {
		in.nraw++;
		if ((rc = github_item(item, fn, arg)) == -1)
			break;
		n += rc;
	}
	cJSON_Delete(root);
	if (info != NULL)
		*info = in;
	return n;
}

/* Point the mention M into item IT. */
void
github_mention(const struct github_item *it, struct md_mention *m)
{
	m->id = it->id;
	m->url = it->url;
	m->author_handle = it->author_handle;
	m->title = it->title;
	m->text = it->text;
	m->published = it->published;
	m->score = it->score;
	m->replies = it->replies;
}
