/*
 * bench_dedup.c - how fast dedup_check is with the daemon's capacity of a
 * million remembered mentions.
 *
 * Makes N (default 1,000,000, or argv[1]) distinct mentions with URLs, then
 * times three passes: filling an empty dedup with them (every check a miss),
 * the same number of new ones again (every check also forgets the oldest),
 * and the last N/2 again (every check a repeat). One line per pass:
 * checks per second and nanoseconds per check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dedup.h"
#include "mention.h"

#define BENCH_CAPACITY	1000000

/* Monotonic seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Mention number I of pass PASS, as the jsonl connector would emit it. */
static struct mention *
make(size_t pass, size_t i)
{
	struct md_mention pm = MD_MENTION_INIT;
	char id[32], url[96], *cause = NULL;
	struct mention *m;

	snprintf(id, sizeof(id), "p%zu-%zu", pass, i);
	snprintf(url, sizeof(url), "https://forum.example.org/t/%zu/%zu#post",
	    pass, i);
	pm.id = id;
	pm.url = url;
	pm.text = "some text";
	m = mention_from_plugin("feed", "jsonl", &pm, &cause);
	if (m == NULL) {
		fprintf(stderr, "bench_dedup: %s\n", cause);
		exit(1);
	}
	return m;
}

/* Print one pass's figures. */
static void
report(const char *what, size_t n, double seconds)
{
	printf("%-34s %10.0f checks/s %8.0f ns/check\n", what,
	    (double)n / seconds, seconds * 1e9 / (double)n);
}

/* Time dedup_check on mentions FROM..TO-1 of PASS; returns how many were
 * not new. */
static size_t
run(struct dedup *d, const char *what, size_t pass, size_t from, size_t to)
{
	struct mention **ms;
	size_t i, n = to - from, seen = 0;
	double t;

	ms = calloc(n, sizeof(*ms));
	if (ms == NULL)
		exit(1);
	for (i = 0; i < n; i++)
		ms[i] = make(pass, from + i);
	t = now();
	for (i = 0; i < n; i++)
		seen += dedup_check(d, ms[i], "", ms[i]->seen_ms, NULL) !=
		    DEDUP_NEW;
	report(what, n, now() - t);
	for (i = 0; i < n; i++)
		mention_free(ms[i]);
	free(ms);
	return seen;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	struct dedup_params p;
	struct dedup *d;

	if (n < 2)
		n = 2;
	dedup_params_default(&p);
	p.capacity = BENCH_CAPACITY;
	d = dedup_new(&p);
	printf("%zu mentions a pass, capacity %d\n", n, BENCH_CAPACITY);
	if (run(d, "new (filling)", 0, 0, n) != 0)
		printf("unexpected repeats while filling\n");
	if (run(d, "new (forgetting the oldest)", 1, 0, n) != 0)
		printf("unexpected repeats\n");
	if (run(d, "repeats", 1, n / 2, n) != n - n / 2)
		printf("expected every check to be a repeat\n");
	printf("(%zu remembered)\n", dedup_count(d));
	dedup_free(d);
	return 0;
}
