/*
 * ctl_parse.c - `mentionctl parse PLUGIN FILE`: run a connector's parser on a
 * saved response body and print one JSON line per mention:
 *
 *   {"id":"...","url":"...","title":"...","author":"...","text":"...",
 *    "published":"2024-05-01T12:00:00Z"}
 *
 * Unknown fields are null. With several FILEs each line also has "file", and
 * a file that is not a feed gives {"file":F,"error":WHY}. It is how a user
 * debugs a connector and how the feed parser is tested on other parsers'
 * corpora. Only "feed" exists so far
 * (plugins/feed/feedparse.c, compiled into mentionctl). A broken document
 * prints the entries read before the break and a warning on stderr; a file
 * that is not a feed at all exits 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ctl.h"
#include "feedparse.h"
#include "xmalloc.h"

/* Print the usage of `mentionctl parse` and return STATUS. */
static int
ctl_parse_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mentionctl parse feed [--url URL] [--charset CS] FILE...\n"
	    "  parses FILE (RSS, RDF, Atom or JSON Feed; - for stdin) and writes\n"
	    "  one JSON object per entry: id, url, title, author, text, published\n"
	    "  (and file, with several FILEs)\n"
	    "  --url URL     the feed's address, against which links resolve\n"
	    "  --charset CS  the HTTP Content-Type charset, which wins over the\n"
	    "                document's declaration\n");
	return status;
}

/* Add NAME: S, or null, to OUT. */
static void
ctl_parse_add(cJSON *out, const char *name, const char *s)
{
	if (s != NULL)
		cJSON_AddStringToObject(out, name, s);
	else
		cJSON_AddNullToObject(out, name);
}

/* Print one entry as a JSON line; ARG is the file name to add, or NULL. */
static int
ctl_parse_print(const struct feedparse_entry *e, void *arg)
{
	cJSON *out = cJSON_CreateObject();
	char date[32], *json;
	struct tm tm;
	time_t t;

	if (arg != NULL)
		cJSON_AddStringToObject(out, "file", arg);
	ctl_parse_add(out, "id", e->id);
	ctl_parse_add(out, "url", e->url);
	ctl_parse_add(out, "title", e->title);
	ctl_parse_add(out, "author", e->author);
	ctl_parse_add(out, "text", e->text);
	t = (time_t)e->published;
	if (e->published != 0 && gmtime_r(&t, &tm) != NULL &&
	    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm) != 0)
		cJSON_AddStringToObject(out, "published", date);
	else
		cJSON_AddNullToObject(out, "published");
	json = cJSON_PrintUnformatted(out);
	if (json != NULL)
		printf("%s\n", json);
	free(json);
	cJSON_Delete(out);
	return 0;
}

/* Read all of FP into a new buffer; its length in *LEN. */
static char *
ctl_parse_slurp(FILE *fp, size_t *len)
{
	size_t cap = 65536, n = 0, got;
	char *buf = xmalloc(cap + 1);

	while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			buf = xreallocarray(buf, cap + 1, 1);
		}
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Parse the feed in PATH and print its entries; TAG adds "file". */
static int
ctl_parse_file(const char *path, int tag, const char *url, const char *charset)
{
	char *buf = NULL, *cause = NULL, *json;
	cJSON *out;
	FILE *fp;
	size_t len;
	int n, status = 1;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL) {
		cause = xstrdup(strerror(errno));
		goto out;
	}
	buf = ctl_parse_slurp(fp, &len);
	if (ferror(fp)) {
		cause = xstrdup("read error");
		goto out;
	}
	n = feedparse_parse(buf, len, url, charset, ctl_parse_print,
	    tag ? (void *)path : NULL, &cause);
	if (n != -1) {
		if (cause != NULL)
			fprintf(stderr, "mentionctl parse: %s: warning: %s (%d "
			    "entries read)\n", path, cause, n);
		status = 0;
	}
out:
	if (status != 0) {
		fprintf(stderr, "mentionctl parse: %s: %s\n", path, cause);
		if (tag) {
			out = cJSON_CreateObject();
			cJSON_AddStringToObject(out, "file", path);
			cJSON_AddStringToObject(out, "error", cause);
			json = cJSON_PrintUnformatted(out);
			printf("%s\n", json);
			free(json);
			cJSON_Delete(out);
		}
	}
	if (fp != NULL && fp != stdin)
		fclose(fp);
	free(cause);
	free(buf);
	return status;
}

/* `mentionctl parse`: parse saved bodies with a connector's parser. */
int
ctl_parse_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "charset", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL, *charset = NULL;
	int ch, i, status = 0;

	while ((ch = getopt_long(argc, argv, "u:c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			url = optarg;
			break;
		case 'c':
			charset = optarg;
			break;
		case 'h':
			return ctl_parse_usage(0);
		default:
			return ctl_parse_usage(2);
		}
	}
	if (argc - optind < 2)
		return ctl_parse_usage(2);
	if (strcmp(argv[optind], "feed") != 0) {
		fprintf(stderr, "mentionctl parse: no parser for plugin %s "
		    "(known: feed)\n", argv[optind]);
		return 2;
	}
	for (i = optind + 1; i < argc; i++) {
		if (ctl_parse_file(argv[i], argc - optind > 2, url, charset) != 0)
			status = 1;
	}
	fflush(stdout);
	return status;
}
