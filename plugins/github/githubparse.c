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
#include "ptime.h"

#define GITHUB_MAX_NUMBER	9e15	/* beyond it a count is not believed */

/* The string member KEY of OBJ, or NULL. */
static const char *
github_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The string member KEY of OBJ when not empty, or NULL. */
static const char *
github_nonempty(const cJSON *obj, const char *key)
{
	const char *s = github_str(obj, key);

	return s != NULL && *s != '\0' ? s : NULL;
}

/* The number member KEY of OBJ as an integer, or -1 when unknown. */
static long long
github_num(const cJSON *obj, const char *key, int negative_ok)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!(d >= -GITHUB_MAX_NUMBER && d <= GITHUB_MAX_NUMBER))
		return -1;
	if (d < 0 && !negative_ok)
		return -1;
	return (long long)d;
}

/* Read an RFC 3339 time into unix seconds (no zone: UTC). */
int
github_time(const char *s, int64_t *out)
{
	return ptime_seconds(s, PTIME_UTC, out);
}

/* A positive integer member KEY of OBJ, or 0. */
static int64_t
github_id(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 &&
	    v->valuedouble <= GITHUB_MAX_NUMBER))
		return 0;
	return (int64_t)v->valuedouble;
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
	if ((it.num = github_id(item, "id")) == 0 ||
	    (it.url = github_nonempty(item, "html_url")) == NULL ||
	    github_time(github_str(item, "created_at"), &it.published) != 0)
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
	it.title = github_nonempty(item, "title");
	if ((it.text = github_str(item, "body")) == NULL)
		it.text = "";
	if (*it.text == '\0' && it.title == NULL)
		return 0;
	user = cJSON_GetObjectItemCaseSensitive(item, "user");
	it.author_handle = github_nonempty(user, "login");
	reactions = cJSON_GetObjectItemCaseSensitive(item, "reactions");
	it.score = github_num(reactions, "total_count", 0);
	it.replies = github_num(item, "comments", 0);
	return fn(&it, arg) == 0 ? 1 : -1;
}

/* Copy an error's message, and its first error's, into BUF. */
static void
github_message(const cJSON *root, char *buf, size_t size)
{
	const char *msg = github_str(root, "message"), *first = NULL;
	const cJSON *errors, *e;

	errors = cJSON_GetObjectItemCaseSensitive(root, "errors");
	if (cJSON_IsArray(errors) && (e = cJSON_GetArrayItem(errors, 0)) !=
	    NULL)
		first = cJSON_IsString(e) ? e->valuestring :
		    github_str(e, "message");
	snprintf(buf, size, "%s%s%s", msg != NULL ? msg : "(no message)",
	    first != NULL ? ": " : "", first != NULL ? first : "");
}

/* Parse a search, comments or error body: each item to FN. */
int
github_parse(const char *body, size_t len, github_item_fn fn, void *arg,
    struct github_info *info, char **cause)
{
	struct github_info in;
	const char *end = NULL;
	const cJSON *list, *item;
	cJSON *root;
	size_t off, total = len;
	int n = 0, rc;

	*cause = NULL;
	memset(&in, 0, sizeof in);
	in.total_count = -1;
	in.body = GITHUB_ERROR;
	if (info != NULL)
		*info = in;
	root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (root == NULL) {
		off = end != NULL && end >= body ? (size_t)(end - body) : 0;
		while (len > 0 && (*body == ' ' || *body == '\n' ||
		    *body == '\r' || *body == '\t')) {
			body++;
			len--;
		}
		if (len == 0 || (*body != '{' && *body != '[')) {
			*cause = strdup("not JSON");
			return -1;
		}
		if (asprintf(cause, "broken JSON at byte %zu of %zu", off,
		    total) == -1)
			*cause = NULL;
		return 0;
	}
	if (cJSON_IsArray(root)) {
		in.body = GITHUB_LIST;
		list = root;
	} else if (cJSON_IsArray(list = cJSON_GetObjectItemCaseSensitive(root,
	    "items"))) {
		in.body = GITHUB_SEARCH;
		in.total_count = github_num(root, "total_count", 0);
		in.incomplete = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		    root, "incomplete_results"));
	} else if (github_str(root, "message") != NULL) {
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
