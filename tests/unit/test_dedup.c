/*
 * test_dedup.c - exact in-memory deduplication (daemon/dedup.c): by key, by
 * URL without its fragment, and forgetting the oldest when full.
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
#include "mention.h"

/* A mention SOURCE:ID with URL (may be NULL). */
static struct mention *
make(const char *source, const char *id, const char *url)
{
	struct md_mention pm = MD_MENTION_INIT;
	char *cause = NULL;
	struct mention *m;

	pm.id = id;
	pm.url = url;
	pm.text = "text";
	m = mention_from_plugin(source, "test", &pm, &cause);
	assert_non_null(m);
	return m;
}

/* Check SOURCE:ID with URL against D; returns the result, and the dup_of
 * (malloc'd or NULL) in *DUP_OF when DUP_OF is not NULL. */
static enum dedup_result
check(struct dedup *d, const char *source, const char *id, const char *url,
    char **dup_of)
{
	struct mention *m = make(source, id, url);
	enum dedup_result r = dedup_check(d, m);

	if (dup_of != NULL) {
		*dup_of = m->dup_of;
		m->dup_of = NULL;
	}
	mention_free(m);
	return r;
}

static void
test_by_key(void **state)
{
	struct dedup *d = dedup_new(100);

	(void)state;
	assert_int_equal(check(d, "a", "1", NULL, NULL), DEDUP_NEW);
	assert_int_equal(check(d, "a", "1", NULL, NULL), DEDUP_REPEAT);
	assert_int_equal(check(d, "b", "1", NULL, NULL), DEDUP_NEW);
	assert_int_equal(check(d, "a", "2", NULL, NULL), DEDUP_NEW);
	assert_int_equal(check(d, "c", "1", NULL, NULL), DEDUP_NEW);
	assert_int_equal(dedup_count(d), 4);
	/* A repeat is not remembered twice. */
	assert_int_equal(check(d, "b", "1", NULL, NULL), DEDUP_REPEAT);
	assert_int_equal(dedup_count(d), 4);
	dedup_free(d);
}

static void
test_by_url(void **state)
{
	struct dedup *d = dedup_new(100);
	char *dup = NULL;

	(void)state;
	assert_int_equal(check(d, "hn", "1", "https://x.org/post", &dup),
	    DEDUP_NEW);
	assert_null(dup);
	assert_int_equal(check(d, "rss", "abc", "https://x.org/post", &dup),
	    DEDUP_SAME_URL);
	assert_string_equal(dup, "hn:1");
	free(dup);
	/* The fragment does not count. */
	assert_int_equal(check(d, "rss", "def", "https://x.org/post#c3", &dup),
	    DEDUP_SAME_URL);
	assert_string_equal(dup, "hn:1");
	free(dup);
	/* The rest of the URL does, exactly. */
	assert_int_equal(check(d, "rss", "ghi", "https://x.org/post?x", &dup),
	    DEDUP_NEW);
	assert_null(dup);
	assert_int_equal(check(d, "rss", "jkl", "https://X.org/post", NULL),
	    DEDUP_NEW);
	/* A same-URL mention is remembered by its key. */
	assert_int_equal(check(d, "rss", "abc", "https://other/", NULL),
	    DEDUP_REPEAT);
	/* A URL that is all fragment is no URL. */
	assert_int_equal(check(d, "a", "f1", "#top", NULL), DEDUP_NEW);
	assert_int_equal(check(d, "a", "f2", "#top", NULL), DEDUP_NEW);
	dedup_free(d);
}

static void
test_eviction(void **state)
{
	struct dedup *d = dedup_new(3);
	char *dup = NULL;

	(void)state;
	assert_int_equal(check(d, "s", "1", "https://u/1", NULL), DEDUP_NEW);
	assert_int_equal(check(d, "s", "2", "https://u/2", NULL), DEDUP_NEW);
	assert_int_equal(check(d, "s", "3", "https://u/3", NULL), DEDUP_NEW);
	assert_int_equal(dedup_count(d), 3);
	/* The fourth pushes the first out: key and URL forgotten. */
	assert_int_equal(check(d, "s", "4", "https://u/4", NULL), DEDUP_NEW);
	assert_int_equal(dedup_count(d), 3);
	assert_int_equal(check(d, "t", "9", "https://u/1", &dup), DEDUP_NEW);
	assert_null(dup);
	/* That pushed out 2; 3 and 4 are still known. */
	assert_int_equal(check(d, "s", "3", NULL, NULL), DEDUP_REPEAT);
	assert_int_equal(check(d, "s", "4", NULL, NULL), DEDUP_REPEAT);
	assert_int_equal(check(d, "x", "y", "https://u/4", &dup),
	    DEDUP_SAME_URL);
	assert_string_equal(dup, "s:4");
	free(dup);
	assert_int_equal(check(d, "s", "1", NULL, NULL), DEDUP_NEW);
	dedup_free(d);
}

static void
test_many(void **state)
{
	struct dedup *d = dedup_new(5000);
	char id[32], url[64];
	size_t i;

	(void)state;
	/* Far more than the capacity: the table must stay consistent while
	 * entries come and go (backward-shift deletion). */
	for (i = 0; i < 50000; i++) {
		snprintf(id, sizeof(id), "%zu", i);
		snprintf(url, sizeof(url), "https://e.com/%zu", i);
		assert_int_equal(check(d, "s", id, url, NULL), DEDUP_NEW);
	}
	assert_int_equal(dedup_count(d), 5000);
	for (i = 45000; i < 50000; i++) {
		snprintf(id, sizeof(id), "%zu", i);
		assert_int_equal(check(d, "s", id, NULL, NULL), DEDUP_REPEAT);
	}
	for (i = 0; i < 100; i++) {
		snprintf(url, sizeof(url), "https://e.com/%zu", 49900 + i);
		snprintf(id, sizeof(id), "other%zu", i);
		assert_int_equal(check(d, "s", id, url, NULL),
		    DEDUP_SAME_URL);
	}
	dedup_free(d);
}

/* The table grows as hashes come, rebuilt from the ring: also once the ring
 * has wrapped, when mentions with URLs replace mentions without. Everything
 * remembered must still be found afterwards, and nothing forgotten. */
static void
test_grow_after_wrap(void **state)
{
	struct dedup *d = dedup_new(300);
	char id[32], url[64], *dup = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < 450; i++) {
		snprintf(id, sizeof(id), "n%zu", i);
		assert_int_equal(check(d, "s", id, NULL, NULL), DEDUP_NEW);
	}
	/* The ring has wrapped (head at 150); now 300 with URLs. */
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "u%zu", i);
		snprintf(url, sizeof(url), "https://e.com/%zu", i);
		assert_int_equal(check(d, "s", id, url, NULL), DEDUP_NEW);
	}
	assert_int_equal(dedup_count(d), 300);
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "u%zu", i);
		assert_int_equal(check(d, "s", id, NULL, NULL), DEDUP_REPEAT);
		snprintf(url, sizeof(url), "https://e.com/%zu#x", i);
		snprintf(id, sizeof(id), "v%zu", i);
		assert_int_equal(check(d, "t", id, url, &dup), DEDUP_SAME_URL);
		snprintf(id, sizeof(id), "s:u%zu", i);
		assert_string_equal(dup, id);
		free(dup);
	}
	/* Those 300 same-URL checks pushed the first ones out. */
	assert_int_equal(check(d, "s", "n449", NULL, NULL), DEDUP_NEW);
	assert_int_equal(check(d, "x", "y", "https://e.com/0", NULL),
	    DEDUP_NEW);
	dedup_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_key),
		cmocka_unit_test(test_by_url),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_grow_after_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
