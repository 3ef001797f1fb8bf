/*
 * mention.c - the mention the pipeline carries (see mention.h): an owned,
 * cleaned copy of what a plugin emitted, and its JSON payload.
 *
 * A plugin may be built against an older or newer struct md_mention: only the
 * fields that lie wholly within m->struct_size are read, the others stay
 * unknown. Every string is made valid UTF-8 on the way in, so the JSON that
 * goes out is always valid.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "mention.h"
#include "text.h"
#include "xmalloc.h"

/* Is FIELD of struct md_mention within the SIZE bytes the plugin knows? */
#define MENTION_HAS(size, field) \
	((size) >= offsetof(struct md_mention, field) + \
	    sizeof(((struct md_mention *)0)->field))

/* A valid UTF-8 copy of S, or NULL when S is NULL. */
static char *
mention_copy(const char *s)
{
	return s == NULL ? NULL : text_valid_utf8(s, strlen(s));
}

/* A valid UTF-8 copy of S, or NULL when S is NULL or empty. */
static char *
mention_copy_nonempty(const char *s)
{
	return s == NULL || *s == '\0' ? NULL : mention_copy(s);
}

/* Now, in unix milliseconds. */
static int64_t
mention_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct mention *
mention_from_plugin(const char *source, const char *plugin,
    const struct md_mention *pm, char **cause)
{
	struct md_mention in = MD_MENTION_INIT;
	struct mention *m;
	size_t size;

	/* Take what the plugin's struct holds; the rest stays unknown. */
	size = pm->struct_size;
	if (size > sizeof(in))
		size = sizeof(in);
#define MENTION_TAKE(field) \
	do { if (MENTION_HAS(size, field)) in.field = pm->field; } while (0)
	MENTION_TAKE(id);
	MENTION_TAKE(url);
	MENTION_TAKE(author_handle);
	MENTION_TAKE(author_name);
	MENTION_TAKE(author_followers);
	MENTION_TAKE(title);
	MENTION_TAKE(text);
	MENTION_TAKE(lang);
	MENTION_TAKE(published);
	MENTION_TAKE(score);
	MENTION_TAKE(replies);
	MENTION_TAKE(reposts);
#undef MENTION_TAKE

	if (in.id == NULL || *in.id == '\0') {
		*cause = xstrdup("mention without an id");
		return NULL;
	}
	if ((in.text == NULL || *in.text == '\0') &&
	    (in.title == NULL || *in.title == '\0')) {
		*cause = xasprintf("mention %.64s has no text and no title",
		    in.id);
		return NULL;
	}

	m = xcalloc(1, sizeof(*m));
	m->source = xstrdup(source);
	m->plugin = xstrdup(plugin);
	m->id = mention_copy(in.id);
	m->url = mention_copy_nonempty(in.url);
	m->author_handle = mention_copy_nonempty(in.author_handle);
	m->author_name = mention_copy_nonempty(in.author_name);
	m->author_followers = in.author_followers < 0 ? -1 :
	    in.author_followers;
	m->title = mention_copy_nonempty(in.title);
	m->text = text_from_html(in.text, in.text == NULL ? 0 : strlen(in.text));
	m->lang = mention_copy_nonempty(in.lang);
	m->published = in.published > 0 ? in.published : 0;
	m->seen_ms = mention_now_ms();
	m->score = in.score;
	m->replies = in.replies < 0 ? -1 : in.replies;
	m->reposts = in.reposts < 0 ? -1 : in.reposts;

	/* HTML that held nothing but markup leaves no text at all. */
	if (*m->text == '\0' && m->title == NULL) {
		*cause = xasprintf("mention %.64s has no text once HTML is "
		    "removed", m->id);
		mention_free(m);
		return NULL;
	}
	return m;
}

char *
mention_key(const struct mention *m)
{
	return xasprintf("%s:%s", m->source, m->id);
}

/* Append S to the NULL-less string array *V of *N items unless present. */
static void
mention_add_unique(char ***v, size_t *n, const char *s)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return;
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

void
mention_add_track(struct mention *m, const char *track)
{
	mention_add_unique(&m->tracks, &m->ntracks, track);
}

void
mention_add_term(struct mention *m, const char *term)
{
	mention_add_unique(&m->terms, &m->nterms, term);
}

/* Add NAME: S, or null when S is NULL. */
static void
mention_json_string(cJSON *o, const char *name, const char *s)
{
	if (s == NULL)
		cJSON_AddItemToObject(o, name, cJSON_CreateNull());
	else
		cJSON_AddItemToObject(o, name, cJSON_CreateString(s));
}

/* Add NAME: V, or null when V is negative (unknown). */
static void
mention_json_count(cJSON *o, const char *name, long long v)
{
	if (v < 0)
		cJSON_AddItemToObject(o, name, cJSON_CreateNull());
	else
		cJSON_AddItemToObject(o, name, cJSON_CreateNumber((double)v));
}

/* Add NAME: [V...]. */
static void
mention_json_array(cJSON *o, const char *name, char **v, size_t n)
{
	cJSON *a = cJSON_AddArrayToObject(o, name);
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
}

/* Format unix milliseconds MS as RFC 3339 UTC, with milliseconds when MILLI. */
static void
mention_time(char *buf, size_t size, int64_t ms, int milli)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char base[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, size, "1970-01-01T00:00:00Z");
		return;
	}
	if (milli)
		snprintf(buf, size, "%s.%03dZ", base, (int)(ms % 1000));
	else
		snprintf(buf, size, "%sZ", base);
}

char *
mention_to_json(const struct mention *m)
{
	cJSON *o, *author, *classes, *metrics;
	char *key, *json, when[48];

	o = cJSON_CreateObject();
	key = mention_key(m);
	cJSON_AddItemToObject(o, "id", cJSON_CreateString(key));
	free(key);
	mention_json_string(o, "source", m->source);
	mention_json_string(o, "plugin", m->plugin);
	mention_json_string(o, "source_id", m->id);
	mention_json_string(o, "url", m->url);

	author = cJSON_AddObjectToObject(o, "author");
	mention_json_string(author, "handle", m->author_handle);
	mention_json_string(author, "name", m->author_name);
	mention_json_count(author, "followers", m->author_followers);

	mention_json_string(o, "title", m->title);
	mention_json_string(o, "text", m->text);
	mention_json_string(o, "lang", m->lang);
	if (m->published > 0) {
		mention_time(when, sizeof(when), m->published * 1000, 0);
		cJSON_AddItemToObject(o, "published_at",
		    cJSON_CreateString(when));
	} else
		cJSON_AddItemToObject(o, "published_at", cJSON_CreateNull());
	mention_time(when, sizeof(when), m->seen_ms, 1);
	cJSON_AddItemToObject(o, "seen_at", cJSON_CreateString(when));

	mention_json_string(o, "track", m->ntracks > 0 ? m->tracks[0] : NULL);
	mention_json_array(o, "tracks", m->tracks, m->ntracks);
	mention_json_array(o, "terms", m->terms, m->nterms);
	classes = cJSON_AddArrayToObject(o, "classes");
	if (m->classes & MENTION_QUESTION)
		cJSON_AddItemToArray(classes, cJSON_CreateString("question"));
	if (m->classes & MENTION_NEGATIVE)
		cJSON_AddItemToArray(classes, cJSON_CreateString("negative"));
	if (m->classes & MENTION_POSITIVE)
		cJSON_AddItemToArray(classes, cJSON_CreateString("positive"));
	cJSON_AddItemToObject(o, "sentiment", cJSON_CreateNumber(m->sentiment));
	cJSON_AddItemToObject(o, "priority", cJSON_CreateNumber(m->priority));

	/* Only the metrics the source knows. */
	metrics = cJSON_AddObjectToObject(o, "metrics");
	if (m->score != -1)
		cJSON_AddItemToObject(metrics, "score",
		    cJSON_CreateNumber((double)m->score));
	if (m->replies >= 0)
		cJSON_AddItemToObject(metrics, "replies",
		    cJSON_CreateNumber((double)m->replies));
	if (m->reposts >= 0)
		cJSON_AddItemToObject(metrics, "reposts",
		    cJSON_CreateNumber((double)m->reposts));

	mention_json_string(o, "dup_of", m->dup_of);

	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (json == NULL) {
		/* cJSON only fails on out-of-memory. */
		fprintf(stderr, "mentiond: out of memory printing JSON\n");
		abort();
	}
	return json;
}

void
mention_free(struct mention *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->source);
	free(m->plugin);
	free(m->id);
	free(m->url);
	free(m->author_handle);
	free(m->author_name);
	free(m->title);
	free(m->text);
	free(m->lang);
	for (i = 0; i < m->ntracks; i++)
		free(m->tracks[i]);
	free(m->tracks);
	for (i = 0; i < m->nterms; i++)
		free(m->terms[i]);
	free(m->terms);
	free(m->dup_of);
	free(m);
}
