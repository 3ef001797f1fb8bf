/*
 * bench_question.c - how fast lang_detect and question_detect are on
 * 160-byte posts.
 *
 * Builds N (default 200,000, or argv[1]) English and French posts of about
 * 160 bytes from fixed pieces, then times lang_detect on all of them,
 * question_detect with the language given, and question_detect with the
 * language left to it. One line each: posts per second and nanoseconds per
 * post, from the CPU time used (on one core).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lang.h"
#include "question.h"

static const char *const pieces_en[] = {
	"Just tried the new acme router and", "anyone know how to reset it",
	"the support line kept me waiting for an hour", "is there a way to",
	"export my data before friday?", "honestly not impressed so far.",
	"thanks for the quick fix, works now!", "could you send me the invoice",
	"why does the app crash every time I open it?", "great update.",
};
static const char *const pieces_fr[] = {
	"Je viens de recevoir ma commande et", "qqn sait si acme livre le dimanche",
	"le service client ne r\xc3\xa9pond jamais", "est-ce que je peux",
	"changer l'adresse de livraison ?", "franchement d\xc3\xa9\xc3\xa7u.",
	"merci pour la r\xc3\xa9ponse rapide !", "pouvez vous me renvoyer la facture",
	"pourquoi l'appli plante \xc3\xa0 chaque ouverture ?", "top, bravo.",
};

/* Nanoseconds of CPU time used so far (the machine is shared: wall time
 * would count other processes). */
static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One line of figures. */
static void
report(const char *what, size_t n, double ns, size_t bytes)
{
	printf("%-34s %10.0f posts/s %7.1f ns/post (%.0f bytes/post)\n", what,
	    n / (ns / 1e9), ns / n, (double)bytes / n);
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000, i, bytes = 0;
	char **posts;
	size_t *lens;
	const char **langs;
	unsigned seed = 12345;
	double t0, conf, sc;
	volatile size_t sink = 0;

	if (n == 0)
		n = 1;
	posts = calloc(n, sizeof *posts);
	lens = calloc(n, sizeof *lens);
	langs = calloc(n, sizeof *langs);
	if (posts == NULL || lens == NULL || langs == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		const char *const *pc = (i & 1) ? pieces_fr : pieces_en;
		char buf[512];
		size_t l = 0;

		buf[0] = '\0';
		while (l < 150) {
			seed = seed * 1103515245u + 12345u;
			l += (size_t)snprintf(buf + l, sizeof buf - l, "%s%s",
			    l ? " " : "", pc[(seed >> 16) % 10]);
		}
		posts[i] = strdup(buf);
		lens[i] = strlen(buf);
		langs[i] = (i & 1) ? "fr" : "en";
		bytes += lens[i];
	}

	t0 = now_ns();
	for (i = 0; i < n; i++)
		sink += lang_detect(posts[i], lens[i], &conf)[0];
	report("lang_detect", n, now_ns() - t0, bytes);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		sink += (size_t)question_detect(posts[i], lens[i], langs[i], &sc);
	report("question_detect (language given)", n, now_ns() - t0, bytes);
	t0 = now_ns();
	for (i = 0; i < n; i++)
		sink += (size_t)question_detect(posts[i], lens[i], NULL, &sc);
	report("question_detect (language found)", n, now_ns() - t0, bytes);

	for (i = 0; i < n; i++)
		free(posts[i]);
	free(posts);
	free(lens);
	free(langs);
	return sink == 0 ? 0 : 0;
}
