/*
 * test_jsonmap.c - what the generic connectors share (plugins/common): the
 * path syntax and its errors, lookups through objects and arrays with
 * alternatives, items found in a document, an item mapped to a mention
 * (numeric ids, author objects, languages, counts, links resolved), times
 * from numbers in any unit and from RFC 3339 and RFC 822 strings, where a
 * broken JSON document broke, the emitted-ids ring and its saved form,
 * credentials and header lines; and what the other connectors share: RFC
 * 3339 read strictly, as UTC or loosely, durations and backoff, lenient
 * cJSON getters and the broken/not-JSON cause, character references,
 * percent-encoding, language tags, notices once, the time cursor and the
 * mentions a job keeps.
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
#include "cursor.h"
#include "harness.h"
#include "htmlref.h"
#include "idring.h"
#include "jsonget.h"
#include "jsonmap.h"
#include "langtag.h"
#include "logonce.h"
#include "mentlist.h"
#include "ptime.h"
#include "urlenc.h"

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
	char **h, *cause = NULL, *where = NULL, *warning, *s, *dir, *path;
	char *empty;
	enum cred_from from;
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

	/* cred_get: where, and a bad credential refused or passed over. */
	s = cred_get(NULL, "webhook-secret", NULL, &from, NULL, &cause);
	assert_string_equal(s, "s3cret");
	assert_int_equal(from, CRED_DIRECTORY);
	free(s);
	empty = malloc(strlen(dir) + 32);
	sprintf(empty, "%s/empty-secret", dir);
	fp = fopen(empty, "w");
	fclose(fp);
	free(empty);
	setenv("TEST_SECRET", "from-env", 1);
	assert_null(cred_get(NULL, "empty-secret", "TEST_SECRET", &from, NULL,
	    &cause));
	assert_non_null(strstr(cause, "is empty"));
	free(cause);
	s = cred_get(NULL, "empty-secret", "TEST_SECRET", &from, &warning,
	    &cause);
	assert_string_equal(s, "from-env");
	assert_int_equal(from, CRED_ENV);
	assert_non_null(strstr(warning, "is empty"));
	assert_null(cause);
	free(warning);
	free(s);
	unsetenv("TEST_SECRET");
	assert_null(cred_get("", "none", "TEST_SECRET", &from, NULL, &cause));
	assert_int_equal(from, CRED_NONE);
	assert_null(cause);

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

/* RFC 3339 as each connector asks for it: a zone required, no zone read as
 * UTC, or loosely (a date alone, no seconds, trailing blanks). */
static void
test_ptime(void **state)
{
	static const struct {
		const char	*text;
		int		 flags;
		int		 rc;
		int64_t		 us;
	} times[] = {
		{ "2024-05-01T12:00:00Z", 0, 0, 1714564800000000 },
		{ "2024-05-01t12:00:00.5z", 0, 0, 1714564800500000 },
		{ "2024-05-01T12:00:00,123456789Z", 0, 0, 1714564800123456 },
		{ "2024-05-01T14:00:00+02:00", 0, 0, 1714564800000000 },
		{ "2024-05-01T07:30:00-0430", 0, 0, 1714564800000000 },
		{ "2024-05-01T13:00:00+01", 0, 0, 1714564800000000 },
		{ "2024-05-01 12:00:00", 0, -1, 0 },
		{ "2024-05-01 12:00:00", PTIME_UTC, 0, 1714564800000000 },
		{ "2024-05-01T12:00Z", PTIME_UTC, -1, 0 },
		{ "2024-05-01T12:00Z", PTIME_LOOSE, 0, 1714564800000000 },
		{ "2024-05-01", PTIME_UTC, -1, 0 },
		{ "2024-05-01", PTIME_LOOSE, 0, 1714521600000000 },
		{ "2024-05-01T12:00:00Z ", 0, -1, 0 },
		{ "2024-05-01T12:00:00Z ", PTIME_LOOSE, 0, 1714564800000000 },
		{ "2024-02-29T00:00:00Z", 0, 0, 1709164800000000 },
		{ "2023-02-29T00:00:00Z", 0, -1, 0 },
		{ "2024-04-31T00:00:00Z", PTIME_LOOSE, -1, 0 },
		{ "2024-05-01T24:00:00Z", 0, -1, 0 },
		{ "2024-05-01T12:00:00.Z", 0, -1, 0 },
		{ "2024-05-01T12:00:00+2400", 0, -1, 0 },
		{ "2024-05-01T12:00:00Zjunk", PTIME_LOOSE, -1, 0 },
		{ "", PTIME_LOOSE, -1, 0 },
		{ NULL, PTIME_UTC, -1, 0 },
	};
	int64_t us, t;
	double d;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(times) / sizeof(times[0]); k++) {
		us = 0;
		if (ptime_rfc3339(times[k].text, times[k].flags, &us) !=
		    times[k].rc || us != times[k].us)
			fail_msg("'%s' (flags %d): want %d %lld, got %lld",
			    times[k].text != NULL ? times[k].text : "(null)",
			    times[k].flags, times[k].rc,
			    (long long)times[k].us, (long long)us);
	}
	/* Seconds round down, before 1970 too. */
	assert_int_equal(ptime_seconds("1969-12-31T23:59:59.5Z", 0, &t), 0);
	assert_int_equal(t, -1);
	assert_int_equal(ptime_seconds("2024-05-01T12:00:00.9Z", 0, &t), 0);
	assert_int_equal(t, 1714564800);

	assert_int_equal(ptime_duration("90", &d), 0);
	assert_true(d == 90);
	assert_int_equal(ptime_duration("500ms", &d), 0);
	assert_true(d == 0.5);
	assert_int_equal(ptime_duration("7d", &d), 0);
	assert_true(d == 7 * 86400);
	assert_int_equal(ptime_duration("2h", &d), 0);
	assert_true(d == 7200);
	assert_int_equal(ptime_duration("0s", &d), -1);
	assert_int_equal(ptime_duration("5 m", &d), -1);
	assert_int_equal(ptime_duration("m", &d), -1);
}

/* Members read leniently; a body told broken from not JSON. */
static void
test_jsonget(void **state)
{
	cJSON *root;
	char *cause;

	(void)state;
	root = cJSON_Parse("{\"s\": \"x\", \"e\": \"\", \"n\": 3.9, \"neg\": -2, "
	    "\"big\": 1e16, \"t\": true, \"id\": 0}");
	assert_string_equal(jsonget_str(root, "s"), "x");
	assert_string_equal(jsonget_str(root, "e"), "");
	assert_null(jsonget_nonempty(root, "e"));
	assert_null(jsonget_str(root, "n"));
	assert_int_equal(jsonget_num(root, "n", 0), 3);
	assert_int_equal(jsonget_num(root, "neg", 0), -1);
	assert_int_equal(jsonget_num(root, "neg", 1), -2);
	assert_int_equal(jsonget_num(root, "big", 0), -1);
	assert_int_equal(jsonget_count(root, "big"), 1000000000000000LL);
	assert_int_equal(jsonget_count(root, "neg"), -1);
	assert_int_equal(jsonget_id(root, "n"), 3);
	assert_int_equal(jsonget_id(root, "id"), 0);
	assert_true(jsonget_true(root, "t"));
	assert_false(jsonget_true(root, "s"));
	cJSON_Delete(root);

	assert_int_equal(jsonget_parse(" {\"a\": [1, 2", 12, "{", NULL, &root,
	    &cause), 1);
	assert_null(root);
	assert_non_null(strstr(cause, "broken JSON at byte"));
	free(cause);
	assert_int_equal(jsonget_parse("<html>", 6, "{[", NULL, &root,
	    &cause), -1);
	assert_string_equal(cause, "not JSON");
	free(cause);
	assert_int_equal(jsonget_parse("", 0, "{", "a page", &root, &cause),
	    -1);
	assert_string_equal(cause, "not JSON: a page was expected");
	free(cause);
	assert_int_equal(jsonget_parse("[1]", 3, "{", NULL, &root, &cause), 0);
	assert_null(cause);
	cJSON_Delete(root);
}

/* Character references, percent-encoding, language tags, notices once. */
static void
test_strings(void **state)
{
	char buf[4], *s;
	int said = 0;

	(void)state;
	s = htmlref_decode("Tom &amp; Jerry &lt;3 &quot;J&#246;rg&#x1F605;\""
	    " &bogus; &#0; &#; &amp");
	assert_string_equal(s, "Tom & Jerry <3 \"J\xc3\xb6rg\xf0\x9f\x98\x85\""
	    " &bogus; \xef\xbf\xbd &#; &amp");
	free(s);

	s = urlenc_component("acme fibre/\"x\"~-._\xc3\xa9");
	assert_string_equal(s, "acme%20fibre%2F%22x%22~-._%C3%A9");
	free(s);

	assert_string_equal(langtag_primary("pt-BR", buf), "pt");
	assert_string_equal(langtag_primary("EN", buf), "en");
	assert_string_equal(langtag_primary("fil_PH", buf), "fil");
	assert_null(langtag_primary("e", buf));
	assert_null(langtag_primary("engl", buf));
	assert_null(langtag_primary("en1", buf));
	assert_null(langtag_primary(NULL, buf));

	assert_true(logonce_due(&said, 1));
	assert_false(logonce_due(&said, 1));
	assert_false(logonce_due(&said, 0));
	assert_true(logonce_due(&said, 1));
}

/* The time cursor and the ids at its second, and their saved form. */
static void
test_cursor(void **state)
{
	struct cursor c = { 0, NULL, 0 };
	char *s;

	(void)state;
	assert_int_equal(cursor_load(&c, NULL), -1);
	assert_int_equal(cursor_load(&c, "junk"), -1);
	assert_int_equal(cursor_load(&c, "1714564800 12 34"), 0);
	assert_true(c.t == 1714564800);
	assert_true(cursor_done(&c, 1714564799, "99"));
	assert_true(cursor_done(&c, 1714564800, "34"));
	assert_false(cursor_done(&c, 1714564800, "56"));
	cursor_take(&c, 1714564800, "56");
	s = cursor_save(&c);
	assert_string_equal(s, "1714564800 12 34 56");
	free(s);
	cursor_take(&c, 1714564801, "78");
	assert_true(cursor_done(&c, 1714564800, "99"));
	s = cursor_save(&c);
	assert_string_equal(s, "1714564801 78");
	free(s);
	cursor_clear(&c);
	assert_int_equal(c.nids, 0);
}

/* Mentions kept by a job: copied, found by id, emitted lowest key first. */
static void
test_mentlist(void **state)
{
	struct mentlist l = { NULL, 0, 0 };
	struct md_mention m = MD_MENTION_INIT;
	struct mentlist_item *it;
	char id[8];
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(id, sizeof id, "p%d", (i * 37) % 100);
		m.id = id;
		m.text = "text";
		m.score = i;
		assert_int_equal(mentlist_add(&l, &m, (i * 37) % 100), 0);
	}
	assert_true(mentlist_has(&l, "p42"));
	assert_false(mentlist_has(&l, "p100"));
	mentlist_sort(&l);
	it = mentlist_last(&l);
	assert_string_equal(it->m.id, "p0");
	assert_string_equal(it->m.text, "text");
	assert_int_equal(it->key, 0);
	mentlist_drop_last(&l);
	assert_int_equal(mentlist_last(&l)->key, 1);
	mentlist_clear(&l);
	assert_null(mentlist_last(&l));
	/* Of equal keys, the one added first comes first, whatever the
	 * order of the keys as added. */
	for (i = 4; i >= 0; i--) {
		snprintf(id, sizeof id, "q%d", i);
		m.id = id;
		assert_int_equal(mentlist_add(&l, &m, i < 2 ? 0 : 1), 0);
	}
	mentlist_sort(&l);
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof id, "q%d", i < 2 ? 1 - i : 6 - i);
		assert_string_equal(mentlist_last(&l)->m.id, id);
		mentlist_drop_last(&l);
	}
	assert_null(mentlist_last(&l));
	mentlist_free(&l);
	assert_null(l.v);
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
		cmocka_unit_test(test_ptime),
		cmocka_unit_test(test_jsonget),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_cursor),
		cmocka_unit_test(test_mentlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
