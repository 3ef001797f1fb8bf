/*
 * http.h - the HTTP engine: libcurl's multi socket interface driven by the
 * libevent loop (the hiperfifo pattern). One engine serves every source. It
 * offers one-shot fetches, polls (conditional GET, Retry-After, rate-limit
 * headers, exponential backoff with jitter) and streams (SSE or line framing,
 * stall detection, reconnect with backoff and Last-Event-ID).
 *
 * Requests carry an owner label (the source name) used in log lines. The
 * response and event structs are those of the plugin ABI (mentiond/plugin.h).
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "mentiond/plugin.h"

struct event_base;
struct http_engine;
struct http_req;	/* a fetch, a poll or a stream */

struct http_options {
	const char	*user_agent;		/* default "mentiond/VERSION" */
	double		 connect_timeout;	/* seconds, default 10 */
	double		 low_speed_time;	/* abort below 1 B/s for this long, default 30 */
	size_t		 max_body;		/* bytes per response, default 8 MiB */
	int		 max_per_host;		/* concurrent transfers per host, default 4 */
	double		 backoff_min;		/* first retry delay, default 1 s */
	double		 backoff_max;		/* cap, default 300 s */
};

typedef void (*http_done_fn)(const struct md_http_response *resp, void *arg);
typedef void (*http_event_fn)(const struct md_stream_event *ev, void *arg);

/* http_new - an engine on BASE; OPTS may be NULL for the defaults. */
struct http_engine *http_new(struct event_base *base,
		    const struct http_options *opts);
/* http_free - abort every transfer (no callbacks) and free the engine. */
void		 http_free(struct http_engine *eng);

/* http_fetch - one GET; DONE is called exactly once, unless the request is
 * cancelled before. The request is freed when DONE returns. */
struct http_req	*http_fetch(struct http_engine *eng, const char *owner,
		    const struct md_http_request *req, http_done_fn done,
		    void *arg);
/* http_post - one POST of BODY (LEN bytes, copied), otherwise as http_fetch;
 * the Content-Type is one of REQ's headers. */
struct http_req	*http_post(struct http_engine *eng, const char *owner,
		    const struct md_http_request *req, const void *body,
		    size_t len, http_done_fn done, void *arg);
/* http_poll - GET now and every INTERVAL seconds; DONE sees 2xx bodies only.
 * 304 is skipped; errors are logged and retried with backoff. */
struct http_req	*http_poll(struct http_engine *eng, const char *owner,
		    const struct md_http_request *req, double interval,
		    http_done_fn done, void *arg);
void		 http_poll_set_url(struct http_req *poll, const char *url);
/* http_poll_bounds - make POLL adaptive: after a response with new items the
 * interval halves, after one without (or a 304) it grows by a quarter,
 * always within [MIN, MAX] seconds. */
void		 http_poll_bounds(struct http_req *poll, double min, double max);
/* http_poll_fresh - from inside POLL's callback: the response held N new
 * items (a changed body that is not reported counts as news). */
void		 http_poll_fresh(struct http_req *poll, int n);
/* http_stream - long-lived GET, one callback per message, reconnecting. */
struct http_req	*http_stream(struct http_engine *eng, const char *owner,
		    const struct md_stream_request *req, http_event_fn fn,
		    void *arg);
/* http_cancel - stop a request and free it; no callback follows. Safe from
 * inside that request's own callback. */
void		 http_cancel(struct http_req *req);
/* http_response_header - the value of header NAME (the last one) of RESP, a
 * response this engine handed to a fetch or poll callback; NULL when absent.
 * Valid during that callback only. */
const char	*http_response_header(const struct md_http_response *resp,
		    const char *name);

/* http_retry_after - the seconds a Retry-After VALUE asks for (delta seconds
 * or an HTTP date), at most an hour; 0 when it is past or not one. */
double		 http_retry_after(const char *value);

/* http_active - transfers in progress (for status lines and tests). */
size_t		 http_active(const struct http_engine *eng);

#endif
