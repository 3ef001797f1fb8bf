/*
 * dedup.c - exact deduplication in memory, the walking skeleton's (see
 * dedup.h). NOT persistent: a restart forgets everything, and only exact keys
 * and URLs are compared. Issue 4 replaces it with a durable, fuzzy one.
 *
 * The remembered mentions are a ring, oldest overwritten first. An
 * open-addressing table (linear probing, backward-shift deletion) maps the
 * 64-bit hash of each key and each URL to its ring entry; a slot holds only
 * the entry's index and which of its two hashes it stands for, so the table
 * costs 4 bytes a slot and is kept at most half full.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "mention.h"
#include "xmalloc.h"

#define DEDUP_MAX_CAPACITY	((size_t)1 << 30)

enum dedup_kind {
	DEDUP_KEY = 0,
	DEDUP_URL = 1,
};

struct dedup_entry {
	uint64_t	 key_hash;
	uint64_t	 url_hash;	/* 0: no URL remembered for this entry */
	char		*key;		/* kept only with a URL, for dup_of */
};

struct dedup {
	struct dedup_entry	*ring;
	size_t			 capacity;
	size_t			 head;		/* next entry to write */
	size_t			 count;
	uint32_t		*slots;		/* 0 empty, else (index<<1|kind)+1 */
	size_t			 mask;
};

/* FNV-1a over the tag byte KIND then N bytes of S; never 0. */
static uint64_t
dedup_hash(enum dedup_kind kind, const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	h = (h ^ (uint64_t)(kind + 1)) * 0x100000001b3ULL;
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h == 0 ? 1 : h;
}

/* The hash slot value V stands for. */
static uint64_t
dedup_slot_hash(const struct dedup *d, uint32_t v)
{
	const struct dedup_entry *e = &d->ring[(v - 1) >> 1];

	return ((v - 1) & 1) ? e->url_hash : e->key_hash;
}

/* The slot holding hash H of KIND, or -1. */
static long
dedup_find(const struct dedup *d, uint64_t h, enum dedup_kind kind)
{
	size_t i = (size_t)h & d->mask;
	uint32_t v;

	while ((v = d->slots[i]) != 0) {
		if (((v - 1) & 1) == (uint32_t)kind && dedup_slot_hash(d, v) == h)
			return (long)i;
		i = (i + 1) & d->mask;
	}
	return -1;
}

/* Point hash H of KIND at ring entry IDX. */
static void
dedup_insert(struct dedup *d, uint64_t h, enum dedup_kind kind, size_t idx)
{
	size_t i = (size_t)h & d->mask;

	while (d->slots[i] != 0)
		i = (i + 1) & d->mask;
	d->slots[i] = (uint32_t)((idx << 1 | (size_t)kind) + 1);
}

/* Empty slot I, moving later slots of the same probe run back into it. */
static void
dedup_delete(struct dedup *d, size_t i)
{
	size_t j = i, home;

	d->slots[i] = 0;
	for (;;) {
		j = (j + 1) & d->mask;
		if (d->slots[j] == 0)
			return;
		home = (size_t)dedup_slot_hash(d, d->slots[j]) & d->mask;
		/* Stays put if its home lies cyclically in (i, j]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		d->slots[i] = d->slots[j];
		d->slots[j] = 0;
		i = j;
	}
}

/* Forget ring entry IDX. */
static void
dedup_forget(struct dedup *d, size_t idx)
{
	struct dedup_entry *e = &d->ring[idx];
	long i;

	i = dedup_find(d, e->key_hash, DEDUP_KEY);
	if (i >= 0 && (d->slots[i] - 1) >> 1 == idx)
		dedup_delete(d, (size_t)i);
	if (e->url_hash != 0) {
		i = dedup_find(d, e->url_hash, DEDUP_URL);
		if (i >= 0 && (d->slots[i] - 1) >> 1 == idx)
			dedup_delete(d, (size_t)i);
	}
	free(e->key);
	memset(e, 0, sizeof(*e));
}

struct dedup *
dedup_new(size_t capacity)
{
	struct dedup *d;
	size_t nslots = 16;

	if (capacity < 1)
		capacity = 1;
	if (capacity > DEDUP_MAX_CAPACITY)
		capacity = DEDUP_MAX_CAPACITY;
	/* Two hashes per entry, table at most half full. */
	while (nslots < capacity * 4)
		nslots <<= 1;
	d = xcalloc(1, sizeof(*d));
	d->capacity = capacity;
	d->ring = xcalloc(capacity, sizeof(*d->ring));
	d->slots = xcalloc(nslots, sizeof(*d->slots));
	d->mask = nslots - 1;
	return d;
}

enum dedup_result
dedup_check(struct dedup *d, struct mention *m)
{
	enum dedup_result result = DEDUP_NEW;
	struct dedup_entry *e;
	uint64_t kh, uh = 0;
	size_t ulen = 0;
	char *key;
	long i;

	key = mention_key(m);
	kh = dedup_hash(DEDUP_KEY, key, strlen(key));
	if (dedup_find(d, kh, DEDUP_KEY) >= 0) {
		free(key);
		return DEDUP_REPEAT;
	}
	if (m->url != NULL)
		ulen = strcspn(m->url, "#");
	if (ulen > 0) {
		uh = dedup_hash(DEDUP_URL, m->url, ulen);
		if ((i = dedup_find(d, uh, DEDUP_URL)) >= 0) {
			free(m->dup_of);
			m->dup_of = xstrdup(d->ring[(d->slots[i] - 1) >> 1].key);
			result = DEDUP_SAME_URL;
			uh = 0;		/* the URL stays the first one's */
		}
	}

	if (d->count == d->capacity)
		dedup_forget(d, d->head);
	else
		d->count++;
	e = &d->ring[d->head];
	e->key_hash = kh;
	e->url_hash = uh;
	dedup_insert(d, kh, DEDUP_KEY, d->head);
	if (uh != 0) {
		e->key = key;
		dedup_insert(d, uh, DEDUP_URL, d->head);
	} else
		free(key);
	d->head = (d->head + 1) % d->capacity;
	return result;
}

size_t
dedup_count(const struct dedup *d)
{
	return d->count;
}

void
dedup_free(struct dedup *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->capacity; i++)
		free(d->ring[i].key);
	free(d->ring);
	free(d->slots);
	free(d);
}
