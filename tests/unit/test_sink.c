/*
 * test_sink.c - the Redis sink against a real redis-server: what lands where,
 * in which order, with which fields; consumer groups, list queues, pub/sub,
 * MAXLEN; and no loss and no duplicates across a Redis that is down at start
 * or killed mid-run, a full hold buffer, AUTH and unix sockets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <hiredis/hiredis.h>

#include "harness.h"
#include "log.h"
#include "sink.h"
#include "spool.h"

/* A JSON document with characters a format string would choke on. */
#define TEST_JSON \
	"{\"id\":\"%s\",\"n\":%d,\"text\":\"100%% \\\"sure\\\" %%s %%d\"}"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run the loop until PRED(ARG) holds or TIMEOUT seconds pass. */
struct waiter {
	struct event_base	*base;
	int			(*pred)(void *);
	void			*arg;
	double			 deadline;
	int			 ok;
};

static void
waiter_tick(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	if (w->pred != NULL && w->pred(w->arg)) {
		w->ok = 1;
		event_base_loopbreak(w->base);
	} else if (now() >= w->deadline)
		event_base_loopbreak(w->base);
}

static int
run_until(struct event_base *base, int (*pred)(void *), void *arg,
    double timeout)
{
	struct waiter w = { base, pred, arg, now() + timeout, 0 };
	struct timeval tv = { 0, 2000 };
	struct event *ev;

	ev = event_new(base, -1, EV_PERSIST, waiter_tick, &w);
	event_add(ev, &tv);
	event_base_dispatch(base);
	event_free(ev);
	return w.ok;
}

static int
flag_set(void *arg)
{
	return *(int *)arg;
}

static void
on_flushed(void *arg)
{
	*(int *)arg = 1;
}

/* Whether sink ARG has nothing left in its spool to deliver. */
static int
spool_drained(void *arg)
{
	struct sink_stats st;

	sink_stats(arg, &st);
	return st.spooled == 0 && st.held == 0 && st.inflight == 0;
}

/* Flush S; 1 when everything was delivered in time. */
static int
flush_wait(struct sink *s, struct event_base *base, double timeout)
{
	struct sink_stats st;
	int done = 0;

	sink_flush(s, timeout, on_flushed, &done);
	run_until(base, flag_set, &done, timeout + 2);
	sink_stats(s, &st);
	return done && st.held == 0 && st.inflight == 0;
}

/* Capture what the log writes to stderr between capture_start and
 * capture_stop (which returns it, malloc'd). */
static int capture_fd = -1, capture_saved = -1;

static void
capture_start(void)
{
	char path[] = "/tmp/mentiond-sinklog-XXXXXX";

	fflush(stderr);
	/* Close-on-exec, so that a redis-server started meanwhile does not
	 * hold them. */
	capture_fd = mkostemp(path, O_CLOEXEC);
	unlink(path);
	capture_saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
	dup2(capture_fd, STDERR_FILENO);
}

static char *
capture_stop(void)
{
	off_t size;
	char *buf;
	ssize_t n;

	fflush(stderr);
	dup2(capture_saved, STDERR_FILENO);
	close(capture_saved);
	size = lseek(capture_fd, 0, SEEK_END);
	buf = calloc(1, (size_t)size + 1);
	n = pread(capture_fd, buf, (size_t)size, 0);
	buf[n < 0 ? 0 : n] = '\0';
	close(capture_fd);
	fputs(buf, stderr);	/* still show it */
	return buf;
}

/* Start redis-server with extra arguments EXTRA (NULL-terminated); PORT 0
 * means unix socket only (waited for with a connect). */
static int
start_redis_args(struct harness_redis *r, const char *const extra[])
{
	char port[16], log[512], *argv[32];
	size_t n = 0, i;
	redisContext *c;

	if (r->dir == NULL)
		r->dir = harness_tmpdir();
	snprintf(port, sizeof(port), "%d", r->port);
	snprintf(log, sizeof(log), "%s/redis.log", r->dir);
	argv[n++] = "redis-server";
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--bind";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--dir";
	argv[n++] = r->dir;
	argv[n++] = "--save";
	argv[n++] = "";
	argv[n++] = "--appendonly";
	argv[n++] = "yes";
	for (i = 0; extra[i] != NULL && n < 31; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	r->pid = harness_spawn(argv, log);
	if (r->pid == -1)
		return -1;
	if (r->port > 0)
		return harness_wait_port(r->port, 5000);
	for (i = 0; i < 500; i++) {
		char sock[600];

		snprintf(sock, sizeof(sock), "%s/redis.sock", r->dir);
		c = redisConnectUnix(sock);
		if (c != NULL && c->err == 0) {
			redisFree(c);
			return 0;
		}
		redisFree(c);
		usleep(10000);
	}
	return -1;
}

/* How many times NEEDLE occurs in HAY. */
static int
count_substr(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static redisContext *
sync_connect(int port)
{
	struct timeval tv = { 5, 0 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);

	assert_non_null(c);
	assert_int_equal(c->err, 0);
	redisSetTimeout(c, tv);
	return c;
}

static redisReply *
cmd(redisContext *c, const char *fmt, ...)
{
	redisReply *r;
	va_list ap;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	return r;
}

/* Assert that stream KEY holds exactly the entries with ids IDS[0..N-1], in
 * order, each with the fields id and data (the JSON of make_json). */
static void
assert_stream(redisContext *c, const char *key, char **ids, int *ns, size_t n)
{
	redisReply *r = cmd(c, "XRANGE %s - +", key), *f;
	char json[256];
	size_t i;

	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	if (r->elements != n)
		fprintf(stderr, "%s: %zu entries, want %zu\n", key,
		    r->elements, n);
	assert_int_equal(r->elements, n);
	for (i = 0; i < n; i++) {
		f = r->element[i]->element[1];
		assert_int_equal(f->elements, 4);
		assert_string_equal(f->element[0]->str, "id");
		if (strcmp(f->element[1]->str, ids[i]) != 0)
			fprintf(stderr, "%s: entry %zu is %s, want %s\n", key,
			    i, f->element[1]->str, ids[i]);
		assert_string_equal(f->element[1]->str, ids[i]);
		assert_string_equal(f->element[2]->str, "data");
		snprintf(json, sizeof(json), TEST_JSON, ids[i], ns[i]);
		assert_string_equal(f->element[3]->str, json);
	}
	freeReplyObject(r);
}

/* A list of ids NAME-FIRST .. NAME-(FIRST+N-1) with their numbers. */
struct idlist {
	char	**ids;
	int	 *ns;
	size_t	  n;
};

static void
idlist_add(struct idlist *l, const char *name, int i)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s%05d", name, i);
	l->ids = realloc(l->ids, (l->n + 1) * sizeof(*l->ids));
	l->ns = realloc(l->ns, (l->n + 1) * sizeof(*l->ns));
	l->ids[l->n] = strdup(buf);
	l->ns[l->n++] = i;
}

static void
idlist_free(struct idlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->ids[i]);
	free(l->ids);
	free(l->ns);
	memset(l, 0, sizeof(*l));
}

/* Send mention NAME-I and note it in L. */
static void
send_mention(struct sink *s, struct idlist *l, const char *name, int i)
{
	char json[256];

	idlist_add(l, name, i);
	snprintf(json, sizeof(json), TEST_JSON, l->ids[l->n - 1], i);
	sink_mention(s, l->ids[l->n - 1], json, NULL);
}

static void
send_alert(struct sink *s, struct idlist *l, const char *klass,
    const char *name, int i)
{
	char json[256];

	idlist_add(l, name, i);
	snprintf(json, sizeof(json), TEST_JSON, l->ids[l->n - 1], i);
	sink_alert(s, klass, l->ids[l->n - 1], json);
}

/* Deliver mention NAME-I with a negative alert, and note it in L. */
static void
send_delivery(struct sink *s, struct idlist *l, const char *name, int i)
{
	char json[256];

	idlist_add(l, name, i);
	snprintf(json, sizeof(json), TEST_JSON, l->ids[l->n - 1], i);
	sink_deliver(s, l->ids[l->n - 1], json, SINK_ALERT_NEGATIVE, 3600,
	    NULL, NULL, NULL);
}

static struct config_redis
make_cfg(char *url, enum config_queue queue, long long maxlen,
    long long hold_max)
{
	struct config_redis cfg = {
		.url = url, .password = NULL, .prefix = "t", .maxlen = maxlen,
		.queue = queue, .group = "workers", .hold_max = hold_max,
	};

	return cfg;
}

static int
sink_is_connected(void *arg)
{
	struct sink_stats st;

	sink_stats(arg, &st);
	return st.connected;
}

/* Mentions and alerts land in their streams with the exact fields, in
 * order; the group exists and delivers; PUBLISH reaches a subscriber. */
static void
test_streams(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist m = { 0 }, q = { 0 }, neg = { 0 }, pos = { 0 };
	struct sink_stats st;
	redisContext *c, *sub;
	redisReply *rep;
	char url[64], *cause = NULL, json[256];
	struct config_redis cfg;
	struct sink *s;
	int i;

	assert_int_equal(harness_redis_start(&r), 0);
	sub = sync_connect(r.port);
	rep = cmd(sub, "SUBSCRIBE t:alerts:question");
	freeReplyObject(rep);

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 1000);
	s = sink_new(base, &cfg, &cause);
	assert_non_null(s);
	assert_true(run_until(base, sink_is_connected, s, 5));
	for (i = 0; i < 10; i++) {
		send_mention(s, &m, "m", i);
		if (i % 3 == 0)
			send_alert(s, &q, "question", "q", i);
		if (i == 4)
			send_alert(s, &neg, "negative", "n", i);
		if (i == 7)
			send_alert(s, &pos, "positive", "p", i);
	}
	assert_true(flush_wait(s, base, 10));
	sink_stats(s, &st);
	assert_int_equal(st.written, 10 + 4 + 1 + 1);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.connected, 1);

	c = sync_connect(r.port);
	assert_stream(c, "t:mentions", m.ids, m.ns, m.n);
	assert_stream(c, "t:alerts:question", q.ids, q.ns, q.n);
	assert_stream(c, "t:alerts:negative", neg.ids, neg.ns, neg.n);
	assert_stream(c, "t:alerts:positive", pos.ids, pos.ns, pos.n);

	/* The group was created (before the alerts: it delivers all). */
	rep = cmd(c, "XINFO GROUPS t:alerts:positive");
	assert_int_equal(rep->elements, 1);
	freeReplyObject(rep);
	rep = cmd(c, "XREADGROUP GROUP workers c1 COUNT 1 STREAMS "
	    "t:alerts:question >");
	assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
	assert_int_equal(rep->elements, 1);
	{
		redisReply *ent = rep->element[0]->element[1]->element[0];
		redisReply *ack;

		assert_string_equal(ent->element[1]->element[1]->str, "q00000");
		ack = cmd(c, "XACK t:alerts:question workers %s",
		    ent->element[0]->str);
		assert_int_equal(ack->type, REDIS_REPLY_INTEGER);
		assert_int_equal(ack->integer, 1);
		freeReplyObject(ack);
	}
	freeReplyObject(rep);

	/* The subscriber saw every question alert, in order. */
	for (i = 0; i < (int)q.n; i++) {
		void *v = NULL;

		assert_int_equal(redisGetReply(sub, &v), REDIS_OK);
		rep = v;
		assert_int_equal(rep->elements, 3);
		assert_string_equal(rep->element[0]->str, "message");
		assert_string_equal(rep->element[1]->str, "t:alerts:question");
		snprintf(json, sizeof(json), TEST_JSON, q.ids[i], q.ns[i]);
		assert_string_equal(rep->element[2]->str, json);
		freeReplyObject(rep);
	}

	/* A second sink on the same Redis meets the existing groups. */
	sink_free(s);
	s = sink_new(base, &cfg, &cause);
	assert_true(run_until(base, sink_is_connected, s, 5));
	sink_free(s);

	redisFree(sub);
	redisFree(c);
	idlist_free(&m);
	idlist_free(&q);
	idlist_free(&neg);
	idlist_free(&pos);
	event_base_free(base);
	harness_redis_stop(&r);
}

/* queue = list: LPUSH, so BRPOP takes alerts in the order sent. */
static void
test_list_queue(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist q = { 0 };
	redisContext *c, *sub;
	redisReply *rep;
	char url[64], *cause = NULL, json[256];
	struct config_redis cfg;
	struct sink *s;
	int i;

	assert_int_equal(harness_redis_start(&r), 0);
	sub = sync_connect(r.port);
	freeReplyObject(cmd(sub, "SUBSCRIBE t:alerts:question"));
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_LIST, 0, 1000);
	s = sink_new(base, &cfg, &cause);
	assert_non_null(s);
	for (i = 0; i < 20; i++)
		send_alert(s, &q, "question", "q", i);
	assert_true(flush_wait(s, base, 10));

	c = sync_connect(r.port);
	rep = cmd(c, "TYPE t:alerts:question");
	assert_string_equal(rep->str, "list");
	freeReplyObject(rep);
	for (i = 0; i < 20; i++) {
		rep = cmd(c, "BRPOP t:alerts:question 1");
		assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
		snprintf(json, sizeof(json), TEST_JSON, q.ids[i], q.ns[i]);
		assert_string_equal(rep->element[1]->str, json);
		freeReplyObject(rep);
	}
	rep = cmd(c, "LLEN t:alerts:question");
	assert_int_equal(rep->integer, 0);
	freeReplyObject(rep);
	for (i = 0; i < 20; i++) {
		void *v = NULL;

		assert_int_equal(redisGetReply(sub, &v), REDIS_OK);
		rep = v;
		snprintf(json, sizeof(json), TEST_JSON, q.ids[i], q.ns[i]);
		assert_string_equal(rep->element[2]->str, json);
		freeReplyObject(rep);
	}

	sink_free(s);
	redisFree(sub);
	redisFree(c);
	idlist_free(&q);
	event_base_free(base);
	harness_redis_stop(&r);
}

/* MAXLEN ~ caps the stream near maxlen, keeping the newest. */
static void
test_maxlen(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist m = { 0 };
	redisContext *c;
	redisReply *rep;
	char url[64], *cause = NULL;
	struct config_redis cfg;
	struct sink *s;
	int i;

	assert_int_equal(harness_redis_start(&r), 0);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 50, 10000);
	s = sink_new(base, &cfg, &cause);
	for (i = 0; i < 2000; i++)
		send_mention(s, &m, "m", i);
	assert_true(flush_wait(s, base, 20));

	c = sync_connect(r.port);
	rep = cmd(c, "XLEN t:mentions");
	assert_true(rep->integer >= 50);
	assert_true(rep->integer < 300);
	freeReplyObject(rep);
	rep = cmd(c, "XREVRANGE t:mentions + - COUNT 1");
	assert_string_equal(rep->element[0]->element[1]->element[1]->str,
	    "m01999");
	freeReplyObject(rep);

	sink_free(s);
	redisFree(c);
	idlist_free(&m);
	event_base_free(base);
	harness_redis_stop(&r);
}

/* A key made another type by someone else (a string where the alert stream
 * should be) holds everything, drops nothing, and names the key; once it is
 * deleted, every entry arrives, byte for byte: binary-safe ids and JSON
 * (quotes, newlines, CRLF, a NUL-free UTF-8 mix). */
static void
test_wrongtype_held_and_binary_safe(void **state)
{
	static const char *const ids[] = {
		"a:1", "a:\"2\"", "a:\r\n*3\r\n$4", "a:caf\xc3\xa9",
	};
	static const char *const docs[] = {
		"{}", "{\"t\":\"x\\r\\n\"}", "*1\r\n$4\r\nPING\r\n",
		"{\"t\":\"\xe2\x80\xa8 \\u0001\"}",
	};
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct sink_stats st;
	redisContext *c;
	redisReply *rep;
	char url[64], *cause = NULL, *log;
	struct config_redis cfg;
	struct sink *s;
	int never = 0;
	size_t i;

	assert_int_equal(harness_redis_start(&r), 0);
	c = sync_connect(r.port);
	freeReplyObject(cmd(c, "SET t:alerts:negative not-a-stream"));
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 1000, 1000);
	capture_start();
	s = sink_new(base, &cfg, &cause);
	assert_non_null(s);
	sink_alert(s, "negative", "a:refused", "{\"refused\":true}");
	for (i = 0; i < 4; i++)
		sink_mention(s, ids[i], docs[i], NULL);
	run_until(base, flag_set, &never, 1.0);
	log = capture_stop();
	sink_stats(s, &st);
	assert_int_equal(st.connected, 0);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.held, 5);
	assert_non_null(strstr(log, "t:alerts:negative: WRONGTYPE"));
	free(log);

	freeReplyObject(cmd(c, "DEL t:alerts:negative"));
	assert_true(flush_wait(s, base, 10));
	sink_stats(s, &st);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.written, 5);

	rep = cmd(c, "XRANGE t:mentions - +");
	assert_int_equal(rep->elements, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(rep->element[i]->element[1]->elements, 4);
		assert_string_equal(
		    rep->element[i]->element[1]->element[0]->str, "id");
		assert_string_equal(
		    rep->element[i]->element[1]->element[1]->str, ids[i]);
		assert_string_equal(
		    rep->element[i]->element[1]->element[2]->str, "data");
		assert_string_equal(
		    rep->element[i]->element[1]->element[3]->str, docs[i]);
	}
	freeReplyObject(rep);
	rep = cmd(c, "XRANGE t:alerts:negative - +");
	assert_int_equal(rep->elements, 1);
	assert_string_equal(rep->element[0]->element[1]->element[1]->str,
	    "a:refused");
	freeReplyObject(rep);

	sink_free(s);
	redisFree(c);
	event_base_free(base);
	harness_redis_stop(&r);
}

/*
 * A loopback TCP proxy in front of Redis, on the test's loop, that can be
 * told to let only BUDGET more bytes through to Redis and none back, and then
 * to cut every connection: Redis has executed some of the commands the sink
 * sent, and the sink has read none of the replies.
 */
struct proxy_conn {
	struct proxy		*p;
	struct bufferevent	*client;
	struct bufferevent	*server;
};

struct proxy {
	struct evconnlistener	*listener;
	int			 port;
	int			 target;
	int			 blackhole;
	size_t			 budget;
	struct proxy_conn	*conns[32];
	size_t			 nconns;
};

static void
proxy_client_read(struct bufferevent *bev, void *arg)
{
	struct proxy_conn *pc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	if (pc->p->blackhole) {
		if (n > pc->p->budget)
			n = pc->p->budget;
		pc->p->budget -= n;
		evbuffer_remove_buffer(in, bufferevent_get_output(pc->server),
		    n);
		evbuffer_drain(in, evbuffer_get_length(in));
	} else
		bufferevent_write_buffer(pc->server, in);
}

static void
proxy_server_read(struct bufferevent *bev, void *arg)
{
	struct proxy_conn *pc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (pc->p->blackhole)
		evbuffer_drain(in, evbuffer_get_length(in));
	else
		bufferevent_write_buffer(pc->client, in);
}

static void
proxy_conn_free(struct proxy_conn *pc)
{
	struct proxy *p = pc->p;
	size_t i;

	for (i = 0; i < p->nconns; i++) {
		if (p->conns[i] == pc) {
			p->conns[i] = p->conns[--p->nconns];
			break;
		}
	}
	bufferevent_free(pc->client);
	bufferevent_free(pc->server);
	free(pc);
}

static void
proxy_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		proxy_conn_free(arg);
}

static void
proxy_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct proxy *p = arg;
	struct event_base *base = evconnlistener_get_base(l);
	struct proxy_conn *pc = calloc(1, sizeof(*pc));
	struct sockaddr_in sin;

	pc->p = p;
	pc->client = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	pc->server = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)p->target);
	bufferevent_setcb(pc->client, proxy_client_read, NULL, proxy_event, pc);
	bufferevent_setcb(pc->server, proxy_server_read, NULL, proxy_event, pc);
	bufferevent_enable(pc->client, EV_READ);
	bufferevent_enable(pc->server, EV_READ);
	assert_int_equal(bufferevent_socket_connect(pc->server,
	    (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_true(p->nconns < 32);
	p->conns[p->nconns++] = pc;
}

static void
proxy_start(struct proxy *p, struct event_base *base, int target)
{
	struct sockaddr_in sin;

	memset(p, 0, sizeof(*p));
	p->target = target;
	p->port = harness_free_port();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)p->port);
	p->listener = evconnlistener_new_bind(base, proxy_accept, p,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof(sin));
	assert_non_null(p->listener);
}

/* Close every proxied connection. */
static void
proxy_cut(struct proxy *p)
{
	while (p->nconns > 0)
		proxy_conn_free(p->conns[0]);
}

static void
proxy_stop(struct proxy *p)
{
	proxy_cut(p);
	evconnlistener_free(p->listener);
}

static int
proxy_budget_spent(void *arg)
{
	return ((struct proxy *)arg)->budget == 0;
}

/* Written but unacknowledged when the link drops: found again on reconnect
 * and not written twice (streams: XREVRANGE; lists: LRANGE). */
static void
run_unacked(enum config_queue queue)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist l = { 0 };
	struct sink_stats st;
	struct proxy p;
	redisContext *c;
	redisReply *rep;
	char url[64], *cause = NULL, *log, json[256], *k;
	struct config_redis cfg;
	struct sink *s;
	int i, list = queue == CONFIG_QUEUE_LIST;
	const char *key = "t:alerts:negative";

	assert_int_equal(harness_redis_start(&r), 0);
	proxy_start(&p, base, r.port);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", p.port);
	cfg = make_cfg(url, queue, 0, 1000);
	capture_start();
	s = sink_new(base, &cfg, &cause);
	for (i = 0; i < 5; i++)
		send_alert(s, &l, "negative", "n", i);
	assert_true(flush_wait(s, base, 10));

	/* About a third of the next 60 reach Redis; no reply comes back. */
	p.blackhole = 1;
	p.budget = 20 * 150;
	for (i = 5; i < 65; i++)
		send_alert(s, &l, "negative", "n", i);
	assert_true(run_until(base, proxy_budget_spent, &p, 5));
	run_until(base, NULL, NULL, 0.2);
	sink_stats(s, &st);
	assert_int_equal(st.inflight, 60);
	c = sync_connect(r.port);
	rep = cmd(c, list ? "LLEN %s" : "XLEN %s", key);
	fprintf(stderr, "%lld of 65 written before the cut\n", rep->integer);
	assert_true(rep->integer > 5 && rep->integer < 65);
	freeReplyObject(rep);

	p.blackhole = 0;
	proxy_cut(&p);
	for (i = 65; i < 70; i++)
		send_alert(s, &l, "negative", "n", i);
	assert_true(flush_wait(s, base, 10));
	log = capture_stop();
	assert_null(strstr(log, "(0 had been written"));
	assert_non_null(strstr(log, "had been written before the loss"));
	free(log);
	sink_stats(s, &st);
	assert_int_equal(st.written, 70);

	if (!list)
		assert_stream(c, key, l.ids, l.ns, l.n);
	else {
		rep = cmd(c, "LRANGE %s 0 -1", key);
		assert_int_equal(rep->elements, l.n);
		for (i = 0; i < (int)l.n; i++) {
			/* LPUSH: the newest is first. */
			k = rep->element[l.n - 1 - i]->str;
			snprintf(json, sizeof(json), TEST_JSON, l.ids[i],
			    l.ns[i]);
			assert_string_equal(k, json);
		}
		freeReplyObject(rep);
	}

	sink_free(s);
	proxy_stop(&p);
	redisFree(c);
	idlist_free(&l);
	event_base_free(base);
	harness_redis_stop(&r);
}

/* Deliveries in flight when the link drops are sent again; the ones Redis
 * had run are not written twice (their seen key is claimed), and none is
 * lost: the mentions stream and the alert queue hold each exactly once, in
 * order. A second sink delivering the same mentions writes nothing. */
static void
test_unacked_deliveries(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist l = { 0 };
	struct sink_stats st;
	struct proxy p;
	redisContext *c;
	redisReply *rep;
	char url[64], *cause = NULL;
	struct config_redis cfg;
	struct sink *s;
	int i;

	assert_int_equal(harness_redis_start(&r), 0);
	proxy_start(&p, base, r.port);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", p.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 1000);
	s = sink_new(base, &cfg, &cause);
	for (i = 0; i < 5; i++)
		send_delivery(s, &l, "d", i);
	assert_true(flush_wait(s, base, 10));

	p.blackhole = 1;
	p.budget = 20 * 300;
	for (i = 5; i < 65; i++)
		send_delivery(s, &l, "d", i);
	assert_true(run_until(base, proxy_budget_spent, &p, 5));
	run_until(base, NULL, NULL, 0.2);
	c = sync_connect(r.port);
	rep = cmd(c, "XLEN t:mentions");
	fprintf(stderr, "%lld of 65 delivered before the cut\n", rep->integer);
	assert_true(rep->integer > 5 && rep->integer < 65);
	freeReplyObject(rep);

	p.blackhole = 0;
	proxy_cut(&p);
	for (i = 65; i < 70; i++)
		send_delivery(s, &l, "d", i);
	assert_true(flush_wait(s, base, 10));
	sink_stats(s, &st);
	assert_int_equal(st.seen_before, 0);
	assert_int_equal(st.written, 70);
	assert_stream(c, "t:mentions", l.ids, l.ns, l.n);
	assert_stream(c, "t:alerts:negative", l.ids, l.ns, l.n);
	sink_free(s);

	/* Another sink (another instance) delivers the same: nothing. */
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 1000);
	s = sink_new(base, &cfg, &cause);
	for (i = 0; i < 70; i++) {
		char json[256];

		snprintf(json, sizeof(json), TEST_JSON, l.ids[i], l.ns[i]);
		sink_deliver(s, l.ids[i], json, SINK_ALERT_NEGATIVE, 3600,
		    NULL, NULL, NULL);
	}
	assert_true(flush_wait(s, base, 10));
	sink_stats(s, &st);
	assert_int_equal(st.seen_before, 70);
	assert_int_equal(st.written, 0);
	assert_stream(c, "t:alerts:negative", l.ids, l.ns, l.n);

	sink_free(s);
	proxy_stop(&p);
	redisFree(c);
	idlist_free(&l);
	event_base_free(base);
	harness_redis_stop(&r);
}

static void
test_unacked_stream(void **state)
{
	run_unacked(CONFIG_QUEUE_STREAM);
}

static void
test_unacked_list(void **state)
{
	run_unacked(CONFIG_QUEUE_LIST);
}

/* Redis down at start: entries are held, then delivered in order once Redis
 * runs; a flush that runs out of time says so and leaves them held. */
static void
test_down_at_start(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist m = { 0 }, q = { 0 };
	struct sink_stats st;
	redisContext *c;
	char url[64], *cause = NULL, *log;
	struct config_redis cfg;
	struct sink *s;
	int i, done = 0;

	r.port = harness_free_port();
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 1000);
	capture_start();
	s = sink_new(base, &cfg, &cause);
	assert_non_null(s);
	for (i = 0; i < 100; i++) {
		send_mention(s, &m, "m", i);
		if (i % 10 == 0)
			send_alert(s, &q, "question", "q", i);
	}
	sink_flush(s, 0.3, on_flushed, &done);
	assert_true(run_until(base, flag_set, &done, 3));
	sink_stats(s, &st);
	assert_int_equal(st.held, 110);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.connected, 0);

	assert_int_equal(harness_redis_start(&r), 0);
	assert_true(flush_wait(s, base, 15));
	log = capture_stop();
	assert_non_null(strstr(log, "flush to"));
	assert_non_null(strstr(log, "timed out"));
	assert_non_null(strstr(log, "delivering 110 held entries"));
	free(log);
	sink_stats(s, &st);
	assert_int_equal(st.written, 110);

	c = sync_connect(r.port);
	assert_stream(c, "t:mentions", m.ids, m.ns, m.n);
	assert_stream(c, "t:alerts:question", q.ids, q.ns, q.n);

	sink_free(s);
	redisFree(c);
	idlist_free(&m);
	idlist_free(&q);
	event_base_free(base);
	harness_redis_stop(&r);
}

/* Writes entries at a steady rate from a timer, killing Redis and starting
 * it again on the way. */
struct feeder {
	struct sink		*s;
	struct harness_redis	*r;
	struct idlist		 m;
	struct idlist		 q;
	int			 next;
	int			 total;
	int			 per_tick;
	int			 kill_at;
	int			 restart_at;
	struct event		*ev;
};

static void
feeder_tick(evutil_socket_t fd, short what, void *arg)
{
	struct feeder *f = arg;
	int k;

	for (k = 0; k < f->per_tick && f->next < f->total; k++) {
		if (f->next == f->kill_at)
			harness_redis_kill(f->r);
		if (f->next == f->restart_at)
			assert_int_equal(harness_redis_restart(f->r), 0);
		send_mention(f->s, &f->m, "m", f->next);
		if (f->next % 7 == 0)
			send_alert(f->s, &f->q, "question", "q", f->next);
		f->next++;
	}
	if (f->next == f->total)
		event_del(f->ev);
}

static int
feeder_done(void *arg)
{
	struct feeder *f = arg;

	return f->next == f->total;
}

/* SIGKILL Redis mid-run and restart it: after the flush every entry is in
 * its stream exactly once, in order. */
static void
test_kill_restart(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct feeder f = { 0 };
	struct timeval tv = { 0, 2000 };
	struct sink_stats st;
	redisContext *c;
	char url[64], *cause = NULL, *log;
	struct config_redis cfg;

	assert_int_equal(harness_redis_start(&r), 0);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 100000);
	capture_start();
	f.s = sink_new(base, &cfg, &cause);
	assert_non_null(f.s);
	assert_true(run_until(base, sink_is_connected, f.s, 5));
	f.r = &r;
	f.total = 20000;
	f.per_tick = 40;		/* every 2 ms: ~20,000 a second */
	f.kill_at = 7000;
	f.restart_at = 11000;
	f.ev = event_new(base, -1, EV_PERSIST, feeder_tick, &f);
	event_add(f.ev, &tv);
	assert_true(run_until(base, feeder_done, &f, 30));
	assert_true(flush_wait(f.s, base, 30));
	log = capture_stop();
	assert_non_null(strstr(log, "lost 127.0.0.1"));
	assert_non_null(strstr(log, "reconnected to 127.0.0.1"));
	free(log);

	sink_stats(f.s, &st);
	assert_int_equal(st.written, f.m.n + f.q.n);
	assert_int_equal(st.dropped, 0);
	c = sync_connect(r.port);
	assert_stream(c, "t:mentions", f.m.ids, f.m.ns, f.m.n);
	assert_stream(c, "t:alerts:question", f.q.ids, f.q.ns, f.q.n);

	sink_free(f.s);
	event_free(f.ev);
	redisFree(c);
	idlist_free(&f.m);
	idlist_free(&f.q);
	event_base_free(base);
	harness_redis_stop(&r);
}

/* A full hold buffer drops the oldest plain mentions first, and alerts only
 * when it holds nothing else; the rest is delivered in order. */
static void
test_hold_overflow(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist m = { 0 }, q = { 0 }, neg = { 0 }, pos = { 0 };
	struct idlist all = { 0 }, m_kept = { 0 }, a_kept = { 0 };
	struct sink_stats st;
	redisContext *c;
	char url[64], *cause = NULL, *log;
	struct config_redis cfg, cfg2;
	struct sink *s, *s2;
	int i;

	r.port = harness_free_port();
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 10);
	cfg2 = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 3);
	cfg2.prefix = "u";
	capture_start();
	s = sink_new(base, &cfg, &cause);
	s2 = sink_new(base, &cfg2, &cause);

	send_alert(s, &q, "question", "q", 0);
	for (i = 0; i < 10; i++)
		send_mention(s, &m, "m", i);
	send_alert(s, &neg, "negative", "n", 10);
	for (i = 10; i < 20; i++)
		send_mention(s, &m, "m", i);
	send_alert(s, &pos, "positive", "p", 20);
	sink_stats(s, &st);
	assert_int_equal(st.dropped, 13);
	assert_int_equal(st.held, 10);
	for (i = 13; i < 20; i++)
		idlist_add(&m_kept, "m", i);

	for (i = 0; i < 5; i++)
		send_alert(s2, &all, "question", "q", i);
	sink_stats(s2, &st);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.held, 3);
	for (i = 2; i < 5; i++)
		idlist_add(&a_kept, "q", i);

	assert_int_equal(harness_redis_start(&r), 0);
	assert_true(flush_wait(s, base, 15));
	assert_true(flush_wait(s2, base, 15));
	log = capture_stop();
	assert_non_null(strstr(log, "dropping the oldest mentions"));
	assert_non_null(strstr(log, "dropping the oldest alerts"));
	assert_non_null(strstr(log, "13 entries were dropped"));
	free(log);

	c = sync_connect(r.port);
	assert_stream(c, "t:mentions", m_kept.ids, m_kept.ns, m_kept.n);
	assert_stream(c, "t:alerts:question", q.ids, q.ns, q.n);
	assert_stream(c, "t:alerts:negative", neg.ids, neg.ns, neg.n);
	assert_stream(c, "t:alerts:positive", pos.ids, pos.ns, pos.n);
	assert_stream(c, "u:alerts:question", a_kept.ids, a_kept.ns,
	    a_kept.n);

	sink_free(s);
	sink_free(s2);
	redisFree(c);
	idlist_free(&m);
	idlist_free(&q);
	idlist_free(&neg);
	idlist_free(&pos);
	idlist_free(&all);
	idlist_free(&m_kept);
	idlist_free(&a_kept);
	event_base_free(base);
	harness_redis_stop(&r);
}

/* sink_done for test_spool: count what is told written (or safe) and lost. */
struct done_count {
	int	 ok;
	int	 lost;
};

static void
count_done(void *arg, uint64_t seq, int ok)
{
	struct done_count *d = arg;

	(void)seq;
	if (ok)
		d->ok++;
	else
		d->lost++;
}

/* Deliver NAME-I as send_delivery does, telling D when it is safe. */
static void
send_counted(struct sink *s, struct idlist *l, const char *name, int i,
    struct done_count *d)
{
	struct sink_done done = { count_done, d, (uint64_t)i };
	char json[256];

	idlist_add(l, name, i);
	snprintf(json, sizeof(json), TEST_JSON, l->ids[l->n - 1], i);
	sink_deliver(s, l->ids[l->n - 1], json, SINK_ALERT_NEGATIVE, 3600,
	    NULL, NULL, &done);
}

static int
done_count_reached(void *arg)
{
	struct done_count *d = arg;

	return d->ok >= 90;
}

/*
 * A delivery spooled by the version before deliver.lua last changed (an
 * upgrade while the spool held some): its EVALSHA names the script as it
 * was then, with 5 keys and 6 arguments. It is delivered, once, and does
 * not stall the sink on NOSCRIPT.
 */
#define OLD_DELIVER_SHA1	"798f105c8a2cebd8d0d44a6943221adaac98e88e"

static void
test_spool_older_script(void **state)
{
	const char *argv[14] = {
		"EVALSHA", OLD_DELIVER_SHA1, "5", "t:seen:old:1", "t:mentions",
		"t:alerts:question", "t:alerts:negative", "t:alerts:positive",
		"3600", "old:1", "{\"id\":\"old:1\"}", "0", "n", "stream"
	};
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	unsigned char rec[1024], *p;
	uint32_t h[6];
	char url[64], path[512], *cause = NULL, *dir, *log;
	struct config_redis cfg;
	struct spool *sp;
	redisContext *c;
	redisReply *rep;
	struct sink *s;
	int i;

	/* The record as sink_spool_record writes it: key, flags (a delivery),
	 * the offsets, then the command in RESP. */
	p = rec + 2 + sizeof(h);
	p += sprintf((char *)p, "*14\r\n");
	for (i = 0; i < 14; i++) {
		p += sprintf((char *)p, "$%zu\r\n", strlen(argv[i]));
		if (i == 9)
			h[2] = (uint32_t)(p - rec - 2 - sizeof(h));
		if (i == 10)
			h[4] = (uint32_t)(p - rec - 2 - sizeof(h));
		p += sprintf((char *)p, "%s\r\n", argv[i]);
	}
	h[0] = h[1] = (uint32_t)(p - rec - 2 - sizeof(h));
	h[3] = (uint32_t)strlen(argv[9]);
	h[5] = (uint32_t)strlen(argv[10]);
	rec[0] = 0;
	rec[1] = 1;
	memcpy(rec + 2, h, sizeof(h));

	dir = harness_tmpdir();
	snprintf(path, sizeof(path), "%s/redis.spool", dir);
	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	assert_int_equal(spool_append(sp, 1, rec, (size_t)(p - rec)), 0);
	spool_sync(sp);

	assert_int_equal(harness_redis_start(&r), 0);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 10);
	capture_start();
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	/* Read back and sent (a flush alone may come before the read). */
	assert_true(run_until(base, spool_drained, s, 10));
	assert_true(flush_wait(s, base, 5));
	sink_free(s);
	spool_close(sp);
	log = capture_stop();
	assert_null(strstr(log, "NOSCRIPT"));
	free(log);
	c = sync_connect(r.port);
	rep = redisCommand(c, "XLEN t:alerts:negative");
	assert_int_equal(rep->integer, 1);
	freeReplyObject(rep);
	rep = redisCommand(c, "XLEN t:mentions");
	assert_int_equal(rep->integer, 1);
	freeReplyObject(rep);
	redisFree(c);
	harness_redis_stop(&r);
	event_base_free(base);
	harness_rmtree(dir);
	free(dir);
	(void)state;
}

/*
 * Redis away and a hold buffer of 10: the rest goes to the spool instead of
 * being dropped, and counts as safe once synced; stopping saves the held
 * ones there too. A restart (a new sink on the same file, with a torn record
 * at its end, as a crash mid-write leaves it) cuts the torn record, delivers
 * the spool first and then what came since, each once, in order, and
 * empties the file.
 */
static void
test_spool(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist l = { 0 };
	struct done_count d = { 0, 0 }, d2 = { 0, 0 };
	struct sink_stats st;
	struct spool *sp;
	redisContext *c;
	char url[64], path[512], *cause = NULL, *log, *dir;
	struct config_redis cfg;
	struct sink *s;
	FILE *fp;
	int i;

	dir = harness_tmpdir();
	snprintf(path, sizeof(path), "%s/redis.spool", dir);
	r.port = harness_free_port();
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 10);
	capture_start();
	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	for (i = 0; i < 100; i++)
		send_counted(s, &l, "d", i, &d);
	sink_stats(s, &st);
	assert_int_equal(st.held, 10);
	assert_int_equal(st.spooled, 90);
	assert_int_equal(st.dropped, 0);
	assert_true(run_until(base, done_count_reached, &d, 2));
	assert_int_equal(d.ok, 90);		/* on disk: safe */
	sink_free(s);				/* Redis still away */
	assert_int_equal(d.ok, 100);
	assert_int_equal(d.lost, 0);
	spool_close(sp);
	log = capture_stop();
	assert_non_null(strstr(log, "spooling the oldest to"));
	assert_non_null(strstr(log, "10 undelivered entries saved to"));
	assert_null(strstr(log, "lost"));
	free(log);

	/* A crash in the middle of a write leaves a torn record. */
	fp = fopen(path, "ab");
	assert_non_null(fp);
	fwrite("SOL1\x40\0\0\0garbage", 1, 15, fp);
	fclose(fp);

	capture_start();
	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	assert_int_equal(spool_unread(sp), 100);
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	for (i = 100; i < 105; i++)
		send_counted(s, &l, "d", i, &d2);
	assert_int_equal(harness_redis_start(&r), 0);
	assert_true(flush_wait(s, base, 15));
	sink_stats(s, &st);
	assert_int_equal(st.spooled, 0);
	assert_int_equal(d2.ok, 5);
	c = sync_connect(r.port);
	assert_stream(c, "t:mentions", l.ids, l.ns, l.n);
	assert_stream(c, "t:alerts:negative", l.ids, l.ns, l.n);
	assert_int_equal(spool_bytes(sp), 0);
	sink_free(s);
	spool_close(sp);
	log = capture_stop();
	assert_non_null(strstr(log, "torn or corrupt record"));
	assert_non_null(strstr(log, "holds 100 undelivered entries"));
	assert_non_null(strstr(log, "spool drained: 100 entries"));
	free(log);

	redisFree(c);
	idlist_free(&l);
	event_base_free(base);
	harness_redis_stop(&r);
	harness_rmtree(dir);
	free(dir);
}

static int
sink_is_disconnected(void *arg)
{
	return !sink_is_connected(arg);
}

/* Deliver NAME-I with a negative alert, its JSON padded with PAD spaces, and
 * note it in L. */
static void
send_padded(struct sink *s, struct idlist *l, const char *name, int i,
    int pad)
{
	size_t size = (size_t)pad + 128;
	char *json = malloc(size);

	idlist_add(l, name, i);
	snprintf(json, size, "{\"id\":\"%s\",\"pad\":\"%*s\"}",
	    l->ids[l->n - 1], pad, "");
	sink_deliver(s, l->ids[l->n - 1], json, SINK_ALERT_NEGATIVE, 3600,
	    NULL, NULL, NULL);
	free(json);
}

/* Assert that stream KEY holds each id of L exactly once, and nothing else,
 * in any order. */
static void
assert_each_once(redisContext *c, const char *key, const struct idlist *l)
{
	redisReply *r = cmd(c, "XRANGE %s - +", key), *f;
	int *seen = calloc(l->n + 1, sizeof(*seen));
	size_t i, j, bad = 0;

	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	for (i = 0; i < r->elements; i++) {
		f = r->element[i]->element[1];
		for (j = 0; j < l->n; j++)
			if (strcmp(f->element[1]->str, l->ids[j]) == 0)
				break;
		if (j == l->n)
			bad++;
		else
			seen[j]++;
	}
	for (j = 0; j < l->n; j++)
		if (seen[j] != 1)
			bad++;
	if (bad > 0 || r->elements != l->n)
		fprintf(stderr, "%s: %zu entries, want %zu (%zu missing, "
		    "repeated or unknown)\n", key, r->elements, l->n, bad);
	assert_int_equal(bad, 0);
	assert_int_equal(r->elements, l->n);
	free(seen);
	freeReplyObject(r);
}

/*
 * Redis away: 1,100 entries of a kilobyte each (a mention with its text) go
 * to the spool, more than one read-back chunk and more than the pipeline
 * window holds. At the next start, once Redis is there, all of it is
 * delivered without waiting for another entry to be taken, and the file is
 * emptied.
 */
static void
test_spool_big_entries(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist l = { 0 };
	struct sink_stats st;
	struct spool *sp;
	redisContext *c;
	char url[64], path[512], *cause = NULL, *dir;
	struct config_redis cfg;
	struct sink *s;
	int i;

	dir = harness_tmpdir();
	snprintf(path, sizeof(path), "%s/redis.spool", dir);
	r.port = harness_free_port();
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 10);
	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	for (i = 0; i < 1100; i++)
		send_padded(s, &l, "d", i, 1024);
	sink_stats(s, &st);
	assert_int_equal(st.spooled, 1090);
	assert_int_equal(st.dropped, 0);
	sink_free(s);		/* a stop saves the 10 held there too */
	spool_close(sp);

	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	assert_int_equal(spool_unread(sp), 1100);
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	assert_int_equal(harness_redis_start(&r), 0);
	assert_true(run_until(base, sink_is_connected, s, 5));
	assert_true(flush_wait(s, base, 15));
	sink_stats(s, &st);
	assert_int_equal(st.spooled, 0);
	c = sync_connect(r.port);
	assert_each_once(c, "t:mentions", &l);
	assert_each_once(c, "t:alerts:negative", &l);
	assert_int_equal(spool_bytes(sp), 0);

	sink_free(s);
	spool_close(sp);
	redisFree(c);
	idlist_free(&l);
	event_base_free(base);
	harness_redis_stop(&r);
	harness_rmtree(dir);
	free(dir);
}

/*
 * Redis stops answering (a hung server, a silent partition) with the
 * pipeline window full: what is held beyond hold_max goes to the spool, then
 * a stop saves what was in flight after it, so the file is not in the order
 * the entries were taken (and longer than one read-back chunk). The next
 * start delivers all of it, each once, and empties the file.
 */
static void
test_spool_unsorted(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist l = { 0 };
	struct sink_stats st;
	struct spool *sp;
	struct proxy p;
	redisContext *c;
	char url[64], path[512], *cause = NULL, *dir;
	struct config_redis cfg;
	struct sink *s;
	int i;

	dir = harness_tmpdir();
	snprintf(path, sizeof(path), "%s/redis.spool", dir);
	assert_int_equal(harness_redis_start(&r), 0);
	proxy_start(&p, base, r.port);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", p.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 10);
	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	assert_true(run_until(base, sink_is_connected, s, 5));
	p.blackhole = 1;
	p.budget = 0;
	for (i = 0; i < 1100; i++)
		send_padded(s, &l, "d", i, 1024);
	sink_stats(s, &st);
	assert_true(st.inflight > 900);
	assert_true(st.spooled > 50);
	sink_free(s);
	spool_close(sp);
	proxy_stop(&p);

	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	assert_int_equal(spool_unread(sp), 1100);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 10);
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	assert_true(run_until(base, sink_is_connected, s, 5));
	assert_true(flush_wait(s, base, 15));
	sink_stats(s, &st);
	assert_int_equal(st.spooled, 0);
	c = sync_connect(r.port);
	assert_each_once(c, "t:mentions", &l);
	assert_each_once(c, "t:alerts:negative", &l);
	assert_int_equal(spool_bytes(sp), 0);

	sink_free(s);
	spool_close(sp);
	redisFree(c);
	idlist_free(&l);
	event_base_free(base);
	harness_redis_stop(&r);
	harness_rmtree(dir);
	free(dir);
}

/*
 * More deliveries in flight than hold_max when the connection drops: the
 * next entry spills the oldest of them to the spool (a delivery sent again
 * writes nothing twice) instead of dropping alerts; every one is delivered
 * once, in order.
 */
static void
test_spool_inflight_over_hold(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist l = { 0 };
	struct sink_stats st;
	struct spool *sp;
	struct proxy p;
	redisContext *c;
	char url[64], path[512], *cause = NULL, *dir;
	struct config_redis cfg;
	struct sink *s;
	int i;

	dir = harness_tmpdir();
	snprintf(path, sizeof(path), "%s/redis.spool", dir);
	assert_int_equal(harness_redis_start(&r), 0);
	proxy_start(&p, base, r.port);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", p.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 10);
	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	assert_true(run_until(base, sink_is_connected, s, 5));
	p.blackhole = 1;
	p.budget = 0;
	for (i = 0; i < 50; i++)
		send_delivery(s, &l, "d", i);
	sink_stats(s, &st);
	assert_int_equal(st.inflight, 50);
	proxy_cut(&p);
	assert_true(run_until(base, sink_is_disconnected, s, 5));
	send_delivery(s, &l, "d", 50);
	sink_stats(s, &st);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.held, 10);

	p.blackhole = 0;
	assert_true(flush_wait(s, base, 15));
	sink_stats(s, &st);
	assert_int_equal(st.dropped, 0);
	c = sync_connect(r.port);
	assert_stream(c, "t:mentions", l.ids, l.ns, l.n);
	assert_stream(c, "t:alerts:negative", l.ids, l.ns, l.n);

	sink_free(s);
	spool_close(sp);
	proxy_stop(&p);
	redisFree(c);
	idlist_free(&l);
	event_base_free(base);
	harness_redis_stop(&r);
	harness_rmtree(dir);
	free(dir);
}

/*
 * A spool with no room left: a spill that fails leaves the entry where it
 * was, behind the plain entries that were in flight when the connection
 * dropped (some of them written by Redis). The reconnect then still finds
 * those at the head and reads them back: none is written twice.
 */
static void
test_spool_full_failed_spill(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist m = { 0 }, q = { 0 };
	struct sink_stats st;
	struct spool *sp;
	struct proxy p;
	redisContext *c;
	redisReply *rep;
	char url[64], path[512], *cause = NULL, *dir;
	struct config_redis cfg;
	struct sink *s;
	size_t i, j;
	int n, seen[20] = { 0 };

	dir = harness_tmpdir();
	snprintf(path, sizeof(path), "%s/redis.spool", dir);
	sp = spool_open(path, 16, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	assert_int_equal(harness_redis_start(&r), 0);
	proxy_start(&p, base, r.port);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", p.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 20);
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	assert_true(run_until(base, sink_is_connected, s, 5));
	/* Some of the 20 reach Redis; no reply comes back. */
	p.blackhole = 1;
	p.budget = 5 * 150;
	for (n = 0; n < 20; n++)
		send_mention(s, &m, "m", n);
	assert_true(run_until(base, proxy_budget_spent, &p, 5));
	run_until(base, NULL, NULL, 0.2);
	proxy_cut(&p);
	assert_true(run_until(base, sink_is_disconnected, s, 5));
	send_alert(s, &q, "question", "q", 20);	/* over hold_max */
	sink_stats(s, &st);
	assert_int_equal(st.dropped, 1);	/* the oldest mention */
	assert_int_equal(st.held, 20);

	p.blackhole = 0;
	assert_true(flush_wait(s, base, 15));
	c = sync_connect(r.port);
	rep = cmd(c, "XRANGE t:mentions - +");
	for (i = 0; i < rep->elements; i++) {
		for (j = 0; j < m.n; j++)
			if (strcmp(rep->element[i]->element[1]->element[1]->str,
			    m.ids[j]) == 0)
				break;
		assert_true(j < m.n);
		seen[j]++;
	}
	freeReplyObject(rep);
	/* m00000 was dropped: there once if Redis had run it, else not. */
	for (j = 0; j < m.n; j++) {
		if (seen[j] != 1 && !(j == 0 && seen[j] == 0))
			fprintf(stderr, "%s written %d times\n", m.ids[j],
			    seen[j]);
		assert_true(seen[j] == 1 || (j == 0 && seen[j] == 0));
	}
	assert_stream(c, "t:alerts:question", q.ids, q.ns, q.n);

	sink_free(s);
	spool_close(sp);
	proxy_stop(&p);
	redisFree(c);
	idlist_free(&m);
	idlist_free(&q);
	event_base_free(base);
	harness_redis_stop(&r);
	harness_rmtree(dir);
	free(dir);
}

/*
 * The spool is full and so is the hold buffer, while entries read back from
 * the spool wait for Redis with this process's own (it went away as they
 * were sent): the oldest of this process's own entries are dropped, not the
 * ones read back (those do not count against hold_max, so dropping them
 * frees nothing, and they were safe on disk).
 */
static void
test_spool_full_keeps_read_back(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist l = { 0 }, want = { 0 };
	struct sink_stats st;
	struct spool *sp;
	struct stat sb;
	struct proxy p;
	redisContext *c;
	char url[64], path[512], *cause = NULL, *dir;
	struct config_redis cfg;
	struct sink *s;
	int i;

	dir = harness_tmpdir();
	snprintf(path, sizeof(path), "%s/redis.spool", dir);
	/* An earlier run with Redis away left 21 entries in the spool. */
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d",
	    harness_free_port());
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 1);
	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	for (i = 0; i < 21; i++)
		send_delivery(s, &l, "d", i);
	sink_free(s);
	spool_close(sp);

	/* This run: the spool has no room left. */
	assert_int_equal(stat(path, &sb), 0);
	sp = spool_open(path, (size_t)sb.st_size, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	assert_int_equal(spool_unread(sp), 21);
	assert_int_equal(harness_redis_start(&r), 0);
	proxy_start(&p, base, r.port);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", p.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 5);
	s = sink_new(base, &cfg, &cause);
	assert_true(run_until(base, sink_is_connected, s, 5));
	p.blackhole = 1;
	p.budget = 0;
	sink_set_spool(s, sp, 0);	/* read back and sent, unanswered */
	for (i = 21; i < 31; i++)
		send_delivery(s, &l, "d", i);
	sink_stats(s, &st);
	assert_int_equal(st.inflight, 31);
	proxy_cut(&p);
	assert_true(run_until(base, sink_is_disconnected, s, 5));
	send_delivery(s, &l, "d", 31);
	sink_stats(s, &st);
	assert_int_equal(st.held, 5);
	assert_int_equal(st.dropped, 6);
	for (i = 0; i < 32; i++)
		if (i < 21 || i > 26)
			idlist_add(&want, "d", i);

	p.blackhole = 0;
	assert_true(flush_wait(s, base, 15));
	c = sync_connect(r.port);
	assert_stream(c, "t:mentions", want.ids, want.ns, want.n);
	assert_stream(c, "t:alerts:negative", want.ids, want.ns, want.n);

	sink_free(s);
	spool_close(sp);
	proxy_stop(&p);
	redisFree(c);
	idlist_free(&l);
	idlist_free(&want);
	event_base_free(base);
	harness_redis_stop(&r);
	harness_rmtree(dir);
	free(dir);
}

/*
 * A reload replaces the sink while the old one has entries read back from
 * the spool in flight to a Redis that stopped answering: the old sink only
 * appends to the spool from then on, the new one reads it. What the old one
 * could not deliver goes back to the file when it is freed, and the new one
 * delivers it, each once.
 */
static void
test_spool_reload_read_back(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist l = { 0 };
	struct sink_stats st;
	struct spool *sp;
	struct proxy p;
	redisContext *c;
	char url[64], path[512], *cause = NULL, *dir;
	struct config_redis cfg;
	struct sink *s, *s2;
	int i;

	dir = harness_tmpdir();
	snprintf(path, sizeof(path), "%s/redis.spool", dir);
	/* An earlier run with Redis away left 21 entries in the spool. */
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d",
	    harness_free_port());
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 1);
	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	for (i = 0; i < 21; i++)
		send_delivery(s, &l, "d", i);
	sink_free(s);
	spool_close(sp);

	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	assert_int_equal(harness_redis_start(&r), 0);
	proxy_start(&p, base, r.port);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", p.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 100);
	s = sink_new(base, &cfg, &cause);
	assert_true(run_until(base, sink_is_connected, s, 5));
	p.blackhole = 1;
	p.budget = 0;
	sink_set_spool(s, sp, 0);	/* read back and sent, unanswered */
	sink_stats(s, &st);
	assert_int_equal(st.inflight, 21);

	/* The reload, as main.c does it. */
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 100);
	s2 = sink_new(base, &cfg, &cause);
	sink_set_spool(s2, sp, 0);
	sink_set_spool(s, sp, 1);
	assert_true(run_until(base, sink_is_connected, s2, 5));
	assert_false(flush_wait(s, base, 0.5));
	sink_free(s);
	sink_set_spool(s2, sp, 0);

	assert_true(flush_wait(s2, base, 10));
	c = sync_connect(r.port);
	assert_stream(c, "t:mentions", l.ids, l.ns, l.n);
	assert_stream(c, "t:alerts:negative", l.ids, l.ns, l.n);
	assert_int_equal(spool_bytes(sp), 0);

	sink_free(s2);
	spool_close(sp);
	proxy_stop(&p);
	redisFree(c);
	idlist_free(&l);
	event_base_free(base);
	harness_redis_stop(&r);
	harness_rmtree(dir);
	free(dir);
}

/*
 * A stop while Redis is away with entries read back from the spool held
 * again (Redis went away as they were sent): they stay in the file, the log
 * says so and calls nothing lost, and the next start delivers them once.
 */
static void
test_spool_stop_read_back_held(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist l = { 0 };
	struct sink_stats st;
	struct spool *sp;
	struct proxy p;
	redisContext *c;
	char url[64], path[512], *cause = NULL, *dir, *log;
	struct config_redis cfg;
	struct sink *s;
	int i;

	dir = harness_tmpdir();
	snprintf(path, sizeof(path), "%s/redis.spool", dir);
	/* An earlier run with Redis away left 21 entries in the spool. */
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d",
	    harness_free_port());
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 1);
	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	for (i = 0; i < 21; i++)
		send_delivery(s, &l, "d", i);
	sink_free(s);
	spool_close(sp);

	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	assert_int_equal(harness_redis_start(&r), 0);
	proxy_start(&p, base, r.port);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", p.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 100);
	s = sink_new(base, &cfg, &cause);
	assert_true(run_until(base, sink_is_connected, s, 5));
	p.blackhole = 1;
	p.budget = 0;
	sink_set_spool(s, sp, 0);	/* read back and sent, unanswered */
	proxy_cut(&p);
	assert_true(run_until(base, sink_is_disconnected, s, 5));
	sink_stats(s, &st);
	assert_int_equal(st.spooled, 21);
	capture_start();
	sink_free(s);
	spool_close(sp);
	log = capture_stop();
	assert_non_null(strstr(log, "21 entries read back from"));
	assert_null(strstr(log, "lost"));
	free(log);
	proxy_stop(&p);

	sp = spool_open(path, 1 << 30, SPOOL_SYNC_BATCH, &cause);
	assert_non_null(sp);
	assert_int_equal(spool_unread(sp), 21);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 100);
	s = sink_new(base, &cfg, &cause);
	sink_set_spool(s, sp, 0);
	assert_true(run_until(base, sink_is_connected, s, 5));
	assert_true(flush_wait(s, base, 10));
	c = sync_connect(r.port);
	assert_stream(c, "t:mentions", l.ids, l.ns, l.n);
	assert_stream(c, "t:alerts:negative", l.ids, l.ns, l.n);

	sink_free(s);
	spool_close(sp);
	redisFree(c);
	idlist_free(&l);
	event_base_free(base);
	harness_redis_stop(&r);
	harness_rmtree(dir);
	free(dir);
}

/* AUTH with a password, with a user and a db; a wrong password is logged
 * and nothing is delivered. */
static void
test_auth(void **state)
{
	static const char *const extra[] = { "--requirepass", "s3cret", NULL };
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist m = { 0 }, m2 = { 0 }, m3 = { 0 };
	struct sink_stats st;
	redisContext *c;
	char url[64], url2[80], *cause = NULL, *log;
	struct config_redis cfg, cfg2, cfg3;
	struct sink *s, *s2, *s3;

	r.port = harness_free_port();
	assert_int_equal(start_redis_args(&r, extra), 0);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r.port);
	snprintf(url2, sizeof(url2), "redis://default@127.0.0.1:%d/3", r.port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 100);
	cfg.password = "s3cret";
	cfg2 = make_cfg(url2, CONFIG_QUEUE_STREAM, 0, 100);
	cfg2.password = "s3cret";
	cfg3 = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 100);
	cfg3.password = "wrong";
	cfg3.prefix = "w";

	s = sink_new(base, &cfg, &cause);
	s2 = sink_new(base, &cfg2, &cause);
	send_mention(s, &m, "m", 1);
	send_mention(s2, &m2, "m", 2);
	assert_true(flush_wait(s, base, 10));
	assert_true(flush_wait(s2, base, 10));

	capture_start();
	s3 = sink_new(base, &cfg3, &cause);
	send_mention(s3, &m3, "m", 3);
	run_until(base, NULL, NULL, 0.7);
	sink_stats(s3, &st);
	assert_int_equal(st.connected, 0);
	assert_int_equal(st.held, 1);
	assert_int_equal(st.written, 0);
	sink_free(s3);
	log = capture_stop();
	assert_non_null(strstr(log, "AUTH failed"));
	assert_non_null(strstr(log, "1 entries not delivered"));
	/* Logged once, not at every retry. */
	assert_int_equal(count_substr(log, "AUTH failed"), 1);
	free(log);

	c = sync_connect(r.port);
	freeReplyObject(cmd(c, "AUTH s3cret"));
	assert_stream(c, "t:mentions", m.ids, m.ns, m.n);
	freeReplyObject(cmd(c, "SELECT 3"));
	assert_stream(c, "t:mentions", m2.ids, m2.ns, m2.n);
	assert_stream(c, "w:mentions", NULL, NULL, 0);

	sink_free(s);
	sink_free(s2);
	redisFree(c);
	idlist_free(&m);
	idlist_free(&m2);
	idlist_free(&m3);
	event_base_free(base);
	harness_redis_stop(&r);
}

/* unix:///path?db=N */
static void
test_unix_socket(void **state)
{
	struct harness_redis r = { 0 };
	struct event_base *base = event_base_new();
	struct idlist m = { 0 };
	redisContext *c;
	char url[700], sock[600], *cause = NULL;
	struct config_redis cfg;
	struct sink *s;
	int i;

	r.dir = harness_tmpdir();
	snprintf(sock, sizeof(sock), "%s/redis.sock", r.dir);
	{
		const char *const extra[] = { "--unixsocket", sock,
		    "--unixsocketperm", "700", NULL };

		r.port = 0;
		assert_int_equal(start_redis_args(&r, extra), 0);
	}
	snprintf(url, sizeof(url), "unix://%s?db=2", sock);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 100);
	s = sink_new(base, &cfg, &cause);
	assert_non_null(s);
	for (i = 0; i < 5; i++)
		send_mention(s, &m, "m", i);
	assert_true(flush_wait(s, base, 10));

	c = redisConnectUnix(sock);
	assert_int_equal(c->err, 0);
	freeReplyObject(cmd(c, "SELECT 2"));
	assert_stream(c, "t:mentions", m.ids, m.ns, m.n);

	sink_free(s);
	redisFree(c);
	idlist_free(&m);
	event_base_free(base);
	harness_redis_stop(&r);
}

/* Bad URLs are refused with a reason; good ones are accepted. */
static void
test_urls(void **state)
{
	static const char *const bad[] = {
		"http://x", "redis://", "redis://:6379", "redis://h:0",
		"redis://h:99999", "redis://h:12x", "redis://h/x",
		"redis://u:pw@h", "rediss://h", "unix://relative",
		"unix:///tmp/x?foo=1", "redis://[::1", NULL
	};
	static const char *const good[] = {
		"redis://localhost", "redis://127.0.0.1:1/", "redis://u@h:2/15",
		"redis://[::1]:3", "unix:///tmp/none.sock",
		"unix:///tmp/none.sock?db=4", NULL
	};
	struct event_base *base = event_base_new();
	struct config_redis cfg;
	struct sink *s;
	char *cause;
	size_t i;

	log_set_level(LOG_ERR);
	for (i = 0; bad[i] != NULL; i++) {
		cfg = make_cfg((char *)bad[i], CONFIG_QUEUE_STREAM, 0, 10);
		cause = NULL;
		s = sink_new(base, &cfg, &cause);
		if (s != NULL)
			fprintf(stderr, "accepted %s\n", bad[i]);
		assert_null(s);
		assert_non_null(cause);
		free(cause);
	}
	for (i = 0; good[i] != NULL; i++) {
		cfg = make_cfg((char *)good[i], CONFIG_QUEUE_STREAM, 0, 10);
		cause = NULL;
		s = sink_new(base, &cfg, &cause);
		if (s == NULL)
			fprintf(stderr, "refused %s: %s\n", good[i], cause);
		assert_non_null(s);
		sink_free(s);	/* with a connection perhaps in progress */
	}
	log_set_level(LOG_INFO);
	event_base_free(base);
}

/* A server that accepts but never answers: the connection is dropped after
 * the connect timeout and tried again; freeing mid-attempt is safe. */
static void
test_silent_server(void **state)
{
	struct event_base *base = event_base_new();
	struct sockaddr_in sin;
	struct sink_stats st;
	struct config_redis cfg;
	struct sink *s;
	char url[64], *cause = NULL, *log;
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	port = harness_free_port();
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 16), 0);

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
	cfg = make_cfg(url, CONFIG_QUEUE_STREAM, 0, 100);
	capture_start();
	s = sink_new(base, &cfg, &cause);
	sink_mention(s, "m1", "{}", NULL);
	run_until(base, NULL, NULL, 2.6);
	sink_stats(s, &st);
	assert_int_equal(st.connected, 0);
	assert_int_equal(st.held, 1);
	sink_free(s);		/* a new attempt may be under way */
	log = capture_stop();
	assert_non_null(strstr(log, "no answer within 2 s"));
	free(log);
	close(fd);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_list_queue),
		cmocka_unit_test(test_maxlen),
		cmocka_unit_test(test_wrongtype_held_and_binary_safe),
		cmocka_unit_test(test_down_at_start),
		cmocka_unit_test(test_kill_restart),
		cmocka_unit_test(test_unacked_stream),
		cmocka_unit_test(test_unacked_deliveries),
		cmocka_unit_test(test_unacked_list),
		cmocka_unit_test(test_hold_overflow),
		cmocka_unit_test(test_spool),
		cmocka_unit_test(test_spool_older_script),
		cmocka_unit_test(test_spool_big_entries),
		cmocka_unit_test(test_spool_unsorted),
		cmocka_unit_test(test_spool_inflight_over_hold),
		cmocka_unit_test(test_spool_full_failed_spill),
		cmocka_unit_test(test_spool_full_keeps_read_back),
		cmocka_unit_test(test_spool_reload_read_back),
		cmocka_unit_test(test_spool_stop_read_back_held),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_unix_socket),
		cmocka_unit_test(test_silent_server),
	};

	log_init(LOG_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
