/*
 * bench_classify.c - how many posts per second one core classifies:
 * language + question + sentiment (classify_text, what the daemon runs on
 * every matched mention), on posts of about 160 bytes.
 *
 * Generates N (default 200,000, or argv[1]) varied English and French posts
 * of 150 to 170 bytes in memory (complaints, praise, questions with and
 * without '?', negations, emoji, elisions), warms up, then times R rounds
 * (argv[2], default 5) over all of them with no language tag, so that
 * lang_detect runs too, and once more with the tag. Prints posts/s, ns/post
 * and MB/s for each, and the classes found, so the work is not optimised
 * away. Times are the process's CPU time, not the wall clock: on a shared
 * machine the wall clock counts the other processes' turns too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "sentiment.h"

#define BENCH_LEN	160

static const char *const en_words[] = {
	"the", "new", "update", "is", "really", "not", "bad", "but", "my",
	"router", "keeps", "crashing", "anyone", "know", "how", "to", "fix",
	"it", "thanks", "support", "was", "great", "today", "awful", "slow",
	"so", "happy", "with", "this", "app", "why", "does", "billing", "fail",
	"love", "it", "never", "again", "refund", "please", "help", "can",
	"you", "check", "order", "late", "again", ":(", "\xf0\x9f\x98\xa1",
	"sooo", "good", "!!!", "does", "anyone", "have", "a", "workaround",
};
static const char *const fr_words[] = {
	"le", "nouveau", "service", "est", "vraiment", "pas", "terrible",
	"mais", "j'adore", "l'appli", "c'est", "nul", "qqn", "sait", "si",
	"la", "livraison", "marche", "le", "dimanche", "merci", "trop",
	"bien", "je", "ne", "recommande", "jamais", "d\xc3\xa9\xc3\xa7u",
	"encore", "une", "panne", "depuis", "hier", "pourquoi", "est-ce",
	"que", "vous", "pouvez", "m'aider", "bof", "relou", "mdr", "grave",
	"g\xc3\xa9nial", "\xf0\x9f\x98\x8d", "un", "peu", "cher", "quand",
};

/* The CPU time used so far, in seconds. */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Fill BUF (at least BENCH_LEN + 32 bytes) with a post from WORDS;
 * returns its length. */
static size_t
bench_post(char *buf, const char *const *words, size_t nwords,
    unsigned *seed)
{
	size_t len = 0, wl;
	const char *w;
	size_t target = BENCH_LEN - 10 + (size_t)(rand_r(seed) % 21);

	while (len < target) {
		w = words[(size_t)rand_r(seed) % nwords];
		wl = strlen(w);
		if (len + wl + 1 > BENCH_LEN + 10)
			break;
		if (len > 0)
			buf[len++] = ' ';
		memcpy(buf + len, w, wl);
		len += wl;
	}
	if (rand_r(seed) % 3 == 0)
		buf[len++] = '?';
	buf[len] = '\0';
	return len;
}

int
main(int argc, char **argv)
{
	struct classify_result r;
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5, k, tagged;
	char **posts;
	size_t *lens, i, bytes = 0;
	const char **langs;
	unsigned seed = 42;
	unsigned long long neg = 0, pos = 0, q = 0, fr = 0;
	double t0, t1, secs;

	if (n == 0 || rounds <= 0)
		return 2;
	posts = calloc(n, sizeof *posts);
	lens = calloc(n, sizeof *lens);
	langs = calloc(n, sizeof *langs);
	if (posts == NULL || lens == NULL || langs == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		if ((posts[i] = malloc(BENCH_LEN + 32)) == NULL)
			return 1;
		if (i % 2 == 0) {
			lens[i] = bench_post(posts[i], en_words,
			    sizeof en_words / sizeof en_words[0], &seed);
			langs[i] = "en";
		} else {
			lens[i] = bench_post(posts[i], fr_words,
			    sizeof fr_words / sizeof fr_words[0], &seed);
			langs[i] = "fr";
		}
		bytes += lens[i];
	}
	printf("bench_classify: %zu posts, %.1f bytes on average, %d rounds\n",
	    n, (double)bytes / n, rounds);

	sentiment_init();
	for (i = 0; i < n && i < 10000; i++)	/* warm up */
		classify_text(posts[i], lens[i], NULL, &r);

	for (tagged = 0; tagged <= 1; tagged++) {
		t0 = bench_now();
		for (k = 0; k < rounds; k++) {
			for (i = 0; i < n; i++) {
				classify_text(posts[i], lens[i],
				    tagged ? langs[i] : NULL, &r);
				neg += r.polarity == SENTIMENT_NEGATIVE;
				pos += r.polarity == SENTIMENT_POSITIVE;
				q += r.question;
				fr += r.lang[0] == 'f';
			}
		}
		t1 = bench_now();
		secs = t1 - t0;
		printf("classify (%s): %.0f posts/s per core, %.0f ns/post, "
		    "%.1f MB/s\n", tagged ? "lang tag given  " :
		    "lang + question + sentiment",
		    (double)n * rounds / secs, secs * 1e9 / ((double)n * rounds),
		    (double)bytes * rounds / secs / 1e6);
	}
	/* Sentiment alone, for its share. */
	t0 = bench_now();
	for (k = 0; k < rounds; k++)
		for (i = 0; i < n; i++)
			neg += sentiment_score(posts[i], lens[i], langs[i],
			    NULL) < 0;
	secs = bench_now() - t0;
	printf("sentiment alone: %.0f posts/s per core, %.0f ns/post\n",
	    (double)n * rounds / secs, secs * 1e9 / ((double)n * rounds));
	printf("(found: %llu negative, %llu positive, %llu questions, %llu "
	    "French)\n", neg, pos, q, fr);

	for (i = 0; i < n; i++)
		free(posts[i]);
	free(posts);
	free(lens);
	free(langs);
	return 0;
}
