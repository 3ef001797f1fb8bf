/*
 * ctl_parse.c - `mentionctl parse PLUGIN FILE...`: run a connector's parser
 * (its md_plugin.parse, loaded from the plugin folder like the daemon does)
 * on saved response bodies and print one JSON line per mention:
 *
 *   {"id":"...","url":"...","title":"...","author":"...","text":"...",
 *    "published":"2024-05-01T12:00:00Z"}
 *
 * Unknown fields are null; "author" is the display name, else the handle.
 * With several FILEs each line also has "file", and a file the parser refuses
 * gives {"file":F,"error":WHY}. It is how a user debugs a connector and how
 * the feed parser is tested on other parsers' corpora. A broken body prints
 * the mentions read before the break and a warning on stderr; a body that is
 * not the connector's format at all exits 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "check.h"
#include "config.h"
#include "ctl.h"
#include "loader.h"
#include "log.h"
#include "source.h"
#include "xmalloc.h"

/* What a parse run needs: the parser, its settings, the file tag. */
struct ctl_parse {
	loader_parse_fn		 parse;
	void			*ctx;
	const char		*url;
	const char		*content_type;
	const char		*file;		/* NULL: no "file" member */
};

/* Print the usage of `mentionctl parse` and return STATUS. */
static int
ctl_parse_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mentionctl parse PLUGIN [--url URL] [--charset CS]\n"
	    "           [--content-type TYPE] [--set KEY=VALUE]... "
	    "[--plugin-dir DIR] FILE...\n"
	    "  runs PLUGIN's parser on FILE (a saved response body; - for "
	    "stdin) and\n"
	    "  writes one JSON object per mention: id, url, title, author, "
	    "text,\n"
	    "  published (and file, with several FILEs)\n"
	    "  --url URL          the address the body came from (links resolve "
	    "against it)\n"
	    "  --charset CS       the HTTP Content-Type charset, which wins over "
	    "the\n"
	    "                     document's declaration\n"
	    "  --content-type T   the whole HTTP Content-Type\n"
	    "  --set KEY=VALUE    a setting of the connector, as in its [source] "
	    "section\n");
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

/* md_parse_fn: print one mention as a JSON line. */
static int
ctl_parse_print(void *arg, const struct md_mention *m)
{
	const struct ctl_parse *cp = arg;
	cJSON *out = cJSON_CreateObject();
	char date[32], *json;
	struct tm tm;
	time_t t;

	if (cp->file != NULL)
		cJSON_AddStringToObject(out, "file", cp->file);
	ctl_parse_add(out, "id", m->id);
	ctl_parse_add(out, "url", m->url);
	ctl_parse_add(out, "title", m->title);
	ctl_parse_add(out, "author", m->author_name != NULL ? m->author_name :
	    m->author_handle);
	ctl_parse_add(out, "text", m->text);
	t = (time_t)m->published;
	if (m->published != 0 && gmtime_r(&t, &tm) != NULL &&
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

/* Parse the body in PATH and print its mentions. */
static int
ctl_parse_file(struct ctl_parse *cp, const char *path)
{
	struct md_http_response resp = { .status = 200 };
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
	resp.body = buf;
	resp.body_len = len;
	resp.url = cp->url;
	resp.content_type = cp->content_type;
	n = cp->parse(cp->ctx, &resp, ctl_parse_print, cp, &cause);
	if (n != -1) {
		if (cause != NULL)
			fprintf(stderr, "mentionctl parse: %s: warning: %s (%d "
			    "mentions read)\n", path, cause, n);
		status = 0;
	} else if (cause == NULL)
		cause = xstrdup("not understood");
out:
	if (status != 0) {
		fprintf(stderr, "mentionctl parse: %s: %s\n", path, cause);
		if (cp->file != NULL) {
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

/* Add KEY=VALUE (TEXT) to the settings section CFG; -1 when malformed. */
static int
ctl_parse_set(struct config_source *cfg, const char *text)
{
	const char *eq = strchr(text, '=');
	struct config_kv *kv;

	if (eq == NULL || eq == text)
		return -1;
	cfg->kv = xreallocarray(cfg->kv, cfg->nkv + 1, sizeof(*cfg->kv));
	kv = &cfg->kv[cfg->nkv++];
	memset(kv, 0, sizeof(*kv));
	kv->key = xstrndup(text, eq - text);
	kv->value = xstrdup(eq + 1);
	kv->where.file = (char *)"--set";
	kv->where.line = (int)cfg->nkv;
	return 0;
}

/* `mentionctl parse`: parse saved bodies with a connector's parser. */
int
ctl_parse_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "charset", required_argument, NULL, 'c' },
		{ "content-type", required_argument, NULL, 't' },
		{ "set", required_argument, NULL, 's' },
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config_source cfg = { .name = "parse" };
	struct ctl_parse cp = { NULL };
	struct source_settings *ss = NULL;
	const struct md_plugin *p;
	struct loader *ld = NULL;
	char *dir = NULL, *ctype = NULL, *cause = NULL, *names;
	const char *charset = NULL;
	int ch, i, status = 2;
	size_t k;

	while ((ch = getopt_long(argc, argv, "u:c:t:s:P:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'u':
			cp.url = optarg;
			break;
		case 'c':
			charset = optarg;
			break;
		case 't':
			cp.content_type = optarg;
			break;
		case 's':
			if (ctl_parse_set(&cfg, optarg) != 0) {
				fprintf(stderr, "mentionctl parse: --set "
				    "expects KEY=VALUE, not '%s'\n", optarg);
				goto out;
			}
			break;
		case 'P':
			free(dir);
			dir = xstrdup(optarg);
			break;
		case 'h':
			status = ctl_parse_usage(0);
			goto out;
		default:
			status = ctl_parse_usage(2);
			goto out;
		}
	}
	if (argc - optind < 2) {
		status = ctl_parse_usage(2);
		goto out;
	}
	if (charset != NULL) {
		ctype = xasprintf("%s; charset=%s", cp.content_type != NULL ?
		    cp.content_type : "application/octet-stream", charset);
		cp.content_type = ctype;
	}

	log_init(LOG_WARNING);
	if (dir == NULL)
		dir = check_plugin_dir(NULL);
	ld = loader_new();
	if (loader_load_dir(ld, dir) == -1) {
		fprintf(stderr, "mentionctl parse: cannot read plugin folder "
		    "%s: %s\n", dir, strerror(errno));
		goto out;
	}
	if ((p = loader_find(ld, argv[optind])) == NULL) {
		names = loader_names(ld);
		fprintf(stderr, "mentionctl parse: no plugin %s in %s (found: "
		    "%s)\n", argv[optind], dir, names[0] ? names : "none");
		free(names);
		goto out;
	}
	if ((cp.parse = loader_parser(p)) == NULL) {
		fprintf(stderr, "mentionctl parse: plugin %s has no parser\n",
		    p->name);
		goto out;
	}
	cfg.plugin = (char *)p->name;
	if ((ss = source_settings_new(p, &cfg, &cause)) == NULL) {
		fprintf(stderr, "mentionctl parse: %s\n", cause);
		goto out;
	}
	cp.ctx = source_settings_ctx(ss);
	status = 0;
	for (i = optind + 1; i < argc; i++) {
		cp.file = argc - optind > 2 ? argv[i] : NULL;
		if (ctl_parse_file(&cp, argv[i]) != 0)
			status = 1;
	}
	fflush(stdout);
out:
	source_settings_free(ss);
	if (ld != NULL)
		loader_free(ld);
	for (k = 0; k < cfg.nkv; k++) {
		free(cfg.kv[k].key);
		free(cfg.kv[k].value);
	}
	free(cfg.kv);
	free(cause);
	free(ctype);
	free(dir);
	return status;
}
