/*
 * sse.c - the incremental stream parser (see sse.h): bytes in, one callback
 * per server-sent event or per line out, with bounded buffers.
 */
#include <stdlib.h>
#include <string.h>

#include "sse.h"
#include "xmalloc.h"

struct sse_parser {
	enum md_stream_framing framing;
	size_t		 max;
	sse_event_fn	 fn;
	void		*arg;

	char		*line;		/* the line being read, NUL-terminated */
	size_t		 line_len;
	size_t		 line_cap;
	char		*data;		/* SSE data buffer, each line + "\n" */
	size_t		 data_len;
	size_t		 data_cap;
	char		*event;		/* SSE event type, NULL for "message" */
	char		*id;		/* last event id, NULL when none */
	char		*id_next;	/* an id field of the message being read */
	int		 id_pending;	/* id_next is set (NULL: an empty id) */
	long		 retry;		/* ms, -1 when never set */

	int		 cr;		/* last byte was CR: skip one LF */
	int		 bom;		/* BOM bytes matched; -1 once past */
	int		 failed;
	char		*cause;
	unsigned long	 comments;
};

static const unsigned char sse_bom[3] = { 0xef, 0xbb, 0xbf };

/* Grow *BUF (capacity *CAP) to hold NEED bytes plus a NUL. */
static void
sse_reserve(char **buf, size_t *cap, size_t need)
{
	size_t n = *cap == 0 ? 256 : *cap;

	if (need + 1 <= *cap)
		return;
	while (n < need + 1)
		n *= 2;
	*buf = xreallocarray(*buf, 1, n);
	*cap = n;
}

/* Create a parser for FRAMING bounded by MAX bytes. */
struct sse_parser *
sse_new(enum md_stream_framing framing, size_t max, sse_event_fn fn,
    void *arg)
{
	struct sse_parser *p = xcalloc(1, sizeof(*p));

	p->framing = framing;
	p->max = max == 0 ? SSE_MAX_MESSAGE : max;
	p->fn = fn;
	p->arg = arg;
	p->retry = -1;
	return p;
}

/* Free a parser (NULL is fine). */
void
sse_free(struct sse_parser *p)
{
	if (p == NULL)
		return;
	free(p->line);
	free(p->data);
	free(p->event);
	free(p->id);
	free(p->id_next);
	free(p->cause);
	free(p);
}

/* The message being read ends: its id field, if any, becomes the last event
 * id. Only then: an id whose message never came whole must not go out as
 * Last-Event-ID, or the server would resume past a message never had. */
static void
sse_commit_id(struct sse_parser *p)
{
	if (!p->id_pending)
		return;
	free(p->id);
	p->id = p->id_next;
	p->id_next = NULL;
	p->id_pending = 0;
}

/* Mark the parser broken by an oversized line or message. Its id, if read,
 * counts as reached: a resume skips the message that cannot be taken instead
 * of being sent it again for ever. */
static int
sse_fail(struct sse_parser *p, const char *what)
{
	sse_commit_id(p);
	p->failed = 1;
	free(p->cause);
	p->cause = xasprintf("%s larger than %zu bytes", what, p->max);
	p->line_len = 0;
	p->data_len = 0;
	return -1;
}

/* Hand the SSE message gathered so far to the callback and start afresh. */
static int
sse_dispatch(struct sse_parser *p)
{
	struct md_stream_event ev;
	int rc;

	if (p->data_len == 0) {
		free(p->event);
		p->event = NULL;
		return 0;
	}
	p->data[--p->data_len] = '\0';	/* the last line's "\n" */
	ev.event = p->event != NULL ? p->event : "message";
	ev.data = p->data;
	ev.data_len = p->data_len;
	ev.id = p->id;
	rc = p->fn(&ev, p->arg);
	p->data_len = 0;
	free(p->event);
	p->event = NULL;
	return rc != 0 ? 1 : 0;
}

/* Does the field NAME of length LEN equal WANT? */
static int
sse_field_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(name, want, len) == 0;
}

/* Is V (length LEN) a non-empty run of ASCII digits short enough for a long? */
static int
sse_digits(const char *v, size_t len)
{
	size_t i;

	if (len == 0 || len > 9)
		return 0;
	for (i = 0; i < len; i++)
		if (v[i] < '0' || v[i] > '9')
			return 0;
	return 1;
}

/* Interpret one complete SSE line held in p->line. */
static int
sse_line_sse(struct sse_parser *p)
{
	const char *line = p->line, *colon, *value;
	size_t len = p->line_len, nlen, vlen;

	if (len == 0) {
		sse_commit_id(p);
		return sse_dispatch(p);
	}
	if (line[0] == ':') {
		p->comments++;
		return 0;
	}
	colon = memchr(line, ':', len);
	if (colon != NULL) {
		nlen = colon - line;
		value = colon + 1;
		vlen = len - nlen - 1;
		if (vlen > 0 && *value == ' ') {
			value++;
			vlen--;
		}
	} else {
		nlen = len;
		value = line + len;
		vlen = 0;
	}

	if (sse_field_is(line, nlen, "data")) {
		if (p->data_len + vlen + 1 > p->max)
			return sse_fail(p, "message");
		sse_reserve(&p->data, &p->data_cap, p->data_len + vlen + 1);
		memcpy(p->data + p->data_len, value, vlen);
		p->data_len += vlen;
		p->data[p->data_len++] = '\n';
		p->data[p->data_len] = '\0';
	} else if (sse_field_is(line, nlen, "event")) {
		free(p->event);
		p->event = xstrndup(value, vlen);
	} else if (sse_field_is(line, nlen, "id")) {
		if (memchr(value, '\0', vlen) == NULL) {
			free(p->id_next);
			p->id_next = vlen == 0 ? NULL : xstrndup(value, vlen);
			p->id_pending = 1;
		}
	} else if (sse_field_is(line, nlen, "retry")) {
		if (sse_digits(value, vlen))
			p->retry = strtol(value, NULL, 10);
	}
	return 0;
}

/* Interpret one complete line of the lines framing held in p->line. */
static int
sse_line_lines(struct sse_parser *p)
{
	struct md_stream_event ev;
	size_t i;

	for (i = 0; i < p->line_len; i++)
		if (p->line[i] != ' ' && p->line[i] != '\t')
			break;
	if (i == p->line_len) {
		p->comments++;
		return 0;
	}
	ev.event = NULL;
	ev.data = p->line;
	ev.data_len = p->line_len;
	ev.id = NULL;
	return p->fn(&ev, p->arg) != 0 ? 1 : 0;
}

/* Cut BUF into lines and interpret each complete one. */
static int
sse_input(struct sse_parser *p, const char *b, size_t len)
{
	size_t i;
	int rc;

	while (len > 0) {
		if (p->cr) {
			p->cr = 0;
			if (*b == '\n') {
				b++;
				len--;
				continue;
			}
		}
		for (i = 0; i < len && b[i] != '\r' && b[i] != '\n'; i++)
			;
		if (i > 0) {
			if (p->line_len + i > p->max)
				return sse_fail(p, p->framing == MD_STREAM_SSE ?
				    "message" : "line");
			sse_reserve(&p->line, &p->line_cap, p->line_len + i);
			memcpy(p->line + p->line_len, b, i);
			p->line_len += i;
		}
		if (p->line != NULL)
			p->line[p->line_len] = '\0';
		if (i == len)
			break;
		if (b[i] == '\r')
			p->cr = 1;
		b += i + 1;
		len -= i + 1;

		if (p->line == NULL)
			sse_reserve(&p->line, &p->line_cap, 0);
		if (p->framing == MD_STREAM_SSE)
			rc = sse_line_sse(p);
		else
			rc = sse_line_lines(p);
		p->line_len = 0;
		p->line[0] = '\0';
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Parse LEN more bytes, calling back per complete message. */
int
sse_feed(struct sse_parser *p, const void *buf, size_t len, char **cause)
{
	const unsigned char *b = buf;
	size_t n;
	int rc;

	if (p->failed)
		goto fail;

	/* A UTF-8 BOM may open the stream, split over chunks like anything. */
	while (p->bom >= 0 && p->bom < 3 && len > 0) {
		if (*b == sse_bom[p->bom]) {
			p->bom++;
			b++;
			len--;
			continue;
		}
		n = p->bom;
		p->bom = -1;
		if ((rc = sse_input(p, (const char *)sse_bom, n)) != 0)
			goto out;
	}
	if (p->bom == 3)
		p->bom = -1;
	if (len == 0)
		return 0;
	if (p->bom >= 0)
		return 0;
	rc = sse_input(p, (const char *)b, len);
out:
	if (rc != -1)
		return rc;
fail:
	if (cause != NULL)
		*cause = xstrdup(p->cause);
	return -1;
}

/* End of stream: deliver a last unterminated line (lines framing), drop the
 * rest. */
int
sse_finish(struct sse_parser *p)
{
	int rc = 0;

	if (!p->failed && p->framing == MD_STREAM_LINES && p->line_len > 0)
		rc = sse_line_lines(p);
	sse_reset(p);
	return rc;
}

/* Drop partial input before a reconnect, keeping the id of the last message
 * ended and the retry. */
void
sse_reset(struct sse_parser *p)
{
	free(p->id_next);
	p->id_next = NULL;
	p->id_pending = 0;
	p->line_len = 0;
	if (p->line != NULL)
		p->line[0] = '\0';
	p->data_len = 0;
	free(p->event);
	p->event = NULL;
	p->cr = 0;
	p->bom = 0;
	p->failed = 0;
}

/* The last SSE id seen, or NULL. */
const char *
sse_last_id(const struct sse_parser *p)
{
	return p->id;
}

/* The server's reconnect delay in ms, or -1. */
long
sse_retry_ms(const struct sse_parser *p)
{
	return p->retry;
}

/* The count of comments or blank heartbeat lines. */
unsigned long
sse_comments(const struct sse_parser *p)
{
	return p->comments;
}
