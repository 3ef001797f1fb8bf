/*
 * test_http.c - the HTTP engine against a real loopback server
 * (tests/tools/httpd.py) driven by a real event loop: fetches, polls with
 * conditional GETs, Retry-After, rate limits, backoff, the per-host limit,
 * SSE and line streams with reconnects and stalls, and cancellation from
 * inside callbacks. What the server saw is read back from its /_log.
 */
#include <sys/resource.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <zlib.h>
#include <curl/curl.h>
#include <event2/event.h>

#include "harness.h"
#include "http.h"
#include "log.h"
#include "version.h"

#define MAXREC	64
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN	1
#else
#define UNDER_ASAN	0
#endif

static pid_t	server_pid;
static int	server_port;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The URL of PATH on the test server. */
static const char *
url(const char *path)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "http://127.0.0.1:%d%s", server_port,
	    path);
	return buf[i];
}

static size_t
collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
	char **s = arg;
	size_t old = *s != NULL ? strlen(*s) : 0, n = size * nmemb;

	*s = realloc(*s, old + n + 1);
	memcpy(*s + old, ptr, n);
	(*s)[old + n] = '\0';
	return n;
}

/* A blocking GET of a control path (/_log, /_reset); the body, malloc'd. */
static char *
control(const char *path)
{
	CURL *c = curl_easy_init();
	char *body = NULL;

	curl_easy_setopt(c, CURLOPT_URL, url(path));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_cleanup(c);
	assert_non_null(body);
	return body;
}

/* Script a path of the test server: JSON as POST /_route takes it. */
static void
route(const char *json)
{
	CURL *c = curl_easy_init();
	char *body = NULL;
	long code = 0;

	curl_easy_setopt(c, CURLOPT_URL, url("/_route"));
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	assert_int_equal(code, 200);
	curl_easy_cleanup(c);
	free(body);
}

/* The server's log as JSON. */
static cJSON *
server_log(void)
{
	char *s = control("/_log");
	cJSON *doc = cJSON_Parse(s);

	free(s);
	assert_non_null(doc);
	return doc;
}

/* The logged requests whose path starts with PREFIX, up to MAX of them. */
static int
requests(cJSON *doc, const char *prefix, cJSON **out, int max)
{
	cJSON *r;
	int n = 0;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(doc, "requests")) {
		const char *p = cJSON_GetStringValue(cJSON_GetObjectItem(r,
		    "path"));
		if (p != NULL && strncmp(p, prefix, strlen(prefix)) == 0 &&
		    n < max)
			out[n++] = r;
	}
	return n;
}

/* Header NAME of a logged request, or NULL. */
static const char *
req_header(cJSON *r, const char *name)
{
	cJSON *h;

	cJSON_ArrayForEach(h, cJSON_GetObjectItem(r, "headers"))
		if (strcasecmp(h->string, name) == 0)
			return cJSON_GetStringValue(h);
	return NULL;
}

static double
req_time(cJSON *r)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItem(r, "time"));
}

struct waiter {
	struct event_base	*base;
	int			(*pred)(void *);
	void			*arg;
	double			 deadline;
};

static void
waiter_check(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	if ((w->pred != NULL && w->pred(w->arg)) || now() > w->deadline)
		event_base_loopbreak(w->base);
}

/* Run BASE until PRED(ARG) holds or SECS pass; returns PRED's last value
 * (1 when PRED is NULL: just run for SECS). */
static int
run_until(struct event_base *base, double secs, int (*pred)(void *),
    void *arg)
{
	struct waiter w = { base, pred, arg, now() + secs };
	struct timeval tv = { 0, 10000 };
	struct event *ev;

	ev = event_new(base, -1, EV_PERSIST, waiter_check, &w);
	event_add(ev, &tv);
	event_base_dispatch(base);
	event_free(ev);
	return pred == NULL ? 1 : pred(arg);
}

/* What fetch and poll callbacks saw. */
struct rec {
	int			 n;
	int			 want;		/* for rec_done */
	long			 status[MAXREC];
	char			*body[MAXREC];
	size_t			 len[MAXREC];
	char			*error[MAXREC];
	struct http_req		*self;		/* to cancel from the callback */
	int			 cancel_at;	/* cancel self at this call */
	const char		*next_url;	/* poll: switch URL after call 1 */
	struct http_engine	*free_eng;	/* http_free this in the callback */
};

static void
on_done(const struct md_http_response *resp, void *arg)
{
	struct rec *r = arg;

	assert_true(r->n < MAXREC);
	assert_non_null(resp->body);
	assert_int_equal(resp->body[resp->body_len], '\0');
	r->status[r->n] = resp->status;
	r->body[r->n] = strdup(resp->body);
	r->len[r->n] = resp->body_len;
	r->error[r->n] = resp->error != NULL ? strdup(resp->error) : NULL;
	r->n++;
	if (r->cancel_at != 0 && r->n == r->cancel_at) {
		http_cancel(r->self);
		http_cancel(r->self);	/* twice is harmless */
	}
	if (r->next_url != NULL && r->n == 1)
		http_poll_set_url(r->self, r->next_url);
	if (r->free_eng != NULL) {
		http_free(r->free_eng);
		r->free_eng = NULL;
	}
}

static int
rec_done(void *arg)
{
	struct rec *r = arg;

	return r->n >= r->want;
}

static void
rec_free(struct rec *r)
{
	int i;

	for (i = 0; i < r->n; i++) {
		free(r->body[i]);
		free(r->error[i]);
	}
	memset(r, 0, sizeof(*r));
}

/* What stream callbacks saw. */
struct srec {
	int			 n;
	int			 want;
	char			*event[MAXREC];
	char			*data[MAXREC];
	char			*id[MAXREC];
	struct http_req		*self;
	int			 cancel_at;
};

static void
on_event(const struct md_stream_event *ev, void *arg)
{
	struct srec *s = arg;

	assert_true(s->n < MAXREC);
	s->event[s->n] = ev->event != NULL ? strdup(ev->event) : NULL;
	s->data[s->n] = strdup(ev->data);
	s->id[s->n] = ev->id != NULL ? strdup(ev->id) : NULL;
	s->n++;
	if (s->cancel_at != 0 && s->n == s->cancel_at)
		http_cancel(s->self);
}

static int
srec_done(void *arg)
{
	struct srec *s = arg;

	return s->n >= s->want;
}

static void
srec_free(struct srec *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		free(s->event[i]);
		free(s->data[i]);
		free(s->id[i]);
	}
	memset(s, 0, sizeof(*s));
}

/* Fast options for tests: short backoff. */
static struct http_options
fast_options(void)
{
	struct http_options o;

	memset(&o, 0, sizeof(o));
	o.connect_timeout = 3;
	o.low_speed_time = 5;
	o.backoff_min = 0.05;
	o.backoff_max = 0.5;
	return o;
}

/* Per test: a fresh loop and engine, a server with an empty log. */
struct fixture {
	struct event_base	*base;
	struct http_engine	*eng;
};

static int
setup(void **state)
{
	static struct fixture fx;
	struct http_options o = fast_options();

	free(control("/_reset"));
	fx.base = event_base_new();
	fx.eng = http_new(fx.base, &o);
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	http_free(fx->eng);
	event_base_free(fx->base);
	return 0;
}

/* Replace the fixture's engine with one built from O. */
static void
reopen(struct fixture *fx, const struct http_options *o)
{
	http_free(fx->eng);
	fx->eng = http_new(fx->base, o);
}

/* One fetch of PATH, waited for. */
static void
fetch_one(struct fixture *fx, const char *path, struct rec *r)
{
	struct md_http_request req = { .url = url(path) };

	memset(r, 0, sizeof(*r));
	r->want = 1;
	assert_non_null(http_fetch(fx->eng, "test", &req, on_done, r));
	assert_true(run_until(fx->base, 10, rec_done, r));
	run_until(fx->base, 0.05, NULL, NULL);	/* no second call */
	assert_int_equal(r->n, 1);
}

static void
test_fetch_ok(void **state)
{
	struct fixture *fx = *state;
	const char *const headers[] = { "X-Test: yes", "Bad: a\r\nInjected: 1",
	    NULL };
	struct md_http_request req = { .url = url("/ok?body=hello"),
	    .headers = headers };
	cJSON *log, *r[4];
	struct rec rc;

	memset(&rc, 0, sizeof(rc));
	rc.want = 1;
	http_fetch(fx->eng, "test", &req, on_done, &rc);
	assert_int_equal(http_active(fx->eng), 1);
	assert_int_equal(rc.n, 0);	/* never called before returning */
	assert_true(run_until(fx->base, 10, rec_done, &rc));
	assert_int_equal(rc.status[0], 200);
	assert_null(rc.error[0]);
	assert_string_equal(rc.body[0], "hello");
	assert_int_equal(http_active(fx->eng), 0);

	log = server_log();
	assert_int_equal(requests(log, "/ok", r, 4), 1);
	assert_string_equal(req_header(r[0], "User-Agent"),
	    "mentiond/" MENTIOND_VERSION);
	assert_string_equal(req_header(r[0], "X-Test"), "yes");
	assert_null(req_header(r[0], "Injected"));
	assert_non_null(strstr(req_header(r[0], "Accept-Encoding"), "gzip"));
	cJSON_Delete(log);
	rec_free(&rc);
}

/* Keeps one response header, for test_post_and_headers. */
struct hdr_rec {
	int	 n;
	long	 status;
	char	*remaining;
	char	*absent;
};

static void
on_header_done(const struct md_http_response *resp, void *arg)
{
	struct hdr_rec *h = arg;
	const char *v;

	h->n++;
	h->status = resp->status;
	if ((v = http_response_header(resp, "x-ratelimit-remaining")) != NULL)
		h->remaining = strdup(v);
	if ((v = http_response_header(resp, "X-Not-Sent")) != NULL)
		h->absent = strdup(v);
}

static int
hdr_done(void *arg)
{
	return ((struct hdr_rec *)arg)->n > 0;
}

/* A POST sends its body and type; a response header is found by name, in
 * any case, and an absent one is NULL. */
static void
test_post_and_headers(void **state)
{
	struct fixture *fx = *state;
	const char *const headers[] = { "Content-Type: application/json",
	    NULL };
	struct md_http_request req = { .url = url("/ratelimit?remaining=3&"
	    "reset=5") };
	struct hdr_rec h = { 0 }, p = { 0 };
	cJSON *log, *r[2];

	assert_non_null(http_fetch(fx->eng, "test", &req, on_header_done, &h));
	assert_true(run_until(fx->base, 10, hdr_done, &h));
	assert_int_equal(h.status, 200);
	assert_non_null(h.remaining);
	assert_string_equal(h.remaining, "3");
	assert_null(h.absent);

	req.url = url("/posted");
	req.headers = headers;
	assert_non_null(http_post(fx->eng, "test", &req, "{\"a\":1}", 7,
	    on_header_done, &p));
	assert_true(run_until(fx->base, 10, hdr_done, &p));
	assert_int_equal(p.status, 200);
	assert_null(p.remaining);
	log = server_log();
	assert_int_equal(requests(log, "/posted", r, 2), 1);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(r[0],
	    "method")), "POST");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(r[0],
	    "body")), "{\"a\":1}");
	assert_string_equal(req_header(r[0], "Content-Type"),
	    "application/json");
	cJSON_Delete(log);
	free(h.remaining);
}

static void
test_fetch_gzip(void **state)
{
	struct fixture *fx = *state;
	struct rec rc;
	char want[1200] = "";
	int i;

	for (i = 0; i < 100; i++)
		strcat(want, "hello gzip\n");
	fetch_one(fx, "/gzip", &rc);
	assert_int_equal(rc.status[0], 200);
	assert_int_equal(rc.len[0], strlen(want));
	assert_string_equal(rc.body[0], want);
	rec_free(&rc);
}

static void
test_fetch_errors(void **state)
{
	struct fixture *fx = *state;
	struct http_options o = fast_options();
	struct md_http_request req;
	char refused[128];
	struct rec rc;

	o.max_body = 1000;
	reopen(fx, &o);

	/* Too large by Content-Length, and by counting (chunked). */
	fetch_one(fx, "/huge?bytes=100000", &rc);
	assert_int_equal(rc.status[0], 0);
	assert_string_equal(rc.error[0], "response larger than 1000 bytes");
	assert_string_equal(rc.body[0], "");
	rec_free(&rc);
	fetch_one(fx, "/huge?bytes=100000&chunked=1", &rc);
	assert_int_equal(rc.status[0], 0);
	assert_string_equal(rc.error[0], "response larger than 1000 bytes");
	rec_free(&rc);
	fetch_one(fx, "/huge?bytes=1000", &rc);		/* just fits */
	assert_int_equal(rc.status[0], 200);
	assert_int_equal(rc.len[0], 1000);
	rec_free(&rc);

	/* Truncated body, garbage reply. */
	fetch_one(fx, "/truncated", &rc);
	assert_int_equal(rc.status[0], 0);
	assert_non_null(rc.error[0]);
	rec_free(&rc);
	fetch_one(fx, "/garbage", &rc);
	assert_int_equal(rc.status[0], 0);
	assert_non_null(rc.error[0]);
	rec_free(&rc);

	/* An HTTP error is a status, not a transport error. */
	fetch_one(fx, "/500", &rc);
	assert_int_equal(rc.status[0], 500);
	assert_null(rc.error[0]);
	assert_string_equal(rc.body[0], "error\n");
	rec_free(&rc);

	/* The request's own timeout. */
	memset(&req, 0, sizeof(req));
	req.url = url("/slow?delay=2");
	req.timeout = 0.3;
	memset(&rc, 0, sizeof(rc));
	rc.want = 1;
	http_fetch(fx->eng, "test", &req, on_done, &rc);
	assert_true(run_until(fx->base, 1.5, rec_done, &rc));
	assert_int_equal(rc.status[0], 0);
	assert_non_null(strstr(rc.error[0], "imed out"));
	rec_free(&rc);

	/* Connection refused; a protocol that is not http(s). */
	snprintf(refused, sizeof(refused), "http://127.0.0.1:%d/",
	    harness_free_port());
	memset(&req, 0, sizeof(req));
	req.url = refused;
	memset(&rc, 0, sizeof(rc));
	rc.want = 1;
	http_fetch(fx->eng, "test", &req, on_done, &rc);
	assert_true(run_until(fx->base, 10, rec_done, &rc));
	assert_int_equal(rc.status[0], 0);
	assert_non_null(rc.error[0]);
	rec_free(&rc);
	req.url = "file:///etc/passwd";
	rc.want = 1;
	http_fetch(fx->eng, "test", &req, on_done, &rc);
	assert_true(run_until(fx->base, 10, rec_done, &rc));
	assert_int_equal(rc.status[0], 0);
	assert_non_null(rc.error[0]);
	assert_string_equal(rc.body[0], "");
	rec_free(&rc);
}

/* Poll PATH every INTERVAL for SECS; returns the callback count. */
static int
poll_for(struct fixture *fx, const char *path, double interval, double secs,
    struct rec *rc)
{
	struct md_http_request req = { .url = url(path) };
	struct http_req *p;

	memset(rc, 0, sizeof(*rc));
	p = http_poll(fx->eng, "source test", &req, interval, on_done, rc);
	run_until(fx->base, secs, NULL, NULL);
	http_cancel(p);
	return rc->n;
}

static void
test_poll_conditional(void **state)
{
	struct fixture *fx = *state;
	cJSON *log, *r[32];
	struct rec rc;
	int n, i;

	/* ETag: one body, then 304s that reach no callback. */
	assert_int_equal(poll_for(fx, "/etag", 0.15, 0.8, &rc), 1);
	assert_int_equal(rc.status[0], 200);
	assert_string_equal(rc.body[0], "etag \"v1\"\n");
	rec_free(&rc);
	log = server_log();
	n = requests(log, "/etag", r, 32);
	assert_true(n >= 3);
	assert_null(req_header(r[0], "If-None-Match"));
	for (i = 1; i < n; i++) {
		assert_string_equal(req_header(r[i], "If-None-Match"),
		    "\"v1\"");
		/* Keep-alive: the same connection (client port) every time. */
		assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(r[i],
		    "client")), cJSON_GetNumberValue(cJSON_GetObjectItem(r[0],
		    "client")));
	}
	cJSON_Delete(log);

	/* Last-Modified. */
	assert_int_equal(poll_for(fx, "/lastmod", 0.15, 0.8, &rc), 1);
	rec_free(&rc);
	log = server_log();
	n = requests(log, "/lastmod", r, 32);
	assert_true(n >= 3);
	assert_null(req_header(r[0], "If-Modified-Since"));
	for (i = 1; i < n; i++)
		assert_string_equal(req_header(r[i], "If-Modified-Since"),
		    "Tue, 14 Nov 2023 22:13:20 GMT");
	cJSON_Delete(log);
}

/* A body that ends with its connection (HTTP/1, no Content-Length, not
 * chunked) may have been cut short without libcurl knowing: its ETag is not
 * sent back, so that a 304 cannot keep the rest of it from us. */
static void
test_poll_unframed_no_validators(void **state)
{
	struct fixture *fx = *state;
	cJSON *log, *r[32];
	struct rec rc;
	int n, i;

	assert_true(poll_for(fx, "/etag?v=cut&close=1", 0.15, 0.8, &rc) >= 3);
	for (i = 0; i < rc.n; i++) {
		assert_int_equal(rc.status[i], 200);
		assert_string_equal(rc.body[i], "etag \"cut\"\n");
	}
	rec_free(&rc);
	log = server_log();
	n = requests(log, "/etag?v=cut", r, 32);
	assert_true(n >= 3);
	for (i = 0; i < n; i++)
		assert_null(req_header(r[i], "If-None-Match"));
	cJSON_Delete(log);
}

/* For test_poll_adaptive: every response reports one new item. */
static void
on_fresh(const struct md_http_response *resp, void *arg)
{
	struct http_req **poll = arg;

	(void)resp;
	http_poll_fresh(*poll, 1);
}

/* Nothing new (304s) slows an adaptive poll down to its upper bound; news
 * in every response speeds it up to its lower bound. */
static void
test_poll_adaptive(void **state)
{
	struct fixture *fx = *state;
	struct md_http_request req = { .url = url("/etag?v=adapt") };
	struct http_req *p;
	cJSON *log, *r[64];
	double first, last;
	int n;

	free(control("/_reset"));
	p = http_poll(fx->eng, "test", &req, 0.1, on_fresh, &p);
	http_poll_bounds(p, 0.05, 0.3);
	run_until(fx->base, 2.0, NULL, NULL);
	http_cancel(p);
	log = server_log();
	n = requests(log, "/etag", r, 64);
	assert_true(n >= 6);
	/* The 200 had news (0.1 -> 0.05), then each 304 adds a quarter. */
	first = req_time(r[2]) - req_time(r[1]);
	last = req_time(r[n - 1]) - req_time(r[n - 2]);
	assert_true(first < 0.1);
	assert_true(last >= 0.3 - 0.02);
	cJSON_Delete(log);

	free(control("/_reset"));
	req.url = url("/ok");
	p = http_poll(fx->eng, "test", &req, 0.4, on_fresh, &p);
	http_poll_bounds(p, 0.05, 1);
	run_until(fx->base, 1.2, NULL, NULL);
	http_cancel(p);
	log = server_log();
	n = requests(log, "/ok", r, 64);
	/* 0.4 would give 3 or 4 GETs; halving down to 0.05 gives many. */
	assert_true(n >= 8);
	last = req_time(r[n - 1]) - req_time(r[n - 2]);
	assert_true(last < 0.1);
	cJSON_Delete(log);
}

static void
test_poll_set_url(void **state)
{
	struct fixture *fx = *state;
	struct md_http_request req = { .url = url("/etag?v=a") };
	cJSON *log, *r[8];
	struct rec rc;

	memset(&rc, 0, sizeof(rc));
	rc.want = 2;
	rc.next_url = url("/etag?v=b");
	rc.self = http_poll(fx->eng, "source test", &req, 0.05, on_done, &rc);
	assert_true(run_until(fx->base, 5, rec_done, &rc));
	http_cancel(rc.self);
	assert_string_equal(rc.body[0], "etag \"a\"\n");
	assert_string_equal(rc.body[1], "etag \"b\"\n");
	log = server_log();
	assert_int_equal(requests(log, "/etag?v=b", r, 8), 1);
	/* The old URL's validator is not sent to the new one. */
	assert_null(req_header(r[0], "If-None-Match"));
	cJSON_Delete(log);
	rec_free(&rc);
}

/* Start a stderr capture into a temporary file; returns the saved fd. */
static int
capture_start(FILE **tmp)
{
	int saved;

	fflush(stderr);
	*tmp = tmpfile();
	saved = dup(STDERR_FILENO);
	dup2(fileno(*tmp), STDERR_FILENO);
	return saved;
}

/* End the capture; the text, malloc'd. */
static char *
capture_end(FILE *tmp, int saved)
{
	char *s = calloc(1, 65536);

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	fread(s, 1, 65535, tmp);
	fclose(tmp);
	return s;
}

static void
test_poll_backoff(void **state)
{
	struct fixture *fx = *state;
	struct md_http_request req = { .url = url("/flaky?fail=3") };
	struct http_options o = fast_options();
	double gap[3];
	cJSON *log, *r[16];
	struct rec rc;
	char *out, *p;
	FILE *tmp;
	int saved, i;

	o.backoff_min = 0.1;
	o.backoff_max = 2;
	reopen(fx, &o);
	log_init(LOG_INFO);
	memset(&rc, 0, sizeof(rc));
	rc.want = 1;
	saved = capture_start(&tmp);
	rc.self = http_poll(fx->eng, "source flaky", &req, 30, on_done, &rc);
	assert_true(run_until(fx->base, 8, rec_done, &rc));
	out = capture_end(tmp, saved);
	http_cancel(rc.self);
	assert_int_equal(rc.n, 1);			/* only the success */
	assert_int_equal(rc.status[0], 200);

	log = server_log();
	assert_int_equal(requests(log, "/flaky", r, 16), 4);
	for (i = 0; i < 3; i++)
		gap[i] = req_time(r[i + 1]) - req_time(r[i]);
	assert_true(gap[0] >= 0.1 - 0.01);
	assert_true(gap[1] >= 0.2 * 0.75 - 0.01);
	assert_true(gap[2] >= 0.4 * 0.75 - 0.01);
	assert_true(gap[2] > gap[0]);
	cJSON_Delete(log);

	/* One warning for the three failures alike, naming the owner, URL,
	 * reason and delay (the query cut from the URL), then one line when
	 * it works again. */
	assert_non_null(strstr(out, "source flaky: GET "));
	assert_non_null(strstr(out, "/flaky?... failed: HTTP 500; "
	    "retrying in "));
	assert_null(strstr(out, "fail=3"));
	for (i = 0, p = out; (p = strstr(p, "failed: HTTP 500")) != NULL; p++)
		i++;
	assert_int_equal(i, 1);
	assert_non_null(strstr(out, "/flaky?... works again after 3 "
	    "failures"));
	free(out);
	rec_free(&rc);
}

/* The delay between the first two requests to PATH while polling it fast,
 * for SECS or until CALLS callbacks. */
static double
poll_gap(struct fixture *fx, const char *path, const char *prefix,
    double secs, int calls)
{
	struct md_http_request req = { .url = url(path) };
	struct http_req *p;
	cJSON *log, *r[8];
	struct rec rc;
	double gap;

	free(control("/_reset"));
	memset(&rc, 0, sizeof(rc));
	rc.want = calls;
	p = http_poll(fx->eng, "source test", &req, 0.05, on_done, &rc);
	if (calls > 0)
		assert_true(run_until(fx->base, secs, rec_done, &rc));
	else
		run_until(fx->base, secs, NULL, NULL);
	http_cancel(p);
	rec_free(&rc);
	log = server_log();
	assert_true(requests(log, prefix, r, 8) >= 2);
	gap = req_time(r[1]) - req_time(r[0]);
	cJSON_Delete(log);
	return gap;
}

/* Retry-After values as servers send them, absurd ones too. */
static void
test_retry_after_values(void **state)
{
	char date[64];
	time_t t = time(NULL) + 100;
	struct tm tm;
	double v;

	(void)state;
	assert_true(http_retry_after(NULL) == 0);
	assert_true(http_retry_after("5") == 5);
	assert_true(http_retry_after("5 ") == 5);
	assert_true(http_retry_after("0") == 0);
	assert_true(http_retry_after("-5") == 0);
	assert_true(http_retry_after("nan") == 0);
	assert_true(http_retry_after("soon") == 0);
	assert_true(http_retry_after("") == 0);
	assert_true(http_retry_after("inf") == 3600);
	assert_true(http_retry_after("99999999999999999999") == 3600);
	assert_true(http_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0);
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	v = http_retry_after(date);
	assert_true(v > 97 && v <= 100);
}

static void
test_retry_after(void **state)
{
	struct fixture *fx = *state;
	struct md_http_request req = { .url = url("/429?retry_after=1") };
	struct http_options o = fast_options();
	cJSON *log, *r1[4], *r2[4];
	struct rec rc;
	double gap;

	/* A poll waits Retry-After instead of its 50 ms backoff. */
	gap = poll_gap(fx, "/429?retry_after=1", "/429", 1.3, 0);
	assert_true(gap >= 0.99);
	assert_true(gap < 1.6);
	/* On a 403 too (GitHub's secondary rate limits); the 429s above may
	 * still hold the host for a second. */
	gap = poll_gap(fx, "/status?code=403&retry_after=1", "/status", 2.6, 0);
	assert_true(gap >= 0.99);
	assert_true(gap < 1.6);
	/* The same as an HTTP date (1 s resolution: at least 1 s of 2); a
	 * new engine, since the host is still held by the last 429. */
	reopen(fx, &o);
	gap = poll_gap(fx, "/503?retry_after=2&date=1", "/503", 2.3, 0);
	assert_true(gap >= 0.95);

	/* A fetch's 429 holds its host: the next fetch waits too. */
	reopen(fx, &o);
	free(control("/_reset"));
	memset(&rc, 0, sizeof(rc));
	rc.want = 1;
	req.url = url("/429?retry_after=1");	/* url()'s buffers rotate */
	http_fetch(fx->eng, "test", &req, on_done, &rc);
	assert_true(run_until(fx->base, 5, rec_done, &rc));
	assert_int_equal(rc.status[0], 429);
	req.url = url("/ok");
	rc.want = 2;
	http_fetch(fx->eng, "test", &req, on_done, &rc);
	assert_true(run_until(fx->base, 5, rec_done, &rc));
	assert_int_equal(rc.status[1], 200);
	log = server_log();
	assert_int_equal(requests(log, "/429", r1, 4), 1);
	assert_int_equal(requests(log, "/ok", r2, 4), 1);
	assert_true(req_time(r2[0]) - req_time(r1[0]) >= 0.99);
	cJSON_Delete(log);
	rec_free(&rc);
}

static void
test_ratelimit(void **state)
{
	struct fixture *fx = *state;
	double gap;

	/* Remaining 0, reset in 1 s: the next poll waits for it. */
	gap = poll_gap(fx, "/ratelimit?reset=1", "/ratelimit", 8, 2);
	assert_true(gap >= 0.99);
	assert_true(gap < 1.6);
	/* X-RateLimit-* spelling, "0.0" remaining, an epoch reset (whole
	 * seconds: 1 to 2 s from now). */
	gap = poll_gap(fx, "/ratelimit?reset=1&epoch=1&upper=1&remaining=0.0",
	    "/ratelimit", 8, 2);
	assert_true(gap >= 0.99);
	/* Requests left: no wait. */
	gap = poll_gap(fx, "/ratelimit?reset=5&remaining=3", "/ratelimit", 8, 2);
	assert_true(gap < 0.5);
	/* Mastodon's reset is an ISO 8601 time (whole seconds: 1 to 2 s from
	 * now), not 2026 seconds; RateLimit-* (no X-) is read too. */
	gap = poll_gap(fx, "/ratelimit?reset=1&iso=1", "/ratelimit", 8, 2);
	assert_true(gap >= 0.99);
	assert_true(gap < 3.5);
	gap = poll_gap(fx, "/ratelimit?reset=1&std=1", "/ratelimit", 8, 2);
	assert_true(gap >= 0.99);
	assert_true(gap < 1.6);
}

static void
test_per_host_limit(void **state)
{
	struct fixture *fx = *state;
	struct http_options o = fast_options();
	struct md_http_request req = { .url = url("/slow?delay=0.3") };
	cJSON *log, *r[8];
	struct rec rc;
	double t0, elapsed;
	int i;

	o.max_per_host = 2;
	reopen(fx, &o);
	memset(&rc, 0, sizeof(rc));
	rc.want = 6;
	t0 = now();
	for (i = 0; i < 6; i++)
		http_fetch(fx->eng, "test", &req, on_done, &rc);
	assert_int_equal(http_active(fx->eng), 2);
	assert_true(run_until(fx->base, 10, rec_done, &rc));
	elapsed = now() - t0;
	for (i = 0; i < 6; i++)
		assert_int_equal(rc.status[i], 200);
	assert_true(elapsed >= 0.85);

	log = server_log();
	assert_int_equal(requests(log, "/slow", r, 8), 6);
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(log,
	    "max_inflight")), 2);
	cJSON_Delete(log);
	rec_free(&rc);
}

static void
test_stream_sse(void **state)
{
	struct fixture *fx = *state;
	struct md_stream_request req = {
		.url = url("/sse?count=5&per_conn=3&hold=3"),
		.framing = MD_STREAM_SSE,
	};
	cJSON *log, *r[8];
	struct srec s;
	struct http_req *st;

	memset(&s, 0, sizeof(s));
	s.want = 5;
	st = http_stream(fx->eng, "source sse", &req, on_event, &s);
	assert_true(run_until(fx->base, 10, srec_done, &s));
	http_cancel(st);

	assert_string_equal(s.id[0], "1");
	assert_string_equal(s.event[0], "tick");
	assert_string_equal(s.data[0], "line one of 1\nline two");
	assert_string_equal(s.id[1], "2");
	assert_string_equal(s.event[1], "message");
	assert_string_equal(s.data[1], "{\"n\": 2}");
	assert_string_equal(s.id[2], "3");
	assert_string_equal(s.data[2], "plain 3");
	assert_string_equal(s.id[3], "4");
	assert_string_equal(s.data[3], "line one of 4\nline two");
	assert_string_equal(s.id[4], "5");
	assert_string_equal(s.data[4], "{\"n\": 5}");

	log = server_log();
	assert_int_equal(requests(log, "/sse", r, 8), 2);
	assert_null(req_header(r[0], "Last-Event-ID"));
	assert_string_equal(req_header(r[0], "Accept"), "text/event-stream");
	assert_string_equal(req_header(r[1], "Last-Event-ID"), "3");
	cJSON_Delete(log);
	srec_free(&s);
}

static void
test_stream_retry_field(void **state)
{
	struct fixture *fx = *state;
	struct md_stream_request req = {
		.url = url("/sse?count=2&per_conn=1&hold=1&retry=700&bom=1"),
		.framing = MD_STREAM_SSE,
	};
	cJSON *log, *r[8];
	struct srec s;
	struct http_req *st;

	memset(&s, 0, sizeof(s));
	s.want = 2;
	st = http_stream(fx->eng, "source sse", &req, on_event, &s);
	assert_true(run_until(fx->base, 10, srec_done, &s));
	http_cancel(st);
	assert_string_equal(s.data[0], "line one of 1\nline two");
	assert_string_equal(s.data[1], "{\"n\": 2}");
	log = server_log();
	assert_int_equal(requests(log, "/sse", r, 8), 2);
	/* retry: 700 beats the 50 ms backoff. */
	assert_true(req_time(r[1]) - req_time(r[0]) >= 0.69);
	cJSON_Delete(log);
	srec_free(&s);
}

/* A connection cut inside a message (its id line read, not its blank line):
 * the message was never delivered, so the reconnect resumes after the last
 * message that was, not after the id of the one that was lost. */
static void
test_stream_cut_mid_message(void **state)
{
	struct fixture *fx = *state;
	struct md_stream_request req = {
		.url = url("/cut-sse"),
		.framing = MD_STREAM_SSE,
	};
	cJSON *log, *r[8];
	struct srec s;
	struct http_req *st;

	route("{\"path\": \"/cut-sse\", \"responses\": ["
	    "{\"hold\": 0.1, \"body\": \"id: 1\\ndata: one\\n\\n"
	    "id: 2\\ndata: two, cut\\n\"},"
	    "{\"hold\": 3, \"body\": \"id: 2\\ndata: two\\n\\n\"}]}");
	memset(&s, 0, sizeof(s));
	s.want = 2;
	st = http_stream(fx->eng, "source cut", &req, on_event, &s);
	assert_true(run_until(fx->base, 5, srec_done, &s));
	http_cancel(st);
	assert_string_equal(s.data[0], "one");
	assert_string_equal(s.data[1], "two");
	log = server_log();
	assert_true(requests(log, "/cut-sse", r, 8) >= 2);
	assert_string_equal(req_header(r[1], "Last-Event-ID"), "1");
	cJSON_Delete(log);
	srec_free(&s);
}

/* A server's "retry:" is a wish, bounded like Retry-After: 999999999 ms
 * (11 days) must not keep a stream away for longer than an hour. */
static void
test_stream_retry_absurd(void **state)
{
	struct fixture *fx = *state;
	struct md_stream_request req = {
		.url = url("/retry-sse"),
		.framing = MD_STREAM_SSE,
	};
	struct srec s;
	struct http_req *st;
	char *out;
	FILE *tmp;
	int saved;

	route("{\"path\": \"/retry-sse\", \"hold\": 0.1, \"body\": "
	    "\"retry: 999999999\\n\\nid: 1\\ndata: one\\n\\n\"}");
	log_init(LOG_INFO);
	memset(&s, 0, sizeof(s));
	saved = capture_start(&tmp);
	st = http_stream(fx->eng, "source retry", &req, on_event, &s);
	run_until(fx->base, 1, NULL, NULL);
	http_cancel(st);
	out = capture_end(tmp, saved);
	log_init(LOG_WARNING);
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(out, "end of stream; reconnecting in 3600.0 s"));
	free(out);
	srec_free(&s);
}

/* A quiet stream (heartbeats, no message) that the server ends now and then,
 * each time after it stayed up longer than the stall bound, worked: its
 * reconnects stay at the first backoff instead of doubling as for a server
 * that fails, so that less of what comes while it is away is missed. */
static void
test_stream_quiet_reconnect(void **state)
{
	struct fixture *fx = *state;
	struct http_options o = fast_options();
	struct md_stream_request req = {
		.url = url("/sse?count=0&per_conn=1&hold=0.8"),
		.framing = MD_STREAM_SSE,
		.stall_timeout = 0.5,
	};
	cJSON *log, *r[8];
	struct srec s;
	struct http_req *st;
	double gap;
	int i, n;

	o.backoff_min = 0.3;
	o.backoff_max = 3;
	reopen(fx, &o);
	memset(&s, 0, sizeof(s));
	st = http_stream(fx->eng, "source quiet", &req, on_event, &s);
	run_until(fx->base, 4.6, NULL, NULL);
	http_cancel(st);
	assert_int_equal(s.n, 0);
	log = server_log();
	n = requests(log, "/sse", r, 8);
	assert_true(n >= 4);
	for (i = 1; i < n; i++) {
		gap = req_time(r[i]) - cJSON_GetNumberValue(
		    cJSON_GetObjectItem(r[i - 1], "end"));
		assert_true(gap < 0.6);
	}
	cJSON_Delete(log);
}

/* Script PATH to serve, at once, as an event stream, the gzip of LEN bytes
 * of DATA repeated TIMES (compressed here, base64 in the route). */
static void
gzip_route(const char *path, const void *data, size_t len, int times)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t cap = 1 << 20, n, i, j;
	unsigned char *out = malloc(cap);
	char *json, *p;
	z_stream z;
	int k;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 9,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_out = out;
	z.avail_out = cap;
	for (k = 0; k < times; k++) {
		z.next_in = (unsigned char *)data;
		z.avail_in = len;
		assert_int_equal(deflate(&z, k == times - 1 ? Z_FINISH :
		    Z_NO_FLUSH), k == times - 1 ? Z_STREAM_END : Z_OK);
	}
	n = cap - z.avail_out;
	deflateEnd(&z);
	json = malloc(n * 2 + 256);
	p = json + sprintf(json, "{\"path\": \"%s\", \"headers\": "
	    "{\"Content-Type\": \"text/event-stream\", \"Content-Encoding\": "
	    "\"gzip\"}, \"body_b64\": \"", path);
	for (i = 0; i < n; i += 3) {
		unsigned v = out[i] << 16;
		if (i + 1 < n)
			v |= out[i + 1] << 8;
		if (i + 2 < n)
			v |= out[i + 2];
		for (j = 0; j < 4; j++)
			*p++ = i + j <= n ? b64[(v >> (18 - 6 * j)) & 63] : '=';
	}
	strcpy(p, "\"}");
	route(json);
	free(json);
	free(out);
}

/* A stream whose gzip body inflates a thousandfold (a bomb of zeros, with no
 * line end): what one socket action inflates is parsed, and refused, by the
 * line bound before more is read, so memory stays near that bound instead
 * of holding what a burst of compressed bytes inflates to. */
static void
test_stream_gzip_bomb(void **state)
{
	struct fixture *fx = *state;
	struct md_stream_request req = {
		.url = url("/bomb-sse"),
		.framing = MD_STREAM_SSE,
	};
	struct rusage ru;
	struct srec s;
	struct http_req *st;
	long before;
	char *zero = calloc(1, 1 << 20);

	gzip_route("/bomb-sse", zero, 1 << 20, 256);	/* 256 KiB: 256 MiB */
	free(zero);
	getrusage(RUSAGE_SELF, &ru);
	before = ru.ru_maxrss;
	memset(&s, 0, sizeof(s));
	st = http_stream(fx->eng, "source bomb", &req, on_event, &s);
	run_until(fx->base, 3, NULL, NULL);
	http_cancel(st);
	getrusage(RUSAGE_SELF, &ru);
	assert_int_equal(s.n, 0);
	/* ASan's quarantine keeps what is freed: no bound to check there. */
	assert_true(UNDER_ASAN || ru.ru_maxrss - before < 64 * 1024);
}

/* Counts the messages of a stream and checks they come in order. */
struct count {
	int	n;
	int	bad;
};

static void
on_count(const struct md_stream_event *ev, void *arg)
{
	struct count *c = arg;
	char want[32];

	snprintf(want, sizeof(want), "event %d", c->n + 1);
	if (strncmp(ev->data, want, strlen(want)) != 0 ||
	    ev->data[strlen(want)] != ' ')
		c->bad++;
	c->n++;
}

static int
count_done(void *arg)
{
	return ((struct count *)arg)->n >= 40000;
}

/* A burst of messages bigger than what a stream holds unparsed, gzipped:
 * the stream pauses and resumes, and every message comes, in order. */
static void
test_stream_big_burst(void **state)
{
	struct fixture *fx = *state;
	struct md_stream_request req = {
		.url = url("/burst-sse"),
		.framing = MD_STREAM_SSE,
	};
	struct count c = { 0, 0 };
	struct http_req *st;
	char *json, *p;
	int i;

	json = malloc(40000 * 80);
	for (p = json, i = 1; i <= 40000; i++)
		p += sprintf(p, "data: event %d of the burst, and some text\n\n",
		    i);
	gzip_route("/burst-sse", json, p - json, 1);
	free(json);
	st = http_stream(fx->eng, "source burst", &req, on_count, &c);
	assert_true(run_until(fx->base, 10, count_done, &c));
	http_cancel(st);
	assert_int_equal(c.n, 40000);
	assert_int_equal(c.bad, 0);
}

/* An event stream's URL that answers a web page (a wrong path that a site
 * answers with its home page): the log says so, not "end of stream". */
static void
test_stream_not_event_stream(void **state)
{
	struct fixture *fx = *state;
	struct md_stream_request req = {
		.url = url("/page-sse"),
		.framing = MD_STREAM_SSE,
	};
	struct srec s;
	struct http_req *st;
	char *out;
	FILE *tmp;
	int saved;

	route("{\"path\": \"/page-sse\", \"hold\": 0.1, \"headers\": "
	    "{\"Content-Type\": \"text/html; charset=utf-8\"}, \"body\": "
	    "\"<html>\\ndata: not an event\\n\\n</html>\\n\"}");
	log_init(LOG_INFO);
	memset(&s, 0, sizeof(s));
	saved = capture_start(&tmp);
	st = http_stream(fx->eng, "source page", &req, on_event, &s);
	run_until(fx->base, 0.5, NULL, NULL);
	http_cancel(st);
	out = capture_end(tmp, saved);
	log_init(LOG_WARNING);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(out, "/page-sse: the server sent text/html; "
	    "charset=utf-8, not text/event-stream; reconnecting in "));
	free(out);
	srec_free(&s);
}

static void
test_stream_stall(void **state)
{
	struct fixture *fx = *state;
	struct md_stream_request req = {
		.url = url("/sse-stall?hold=5"),
		.framing = MD_STREAM_SSE,
		.stall_timeout = 0.5,
	};
	cJSON *log, *r[8];
	struct srec s;
	struct http_req *st;

	memset(&s, 0, sizeof(s));
	s.want = 2;
	st = http_stream(fx->eng, "source stall", &req, on_event, &s);
	assert_true(run_until(fx->base, 6, srec_done, &s));
	http_cancel(st);
	assert_string_equal(s.data[0], "stall 1");
	assert_string_equal(s.data[1], "stall 2");
	log = server_log();
	assert_true(requests(log, "/sse-stall", r, 8) >= 2);
	assert_string_equal(req_header(r[1], "Last-Event-ID"), "1");
	assert_true(req_time(r[1]) - req_time(r[0]) >= 0.5);
	cJSON_Delete(log);
	srec_free(&s);
}

static void
test_stream_lines(void **state)
{
	struct fixture *fx = *state;
	struct md_stream_request req = {
		.url = url("/lines?count=5&nonl=1"),
		.framing = MD_STREAM_LINES,
	};
	cJSON *log, *r[8];
	struct srec s;
	char want[64];
	int i;

	memset(&s, 0, sizeof(s));
	s.want = 5;
	s.cancel_at = 5;
	s.self = http_stream(fx->eng, "source lines", &req, on_event, &s);
	assert_true(run_until(fx->base, 10, srec_done, &s));
	run_until(fx->base, 0.3, NULL, NULL);
	assert_int_equal(s.n, 5);	/* cancelled: no reconnect, no more */
	for (i = 0; i < 5; i++) {
		snprintf(want, sizeof(want), "{\"n\": %d, \"text\": \"line %d\"}",
		    i + 1, i + 1);
		assert_string_equal(s.data[i], want);
		assert_null(s.event[i]);
	}
	log = server_log();
	assert_int_equal(requests(log, "/lines", r, 8), 1);
	assert_null(req_header(r[0], "Last-Event-ID"));
	cJSON_Delete(log);
	srec_free(&s);
}

static void
test_stream_http_error(void **state)
{
	struct fixture *fx = *state;
	struct md_stream_request req = {
		.url = url("/503?retry_after=1"),
		.framing = MD_STREAM_SSE,
	};
	cJSON *log, *r[8];
	struct srec s;
	struct http_req *st;
	char *out;
	FILE *tmp;
	int saved;

	log_init(LOG_INFO);
	memset(&s, 0, sizeof(s));
	saved = capture_start(&tmp);
	st = http_stream(fx->eng, "source err", &req, on_event, &s);
	run_until(fx->base, 1.5, NULL, NULL);
	http_cancel(st);
	out = capture_end(tmp, saved);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(out, "source err: stream "));
	assert_non_null(strstr(out, "/503?...: HTTP 503; reconnecting in 1.0"));
	log = server_log();
	assert_int_equal(requests(log, "/503", r, 8), 2);
	assert_true(req_time(r[1]) - req_time(r[0]) >= 0.99);
	cJSON_Delete(log);
	free(out);
}

static void
test_cancel_in_callback(void **state)
{
	struct fixture *fx = *state;
	struct md_stream_request sreq = {
		.url = url("/sse?count=5&per_conn=5&hold=1"),
		.framing = MD_STREAM_SSE,
	};
	struct md_http_request req = { .url = url("/ok") };
	struct rec rc;
	struct srec s;

	/* A stream cancelled by its first event hears nothing more, though
	 * more events were in the same read. */
	memset(&s, 0, sizeof(s));
	s.want = 1;
	s.cancel_at = 1;
	s.self = http_stream(fx->eng, "test", &sreq, on_event, &s);
	assert_true(run_until(fx->base, 5, srec_done, &s));
	run_until(fx->base, 0.3, NULL, NULL);
	assert_int_equal(s.n, 1);
	assert_int_equal(http_active(fx->eng), 0);
	srec_free(&s);

	/* A poll cancelled by its first result. */
	memset(&rc, 0, sizeof(rc));
	rc.want = 1;
	rc.cancel_at = 1;
	rc.self = http_poll(fx->eng, "test", &req, 0.05, on_done, &rc);
	assert_true(run_until(fx->base, 5, rec_done, &rc));
	run_until(fx->base, 0.3, NULL, NULL);
	assert_int_equal(rc.n, 1);
	rec_free(&rc);

	/* A fetch cancelling itself in its callback: no double free. */
	memset(&rc, 0, sizeof(rc));
	rc.want = 1;
	rc.cancel_at = 1;
	rc.self = http_fetch(fx->eng, "test", &req, on_done, &rc);
	assert_true(run_until(fx->base, 5, rec_done, &rc));
	assert_int_equal(rc.n, 1);
	rec_free(&rc);

	/* Cancelled while running. */
	memset(&rc, 0, sizeof(rc));
	req.url = url("/slow?delay=0.3");
	http_cancel(http_fetch(fx->eng, "test", &req, on_done, &rc));
	run_until(fx->base, 0.5, NULL, NULL);
	assert_int_equal(rc.n, 0);
}

static void
test_free_with_transfers(void **state)
{
	struct fixture *fx = *state;
	struct md_http_request req = { .url = url("/slow?delay=0.5") };
	struct md_stream_request sreq = {
		.url = url("/sse?count=50&per_conn=50&hold=2"),
		.framing = MD_STREAM_SSE,
	};
	struct http_options o = fast_options();
	struct rec rc;
	struct srec s;
	int i;

	o.max_per_host = 1;
	reopen(fx, &o);
	memset(&rc, 0, sizeof(rc));
	memset(&s, 0, sizeof(s));
	s.want = 1;
	for (i = 0; i < 3; i++)
		http_fetch(fx->eng, "test", &req, on_done, &rc);
	http_poll(fx->eng, "test", &req, 1, on_done, &rc);
	http_stream(fx->eng, "test", &sreq, on_event, &s);
	assert_true(run_until(fx->base, 5, srec_done, &s));
	http_free(fx->eng);	/* aborts all, no callbacks */
	fx->eng = NULL;
	run_until(fx->base, 0.2, NULL, NULL);
	assert_int_equal(rc.n, 0);
	srec_free(&s);
	fx->eng = http_new(fx->base, &o);
}

static void
test_free_in_callback(void **state)
{
	struct fixture *fx = *state;
	struct md_http_request req = { .url = url("/ok") };
	struct md_http_request slow = { .url = url("/slow?delay=0.2") };
	struct rec rc, other;
	int i;

	/* Six fetches of /ok finish in one socket action or several; the
	 * first callback frees the engine: no other callback may follow and
	 * nothing may be touched after (ASan watches). */
	memset(&rc, 0, sizeof(rc));
	memset(&other, 0, sizeof(other));
	rc.want = 1;
	rc.free_eng = fx->eng;
	http_fetch(fx->eng, "test", &req, on_done, &rc);
	for (i = 0; i < 5; i++)
		http_fetch(fx->eng, "test", &slow, on_done, &other);
	assert_true(run_until(fx->base, 5, rec_done, &rc));
	fx->eng = NULL;
	run_until(fx->base, 0.4, NULL, NULL);
	assert_int_equal(rc.n, 1);
	assert_int_equal(other.n, 0);
	rec_free(&rc);
	fx->eng = http_new(fx->base, NULL);
}

static int
group_setup(void **state)
{
	char port[16];
	char *const argv[] = { "/usr/bin/python3", TEST_TOOLS_DIR "/httpd.py",
	    port, NULL };

	curl_global_init(CURL_GLOBAL_DEFAULT);
	log_init(LOG_WARNING);
	server_port = harness_free_port();
	snprintf(port, sizeof(port), "%d", server_port);
	server_pid = harness_spawn(argv, "/dev/null");
	if (server_pid == -1 || harness_wait_port(server_port, 10000) == -1) {
		fprintf(stderr, "httpd.py did not start on port %d\n",
		    server_port);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	harness_stop(server_pid);
	curl_global_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_fetch_ok),
		T(test_post_and_headers),
		T(test_poll_adaptive),
		T(test_fetch_gzip),
		T(test_fetch_errors),
		T(test_poll_conditional),
		T(test_poll_unframed_no_validators),
		T(test_poll_set_url),
		T(test_poll_backoff),
		T(test_retry_after),
		T(test_retry_after_values),
		T(test_ratelimit),
		T(test_per_host_limit),
		T(test_stream_sse),
		T(test_stream_retry_field),
		T(test_stream_retry_absurd),
		T(test_stream_quiet_reconnect),
		T(test_stream_gzip_bomb),
		T(test_stream_big_burst),
		T(test_stream_not_event_stream),
		T(test_stream_stall),
		T(test_stream_cut_mid_message),
		T(test_stream_lines),
		T(test_stream_http_error),
		T(test_cancel_in_callback),
		T(test_free_with_transfers),
		T(test_free_in_callback),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
