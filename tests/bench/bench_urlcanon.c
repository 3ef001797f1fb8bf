/*
 * bench_urlcanon.c - how fast urlcanon is on a mix of realistic links: plain
 * article URLs, tracking-laden ones, social posts and redirector wrappers.
 *
 * Runs the mix N times (default 200,000 URLs in all, or argv[1]) and prints
 * nanoseconds per URL and URLs per second, for the whole mix and for each of
 * its kinds, then the same for urlcanon_id on ids that are not URLs (dedup
 * keys every mention by its id). Run by hand; it is not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "urlcanon.h"

/* A kind of link and a few of it. */
struct bench_kind {
	const char	*name;
	const char	*urls[4];
};

static const struct bench_kind bench_kinds[] = {
	{ "plain article", {
	    "https://www.lemonde.fr/economie/article/2024/05/02/acme-rachete-"
	    "lumio_6231.html",
	    "https://techcrunch.com/2024/05/02/acme-raises-series-b/",
	    "http://blog.example.org/posts/why-we-moved/index.html",
	    "https://news.ycombinator.com/item?id=40225421" } },
	{ "tracking parameters", {
	    "https://www.example.com/products/widget?utm_source=twitter&utm_"
	    "medium=social&utm_campaign=launch&fbclid=IwAR2xYz&color=red",
	    "https://shop.example.co.uk/p/123?gclid=Cj0KCQjw&ref=newsletter&"
	    "mc_cid=abc&mc_eid=def&size=m",
	    "https://www.example.com/a/b/?_hsenc=p2ANqtz&_hsmi=12345&id=7",
	    "https://example.com/?igshid=MzRlODBiNWFlZA%3D%3D&q=caf%C3%A9+au+"
	    "lait" } },
	{ "social post", {
	    "https://twitter.com/acme/status/1786012345678901234?s=20&t=AbCd",
	    "https://youtu.be/dQw4w9WgXcQ?si=Xy12_ab-CD&t=42",
	    "https://old.reddit.com/r/programming/comments/1cfx0ab/acme_"
	    "launches_a_thing/?utm_source=share&share_id=abc",
	    "https://m.youtube.com/watch?v=dQw4w9WgXcQ&feature=share&pp=ygU" } },
	{ "redirector", {
	    "https://www.google.com/url?sa=t&rct=j&q=&esrc=s&source=web&cd=1&"
	    "url=https%3A%2F%2Fwww.example.com%2Fnews%2F2024%2Facme%3Futm_"
	    "source%3Dgoogle&usg=AOvVaw0",
	    "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2Fa%3F"
	    "fbclid%3DIwAR0&h=AT0abc",
	    "https://out.reddit.com/t3_1cfx0ab?url=https%3A%2F%2Fexample.org%2F"
	    "post&token=AQAA&app_name=web2x",
	    "https://duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.net%2Fpage&"
	    "rut=abc" } },
};

#define BENCH_NKINDS	(sizeof(bench_kinds) / sizeof(bench_kinds[0]))

/* Source ids that are not URLs: Reddit, Hacker News, YouTube, Atom. */
static const char *const bench_ids[4] = {
	"t3_1cfx0ab", "40225421", "yt:video:dQw4w9WgXcQ",
	"tag:example.com,2024:post-17"
};

/* Seconds of CPU this process used: on a shared machine, the time other
 * processes take the cores from it does not count. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Canonicalise the URLs of kind K (all kinds when K is BENCH_NKINDS) until
 * N URLs are done; seconds taken. */
static double
run(size_t k, size_t n, size_t *bytes)
{
	const char *url;
	char *out;
	size_t i, which;
	double t;

	t = now();
	for (i = 0; i < n; i++) {
		which = k < BENCH_NKINDS ? k : i % BENCH_NKINDS;
		url = bench_kinds[which].urls[(i / BENCH_NKINDS) % 4];
		if ((out = urlcanon(url, NULL)) == NULL) {
			fprintf(stderr, "bench_urlcanon: %s is NULL\n", url);
			exit(1);
		}
		*bytes += strlen(out);
		free(out);
	}
	return now() - t;
}

/* Make the urlcanon_id keys of the ids that are not URLs until N are done;
 * seconds taken. */
static double
run_ids(size_t n, size_t *bytes)
{
	char *out;
	size_t i;
	double t;

	t = now();
	for (i = 0; i < n; i++) {
		out = urlcanon_id(bench_ids[i % 4]);
		*bytes += strlen(out);
		free(out);
	}
	return now() - t;
}

/* Print one line of figures. */
static void
report(const char *what, size_t n, double seconds)
{
	printf("%-22s %10.0f URLs/s %8.0f ns/URL\n", what,
	    (double)n / seconds, seconds * 1e9 / (double)n);
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
	size_t k, bytes = 0;

	if (n < BENCH_NKINDS * 4)
		n = BENCH_NKINDS * 4;
	printf("%zu URLs a run\n", n);
	run(BENCH_NKINDS, n / 10, &bytes);	/* warm up */
	report("mix", n, run(BENCH_NKINDS, n, &bytes));
	for (k = 0; k < BENCH_NKINDS; k++)
		report(bench_kinds[k].name, n, run(k, n, &bytes));
	report("id, not a URL", n, run_ids(n, &bytes));
	printf("(%zu bytes of output)\n", bytes);
	return 0;
}
