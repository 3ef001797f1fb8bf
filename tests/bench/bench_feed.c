/*
 * bench_feed.c - how fast the feed parser is: parses each FILE given again
 * and again for about a second (or SECONDS from the environment variable
 * BENCH_SECONDS) and prints MB/s and entries/s for each. Each entry is
 * what the feed connector turns into a mention: id, link, title, author,
 * text and date, with links resolved and text decoded. tests/bench/
 * bench_feed.py makes the files and runs sfeed and python3-feedparser on
 * the same ones, side by side. Run by hand; it is not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feedparse.h"

/* CPU seconds of this process: a busy machine does not slow the figure. */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Count an entry and touch its fields, as the connector does. */
static int
bench_entry(const struct feedparse_entry *e, void *arg)
{
	size_t *bytes = arg;

	*bytes += (e->id != NULL ? strlen(e->id) : 0) +
	    (e->text != NULL ? strlen(e->text) : 0) + (size_t)(e->published & 1);
	return 0;
}

/* Read all of PATH; its length in *LEN. */
static char *
bench_read(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		perror(path);
		exit(1);
	}
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		perror(path);
		exit(1);
	}
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

int
main(int argc, char **argv)
{
	const char *env = getenv("BENCH_SECONDS");
	double secs = env != NULL ? atof(env) : 1.0, t0, dt;
	size_t len, touched = 0;
	long long entries, rounds;
	char *buf, *cause;
	int i, n;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_feed FILE...\n");
		return 2;
	}
	printf("%-28s %8s %10s %12s %10s\n", "file", "entries", "MB/s",
	    "entries/s", "us/feed");
	for (i = 1; i < argc; i++) {
		buf = bench_read(argv[i], &len);
		entries = rounds = 0;
		t0 = bench_now();
		do {
			cause = NULL;
			n = feedparse_parse(buf, len, "https://example.com/feed",
			    NULL, bench_entry, &touched, &cause);
			free(cause);
			if (n < 0) {
				fprintf(stderr, "%s: not a feed\n", argv[i]);
				return 1;
			}
			entries += n;
			rounds++;
		} while ((dt = bench_now() - t0) < secs);
		printf("%-28s %8d %10.1f %12.0f %10.1f\n",
		    strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i],
		    n, (double)len * rounds / dt / 1e6, entries / dt,
		    dt / rounds * 1e6);
		free(buf);
	}
	return touched == 0;
}
