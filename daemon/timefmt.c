/*
 * timefmt.c - RFC 3339 timestamps (see timefmt.h).
 */
#include <string.h>
#include <time.h>

#include "timefmt.h"

/* N decimal digits at *S into *V, moving *S past them; 0, or -1. */
static int
timefmt_digits(const char **s, int n, int *v)
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

int
timefmt_rfc3339(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	struct tm tm;

	if (s == NULL || timefmt_digits(&s, 4, &y) != 0 || *s++ != '-' ||
	    timefmt_digits(&s, 2, &mo) != 0 || *s++ != '-' ||
	    timefmt_digits(&s, 2, &d) != 0)
		return -1;
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -1;
	s++;
	if (timefmt_digits(&s, 2, &h) != 0 || *s++ != ':' ||
	    timefmt_digits(&s, 2, &mi) != 0 || *s++ != ':' ||
	    timefmt_digits(&s, 2, &sec) != 0)
		return -1;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (timefmt_digits(&s, 2, &oh) != 0 || *s++ != ':' ||
		    timefmt_digits(&s, 2, &om) != 0)
			return -1;
	} else
		return -1;
	if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60 || oh > 23 || om > 59)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60);
	return 0;
}
