/*
 * lang_train.c - trains the language tables of daemon/lang.c and writes them
 * as daemon/lang_model.c.
 *
 *	lang_train [-o daemon/lang_model.c] DIR...
 *
 * Reads every labelled TSV file of the DIRs (../shared/eval/questions and
 * ../shared/eval/sentiment: each row is labelled en or fr) in place, counts
 * the hashed grams lang_scan gives each text, and turns the counts into
 * log-ratios of add-half smoothed probabilities (English over French). It prints the accuracy of 5-fold
 * cross-validation (each row scored by tables trained without its fold) next
 * to the accuracy of the final tables on the same rows, per file. The
 * function words that mark Spanish, German, Italian, Dutch and Portuguese
 * (hand-written below, none of them common in English or French) go into the
 * generated file as a set of word hashes. Deterministic: the same data gives
 * the same file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evaldata.h"
#include "lang.h"
#include "xmalloc.h"

#define FOLDS	5

/* Function words of other languages, folded as lang_scan folds. */
static const char *const lang_train_other[] = {
	/* Spanish */
	"el", "del", "una", "por", "para", "pero",
	"muy", "como", "esta", "este", "esto", "estoy", "tengo",
	"cuando", "donde", "porque", "hola", "gracias", "bueno", "también",
	"todo", "mucho", "ahora",
	"siempre", "nunca", "hoy", "mañana", "qué", "cómo", "está", "más",
	"ella", "ellos", "nosotros", "usted", "pues", "entonces", "año",
	/* German */
	"der", "das", "und", "ist", "nicht", "ich", "ein", "eine", "zu", "mit",
	"auf", "für", "von", "dem", "den", "wir", "aber", "auch", "noch",
	"nur", "wie", "wenn", "bei", "oder", "sehr", "heute", "schon",
	"kann", "haben", "habe", "sind", "mein", "dein", "nein",
	"danke", "bitte", "mir", "dich", "mich", "sich", "kein",
	"keine", "gibt", "wird", "werden", "jetzt", "immer", "über",
	"möchte", "ihr", "ihre", "uns", "euch", "dass", "daß", "würde",
	"heißt", "weiß", "morgen", "zum", "zur", "viel",
	/* Italian */
	"della", "di", "che", "sono", "gli", "questo",
	"questa", "anche", "molto", "perché", "grazie", "oggi",
	"sempre", "tutto", "tutti", "essere", "hai", "abbiamo", "nel",
	"nella", "alla", "dei", "delle", "degli", "sei", "siamo", "cosa",
	"quando", "dove", "ancora", "io", "lei", "noi", "voi", "loro",
	"buongiorno", "sì", "è", "anno", "fatto", "detto", "dopo",
	"domani", "niente", "qualcosa", "però", "allora",
	/* Dutch */
	"het", "een", "niet", "ik", "zijn", "voor",
	"maar", "ook", "nog", "wel", "naar", "hij", "zij", "wij", "jij",
	"aan", "bij", "deze", "heb", "hebben",
	"waar", "goed", "dank", "bedankt", "graag", "vandaag", "altijd",
	"niks", "geen", "veel", "uit", "moet", "wordt", "worden",
	"zou", "kunnen", "heeft", "mijn", "jouw", "zeer",
	"ja", "nee", "alles", "iets", "niets", "hallo", "bedankt",
	"gaat", "laat", "komt", "heel", "kunt", "hoeveel", "wanneer",
	"waarom", "welke", "omdat",
	/* Portuguese */
	"não", "você", "voce", "obrigado", "obrigada", "muito",
	"da", "das", "dos", "isso", "isto", "ele", "ela",
	"eles", "tudo", "também", "bom", "então", "agora", "hoje",
	"meu", "minha", "nós", "estou", "tenho", "já", "ainda",
	NULL
};

/* Counts of every bucket for English [0] and French [1], and their totals. */
struct counts {
	double	c[2][LANG_BUCKETS];
	double	total[2];
};

/* Index of a row's language (0 en, 1 fr), -1 for anything else. */
static int
lang_train_index(const struct evaldata_row *r)
{
	if (strcmp(r->lang, "en") == 0)
		return 0;
	if (strcmp(r->lang, "fr") == 0)
		return 1;
	return -1;
}

/* Add (SIGN +1) or remove (-1) the grams of SCAN to C under language L. */
static void
lang_train_add(struct counts *c, int l, const struct lang_scan *scan,
    double sign)
{
	size_t i;

	for (i = 0; i < scan->ngrams; i++)
		c->c[l][scan->grams[i]] += sign;
	c->total[l] += sign * (double)scan->ngrams;
}

/* The table of scaled log-ratios (en over fr) of smoothed probabilities. */
static void
lang_train_tables(const struct counts *c, int8_t *ratio)
{
	double v;
	size_t b;

	for (b = 0; b < LANG_BUCKETS; b++) {
		v = (log((c->c[0][b] + 0.5) /
		    (c->total[0] + 0.5 * LANG_BUCKETS)) -
		    log((c->c[1][b] + 0.5) /
		    (c->total[1] + 0.5 * LANG_BUCKETS))) * LANG_RATIO_SCALE;
		if (v > 127)
			v = 127;
		if (v < -127)
			v = -127;
		ratio[b] = (int8_t)lrint(v);
	}
}

/* The open-addressed set of other-language word hashes. */
static void
lang_train_other_set(uint32_t *set)
{
	size_t i;
	uint32_t h, slot;

	memset(set, 0, LANG_OTHER_SLOTS * sizeof *set);
	for (i = 0; lang_train_other[i] != NULL; i++) {
		h = lang_word_hash(lang_train_other[i],
		    strlen(lang_train_other[i]));
		slot = h & (LANG_OTHER_SLOTS - 1);
		while (set[slot] != 0 && set[slot] != h)
			slot = (slot + 1) & (LANG_OTHER_SLOTS - 1);
		set[slot] = h;
	}
}

/* Write the generated C file. */
static int
lang_train_write(const char *path, const int8_t *ratio,
    const uint32_t *set)
{
	FILE *fp;
	size_t b;

	if ((fp = fopen(path, "w")) == NULL) {
		fprintf(stderr, "lang_train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(fp, "/*\n * lang_model.c - generated by tests/train/lang_train.c "
	    "(do not edit): the naive\n * Bayes tables of lang.c and the "
	    "other-language function words.\n */\n#include \"lang.h\"\n\n");
	fprintf(fp, "const int8_t lang_model_ratio[LANG_BUCKETS] = {");
	for (b = 0; b < LANG_BUCKETS; b++)
		fprintf(fp, "%s%d,", b % 16 == 0 ? "\n" : "", ratio[b]);
	fprintf(fp, "\n");
	fprintf(fp, "};\n\nconst uint32_t lang_model_other[LANG_OTHER_SLOTS]"
	    " = {");
	for (b = 0; b < LANG_OTHER_SLOTS; b++)
		fprintf(fp, "%s%uu,", b % 8 == 0 ? "\n" : "", set[b]);
	fprintf(fp, "\n};\n");
	if (fclose(fp) != 0) {
		fprintf(stderr, "lang_train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct evaldata_file *files = NULL, *more;
	struct counts *all, *fold;
	struct lang_scan *scan;
	int8_t *ratio;
	uint32_t *set;
	size_t nfiles = 0, nmore, i, j;
	const char *out = NULL;
	char *cause;
	int ch, k, l, rc = 1;
	unsigned f;

	while ((ch = getopt(argc, argv, "o:")) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		goto usage;
	for (k = 0; k < argc; k++) {
		if (evaldata_dir(argv[k], &more, &nmore, &cause) != 0) {
			fprintf(stderr, "lang_train: %s\n", cause);
			free(cause);
			evaldata_free(files, nfiles);
			return 1;
		}
		files = xreallocarray(files, nfiles + nmore, sizeof *files);
		memcpy(files + nfiles, more, nmore * sizeof *more);
		nfiles += nmore;
		free(more);
	}

	all = xcalloc(1, sizeof *all);
	fold = xcalloc(FOLDS, sizeof *fold);
	scan = xmalloc(sizeof *scan);
	ratio = xcalloc(LANG_BUCKETS, sizeof *ratio);
	set = xcalloc(LANG_OTHER_SLOTS, sizeof *set);
	lang_train_other_set(set);

	/* Count every row into the full counts and its fold's. */
	for (i = 0; i < nfiles; i++) {
		for (j = 0; j < files[i].nrows; j++) {
			struct evaldata_row *r = &files[i].rows[j];

			if ((l = lang_train_index(r)) == -1)
				continue;
			lang_scan(r->text, r->len, scan);
			lang_train_add(all, l, scan, 1);
			lang_train_add(&fold[evaldata_fold(r, FOLDS)], l, scan,
			    1);
		}
	}

	/* Score each row with the tables trained without its fold (CV), then
	 * with the final tables. The set of other words is needed to score,
	 * so lang_decide sees it through the compiled-in table: build it the
	 * same way (a new word list takes a second run to be in effect). */
	{
		size_t (*cv_ok)[2] = xcalloc(nfiles, sizeof *cv_ok);
		size_t *fin_ok = xcalloc(nfiles, sizeof *fin_ok);
		struct counts *train = xmalloc(sizeof *train);
		size_t b;

		for (f = 0; f < FOLDS; f++) {
			for (l = 0; l < 2; l++) {
				for (b = 0; b < LANG_BUCKETS; b++)
					train->c[l][b] = all->c[l][b] -
					    fold[f].c[l][b];
				train->total[l] = all->total[l] -
				    fold[f].total[l];
			}
			lang_train_tables(train, ratio);
			for (i = 0; i < nfiles; i++) {
				for (j = 0; j < files[i].nrows; j++) {
					struct evaldata_row *r =
					    &files[i].rows[j];

					if (evaldata_fold(r, FOLDS) != f ||
					    lang_train_index(r) == -1)
						continue;
					lang_scan(r->text, r->len, scan);
					if (strcmp(lang_decide(scan,
					    ratio, NULL), r->lang) == 0)
						cv_ok[i][0]++;
					cv_ok[i][1]++;
				}
			}
		}
		lang_train_tables(all, ratio);
		printf("%-56s %6s %8s %8s\n", "file", "rows", "cv_acc",
		    "fit_acc");
		for (i = 0; i < nfiles; i++) {
			for (j = 0; j < files[i].nrows; j++) {
				struct evaldata_row *r = &files[i].rows[j];

				if (lang_train_index(r) == -1)
					continue;
				lang_scan(r->text, r->len, scan);
				if (strcmp(lang_decide(scan,
				    ratio, NULL), r->lang) == 0)
					fin_ok[i]++;
			}
			printf("%-56s %6zu %8.4f %8.4f\n", files[i].name,
			    cv_ok[i][1], cv_ok[i][1] != 0 ?
			    (double)cv_ok[i][0] / cv_ok[i][1] : 0,
			    cv_ok[i][1] != 0 ?
			    (double)fin_ok[i] / cv_ok[i][1] : 0);
		}
		free(cv_ok);
		free(fin_ok);
		free(train);
	}

	if (out != NULL && lang_train_write(out, ratio, set) != 0)
		goto out;
	rc = 0;
out:
	free(all);
	free(fold);
	free(scan);
	free(ratio);
	free(set);
	evaldata_free(files, nfiles);
	return rc;

usage:
	fprintf(stderr, "usage: lang_train [-o lang_model.c] DIR...\n");
	return 1;
}
