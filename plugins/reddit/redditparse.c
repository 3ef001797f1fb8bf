/*
 * redditparse.c - the reddit connector's parser (see redditparse.h): a
 * Listing ({"kind": "Listing", "data": {"children": [...]}}) into mentions.
 *
 * Posts (t3) and comments (t1) are read; "more" stubs and other kinds are
 * passed over. Reddit's JSON escapes &, < and > in every string as HTML
 * entities (unless raw_json=1, which the connector does not send): the text
 * goes to the host as it is, since the host reduces HTML to text and decodes
 * entities, but titles are decoded here. A removed or deleted comment has
 * nothing to say and gives no mention, yet it is handed over (without one)
 * so that the cursor moves past it. JSON that does not parse gives no thing
 * at all: cJSON reads a document whole or not at all.
 */
/* asprintf(3) and strdup(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "redditparse.h"
#include "jsonget.h"

#define REDDITPARSE_SITE	"https://www.reddit.com"

/* The number member NAME of OBJ as an integer, or DEF. */
static long long
redditparse_number(const cJSON *obj, const char *name, long long def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	double d;

	if (!cJSON_IsNumber(v))
		return def;
	d = v->valuedouble;
	if (!isfinite(d))
		return def;
	if (d >= 9.2e18)
		return INT64_MAX;
	if (d <= -9.2e18)
		return INT64_MIN;
	return (long long)d;
}

/* A copy of S with the entities reddit writes (&amp; &lt; &gt; &quot;
 * &#39; &#x27;) decoded in one pass; NULL when S is NULL. */
static char *
redditparse_unescape(const char *s)
{
	static const struct {
		const char	*ent;
		char		 c;
	} ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&#39;", '\'' }, { "&#x27;", '\'' },
	};
	char *out, *w;
	size_t i, n;

	if (s == NULL || (out = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	for (w = out; *s != '\0';) {
		if (*s == '&') {
			for (i = 0; i < sizeof ents / sizeof ents[0]; i++) {
				n = strlen(ents[i].ent);
				if (strncmp(s, ents[i].ent, n) == 0)
					break;
			}
			if (i < sizeof ents / sizeof ents[0]) {
				*w++ = ents[i].c;
				s += n;
				continue;
			}
		}
		*w++ = *s++;
	}
	*w = '\0';
	return out;
}

/* Is S the text reddit leaves in place of removed or deleted content? */
static int
redditparse_gone(const char *s)
{
	return s != NULL && (strcmp(s, "[removed]") == 0 ||
	    strcmp(s, "[deleted]") == 0);
}

/* Does S start with http:// or https://? */
static int
redditparse_is_http(const char *s)
{
	return s != NULL && (strncasecmp(s, "http://", 7) == 0 ||
	    strncasecmp(s, "https://", 8) == 0);
}

/* The fullname of a thing of KIND ("t1", "t3") into BUF: its name, else
 * KIND_id; 0, or -1 when it has none that looks like one. */
static int
redditparse_fullname(const cJSON *data, const char *kind, char *buf,
    size_t size)
{
	const char *name = jsonget_str(data, "name"), *id, *p;

	if (name != NULL) {
		if (strlen(name) >= size)
			return -1;
		strcpy(buf, name);
	} else if ((id = jsonget_str(data, "id")) != NULL) {
		if ((size_t)snprintf(buf, size, "%s_%s", kind, id) >= size)
			return -1;
	} else
		return -1;
	if (strncmp(buf, kind, 2) != 0 || buf[2] != '_' || buf[3] == '\0')
		return -1;
	for (p = buf + 3; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')))
			return -1;
	return 0;
}

/* Read one child of a listing and hand it to FN. Returns 0, or -1 when FN
 * asked to stop; *N counts the things with a mention. */
static int
redditparse_thing(const cJSON *child, struct redditparse_page *pg,
    redditparse_fn fn, void *arg, int *n)
{
	struct md_mention m = MD_MENTION_INIT;
	struct redditparse_item it;
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(child, "data");
	const char *kind = jsonget_str(child, "kind"), *permalink;
	const char *body, *link;
	char fullname[REDDITPARSE_NAME_MAX], *title = NULL, *url = NULL;
	int post, rc;

	if (kind == NULL || !cJSON_IsObject(data))
		return 0;
	if (strcmp(kind, "t3") == 0)
		post = 1;
	else if (strcmp(kind, "t1") == 0)
		post = 0;
	else
		return 0;	/* "more", or a kind no listing here holds */
	if (redditparse_fullname(data, kind, fullname, sizeof fullname) == -1)
		return 0;

	it.fullname = fullname;
	it.created = redditparse_number(data, "created_utc", 0);
	if (it.created < 0)
		it.created = 0;
	it.mention = &m;
	if (pg->things++ == 0) {
		strcpy(pg->newest, fullname);
		pg->newest_created = it.created;
	}
	strcpy(pg->oldest, fullname);
	pg->oldest_created = it.created;

	m.id = fullname;
	permalink = jsonget_str(data, "permalink");
	if (permalink != NULL && permalink[0] == '/' && permalink[1] != '/') {
		if (asprintf(&url, "%s%s", REDDITPARSE_SITE, permalink) == -1)
			url = NULL;
	} else if (redditparse_is_http(permalink))
		url = strdup(permalink);
	else if (post && asprintf(&url, "%s/comments/%s/", REDDITPARSE_SITE,
	    fullname + 3) == -1)
		url = NULL;
	m.url = url;
	m.author_handle = jsonget_str(data, "author");
	if (m.author_handle != NULL && (m.author_handle[0] == '\0' ||
	    strcmp(m.author_handle, "[deleted]") == 0))
		m.author_handle = NULL;
	m.published = it.created;
	m.score = redditparse_number(data, "score", -1);
	if (post) {
		title = redditparse_unescape(jsonget_str(data, "title"));
		body = jsonget_str(data, "selftext");
		if (body == NULL || redditparse_gone(body))
			body = "";
		/* A link post says nothing but its title and its link. */
		link = jsonget_str(data, "url");
		if (body[0] == '\0' && redditparse_is_http(link) &&
		    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(data,
		    "is_self")))
			body = link;
		m.text = body;
		m.replies = redditparse_number(data, "num_comments", -1);
	} else {
		title = redditparse_unescape(jsonget_str(data,
		    "link_title"));
		body = jsonget_str(data, "body");
		m.text = body != NULL && !redditparse_gone(body) ? body : NULL;
	}
	m.title = title;
	if (m.text == NULL || (m.text[0] == '\0' &&
	    (m.title == NULL || m.title[0] == '\0')))
		it.mention = NULL;
	if (m.text == NULL)
		m.text = "";
	rc = fn(&it, arg);
	if (it.mention != NULL)
		(*n)++;
	free(title);
	free(url);
	return rc == -1 ? -1 : 0;
}

/* Read the Listing L. Returns 1 if it is one, 0 if not, -1 when FN asked
 * to stop. */
static int
redditparse_listing(const cJSON *l, struct redditparse_page *pg,
    redditparse_fn fn, void *arg, int *n)
{
	const cJSON *data, *children, *child;
	const char *kind = jsonget_str(l, "kind");

	if (kind == NULL || strcmp(kind, "Listing") != 0)
		return 0;
	data = cJSON_GetObjectItemCaseSensitive(l, "data");
	children = cJSON_GetObjectItemCaseSensitive(data, "children");
	if (!cJSON_IsArray(children))
		return 0;
	cJSON_ArrayForEach(child, children)
		if (redditparse_thing(child, pg, fn, arg, n) == -1)
			return -1;
	return 1;
}

/* Why DOC, an object, is no listing: reddit's error document, or not. */
static char *
redditparse_why(const cJSON *doc)
{
	const char *msg = jsonget_str(doc, "message");
	const char *reason = jsonget_str(doc, "reason");
	long long error = redditparse_number(doc, "error", -1);
	char *why;

	if (error != -1 || msg != NULL) {
		if (asprintf(&why, "not a listing: error %lld%s%.100s%s%.100s",
		    error, msg != NULL ? " " : "", msg != NULL ? msg : "",
		    reason != NULL ? ", " : "", reason != NULL ? reason : "") ==
		    -1)
			why = NULL;
		return why;
	}
	return strdup("not a listing: no kind Listing with data.children");
}

int
redditparse_parse(const char *body, size_t len, struct redditparse_page *page,
    redditparse_fn fn, void *arg, char **cause)
{
	struct redditparse_page pg;
	const cJSON *l;
	const char *err, *p = body, *end = body + len;
	cJSON *doc;
	int n = 0, rc = 0, any = 0;

	*cause = NULL;
	memset(&pg, 0, sizeof pg);
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' ||
	    *p == '\t'))
		p++;
	if (p == end || (*p != '{' && *p != '[')) {
		if (asprintf(cause, "not a listing: %s", p == end ?
		    "empty body" : "not JSON") == -1)
			*cause = NULL;
		n = -1;
		goto out;
	}
	if ((doc = cJSON_ParseWithLength(p, (size_t)(end - p))) == NULL) {
		err = cJSON_GetErrorPtr();
		if (asprintf(cause, "JSON broken at byte %zu of %zu",
		    err != NULL && err >= body && err <= end ?
		    (size_t)(err - body) : len, len) == -1)
			*cause = NULL;
		goto out;
	}
	if (cJSON_IsArray(doc)) {
		cJSON_ArrayForEach(l, doc) {
			if ((rc = redditparse_listing(l, &pg, fn, arg, &n)) ==
			    -1)
				break;
			any |= rc;
		}
	} else if ((rc = redditparse_listing(doc, &pg, fn, arg, &n)) != -1)
		any = rc;
	if (rc != -1 && !any) {
		*cause = redditparse_why(doc);
		n = -1;
	}
	cJSON_Delete(doc);
out:
	if (page != NULL)
		*page = pg;
	return n;
}
