/*
 * test_config.c - the configuration reader: the installed example loads,
 * every kind of mistake is reported as the exact "FILE:LINE: message", all of
 * them at once, includes resolve in order and stop at the depth limit,
 * passwords come from a file or the environment, and the small parsers and
 * equality functions behave at their edges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "xmalloc.h"

/* Write TEXT to DIR/NAME, creating DIR/NAME's folder; returns the path. */
static char *
put(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name), *slash;
	FILE *fp;

	slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0755);
	*slash = '/';
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* Print ERRS (shown when an assertion fails). */
static void
show(const struct config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		print_message("  error: %s\n", errs->msgs[i]);
}

/* Whether ERRS holds exactly MSG. */
static int
has(const struct config_errors *errs, const char *msg)
{
	size_t i;

	for (i = 0; i < errs->n; i++) {
		if (strcmp(errs->msgs[i], msg) == 0)
			return 1;
	}
	show(errs);
	print_message("  missing: %s\n", msg);
	return 0;
}

/* Load TEXT as a file NAME in a new folder, expecting it to fail with
 * exactly one error: "PATH:LINE: MSG". */
static void
expect_one(const char *text, int line, const char *msg)
{
	struct config_errors errs = { 0 };
	char *dir = harness_tmpdir(), *path, *want;
	struct config *cfg;

	path = put(dir, "m.conf", text);
	cfg = config_load(path, &errs);
	assert_null(cfg);
	want = xasprintf("%s:%d: %s", path, line, msg);
	if (errs.n != 1)
		show(&errs);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], want);
	free(want);
	free(path);
	config_errors_clear(&errs);
	harness_rmtree(dir);
	free(dir);
}

/* Tests expect the default state_dir unless they set STATE_DIRECTORY. */
static int
setup(void **state)
{
	(void)state;
	unsetenv("STATE_DIRECTORY");
	return 0;
}

/* The installed example config loads as it is. */
static void
test_example_loads(void **state)
{
	struct config_errors errs = { 0 };
	const struct config_source *src;
	const struct config_track *t;
	struct config *cfg;

	cfg = config_load(TEST_SOURCE_DIR "/conf/mentiond.conf", &errs);
	if (cfg == NULL)
		show(&errs);
	assert_non_null(cfg);
	assert_int_equal(errs.n, 0);
	assert_int_equal(cfg->ntracks, 2);
	assert_int_equal(cfg->nsources, 1);
	assert_null(cfg->redis.url);
	assert_null(cfg->redis.password);

	t = config_track_find(cfg, "lumio");
	assert_non_null(t);
	assert_string_equal(t->langs[0], "fr");
	assert_null(t->langs[1]);
	assert_int_equal(t->alert_classes, CONFIG_CLASS_QUESTION |
	    CONFIG_CLASS_NEGATIVE | CONFIG_CLASS_POSITIVE);
	assert_true(t->where.line > 0);

	src = &cfg->sources[0];
	assert_string_equal(src->plugin, "jsonl");
	assert_non_null(config_source_get(src, "path"));
	assert_string_equal(config_source_get(src, "from")->value, "end");
	assert_string_equal(src->kv[0].key, "plugin");
	config_free(cfg);
}

/* A minimal config gets every default; STATE_DIRECTORY sets state_dir. */
static void
test_defaults(void **state)
{
	struct config_errors errs = { 0 };
	struct config *cfg;

	cfg = config_load_string("[track t]\nquery = x\n", "(test)", &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->path, "(test)");
	assert_null(cfg->plugin_dir);
	assert_string_equal(cfg->state_dir, "/var/lib/mentiond");
	assert_int_equal(cfg->log_level, -1);
	assert_int_equal(cfg->influencer_followers, 10000);
	assert_null(cfg->redis.url);
	assert_null(cfg->redis.password);
	assert_string_equal(cfg->redis.prefix, "mentiond");
	assert_int_equal(cfg->redis.maxlen, 100000);
	assert_int_equal(cfg->redis.queue, CONFIG_QUEUE_STREAM);
	assert_string_equal(cfg->redis.group, "mentiond");
	assert_int_equal(cfg->redis.hold_max, 100000);
	assert_true(cfg->dedup.window == 7 * 86400);
	assert_int_equal(cfg->dedup.capacity, 1000000);
	assert_int_equal(cfg->dedup.near_distance, 3);
	assert_int_equal(cfg->dedup.min_words, 8);
	assert_int_equal(cfg->dedup.keep_duplicates, 0);
	assert_null(cfg->tracks[0].langs);
	assert_int_equal(cfg->tracks[0].alert_classes,
	    CONFIG_CLASS_QUESTION | CONFIG_CLASS_NEGATIVE);
	assert_true(cfg->tracks[0].min_priority == 0);
	assert_int_equal(cfg->nsources, 0);
	config_free(cfg);

	setenv("STATE_DIRECTORY", "/var/lib/mentiond-a:/var/lib/other", 1);
	cfg = config_load_string("[daemon]\ninfluencer_followers = 5000\n",
	    "(test)", &errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->influencer_followers, 5000);
	config_free(cfg);
	cfg = config_load_string("", "(test)", &errs);
	unsetenv("STATE_DIRECTORY");
	assert_non_null(cfg);
	assert_string_equal(cfg->state_dir, "/var/lib/mentiond-a");
	config_free(cfg);
	assert_int_equal(errs.n, 0);
}

/* Every key is read into its field. */
static void
test_values(void **state)
{
	static const char text[] =
	    "[daemon]\n"
	    "plugin_dir = /opt/md/plugins\n"
	    "state_dir = /srv/md\n"
	    "log_level = debug\n"
	    "[redis]\n"
	    "url = redis://bot@redis.example:6380/2\n"
	    "prefix = pfx\n"
	    "maxlen = 0\n"
	    "queue = list\n"
	    "group = g1\n"
	    "hold_max = 1\n"
	    "[dedup]\n"
	    "window = 12h\n"
	    "capacity = 5000\n"
	    "near_distance = 0\n"
	    "min_words = 5\n"
	    "keep_duplicates = yes\n"
	    "[track Brand_1.x-y]\n"
	    "query = foo OR \"bar baz\" ; not a comment\n"
	    "    lang = EN, pt-BR ,fr\n"
	    "alert = none\n"
	    "min_priority = 0.75\n"
	    "[source feed]\n"
	    "plugin = rss\n"
	    "url = http://127.0.0.1/x\n"
	    "interval = 5m\n"
	    "tag = a\n"
	    "tag = b\n";
	struct config_errors errs = { 0 };
	const struct config_track *t;
	const struct config_source *s;
	struct config *cfg;

	cfg = config_load_string(text, "(test)", &errs);
	if (cfg == NULL)
		show(&errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->plugin_dir, "/opt/md/plugins");
	assert_string_equal(cfg->state_dir, "/srv/md");
	assert_int_equal(cfg->log_level, LOG_DEBUG);
	assert_string_equal(cfg->redis.url, "redis://bot@redis.example:6380/2");
	assert_string_equal(cfg->redis.prefix, "pfx");
	assert_int_equal(cfg->redis.maxlen, 0);
	assert_int_equal(cfg->redis.queue, CONFIG_QUEUE_LIST);
	assert_string_equal(cfg->redis.group, "g1");
	assert_int_equal(cfg->redis.hold_max, 1);
	assert_true(cfg->dedup.window == 12 * 3600);
	assert_int_equal(cfg->dedup.capacity, 5000);
	assert_int_equal(cfg->dedup.near_distance, 0);
	assert_int_equal(cfg->dedup.min_words, 5);
	assert_int_equal(cfg->dedup.keep_duplicates, 1);

	t = config_track_find(cfg, "Brand_1.x-y");
	assert_non_null(t);
	assert_null(config_track_find(cfg, "brand_1.x-y"));
	assert_string_equal(t->query, "foo OR \"bar baz\" ; not a comment");
	assert_string_equal(t->langs[0], "en");
	assert_string_equal(t->langs[1], "pt-br");
	assert_string_equal(t->langs[2], "fr");
	assert_null(t->langs[3]);
	assert_int_equal(t->alert_classes, 0);
	assert_true(t->min_priority == 0.75);
	assert_string_equal(t->where.file, "(test)");
	assert_int_equal(t->where.line, 18);

	s = config_source_find(cfg, "feed");
	assert_non_null(s);
	assert_null(config_source_find(cfg, "nope"));
	assert_string_equal(s->plugin, "rss");
	assert_true(s->interval == 300);
	assert_int_equal(s->nkv, 5);
	assert_string_equal(s->kv[0].key, "plugin");
	assert_string_equal(s->kv[1].key, "url");
	assert_string_equal(s->kv[2].key, "interval");
	assert_string_equal(s->kv[2].value, "5m");
	assert_int_equal(s->kv[3].where.line, 27);
	assert_string_equal(config_source_get(s, "tag")->value, "b");
	assert_int_equal(config_source_get(s, "tag")->where.line, 28);
	assert_null(config_source_get(s, "missing"));
	config_free(cfg);

	/* The other URL forms, and alert lists in any order. */
	cfg = config_load_string("[redis]\nurl = unix:///run/redis.sock\n"
	    "[track a]\nquery = a\nalert = positive,question\n", "(t)", &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->redis.url, "unix:///run/redis.sock");
	assert_int_equal(cfg->tracks[0].alert_classes,
	    CONFIG_CLASS_POSITIVE | CONFIG_CLASS_QUESTION);
	config_free(cfg);
	cfg = config_load_string("[redis]\nurl = redis://[::1]:7000\n", "(t)",
	    &errs);
	assert_non_null(cfg);
	config_free(cfg);
	assert_int_equal(errs.n, 0);
}

/* "FILE:" then MSG with every "$F" replaced by FILE (malloc'd). */
static char *
with_file(const char *msg, const char *file)
{
	char *out = xasprintf("%s:", file), *s;
	const char *p;

	while ((p = strstr(msg, "$F")) != NULL) {
		s = xasprintf("%s%.*s%s", out, (int)(p - msg), msg, file);
		free(out);
		out = s;
		msg = p + 2;
	}
	s = xasprintf("%s%s", out, msg);
	free(out);
	return s;
}

/* Many mistakes in one file: each reported, exactly, in file order (the
 * syntax error, which inih returns at the end, last). */
static void
test_all_errors_reported(void **state)
{
	static const char text[] =
	    "[daemon]\n"			/* 1 */
	    "log_level = loud\n"		/* 2 */
	    "colour = blue\n"			/* 3 */
	    "[redis]\n"				/* 4 */
	    "url = http://x\n"			/* 5 */
	    "maxlen = -1\n"			/* 6 */
	    "queue = fifo\n"			/* 7 */
	    "hold_max = 0\n"			/* 8 */
	    "speed = 3\n"			/* 9 */
	    "[track a]\n"			/* 10 */
	    "query = x\n"			/* 11 */
	    "alert = question, angry\n"		/* 12 */
	    "min_priority = 1.5\n"		/* 13 */
	    "lang = en,,fr\n"			/* 14 */
	    "colour = red\n"			/* 15 */
	    "[track a]\n"			/* 16 */
	    "query = y\n"			/* 17 */
	    "[track]\n"				/* 18 */
	    "[track a/b]\n"			/* 19 */
	    "[weird]\n"				/* 20 */
	    "[]\n"				/* 21 */
	    "[track empty]\n"			/* 22 */
	    "[source s]\n"			/* 23 */
	    "interval = soon\n"			/* 24 */
	    "[source s]\n"			/* 25 */
	    "plugin = jsonl\n"			/* 26 */
	    "[redis x]\n"			/* 27 */
	    "this line is not ini\n"		/* 28 */
	    "[source t]\n"			/* 29 */
	    "plugin = jsonl\n"			/* 30 */
	    "[daemon]\n"			/* 31 */
	    "plugin_dir =\n";			/* 32 */
	static const char *want[] = {
	    "2: bad value for log_level: \"loud\" (expected debug, info, "
	    "notice, warning or error)",
	    "3: unknown key \"colour\" in [daemon] (expected plugin_dir, "
	    "state_dir, log_level or influencer_followers)",
	    "5: bad value for url: \"http://x\" (expected "
	    "redis://[user@]host[:port][/db] or unix:///path)",
	    "6: bad value for maxlen: \"-1\" (expected an integer >= 0)",
	    "7: bad value for queue: \"fifo\" (expected stream or list)",
	    "8: bad value for hold_max: \"0\" (expected an integer >= 1)",
	    "9: unknown key \"speed\" in [redis] (expected url, password_file, "
	    "password_env, prefix, maxlen, queue, group, hold_max, spool, "
	    "spool_max or spool_fsync)",
	    "12: bad value for alert: \"question, angry\" (expected a comma "
	    "list of question, negative and positive, or none)",
	    "13: bad value for min_priority: \"1.5\" (expected a number from 0 "
	    "to 1)",
	    "14: bad value for lang: \"en,,fr\" (expected a comma list of "
	    "language codes such as \"en, fr\")",
	    "15: unknown key \"colour\" in [track a] (expected query, lang, "
	    "alert or min_priority)",
	    "16: duplicate [track a], first defined at $F:10",
	    "18: [track] without a name (expected [track NAME])",
	    "19: bad section name \"a/b\" in [track a/b] (expected letters, "
	    "digits, '.', '_' or '-')",
	    "20: unknown section [weird] (expected [daemon], [redis], "
	    "[dedup], [track NAME] or [source NAME])",
	    "21: empty section [] (expected [daemon], [redis], [dedup], "
	    "[track NAME] or [source NAME])",
	    "22: missing required key \"query\" in [track empty] (expected "
	    "query = WORDS)",
	    "24: bad value for interval: \"soon\" (expected a duration such as "
	    "30, 30s, 250ms, 5m, 1h or 1d)",
	    "23: missing required key \"plugin\" in [source s] (expected "
	    "plugin = NAME)",
	    "25: duplicate [source s], first defined at $F:23",
	    "27: [redis] takes no name (expected [redis])",
	    "32: bad value for plugin_dir: \"\" (expected a directory)",
	    "28: syntax error (expected [section] or key = value)",
	};
	size_t nwant = sizeof(want) / sizeof(want[0]), i;
	struct config_errors errs = { 0 };
	char *dir = harness_tmpdir(), *path, *msg;

	path = put(dir, "bad.conf", text);
	assert_null(config_load(path, &errs));
	if (errs.n != nwant)
		show(&errs);
	assert_int_equal(errs.n, nwant);
	for (i = 0; i < nwant; i++) {
		msg = with_file(want[i], path);
		assert_string_equal(errs.msgs[i], msg);
		free(msg);
	}
	config_errors_clear(&errs);
	assert_int_equal(errs.n, 0);
	free(path);
	harness_rmtree(dir);
	free(dir);
}

/* The smaller mistakes, one at a time. */
static void
test_single_errors(void **state)
{
	struct config_errors errs = { 0 };

	expect_one("a = b\n[daemon]\n", 1, "key \"a\" outside any section "
	    "(expected a [section] line first)");
	/* After a broken header inih stays in the section before it. */
	expect_one("[daemon]\n[track x\nlog_level = info\n", 2, "syntax error "
	    "(expected [section] or key = value)");
	expect_one("[source x]\n\n", 1, "missing required key \"plugin\" in "
	    "[source x] (expected plugin = NAME)");
	expect_one("[source]\nplugin = x\n", 1, "[source] without a name "
	    "(expected [source NAME])");
	/* A zero interval polled a server as fast as it answered. */
	expect_one("[source x]\nplugin = feed\ninterval = 0s\n", 3, "bad value "
	    "for interval: \"0s\" (expected a duration longer than 0, such as "
	    "30s, 250ms, 5m, 1h or 1d)");
	expect_one("[source a b]\nplugin = x\n", 1, "bad section name \"a b\" "
	    "in [source a b] (expected letters, digits, '.', '_' or '-')");
	expect_one("[track t]\nquery =\n", 2, "bad value for query: \"\" "
	    "(expected the words to track)");
	expect_one("[source s]\nplugin =\n", 2, "bad value for plugin: \"\" "
	    "(expected a plugin name)");
	expect_one("[redis]\nurl = redis://a:b@host\n", 2, "bad value for url: "
	    "\"redis://a:b@host\" (expected redis://[user@]host[:port][/db] "
	    "or unix:///path)");
	expect_one("[redis]\nurl = redis://host:99999\n", 2, "bad value for "
	    "url: \"redis://host:99999\" (expected "
	    "redis://[user@]host[:port][/db] or unix:///path)");
	expect_one("[redis]\nurl = unix://relative.sock\n", 2, "bad value for "
	    "url: \"unix://relative.sock\" (expected "
	    "redis://[user@]host[:port][/db] or unix:///path)");
	expect_one("[redis]\nmaxlen = 12abc\n", 2, "bad value for maxlen: "
	    "\"12abc\" (expected an integer >= 0)");
	expect_one("[track t]\nquery = q\nalert = none, question\n", 3,
	    "bad value for alert: \"none, question\" (expected a comma list of "
	    "question, negative and positive, or none)");
	expect_one("[track t]\nquery = q\nmin_priority = nan\n", 3,
	    "bad value for min_priority: \"nan\" (expected a number from 0 "
	    "to 1)");
	expect_one("[dedup]\nwindow = 0\n", 2, "bad value for window: \"0\" "
	    "(expected a duration such as 7d, 12h or 30m)");
	expect_one("[dedup]\nnear_distance = 9\n", 2, "bad value for "
	    "near_distance: \"9\" (expected an integer from 0 (off) to 7)");
	expect_one("[dedup]\nkeep_duplicates = maybe\n", 2, "bad value for "
	    "keep_duplicates: \"maybe\" (expected yes or no)");
	expect_one("[dedup]\nttl = 1\n", 2, "unknown key \"ttl\" in [dedup] "
	    "(expected window, capacity, near_distance, min_words or "
	    "keep_duplicates)");
	expect_one("[daemon]\ninclude =\n", 2, "bad value for include: \"\" "
	    "(expected a file name or pattern)");
	expect_one("\xef\xbb\xbf[track]\n", 1, "[track] without a name "
	    "(expected [track NAME])");

	/* Embedded text names itself in errors; a missing main file says so. */
	assert_null(config_load_string("[daemon]\nx = 1\n", "(built-in demo)",
	    &errs));
	assert_true(has(&errs, "(built-in demo):2: unknown key \"x\" in "
	    "[daemon] (expected plugin_dir, state_dir, log_level or "
	    "influencer_followers)"));
	config_errors_clear(&errs);
	assert_null(config_load("/nonexistent/mentiond.conf", &errs));
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], "/nonexistent/mentiond.conf: cannot "
	    "read: No such file or directory");
	config_errors_clear(&errs);
}

/* config_error formats FILE:LINE, works without a place, and does not
 * repeat a message. */
static void
test_error_list(void **state)
{
	struct config_errors errs = { 0 };
	struct config_where w = { "a.conf", 7 };

	config_error(&errs, &w, "bad %s", "thing");
	config_error(&errs, NULL, "plain");
	config_error(&errs, &w, "bad %s", "thing");
	assert_int_equal(errs.n, 2);
	assert_string_equal(errs.msgs[0], "a.conf:7: bad thing");
	assert_string_equal(errs.msgs[1], "plain");
	config_errors_clear(&errs);
	assert_null(errs.msgs);
	config_error(NULL, &w, "ignored");
}

/* include: glob matches in name order, each file's paths relative to its
 * own folder, errors naming the included file's own lines, an empty glob
 * fine, a missing plain file an error. */
static void
test_include(void **state)
{
	struct config_errors errs = { 0 };
	char *dir = harness_tmpdir(), *top, *sub, *want;
	struct config *cfg;

	top = put(dir, "main.conf",
	    "include = conf.d/*.conf\n"
	    "[track first]\n"
	    "query = one\n"
	    "include = empty.d/*.conf\n"
	    "lang = en\n");
	free(put(dir, "conf.d/20-b.conf", "[track b]\nquery = b\n"));
	free(put(dir, "conf.d/10-a.conf",
	    "[track a]\nquery = a\ninclude = ../extra/x.conf\n"));
	free(put(dir, "conf.d/30-c.conf.disabled", "[track c]\nquery = c\n"));
	free(put(dir, "extra/x.conf", "[source x]\nplugin = jsonl\n"));
	want = xasprintf("%s/empty.d", dir);
	mkdir(want, 0755);
	free(want);

	cfg = config_load(top, &errs);
	if (cfg == NULL)
		show(&errs);
	assert_non_null(cfg);
	assert_int_equal(cfg->ntracks, 3);
	assert_string_equal(cfg->tracks[0].name, "a");
	assert_string_equal(cfg->tracks[1].name, "b");
	assert_string_equal(cfg->tracks[2].name, "first");
	/* The including file's section goes on after the include. */
	assert_string_equal(cfg->tracks[2].langs[0], "en");
	assert_int_equal(cfg->nsources, 1);
	assert_int_equal(cfg->sources[0].where.line, 1);
	want = xasprintf("%s/conf.d/../extra/x.conf", dir);
	assert_string_equal(cfg->sources[0].where.file, want);
	free(want);
	config_free(cfg);

	/* An error inside an included file names that file and line; a plain
	 * include that does not exist is an error at the include line. */
	sub = put(dir, "conf.d/20-b.conf", "[track b]\nquery = b\nbad = 1\n");
	free(put(dir, "main2.conf", "[daemon]\ninclude = conf.d/*.conf\n"
	    "include = missing.conf\n"));
	free(top);
	top = xasprintf("%s/main2.conf", dir);
	assert_null(config_load(top, &errs));
	assert_int_equal(errs.n, 2);
	want = xasprintf("%s:3: unknown key \"bad\" in [track b] (expected "
	    "query, lang, alert or min_priority)", sub);
	assert_true(has(&errs, want));
	free(want);
	want = xasprintf("%s:3: cannot read include \"%s/missing.conf\": No "
	    "such file or directory", top, dir);
	assert_true(has(&errs, want));
	free(want);
	config_errors_clear(&errs);

	/* A match that cannot be read (a folder) is an error too. */
	free(put(dir, "d/main.conf", "include = sub*\n"));
	want = xasprintf("%s/d/sub.conf", dir);
	mkdir(want, 0755);
	free(top);
	top = xasprintf("%s/d/main.conf", dir);
	assert_null(config_load(top, &errs));
	free(want);
	want = xasprintf("%s:1: cannot read include \"%s/d/sub.conf\": Is a "
	    "directory", top, dir);
	assert_true(has(&errs, want));
	free(want);
	config_errors_clear(&errs);

	free(sub);
	free(top);
	harness_rmtree(dir);
	free(dir);
}

/* A file that includes itself stops at the depth limit with one error; a
 * chain exactly as deep as the limit is fine. */
static void
test_include_depth(void **state)
{
	struct config_errors errs = { 0 };
	char *dir = harness_tmpdir(), *path, *want, name[32], text[64];
	struct config *cfg;
	int i;

	path = put(dir, "loop.conf", "# loops\ninclude = loop.conf\n"
	    "[track t]\nquery = x\n");
	assert_null(config_load(path, &errs));
	want = xasprintf("%s/loop.conf:2: include \"loop.conf\" nested too "
	    "deeply (more than 8 levels; does a file include itself?)", dir);
	assert_true(has(&errs, want));
	free(want);
	/* The rest of the file was read at each level: the same track is
	 * seen again, once as a message (repeats are dropped). */
	want = xasprintf("%s/loop.conf:3: duplicate [track t], first defined "
	    "at %s/loop.conf:3", dir, dir);
	assert_true(has(&errs, want));
	free(want);
	assert_int_equal(errs.n, 2);
	config_errors_clear(&errs);
	free(path);

	/* main -> l1 -> ... -> l8: eight levels of include. */
	for (i = 1; i <= 8; i++) {
		snprintf(name, sizeof(name), "l%d.conf", i);
		if (i < 8)
			snprintf(text, sizeof(text), "include = l%d.conf\n",
			    i + 1);
		else
			snprintf(text, sizeof(text), "[track deep]\nquery = "
			    "x\n");
		free(put(dir, name, text));
	}
	path = put(dir, "main.conf", "include = l1.conf\n");
	cfg = config_load(path, &errs);
	if (cfg == NULL)
		show(&errs);
	assert_non_null(cfg);
	assert_non_null(config_track_find(cfg, "deep"));
	config_free(cfg);
	free(path);

	/* One more level is too many. */
	free(put(dir, "l8.conf", "include = l9.conf\n"));
	free(put(dir, "l9.conf", "[track deep]\nquery = x\n"));
	path = xasprintf("%s/main.conf", dir);
	assert_null(config_load(path, &errs));
	assert_int_equal(errs.n, 1);
	want = xasprintf("%s/l8.conf:1: include \"l9.conf\" nested too deeply "
	    "(more than 8 levels; does a file include itself?)", dir);
	assert_string_equal(errs.msgs[0], want);
	free(want);
	config_errors_clear(&errs);
	free(path);
	harness_rmtree(dir);
	free(dir);
}

/* The Redis password from a file (relative to the config, newline trimmed)
 * or from the environment. */
static void
test_password(void **state)
{
	struct config_errors errs = { 0 };
	char *dir = harness_tmpdir(), *path, *want;
	struct config *cfg;

	free(put(dir, "secret", "s3cret pass\r\n"));
	path = put(dir, "m.conf", "[redis]\npassword_file = secret\n");
	cfg = config_load(path, &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->redis.password, "s3cret pass");
	config_free(cfg);
	free(path);

	path = put(dir, "m.conf", "[redis]\npassword_file = nope\n");
	assert_null(config_load(path, &errs));
	want = xasprintf("%s:2: cannot read password_file \"%s/nope\": No such "
	    "file or directory", path, dir);
	assert_true(has(&errs, want));
	free(want);
	config_errors_clear(&errs);
	free(path);

	free(put(dir, "two", "line one\nline two\n"));
	path = put(dir, "m.conf", "[redis]\npassword_file = two\n");
	assert_null(config_load(path, &errs));
	want = xasprintf("%s:2: bad password_file \"%s/two\" (expected one "
	    "line of at most 4096 bytes)", path, dir);
	assert_true(has(&errs, want));
	free(want);
	config_errors_clear(&errs);
	free(path);

	free(put(dir, "blank", "\n"));
	path = put(dir, "m.conf", "[redis]\npassword_file = blank\n");
	assert_null(config_load(path, &errs));
	want = xasprintf("%s:2: bad password_file \"%s/blank\" (expected one "
	    "line of at most 4096 bytes)", path, dir);
	assert_true(has(&errs, want));
	free(want);
	config_errors_clear(&errs);
	free(path);

	setenv("MENTIOND_TEST_PW", "from-env", 1);
	cfg = config_load_string("[redis]\npassword_env = MENTIOND_TEST_PW\n",
	    "(t)", &errs);
	assert_non_null(cfg);
	assert_string_equal(cfg->redis.password, "from-env");
	config_free(cfg);
	unsetenv("MENTIOND_TEST_PW");
	assert_null(config_load_string("[redis]\n\npassword_env = "
	    "MENTIOND_TEST_PW\n", "(t)", &errs));
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], "(t):3: password_env names "
	    "\"MENTIOND_TEST_PW\", which is not set in the environment");
	config_errors_clear(&errs);
	harness_rmtree(dir);
	free(dir);
}

/* Sources compare by plugin and ordered keys and values, not by where they
 * were written; Redis settings by every field. */
static void
test_equal(void **state)
{
	struct config_errors errs = { 0 };
	struct config *a, *b, *c, *d;
	struct config_redis r1, r2;

	a = config_load_string("[source s]\nplugin = p\nx = 1\ny = 2\n", "a",
	    &errs);
	b = config_load_string("# moved\n\n[source s]\nplugin = p\n\nx = 1\n"
	    "y = 2\n", "b", &errs);
	c = config_load_string("[source s]\nplugin = p\ny = 2\nx = 1\n", "c",
	    &errs);
	d = config_load_string("[source s]\nplugin = q\nx = 1\ny = 2\n"
	    "[source t]\nplugin = p\nx = 1\ny = 3\n[source u]\nplugin = p\n"
	    "x = 1\n", "d", &errs);
	assert_int_equal(errs.n, 0);
	assert_true(config_source_equal(&a->sources[0], &b->sources[0]));
	assert_false(config_source_equal(&a->sources[0], &c->sources[0]));
	assert_false(config_source_equal(&a->sources[0], &d->sources[0]));
	assert_false(config_source_equal(&a->sources[0], &d->sources[1]));
	assert_false(config_source_equal(&a->sources[0], &d->sources[2]));
	assert_true(config_redis_equal(&a->redis, &b->redis));

	r1 = a->redis;
	r2 = b->redis;
	r2.maxlen = 5;
	assert_false(config_redis_equal(&r1, &r2));
	r2 = b->redis;
	r2.hold_max = 5;
	assert_false(config_redis_equal(&r1, &r2));
	r2 = b->redis;
	r2.queue = CONFIG_QUEUE_LIST;
	assert_false(config_redis_equal(&r1, &r2));
	r2 = b->redis;
	r2.url = "redis://h";
	assert_false(config_redis_equal(&r1, &r2));
	r1.url = "redis://h";
	assert_true(config_redis_equal(&r1, &r2));
	r2.password = "pw";
	assert_false(config_redis_equal(&r1, &r2));
	r2 = r1;
	r2.prefix = "other";
	assert_false(config_redis_equal(&r1, &r2));
	r2 = r1;
	r2.group = "other";
	assert_false(config_redis_equal(&r1, &r2));
	config_free(a);
	config_free(b);
	config_free(c);
	config_free(d);
}

/* Durations and booleans at their edges. */
static void
test_parsers(void **state)
{
	assert_true(config_parse_duration("30") == 30);
	assert_true(config_parse_duration("30s") == 30);
	assert_true(config_parse_duration("250ms") == 0.25);
	assert_true(config_parse_duration("5m") == 300);
	assert_true(config_parse_duration("1h") == 3600);
	assert_true(config_parse_duration("1d") == 86400);
	assert_true(config_parse_duration("1.5s") == 1.5);
	assert_true(config_parse_duration("0") == 0);
	assert_true(config_parse_duration("-1") == -1);
	assert_true(config_parse_duration("-5s") == -1);
	assert_true(config_parse_duration("") == -1);
	assert_true(config_parse_duration("s") == -1);
	assert_true(config_parse_duration("5 s") == -1);
	assert_true(config_parse_duration(" 5") == -1);
	assert_true(config_parse_duration("5x") == -1);
	assert_true(config_parse_duration("5sec") == -1);
	assert_true(config_parse_duration("1e3") == -1);
	assert_true(config_parse_duration(NULL) == -1);

	assert_int_equal(config_parse_bool("yes"), 1);
	assert_int_equal(config_parse_bool("TRUE"), 1);
	assert_int_equal(config_parse_bool("On"), 1);
	assert_int_equal(config_parse_bool("1"), 1);
	assert_int_equal(config_parse_bool("no"), 0);
	assert_int_equal(config_parse_bool("False"), 0);
	assert_int_equal(config_parse_bool("OFF"), 0);
	assert_int_equal(config_parse_bool("0"), 0);
	assert_int_equal(config_parse_bool(""), -1);
	assert_int_equal(config_parse_bool("2"), -1);
	assert_int_equal(config_parse_bool("yess"), -1);
	assert_int_equal(config_parse_bool(NULL), -1);
}

/* A 5,000-character query is read whole, and lines after it keep their
 * numbers (with and without a final newline). */
static void
test_long_line(void **state)
{
	struct config_errors errs = { 0 };
	struct config *cfg;
	char *query, *text;
	size_t i;

	query = xmalloc(5001);
	for (i = 0; i < 5000; i++)
		query[i] = i % 10 == 9 ? ' ' : 'a' + i % 26;
	query[4999] = 'z';
	query[5000] = '\0';
	text = xasprintf("[track long]\nquery = %s\n[source s]\nplugin = p\n"
	    "interval = 10s", query);
	cfg = config_load_string(text, "(t)", &errs);
	assert_non_null(cfg);
	assert_int_equal(strlen(cfg->tracks[0].query), 5000);
	assert_string_equal(cfg->tracks[0].query, query);
	assert_int_equal(cfg->sources[0].where.line, 3);
	assert_int_equal(cfg->sources[0].kv[1].where.line, 5);
	assert_true(cfg->sources[0].interval == 10);
	config_free(cfg);
	free(text);

	text = xasprintf("[track long]\nquery = %s\n\nbad = %s\nnope = 1",
	    query, query);
	assert_null(config_load_string(text, "(t)", &errs));
	assert_int_equal(errs.n, 2);
	assert_string_equal(errs.msgs[0], "(t):4: unknown key \"bad\" in "
	    "[track long] (expected query, lang, alert or min_priority)");
	assert_string_equal(errs.msgs[1], "(t):5: unknown key \"nope\" in "
	    "[track long] (expected query, lang, alert or min_priority)");
	config_errors_clear(&errs);
	free(text);
	free(query);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_loads),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_single_errors),
		cmocka_unit_test(test_error_list),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_long_line),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
