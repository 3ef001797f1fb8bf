/*
 * test_state.c - durable per-source state: keys set, read and deleted, saved
 * and read back, written only when changed, replaced atomically (no
 * temporary file left, the old file kept when the write fails), a corrupt
 * file refused with its name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "state.h"
#include "xmalloc.h"

/* Write TEXT to PATH. */
static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

/* Read PATH whole (malloc'd), or NULL. */
static char *
slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return NULL;
	assert_int_not_equal(getdelim(&buf, &len, '\0', fp), -1);
	fclose(fp);
	return buf;
}

/* The names in DIR, sorted, joined with spaces (malloc'd). */
static char *
listing(const char *dir)
{
	struct dirent **names;
	char *out = xstrdup(""), *s;
	int i, n;

	n = scandir(dir, &names, NULL, alphasort);
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 &&
		    strcmp(names[i]->d_name, "..") != 0) {
			s = xasprintf("%s%s%s", out, *out ? " " : "",
			    names[i]->d_name);
			free(out);
			out = s;
		}
		free(names[i]);
	}
	free(names);
	return out;
}

/* Keys are set, replaced, read and deleted in memory. */
static void
test_set_get_delete(void **state)
{
	char *dir = harness_tmpdir(), *cause = NULL;
	struct state *st;

	st = state_open(dir, "src", &cause);
	assert_non_null(st);
	assert_null(state_get(st, "cursor"));
	assert_false(state_dirty(st));

	state_set(st, "cursor", "10");
	assert_true(state_dirty(st));
	assert_string_equal(state_get(st, "cursor"), "10");
	state_set(st, "cursor", "11");
	assert_string_equal(state_get(st, "cursor"), "11");
	state_set(st, "etag", "\"abc\"");
	assert_string_equal(state_get(st, "etag"), "\"abc\"");
	assert_null(state_get(st, "Cursor"));

	state_set(st, "cursor", NULL);
	assert_null(state_get(st, "cursor"));
	assert_string_equal(state_get(st, "etag"), "\"abc\"");
	state_set(st, "never-set", NULL);
	state_free(st);
	harness_rmtree(dir);
	free(dir);
}

/* What is saved is what a later state_open reads. */
static void
test_round_trip(void **state)
{
	char *dir = harness_tmpdir(), *cause = NULL, *path, *text;
	struct state *st;
	cJSON *json;

	st = state_open(dir, "feed", &cause);
	assert_non_null(st);
	state_set(st, "since_id", "1234567890123456789");
	state_set(st, "etag", "W/\"x\\y\"");
	state_set(st, "title", "caf\xc3\xa9 \xe2\x9c\x93\nline");
	state_set(st, "empty", "");
	assert_int_equal(state_save(st, &cause), 0);
	assert_false(state_dirty(st));
	state_free(st);

	/* The file is a JSON object of strings, readable by anyone. */
	path = xasprintf("%s/feed.state", dir);
	text = slurp(path);
	assert_non_null(text);
	json = cJSON_Parse(text);
	assert_non_null(json);
	assert_string_equal(cJSON_GetObjectItem(json, "since_id")->valuestring,
	    "1234567890123456789");
	cJSON_Delete(json);
	free(text);

	st = state_open(dir, "feed", &cause);
	assert_non_null(st);
	assert_false(state_dirty(st));
	assert_string_equal(state_get(st, "since_id"), "1234567890123456789");
	assert_string_equal(state_get(st, "etag"), "W/\"x\\y\"");
	assert_string_equal(state_get(st, "title"),
	    "caf\xc3\xa9 \xe2\x9c\x93\nline");
	assert_string_equal(state_get(st, "empty"), "");

	/* A change and a delete survive a second round. */
	state_set(st, "etag", NULL);
	state_set(st, "since_id", "99");
	assert_int_equal(state_save(st, &cause), 0);
	state_free(st);
	st = state_open(dir, "feed", &cause);
	assert_non_null(st);
	assert_null(state_get(st, "etag"));
	assert_string_equal(state_get(st, "since_id"), "99");
	state_free(st);
	free(path);
	harness_rmtree(dir);
	free(dir);
}

/* state_save writes only when something changed. */
static void
test_not_written_when_clean(void **state)
{
	char *dir = harness_tmpdir(), *cause = NULL, *path;
	struct state *st;

	path = xasprintf("%s/s.state", dir);
	st = state_open(dir, "s", &cause);
	assert_non_null(st);
	assert_int_equal(state_save(st, &cause), 0);
	assert_int_equal(access(path, F_OK), -1);

	state_set(st, "k", "v");
	assert_int_equal(state_save(st, &cause), 0);
	assert_int_equal(access(path, F_OK), 0);

	/* Saved and unchanged: nothing is written again. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(state_save(st, &cause), 0);
	assert_int_equal(access(path, F_OK), -1);

	/* Setting the same value, or deleting a missing key, changes nothing. */
	state_set(st, "k", "v");
	state_set(st, "other", NULL);
	assert_false(state_dirty(st));
	assert_int_equal(state_save(st, &cause), 0);
	assert_int_equal(access(path, F_OK), -1);

	state_set(st, "k", "w");
	assert_true(state_dirty(st));
	assert_int_equal(state_save(st, &cause), 0);
	assert_int_equal(access(path, F_OK), 0);
	state_free(st);
	free(path);
	harness_rmtree(dir);
	free(dir);
}

/* A corrupt file is refused, naming it; a good one after it loads. */
static void
test_corrupt(void **state)
{
	static const char *bad[] = {
		"{\"a\": \"1\"", "[\"a\"]", "{\"a\": 1}", "{\"a\": \"1\"} x", "",
	};
	char *dir = harness_tmpdir(), *cause = NULL, *path, *want;
	struct state *st;
	size_t i;

	path = xasprintf("%s/c.state", dir);
	want = xasprintf("corrupt state file %s", path);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(path, bad[i]);
		cause = NULL;
		st = state_open(dir, "c", &cause);
		assert_null(st);
		assert_non_null(cause);
		if (strncmp(cause, want, strlen(want)) != 0)
			print_message("cause: %s\n", cause);
		assert_int_equal(strncmp(cause, want, strlen(want)), 0);
		free(cause);
	}
	put(path, "{ \"a\": \"1\" }\n");
	st = state_open(dir, "c", &cause);
	assert_non_null(st);
	assert_string_equal(state_get(st, "a"), "1");
	state_free(st);

	/* A name that would leave DIR is refused. */
	cause = NULL;
	assert_null(state_open(dir, "../x", &cause));
	assert_non_null(cause);
	free(cause);
	free(want);
	free(path);
	harness_rmtree(dir);
	free(dir);
}

/* Saving leaves only NAME.state, and a failed save leaves no temporary
 * file behind. */
static void
test_atomic_write(void **state)
{
	char *dir = harness_tmpdir(), *cause = NULL, *sub, *path, *list, *text;
	char *keep;
	struct state *st;
	struct stat sb;

	/* state_open creates the missing folder, 0750. */
	sub = xasprintf("%s/lib/mentiond", dir);
	st = state_open(sub, "a", &cause);
	assert_non_null(st);
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0750);

	state_set(st, "k", "1");
	assert_int_equal(state_save(st, &cause), 0);
	state_set(st, "k", "2");
	assert_int_equal(state_save(st, &cause), 0);
	list = listing(sub);
	assert_string_equal(list, "a.state");
	free(list);
	state_free(st);

	/* When the rename fails (B.state is now a non-empty folder) what was
	 * there stays, the temporary file is removed and the state stays
	 * dirty, to be saved again. */
	path = xasprintf("%s/b.state", sub);
	put(path, "{\"k\": \"old\"}");
	st = state_open(sub, "b", &cause);
	assert_non_null(st);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	keep = xasprintf("%s/keep", path);
	put(keep, "x");
	free(keep);
	state_set(st, "k", "new");
	cause = NULL;
	assert_int_equal(state_save(st, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, path));
	free(cause);
	assert_true(state_dirty(st));
	list = listing(sub);
	assert_string_equal(list, "a.state b.state");
	free(list);

	/* Once the way is clear, the same state saves. */
	harness_rmtree(path);
	assert_int_equal(state_save(st, &cause), 0);
	text = slurp(path);
	assert_non_null(strstr(text, "\"new\""));
	free(text);
	state_free(st);
	free(path);
	free(sub);
	harness_rmtree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get_delete),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_not_written_when_clean),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_atomic_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
