/*
 * xmalloc.c - allocation wrappers that abort on out-of-memory (see xmalloc.h).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xmalloc.h"

#define XMALLOC_HUGE	((uintptr_t)2 << 20)	/* a huge page on x86-64 */

static void __attribute__((noreturn))
xmalloc_die(size_t size)
{
	fprintf(stderr, "mentiond: out of memory allocating %zu bytes\n", size);
	abort();
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		xmalloc_die(size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		xmalloc_die(nmemb * size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p = reallocarray(ptr, nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		xmalloc_die(nmemb * size);
	return p;
}

char *
xstrdup(const char *s)
{
	return s ? xstrndup(s, strlen(s)) : NULL;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		xmalloc_die(n + 1);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		xmalloc_die(0);
	return s;
}

/* A big calloc comes from mmap, zero pages not yet touched: the advice
 * covers the whole huge pages inside it (MADV_HUGEPAGE, when the kernel's
 * transparent huge pages are "madvise"; a no-op where they are "always" or
 * "never", and its failure is harmless). */
void *
xcalloc_table(size_t nmemb, size_t size)
{
	void *p = xcalloc(nmemb, size);
#ifdef MADV_HUGEPAGE
	uintptr_t start, end;

	if (size == 0 || nmemb > SIZE_MAX / size ||
	    nmemb * size < 2 * XMALLOC_HUGE)
		return p;
	start = ((uintptr_t)p + XMALLOC_HUGE - 1) & ~(XMALLOC_HUGE - 1);
	end = ((uintptr_t)p + nmemb * size) & ~(XMALLOC_HUGE - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#endif
	return p;
}
