/*
 * ctl_classify.c - `mentionctl classify`: read one text per line (or JSON
 * lines with "text" and an optional "lang" with --jsonl) on stdin and write,
 * for each line and in order, one JSON object with what the daemon's
 * classifier (classify_text, the same code) finds:
 *
 *   {"lang":"en","question":true,"polarity":"negative","sentiment":-0.62}
 *
 * A JSON line that cannot be read gets {"error":"..."} in its place.
 * --features prints, instead, the rule score and the hashed features the
 * sentiment models score (for tests/train/sentiment_train.py).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "classify.h"
#include "ctl.h"
#include "sentiment.h"

#define CTL_CLASSIFY_FEATURES	4096

/* Print the usage of `mentionctl classify` and return STATUS. */
static int
ctl_classify_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mentionctl classify [--jsonl] [--lang en|fr]\n"
	    "  reads one text per line on stdin (with --jsonl, JSON objects\n"
	    "  with \"text\" and an optional \"lang\") and writes one JSON object\n"
	    "  per line: lang, question, polarity, sentiment\n"
	    "  --lang L  the language tag of every line (as a source's tag)\n");
	return status;
}

/* Print the sentiment features of TEXT (LEN) in LANG on one line. */
static void
ctl_classify_features(const char *text, size_t len, const char *tag)
{
	static uint32_t feats[CTL_CLASSIFY_FEATURES];
	const char *lang;
	double rules;
	size_t i, n;

	if ((lang = classify_lang_tag(tag)) == NULL)
		lang = "other";
	n = sentiment_features(text, len, lang, feats, CTL_CLASSIFY_FEATURES,
	    &rules);
	printf("%.6f", rules);
	for (i = 0; i < n; i++)
		printf(" %u", feats[i]);
	putchar('\n');
}

/* Classify one input LINE (LEN bytes, no newline) and print the result. */
static void
ctl_classify_line(char *line, size_t len, int jsonl, const char *tag,
    int features)
{
	struct classify_result r;
	cJSON *doc = NULL, *text, *lang;

	if (jsonl) {
		doc = cJSON_ParseWithLength(line, len);
		text = cJSON_GetObjectItemCaseSensitive(doc, "text");
		if (doc == NULL || !cJSON_IsString(text)) {
			printf("{\"error\":\"%s\"}\n", doc == NULL ?
			    "not a JSON object" : "no \\\"text\\\" string");
			cJSON_Delete(doc);
			return;
		}
		lang = cJSON_GetObjectItemCaseSensitive(doc, "lang");
		if (cJSON_IsString(lang))
			tag = lang->valuestring;
		line = text->valuestring;
		len = strlen(line);
	}
	if (features)
		ctl_classify_features(line, len, tag);
	else {
		classify_text(line, len, tag, &r);
		printf("{\"lang\":\"%s\",\"question\":%s,\"polarity\":\"%s\","
		    "\"sentiment\":%.4f}\n", r.lang,
		    r.question ? "true" : "false", sentiment_name(r.polarity),
		    r.sentiment);
	}
	cJSON_Delete(doc);
}

int
ctl_classify_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jsonl", no_argument, NULL, 'j' },
		{ "lang", required_argument, NULL, 'l' },
		{ "features", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *tag = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ch, jsonl = 0, features = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jl:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			jsonl = 1;
			break;
		case 'l':
			tag = optarg;
			break;
		case 'F':
			features = 1;
			break;
		case 'h':
			return ctl_classify_usage(0);
		default:
			return ctl_classify_usage(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mentionctl: classify: unexpected argument: "
		    "%s\n", argv[optind]);
		return ctl_classify_usage(2);
	}

	sentiment_init();
	while ((n = getline(&line, &cap, stdin)) != -1) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		ctl_classify_line(line, (size_t)n, jsonl, tag, features);
	}
	free(line);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("mentionctl: classify: stdout");
		return 1;
	}
	return 0;
}
