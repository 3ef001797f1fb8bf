/*
 * test_mention.c - the mention copied from a plugin and its JSON payload
 * (daemon/mention.c): struct_size honoured, required fields, null handling.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "mention.h"

/* A full mention as a current plugin emits it. */
static struct md_mention
full_mention(void)
{
	struct md_mention m = MD_MENTION_INIT;

	m.id = "42";
	m.url = "https://example.com/p/42";
	m.author_handle = "jdoe";
	m.author_name = "Jane Doe";
	m.author_followers = 1500;
	m.title = "A title";
	m.text = "<p>Hello <b>world</b> &amp; friends</p><p>Line two</p>";
	m.lang = "en";
	m.published = 1700000000;	/* 2023-11-14T22:13:20Z */
	m.score = 7;
	m.replies = 3;
	m.reposts = -1;
	return m;
}

/* mention_from_plugin that must succeed. */
static struct mention *
convert(const struct md_mention *pm)
{
	struct mention *m;
	char *cause = NULL;

	m = mention_from_plugin("feed", "jsonl", pm, &cause);
	assert_null(cause);
	assert_non_null(m);
	return m;
}

static void
test_copy(void **state)
{
	struct md_mention pm = full_mention();
	struct mention *m;
	char *key;
	struct timespec ts;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &ts);
	m = convert(&pm);
	assert_string_equal(m->source, "feed");
	assert_string_equal(m->plugin, "jsonl");
	assert_string_equal(m->id, "42");
	assert_ptr_not_equal(m->id, pm.id);
	assert_string_equal(m->text, "Hello world & friends\nLine two");
	assert_string_equal(m->title, "A title");
	assert_int_equal(m->author_followers, 1500);
	assert_int_equal(m->published, 1700000000);
	assert_int_equal(m->score, 7);
	assert_int_equal(m->replies, 3);
	assert_int_equal(m->reposts, -1);
	assert_true(m->seen_ms >= (int64_t)ts.tv_sec * 1000);
	assert_true(m->seen_ms < ((int64_t)ts.tv_sec + 5) * 1000);
	key = mention_key(m);
	assert_string_equal(key, "feed:42");
	free(key);
	mention_free(m);
}

static void
test_struct_size(void **state)
{
	struct md_mention pm = full_mention();
	struct mention *m;
	char *cause = NULL;

	(void)state;
	/* An older plugin whose struct ended after text. */
	pm.struct_size = offsetof(struct md_mention, text) + sizeof(pm.text);
	m = convert(&pm);
	assert_string_equal(m->text, "Hello world & friends\nLine two");
	assert_string_equal(m->author_handle, "jdoe");
	assert_null(m->lang);
	assert_int_equal(m->published, 0);
	assert_int_equal(m->score, -1);
	assert_int_equal(m->replies, -1);
	assert_int_equal(m->reposts, -1);
	mention_free(m);

	/* Ending before author_followers: it stays unknown. */
	pm.struct_size = offsetof(struct md_mention, author_followers);
	pm.title = "only the title counts";
	m = mention_from_plugin("feed", "jsonl", &pm, &cause);
	/* title and text lie beyond the size: nothing to say. */
	assert_null(m);
	assert_non_null(cause);
	free(cause);

	/* A newer plugin with a longer struct: our fields are read. */
	pm = full_mention();
	pm.struct_size = sizeof(pm) + 64;
	m = convert(&pm);
	assert_int_equal(m->reposts, -1);
	assert_int_equal(m->replies, 3);
	mention_free(m);
}

static void
test_required(void **state)
{
	struct md_mention pm = full_mention();
	struct mention *m;
	char *cause = NULL;

	(void)state;
	pm.id = NULL;
	assert_null(mention_from_plugin("feed", "jsonl", &pm, &cause));
	assert_non_null(strstr(cause, "id"));
	free(cause);

	pm = full_mention();
	pm.id = "";
	cause = NULL;
	assert_null(mention_from_plugin("feed", "jsonl", &pm, &cause));
	free(cause);

	pm = full_mention();
	pm.text = NULL;
	pm.title = NULL;
	cause = NULL;
	assert_null(mention_from_plugin("feed", "jsonl", &pm, &cause));
	assert_non_null(strstr(cause, "no text"));
	free(cause);

	/* Markup alone is no text. */
	pm.text = "<p><script>x()</script></p>";
	cause = NULL;
	assert_null(mention_from_plugin("feed", "jsonl", &pm, &cause));
	assert_non_null(cause);
	free(cause);

	/* A title alone will do; the text is then empty. */
	pm.text = NULL;
	pm.title = "Only a title";
	m = convert(&pm);
	assert_string_equal(m->text, "");
	mention_free(m);

	/* A plain title is kept as it is; an HTML one is reduced as the text
	 * is; a plain text keeps its "<" and "&". */
	pm.title = "Fix <script> & co";
	m = convert(&pm);
	assert_string_equal(m->title, "Fix <script> & co");
	mention_free(m);
	pm.title = "Acme &amp; <b>Co</b> &#233;t&eacute;";
	pm.flags = MD_MENTION_HTML_TITLE;
	m = convert(&pm);
	assert_string_equal(m->title, "Acme & Co été");
	mention_free(m);
	pm.text = "a <b> &amp; c";
	pm.flags = MD_MENTION_PLAIN_TEXT;
	m = convert(&pm);
	assert_string_equal(m->text, "a <b> &amp; c");
	mention_free(m);
	pm.text = NULL;
	pm.flags = 0;

	pm.struct_size = 0;
	cause = NULL;
	assert_null(mention_from_plugin("feed", "jsonl", &pm, &cause));
	free(cause);
}

static void
test_add_unique(void **state)
{
	struct md_mention pm = full_mention();
	struct mention *m;

	(void)state;
	m = convert(&pm);
	mention_add_track(m, "acme");
	mention_add_track(m, "rival");
	mention_add_track(m, "acme");
	mention_add_term(m, "Acme");
	mention_add_term(m, "Acme");
	assert_int_equal(m->ntracks, 2);
	assert_int_equal(m->nterms, 1);
	mention_free(m);
}

/* The string member NAME of O, which must be a string. */
static const char *
jstr(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	assert_non_null(v);
	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

/* Member NAME of O must exist and be null. */
static void
jnull(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	assert_non_null(v);
	assert_true(cJSON_IsNull(v));
}

/* The number member NAME of O. */
static double
jnum(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	assert_non_null(v);
	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static void
test_json_full(void **state)
{
	struct md_mention pm = full_mention();
	const cJSON *author, *metrics, *a;
	struct mention *m;
	cJSON *o;
	char *json;

	(void)state;
	m = convert(&pm);
	m->seen_ms = 1700000001234LL;
	mention_add_track(m, "acme");
	mention_add_track(m, "rival");
	mention_add_term(m, "world");
	m->classes = MENTION_QUESTION | MENTION_NEGATIVE;
	m->sentiment = -0.6;
	m->priority = 0.62;
	json = mention_to_json(m);
	assert_null(strchr(json, '\n'));	/* compact */
	o = cJSON_Parse(json);
	assert_non_null(o);

	assert_string_equal(jstr(o, "id"), "feed:42");
	assert_string_equal(jstr(o, "source"), "feed");
	assert_string_equal(jstr(o, "plugin"), "jsonl");
	assert_string_equal(jstr(o, "source_id"), "42");
	assert_string_equal(jstr(o, "url"), "https://example.com/p/42");
	author = cJSON_GetObjectItemCaseSensitive(o, "author");
	assert_string_equal(jstr(author, "handle"), "jdoe");
	assert_string_equal(jstr(author, "name"), "Jane Doe");
	assert_true(jnum(author, "followers") == 1500);
	assert_string_equal(jstr(o, "title"), "A title");
	assert_string_equal(jstr(o, "text"), "Hello world & friends\nLine two");
	assert_string_equal(jstr(o, "lang"), "en");
	assert_string_equal(jstr(o, "published_at"), "2023-11-14T22:13:20Z");
	assert_string_equal(jstr(o, "seen_at"), "2023-11-14T22:13:21.234Z");
	assert_string_equal(jstr(o, "track"), "acme");
	a = cJSON_GetObjectItemCaseSensitive(o, "tracks");
	assert_int_equal(cJSON_GetArraySize(a), 2);
	assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring, "rival");
	a = cJSON_GetObjectItemCaseSensitive(o, "terms");
	assert_int_equal(cJSON_GetArraySize(a), 1);
	assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, "world");
	a = cJSON_GetObjectItemCaseSensitive(o, "classes");
	assert_int_equal(cJSON_GetArraySize(a), 2);
	assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, "question");
	assert_string_equal(cJSON_GetArrayItem(a, 1)->valuestring, "negative");
	assert_true(jnum(o, "sentiment") == -0.6);
	assert_true(jnum(o, "priority") == 0.62);
	metrics = cJSON_GetObjectItemCaseSensitive(o, "metrics");
	assert_true(jnum(metrics, "score") == 7);
	assert_true(jnum(metrics, "replies") == 3);
	assert_null(cJSON_GetObjectItemCaseSensitive(metrics, "reposts"));
	jnull(o, "dup_of");

	cJSON_Delete(o);
	free(json);
	mention_free(m);
}

static void
test_json_unknowns(void **state)
{
	struct md_mention pm = MD_MENTION_INIT;
	const cJSON *author, *metrics;
	struct mention *m;
	cJSON *o;
	char *json;

	(void)state;
	pm.id = "x\"y";
	pm.text = "bad \xff byte and \"quotes\"";
	m = convert(&pm);
	m->dup_of = strdup("other:1");
	json = mention_to_json(m);
	o = cJSON_Parse(json);
	assert_non_null(o);
	assert_string_equal(jstr(o, "id"), "feed:x\"y");
	assert_string_equal(jstr(o, "text"),
	    "bad \xef\xbf\xbd byte and \"quotes\"");
	jnull(o, "url");
	jnull(o, "title");
	jnull(o, "lang");
	jnull(o, "published_at");
	jnull(o, "track");
	author = cJSON_GetObjectItemCaseSensitive(o, "author");
	jnull(author, "handle");
	jnull(author, "name");
	jnull(author, "followers");
	assert_int_equal(cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(o, "tracks")), 0);
	assert_int_equal(cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(o, "classes")), 0);
	metrics = cJSON_GetObjectItemCaseSensitive(o, "metrics");
	assert_true(cJSON_IsObject(metrics));
	assert_null(metrics->child);
	assert_string_equal(jstr(o, "dup_of"), "other:1");
	assert_true(jnum(o, "sentiment") == 0);
	assert_true(jnum(o, "priority") == 0);
	cJSON_Delete(o);
	free(json);
	mention_free(m);
}

/*
 * The oracle for the payload writer: the same document built as a cJSON tree
 * and printed by cJSON, as mention_to_json did before it wrote the JSON
 * itself.
 */
static void
ref_string(cJSON *o, const char *name, const char *s)
{
	cJSON_AddItemToObject(o, name, s == NULL ? cJSON_CreateNull() :
	    cJSON_CreateString(s));
}

static void
ref_count(cJSON *o, const char *name, long long v)
{
	cJSON_AddItemToObject(o, name, v < 0 ? cJSON_CreateNull() :
	    cJSON_CreateNumber((double)v));
}

static void
ref_array(cJSON *o, const char *name, char **v, size_t n)
{
	cJSON *a = cJSON_AddArrayToObject(o, name);
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
}

static void
ref_time(char *buf, size_t size, int64_t ms, int milli)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char base[32];

	assert_non_null(gmtime_r(&t, &tm));
	assert_true(strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) > 0);
	if (milli)
		snprintf(buf, size, "%s.%03dZ", base, (int)(ms % 1000));
	else
		snprintf(buf, size, "%sZ", base);
}

static char *
ref_json(const struct mention *m)
{
	cJSON *o, *author, *classes, *metrics;
	char *key, *json, when[48];

	o = cJSON_CreateObject();
	key = mention_key(m);
	ref_string(o, "id", key);
	free(key);
	ref_string(o, "source", m->source);
	ref_string(o, "plugin", m->plugin);
	ref_string(o, "source_id", m->id);
	ref_string(o, "url", m->url);
	author = cJSON_AddObjectToObject(o, "author");
	ref_string(author, "handle", m->author_handle);
	ref_string(author, "name", m->author_name);
	ref_count(author, "followers", m->author_followers);
	ref_string(o, "title", m->title);
	ref_string(o, "text", m->text);
	ref_string(o, "lang", m->lang);
	if (m->published > 0) {
		ref_time(when, sizeof(when), m->published * 1000, 0);
		ref_string(o, "published_at", when);
	} else
		ref_string(o, "published_at", NULL);
	ref_time(when, sizeof(when), m->seen_ms, 1);
	ref_string(o, "seen_at", when);
	ref_string(o, "track", m->ntracks > 0 ? m->tracks[0] : NULL);
	ref_array(o, "tracks", m->tracks, m->ntracks);
	ref_array(o, "terms", m->terms, m->nterms);
	classes = cJSON_AddArrayToObject(o, "classes");
	if (m->classes & MENTION_QUESTION)
		cJSON_AddItemToArray(classes, cJSON_CreateString("question"));
	if (m->classes & MENTION_NEGATIVE)
		cJSON_AddItemToArray(classes, cJSON_CreateString("negative"));
	if (m->classes & MENTION_POSITIVE)
		cJSON_AddItemToArray(classes, cJSON_CreateString("positive"));
	cJSON_AddItemToObject(o, "sentiment", cJSON_CreateNumber(m->sentiment));
	cJSON_AddItemToObject(o, "priority", cJSON_CreateNumber(m->priority));
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
	ref_string(o, "dup_of", m->dup_of);
	ref_string(o, "dup_reason", m->dup_reason);
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	assert_non_null(json);
	return json;
}

/* Replace the string *P with a copy of S (or NULL). */
static void
set(char **p, const char *s)
{
	free(*p);
	*p = s == NULL ? NULL : strdup(s);
}

/* A deterministic pseudo-random number. */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Strings that need care in JSON: every control character, quotes,
 * backslashes, slashes, DEL, U+2028/U+2029, multibyte text. */
static const char *const tricky[] = {
	"", "plain", "say \"hi\"", "back\\slash\\", "a/b</script>",
	/* One string in two pieces: the parentheses say so to clang. */
	("\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12"
	"\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f end"),
	"del \x7f", "line\xe2\x80\xa8sep\xe2\x80\xa9para",
	"caf\xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbd", "\"", "\\", "\n",
	"trailing \x1f",
};
#define NTRICKY (sizeof(tricky) / sizeof(tricky[0]))

static const double doubles[] = {
	0, 1, -1, 0.41, -0.6, 0.62, 0.5, 1.0 / 3, 2.0 / 3, -0.125, 1e-7,
	0.999999, 0.1234567890123, -0.0, 123.456,
};
#define NDOUBLES (sizeof(doubles) / sizeof(doubles[0]))

static const long long counts[] = {
	-1, 0, 1, 9, 10, 99, 1500, 2147483647LL, 2147483648LL, 999999999999LL,
};
#define NCOUNTS (sizeof(counts) / sizeof(counts[0]))

/* The payload is byte for byte what cJSON prints for the same document, for
 * mentions made of tricky strings, counts, numbers, arrays and times. */
static void
test_json_as_cjson(void **state)
{
	struct md_mention pm = full_mention();
	struct mention *m;
	char *json, *ref, big[5000];
	uint64_t x = 88172645463325252ULL;
	size_t i, k, n;

	(void)state;
	for (i = 0; i < 3000; i++) {
		m = convert(&pm);
		set(&m->id, tricky[rnd(&x) % NTRICKY]);
		set(&m->url, rnd(&x) % 3 ? tricky[rnd(&x) % NTRICKY] : NULL);
		set(&m->author_handle, rnd(&x) % 3 ?
		    tricky[rnd(&x) % NTRICKY] : NULL);
		set(&m->author_name, rnd(&x) % 3 ?
		    tricky[rnd(&x) % NTRICKY] : NULL);
		set(&m->title, rnd(&x) % 3 ? tricky[rnd(&x) % NTRICKY] : NULL);
		set(&m->text, tricky[rnd(&x) % NTRICKY]);
		set(&m->lang, rnd(&x) % 2 ? "en" : NULL);
		set(&m->dup_of, rnd(&x) % 4 == 0 ? tricky[rnd(&x) % NTRICKY] :
		    NULL);
		if (i % 7 == 0) {
			/* Longer than the first buffer, mostly escapes. */
			n = (size_t)(rnd(&x) % (sizeof(big) - 1));
			for (k = 0; k < n; k++)
				big[k] = (char)(1 + rnd(&x) % 0x7f);
			big[n] = '\0';
			set(&m->text, big);
		}
		m->author_followers = counts[rnd(&x) % NCOUNTS];
		m->score = rnd(&x) % 5 == 0 ? -17 : counts[rnd(&x) % NCOUNTS];
		m->replies = counts[rnd(&x) % NCOUNTS];
		m->reposts = counts[rnd(&x) % NCOUNTS];
		m->sentiment = doubles[rnd(&x) % NDOUBLES];
		m->priority = doubles[rnd(&x) % NDOUBLES];
		m->classes = (unsigned)(rnd(&x) % 8);
		n = (size_t)(rnd(&x) % 4);
		for (k = 0; k < n; k++)
			mention_add_track(m, tricky[rnd(&x) % NTRICKY]);
		n = (size_t)(rnd(&x) % 4);
		for (k = 0; k < n; k++)
			mention_add_term(m, tricky[rnd(&x) % NTRICKY]);
		/* Any time from 1970 to 9999, and some beyond. */
		m->seen_ms = (int64_t)(rnd(&x) % 253402300800000ULL);
		m->published = i % 5 == 0 ? 0 :
		    (int64_t)(rnd(&x) % (i % 11 == 0 ? 400000000000ULL :
		    253402300800ULL));
		if (i == 1)
			m->seen_ms = 0;
		if (i == 2)
			m->seen_ms = 253402300799999LL;	/* 9999-12-31T23:59:59.999 */
		if (i == 3)
			m->published = 951782400;	/* 2000-02-29 */

		json = mention_to_json(m);
		ref = ref_json(m);
		for (k = 0; json[k] != '\0' && json[k] == ref[k]; k++)
			;
		if (json[k] != ref[k])
			fail_msg("mention %zu differs at byte %zu:\n got  %.80s\n "
			    "want %.80s", i, k, json + k, ref + k);
		free(ref);
		free(json);
		mention_free(m);
	}
}

/* Every number reads back exactly, where cJSON would have rounded. */
static void
test_json_numbers_exact(void **state)
{
	struct md_mention pm = full_mention();
	struct mention *m;
	cJSON *o;
	char *json;

	(void)state;
	m = convert(&pm);
	m->priority = 0.1 + 0.2;
	m->sentiment = -(0.1 + 0.7);
	json = mention_to_json(m);
	o = cJSON_Parse(json);
	assert_non_null(o);
	assert_true(jnum(o, "priority") == 0.1 + 0.2);
	assert_true(jnum(o, "sentiment") == -(0.1 + 0.7));
	assert_non_null(strstr(json, "\"priority\":0.30000000000000004,"));
	cJSON_Delete(o);
	free(json);
	mention_free(m);
}

/* Four-decimal scores (what the classifier sets) take a fast path that must
 * print what %1.15g prints, for every such value in [-2, 2]. */
static void
test_json_four_decimals(void **state)
{
	struct md_mention pm = full_mention();
	struct mention *m;
	char *json, want[64], *at;
	long long k;

	(void)state;
	m = convert(&pm);
	for (k = -20000; k <= 20000; k += 3) {
		m->priority = (double)k / 1e4;
		json = mention_to_json(m);
		snprintf(want, sizeof(want), "\"priority\":%1.15g,", m->priority);
		at = strstr(json, "\"priority\":");
		assert_non_null(at);
		assert_memory_equal(at, want, strlen(want));
		free(json);
	}
	mention_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_struct_size),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_add_unique),
		cmocka_unit_test(test_json_full),
		cmocka_unit_test(test_json_unknowns),
		cmocka_unit_test(test_json_as_cjson),
		cmocka_unit_test(test_json_numbers_exact),
		cmocka_unit_test(test_json_four_decimals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
