/*
 * dedup.c - exact deduplication in memory, the walking skeleton's (see
 * dedup.h). NOT persistent: a restart forgets everything, and only exact keys
 * and URLs are compared. Issue 4 replaces it with a durable, fuzzy one.
 *
 * The remembered mentions are a ring, oldest overwritten first. An
 * open-addressing table (linear probing, backward-shift deletion) maps the
 * 64-bit hash of each key and each URL to its ring entry. A slot holds the
 * entry's index and which of its two hashes it stands for, and the high 32
 * bits of that hash, which both place it (its home slot) and tell most
 * other slots apart without reading the ring. The table costs 8 bytes a slot
 * and is kept at most half full: it starts small and doubles (rebuilt from
 * the ring) as mentions come, up to four slots per remembered mention.
 *
 * The table is far larger than the caches, so each check costs a few cache
 * misses; the slots a check will read are prefetched together up front, so
 * that their misses overlap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "mention.h"
#include "xmalloc.h"

#define DEDUP_MAX_CAPACITY	((size_t)1 << 30)
#define DEDUP_MIN_SLOTS		1024

enum dedup_kind {
	DEDUP_KEY = 0,
	DEDUP_URL = 1,
};

struct dedup_entry {
	uint64_t	 key_hash;
	uint64_t	 url_hash;	/* 0: no URL remembered for this entry */
	char		*key;		/* kept only with a URL, for dup_of */
};

/* A slot: 0 empty, else the high 32 bits of the hash, then the low 32 bits
 * (index << 1 | kind) + 1. */
#define DEDUP_SLOT(h, idx, kind) \
	(((h) & 0xffffffff00000000ULL) | (uint64_t)(((idx) << 1 | (kind)) + 1))
#define DEDUP_SLOT_REF(v)	((size_t)(uint32_t)(v) - 1)
#define DEDUP_SLOT_TAG(v)	((v) >> 32)

struct dedup {
	struct dedup_entry	*ring;
	size_t			 capacity;
	size_t			 head;		/* next entry to write */
	size_t			 count;
	uint64_t		*slots;
	size_t			 mask;
	size_t			 used;		/* slots in use */
	size_t			 max_slots;	/* the size it grows to */
};

/* The hash of kind KIND of the N bytes at S: 8 bytes at a time through a
 * multiply and xor-shift, then a final mix; never 0. */
static uint64_t
dedup_hash(enum dedup_kind kind, const char *s, size_t n)
{
	uint64_t h, w;

	h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)n << 1 | (uint64_t)kind);
	for (; n >= 8; n -= 8, s += 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n > 0) {
		w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 32;
	return h == 0 ? 1 : h;
}

/* The home slot of hash H. */
static size_t
dedup_home(const struct dedup *d, uint64_t h)
{
	return (size_t)(h >> 32) & d->mask;
}

/* The full hash slot value V stands for. */
static uint64_t
dedup_slot_hash(const struct dedup *d, uint64_t v)
{
	const struct dedup_entry *e = &d->ring[DEDUP_SLOT_REF(v) >> 1];

	return (DEDUP_SLOT_REF(v) & 1) ? e->url_hash : e->key_hash;
}

/* The slot holding hash H of KIND, or -1. */
static long
dedup_find(const struct dedup *d, uint64_t h, enum dedup_kind kind)
{
	size_t i = dedup_home(d, h);
	uint64_t v;

	while ((v = d->slots[i]) != 0) {
		if (DEDUP_SLOT_TAG(v) == h >> 32 &&
		    (DEDUP_SLOT_REF(v) & 1) == (size_t)kind &&
		    dedup_slot_hash(d, v) == h)
			return (long)i;
		i = (i + 1) & d->mask;
	}
	return -1;
}

/* Point hash H of KIND at ring entry IDX. */
static void
dedup_insert(struct dedup *d, uint64_t h, enum dedup_kind kind, size_t idx)
{
	size_t i = dedup_home(d, h);

	while (d->slots[i] != 0)
		i = (i + 1) & d->mask;
	d->slots[i] = DEDUP_SLOT(h, idx, (size_t)kind);
	d->used++;
}

/* Empty slot I, moving later slots of the same probe run back into it. */
static void
dedup_delete(struct dedup *d, size_t i)
{
	size_t j = i, home;

	d->slots[i] = 0;
	d->used--;
	for (;;) {
		j = (j + 1) & d->mask;
		if (d->slots[j] == 0)
			return;
		home = (size_t)DEDUP_SLOT_TAG(d->slots[j]) & d->mask;
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
	if (i >= 0 && DEDUP_SLOT_REF(d->slots[i]) >> 1 == idx)
		dedup_delete(d, (size_t)i);
	if (e->url_hash != 0) {
		i = dedup_find(d, e->url_hash, DEDUP_URL);
		if (i >= 0 && DEDUP_SLOT_REF(d->slots[i]) >> 1 == idx)
			dedup_delete(d, (size_t)i);
	}
	free(e->key);
	memset(e, 0, sizeof(*e));
}

/* Ask the CPU to start loading slot I. */
static void
dedup_prefetch(const struct dedup *d, size_t i)
{
	__builtin_prefetch(&d->slots[i]);
}

/* Rebuild the table with NSLOTS slots from the ring. */
static void
dedup_resize(struct dedup *d, size_t nslots)
{
	const struct dedup_entry *e;
	size_t i, idx;

	free(d->slots);
	d->slots = xcalloc(nslots, sizeof(*d->slots));
	d->mask = nslots - 1;
	d->used = 0;
	/* The live entries are the COUNT before head, cyclically. */
	for (i = 0; i < d->count; i++) {
		idx = (d->head + d->capacity - d->count + i) % d->capacity;
		e = &d->ring[idx];
		dedup_insert(d, e->key_hash, DEDUP_KEY, idx);
		if (e->url_hash != 0)
			dedup_insert(d, e->url_hash, DEDUP_URL, idx);
	}
}

struct dedup *
dedup_new(size_t capacity)
{
	struct dedup *d;

	if (capacity < 1)
		capacity = 1;
	if (capacity > DEDUP_MAX_CAPACITY)
		capacity = DEDUP_MAX_CAPACITY;
	d = xcalloc(1, sizeof(*d));
	d->capacity = capacity;
	d->ring = xcalloc(capacity, sizeof(*d->ring));
	/* Two hashes per entry, table at most half full. */
	d->max_slots = DEDUP_MIN_SLOTS;
	while (d->max_slots < capacity * 4)
		d->max_slots <<= 1;
	d->slots = xcalloc(DEDUP_MIN_SLOTS, sizeof(*d->slots));
	d->mask = DEDUP_MIN_SLOTS - 1;
	return d;
}

enum dedup_result
dedup_check(struct dedup *d, struct mention *m)
{
	enum dedup_result result = DEDUP_NEW;
	struct dedup_entry *e;
	uint64_t kh, uh = 0;
	size_t klen, ulen = 0;
	char *key;
	long i;

	/* Room for two more hashes, half full at most. */
	if ((d->used + 2) * 2 > d->mask + 1 && d->mask + 1 < d->max_slots)
		dedup_resize(d, (d->mask + 1) * 2);

	key = mention_key(m);
	klen = strlen(key);
	kh = dedup_hash(DEDUP_KEY, key, klen);
	dedup_prefetch(d, dedup_home(d, kh));
	if (m->url != NULL)
		ulen = strcspn(m->url, "#");
	if (ulen > 0) {
		uh = dedup_hash(DEDUP_URL, m->url, ulen);
		dedup_prefetch(d, dedup_home(d, uh));
	}
	if (d->count == d->capacity) {
		e = &d->ring[d->head];
		dedup_prefetch(d, dedup_home(d, e->key_hash));
		if (e->url_hash != 0)
			dedup_prefetch(d, dedup_home(d, e->url_hash));
	}

	if (dedup_find(d, kh, DEDUP_KEY) >= 0) {
		free(key);
		return DEDUP_REPEAT;
	}
	if (ulen > 0 && (i = dedup_find(d, uh, DEDUP_URL)) >= 0) {
		free(m->dup_of);
		m->dup_of = xstrdup(
		    d->ring[DEDUP_SLOT_REF(d->slots[i]) >> 1].key);
		result = DEDUP_SAME_URL;
		uh = 0;		/* the URL stays the first one's */
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
