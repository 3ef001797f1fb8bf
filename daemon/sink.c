/*
 * sink.c - the Redis sink (see sink.h): hiredis 0.14 async on the daemon's
 * libevent loop.
 *
 * Every entry (one mention, or one alert) is one allocation that lives in an
 * ordered queue until Redis acknowledges it: first "held" (waiting for a
 * connection, or for room in the pipeline window), then "in flight" (written
 * to hiredis, reply not yet read). Replies arrive in the order the commands
 * were sent, so the reply to an entry's XADD/LPUSH always belongs to the head
 * of the in-flight queue.
 *
 * When a connection drops, the in-flight entries go back to the head of the
 * held queue, marked uncertain: Redis may have written some of them without
 * our reading the reply. Redis executes commands in order, so for each key
 * the written ones are the oldest of them. On reconnect, before any entry is
 * sent, the newest elements of each such key are read back (XREVRANGE, or
 * LRANGE for list queues) and compared with the uncertain entries: those found
 * are acknowledged without being sent again, the rest are sent in order.
 *
 * A new mention is one entry, a delivery: one EVALSHA of deliver.lua, which
 * claims the mention's seen key and, only if this is the first claim within
 * the window, writes the mention and its alerts, atomically. Sending it
 * again after a loss is harmless (the claim fails), so deliveries are never
 * read back: they are sent again. The script is loaded on every connection
 * before any entry flows; its SHA1 is computed at build time.
 *
 * hiredis 0.14 has no connect timeout of its own: a timer of ours drops a
 * connection that is not ready (connected, authenticated, checked) within
 * SINK_CONNECT_TIMEOUT. hiredis forbids freeing a context from inside its
 * connect and disconnect callbacks, and we never free one from inside a reply
 * callback either: there the drop is deferred to a zero timer. A context we
 * drop ourselves has its data pointer cleared first, so that the callbacks
 * hiredis runs while freeing it (every pending reply callback with a NULL
 * reply, then the disconnect callback) know to do nothing.
 */
#include <sys/queue.h>
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

#include "log.h"
#include "redisurl.h"
#include "sink.h"
#include "spool.h"
#include "xmalloc.h"

#define SINK_SUBSYS		"redis"
#define SINK_CONNECT_TIMEOUT	2.0	/* seconds from connect to ready */
#define SINK_BACKOFF_MIN	0.1
#define SINK_BACKOFF_MAX	5.0
/*
 * The pipeline window: how much may be written to hiredis ahead of the
 * replies. hiredis 0.14 moves the unwritten rest of its output buffer after
 * every write(2), so an unbounded buffer would cost quadratic time.
 */
#define SINK_WINDOW_ENTRIES	16384
#define SINK_WINDOW_BYTES	(1024 * 1024)
/* The most arguments an entry's command has (EVALSHA of deliver.lua). */
#define SINK_MAX_ARGS		20
/* How many of a key's newest elements are read back on reconnect. */
#define SINK_CHECK_MAX		32
/* Spooled entries read back into memory at a time. */
#define SINK_SPOOL_CHUNK	1024

/* The keys entries go to; an entry names one by index. */
enum {
	SINK_KEY_MENTIONS = 0,
	SINK_KEY_QUESTION,
	SINK_KEY_NEGATIVE,
	SINK_KEY_POSITIVE,
	SINK_NKEYS
};

extern const char deliver_lua_text[];	/* deliver_lua.c, from deliver.lua */
extern const char deliver_lua_sha1[];

static const char *const sink_classes[SINK_NKEYS] = {
	NULL, "question", "negative", "positive"
};

enum sink_state {
	SINK_IDLE,		/* no connection; a retry is armed */
	SINK_CONNECTING,	/* connect(2) in progress */
	SINK_SYNCING,		/* connected; AUTH, SELECT and checks pending */
	SINK_READY,		/* entries flow */
};

struct sink_key {
	int		 index;
	int		 list;		/* an alert queue with queue = list */
	char		*name;
	size_t		 len;
};

/*
 * An entry holds its command ready to send, in the Redis protocol (RESP),
 * formatted once when it is taken: its XADD or LPUSH. The id and the JSON are
 * read where they lie inside it (the id of an LPUSH, which is not sent,
 * follows the command). An alert's PUBLISH is formatted when it is sent, in
 * a buffer the sink reuses: hiredis copies it at once, and an entry that
 * held both copies of the JSON would be a large allocation, which costs
 * malloc far more than a small one.
 */
struct sink_entry {
	TAILQ_ENTRY(sink_entry)	 qentry;	/* held or in flight */
	TAILQ_ENTRY(sink_entry)	 mentry;	/* held plain mentions */
	unsigned char		 key;		/* SINK_KEY_*; deliveries: MENTIONS */
	unsigned char		 uncertain;	/* in flight at a drop */
	unsigned char		 delivery;	/* an EVALSHA of deliver.lua */
	unsigned char		 resent;	/* a delivery sent again */
	unsigned char		 plain;		/* no alert: dropped first */
	unsigned char		 from_spool;	/* read back from the spool */
	uint64_t		 seq;		/* the order entries were taken in */
	char			*note;		/* a delivery's alert log line */
	struct sink_done	 done;		/* told when written or lost */
	const char		*id;		/* in data, not NUL-terminated */
	size_t			 idlen;
	const char		*json;		/* in data, not NUL-terminated */
	size_t			 jsonlen;
	size_t			 cmdlen;	/* the XADD or LPUSH */
	char			 data[];
};
TAILQ_HEAD(sink_queue, sink_entry);

struct sink {
	struct event_base	*base;

	/* The settings, copied. */
	char			*password;
	char			*group;
	long long		 maxlen;
	long long		 hold_max;
	enum config_queue	 queue;

	/* Where Redis is, from the URL. */
	struct redisurl		 target;
	char			*addr;		/* for the log */

	struct sink_key		 keys[SINK_NKEYS];
	char			*seen_prefix;	/* {prefix}:seen: */
	char			*pubbuf;	/* an alert's PUBLISH, being sent */
	size_t			 pubcap;
	char			 maxlen_arg[32];
	size_t			 maxlen_len;

	redisAsyncContext	*ac;
	enum sink_state		 state;
	int			 setup_left;	/* setup replies awaited */
	int			 drop_pending;
	int			 drop_level;
	char			 drop_reason[256];
	char			 last_failure[256];
	double			 backoff;
	int			 ever_ready;
	int			 was_lost;
	double			 lost_at;
	size_t			 confirmed;	/* found written on reconnect */
	int			 rejected_logged;
	uint64_t		 rng;

	struct event		*ev_retry;
	struct event		*ev_timeout;
	struct event		*ev_drop;
	struct event		*ev_flushdone;
	struct event		*ev_flushtimer;

	struct sink_queue	 held;
	struct sink_queue	 held_mentions;
	struct sink_queue	 inflight;
	size_t			 nheld;
	size_t			 ninflight;
	size_t			 inflight_bytes;

	/* The spool (spool.h), NULL without one: beyond hold_max, entries go
	 * to it, and are read back, in order, when Redis is back. */
	struct spool		*spool;
	int			 spool_append_only;	/* another sink reads it */
	uint64_t		 next_seq;
	size_t			 spool_held;	/* read back, in held */
	size_t			 spool_out;	/* read back, not yet written */
	int			 spooling;	/* this outage spilled; logged */
	unsigned long long	 spooled;
	unsigned long long	 unspooled;	/* read back and written */
	struct sink_done	*sync_dones;	/* told once the spool is synced */
	size_t			 nsync_dones;
	struct event		*ev_spoolsync;

	unsigned long long	 written;
	unsigned long long	 seen_before;	/* deliveries written before */
	unsigned long long	 dropped;
	unsigned long long	 episode_dropped;
	int			 dropping_alerts;

	void			(*flush_done)(void *);
	void			*flush_arg;
	double			 flush_timeout;
};

static void	sink_connect(struct sink *);
static void	sink_pump(struct sink *);
static void	sink_drop_later(struct sink *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* The monotonic clock in seconds. */
static double
sink_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A timeval of SECONDS. */
static struct timeval
sink_tv(double seconds)
{
	struct timeval tv;

	if (seconds < 0)
		seconds = 0;
	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* A pseudo-random number in [0, 1) for backoff jitter (xorshift64). */
static double
sink_random(struct sink *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (double)(s->rng >> 11) / 9007199254740992.0;
}

/* Parse URL into S's target and name it for the log; 0 or -1. */
static int
sink_parse_url(struct sink *s, const char *url, char **cause)
{
	if (redisurl_parse(url, 0, &s->target, cause) != 0)
		return -1;
	if (s->target.path != NULL && s->target.db != 0)
		s->addr = xasprintf("unix:%s db %d", s->target.path,
		    s->target.db);
	else if (s->target.path != NULL)
		s->addr = xasprintf("unix:%s", s->target.path);
	else if (s->target.db != 0)
		s->addr = xasprintf("%s:%d/%d", s->target.host, s->target.port,
		    s->target.db);
	else
		s->addr = xasprintf("%s:%d", s->target.host, s->target.port);
	return 0;
}

/* Take E off the held queue. */
static void
sink_unhold(struct sink *s, struct sink_entry *e)
{
	TAILQ_REMOVE(&s->held, e, qentry);
	if (e->plain && !e->from_spool)
		TAILQ_REMOVE(&s->held_mentions, e, mentry);
	if (e->from_spool)
		s->spool_held--;
	s->nheld--;
}

/* Entry E is over: written by Redis (OK), or lost. Tell its owner, free it;
 * the spool is emptied once all it held is written. */
static void
sink_entry_free(struct sink *s, struct sink_entry *e, int ok)
{
	if (e->done.fn != NULL)
		e->done.fn(e->done.arg, e->done.seq, ok);
	if (e->from_spool) {
		s->spool_out--;
		s->unspooled++;
		if (s->spool_out == 0 && spool_unread(s->spool) == 0 &&
		    !s->spool_append_only) {
			log_notice(SINK_SUBSYS, "spool drained: %llu entries "
			    "delivered from %s", s->unspooled,
			    spool_path(s->spool));
			spool_reset(s->spool);
			s->unspooled = 0;
		}
	}
	free(e->note);
	free(e);
}

/* Free every entry of queue Q (lost). */
static void
sink_free_queue(struct sink *s, struct sink_queue *q)
{
	struct sink_entry *e;

	while ((e = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, e, qentry);
		sink_entry_free(s, e, 0);
	}
}

/* Once nothing is left, run the flush callback from a zero timer: we may be
 * inside a hiredis callback here, and the callback may free the sink. */
static void
sink_check_flush(struct sink *s)
{
	if (s->flush_done != NULL && s->nheld == 0 && s->ninflight == 0)
		event_active(s->ev_flushdone, EV_TIMEOUT, 0);
}

/* Log a failed connection attempt, unless it failed the same way last time. */
static void
sink_failure(struct sink *s, int level, const char *reason)
{
	if (strcmp(s->last_failure, reason) == 0)
		return;
	snprintf(s->last_failure, sizeof(s->last_failure), "%s", reason);
	log_msg(level, SINK_SUBSYS, "cannot use %s: %s; retrying (%zu entries "
	    "held)", s->addr, reason, s->nheld);
}

/* Arm the reconnect timer: exponential backoff with jitter. */
static void
sink_schedule_retry(struct sink *s)
{
	struct timeval tv;

	if (s->backoff == 0)
		s->backoff = SINK_BACKOFF_MIN;
	else if ((s->backoff *= 2) > SINK_BACKOFF_MAX)
		s->backoff = SINK_BACKOFF_MAX;
	tv = sink_tv(s->backoff * (0.5 + 0.5 * sink_random(s)));
	evtimer_add(s->ev_retry, &tv);
}

/* Put the in-flight entries back at the head of the held queue, in order,
 * marked uncertain. */
static void
sink_requeue(struct sink *s)
{
	struct sink_entry *e;

	while ((e = TAILQ_LAST(&s->inflight, sink_queue)) != NULL) {
		TAILQ_REMOVE(&s->inflight, e, qentry);
		e->uncertain = 1;
		TAILQ_INSERT_HEAD(&s->held, e, qentry);
		if (e->plain && !e->from_spool)
			TAILQ_INSERT_HEAD(&s->held_mentions, e, mentry);
		if (e->from_spool)
			s->spool_held++;
		s->nheld++;
	}
	s->ninflight = 0;
	s->inflight_bytes = 0;
}

/* The connection (already detached from S) is gone for REASON: hold what was
 * in flight, log, and retry later. */
static void
sink_lost(struct sink *s, int level, const char *reason)
{
	size_t inflight = s->ninflight;
	int was_ready = s->state == SINK_READY;

	evtimer_del(s->ev_timeout);
	s->drop_pending = 0;
	s->state = SINK_IDLE;
	sink_requeue(s);
	if (was_ready) {
		log_warn(SINK_SUBSYS, "lost %s: %s; holding %zu entries (%zu "
		    "were in flight); until it is back, repeats are told by "
		    "this process's memory alone", s->addr, reason, s->nheld,
		    inflight);
		s->was_lost = 1;
		s->lost_at = sink_now();
		s->backoff = 0;
		s->last_failure[0] = '\0';
	} else
		sink_failure(s, level, reason);
	sink_schedule_retry(s);
}

/* Drop the connection now (never from inside a hiredis callback). */
static void
sink_drop(struct sink *s, int level, const char *reason)
{
	redisAsyncContext *ac = s->ac;

	if (ac != NULL) {
		s->ac = NULL;
		ac->data = NULL;
		redisAsyncFree(ac);
	}
	sink_lost(s, level, reason);
}

/* Drop the connection from a zero timer: for reply callbacks. */
static void
sink_drop_later(struct sink *s, int level, const char *fmt, ...)
{
	va_list ap;

	if (s->drop_pending)
		return;
	va_start(ap, fmt);
	vsnprintf(s->drop_reason, sizeof(s->drop_reason), fmt, ap);
	va_end(ap);
	s->drop_pending = 1;
	s->drop_level = level;
	event_active(s->ev_drop, EV_TIMEOUT, 0);
}

/* The zero timer of sink_drop_later. */
static void
sink_drop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sink *s = arg;
	char reason[sizeof(s->drop_reason)];

	if (!s->drop_pending)
		return;
	memcpy(reason, s->drop_reason, sizeof(reason));
	sink_drop(s, s->drop_level, reason);
}

/* The connection did not become ready in time. */
static void
sink_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sink *s = arg;
	char reason[64];

	snprintf(reason, sizeof(reason), "%s within %.0f s",
	    s->state == SINK_CONNECTING ? "no connection" : "no answer",
	    SINK_CONNECT_TIMEOUT);
	sink_drop(s, LOG_WARNING, reason);
}

/* The reconnect timer. */
static void
sink_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	sink_connect(arg);
}

/* Whether an error reply means "try again later on a new connection":
 * Redis loading, busy, failing over (READONLY: a replica now), out of memory
 * under noeviction (OOM), refusing writes after a failed save (MISCONF), or
 * one of our keys made another type by someone else (WRONGTYPE: a string
 * where an alert stream should be, until an operator deletes it). What is
 * in flight is held, and the next connection sends it again. */
static int
sink_transient(const redisReply *r)
{
	static const char *const words[] = {
		"LOADING", "BUSY ", "MASTERDOWN", "TRYAGAIN", "NOAUTH",
		"WRONGPASS", "NOPERM", "READONLY", "NOSCRIPT", "OOM ",
		"MISCONF", "WRONGTYPE"
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strncmp(r->str, words[i], strlen(words[i])) == 0)
			return 1;
	return 0;
}

/* The sink a setup reply is for, or NULL when it should be ignored (the
 * connection is being freed, or already doomed). */
static struct sink *
sink_setup_sink(redisAsyncContext *ac, void *reply)
{
	struct sink *s = ac->data;

	if (reply == NULL || s == NULL || s->drop_pending)
		return NULL;
	return s;
}

/* Everything is checked: entries may flow. */
static void
sink_ready(struct sink *s)
{
	struct sink_entry *e;

	evtimer_del(s->ev_timeout);
	s->state = SINK_READY;
	TAILQ_FOREACH(e, &s->held, qentry) {
		if (!e->uncertain)
			break;
		e->uncertain = 0;
		e->resent = e->delivery;
	}
	if (s->was_lost) {
		log_notice(SINK_SUBSYS, "reconnected to %s after %.1f s, "
		    "delivering %zu held entries (%zu had been written before "
		    "the loss)", s->addr, sink_now() - s->lost_at, s->nheld,
		    s->confirmed);
	} else if (s->nheld > 0) {
		log_info(SINK_SUBSYS, "connected to %s, delivering %zu held "
		    "entries", s->addr, s->nheld);
	} else
		log_info(SINK_SUBSYS, "connected to %s", s->addr);
	if (s->episode_dropped > 0) {
		log_err(SINK_SUBSYS, "%llu entries were dropped while %s was "
		    "unreachable (hold buffer of %lld entries full)",
		    s->episode_dropped, s->addr, s->hold_max);
		s->episode_dropped = 0;
	}
	s->dropping_alerts = 0;
	s->spooling = 0;
	s->ever_ready = 1;
	s->was_lost = 0;
	s->backoff = 0;
	s->confirmed = 0;
	s->rejected_logged = 0;
	s->last_failure[0] = '\0';
	sink_pump(s);
	sink_check_flush(s);
}

/* One setup reply is in; the last one makes the connection ready. */
static void
sink_setup_done(struct sink *s)
{
	if (--s->setup_left == 0 && !s->drop_pending)
		sink_ready(s);
}

/* The reply to AUTH. */
static void
sink_reply_auth(redisAsyncContext *ac, void *reply, void *arg)
{
	struct sink *s = sink_setup_sink(ac, reply);
	redisReply *r = reply;

	if (s == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		sink_drop_later(s, LOG_ERR, "AUTH%s%s failed: %s",
		    s->target.user ? " as " : "",
		    s->target.user ? s->target.user : "", r->str);
		return;
	}
	sink_setup_done(s);
}

/* The reply to SELECT. */
static void
sink_reply_select(redisAsyncContext *ac, void *reply, void *arg)
{
	struct sink *s = sink_setup_sink(ac, reply);
	redisReply *r = reply;

	if (s == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		sink_drop_later(s, LOG_ERR, "SELECT %d failed: %s", s->target.db,
		    r->str);
		return;
	}
	sink_setup_done(s);
}

/* The reply to the readiness probe (EXISTS fails while Redis loads). */
static void
sink_reply_probe(redisAsyncContext *ac, void *reply, void *arg)
{
	struct sink *s = sink_setup_sink(ac, reply);
	redisReply *r = reply;

	if (s == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		sink_drop_later(s, LOG_WARNING, "not ready: %s", r->str);
		return;
	}
	sink_setup_done(s);
}

/* The reply to SCRIPT LOAD of deliver.lua: its SHA1 must be the one the
 * deliveries name. */
static void
sink_reply_script(redisAsyncContext *ac, void *reply, void *arg)
{
	struct sink *s = sink_setup_sink(ac, reply);
	redisReply *r = reply;

	if (s == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		sink_drop_later(s, LOG_ERR, "SCRIPT LOAD failed: %s", r->str);
		return;
	}
	if (r->type != REDIS_REPLY_STRING ||
	    strcmp(r->str, deliver_lua_sha1) != 0)
		log_err(SINK_SUBSYS, "SCRIPT LOAD gave %s, not %s: new "
		    "mentions will be refused", r->type == REDIS_REPLY_STRING ?
		    r->str : "no SHA1", deliver_lua_sha1);
	sink_setup_done(s);
}

/* The reply to XGROUP CREATE; BUSYGROUP means it exists already. */
static void
sink_reply_group(redisAsyncContext *ac, void *reply, void *arg)
{
	struct sink_key *k = arg;
	struct sink *s = sink_setup_sink(ac, reply);
	redisReply *r = reply;

	if (s == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "BUSYGROUP", 9) != 0) {
		if (sink_transient(r)) {
			sink_drop_later(s, LOG_WARNING, "XGROUP CREATE %s: %s",
			    k->name, r->str);
			return;
		}
		log_err(SINK_SUBSYS, "cannot create consumer group %s on %s: "
		    "%s", s->group, k->name, r->str);
	}
	sink_setup_done(s);
}

/* The id (stream) or the element (list) of check reply element R, or NULL. */
static const redisReply *
sink_check_value(const struct sink_key *k, const redisReply *r)
{
	const redisReply *fields;
	size_t i;

	if (k->list)
		return r->type == REDIS_REPLY_STRING ? r : NULL;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2)
		return NULL;
	fields = r->element[1];
	if (fields->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < fields->elements; i += 2) {
		if (fields->element[i]->type == REDIS_REPLY_STRING &&
		    fields->element[i]->len == 2 &&
		    memcmp(fields->element[i]->str, "id", 2) == 0)
			return fields->element[i + 1];
	}
	return NULL;
}

/* Whether entry E is what check value V holds. */
static int
sink_check_match(const struct sink_key *k, const struct sink_entry *e,
    const redisReply *v)
{
	const char *want = k->list ? e->json : e->id;
	size_t len = k->list ? e->jsonlen : e->idlen;

	return v != NULL && v->type == REDIS_REPLY_STRING &&
	    (size_t)v->len == len && memcmp(v->str, want, len) == 0;
}

/*
 * The reply to the read-back of key K's newest elements (newest first). The
 * uncertain entries for K, u[0..n-1], were sent in this order; Redis wrote a
 * prefix u[0..j-1] of them, which are then K's newest j elements. Find the
 * largest such j whose newest elements match and acknowledge those entries.
 */
static void
sink_reply_check(redisAsyncContext *ac, void *reply, void *arg)
{
	struct sink_key *k = arg;
	struct sink *s = sink_setup_sink(ac, reply);
	redisReply *r = reply;
	struct sink_entry *e, **u = NULL;
	size_t n = 0, j, t, m, found = 0;

	if (s == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		if (sink_transient(r)) {
			sink_drop_later(s, LOG_WARNING, "reading back %s: %s",
			    k->name, r->str);
			return;
		}
		log_warn(SINK_SUBSYS, "cannot read back %s (%s): entries in "
		    "flight when the connection dropped are sent again",
		    k->name, r->str);
		goto out;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0)
		goto out;
	TAILQ_FOREACH(e, &s->held, qentry) {
		if (!e->uncertain)
			break;
		if (e->key != k->index || e->delivery)
			continue;
		u = xreallocarray(u, n + 1, sizeof(*u));
		u[n++] = e;
	}
	m = r->elements;
	for (j = n; j > 0; j--) {
		for (t = 0; t < j && t < m; t++) {
			if (!sink_check_match(k, u[j - 1 - t],
			    sink_check_value(k, r->element[t])))
				break;
		}
		if (t == j || t == m)
			break;
	}
	for (found = 0; found < j; found++) {
		e = u[found];
		sink_unhold(s, e);
		sink_entry_free(s, e, 1);
		s->written++;
	}
	s->confirmed += found;
	free(u);
out:
	sink_setup_done(s);
}

/* Queue command ARGV on the connection with reply callback FN. */
static int
sink_command(struct sink *s, redisCallbackFn *fn, void *arg, int argc,
    const char **argv, const size_t *argvlen)
{
	if (redisAsyncCommandArgv(s->ac, fn, arg, argc, argv, argvlen) !=
	    REDIS_OK)
		return -1;
	if (fn != NULL)
		s->setup_left++;
	return 0;
}

/* Queue what a new connection sends before any entry: AUTH, SELECT, the
 * readiness probe, the consumer groups and the read-backs. */
static void
sink_send_setup(struct sink *s)
{
	const char *argv[8];
	size_t len[8], count[SINK_NKEYS] = { 0 };
	struct sink_entry *e;
	struct sink_key *k;
	char db[16], stop[24];
	int i;

	s->setup_left = 0;
	if (s->password != NULL) {
		i = 0;
		argv[i++] = "AUTH";
		if (s->target.user != NULL)
			argv[i++] = s->target.user;
		argv[i++] = s->password;
		for (int a = 0; a < i; a++)
			len[a] = strlen(argv[a]);
		sink_command(s, sink_reply_auth, NULL, i, argv, len);
	}
	if (s->target.db != 0) {
		snprintf(db, sizeof(db), "%d", s->target.db);
		argv[0] = "SELECT";
		argv[1] = db;
		len[0] = 6;
		len[1] = strlen(db);
		sink_command(s, sink_reply_select, NULL, 2, argv, len);
	}
	argv[0] = "EXISTS";
	argv[1] = s->keys[SINK_KEY_MENTIONS].name;
	len[0] = 6;
	len[1] = s->keys[SINK_KEY_MENTIONS].len;
	sink_command(s, sink_reply_probe, NULL, 2, argv, len);
	argv[0] = "SCRIPT";
	argv[1] = "LOAD";
	argv[2] = deliver_lua_text;
	len[0] = 6;
	len[1] = 4;
	len[2] = strlen(deliver_lua_text);
	sink_command(s, sink_reply_script, NULL, 3, argv, len);

	if (s->queue == CONFIG_QUEUE_STREAM && s->group != NULL) {
		for (i = SINK_KEY_QUESTION; i < SINK_NKEYS; i++) {
			k = &s->keys[i];
			argv[0] = "XGROUP";
			argv[1] = "CREATE";
			argv[2] = k->name;
			argv[3] = s->group;
			argv[4] = "$";
			argv[5] = "MKSTREAM";
			len[0] = 6;
			len[1] = 6;
			len[2] = k->len;
			len[3] = strlen(s->group);
			len[4] = 1;
			len[5] = 8;
			sink_command(s, sink_reply_group, k, 6, argv, len);
		}
	}

	TAILQ_FOREACH(e, &s->held, qentry) {
		if (!e->uncertain)
			break;
		if (!e->delivery)
			count[e->key]++;
	}
	for (i = 0; i < SINK_NKEYS; i++) {
		if (count[i] == 0)
			continue;
		k = &s->keys[i];
		if (count[i] > SINK_CHECK_MAX)
			count[i] = SINK_CHECK_MAX;
		if (k->list) {
			snprintf(stop, sizeof(stop), "%zu", count[i] - 1);
			argv[0] = "LRANGE";
			argv[1] = k->name;
			argv[2] = "0";
			argv[3] = stop;
			len[0] = 6;
			len[1] = k->len;
			len[2] = 1;
			len[3] = strlen(stop);
			sink_command(s, sink_reply_check, k, 4, argv, len);
		} else {
			snprintf(stop, sizeof(stop), "%zu", count[i]);
			argv[0] = "XREVRANGE";
			argv[1] = k->name;
			argv[2] = "+";
			argv[3] = "-";
			argv[4] = "COUNT";
			argv[5] = stop;
			len[0] = 9;
			len[1] = k->len;
			len[2] = 1;
			len[3] = 1;
			len[4] = 5;
			len[5] = strlen(stop);
			sink_command(s, sink_reply_check, k, 6, argv, len);
		}
	}
}

/* hiredis: the connect(2) finished, well or not. */
static void
sink_connect_cb(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)cac;
	struct sink *s = ac->data;
	char reason[256];

	if (s == NULL)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees the context when we return. */
		snprintf(reason, sizeof(reason), "%s",
		    ac->errstr != NULL ? ac->errstr : "connect failed");
		ac->data = NULL;
		s->ac = NULL;
		sink_lost(s, LOG_WARNING, reason);
		return;
	}
	s->state = SINK_SYNCING;
}

/* hiredis: the connection is gone (hiredis frees it when we return). */
static void
sink_disconnect_cb(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)cac;
	struct sink *s = ac->data;
	char reason[256];

	if (s == NULL)
		return;
	snprintf(reason, sizeof(reason), "%s",
	    ac->err != 0 && ac->errstr != NULL ? ac->errstr :
	    "connection closed");
	ac->data = NULL;
	s->ac = NULL;
	sink_lost(s, LOG_WARNING, reason);
}

/* Start a connection attempt. */
static void
sink_connect(struct sink *s)
{
	redisAsyncContext *ac;
	struct timeval tv;
	char reason[256];

	if (s->ac != NULL)
		return;
	if (s->target.path != NULL)
		ac = redisAsyncConnectUnix(s->target.path);
	else
		ac = redisAsyncConnect(s->target.host, s->target.port);
	if (ac == NULL || ac->err != 0) {
		snprintf(reason, sizeof(reason), "%s",
		    ac != NULL ? ac->errstr : "out of memory");
		if (ac != NULL)
			redisAsyncFree(ac);
		s->state = SINK_IDLE;
		sink_lost(s, LOG_WARNING, reason);
		return;
	}
	ac->data = s;
	if (redisLibeventAttach(ac, s->base) != REDIS_OK) {
		ac->data = NULL;
		redisAsyncFree(ac);
		sink_lost(s, LOG_ERR, "cannot attach to the event loop");
		return;
	}
	redisAsyncSetConnectCallback(ac, sink_connect_cb);
	redisAsyncSetDisconnectCallback(ac, sink_disconnect_cb);
	s->ac = ac;
	s->state = SINK_CONNECTING;
	s->drop_pending = 0;
	sink_send_setup(s);
	tv = sink_tv(SINK_CONNECT_TIMEOUT);
	evtimer_add(s->ev_timeout, &tv);
}

/* The reply to an entry's XADD or LPUSH: the head of the in-flight queue is
 * written (or refused). A NULL reply means the connection is going away;
 * sink_lost then requeues what is in flight. */
static void
sink_reply_entry(redisAsyncContext *ac, void *reply, void *arg)
{
	struct sink *s = ac->data;
	redisReply *r = reply;
	struct sink_entry *e;

	if (r == NULL || s == NULL || s->drop_pending)
		return;	/* what is in flight is held again and read back */
	e = TAILQ_FIRST(&s->inflight);
	if (r->type == REDIS_REPLY_ERROR && sink_transient(r)) {
		/* Not now (loading, failover, lost auth, a key of another
		 * type): reconnect. deliver.lua names the key it refuses;
		 * Redis's own WRONGTYPE does not. */
		if (e != NULL && !e->delivery &&
		    strncmp(r->str, "WRONGTYPE", 9) == 0)
			sink_drop_later(s, LOG_WARNING, "%s (writing %s)",
			    r->str, s->keys[e->key].name);
		else
			sink_drop_later(s, LOG_WARNING, "%s", r->str);
		return;
	}
	if (e == NULL) {
		log_err(SINK_SUBSYS, "a reply for no entry");
		return;
	}
	TAILQ_REMOVE(&s->inflight, e, qentry);
	s->ninflight--;
	s->inflight_bytes -= e->idlen + e->jsonlen;
	if (e->delivery && r->type == REDIS_REPLY_INTEGER) {
		if (r->integer == 1) {
			s->written++;
			if (e->note != NULL)
				log_notice("alert", "%s", e->note);
		} else if (r->integer == 2 || r->integer == 3) {
			/* An edit of what was delivered before it was seen
			 * here: its line names the classes the edit has, of
			 * which those the first had do not alert again. */
			s->written++;
			if (r->integer == 2 && e->note != NULL)
				log_notice("alert", "%s (an edit of a mention "
				    "delivered before)", e->note);
			else
				log_info(SINK_SUBSYS, "%.*s was delivered "
				    "before with another text: written as its "
				    "update", (int)e->idlen, e->id);
		} else if (e->resent) {
			/* Ours, written before the connection dropped. */
			s->written++;
		} else {
			s->seen_before++;
			log_info(SINK_SUBSYS, "%.*s was delivered before (by "
			    "another mentiond, or before a restart): not "
			    "written again", (int)e->idlen, e->id);
		}
	} else if (r->type == REDIS_REPLY_ERROR) {
		/* Refused for good (an error no retry can mend: a bug of
		 * ours, a command this Redis does not have): sending it again
		 * would stall everything behind it, so it counts as dropped. */
		s->dropped++;
		if (!s->rejected_logged) {
			log_err(SINK_SUBSYS, "%s refused entry %.*s for %s: %s; "
			    "dropped", s->addr, (int)e->idlen, e->id,
			    s->keys[e->key].name, r->str);
			s->rejected_logged = 1;
		}
	} else
		s->written++;
	sink_entry_free(s, e, r->type != REDIS_REPLY_ERROR);
	/* With nothing held the spool may still hold the rest: the window
	 * was full when its last chunk read back went out. */
	if (!TAILQ_EMPTY(&s->held) || spool_unread(s->spool) > 0)
		sink_pump(s);
	if (s->nheld == 0 && s->ninflight == 0)
		sink_check_flush(s);
}

/* The reply to PUBLISH. Publishing is best effort: pub/sub has no memory,
 * a subscriber that is away misses the message whatever we do, and the
 * durable copy is the stream or list entry. So a PUBLISH is never checked
 * after a loss; it is sent again only along with its XADD/LPUSH. */
static void
sink_reply_publish(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply *r = reply;

	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_debug(SINK_SUBSYS, "PUBLISH: %s", r->str);
}

static size_t	 sink_resp_size(int, const size_t *);
static char	*sink_resp_write(char *, int, const char **, const size_t *,
		    char **);

/* Write entry E's commands to the connection: its XADD or LPUSH, then for
 * an alert the PUBLISH of its JSON to the same key. */
static int
sink_send(struct sink *s, struct sink_entry *e)
{
	const struct sink_key *k = &s->keys[e->key];
	const char *argv[3];
	size_t len[3], size;
	char *at[3], *p;

	if (redisAsyncFormattedCommand(s->ac, sink_reply_entry, NULL, e->data,
	    e->cmdlen) != REDIS_OK)
		return -1;
	if (e->key == SINK_KEY_MENTIONS)
		return 0;	/* a delivery publishes its alerts itself */
	argv[0] = "PUBLISH";
	len[0] = 7;
	argv[1] = k->name;
	len[1] = k->len;
	argv[2] = e->json;
	len[2] = e->jsonlen;
	size = sink_resp_size(3, len);
	if (size > s->pubcap) {
		free(s->pubbuf);
		s->pubcap = size + size / 2;
		s->pubbuf = xmalloc(s->pubcap);
	}
	p = sink_resp_write(s->pubbuf, 3, argv, len, at);
	redisAsyncFormattedCommand(s->ac, sink_reply_publish, NULL, s->pubbuf,
	    (size_t)(p - s->pubbuf));
	return 0;
}

/*
 * The spool record of entry E, in a new buffer of *LEN bytes: a header of
 * key, flags and the offsets of the id and the JSON in the command, then
 * the command (and an LPUSH's id after it), then the alert's log line.
 */
static unsigned char *
sink_spool_record(const struct sink_entry *e, size_t *len)
{
	uint32_t h[6];
	size_t data, note = e->note != NULL ? strlen(e->note) : 0;
	unsigned char *rec, flags;

	data = (size_t)(e->id - e->data) >= e->cmdlen ?
	    (size_t)(e->id - e->data) + e->idlen : e->cmdlen;
	h[0] = (uint32_t)e->cmdlen;
	h[1] = (uint32_t)data;
	h[2] = (uint32_t)(e->id - e->data);
	h[3] = (uint32_t)e->idlen;
	h[4] = (uint32_t)(e->json - e->data);
	h[5] = (uint32_t)e->jsonlen;
	*len = 2 + sizeof(h) + data + note;
	rec = xmalloc(*len);
	flags = (unsigned char)(e->delivery | e->plain << 1);
	rec[0] = e->key;
	rec[1] = flags;
	memcpy(rec + 2, h, sizeof(h));
	memcpy(rec + 2 + sizeof(h), e->data, data);
	if (note > 0)
		memcpy(rec + 2 + sizeof(h) + data, e->note, note);
	return rec;
}

/* A delivery spooled by a version of mentiond whose deliver.lua was another
 * names that script's SHA1, which Redis does not have (NOSCRIPT, again on
 * every connection): name this one's, which takes the calls of the earlier
 * ones (deliver.lua). */
static void
sink_spool_sha1(struct sink_entry *e)
{
	static const char head[] = "$7\r\nEVALSHA\r\n$40\r\n";
	char *at;

	if (!e->delivery || e->cmdlen < 4 + sizeof(head) - 1 + 40)
		return;
	at = memchr(e->data, '\n', e->cmdlen);
	if (at == NULL || (size_t)(++at - e->data) + sizeof(head) - 1 + 40 >
	    e->cmdlen || memcmp(at, head, sizeof(head) - 1) != 0)
		return;
	memcpy(at + sizeof(head) - 1, deliver_lua_sha1, 40);
}

/* The entry of spool record REC (LEN bytes), or NULL when it is not one. */
static struct sink_entry *
sink_spool_entry(const unsigned char *rec, size_t len, uint64_t seq)
{
	struct sink_entry *e;
	uint32_t h[6];
	size_t note;

	if (len < 2 + sizeof(h))
		return NULL;
	memcpy(h, rec + 2, sizeof(h));
	if (rec[0] >= SINK_NKEYS || h[1] > len - 2 - sizeof(h) ||
	    h[0] > h[1] || (size_t)h[2] + h[3] > h[1] ||
	    (size_t)h[4] + h[5] > h[1])
		return NULL;
	e = xcalloc(1, sizeof(*e) + h[1]);
	memcpy(e->data, rec + 2 + sizeof(h), h[1]);
	e->key = rec[0];
	e->delivery = rec[1] & 1;
	e->plain = (rec[1] >> 1) & 1;
	/* A delivery may have been written before a crash: if Redis says
	 * so, it counts as written, not as another mentiond's. */
	e->resent = e->delivery;
	e->cmdlen = h[0];
	e->id = e->data + h[2];
	e->idlen = h[3];
	e->json = e->data + h[4];
	e->jsonlen = h[5];
	note = len - 2 - sizeof(h) - h[1];
	if (note > 0)
		e->note = xstrndup((const char *)rec + 2 + sizeof(h) + h[1],
		    note);
	e->from_spool = 1;
	e->seq = seq;
	sink_spool_sha1(e);
	return e;
}

/* Sync the spool now, then tell the owners of what was spooled: it is as
 * safe as Redis would keep it. */
static void
sink_spool_synced(struct sink *s)
{
	struct sink_done *d = s->sync_dones;
	size_t i, n = s->nsync_dones;

	spool_sync(s->spool);
	s->sync_dones = NULL;
	s->nsync_dones = 0;
	for (i = 0; i < n; i++)
		d[i].fn(d[i].arg, d[i].seq, 1);
	free(d);
}

/* The zero timer after a burst of spooled entries. */
static void
sink_spoolsync_cb(evutil_socket_t fd, short what, void *arg)
{
	sink_spool_synced(arg);
}

/* Write entry E (not in any queue) to the spool and free it. Returns 0, or
 * -1 when the spool cannot take it (E is left as it is). */
static int
sink_spool_put(struct sink *s, struct sink_entry *e)
{
	unsigned char *rec;
	size_t len;
	int rc;

	rec = sink_spool_record(e, &len);
	rc = spool_append(s->spool, e->seq, rec, len);
	free(rec);
	if (rc != 0)
		return -1;
	s->spooled++;
	if (e->done.fn != NULL) {
		s->sync_dones = xreallocarray(s->sync_dones,
		    s->nsync_dones + 1, sizeof(*s->sync_dones));
		s->sync_dones[s->nsync_dones++] = e->done;
		e->done.fn = NULL;
		if (s->ev_spoolsync != NULL)
			event_active(s->ev_spoolsync, EV_TIMEOUT, 0);
	}
	free(e->note);
	free(e);
	return 0;
}

/* The hold buffer is over hold_max: move its oldest entry made here (not
 * one read back from the spool, nor a plain one in flight at a drop, whose
 * fate the read-back on reconnect must tell; a delivery may go, since
 * sending it again writes nothing twice) to the spool. Returns 0, or -1
 * when nothing could go there. */
static int
sink_spill(struct sink *s)
{
	struct sink_entry *e, *next, *mnext;

	if (s->spool == NULL)
		return -1;
	TAILQ_FOREACH(e, &s->held, qentry)
		if (!e->from_spool && (!e->uncertain || e->delivery))
			break;
	if (e == NULL)
		return -1;
	next = TAILQ_NEXT(e, qentry);
	mnext = e->plain ? TAILQ_NEXT(e, mentry) : NULL;
	sink_unhold(s, e);
	if (sink_spool_put(s, e) != 0) {
		/* Back where it was, behind what is in flight at a drop and
		 * what was read back (which the reconnect finds at the head). */
		if (next != NULL)
			TAILQ_INSERT_BEFORE(next, e, qentry);
		else
			TAILQ_INSERT_TAIL(&s->held, e, qentry);
		if (e->plain && mnext != NULL)
			TAILQ_INSERT_BEFORE(mnext, e, mentry);
		else if (e->plain)
			TAILQ_INSERT_TAIL(&s->held_mentions, e, mentry);
		s->nheld++;
		return -1;
	}
	if (!s->spooling) {
		log_warn(SINK_SUBSYS, "hold buffer of %lld entries full: "
		    "spooling the oldest to %s until %s is back", s->hold_max,
		    spool_path(s->spool), s->addr);
		s->spooling = 1;
	}
	return 0;
}

/* Read the next records of the spool back into the hold buffer, before the
 * first entry taken after them. */
static void
sink_spool_load(struct sink *s)
{
	struct sink_entry *e, *at;
	void *rec;
	size_t len, n = 0;
	uint64_t seq;

	at = TAILQ_FIRST(&s->held);
	while (n < SINK_SPOOL_CHUNK && spool_read(s->spool, &rec, &len, &seq)) {
		e = sink_spool_entry(rec, len, seq);
		free(rec);
		if (e == NULL) {
			log_err(SINK_SUBSYS, "%s: a record that is no entry "
			    "skipped", spool_path(s->spool));
			continue;
		}
		while (at != NULL && at->seq < seq)
			at = TAILQ_NEXT(at, qentry);
		if (at != NULL)
			TAILQ_INSERT_BEFORE(at, e, qentry);
		else
			TAILQ_INSERT_TAIL(&s->held, e, qentry);
		s->nheld++;
		s->spool_held++;
		s->spool_out++;
		n++;
	}
}

/* Move held entries to the connection while the window has room; what is
 * in the spool goes first. */
static void
sink_pump(struct sink *s)
{
	struct sink_entry *e;

	while (s->state == SINK_READY && s->ac != NULL && !s->drop_pending &&
	    s->ninflight < SINK_WINDOW_ENTRIES &&
	    s->inflight_bytes < SINK_WINDOW_BYTES) {
		if (s->spool_held == 0 && !s->spool_append_only &&
		    spool_unread(s->spool) > 0)
			sink_spool_load(s);
		if ((e = TAILQ_FIRST(&s->held)) == NULL)
			break;
		/* Older entries are still in the file: they go first. Once
		 * some are read back they are sent whatever their numbers: the
		 * file need not be in order (a stop saves what was in flight
		 * after what was spilled before it), and waiting for the next
		 * unread one would wait for ever. */
		if (!s->spool_append_only && s->spool_held == 0 &&
		    spool_unread(s->spool) > 0 &&
		    e->seq > spool_next_seq(s->spool))
			break;
		if (sink_send(s, e) != 0)
			break;
		sink_unhold(s, e);
		TAILQ_INSERT_TAIL(&s->inflight, e, qentry);
		s->ninflight++;
		s->inflight_bytes += e->idlen + e->jsonlen;
	}
}

/* Drop the oldest held plain mention, or when there is none the oldest
 * held alert; never one read back from the spool (it does not count
 * against hold_max, so dropping it would free nothing). */
static void
sink_drop_oldest(struct sink *s)
{
	struct sink_entry *e;

	if ((e = TAILQ_FIRST(&s->held_mentions)) == NULL) {
		TAILQ_FOREACH(e, &s->held, qentry)
			if (!e->from_spool)
				break;
		if (!s->dropping_alerts) {
			log_err(SINK_SUBSYS, "hold buffer of %lld entries "
			    "holds only alerts: dropping the oldest alerts",
			    s->hold_max);
			s->dropping_alerts = 1;
		}
	} else if (s->episode_dropped == 0) {
		log_err(SINK_SUBSYS, "hold buffer of %lld entries full: "
		    "dropping the oldest mentions", s->hold_max);
	}
	sink_unhold(s, e);
	sink_entry_free(s, e, 0);
	s->dropped++;
	s->episode_dropped++;
}

/* The arguments of the command that writes an entry with ID and JSON to
 * key K: fills ARGV and LEN (room for SINK_MAX_ARGS), returns how many. */
static int
sink_entry_argv(const struct sink *s, const struct sink_key *k,
    const char *id, size_t idlen, const char *json, size_t jsonlen,
    const char **argv, size_t *len)
{
	int i = 0;

	if (k->list) {
		argv[i] = "LPUSH";
		len[i++] = 5;
		argv[i] = k->name;
		len[i++] = k->len;
	} else {
		argv[i] = "XADD";
		len[i++] = 4;
		argv[i] = k->name;
		len[i++] = k->len;
		if (s->maxlen > 0) {
			argv[i] = "MAXLEN";
			len[i++] = 6;
			argv[i] = "~";
			len[i++] = 1;
			argv[i] = s->maxlen_arg;
			len[i++] = s->maxlen_len;
		}
		argv[i] = "*";
		len[i++] = 1;
		argv[i] = "id";
		len[i++] = 2;
		argv[i] = id;
		len[i++] = idlen;
		argv[i] = "data";
		len[i++] = 4;
	}
	argv[i] = json;
	len[i++] = jsonlen;
	return i;
}

/* How many decimal digits N has. */
static size_t
sink_digits(size_t n)
{
	size_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Write N in decimal at P; returns the end. */
static char *
sink_put_number(char *p, size_t n)
{
	size_t d = sink_digits(n), i;

	for (i = d; i > 0; i--) {
		p[i - 1] = (char)('0' + n % 10);
		n /= 10;
	}
	return p + d;
}

/* The size of command ARGV (ARGC arguments of lengths LEN) in RESP. */
static size_t
sink_resp_size(int argc, const size_t *len)
{
	size_t size;
	int i;

	size = 3 + sink_digits((size_t)argc);
	for (i = 0; i < argc; i++)
		size += 5 + sink_digits(len[i]) + len[i];
	return size;
}

/* Write command ARGV in RESP at P (sink_resp_size bytes): *ARGC, then each
 * argument as $LEN and its bytes. Argument I begins at AT[I]. Returns the
 * end. */
static char *
sink_resp_write(char *p, int argc, const char **argv, const size_t *len,
    char **at)
{
	int i;

	*p++ = '*';
	p = sink_put_number(p, (size_t)argc);
	*p++ = '\r';
	*p++ = '\n';
	for (i = 0; i < argc; i++) {
		*p++ = '$';
		p = sink_put_number(p, len[i]);
		*p++ = '\r';
		*p++ = '\n';
		at[i] = p;
		memcpy(p, argv[i], len[i]);
		p += len[i];
		*p++ = '\r';
		*p++ = '\n';
	}
	return p;
}

/* Queue entry E, held until it can be sent; beyond hold_max the oldest
 * are dropped. */
static void
sink_take(struct sink *s, struct sink_entry *e)
{
	e->seq = s->next_seq++;
	TAILQ_INSERT_TAIL(&s->held, e, qentry);
	if (e->plain)
		TAILQ_INSERT_TAIL(&s->held_mentions, e, mentry);
	s->nheld++;
	if (s->state == SINK_READY) {
		sink_pump(s);
		if (s->nheld == 0)
			return;
	}
	/* What was read back from the spool is not counted: it is on disk. */
	while (s->hold_max > 0 && s->nheld - s->spool_held >
	    (unsigned long long)s->hold_max)
		if (sink_spill(s) != 0)
			sink_drop_oldest(s);
}

/* A new entry whose command is ARGV (ARGC arguments of lengths LEN), with
 * its id and JSON at arguments ID_ARG and JSON_ARG; EXTRA more bytes are
 * allocated after the command. */
static struct sink_entry *
sink_entry_new(int argc, const char **argv, const size_t *len, int id_arg,
    int json_arg, size_t extra)
{
	char *at[SINK_MAX_ARGS], *p;
	struct sink_entry *e;
	size_t size = sink_resp_size(argc, len);

	e = xcalloc(1, sizeof(*e) + size + extra);
	p = sink_resp_write(e->data, argc, argv, len, at);
	e->cmdlen = (size_t)(p - e->data);
	e->json = at[json_arg];
	e->jsonlen = len[json_arg];
	if (id_arg >= 0) {
		e->id = at[id_arg];
		e->idlen = len[id_arg];
	}
	return e;
}

/* Take a new entry for KEY. */
static void
sink_add(struct sink *s, int key, const char *id, const char *json,
    const struct sink_done *done)
{
	const struct sink_key *k = &s->keys[key];
	const char *argv[SINK_MAX_ARGS];
	size_t len[SINK_MAX_ARGS], idlen, jsonlen;
	struct sink_entry *e;
	int argc;

	if (id == NULL)
		id = "";
	if (json == NULL)
		json = "";
	idlen = strlen(id);
	jsonlen = strlen(json);
	argc = sink_entry_argv(s, k, id, idlen, json, jsonlen, argv, len);
	e = sink_entry_new(argc, argv, len, k->list ? -1 : argc - 3, argc - 1,
	    k->list ? idlen : 0);
	if (k->list) {
		/* The id of an LPUSH is not sent: it follows the command. */
		memcpy(e->data + e->cmdlen, id, idlen);
		e->id = e->data + e->cmdlen;
		e->idlen = idlen;
	}
	e->key = (unsigned char)key;
	e->plain = key == SINK_KEY_MENTIONS;
	if (done != NULL)
		e->done = *done;
	sink_take(s, e);
}

/* The flush is complete (zero timer, so DONE may free the sink). */
static void
sink_flushdone_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sink *s = arg;
	void (*done)(void *) = s->flush_done;

	if (done == NULL || s->nheld != 0 || s->ninflight != 0)
		return;
	evtimer_del(s->ev_flushtimer);
	s->flush_done = NULL;
	done(s->flush_arg);
}

/* The flush ran out of time. */
static void
sink_flushtimer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sink *s = arg;
	void (*done)(void *) = s->flush_done;

	if (done == NULL)
		return;
	log_warn(SINK_SUBSYS, "flush to %s timed out after %.1f s: %zu entries "
	    "held, %zu in flight", s->addr, s->flush_timeout, s->nheld,
	    s->ninflight);
	s->flush_done = NULL;
	done(s->flush_arg);
}

/* Create a sink and start connecting. */
struct sink *
sink_new(struct event_base *base, const struct config_redis *cfg,
    char **cause)
{
	struct sink *s;
	const char *prefix;
	int i;

	s = xcalloc(1, sizeof(*s));
	s->base = base;
	TAILQ_INIT(&s->held);
	TAILQ_INIT(&s->held_mentions);
	TAILQ_INIT(&s->inflight);
	if (cfg->url == NULL) {
		*cause = xstrdup("no redis URL");
		goto fail;
	}
	if (sink_parse_url(s, cfg->url, cause) != 0)
		goto fail;
	s->password = xstrdup(cfg->password);
	s->group = xstrdup(cfg->group);
	s->maxlen = cfg->maxlen;
	s->hold_max = cfg->hold_max;
	s->queue = cfg->queue;
	snprintf(s->maxlen_arg, sizeof(s->maxlen_arg), "%lld", s->maxlen);
	s->maxlen_len = strlen(s->maxlen_arg);

	prefix = cfg->prefix != NULL ? cfg->prefix : "mentiond";
	s->seen_prefix = xasprintf("%s:seen:", prefix);
	for (i = 0; i < SINK_NKEYS; i++) {
		s->keys[i].index = i;
		if (i == SINK_KEY_MENTIONS)
			s->keys[i].name = xasprintf("%s:mentions", prefix);
		else {
			s->keys[i].name = xasprintf("%s:alerts:%s", prefix,
			    sink_classes[i]);
			s->keys[i].list = s->queue == CONFIG_QUEUE_LIST;
		}
		s->keys[i].len = strlen(s->keys[i].name);
	}
	s->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
	    (uint64_t)(uintptr_t)s;
	if (s->rng == 0)
		s->rng = 1;

	s->ev_retry = evtimer_new(base, sink_retry_cb, s);
	s->ev_timeout = evtimer_new(base, sink_timeout_cb, s);
	s->ev_drop = evtimer_new(base, sink_drop_cb, s);
	s->ev_flushdone = evtimer_new(base, sink_flushdone_cb, s);
	s->ev_flushtimer = evtimer_new(base, sink_flushtimer_cb, s);
	s->ev_spoolsync = evtimer_new(base, sink_spoolsync_cb, s);
	if (s->ev_retry == NULL || s->ev_timeout == NULL ||
	    s->ev_drop == NULL || s->ev_flushdone == NULL ||
	    s->ev_flushtimer == NULL || s->ev_spoolsync == NULL) {
		*cause = xstrdup("cannot create timers");
		goto fail;
	}
	sink_connect(s);
	return s;

fail:
	sink_free(s);
	return NULL;
}

void
sink_set_spool(struct sink *s, struct spool *sp, int append_only)
{
	s->spool = sp;
	s->spool_append_only = append_only;
	if (sp != NULL && spool_last_seq(sp) >= s->next_seq)
		s->next_seq = spool_last_seq(sp) + 1;
	if (sp != NULL && !append_only && s->state == SINK_READY)
		sink_pump(s);
}

/* Stopping: what is neither written nor already in the spool goes there,
 * the oldest first (in flight, then held), so that the next start delivers
 * it. Entries read back from the spool stay where they are in its file,
 * unless another sink reads the file now (a reload): it has read past them,
 * so they are written again at its end. */
static void
sink_spool_rest(struct sink *s)
{
	struct sink_queue *queues[2] = { &s->inflight, &s->held };
	struct sink_entry *e, *next;
	size_t n = 0, failed = 0;
	int q, from_spool;

	for (q = 0; q < 2; q++) {
		for (e = TAILQ_FIRST(queues[q]); e != NULL; e = next) {
			next = TAILQ_NEXT(e, qentry);
			from_spool = e->from_spool;
			if (from_spool && !s->spool_append_only)
				continue;
			TAILQ_REMOVE(queues[q], e, qentry);
			if (q == 0)
				s->ninflight--;
			else {
				s->nheld--;
				if (e->plain && !from_spool)
					TAILQ_REMOVE(&s->held_mentions, e,
					    mentry);
				if (from_spool)
					s->spool_held--;
			}
			if (sink_spool_put(s, e) == 0) {
				if (from_spool)
					s->spool_out--;
				n++;
			} else {
				failed++;
				sink_entry_free(s, e, 0);
			}
		}
	}
	sink_spool_synced(s);
	if (n > 0)
		log_notice(SINK_SUBSYS, "%zu undelivered entries saved to %s "
		    "for the next start", n, spool_path(s->spool));
	if (failed > 0)
		log_err(SINK_SUBSYS, "%zu undelivered entries could not be "
		    "saved to %s and are lost", failed, spool_path(s->spool));
}

/* Queue a mention for {prefix}:mentions. */
void
sink_mention(struct sink *s, const char *id, const char *json,
    const struct sink_done *done)
{
	sink_add(s, SINK_KEY_MENTIONS, id, json, done);
}

/* The letters of deliver.lua for SINK_ALERT_* classes CLASSES, in BUF (4). */
static char *
sink_class_letters(unsigned classes, char *buf)
{
	size_t n = 0;

	if (classes & SINK_ALERT_QUESTION)
		buf[n++] = 'q';
	if (classes & SINK_ALERT_NEGATIVE)
		buf[n++] = 'n';
	if (classes & SINK_ALERT_POSITIVE)
		buf[n++] = 'p';
	buf[n] = '\0';
	return buf;
}

/* Queue the delivery of a new mention and its alerts (deliver.lua). */
void
sink_deliver(struct sink *s, const char *id, const char *json,
    unsigned alerts, double window, const struct sink_text *text, char *note,
    const struct sink_done *done)
{
	const char *argv[SINK_MAX_ARGS];
	size_t len[SINK_MAX_ARGS];
	char secs[32], classes[4], has[4], hash[16], *seen, *first;
	struct sink_entry *e;
	int i;

	snprintf(secs, sizeof(secs), "%lld", window >= 1 ?
	    (long long)window : 1LL);
	seen = xasprintf("%s%s", s->seen_prefix, id);
	first = text != NULL && text->first != NULL ?
	    xasprintf("%s%s", s->seen_prefix, text->first) : NULL;
	if (text != NULL)
		snprintf(hash, sizeof(hash), "%08x", (unsigned)text->hash);
	else
		hash[0] = '\0';

	argv[0] = "EVALSHA";
	argv[1] = deliver_lua_sha1;
	argv[2] = "6";
	argv[3] = seen;
	for (i = 0; i < SINK_NKEYS; i++)
		argv[4 + i] = s->keys[i].name;
	argv[8] = first != NULL ? first : seen;
	argv[9] = secs;
	argv[10] = id;
	argv[11] = json;
	argv[12] = s->maxlen_arg;
	argv[13] = sink_class_letters(alerts, classes);
	argv[14] = s->queue == CONFIG_QUEUE_LIST ? "list" : "stream";
	argv[15] = s->group != NULL ? s->group : "";
	argv[16] = hash;
	argv[17] = sink_class_letters(text != NULL ? text->classes : 0, has);
	for (i = 0; i < 18; i++)
		len[i] = strlen(argv[i]);
	e = sink_entry_new(18, argv, len, 10, 11, 0);
	free(first);
	free(seen);
	e->key = SINK_KEY_MENTIONS;
	e->delivery = 1;
	e->plain = alerts == 0;
	e->note = note;
	if (done != NULL)
		e->done = *done;
	sink_take(s, e);
}

/* Queue an alert for {prefix}:alerts:CLASS. */
void
sink_alert(struct sink *s, const char *klass, const char *id,
    const char *json)
{
	int i;

	for (i = SINK_KEY_QUESTION; i < SINK_NKEYS; i++) {
		if (klass != NULL && strcmp(klass, sink_classes[i]) == 0) {
			sink_add(s, i, id, json, NULL);
			return;
		}
	}
	log_err(SINK_SUBSYS, "alert %s has unknown class %s; dropped",
	    id != NULL ? id : "", klass != NULL ? klass : "(none)");
	s->dropped++;
}

/* Ask for DONE once everything is delivered, or after TIMEOUT. */
void
sink_flush(struct sink *s, double timeout, void (*done)(void *arg),
    void *arg)
{
	struct timeval tv = sink_tv(timeout);

	s->flush_done = done;
	s->flush_arg = arg;
	s->flush_timeout = timeout;
	evtimer_add(s->ev_flushtimer, &tv);
	sink_check_flush(s);
}

/* Fill ST with the counters. */
void
sink_stats(const struct sink *s, struct sink_stats *st)
{
	st->written = s->written;
	st->seen_before = s->seen_before;
	st->held = s->nheld - s->spool_held;
	st->inflight = s->ninflight;
	st->dropped = s->dropped;
	st->spooled = spool_unread(s->spool) + s->spool_out;
	st->connected = s->state == SINK_READY;
}

/* Disconnect and free, logging what is lost. */
void
sink_free(struct sink *s)
{
	redisAsyncContext *ac;
	size_t left;
	int i;

	if (s == NULL)
		return;
	if ((ac = s->ac) != NULL) {
		s->ac = NULL;
		ac->data = NULL;
		redisAsyncFree(ac);
	}
	if (s->episode_dropped > 0) {
		log_err(SINK_SUBSYS, "%llu entries were dropped (hold buffer of "
		    "%lld entries full)", s->episode_dropped, s->hold_max);
	}
	if (s->spool != NULL)
		sink_spool_rest(s);
	/* spool_out counts those read back, held again or in flight. */
	left = s->nheld + s->ninflight - s->spool_out;
	if (s->spool_out > 0)
		log_notice(SINK_SUBSYS, "%zu entries read back from %s were "
		    "not delivered yet: they stay there", s->spool_out,
		    spool_path(s->spool));
	if (left > 0) {
		log_err(SINK_SUBSYS, "%zu entries not delivered to %s are lost "
		    "(%zu held, %zu in flight)", left, s->addr, s->nheld,
		    s->ninflight);
	}
	/* What was read back stays in the file: freeing the last of it must
	 * not empty the file as if it were written. */
	s->spool_append_only = 1;
	sink_free_queue(s, &s->held);
	sink_free_queue(s, &s->inflight);
	if (s->ev_retry != NULL)
		event_free(s->ev_retry);
	if (s->ev_timeout != NULL)
		event_free(s->ev_timeout);
	if (s->ev_drop != NULL)
		event_free(s->ev_drop);
	if (s->ev_flushdone != NULL)
		event_free(s->ev_flushdone);
	if (s->ev_flushtimer != NULL)
		event_free(s->ev_flushtimer);
	if (s->ev_spoolsync != NULL)
		event_free(s->ev_spoolsync);
	free(s->sync_dones);
	for (i = 0; i < SINK_NKEYS; i++)
		free(s->keys[i].name);
	free(s->seen_prefix);
	free(s->pubbuf);
	free(s->password);
	free(s->group);
	redisurl_free(&s->target);
	free(s->addr);
	free(s);
}
