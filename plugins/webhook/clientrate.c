/*
 * clientrate.c - per-client token buckets for the webhook listener; see
 * clientrate.h.
 */
#include <math.h>
#include <string.h>

#include "clientrate.h"

#define CLIENTRATE_PROBE	8	/* slots looked at per address */

void
clientrate_init(struct clientrate *cr, double rate, double burst)
{
	memset(cr, 0, sizeof(*cr));
	cr->rate = rate > 0 ? rate : 0;
	cr->burst = burst >= 1 ? burst : 1;
}

/* FNV-1a of PEER. */
static unsigned
clientrate_hash(const char *peer)
{
	unsigned h = 2166136261u;

	for (; *peer != '\0'; peer++)
		h = (h ^ (unsigned char)*peer) * 16777619u;
	return h;
}

/* PEER's slot: its own, else a free one, else the stalest in its probe
 * window, made PEER's with a full bucket. */
static struct clientrate_slot *
clientrate_slot(struct clientrate *cr, const char *peer, double now)
{
	struct clientrate_slot *s, *spare = NULL;
	unsigned h = clientrate_hash(peer), i;

	for (i = 0; i < CLIENTRATE_PROBE; i++) {
		s = &cr->slots[(h + i) % CLIENTRATE_SLOTS];
		if (strcmp(s->peer, peer) == 0)
			return s;
		if (spare == NULL || (spare->peer[0] != '\0' &&
		    (s->peer[0] == '\0' || s->last < spare->last)))
			spare = s;
	}
	strncpy(spare->peer, peer, sizeof(spare->peer) - 1);
	spare->peer[sizeof(spare->peer) - 1] = '\0';
	spare->tokens = cr->burst;
	spare->last = now;
	return spare;
}

int
clientrate_take(struct clientrate *cr, const char *peer, double now)
{
	struct clientrate_slot *s;

	if (cr->rate <= 0)
		return 0;
	if (peer == NULL || *peer == '\0')
		peer = "?";
	s = clientrate_slot(cr, peer, now);
	if (now > s->last) {
		s->tokens += (now - s->last) * cr->rate;
		if (s->tokens > cr->burst)
			s->tokens = cr->burst;
		s->last = now;
	}
	if (s->tokens >= 1) {
		s->tokens -= 1;
		return 0;
	}
	return (int)ceil((1 - s->tokens) / cr->rate);
}
