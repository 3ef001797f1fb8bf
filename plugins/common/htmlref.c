/*
 * htmlref.c - character references decoded (see htmlref.h).
 */
#include <stdlib.h>
#include <string.h>

#include "htmlref.h"

/* Append code point C to P as UTF-8; returns the new end. */
static char *
htmlref_utf8(char *p, unsigned long c)
{
	if (c == 0 || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		c = 0xfffd;
	if (c < 0x80)
		*p++ = (char)c;
	else if (c < 0x800) {
		*p++ = (char)(0xc0 | (c >> 6));
		*p++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*p++ = (char)(0xe0 | (c >> 12));
		*p++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*p++ = (char)(0x80 | (c & 0x3f));
	} else {
		*p++ = (char)(0xf0 | (c >> 18));
		*p++ = (char)(0x80 | ((c >> 12) & 0x3f));
		*p++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*p++ = (char)(0x80 | (c & 0x3f));
	}
	return p;
}

/* The code point of a numeric reference's digits at S ("38;", "x26;"):
 * the byte after its ';', or NULL when S holds none. */
static const char *
htmlref_numeric(const char *s, unsigned long *c)
{
	unsigned long v = 0;
	int hex = *s == 'x' || *s == 'X', digits;

	if (hex)
		s++;
	for (digits = 0; digits < 8; digits++, s++) {
		if (*s >= '0' && *s <= '9')
			v = v * (hex ? 16 : 10) + (unsigned long)(*s - '0');
		else if (hex && ((*s >= 'a' && *s <= 'f') ||
		    (*s >= 'A' && *s <= 'F')))
			v = v * 16 + (unsigned long)((*s | 0x20) - 'a' + 10);
		else
			break;
	}
	if (digits == 0 || *s != ';')
		return NULL;
	*c = v;
	return s + 1;
}

/* S with its character references decoded (malloc'd). */
char *
htmlref_decode(const char *s)
{
	static const struct {
		const char	*name;
		size_t		 len;
		unsigned long	 c;
	} names[] = {
		{ "amp;", 4, '&' }, { "lt;", 3, '<' }, { "gt;", 3, '>' },
		{ "quot;", 5, '"' }, { "apos;", 5, '\'' }, { "nbsp;", 5, 0xa0 },
	};
	unsigned long c;
	const char *end;
	char *out, *p;
	size_t k;

	if ((out = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	for (p = out; *s != '\0';) {
		if (*s != '&') {
			*p++ = *s++;
			continue;
		}
		if (s[1] == '#') {
			if ((end = htmlref_numeric(s + 2, &c)) != NULL) {
				p = htmlref_utf8(p, c);
				s = end;
				continue;
			}
		} else {
			for (k = 0; k < sizeof names / sizeof names[0]; k++)
				if (strncmp(s + 1, names[k].name,
				    names[k].len) == 0)
					break;
			if (k < sizeof names / sizeof names[0]) {
				p = htmlref_utf8(p, names[k].c);
				s += 1 + names[k].len;
				continue;
			}
		}
		*p++ = *s++;
	}
	*p = '\0';
	return out;
}
