/*
 * test_listen.c - the listener behind host->http_listen (daemon/listen.c) on
 * a real event loop, with the daemon's own HTTP engine as the client in the
 * same loop: the callback sees the method, path, query, headers, body and
 * peer; the reply's status, type, headers and body reach the client and the
 * body is released; bodies over the limit get 413 without a callback; the
 * address forms parse and a taken address is refused with its reason; a
 * listener freed from inside its own callback lets its port go. Through the
 * tick test plugin, the host service itself: requests become mentions, the
 * task cancels itself from its callback, a second source on the port fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "harness.h"
#include "http.h"
#include "listen.h"
#include "loader.h"
#include "log.h"
#include "mention.h"
#include "source.h"
#include "xmalloc.h"

/* What the client got back. */
struct result {
	int	 done;
	long	 status;
	char	*body;
	char	*ctype;
	char	*retry_after;
	char	*error;
};

/* What the server callback saw, and how it should answer. */
struct seen {
	int		 calls;
	char		*method;
	char		*path;
	char		*query;
	char		*body;
	size_t		 body_len;
	char		*sig;
	char		*sig_lower;
	char		*peer;
	int		 reply_status;
	int		 free_self;	/* listen_free from inside */
	struct listen	*l;
};

struct fx {
	struct event_base	*base;
	struct http_engine	*http;
	struct seen		 seen;
	int			 frees;		/* body_free calls */
	struct mention		**got;
	size_t			 ngot;
};

static struct fx *current;

/* Monotonic seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A loop and an HTTP engine for the client side. */
static int
setup(void **state)
{
	struct fx *fx = xcalloc(1, sizeof(*fx));

	unsetenv("JOURNAL_STREAM");
	log_init(LOG_ERR);	/* the dropped reply headers are on purpose */
	fx->base = event_base_new();
	fx->http = http_new(fx->base, NULL);
	current = fx;
	*state = fx;
	return 0;
}

/* Free what a callback saw. */
static void
seen_clear(struct seen *s)
{
	free(s->method);
	free(s->path);
	free(s->query);
	free(s->body);
	free(s->sig);
	free(s->sig_lower);
	free(s->peer);
	memset(s, 0, sizeof(*s));
}

/* Free the client results' strings. */
static void
result_clear(struct result *r)
{
	free(r->body);
	free(r->ctype);
	free(r->retry_after);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	size_t i;

	http_free(fx->http);
	seen_clear(&fx->seen);
	for (i = 0; i < fx->ngot; i++)
		mention_free(fx->got[i]);
	free(fx->got);
	event_base_free(fx->base);
	free(fx);
	return 0;
}

/* The engine's callback: keep what came back. */
static void
client_done(const struct md_http_response *resp, void *arg)
{
	struct result *r = arg;

	r->done = 1;
	r->status = resp->status;
	r->body = xstrdup(resp->body != NULL ? resp->body : "");
	r->ctype = xstrdup(http_response_header(resp, "Content-Type"));
	r->retry_after = xstrdup(http_response_header(resp, "Retry-After"));
	r->error = xstrdup(resp->error);
}

/* Run the loop until R is done, at most 5 s. */
static void
wait_result(struct fx *fx, struct result *r)
{
	struct timeval tv = { 0, 5000 };
	double end = now() + 5;

	while (!r->done && now() < end) {
		event_base_loopexit(fx->base, &tv);
		event_base_dispatch(fx->base);
	}
	assert_true(r->done);
}

/* Run the loop for MS milliseconds. */
static void
run_for(struct fx *fx, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(fx->base, &tv);
	event_base_dispatch(fx->base);
}

/* POST BODY (LEN bytes) to PORT's TARGET with HEADERS; wait for R. */
static void
post(struct fx *fx, int port, const char *target, const char *body,
    size_t len, const char *const *headers, struct result *r)
{
	struct md_http_request req = { .timeout = 5 };
	char *url = xasprintf("http://127.0.0.1:%d%s", port, target);

	req.url = url;
	req.headers = headers;
	assert_non_null(http_post(fx->http, "client", &req, body, len,
	    client_done, r));
	free(url);
	wait_result(fx, r);
}

/* GET PORT's TARGET; wait for R. */
static void
get(struct fx *fx, int port, const char *target, struct result *r)
{
	struct md_http_request req = { .timeout = 5 };
	char *url = xasprintf("http://127.0.0.1:%d%s", port, target);

	req.url = url;
	assert_non_null(http_fetch(fx->http, "client", &req, client_done, r));
	free(url);
	wait_result(fx, r);
}

/* A body_free that counts. */
static void
counting_free(void *p)
{
	current->frees++;
	free(p);
}

/* The listener's callback: note the request, answer as told. */
static void
serve(const struct md_listen_request *req, struct md_listen_reply *reply,
    void *arg)
{
	static const char *const headers[] = { "Retry-After: 7",
	    "not a header", "X-Evil: a\r\nX-Injected: 1", NULL };
	struct seen *s = arg;
	char *body;

	s->calls++;
	free(s->method);
	free(s->path);
	free(s->query);
	free(s->body);
	free(s->sig);
	free(s->sig_lower);
	free(s->peer);
	s->method = xstrdup(req->method);
	s->path = xstrdup(req->path);
	s->query = xstrdup(req->query);
	s->body = xmalloc(req->body_len + 1);
	memcpy(s->body, req->body, req->body_len + 1);
	s->body_len = req->body_len;
	s->sig = xstrdup(req->header(req, "X-Signature"));
	s->sig_lower = xstrdup(req->header(req, "x-signature"));
	s->peer = xstrdup(req->peer);
	if (s->free_self) {
		listen_free(s->l);
		s->l = NULL;
	}
	reply->status = s->reply_status;
	if (s->reply_status == 0)
		return;
	reply->content_type = "application/json";
	reply->headers = headers;
	body = xasprintf("{\"calls\":%d}", s->calls);
	reply->body = body;
	reply->body_len = strlen(body);
	reply->body_free = counting_free;
}

/* A POST's method, path, query, headers and body reach the callback; its
 * reply reaches the client. */
static void
test_request_reply(void **state)
{
	struct fx *fx = *state;
	static const char *const headers[] = { "X-Signature: sha256=ab",
	    "Content-Type: application/octet-stream", NULL };
	struct result r = { 0 };
	struct listen *l;
	char *cause = NULL;

	fx->seen.reply_status = 202;
	l = listen_new(fx->base, "test", "127.0.0.1:0", 0, serve, &fx->seen,
	    &cause);
	if (l == NULL)
		fail_msg("listen_new: %s", cause);
	assert_true(listen_port(l) > 0);

	post(fx, listen_port(l), "/hook/a%20b?x=1&y=2", "one\0two", 7, headers,
	    &r);
	assert_int_equal(fx->seen.calls, 1);
	assert_string_equal(fx->seen.method, "POST");
	assert_string_equal(fx->seen.path, "/hook/a%20b");
	assert_string_equal(fx->seen.query, "x=1&y=2");
	assert_int_equal(fx->seen.body_len, 7);
	assert_memory_equal(fx->seen.body, "one\0two", 8);	/* and a NUL */
	assert_string_equal(fx->seen.sig, "sha256=ab");
	assert_string_equal(fx->seen.sig_lower, "sha256=ab");
	assert_string_equal(fx->seen.peer, "127.0.0.1");

	assert_null(r.error);
	assert_int_equal(r.status, 202);
	assert_string_equal(r.body, "{\"calls\":1}");
	assert_string_equal(r.ctype, "application/json");
	assert_string_equal(r.retry_after, "7");
	assert_int_equal(fx->frees, 1);
	result_clear(&r);

	/* A GET without a body or query; status 0 from the callback is a
	 * 500 with no body, and nothing to free. */
	fx->seen.reply_status = 0;
	get(fx, listen_port(l), "/", &r);
	assert_int_equal(fx->seen.calls, 2);
	assert_string_equal(fx->seen.method, "GET");
	assert_string_equal(fx->seen.path, "/");
	assert_null(fx->seen.query);
	assert_int_equal(fx->seen.body_len, 0);
	assert_string_equal(fx->seen.body, "");
	assert_null(fx->seen.sig);
	assert_int_equal(r.status, 500);
	assert_string_equal(r.body, "");
	assert_string_equal(r.ctype, "text/plain; charset=utf-8");
	assert_int_equal(fx->frees, 1);
	result_clear(&r);
	listen_free(l);
}

/* A body over the limit is refused with 413 by the host: the callback
 * never sees it, and the next request on the listener works. */
static void
test_body_limit(void **state)
{
	struct fx *fx = *state;
	struct result r = { 0 };
	struct listen *l;
	char *cause = NULL, big[4096];

	memset(big, 'x', sizeof(big));
	fx->seen.reply_status = 200;
	l = listen_new(fx->base, "test", "127.0.0.1:0", 1000, serve, &fx->seen,
	    &cause);
	assert_non_null(l);
	post(fx, listen_port(l), "/", big, sizeof(big), NULL, &r);
	assert_int_equal(r.status, 413);
	assert_int_equal(fx->seen.calls, 0);
	result_clear(&r);

	post(fx, listen_port(l), "/", big, 1000, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(fx->seen.calls, 1);
	assert_int_equal(fx->seen.body_len, 1000);
	result_clear(&r);
	listen_free(l);
}

/* The address forms; a port taken is refused, saying so. */
static void
test_address(void **state)
{
	struct fx *fx = *state;
	static const char *const good[] = { "8787", ":8787",
	    "localhost:8787", "127.0.0.1:8787", "0.0.0.0:8787",
	    "[::1]:8787", NULL };
	static const char *const bad[] = { "", "127.0.0.1", "[::1]",
	    "::1:8787", "example.org:80", "127.0.0.1:", "127.0.0.1:99999",
	    "127.0.0.1:80x", "1.2.3:80", NULL };
	struct sockaddr_storage ss;
	struct listen *l, *l2;
	char *cause = NULL, *addr;
	int i, len;

	for (i = 0; good[i] != NULL; i++) {
		if (listen_parse_address(good[i], &ss, &len, &cause) != 0)
			fail_msg("%s: %s", good[i], cause);
	}
	assert_int_equal(listen_parse_address("8787", &ss, &len, &cause), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8787);
	assert_int_equal(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr),
	    0x7f000001);
	for (i = 0; bad[i] != NULL; i++) {
		cause = NULL;
		if (listen_parse_address(bad[i], &ss, &len, &cause) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(cause);
		free(cause);
	}

	l = listen_new(fx->base, "test", "127.0.0.1:0", 0, serve, &fx->seen,
	    &cause);
	assert_non_null(l);
	addr = xasprintf("127.0.0.1:%d", listen_port(l));
	cause = NULL;
	l2 = listen_new(fx->base, "test", addr, 0, serve, &fx->seen, &cause);
	assert_null(l2);
	assert_non_null(cause);
	assert_non_null(strstr(cause, addr));
	assert_non_null(strstr(cause, "Address already in use"));
	free(cause);
	listen_free(l);
	/* Once freed, the port is free again. */
	l2 = listen_new(fx->base, "test", addr, 0, serve, &fx->seen, &cause);
	assert_non_null(l2);
	listen_free(l2);
	free(addr);
}

/* Freed from inside its own callback: the reply is still sent, no more
 * callbacks follow, and the port can be bound again. */
static void
test_free_inside(void **state)
{
	struct fx *fx = *state;
	struct result r = { 0 };
	struct listen *l;
	char *cause = NULL, *addr;
	int port;

	fx->seen.reply_status = 200;
	fx->seen.free_self = 1;
	l = listen_new(fx->base, "test", "127.0.0.1:0", 0, serve, &fx->seen,
	    &cause);
	assert_non_null(l);
	fx->seen.l = l;
	port = listen_port(l);
	post(fx, port, "/", "a", 1, NULL, &r);
	assert_int_equal(fx->seen.calls, 1);
	assert_null(fx->seen.l);
	/* The reply went out before the memory did. */
	assert_int_equal(r.status, 200);
	assert_int_equal(fx->frees, 1);
	result_clear(&r);
	run_for(fx, 20);

	post(fx, port, "/", "b", 1, NULL, &r);
	assert_int_equal(r.status, 0);		/* connection refused */
	assert_int_equal(fx->seen.calls, 1);
	result_clear(&r);
	addr = xasprintf("127.0.0.1:%d", port);
	fx->seen.free_self = 0;
	l = listen_new(fx->base, "test", addr, 0, serve, &fx->seen, &cause);
	assert_non_null(l);
	listen_free(l);
	free(addr);
}

/* env.emit: keep every mention. */
static void
collect(struct mention *m, void *arg)
{
	struct fx *fx = arg;

	fx->got = xreallocarray(fx->got, fx->ngot + 1, sizeof(*fx->got));
	fx->got[fx->ngot++] = m;
}

/* Start tick source NAME listening on ADDR for COUNT requests. */
static struct source *
start_tick(struct fx *fx, struct loader *ld, const char *name,
    const char *addr, char **cause)
{
	struct config_errors errs = { NULL, 0 };
	struct source_env env = { 0 };
	struct config *cfg;
	struct source *src;
	char *text;

	env.base = fx->base;
	env.http = fx->http;
	env.emit = collect;
	env.emit_arg = fx;
	text = xasprintf("[source %s]\nplugin = tick\nfeed = http://127.0.0.1/"
	    "\nmode = listen\naddress = %s\ncount = 2\n", name, addr);
	cfg = config_load_string(text, "t.conf", &errs);
	free(text);
	assert_non_null(cfg);
	src = source_start(&env, loader_find(ld, "tick"),
	    config_source_find(cfg, name), cause);
	config_free(cfg);
	return src;
}

/* host->http_listen through a source: each request a mention, the task
 * cancelled from inside its callback, the address refused to another. */
static void
test_source_listen(void **state)
{
	struct fx *fx = *state;
	struct result r = { 0 };
	struct loader *ld = loader_new();
	struct source *src, *src2;
	char *cause = NULL, *addr;
	int port = harness_free_port();

	if (loader_load_file(ld, TEST_BROKEN_PLUGIN_DIR "/tick.so",
	    &cause) != 0)
		fail_msg("%s", cause);
	addr = xasprintf("127.0.0.1:%d", port);
	src = start_tick(fx, ld, "one", addr, &cause);
	if (src == NULL)
		fail_msg("source_start: %s", cause);

	src2 = start_tick(fx, ld, "two", addr, &cause);
	assert_null(src2);
	assert_non_null(strstr(cause, "Address already in use"));
	free(cause);
	cause = NULL;

	post(fx, port, "/x", "first body", 10, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "tick 1");
	result_clear(&r);
	post(fx, port, "/x", "second", 6, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "tick 2");
	result_clear(&r);
	assert_int_equal(fx->ngot, 2);
	assert_string_equal(fx->got[0]->id, "listen-1");
	assert_string_equal(fx->got[0]->text, "first body");
	assert_string_equal(fx->got[1]->text, "second");

	/* The plugin cancelled its listener after two requests. */
	run_for(fx, 20);
	post(fx, port, "/x", "third", 5, NULL, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(fx->ngot, 2);
	result_clear(&r);
	source_stop(src);

	/* A listener still open is closed by source_stop. */
	src = start_tick(fx, ld, "one", addr, &cause);
	assert_non_null(src);
	source_stop(src);
	src = start_tick(fx, ld, "one", addr, &cause);
	assert_non_null(src);
	source_stop(src);
	free(addr);
	loader_free(ld);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_reply, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_body_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_inside, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_source_listen, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
