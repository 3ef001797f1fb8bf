/*
 * pace.h - when a connector that runs its own rounds (a timer, then
 * fetches, rather than the host's http_poll) runs the next one: after a
 * good round the host's pace() (the adaptive interval), after a failed one
 * its retry(), which logs the failure once per streak and backs off.
 */
#ifndef PACE_H
#define PACE_H

#include "mentiond/plugin.h"

struct pace {
	double	started;	/* ptime_now() when the round began */
	double	failed_at;	/* ptime_now() when it failed */
	double	wait;		/* then: seconds to the next round */
	int	failed;		/* pace_fail() was called this round */
	int	fresh;		/* new mentions the round brought */
	int	failures;	/* failed rounds in a row */
};

/* pace_begin - a round begins: clear what the last one said. */
void		 pace_begin(struct pace *p);

/* pace_fail - the round failed on RESP (a fetch callback's response, NULL
 * when there is none: then CAUSE says why) while asking WHAT (no secrets
 * in it): the host logs it and says how long to back off from INTERVAL.
 * Only the first failure of a round counts. A host without retry() gets
 * the line logged here, every time. */
void		 pace_fail(struct pace *p, const struct md_host *host,
		    struct md_source *src, const char *what,
		    const struct md_http_response *resp, const char *cause,
		    double interval);

/* pace_next - the round is over: the seconds from now to the next, never
 * below 0. After a failure what pace_fail() was told is left of the wait;
 * else the host's pace() of INTERVAL and the round's fresh mentions (the
 * interval itself from an older host), less the time the round took. */
double		 pace_next(struct pace *p, const struct md_host *host,
		    struct md_source *src, double interval);

#endif
