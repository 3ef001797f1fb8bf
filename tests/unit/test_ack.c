/*
 * test_ack.c - cursors that wait for their mentions: a commit runs only once
 * every mention taken before it is accepted, in whatever order they are;
 * at once when none is outstanding; never after a mention is lost; its value
 * is visible as pending meanwhile; a detached queue runs nothing more and is
 * freed with its last mention (ASan finds a leak or a use after free).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ack.h"

/* What the commits did: "key=value;" appended in order. */
struct log {
	char	 text[256];
	int	 n;
};

static void
record(void *arg, const char *key, const char *value)
{
	struct log *l = arg;
	size_t len = strlen(l->text);

	snprintf(l->text + len, sizeof(l->text) - len, "%s=%s;", key,
	    value != NULL ? value : "(deleted)");
	l->n++;
}

static void
test_waits_for_earlier_mentions(void **state)
{
	struct log l = { "", 0 };
	struct ack *a = ack_new(record, &l);
	const char *v;
	uint64_t s0, s1, s2;

	(void)state;
	ack_commit(a, "cursor", "0");		/* nothing outstanding: at once */
	assert_string_equal(l.text, "cursor=0;");
	s0 = ack_take(a);
	s1 = ack_take(a);
	ack_commit(a, "cursor", "2");		/* waits for s0 and s1 */
	s2 = ack_take(a);
	ack_commit(a, "cursor", "3");		/* waits for s2 too */
	assert_int_equal(l.n, 1);
	assert_int_equal(ack_pending(a, "cursor", &v), 1);
	assert_string_equal(v, "3");
	assert_int_equal(ack_pending(a, "other", &v), 0);

	ack_done(a, s1, 1);			/* out of order */
	assert_int_equal(l.n, 1);
	ack_done(a, s1, 1);			/* twice: ignored */
	ack_done(a, s0, 1);
	assert_string_equal(l.text, "cursor=0;cursor=2;");
	ack_done(a, s2, 1);
	assert_string_equal(l.text, "cursor=0;cursor=2;cursor=3;");
	assert_int_equal(ack_outstanding(a), 0);
	assert_int_equal(ack_pending(a, "cursor", &v), 0);
	ack_detach(a);
}

static void
test_lost_mention_stops_commits(void **state)
{
	struct log l = { "", 0 };
	struct ack *a = ack_new(record, &l);
	uint64_t s0, s1;

	(void)state;
	s0 = ack_take(a);
	ack_commit(a, "cursor", "1");
	s1 = ack_take(a);
	ack_commit(a, "cursor", "2");
	ack_done(a, s0, 0);			/* lost */
	ack_done(a, s1, 1);
	assert_int_equal(ack_lost(a), 1);
	ack_commit(a, "cursor", "3");		/* none, this run */
	assert_int_equal(l.n, 0);
	ack_detach(a);
}

static void
test_many_outstanding(void **state)
{
	struct log l = { "", 0 };
	struct ack *a = ack_new(record, &l);
	uint64_t seq[1000];
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)		/* the ring grows */
		seq[i] = ack_take(a);
	ack_commit(a, "k", "v");
	for (i = 999; i > 0; i--)
		ack_done(a, seq[i], 1);
	assert_int_equal(l.n, 0);
	ack_done(a, seq[0], 1);
	assert_string_equal(l.text, "k=v;");
	ack_commit(a, "k", NULL);
	assert_string_equal(l.text, "k=v;k=(deleted);");
	ack_detach(a);
}

static void
test_detach_with_outstanding(void **state)
{
	struct log l = { "", 0 };
	struct ack *a = ack_new(record, &l);
	uint64_t s0, s1;

	(void)state;
	s0 = ack_take(a);
	s1 = ack_take(a);
	ack_commit(a, "cursor", "2");
	ack_detach(a);				/* the source stopped */
	ack_done(a, s0, 1);
	assert_int_equal(l.n, 0);		/* its commits are gone */
	ack_done(a, s1, 1);			/* frees the queue */
	assert_int_equal(l.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waits_for_earlier_mentions),
		cmocka_unit_test(test_lost_mention_stops_commits),
		cmocka_unit_test(test_many_outstanding),
		cmocka_unit_test(test_detach_with_outstanding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
