/*
 * ack.c - cursors that wait for their mentions (see ack.h).
 *
 * The numbers from the oldest outstanding one (low) to the next to be taken
 * are a window of flags in a power-of-two ring: set when that mention is
 * accepted. low advances over set flags, so "every mention taken before the
 * commit is accepted" is "low has reached the commit's number". Mentions are
 * accepted nearly in order, so the window stays small.
 */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "ack.h"
#include "xmalloc.h"

#define ACK_RING_MIN	64

struct ack_commit {
	TAILQ_ENTRY(ack_commit)	 entry;
	uint64_t		 need;	/* low must reach this */
	char			*key;
	char			*value;	/* NULL: delete */
};
TAILQ_HEAD(ack_commits, ack_commit);

struct ack {
	ack_commit_fn		 fn;
	void			*arg;
	unsigned char		*ring;	/* accepted flags, by seq & mask */
	size_t			 mask;
	uint64_t		 low;	/* oldest not accepted */
	uint64_t		 next;	/* next number to take */
	uint64_t		 nout;	/* taken, not accepted or lost */
	int			 lost;
	int			 detached;
	struct ack_commits	 commits;
};

struct ack *
ack_new(ack_commit_fn fn, void *arg)
{
	struct ack *a = xcalloc(1, sizeof(*a));

	a->fn = fn;
	a->arg = arg;
	a->ring = xcalloc(ACK_RING_MIN, 1);
	a->mask = ACK_RING_MIN - 1;
	TAILQ_INIT(&a->commits);
	return a;
}

/* Forget commit C. */
static void
ack_commit_free(struct ack *a, struct ack_commit *c)
{
	TAILQ_REMOVE(&a->commits, c, entry);
	free(c->key);
	free(c->value);
	free(c);
}

/* Drop every pending commit. */
static void
ack_commits_clear(struct ack *a)
{
	struct ack_commit *c;

	while ((c = TAILQ_FIRST(&a->commits)) != NULL)
		ack_commit_free(a, c);
}

static void
ack_free(struct ack *a)
{
	ack_commits_clear(a);
	free(a->ring);
	free(a);
}

/* Double the ring, keeping the flags of the window. */
static void
ack_grow(struct ack *a)
{
	size_t size = (a->mask + 1) * 2;
	unsigned char *ring = xcalloc(size, 1);
	uint64_t s;

	for (s = a->low; s < a->next; s++)
		ring[s & (size - 1)] = a->ring[s & a->mask];
	free(a->ring);
	a->ring = ring;
	a->mask = size - 1;
}

uint64_t
ack_take(struct ack *a)
{
	if (a->next - a->low > a->mask)
		ack_grow(a);
	a->ring[a->next & a->mask] = 0;
	a->nout++;
	return a->next++;
}

/* Run the commits whose mentions are all accepted, oldest first. */
static void
ack_run(struct ack *a)
{
	struct ack_commit *c;

	while ((c = TAILQ_FIRST(&a->commits)) != NULL && c->need <= a->low) {
		TAILQ_REMOVE(&a->commits, c, entry);
		a->fn(a->arg, c->key, c->value);
		free(c->key);
		free(c->value);
		free(c);
	}
}

void
ack_done(struct ack *a, uint64_t seq, int ok)
{
	if (a == NULL || seq < a->low || seq >= a->next ||
	    a->ring[seq & a->mask])
		return;	/* not outstanding: never taken, or done before */
	a->ring[seq & a->mask] = 1;
	a->nout--;
	if (!ok && !a->lost) {
		a->lost = 1;
		ack_commits_clear(a);
	}
	while (a->low < a->next && a->ring[a->low & a->mask])
		a->low++;
	if (!a->detached && !a->lost)
		ack_run(a);
	if (a->detached && a->nout == 0)
		ack_free(a);
}

void
ack_commit(struct ack *a, const char *key, const char *value)
{
	struct ack_commit *c;

	if (a->detached || a->lost)
		return;
	if (a->low == a->next && TAILQ_EMPTY(&a->commits)) {
		a->fn(a->arg, key, value);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->need = a->next;
	c->key = xstrdup(key);
	c->value = value != NULL ? xstrdup(value) : NULL;
	TAILQ_INSERT_TAIL(&a->commits, c, entry);
}

int
ack_pending(const struct ack *a, const char *key, const char **value)
{
	const struct ack_commit *c;

	TAILQ_FOREACH_REVERSE(c, &a->commits, ack_commits, entry) {
		if (strcmp(c->key, key) == 0) {
			*value = c->value;
			return 1;
		}
	}
	return 0;
}

uint64_t
ack_outstanding(const struct ack *a)
{
	return a->nout;
}

int
ack_lost(const struct ack *a)
{
	return a->lost;
}

void
ack_detach(struct ack *a)
{
	if (a == NULL)
		return;
	a->detached = 1;
	ack_commits_clear(a);
	if (a->nout == 0)
		ack_free(a);
}
