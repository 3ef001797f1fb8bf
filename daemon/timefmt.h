/*
 * timefmt.h - reading the time formats servers send that libcurl's
 * curl_getdate does not read: RFC 3339 / ISO 8601 timestamps
 * ("2024-05-01T14:03:07.5+02:00"), as in Mastodon's X-RateLimit-Reset and
 * in mentiond's own alerts.
 */
#ifndef TIMEFMT_H
#define TIMEFMT_H

#include <stdint.h>

/* timefmt_rfc3339 - unix seconds of S, an RFC 3339 date-time (a space for
 * the 'T', fractions ignored, 'Z' or a +hh:mm offset required). 0, or -1
 * when S is not one. */
int	timefmt_rfc3339(const char *s, int64_t *out);

#endif
