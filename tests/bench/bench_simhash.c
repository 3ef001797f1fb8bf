/*
 * bench_simhash.c - how fast near-duplicate fingerprints are made and found
 * with the daemon's capacity of a million remembered mentions.
 *
 * Prints: simhash_text's nanoseconds per 160-byte and per 2 KB post (random
 * words of a 20,000-word vocabulary, already folded); then, with N (default
 * 1,000,000, or argv[1]) fingerprints of 160-byte posts remembered,
 * simhash_index_find's nanoseconds for new posts (misses), for copies with
 * "+1 " before them and for copies cut to 70% and "...", the nanoseconds to
 * forget the oldest and remember a new one (the caller's expiry), and the
 * index's bytes per remembered mention; then the same with N/10 posts of
 * 1 KB (the SimHash's pigeonhole buckets), found under another header and
 * footer. argv[2], if given, is the index's K (default SIMHASH_K).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "simhash.h"

#define BENCH_VOCAB	20000

/* Seconds of CPU this process used: on a shared machine, the time other
 * processes take the cores from it does not count. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
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

/* Time simhash_index_find on the N fingerprints Q; WHAT names them. */
static void
bench_find(const struct simhash_index *ix, const struct simhash_fp *q,
    size_t n, const char *what)
{
	size_t i, hits = 0;
	double t;

	t = now();
	for (i = 0; i < n; i++)
		hits += simhash_index_find(ix, &q[i]) >= 0;
	t = now() - t;
	printf("find, %-26s %8.0f ns/find, %zu of %zu found\n", what,
	    t * 1e9 / (double)n, hits, n);
}

/* Fingerprint N posts of about LEN bytes from seed FROM into FPS, each as
 * HOW makes it: 0 as is, 1 with "+1 " before it, 2 cut to 70% of its bytes
 * and "...", 3 under another header and footer. */
static void
fingerprints(struct simhash_fp *fps, size_t n, uint64_t from, size_t len,
    int how)
{
	char buf[4096], copy[4200];
	size_t i, l;

	for (i = 0; i < n; i++) {
		l = post(buf, sizeof(buf), from + i, len);
		if (how == 1)
			l = (size_t)snprintf(copy, sizeof(copy), "+1 %s", buf);
		else if (how == 2) {
			l = l * 7 / 10;
			while (l > 0 && buf[l - 1] != ' ')
				l--;
			buf[l] = '\0';
			l = (size_t)snprintf(copy, sizeof(copy), "%s...", buf);
		} else if (how == 3)
			l = (size_t)snprintf(copy, sizeof(copy), "Shared from "
			    "the forum: %s -- reply on the forum", buf);
		else
			memcpy(copy, buf, l + 1);
		simhash_text(copy, l, &fps[i]);
	}
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	int k = argc > 2 ? atoi(argv[2]) : SIMHASH_K;
	struct simhash_index *ix;
	struct simhash_fp *fps, *q, fp;
	size_t i, nq, nl;
	double t;

	if (n < 2)
		n = 2;
	bench_text(160, 200000);
	bench_text(2048, 20000);

	fps = calloc(n, sizeof(*fps));
	nq = n < 200000 ? n : 200000;
	q = calloc(nq, sizeof(*q));
	if (fps == NULL || q == NULL)
		exit(1);
	fingerprints(fps, n, 0, 160, 0);
	ix = simhash_index_new(k, 0, n);
	t = now();
	for (i = 0; i < n; i++)
		simhash_index_add(ix, &fps[i], (uint32_t)i);
	t = now() - t;
	printf("%zu remembered (160-byte posts), k = %d: add %.0f ns each\n",
	    n, k, t * 1e9 / (double)n);

	fingerprints(q, nq, n, 160, 0);
	bench_find(ix, q, nq, "new posts");
	fingerprints(q, nq, n - nq, 160, 1);
	bench_find(ix, q, nq, "\"+1 \" copies");
	fingerprints(q, nq, n - nq, 160, 2);
	bench_find(ix, q, nq, "truncated copies");

	/* Expiry: forget the oldest, remember a new one in its ref. */
	t = now();
	for (i = 0; i < n / 4 + 1; i++) {
		simhash_index_remove(ix, (uint32_t)i);
		fp = fps[i];
		fp.trim[0] = ~fp.trim[0];
		simhash_index_add(ix, &fp, (uint32_t)i);
	}
	t = now() - t;
	printf("remove oldest + add                 %8.0f ns each\n",
	    t * 1e9 / (double)(n / 4 + 1));
	printf("memory: %zu bytes, %.1f bytes per remembered mention\n",
	    simhash_index_memory(ix), (double)simhash_index_memory(ix) /
	    (double)simhash_index_count(ix));
	simhash_index_free(ix);

	/* Long posts: the SimHash's pigeonhole buckets. */
	nl = n / 10 < 2 ? 2 : n / 10;
	if (nq > nl)
		nq = nl;
	fingerprints(fps, nl, 0, 1024, 0);
	ix = simhash_index_new(k, 0, nl);
	for (i = 0; i < nl; i++)
		simhash_index_add(ix, &fps[i], (uint32_t)i);
	printf("%zu remembered (1 KB posts)\n", nl);
	fingerprints(q, nq, nl, 1024, 0);
	bench_find(ix, q, nq, "new long posts");
	fingerprints(q, nq, nl - nq, 1024, 3);
	bench_find(ix, q, nq, "long, other header/footer");
	printf("memory: %.1f bytes per remembered long post\n",
	    (double)simhash_index_memory(ix) /
	    (double)simhash_index_count(ix));
	simhash_index_free(ix);
	free(fps);
	free(q);
	return 0;
}
