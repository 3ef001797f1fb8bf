/*
 * urlenc.c - percent-encoding (see urlenc.h).
 */
#include <stdlib.h>
#include <string.h>

#include "urlenc.h"

/* S percent-encoded: all but the unreserved characters (malloc'd). */
char *
urlenc_component(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out, *p;
	unsigned char c;

	if ((out = malloc(strlen(s) * 3 + 1)) == NULL)
		return NULL;
	for (p = out; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			*p++ = (char)c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}
