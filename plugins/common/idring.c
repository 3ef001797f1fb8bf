/*
 * idring.c - the emitted-ids ring of the connectors (see idring.h).
 * A lookup scans the ring: a few thousand words, cheaper than the JSON
 * parse that came before it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idring.h"

/* The 64-bit FNV-1a hash of S. */
uint64_t
idring_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* An empty ring of MAX ids. */
int
idring_init(struct idring *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	if (max == 0)
		max = 1;
	if ((r->h = calloc(max, sizeof(*r->h))) == NULL)
		return -1;
	r->max = max;
	return 0;
}

/* Free the ring's memory. */
void
idring_free(struct idring *r)
{
	free(r->h);
	memset(r, 0, sizeof(*r));
}

/* Is hash H in the ring? */
static int
idring_has_hash(const struct idring *r, uint64_t h)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->h[i] == h)
			return 1;
	return 0;
}

/* Add hash H, over the oldest when full. */
static void
idring_add_hash(struct idring *r, uint64_t h)
{
	if (r->h == NULL || idring_has_hash(r, h))
		return;
	r->h[r->next] = h;
	r->next = (r->next + 1) % r->max;
	if (r->n < r->max)
		r->n++;
	r->dirty = 1;
}

/* Was ID added? */
int
idring_has(const struct idring *r, const char *id)
{
	return r->h != NULL && idring_has_hash(r, idring_hash(id));
}

/* Remember ID. */
void
idring_add(struct idring *r, const char *id)
{
	idring_add_hash(r, idring_hash(id));
}

/* Add the words of TEXT. */
void
idring_load(struct idring *r, const char *text)
{
	const char *s = text;
	char *end;
	uint64_t h;

	while (s != NULL && *s != '\0') {
		h = strtoull(s, &end, 16);
		if (end == s)
			break;
		idring_add_hash(r, h);
		for (s = end; *s == ' '; s++)
			;
	}
}

/* The ring as text, oldest first. */
char *
idring_save(struct idring *r)
{
	char *buf, *p;
	size_t i, start;

	if ((buf = malloc(r->n * 17 + 1)) == NULL)
		return NULL;
	p = buf;
	*p = '\0';
	start = r->n < r->max ? 0 : r->next;
	for (i = 0; i < r->n; i++)
		p += sprintf(p, "%s%016llx", i ? " " : "",
		    (unsigned long long)r->h[(start + i) % r->max]);
	r->dirty = 0;
	return buf;
}
