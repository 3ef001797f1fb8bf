/*
 * test_classify.c - the composition (daemon/classify.c): the language from
 * the source's tag or detected, question, sentiment and classes on the
 * mention, title and text together; and the priority formula's numbers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "mention.h"
#include "sentiment.h"

/* A classified mention with TITLE (may be NULL), TEXT and LANG (may be
 * NULL), the counts unknown. */
static struct mention *
classified(const char *title, const char *text, const char *lang)
{
	struct md_mention pm = MD_MENTION_INIT;
	struct mention *m;
	char *cause = NULL;

	pm.id = "1";
	pm.title = title;
	pm.text = text;
	pm.lang = lang;
	m = mention_from_plugin("s", "p", &pm, &cause);
	assert_non_null(m);
	classify_run(m, NULL);
	return m;
}

/* The classes of TEXT in LANG. */
static unsigned
classes(const char *text, const char *lang)
{
	struct mention *m = classified(NULL, text, lang);
	unsigned c = m->classes;

	mention_free(m);
	return c;
}

static void
test_lang(void **state)
{
	struct classify_result r;
	struct mention *m;
	const char *fr = "Bonjour, je suis tr\xc3\xa8s d\xc3\xa9\xc3\xa7u par "
	    "votre service client, personne ne r\xc3\xa9pond";

	(void)state;
	/* Tags: the first two letters, any case, with a region or not. */
	assert_string_equal(classify_lang_tag("en"), "en");
	assert_string_equal(classify_lang_tag("EN-gb"), "en");
	assert_string_equal(classify_lang_tag("fr_CA"), "fr");
	assert_string_equal(classify_lang_tag("de"), "other");
	assert_string_equal(classify_lang_tag("english"), "other");
	assert_null(classify_lang_tag(""));
	assert_null(classify_lang_tag(NULL));

	/* No tag: detected, and set on the mention. */
	m = classified(NULL, fr, NULL);
	assert_string_equal(m->lang, "fr");
	assert_true(m->classes & MENTION_NEGATIVE);
	mention_free(m);
	m = classified(NULL, "Thanks a lot, the new release works great", NULL);
	assert_string_equal(m->lang, "en");
	assert_int_equal(m->classes, MENTION_POSITIVE);
	mention_free(m);
	/* A tag wins over detection and is kept as it is. */
	m = classified(NULL, fr, "fr-FR");
	assert_string_equal(m->lang, "fr-FR");
	mention_free(m);
	classify_text("totally english words here", 26, "fr", &r);
	assert_string_equal(r.lang, "fr");
}

static void
test_composition(void **state)
{
	struct classify_result r;
	struct mention *m;
	const char *t;

	(void)state;
	/* Question, negative, positive, and both at once. */
	assert_int_equal(classes("How do I reset my router?", "en"),
	    MENTION_QUESTION);
	assert_int_equal(classes("The update is broken and support is useless",
	    "en"), MENTION_NEGATIVE);
	assert_int_equal(classes("I love the new app, thank you!", "en"),
	    MENTION_POSITIVE);
	assert_int_equal(classes("Why is the app so slow and broken?", "en"),
	    MENTION_QUESTION | MENTION_NEGATIVE);
	assert_int_equal(classes("Est-ce que quelqu'un sait comment "
	    "r\xc3\xa9initialiser la box ?", "fr"), MENTION_QUESTION);
	assert_int_equal(classes("c'est vraiment nul, encore une panne", "fr"),
	    MENTION_NEGATIVE);
	assert_int_equal(classes("the meeting is at noon", "en"), 0);

	/* The title counts with the text. */
	m = classified("Terrible support", "they closed my ticket", "en");
	assert_true(m->classes & MENTION_NEGATIVE);
	assert_true(m->sentiment < 0);
	mention_free(m);
	m = classified("Quick question", "how do I export my data?", "en");
	assert_true(m->classes & MENTION_QUESTION);
	mention_free(m);

	/* classify_text gives the same as the daemon's classify_run. */
	t = "Why is the app so slow and broken?";
	classify_text(t, strlen(t), "en", &r);
	assert_string_equal(r.lang, "en");
	assert_int_equal(r.question, 1);
	assert_true(r.question_score >= 0.5 && r.question_score <= 1);
	assert_int_equal(r.polarity, SENTIMENT_NEGATIVE);
	m = classified(NULL, t, "en");
	/* The mention carries the score to four decimals. */
	assert_true(m->sentiment == round(r.sentiment * 1e4) / 1e4);
	assert_true(fabs(m->sentiment - r.sentiment) <= 0.00005);
	mention_free(m);
}

/* A mention with no class and nothing known, for the priority numbers. */
static struct mention *
blank(void)
{
	struct mention *m = classified(NULL, "the meeting is at noon", "en");

	assert_int_equal(m->classes, 0);
	return m;
}

static void
test_priority(void **state)
{
	struct mention *m;

	(void)state;
	classify_set_influencer(0);
	m = blank();
	/* Nothing known, no class: 0. */
	assert_true(m->priority == 0);
	assert_true(classify_priority(m) == 0);

	/* Question alone: 0.35. */
	m->classes = MENTION_QUESTION;
	assert_float_equal(classify_priority(m), 0.35, 1e-12);
	/* Negative: 0.45 * (0.5 + 0.5 * -s / 0.75), at most 0.45. */
	m->classes = MENTION_NEGATIVE;
	m->sentiment = -0.3;
	assert_float_equal(classify_priority(m), 0.45 * 0.7, 1e-12);
	m->sentiment = -0.9;
	assert_float_equal(classify_priority(m), 0.45, 1e-12);
	/* A negative question: 0.80 at the strongest. */
	m->classes = MENTION_NEGATIVE | MENTION_QUESTION;
	assert_float_equal(classify_priority(m), 0.80, 1e-12);
	/* Positive alone does not raise the priority. */
	m->classes = MENTION_POSITIVE;
	m->sentiment = 0.9;
	assert_true(classify_priority(m) == 0);

	/* Reach: 999 followers -> log10(1000)/6 = 0.5, weight 0.1. */
	m->classes = MENTION_QUESTION;
	m->author_followers = 999;
	assert_float_equal(classify_priority(m), 0.35 + 0.05, 1e-12);
	/* The influencer threshold (default 10000) adds 0.04. */
	m->author_followers = 10000;
	assert_float_equal(classify_priority(m),
	    0.35 + 0.1 * log10(10001.0) / 6 + 0.04, 1e-12);
	m->author_followers = 999;
	classify_set_influencer(500);
	assert_float_equal(classify_priority(m), 0.35 + 0.05 + 0.04, 1e-12);
	classify_set_influencer(0);
	assert_float_equal(classify_priority(m), 0.35 + 0.05, 1e-12);

	/* Engagement: 50+40+9 -> log10(100)/4 = 0.5, weight 0.1. */
	m->replies = 50;
	m->reposts = 40;
	m->score = 9;
	assert_float_equal(classify_priority(m), 0.35 + 0.05 + 0.05, 1e-12);

	/* Freshness: half after 6 hours, weight 0.06; whole in the future. */
	m->seen_ms = 1700000000000LL;
	m->published = 1700000000 - 6 * 3600;
	assert_float_equal(classify_priority(m), 0.45 + 0.03, 1e-9);
	m->published = 1700000000 - 12 * 3600;
	assert_float_equal(classify_priority(m), 0.45 + 0.015, 1e-9);
	m->published = 1700000100;
	assert_float_equal(classify_priority(m), 0.45 + 0.06, 1e-9);

	/* Everything at the most: clamped to 1. */
	m->classes = MENTION_NEGATIVE | MENTION_QUESTION;
	m->sentiment = -1;
	m->author_followers = 50000000;
	m->replies = 1000000;
	assert_float_equal(classify_priority(m), 1.0, 1e-12);

	/* Unknown and negative counts, unknown time: 0. */
	m->classes = 0;
	m->author_followers = -1;
	m->replies = -1;
	m->reposts = -1;
	m->score = -50;
	m->published = 0;
	assert_true(classify_priority(m) == 0);
	mention_free(m);

	/* classify_run sets the priority from what it found. */
	m = classified(NULL, "How do I reset my router?", "en");
	assert_float_equal(m->priority, 0.35, 1e-12);
	mention_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lang),
		cmocka_unit_test(test_composition),
		cmocka_unit_test(test_priority),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
