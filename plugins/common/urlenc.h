/*
 * urlenc.h - percent-encoding of what a connector puts in a URL: a search
 * term in a query, a name in a path.
 */
#ifndef URLENC_H
#define URLENC_H

/* urlenc_component - S percent-encoded as a query value or a path
 * segment: every byte but the unreserved A-Z a-z 0-9 - . _ ~ as %XX
 * (malloc'd, or NULL when out of memory). */
char		*urlenc_component(const char *s);

#endif
