/*
 * mastoparse.c - Mastodon statuses to mentions (see mastoparse.h).
 *
 * A status is the REST API's Status entity. The mention's id is the status's
 * ActivityPub uri (else its url): it is the same on every instance, so a post
 * seen through two instances is one post. A boost (reblog not null) stands
 * for the boosted status, which is what is emitted. The text is the content
 * (HTML, which the host reduces), after the content warning (spoiler_text,
 * plain text, escaped here) when there is one; a status with neither, only
 * media, has the media descriptions as its text. An account's acct is
 * "user" for the instance's own users: the host of the account's url is
 * added, so that one author has one handle whatever instance reports it.
 */
/* asprintf(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "mastoparse.h"
#include "jsonget.h"
#include "langtag.h"
#include "ptime.h"
#include "strbuf.h"

#define MASTOPARSE_HANDLE_MAX	512	/* user@host, longer ones are cut */

/* Append plain text S to B as HTML: &, < and > escaped. */
static void
mastoparse_put_escaped(struct strbuf *b, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		if (*s != '&' && *s != '<' && *s != '>')
			continue;
		strbuf_put(b, run, s - run);
		strbuf_put(b, *s == '&' ? "&amp;" : *s == '<' ? "&lt;" :
		    "&gt;", *s == '&' ? 5 : 4);
		run = s + 1;
	}
	strbuf_put(b, run, s - run);
}

/* The id of OBJ, a string of letters, digits, '-' and '_' (or a whole
 * number) shorter than MASTOPARSE_ID_MAX, into BUF; or NULL. */
static const char *
mastoparse_id(const cJSON *obj, char *buf)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "id");
	const char *s;
	size_t n;

	if (cJSON_IsNumber(v)) {
		if (!(v->valuedouble >= 0 && v->valuedouble < 1e18) ||
		    v->valuedouble != floor(v->valuedouble))
			return NULL;
		snprintf(buf, MASTOPARSE_ID_MAX, "%.0f", v->valuedouble);
		return buf;
	}
	if ((s = jsonget_nonempty(obj, "id")) == NULL)
		return NULL;
	for (n = 0; s[n] != '\0'; n++) {
		if (n + 1 >= MASTOPARSE_ID_MAX || !(isalnum((unsigned char)s[n]) ||
		    s[n] == '-' || s[n] == '_'))
			return NULL;
	}
	memcpy(buf, s, n + 1);
	return buf;
}

int
mastoparse_idcmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	/* Snowflake numbers and flake strings both sort by length first. */
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

/* The unix time of an RFC 3339 timestamp (no zone: UTC), or -1. */
int64_t
mastoparse_date(const char *s)
{
	int64_t t;

	return ptime_seconds(s, PTIME_UTC, &t) == 0 ? t : -1;
}

/* ACCT of the account whose profile is URL, as user@host, into BUF. */
static const char *
mastoparse_handle(const char *acct, const char *url, char *buf, size_t size)
{
	const char *host, *end;

	if (acct == NULL || strchr(acct, '@') != NULL || url == NULL ||
	    (host = strstr(url, "://")) == NULL)
		return acct;
	host += 3;
	end = host + strcspn(host, "/?#");
	if (end == host)
		return acct;
	snprintf(buf, size, "%s@%.*s", acct, (int)(end - host), host);
	return buf;
}

/* The text of status S into B: content warning, content, or media
 * descriptions. */
static void
mastoparse_text(const cJSON *s, struct strbuf *b)
{
	const char *spoiler = jsonget_nonempty(s, "spoiler_text");
	const char *content = jsonget_nonempty(s, "content"), *desc;
	const cJSON *media, *one;

	if (spoiler != NULL) {
		strbuf_put(b, "<p>", 3);
		mastoparse_put_escaped(b, spoiler);
		strbuf_put(b, "</p>", 4);
	}
	if (content != NULL) {
		strbuf_put(b, content, strlen(content));
		return;
	}
	if (spoiler != NULL)
		return;
	media = cJSON_GetObjectItemCaseSensitive(s, "media_attachments");
	cJSON_ArrayForEach(one, media) {
		if (!cJSON_IsObject(one) ||
		    (desc = jsonget_nonempty(one, "description")) == NULL)
			continue;
		strbuf_put(b, "<p>", 3);
		mastoparse_put_escaped(b, desc);
		strbuf_put(b, "</p>", 4);
	}
}

/* Note entry ID (created at CREATED) in PAGE. */
static void
mastoparse_note(struct mastoparse_page *page, const char *id, int64_t created)
{
	if (page == NULL)
		return;
	if (id != NULL) {
		if (page->newest[0] == '\0' ||
		    mastoparse_idcmp(id, page->newest) > 0)
			snprintf(page->newest, sizeof page->newest, "%s", id);
		if (page->oldest[0] == '\0' ||
		    mastoparse_idcmp(id, page->oldest) < 0)
			snprintf(page->oldest, sizeof page->oldest, "%s", id);
	}
	if (created > 0 && (page->oldest_created == 0 ||
	    created < page->oldest_created))
		page->oldest_created = created;
}

/* Hand timeline ENTRY to FN as a mention. Returns 1 when it made one, 0
 * when not, 2 when it made one and FN asked to stop. */
static int
mastoparse_entry(const cJSON *entry, mastoparse_fn fn, void *arg,
    struct mastoparse_page *page)
{
	struct mastoparse_status st = { .m = MD_MENTION_INIT };
	struct strbuf text = { NULL, 0, 0, 0 };
	char idbuf[MASTOPARSE_ID_MAX], langbuf[4];
	char handle[MASTOPARSE_HANDLE_MAX];
	const cJSON *s = entry, *boost, *account;
	int64_t t;
	int rc = 0;

	if (!cJSON_IsObject(entry))
		return 0;
	st.timeline_id = mastoparse_id(entry, idbuf);
	t = mastoparse_date(jsonget_nonempty(entry, "created_at"));
	st.created = t > 0 ? t : 0;
	mastoparse_note(page, st.timeline_id, st.created);

	boost = cJSON_GetObjectItemCaseSensitive(entry, "reblog");
	if (cJSON_IsObject(boost))
		s = boost;
	if ((st.m.id = jsonget_nonempty(s, "uri")) == NULL &&
	    (st.m.id = jsonget_nonempty(s, "url")) == NULL)
		return 0;
	if ((st.m.url = jsonget_nonempty(s, "url")) == NULL)
		st.m.url = st.m.id;
	account = cJSON_GetObjectItemCaseSensitive(s, "account");
	if (cJSON_IsObject(account)) {
		st.m.author_handle = mastoparse_handle(jsonget_nonempty(account,
		    "acct"), jsonget_nonempty(account, "url"), handle,
		    sizeof handle);
		st.m.author_name = jsonget_nonempty(account, "display_name");
		st.m.author_followers = jsonget_count(account,
		    "followers_count");
	}
	mastoparse_text(s, &text);
	if (text.failed || text.len == 0)
		goto out;
	st.m.text = text.p;
	st.m.lang = langtag_primary(jsonget_nonempty(s, "language"), langbuf);
	t = mastoparse_date(jsonget_nonempty(s, "created_at"));
	st.m.published = t > 0 ? t : 0;
	st.m.replies = jsonget_count(s, "replies_count");
	st.m.reposts = jsonget_count(s, "reblogs_count");
	st.m.score = jsonget_count(s, "favourites_count");
	rc = fn(&st, arg) == -1 ? 2 : 1;
out:
	free(text.p);
	return rc;
}

int
mastoparse_page(const char *body, size_t len, mastoparse_fn fn, void *arg,
    struct mastoparse_page *page, char **cause)
{
	const cJSON *entry;
	cJSON *root;
	int n = 0, rc;

	if (page != NULL)
		memset(page, 0, sizeof *page);
	if ((rc = jsonget_parse(body, len, "[{", "a status or an array of "
	    "statuses", &root, cause)) != 0)
		return rc == 1 ? 0 : -1;
	if (cJSON_IsArray(root)) {
		cJSON_ArrayForEach(entry, root) {
			if (page != NULL)
				page->count++;
			rc = mastoparse_entry(entry, fn, arg, page);
			n += rc != 0;
			if (rc == 2)
				break;
		}
	} else if (cJSON_IsObject(root) &&
	    cJSON_GetObjectItemCaseSensitive(root, "id") != NULL &&
	    cJSON_GetObjectItemCaseSensitive(root, "account") != NULL) {
		if (page != NULL)
			page->count = 1;
		n = mastoparse_entry(root, fn, arg, page) != 0;
	} else {
		if (asprintf(cause, "not a status: %s",
		    jsonget_nonempty(root, "error") != NULL ?
		    jsonget_nonempty(root, "error") : "no id and account") == -1)
			*cause = NULL;
		n = -1;
	}
	cJSON_Delete(root);
	return n;
}
