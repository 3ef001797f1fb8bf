/*
 * test_match.c - the tracked-query matcher (daemon/match.c): whole words,
 * handles and hashtags, wildcards, phrases, AND/OR/NOT, NEAR/n, fields, exact
 * case against folding, accents both ways, French elisions, the language
 * filter, the terms reported, many tracks, and errors naming track and
 * column.
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

/* What a test mention holds besides its text. */
struct fields {
	const char	*title;
	const char	*lang;
	const char	*url;
	const char	*handle;
	const char	*name;
};

/* A mention of TEXT with F (may be NULL), from source "src". */
static struct mention *
make(const char *text, const struct fields *f)
{
	struct md_mention pm = MD_MENTION_INIT;
	struct mention *m;
	char *cause = NULL;

	pm.id = "1";
	pm.text = text;
	if (f != NULL) {
		pm.title = f->title;
		pm.lang = f->lang;
		pm.url = f->url;
		pm.author_handle = f->handle;
		pm.author_name = f->name;
	}
	m = mention_from_plugin("src", "jsonl", &pm, &cause);
	assert_non_null(m);
	return m;
}

/* A set of one track "t" with QUERY and LANGS (may be NULL). */
static struct match_set *
one(const char *query, char **langs)
{
	struct config_track t = { .name = "t", .query = (char *)query,
	    .langs = langs };
	struct match_set *set;
	char *cause = NULL;

	set = match_compile(&t, 1, &cause);
	if (set == NULL)
		fail_msg("%s: %s", query, cause);
	return set;
}

/* How many tracks of SET match a mention of TEXT with F. */
static int
runf(const struct match_set *set, const char *text, const struct fields *f)
{
	struct mention *m = make(text, f);
	char *folded = match_fold(m);
	int n = match_run(set, m, folded);

	assert_int_equal((size_t)n, m->ntracks);
	free(folded);
	mention_free(m);
	return n;
}

/* How many tracks of SET match a mention of TEXT in LANG. */
static int
run(const struct match_set *set, const char *text, const char *lang)
{
	struct fields f = { .lang = lang };

	return runf(set, text, &f);
}

/* Assert that QUERY matches each text of YES and none of NO. */
static void
check(const char *query, const char *const *yes, const char *const *no)
{
	struct match_set *set = one(query, NULL);

	for (; yes != NULL && *yes != NULL; yes++)
		if (run(set, *yes, NULL) != 1)
			fail_msg("%s should match \"%s\"", query, *yes);
	for (; no != NULL && *no != NULL; no++)
		if (run(set, *no, NULL) != 0)
			fail_msg("%s should not match \"%s\"", query, *no);
	match_free(set);
}

#define L(...)	((const char *const []){ __VA_ARGS__, NULL })

static void
test_word_boundaries(void **state)
{
	(void)state;
	check("acme", L("I use acme daily", "acme", "(acme), acme's tools",
	    "ACME!", "acme.", "acme\nx",
	    /* An emoji is not a letter. */
	    "\xf0\x9f\x98\x80" "acme\xf0\x9f\x98\x80"),
	    L("acmecorp is not it", "megaacme neither", "acme_x neither",
	    "x_acme", "acme2", "\xc3\xa9" "acme neither",
	    /* A letter of another script is a letter. */
	    "\xd0\xb4" "acme", "acme\xe4\xb8\xad"));
	/* A term that ends in punctuation needs no boundary there. */
	check("c++", L("I write c++code", "c++"), L("abc++"));
	/* Digits are word characters. */
	check("r2d2", L("r2d2 rocks"), L("r2d22", "ar2d2"));
	check("2024", L("in 2024."), L("20245"));
}

static void
test_handles_hashtags(void **state)
{
	(void)state;
	/* A word matches a hashtag, not a handle (see match.h). */
	check("acme", L("#acme rocks", "love it #acme", "mail bob@acme.com",
	    "https://acme.com/x"),
	    L("@acme hello", "hi @acme", "#acmefail", "@acme_help"));
	check("@acme", L("@acme hello", "hi @Acme!", "(@acme)"),
	    L("acme", "#acme", "bob@acme.com", "@acmesupport", "@@acmex"));
	check("#acme", L("#acme rocks", "#ACME", "x #acme."),
	    L("acme", "@acme", "#acmefail", "c#acme"));
	check("#acme OR @acme", L("#acme", "@acme"), L("acme"));
}

static void
test_wildcard(void **state)
{
	(void)state;
	check("acme*", L("acme", "acmebox", "AcmeCorp rules", "acme's",
	    "#acmefail"),
	    L("megaacme", "acm", "x_acme"));
	check("\"acme cor*\"", NULL, L("acme corp"));	/* '*' literal in quotes */
	check("\"acme\" cor*", L("acme corporation"), L("acme"));
}

static void
test_phrases(void **state)
{
	(void)state;
	check("\"acme corp\"", L("news about Acme   Corp today", "ACME CORP.",
	    "acme\tcorp"),
	    L("acme alone", "corp acme", "acme, corp", "acme corporation"));
	check("\"road runner\" OR coyote", L("the Road Runner", "coyote"),
	    L("road", "runner road"));
	/* A phrase never spans the title and the text. */
	{
		struct match_set *set = one("\"acme launch\"", NULL);
		struct fields f = { .title = "Big Acme Launch" };
		struct fields g = { .title = "about acme" };

		assert_int_equal(runf(set, "details inside", &f), 1);
		assert_int_equal(runf(set, "launch day", &g), 0);
		match_free(set);
	}
}

static void
test_boolean(void **state)
{
	(void)state;
	check("acme lumio", L("acme and lumio", "lumio, acme"),
	    L("acme", "lumio"));
	check("acme AND lumio", L("lumio acme"), L("acme"));
	check("acme OR lumio", L("acme", "lumio"), L("nothing"));
	check("acme -refund", L("acme rocks"), L("acme refund now"));
	check("acme NOT (refund OR scam)", L("acme rocks"),
	    L("acme refund", "acme scam"));
	check("(acme OR lumio) (broken OR outage)",
	    L("acme is broken", "outage at lumio"),
	    L("acme lumio", "broken outage"));
	check("acme OR lumio AND x", L("acme", "lumio x"), L("lumio"));
	check("NOT refund acme", L("acme"), L("refund acme"));
}

static void
test_near(void **state)
{
	(void)state;
	check("acme NEAR/2 broken", L("acme broken", "acme is so broken",
	    "broken again, acme", "Broken: my ACME router"),
	    L("acme is really very broken", "acme", "broken"));
	check("acme NEAR/0 broken", L("acme broken", "broken acme"),
	    L("acme is broken"));
	check("\"acme router\" NEAR/1 broken", L("acme router is broken",
	    "broken acme router"),
	    L("acme router is really broken"));
	check("(acme OR lumio) NEAR/3 (broken OR outage)",
	    L("lumio has an outage", "outage for acme today"),
	    L("acme works fine; far away there is an outage"));
	/* The sides may not be the same word. */
	check("acme* NEAR/3 acmebox", L("acme and acmebox"), L("acmebox"));
	/* Positions count words, not bytes. */
	check("acme NEAR/1 panne", L("acme \xc3\xa9norm\xc3\xa9ment panne"),
	    L("acme \xc3\xa9norm\xc3\xa9ment tr\xc3\xa8s panne"));
	/* NEAR counts across the title and the text as one. */
	{
		struct match_set *set = one("acme NEAR/1 broken", NULL);
		struct fields f = { .title = "acme" };

		assert_int_equal(runf(set, "broken", &f), 1);
		match_free(set);
	}
}

static void
test_case_and_accents(void **state)
{
	(void)state;
	/* Folded both ways: the query or the text may carry the accents. */
	check("Cr\xc3\xa8me Br\xc3\xbbl\xc3\xa9" "e",
	    L("la CREME brulee", "une cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e !",
	    "<p>CR&Egrave;ME <b>BR&Ucirc;L&Eacute;E</b></p>"), L("creme"));
	check("cree", L("Cr\xc3\xa9\xc3\xa9", "CR\xc3\x89\xc3\x89"), L("cre"));
	check("\xc3\x89T\xc3\x89", L("ete", "\xc3\xa9t\xc3\xa9", "Et\xc3\xa9"),
	    L("etre"));
	check("resume", L("my r\xc3\xa9sum\xc3\xa9"), L("resumed"));
	/* A decomposed accent (e + U+0301) folds the same. */
	check("cafe", L("un cafe\xcc\x81 noir"), L("cafes"));
}

static void
test_exact_case(void **state)
{
	(void)state;
	check("=\"ACME\"", L("ACME is down", "love ACME!", "#ACME"),
	    L("acme is down", "Acme", "ACMEs"));
	check("=Apple", L("I bought an Apple laptop"),
	    L("an apple a day", "APPLE"));
	/* The exact word must be the one found, not another occurrence. */
	check("=Apple NEAR/0 laptop", L("apple pie, Apple laptop"),
	    L("Apple pie, apple laptop"));
	check("=\"Road Runner\"", L("the Road   Runner"), L("the road runner"));
	check("=Acme*", L("AcmeBox"), L("acmebox"));
	/* Accents are exact too. */
	check("=\"\xc3\x89t\xc3\xa9\"", L("\xc3\x89t\xc3\xa9 2024"),
	    L("Ete 2024", "\xc3\xa9t\xc3\xa9 2024"));
}

static void
test_elisions(void **state)
{
	(void)state;
	check("acme", L("l'acme est en panne", "j'adore d'Acme",
	    "qu\xe2\x80\x99" "acme", "L\xe2\x80\x99" "ACME"),
	    L("lacme"));
	check("\"service client\"", L("le service-client ? non: service client"),
	    L("service-client"));
}

static void
test_fields(void **state)
{
	struct match_set *set;
	struct fields f = {
		.title = "Acme launch", .lang = "fr-FR",
		.url = "https://shop.acme.com/p/Lumio?x=1",
		.handle = "@JaneDoe", .name = "Jane D\xc3\xa9sir\xc3\xa9" "e",
	};

	(void)state;
	set = one("title:acme", NULL);
	assert_int_equal(runf(set, "nothing here", &f), 1);
	assert_int_equal(run(set, "acme in the text only", NULL), 0);
	match_free(set);
	set = one("title:(lumio OR launch) acme", NULL);
	assert_int_equal(runf(set, "x", &f), 1);
	match_free(set);

	set = one("acme author:janedoe", NULL);
	assert_int_equal(runf(set, "acme", &f), 1);
	assert_int_equal(run(set, "acme", NULL), 0);
	match_free(set);
	set = one("author:@janedoe", NULL);
	assert_int_equal(runf(set, "x", &f), 1);
	match_free(set);
	set = one("author:jane*", NULL);
	assert_int_equal(runf(set, "x", &f), 1);
	match_free(set);
	set = one("author:\"jane desiree\"", NULL);
	assert_int_equal(runf(set, "x", &f), 1);
	match_free(set);
	set = one("author:jan", NULL);
	assert_int_equal(runf(set, "x", &f), 0);
	match_free(set);

	set = one("site:acme.com", NULL);
	assert_int_equal(runf(set, "x", &f), 1);
	match_free(set);
	set = one("site:www.acme.com", NULL);
	assert_int_equal(runf(set, "x", &f), 1);
	match_free(set);
	set = one("site:cme.com", NULL);
	assert_int_equal(runf(set, "x", &f), 0);
	match_free(set);
	set = one("url:/p/lumio", NULL);
	assert_int_equal(runf(set, "x", &f), 1);
	match_free(set);
	set = one("url:/q/", NULL);
	assert_int_equal(runf(set, "x", &f), 0);
	match_free(set);

	set = one("acme lang:fr", NULL);
	assert_int_equal(runf(set, "acme", &f), 1);
	assert_int_equal(run(set, "acme", "en"), 0);
	assert_int_equal(run(set, "acme", NULL), 0);
	match_free(set);
	set = one("acme -lang:en", NULL);
	assert_int_equal(run(set, "acme", "fr"), 1);
	assert_int_equal(run(set, "acme", "en-GB"), 0);
	match_free(set);

	set = one("source:src", NULL);
	assert_int_equal(run(set, "anything", NULL), 1);
	match_free(set);
	set = one("source:jsonl acme", NULL);
	assert_int_equal(run(set, "acme", NULL), 1);
	assert_int_equal(run(set, "nope", NULL), 0);
	match_free(set);
	set = one("acme -source:src", NULL);
	assert_int_equal(run(set, "acme", NULL), 0);
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
	struct config_track t[3] = {
		{ .name = "acme", .query = "Acme OR \"Road Runner\" OR coyote "
		    "-x" },
		{ .name = "birds", .query = "\"road runner\" OR eagle*" },
		{ .name = "near", .query = "(beat OR won) NEAR/2 =ACME "
		    "-refund" },
	};
	struct match_set *set;
	struct mention *m;
	char *cause = NULL, *folded;

	(void)state;
	set = match_compile(t, 3, &cause);
	if (set == NULL)
		fail_msg("%s", cause);
	m = make("The road runner beat ACME again, eagles too", NULL);
	folded = match_fold(m);
	assert_int_equal(match_run(set, m, folded), 3);
	assert_int_equal(m->ntracks, 3);
	assert_string_equal(m->tracks[0], "acme");
	assert_string_equal(m->tracks[1], "birds");
	assert_string_equal(m->tracks[2], "near");
	/* Terms as written in the queries, each once, negated ones left out. */
	assert_int_equal(m->nterms, 6);
	assert_string_equal(m->terms[0], "Acme");
	assert_string_equal(m->terms[1], "Road Runner");
	assert_string_equal(m->terms[2], "road runner");
	assert_string_equal(m->terms[3], "eagle*");
	assert_string_equal(m->terms[4], "beat");
	assert_string_equal(m->terms[5], "=ACME");
	free(folded);
	mention_free(m);
	match_free(set);
}

static void
test_terms_true_branches(void **state)
{
	struct match_set *set = one("\"acme corp\" OR (acme NEAR/2 broken) OR "
	    "lang:fr", NULL);
	struct mention *m;
	char *folded;

	(void)state;
	/* acme is found, but its branch (the NEAR) is false: not reported. */
	m = make("Acme Corp is great", NULL);
	folded = match_fold(m);
	assert_int_equal(match_run(set, m, folded), 1);
	assert_int_equal(m->nterms, 1);
	assert_string_equal(m->terms[0], "acme corp");
	free(folded);
	mention_free(m);
	match_free(set);
}

static void
test_many_tracks(void **state)
{
	struct config_track *t;
	char (*names)[16], (*queries)[96];
	struct match_set *set;
	struct mention *m;
	char *cause = NULL, *folded;
	size_t i, n = 2000, tracks, terms, states;

	(void)state;
	t = calloc(n, sizeof(*t));
	names = calloc(n, sizeof(*names));
	queries = calloc(n, sizeof(*queries));
	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "t%zu", i);
		snprintf(queries[i], sizeof(queries[i]),
		    "brand%zu OR \"product %zu\" OR (common NEAR/1 w%zu)",
		    i, i, i);
		t[i].name = names[i];
		t[i].query = queries[i];
	}
	set = match_compile(t, n, &cause);
	assert_non_null(set);
	match_stats(set, &tracks, &terms, &states);
	assert_int_equal(tracks, n);
	assert_int_equal(terms, 4 * n);
	assert_true(match_memory(set) > 0);
	m = make("brand7 and product 150 but not brand19999 or product; "
	    "common w1999", NULL);
	folded = match_fold(m);
	assert_int_equal(match_run(set, m, folded), 3);
	assert_string_equal(m->tracks[0], "t7");
	assert_string_equal(m->tracks[1], "t150");
	assert_string_equal(m->tracks[2], "t1999");
	free(folded);
	mention_free(m);
	match_free(set);
	free(t);
	free(names);
	free(queries);
}

static void
test_bad_queries(void **state)
{
	static const struct {
		const char	*query;
		const char	*want;
	} bad[] = {
		{ "", "query column 1: empty query" },
		{ "acme OR ", "query column 9: expected a term after 'OR'" },
		{ "\"unclosed", "query column 10: expected '\"'" },
		{ "(acme", "query column 6: expected ')' to close the '(' at "
		    "column 1" },
		{ "acme \xe2\x80\x8b", "query column 6: '\xe2\x80\x8b' has "
		    "nothing to match" },
		{ "-acme", "query column 1: the query only excludes" },
	};
	struct config_track t = { .name = "broken" };
	struct config_where where = { .file = "m.conf", .line = 7 };
	char *cause;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t.query = (char *)bad[i].query;
		t.where = where;
		cause = NULL;
		assert_null(match_compile(&t, 1, &cause));
		assert_non_null(cause);
		if (strstr(cause, "track broken (m.conf:7): ") == NULL ||
		    strstr(cause, bad[i].want) == NULL)
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].query,
			    cause, bad[i].want);
		free(cause);
	}
}

static void
test_check(void **state)
{
	struct config_track t[3] = {
		{ .name = "good", .query = "acme", .where = { "a.conf", 2 } },
		{ .name = "bad", .query = "acme AND (x", .where = { "a.conf", 5 } },
		{ .name = "worse", .query = "OR", .where = { "b.conf", 9 } },
	};
	struct config cfg = { .tracks = t, .ntracks = 3 };
	struct config_errors errs = { 0 };

	(void)state;
	assert_int_equal(match_check(&cfg, &errs), -1);
	assert_int_equal(errs.n, 2);
	assert_string_equal(errs.msgs[0], "a.conf:5: [track bad] query column "
	    "12: expected ')' to close the '(' at column 10");
	assert_string_equal(errs.msgs[1], "b.conf:9: [track worse] query "
	    "column 1: expected a term, found 'OR'");
	config_errors_clear(&errs);
	cfg.ntracks = 1;
	assert_int_equal(match_check(&cfg, &errs), 0);
	assert_int_equal(errs.n, 0);
}

static void
test_phrase_found(void **state)
{
	(void)state;
	/* What classification uses: plain whole words. */
	assert_true(match_phrase_found("it is broken!", "broken", 6));
	assert_true(match_phrase_found("@broken", "broken", 6));
	assert_false(match_phrase_found("unbroken", "broken", 6));
	assert_true(match_phrase_found("it does not work", "not work", 8));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word_boundaries),
		cmocka_unit_test(test_handles_hashtags),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_phrases),
		cmocka_unit_test(test_boolean),
		cmocka_unit_test(test_near),
		cmocka_unit_test(test_case_and_accents),
		cmocka_unit_test(test_exact_case),
		cmocka_unit_test(test_elisions),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_lang_filter),
		cmocka_unit_test(test_terms),
		cmocka_unit_test(test_terms_true_branches),
		cmocka_unit_test(test_many_tracks),
		cmocka_unit_test(test_bad_queries),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_phrase_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
