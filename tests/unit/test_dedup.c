/*
 * test_dedup.c - the memory of what was seen (daemon/dedup.c): same id,
 * edits, same link (and the rule that a comment about a link is new),
 * forgetting the oldest when full and after the window, keys for dup_of.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "match.h"
#include "mention.h"

#define T0	1764000000000LL		/* a time, unix ms */

/* The dup_of of the last check (malloc'd or NULL) and its reason. */
static char *last_dup;
static const char *last_reason;
static struct dedup_hit last_hit;

/* A dedup of CAPACITY with the default parameters. */
static struct dedup *
make_dedup(size_t capacity)
{
	struct dedup_params p;

	dedup_params_default(&p);
	p.capacity = capacity;
	return dedup_new(&p);
}

/* Check mention SOURCE:ID with URL (may be NULL) and TEXT against D at time
 * NOW_MS; the dup_of and reason are left in last_dup and last_reason. */
static enum dedup_reason
check_at(struct dedup *d, const char *source, const char *id,
    const char *url, const char *text, int64_t now_ms)
{
	struct md_mention pm = MD_MENTION_INIT;
	char *cause = NULL, *folded;
	enum dedup_reason r;
	struct mention *m;

	pm.id = id;
	pm.url = url;
	pm.text = text;
	m = mention_from_plugin(source, "test", &pm, &cause);
	assert_non_null(m);
	folded = match_fold(m);
	r = dedup_check(d, m, folded, now_ms, &last_hit);
	free(last_dup);
	last_dup = m->dup_of;
	last_reason = m->dup_reason;
	m->dup_of = NULL;
	free(folded);
	mention_free(m);
	if (r == DEDUP_NEW) {
		assert_null(last_dup);
		assert_null(last_reason);
	} else {
		assert_non_null(last_dup);
		assert_string_equal(last_reason, dedup_reason_name(r));
	}
	return r;
}

/* check_at with a short text, at T0. */
static enum dedup_reason
check(struct dedup *d, const char *source, const char *id, const char *url)
{
	return check_at(d, source, id, url, "text", T0);
}

static int
teardown(void **state)
{
	(void)state;
	free(last_dup);
	last_dup = NULL;
	return 0;
}

/* The same source and id is a repeat; another source or id is not. */
static void
test_same_id(void **state)
{
	struct dedup *d = make_dedup(100);

	(void)state;
	assert_int_equal(check(d, "a", "1", NULL), DEDUP_NEW);
	assert_int_equal(check(d, "a", "1", NULL), DEDUP_SAME_ID);
	assert_string_equal(last_dup, "a:1");
	assert_int_equal(check(d, "b", "1", NULL), DEDUP_NEW);
	assert_int_equal(check(d, "a", "2", NULL), DEDUP_NEW);
	assert_int_equal(check(d, "c", "1", NULL), DEDUP_NEW);
	assert_int_equal(dedup_count(d), 4);
	/* A repeat is not remembered twice. */
	assert_int_equal(check(d, "b", "1", NULL), DEDUP_SAME_ID);
	assert_int_equal(dedup_count(d), 4);
	assert_null(dedup_reason_name(DEDUP_NEW));
	assert_string_equal(dedup_reason_name(DEDUP_NEAR_TEXT), "near_text");
	dedup_free(d);
}

/* The same id with another text is an edit: reported once per change, with
 * the classes recorded for the first. */
static void
test_update(void **state)
{
	struct dedup *d = make_dedup(100);
	struct dedup_hit first;

	(void)state;
	assert_int_equal(check_at(d, "m", "7", NULL, "acme is fine", T0),
	    DEDUP_NEW);
	first = last_hit;
	dedup_set_classes(d, &first, MENTION_POSITIVE);
	assert_int_equal(check_at(d, "m", "7", NULL, "acme is fine", T0 + 1),
	    DEDUP_SAME_ID);
	assert_int_equal(check_at(d, "m", "7", NULL, "acme is BROKEN", T0 + 2),
	    DEDUP_UPDATE);
	assert_string_equal(last_dup, "m:7");
	assert_int_equal(last_hit.ref, first.ref);
	assert_int_equal(last_hit.prev_classes, MENTION_POSITIVE);
	dedup_set_classes(d, &last_hit, MENTION_POSITIVE | MENTION_NEGATIVE);
	/* Case and accents fold: the same text again is no new edit. */
	assert_int_equal(check_at(d, "m", "7", NULL, "Acme is broken", T0 + 3),
	    DEDUP_SAME_ID);
	assert_int_equal(check_at(d, "m", "7", NULL, "acme? is broken", T0 + 4),
	    DEDUP_UPDATE);
	assert_int_equal(last_hit.prev_classes,
	    MENTION_POSITIVE | MENTION_NEGATIVE);
	assert_int_equal(dedup_count(d), 1);
	dedup_free(d);
}

/* A link posted again with nothing of its own is the same story; a comment
 * about it, eight words or more, is a new mention. */
static void
test_same_url(void **state)
{
	struct dedup *d = make_dedup(100);

	(void)state;
	assert_int_equal(check(d, "hn", "1", "https://x.org/post"), DEDUP_NEW);
	assert_int_equal(check(d, "rss", "abc", "https://x.org/post"),
	    DEDUP_SAME_URL);
	assert_string_equal(last_dup, "hn:1");
	/* The fragment does not count. */
	assert_int_equal(check(d, "rss", "def", "https://x.org/post#c3"),
	    DEDUP_SAME_URL);
	assert_string_equal(last_dup, "hn:1");
	/* A title of a few words and the link itself add nothing. */
	assert_int_equal(check_at(d, "reddit", "t3_a", "https://x.org/post",
	    "Acme raises prices https://x.org/post again", T0),
	    DEDUP_SAME_URL);
	/* An opinion about the link is new, and does not take the link. */
	assert_int_equal(check_at(d, "reddit", "t1_b", "https://x.org/post",
	    "this is exactly why I stopped buying acme routers last year",
	    T0), DEDUP_NEW);
	assert_int_equal(check(d, "rss", "ghi", "https://x.org/post"),
	    DEDUP_SAME_URL);
	assert_string_equal(last_dup, "hn:1");
	/* A same-link duplicate is not remembered by its key. */
	assert_int_equal(check(d, "rss", "abc", "https://other.org/"),
	    DEDUP_NEW);
	/* A URL that is all fragment is no URL. */
	assert_int_equal(check(d, "a", "f1", "#top"), DEDUP_NEW);
	assert_int_equal(check(d, "a", "f2", "#top"), DEDUP_NEW);
	dedup_free(d);
}

/* Full: the oldest is forgotten, key and URL. */
static void
test_eviction(void **state)
{
	struct dedup *d = make_dedup(3);

	(void)state;
	assert_int_equal(check(d, "s", "1", "https://u/1"), DEDUP_NEW);
	assert_int_equal(check(d, "s", "2", "https://u/2"), DEDUP_NEW);
	assert_int_equal(check(d, "s", "3", "https://u/3"), DEDUP_NEW);
	assert_int_equal(dedup_count(d), 3);
	assert_int_equal(check(d, "s", "4", "https://u/4"), DEDUP_NEW);
	assert_int_equal(dedup_count(d), 3);
	assert_int_equal(check(d, "t", "9", "https://u/1"), DEDUP_NEW);
	/* That pushed out 2; 3 and 4 are still known. */
	assert_int_equal(check(d, "s", "3", NULL), DEDUP_SAME_ID);
	assert_int_equal(check(d, "s", "4", NULL), DEDUP_SAME_ID);
	assert_int_equal(check(d, "x", "y", "https://u/4"), DEDUP_SAME_URL);
	assert_string_equal(last_dup, "s:4");
	assert_int_equal(check(d, "s", "1", NULL), DEDUP_NEW);
	dedup_free(d);
}

/* What was seen longer than the window ago is forgotten; within it, not. */
static void
test_window(void **state)
{
	struct dedup_params p;
	struct dedup *d;

	(void)state;
	dedup_params_default(&p);
	assert_true(p.window == 7 * 86400);
	p.window = 3600;
	p.capacity = 100;
	d = dedup_new(&p);
	assert_int_equal(check_at(d, "s", "1", "https://u/1", "a", T0),
	    DEDUP_NEW);
	assert_int_equal(check_at(d, "s", "2", NULL, "b", T0 + 1800 * 1000),
	    DEDUP_NEW);
	assert_int_equal(check_at(d, "s", "1", NULL, "a", T0 + 3599 * 1000),
	    DEDUP_SAME_ID);
	assert_int_equal(dedup_count(d), 2);
	/* An hour and two seconds later the first is gone, the second not. */
	assert_int_equal(check_at(d, "t", "1", "https://u/1", "c",
	    T0 + 3602 * 1000), DEDUP_NEW);
	assert_int_equal(check_at(d, "s", "2", NULL, "b", T0 + 3603 * 1000),
	    DEDUP_SAME_ID);
	assert_int_equal(check_at(d, "s", "1", NULL, "a", T0 + 3604 * 1000),
	    DEDUP_NEW);
	/* A longer window, set live, keeps them. */
	p.window = 86400;
	dedup_set_params(d, &p);
	assert_int_equal(check_at(d, "s", "2", NULL, "b", T0 + 9000 * 1000),
	    DEDUP_SAME_ID);
	dedup_free(d);
}

/* Keys of every length are given back right for dup_of, while the key ring
 * wraps many times and forgets old entries to make room. */
static void
test_keys(void **state)
{
	struct dedup *d = make_dedup(50);
	char id[2048], url[64], want[2100];
	size_t i, n;

	(void)state;
	for (i = 0; i < 20000; i++) {
		n = 1 + (i * 7919) % 1500;
		memset(id, 'a' + (int)(i % 26), n);
		snprintf(id + n, sizeof(id) - n, "-%zu", i);
		snprintf(url, sizeof(url), "https://k.org/%zu", i);
		assert_int_equal(check(d, "s", id, url), DEDUP_NEW);
		assert_int_equal(check(d, "t", "x", url), DEDUP_SAME_URL);
		if (strlen(id) + 2 <= 1024) {
			snprintf(want, sizeof(want), "s:%s", id);
			assert_string_equal(last_dup, want);
		} else
			assert_string_equal(last_dup, "(unknown)");
	}
	assert_true(dedup_count(d) <= 50);
	assert_true(dedup_memory(d) < 50 * 64 + 65536 + 64 * 1024);
	dedup_free(d);
}

/* Keys longer than the ring's first 8 bytes a mention (40-byte feed GUIDs)
 * grow it rather than forget the oldest before the capacity is reached,
 * and each still names its mention after the moves; keys past the 64 bytes
 * a mention it may grow to (200 bytes) make the oldest go sooner. */
static void
test_key_growth(void **state)
{
	struct dedup *d;
	char id[256], url[64], want[300];
	size_t i, cap = 20000, pad;

	(void)state;
	for (pad = 30; pad <= 190; pad += 160) {
		d = make_dedup(cap);
		for (i = 0; i < cap; i++) {
			snprintf(id, sizeof(id), "https://blog.example.org/%0*zu",
			    (int)pad, i);
			snprintf(url, sizeof(url), "https://k.org/%zu", i);
			assert_int_equal(check(d, "feed", id, url), DEDUP_NEW);
		}
		if (pad == 30) {
			assert_int_equal(dedup_count(d), cap);
			assert_true(dedup_memory(d) > cap * 40);
		} else
			assert_true(dedup_count(d) < cap * 64 / 200);
		assert_true(dedup_memory(d) < cap * (64 + 200));
		for (i = cap - dedup_count(d); i < cap; i += 997) {
			snprintf(id, sizeof(id), "https://blog.example.org/%0*zu",
			    (int)pad, i);
			snprintf(url, sizeof(url), "https://k.org/%zu", i);
			assert_int_equal(check(d, "t", "x", url),
			    DEDUP_SAME_URL);
			snprintf(want, sizeof(want), "feed:%s", id);
			assert_string_equal(last_dup, want);
		}
		dedup_free(d);
	}
}

/* Keys a little longer than an id of digits grow the key ring to about
 * what they need, not by half again: with 9-byte ids a dedup takes less
 * than 3 bytes a mention more than with ids of digits (8 bytes of binary,
 * the ring's first size); growing by half would cost 4. */
static void
test_key_ring_fits(void **state)
{
	struct dedup *d;
	char id[32], url[64];
	size_t i, cap = 20000, mem[2];
	int form;

	(void)state;
	for (form = 0; form < 2; form++) {
		d = make_dedup(cap);
		for (i = 0; i < cap; i++) {
			snprintf(id, sizeof(id), form == 0 ? "%zu" : "p%08zu",
			    i + 1);
			snprintf(url, sizeof(url), "https://k.org/%zu", i);
			assert_int_equal(check(d, "feed", id, url), DEDUP_NEW);
		}
		assert_int_equal(dedup_count(d), cap);
		mem[form] = dedup_memory(d);
		dedup_free(d);
	}
	assert_true(mem[1] > mem[0] + cap);
	assert_true(mem[1] < mem[0] + cap * 3);
}

/* Every form a key is kept in gives it back as it came for dup_of: ids of
 * digits (kept as a number when they fit 64 bits and have no leading zero),
 * other ids, and sources past the first DEDUP_SOURCES names
 * (whose names are then kept with the key). */
static void
test_key_forms(void **state)
{
	static const char *const ids[] = { "1", "42", "0", "007",
	    "18446744073709551615", "9999999999999999999",
	    "99999999999999999999", "123abc", "12 3", "-5",
	    "https://Example.org/item/9" };
	struct dedup *d = make_dedup(2000);
	char source[32], url[64], want[128];
	size_t i, j;

	(void)state;
	for (j = 0; j < 300; j++) {
		snprintf(source, sizeof(source), "src%zu", j);
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			snprintf(url, sizeof(url), "https://k.org/%zu/%zu", j,
			    i);
			assert_int_equal(check(d, source, ids[i], url),
			    DEDUP_NEW);
			assert_int_equal(check(d, "t", "x", url),
			    DEDUP_SAME_URL);
			snprintf(want, sizeof(want), "%s:%s", source, ids[i]);
			assert_string_equal(last_dup, want);
			assert_int_equal(check(d, source, ids[i], NULL),
			    DEDUP_SAME_ID);
			assert_string_equal(last_dup, want);
		}
	}
	dedup_free(d);
}

/* Far more than the capacity: the table stays consistent while entries come
 * and go (tombstones, and the rebuilds that clear them), and grows after
 * the ring wrapped. */
static void
test_many(void **state)
{
	struct dedup *d = make_dedup(5000);
	char id[32], url[64];
	size_t i;

	(void)state;
	for (i = 0; i < 7500; i++) {
		snprintf(id, sizeof(id), "n%zu", i);
		assert_int_equal(check(d, "s", id, NULL), DEDUP_NEW);
	}
	for (i = 0; i < 50000; i++) {
		snprintf(id, sizeof(id), "%zu", i);
		snprintf(url, sizeof(url), "https://e.com/%zu", i);
		assert_int_equal(check(d, "s", id, url), DEDUP_NEW);
	}
	assert_int_equal(dedup_count(d), 5000);
	for (i = 45000; i < 50000; i++) {
		snprintf(id, sizeof(id), "%zu", i);
		assert_int_equal(check(d, "s", id, NULL), DEDUP_SAME_ID);
	}
	for (i = 0; i < 100; i++) {
		snprintf(url, sizeof(url), "https://e.com/%zu", 49900 + i);
		snprintf(id, sizeof(id), "other%zu", i);
		assert_int_equal(check(d, "s", id, url), DEDUP_SAME_URL);
		snprintf(id, sizeof(id), "s:%zu", 49900 + i);
		assert_string_equal(last_dup, id);
	}
	assert_int_equal(check(d, "s", "44999", NULL), DEDUP_NEW);
	dedup_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_same_id, teardown),
		cmocka_unit_test_teardown(test_update, teardown),
		cmocka_unit_test_teardown(test_same_url, teardown),
		cmocka_unit_test_teardown(test_eviction, teardown),
		cmocka_unit_test_teardown(test_window, teardown),
		cmocka_unit_test_teardown(test_keys, teardown),
		cmocka_unit_test_teardown(test_key_forms, teardown),
		cmocka_unit_test_teardown(test_key_growth, teardown),
		cmocka_unit_test_teardown(test_key_ring_fits, teardown),
		cmocka_unit_test_teardown(test_many, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
