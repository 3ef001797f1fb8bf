/*
 * bench_simhash.c - how fast near-duplicate fingerprints are made and found
 * with the daemon's capacity of a million remembered mentions.
 *
 * Prints: simhash_text's nanoseconds per 160-byte and per 2 KB post (random
 * words of a 20,000-word vocabulary, already folded); then, with N (default
 * 1,000,000, or argv[1]) fingerprints of 160-byte posts remembered,
 * simhash_index_find's nanoseconds for new posts (misses) and for near
 * copies of remembered ones (hits, two bits away), the nanoseconds to forget
 * the oldest and remember a new one (the caller's expiry), and the index's
 * bytes per remembered mention. argv[2], if given, is the index's K (default
 * SIMHASH_K).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "simhash.h"

#define BENCH_VOCAB	20000

/* Monotonic seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A deterministic pseudo-random number. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Post number I (seed) of about LEN bytes in BUF (SIZE > LEN + 16). */
static size_t
post(char *buf, size_t size, uint64_t i, size_t len)
{
	uint64_t s = i * 0x9e3779b97f4a7c15ULL + 1;
	size_t off = 0;

	while (off < len && off + 16 < size)
		off += (size_t)snprintf(buf + off, size - off, "%sw%u",
		    off ? " " : "", (unsigned)(rnd(&s) % BENCH_VOCAB));
	return off;
}

/* Time simhash_text on N posts of about LEN bytes. */
static void
bench_text(size_t len, size_t n)
{
	struct simhash_fp fp;
	char *bufs, *b;
	size_t i, *lens, words = 0;
	double t;

	bufs = malloc(n * (len + 32));
	lens = calloc(n, sizeof(*lens));
	if (bufs == NULL || lens == NULL)
		exit(1);
	for (i = 0; i < n; i++)
		lens[i] = post(bufs + i * (len + 32), len + 32, i, len);
	t = now();
	for (i = 0; i < n; i++) {
		b = bufs + i * (len + 32);
		simhash_text(b, lens[i], &fp);
		words += fp.words;
	}
	t = now() - t;
	printf("simhash_text, %4zu-byte posts (%3zu words) %8.0f ns/post\n",
	    len, words / n, t * 1e9 / (double)n);
	free(bufs);
	free(lens);
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	int k = argc > 2 ? atoi(argv[2]) : SIMHASH_K;
	struct simhash_index *ix;
	struct simhash_fp *fps, *news, fp;
	char buf[512];
	size_t i, len, hits;
	double t;

	if (n < 2)
		n = 2;
	bench_text(160, 200000);
	bench_text(2048, 20000);

	fps = calloc(n, sizeof(*fps));
	if (fps == NULL)
		exit(1);
	for (i = 0; i < n; i++) {
		len = post(buf, sizeof(buf), i, 160);
		simhash_text(buf, len, &fps[i]);
	}
	ix = simhash_index_new(k, 0, n);
	t = now();
	for (i = 0; i < n; i++)
		simhash_index_add(ix, &fps[i], (uint32_t)i);
	t = now() - t;
	printf("%zu remembered, k = %d: add %.0f ns each\n", n, k,
	    t * 1e9 / (double)n);

	/* New posts: nothing is near. */
	news = calloc(n, sizeof(*news));
	if (news == NULL)
		exit(1);
	for (i = 0; i < n; i++) {
		len = post(buf, sizeof(buf), n + i, 160);
		simhash_text(buf, len, &news[i]);
	}
	hits = 0;
	t = now();
	for (i = 0; i < n; i++)
		hits += simhash_index_find(ix, &news[i]) >= 0;
	t = now() - t;
	printf("find, new posts                  %8.0f ns/find, %zu found\n",
	    t * 1e9 / (double)n, hits);
	free(news);
	/* Near copies: remembered ones two bits away. */
	hits = 0;
	t = now();
	for (i = 0; i < n; i++) {
		fp = fps[(i * 7919) % n];
		fp.hash ^= (uint64_t)1 << (i % 64) | (uint64_t)1 << ((i + 17) %
		    64);
		hits += simhash_index_find(ix, &fp) >= 0;
	}
	t = now() - t;
	printf("find, near copies                %8.0f ns/find, %zu found\n",
	    t * 1e9 / (double)n, hits);

	/* Expiry: forget the oldest, remember a new one in its ref. */
	t = now();
	for (i = 0; i < n / 4 + 1; i++) {
		simhash_index_remove(ix, (uint32_t)i);
		fp = fps[i];
		fp.hash = ~fp.hash;
		simhash_index_add(ix, &fp, (uint32_t)i);
	}
	t = now() - t;
	printf("remove oldest + add              %8.0f ns each\n",
	    t * 1e9 / (double)(n / 4 + 1));
	printf("memory: %zu bytes, %.1f bytes per remembered mention\n",
	    simhash_index_memory(ix), (double)simhash_index_memory(ix) /
	    (double)simhash_index_count(ix));
	simhash_index_free(ix);
	free(fps);
	return 0;
}
