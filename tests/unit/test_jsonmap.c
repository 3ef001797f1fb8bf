/*
 * test_jsonmap.c - what the generic connectors share (plugins/common): the
 * path syntax and its errors, lookups through objects and arrays with
 * alternatives, items found in a document, an item mapped to a mention
 * (numeric ids, author objects, languages, counts, links resolved), times
 * from numbers in any unit and from RFC 3339 and RFC 822 strings, where a
 * broken JSON document broke, the emitted-ids ring and its saved form, and
 * credentials and header lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "harness.h"
#include "idring.h"
#include "jsonmap.h"

/* The default mapping, as the settings table gives it. */
static void
defaults(struct jsonmap_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->field[JSONMAP_ID] = "id";
	s->field[JSONMAP_URL] = "url";
	s->field[JSONMAP_TITLE] = "title";
	s->field[JSONMAP_TEXT] = "text";
	s->field[JSONMAP_AUTHOR] = "author";
	s->field[JSONMAP_PUBLISHED] = "published";
	s->field[JSONMAP_LANG] = "lang";
	s->field[JSONMAP_SCORE] = "score";
}

/* The string at path list PATH in the JSON text DOC, or NULL. */
static char *
lookup(const char *path, const char *doc)
{
	struct jsonmap_alts a;
	const cJSON *v;
	cJSON *root = cJSON_Parse(doc);
	char *cause = NULL, buf[32], *out = NULL;
	const char *s;

	assert_non_null(root);
	if (jsonmap_alts_parse(&a, path, &cause) != 0)
		fail_msg("%s: %s", path, cause);
	v = jsonmap_get(&a, root);
	if ((s = jsonmap_scalar(v, buf, sizeof(buf))) != NULL)
		out = strdup(s);
	jsonmap_alts_clear(&a);
	cJSON_Delete(root);
	return out;
}

/* Assert that path list PATH in DOC gives WANT (NULL: nothing). */
static void
assert_lookup(const char *path, const char *doc, const char *want)
{
	char *got = lookup(path, doc);

	if (want == NULL && got != NULL)
		fail_msg("%s: want nothing, got '%s'", path, got);
	if (want != NULL && (got == NULL || strcmp(got, want) != 0))
		fail_msg("%s: want '%s', got '%s'", path, want,
		    got != NULL ? got : "(nothing)");
	free(got);
}

/* Paths: names, indexes, escapes, alternatives; malformed ones refused. */
static void
test_paths(void **state)
{
	static const char *const bad[] = { "a..b", ".a", "a.", "a\\q",
	    "a||b", "a|", "a\\", NULL };
	const char *doc = "{\"data\": {\"children\": [{\"id\": \"c0\"}, "
	    "{\"id\": \"c1\"}]}, \"a.b\": 5, \"x|y\": \"pipe\", \"user\": "
	    "{\"name\": \"Ana\", \"empty\": \"\", \"none\": null}, \"0\": "
	    "\"zero\", \"n\": 12345678901, \"f\": 2.5, \"t\": true}";
	struct jsonmap_alts a;
	char *cause = NULL;
	int i;

	assert_lookup("data.children.0.id", doc, "c0");
	assert_lookup("data.children.1.id", doc, "c1");
	assert_lookup("data.children.-1.id", doc, "c1");
	assert_lookup("data.children.-2.id", doc, "c0");
	assert_lookup("data.children.2.id", doc, NULL);
	assert_lookup("data.children.-3.id", doc, NULL);
	assert_lookup("data.children.x", doc, NULL);
	assert_lookup("0", doc, "zero");	/* a name on an object */
	assert_lookup("a\\.b", doc, "5");
	assert_lookup("x\\|y", doc, "pipe");
	assert_lookup("user.name.first", doc, NULL);
	assert_lookup("n", doc, "12345678901");
	assert_lookup("f", doc, "2.5");
	assert_lookup("t", doc, NULL);		/* not a scalar we print */
	/* Alternatives: missing, null and "" fall through. */
	assert_lookup("user.nick | user.none | user.empty | user.name", doc,
	    "Ana");
	assert_lookup("  user.name  |x", doc, "Ana");
	assert_lookup("nope | nada", doc, NULL);

	/* An empty value maps nothing; malformed ones say why. */
	assert_int_equal(jsonmap_alts_parse(&a, "", &cause), 0);
	assert_int_equal(a.nalt, 0);
	assert_int_equal(jsonmap_alts_parse(&a, " ", &cause), 0);
	assert_int_equal(a.nalt, 0);
	for (i = 0; bad[i] != NULL; i++) {
		cause = NULL;
		if (jsonmap_alts_parse(&a, bad[i], &cause) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(cause, bad[i]));
		free(cause);
	}
}

/* Where a broken document broke. */
static void
test_parse_errors(void **state)
{
	char *cause = NULL;
	cJSON *doc;

	doc = jsonmap_parse("{\"a\": [1, 2", 11, &cause);
	assert_null(doc);
	assert_non_null(strstr(cause, "ends early, inside an array, at byte "
	    "11"));
	assert_non_null(strstr(cause, "truncated"));
	free(cause);
	doc = jsonmap_parse("[{\"a\": \"x\\\"}", 12, &cause);
	assert_null(doc);
	assert_non_null(strstr(cause, "inside a string"));
	free(cause);

	/* Cut short, or broken: told apart. */
	{
		static const struct {
			const char	*text;
			const char	*want;
		} cases[] = {
			{ "[1,", "inside an array" },
			{ "{\"a\"", "inside an object" },
			{ "{\"a\": tr", "inside an object" },
			{ "{\"a\": [{\"b\": -1.5e", "inside an object" },
			{ "{\"a\": [1, -1.5e", "inside an array" },
			{ "tru", "inside a value" },
			{ "\xef\xbb\xbf[\"x", "inside a string" },
			{ "not json {", "bad JSON at byte 0 (line 1, column 1), "
			    "near 'not json {'" },
			{ "{\"a\": tx", "bad JSON" },
			{ "[1 2", "bad JSON" },
			{ "{\"a\" 1", "bad JSON" },
			{ "[1]]", "more after the JSON document at byte 3" },
			{ "{\"a\": 1}}", "more after" },
		};
		size_t i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			cause = NULL;
			doc = jsonmap_parse(cases[i].text,
			    strlen(cases[i].text), &cause);
			assert_null(doc);
			if (strstr(cause, cases[i].want) == NULL)
				fail_msg("'%s': want '%s', got '%s'",
				    cases[i].text, cases[i].want, cause);
			free(cause);
		}
	}

	doc = jsonmap_parse("{\"a\": 1,\n \"b\": tru }", 20, &cause);
	assert_null(doc);
	assert_non_null(strstr(cause, "bad JSON at byte"));
	assert_non_null(strstr(cause, "line 2"));
	free(cause);

	doc = jsonmap_parse("{} {}", 5, &cause);
	assert_null(doc);
	assert_non_null(strstr(cause, "more after the JSON document at byte "
	    "3"));
	free(cause);

	doc = jsonmap_parse("", 0, &cause);
	assert_null(doc);
	assert_non_null(strstr(cause, "empty"));
	free(cause);

	/* The length counts, not a NUL. */
	doc = jsonmap_parse("[1] trailing", 4, &cause);
	assert_non_null(doc);
	cJSON_Delete(doc);
	doc = jsonmap_parse(" {\"x\": \"\xc3\xa9\"}\n\n", 14, &cause);
	assert_non_null(doc);
	cJSON_Delete(doc);
}

/* Unix seconds of each form a time may take. */
static void
test_times(void **state)
{
	static const struct {
		const char	*text;
		int64_t		 want;
	} dates[] = {
		{ "2024-05-01T12:00:00Z", 1714564800 },
		{ "2024-05-01t12:00:00z", 1714564800 },
		{ "2024-05-01T12:00:00.123456Z", 1714564800 },
		{ "2024-05-01T14:00:00+02:00", 1714564800 },
		{ "2024-05-01T07:30:00-0430", 1714564800 },
		{ "2024-05-01T12:00:00+00", 1714564800 },
		{ "2024-05-01 12:00:00", 1714564800 },
		{ "2024-05-01T12:00Z", 1714564800 },
		{ "2024-05-01", 1714521600 },
		{ "1970-01-01T00:00:01Z", 1 },
		{ "2000-02-29T00:00:00Z", 951782400 },
		{ "Wed, 01 May 2024 12:00:00 GMT", 1714564800 },
		{ "Wed, 01 May 2024 14:00:00 +0200", 1714564800 },
		{ "Wednesday, 01-May-24 12:00:00 GMT", 1714564800 },
		{ "Wed May  1 12:00:00 2024", 1714564800 },
		{ "1714564800", 1714564800 },
		{ "1714564800.75", 1714564800 },
		{ "1714564800000", 1714564800 },
		{ " 1714564800 ", 1714564800 },
		{ "2024-13-01T00:00:00Z", 0 },
		{ "2024-05-01T25:00:00Z", 0 },
		{ "2024-05-01T12:00:00Zjunk", 0 },
		{ "yesterday-ish", 0 },
		{ "", 0 },
		{ "1.2.3", 0 },
	};
	size_t i;
	cJSON *n;

	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		if (jsonmap_date(dates[i].text) != dates[i].want)
			fail_msg("'%s': want %lld, got %lld", dates[i].text,
			    (long long)dates[i].want,
			    (long long)jsonmap_date(dates[i].text));
	}
	n = cJSON_CreateNumber(1714564800);
	assert_int_equal(jsonmap_time(n), 1714564800);
	cJSON_SetNumberValue(n, 1714564800123.0);	/* ms */
	assert_int_equal(jsonmap_time(n), 1714564800);
	cJSON_SetNumberValue(n, 1714564800123456.0);	/* us */
	assert_int_equal(jsonmap_time(n), 1714564800);
	cJSON_SetNumberValue(n, 1714564800123456789.0);	/* ns */
	assert_int_equal(jsonmap_time(n), 1714564800);
	cJSON_SetNumberValue(n, -5);
	assert_int_equal(jsonmap_time(n), 0);
	cJSON_Delete(n);
	n = cJSON_CreateTrue();
	assert_int_equal(jsonmap_time(n), 0);
	cJSON_Delete(n);
}

/* Map the first item of DOC with S into M (IT keeps its strings). */
static cJSON *
map_one(const struct jsonmap_settings *s, const char *doc, const char *base,
    struct jsonmap_item *it, struct md_mention *m, char **cause)
{
	struct jsonmap map;
	const cJSON **items = NULL;
	size_t n;
	cJSON *root;
	char *why = NULL;
	int rc;

	if (jsonmap_init(&map, s, &why) != 0)
		fail_msg("jsonmap_init: %s", why);
	root = jsonmap_parse(doc, strlen(doc), &why);
	if (root == NULL)
		fail_msg("parse: %s", why);
	if (jsonmap_items(&map, root, &items, &n, &why) != 0)
		fail_msg("items: %s", why);
	assert_true(n >= 1);
	*m = (struct md_mention)MD_MENTION_INIT;
	rc = jsonmap_mention(&map, items[0], base, it, m, cause);
	free(items);
	jsonmap_clear(&map);
	if (rc != 0) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* An item to a mention: each field and its conversions. */
static void
test_mention(void **state)
{
	struct jsonmap_settings s;
	struct jsonmap_item it;
	struct md_mention m;
	char *cause = NULL;
	cJSON *root;

	memset(&it, 0, sizeof(it));
	defaults(&s);
	s.field[JSONMAP_AUTHOR_NAME] = "who.display";
	s.field[JSONMAP_REPLIES] = "stats.replies";
	s.field[JSONMAP_REPOSTS] = "stats.boosts";
	root = map_one(&s, "{\"id\": 1790000000123, \"text\": \"<p>Acme "
	    "&amp; co</p>\", \"title\": \"T\", \"url\": \"/p/1?x=\\u00e9\", "
	    "\"author\": {\"handle\": \"ana\", \"name\": \"Ana B\", "
	    "\"followers\": 1200}, \"who\": {\"display\": \"Ana Bé\"}, "
	    "\"published\": \"2024-05-01T12:00:00Z\", \"lang\": \"en-US\", "
	    "\"score\": -3, \"stats\": {\"replies\": \"7\", \"boosts\": -1}}",
	    "https://example.org/api/v1/feed", &it, &m, &cause);
	if (root == NULL)
		fail_msg("%s", cause);
	assert_string_equal(m.id, "1790000000123");
	assert_string_equal(m.text, "<p>Acme &amp; co</p>");
	assert_string_equal(m.title, "T");
	assert_string_equal(m.url, "https://example.org/p/1?x=%c3%a9");
	assert_string_equal(m.author_handle, "ana");
	assert_string_equal(m.author_name, "Ana B\xc3\xa9");
	assert_int_equal(m.author_followers, 1200);
	assert_int_equal(m.published, 1714564800);
	assert_string_equal(m.lang, "en");
	assert_int_equal(m.score, -3);
	assert_int_equal(m.replies, 7);
	assert_int_equal(m.reposts, -1);	/* a negative count: unknown */
	cJSON_Delete(root);

	/* url_base wins over where the document came from; an absolute link
	 * stays as it is; a plain author; a language that is not a code. */
	s.url_base = "https://www.reddit.com";
	root = map_one(&s, "[{\"id\": \"a\", \"title\": \"only a title\", "
	    "\"url\": \"/r/x/comments/1/\", \"author\": 42, \"lang\": "
	    "\"english\"}]", "https://api.example/x", &it, &m, &cause);
	assert_non_null(root);
	assert_string_equal(m.url, "https://www.reddit.com/r/x/comments/1/");
	assert_string_equal(m.text, "");
	assert_string_equal(m.author_handle, "42");
	assert_null(m.author_name);
	assert_null(m.lang);
	assert_int_equal(m.published, 0);
	assert_int_equal(m.score, -1);
	cJSON_Delete(root);
	s.url_base = NULL;
	root = map_one(&s, "{\"id\": \"b\", \"text\": \"x\", \"url\": "
	    "\"HTTPS://Example.org/a\", \"lang\": \"pt_BR\"}", "https://o.test/",
	    &it, &m, &cause);
	assert_non_null(root);
	assert_string_equal(m.url, "HTTPS://Example.org/a");
	assert_string_equal(m.lang, "pt");
	cJSON_Delete(root);
	root = map_one(&s, "{\"id\": \"c\", \"text\": \"x\", \"url\": "
	    "\"rel/link\"}", NULL, &it, &m, &cause);
	assert_non_null(root);
	assert_string_equal(m.url, "rel/link");	/* no base: as it is */
	cJSON_Delete(root);

	/* What makes an item unusable. */
	assert_null(map_one(&s, "{\"text\": \"no id\"}", NULL, &it, &m,
	    &cause));
	assert_string_equal(cause, "no id at 'id'");
	free(cause);
	assert_null(map_one(&s, "{\"id\": \"\", \"text\": \"empty id\"}", NULL,
	    &it, &m, &cause));
	free(cause);
	assert_null(map_one(&s, "{\"id\": \"d\", \"text\": \"\", \"title\": "
	    "null}", NULL, &it, &m, &cause));
	assert_non_null(strstr(cause, "no text at 'text' and no title at "
	    "'title'"));
	free(cause);
	assert_null(map_one(&s, "[\"a string\"]", NULL, &it, &m, &cause));
	assert_string_equal(cause, "item is not an object");
	free(cause);
	jsonmap_item_clear(&it);
}

/* Where the items are, and what a bad setting says. */
static void
test_items(void **state)
{
	struct jsonmap_settings s;
	struct jsonmap map;
	const cJSON **items = NULL;
	cJSON *root;
	char *cause = NULL;
	size_t n;

	defaults(&s);
	s.items = "data.children";
	assert_int_equal(jsonmap_init(&map, &s, &cause), 0);
	root = cJSON_Parse("{\"data\": {\"children\": [{\"id\": 1}, {\"id\": "
	    "2}, 3]}}");
	assert_int_equal(jsonmap_items(&map, root, &items, &n, &cause), 0);
	assert_int_equal(n, 3);
	free(items);
	cJSON_Delete(root);
	root = cJSON_Parse("{\"data\": {\"children\": {\"id\": 1}}}");
	assert_int_equal(jsonmap_items(&map, root, &items, &n, &cause), 0);
	assert_int_equal(n, 1);		/* one object: one item */
	free(items);
	cJSON_Delete(root);
	root = cJSON_Parse("{\"data\": {}}");
	assert_int_equal(jsonmap_items(&map, root, &items, &n, &cause), -1);
	assert_string_equal(cause, "no items at 'data.children'");
	free(cause);
	cJSON_Delete(root);
	root = cJSON_Parse("{\"data\": {\"children\": 7}}");
	assert_int_equal(jsonmap_items(&map, root, &items, &n, &cause), -1);
	free(cause);
	cJSON_Delete(root);
	jsonmap_clear(&map);

	/* Without an items path: an array, or one object. */
	s.items = NULL;
	assert_int_equal(jsonmap_init(&map, &s, &cause), 0);
	root = cJSON_Parse("[]");
	assert_int_equal(jsonmap_items(&map, root, &items, &n, &cause), 0);
	assert_int_equal(n, 0);
	free(items);
	cJSON_Delete(root);
	root = cJSON_Parse("\"text\"");
	assert_int_equal(jsonmap_items(&map, root, &items, &n, &cause), -1);
	free(cause);
	cJSON_Delete(root);
	jsonmap_clear(&map);

	/* Settings that cannot work. */
	s.field[JSONMAP_ID] = "";
	assert_int_equal(jsonmap_init(&map, &s, &cause), -1);
	assert_non_null(strstr(cause, "id:"));
	free(cause);
	defaults(&s);
	s.field[JSONMAP_TEXT] = "";
	s.field[JSONMAP_TITLE] = NULL;
	assert_int_equal(jsonmap_init(&map, &s, &cause), -1);
	free(cause);
	defaults(&s);
	s.field[JSONMAP_SCORE] = "a..b";
	assert_int_equal(jsonmap_init(&map, &s, &cause), -1);
	assert_non_null(strstr(cause, "score: path 'a..b'"));
	free(cause);
}

/* The ring forgets the oldest, and survives its saved form. */
static void
test_idring(void **state)
{
	struct idring r, r2;
	char id[16], *text;
	int i;

	assert_int_equal(idring_init(&r, 3), 0);
	assert_false(idring_has(&r, "a"));
	idring_add(&r, "a");
	idring_add(&r, "b");
	idring_add(&r, "a");		/* once */
	assert_int_equal(r.n, 2);
	assert_true(r.dirty);
	idring_add(&r, "c");
	idring_add(&r, "d");		/* forgets a */
	assert_false(idring_has(&r, "a"));
	assert_true(idring_has(&r, "b") && idring_has(&r, "d"));
	text = idring_save(&r);
	assert_false(r.dirty);
	assert_int_equal(strlen(text), 3 * 17 - 1);
	assert_int_equal(idring_init(&r2, 3), 0);
	idring_load(&r2, text);
	assert_true(idring_has(&r2, "b") && idring_has(&r2, "c") &&
	    idring_has(&r2, "d"));
	idring_add(&r2, "e");		/* the oldest loaded (b) goes */
	assert_false(idring_has(&r2, "b"));
	assert_true(idring_has(&r2, "c"));
	free(text);
	idring_free(&r2);

	/* Junk loads as far as it reads. */
	assert_int_equal(idring_init(&r2, 8), 0);
	idring_load(&r2, "00000000000000ff zz 0000000000000001");
	assert_int_equal(r2.n, 1);
	idring_load(&r2, NULL);
	idring_free(&r2);
	idring_free(&r);

	assert_int_equal(idring_init(&r, 1000), 0);
	for (i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "id%d", i);
		idring_add(&r, id);
	}
	assert_int_equal(r.n, 1000);
	assert_true(idring_has(&r, "id4999") && idring_has(&r, "id4000"));
	assert_false(idring_has(&r, "id3999"));
	idring_free(&r);
}

/* Header lines and where a secret comes from. */
static void
test_cred(void **state)
{
	char **h, *cause = NULL, *where = NULL, *s, *dir, *path;
	FILE *fp;

	h = cred_headers("X-One: 1 | accept: text/json |  X-Two:2  ",
	    "Accept: application/json", "Authorization: Bearer t", &cause);
	assert_non_null(h);
	assert_string_equal(h[0], "X-One: 1");
	assert_string_equal(h[1], "accept: text/json");
	assert_string_equal(h[2], "X-Two:2");
	assert_string_equal(h[3], "Authorization: Bearer t");
	assert_null(h[4]);
	cred_headers_free(h);
	h = cred_headers(NULL, "Accept: application/json", NULL, &cause);
	assert_string_equal(h[0], "Accept: application/json");
	assert_null(h[1]);
	cred_headers_free(h);
	assert_null(cred_headers("X-One 1", NULL, NULL, &cause));
	assert_non_null(strstr(cause, "'X-One 1'"));
	free(cause);

	s = cred_auth_line("Bearer", "tok", &cause);
	assert_string_equal(s, "Authorization: Bearer tok");
	free(s);
	s = cred_auth_line("X-Api-Key:", "tok", &cause);
	assert_string_equal(s, "X-Api-Key: tok");
	free(s);
	s = cred_auth_line("Authorization: token", "tok", &cause);
	assert_string_equal(s, "Authorization: token tok");
	free(s);
	assert_null(cred_auth_line("Bearer", "a\r\nX-Evil: 1", &cause));
	free(cause);

	dir = harness_tmpdir();
	path = malloc(strlen(dir) + 32);
	sprintf(path, "%s/webhook-secret", dir);
	fp = fopen(path, "w");
	fputs("s3cret \n\n", fp);
	fclose(fp);
	unsetenv("CREDENTIALS_DIRECTORY");
	setenv("TEST_SECRET", "from-env\n", 1);
	s = cred_read(path, "x", NULL, &where, &cause);
	assert_string_equal(s, "s3cret");
	assert_non_null(strstr(where, "file "));
	free(s);
	free(where);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	s = cred_read(NULL, "webhook-secret", "TEST_SECRET", &where, &cause);
	assert_string_equal(s, "s3cret");
	assert_string_equal(where, "credential webhook-secret");
	free(s);
	free(where);
	s = cred_read(NULL, "other", "TEST_SECRET", &where, &cause);
	assert_string_equal(s, "from-env");
	free(s);
	free(where);
	unsetenv("TEST_SECRET");
	assert_null(cred_read(NULL, "other", "TEST_SECRET", &where, &cause));
	assert_null(cause);
	assert_null(cred_read("/nonexistent/x", "other", NULL, &where,
	    &cause));
	assert_non_null(strstr(cause, "/nonexistent/x"));
	free(cause);
	fp = fopen(path, "w");
	fclose(fp);
	assert_null(cred_read(path, NULL, NULL, &where, &cause));
	assert_non_null(strstr(cause, "empty"));
	free(cause);
	unsetenv("CREDENTIALS_DIRECTORY");
	harness_rmtree(dir);
	free(dir);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_mention),
		cmocka_unit_test(test_items),
		cmocka_unit_test(test_idring),
		cmocka_unit_test(test_cred),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
