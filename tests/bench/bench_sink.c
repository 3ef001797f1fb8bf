/*
 * bench_sink.c - the Redis sink's hot path against a local redis-server
 * started here: throughput of N realistic ~600-byte mentions, half of them
 * also alerts, pipelined; then the latency of single entries at a paced 1,000
 * a second, from the sink_mention() call to the reply being read. Run twice:
 * against Redis as the tests start it (appendonly, appendfsync always: Redis
 * fsyncs before it replies) and against a Redis without persistence.
 *
 * Then the same N mentions delivered the way the pipeline delivers new ones
 * (sink_deliver: one deliver.lua call claims the seen key and writes the
 * mention and its alert), and delivered again (every claim fails: what a
 * second instance or a restart costs Redis).
 *
 * Usage: bench_sink [N [URL]]: N defaults to 200000; with URL, only that
 * Redis is used. One "run figure value" line per figure.
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "harness.h"
#include "log.h"
#include "sink.h"

#define BENCH_PACED	2000	/* entries in the latency run */

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A realistic mention document, about 600 bytes, for item I. */
static char *
bench_json(int i, char *id, size_t idsize)
{
	static const char *const classes[] = {
		"question", "negative", "positive"
	};
	char *json;

	snprintf(id, idsize, "hn:%08d", 40000000 + i);
	if (asprintf(&json, "{\"id\":\"%s\",\"source\":\"hackernews\","
	    "\"track\":\"acme-db\",\"url\":\"https://news.ycombinator.com/"
	    "item?id=%d\",\"author\":\"user%05d\",\"title\":\"Ask HN: Is "
	    "anyone running Acme DB in production at scale?\",\"text\":\"We "
	    "are evaluating Acme DB for our event pipeline (about 40k writes "
	    "per second, mostly small JSON documents). The benchmarks look "
	    "great but I could not find much about operating it: backups, "
	    "upgrades between minor versions. Any war stories, good or bad, "
	    "would help us decide.\",\"lang\":"
	    "\"en\",\"class\":\"%s\",\"priority\":0.%02d,\"published\":"
	    "\"2026-11-24T09:%02d:%02dZ\",\"fetched\":\"2026-11-24T09:%02d:"
	    "%02d.%03dZ\"}", id, 40000000 + i, i % 100000, classes[i % 3],
	    i % 100, i / 60 % 60, i % 60, i / 60 % 60, i % 60, i % 1000) == -1)
		abort();
	return json;
}

/* CPU time (user and system) this process has used, in seconds. */
static double
bench_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void
bench_flushed(void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop until *FLAG is set (bounded by the flush timeout). */
static void
bench_run(struct event_base *base, int *flag)
{
	while (!*flag)
		event_base_loop(base, EVLOOP_ONCE);
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Start redis-server on a free port without persistence; 0 or -1. */
static int
bench_redis_nopersist(struct harness_redis *r)
{
	char port[16], log[512];

	r->dir = harness_tmpdir();
	r->port = harness_free_port();
	snprintf(port, sizeof(port), "%d", r->port);
	snprintf(log, sizeof(log), "%s/redis.log", r->dir);
	char *const argv[] = {
		"redis-server", "--port", port, "--bind", "127.0.0.1",
		"--dir", r->dir, "--save", "", "--appendonly", "no",
		"--daemonize", "no", NULL
	};
	r->pid = harness_spawn(argv, log);
	if (r->pid == -1 || harness_wait_port(r->port, 5000) == -1)
		return -1;
	return 0;
}

/* Both runs against the Redis at URL; figures prefixed with NAME. */
static int
bench_one(const char *name, const char *url, int n, char **ids, char **docs)
{
	static const char *const classes[] = {
		"question", "negative", "positive"
	};
	struct event_base *base = event_base_new();
	struct config_redis cfg = { 0 };
	struct sink_stats st;
	struct sink *s;
	char *cause = NULL;
	double t0, t1, c0, c1, *lat, next;
	unsigned long long before;
	long long alerts = 0;
	int i, done = 0;

	cfg.url = (char *)url;
	cfg.prefix = "bench";
	cfg.group = "workers";
	cfg.queue = CONFIG_QUEUE_STREAM;
	cfg.hold_max = 2LL * n;
	if ((s = sink_new(base, &cfg, &cause)) == NULL) {
		fprintf(stderr, "sink_new: %s\n", cause);
		return -1;
	}
	/* Let it connect first: the figure is for the pipeline. */
	while (sink_stats(s, &st), !st.connected)
		event_base_loop(base, EVLOOP_ONCE);

	t0 = bench_now();
	c0 = bench_cpu();
	for (i = 0; i < n; i++) {
		sink_mention(s, ids[i], docs[i], NULL);
		if (i % 2 == 0) {
			sink_alert(s, classes[i % 3], ids[i], docs[i]);
			alerts++;
		}
	}
	sink_flush(s, 300, bench_flushed, &done);
	bench_run(base, &done);
	t1 = bench_now() - t0;
	c1 = bench_cpu() - c0;
	sink_stats(s, &st);
	printf("%s redis %s\n", name, url);
	printf("%s mentions %d\n", name, n);
	printf("%s alerts %lld\n", name, alerts);
	printf("%s entries %lld\n", name, n + alerts);
	printf("%s written %llu\n", name, st.written);
	printf("%s left_after_flush %llu\n", name, st.held + st.inflight);
	printf("%s total_time_s %.3f\n", name, t1);
	printf("%s entries_per_s %.0f\n", name, (double)(n + alerts) / t1);
	printf("%s mentions_per_s %.0f\n", name, (double)n / t1);
	printf("%s commands_per_s %.0f\n", name, (double)(n + 2 * alerts) / t1);
	/* The sink's own cost, without Redis's: this process's CPU time. */
	printf("%s sink_cpu_ns_per_entry %.0f\n", name, c1 * 1e9 /
	    (double)(n + alerts));

	/* Deliveries, new then repeated, under keys of their own. */
	for (int pass = 0; pass < 2; pass++) {
		const char *what = pass == 0 ? "deliveries" : "repeats";
		struct sink *ds;

		cfg.prefix = "bench-deliver";
		if ((ds = sink_new(base, &cfg, &cause)) == NULL)
			return -1;
		while (sink_stats(ds, &st), !st.connected)
			event_base_loop(base, EVLOOP_ONCE);
		t0 = bench_now();
		c0 = bench_cpu();
		for (i = 0; i < n; i++)
			sink_deliver(ds, ids[i], docs[i], i % 2 == 0 ?
			    SINK_ALERT_QUESTION : 0, 7 * 86400, NULL, NULL,
			    NULL);
		done = 0;
		sink_flush(ds, 300, bench_flushed, &done);
		bench_run(base, &done);
		t1 = bench_now() - t0;
		c1 = bench_cpu() - c0;
		sink_stats(ds, &st);
		printf("%s %s_written %llu\n", name, what, st.written);
		printf("%s %s_seen_before %llu\n", name, what, st.seen_before);
		printf("%s %s_per_s %.0f\n", name, what, (double)n / t1);
		printf("%s %s_sink_cpu_ns %.0f\n", name, what,
		    c1 * 1e9 / (double)n);
		sink_free(ds);
	}
	cfg.prefix = "bench";

	/* Latency: one mention every millisecond, timed to its reply. */
	lat = calloc(BENCH_PACED, sizeof(*lat));
	next = bench_now();
	for (i = 0; i < BENCH_PACED; i++) {
		next += 0.001;
		while (bench_now() < next)
			;
		sink_stats(s, &st);
		before = st.written;
		t0 = bench_now();
		sink_mention(s, ids[i % n], docs[i % n], NULL);
		do {
			event_base_loop(base, EVLOOP_ONCE);
			sink_stats(s, &st);
		} while (st.written == before);
		lat[i] = (bench_now() - t0) * 1e6;
	}
	qsort(lat, BENCH_PACED, sizeof(*lat), bench_cmp);
	printf("%s paced_entries %d\n", name, BENCH_PACED);
	printf("%s paced_rate_per_s 1000\n", name);
	printf("%s latency_p50_us %.1f\n", name, lat[BENCH_PACED / 2]);
	printf("%s latency_p90_us %.1f\n", name, lat[BENCH_PACED * 9 / 10]);
	printf("%s latency_p99_us %.1f\n", name, lat[BENCH_PACED * 99 / 100]);
	printf("%s latency_max_us %.1f\n", name, lat[BENCH_PACED - 1]);
	fflush(stdout);
	free(lat);
	sink_free(s);
	event_base_free(base);
	return 0;
}

int
main(int argc, char **argv)
{
	struct harness_redis r = { 0 };
	char url[64], **docs, **ids, id[32];
	int i, n = argc > 1 ? atoi(argv[1]) : 200000;
	double bytes = 0;

	log_init(LOG_WARNING);
	if (n <= 0)
		n = 200000;
	docs = calloc((size_t)n, sizeof(*docs));
	ids = calloc((size_t)n, sizeof(*ids));
	for (i = 0; i < n; i++) {
		docs[i] = bench_json(i, id, sizeof(id));
		ids[i] = strdup(id);
		bytes += (double)strlen(docs[i]);
	}
	printf("bench_sink mean_json_bytes %.0f\n", bytes / n);

	if (argc > 2)
		bench_one("bench_sink", argv[2], n, ids, docs);
	else {
		/* As the tests run it: every write fsync'd before the reply. */
		if (harness_redis_start(&r) != 0)
			return 1;
		snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
		bench_one("fsync_always", url, n, ids, docs);
		harness_redis_stop(&r);
		memset(&r, 0, sizeof(r));
		/* No persistence: what the sink itself can do. */
		if (bench_redis_nopersist(&r) != 0)
			return 1;
		snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
		bench_one("no_persistence", url, n, ids, docs);
		harness_redis_stop(&r);
	}
	for (i = 0; i < n; i++) {
		free(docs[i]);
		free(ids[i]);
	}
	free(docs);
	free(ids);
	return 0;
}
