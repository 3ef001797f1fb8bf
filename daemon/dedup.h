/*
 * dedup.h - exact deduplication, the walking skeleton's: in memory only.
 *
 * A mention whose key (source:id) was seen before is a repeat and is dropped.
 * One whose URL (the exact string, less any #fragment) was seen under another
 * key is a duplicate of that first mention: it is kept and its dup_of names
 * the first key. Only the last CAPACITY mentions are remembered (the oldest is
 * forgotten first), as 64-bit hashes: a new key whose hash equals one
 * of a million remembered ones (about once in 10^13 checks) is taken for a
 * repeat. Nothing survives a restart and near-identical texts are not
 * recognised: issue 4 makes dedup durable and fuzzy.
 */
#ifndef DEDUP_H
#define DEDUP_H

#include <stddef.h>

struct dedup;
struct mention;

enum dedup_result {
	DEDUP_NEW = 0,		/* first time: remembered */
	DEDUP_REPEAT,		/* same key seen: drop it */
	DEDUP_SAME_URL,		/* same URL seen: m->dup_of set, remembered */
};

/* dedup_new - remember up to CAPACITY mentions (at least 1). Memory: about
 * 56 bytes per mention plus its key when it has a URL. */
struct dedup	*dedup_new(size_t capacity);
/* dedup_check - classify M against what was seen and remember it. */
enum dedup_result dedup_check(struct dedup *d, struct mention *m);
/* dedup_count - how many mentions are remembered. */
size_t		 dedup_count(const struct dedup *d);
void		 dedup_free(struct dedup *d);

#endif
