/*
 * idring.h - the ids a connector emitted lately, so that a server that
 * repeats itself (ignores a cursor, replays a stream or a feed, redelivers a
 * webhook) repeats nothing: a ring of 64-bit FNV-1a hashes of the ids, the
 * oldest forgotten first, saved in the source state as hexadecimal words
 * (or kept in memory only, by a connector whose cursor is enough).
 */
#ifndef IDRING_H
#define IDRING_H

#include <stddef.h>
#include <stdint.h>

struct idring {
	uint64_t	*h;		/* MAX slots */
	size_t		 max;
	size_t		 n;		/* used */
	size_t		 next;		/* slot of the next add */
	int		 dirty;		/* changed since the last save */
};

/* idring_hash - the 64-bit FNV-1a hash of S: the ring's, and a short
 * stable name for a string (a search term in a state key). */
uint64_t	 idring_hash(const char *s);
/* idring_init - an empty ring of MAX ids; -1 when out of memory. */
int		 idring_init(struct idring *r, size_t max);
void		 idring_free(struct idring *r);
/* idring_has - was ID added (and not yet forgotten)? */
int		 idring_has(const struct idring *r, const char *id);
/* idring_add - remember ID (once), forgetting the oldest when full. */
void		 idring_add(struct idring *r, const char *id);
/* idring_load - add the hashes of TEXT, as idring_save wrote it (NULL or
 * junk: nothing). */
void		 idring_load(struct idring *r, const char *text);
/* idring_save - the ring as text, oldest first (malloc'd; NULL when out of
 * memory); clears dirty. */
char		*idring_save(struct idring *r);

#endif
