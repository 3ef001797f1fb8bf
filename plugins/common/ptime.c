/*
 * ptime.c - the connectors' time parser and clocks (see ptime.h). One
 * reader of RFC 3339 for every connector whose API speaks it; the feed
 * connector's W3CDTF (partial dates) and the daemon's own stay apart.
 */
/* clock_gettime(2) under -std=c11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ptime.h"

/* Read N decimal digits at *S into *V, advancing *S; -1 when not there. */
static int
ptime_digits(const char **s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return -1;
		*v = *v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return 0;
}

/* Is C a blank (space, tab, newline, CR, VT, FF)? */
static int
ptime_blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t
ptime_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Read the zone at *S ("Z", "+HH", "+HHMM", "+HH:MM") into *OFF seconds
 * east, advancing *S; 1 when there is none, -1 when it is broken. */
static int
ptime_zone(const char **s, int *off)
{
	int sign, oh, om = 0;

	if (**s == 'Z' || **s == 'z') {
		(*s)++;
		*off = 0;
		return 0;
	}
	if (**s != '+' && **s != '-')
		return 1;
	sign = *(*s)++ == '-' ? -1 : 1;
	if (ptime_digits(s, 2, &oh) != 0)
		return -1;
	if (**s == ':')
		(*s)++;
	if (**s >= '0' && **s <= '9' && ptime_digits(s, 2, &om) != 0)
		return -1;
	if (oh > 23 || om > 59)
		return -1;
	*off = sign * (oh * 3600 + om * 60);
	return 0;
}

/* An RFC 3339 time into microseconds since the epoch (see ptime.h). */
int
ptime_rfc3339(const char *s, int flags, int64_t *us)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d, h = 0, mi = 0, sec = 0, off = 0, i, rc;
	int loose = (flags & PTIME_LOOSE) != 0;
	int64_t frac = 0;
	const char *t;

	if (s == NULL)
		return -1;
	if (ptime_digits(&s, 4, &y) != 0 || *s++ != '-' ||
	    ptime_digits(&s, 2, &mo) != 0 || *s++ != '-' ||
	    ptime_digits(&s, 2, &d) != 0)
		return -1;
	for (t = s; loose && ptime_blank(*t); t++)
		;
	if (loose && *t == '\0')
		goto date;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (ptime_digits(&s, 2, &h) != 0 || *s++ != ':' ||
	    ptime_digits(&s, 2, &mi) != 0)
		return -1;
	if (*s == ':') {
		s++;
		if (ptime_digits(&s, 2, &sec) != 0)
			return -1;
		if (*s == '.' || *s == ',') {
			s++;
			if (*s < '0' || *s > '9')
				return -1;
			/* Microseconds: more digits are cut, fewer padded. */
			for (i = 0; *s >= '0' && *s <= '9'; s++, i++)
				if (i < 6)
					frac = frac * 10 + (*s - '0');
			for (; i < 6; i++)
				frac *= 10;
		}
	} else if (!loose)
		return -1;
	if ((rc = ptime_zone(&s, &off)) == -1)
		return -1;
	if (rc == 1 && !(flags & (PTIME_UTC | PTIME_LOOSE)))
		return -1;
	while (loose && ptime_blank(*s))
		s++;
	if (*s != '\0')
		return -1;
date:
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return -1;
	*us = (ptime_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    off) * 1000000 + frac;
	return 0;
}

/* An RFC 3339 time into unix seconds (see ptime.h). */
int
ptime_seconds(const char *s, int flags, int64_t *t)
{
	int64_t us;

	if (ptime_rfc3339(s, flags, &us) != 0)
		return -1;
	*t = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
	return 0;
}

/* A duration with its unit (s by default) into seconds. */
int
ptime_duration(const char *s, double *d)
{
	static const struct {
		const char	*unit;
		double		 mul, div;
	} units[] = {
		{ "", 1, 1 }, { "s", 1, 1 }, { "ms", 1, 1000 }, { "m", 60, 1 },
		{ "h", 3600, 1 }, { "d", 86400, 1 },
	};
	char *end;
	double v;
	size_t i;

	v = strtod(s, &end);
	if (end == s || !(v > 0 && v < 1e10))
		return -1;
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(end, units[i].unit) == 0) {
			*d = v * units[i].mul / units[i].div;
			return 0;
		}
	return -1;
}

/* Monotonic seconds. */
double
ptime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall-clock seconds since the epoch. */
double
ptime_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
