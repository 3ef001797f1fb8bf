/*
 * bench_listing.c - how fast the hackernews connector turns an Algolia HN
 * Search response into mentions: the plugin is loaded with dlopen(3), as the
 * daemon loads it, and its parse runs on a synthetic response of 1,000 hits
 * shaped like the real ones (four comments to a story; HTML comment text of
 * 100 to 1,000 bytes with the entities, links and escapes HN writes, copied
 * again with <em> marks in _highlightResult; tags, ids, dates), again and
 * again. The figure counts every hit through to the md_mention the emit
 * callback receives.
 *
 * Usage: bench_listing [PLUGIN.so [ROUNDS]]. Without a path the plugin is
 * looked for in ../plugins next to this binary, then in the build's plugin
 * folder. Run by hand; it is not a test.
 */
/* readlink(2) and clock_gettime(2) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mentiond/plugin.h"

#define BENCH_HITS	1000
#define BENCH_ROUNDS	300

/* A growing text. */
struct bench_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* Append printf output to B. */
static void __attribute__((format(printf, 2, 3)))
bench_printf(struct bench_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)n;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			abort();
	}
}

/* A small deterministic generator (xorshift). */
static uint32_t
bench_rand(void)
{
	static uint32_t x = 2463534242u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* Words as HN's comment HTML writes them, JSON-escaped. */
static const char *const bench_words[] = {
	"the", "a", "we", "it", "that", "is", "was", "of", "to", "and", "in",
	"for", "with", "on", "not", "but", "have", "this", "Acme", "router",
	"kernel", "latency", "memory", "startup", "database", "query", "team",
	"customers", "pricing", "open", "source", "license", "benchmark",
	"production", "deploy", "Postgres", "Rust", "compiler", "caf\xc3\xa9",
	"it&#x27;s", "don&#x27;t", "&quot;good enough&quot;", "A &amp; B",
	"&gt; quoted", "x &lt; y", "\\u2014", "na\\u00efve",
	"<i>really</i>", "<code>make -j2</code>",
	"<a href=\\\"https:&#x2F;&#x2F;example.com&#x2F;blog&#x2F;post?id=42\\\" "
	"rel=\\\"nofollow\\\">https:&#x2F;&#x2F;example.com&#x2F;blog&#x2F;post?"
	"id=42</a>",
	"<p>", "<p>", "\\n",
};

#define BENCH_NWORDS	(sizeof(bench_words) / sizeof(bench_words[0]))

/* Comment HTML of about N bytes into B; with MARK, "Acme" is highlighted. */
static void
bench_text(struct bench_buf *b, size_t n, uint32_t seed, int mark)
{
	size_t start = b->len;
	uint32_t x = seed;
	const char *w;

	while (b->len - start < n) {
		x = x * 1103515245u + 12345u;
		w = bench_words[(x >> 16) % BENCH_NWORDS];
		if (mark && strcmp(w, "Acme") == 0)
			w = "<em>Acme</em>";
		bench_printf(b, "%s%s", b->len > start ? " " : "", w);
	}
}

/* The synthetic response of HITS hits. */
static char *
bench_response(int hits, size_t *len)
{
	struct bench_buf b = { NULL, 0, 0 };
	int64_t t = 1714560000;
	uint32_t seed;
	size_t n;
	int i, story;

	b.cap = 4096;
	if ((b.p = malloc(b.cap)) == NULL)
		abort();
	bench_printf(&b, "{\"exhaustive\":{\"nbHits\":false,\"typo\":false},"
	    "\"exhaustiveNbHits\":false,\"exhaustiveTypo\":false,\"hits\":[");
	for (i = 0; i < hits; i++) {
		t -= bench_rand() % 20;
		story = i % 5 == 0;
		seed = bench_rand();
		bench_printf(&b, "%s{\"_highlightResult\":{\"author\":{"
		    "\"matchLevel\":\"none\",\"matchedWords\":[],\"value\":"
		    "\"user%u\"},", i ? "," : "", seed % 50000);
		if (story) {
			bench_printf(&b, "\"title\":{\"fullyHighlighted\":false,"
			    "\"matchLevel\":\"full\",\"matchedWords\":[\"acme\"],"
			    "\"value\":\"Show HN: <em>Acme</em>, a router that "
			    "keeps latency flat (%d)\"},\"url\":{\"matchLevel\":"
			    "\"none\",\"matchedWords\":[],\"value\":\"https://"
			    "acme.example.com/blog/2024/flat-latency-%d\"}},"
			    "\"_tags\":[\"story\",\"author_user%u\",\"story_%d\","
			    "\"show_hn\"],\"author\":\"user%u\",\"children\":"
			    "[%d,%d,%d],\"created_at\":\"2024-05-01T10:00:00Z\","
			    "\"created_at_i\":%lld,\"num_comments\":%u,"
			    "\"objectID\":\"%d\",\"points\":%u,\"story_id\":%d,"
			    "\"title\":\"Show HN: Acme, a router that keeps "
			    "latency flat (%d)\",\"updated_at\":"
			    "\"2024-05-01T11:02:13Z\",\"url\":\"https://acme."
			    "example.com/blog/2024/flat-latency-%d\"}", i, i,
			    seed % 50000, 40000000 + i, seed % 50000,
			    40000100 + i, 40000200 + i, 40000300 + i,
			    (long long)t, seed % 300, 40000000 + i,
			    seed % 900 + 1, 40000000 + i, i, i);
			continue;
		}
		n = 100 + seed % 900;
		bench_printf(&b, "\"comment_text\":{\"fullyHighlighted\":false,"
		    "\"matchLevel\":\"full\",\"matchedWords\":[\"acme\"],"
		    "\"value\":\"");
		bench_text(&b, n, seed, 1);
		bench_printf(&b, "\"},\"story_title\":{\"matchLevel\":\"none\","
		    "\"matchedWords\":[],\"value\":\"Acme raises a Series B\"},"
		    "\"story_url\":{\"matchLevel\":\"none\",\"matchedWords\":"
		    "[],\"value\":\"https://news.example.org/acme-series-b\"}},"
		    "\"_tags\":[\"comment\",\"author_user%u\",\"story_39990001\"],"
		    "\"author\":\"user%u\",\"comment_text\":\"", seed % 50000,
		    seed % 50000);
		bench_text(&b, n, seed, 0);
		bench_printf(&b, "\",\"created_at\":\"2024-05-01T10:00:00Z\","
		    "\"created_at_i\":%lld,\"objectID\":\"%d\",\"parent_id\":%d,"
		    "\"story_id\":39990001,\"story_title\":\"Acme raises a "
		    "Series B\",\"story_url\":\"https://news.example.org/acme-"
		    "series-b\",\"updated_at\":\"2024-05-01T11:02:13Z\"}",
		    (long long)t, 40000000 + i, 39990001 + i % 7);
	}
	bench_printf(&b, "],\"hitsPerPage\":%d,\"nbHits\":52341,\"nbPages\":53,"
	    "\"page\":0,\"params\":\"query=acme&tags=%%28story%%2Ccomment%%29&"
	    "hitsPerPage=%d\",\"processingTimeMS\":12,\"query\":\"acme\","
	    "\"serverTimeMS\":14}", hits, hits);
	*len = b.len;
	return b.p;
}

/* What the emit callback gathers, so that nothing is optimised away. */
struct bench_sink {
	long		 mentions;
	size_t		 bytes;
	int64_t		 published;
};

/* md_parse_fn: take the mention as the host would start to. */
static int
bench_emit(void *arg, const struct md_mention *m)
{
	struct bench_sink *s = arg;

	if (m->id == NULL || m->text == NULL)
		abort();
	s->mentions++;
	s->bytes += strlen(m->id) + (m->url != NULL ? strlen(m->url) : 0) +
	    (m->text[0] != '\0');
	s->published += m->published;
	return 0;
}

/* Monotonic seconds. */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The plugin's path: ../plugins/hackernews.so beside this binary, or the
 * build's plugin folder. */
static char *
bench_plugin_path(void)
{
	static char path[4200];
	char exe[4096], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		snprintf(path, sizeof path, "%s/../plugins/hackernews.so", exe);
		if (access(path, R_OK) == 0)
			return path;
	}
	snprintf(path, sizeof path, "%s/hackernews.so", TEST_PLUGIN_DIR);
	return path;
}

int
main(int argc, char **argv)
{
	const struct md_plugin *p;
	struct md_http_response resp = { .status = 200 };
	struct bench_sink sink = { 0, 0, 0 };
	const char *path = argc > 1 ? argv[1] : bench_plugin_path();
	int rounds = argc > 2 ? atoi(argv[2]) : BENCH_ROUNDS, r, n;
	char *body, *cause = NULL;
	void *dl, *ctx;
	size_t len;
	double t0, t;

	if ((dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "bench_listing: %s\n", dlerror());
		return 1;
	}
	p = dlsym(dl, MD_PLUGIN_SYMBOL);
	if (p == NULL || p->abi_version != MD_PLUGIN_ABI_VERSION ||
	    p->struct_size < offsetof(struct md_plugin, parse) +
	    sizeof(p->parse) || p->parse == NULL) {
		fprintf(stderr, "bench_listing: %s: no usable parse\n", path);
		return 1;
	}
	if ((ctx = calloc(1, p->ctx_size ? p->ctx_size : 1)) == NULL)
		return 1;
	body = bench_response(BENCH_HITS, &len);
	resp.body = body;
	resp.body_len = len;
	resp.content_type = "application/json; charset=utf-8";

	/* One untimed run: the answer must be all the hits. */
	n = p->parse(ctx, &resp, bench_emit, &sink, &cause);
	if (n != BENCH_HITS || cause != NULL) {
		fprintf(stderr, "bench_listing: parse gave %d of %d: %s\n", n,
		    BENCH_HITS, cause != NULL ? cause : "no cause");
		return 1;
	}
	t0 = bench_now();
	for (r = 0; r < rounds; r++)
		if (p->parse(ctx, &resp, bench_emit, &sink, &cause) != n)
			abort();
	t = bench_now() - t0;
	printf("hackernews parse: %d hits a response, %.0f bytes a hit, %d "
	    "rounds\n", n, (double)len / n, rounds);
	printf("  %.2f us a hit, %.0f hits/s, %.0f MB/s (%ld mentions)\n",
	    t * 1e6 / ((double)rounds * n), (double)rounds * n / t,
	    (double)rounds * (double)len / t / 1e6, sink.mentions);
	free(body);
	free(ctx);
	dlclose(dl);
	return 0;
}
