/*
 * ack.h - cursors that wait for their mentions. A source's state (its
 * cursor) may be written only once every mention it emitted before setting
 * it has been accepted by the sink: written by Redis, or judged by the
 * pipeline to need no writing (unmatched, a repeat). Otherwise a crash after
 * the cursor was saved but before Redis took the mentions would skip them.
 *
 * Each emitted mention takes a sequence number; a commit made now waits for
 * every number taken so far. Mentions may be accepted in any order. If one
 * is lost (the sink dropped it), no later commit is made this run: the last
 * safe cursor stays on disk and a restart fetches again from there (Redis's
 * seen keys keep that from alerting twice).
 *
 * The queue is reference counted: every mention in the pipeline holds it, so
 * that a source can stop (reload) with mentions still in flight; its
 * commits are then dropped and the queue is freed with its last mention.
 */
#ifndef ACK_H
#define ACK_H

#include <stdint.h>

struct ack;

/* What a commit does: set KEY to VALUE (NULL deletes) in ARG's state. */
typedef void (*ack_commit_fn)(void *arg, const char *key, const char *value);

/* ack_new - a queue whose commits run FN(ARG, ...). */
struct ack	*ack_new(ack_commit_fn fn, void *arg);
/* ack_take - a mention is emitted: its sequence number (takes a reference). */
uint64_t	 ack_take(struct ack *a);
/* ack_done - mention SEQ was accepted (OK) or lost; runs the commits that no
 * longer wait, drops the reference, and may free a detached queue. */
void		 ack_done(struct ack *a, uint64_t seq, int ok);
/* ack_commit - set KEY to VALUE once every mention taken so far is accepted
 * (at once when none is outstanding). Both are copied. */
void		 ack_commit(struct ack *a, const char *key, const char *value);
/* ack_pending - the newest value set for KEY and not yet committed: returns 1
 * with *VALUE set (NULL for a delete), or 0 when none is pending. */
int		 ack_pending(const struct ack *a, const char *key,
		    const char **value);
/* ack_outstanding - mentions taken and not yet accepted or lost. */
uint64_t	 ack_outstanding(const struct ack *a);
/* ack_lost - has a mention been lost this run (commits stopped)? */
int		 ack_lost(const struct ack *a);
/* ack_detach - the owner is gone: drop pending commits, run none again; the
 * queue is freed now or with its last outstanding mention. */
void		 ack_detach(struct ack *a);

#endif
