/*
 * bench_pipeline.c - how fast a mention goes through each pipeline stage.
 *
 * Generates N (default 100,000, or argv[1]) varied English and French posts
 * in memory, some as Mastodon-like HTML, some mentioning one of 50 tracked
 * brands, with a few repeated ids and URLs, then times each stage on all of
 * them separately and then the whole chain without a sink. One line per
 * stage: mentions per second and nanoseconds per mention.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "config.h"
#include "dedup.h"
#include "log.h"
#include "match.h"
#include "mention.h"
#include "pipeline.h"

#define BENCH_TRACKS	50

struct post {
	char	*id;
	char	*url;
	char	*handle;
	char	*text;
	const char *lang;
	long long followers, replies, reposts;
};

static const char *const brands[BENCH_TRACKS] = {
	"acme", "globex", "initech", "umbrella", "hooli", "cyberdyne",
	"soylent", "tyrell", "wonka", "gringotts", "oscorp", "vandelay",
	"dunder mifflin", "pied piper", "aperture", "black mesa", "massive dynamic",
	"wayne enterprises", "stark industries", "monarch", "nakatomi",
	"weyland", "zorg", "virtucon", "duff", "krusty", "buy n large",
	"sirius", "spacely", "cogswell", "gekko", "bluth", "prestige worldwide",
	"sterling cooper", "los pollos", "paper street", "vault tec",
	"abstergo", "mom corp", "planet express", "rekall", "octan",
	"ollivander", "cheers", "bubba gump", "oceanic", "dharma",
	"strickland", "kwik-e-mart", "la fromagerie",
};

static const char *const en_open[] = {
	"Just tried", "Anyone else having trouble with", "Really impressed by",
	"Thinking about switching to", "Here is my review of",
	"Can someone explain", "Had a long call with support at",
	"Our team migrated to", "Not sure what to think of", "Breaking:",
};
static const char *const en_middle[] = {
	"the new release", "their pricing page", "the mobile app",
	"the latest update", "customer service", "the API docs",
	"the onboarding flow", "the dashboard", "billing", "the beta",
};
static const char *const en_close[] = {
	"and it works fine.", "is it just me?", "honestly the worst experience.",
	"love it, thanks team!", "it has been broken since Monday.",
	"how do I export my data?", "great job.", "I want a refund.",
	"nothing special.", "more soon.",
};
static const char *const fr_open[] = {
	"Je viens d'essayer", "Quelqu'un a des soucis avec",
	"Vraiment bluff\xc3\xa9 par", "Je pense passer \xc3\xa0",
	"Mon avis sur", "Qui peut m'expliquer", "Long appel avec le support de",
	"Notre \xc3\xa9quipe a migr\xc3\xa9 vers", "Je ne sais pas quoi penser de",
	"Derni\xc3\xa8re minute :",
};
static const char *const fr_middle[] = {
	"la nouvelle version", "leur grille tarifaire", "l'appli mobile",
	"la derni\xc3\xa8re mise \xc3\xa0 jour", "le service client",
	"la documentation", "l'inscription", "le tableau de bord",
	"la facturation", "la b\xc3\xaata",
};
static const char *const fr_close[] = {
	"et \xc3\xa7" "a marche bien.", "c'est moi ou quoi ?",
	"franchement une arnaque.", "g\xc3\xa9nial, merci !",
	"en panne depuis lundi.", "comment exporter mes donn\xc3\xa9" "es ?",
	"bravo.", "je demande un remboursement.", "rien de sp\xc3\xa9" "cial.",
	"\xc3\xa0 suivre.",
};

static uint64_t bench_rng = 0x9e3779b97f4a7c15ULL;

/* A pseudo-random number below N (xorshift64*). */
static size_t
rnd(size_t n)
{
	bench_rng ^= bench_rng >> 12;
	bench_rng ^= bench_rng << 25;
	bench_rng ^= bench_rng >> 27;
	return (size_t)((bench_rng * 0x2545f4914f6cdd1dULL) >> 33) % n;
}

#define PICK(a)	((a)[rnd(sizeof(a) / sizeof((a)[0]))])

/* Monotonic seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fill P with post number I. */
static void
make_post(struct post *p, size_t i)
{
	char body[1024], subject[128];
	const char *brand = brands[rnd(BENCH_TRACKS)];
	int fr = rnd(3) == 0, html = rnd(5) < 2;

	/* Two posts in five name a brand, the others a generic subject. */
	if (rnd(5) < 2)
		snprintf(subject, sizeof(subject), "%s", brand);
	else
		snprintf(subject, sizeof(subject), "%s", fr ? "ce service" :
		    "this product");
	if (html)
		snprintf(body, sizeof(body), "<p>%s <a href=\"https://ex.com/"
		    "%s\" class=\"mention\">@<span>%s</span></a> %s %s</p>"
		    "<p><a href=\"https://m.social/tags/%s\" rel=\"tag\">#<span>"
		    "%s</span></a> &amp; <a href=\"https://blog.example/%zu\">"
		    "<span class=\"invisible\">https://</span>blog.example/%zu"
		    "</a></p>", fr ? PICK(fr_open) : PICK(en_open), subject,
		    subject, fr ? PICK(fr_middle) : PICK(en_middle),
		    fr ? PICK(fr_close) : PICK(en_close),
		    fr ? "avis" : "review", fr ? "avis" : "review", i, i);
	else
		snprintf(body, sizeof(body), "%s %s %s %s %s", fr ?
		    PICK(fr_open) : PICK(en_open), subject, fr ?
		    PICK(fr_middle) : PICK(en_middle), fr ? PICK(fr_close) :
		    PICK(en_close), rnd(4) == 0 ? (fr ? "Des id\xc3\xa9" "es ?" :
		    "Any ideas?") : "");
	p->text = strdup(body);
	/* About 3% repeat an earlier id, 3% an earlier URL. */
	if (i > 100 && rnd(33) == 0)
		i -= 1 + rnd(100);
	if (asprintf(&p->id, "%zu", i) < 0)
		abort();
	if (i > 100 && rnd(33) == 0)
		i -= 1 + rnd(100);
	if (asprintf(&p->url, "https://social.example/@u%zu/%zu#m", i % 5000,
	    i) < 0 || asprintf(&p->handle, "u%zu", i % 5000) < 0)
		abort();
	p->lang = fr ? "fr" : rnd(4) == 0 ? NULL : "en";
	p->followers = rnd(10) == 0 ? -1 : (long long)rnd(200000);
	p->replies = (long long)rnd(30) - 1;
	p->reposts = (long long)rnd(100) - 1;
}

/* The plugin view of post P. */
static struct md_mention
plugin_view(const struct post *p)
{
	struct md_mention pm = MD_MENTION_INIT;

	pm.id = p->id;
	pm.url = p->url;
	pm.author_handle = p->handle;
	pm.text = p->text;
	pm.lang = p->lang;
	pm.author_followers = p->followers;
	pm.replies = p->replies;
	pm.reposts = p->reposts;
	pm.published = 1700000000;
	return pm;
}

/* Print one stage's figures: N mentions in SECONDS. */
static void
report(const char *stage, size_t n, double seconds)
{
	printf("%-32s %10.0f mentions/s %9.0f ns/mention\n", stage,
	    (double)n / seconds, seconds * 1e9 / (double)n);
}

int
main(int argc, char **argv)
{
	struct config_track tracks[BENCH_TRACKS];
	char queries[BENCH_TRACKS][128], *cause = NULL, *json;
	static char *langs[] = { "en", "fr", NULL };
	struct config cfg = { .tracks = tracks, .ntracks = BENCH_TRACKS };
	struct pipeline_stats st;
	struct md_mention pm;
	struct match_set *set;
	struct mention **ms;
	struct pipeline *pl;
	struct post *posts;
	struct dedup_params dp;
	struct dedup *d;
	size_t n = 100000, i, matched = 0, dups = 0, bytes = 0;
	char **folded;
	double t;

	if (argc > 1)
		n = strtoul(argv[1], NULL, 10);
	if (n == 0)
		n = 1;
	log_init(LOG_WARNING);

	memset(tracks, 0, sizeof(tracks));
	for (i = 0; i < BENCH_TRACKS; i++) {
		snprintf(queries[i], sizeof(queries[i]),
		    "\"%s\" OR %.*s_app OR \"%s support\"", brands[i],
		    (int)strcspn(brands[i], " -"), brands[i], brands[i]);
		tracks[i].name = (char *)brands[i];
		tracks[i].query = queries[i];
		tracks[i].langs = i % 3 == 0 ? langs : NULL;
		tracks[i].alert_classes = CONFIG_CLASS_QUESTION |
		    CONFIG_CLASS_NEGATIVE;
		tracks[i].min_priority = 0.3;
	}

	posts = calloc(n, sizeof(*posts));
	ms = calloc(n, sizeof(*ms));
	folded = calloc(n, sizeof(*folded));
	for (i = 0; i < n; i++) {
		make_post(&posts[i], i);
		bytes += strlen(posts[i].text);
	}
	printf("%zu posts, %zu bytes of text (%.0f a post), %d tracks\n", n,
	    bytes, (double)bytes / (double)n, BENCH_TRACKS);

	t = now();
	for (i = 0; i < n; i++) {
		pm = plugin_view(&posts[i]);
		if ((ms[i] = mention_from_plugin("bench", "bench", &pm,
		    &cause)) == NULL)
			abort();
	}
	report("mention_from_plugin (HTML)", n, now() - t);

	t = now();
	for (i = 0; i < n; i++)
		folded[i] = match_fold(ms[i]);
	report("match_fold", n, now() - t);

	if ((set = match_compile(tracks, BENCH_TRACKS, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return 1;
	}
	t = now();
	for (i = 0; i < n; i++)
		matched += match_run(set, ms[i], folded[i]) > 0;
	report("match_run (50 tracks)", n, now() - t);

	dedup_params_default(&dp);
	d = dedup_new(&dp);
	t = now();
	for (i = 0; i < n; i++)
		dups += dedup_check(d, ms[i], folded[i], ms[i]->seen_ms,
		    NULL) != DEDUP_NEW;
	report("dedup_check", n, now() - t);

	t = now();
	for (i = 0; i < n; i++)
		classify_run(ms[i], folded[i]);
	report("classify_run", n, now() - t);

	t = now();
	for (i = 0; i < n; i++) {
		json = mention_to_json(ms[i]);
		free(json);
	}
	report("mention_to_json", n, now() - t);
	printf("(%zu matched, %zu duplicates)\n", matched, dups);

	for (i = 0; i < n; i++) {
		mention_free(ms[i]);
		free(folded[i]);
	}
	match_free(set);
	dedup_free(d);

	/* The whole chain, as a source's emit runs it, without a sink. */
	if ((pl = pipeline_new(&cfg, NULL, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return 1;
	}
	t = now();
	for (i = 0; i < n; i++) {
		pm = plugin_view(&posts[i]);
		pipeline_emit(pl, mention_from_plugin("bench", "bench", &pm,
		    &cause));
	}
	report("whole chain (no sink)", n, now() - t);
	pipeline_stats(pl, &st);
	printf("(emitted %llu, matched %llu, duplicates %llu, alerts %llu)\n",
	    st.emitted, st.matched, st.duplicates, st.alerts);
	pipeline_free(pl);

	for (i = 0; i < n; i++) {
		free(posts[i].id);
		free(posts[i].url);
		free(posts[i].handle);
		free(posts[i].text);
	}
	free(posts);
	free(ms);
	free(folded);
	return 0;
}
