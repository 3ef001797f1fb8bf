/*
 * bench_dedup.c - how fast dedup_check is with a million remembered
 * mentions, and how many bytes each costs.
 *
 * Makes N (default 1,000,000, or argv[1]) distinct posts of about 160 bytes
 * (random words of a 5,000-word vocabulary, a URL each), folded beforehand
 * as the pipeline folds them, then times four passes over a dedup of
 * capacity 1,000,000 with near-copy detection on: filling it (every check
 * new: exact tables and SimHash index looked up, then added to), N new ones
 * again (each also forgets the oldest), the last N/2 again (same ids: the
 * exact table answers), and N/2 near-copies ("RT @x: " + the text, new id
 * and URL: the SimHash index answers), and N/2 new posts that all start with
 * the same 14 words (a template many people post: the cost must not grow
 * with how many share it). One line per pass: checks per second and
 * nanoseconds per check; then the memory per remembered mention. argv[2],
 * if given, is near_distance (0: the exact checks alone, no SimHash index).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dedup.h"
#include "mention.h"

#define BENCH_CAPACITY	1000000
#define BENCH_WORDS	5000
#define BENCH_BATCH	256	/* posts made, then checked */

/* Seconds of CPU this process used: on a shared machine, the time other
 * processes take the cores from it does not count. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A pseudo-random number (xorshift64). */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* The folded text of post I of pass PASS, about 160 bytes, in BUF; with
 * PREFIX in front. */
static void
text(char *buf, size_t cap, size_t pass, size_t i, const char *prefix)
{
	static char vocab[BENCH_WORDS][12];
	static int made;
	uint64_t x = (uint64_t)(pass * 1000003 + i) * 0x9e3779b97f4a7c15ULL | 1;
	size_t len, j, n;

	if (!made) {
		uint64_t y = 42;

		for (j = 0; j < BENCH_WORDS; j++) {
			n = 3 + rnd(&y) % 8;
			for (len = 0; len < n; len++)
				vocab[j][len] = (char)('a' + rnd(&y) % 26);
			vocab[j][n] = '\0';
		}
		made = 1;
	}
	len = (size_t)snprintf(buf, cap, "%s", prefix);
	while (len < 150 + strlen(prefix)) {
		len += (size_t)snprintf(buf + len, cap - len, "%s ",
		    vocab[rnd(&x) % BENCH_WORDS]);
	}
	buf[len - 1] = '\0';
}

/* Post I of pass PASS as the jsonl connector would emit it, with its folded
 * text in *FOLDED (malloc'd). */
static struct mention *
make(size_t pass, size_t i, const char *prefix, char **folded)
{
	struct md_mention pm = MD_MENTION_INIT;
	char id[32], url[96], buf[256], *cause = NULL;
	struct mention *m;

	snprintf(id, sizeof(id), "p%zu-%zu%s", pass, i, *prefix ? "rt" : "");
	snprintf(url, sizeof(url), "https://forum.example.org/t/%zu/%zu%s",
	    pass, i, *prefix ? "rt" : "");
	text(buf, sizeof(buf), pass, i, prefix);
	pm.id = id;
	pm.url = url;
	pm.text = buf;
	m = mention_from_plugin("feed", "jsonl", &pm, &cause);
	if (m == NULL) {
		fprintf(stderr, "bench_dedup: %s\n", cause);
		exit(1);
	}
	*folded = strdup(buf);
	return m;
}

/* Time dedup_check on posts FROM..TO-1 of PASS (with PREFIX); returns how
 * many were not new. The posts are made BENCH_BATCH at a time, untimed, just
 * before they are checked: in the pipeline a mention and its folded text
 * are still in the cache when dedup sees them, having just been parsed and
 * folded. */
static size_t
run(struct dedup *d, const char *what, size_t pass, size_t from, size_t to,
    const char *prefix)
{
	struct mention *ms[BENCH_BATCH];
	char *folded[BENCH_BATCH];
	size_t i, b, nb, n = to - from, seen = 0;
	double t = 0, t0;

	for (b = 0; b < n; b += nb) {
		nb = n - b < BENCH_BATCH ? n - b : BENCH_BATCH;
		for (i = 0; i < nb; i++)
			ms[i] = make(pass, from + b + i, prefix, &folded[i]);
		t0 = now();
		for (i = 0; i < nb; i++)
			seen += dedup_check(d, ms[i], folded[i],
			    ms[i]->seen_ms, NULL) != DEDUP_NEW;
		t += now() - t0;
		for (i = 0; i < nb; i++) {
			mention_free(ms[i]);
			free(folded[i]);
		}
	}
	printf("%-36s %10.0f checks/s %8.0f ns/check\n", what,
	    (double)n / t, t * 1e9 / (double)n);
	return seen;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000, seen;
	struct dedup_params p;
	struct dedup *d;

	if (n < 2)
		n = 2;
	dedup_params_default(&p);
	p.capacity = BENCH_CAPACITY;
	if (argc > 2)
		p.near_distance = atoi(argv[2]);
	d = dedup_new(&p);
	printf("%zu posts a pass, capacity %d, near_distance %d\n", n,
	    BENCH_CAPACITY, p.near_distance);
	if ((seen = run(d, "new (filling)", 0, 0, n, "")) != 0)
		printf("  (%zu taken for duplicates)\n", seen);
	if ((seen = run(d, "new (forgetting the oldest)", 1, 0, n, "")) != 0)
		printf("  (%zu taken for duplicates)\n", seen);
	if ((seen = run(d, "same id", 1, n / 2, n, "")) != n - n / 2)
		printf("  (%zu of %zu found)\n", seen, n - n / 2);
	if ((seen = run(d, "near copy (\"rt @x: \" + text)", 1, n / 2, n,
	    "rt @x: ")) != n - n / 2)
		printf("  (%zu of %zu found)\n", seen, n - n / 2);
	if ((seen = run(d, "new, one 14-word template", 2, 0, n / 2,
	    "acme fibre has been down all morning in lyon this is the worst "
	    "service ")) != 0)
		printf("  (%zu taken for duplicates)\n", seen);
	printf("%zu remembered, %.1f MB, %.1f bytes per remembered mention\n",
	    dedup_count(d), (double)dedup_memory(d) / 1e6,
	    (double)dedup_memory(d) / (double)dedup_count(d));
	dedup_free(d);
	return 0;
}
