/*
 * sse.h - an incremental parser for streamed HTTP bodies. It is fed the bytes
 * of a response in whatever chunks they arrive and calls back once per
 * complete message, in one of two framings:
 *
 *   MD_STREAM_SSE    text/event-stream as the WHATWG HTML standard defines it:
 *                    "event", "data", "id" and "retry" fields, ":" comments
 *                    (heartbeats), lines ended by CR, LF or CRLF, a leading
 *                    UTF-8 BOM ignored, a blank line dispatching the message.
 *   MD_STREAM_LINES  one message per line (NDJSON); blank lines are
 *                    heartbeats.
 *
 * A line or a message longer than the parser's bound is an error: the stream
 * is then broken and its owner reconnects (after sse_reset).
 */
#ifndef SSE_H
#define SSE_H

#include <stddef.h>

#include "mentiond/plugin.h"

#define SSE_MAX_MESSAGE	(1024 * 1024)	/* default bound on a line or message */

struct sse_parser;

/* Called once per message; EV is valid during the call only. Return 0 to go
 * on, or -1 to make sse_feed return at once (the stream was cancelled). The
 * callback must not free the parser. */
typedef int	(*sse_event_fn)(const struct md_stream_event *ev, void *arg);

/* sse_new - a parser for FRAMING whose lines and messages may not exceed MAX
 * bytes (0 for SSE_MAX_MESSAGE), calling FN with ARG per message. */
struct sse_parser *sse_new(enum md_stream_framing framing, size_t max,
		    sse_event_fn fn, void *arg);
void		 sse_free(struct sse_parser *p);

/* sse_feed - parse LEN more bytes. Returns 0 when they were consumed, 1 when
 * the callback asked to stop, -1 with *CAUSE set (malloc'd) when a line or
 * message is too large; the parser then refuses input until sse_reset. */
int		 sse_feed(struct sse_parser *p, const void *buf, size_t len,
		    char **cause);
/* sse_finish - the stream ended cleanly: a last line without its newline is
 * delivered (lines framing); an unfinished SSE message is dropped, as the
 * standard says. Returns 0 or 1 as sse_feed does. */
int		 sse_finish(struct sse_parser *p);
/* sse_reset - forget partial input before a new connection; the last event id
 * and the retry delay are kept. */
void		 sse_reset(struct sse_parser *p);

/* sse_last_id - the last SSE id seen (for Last-Event-ID), or NULL. */
const char	*sse_last_id(const struct sse_parser *p);
/* sse_retry_ms - the last SSE "retry:" value in milliseconds, or -1. */
long		 sse_retry_ms(const struct sse_parser *p);
/* sse_comments - how many comments (SSE) or blank lines (lines) were seen. */
unsigned long	 sse_comments(const struct sse_parser *p);

#endif
