/*
 * sink.h - the Redis sink: hiredis async on the daemon's loop. Every matched,
 * non-duplicate mention goes to the stream {prefix}:mentions; every alert to
 * the durable queue {prefix}:alerts:CLASS (a stream with a consumer group, or a
 * list with queue = list) and to the pub/sub channel of the same name.
 *
 * Writes are pipelined. While Redis is unreachable the sink reconnects with
 * backoff and holds entries in order in a bounded buffer, then delivers them;
 * entries that were in flight when the connection dropped are checked against
 * the stream on reconnect so that none is lost and none is written twice.
 */
#ifndef SINK_H
#define SINK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct event_base;
struct sink;
struct spool;

struct sink_stats {
	unsigned long long	written;	/* entries acknowledged by Redis */
	unsigned long long	seen_before;	/* deliveries written before */
	unsigned long long	held;		/* entries waiting for a connection */
	unsigned long long	inflight;	/* sent, reply not yet read */
	unsigned long long	dropped;	/* lost to a full hold buffer */
	unsigned long long	spooled;	/* in the spool, not yet written */
	int			connected;
};

/* sink_new - connect (asynchronously) to the Redis described by CFG. The
 * config is copied. Returns NULL with *cause set on a bad URL. */
struct sink	*sink_new(struct event_base *base, const struct config_redis *cfg,
		    char **cause);
/* Who is told when an entry is over: FN(ARG, SEQ, 1) once Redis has written
 * it (or it was delivered before), FN(ARG, SEQ, 0) when it is lost (dropped
 * from a full hold buffer, refused by Redis, unflushed at sink_free). */
struct sink_done {
	void		(*fn)(void *arg, uint64_t seq, int ok);
	void		*arg;
	uint64_t	 seq;
};

/* The alert queues of sink_deliver. */
#define SINK_ALERT_QUESTION	0x1
#define SINK_ALERT_NEGATIVE	0x2
#define SINK_ALERT_POSITIVE	0x4

/* What a delivery says of its text, so that an edit of a mention another
 * mentiond (or this one before a restart) delivered is written as an update
 * of it, not taken for a repeat: FIRST, for an update, the key of the
 * mention it updates (NULL for a new one), HASH the hash of its folded text
 * (dedup_hit.text_hash), CLASSES its classes (SINK_ALERT_* bits). */
struct sink_text {
	const char	*first;
	uint32_t	 hash;
	unsigned	 classes;
};

/* sink_deliver - write new mention ID (JSON, one document) to
 * {prefix}:mentions and to the queue and channel of each class in ALERTS
 * (SINK_ALERT_*), all at once, and only if no mentiond sharing this Redis
 * delivered ID within the last WINDOW seconds (the key {prefix}:seen:ID).
 * With TEXT (may be NULL), a new ID whose first delivery had another text
 * is written as its update (ID#edit-HASH), alerting only for the classes
 * the first had not. NOTE (malloc'd, may be NULL; the sink frees it) is
 * logged at notice, as subsystem "alert", once Redis has written the
 * mention. DONE (may be NULL) is copied. */
void		 sink_deliver(struct sink *s, const char *id, const char *json,
		    unsigned alerts, double window,
		    const struct sink_text *text, char *note,
		    const struct sink_done *done);
/* sink_mention - append JSON (one document) for mention ID to {prefix}:mentions. */
void		 sink_mention(struct sink *s, const char *id, const char *json,
		    const struct sink_done *done);
/* sink_alert - append JSON to the queue {prefix}:alerts:CLASS and publish it
 * on the channel of the same name. CLASS is "question", "negative" or
 * "positive". */
void		 sink_alert(struct sink *s, const char *klass, const char *id,
		    const char *json);
/* sink_flush - call DONE once nothing is held or in flight, or after TIMEOUT
 * seconds (then with what is left logged). */
void		 sink_flush(struct sink *s, double timeout,
		    void (*done)(void *arg), void *arg);
void		 sink_stats(const struct sink *s, struct sink_stats *st);
/* sink_set_spool - beyond hold_max, write entries to SP (not owned) instead of
 * dropping them, read them back in order when Redis is back (unless
 * APPEND_ONLY: another sink reads SP, this one only leaves what it could
 * not deliver there), and save there what is undelivered at sink_free. */
void		 sink_set_spool(struct sink *s, struct spool *sp, int append_only);
/* sink_free - disconnect and free; anything unflushed goes to the spool, or
 * without one is logged as lost. */
void		 sink_free(struct sink *s);

#endif
