/*
 * tick.c - a small valid plugin for the host-service tests. It declares one
 * setting of every type, and on start adds a timer that emits one mention per
 * tick, counts the ticks in its durable state and cancels itself from inside
 * its own callback after `count` ticks. With `fail = yes` its start fails.
 * With `mode = fetch`, `poll` or `stream` it uses the HTTP services on `feed`
 * instead: one mention per response or message, and the poll or stream
 * cancels itself from inside its callback after `count`. With `mode =
 * listen` it serves HTTP on `address`: one mention per request (its body as
 * the text), answered 200 "tick N", and the listener cancels itself from
 * inside its callback after `count` requests. With `mode = pace` it first
 * asks host->pace for five rounds of `every` seconds (quiet, quiet, news,
 * news, news) and emits "pace W1 W2 W3 W4 W5", then ticks as usual. With
 * `mode = retry` it fetches `feed` and reports the response to host->retry
 * twice, a bad body once, then a good round to host->pace, and emits
 * "retry W1 W2 W3".
 */
/* strdup(3) under -std=c11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mentiond/plugin.h"

struct tick {
	double			 interval;
	double			 every;
	const char		*feed;
	long long		 count;
	int			 fail;
	const char		*label;
	const char		*mode;
	const char		*address;

	const struct md_host	*host;
	struct md_task		*timer;
	long long		 ticks;
};

/* One tick: emit, count, and stop after `count`. */
static void
tick_cb(struct md_source *src, void *arg)
{
	struct md_mention m = MD_MENTION_INIT;
	struct tick *t = arg;
	char id[32], n[32];

	t->ticks++;
	snprintf(id, sizeof(id), "tick-%lld", t->ticks);
	snprintf(n, sizeof(n), "%lld", t->ticks);
	m.id = id;
	m.text = t->label;
	m.url = t->feed;
	t->host->emit(src, &m);
	t->host->state_set(src, "ticks", n);
	if (t->ticks >= t->count) {
		t->host->cancel(t->timer);
		t->host->cancel(t->timer);	/* twice is harmless */
		t->timer = NULL;
	}
}

/* Emit one mention "PREFIX-N" with TEXT. */
static void
tick_emit(struct md_source *src, struct tick *t, const char *prefix,
    const char *text)
{
	struct md_mention m = MD_MENTION_INIT;
	char id[64];

	t->ticks++;
	snprintf(id, sizeof(id), "%s-%lld", prefix, t->ticks);
	m.id = id;
	m.text = text;
	m.url = t->feed;
	t->host->emit(src, &m);
}

/* A fetch or a poll answered. */
static void
tick_http_cb(struct md_source *src, const struct md_http_response *resp,
    void *arg)
{
	struct tick *t = arg;
	char text[256];

	if (strcmp(t->mode, "retry") == 0) {
		/* Three failed rounds alike, then one that works. */
		double w1 = t->host->retry(src, "fetch test", resp, NULL, 1);
		double w2 = t->host->retry(src, "fetch test", resp, NULL, 1);
		double w3 = t->host->retry(src, "fetch test", NULL,
		    "bad body", 1);

		t->host->pace(src, 1, 1);
		snprintf(text, sizeof(text), "retry %g %g %g", w1, w2, w3);
		tick_emit(src, t, t->mode, text);
		return;
	}
	snprintf(text, sizeof(text), "%ld %.*s", resp->status,
	    (int)(resp->body_len < 200 ? resp->body_len : 200),
	    resp->body != NULL ? resp->body : "");
	tick_emit(src, t, t->mode, text);
	if (strcmp(t->mode, "poll") == 0 && t->ticks >= t->count) {
		t->host->cancel(t->timer);
		t->timer = NULL;
	}
}

/* A stream message. */
static void
tick_stream_cb(struct md_source *src, const struct md_stream_event *ev,
    void *arg)
{
	struct tick *t = arg;

	tick_emit(src, t, "stream", ev->data);
	if (t->ticks >= t->count) {
		t->host->cancel(t->timer);
		t->timer = NULL;
	}
}

/* A request to the listener. */
static void
tick_serve_cb(struct md_source *src, const struct md_listen_request *req,
    struct md_listen_reply *reply, void *arg)
{
	struct tick *t = arg;
	char *body;

	tick_emit(src, t, "listen", req->body_len > 0 ? req->body : t->label);
	body = malloc(32);
	if (body != NULL) {
		snprintf(body, 32, "tick %lld", t->ticks);
		reply->body = body;
		reply->body_len = strlen(body);
		reply->body_free = free;
	}
	reply->status = 200;
	if (t->ticks >= t->count) {
		t->host->cancel(t->timer);
		t->timer = NULL;
	}
}

/* Start ticking, or fail on request. */
static int
tick_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct tick *t = ctx;
	const char *prev;

	if (t->fail) {
		*cause = strdup("asked to fail");
		return -1;
	}
	t->host = host;
	prev = host->state_get(src, "ticks");
	if (prev != NULL)
		t->ticks = strtoll(prev, NULL, 10);
	if (strcmp(t->mode, "pace") == 0) {
		static const int fresh[5] = { 0, 0, 1, 1, 1 };
		char text[160];
		size_t n = 0;
		int i;

		if (!MD_HOST_HAS(host, pace)) {
			*cause = strdup("no pace in this host");
			return -1;
		}
		n = (size_t)snprintf(text, sizeof(text), "pace");
		for (i = 0; i < 5; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, " %g",
			    host->pace(src, t->every, fresh[i]));
		tick_emit(src, t, "pace", text);
	}
	if (strcmp(t->mode, "fetch") == 0 || strcmp(t->mode, "retry") == 0) {
		struct md_http_request req = { .url = t->feed, .timeout = 5 };

		t->timer = host->http_fetch(src, &req, tick_http_cb, t);
	} else if (strcmp(t->mode, "poll") == 0) {
		struct md_http_request req = { .url = t->feed, .timeout = 5 };

		t->timer = host->http_poll(src, &req, t->every, tick_http_cb, t);
	} else if (strcmp(t->mode, "stream") == 0) {
		struct md_stream_request req = { .url = t->feed,
		    .framing = MD_STREAM_LINES };

		t->timer = host->http_stream(src, &req, tick_stream_cb, t);
	} else if (strcmp(t->mode, "listen") == 0) {
		if (!MD_HOST_HAS(host, http_listen)) {
			*cause = strdup("no http_listen in this host");
			return -1;
		}
		t->timer = host->http_listen(src, t->address, 0, tick_serve_cb,
		    t, cause);
		if (t->timer == NULL)
			return -1;
	} else
		t->timer = host->timer_add(src, t->every, t->every, tick_cb, t);
	if (t->timer == NULL) {
		*cause = strdup("no task");
		return -1;
	}
	return 0;
}

static const struct md_setting tick_settings[] = {
	{ "interval", MD_SET_DURATION, "1m", offsetof(struct tick, interval), 0,
	    "declared, so the host passes it in" },
	{ "every", MD_SET_DURATION, "10ms", offsetof(struct tick, every), 0,
	    "time between ticks" },
	{ "feed", MD_SET_URL, NULL, offsetof(struct tick, feed),
	    MD_SETTING_REQUIRED, "an http(s) URL" },
	{ "count", MD_SET_INT, "3", offsetof(struct tick, count), 0,
	    "ticks before the timer cancels itself" },
	{ "fail", MD_SET_BOOL, "no", offsetof(struct tick, fail), 0,
	    "make start fail" },
	{ "label", MD_SET_STRING, "tick tock", offsetof(struct tick, label), 0,
	    "the text of each mention" },
	{ "mode", MD_SET_STRING, "timer", offsetof(struct tick, mode), 0,
	    "timer, fetch, poll, stream or listen" },
	{ "address", MD_SET_STRING, NULL, offsetof(struct tick, address), 0,
	    "where mode = listen listens" },
	{ .key = NULL }
};

MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "tick",
	.version = "1",
	.description = "emits a mention per tick (tests)",
	.settings = tick_settings,
	.ctx_size = sizeof(struct tick),
	.start = tick_start,
};
