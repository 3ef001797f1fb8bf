/*
 * htmlref.h - HTML character references decoded, for the APIs that send a
 * title or a name HTML-escaped ("Tom &amp; Jerry") to a host that takes a
 * title as it is.
 */
#ifndef HTMLREF_H
#define HTMLREF_H

/*
 * htmlref_decode - S with its character references decoded (malloc'd, or
 * NULL when out of memory): the five XML names, &nbsp; and numeric
 * references (a code point that cannot be is U+FFFD); anything else stays
 * as written. No reference is longer than what it stands for, so the result
 * is never longer than S.
 */
char		*htmlref_decode(const char *s);

#endif
