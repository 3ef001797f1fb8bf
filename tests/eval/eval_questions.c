/*
 * eval_questions.c - scores question_detect and lang_detect on the labelled
 * files of ../shared/eval, read in place.
 *
 *	eval_questions [-dtv] EVALDIR
 *
 * EVALDIR is the shared eval folder (../shared/eval from the project root).
 * For every file of EVALDIR/questions: precision, recall and F1 of the
 * question class, the text given to question_detect with the row's language
 * as a source's tag (-d: with the language lang_detect finds instead). Rows
 * labelled embedded_interrogative, backchannel_question or mixed are left
 * out of the scores (counted in the "skip" column). Then, for every file of
 * EVALDIR/questions and EVALDIR/sentiment, the accuracy of lang_detect
 * against the row's en/fr label. -t prints tab-separated lines instead of the
 * table; -v also prints each wrong verdict (score, label, text) on standard
 * error. Exit status 0 unless a folder cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evaldata.h"
#include "lang.h"
#include "question.h"

/* Print one file's question scores. */
static void
eval_questions_file(const struct evaldata_file *file, int detect, int tsv,
    int verbose)
{
	double score;
	size_t tp = 0, fp = 0, fn = 0, tn = 0, skip = 0, i;
	double p, r, f;

	for (i = 0; i < file->nrows; i++) {
		const struct evaldata_row *row = &file->rows[i];
		const char *lang = row->lang;
		int y, pred;

		if (strcmp(row->label, "question") == 0)
			y = 1;
		else if (strcmp(row->label, "not_question") == 0)
			y = 0;
		else {
			skip++;
			continue;
		}
		if (detect)
			lang = lang_detect(row->text, row->len, NULL);
		pred = question_detect(row->text, row->len, lang, &score);
		if (verbose && pred != y)
			fprintf(stderr, "%s\t%.3f\t%s\t%s\n", file->name,
			    score, row->label, row->text);
		if (pred && y)
			tp++;
		else if (pred)
			fp++;
		else if (y)
			fn++;
		else
			tn++;
	}
	p = tp + fp ? (double)tp / (tp + fp) : 0;
	r = tp + fn ? (double)tp / (tp + fn) : 0;
	f = p + r > 0 ? 2 * p * r / (p + r) : 0;
	if (tsv)
		printf("question\t%s\t%zu\t%zu\t%.4f\t%.4f\t%.4f\n", file->name,
		    tp + fp + fn + tn, skip, p, r, f);
	else
		printf("%-54s %5zu %4zu  %.3f  %.3f  %.3f\n", file->name,
		    tp + fp + fn + tn, skip, p, r, f);
}

/* Print one file's language accuracy. */
static void
eval_lang_file(const struct evaldata_file *file, int tsv)
{
	size_t ok = 0, n = 0, other = 0, i;
	const char *got;

	for (i = 0; i < file->nrows; i++) {
		const struct evaldata_row *row = &file->rows[i];

		got = lang_detect(row->text, row->len, NULL);
		n++;
		if (strcmp(got, row->lang) == 0)
			ok++;
		else if (strcmp(got, "other") == 0)
			other++;
	}
	if (tsv)
		printf("lang\t%s\t%zu\t%.4f\t%zu\n", file->name, n,
		    n ? (double)ok / n : 0, other);
	else
		printf("%-54s %5zu  %.4f  %5zu\n", file->name, n,
		    n ? (double)ok / n : 0, other);
}

int
main(int argc, char **argv)
{
	static const char *const dirs[] = { "questions", "sentiment" };
	struct evaldata_file *files;
	size_t nfiles, i, d;
	char *cause, path[4096];
	int ch, detect = 0, tsv = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "dtv")) != -1) {
		switch (ch) {
		case 'd':
			detect = 1;
			break;
		case 't':
			tsv = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		goto usage;

	snprintf(path, sizeof path, "%s/questions", argv[0]);
	if (evaldata_dir(path, &files, &nfiles, &cause) != 0) {
		fprintf(stderr, "eval_questions: %s\n", cause);
		free(cause);
		return 1;
	}
	if (!tsv)
		printf("%-54s %5s %4s  %-5s  %-5s  %-5s\n",
		    detect ? "question class (language detected)" :
		    "question class (language from the row)", "rows", "skip",
		    "P", "R", "F1");
	for (i = 0; i < nfiles; i++)
		eval_questions_file(&files[i], detect, tsv, verbose);
	evaldata_free(files, nfiles);

	if (!tsv)
		printf("\n%-54s %5s  %-6s  %5s\n", "language id", "rows",
		    "acc", "other");
	for (d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
		snprintf(path, sizeof path, "%s/%s", argv[0], dirs[d]);
		if (evaldata_dir(path, &files, &nfiles, &cause) != 0) {
			fprintf(stderr, "eval_questions: %s\n", cause);
			free(cause);
			return 1;
		}
		for (i = 0; i < nfiles; i++)
			eval_lang_file(&files[i], tsv);
		evaldata_free(files, nfiles);
	}
	return 0;

usage:
	fprintf(stderr, "usage: eval_questions [-dtv] EVALDIR\n");
	return 1;
}
