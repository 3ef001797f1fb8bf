/*
 * test_match.c - phrase matching (daemon/match.c): whole words, OR, quotes,
 * case and accents, language filter, terms, many tracks, bad queries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "match.h"
#include "mention.h"

/* A mention with TITLE (may be NULL), TEXT and LANG (may be NULL). */
static struct mention *
make(const char *title, const char *text, const char *lang)
{
	struct md_mention pm = MD_MENTION_INIT;
	struct mention *m;
	char *cause = NULL;

	pm.id = "1";
	pm.title = title;
	pm.text = text;
	pm.lang = lang;
	m = mention_from_plugin("src", "test", &pm, &cause);
	assert_non_null(m);
	return m;
}

/* A set of one track NAME with QUERY and LANGS (may be NULL). */
static struct match_set *
one(const char *query, char **langs)
{
	struct config_track t = { .name = "t", .query = (char *)query,
	    .langs = langs };
	struct match_set *set;
	char *cause = NULL;

	set = match_compile(&t, 1, &cause);
	assert_null(cause);
	assert_non_null(set);
	return set;
}

/* How many tracks of SET match a mention of TEXT in LANG. */
static int
run(const struct match_set *set, const char *text, const char *lang)
{
	struct mention *m = make(NULL, text, lang);
	char *folded = match_fold(m);
	int n = match_run(set, m, folded);

	assert_int_equal((size_t)n, m->ntracks);
	free(folded);
	mention_free(m);
	return n;
}

static void
test_word_boundaries(void **state)
{
	struct match_set *set = one("acme", NULL);

	(void)state;
	assert_int_equal(run(set, "I use acme daily", NULL), 1);
	assert_int_equal(run(set, "acme", NULL), 1);
	assert_int_equal(run(set, "(acme), acme's tools", NULL), 1);
	assert_int_equal(run(set, "#acme rocks", NULL), 1);
	assert_int_equal(run(set, "acmecorp is not it", NULL), 0);
	assert_int_equal(run(set, "megaacme neither", NULL), 0);
	assert_int_equal(run(set, "acme_x neither", NULL), 0);
	assert_int_equal(run(set, "\xc3\xa9" "acme neither", NULL), 0);
	/* An emoji is not a letter. */
	assert_int_equal(run(set, "\xf0\x9f\x98\x80" "acme\xf0\x9f\x98\x80", NULL), 1);
	match_free(set);

	/* A phrase that ends in punctuation needs no boundary there. */
	set = one("c++", NULL);
	assert_int_equal(run(set, "I write c++code", NULL), 1);
	assert_int_equal(run(set, "abc++", NULL), 0);
	match_free(set);
}

static void
test_or_and_quotes(void **state)
{
	struct match_set *set;

	(void)state;
	set = one("acme corp OR \"acme inc\" OR widgetco", NULL);
	assert_int_equal(run(set, "news about Acme   Corp today", NULL), 1);
	assert_int_equal(run(set, "ACME Inc. said", NULL), 1);
	assert_int_equal(run(set, "buy widgetco", NULL), 1);
	assert_int_equal(run(set, "acme alone", NULL), 0);
	assert_int_equal(run(set, "corp acme", NULL), 0);
	match_free(set);

	/* A quoted phrase may hold " OR ". */
	set = one("\"black OR white\"", NULL);
	assert_int_equal(run(set, "black or white", NULL), 1);
	assert_int_equal(run(set, "black", NULL), 0);
	match_free(set);

	/* Lower-case "or" is part of the phrase. */
	set = one("this or that", NULL);
	assert_int_equal(run(set, "this", NULL), 0);
	assert_int_equal(run(set, "THIS OR THAT", NULL), 1);
	match_free(set);
}

static void
test_case_and_accents(void **state)
{
	struct match_set *set = one("Cr\xc3\xa8me Br\xc3\xbbl\xc3\xa9" "e", NULL);

	(void)state;
	assert_int_equal(run(set, "la CREME brulee", NULL), 1);
	assert_int_equal(run(set, "une cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e !", NULL), 1);
	assert_int_equal(run(set, "<p>CR&Egrave;ME <b>BR&Ucirc;L&Eacute;E</b></p>", NULL), 1);
	match_free(set);
	set = one("resume", NULL);
	assert_int_equal(run(set, "my r\xc3\xa9sum\xc3\xa9", NULL), 1);
	match_free(set);
}

static void
test_title_and_text(void **state)
{
	struct match_set *set = one("acme launch", NULL);
	struct mention *m;
	char *folded;

	(void)state;
	m = make("Big Acme Launch", "details inside", NULL);
	folded = match_fold(m);
	assert_int_equal(match_run(set, m, folded), 1);
	free(folded);
	mention_free(m);
	/* A phrase never spans the title and the text. */
	m = make("about acme", "launch day", NULL);
	folded = match_fold(m);
	assert_int_equal(match_run(set, m, folded), 0);
	free(folded);
	mention_free(m);
	match_free(set);
}

static void
test_lang_filter(void **state)
{
	char *langs[] = { "fr", "en", NULL };
	struct match_set *set = one("acme", langs);

	(void)state;
	assert_int_equal(run(set, "acme", "fr"), 1);
	assert_int_equal(run(set, "acme", "EN-gb"), 1);
	assert_int_equal(run(set, "acme", "de"), 0);
	assert_int_equal(run(set, "acme", NULL), 1);	/* unknown: kept */
	match_free(set);
}

static void
test_terms(void **state)
{
	struct config_track t[2] = {
		{ .name = "acme", .query = "Acme OR \"Road Runner\" OR coyote" },
		{ .name = "birds", .query = "road runner OR eagle" },
	};
	struct match_set *set;
	struct mention *m;
	char *cause = NULL, *folded;

	(void)state;
	set = match_compile(t, 2, &cause);
	assert_non_null(set);
	m = make(NULL, "The road runner beat ACME again", NULL);
	folded = match_fold(m);
	assert_int_equal(match_run(set, m, folded), 2);
	assert_int_equal(m->ntracks, 2);
	assert_string_equal(m->tracks[0], "acme");
	assert_string_equal(m->tracks[1], "birds");
	/* Terms as written in the queries, each once. */
	assert_int_equal(m->nterms, 3);
	assert_string_equal(m->terms[0], "Acme");
	assert_string_equal(m->terms[1], "Road Runner");
	assert_string_equal(m->terms[2], "road runner");
	free(folded);
	mention_free(m);
	match_free(set);
}

static void
test_many_tracks(void **state)
{
	struct config_track t[200];
	char names[200][16], queries[200][64];
	struct match_set *set;
	struct mention *m;
	char *cause = NULL, *folded;
	size_t i;

	(void)state;
	memset(t, 0, sizeof(t));
	for (i = 0; i < 200; i++) {
		snprintf(names[i], sizeof(names[i]), "t%zu", i);
		snprintf(queries[i], sizeof(queries[i]),
		    "brand%zu OR \"product %zu\"", i, i);
		t[i].name = names[i];
		t[i].query = queries[i];
	}
	set = match_compile(t, 200, &cause);
	assert_non_null(set);
	m = make(NULL, "brand7 and product 150 but not brand1999 or product", NULL);
	folded = match_fold(m);
	assert_int_equal(match_run(set, m, folded), 2);
	assert_string_equal(m->tracks[0], "t7");
	assert_string_equal(m->tracks[1], "t150");
	free(folded);
	mention_free(m);
	match_free(set);
}

static void
test_bad_queries(void **state)
{
	static const char *const bad[] = {
		"", "   ", "acme OR ", "acme OR  OR x", "\"unclosed",
		"ac\"me", "\"a\" b", "\"\"", "\"  \"", "acme OR", "OR acme", "OR",
	};
	struct config_track t = { .name = "broken" };
	struct config_where where = { .file = "m.conf", .line = 7 };
	char *cause;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t.query = (char *)bad[i];
		t.where = where;
		cause = NULL;
		assert_null(match_compile(&t, 1, &cause));
		assert_non_null(cause);
		assert_non_null(strstr(cause, "track broken (m.conf:7)"));
		free(cause);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word_boundaries),
		cmocka_unit_test(test_or_and_quotes),
		cmocka_unit_test(test_case_and_accents),
		cmocka_unit_test(test_title_and_text),
		cmocka_unit_test(test_lang_filter),
		cmocka_unit_test(test_terms),
		cmocka_unit_test(test_many_tracks),
		cmocka_unit_test(test_bad_queries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
