/*
 * pace.c - the wait between the rounds of a connector that runs its own:
 * the host's pace() and retry() wrapped for a round made of several
 * requests, with a plain fallback for a host that has neither.
 */
#include <stdio.h>

#include "mentiond/plugin.h"

#include "pace.h"
#include "ptime.h"

#define PACE_BACKOFF_MAX	3600.0	/* seconds, the fallback's longest */

/* A round begins. */
void
pace_begin(struct pace *p)
{
	p->started = ptime_now();
	p->failed = 0;
	p->fresh = 0;
	p->wait = 0;
}

/* The fallback of a host without retry(): INTERVAL doubled per failed
 * round in a row, logged here. */
static double
pace_fallback(struct pace *p, const struct md_host *host,
    struct md_source *src, const char *what,
    const struct md_http_response *resp, const char *cause, double interval)
{
	double wait = interval > 1 ? interval : 1;
	char reason[256];
	int i;

	for (i = 1; i < p->failures && wait < PACE_BACKOFF_MAX; i++)
		wait *= 2;
	if (wait > PACE_BACKOFF_MAX)
		wait = PACE_BACKOFF_MAX;
	if (resp != NULL && resp->error != NULL)
		snprintf(reason, sizeof reason, "%s", resp->error);
	else if (resp != NULL && (resp->status < 200 || resp->status > 299))
		snprintf(reason, sizeof reason, "HTTP %ld", resp->status);
	else
		snprintf(reason, sizeof reason, "%s", cause != NULL ? cause :
		    "a response that could not be used");
	host->log(src, MD_LOG_WARNING, "%s failed: %s; next try in %.0f s",
	    what, reason, wait);
	return wait;
}

/* The round failed: the host logs it and says how long to wait. */
void
pace_fail(struct pace *p, const struct md_host *host, struct md_source *src,
    const char *what, const struct md_http_response *resp, const char *cause,
    double interval)
{
	if (p->failed)
		return;
	p->failed = 1;
	p->failures++;
	p->failed_at = ptime_now();
	if (MD_HOST_HAS(host, retry))
		p->wait = host->retry(src, what, resp, cause, interval);
	else
		p->wait = pace_fallback(p, host, src, what, resp, cause,
		    interval);
}

/* The seconds from now to the next round. */
double
pace_next(struct pace *p, const struct md_host *host, struct md_source *src,
    double interval)
{
	double delay;

	if (p->failed)
		delay = p->failed_at + p->wait - ptime_now();
	else {
		p->failures = 0;
		if (MD_HOST_HAS(host, pace))
			interval = host->pace(src, interval, p->fresh);
		delay = p->started + interval - ptime_now();
	}
	return delay > 0 ? delay : 0;
}
