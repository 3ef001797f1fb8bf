/*
 * test_sse.c - the stream parser: SSE fields, multi-line data, comments, every
 * line ending, the BOM, the size bound and the lines framing, each input fed
 * in one chunk and byte by byte (the results must be the same).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"

#define MAX_EVENTS 32

struct got {
	int	 n;
	char	*event[MAX_EVENTS];
	char	*data[MAX_EVENTS];
	size_t	 len[MAX_EVENTS];
	char	*id[MAX_EVENTS];
	int	 stop_after;	/* return -1 after this many, 0 = never */
};

/* Record one message. */
static int
on_event(const struct md_stream_event *ev, void *arg)
{
	struct got *g = arg;

	assert_true(g->n < MAX_EVENTS);
	assert_int_equal(strlen(ev->data), ev->data_len);
	g->event[g->n] = ev->event != NULL ? strdup(ev->event) : NULL;
	g->data[g->n] = strdup(ev->data);
	g->len[g->n] = ev->data_len;
	g->id[g->n] = ev->id != NULL ? strdup(ev->id) : NULL;
	g->n++;
	return g->stop_after != 0 && g->n >= g->stop_after ? -1 : 0;
}

static void
got_clear(struct got *g)
{
	int i;

	for (i = 0; i < g->n; i++) {
		free(g->event[i]);
		free(g->data[i]);
		free(g->id[i]);
	}
	memset(g, 0, sizeof(*g));
}

/* Feed INPUT (LEN bytes) whole (BYTEWISE 0) or one byte at a time. */
static int
feed(struct sse_parser *p, const char *input, size_t len, int bytewise)
{
	char *cause = NULL;
	size_t i;
	int rc = 0;

	if (!bytewise)
		rc = sse_feed(p, input, len, &cause);
	else
		for (i = 0; i < len && rc == 0; i++)
			rc = sse_feed(p, input + i, 1, &cause);
	if (rc == -1) {
		assert_non_null(cause);
		assert_non_null(strstr(cause, "larger than"));
	}
	free(cause);
	return rc;
}

/* Parse INPUT with FRAMING both ways and check the same messages come out. */
static void
parse_both(enum md_stream_framing framing, const char *input, size_t len,
    struct got *out)
{
	struct got g2;
	struct sse_parser *p;
	int i;

	memset(out, 0, sizeof(*out));
	p = sse_new(framing, 0, on_event, out);
	assert_int_equal(feed(p, input, len, 0), 0);
	sse_free(p);

	memset(&g2, 0, sizeof(g2));
	p = sse_new(framing, 0, on_event, &g2);
	assert_int_equal(feed(p, input, len, 1), 0);
	sse_free(p);

	assert_int_equal(out->n, g2.n);
	for (i = 0; i < out->n; i++) {
		assert_int_equal(out->len[i], g2.len[i]);
		assert_string_equal(out->data[i], g2.data[i]);
		if (out->event[i] != NULL)
			assert_string_equal(out->event[i], g2.event[i]);
		if (out->id[i] != NULL)
			assert_string_equal(out->id[i], g2.id[i]);
	}
	got_clear(&g2);
}

static void
test_fields(void **state)
{
	static const char in[] =
	    "event: add\n"
	    "data: first\n"
	    "id: 7\n"
	    "\n"
	    "data:no space\n"
	    "\n"
	    "data:  two spaces\n"
	    "unknown: field\n"
	    "\n";
	struct got g;

	(void)state;
	parse_both(MD_STREAM_SSE, in, sizeof(in) - 1, &g);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.event[0], "add");
	assert_string_equal(g.data[0], "first");
	assert_string_equal(g.id[0], "7");
	assert_string_equal(g.event[1], "message");	/* reset after dispatch */
	assert_string_equal(g.data[1], "no space");
	assert_string_equal(g.id[1], "7");		/* the id persists */
	assert_string_equal(g.data[2], " two spaces");	/* one space is cut */
	got_clear(&g);
}

static void
test_multiline_and_comments(void **state)
{
	static const char in[] =
	    ": a comment\n"
	    ":another\n"
	    "data: one\n"
	    ": between\n"
	    "data: two\n"
	    "data\n"
	    "data: three\n"
	    "\n"
	    "event: empty-is-dropped\n"
	    "\n"
	    "data\n"
	    "\n";
	struct sse_parser *p;
	struct got g;

	(void)state;
	parse_both(MD_STREAM_SSE, in, sizeof(in) - 1, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.data[0], "one\ntwo\n\nthree");
	assert_string_equal(g.data[1], "");	/* "data" alone: empty data */
	assert_string_equal(g.event[1], "message");
	got_clear(&g);

	p = sse_new(MD_STREAM_SSE, 0, on_event, &g);
	assert_int_equal(feed(p, in, sizeof(in) - 1, 0), 0);
	assert_int_equal(sse_comments(p), 3);
	sse_free(p);
	got_clear(&g);
}

static void
test_line_endings(void **state)
{
	static const char in[] =
	    "data: lf\n\n"
	    "data: crlf\r\n\r\n"
	    "data: cr\r\r"
	    "data: a\rdata: b\r\n\n";
	struct got g;

	(void)state;
	parse_both(MD_STREAM_SSE, in, sizeof(in) - 1, &g);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.data[0], "lf");
	assert_string_equal(g.data[1], "crlf");
	assert_string_equal(g.data[2], "cr");
	assert_string_equal(g.data[3], "a\nb");
	got_clear(&g);
}

static void
test_id_and_retry(void **state)
{
	static const char in[] =
	    "retry: 2500\n"
	    "id: abc\n"
	    "data: x\n\n"
	    "retry: 12x\n"
	    "id\n"
	    "data: y\n\n";
	struct sse_parser *p;
	struct got g;

	(void)state;
	memset(&g, 0, sizeof(g));
	p = sse_new(MD_STREAM_SSE, 0, on_event, &g);
	assert_int_equal(sse_retry_ms(p), -1);
	assert_null(sse_last_id(p));
	assert_int_equal(feed(p, in, 30, 1), 0);	/* up to the first event */
	assert_int_equal(g.n, 1);
	assert_string_equal(g.id[0], "abc");
	assert_string_equal(sse_last_id(p), "abc");
	assert_int_equal(sse_retry_ms(p), 2500);
	assert_int_equal(feed(p, in + 30, sizeof(in) - 1 - 30, 0), 0);
	assert_int_equal(g.n, 2);
	assert_null(g.id[1]);				/* "id" empty resets */
	assert_int_equal(sse_retry_ms(p), 2500);	/* not digits: ignored */

	/* A reconnect keeps id and retry but drops the partial message, and
	 * its id too: that message was never had, so Last-Event-ID stays at
	 * the last one dispatched (none since "id" emptied it). */
	assert_int_equal(feed(p, "id: 9\ndata: partial\n", 20, 0), 0);
	assert_null(sse_last_id(p));
	sse_reset(p);
	assert_null(sse_last_id(p));
	assert_int_equal(feed(p, "data: after\n\n", 13, 0), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.data[2], "after");
	sse_free(p);
	got_clear(&g);
}

static void
test_bom(void **state)
{
	static const char with[] = "\xef\xbb\xbf" "data: x\n\n";
	static const char bad[] = "\xef\xbb" "data: y\n\n";
	struct got g;

	(void)state;
	parse_both(MD_STREAM_SSE, with, sizeof(with) - 1, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.data[0], "x");
	got_clear(&g);

	/* Not a whole BOM: the bytes belong to the first line's field name, so
	 * the field is unknown and nothing is dispatched. */
	parse_both(MD_STREAM_SSE, bad, sizeof(bad) - 1, &g);
	assert_int_equal(g.n, 0);
	got_clear(&g);
}

static void
test_oversized(void **state)
{
	struct sse_parser *p;
	char big[200];
	char *cause = NULL;
	struct got g;

	(void)state;
	memset(&g, 0, sizeof(g));
	memset(big, 'a', sizeof(big));

	/* One line over the bound. Its message's id counts as reached, so
	 * that a resume skips it rather than failing on it for ever. */
	p = sse_new(MD_STREAM_SSE, 100, on_event, &g);
	assert_int_equal(feed(p, "id: 5\ndata: ", 12, 0), 0);
	assert_int_equal(feed(p, big, sizeof(big), 0), -1);
	assert_int_equal(sse_feed(p, "\n\n", 2, &cause), -1);	/* stays broken */
	assert_string_equal(cause, "message larger than 100 bytes");
	free(cause);
	sse_reset(p);
	assert_string_equal(sse_last_id(p), "5");
	assert_int_equal(feed(p, "data: ok\n\n", 10, 0), 0);
	assert_int_equal(g.n, 1);
	sse_free(p);

	/* Many short data lines adding up to more than the bound. */
	p = sse_new(MD_STREAM_SSE, 100, on_event, &g);
	for (int i = 0; i < 12; i++)
		if (feed(p, "data: 0123456789\n", 17, 1) != 0)
			break;
	assert_int_equal(feed(p, "\n", 1, 0), -1);
	assert_int_equal(g.n, 1);
	sse_free(p);

	/* Lines framing. */
	p = sse_new(MD_STREAM_LINES, 100, on_event, &g);
	assert_int_equal(feed(p, big, sizeof(big), 1), -1);
	sse_free(p);
	got_clear(&g);
}

static void
test_lines(void **state)
{
	static const char in[] =
	    "{\"n\": 1}\n"
	    "\n"
	    "  \r\n"
	    "{\"n\": 2}\r\n"
	    "{\"n\": 3}";
	struct sse_parser *p;
	struct got g;

	(void)state;
	parse_both(MD_STREAM_LINES, in, sizeof(in) - 1, &g);
	assert_int_equal(g.n, 2);	/* the last line has no newline yet */
	assert_string_equal(g.data[0], "{\"n\": 1}");
	assert_null(g.event[0]);
	assert_null(g.id[0]);
	assert_string_equal(g.data[1], "{\"n\": 2}");
	got_clear(&g);

	p = sse_new(MD_STREAM_LINES, 0, on_event, &g);
	assert_int_equal(feed(p, in, sizeof(in) - 1, 1), 0);
	assert_int_equal(sse_comments(p), 2);
	assert_int_equal(sse_finish(p), 0);	/* clean end: last line too */
	assert_int_equal(g.n, 3);
	assert_string_equal(g.data[2], "{\"n\": 3}");
	sse_free(p);
	got_clear(&g);

	/* An SSE stream's unfinished message is dropped at the end. */
	p = sse_new(MD_STREAM_SSE, 0, on_event, &g);
	assert_int_equal(feed(p, "data: half", 10, 0), 0);
	assert_int_equal(sse_finish(p), 0);
	assert_int_equal(g.n, 0);
	sse_free(p);
}

static void
test_stop(void **state)
{
	static const char in[] = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
	struct sse_parser *p;
	struct got g;

	(void)state;
	memset(&g, 0, sizeof(g));
	g.stop_after = 2;
	p = sse_new(MD_STREAM_SSE, 0, on_event, &g);
	assert_int_equal(sse_feed(p, in, sizeof(in) - 1, NULL), 1);
	assert_int_equal(g.n, 2);
	sse_free(p);
	got_clear(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_multiline_and_comments),
		cmocka_unit_test(test_line_endings),
		cmocka_unit_test(test_id_and_retry),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
