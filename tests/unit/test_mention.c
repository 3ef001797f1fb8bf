/*
 * test_mention.c - the mention copied from a plugin and its JSON payload
 * (daemon/mention.c): struct_size honoured, required fields, null handling.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
