/*
 * test_classify.c - the bare rules (daemon/classify.c): question, negative,
 * positive, sentiment, and the priority formula's numbers.
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
#include "match.h"
#include "mention.h"

/* A classified mention with TITLE (may be NULL) and TEXT, the counts unknown. */
static struct mention *
classified(const char *title, const char *text)
{
	struct md_mention pm = MD_MENTION_INIT;
	struct mention *m;
	char *cause = NULL, *folded;

	pm.id = "1";
	pm.title = title;
	pm.text = text;
	m = mention_from_plugin("s", "p", &pm, &cause);
	assert_non_null(m);
	folded = match_fold(m);
	classify_run(m, folded);
	free(folded);
	return m;
}

/* The classes of TEXT. */
static unsigned
classes(const char *text)
{
	struct mention *m = classified(NULL, text);
	unsigned c = m->classes;

	mention_free(m);
	return c;
}

static void
test_question(void **state)
{
	struct mention *m;

	(void)state;
	assert_int_equal(classes("How do I reset it?"), MENTION_QUESTION);
	assert_int_equal(classes("Quelqu'un sait ?"), MENTION_QUESTION);
	assert_int_equal(classes("really?! ok"), MENTION_QUESTION);
	assert_int_equal(classes("statement."), 0);
	/* A '?' inside a URL is not a question. */
	assert_int_equal(classes("see https://x.org/?q=1&r=2 for details"), 0);
	m = classified("Why is it so slow?", "body");
	assert_int_equal(m->classes, MENTION_QUESTION);
	mention_free(m);
}

static void
test_negative(void **state)
{
	(void)state;
	assert_int_equal(classes("This update is BROKEN"), MENTION_NEGATIVE);
	assert_int_equal(classes("Worst. Support. Ever."), MENTION_NEGATIVE);
	assert_int_equal(classes("I want a refund"), MENTION_NEGATIVE);
	assert_int_equal(classes("never again with them"), MENTION_NEGATIVE);
	assert_int_equal(classes("It doesn\xe2\x80\x99t work"), MENTION_NEGATIVE);
	assert_int_equal(classes("Tr\xc3\xa8s d\xc3\xa9\xc3\xa7u par ce service"),
	    MENTION_NEGATIVE);
	assert_int_equal(classes("Encore une PANNE"), MENTION_NEGATIVE);
	assert_int_equal(classes("c'est une arnaque"), MENTION_NEGATIVE);
	/* Whole words only. */
	assert_int_equal(classes("unbroken record, hateful? no: whatever"),
	    MENTION_QUESTION);
	assert_int_equal(classes("nullable types"), 0);
	/* Negative wins over positive. */
	assert_int_equal(classes("great, another broken release"),
	    MENTION_NEGATIVE);
}

static void
test_positive(void **state)
{
	(void)state;
	assert_int_equal(classes("I love it"), MENTION_POSITIVE);
	assert_int_equal(classes("Thanks a lot!"), MENTION_POSITIVE);
	assert_int_equal(classes("G\xc3\xa9nial, merci"), MENTION_POSITIVE);
	assert_int_equal(classes("Bravo \xc3\xa0 l'\xc3\xa9quipe"),
	    MENTION_POSITIVE);
	assert_int_equal(classes("Is it great?"),
	    MENTION_POSITIVE | MENTION_QUESTION);
	assert_int_equal(classes("lovely weather"), 0);
}

static void
test_sentiment(void **state)
{
	struct mention *m;

	(void)state;
	m = classified(NULL, "terrible");
	assert_true(m->sentiment == -0.6);
	mention_free(m);
	m = classified(NULL, "awesome");
	assert_true(m->sentiment == 0.6);
	mention_free(m);
	m = classified(NULL, "awesome but useless");
	assert_true(m->sentiment == -0.6);
	mention_free(m);
	m = classified(NULL, "a plain remark");
	assert_true(m->sentiment == 0);
	mention_free(m);
}

static void
test_priority(void **state)
{
	struct mention *m;

	(void)state;
	/* Nothing known, no class: 0. */
	m = classified(NULL, "a plain remark");
	assert_true(m->priority == 0);
	mention_free(m);

	/* Question alone: 0.35; negative question: 0.80. */
	m = classified(NULL, "any idea?");
	assert_float_equal(m->priority, 0.35, 1e-12);
	mention_free(m);
	m = classified(NULL, "why is it broken?");
	assert_float_equal(m->priority, 0.80, 1e-12);
	mention_free(m);

	/* Reach: 999 followers -> log10(1000)/6 = 0.5, weight 0.1. */
	m = classified(NULL, "any idea?");
	m->author_followers = 999;
	assert_float_equal(classify_priority(m), 0.35 + 0.05, 1e-12);
	/* Engagement: 50+40+9 -> log10(100)/4 = 0.5, weight 0.1. */
	m->replies = 50;
	m->reposts = 40;
	m->score = 9;
	assert_float_equal(classify_priority(m), 0.35 + 0.05 + 0.05, 1e-12);
	/* Both capped at 1. */
	m->author_followers = 50000000;
	m->replies = 1000000;
	assert_float_equal(classify_priority(m), 0.35 + 0.1 + 0.1, 1e-12);
	/* Everything at once: 0.45 + 0.35 + 0.1 + 0.1 = 1. */
	m->classes |= MENTION_NEGATIVE;
	assert_float_equal(classify_priority(m), 1.0, 1e-12);
	/* Unknown and negative counts are 0. */
	m->classes = 0;
	m->author_followers = -1;
	m->replies = -1;
	m->reposts = -1;
	m->score = -50;
	assert_true(classify_priority(m) == 0);
	mention_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_question),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_positive),
		cmocka_unit_test(test_sentiment),
		cmocka_unit_test(test_priority),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
