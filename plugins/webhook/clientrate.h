/*
 * clientrate.h - the webhook's per-client rate limit: one token bucket per
 * client address, in a small fixed table, so that one sender (or someone
 * guessing signatures) cannot take the listener from the others, and the
 * memory it costs does not depend on how many addresses ask.
 */
#ifndef CLIENTRATE_H
#define CLIENTRATE_H

#define CLIENTRATE_SLOTS	256	/* clients tracked at once */
#define CLIENTRATE_PEER_MAX	48	/* an IPv6 address and then some */

struct clientrate_slot {
	char	 peer[CLIENTRATE_PEER_MAX];	/* "" when free */
	double	 tokens;
	double	 last;		/* when tokens was last brought up to date */
};

struct clientrate {
	double			 rate;	/* requests a second; 0: no limit */
	double			 burst;	/* the bucket's size */
	struct clientrate_slot	 slots[CLIENTRATE_SLOTS];
};

/* clientrate_init - RATE requests a second per client, BURST at once
 * (at least 1). */
void	clientrate_init(struct clientrate *cr, double rate, double burst);

/* clientrate_take - a request from PEER at NOW (seconds, monotonic): 0 if
 * it may go on, else the seconds until it may (>= 1, rounded up). When the
 * table is full, the client heard from longest ago gives up its slot: it
 * starts again with a full bucket, which only ever errs towards letting a
 * request through. */
int	clientrate_take(struct clientrate *cr, const char *peer, double now);

#endif
