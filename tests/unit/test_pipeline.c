/*
 * test_pipeline.c - the whole path of a mention (daemon/pipeline.c) into a
 * real sink and a real redis-server: what lands in {prefix}:mentions and in
 * each alert queue, what is dropped, the alert log line, and track reloads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "config.h"
#include "harness.h"
#include "log.h"
#include "mention.h"
#include "pipeline.h"
#include "sink.h"

/* Everything one test needs, fresh each time. */
struct fixture {
	struct harness_redis	 redis;
	struct event_base	*base;
	struct sink		*sink;
	struct pipeline		*pl;
	redisContext		*c;
	char			 url[64];
};

static char *acme_langs[] = { "en", "fr", NULL };

/* Two tracks: acme (questions and negatives at 0.3 and above, en/fr) and
 * rival (positives only, any priority). */
static struct config_track test_tracks[] = {
	{ .name = "acme", .query = "acme OR \"acme corp\"", .langs = acme_langs,
	  .alert_classes = CONFIG_CLASS_QUESTION | CONFIG_CLASS_NEGATIVE,
	  .min_priority = 0.3 },
	{ .name = "rival", .query = "rival", .alert_classes =
	  CONFIG_CLASS_POSITIVE, .min_priority = 0 },
};

static int
setup(void **state)
{
	struct config_redis rc = { .prefix = "t", .queue = CONFIG_QUEUE_STREAM,
	    .group = "workers", .hold_max = 10000 };
	struct config cfg = { .tracks = test_tracks, .ntracks = 2 };
	struct timeval tv = { 2, 0 };
	struct fixture *f;
	char *cause = NULL;

	f = calloc(1, sizeof(*f));
	if (harness_redis_start(&f->redis) != 0)
		return -1;
	snprintf(f->url, sizeof(f->url), "redis://127.0.0.1:%d", f->redis.port);
	rc.url = f->url;
	f->base = event_base_new();
	f->sink = sink_new(f->base, &rc, &cause);
	assert_non_null(f->sink);
	f->pl = pipeline_new(&cfg, f->sink, &cause);
	assert_non_null(f->pl);
	f->c = redisConnectWithTimeout("127.0.0.1", f->redis.port, tv);
	assert_non_null(f->c);
	assert_int_equal(f->c->err, 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	pipeline_free(f->pl);
	sink_free(f->sink);
	event_base_free(f->base);
	redisFree(f->c);
	harness_redis_stop(&f->redis);
	free(f);
	return 0;
}

/* Set when the sink's flush is done. */
static void
flushed(void *arg)
{
	*(int *)arg = 1;
}

/* Give up on the loop: the flush took too long. */
static void
too_long(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* Run the loop until the sink has delivered everything (at most 5 s). */
static void
flush(struct fixture *f)
{
	struct timeval tv = { 6, 0 };
	struct sink_stats st;
	struct event *ev;
	int done = 0, i;

	sink_flush(f->sink, 5, flushed, &done);
	ev = evtimer_new(f->base, too_long, f->base);
	evtimer_add(ev, &tv);
	for (i = 0; i < 10000 && !done; i++)
		event_base_loop(f->base, EVLOOP_ONCE);
	event_free(ev);
	assert_true(done);
	sink_stats(f->sink, &st);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.inflight, 0);
}

/* Emit a mention with ID, URL, HANDLE and TEXT (the rest unknown) from
 * source "feed". */
static void
emit(struct fixture *f, const char *id, const char *url, const char *handle,
    const char *text, const char *lang, long long followers)
{
	struct md_mention pm = MD_MENTION_INIT;
	struct mention *m;
	char *cause = NULL;

	pm.id = id;
	pm.url = url;
	pm.author_handle = handle;
	pm.text = text;
	pm.lang = lang;
	pm.author_followers = followers;
	m = mention_from_plugin("feed", "jsonl", &pm, &cause);
	assert_non_null(m);
	pipeline_emit(f->pl, m);
}

/* The length of stream KEY (0 when it does not exist). */
static long long
xlen(struct fixture *f, const char *key)
{
	redisReply *r = redisCommand(f->c, "XLEN %s", key);
	long long n;

	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	n = r->integer;
	freeReplyObject(r);
	return n;
}

/* Entry I of stream KEY: its "id" field in *ID and its parsed "data". */
static cJSON *
entry(struct fixture *f, const char *key, size_t i, char **id)
{
	redisReply *r = redisCommand(f->c, "XRANGE %s - +", key), *fields;
	cJSON *doc = NULL;
	size_t k;

	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_true(i < r->elements);
	fields = r->element[i]->element[1];
	assert_int_equal(fields->elements, 4);
	*id = NULL;
	for (k = 0; k + 1 < fields->elements; k += 2) {
		if (strcmp(fields->element[k]->str, "id") == 0)
			*id = strdup(fields->element[k + 1]->str);
		else if (strcmp(fields->element[k]->str, "data") == 0)
			doc = cJSON_Parse(fields->element[k + 1]->str);
	}
	freeReplyObject(r);
	assert_non_null(*id);
	assert_non_null(doc);
	return doc;
}

/* The string member NAME of O, or NULL when it is null. */
static const char *
str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	assert_non_null(v);
	if (cJSON_IsNull(v))
		return NULL;
	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static void
test_matched_mention_lands(void **state)
{
	struct fixture *f = *state;
	const cJSON *a, *author;
	struct pipeline_stats st;
	char *id;
	cJSON *doc;

	emit(f, "101", "https://social.example/@jdoe/101", "jdoe",
	    "<p>Does anyone know how to reset my <b>Acme</b> router?</p>",
	    "en", 999);
	flush(f);

	assert_int_equal(xlen(f, "t:mentions"), 1);
	doc = entry(f, "t:mentions", 0, &id);
	assert_string_equal(id, "feed:101");
	free(id);
	assert_string_equal(str(doc, "id"), "feed:101");
	assert_string_equal(str(doc, "source"), "feed");
	assert_string_equal(str(doc, "plugin"), "jsonl");
	assert_string_equal(str(doc, "source_id"), "101");
	assert_string_equal(str(doc, "url"), "https://social.example/@jdoe/101");
	assert_string_equal(str(doc, "text"),
	    "Does anyone know how to reset my Acme router?");
	assert_string_equal(str(doc, "lang"), "en");
	assert_null(str(doc, "title"));
	assert_null(str(doc, "published_at"));
	assert_null(str(doc, "dup_of"));
	assert_string_equal(str(doc, "track"), "acme");
	author = cJSON_GetObjectItemCaseSensitive(doc, "author");
	assert_string_equal(str(author, "handle"), "jdoe");
	a = cJSON_GetObjectItemCaseSensitive(doc, "terms");
	assert_int_equal(cJSON_GetArraySize(a), 1);
	assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, "acme");
	a = cJSON_GetObjectItemCaseSensitive(doc, "classes");
	assert_int_equal(cJSON_GetArraySize(a), 1);
	assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring, "question");
	/* 0.35 for the question + 0.1 * log10(1000)/6 for the reach. */
	assert_float_equal(cJSON_GetObjectItemCaseSensitive(doc,
	    "priority")->valuedouble, 0.40, 1e-9);
	cJSON_Delete(doc);

	/* The alert: the same document, in the question queue only. */
	assert_int_equal(xlen(f, "t:alerts:question"), 1);
	assert_int_equal(xlen(f, "t:alerts:negative"), 0);
	assert_int_equal(xlen(f, "t:alerts:positive"), 0);
	doc = entry(f, "t:alerts:question", 0, &id);
	assert_string_equal(id, "feed:101");
	assert_string_equal(str(doc, "id"), "feed:101");
	free(id);
	cJSON_Delete(doc);

	pipeline_stats(f->pl, &st);
	assert_int_equal(st.emitted, 1);
	assert_int_equal(st.matched, 1);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(st.alerts, 1);
}

/* A repeat is dropped, an edit that became a question alerts as an update
 * (and only for the new class), a link posted again with nothing added
 * raises nothing and is not written. */
static void
test_duplicates(void **state)
{
	struct fixture *f = *state;
	struct pipeline_stats st;
	char *id;
	cJSON *doc;

	emit(f, "1", "https://news.example/a#top", "a", "acme is broken", "en",
	    -1);
	/* The same key and text again: dropped. */
	emit(f, "1", "https://news.example/a#top", "a", "acme is broken", "en",
	    -1);
	/* Edited into a question: written as an update, one question alert. */
	emit(f, "1", "https://news.example/a", "a", "acme is broken, does "
	    "anyone know a fix?", "en", -1);
	/* The same URL under another key, a few words: nothing. */
	emit(f, "2", "https://news.example/a", "b", "acme is broken, says a",
	    "en", -1);
	flush(f);

	assert_int_equal(xlen(f, "t:mentions"), 2);
	doc = entry(f, "t:mentions", 1, &id);
	assert_true(strncmp(id, "feed:1#", 7) == 0);
	assert_string_equal(str(doc, "dup_of"), "feed:1");
	assert_string_equal(str(doc, "dup_reason"), "update");
	free(id);
	cJSON_Delete(doc);
	assert_int_equal(xlen(f, "t:alerts:negative"), 1);
	doc = entry(f, "t:alerts:negative", 0, &id);
	assert_string_equal(id, "feed:1");
	assert_string_equal(str(doc, "text"), "acme is broken");
	assert_null(str(doc, "dup_reason"));
	free(id);
	cJSON_Delete(doc);
	assert_int_equal(xlen(f, "t:alerts:question"), 1);
	doc = entry(f, "t:alerts:question", 0, &id);
	assert_true(strncmp(id, "feed:1#", 7) == 0);
	assert_string_equal(str(doc, "dup_reason"), "update");
	free(id);
	cJSON_Delete(doc);

	pipeline_stats(f->pl, &st);
	assert_int_equal(st.emitted, 4);
	assert_int_equal(st.matched, 4);
	assert_int_equal(st.duplicates, 2);
	assert_int_equal(st.reasons[DEDUP_SAME_ID], 1);
	assert_int_equal(st.reasons[DEDUP_UPDATE], 1);
	assert_int_equal(st.reasons[DEDUP_SAME_URL], 1);
	assert_int_equal(st.alerts, 2);
}

/* With keep_duplicates, a duplicate is written, marked, and alerts not. */
static void
test_keep_duplicates(void **state)
{
	struct fixture *f = *state;
	struct config cfg = { .tracks = test_tracks, .ntracks = 2 };
	char *id;
	cJSON *doc;

	cfg.dedup.capacity = 100;
	cfg.dedup.window = 3600;
	cfg.dedup.min_words = 8;
	cfg.dedup.keep_duplicates = 1;
	pipeline_set_dedup(f->pl, &cfg);
	emit(f, "1", "https://news.example/a", "a", "acme is broken", "en",
	    -1);
	emit(f, "2", "https://news.example/a", "b", "acme is broken", "en",
	    -1);
	flush(f);
	assert_int_equal(xlen(f, "t:mentions"), 2);
	doc = entry(f, "t:mentions", 1, &id);
	assert_string_equal(id, "feed:2");
	assert_string_equal(str(doc, "dup_of"), "feed:1");
	assert_string_equal(str(doc, "dup_reason"), "same_url");
	free(id);
	cJSON_Delete(doc);
	assert_int_equal(xlen(f, "t:alerts:negative"), 1);
}

static void
test_unmatched_and_filtered(void **state)
{
	struct fixture *f = *state;
	struct pipeline_stats st;

	/* No track matches: dropped. */
	emit(f, "1", NULL, "x", "nothing to see here?", "en", -1);
	emit(f, "2", NULL, "x", "acmecorp is another word?", "en", -1);
	/* acme is limited to en and fr. */
	emit(f, "3", NULL, "x", "acme kaputt?", "de", -1);
	/* Matched, but no class acme alerts on. */
	emit(f, "4", NULL, "x", "acme is great", "en", -1);
	/* Matched by rival, which alerts on positives at any priority. */
	emit(f, "5", NULL, "x", "thanks rival", NULL, -1);
	flush(f);

	assert_int_equal(xlen(f, "t:mentions"), 2);
	assert_int_equal(xlen(f, "t:alerts:question"), 0);
	assert_int_equal(xlen(f, "t:alerts:negative"), 0);
	/* acme does not alert on positives; rival does. */
	assert_int_equal(xlen(f, "t:alerts:positive"), 1);
	pipeline_stats(f->pl, &st);
	assert_int_equal(st.emitted, 5);
	assert_int_equal(st.matched, 2);
	assert_int_equal(st.alerts, 1);
}

static void
test_min_priority(void **state)
{
	struct fixture *f = *state;
	struct config_track t = { .name = "acme", .query = "acme",
	    .alert_classes = CONFIG_CLASS_QUESTION, .min_priority = 0.5 };
	struct config cfg = { .tracks = &t, .ntracks = 1 };
	char *cause = NULL;

	assert_int_equal(pipeline_set_tracks(f->pl, &cfg, &cause), 0);
	/* 0.35 < 0.5: stored, no alert. */
	emit(f, "1", NULL, "x", "acme, why?", NULL, -1);
	/* 0.35 + 0.1 (over a million followers, the most reach gives) =
	 * 0.45 < 0.5 still. */
	emit(f, "2", NULL, "x", "acme, how?", NULL, 5000000);
	flush(f);
	assert_int_equal(xlen(f, "t:mentions"), 2);
	assert_int_equal(xlen(f, "t:alerts:question"), 0);

	t.min_priority = 0.44;
	assert_int_equal(pipeline_set_tracks(f->pl, &cfg, &cause), 0);
	emit(f, "3", NULL, "x", "acme, where?", NULL, 5000000);
	flush(f);
	assert_int_equal(xlen(f, "t:alerts:question"), 1);
}

static void
test_bad_reload_keeps_tracks(void **state)
{
	struct fixture *f = *state;
	struct config_track t = { .name = "oops", .query = "\"unclosed",
	    .where = { .file = "x.conf", .line = 3 } };
	struct config cfg = { .tracks = &t, .ntracks = 1 };
	char *cause = NULL;

	assert_int_equal(pipeline_set_tracks(f->pl, &cfg, &cause), -1);
	assert_non_null(strstr(cause, "track oops (x.conf:3)"));
	free(cause);
	emit(f, "1", NULL, "x", "acme is broken", "en", -1);
	flush(f);
	assert_int_equal(xlen(f, "t:mentions"), 1);
	assert_int_equal(xlen(f, "t:alerts:negative"), 1);
}

static void
test_alert_log_line(void **state)
{
	struct fixture *f = *state;
	char path[] = "/tmp/mentiond-pipelog-XXXXXX", buf[4096];
	int fd, saved;
	ssize_t n;
	char long_text[400];

	/* 70 x "é " (2 bytes, 1 character each, twice over the limit) after
	 * the question. */
	strcpy(long_text, "Does anyone know how to reset acme? ");
	for (n = 0; n < 70; n++)
		strcat(long_text, "\xc3\xa9 ");

	fflush(stderr);
	fd = mkstemp(path);
	unlink(path);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	unsetenv("JOURNAL_STREAM");
	log_init(LOG_NOTICE);
	emit(f, "7", "https://m.example/7", "jdoe", long_text, "en", -1);
	emit(f, "8", NULL, "jdoe", "acme news", "en", -1);	/* no alert */
	/* The line is logged once Redis has taken the mention. */
	flush(f);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	fputs(buf, stderr);

	/* One line, naming the class, priority, track, author and source,
	 * the text cut at 120 characters on a character boundary, the URL. */
	assert_non_null(strstr(buf, " notice  alert: question p=0.35 [acme] "
	    "@jdoe (feed): \"Does anyone know how to reset acme? \xc3\xa9 "));
	assert_non_null(strstr(buf, "\xc3\xa9...\" https://m.example/7\n"));
	assert_int_equal(strchr(buf, '\n') - buf + 1, (long)strlen(buf));
}

/* A second pipeline on the same Redis (another instance, or this one after
 * a restart, with an empty memory) delivers nothing the first delivered:
 * neither the mention nor its alerts, and no alert line. A new mention it
 * delivers. */
static void
test_second_instance(void **state)
{
	struct fixture *f = *state;
	struct config_redis rc = { .prefix = "t", .queue = CONFIG_QUEUE_STREAM,
	    .group = "workers", .hold_max = 10000, .url = f->url };
	struct config cfg = { .tracks = test_tracks, .ntracks = 2 };
	struct pipeline *first = f->pl;
	struct sink *first_sink = f->sink;
	struct sink_stats st;
	char *cause = NULL;
	redisReply *r;

	emit(f, "1", "https://news.example/1", "a", "acme is broken", "en", -1);
	flush(f);
	f->sink = sink_new(f->base, &rc, &cause);
	assert_non_null(f->sink);
	f->pl = pipeline_new(&cfg, f->sink, &cause);
	assert_non_null(f->pl);
	emit(f, "1", "https://news.example/1", "a", "acme is broken", "en", -1);
	emit(f, "2", NULL, "a", "is acme down for anyone else?", "en", -1);
	flush(f);
	sink_stats(f->sink, &st);
	assert_int_equal(st.seen_before, 1);
	assert_int_equal(st.written, 1);
	assert_int_equal(xlen(f, "t:mentions"), 2);
	assert_int_equal(xlen(f, "t:alerts:negative"), 1);
	assert_int_equal(xlen(f, "t:alerts:question"), 1);
	/* The seen key expires with the dedup window. */
	r = redisCommand(f->c, "TTL t:seen:feed:1");
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	assert_true(r->integer > 7 * 86400 - 60 && r->integer <= 7 * 86400);
	freeReplyObject(r);
	pipeline_free(first);
	sink_free(first_sink);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_matched_mention_lands,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keep_duplicates, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_second_instance, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unmatched_and_filtered,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_priority, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_reload_keeps_tracks,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_log_line, setup,
		    teardown),
	};

	log_init(LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
