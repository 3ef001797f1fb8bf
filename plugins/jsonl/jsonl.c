/*
 * jsonl.c - the jsonl connector: tails a file of JSON lines, one mention per
 * line, the way `tail -F` would. It reads whole lines only, in large blocks,
 * follows appends, truncation and rotation, and keeps a durable cursor (inode,
 * offset, line number) so that a restart resumes exactly where it stopped.
 *
 * Settings:
 *   path         the file to tail (required)
 *   from         start | end: where to begin when there is no cursor
 *   replay_rate  lines per second, 0 = as fast as possible
 *
 * Each line is an object: id (string or number, required), author (a handle,
 * or {handle, name, followers}), text (required unless title), url, title,
 * published (RFC 3339 or unix seconds), lang, score, replies, reposts.
 */
/* pread(2), fstat(2) and clock_gettime(2) under -std=c11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "mentiond/plugin.h"
#include "jsonget.h"
#include "ptime.h"
#include "strbuf.h"

#define JSONL_MAX_LINE		(1024 * 1024)	/* longer lines are skipped */
#define JSONL_BLOCK		(1024 * 1024)	/* one read */
#define JSONL_SLICE_BYTES	(256 * 1024)	/* per callback, then yield to the loop */
#define JSONL_MISSING_EVERY	60		/* seconds between warnings */

struct jsonl {
	/* Settings, filled by the host before start(). */
	const char		*path;
	const char		*from;
	long long		 replay_rate;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	struct md_task		*more;		/* continue reading soon */
	int			 from_end;
	int			 fd;		/* -1 while the file is missing */
	dev_t			 dev;
	ino_t			 ino;

	char			*buf;		/* data read, not yet consumed */
	size_t			 cap, len, pos;
	long long		 buf_off;	/* file offset of buf[0] */
	int			 skipping;	/* inside an overlong line */

	long long		 line;		/* lines consumed */
	long long		 cur_off;	/* file offset after them */

	/* The cursor: where to resume when the file is (re)opened. */
	int			 have_cursor;
	unsigned long long	 cursor_ino;
	long long		 cursor_off;
	long long		 cursor_line;
	/* What was last written to the state, to skip idle writes. */
	unsigned long long	 saved_ino;
	long long		 saved_off, saved_line;

	double			 tokens;	/* replay: lines allowed now */
	int			 backed_up;	/* emit said: stop for now */
	double			 per_tick;
	double			 missing_logged; /* monotonic seconds, 0 = never */
};

/* One parsed line: the mention points into root and idbuf. */
struct jsonl_item {
	cJSON			*root;
	char			 idbuf[32];
	struct md_mention	 m;
};

static void	jsonl_run(struct jsonl *j, long long budget);

/* The number member KEY of OBJ as a long long, or DEF. */
static long long
jsonl_number(const cJSON *obj, const char *key, long long def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < -9e18 || v->valuedouble > 9e18)
		return def;
	return (long long)v->valuedouble;
}

/*
 * Parse one line (LEN bytes, no newline) into IT. Returns 0 (free IT->root
 * with cJSON_Delete), or -1 with *WHY set to a short reason.
 */
static int
jsonl_parse(const char *line, size_t len, struct jsonl_item *it,
    const char **why)
{
	static const struct md_mention init = MD_MENTION_INIT;
	const cJSON *id, *author, *published;
	const char *end = NULL, *s;
	double v;

	memset(it, 0, sizeof(*it));
	it->m = init;
	it->root = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	if (it->root == NULL) {
		*why = "bad JSON";
		return -1;
	}
	for (s = end; s != NULL && s < line + len; s++) {
		if (*s != ' ' && *s != '\t' && *s != '\r') {
			*why = "bad JSON";
			goto fail;
		}
	}
	if (!cJSON_IsObject(it->root)) {
		*why = "not a JSON object";
		goto fail;
	}

	id = cJSON_GetObjectItemCaseSensitive(it->root, "id");
	if (cJSON_IsString(id) && id->valuestring[0] != '\0')
		it->m.id = id->valuestring;
	else if (cJSON_IsNumber(id) && isfinite(id->valuedouble)) {
		v = id->valuedouble;
		if (v == floor(v) && fabs(v) < 9e18)
			snprintf(it->idbuf, sizeof(it->idbuf), "%lld",
			    (long long)v);
		else
			snprintf(it->idbuf, sizeof(it->idbuf), "%.17g", v);
		it->m.id = it->idbuf;
	} else {
		*why = id == NULL ? "no 'id'" : "'id' is not a string or number";
		goto fail;
	}

	it->m.text = jsonget_str(it->root, "text");
	it->m.title = jsonget_str(it->root, "title");
	if (it->m.text == NULL && it->m.title == NULL) {
		*why = "no 'text' or 'title'";
		goto fail;
	}
	it->m.url = jsonget_str(it->root, "url");
	it->m.lang = jsonget_str(it->root, "lang");

	author = cJSON_GetObjectItemCaseSensitive(it->root, "author");
	if (cJSON_IsString(author))
		it->m.author_handle = author->valuestring;
	else if (cJSON_IsObject(author)) {
		it->m.author_handle = jsonget_str(author, "handle");
		it->m.author_name = jsonget_str(author, "name");
		it->m.author_followers = jsonl_number(author, "followers", -1);
		if (it->m.author_followers < 0)
			it->m.author_followers = -1;
	}

	published = cJSON_GetObjectItemCaseSensitive(it->root, "published");
	if (cJSON_IsString(published)) {
		if (ptime_seconds(published->valuestring, 0,
		    &it->m.published) != 0)
			it->m.published = 0;
	} else if (cJSON_IsNumber(published))
		it->m.published = jsonl_number(it->root, "published", 0);
	if (it->m.published < 0)
		it->m.published = 0;

	it->m.score = jsonl_number(it->root, "score", -1);
	it->m.replies = jsonl_number(it->root, "replies", -1);
	it->m.reposts = jsonl_number(it->root, "reposts", -1);
	return 0;

fail:
	cJSON_Delete(it->root);
	it->root = NULL;
	return -1;
}

/* Handle one complete line, numbered j->line. */
static void
jsonl_line(struct jsonl *j, const char *line, size_t len)
{
	struct jsonl_item it;
	const char *why;
	size_t i;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
	    line[len - 1] == '\t'))
		len--;
	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			break;
	if (i == len)
		return;	/* blank lines are allowed */
	if (len > JSONL_MAX_LINE) {
		j->host->log(j->src, MD_LOG_ERR, "%s:%lld: line longer than "
		    "1 MiB, skipped", j->path, j->line);
		return;
	}
	if (jsonl_parse(line, len, &it, &why) != 0) {
		j->host->log(j->src, MD_LOG_WARNING, "%s:%lld: %s, skipped",
		    j->path, j->line, why);
		return;
	}
	if (j->host->emit(j->src, &it.m) == 1)
		j->backed_up = 1;	/* stop this batch; a timer goes on */
	cJSON_Delete(it.root);
}

/* Record the cursor in the durable state if it moved. */
static void
jsonl_save_cursor(struct jsonl *j)
{
	char v[32];

	if (j->fd == -1 || (j->saved_ino == (unsigned long long)j->ino &&
	    j->saved_off == j->cur_off && j->saved_line == j->line))
		return;
	snprintf(v, sizeof(v), "%llu", (unsigned long long)j->ino);
	j->host->state_set(j->src, "inode", v);
	snprintf(v, sizeof(v), "%lld", j->cur_off);
	j->host->state_set(j->src, "offset", v);
	snprintf(v, sizeof(v), "%lld", j->line);
	j->host->state_set(j->src, "line", v);
	j->saved_ino = (unsigned long long)j->ino;
	j->saved_off = j->cur_off;
	j->saved_line = j->line;

	j->have_cursor = 1;
	j->cursor_ino = j->saved_ino;
	j->cursor_off = j->cur_off;
	j->cursor_line = j->line;
}

/* Load the cursor from the durable state. */
static void
jsonl_load_cursor(struct jsonl *j)
{
	const char *ino, *off, *line;
	char *end;

	ino = j->host->state_get(j->src, "inode");
	off = j->host->state_get(j->src, "offset");
	line = j->host->state_get(j->src, "line");
	if (ino == NULL || off == NULL || line == NULL)
		return;
	j->cursor_ino = strtoull(ino, &end, 10);
	if (*end != '\0')
		return;
	j->cursor_off = strtoll(off, &end, 10);
	if (*end != '\0' || j->cursor_off < 0)
		return;
	j->cursor_line = strtoll(line, &end, 10);
	if (*end != '\0' || j->cursor_line < 0)
		return;
	j->have_cursor = 1;
}

/* Count the lines in the first SIZE bytes of the open file. */
static long long
jsonl_count_lines(struct jsonl *j, long long size)
{
	long long off = 0, n = 0;
	const char *p, *e;
	ssize_t got;

	while (off < size) {
		got = pread(j->fd, j->buf, j->cap, off);
		if (got <= 0)
			break;
		if (got > size - off)
			got = (ssize_t)(size - off);
		for (p = j->buf, e = j->buf + got;
		    (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
			n++;
		off += got;
	}
	return n;
}

/* Reset the read position to OFF, with LINE lines before it. */
static void
jsonl_seek(struct jsonl *j, long long off, long long line)
{
	j->buf_off = j->cur_off = off;
	j->line = line;
	j->len = j->pos = 0;
	j->skipping = 0;
}

/* Open the file and decide where to start. Returns 0, or -1 while missing. */
static int
jsonl_open(struct jsonl *j)
{
	struct stat st;
	char last;
	double now;

	j->fd = open(j->path, O_RDONLY | O_CLOEXEC);
	if (j->fd == -1) {
		now = ptime_now();
		if (j->missing_logged == 0 ||
		    now - j->missing_logged >= JSONL_MISSING_EVERY) {
			j->host->log(j->src, MD_LOG_WARNING, "%s: cannot open: "
			    "%s (waiting for it)", j->path, strerror(errno));
			j->missing_logged = now;
		}
		/* When it appears, all of it is new. */
		if (!j->have_cursor) {
			j->have_cursor = 1;
			j->cursor_ino = 0;
			j->cursor_off = j->cursor_line = 0;
		}
		return -1;
	}
	if (fstat(j->fd, &st) == -1) {
		j->host->log(j->src, MD_LOG_ERR, "%s: fstat: %s", j->path,
		    strerror(errno));
		close(j->fd);
		j->fd = -1;
		return -1;
	}
	j->missing_logged = 0;
	j->dev = st.st_dev;
	j->ino = st.st_ino;

	if (j->have_cursor && j->cursor_ino == (unsigned long long)st.st_ino &&
	    j->cursor_off <= (long long)st.st_size) {
		jsonl_seek(j, j->cursor_off, j->cursor_line);
		j->host->log(j->src, MD_LOG_INFO, "%s: resuming at line %lld",
		    j->path, j->line + 1);
	} else if (j->have_cursor) {
		jsonl_seek(j, 0, 0);
		if (j->cursor_ino != 0)
			j->host->log(j->src, MD_LOG_NOTICE, "%s: not the file "
			    "of the saved cursor (rotated or truncated), "
			    "reading from the start", j->path);
	} else if (j->from_end) {
		jsonl_seek(j, (long long)st.st_size,
		    jsonl_count_lines(j, (long long)st.st_size));
		/* A line still being written is not an existing line, but
		 * its start is not ours to read either. */
		if (st.st_size > 0 && pread(j->fd, &last, 1, st.st_size - 1) ==
		    1 && last != '\n')
			j->skipping = 1;
	} else
		jsonl_seek(j, 0, 0);
	j->saved_ino = 0;
	jsonl_save_cursor(j);
	return 0;
}

/*
 * Consume up to BUDGET complete lines from the open file. FINAL: the file
 * will not grow (it was rotated away), so a last line without newline counts.
 * Sets *AT_EOF when everything readable was consumed. Returns the number of
 * lines consumed.
 */
static long long
jsonl_pump(struct jsonl *j, long long budget, int final, int *at_eof)
{
	long long consumed = 0;
	size_t read_bytes = 0, n;
	char *nl;
	ssize_t got;

	*at_eof = 0;
	for (;;) {
		while (consumed < budget && !j->backed_up && j->pos < j->len &&
		    (nl = memchr(j->buf + j->pos, '\n', j->len - j->pos)) !=
		    NULL) {
			n = (size_t)(nl - (j->buf + j->pos));
			j->line++;
			if (j->skipping)
				j->skipping = 0;
			else
				jsonl_line(j, j->buf + j->pos, n);
			j->pos += n + 1;
			j->cur_off = j->buf_off + (long long)j->pos;
			consumed++;
		}
		if (consumed >= budget || j->backed_up)
			break;

		/* What is left is part of one line. */
		if (!j->skipping && j->len - j->pos > JSONL_MAX_LINE) {
			j->host->log(j->src, MD_LOG_ERR, "%s:%lld: line longer "
			    "than 1 MiB, skipped", j->path, j->line + 1);
			j->skipping = 1;
		}
		if (j->skipping) {
			j->buf_off += (long long)j->len;
			j->len = j->pos = 0;
		} else if (j->pos > 0) {
			memmove(j->buf, j->buf + j->pos, j->len - j->pos);
			j->buf_off += (long long)j->pos;
			j->len -= j->pos;
			j->pos = 0;
		}
		if (read_bytes >= JSONL_SLICE_BYTES)
			break;

		got = pread(j->fd, j->buf + j->len, j->cap - j->len,
		    (off_t)(j->buf_off + (long long)j->len));
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			j->host->log(j->src, MD_LOG_ERR, "%s: read: %s",
			    j->path, strerror(errno));
			break;
		}
		if (got == 0) {
			*at_eof = 1;
			break;
		}
		j->len += (size_t)got;
		read_bytes += (size_t)got;
	}

	if (final && *at_eof && j->len > j->pos) {
		j->line++;
		if (!j->skipping)
			jsonl_line(j, j->buf + j->pos, j->len - j->pos);
		j->skipping = 0;
		j->pos = j->len;
		j->cur_off = j->buf_off + (long long)j->pos;
		consumed++;
	}
	return consumed;
}

/* Whether the file at the path is no longer the one open. */
static int
jsonl_rotated(struct jsonl *j)
{
	struct stat st;

	if (stat(j->path, &st) == -1)
		return errno == ENOENT;
	return st.st_ino != j->ino || st.st_dev != j->dev;
}

/* The "read more soon" timer fired. */
static void
jsonl_more_cb(struct md_source *src, void *arg)
{
	struct jsonl *j = arg;

	j->more = NULL;		/* a one-shot timer is freed after this */
	jsonl_run(j, j->replay_rate > 0 ? (long long)j->tokens : LLONG_MAX);
}

/*
 * Read what is new, at most BUDGET lines: open the file if needed, notice a
 * truncation, finish a rotated file and move to its successor.
 */
static void
jsonl_run(struct jsonl *j, long long budget)
{
	long long consumed = 0;
	struct stat st;
	int at_eof = 0, turns;

	j->backed_up = 0;
	for (turns = 0; turns < 4 && consumed < budget; turns++) {
		if (j->fd == -1 && jsonl_open(j) != 0)
			break;
		if (fstat(j->fd, &st) == 0 &&
		    (long long)st.st_size < j->buf_off + (long long)j->len) {
			j->host->log(j->src, MD_LOG_NOTICE, "%s: truncated, "
			    "reading from the start", j->path);
			jsonl_seek(j, 0, 0);
		}
		consumed += jsonl_pump(j, budget - consumed, 0, &at_eof);
		if (!at_eof || !jsonl_rotated(j))
			break;
		/* Rotated: finish the old file, then take the new one. */
		consumed += jsonl_pump(j, LLONG_MAX, 1, &at_eof);
		jsonl_save_cursor(j);
		j->host->log(j->src, MD_LOG_INFO, "%s: rotated after line %lld, "
		    "following the new file", j->path, j->line);
		close(j->fd);
		j->fd = -1;
		j->have_cursor = 1;
		j->cursor_ino = 0;
		j->cursor_off = j->cursor_line = 0;
		j->missing_logged = ptime_now();	/* a gap is expected */
	}
	jsonl_save_cursor(j);
	if (j->replay_rate > 0) {
		j->tokens -= (double)consumed;
		if (j->tokens < 0)
			j->tokens = 0;
	} else if (j->fd != -1 && !at_eof && j->more == NULL)
		j->more = j->host->timer_add(j->src, 0, 0, jsonl_more_cb, j);
}

/* The file changed, or the safety timer ticked. */
static void
jsonl_watch_cb(struct md_source *src, void *arg)
{
	struct jsonl *j = arg;

	jsonl_run(j, j->replay_rate > 0 ? (long long)j->tokens : LLONG_MAX);
}

/* Replay pacing: allow another tick's worth of lines and read them. */
static void
jsonl_pace_cb(struct md_source *src, void *arg)
{
	struct jsonl *j = arg;

	j->tokens += j->per_tick;
	if (j->tokens > j->per_tick)
		j->tokens = j->per_tick;
	jsonl_run(j, (long long)j->tokens);
}

/* Begin tailing for one source. */
static int
jsonl_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct jsonl *j = ctx;
	double tick;

	j->src = src;
	j->host = host;
	j->fd = -1;
	if (strcmp(j->from, "start") == 0)
		j->from_end = 0;
	else if (strcmp(j->from, "end") == 0)
		j->from_end = 1;
	else {
		*cause = strbuf_msg("from must be 'start' or 'end', not '%s'",
		    j->from);
		return -1;
	}
	if (j->replay_rate < 0) {
		*cause = strbuf_msg("replay_rate must be 0 or more lines per "
		    "second, not %lld", j->replay_rate);
		return -1;
	}
	j->cap = JSONL_MAX_LINE + JSONL_BLOCK;
	if ((j->buf = malloc(j->cap)) == NULL) {
		*cause = strbuf_msg("out of memory");
		return -1;
	}
	jsonl_load_cursor(j);

	if (host->file_watch(src, j->path, jsonl_watch_cb, j) == NULL) {
		*cause = strbuf_msg("cannot watch %s", j->path);
		goto fail;
	}
	if (j->replay_rate > 0) {
		tick = j->replay_rate >= 20 ? 0.05 : 1.0 / (double)j->replay_rate;
		j->per_tick = (double)j->replay_rate * tick;
		if (host->timer_add(src, tick, tick, jsonl_pace_cb, j) == NULL) {
			*cause = strbuf_msg("cannot add the replay timer");
			goto fail;
		}
	}
	/* The first read, from the loop rather than from here. */
	j->more = host->timer_add(src, 0, 0, jsonl_more_cb, j);
	return 0;

fail:
	free(j->buf);
	j->buf = NULL;
	return -1;
}

/* Stop: the host cancels the tasks and keeps the cursor already set. */
static void
jsonl_stop(struct md_source *src, void *ctx)
{
	struct jsonl *j = ctx;

	if (j->fd != -1)
		close(j->fd);
	j->fd = -1;
	free(j->buf);
	j->buf = NULL;
}

/* md_plugin.parse: every line of a saved file; a bad line is reported in
 * *cause (the first one) and skipped, as the running source does. */
static int
jsonl_parse_body(void *ctx, const struct md_http_response *resp,
    md_parse_fn emit, void *arg, char **cause)
{
	const char *p = resp->body, *end = resp->body + resp->body_len, *eol;
	const char *why;
	struct jsonl_item it;
	long long line = 0;
	size_t len, i;
	int n = 0;

	(void)ctx;
	for (; p < end; p = eol + 1) {
		line++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		len = (size_t)(eol - p);
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' ' ||
		    p[len - 1] == '\t'))
			len--;
		for (i = 0; i < len && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		if (i == len)
			continue;
		if (len > JSONL_MAX_LINE)
			why = "line longer than 1 MiB";
		else if (jsonl_parse(p, len, &it, &why) == 0) {
			n++;
			if (emit(arg, &it.m) != 0) {
				cJSON_Delete(it.root);
				break;
			}
			cJSON_Delete(it.root);
			continue;
		}
		if (*cause == NULL)
			*cause = strbuf_msg("line %lld: %s, skipped (and any "
			    "later bad line)", line, why);
	}
	return n;
}

static const struct md_setting jsonl_settings[] = {
	{ "path", MD_SET_STRING, NULL, offsetof(struct jsonl, path),
	    MD_SETTING_REQUIRED, "the file of JSON lines to tail" },
	{ "from", MD_SET_STRING, "start", offsetof(struct jsonl, from), 0,
	    "start or end: where to begin when there is no saved cursor" },
	{ "replay_rate", MD_SET_INT, "0", offsetof(struct jsonl, replay_rate),
	    0, "lines per second, 0 for as fast as possible" },
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "jsonl",
	.version = "1.0",
	.description = "tails a file of JSON lines, one mention per line",
	.settings = jsonl_settings,
	.ctx_size = sizeof(struct jsonl),
	.start = jsonl_start,
	.stop = jsonl_stop,
	.parse = jsonl_parse_body,
};
