/*
 * test_jsonl.c - the jsonl connector against a real event loop, the real
 * host services (source.c) and the real plugin .so: lines appended to a file
 * arrive as mentions in order with their fields; malformed lines are logged
 * with file and line and skipped; a partial line waits for its newline;
 * truncation, rotation and a missing file are followed; a restart resumes from
 * the durable cursor; from = end skips what was there. The tick test plugin
 * covers the other host services: timers, cancel from inside a callback,
 * durable state, start failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "harness.h"
#include "http.h"
#include "loader.h"
#include "log.h"
#include "ack.h"
#include "mention.h"
#include "source.h"
#include "xmalloc.h"

struct fx {
	struct event_base	*base;
	struct loader		*ld;
	char			*dir;
	char			*path;		/* DIR/in.jsonl */
	char			*state_dir;
	char			*log_path;	/* stderr while the test runs */
	int			 saved_stderr;
	struct source_env	 env;
	struct source		*src;
	struct mention		**got;
	size_t			 ngot;
	int			 count_only;	/* free mentions as they come */
	char			 last_id[64];
};

static char	*log_text(struct fx *);

/* Monotonic seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* env.emit: keep every mention for the test to look at. Like a sink that
 * writes at once, accept it, so that the source's cursor may be saved. */
static void
collect(struct mention *m, void *arg)
{
	struct fx *fx = arg;

	if (m->ack != NULL) {
		ack_done(m->ack, m->ack_seq, 1);
		m->ack = NULL;
	}
	if (fx->count_only) {
		snprintf(fx->last_id, sizeof(fx->last_id), "%s", m->id);
		mention_free(m);
		fx->ngot++;
		return;
	}
	fx->got = xreallocarray(fx->got, fx->ngot + 1, sizeof(*fx->got));
	fx->got[fx->ngot++] = m;
}

/* A loop, the plugins, a temporary folder and a captured log. */
static int
setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));
	char *cause = NULL;
	int fd;

	fx->dir = harness_tmpdir();
	fx->path = xasprintf("%s/in.jsonl", fx->dir);
	fx->state_dir = xasprintf("%s/state", fx->dir);
	fx->env.state_dir = fx->state_dir;
	fx->env.emit = collect;
	fx->env.emit_arg = fx;

	/* Capture the log to check the messages. */
	fx->log_path = xasprintf("%s/log", fx->dir);
	fd = open(fx->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fflush(stderr);
	fx->saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	unsetenv("JOURNAL_STREAM");
	log_init(LOG_INFO);

	fx->base = event_base_new();
	fx->env.base = fx->base;
	fx->ld = loader_new();
	if (loader_load_file(fx->ld, TEST_PLUGIN_DIR "/jsonl.so", &cause) != 0 ||
	    loader_load_file(fx->ld, TEST_BROKEN_PLUGIN_DIR "/tick.so",
	    &cause) != 0) {
		print_message("%s\n", cause);
		return -1;
	}
	*state = fx;
	return 0;
}

/* Free the mentions collected so far. */
static void
clear(struct fx *fx)
{
	size_t i;

	for (i = 0; fx->got != NULL && i < fx->ngot; i++)
		mention_free(fx->got[i]);
	free(fx->got);
	fx->got = NULL;
	fx->ngot = 0;
}

/* Stop what runs and free everything setup made. */
static int
teardown(void **state)
{
	struct fx *fx = *state;

	char *text, *line, *next;

	if (fx->src != NULL)
		source_stop(fx->src);
	if (fx->env.http != NULL)
		http_free(fx->env.http);
	/* Give back stderr, showing what was not a log line (cmocka's
	 * failure messages). */
	text = log_text(fx);
	dup2(fx->saved_stderr, STDERR_FILENO);
	close(fx->saved_stderr);
	for (line = text; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		next = next != NULL ? next + 1 : line + strlen(line);
		if (!(next - line > 11 && line[0] == '2' && line[4] == '-' &&
		    line[10] == 'T'))
			fprintf(stderr, "%.*s", (int)(next - line), line);
	}
	free(text);
	clear(fx);
	loader_free(fx->ld);
	event_base_free(fx->base);
	harness_rmtree(fx->dir);
	free(fx->dir);
	free(fx->path);
	free(fx->state_dir);
	free(fx->log_path);
	free(fx);
	return 0;
}

/* The log written so far (malloc'd). */
static char *
log_text(struct fx *fx)
{
	char *buf = xmalloc(1 << 20);
	ssize_t n;
	int fd;

	fflush(stderr);
	fd = open(fx->log_path, O_RDONLY);
	n = read(fd, buf, (1 << 20) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	close(fd);
	return buf;
}

/* How many times NEEDLE occurs in the log. */
static int
log_count(struct fx *fx, const char *needle)
{
	char *text = log_text(fx), *p = text;
	int n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	free(text);
	return n;
}

/* Start source "feed" of plugin PLUGIN with the config lines EXTRA. */
static struct source *
start(struct fx *fx, const char *plugin, const char *extra, char **cause)
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg;
	struct source *src;
	char *text;

	if (strcmp(plugin, "jsonl") == 0)
		text = xasprintf("[source feed]\nplugin = jsonl\npath = %s\n%s",
		    fx->path, extra);
	else
		text = xasprintf("[source feed]\nplugin = %s\n%s", plugin,
		    extra);
	cfg = config_load_string(text, "t.conf", &errs);
	free(text);
	assert_non_null(cfg);
	src = source_start(&fx->env, loader_find(fx->ld, plugin),
	    config_source_find(cfg, "feed"), cause);
	config_free(cfg);
	return src;
}

/* Start the jsonl source or fail the test. */
static void
start_jsonl(struct fx *fx, const char *extra)
{
	char *cause = NULL;

	fx->src = start(fx, "jsonl", extra, &cause);
	if (fx->src == NULL)
		fail_msg("source_start: %s", cause);
}

/* Run the loop for MS milliseconds. */
static void
run_for(struct fx *fx, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(fx->base, &tv);
	event_base_dispatch(fx->base);
}

/* Run the loop until N mentions arrived, at most TIMEOUT_MS. */
static void
wait_for(struct fx *fx, size_t n, int timeout_ms)
{
	double end = now() + timeout_ms / 1000.0;

	while (fx->ngot < n && now() < end)
		run_for(fx, 5);
	if (fx->ngot != n)
		fail_msg("expected %zu mentions, have %zu", n, fx->ngot);
}

/* Append TEXT to PATH. */
static void
append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);

	assert_true(fd != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Append line I: {"id": "pI", "text": "post I"}. */
static void
append_post(const char *path, int i)
{
	char line[128];

	snprintf(line, sizeof(line), "{\"id\": \"p%d\", \"text\": \"post %d\"}\n",
	    i, i);
	append(path, line);
}

/* Assert that mention I has id ID. */
static void
assert_id(struct fx *fx, size_t i, const char *id)
{
	assert_true(i < fx->ngot);
	assert_string_equal(fx->got[i]->id, id);
}

/* Every field of a line reaches the mention. */
static void
test_fields(void **state)
{
	struct fx *fx = *state;
	struct mention *m;

	start_jsonl(fx, "");
	append(fx->path,
	    "{\"id\": \"a1\", \"author\": {\"handle\": \"ana\", \"name\": "
	    "\"Ana B\", \"followers\": 1200}, \"text\": \"<p>Is <b>acme</b> "
	    "down &amp; out?</p>\", \"url\": \"https://example.org/a1\", "
	    "\"published\": \"2024-05-01T12:00:00+02:00\", \"lang\": \"en\", "
	    "\"score\": 5, \"replies\": 2, \"reposts\": 1}\n"
	    "{\"id\": 12345, \"author\": \"bob\", \"title\": \"A title\", "
	    "\"published\": 1700000000}\n"
	    "{\"id\": \"a3\", \"text\": \"plain\", \"published\": "
	    "\"1999-12-31T23:59:59.250Z\"}\n");
	wait_for(fx, 3, 5000);

	m = fx->got[0];
	assert_string_equal(m->source, "feed");
	assert_string_equal(m->plugin, "jsonl");
	assert_string_equal(m->id, "a1");
	assert_string_equal(m->author_handle, "ana");
	assert_string_equal(m->author_name, "Ana B");
	assert_int_equal(m->author_followers, 1200);
	assert_null(strstr(m->text, "<b>"));
	assert_non_null(strstr(m->text, "acme"));
	assert_non_null(strstr(m->text, "& out?"));
	assert_string_equal(m->url, "https://example.org/a1");
	assert_int_equal(m->published, 1714557600);	/* 10:00:00Z */
	assert_string_equal(m->lang, "en");
	assert_int_equal(m->score, 5);
	assert_int_equal(m->replies, 2);
	assert_int_equal(m->reposts, 1);

	m = fx->got[1];
	assert_string_equal(m->id, "12345");
	assert_string_equal(m->author_handle, "bob");
	assert_null(m->author_name);
	assert_int_equal(m->author_followers, -1);
	assert_string_equal(m->title, "A title");
	assert_int_equal(m->published, 1700000000);
	assert_int_equal(m->score, -1);

	m = fx->got[2];
	assert_int_equal(m->published, 946684799);
	assert_null(m->url);
}

/* Bad lines are logged with their number and skipped; later ones arrive. */
static void
test_malformed_skipped(void **state)
{
	struct fx *fx = *state;
	char *want;

	start_jsonl(fx, "");
	append_post(fx->path, 1);
	append(fx->path, "{\"id\": \"p2\", \"text\": \n");	/* 2: bad */
	append(fx->path, "{\"text\": \"who am I\"}\n");		/* 3: no id */
	append_post(fx->path, 4);
	append(fx->path, "[1, 2, 3]\n");			/* 5 */
	append(fx->path, "\n");					/* 6: blank */
	append(fx->path, "{\"id\": \"p7\", \"url\": \"x\"}\n");	/* 7 */
	append(fx->path, "{\"id\": \"p8\", \"text\": \"a\"} trailing\n");
	append_post(fx->path, 9);
	wait_for(fx, 3, 5000);
	run_for(fx, 100);
	assert_int_equal(fx->ngot, 3);
	assert_id(fx, 0, "p1");
	assert_id(fx, 1, "p4");
	assert_id(fx, 2, "p9");

	want = xasprintf("warning source feed: %s:2: bad JSON, skipped",
	    fx->path);
	assert_int_equal(log_count(fx, want), 1);
	free(want);
	want = xasprintf("warning source feed: %s:3: no 'id', skipped", fx->path);
	assert_int_equal(log_count(fx, want), 1);
	free(want);
	want = xasprintf("%s:5: not a JSON object, skipped", fx->path);
	assert_int_equal(log_count(fx, want), 1);
	free(want);
	want = xasprintf("%s:7: no 'text' or 'title', skipped", fx->path);
	assert_int_equal(log_count(fx, want), 1);
	free(want);
	want = xasprintf("%s:8: bad JSON, skipped", fx->path);
	assert_int_equal(log_count(fx, want), 1);
	free(want);
	want = xasprintf("%s:6:", fx->path);
	assert_int_equal(log_count(fx, want), 0);
	free(want);
}

/* A line without its newline waits for it. */
static void
test_partial_line(void **state)
{
	struct fx *fx = *state;

	start_jsonl(fx, "");
	append(fx->path, "{\"id\": \"h\", \"text\": \"hel");
	run_for(fx, 300);
	assert_int_equal(fx->ngot, 0);
	append(fx->path, "lo\"}");
	run_for(fx, 200);
	assert_int_equal(fx->ngot, 0);
	append(fx->path, "\n");
	wait_for(fx, 1, 5000);
	assert_string_equal(fx->got[0]->text, "hello");
}

/* Lines over 1 MiB are skipped with an error, the numbering kept. */
static void
test_long_lines(void **state)
{
	struct fx *fx = *state;
	size_t big = 3 * 1024 * 1024, mid = 1024 * 1024 + 512 * 1024;
	char *line, *want;

	/* One line over the read buffer, one over the limit but inside it. */
	line = xmalloc(big + 64);
	memset(line, 'x', big);
	memcpy(line, "{\"id\": \"big\", \"text\": \"",
	    strlen("{\"id\": \"big\", \"text\": \""));
	strcpy(line + big, "\"}\n");
	append_post(fx->path, 1);
	append(fx->path, line);
	line[mid] = '\0';
	strcat(line, "\"}\n");
	append(fx->path, line);
	free(line);
	append_post(fx->path, 4);

	start_jsonl(fx, "");
	wait_for(fx, 2, 5000);
	assert_id(fx, 0, "p1");
	assert_id(fx, 1, "p4");
	want = xasprintf("error   source feed: %s:2: line longer than 1 MiB, "
	    "skipped", fx->path);
	assert_int_equal(log_count(fx, want), 1);
	free(want);
	want = xasprintf("%s:3: line longer than 1 MiB, skipped", fx->path);
	assert_int_equal(log_count(fx, want), 1);
	free(want);

	/* Lines keep their numbers after the skipped ones. */
	append(fx->path, "nope\n");
	run_for(fx, 200);
	want = xasprintf("%s:5: bad JSON, skipped", fx->path);
	assert_int_equal(log_count(fx, want), 1);
	free(want);
}

/* A truncated file is read again from its start. */
static void
test_truncation(void **state)
{
	struct fx *fx = *state;
	int fd;

	start_jsonl(fx, "");
	append_post(fx->path, 1);
	append_post(fx->path, 2);
	wait_for(fx, 2, 5000);

	fd = open(fx->path, O_WRONLY | O_TRUNC);
	assert_true(fd != -1);
	close(fd);
	append(fx->path, "{\"id\": \"t\", \"text\": \"x\"}\n");
	wait_for(fx, 3, 5000);
	assert_id(fx, 2, "t");
	assert_int_equal(log_count(fx, "truncated, reading from the start"), 1);
}

/* A rotated file is finished, then the new one read from 0. */
static void
test_rotation(void **state)
{
	struct fx *fx = *state;
	char *old;

	start_jsonl(fx, "");
	append_post(fx->path, 1);
	append_post(fx->path, 2);
	wait_for(fx, 2, 5000);

	/* A last line in the old file, then the rename and a new file. */
	append_post(fx->path, 3);
	old = xasprintf("%s.1", fx->path);
	assert_int_equal(rename(fx->path, old), 0);
	append_post(fx->path, 4);
	append_post(fx->path, 5);
	wait_for(fx, 5, 5000);
	assert_id(fx, 2, "p3");
	assert_id(fx, 3, "p4");
	assert_id(fx, 4, "p5");

	/* And again, with the old file removed right away. */
	assert_int_equal(rename(fx->path, old), 0);
	append(old, "{\"id\": \"p6\", \"text\": \"no newline at the end\"}");
	unlink(old);
	run_for(fx, 50);
	append_post(fx->path, 7);
	wait_for(fx, 7, 5000);
	assert_id(fx, 5, "p6");
	assert_id(fx, 6, "p7");
	free(old);
}

/* A restart resumes at the saved cursor, re-emitting nothing. */
static void
test_restart_resumes(void **state)
{
	struct fx *fx = *state;
	char *st;
	struct stat sb;

	start_jsonl(fx, "");
	append_post(fx->path, 1);
	append_post(fx->path, 2);
	append(fx->path, "{\"id\": \"p3\", ");
	wait_for(fx, 2, 5000);
	source_stop(fx->src);
	fx->src = NULL;
	st = xasprintf("%s/feed.state", fx->state_dir);
	assert_int_equal(stat(st, &sb), 0);
	free(st);

	append(fx->path, "\"text\": \"post 3\"}\n");
	append_post(fx->path, 4);
	start_jsonl(fx, "");
	wait_for(fx, 4, 5000);
	run_for(fx, 200);
	assert_int_equal(fx->ngot, 4);
	assert_id(fx, 2, "p3");
	assert_id(fx, 3, "p4");
	assert_int_equal(log_count(fx, "resuming at line 3"), 1);

	/* A bad line after the restart still has its true number. */
	append(fx->path, "oops\n");
	run_for(fx, 200);
	st = xasprintf("%s:5: bad JSON, skipped", fx->path);
	assert_int_equal(log_count(fx, st), 1);
	free(st);
}

/* from = end skips the lines already there. */
static void
test_from_end(void **state)
{
	struct fx *fx = *state;
	char *want;

	append_post(fx->path, 1);
	append_post(fx->path, 2);
	append(fx->path, "{\"id\": \"p3\", \"te");	/* being written */
	start_jsonl(fx, "from = end\n");
	run_for(fx, 200);
	assert_int_equal(fx->ngot, 0);
	append(fx->path, "xt\": \"post 3\"}\n");
	append_post(fx->path, 4);
	append(fx->path, "bad\n");
	wait_for(fx, 1, 5000);
	run_for(fx, 200);
	assert_int_equal(fx->ngot, 1);
	assert_id(fx, 0, "p4");
	want = xasprintf("%s:5: bad JSON, skipped", fx->path);
	assert_int_equal(log_count(fx, want), 1);
	free(want);

	/* A restart keeps the cursor rather than jumping to the end again. */
	source_stop(fx->src);
	fx->src = NULL;
	append_post(fx->path, 6);
	start_jsonl(fx, "from = end\n");
	wait_for(fx, 2, 5000);
	assert_id(fx, 1, "p6");
}

/* A missing file is warned about once, then read when it appears. */
static void
test_missing_file(void **state)
{
	struct fx *fx = *state;

	start_jsonl(fx, "");
	run_for(fx, 2300);	/* two safety ticks and more */
	assert_int_equal(log_count(fx, "in.jsonl: cannot open: No such file or "
	    "directory (waiting for it)"), 1);
	append_post(fx->path, 1);
	append_post(fx->path, 2);
	wait_for(fx, 2, 5000);
	assert_id(fx, 0, "p1");
}

/* Bad settings make source_start fail with a cause. */
static void
test_bad_settings(void **state)
{
	struct fx *fx = *state;
	char *cause = NULL;

	assert_null(start(fx, "jsonl", "from = middle\n", &cause));
	assert_string_equal(cause, "from must be 'start' or 'end', not 'middle'");
	free(cause);
	cause = NULL;
	assert_null(start(fx, "jsonl", "colour = blue\n", &cause));
	assert_non_null(strstr(cause, "t.conf:4: [source feed] unknown key "
	    "'colour' for plugin 'jsonl'"));
	free(cause);
	cause = NULL;
	assert_null(start(fx, "jsonl", "replay_rate = -3\n", &cause));
	assert_non_null(strstr(cause, "replay_rate"));
	free(cause);
}

/* replay_rate spreads the lines over time. */
static void
test_replay_rate(void **state)
{
	struct fx *fx = *state;
	double t0;
	int i;

	for (i = 1; i <= 10; i++)
		append_post(fx->path, i);
	t0 = now();
	start_jsonl(fx, "replay_rate = 20\n");
	run_for(fx, 150);
	assert_true(fx->ngot <= 5);
	wait_for(fx, 10, 5000);
	/* 10 lines at 20 per second take about half a second. */
	assert_true(now() - t0 >= 0.4);
	assert_id(fx, 9, "p10");
}

/* 200,000 lines arrive, and how fast. */
static void
test_throughput(void **state)
{
	struct fx *fx = *state;
	const int n = 200000;
	size_t cap = (size_t)n * 100, len = 0;
	char *text = xmalloc(cap);
	double t0, secs;
	int i;

	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "{\"id\": \"%d\", \"author\": \"u%d\", \"text\": \"post "
		    "number %d about acme\"}\n", i, i % 100, i);
	append(fx->path, text);
	free(text);
	fx->count_only = 1;
	t0 = now();
	start_jsonl(fx, "");
	wait_for(fx, (size_t)n, 60000);
	secs = now() - t0;
	assert_string_equal(fx->last_id, "199999");
	fprintf(stdout, "jsonl: %d lines in %.3f s, %.0f lines/s "
	    "(with mention_from_plugin)\n", n, secs, n / secs);
}

/* Timers, self-cancel, durable state, invalid mentions, start failure. */
static void
test_tick_services(void **state)
{
	struct fx *fx = *state;
	char *cause = NULL, *st, buf[512];
	struct stat sb;
	size_t n;
	FILE *f;
	int i;

	fx->src = start(fx, "tick", "feed = http://127.0.0.1/x\nevery = 10ms\n"
	    "count = 3\n", &cause);
	assert_non_null(fx->src);
	assert_string_equal(source_name(fx->src), "feed");
	assert_string_equal(source_config(fx->src)->plugin, "tick");
	wait_for(fx, 3, 5000);
	run_for(fx, 150);	/* the timer cancelled itself: no more ticks */
	assert_int_equal(fx->ngot, 3);
	assert_id(fx, 2, "tick-3");
	assert_string_equal(fx->got[0]->text, "tick tock");
	assert_string_equal(fx->got[0]->url, "http://127.0.0.1/x");
	assert_string_equal(fx->got[0]->source, "feed");

	/* The dirty state is written within about a second, before any stop. */
	st = xasprintf("%s/feed.state", fx->state_dir);
	for (i = 0; i < 300 && (stat(st, &sb) == -1 || sb.st_size == 0); i++)
		run_for(fx, 10);
	f = fopen(st, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	free(st);
	assert_non_null(strstr(buf, "\"ticks\""));
	assert_non_null(strstr(buf, "\"3\""));
	source_stop(fx->src);
	fx->src = NULL;

	/* The count survived in the durable state. */
	fx->src = start(fx, "tick", "feed = http://127.0.0.1/x\nevery = 10ms\n"
	    "count = 5\n", &cause);
	assert_non_null(fx->src);
	wait_for(fx, 5, 5000);
	assert_id(fx, 3, "tick-4");
	assert_id(fx, 4, "tick-5");
	source_stop(fx->src);
	fx->src = NULL;

	/* An invalid mention is dropped with a warning naming the source. */
	clear(fx);
	fx->src = start(fx, "tick", "feed = http://127.0.0.1/x\nevery = 10ms\n"
	    "count = 1\nlabel = <p></p>\n", &cause);
	assert_non_null(fx->src);
	run_for(fx, 200);
	assert_int_equal(fx->ngot, 0);
	assert_int_equal(log_count(fx, "warning source feed: invalid mention "
	    "from plugin 'tick' dropped: "), 1);
	source_stop(fx->src);
	fx->src = NULL;

	/* A start that fails gives the plugin's cause. */
	assert_null(start(fx, "tick", "feed = http://127.0.0.1/x\nfail = yes\n",
	    &cause));
	assert_string_equal(cause, "asked to fail");
	free(cause);
}

/* The HTTP services against httpd.py: fetch, poll, stream, stop. */
/* host->pace: quiet rounds lengthen the wait by a quarter, news halves it,
 * within interval/4 and interval*4, or the source's min_interval. */
static void
test_tick_pace(void **state)
{
	struct fx *fx = *state;
	char *cause = NULL;

	fx->src = start(fx, "tick", "mode = pace\nfeed = http://127.0.0.1/x\nevery = 8s\ncount = 1\n",
	    &cause);
	assert_non_null(fx->src);
	wait_for(fx, 1, 5000);
	assert_string_equal(fx->got[0]->text, "pace 10 12.5 6.25 3.125 2");
	source_stop(fx->src);
	fx->src = NULL;
	clear(fx);

	fx->src = start(fx, "tick", "mode = pace\nfeed = http://127.0.0.1/x\nevery = 8s\ncount = 1\n"
	    "min_interval = 3s\nmax_interval = 11s\n", &cause);
	assert_non_null(fx->src);
	wait_for(fx, 1, 5000);
	assert_string_equal(fx->got[0]->text, "pace 10 11 5.5 3 3");
	source_stop(fx->src);
	fx->src = NULL;
	clear(fx);
}

static void
test_tick_http(void **state)
{
	struct fx *fx = *state;
	char *cause = NULL, *extra, port_s[16];
	int port = harness_free_port();
	char *const argv[] = { "/usr/bin/python3", TEST_TOOLS_DIR "/httpd.py",
	    port_s, NULL };
	pid_t pid;

	snprintf(port_s, sizeof(port_s), "%d", port);
	pid = harness_spawn(argv, "/dev/null");
	assert_true(pid != -1);
	if (harness_wait_port(port, 10000) == -1) {
		harness_stop(pid);
		fail_msg("httpd.py did not start");
	}
	fx->env.http = http_new(fx->base, NULL);

	/* A fetch: one callback, then the task is gone by itself. */
	extra = xasprintf("mode = fetch\nfeed = http://127.0.0.1:%d/ok?body=hello"
	    "\n", port);
	fx->src = start(fx, "tick", extra, &cause);
	free(extra);
	assert_non_null(fx->src);
	wait_for(fx, 1, 10000);
	assert_id(fx, 0, "fetch-1");
	assert_non_null(strstr(fx->got[0]->text, "200 hello"));
	source_stop(fx->src);
	fx->src = NULL;
	clear(fx);

	/* A poll that cancels itself from inside its callback after 3. */
	extra = xasprintf("mode = poll\nevery = 100ms\ncount = 3\n"
	    "feed = http://127.0.0.1:%d/ok?body=again\n", port);
	fx->src = start(fx, "tick", extra, &cause);
	free(extra);
	assert_non_null(fx->src);
	wait_for(fx, 3, 10000);
	run_for(fx, 400);
	assert_int_equal(fx->ngot, 3);
	assert_id(fx, 2, "poll-3");
	assert_int_equal(http_active(fx->env.http), 0);
	source_stop(fx->src);
	fx->src = NULL;
	clear(fx);

	/* A stream of lines, cancelled from inside its callback after 2. */
	extra = xasprintf("mode = stream\ncount = 2\n"
	    "feed = http://127.0.0.1:%d/lines?count=5\n", port);
	fx->src = start(fx, "tick", extra, &cause);
	free(extra);
	assert_non_null(fx->src);
	wait_for(fx, 2, 10000);
	run_for(fx, 300);
	assert_int_equal(fx->ngot, 2);
	assert_id(fx, 1, "stream-2");
	assert_int_equal(http_active(fx->env.http), 0);
	source_stop(fx->src);
	fx->src = NULL;
	clear(fx);

	/* Stopping a source aborts its transfer in progress. */
	extra = xasprintf("mode = fetch\n"
	    "feed = http://127.0.0.1:%d/slow?delay=3\n", port);
	fx->src = start(fx, "tick", extra, &cause);
	free(extra);
	assert_non_null(fx->src);
	run_for(fx, 200);
	assert_int_equal(http_active(fx->env.http), 1);
	source_stop(fx->src);
	fx->src = NULL;
	assert_int_equal(http_active(fx->env.http), 0);

	/* host->retry (late here: its Retry-After holds the server's host):
	 * one warning for failures alike (status and next try), one for
	 * another failure, one line when it works again; the waits double,
	 * and a Retry-After of 3 s wins over the first. */
	extra = xasprintf("mode = retry\n"
	    "feed = http://127.0.0.1:%d/status?code=503&retry_after=3\n", port);
	fx->src = start(fx, "tick", extra, &cause);
	free(extra);
	assert_non_null(fx->src);
	wait_for(fx, 1, 10000);
	{
		double w1, w2, w3;

		assert_int_equal(sscanf(fx->got[0]->text, "retry %lf %lf %lf",
		    &w1, &w2, &w3), 3);
		assert_true(w1 >= 3 && w1 <= 3.01);
		assert_true(w2 >= 3 && w2 <= 3.01);	/* 2 s jittered < 3 */
		assert_true(w3 >= 3 && w3 <= 5.01);	/* 4 s jittered */
		assert_int_equal(log_count(fx, "fetch test failed: HTTP 503; "
		    "next try in 3 s (logged again"), 1);
		assert_int_equal(log_count(fx, "fetch test failed: HTTP 503"), 1);
		assert_int_equal(log_count(fx, "fetch test failed: bad body"), 1);
		assert_int_equal(log_count(fx, "works again after 3 failures"),
		    1);
	}
	source_stop(fx->src);
	fx->src = NULL;
	clear(fx);
	run_for(fx, 200);
	assert_int_equal(fx->ngot, 0);

	harness_stop(pid);
}

/* Run the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_skipped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_partial_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_resumes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_from_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_settings, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replay_rate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_throughput, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tick_pace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tick_services, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tick_http, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
