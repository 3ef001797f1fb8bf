/*
 * cursor.h - the cursor of a search that pages by time: the newest time
 * emitted, and the ids already emitted at that very time (an API that
 * filters by whole seconds returns them again), saved in the source state
 * as "SECONDS ID ID ...".
 */
#ifndef CURSOR_H
#define CURSOR_H

#include <stddef.h>
#include <stdint.h>

#define CURSOR_IDS_MAX	100	/* ids kept at the cursor's time */

struct cursor {
	int64_t		 t;	/* unix seconds; 0 when none */
	char		**ids;	/* done at T */
	size_t		 nids;
};

/* cursor_clear - forget the ids (T stays). */
void		 cursor_clear(struct cursor *c);

/* cursor_done - was the item of time T and id ID emitted already (before
 * the cursor, or at it with that id)? */
int		 cursor_done(const struct cursor *c, int64_t t, const char *id);

/* cursor_take - move the cursor over an item emitted at T with ID: a later
 * T forgets the ids of the earlier one; ID is kept (up to CURSOR_IDS_MAX)
 * when T is the cursor's. */
void		 cursor_take(struct cursor *c, int64_t t, const char *id);

/* cursor_load - the cursor of TEXT as cursor_save wrote it; 0, or -1 (the
 * cursor empty) when TEXT is NULL or holds no positive time. */
int		 cursor_load(struct cursor *c, const char *text);

/* cursor_save - the cursor as text (malloc'd; NULL when out of memory). */
char		*cursor_save(const struct cursor *c);

#endif
