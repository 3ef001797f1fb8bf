/*
 * mentlist.h - the mentions a polling connector gathers while it pages back
 * to its cursor, copied (the parser's strings last a callback only), to be
 * emitted oldest first once the job has them all: the last of the list
 * first.
 */
#ifndef MENTLIST_H
#define MENTLIST_H

#include <stddef.h>
#include <stdint.h>

#include "mentiond/plugin.h"

/* One kept mention and the connector's key of it (a post id, a time),
 * which moves its cursor as it is emitted. */
struct mentlist_item {
	struct md_mention	 m;	/* its strings are the list's */
	int64_t			 key;
	size_t			 seq;	/* its place before a sort */
};

/* Start from all zeros; mentlist_free at the end. */
struct mentlist {
	struct mentlist_item	*v;
	size_t			 n;
	size_t			 cap;
};

/* mentlist_add - append a copy of M (its strings too) with KEY; 0, or -1
 * when out of memory. */
int		 mentlist_add(struct mentlist *l, const struct md_mention *m,
		    int64_t key);
/* mentlist_has - is a mention with id ID kept (a page shifts when items
 * arrive meanwhile)? */
int		 mentlist_has(const struct mentlist *l, const char *id);
/* mentlist_sort - order the list by key, highest first, so that the lowest
 * is emitted first; of equal keys, the one added first is emitted first. */
void		 mentlist_sort(struct mentlist *l);
/* mentlist_last - the mention to emit next (the last), or NULL. */
struct mentlist_item *mentlist_last(struct mentlist *l);
/* mentlist_drop_last - forget the last mention. */
void		 mentlist_drop_last(struct mentlist *l);
/* mentlist_clear - forget every mention (the array stays). */
void		 mentlist_clear(struct mentlist *l);
/* mentlist_free - forget every mention and free the array. */
void		 mentlist_free(struct mentlist *l);

#endif
