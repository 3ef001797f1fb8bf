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

#define STACKEXCHANGE_MAX_NUMBER	9e15	/* beyond it, not believed */

/* The string member KEY of OBJ, or NULL. */
static const char *
stackexchange_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The string member KEY of OBJ when not empty, or NULL. */
static const char *
stackexchange_nonempty(const cJSON *obj, const char *key)
{
	const char *s = stackexchange_str(obj, key);

	return s != NULL && *s != '\0' ? s : NULL;
}

/* The number member KEY of OBJ as an integer, or -1 when unknown. */
static long long
stackexchange_num(const cJSON *obj, const char *key, int negative_ok)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!(d >= -STACKEXCHANGE_MAX_NUMBER && d <= STACKEXCHANGE_MAX_NUMBER))
		return -1;
	if (d < 0 && !negative_ok)
		return -1;
	return (long long)d;
}

/* Append code point C to P as UTF-8; returns the new end. */
static char *
stackexchange_utf8(char *p, unsigned long c)
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
stackexchange_numeric(const char *s, unsigned long *c)
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
 * S with its character references decoded (malloc'd): the API sends titles
 * and display names HTML-escaped ("Why does &quot;a&quot; &lt; b?",
 * "J&#246;rg"), and the host takes them as they are. The five XML names,
 * &nbsp; and numeric references; anything else stays as written. No
 * reference is longer than what it stands for, so the result fits in
 * strlen(S) + 1 bytes.
 */
static char *
stackexchange_unescape(const char *s)
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
			if ((end = stackexchange_numeric(s + 2, &c)) != NULL) {
				p = stackexchange_utf8(p, c);
				s = end;
				continue;
			}
		} else {
			for (k = 0; k < sizeof names / sizeof names[0]; k++)
				if (strncmp(s + 1, names[k].name,
				    names[k].len) == 0)
					break;
			if (k < sizeof names / sizeof names[0]) {
				p = stackexchange_utf8(p, names[k].c);
				s += 1 + names[k].len;
				continue;
			}
		}
		*p++ = *s++;
	}
	*p = '\0';
	return out;
}

/* A positive integer member KEY of OBJ, or 0. */
static long long
stackexchange_id(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 &&
	    v->valuedouble <= STACKEXCHANGE_MAX_NUMBER))
		return 0;
	return (long long)v->valuedouble;
}

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
	if ((it.num = stackexchange_id(item, "comment_id")) != 0)
		it.kind = STACKEXCHANGE_COMMENT;
	else if ((it.num = stackexchange_id(item, "answer_id")) != 0)
		it.kind = STACKEXCHANGE_ANSWER;
	else if ((it.num = stackexchange_id(item, "question_id")) != 0)
		it.kind = STACKEXCHANGE_QUESTION;
	else
		return 0;
	if ((when = stackexchange_id(item, "creation_date")) == 0)
		return 0;
	it.published = when;
	if ((it.text = stackexchange_str(item, "body")) == NULL)
		it.text = "";
	if (it.kind != STACKEXCHANGE_COMMENT &&
	    (s = stackexchange_nonempty(item, "title")) != NULL)
		it.title = title = stackexchange_unescape(s);
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
	    (it.url = stackexchange_nonempty(item, "link")) == NULL) {
		if (asprintf(&url, "https://%s/%s/%lld", domain,
		    path[it.kind], it.num) == -1) {
			url = NULL;
			goto out;
		}
		it.url = url;
	}
	owner = cJSON_GetObjectItemCaseSensitive(item, "owner");
	if ((s = stackexchange_nonempty(owner, "display_name")) != NULL)
		it.author_handle = handle = stackexchange_unescape(s);
	it.score = stackexchange_num(item, "score", 1);
	it.replies = it.kind == STACKEXCHANGE_QUESTION ?
	    stackexchange_num(item, "answer_count", 0) : -1;
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
	const char *s = stackexchange_str(obj, key);

	snprintf(buf, size, "%s", s != NULL ? s : "");
}

/* Parse an API body: the wrapper into INFO, each item to FN. */
int
stackexchange_parse(const char *body, size_t len, const char *domain,
    stackexchange_item_fn fn, void *arg, struct stackexchange_info *info,
    char **cause)
{
	struct stackexchange_info in;
	const char *end = NULL;
	const cJSON *list, *item;
	cJSON *root;
	size_t off, total = len;
	int n = 0, rc;

	*cause = NULL;
	memset(&in, 0, sizeof in);
	in.quota_max = in.quota_remaining = -1;
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
		if (len == 0 || *body != '{') {
			*cause = strdup("not JSON");
			return -1;
		}
		if (asprintf(cause, "broken JSON at byte %zu of %zu", off,
		    total) == -1)
			*cause = NULL;
		return 0;
	}
	in.has_more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root,
	    "has_more"));
	in.quota_max = stackexchange_num(root, "quota_max", 0);
	in.quota_remaining = stackexchange_num(root, "quota_remaining", 0);
	if ((in.backoff = stackexchange_num(root, "backoff", 0)) < 0)
		in.backoff = 0;
	if ((in.error_id = stackexchange_id(root, "error_id")) != 0) {
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
