/*
 * stackexchangeparse.c - the Stack Exchange connector's parser (see
 * stackexchangeparse.h). Every answer of the API is the wrapper object;
 * its items are questions {question_id, title, body, link, owner:
 * {display_name}, creation_date, score, answer_count}, answers {answer_id,
 * ...} or comments {comment_id, post_id, body, ...}, told apart by their
 * id field (a comment also has a post_id, an answer a question_id). With
 * the filter "withbody" every item has its body. Anything may be missing
 * or of the wrong type: such a field is unknown.
 */
/* asprintf(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "stackexchangeparse.h"
#include "htmlref.h"
#include "jsonget.h"


/* The host of a site, from the API's site parameter. */
void
stackexchange_domain(const char *site, char *buf, size_t size)
{
	static const char *const dotcom[] = { "stackoverflow", "superuser",
	    "serverfault", "askubuntu", "stackapps" };
	size_t k, n = strlen(site);

	if (strchr(site, '.') != NULL) {
		/* "meta.stackoverflow" is meta.stackoverflow.com. */
		if ((n > 4 && (strcmp(site + n - 4, ".com") == 0 ||
		    strcmp(site + n - 4, ".net") == 0)))
			snprintf(buf, size, "%s", site);
		else
			snprintf(buf, size, "%s.com", site);
		return;
	}
	for (k = 0; k < sizeof dotcom / sizeof dotcom[0]; k++) {
		if (strcmp(site, dotcom[k]) == 0) {
			snprintf(buf, size, "%s.com", site);
			return;
		}
	}
	if (strcmp(site, "mathoverflow") == 0)
		snprintf(buf, size, "mathoverflow.net");
	else
		snprintf(buf, size, "%s.stackexchange.com", site);
}

/* Hand the item ITEM to FN. Returns 1 when handed over, 0 when skipped,
 * -1 when FN said stop. */
static int
stackexchange_item(const cJSON *item, const char *domain,
    stackexchange_item_fn fn, void *arg)
{
	static const char prefix[] = { 'q', 'a', 'c' };
	static const char *const path[] = { "q", "a", "posts/comments" };
	struct stackexchange_item it;
	const cJSON *owner;
	const char *s;
	char *id = NULL, *url = NULL, *title = NULL, *handle = NULL;
	long long when;
	int rc = 0;

	memset(&it, 0, sizeof it);
	if ((it.num = jsonget_id(item, "comment_id")) != 0)
		it.kind = STACKEXCHANGE_COMMENT;
	else if ((it.num = jsonget_id(item, "answer_id")) != 0)
		it.kind = STACKEXCHANGE_ANSWER;
	else if ((it.num = jsonget_id(item, "question_id")) != 0)
		it.kind = STACKEXCHANGE_QUESTION;
	else
		return 0;
	if ((when = jsonget_id(item, "creation_date")) == 0)
		return 0;
	it.published = when;
	if ((it.text = jsonget_str(item, "body")) == NULL)
		it.text = "";
	/* The API sends titles and display names HTML-escaped ("Why does
	 * &quot;a&quot; &lt; b?", "J&#246;rg"); the host takes them as they
	 * are. */
	if (it.kind != STACKEXCHANGE_COMMENT &&
	    (s = jsonget_nonempty(item, "title")) != NULL)
		it.title = title = htmlref_decode(s);
	if (*it.text == '\0' && it.title == NULL)
		goto out;
	if (asprintf(&id, "%c%lld", prefix[it.kind], it.num) == -1) {
		id = NULL;
		goto out;
	}
	it.id = id;
	/* A comment's link is its question's plus a fragment, which the
	 * host's dedup drops: the short link tells comments apart. */
	if (it.kind == STACKEXCHANGE_COMMENT ||
	    (it.url = jsonget_nonempty(item, "link")) == NULL) {
		if (asprintf(&url, "https://%s/%s/%lld", domain,
		    path[it.kind], it.num) == -1) {
			url = NULL;
			goto out;
		}
		it.url = url;
	}
	owner = cJSON_GetObjectItemCaseSensitive(item, "owner");
	if ((s = jsonget_nonempty(owner, "display_name")) != NULL)
		it.author_handle = handle = htmlref_decode(s);
	it.score = jsonget_num(item, "score", 1);
	it.replies = it.kind == STACKEXCHANGE_QUESTION ?
	    jsonget_num(item, "answer_count", 0) : -1;
	rc = fn(&it, arg) == 0 ? 1 : -1;
out:
	free(id);
	free(url);
	free(title);
	free(handle);
	return rc;
}

/* Copy the string member KEY of OBJ into BUF (empty when absent). */
static void
stackexchange_copy(const cJSON *obj, const char *key, char *buf,
    size_t size)
{
	const char *s = jsonget_str(obj, key);

	snprintf(buf, size, "%s", s != NULL ? s : "");
}

/* Parse an API body: the wrapper into INFO, each item to FN. */
int
stackexchange_parse(const char *body, size_t len, const char *domain,
    stackexchange_item_fn fn, void *arg, struct stackexchange_info *info,
    char **cause)
{
	struct stackexchange_info in;
	const cJSON *list, *item;
	cJSON *root;
		int n = 0, rc;

	*cause = NULL;
	memset(&in, 0, sizeof in);
	in.quota_max = in.quota_remaining = -1;
	if (info != NULL)
		*info = in;
	if ((rc = jsonget_parse(body, len, "{", NULL, &root,
	    cause)) != 0)
		return rc == 1 ? 0 : -1;
	in.has_more = jsonget_true(root, "has_more");
	in.quota_max = jsonget_num(root, "quota_max", 0);
	in.quota_remaining = jsonget_num(root, "quota_remaining", 0);
	if ((in.backoff = jsonget_num(root, "backoff", 0)) < 0)
		in.backoff = 0;
	if ((in.error_id = jsonget_id(root, "error_id")) != 0) {
		stackexchange_copy(root, "error_name", in.error_name,
		    sizeof in.error_name);
		stackexchange_copy(root, "error_message", in.error_message,
		    sizeof in.error_message);
	}
	list = cJSON_GetObjectItemCaseSensitive(root, "items");
	if (!cJSON_IsArray(list)) {
		cJSON_Delete(root);
		if (info != NULL)
			*info = in;
		if (in.error_id != 0)
			return 0;
		*cause = strdup("no items array and no error_id: not a "
		    "Stack Exchange API body");
		return -1;
	}
	cJSON_ArrayForEach(item, list) {
		in.nraw++;
		if ((rc = stackexchange_item(item, domain, fn, arg)) == -1)
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
stackexchange_mention(const struct stackexchange_item *it,
    struct md_mention *m)
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
