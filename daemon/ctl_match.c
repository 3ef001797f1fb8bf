/*
 * ctl_match.c - `mentionctl match`: try tracked queries on texts. Compiles
 * one query (-q) or every track of a config (--config) with the daemon's
 * matcher, reads stdin one line at a time - a plain text, or a JSON object
 * with "text" and optional "title", "author", "url", "lang", "source" - and
 * writes one JSON object per input line, in order:
 *
 *   {"line":1,"tracks":["acme"],"terms":["acme","\"acme corp\""]}
 *
 * A query that does not parse prints "query:COLUMN: message" and exits 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "config.h"
#include "ctl.h"
#include "log.h"
#include "match.h"
#include "mention.h"
#include "query.h"
#include "xmalloc.h"

/* Print the usage of `mentionctl match` and return STATUS. */
static int
ctl_match_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mentionctl match -q QUERY | --config FILE\n"
	    "  reads one text per line on stdin (or a JSON object with \"text\"\n"
	    "  and optional \"title\", \"author\", \"url\", \"lang\", \"source\")\n"
	    "  and writes one JSON object per line: the tracks that matched and\n"
	    "  the terms found\n"
	    "  -q QUERY       one query, as the track \"query\"\n"
	    "  --config FILE  every [track] of a configuration file\n");
	return status;
}

/* The string member NAME of DOC, or NULL. */
static const char *
ctl_match_str(const cJSON *doc, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Match input line number NO (LINE, a text or a JSON object) against SET
 * and print the result. */
static void
ctl_match_line(const struct match_set *set, char *line, unsigned long no)
{
	struct md_mention pm = MD_MENTION_INIT;
	struct mention *m;
	cJSON *doc = NULL, *out, *tracks, *terms;
	const char *author;
	char *cause = NULL, *folded, *json;
	size_t i;

	pm.id = "stdin";
	pm.text = line;
	if (line[0] == '{') {
		doc = cJSON_Parse(line);
		if (doc == NULL || !cJSON_IsObject(doc)) {
			printf("{\"line\":%lu,\"error\":\"not a JSON object\"}\n",
			    no);
			cJSON_Delete(doc);
			return;
		}
		pm.text = ctl_match_str(doc, "text");
		pm.title = ctl_match_str(doc, "title");
		pm.url = ctl_match_str(doc, "url");
		pm.lang = ctl_match_str(doc, "lang");
		if ((author = ctl_match_str(doc, "author")) != NULL) {
			/* A handle or a name: try it as both. */
			pm.author_handle = author;
			if (*author != '@')
				pm.author_name = author;
		}
		if (pm.text == NULL && pm.title != NULL)
			pm.text = "";
	}
	m = pm.text == NULL ? NULL : mention_from_plugin(doc != NULL &&
	    ctl_match_str(doc, "source") != NULL ? ctl_match_str(doc, "source") :
	    "stdin", "stdin", &pm, &cause);
	if (m == NULL) {
		printf("{\"line\":%lu,\"error\":\"%s\"}\n", no,
		    pm.text == NULL ? "no \\\"text\\\" string" : "empty text");
		free(cause);
		cJSON_Delete(doc);
		return;
	}
	folded = match_fold(m);
	match_run(set, m, folded);

	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "line", (double)no);
	tracks = cJSON_AddArrayToObject(out, "tracks");
	for (i = 0; i < m->ntracks; i++)
		cJSON_AddItemToArray(tracks, cJSON_CreateString(m->tracks[i]));
	terms = cJSON_AddArrayToObject(out, "terms");
	for (i = 0; i < m->nterms; i++)
		cJSON_AddItemToArray(terms, cJSON_CreateString(m->terms[i]));
	json = cJSON_PrintUnformatted(out);
	printf("%s\n", json);

	free(json);
	cJSON_Delete(out);
	free(folded);
	mention_free(m);
	cJSON_Delete(doc);
}

int
ctl_match_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "query", required_argument, NULL, 'q' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config_track one = { .name = "query" };
	struct config_errors errs = { 0 };
	struct config *cfg = NULL;
	struct query_node *n;
	struct match_set *set = NULL;
	const char *query = NULL, *path = NULL;
	char *line = NULL, *cause = NULL;
	size_t cap = 0, i;
	ssize_t len;
	unsigned long no = 0;
	int ch, column, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "q:c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'q':
			query = optarg;
			break;
		case 'c':
			path = optarg;
			break;
		case 'h':
			return ctl_match_usage(0);
		default:
			return ctl_match_usage(2);
		}
	}
	if ((query == NULL) == (path == NULL) || optind != argc)
		return ctl_match_usage(2);
	log_init(LOG_WARNING);

	if (query != NULL) {
		if ((n = query_parse(query, &column, &cause)) == NULL) {
			fprintf(stderr, "query:%d: %s\n", column, cause);
			goto out;
		}
		query_free(n);
		one.query = (char *)query;
		set = match_compile(&one, 1, &cause);
	} else {
		if ((cfg = config_load(path, &errs)) == NULL ||
		    match_check(cfg, &errs) != 0) {
			for (i = 0; i < errs.n; i++)
				fprintf(stderr, "%s\n", errs.msgs[i]);
			goto out;
		}
		set = match_compile(cfg->tracks, cfg->ntracks, &cause);
	}
	if (set == NULL) {
		fprintf(stderr, "%s\n", cause);
		goto out;
	}

	while ((len = getline(&line, &cap, stdin)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		ctl_match_line(set, line, ++no);
		fflush(stdout);
	}
	rc = 0;

out:
	free(line);
	free(cause);
	match_free(set);
	config_errors_clear(&errs);
	config_free(cfg);
	return rc;
}
