/*
 * http.c - the HTTP engine (see http.h). libcurl's multi socket interface is
 * driven by the libevent loop exactly as curl's hiperfifo example does it:
 *
 *   - one libevent timer for the multi handle, armed by CURLMOPT_TIMERFUNCTION
 *     (which never calls libcurl itself: a 0 ms timeout arms a 0 ms event);
 *   - one persistent event per socket, created by CURLMOPT_SOCKETFUNCTION and
 *     found again through curl_multi_assign;
 *   - each transfer's request found again through CURLINFO_PRIVATE;
 *   - curl_multi_info_read drained after every curl_multi_socket_action, and a
 *     CURLMsg never touched after its easy handle is removed.
 *
 * No user callback runs inside a libcurl callback: stream bytes are gathered by
 * the write callback and parsed after curl_multi_socket_action returns, so a
 * callback may start or cancel requests freely. A request cancelled from its
 * own callback is marked deleted and freed when the callback returns (the
 * idea of hiredis's libevent adapter); the engine does the same when freed
 * from inside a callback.
 *
 * Fetches and polls are limited per host (host:port), extra ones waiting in a
 * FIFO; a host's Retry-After or exhausted rate limit holds that FIFO. Streams
 * are long-lived and are not counted against the per-host limit.
 */
#include <sys/queue.h>
#include <sys/time.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "http.h"
#include "log.h"
#include "sse.h"
#include "timefmt.h"
#include "version.h"
#include "xmalloc.h"

#define HTTP_DEFAULT_TIMEOUT	120.0	/* whole fetch or poll, seconds */
#define HTTP_DEFAULT_STALL	60.0	/* stream silence before reconnecting */
#define HTTP_MAX_REDIRECTS	5
#define HTTP_MAX_SERVER_WAIT	3600.0	/* cap on Retry-After, rate-limit waits */
#define HTTP_HEADERS_MAX	65536	/* response header bytes kept for plugins */
#define HTTP_STREAM_UNPARSED	SSE_MAX_MESSAGE	/* stream bytes held unparsed */

enum http_kind {
	HTTP_FETCH,
	HTTP_POLL,
	HTTP_STREAM,
};

struct http_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* One host:port: its running transfers, its wait queue and its hold. */
struct http_host {
	struct http_engine	*eng;
	char			*key;
	int			 active;
	double			 not_before;	/* monotonic; held until then */
	struct event		*wake;
	TAILQ_HEAD(, http_req)	 waitq;
	TAILQ_ENTRY(http_host)	 entry;
};

/* One socket libcurl asked us to watch. */
struct http_sock {
	struct http_engine	*eng;
	curl_socket_t		 fd;
	struct event		*ev;
	LIST_ENTRY(http_sock)	 entry;
};

struct http_req {
	struct http_engine	*eng;
	enum http_kind		 kind;
	char			*owner;
	char			*url;
	char			**headers;	/* NULL-terminated copies */
	char			*post;		/* POST body, NULL for a GET */
	size_t			 post_len;
	double			 timeout;
	struct http_host	*host;		/* NULL for streams */

	http_done_fn		 done;
	http_event_fn		 efn;
	void			*arg;

	int			 deleted;	/* cancelled; free when in_cb drops */
	int			 in_cb;		/* inside the user's callback */
	int			 queued;	/* in host->waitq */
	int			 dirty;		/* in eng->dirty: stream bytes to parse */
	int			 paused;	/* stream paused until its bytes are parsed */

	/* The transfer in progress, if any. */
	CURL			*easy;
	struct curl_slist	*slist;
	char			 errbuf[CURL_ERROR_SIZE];
	struct http_buf		 body;		/* response body, or unparsed stream bytes */
	int			 too_big;
	double			 started;
	char			*h_etag;	/* response headers of interest */
	char			*h_lastmod;
	char			*h_retry_after;
	char			*h_rl_remaining;
	char			*h_rl_reset;
	struct http_buf		 h_all;		/* every "Name: value\0" line */

	struct event		*timer;		/* next poll, reconnect, deferred error */
	char			*launch_error;
	int			 failures;	/* in a row, for the backoff */
	char			*fail_logged;	/* the failure last warned of */
	double			 fail_since;	/* when the failures began */

	/* Polls. */
	double			 interval;	/* now; between the bounds */
	double			 min_interval;	/* adaptive when max > 0 */
	double			 max_interval;
	int			 fresh;		/* new items reported, -1: none */
	int			 unframed;	/* the body ended with the connection */
	char			*etag;
	char			*lastmod;

	/* Streams. */
	enum md_stream_framing	 framing;
	struct sse_parser	*sse;
	double			 stall_timeout;
	struct event		*stall;
	double			 last_byte;
	double			 last_body;	/* last 2xx body bytes, or 0 */
	unsigned long		 events;	/* messages on this connection */
	char			*abort_reason;

	TAILQ_ENTRY(http_req)	 qentry;
	TAILQ_ENTRY(http_req)	 dentry;
	LIST_ENTRY(http_req)	 entry;
};

/* A response as handed to a fetch or poll callback, with its headers. */
struct http_resp {
	struct md_http_response	 pub;		/* first: callbacks see this */
	const struct http_buf	*headers;	/* NULL when none */
};

struct http_engine {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct http_options	 opts;
	char			*user_agent;
	size_t			 active;
	int			 depth;		/* inside our event handlers */
	int			 dying;		/* http_free called inside a handler */
	TAILQ_HEAD(, http_host)	 hosts;
	TAILQ_HEAD(, http_req)	 dirty;
	LIST_HEAD(, http_req)	 reqs;
	LIST_HEAD(, http_sock)	 socks;
};

static void	http_launch(struct http_req *);
static void	http_submit(struct http_req *);
static void	http_host_next(struct http_host *);
static void	http_req_free(struct http_req *);
static void	http_stream_retry(struct http_req *, double, const char *);

/* The monotonic clock in seconds. */
static double
http_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The wall clock in seconds (for HTTP dates and epoch timestamps). */
static double
http_wallclock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Arm timer EV to fire after SECS seconds (0 or less: at once). */
static void
http_evtimer(struct event *ev, double secs)
{
	struct timeval tv;

	if (secs < 0)
		secs = 0;
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	evtimer_add(ev, &tv);
}

/* The delay before retry number FAILURES: backoff_min doubling up to
 * backoff_max, with +-25% jitter so that sources do not retry in step. */
static double
http_backoff(const struct http_engine *eng, int failures)
{
	double d = eng->opts.backoff_min, max = eng->opts.backoff_max;
	int i;

	for (i = 1; i < failures && d < max; i++)
		d *= 2;
	d *= 0.75 + 0.5 * (arc4random() / (double)UINT32_MAX);
	if (d > max)
		d = max;
	if (d < eng->opts.backoff_min)
		d = eng->opts.backoff_min;
	return d;
}

/* URL for a log line: the query may carry keys or tokens, so it is cut. */
static const char *
http_log_url(const char *url, char *buf, size_t size)
{
	const char *q = strchr(url, '?');

	if (q == NULL)
		return url;
	snprintf(buf, size, "%.*s?...", (int)(q - url), url);
	return buf;
}

/* Append LEN bytes to B, keeping a NUL after them. */
static void
http_buf_add(struct http_buf *b, const void *data, size_t len)
{
	size_t n;

	if (b->len + len + 1 > b->cap) {
		n = b->cap == 0 ? 4096 : b->cap;
		while (n < b->len + len + 1)
			n *= 2;
		b->p = xreallocarray(b->p, 1, n);
		b->cap = n;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

/* Copy a NULL-terminated header list, dropping lines with CR or LF (they
 * would inject headers). */
static char **
http_headers_copy(const char *owner, const char *const *headers)
{
	char **copy;
	size_t n = 0, i, j = 0;

	while (headers != NULL && headers[n] != NULL)
		n++;
	copy = xcalloc(n + 1, sizeof(*copy));
	for (i = 0; i < n; i++) {
		if (strpbrk(headers[i], "\r\n") != NULL) {
			log_warn(owner, "HTTP header with a line break ignored");
			continue;
		}
		copy[j++] = xstrdup(headers[i]);
	}
	return copy;
}

/* Is header NAME among the request's own headers? */
static int
http_has_header(struct http_req *req, const char *name)
{
	size_t len = strlen(name), i;

	for (i = 0; req->headers[i] != NULL; i++)
		if (strncasecmp(req->headers[i], name, len) == 0 &&
		    req->headers[i][len] == ':')
			return 1;
	return 0;
}

/* Forget the response headers gathered for the current transfer. */
static void
http_resp_headers_clear(struct http_req *req)
{
	free(req->h_etag);
	free(req->h_lastmod);
	free(req->h_retry_after);
	free(req->h_rl_remaining);
	free(req->h_rl_reset);
	req->h_etag = req->h_lastmod = req->h_retry_after = NULL;
	req->h_rl_remaining = req->h_rl_reset = NULL;
	req->h_all.len = 0;
}

/* "host:port" of URL, the key of the per-host limit ("" when unparsable:
 * libcurl then reports the bad URL itself). */
static char *
http_host_key(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *key;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK)
		key = xasprintf("%s:%s", host, port);
	else
		key = xstrdup("");
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return key;
}

/* Find or create the host record for URL. */
static struct http_host *
http_host_get(struct http_engine *eng, const char *url)
{
	struct http_host *host;
	char *key = http_host_key(url);

	TAILQ_FOREACH(host, &eng->hosts, entry) {
		if (strcasecmp(host->key, key) == 0) {
			free(key);
			return host;
		}
	}
	host = xcalloc(1, sizeof(*host));
	host->eng = eng;
	host->key = key;
	TAILQ_INIT(&host->waitq);
	TAILQ_INSERT_TAIL(&eng->hosts, host, entry);
	return host;
}

/* The host's hold may have ended: launch what waits there. */
static void
http_host_wake(evutil_socket_t fd, short what, void *arg)
{
	http_host_next(arg);
}

/* Launch waiting requests while the host has room and is not held. */
static void
http_host_next(struct http_host *host)
{
	struct http_engine *eng = host->eng;
	struct http_req *req;
	double now;

	if (eng->dying)
		return;
	now = http_now();
	while ((req = TAILQ_FIRST(&host->waitq)) != NULL &&
	    host->active < eng->opts.max_per_host) {
		if (host->not_before > now) {
			if (host->wake == NULL)
				host->wake = evtimer_new(eng->base,
				    http_host_wake, host);
			http_evtimer(host->wake, host->not_before - now);
			return;
		}
		TAILQ_REMOVE(&host->waitq, req, qentry);
		req->queued = 0;
		http_launch(req);
	}
}

/* Hold HOST for WAIT seconds from now (Retry-After, rate limit). */
static void
http_host_hold(struct http_host *host, double wait)
{
	double until = http_now() + wait;

	if (host != NULL && until > host->not_before)
		host->not_before = until;
}

/* A Retry-After value in seconds (see http.h). */
double
http_retry_after(const char *s)
{
	double v;
	char *end;
	time_t t;

	if (s == NULL)
		return 0;
	v = strtod(s, &end);
	while (end != s && (*end == ' ' || *end == '\t'))
		end++;
	if (end == s || *end != '\0' || !(v >= 0)) {
		t = curl_getdate(s, NULL);
		v = t != -1 ? (double)t - http_wallclock() : 0;
	}
	if (!(v > 0))
		return 0;
	return v > HTTP_MAX_SERVER_WAIT ? HTTP_MAX_SERVER_WAIT : v;
}

/* Seconds the server asked us to wait after this response: Retry-After on
 * 429 and 503 (delta seconds or an HTTP date), or the reset time of a
 * rate limit whose remaining count is 0 (seconds from now, or an epoch
 * timestamp). The request's host is held that long. */
static double
http_server_wait(struct http_req *req, long status)
{
	double wait = 0, w, v;
	const char *s;
	char *end;
	int64_t t64;

	/* 403 too: GitHub's secondary limits say Retry-After there. */
	if ((status == 429 || status == 503 || status == 403) &&
	    (w = http_retry_after(req->h_retry_after)) > wait)
		wait = w;
	if (req->h_rl_remaining != NULL && req->h_rl_reset != NULL) {
		v = strtod(req->h_rl_remaining, &end);
		if (end != req->h_rl_remaining && v <= 0) {
			s = req->h_rl_reset;
			v = strtod(s, &end);
			if (end != s && (*end == '\0' || *end == ' ')) {
				/* Beyond 2001 it cannot be a delay. */
				w = v > 1e9 ? v - http_wallclock() : v;
				if (w > wait)
					wait = w;
			} else if (timefmt_rfc3339(s, &t64) == 0 ||
			    (t64 = curl_getdate(s, NULL)) != -1) {
				/* Mastodon: an ISO 8601 time. */
				w = (double)t64 - http_wallclock();
				if (w > wait)
					wait = w;
			}
		}
	}
	if (wait > HTTP_MAX_SERVER_WAIT)
		wait = HTTP_MAX_SERVER_WAIT;
	if (wait > 0)
		http_host_hold(req->host, wait);
	return wait;
}

/* libcurl's header callback: note the response headers we act on. */
static size_t
http_header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_req *req = arg;
	size_t n = size * nmemb, nlen, vlen;
	const char *colon, *v;
	char **slot = NULL;

	if (req->kind == HTTP_STREAM)
		req->last_byte = http_now();
	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or 100 Continue). */
		http_resp_headers_clear(req);
		return n;
	}
	if ((colon = memchr(ptr, ':', n)) == NULL)
		return n;
	nlen = colon - ptr;
	if (req->kind != HTTP_STREAM && req->h_all.len + n < HTTP_HEADERS_MAX) {
		vlen = n;
		while (vlen > 0 && (ptr[vlen - 1] == '\r' || ptr[vlen - 1] == '\n'))
			vlen--;
		http_buf_add(&req->h_all, ptr, vlen);
		http_buf_add(&req->h_all, "", 1);
	}
#define HTTP_IS(name) (nlen == sizeof(name) - 1 && \
	strncasecmp(ptr, name, nlen) == 0)
	if (HTTP_IS("ETag"))
		slot = &req->h_etag;
	else if (HTTP_IS("Last-Modified"))
		slot = &req->h_lastmod;
	else if (HTTP_IS("Retry-After"))
		slot = &req->h_retry_after;
	else if (HTTP_IS("X-RateLimit-Remaining") ||
	    HTTP_IS("RateLimit-Remaining"))
		slot = &req->h_rl_remaining;
	else if (HTTP_IS("X-RateLimit-Reset") || HTTP_IS("RateLimit-Reset"))
		slot = &req->h_rl_reset;
#undef HTTP_IS
	if (slot == NULL)
		return n;
	v = colon + 1;
	vlen = n - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
	    v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	free(*slot);
	*slot = xstrndup(v, vlen);
	return n;
}

/* Is the response of REQ's stream not an event stream? A missing type is
 * let through; another (an HTML page where a stream was expected) is not. */
static int
http_not_event_stream(struct http_req *req)
{
	char *ct = NULL;

	if (req->framing != MD_STREAM_SSE ||
	    curl_easy_getinfo(req->easy, CURLINFO_CONTENT_TYPE, &ct) !=
	    CURLE_OK || ct == NULL)
		return 0;
	if (strncasecmp(ct, "text/event-stream", 17) == 0 &&
	    (ct[17] == '\0' || ct[17] == ';' || ct[17] == ' '))
		return 0;
	free(req->abort_reason);
	req->abort_reason = xasprintf("the server sent %.64s, not "
	    "text/event-stream", ct);
	return 1;
}

/* libcurl's write callback: keep the body within max_body, or gather stream
 * bytes to be parsed once libcurl returns. */
static size_t
http_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_req *req = arg;
	struct http_engine *eng = req->eng;
	size_t n = size * nmemb;
	long code = 0;

	if (req->kind == HTTP_STREAM) {
		curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code < 200 || code > 299)
			return 0;	/* reported as "HTTP <code>" */
		if (req->last_body == 0 && http_not_event_stream(req))
			return 0;	/* reported as abort_reason */
		/* Enough to parse: libcurl keeps the rest until the parser
		 * has had this, so that what a burst of gzip inflates to is
		 * never held whole. */
		if (req->body.len >= HTTP_STREAM_UNPARSED) {
			req->paused = 1;
			return CURL_WRITEFUNC_PAUSE;
		}
		req->last_byte = req->last_body = http_now();
		http_buf_add(&req->body, ptr, n);
		if (!req->dirty) {
			req->dirty = 1;
			TAILQ_INSERT_TAIL(&eng->dirty, req, dentry);
		}
		return n;
	}
	/* Counted after decompression, so a gzip bomb stops here too. */
	if (n > eng->opts.max_body - req->body.len) {
		req->too_big = 1;
		return 0;
	}
	http_buf_add(&req->body, ptr, n);
	return n;
}

/* Arm TIMER to call back with ERROR for REQ, which could not start; errors
 * never reach a callback before http_fetch and friends return. */
static void
http_defer_error(struct http_req *req, const char *error)
{
	free(req->launch_error);
	req->launch_error = xstrdup(error);
	http_evtimer(req->timer, 0);
}

/* The stall timer of a stream: reconnect after stall_timeout silent seconds. */
static void
http_stall_event(evutil_socket_t fd, short what, void *arg)
{
	struct http_req *req = arg;
	double idle;
	char reason[64];

	if (req->easy == NULL)
		return;
	idle = http_now() - req->last_byte;
	if (idle < req->stall_timeout) {
		http_evtimer(req->stall, req->stall_timeout - idle);
		return;
	}
	snprintf(reason, sizeof(reason), "no data for %.1f s", idle);
	http_stream_retry(req, 0, reason);
}

/* Build the request headers and hand a new easy handle to the multi. */
static void
http_launch(struct http_req *req)
{
	struct http_engine *eng = req->eng;
	struct curl_slist *sl = NULL, *tmp;
	const char *id;
	char *h;
	size_t i;
	CURLMcode mrc;
	CURL *easy;
	double timeout;

	if ((easy = curl_easy_init()) == NULL) {
		http_defer_error(req, "cannot create a transfer");
		return;
	}
	req->body.len = 0;
	req->too_big = 0;
	req->errbuf[0] = '\0';
	req->events = 0;
	req->last_body = 0;
	req->paused = 0;
	free(req->abort_reason);
	req->abort_reason = NULL;
	http_resp_headers_clear(req);

	id = req->kind == HTTP_STREAM ? sse_last_id(req->sse) : NULL;
	for (i = 0; req->headers[i] != NULL; i++)
		/* A plugin's Last-Event-ID (where its last run stopped) gives
		 * way to the id this stream has reached since. */
		if (id == NULL || strncasecmp(req->headers[i],
		    "Last-Event-ID:", 14) != 0)
			sl = curl_slist_append(sl, req->headers[i]);
	h = NULL;
	if (req->kind == HTTP_POLL && req->etag != NULL)
		h = xasprintf("If-None-Match: %s", req->etag);
	else if (req->kind == HTTP_POLL && req->lastmod != NULL)
		h = xasprintf("If-Modified-Since: %s", req->lastmod);
	else if (id != NULL)
		h = xasprintf("Last-Event-ID: %s", id);
	if (h != NULL) {
		sl = curl_slist_append(sl, h);
		free(h);
	}
	if (req->kind == HTTP_STREAM && req->framing == MD_STREAM_SSE &&
	    !http_has_header(req, "Accept")) {
		tmp = curl_slist_append(sl, "Accept: text/event-stream");
		sl = curl_slist_append(tmp, "Cache-Control: no-cache");
	}
	req->slist = sl;

	curl_easy_setopt(easy, CURLOPT_URL, req->url);
	if (req->post != NULL) {
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->post);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->post_len);
	}
	curl_easy_setopt(easy, CURLOPT_PRIVATE, req);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, req);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->errbuf);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, eng->user_agent);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, req->slist);
	/* No signals: we are one thread in an event loop (DNS timeouts are
	 * handled by the threaded resolver, not SIGALRM). */
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	/* Only http and https, also after a redirect: a source URL must not
	 * reach file://, gopher:// or the like. */
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(easy, CURLOPT_MAXREDIRS, (long)HTTP_MAX_REDIRECTS);
	/* TLS is always verified: certificate chain and host name. There is no
	 * switch to turn this off. */
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	/* HTTP/2 over TLS when offered, so that requests to one host share a
	 * connection; keep-alive for HTTP/1.1 comes from the multi's cache. */
	curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_2TLS);
	/* Every encoding libcurl can decode (gzip, deflate, br, zstd). */
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(eng->opts.connect_timeout * 1000));
	if (req->kind == HTTP_STREAM) {
		/* Silence is caught by the stall timer instead. */
		curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	} else {
		curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
		    (long)eng->opts.low_speed_time);
		timeout = req->timeout > 0 ? req->timeout :
		    HTTP_DEFAULT_TIMEOUT;
		curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
		    (long)(timeout * 1000));
		/* Refuse early when Content-Length says too much. */
		curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)eng->opts.max_body);
	}

	req->easy = easy;
	if ((mrc = curl_multi_add_handle(eng->multi, easy)) != CURLM_OK) {
		req->easy = NULL;
		curl_easy_cleanup(easy);
		curl_slist_free_all(req->slist);
		req->slist = NULL;
		http_defer_error(req, curl_multi_strerror(mrc));
		return;
	}
	req->started = http_now();
	eng->active++;
	if (req->host != NULL)
		req->host->active++;
	if (req->kind == HTTP_STREAM) {
		req->last_byte = req->started;
		http_evtimer(req->stall, req->stall_timeout);
	}
}

/* Stop REQ's transfer, if any, without a callback; its host may start the
 * next waiting request. */
static void
http_abort(struct http_req *req)
{
	struct http_engine *eng = req->eng;

	if (req->easy == NULL)
		return;
	curl_multi_remove_handle(eng->multi, req->easy);
	curl_easy_cleanup(req->easy);
	req->easy = NULL;
	curl_slist_free_all(req->slist);
	req->slist = NULL;
	if (req->stall != NULL)
		evtimer_del(req->stall);
	if (req->dirty) {
		TAILQ_REMOVE(&eng->dirty, req, dentry);
		req->dirty = 0;
	}
	eng->active--;
	if (req->host != NULL) {
		req->host->active--;
		http_host_next(req->host);
	}
}

/* Take REQ out of every queue and timer so that nothing more happens to it. */
static void
http_detach(struct http_req *req)
{
	http_abort(req);
	if (req->queued) {
		TAILQ_REMOVE(&req->host->waitq, req, qentry);
		req->queued = 0;
	}
	if (req->dirty) {
		TAILQ_REMOVE(&req->eng->dirty, req, dentry);
		req->dirty = 0;
	}
	if (req->timer != NULL)
		evtimer_del(req->timer);
	if (req->stall != NULL)
		evtimer_del(req->stall);
}

/* Free REQ (already detached or not). */
static void
http_req_free(struct http_req *req)
{
	size_t i;

	http_detach(req);
	LIST_REMOVE(req, entry);
	if (req->timer != NULL)
		event_free(req->timer);
	if (req->stall != NULL)
		event_free(req->stall);
	for (i = 0; req->headers[i] != NULL; i++)
		free(req->headers[i]);
	free(req->headers);
	http_resp_headers_clear(req);
	sse_free(req->sse);
	free(req->body.p);
	free(req->h_all.p);
	free(req->post);
	free(req->fail_logged);
	free(req->launch_error);
	free(req->abort_reason);
	free(req->etag);
	free(req->lastmod);
	free(req->owner);
	free(req->url);
	free(req);
}

/* The response being handed to a callback, the only one whose headers
 * http_response_header reads: a plugin may pass it any other pointer. */
static const struct md_http_response *http_cb_resp;

/* Call REQ's callback with RESP. */
static void
http_call_done(struct http_req *req, const struct md_http_response *resp)
{
	const struct md_http_response *outer = http_cb_resp;

	http_cb_resp = resp;
	req->in_cb++;
	req->done(resp, req->arg);
	req->in_cb--;
	http_cb_resp = outer;
}

/* A fetch is over: one callback, then the request is freed. */
static void
http_fetch_finish(struct http_req *req, const struct md_http_response *resp)
{
	http_call_done(req, resp);
	http_req_free(req);
}

/*
 * Log a failure of REQ (WHAT: "GET URL failed" or "stream URL") for REASON,
 * retried in DELAY seconds: a warning the first time, and at debug while the
 * same failure repeats, so that a source that is down for hours writes one
 * line, not one per poll.
 */
static void
http_log_failure(struct http_req *req, const char *what, const char *reason,
    const char *verb, double delay)
{
	int level = LOG_WARNING;

	if (req->fail_logged != NULL && strcmp(req->fail_logged, reason) == 0)
		level = LOG_DEBUG;
	else {
		free(req->fail_logged);
		req->fail_logged = xstrdup(reason);
	}
	if (req->failures == 1)
		req->fail_since = http_now();
	log_msg(level, req->owner, "%s: %s; %s in %.1f s%s", what, reason,
	    verb, delay, level == LOG_WARNING ? " (logged again when it "
	    "changes or recovers)" : "");
}

/* REQ works again: say so once if a failure was warned of. */
static void
http_log_recovery(struct http_req *req, const char *what)
{
	if (req->fail_logged == NULL)
		return;
	log_notice(req->owner, "%s works again after %d failure%s in %.0f s",
	    what, req->failures, req->failures == 1 ? "" : "s",
	    http_now() - req->fail_since);
	free(req->fail_logged);
	req->fail_logged = NULL;
}

/* An adaptive poll had news (FRESH) or none: poll twice as often, or a
 * quarter less often, within its bounds. */
static void
http_poll_adapt(struct http_req *req, int fresh)
{
	double next;
	char buf[512];

	if (req->max_interval <= 0)
		return;
	next = fresh ? req->interval / 2 : req->interval * 1.25;
	if (next < req->min_interval)
		next = req->min_interval;
	if (next > req->max_interval)
		next = req->max_interval;
	if (next != req->interval)
		log_debug(req->owner, "GET %s: %s, polling every %.1f s",
		    http_log_url(req->url, buf, sizeof(buf)), fresh ?
		    "new items" : "nothing new", next);
	req->interval = next;
}

/* A poll's GET is over: hand 2xx over, skip 304, back off on failures, and
 * arm the next GET. */
static void
http_poll_finish(struct http_req *req, const struct md_http_response *resp,
    double wait)
{
	struct http_engine *eng = req->eng;
	double delay, now;
	char buf[512], reason[64], what[600];
	const char *why;

	if (resp->error == NULL && ((resp->status >= 200 &&
	    resp->status < 300) || resp->status == 304) &&
	    req->fail_logged != NULL) {
		snprintf(buf, sizeof(buf), "GET ");
		http_log_url(req->url, buf + 4, sizeof(buf) - 4);
		http_log_recovery(req, buf);
	}
	if (resp->error == NULL && resp->status >= 200 && resp->status < 300) {
		req->failures = 0;
		free(req->etag);
		free(req->lastmod);
		req->etag = req->lastmod = NULL;
		/* A body that may have been cut short is not named by its
		 * validators: a 304 would then keep what it lost from us. */
		if (!req->unframed) {
			req->etag = xstrdup(req->h_etag);
			req->lastmod = xstrdup(req->h_lastmod);
		} else if (req->h_etag != NULL || req->h_lastmod != NULL)
			log_debug(req->owner, "GET %s: the body ended with the "
			    "connection; its ETag and Last-Modified are not "
			    "kept", http_log_url(req->url, buf, sizeof(buf)));
		req->fresh = -1;
		http_call_done(req, resp);
		if (req->deleted) {
			http_req_free(req);
			return;
		}
		/* Unreported, a changed body counts as news. */
		http_poll_adapt(req, req->fresh != 0);
	} else if (resp->error == NULL && resp->status == 304) {
		req->failures = 0;
		http_poll_adapt(req, 0);
	} else {
		if (resp->error != NULL)
			why = resp->error;
		else {
			snprintf(reason, sizeof(reason), "HTTP %ld",
			    resp->status);
			why = reason;
		}
		req->failures++;
		delay = http_backoff(eng, req->failures);
		if (wait > delay)
			delay = wait;
		snprintf(what, sizeof(what), "GET %s failed",
		    http_log_url(req->url, buf, sizeof(buf)));
		http_log_failure(req, what, why, "retrying", delay);
		http_evtimer(req->timer, delay);
		return;
	}
	now = http_now();
	delay = req->started + req->interval - now;
	if (wait > delay)
		delay = wait;
	http_evtimer(req->timer, delay);
}

/* A stream connection is over (or is being abandoned): log why once, and
 * reconnect after the backoff, the server's retry: and Retry-After. */
static void
http_stream_retry(struct http_req *req, double wait, const char *reason)
{
	struct http_engine *eng = req->eng;
	double delay;
	char buf[512], what[600];
	long retry;
	int worked;

	/* It worked if it brought a message, or stayed up and talking (a
	 * quiet stream's heartbeats) for a whole stall bound: then this is a
	 * first failure, not one more of a server that keeps failing. */
	worked = req->events > 0 || (req->last_body > 0 &&
	    req->last_body - req->started >= req->stall_timeout);
	http_abort(req);
	sse_reset(req->sse);
	if (worked)
		req->failures = 0;
	req->failures++;
	delay = http_backoff(eng, req->failures);
	/* The server's retry: is bounded like its Retry-After. */
	if ((retry = sse_retry_ms(req->sse)) >= 0 && retry / 1000.0 > delay)
		delay = retry / 1000.0 < HTTP_MAX_SERVER_WAIT ?
		    retry / 1000.0 : HTTP_MAX_SERVER_WAIT;
	if (wait > delay)
		delay = wait;
	snprintf(what, sizeof(what), "stream %s",
	    http_log_url(req->url, buf, sizeof(buf)));
	http_log_failure(req, what, reason, "reconnecting", delay);
	http_evtimer(req->timer, delay);
}

/* The parser's callback for a stream: one message to the user. */
static int
http_stream_event(const struct md_stream_event *ev, void *arg)
{
	struct http_req *req = arg;

	char buf[512], what[600];

	if (req->deleted)
		return -1;
	if (req->events++ == 0 && req->fail_logged != NULL) {
		snprintf(what, sizeof(what), "stream %s",
		    http_log_url(req->url, buf, sizeof(buf)));
		http_log_recovery(req, what);
	}
	req->efn(ev, req->arg);
	return req->deleted ? -1 : 0;
}

/* Parse the bytes a stream received during the last socket action. */
static void
http_stream_flush(struct http_req *req)
{
	char *cause = NULL;
	int rc;

	req->in_cb++;
	rc = sse_feed(req->sse, req->body.p, req->body.len, &cause);
	req->body.len = 0;
	req->in_cb--;
	if (req->deleted) {
		free(cause);
		http_req_free(req);
		return;
	}
	if (rc == -1) {
		http_stream_retry(req, 0, cause);
		free(cause);
		return;
	}
	/* Parsed: take the next bytes (the write callback may run here, and
	 * queue this stream for parsing again). */
	if (req->paused && req->easy != NULL) {
		req->paused = 0;
		curl_easy_pause(req->easy, CURLPAUSE_CONT);
	}
}

/* A stream's transfer completed: deliver a last line, then reconnect. */
static void
http_stream_finish(struct http_req *req, long status, const char *error,
    double wait)
{
	char reason[64];

	if (status != 0 && (status < 200 || status > 299)) {
		snprintf(reason, sizeof(reason), "HTTP %ld", status);
		error = reason;
	} else if (error == NULL) {
		req->in_cb++;
		sse_finish(req->sse);
		req->in_cb--;
		if (req->deleted) {
			http_req_free(req);
			return;
		}
		error = "end of stream";
	}
	http_stream_retry(req, wait, error);
}

/* The value of the last header NAME in H (the "Name: value\0" lines of a
 * response), or NULL. */
static const char *
http_buf_header(const struct http_buf *h, const char *name)
{
	const char *p, *end, *found = NULL;
	size_t n = strlen(name);

	if (h->p == NULL)
		return NULL;
	for (p = h->p, end = p + h->len; p < end; p += strlen(p) + 1) {
		if (strncasecmp(p, name, n) != 0 || p[n] != ':')
			continue;
		found = p + n + 1;
		while (*found == ' ' || *found == '\t')
			found++;
	}
	return found;
}

/* Whether REQ's response body ended only because the connection closed:
 * HTTP/1 without Content-Length or chunked framing. libcurl cannot tell such
 * a body cut on the way from a whole one; framed bodies it checks. */
static int
http_unframed(struct http_req *req)
{
	curl_off_t len = -1;
	long version = 0;
	const char *te;

	if (curl_easy_getinfo(req->easy, CURLINFO_HTTP_VERSION, &version) ==
	    CURLE_OK && version >= CURL_HTTP_VERSION_2_0)
		return 0;
	if (curl_easy_getinfo(req->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
	    &len) == CURLE_OK && len >= 0)
		return 0;
	te = http_buf_header(&req->h_all, "Transfer-Encoding");
	return te == NULL || strcasestr(te, "chunked") == NULL;
}

/* A transfer of REQ completed with RC: gather the response, remove the easy
 * handle, then call the user. */
static void
http_transfer_done(struct http_req *req, CURLcode rc)
{
	struct http_engine *eng = req->eng;
	struct http_resp hresp;
	struct md_http_response *resp = &hresp.pub;
	char *ctype = NULL, *eurl = NULL, *error = NULL, *p;
	long status = 0;
	double wait;

	curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
	/* Before the abort, which may start the host's next request. */
	wait = http_server_wait(req, status);
	if (curl_easy_getinfo(req->easy, CURLINFO_CONTENT_TYPE, &p) ==
	    CURLE_OK && p != NULL)
		ctype = xstrdup(p);
	if (curl_easy_getinfo(req->easy, CURLINFO_EFFECTIVE_URL, &p) ==
	    CURLE_OK && p != NULL)
		eurl = xstrdup(p);
	if (req->abort_reason != NULL)
		error = xstrdup(req->abort_reason);
	else if (req->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		error = xasprintf("response larger than %zu bytes",
		    eng->opts.max_body);
	else if (rc != CURLE_OK)
		error = xstrdup(req->errbuf[0] != '\0' ? req->errbuf :
		    curl_easy_strerror(rc));

	if (req->kind == HTTP_STREAM) {
		/* Keep stream bytes already parsed; nothing is left unparsed
		 * since the flush runs before this. */
		http_stream_finish(req, status, error, wait);
		goto out;
	}

	req->unframed = http_unframed(req);
	http_abort(req);	/* the body and headers stay */
	memset(&hresp, 0, sizeof(hresp));
	hresp.headers = &req->h_all;
	resp->status = error != NULL ? 0 : status;
	resp->error = error;
	resp->body = req->body.p != NULL && error == NULL ? req->body.p : "";
	resp->body_len = error == NULL ? req->body.len : 0;
	resp->content_type = ctype;
	resp->url = eurl != NULL ? eurl : req->url;
	if (req->kind == HTTP_FETCH)
		http_fetch_finish(req, resp);
	else
		http_poll_finish(req, resp, wait);
out:
	free(ctype);
	free(eurl);
	free(error);
}

/* Parse the stream bytes gathered by the last socket action. */
static void
http_flush_streams(struct http_engine *eng)
{
	struct http_req *req;

	while (!eng->dying && (req = TAILQ_FIRST(&eng->dirty)) != NULL) {
		TAILQ_REMOVE(&eng->dirty, req, dentry);
		req->dirty = 0;
		http_stream_flush(req);
	}
}

/* Drain libcurl's messages: each is a finished transfer. */
static void
http_check_multi(struct http_engine *eng)
{
	struct http_req *req;
	CURLMsg *msg;
	CURLcode rc;
	void *priv;
	CURL *easy;
	int left;

	while (!eng->dying &&
	    (msg = curl_multi_info_read(eng->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		rc = msg->data.result;
		/* msg is not touched again: the handle is removed below. */
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		if ((req = priv) == NULL) {
			curl_multi_remove_handle(eng->multi, easy);
			curl_easy_cleanup(easy);
			continue;
		}
		http_transfer_done(req, rc);
	}
}

/* Free the engine once nothing of it is running. */
static void
http_destroy(struct http_engine *eng)
{
	struct http_host *host;
	struct http_sock *s;

	while ((host = TAILQ_FIRST(&eng->hosts)) != NULL) {
		TAILQ_REMOVE(&eng->hosts, host, entry);
		if (host->wake != NULL)
			event_free(host->wake);
		free(host->key);
		free(host);
	}
	/* May call the socket and timer callbacks one last time. */
	curl_multi_cleanup(eng->multi);
	while ((s = LIST_FIRST(&eng->socks)) != NULL) {
		LIST_REMOVE(s, entry);
		event_free(s->ev);
		free(s);
	}
	event_free(eng->timer);
	curl_global_cleanup();
	free(eng->user_agent);
	free(eng);
}

/* Entering one of our event handlers. */
static void
http_enter(struct http_engine *eng)
{
	eng->depth++;
}

/* Leaving it: finish an http_free called meanwhile. ENG may be gone after. */
static void
http_leave(struct http_engine *eng)
{
	if (--eng->depth == 0 && eng->dying)
		http_destroy(eng);
}

/* What follows every curl_multi_socket_action. */
static void
http_after_action(struct http_engine *eng)
{
	http_flush_streams(eng);
	http_check_multi(eng);
}

/* A watched socket is ready. */
static void
http_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct http_sock *s = arg;
	struct http_engine *eng = s->eng;	/* s may go during the action */
	int action = 0, running;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	http_enter(eng);
	curl_multi_socket_action(eng->multi, fd, action, &running);
	http_after_action(eng);
	http_leave(eng);
}

/* The multi handle's timer expired. */
static void
http_timeout_event(evutil_socket_t fd, short what, void *arg)
{
	struct http_engine *eng = arg;
	int running;

	http_enter(eng);
	curl_multi_socket_action(eng->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_after_action(eng);
	http_leave(eng);
}

/* CURLMOPT_TIMERFUNCTION: only (re)arm or stop our timer; libcurl is called
 * from the event, never from here. */
static int
http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_engine *eng = userp;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(eng->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(eng->timer, &tv);
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: watch FD as libcurl asks, one persistent event per
 * socket kept with curl_multi_assign. */
static int
http_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *sockp)
{
	struct http_engine *eng = userp;
	struct http_sock *s = sockp;
	short events = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			LIST_REMOVE(s, entry);
			event_free(s->ev);
			free(s);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->eng = eng;
		s->fd = fd;
		s->ev = event_new(eng->base, fd, events, http_socket_event, s);
		LIST_INSERT_HEAD(&eng->socks, s, entry);
		curl_multi_assign(eng->multi, fd, s);
	} else {
		event_del(s->ev);
		event_assign(s->ev, eng->base, fd, events, http_socket_event,
		    s);
	}
	event_add(s->ev, NULL);
	return 0;
}

/* A request's own timer: a deferred error, the next poll or a reconnect. */
static void
http_req_timer_event(evutil_socket_t fd, short what, void *arg)
{
	struct http_req *req = arg;
	struct http_engine *eng = req->eng;
	char *error;

	if ((error = req->launch_error) == NULL) {
		http_submit(req);
		return;
	}
	req->launch_error = NULL;
	http_enter(eng);
	if (req->kind == HTTP_STREAM)
		http_stream_retry(req, 0, error);
	else {
		struct http_resp hresp;

		memset(&hresp, 0, sizeof(hresp));
		hresp.pub.error = error;
		hresp.pub.body = "";
		hresp.pub.url = req->url;
		if (req->kind == HTTP_FETCH)
			http_fetch_finish(req, &hresp.pub);
		else
			http_poll_finish(req, &hresp.pub, 0);
	}
	free(error);
	http_leave(eng);
}

/* Start REQ now, or queue it behind its host's limit and hold. */
static void
http_submit(struct http_req *req)
{
	if (req->kind == HTTP_STREAM) {
		http_launch(req);
		return;
	}
	req->host = http_host_get(req->eng, req->url);
	TAILQ_INSERT_TAIL(&req->host->waitq, req, qentry);
	req->queued = 1;
	http_host_next(req->host);
}

/* Create an engine on BASE with OPTS, or the defaults. */
struct http_engine *
http_new(struct event_base *base, const struct http_options *opts)
{
	struct http_engine *eng;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	eng = xcalloc(1, sizeof(*eng));
	eng->base = base;
	if (opts != NULL)
		eng->opts = *opts;
	if (eng->opts.connect_timeout <= 0)
		eng->opts.connect_timeout = 10;
	if (eng->opts.low_speed_time <= 0)
		eng->opts.low_speed_time = 30;
	if (eng->opts.max_body == 0)
		eng->opts.max_body = 8 * 1024 * 1024;
	if (eng->opts.max_per_host <= 0)
		eng->opts.max_per_host = 4;
	if (eng->opts.backoff_min <= 0)
		eng->opts.backoff_min = 1;
	if (eng->opts.backoff_max <= 0)
		eng->opts.backoff_max = 300;
	if (eng->opts.backoff_max < eng->opts.backoff_min)
		eng->opts.backoff_max = eng->opts.backoff_min;
	if (opts != NULL && opts->user_agent != NULL)
		eng->user_agent = xstrdup(opts->user_agent);
	else
		eng->user_agent = xstrdup("mentiond/" MENTIOND_VERSION);
	eng->opts.user_agent = eng->user_agent;
	TAILQ_INIT(&eng->hosts);
	TAILQ_INIT(&eng->dirty);
	LIST_INIT(&eng->reqs);
	LIST_INIT(&eng->socks);

	eng->timer = evtimer_new(base, http_timeout_event, eng);
	eng->multi = curl_multi_init();
	if (eng->timer == NULL || eng->multi == NULL) {
		log_err("http", "cannot create the HTTP engine");
		abort();
	}
	curl_multi_setopt(eng->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(eng->multi, CURLMOPT_SOCKETDATA, eng);
	curl_multi_setopt(eng->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	curl_multi_setopt(eng->multi, CURLMOPT_TIMERDATA, eng);
	/* Share HTTP/2 connections between transfers to one host. */
	curl_multi_setopt(eng->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	return eng;
}

/* Abort every request without callbacks and free the engine (later, when
 * called from one of its callbacks). */
void
http_free(struct http_engine *eng)
{
	struct http_req *req, *next;

	if (eng == NULL || eng->dying)
		return;
	eng->dying = 1;
	/* A request inside its callback is freed by its handler on return. */
	for (req = LIST_FIRST(&eng->reqs); req != NULL; req = next) {
		next = LIST_NEXT(req, entry);
		req->deleted = 1;
		if (req->in_cb == 0)
			http_req_free(req);
		else
			http_detach(req);
	}
	if (eng->depth == 0)
		http_destroy(eng);
}

/* A request of KIND, not yet started. */
static struct http_req *
http_req_new(struct http_engine *eng, enum http_kind kind, const char *owner,
    const char *url, const char *const *headers)
{
	struct http_req *req = xcalloc(1, sizeof(*req));

	req->eng = eng;
	req->kind = kind;
	req->owner = xstrdup(owner != NULL ? owner : "http");
	req->url = xstrdup(url != NULL ? url : "");
	req->headers = http_headers_copy(req->owner, headers);
	req->timer = evtimer_new(eng->base, http_req_timer_event, req);
	LIST_INSERT_HEAD(&eng->reqs, req, entry);
	return req;
}

/* Queue one GET; DONE runs once, then the request is freed. */
struct http_req *
http_fetch(struct http_engine *eng, const char *owner,
    const struct md_http_request *r, http_done_fn done, void *arg)
{
	struct http_req *req;

	req = http_req_new(eng, HTTP_FETCH, owner, r->url, r->headers);
	req->timeout = r->timeout;
	req->done = done;
	req->arg = arg;
	http_submit(req);
	return req;
}

/* Queue one POST of BODY; DONE runs once, then the request is freed. */
struct http_req *
http_post(struct http_engine *eng, const char *owner,
    const struct md_http_request *r, const void *body, size_t len,
    http_done_fn done, void *arg)
{
	struct http_req *req;

	req = http_req_new(eng, HTTP_FETCH, owner, r->url, r->headers);
	req->timeout = r->timeout;
	req->post = xmalloc(len + 1);
	if (len > 0)
		memcpy(req->post, body, len);
	req->post[len] = '\0';
	req->post_len = len;
	req->done = done;
	req->arg = arg;
	http_submit(req);
	return req;
}

/* Start a poll: the first GET at once (from the loop), then every INTERVAL. */
struct http_req *
http_poll(struct http_engine *eng, const char *owner,
    const struct md_http_request *r, double interval, http_done_fn done,
    void *arg)
{
	struct http_req *req;

	req = http_req_new(eng, HTTP_POLL, owner, r->url, r->headers);
	req->timeout = r->timeout;
	req->interval = interval > 0 ? interval : 0;
	req->done = done;
	req->arg = arg;
	http_evtimer(req->timer, 0);
	return req;
}

/* Use URL from the next GET of POLL on, forgetting the old validators. */
void
http_poll_set_url(struct http_req *req, const char *url)
{
	if (req == NULL || req->kind != HTTP_POLL || url == NULL ||
	    strcmp(req->url, url) == 0)
		return;
	free(req->url);
	req->url = xstrdup(url);
	/* Validators belong to the old URL. */
	free(req->etag);
	free(req->lastmod);
	req->etag = req->lastmod = NULL;
}

/* Open a stream at once (from the loop), reconnecting for ever. */
struct http_req *
http_stream(struct http_engine *eng, const char *owner,
    const struct md_stream_request *r, http_event_fn fn, void *arg)
{
	struct http_req *req;
	enum md_stream_framing framing;

	framing = r->framing == MD_STREAM_LINES ? MD_STREAM_LINES :
	    MD_STREAM_SSE;
	req = http_req_new(eng, HTTP_STREAM, owner, r->url, r->headers);
	req->framing = framing;
	req->efn = fn;
	req->arg = arg;
	req->stall_timeout = r->stall_timeout > 0 ? r->stall_timeout :
	    HTTP_DEFAULT_STALL;
	req->stall = evtimer_new(eng->base, http_stall_event, req);
	req->sse = sse_new(framing, SSE_MAX_MESSAGE, http_stream_event, req);
	http_evtimer(req->timer, 0);
	return req;
}

/* Stop REQ with no further callback; freed now, or when its callback
 * returns. */
void
http_cancel(struct http_req *req)
{
	if (req == NULL || req->deleted)
		return;
	req->deleted = 1;
	if (req->in_cb > 0)
		http_detach(req);
	else
		http_req_free(req);
}

/* Count the transfers in progress. */
size_t
http_active(const struct http_engine *eng)
{
	return eng->active;
}

const char *
http_response_header(const struct md_http_response *resp, const char *name)
{
	const struct http_resp *hr = (const struct http_resp *)resp;

	if (resp == NULL || resp != http_cb_resp || name == NULL ||
	    hr->headers == NULL)
		return NULL;
	return http_buf_header(hr->headers, name);
}

void
http_poll_bounds(struct http_req *req, double min, double max)
{
	if (req == NULL || req->kind != HTTP_POLL || !(min > 0) || max < min)
		return;
	req->min_interval = min;
	req->max_interval = max;
	if (req->interval < min)
		req->interval = min;
	if (req->interval > max)
		req->interval = max;
}

void
http_poll_fresh(struct http_req *req, int n)
{
	if (req != NULL && req->kind == HTTP_POLL)
		req->fresh = n;
}
