/*
 * mentionctl.c - the mentionctl command, mentiond's companion on an operator's
 * terminal. `tail` follows the alerts the daemon pushes to Redis (the streams
 * {prefix}:alerts:CLASS, or the pub/sub channels of the same names) and prints
 * each on one readable line; `check-config` checks a configuration file the
 * way the daemon would load it. Redis is spoken to with hiredis's synchronous
 * API: a command line tool may block.
 */
#include <sys/ioctl.h>
#include <sys/time.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <hiredis.h>
#include <utf8proc.h>

#include "check.h"
#include "ctl.h"
#include "timefmt.h"
#include "log.h"
#include "redisurl.h"
#include "version.h"
#include "xmalloc.h"

#define CTL_DEFAULT_URL		"redis://127.0.0.1:6379"
#define CTL_DEFAULT_PREFIX	"mentiond"
#define CTL_BLOCK_MS		"5000"		/* one XREAD BLOCK round */
#define CTL_READ_TIMEOUT	15		/* seconds without a reply = lost */
#define CTL_CONNECT_TIMEOUT	5
#define CTL_BACKOFF_MAX		10		/* seconds between reconnections */
#define CTL_BATCH		"100"		/* entries per read */
#define CTL_MIN_TEXT		16		/* columns the text always gets */

/* The alert classes, in the order their streams are read. */
enum { CTL_QUESTION, CTL_NEGATIVE, CTL_POSITIVE, CTL_NCLASSES };
static const char *const ctl_class_names[CTL_NCLASSES] = {
	"question", "negative", "positive"
};
static const char *const ctl_class_colors[CTL_NCLASSES] = {
	"\033[1;33m", "\033[1;31m", "\033[1;32m"	/* yellow, red, green */
};
#define CTL_DIM		"\033[2m"
#define CTL_BOLD	"\033[1m"
#define CTL_RESET	"\033[0m"

enum tail_mode {
	TAIL_STREAM,		/* XREAD from now (or the start) */
	TAIL_GROUP,		/* XREADGROUP and XACK */
	TAIL_LIVE,		/* SUBSCRIBE */
};

/* What `mentionctl tail` is asked to do, and where it is. */
struct tail {
	struct redisurl		 target;
	const char		*url;
	const char		*prefix;
	enum tail_mode		 mode;
	int			 from_start;
	const char		*group;
	char			*consumer;
	long long		 count;		/* stop after this many; 0 never */
	long long		 printed;
	int			 color;

	size_t			 nkeys;
	char			*keys[CTL_NCLASSES];	/* streams or channels */
	int			 classes[CTL_NCLASSES];	/* CTL_* of each key */
	char			*last[CTL_NCLASSES];	/* last stream id read */
	redisContext		*c;
};

/* One stream entry of a read, to be printed in id order across streams. */
struct tail_item {
	size_t			 key;
	const redisReply	*entry;
	unsigned long long	 ms, seq;
};

/* What a tail round ended with. */
enum {
	TAIL_FATAL = -1,	/* an error retrying will not mend */
	TAIL_LOST = 1,		/* the connection dropped: reconnect */
	TAIL_DONE = 2,		/* --count reached */
};

/* Print a one-line warning to stderr. */
static void __attribute__((format(printf, 1, 2)))
ctl_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("mentionctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Print the usage and exit with STATUS. */
static void __attribute__((noreturn))
ctl_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mentionctl tail [--class question|negative|positive|all] [--live]\n"
	    "           [--redis URL] [--prefix P] [--from-start]\n"
	    "           [--group G [--consumer C]] [--count N] [--no-color]\n"
	    "       mentionctl check-config [--plugin-dir DIR] FILE\n"
	    "       mentionctl classify [--jsonl] [--lang en|fr] < TEXTS\n"
	    "       mentionctl match -q QUERY | --config FILE < TEXTS\n"
	    "       mentionctl dedup [--config FILE] [--near-distance K]\n"
	    "           [--min-words N] < MENTIONS.jsonl\n"
	    "       mentionctl parse PLUGIN [--url URL] [--charset CS]\n"
	    "           [--set KEY=VALUE]... FILE...\n"
	    "       mentionctl --help | --version\n"
	    "\n"
	    "tail          follow mentiond's alerts and print one per line\n"
	    "  --class C   question, negative, positive, or all (default: question\n"
	    "              and negative; all adds positive)\n"
	    "  --live      subscribe to the pub/sub channels instead of the streams\n"
	    "  --redis URL redis://[user@]host[:port][/db] or unix:///path (default\n"
	    "              $MENTIOND_REDIS_URL, else " CTL_DEFAULT_URL ");\n"
	    "              the password comes from $REDISCLI_AUTH or\n"
	    "              $MENTIOND_REDIS_PASSWORD\n"
	    "  --prefix P  key prefix (default " CTL_DEFAULT_PREFIX ")\n"
	    "  --from-start  read the streams from their first entry, not from now\n"
	    "  --group G   read as consumer C of group G (created when missing) and\n"
	    "              acknowledge each alert printed; C defaults to the host name\n"
	    "  --count N   stop after N alerts\n"
	    "  --no-color  no colours (also when NO_COLOR is set or not a terminal)\n"
	    "check-config  check a configuration file and the plugins it names\n"
	    "classify, match, dedup  run one stage of the daemon on stdin (each\n"
	    "              has --help)\n"
	    "parse         run a connector's parser on a saved response body and\n"
	    "              print the mentions as JSON lines\n");
	exit(status);
}

/* The name of a target for messages: "127.0.0.1:6379" or the socket path. */
static char *
ctl_target_name(const struct redisurl *t)
{
	if (t->path != NULL)
		return xstrdup(t->path);
	if (strchr(t->host, ':') != NULL)
		return xasprintf("[%s]:%d", t->host, t->port);
	return xasprintf("%s:%d", t->host, t->port);
}

/* Run one command and keep only whether it succeeded; *cause set on error. */
static int
ctl_simple(redisContext *c, int argc, const char **argv, char **cause)
{
	redisReply *r;
	int rc = 0;

	r = redisCommandArgv(c, argc, argv, NULL);
	if (r == NULL) {
		*cause = xasprintf("%s: %s", argv[0], c->errstr);
		return -1;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		*cause = xasprintf("%s: %s", argv[0], r->str);
		rc = -1;
	}
	freeReplyObject(r);
	return rc;
}

/* ctl_connect - connect to T, authenticate and select its database. Returns
 * the context, or NULL with *cause set. */
static redisContext *
ctl_connect(const struct redisurl *t, char **cause)
{
	struct timeval tv = { CTL_CONNECT_TIMEOUT, 0 };
	const char *argv[3], *password;
	char *name, *why = NULL, db[16];
	redisContext *c;
	int argc;

	name = ctl_target_name(t);
	if (t->path != NULL)
		c = redisConnectUnixWithTimeout(t->path, tv);
	else
		c = redisConnectWithTimeout(t->host, t->port, tv);
	if (c == NULL) {
		*cause = xasprintf("%s: cannot allocate a connection", name);
		goto fail;
	}
	if (c->err != 0) {
		*cause = xasprintf("%s: %s", name, c->errstr);
		goto fail;
	}
	if (t->path == NULL)
		redisEnableKeepAlive(c);

	password = t->password;
	if (password == NULL)
		password = getenv("REDISCLI_AUTH");
	if (password == NULL || *password == '\0')
		password = getenv("MENTIOND_REDIS_PASSWORD");
	if (password != NULL && *password != '\0') {
		argc = 0;
		argv[argc++] = "AUTH";
		if (t->user != NULL)
			argv[argc++] = t->user;
		argv[argc++] = password;
		if (ctl_simple(c, argc, argv, &why) != 0)
			goto failwhy;
	}
	if (t->db != 0) {
		snprintf(db, sizeof(db), "%d", t->db);
		argv[0] = "SELECT";
		argv[1] = db;
		if (ctl_simple(c, 2, argv, &why) != 0)
			goto failwhy;
	}
	free(name);
	return c;
failwhy:
	*cause = xasprintf("%s: %s", name, why);
	free(why);
fail:
	if (c != NULL)
		redisFree(c);
	free(name);
	return NULL;
}

/*
 * Text shown on a terminal.
 */

/* text_clean - S (LEN bytes) made safe and flat for one terminal line: invalid
 * UTF-8 becomes U+FFFD, control, line and space characters become one space,
 * bidirectional overrides are dropped, the ends are trimmed (malloc'd). */
static char *
text_clean(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t n, left = (utf8proc_ssize_t)len;
	utf8proc_int32_t cp;
	utf8proc_category_t cat;
	char *out, *o;
	int space = 0;

	out = o = xmalloc(len * 3 + 1);
	while (left > 0) {
		n = utf8proc_iterate(p, left, &cp);
		if (n <= 0) {
			cp = 0xfffd;
			n = 1;
		}
		p += n;
		left -= n;
		if ((cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			continue;
		cat = utf8proc_category(cp);
		if (cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_ZS ||
		    cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP) {
			space = o != out;
			continue;
		}
		if (space) {
			*o++ = ' ';
			space = 0;
		}
		o += utf8proc_encode_char(cp, (utf8proc_uint8_t *)o);
	}
	*o = '\0';
	return out;
}

/* The columns one code point takes on a terminal. */
static int
text_cpwidth(utf8proc_int32_t cp)
{
	int w = utf8proc_charwidth(cp);

	return w > 0 ? w : 0;
}

/* text_width - the columns S (clean UTF-8) takes on a terminal. */
static size_t
text_width(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t n;
	utf8proc_int32_t cp;
	size_t w = 0;

	while (*p != '\0' && (n = utf8proc_iterate(p, -1, &cp)) > 0) {
		w += (size_t)text_cpwidth(cp);
		p += n;
	}
	return w;
}

/* text_fit - how many bytes of S (clean UTF-8) to print in COLS columns: all
 * of it when it fits, else a prefix ending on a code point boundary that
 * leaves one column for an ellipsis (*cut is then set). */
static size_t
text_fit(const char *s, size_t cols, int *cut)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t n;
	utf8proc_int32_t cp;
	size_t w = 0, keep = 0;
	int cw;

	*cut = 0;
	if (text_width(s) <= cols)
		return strlen(s);
	*cut = 1;
	while (*p != '\0' && (n = utf8proc_iterate(p, -1, &cp)) > 0) {
		cw = text_cpwidth(cp);
		if (w + (size_t)cw + 1 > cols)
			break;
		w += (size_t)cw;
		p += n;
		keep = (size_t)(p - (const utf8proc_uint8_t *)s);
	}
	while (keep > 0 && s[keep - 1] == ' ')
		keep--;
	return keep;
}

/* The terminal's width, $COLUMNS when stdout is not a terminal, else 0 (do
 * not shorten). */
static size_t
ctl_columns(void)
{
	struct winsize ws;
	const char *env;
	long v;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		return ws.ws_col;
	if ((env = getenv("COLUMNS")) != NULL && (v = atol(env)) > 0)
		return (size_t)v;
	return 0;
}

/*
 * Alerts.
 */

/* alert_time - parse an RFC 3339 time ("2024-05-01T14:03:07.5+02:00") or a
 * number of unix seconds (milliseconds when that large). 0 or -1. */
static int
alert_time(const cJSON *v, time_t *out)
{
	int64_t t;
	double x;

	if (cJSON_IsNumber(v)) {
		x = v->valuedouble;
		if (x <= 0)
			return -1;
		if (x > 1e11)
			x /= 1000;
		*out = (time_t)x;
		return 0;
	}
	if (!cJSON_IsString(v))
		return -1;
	if (timefmt_rfc3339(v->valuestring, &t) != 0)
		return -1;
	*out = (time_t)t;
	return 0;
}

/* A string member of OBJ cleaned for the terminal, or NULL when absent or
 * empty. */
static char *
alert_string(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	char *s;

	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return NULL;
	s = text_clean(v->valuestring, strlen(v->valuestring));
	if (*s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* The alert's author as "@handle", else the name, else "-". */
static char *
alert_author(const cJSON *doc)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, "author");
	char *handle = NULL, *out;

	if (cJSON_IsString(a))
		handle = text_clean(a->valuestring, strlen(a->valuestring));
	else if (cJSON_IsObject(a)) {
		handle = alert_string(a, "handle");
		if (handle == NULL && (out = alert_string(a, "name")) != NULL)
			return out;
	}
	if (handle == NULL || *handle == '\0') {
		free(handle);
		return xstrdup("-");
	}
	out = xasprintf("%s%s", *handle == '@' ? "" : "@", handle);
	free(handle);
	return out;
}

/* The alert's track: "track", else the first of "tracks", else "-". */
static char *
alert_track(const cJSON *doc)
{
	const cJSON *a;
	char *s;

	if ((s = alert_string(doc, "track")) != NULL)
		return s;
	a = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "tracks"), 0);
	if (cJSON_IsString(a) && a->valuestring[0] != '\0')
		return text_clean(a->valuestring, strlen(a->valuestring));
	return xstrdup("-");
}

/* Print S (clean UTF-8) in colour COLOR when colours are on. */
static void
alert_put(FILE *f, const struct tail *t, const char *color, const char *s,
    size_t len)
{
	if (t->color && color != NULL)
		fputs(color, f);
	fwrite(s, 1, len, f);
	if (t->color && color != NULL)
		fputs(CTL_RESET, f);
}

/* alert_print - print the alert document JSON (LEN bytes) of class KLASS on
 * one line: local time, class, priority, track, source, @author, the text cut
 * to the terminal's width, the URL. WHERE names the entry in warnings. Returns
 * 0, or -1 when the document is malformed (a warning is printed). */
static int
alert_print(struct tail *t, int klass, const char *where, const char *json,
    size_t len)
{
	char stamp[32], prio[16], *track, *source, *author, *text, *url;
	const cJSON *v;
	cJSON *doc;
	size_t cols, head, avail, keep;
	struct tm tm;
	time_t when;
	int cut;

	doc = cJSON_ParseWithLength(json, len);
	if (!cJSON_IsObject(doc)) {
		ctl_warn("skipping malformed alert %s: %s", where,
		    doc == NULL ? "not JSON" : "not a JSON object");
		cJSON_Delete(doc);
		return -1;
	}
	text = alert_string(doc, "text");
	if (text == NULL)
		text = alert_string(doc, "title");
	url = alert_string(doc, "url");
	if (text == NULL && url == NULL) {
		ctl_warn("skipping malformed alert %s: no text, title or url",
		    where);
		cJSON_Delete(doc);
		return -1;
	}
	if (text == NULL)
		text = xstrdup("");

	if (alert_time(cJSON_GetObjectItemCaseSensitive(doc, "published_at"),
	    &when) != 0 &&
	    alert_time(cJSON_GetObjectItemCaseSensitive(doc, "seen_at"),
	    &when) != 0)
		when = time(NULL);
	localtime_r(&when, &tm);
	strftime(stamp, sizeof(stamp), "%m-%d %H:%M", &tm);
	v = cJSON_GetObjectItemCaseSensitive(doc, "priority");
	if (cJSON_IsNumber(v))
		snprintf(prio, sizeof(prio), "%.2f", v->valuedouble);
	else
		snprintf(prio, sizeof(prio), "-");
	track = alert_track(doc);
	if ((source = alert_string(doc, "source")) == NULL)
		source = xstrdup("-");
	author = alert_author(doc);
	cJSON_Delete(doc);

	/* Everything but the text, and a space before the text and the URL. */
	head = strlen(stamp) + 1 + strlen(ctl_class_names[klass]) + 1 +
	    strlen(prio) + 1 + text_width(track) + 1 + text_width(source) + 1 +
	    text_width(author) + 1;
	if (url != NULL)
		head += 1 + text_width(url);
	cols = ctl_columns();
	avail = cols > head + CTL_MIN_TEXT ? cols - head : CTL_MIN_TEXT;
	keep = cols != 0 ? text_fit(text, avail, &cut) : strlen(text);
	if (cols == 0)
		cut = 0;

	alert_put(stdout, t, CTL_DIM, stamp, strlen(stamp));
	fputc(' ', stdout);
	alert_put(stdout, t, ctl_class_colors[klass], ctl_class_names[klass],
	    strlen(ctl_class_names[klass]));
	fputc(' ', stdout);
	alert_put(stdout, t, CTL_DIM, prio, strlen(prio));
	fputc(' ', stdout);
	alert_put(stdout, t, CTL_DIM, track, strlen(track));
	fputc(' ', stdout);
	alert_put(stdout, t, CTL_DIM, source, strlen(source));
	fputc(' ', stdout);
	alert_put(stdout, t, CTL_BOLD, author, strlen(author));
	fputc(' ', stdout);
	fwrite(text, 1, keep, stdout);
	if (cut)
		fputs("\u2026", stdout);
	if (url != NULL) {
		fputc(' ', stdout);
		alert_put(stdout, t, CTL_DIM, url, strlen(url));
	}
	fputc('\n', stdout);
	fflush(stdout);

	free(track);
	free(source);
	free(author);
	free(text);
	free(url);
	t->printed++;
	return 0;
}

/* Whether --count has been reached. */
static int
tail_done(const struct tail *t)
{
	return t->count > 0 && t->printed >= t->count;
}

/*
 * Reading the streams and the channels.
 */

/* tail_command - run ARGV; 0 with *reply set, TAIL_FATAL on an error reply,
 * TAIL_LOST when the connection failed; *cause set on both. */
static int
tail_command(struct tail *t, int argc, const char **argv, redisReply **reply,
    char **cause)
{
	redisReply *r;

	*reply = NULL;
	r = redisCommandArgv(t->c, argc, argv, NULL);
	if (r == NULL) {
		*cause = xasprintf("%s: %s", argv[0], t->c->errstr[0] != '\0' ?
		    t->c->errstr : "connection lost");
		return TAIL_LOST;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		if (strncmp(r->str, "WRONGTYPE", 9) == 0)
			*cause = xasprintf("%s: %s (is the queue a list, "
			    "queue = list? try --live)", argv[0], r->str);
		else
			*cause = xasprintf("%s: %s", argv[0], r->str);
		freeReplyObject(r);
		return TAIL_FATAL;
	}
	*reply = r;
	return 0;
}

/* Parse a stream id "MS-SEQ"; 0 or -1. */
static int
tail_parse_id(const char *id, unsigned long long *ms, unsigned long long *seq)
{
	char *end;

	errno = 0;
	*ms = strtoull(id, &end, 10);
	if (errno != 0 || end == id || *end != '-')
		return -1;
	id = end + 1;
	*seq = strtoull(id, &end, 10);
	if (errno != 0 || end == id || *end != '\0')
		return -1;
	return 0;
}

/* Order items by stream id, then by class. */
static int
tail_item_cmp(const void *a, const void *b)
{
	const struct tail_item *x = a, *y = b;

	if (x->ms != y->ms)
		return x->ms < y->ms ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* The index of stream or channel NAME, or -1. */
static int
tail_key_index(const struct tail *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nkeys; i++)
		if (strcmp(t->keys[i], name) == 0)
			return (int)i;
	return -1;
}

/* tail_entry - print the stream entry E ([id, [field, value, ...]]) of stream
 * KEY; a malformed entry is warned about and skipped. */
static void
tail_entry(struct tail *t, size_t key, const redisReply *e)
{
	const redisReply *fields, *data = NULL;
	char *where;
	size_t i;

	where = xasprintf("%s %s", t->keys[key], e->element[0]->str);
	fields = e->element[1];
	if (fields == NULL || fields->type != REDIS_REPLY_ARRAY) {
		ctl_warn("skipping alert %s: the entry was deleted", where);
		goto out;
	}
	for (i = 0; i + 1 < fields->elements; i += 2) {
		if (fields->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(fields->element[i]->str, "data") == 0 &&
		    fields->element[i + 1]->type == REDIS_REPLY_STRING)
			data = fields->element[i + 1];
	}
	if (data == NULL) {
		ctl_warn("skipping malformed alert %s: no data field", where);
		goto out;
	}
	alert_print(t, t->classes[key], where, data->str, data->len);
out:
	free(where);
}

/* tail_ack - acknowledge entry ID of stream KEY to the group. */
static int
tail_ack(struct tail *t, size_t key, const char *id, char **cause)
{
	const char *argv[4] = { "XACK", t->keys[key], t->group, id };
	redisReply *r;
	int rc;

	if ((rc = tail_command(t, 4, argv, &r, cause)) == 0)
		freeReplyObject(r);
	return rc;
}

/* tail_batch - print the entries of an XREAD/XREADGROUP reply R in id order,
 * remembering the last id of each stream and, in a group, acknowledging each.
 * Returns 0 to read on, TAIL_DONE, or an error. */
static int
tail_batch(struct tail *t, const redisReply *r, char **cause)
{
	struct tail_item *items = NULL;
	const redisReply *s, *entries, *e;
	size_t i, j, n = 0, cap = 0;
	int key, rc = 0;

	if (r->type == REDIS_REPLY_NIL)
		return 0;
	if (r->type != REDIS_REPLY_ARRAY) {
		*cause = xstrdup("unexpected reply to a stream read");
		return TAIL_FATAL;
	}
	for (i = 0; i < r->elements; i++) {
		s = r->element[i];
		if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
		    s->element[0]->type != REDIS_REPLY_STRING ||
		    (key = tail_key_index(t, s->element[0]->str)) == -1)
			continue;
		entries = s->element[1];
		if (entries->type != REDIS_REPLY_ARRAY)
			continue;
		for (j = 0; j < entries->elements; j++) {
			e = entries->element[j];
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[0]->type != REDIS_REPLY_STRING)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				items = xreallocarray(items, cap, sizeof(*items));
			}
			items[n].key = (size_t)key;
			items[n].entry = e;
			if (tail_parse_id(e->element[0]->str, &items[n].ms,
			    &items[n].seq) != 0)
				continue;
			n++;
		}
	}
	qsort(items, n, sizeof(*items), tail_item_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		if (tail_done(t)) {
			rc = TAIL_DONE;
			break;
		}
		e = items[i].entry;
		tail_entry(t, items[i].key, e);
		free(t->last[items[i].key]);
		t->last[items[i].key] = xstrdup(e->element[0]->str);
		if (t->mode == TAIL_GROUP)
			rc = tail_ack(t, items[i].key, e->element[0]->str, cause);
	}
	if (rc == 0 && tail_done(t))
		rc = TAIL_DONE;
	free(items);
	return rc;
}

/* tail_start_ids - where XREAD starts on each stream: 0-0 with --from-start,
 * else the stream's last id now (so nothing added between two reads is
 * missed, as "$" would). Kept across reconnections. */
static int
tail_start_ids(struct tail *t, char **cause)
{
	const char *args[6] = { "XREVRANGE", NULL, "+", "-", "COUNT", "1" };
	redisReply *r;
	size_t i;
	int rc;

	for (i = 0; i < t->nkeys; i++) {
		if (t->last[i] != NULL)
			continue;
		if (t->from_start) {
			t->last[i] = xstrdup("0-0");
			continue;
		}
		args[1] = t->keys[i];
		if ((rc = tail_command(t, 6, args, &r, cause)) != 0)
			return rc;
		if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
		    r->element[0]->type == REDIS_REPLY_ARRAY &&
		    r->element[0]->elements > 0 &&
		    r->element[0]->element[0]->type == REDIS_REPLY_STRING)
			t->last[i] = xstrdup(r->element[0]->element[0]->str);
		else
			t->last[i] = xstrdup("0-0");
		freeReplyObject(r);
	}
	return 0;
}

/* tail_streams - follow the streams with XREAD BLOCK until --count is reached
 * or something fails. */
static int
tail_streams(struct tail *t, char **cause)
{
	const char *argv[6 + 2 * CTL_NCLASSES] = {
		"XREAD", "COUNT", CTL_BATCH, "BLOCK", CTL_BLOCK_MS, "STREAMS"
	};
	redisReply *r;
	size_t i;
	int rc;

	if ((rc = tail_start_ids(t, cause)) != 0)
		return rc;
	for (;;) {
		for (i = 0; i < t->nkeys; i++) {
			argv[6 + i] = t->keys[i];
			argv[6 + t->nkeys + i] = t->last[i];
		}
		rc = tail_command(t, 6 + 2 * (int)t->nkeys, argv, &r, cause);
		if (rc != 0)
			return rc;
		rc = tail_batch(t, r, cause);
		freeReplyObject(r);
		if (rc != 0)
			return rc;
	}
}

/* tail_group_create - create the consumer group on every stream (and the
 * stream) when missing: from the start with --from-start, else from now. */
static int
tail_group_create(struct tail *t, char **cause)
{
	const char *argv[6] = { "XGROUP", "CREATE", NULL, t->group,
	    t->from_start ? "0" : "$", "MKSTREAM" };
	redisReply *r;
	size_t i;
	int rc;

	for (i = 0; i < t->nkeys; i++) {
		argv[2] = t->keys[i];
		rc = tail_command(t, 6, argv, &r, cause);
		if (rc == TAIL_FATAL && strstr(*cause, "BUSYGROUP") != NULL) {
			free(*cause);
			*cause = NULL;
			continue;
		}
		if (rc != 0)
			return rc;
		freeReplyObject(r);
	}
	return 0;
}

/* tail_group - read as a consumer of the group: first what this consumer was
 * given before and did not acknowledge, then new entries, acknowledging each
 * one printed. */
static int
tail_group(struct tail *t, char **cause)
{
	const char *argv[9 + 2 * CTL_NCLASSES] = {
		"XREADGROUP", "GROUP", t->group, t->consumer, "COUNT", CTL_BATCH
	};
	redisReply *r;
	size_t i, base;
	int rc, empty;

	if ((rc = tail_group_create(t, cause)) != 0)
		return rc;

	/* This consumer's pending entries, one stream at a time. */
	for (i = 0; i < t->nkeys; i++) {
		free(t->last[i]);
		t->last[i] = xstrdup("0");
		do {
			argv[6] = "STREAMS";
			argv[7] = t->keys[i];
			argv[8] = t->last[i];
			if ((rc = tail_command(t, 9, argv, &r, cause)) != 0)
				return rc;
			empty = r->type != REDIS_REPLY_ARRAY ||
			    r->elements == 0 ||
			    r->element[0]->type != REDIS_REPLY_ARRAY ||
			    r->element[0]->elements != 2 ||
			    r->element[0]->element[1]->type !=
			    REDIS_REPLY_ARRAY ||
			    r->element[0]->element[1]->elements == 0;
			rc = empty ? 0 : tail_batch(t, r, cause);
			freeReplyObject(r);
			if (rc != 0)
				return rc;
		} while (!empty);
	}

	/* New entries. */
	argv[6] = "BLOCK";
	argv[7] = CTL_BLOCK_MS;
	argv[8] = "STREAMS";
	base = 9;
	for (i = 0; i < t->nkeys; i++) {
		argv[base + i] = t->keys[i];
		argv[base + t->nkeys + i] = ">";
	}
	for (;;) {
		rc = tail_command(t, (int)(base + 2 * t->nkeys), argv, &r, cause);
		if (rc != 0)
			return rc;
		rc = tail_batch(t, r, cause);
		freeReplyObject(r);
		if (rc != 0)
			return rc;
	}
}

/* tail_live - subscribe to the channels and print each message. */
static int
tail_live(struct tail *t, char **cause)
{
	const char *argv[1 + CTL_NCLASSES] = { "SUBSCRIBE" };
	struct timeval none = { 0, 0 };
	redisReply *r;
	void *reply;
	size_t i;
	int key, rc;

	for (i = 0; i < t->nkeys; i++)
		argv[1 + i] = t->keys[i];
	redisSetTimeout(t->c, none);	/* a quiet channel is not a failure */
	if ((rc = tail_command(t, 1 + (int)t->nkeys, argv, &r, cause)) != 0)
		return rc;
	freeReplyObject(r);		/* the first confirmation */
	for (;;) {
		if (redisGetReply(t->c, &reply) != REDIS_OK || reply == NULL) {
			*cause = xasprintf("subscription: %s",
			    t->c->errstr[0] != '\0' ? t->c->errstr :
			    "connection lost");
			return TAIL_LOST;
		}
		r = reply;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    r->element[0]->type == REDIS_REPLY_STRING &&
		    strcmp(r->element[0]->str, "message") == 0 &&
		    r->element[1]->type == REDIS_REPLY_STRING &&
		    r->element[2]->type == REDIS_REPLY_STRING &&
		    (key = tail_key_index(t, r->element[1]->str)) != -1)
			alert_print(t, t->classes[key], r->element[1]->str,
			    r->element[2]->str, r->element[2]->len);
		freeReplyObject(r);
		if (tail_done(t))
			return TAIL_DONE;
	}
}

/* tail_run - connect and follow, reconnecting with backoff when the
 * connection drops after it first worked. Returns 0 or -1 (reported). */
static int
tail_run(struct tail *t)
{
	struct timeval tv = { CTL_READ_TIMEOUT, 0 };
	char *cause = NULL;
	int rc, connected = 0;
	unsigned backoff = 1;

	for (;;) {
		t->c = ctl_connect(&t->target, &cause);
		if (t->c == NULL) {
			if (!connected) {
				ctl_warn("redis: %s", cause);
				free(cause);
				return -1;
			}
			ctl_warn("redis: %s; retrying in %us", cause, backoff);
			free(cause);
			cause = NULL;
			sleep(backoff);
			backoff = backoff * 2 > CTL_BACKOFF_MAX ?
			    CTL_BACKOFF_MAX : backoff * 2;
			continue;
		}
		if (connected)
			ctl_warn("redis: connected again");
		connected = 1;
		backoff = 1;
		redisSetTimeout(t->c, tv);
		switch (t->mode) {
		case TAIL_STREAM:
			rc = tail_streams(t, &cause);
			break;
		case TAIL_GROUP:
			rc = tail_group(t, &cause);
			break;
		default:
			rc = tail_live(t, &cause);
			break;
		}
		redisFree(t->c);
		t->c = NULL;
		if (rc == TAIL_DONE)
			return 0;
		ctl_warn("redis: %s%s", cause,
		    rc == TAIL_LOST ? "; reconnecting" : "");
		free(cause);
		cause = NULL;
		if (rc == TAIL_FATAL)
			return -1;
	}
}

/* ctl_tail - `mentionctl tail`. */
static int
ctl_tail(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "class", required_argument, NULL, 'k' },
		{ "live", no_argument, NULL, 'l' },
		{ "redis", required_argument, NULL, 'r' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "from-start", no_argument, NULL, 's' },
		{ "group", required_argument, NULL, 'g' },
		{ "consumer", required_argument, NULL, 'C' },
		{ "count", required_argument, NULL, 'n' },
		{ "no-color", no_argument, NULL, 'N' },
		{ "no-colour", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *klass = NULL, *env, *consumer = NULL;
	char *cause = NULL, *end, host[256];
	struct tail t;
	int ch, live = 0, nocolor = 0, rc, i;
	size_t k;

	memset(&t, 0, sizeof(t));
	t.prefix = CTL_DEFAULT_PREFIX;
	env = getenv("MENTIOND_REDIS_URL");
	t.url = env != NULL && *env != '\0' ? env : CTL_DEFAULT_URL;
	while ((ch = getopt_long(argc, argv, "hn:", opts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			klass = optarg;
			break;
		case 'l':
			live = 1;
			break;
		case 'r':
			t.url = optarg;
			break;
		case 'p':
			t.prefix = optarg;
			break;
		case 's':
			t.from_start = 1;
			break;
		case 'g':
			t.group = optarg;
			break;
		case 'C':
			consumer = optarg;
			break;
		case 'n':
			errno = 0;
			t.count = strtoll(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    t.count < 1) {
				ctl_warn("--count: not a positive number: %s",
				    optarg);
				return 2;
			}
			break;
		case 'N':
			nocolor = 1;
			break;
		case 'h':
			ctl_usage(0);
		default:
			ctl_usage(2);
		}
	}
	if (optind != argc) {
		ctl_warn("tail: unexpected argument: %s", argv[optind]);
		return 2;
	}
	if (consumer != NULL && t.group == NULL) {
		ctl_warn("--consumer needs --group");
		return 2;
	}
	if (live && (t.group != NULL || t.from_start)) {
		ctl_warn("--live has no history: it cannot be used with %s",
		    t.group != NULL ? "--group" : "--from-start");
		return 2;
	}
	t.mode = live ? TAIL_LIVE : t.group != NULL ? TAIL_GROUP : TAIL_STREAM;

	if (klass == NULL || strcmp(klass, "all") == 0) {
		t.classes[t.nkeys++] = CTL_QUESTION;
		t.classes[t.nkeys++] = CTL_NEGATIVE;
		if (klass != NULL)
			t.classes[t.nkeys++] = CTL_POSITIVE;
	} else {
		for (i = 0; i < CTL_NCLASSES; i++)
			if (strcmp(klass, ctl_class_names[i]) == 0)
				t.classes[t.nkeys++] = i;
		if (t.nkeys == 0) {
			ctl_warn("--class: expected question, negative, "
			    "positive or all, not %s", klass);
			return 2;
		}
	}
	for (k = 0; k < t.nkeys; k++)
		t.keys[k] = xasprintf("%s:alerts:%s", t.prefix,
		    ctl_class_names[t.classes[k]]);

	if (t.group != NULL) {
		if (consumer == NULL) {
			if (gethostname(host, sizeof(host)) != 0)
				strcpy(host, "mentionctl");
			host[sizeof(host) - 1] = '\0';
			consumer = host;
		}
		t.consumer = xstrdup(consumer);
	}
	env = getenv("NO_COLOR");
	t.color = !nocolor && (env == NULL || *env == '\0') &&
	    isatty(STDOUT_FILENO);

	rc = 1;
	if (redisurl_parse(t.url, REDISURL_PASSWORD | REDISURL_EMPTYHOST,
	    &t.target, &cause) != 0) {
		ctl_warn("--redis: %s", cause);
		free(cause);
		goto out;
	}
	if (tail_run(&t) == 0)
		rc = 0;
out:
	redisurl_free(&t.target);
	for (k = 0; k < t.nkeys; k++) {
		free(t.keys[k]);
		free(t.last[k]);
	}
	free(t.consumer);
	return rc;
}

/* ctl_check_config - `mentionctl check-config [--plugin-dir DIR] FILE`. */
static int
ctl_check_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *plugin_dir = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "hP:", opts, NULL)) != -1) {
		switch (ch) {
		case 'P':
			plugin_dir = optarg;
			break;
		case 'h':
			ctl_usage(0);
		default:
			ctl_usage(2);
		}
	}
	if (argc - optind != 1) {
		ctl_warn("check-config: expected one FILE");
		return 2;
	}
	log_init(LOG_WARNING);
	return check_config(argv[optind], plugin_dir, stdout) == 0 ? 0 : 1;
}

/* mentionctl COMMAND [ARGS]: run COMMAND; exit 0, 1 on failure, 2 on misuse. */
int
main(int argc, char **argv)
{
	if (argc < 2)
		ctl_usage(2);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)
		ctl_usage(0);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("mentionctl %s\n", MENTIOND_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "tail") == 0)
		return ctl_tail(argc - 1, argv + 1);
	if (strcmp(argv[1], "check-config") == 0)
		return ctl_check_config(argc - 1, argv + 1);
	if (strcmp(argv[1], "classify") == 0)
		return ctl_classify_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "match") == 0)
		return ctl_match_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "dedup") == 0)
		return ctl_dedup_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "parse") == 0)
		return ctl_parse_main(argc - 1, argv + 1);
	ctl_warn("unknown command: %s (try mentionctl --help)", argv[1]);
	return 2;
}
