/*
 * strbuf.h - strings built in memory by the connectors: a growing buffer
 * that notes a failed allocation instead of failing each append, a
 * malloc'd printf for the causes handed to the host, and a copy that notes
 * failure the same way.
 */
#ifndef STRBUF_H
#define STRBUF_H

#include <stddef.h>

/* A growing string, NUL-terminated once anything was put; FAILED once an
 * allocation failed (what follows is then dropped). Start from all zeros;
 * free P. */
struct strbuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 failed;
};

/* strbuf_put - append LEN bytes of S to B. */
void		 strbuf_put(struct strbuf *b, const char *s, size_t len);

/* strbuf_msg - a malloc'd message from FMT; "out of memory" (malloc'd too)
 * when memory is out, NULL only when even that cannot be had. */
char		*strbuf_msg(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

/* strbuf_dup - strdup(3) of S, or NULL for NULL; sets *BAD when out of
 * memory, so that a caller copies several strings and checks once. */
char		*strbuf_dup(const char *s, int *bad);

#endif
