/*
 * ptime.h - time for the connectors: RFC 3339 date-times as the APIs write
 * them, and the monotonic and wall clocks in seconds.
 */
#ifndef PTIME_H
#define PTIME_H

#include <stdint.h>

/* How ptime_rfc3339 reads a time. */
#define PTIME_UTC	0x1	/* no zone: UTC (else no zone is an error) */
#define PTIME_LOOSE	0x2	/* also a date alone (its midnight), no
				 * seconds, blanks at the end; implies UTC */

/*
 * ptime_rfc3339 - the time S ("2024-05-01T12:00:00Z") in microseconds since
 * the epoch into *US. The date and time may be separated by T, t or a space;
 * a fraction (after . or ,) of any length is read to the microsecond; the
 * zone is Z, z, +HH, +HHMM or +HH:MM (or -). FLAGS: PTIME_UTC, PTIME_LOOSE.
 * Returns 0, or -1 when S (NULL included) is not such a time or names a day
 * that does not exist.
 */
int		 ptime_rfc3339(const char *s, int flags, int64_t *us);

/* ptime_seconds - as ptime_rfc3339, in unix seconds (the fraction
 * dropped, rounding down). */
int		 ptime_seconds(const char *s, int flags, int64_t *t);

/* ptime_days - days since 1970-01-01 of a proleptic Gregorian date. */
int64_t		 ptime_days(int64_t y, int m, int d);

/* ptime_duration - the duration S ("90", "90s", "500ms", "5m", "2h",
 * "7d") in seconds into *D: more than 0, less than 10^10 of its unit.
 * Returns 0, or -1 when S is not one. */
int		 ptime_duration(const char *s, double *d);

/* ptime_now - monotonic seconds, for timers and pacing. */
double		 ptime_now(void);

/* ptime_wall - wall-clock seconds since the epoch. */
double		 ptime_wall(void);

#endif
