/*
 * ctl_dedup.c - `mentionctl dedup`: run the daemon's deduplication on
 * mentions read as JSON lines on stdin ("id" required, a string or an
 * integer; "url", "text",
 * "title", "source" optional; "source" defaults to "stdin"), in order, and
 * write one JSON line per input line:
 *
 *   {"id":"stdin:7","dup_of":"stdin:3","reason":"near_text"}
 *
 * reason is null for a new mention, else same_id, update, same_url or
 * near_text (dedup.h). Every mention is taken as seen at the same moment, so
 * the window never expires one. [dedup] settings come from --config FILE;
 * --near-distance and --min-words override them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "config.h"
#include "ctl.h"
#include "dedup.h"
#include "log.h"
#include "match.h"
#include "mention.h"
#include "xmalloc.h"

/* Print the usage of `mentionctl dedup` and return STATUS. */
static int
ctl_dedup_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mentionctl dedup [--config FILE] [--near-distance K]\n"
	    "           [--min-words N] < MENTIONS.jsonl\n"
	    "  reads one JSON object per line (\"id\", and optional \"url\",\n"
	    "  \"text\", \"title\", \"source\") and writes one JSON object per\n"
	    "  line: {\"id\":KEY,\"dup_of\":null|KEY,\"reason\":null|REASON}\n"
	    "  --config FILE      the [dedup] settings of a configuration file\n"
	    "  --near-distance K  SimHash bits that may differ (0: off)\n"
	    "  --min-words N      shorter texts are never near-copies\n");
	return status;
}

/* The string member NAME of DOC, or NULL. */
static const char *
ctl_dedup_str(const cJSON *doc, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Print one output line: KEY, DUP_OF and REASON, or ERROR for line NO. */
static void
ctl_dedup_print(unsigned long no, const char *key, const char *dup_of,
    const char *reason, const char *error)
{
	cJSON *out = cJSON_CreateObject();
	char *json;

	if (error != NULL) {
		cJSON_AddNumberToObject(out, "line", (double)no);
		cJSON_AddStringToObject(out, "error", error);
	} else {
		cJSON_AddStringToObject(out, "id", key);
		if (dup_of != NULL)
			cJSON_AddStringToObject(out, "dup_of", dup_of);
		else
			cJSON_AddNullToObject(out, "dup_of");
		if (reason != NULL)
			cJSON_AddStringToObject(out, "reason", reason);
		else
			cJSON_AddNullToObject(out, "reason");
	}
	json = cJSON_PrintUnformatted(out);
	printf("%s\n", json);
	free(json);
	cJSON_Delete(out);
}

/* Judge input line number NO (LINE) against D at NOW_MS and print it. */
static void
ctl_dedup_line(struct dedup *d, const char *line, unsigned long no,
    int64_t now_ms)
{
	struct md_mention pm = MD_MENTION_INIT;
	struct mention *m = NULL;
	const char *source;
	char *cause = NULL, *folded, *key, idbuf[32];
	const cJSON *idv;
	cJSON *doc;

	if ((doc = cJSON_Parse(line)) == NULL || !cJSON_IsObject(doc)) {
		ctl_dedup_print(no, NULL, NULL, NULL, "not a JSON object");
		goto out;
	}
	/* An id is a string or, as the jsonl connector takes it, an integer. */
	idv = cJSON_GetObjectItemCaseSensitive(doc, "id");
	if (cJSON_IsNumber(idv) && idv->valuedouble == (double)(long long)
	    idv->valuedouble) {
		snprintf(idbuf, sizeof(idbuf), "%lld",
		    (long long)idv->valuedouble);
		pm.id = idbuf;
	} else
		pm.id = ctl_dedup_str(doc, "id");
	if (pm.id == NULL || *pm.id == '\0') {
		ctl_dedup_print(no, NULL, NULL, NULL, "no \"id\" string or "
		    "integer");
		goto out;
	}
	pm.url = ctl_dedup_str(doc, "url");
	pm.title = ctl_dedup_str(doc, "title");
	pm.text = ctl_dedup_str(doc, "text");
	if (pm.text == NULL)
		pm.text = "";
	if ((source = ctl_dedup_str(doc, "source")) == NULL || *source == '\0')
		source = "stdin";
	if ((m = mention_from_plugin(source, "stdin", &pm, &cause)) == NULL) {
		/* No text nor title: judged by its id and link alone. */
		free(cause);
		cause = NULL;
		pm.text = " ";
		m = mention_from_plugin(source, "stdin", &pm, &cause);
	}
	if (m == NULL) {
		ctl_dedup_print(no, NULL, NULL, NULL, cause);
		goto out;
	}
	folded = match_fold(m);
	dedup_check(d, m, folded, now_ms, NULL);
	key = mention_key(m);
	ctl_dedup_print(no, key, m->dup_of, m->dup_reason, NULL);
	free(key);
	free(folded);

out:
	free(cause);
	mention_free(m);
	cJSON_Delete(doc);
}

int
ctl_dedup_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "near-distance", required_argument, NULL, 'k' },
		{ "min-words", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config_errors errs = { 0 };
	struct dedup_params p;
	struct config *cfg;
	struct dedup *d;
	struct timespec ts;
	char *line = NULL, *end;
	size_t cap = 0, i;
	ssize_t len;
	unsigned long no = 0;
	long near = -1, words = -1;
	int ch;

	optind = 1;
	dedup_params_default(&p);
	while ((ch = getopt_long(argc, argv, "c:k:w:h", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			if ((cfg = config_load(optarg, &errs)) == NULL) {
				for (i = 0; i < errs.n; i++)
					fprintf(stderr, "%s\n", errs.msgs[i]);
				config_errors_clear(&errs);
				return 1;
			}
			dedup_params_from_config(&cfg->dedup, &p);
			config_free(cfg);
			break;
		case 'k':
			near = strtol(optarg, &end, 10);
			if (*end != '\0' || near < 0 || near > 7)
				return ctl_dedup_usage(2);
			break;
		case 'w':
			words = strtol(optarg, &end, 10);
			if (*end != '\0' || words < 1 || words > 1000)
				return ctl_dedup_usage(2);
			break;
		case 'h':
			return ctl_dedup_usage(0);
		default:
			return ctl_dedup_usage(2);
		}
	}
	if (optind != argc)
		return ctl_dedup_usage(2);
	if (near >= 0)
		p.near_distance = (int)near;
	if (words >= 0)
		p.min_words = (int)words;
	log_init(LOG_WARNING);

	d = dedup_new(&p);
	clock_gettime(CLOCK_REALTIME, &ts);
	while ((len = getline(&line, &cap, stdin)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		ctl_dedup_line(d, line, ++no,
		    (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	}
	free(line);
	dedup_free(d);
	return 0;
}
