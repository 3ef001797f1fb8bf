/*
 * bench_match.c - the matcher's hot path: 10,000 tracked terms (brand-like
 * words, phrases, handles, hashtags and prefixes over 2,000 tracks, all
 * whole-word) compiled into one automaton, run over about 50 MB of English
 * and French posts, some of which hold terms. Everything is generated from a
 * fixed seed, so runs compare.
 *
 * Prints the compile time, the automaton's memory, match_fold's and
 * match_run's speed in MB/s of folded text on one core, and, on a sample, a
 * per-keyword search loop (match_phrase_found for every term) for scale.
 *
 *   bench_match [MB]     (default 50)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "match.h"
#include "mention.h"

#define BENCH_TRACKS		2000
#define BENCH_TERMS_PER_TRACK	5
/* Posts folded, then matched, at a time (about 250 KB of text). */
#define BENCH_BATCH		1000

static uint64_t bench_seed = 0x9e3779b97f4a7c15ULL;

/* A deterministic pseudo-random number below N (xorshift64*). */
static size_t
rnd(size_t n)
{
	bench_seed ^= bench_seed >> 12;
	bench_seed ^= bench_seed << 25;
	bench_seed ^= bench_seed >> 27;
	return (size_t)((bench_seed * 0x2545f4914f6cdd1dULL) >> 33) % n;
}

/* Seconds of this thread's CPU time: the figures are per core even when
 * other work shares the machine. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const syllables[] = {
	"ac", "me", "lu", "mio", "zor", "vex", "ka", "tri", "no", "va", "fi",
	"bra", "quo", "xi", "pel", "dor", "sy", "nth", "ix", "ora", "gen",
	"tek", "ly", "mo", "zen", "ba", "ro", "cor", "flo", "wi", "ga", "po",
	"sto", "rix", "tal", "un", "ver", "sa", "qui", "el",
};
#define NSYL (sizeof(syllables) / sizeof(syllables[0]))

static const char *const products[] = {
	"cloud", "support", "app", "box", "pay", "store", "router", "mobile",
	"energie", "banque", "assurance", "fibre", "music", "play", "drive",
	"labs", "air", "go", "pro", "one",
};
#define NPRODUCTS (sizeof(products) / sizeof(products[0]))

static const char *const english[] = {
	"the", "a", "to", "and", "of", "is", "my", "for", "it", "this", "with",
	"on", "you", "have", "not", "but", "just", "so", "was", "are", "be",
	"anyone", "know", "how", "reset", "router", "again", "today", "service",
	"customer", "support", "waiting", "hours", "never", "really", "great",
	"thanks", "broken", "order", "delivery", "late", "refund", "please",
	"help", "account", "password", "update", "phone", "app", "crashes",
	"love", "new", "price", "why", "does", "doesn't", "work", "anymore",
	"team", "fixed", "issue", "quickly", "awesome", "worst", "experience",
	"ever", "still", "no", "answer", "from", "email", "week", "store",
};
#define NENGLISH (sizeof(english) / sizeof(english[0]))

static const char *const french[] = {
	"le", "la", "les", "de", "des", "et", "est", "un", "une", "pour", "pas",
	"mon", "ma", "je", "vous", "il", "que", "qui", "avec", "sur", "mais",
	"quelqu'un", "sait", "comment", "r\xc3\xa9initialiser", "box", "encore",
	"aujourd'hui", "service", "client", "attente", "heures", "jamais",
	"vraiment", "g\xc3\xa9nial", "merci", "panne", "commande", "livraison",
	"retard", "remboursement", "s'il", "vous", "pla\xc3\xaet", "aide",
	"compte", "mot", "passe", "mise", "\xc3\xa0", "jour", "t\xc3\xa9l\xc3\xa9phone",
	"l'application", "plante", "adore", "nouveau", "prix", "pourquoi",
	"marche", "plus", "\xc3\xa9quipe", "r\xc3\xa9par\xc3\xa9", "probl\xc3\xa8me",
	"rapidement", "pire", "exp\xc3\xa9rience", "toujours", "r\xc3\xa9ponse",
	"d'Orange", "l'op\xc3\xa9rateur", "\xc3\xa7" "a", "tr\xc3\xa8s",
};
#define NFRENCH (sizeof(french) / sizeof(french[0]))

static const char *const extras[] = {
	"!", "?", ",", ".", "...", "\xf0\x9f\x98\xa1", "\xf0\x9f\x91\x8d",
	"https://example.com/p/123", "#fail", "#help", "@support", ":)",
};
#define NEXTRAS (sizeof(extras) / sizeof(extras[0]))

/* A brand-like name of 2 or 3 syllables into BUF, capitalised. */
static void
brand(char *buf, size_t size)
{
	size_t n = 2 + rnd(2), i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		strncat(buf, syllables[rnd(NSYL)], size - strlen(buf) - 1);
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] -= 32;
}

/* The terms of every track: brands, "brand product" phrases, @handles,
 * #hashtags and brand* prefixes. */
static void
make_tracks(struct config_track *t, char (*queries)[256], char (*names)[32],
    char (*brands)[32])
{
	char a[32], b[32], c[32];
	size_t i;

	for (i = 0; i < BENCH_TRACKS; i++) {
		brand(brands[i], sizeof(brands[i]));
		brand(a, sizeof(a));
		brand(b, sizeof(b));
		brand(c, sizeof(c));
		snprintf(queries[i], sizeof(queries[i]),
		    "%s OR \"%s %s\" OR @%s OR #%s OR %s*", brands[i],
		    brands[i], products[rnd(NPRODUCTS)], a, b, c);
		snprintf(names[i], sizeof(names[i]), "track%zu", i);
		t[i].name = names[i];
		t[i].query = queries[i];
	}
}

/* A post of about 80 to 400 bytes into BUF (SIZE bytes), English or French,
 * holding one of BRANDS now and then. */
static void
make_post(char *buf, size_t size, char (*brands)[32])
{
	size_t target = 80 + rnd(320), len = 0;
	const char *w;
	int fr = rnd(3) == 0, mention = rnd(20) == 0;

	buf[0] = '\0';
	while (len < target && len + 64 < size) {
		if (mention && rnd(8) == 0) {
			w = brands[rnd(BENCH_TRACKS)];
			mention = 0;
		} else if (rnd(12) == 0)
			w = extras[rnd(NEXTRAS)];
		else
			w = fr ? french[rnd(NFRENCH)] : english[rnd(NENGLISH)];
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    len ? " " : "", w);
	}
}

int
main(int argc, char **argv)
{
	struct config_track *tracks;
	char (*queries)[256], (*names)[32], (*brands)[32], post[512];
	struct md_mention pm = MD_MENTION_INIT;
	struct match_set *set;
	struct mention **ms;
	char **folded, *cause = NULL, id[32];
	size_t mb = 50, n = 0, cap = 0, i, j, bytes = 0, fbytes = 0;
	size_t matched = 0, ntracks, nterms, nstates, sample, found = 0;
	double t, dt, tfold = 0, trun = 0;

	if (argc > 1)
		mb = strtoul(argv[1], NULL, 10);
	if (mb == 0)
		mb = 1;
	log_init(LOG_WARNING);

	tracks = calloc(BENCH_TRACKS, sizeof(*tracks));
	queries = calloc(BENCH_TRACKS, sizeof(*queries));
	names = calloc(BENCH_TRACKS, sizeof(*names));
	brands = calloc(BENCH_TRACKS, sizeof(*brands));
	make_tracks(tracks, queries, names, brands);
	printf("query example: %s\n", queries[0]);

	t = now();
	if ((set = match_compile(tracks, BENCH_TRACKS, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return 1;
	}
	dt = now() - t;
	match_stats(set, &ntracks, &nterms, &nstates);
	printf("compile: %zu tracks, %zu terms, %zu trie states in %.3f s\n",
	    ntracks, nterms, nstates, dt);
	printf("automaton memory: %.2f MB (%zu bytes)\n",
	    (double)match_memory(set) / 1e6, match_memory(set));

	/* The posts, as mentions (HTML-free plain text). */
	ms = NULL;
	while (bytes < mb * 1000000) {
		make_post(post, sizeof(post), brands);
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			ms = realloc(ms, cap * sizeof(*ms));
		}
		snprintf(id, sizeof(id), "%zu", n);
		pm.id = id;
		pm.text = post;
		if ((ms[n] = mention_from_plugin("bench", "bench", &pm,
		    &cause)) == NULL)
			abort();
		bytes += strlen(ms[n]->text);
		n++;
	}
	printf("%zu posts, %.1f MB of text\n", n, (double)bytes / 1e6);

	/*
	 * In the daemon match_run reads the text match_fold has just
	 * written, so it is in the cache: fold a batch of posts (about 250 KB),
	 * then match the batch, timing each stage apart.
	 */
	folded = calloc(n, sizeof(*folded));
	for (i = 0; i < n; i += BENCH_BATCH) {
		t = now();
		for (j = i; j < n && j < i + BENCH_BATCH; j++) {
			folded[j] = match_fold(ms[j]);
			fbytes += strlen(folded[j]);
		}
		tfold += now() - t;
		t = now();
		for (j = i; j < n && j < i + BENCH_BATCH; j++)
			matched += match_run(set, ms[j], folded[j]) > 0;
		trun += now() - t;
	}
	printf("match_fold: %.1f MB/s (%.0f posts/s)\n",
	    (double)bytes / 1e6 / tfold, (double)n / tfold);
	printf("match_run: %.1f MB/s of folded text on one core "
	    "(%.0f posts/s, %.1f MB in %.3f s), %zu posts matched (%.1f%%)\n",
	    (double)fbytes / 1e6 / trun, (double)n / trun,
	    (double)fbytes / 1e6, trun, matched,
	    100.0 * (double)matched / (double)n);

	/* The same over all 50 MB at once, from memory rather than the
	 * cache (BENCH_MATCH_PROFILE=N runs it N more times first). */
	if (getenv("BENCH_MATCH_PROFILE") != NULL)
		for (j = strtoul(getenv("BENCH_MATCH_PROFILE"), NULL, 10);
		    j > 0; j--)
			for (i = 0; i < n; i++)
				match_run(set, ms[i], folded[i]);
	t = now();
	for (i = 0; i < n; i++)
		match_run(set, ms[i], folded[i]);
	dt = now() - t;
	printf("match_run, cold (all posts in a row, from memory): %.1f MB/s\n",
	    (double)fbytes / 1e6 / dt);

	/* For scale: every term looked for on its own, on a 1 MB sample. */
	for (i = 0; i < BENCH_TRACKS; i++)
		for (j = 0; brands[i][j] != '\0'; j++)
			if (brands[i][j] >= 'A' && brands[i][j] <= 'Z')
				brands[i][j] += 32;
	sample = 0;
	t = now();
	for (i = 0; i < n && sample < 1000000; i++) {
		for (j = 0; j < BENCH_TRACKS; j++)
			found += match_phrase_found(folded[i], brands[j],
			    strlen(brands[j]));
		sample += strlen(folded[i]);
	}
	dt = now() - t;
	printf("per-keyword loop (memmem per term, %d terms): %.2f MB/s\n",
	    BENCH_TRACKS, (double)sample / 1e6 / dt);
	printf("  (with %d terms: about %.2f MB/s; %zu found)\n",
	    BENCH_TRACKS * BENCH_TERMS_PER_TRACK, (double)sample / 1e6 / dt /
	    BENCH_TERMS_PER_TRACK, found);

	for (i = 0; i < n; i++) {
		mention_free(ms[i]);
		free(folded[i]);
	}
	free(ms);
	free(folded);
	match_free(set);
	free(tracks);
	free(queries);
	free(names);
	free(brands);
	return 0;
}
