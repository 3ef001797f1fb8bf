/*
 * dedup.c - the memory of what was seen (see dedup.h).
 *
 * The remembered mentions are a ring of fixed-size entries, oldest
 * overwritten (or expired) first. Their keys, needed only to name the first
 * of a duplicate in dup_of, live in a byte ring in the same order, so that
 * forgetting the oldest entry frees the oldest key. The ring starts with
 * DEDUP_KEY_BYTES a mention, which is what an id of digits takes: its
 * source is a byte in the entry (an index in the few source names seen,
 * kept once), and an id of up to 19 digits without a leading zero is kept
 * as 8 bytes of binary. When longer keys (feed GUIDs that are URLs) fill
 * it, it grows to what as many keys like those as the capacity take and an
 * eighth more (not by a fixed factor, which would leave up to that much of
 * it unused), up to DEDUP_KEY_BYTES_MAX a mention; only past that does a
 * key that needs room forget old entries.
 *
 * Near-copies are found by the SimHash index of simhash.h, under the same
 * entry indexes; canonical URLs come from urlcanon.h.
 *
 * One open-addressing table (linear probing) finds an entry by the 64-bit
 * hash of its key or of its canonical URL. A slot is 32 bits: a 7-bit tag
 * from the hash, which tells all but one in 128 slots apart without reading
 * the entry, which of the entry's two hashes it stands for, and the entry's
 * index + 1 in the low 24 bits. Its size need not be a power of two (a
 * home is the hash's top 32 bits scaled to it by a multiply), so that, full,
 * it is sized to what a million entries need rather than to the next power
 * of two: slots in use are kept to three fifths of it; it starts small and
 * doubles as mentions come, up to that size. A forgotten slot becomes a
 * tombstone, which lookups walk past and adds reuse, found by its entry's
 * index alone: moving later slots back instead would read the entry of
 * each (a cache miss apiece with a million remembered) to learn its home.
 * When tombstones and slots in use fill three quarters of the table it is
 * rebuilt from the ring.
 *
 * Only the 64-bit hashes are compared, never the keys or URLs themselves:
 * two different keys (or links) are taken for one when their hashes are
 * equal. For a well-mixed hash that is 2^-64 a pair; a check compares its
 * key and its link with at most the 10^6 remembered of each, so about
 * 2 * 10^6 / 2^64 = 1.1e-13 a check, one wrong duplicate in some 10^13
 * checks (300,000 years at a million checks a second).
 *
 * A check reads few cache lines one after the other: the slots of its key
 * and of its link are prefetched as soon as their hashes are known, and
 * the fingerprint is computed while they come.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "dedup.h"
#include "log.h"
#include "mention.h"
#include "simhash.h"
#include "urlcanon.h"
#include "xmalloc.h"

#define DEDUP_MIN_SLOTS		1024
#define DEDUP_KEY_MAX		1024	/* longer keys are not kept for dup_of */
#define DEDUP_KEY_BYTES		8	/* key ring bytes per mention, at first */
#define DEDUP_KEY_BYTES_MAX	64	/* and at most */
#define DEDUP_SOURCES		255	/* source names kept; src 255: in the key */
#define DEDUP_KEY_DIGITS	0x8000U	/* key_len: the id is 8 bytes of binary */
#define DEDUP_KEY_NONE		0x7fffU	/* key_len: the key is not kept */
#define DEDUP_MIN_KEY_RING	65536

enum dedup_kind {
	DEDUP_KIND_KEY = 0,
	DEDUP_KIND_URL = 1,
};

struct dedup_entry {
	uint64_t	 key_hash;
	uint64_t	 url_hash;	/* 0: no URL */
	uint32_t	 text_hash;	/* of the folded text, to tell edits */
	uint32_t	 seen;		/* seconds since d->epoch */
	uint32_t	 key_at;	/* offset in the key ring */
	uint16_t	 key_len;	/* bytes there, or DEDUP_KEY_NONE; and
					   DEDUP_KEY_DIGITS */
	uint8_t		 src;		/* d->sources[src], DEDUP_SOURCES: none */
	uint8_t		 classes;	/* MENTION_*; DEDUP_URL_OWNER */
};

#define DEDUP_URL_OWNER		0x80U	/* classes: the url slot points here */

/* A slot: 0 empty, DEDUP_TOMB forgotten, else tag << 25 | kind << 24 |
 * (index + 1). */
#define DEDUP_SLOT(tag, kind, idx) \
	((uint32_t)(tag) << 25 | (uint32_t)(kind) << 24 | (uint32_t)((idx) + 1))
#define DEDUP_SLOT_REF(v)	((size_t)((v) & 0xffffffu) - 1)
#define DEDUP_SLOT_KIND(v)	((enum dedup_kind)(((v) >> 24) & 1u))
#define DEDUP_SLOT_TAG(v)	((v) >> 25)
#define DEDUP_TAG(h)		((uint32_t)((h) >> 20) & 0x7fu)
#define DEDUP_TOMB		(1U << 24)	/* kind 1, no index: no slot's */

struct dedup {
	struct dedup_params	 params;
	struct dedup_entry	*ring;
	size_t			 head;		/* next entry to write */
	size_t			 count;
	int64_t			 epoch;		/* unix seconds of seen == 0 */

	char			*keys;		/* the key ring */
	size_t			 keys_size;
	size_t			 keys_max;	/* what it may grow to */
	size_t			 keys_head;	/* next byte to write */
	char			*sources[DEDUP_SOURCES];	/* names seen */
	size_t			 nsources;
	size_t			 sources_size;	/* their bytes */

	uint32_t		*slots;
	size_t			 nslots;
	size_t			 used;
	size_t			 tombs;		/* forgotten slots */
	size_t			 max_slots;

	struct simhash_index	*near;		/* NULL: near_distance 0 */
};

static const char *const dedup_reasons[] = {
	NULL, "same_id", "update", "same_url", "near_text"
};

/* The 64-bit hash of the N bytes at S for KIND: 8 bytes at a time through a
 * multiply and xor-shift, then a final mix; never 0. */
static uint64_t
dedup_hash(unsigned kind, const char *s, size_t n)
{
	uint64_t h, w;

	h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)n << 2 | kind);
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

void
dedup_params_default(struct dedup_params *p)
{
	p->window = DEDUP_WINDOW_DEFAULT;
	p->capacity = DEDUP_CAPACITY_DEFAULT;
	p->near_distance = DEDUP_NEAR_DEFAULT;
	p->min_words = DEDUP_MIN_WORDS_DEFAULT;
}

void
dedup_params_from_config(const struct config_dedup *c, struct dedup_params *p)
{
	dedup_params_default(p);
	if (c->capacity <= 0)
		return;
	p->window = c->window;
	p->capacity = (size_t)c->capacity;
	p->near_distance = c->near_distance;
	p->min_words = c->min_words;
}

const char *
dedup_reason_name(enum dedup_reason r)
{
	if ((size_t)r >= sizeof(dedup_reasons) / sizeof(dedup_reasons[0]))
		return NULL;
	return dedup_reasons[r];
}

/* The hash of entry E that KIND stands for. */
static uint64_t
dedup_entry_hash(const struct dedup_entry *e, enum dedup_kind kind)
{
	return kind == DEDUP_KIND_KEY ? e->key_hash : e->url_hash;
}

/* The home slot of hash H: its top 32 bits scaled to the table. */
static size_t
dedup_home(const struct dedup *d, uint64_t h)
{
	return (size_t)(((h >> 32) * (uint64_t)d->nslots) >> 32);
}

/* The slot after I, and the one before. */
static size_t
dedup_next(const struct dedup *d, size_t i)
{
	return i + 1 == d->nslots ? 0 : i + 1;
}

static size_t
dedup_prev(const struct dedup *d, size_t i)
{
	return (i == 0 ? d->nslots : i) - 1;
}

/* Start reading the home slot of hash H. */
static void
dedup_prefetch(const struct dedup *d, uint64_t h)
{
	__builtin_prefetch(&d->slots[dedup_home(d, h)]);
}

/* The entry whose KIND hash is H, or -1. */
static long
dedup_find(const struct dedup *d, uint64_t h, enum dedup_kind kind)
{
	size_t i = dedup_home(d, h), idx;
	uint32_t v, tag = DEDUP_TAG(h);

	while ((v = d->slots[i]) != 0) {
		idx = DEDUP_SLOT_REF(v);
		if (DEDUP_SLOT_TAG(v) == tag && DEDUP_SLOT_KIND(v) == kind &&
		    v != DEDUP_TOMB &&
		    dedup_entry_hash(&d->ring[idx], kind) == h)
			return (long)idx;
		i = dedup_next(d, i);
	}
	return -1;
}

/* Point hash H of KIND, which no slot holds, at entry IDX: in the first
 * tombstone or empty slot of its run. */
static void
dedup_insert(struct dedup *d, uint64_t h, enum dedup_kind kind, size_t idx)
{
	size_t i = dedup_home(d, h);

	while (d->slots[i] != 0 && d->slots[i] != DEDUP_TOMB)
		i = dedup_next(d, i);
	if (d->slots[i] == DEDUP_TOMB)
		d->tombs--;
	d->slots[i] = DEDUP_SLOT(DEDUP_TAG(h), kind, idx);
	d->used++;
}

/* Forget the slot of hash H of KIND that points at entry IDX: found by its
 * index, reading no entry. */
static void
dedup_delete(struct dedup *d, uint64_t h, enum dedup_kind kind, size_t idx)
{
	size_t i = dedup_home(d, h);
	uint32_t v, want = DEDUP_SLOT(DEDUP_TAG(h), kind, idx);

	while ((v = d->slots[i]) != 0 && v != want)
		i = dedup_next(d, i);
	if (v == 0)
		return;
	d->slots[i] = DEDUP_TOMB;
	d->used--;
	d->tombs++;
	/* Followed by an empty slot, no run goes on past it: it and the
	 * tombstones just before it can be empty again (half the deletions
	 * at this load, and fewer rebuilds). */
	if (d->slots[dedup_next(d, i)] != 0)
		return;
	while (d->slots[i] == DEDUP_TOMB) {
		d->slots[i] = 0;
		d->tombs--;
		i = dedup_prev(d, i);
	}
}

/* The index of the oldest remembered entry (COUNT > 0). */
static size_t
dedup_oldest(const struct dedup *d)
{
	return (d->head + d->params.capacity - d->count) % d->params.capacity;
}

/* Forget the oldest entry. */
static void
dedup_forget_oldest(struct dedup *d)
{
	size_t idx = dedup_oldest(d);
	struct dedup_entry *e = &d->ring[idx];

	dedup_delete(d, e->key_hash, DEDUP_KIND_KEY, idx);
	if (e->classes & DEDUP_URL_OWNER)
		dedup_delete(d, e->url_hash, DEDUP_KIND_URL, idx);
	if (d->near != NULL)
		simhash_index_remove(d->near, (uint32_t)idx);
	memset(e, 0, sizeof(*e));
	d->count--;
}

/* The bytes entry E's key takes in the key ring. */
static size_t
dedup_key_bytes(const struct dedup_entry *e)
{
	return e->key_len == DEDUP_KEY_NONE ? 0 :
	    (size_t)(e->key_len & ~DEDUP_KEY_DIGITS);
}

/* Make the full key ring large enough for as many keys like the COUNT it
 * holds as the capacity, and an eighth more; a quarter larger at least,
 * keys_max at most. The keys are moved to its start, oldest first. */
static void
dedup_key_grow(struct dedup *d)
{
	size_t size = d->keys_size + d->keys_size / 4, i, idx, off = 0, len;
	struct dedup_entry *e;
	double need;
	char *keys;

	need = (double)d->keys_size / (double)d->count *
	    (double)d->params.capacity * 1.125;
	if (need > (double)size)
		size = need < (double)d->keys_max ? (size_t)need : d->keys_max;
	if (size > d->keys_max)
		size = d->keys_max;
	keys = xmalloc(size);
	for (i = 0, idx = dedup_oldest(d); i < d->count;
	    i++, idx = (idx + 1) % d->params.capacity) {
		e = &d->ring[idx];
		len = dedup_key_bytes(e);
		memcpy(keys + off, d->keys + e->key_at, len);
		e->key_at = (uint32_t)off;
		off += len;
	}
	free(d->keys);
	d->keys = keys;
	d->keys_size = size;
	d->keys_head = off;
}

/* Make N contiguous bytes free at keys_head (moving it to 0 when the end is
 * short), growing the ring or, once it is as large as it may be,
 * forgetting the oldest entries as needed. N < keys_size. */
static void
dedup_key_room(struct dedup *d, size_t n)
{
	size_t tail;

	for (;;) {
		if (d->count == 0) {
			if (d->keys_head + n > d->keys_size)
				d->keys_head = 0;
			return;
		}
		/* Keys in use run from the oldest entry's to keys_head. */
		tail = d->ring[dedup_oldest(d)].key_at;
		if (d->keys_head >= tail) {
			if (d->keys_head + n <= d->keys_size)
				return;
			if (n < tail) {
				d->keys_head = 0;
				return;
			}
		} else if (d->keys_head + n < tail)
			return;
		if (d->keys_size < d->keys_max)
			dedup_key_grow(d);
		else
			dedup_forget_oldest(d);
	}
}

/* The index of source name SOURCE in d->sources, added when new; or
 * DEDUP_SOURCES when the table is full (the name then goes in the key). */
static uint8_t
dedup_source(struct dedup *d, const char *source)
{
	size_t i;

	for (i = 0; i < d->nsources; i++)
		if (strcmp(d->sources[i], source) == 0)
			return (uint8_t)i;
	if (d->nsources == DEDUP_SOURCES)
		return DEDUP_SOURCES;
	d->sources[d->nsources] = xstrdup(source);
	d->sources_size += strlen(source) + 1;
	return (uint8_t)d->nsources++;
}

/* Whether ID is 1 to 19 digits without a leading zero (it fits 64 bits and
 * prints back the same), and then its value in *V. */
static int
dedup_digits(const char *id, uint64_t *v)
{
	size_t i;

	if (id[0] < '1' || id[0] > '9')
		return 0;
	for (*v = 0, i = 0; id[i] >= '0' && id[i] <= '9'; i++) {
		if (i == 19)
			return 0;
		*v = *v * 10 + (uint64_t)(id[i] - '0');
	}
	return id[i] == '\0';
}

/* Keep the key of M, "source:id", for entry E: the source as an index in
 * d->sources, the id as its bytes or as a binary number. */
static void
dedup_key_put(struct dedup *d, struct dedup_entry *e, const struct mention *m)
{
	size_t slen = 0, len, ilen = strlen(m->id);
	uint64_t v;
	int digits;

	e->key_at = (uint32_t)d->keys_head;
	e->key_len = DEDUP_KEY_NONE;
	if (strlen(m->source) + 1 + ilen > DEDUP_KEY_MAX)
		return;
	e->src = dedup_source(d, m->source);
	if (e->src == DEDUP_SOURCES)
		slen = strlen(m->source) + 1;
	/* A source not in the table is kept with the id, in its bytes. */
	digits = slen == 0 && dedup_digits(m->id, &v);
	len = digits ? sizeof(v) : slen + ilen;
	dedup_key_room(d, len);
	if (digits)
		memcpy(d->keys + d->keys_head, &v, sizeof(v));
	else {
		memcpy(d->keys + d->keys_head, m->source, slen);
		if (slen > 0)
			d->keys[d->keys_head + slen - 1] = ':';
		memcpy(d->keys + d->keys_head + slen, m->id, len - slen);
	}
	e->key_at = (uint32_t)d->keys_head;
	e->key_len = (uint16_t)(len | (digits ? DEDUP_KEY_DIGITS : 0));
	d->keys_head += len;
}

/* The key of entry E, "source:id" (malloc'd). */
static char *
dedup_key_get(const struct dedup *d, const struct dedup_entry *e)
{
	const char *source = e->src < d->nsources ? d->sources[e->src] : "";
	size_t len = e->key_len & ~DEDUP_KEY_DIGITS, slen = strlen(source);
	char digits[20], *key;
	const char *id = d->keys + e->key_at;
	uint64_t v;

	if (e->key_len == DEDUP_KEY_NONE)
		return xstrdup("(unknown)");
	if (e->src == DEDUP_SOURCES)
		return xstrndup(id, len);
	if (e->key_len & DEDUP_KEY_DIGITS) {
		memcpy(&v, id, sizeof(v));
		len = 0;
		do {
			digits[sizeof(digits) - ++len] = (char)('0' + v % 10);
		} while ((v /= 10) != 0);
		id = digits + sizeof(digits) - len;
	}
	key = xmalloc(slen + 1 + len + 1);
	memcpy(key, source, slen);
	key[slen] = ':';
	memcpy(key + slen + 1, id, len);
	key[slen + 1 + len] = '\0';
	return key;
}

/* Rebuild the table with NSLOTS slots from the ring. */
static void
dedup_resize(struct dedup *d, size_t nslots)
{
	const struct dedup_entry *e;
	size_t i, idx;

	free(d->slots);
	d->slots = xcalloc(nslots, sizeof(*d->slots));
	d->nslots = nslots;
	d->used = 0;
	d->tombs = 0;
	for (i = 0; i < d->count; i++) {
		idx = (dedup_oldest(d) + i) % d->params.capacity;
		e = &d->ring[idx];
		dedup_insert(d, e->key_hash, DEDUP_KIND_KEY, idx);
		if (e->classes & DEDUP_URL_OWNER)
			dedup_insert(d, e->url_hash, DEDUP_KIND_URL, idx);
	}
}

/* A new, empty near-copy index for D's parameters (none when off). */
static void
dedup_near_new(struct dedup *d)
{
	d->near = NULL;
	if (d->params.near_distance > 0)
		d->near = simhash_index_new(d->params.near_distance,
		    (uint32_t)d->params.min_words, d->params.capacity);
}

struct dedup *
dedup_new(const struct dedup_params *p)
{
	struct dedup *d;

	d = xcalloc(1, sizeof(*d));
	d->params = *p;
	if (d->params.capacity < 1)
		d->params.capacity = 1;
	if (d->params.capacity > DEDUP_CAPACITY_MAX)
		d->params.capacity = DEDUP_CAPACITY_MAX;
	d->ring = xcalloc(d->params.capacity, sizeof(*d->ring));
	d->keys_size = d->params.capacity * DEDUP_KEY_BYTES;
	if (d->keys_size < DEDUP_MIN_KEY_RING)
		d->keys_size = DEDUP_MIN_KEY_RING;
	d->keys_max = d->params.capacity * DEDUP_KEY_BYTES_MAX;
	if (d->keys_max < d->keys_size)
		d->keys_max = d->keys_size;
	d->keys = xmalloc(d->keys_size);
	/* Two hashes per entry, at most three fifths of the table. */
	d->max_slots = d->params.capacity * 10 / 3 + 8;
	if (d->max_slots < DEDUP_MIN_SLOTS)
		d->max_slots = DEDUP_MIN_SLOTS;
	d->slots = xcalloc(DEDUP_MIN_SLOTS, sizeof(*d->slots));
	d->nslots = DEDUP_MIN_SLOTS;
	dedup_near_new(d);
	return d;
}

void
dedup_set_params(struct dedup *d, const struct dedup_params *p)
{
	d->params.window = p->window;
	if (p->near_distance == d->params.near_distance &&
	    p->min_words == d->params.min_words)
		return;
	d->params.near_distance = p->near_distance;
	d->params.min_words = p->min_words;
	/* The index judges with its own settings: start it again. */
	if (d->count > 0)
		log_notice("dedup", "near_distance or min_words changed: "
		    "near-copies of the %zu mentions remembered so far are not "
		    "recognised", d->count);
	simhash_index_free(d->near);
	dedup_near_new(d);
}

/* Forget what was seen longer than the window before NOW (unix seconds). */
static void
dedup_expire(struct dedup *d, int64_t now)
{
	int64_t limit = now - d->epoch - (int64_t)d->params.window;

	while (d->count > 0 && (int64_t)d->ring[dedup_oldest(d)].seen < limit)
		dedup_forget_oldest(d);
}

/* Mark M a duplicate of entry E for REASON. */
static enum dedup_reason
dedup_mark(const struct dedup *d, struct mention *m,
    const struct dedup_entry *e, enum dedup_reason reason)
{
	free(m->dup_of);
	m->dup_of = dedup_key_get(d, e);
	m->dup_reason = dedup_reason_name(reason);
	return reason;
}

/* Whether ID is an http(s) URL, whose canonical form stands for it. */
static int
dedup_id_is_url(const char *id)
{
	if ((id[0] | 0x20) != 'h')
		return 0;	/* most ids, at once */
	return strncasecmp(id, "http://", 7) == 0 ||
	    strncasecmp(id, "https://", 8) == 0;
}

/* The hash of M's key for the same-id test: "source:id", with an id that is
 * an http(s) URL in its canonical form. Short keys are hashed on the stack,
 * without an allocation. */
static uint64_t
dedup_id_hash(const struct mention *m)
{
	char buf[256], *id = NULL, *key;
	size_t slen = strlen(m->source), ilen;
	uint64_t h;

	if (dedup_id_is_url(m->id))
		id = urlcanon_id(m->id);
	ilen = strlen(id != NULL ? id : m->id);
	key = slen + 1 + ilen <= sizeof(buf) ? buf : xmalloc(slen + 1 + ilen);
	memcpy(key, m->source, slen);
	key[slen] = ':';
	memcpy(key + slen + 1, id != NULL ? id : m->id, ilen);
	h = dedup_hash(DEDUP_KIND_KEY, key, slen + 1 + ilen);
	if (key != buf)
		free(key);
	free(id);
	return h;
}

/* The link of URL for "same link" (malloc'd), or NULL when it has none: the
 * canonical form of an http(s) URL, any other (at://, a tag URI) less its
 * fragment. */
static char *
dedup_url(const char *url)
{
	char *canon;
	size_t n;

	if (url == NULL)
		return NULL;
	if ((canon = urlcanon(url, NULL)) != NULL)
		return canon;
	if ((n = strcspn(url, "#")) == 0)
		return NULL;
	return xstrndup(url, n);
}

enum dedup_reason
dedup_check(struct dedup *d, struct mention *m, const char *folded,
    int64_t now_ms, struct dedup_hit *hit)
{
	struct simhash_fp fp;
	struct dedup_entry *e;
	uint64_t kh, uh = 0;
	uint32_t th;
	int64_t now = now_ms / 1000;
	char *url;
	size_t flen;
	long i, near;

	if (folded == NULL)
		folded = "";
	flen = strlen(folded);
	if (d->count == 0 && d->epoch == 0)
		d->epoch = now - 1;
	dedup_expire(d, now);
	/* Room for two more hashes, three fifths full at most; rebuilt at
	 * the same size when tombstones take it past three quarters. */
	if ((d->used + 2) * 5 > d->nslots * 3 && d->nslots < d->max_slots)
		dedup_resize(d, d->nslots * 2 < d->max_slots ?
		    d->nslots * 2 : d->max_slots);
	else if ((d->used + d->tombs + 2) * 4 > d->nslots * 3)
		dedup_resize(d, d->nslots);

	kh = dedup_id_hash(m);
	dedup_prefetch(d, kh);
	/* Full: a new one forgets the oldest, whose slots come meanwhile. */
	if (d->count == d->params.capacity) {
		e = &d->ring[dedup_oldest(d)];
		dedup_prefetch(d, e->key_hash);
		if (e->classes & DEDUP_URL_OWNER)
			dedup_prefetch(d, e->url_hash);
		if (d->near != NULL)
			simhash_index_prefetch(d->near,
			    (uint32_t)dedup_oldest(d));
	}
	th = (uint32_t)dedup_hash(2, folded, flen);
	if ((i = dedup_find(d, kh, DEDUP_KIND_KEY)) >= 0 &&
	    d->ring[i].text_hash == th)
		return dedup_mark(d, m, &d->ring[i], DEDUP_SAME_ID);
	/* Past a repeat: the link's slot comes while the fingerprint is made. */
	if (i < 0 && (url = dedup_url(m->url)) != NULL) {
		uh = dedup_hash(DEDUP_KIND_URL, url, strlen(url));
		free(url);
		dedup_prefetch(d, uh);
	}
	simhash_text(folded, flen, &fp);
	if (i >= 0) {
		e = &d->ring[i];
		/* An edit: remember the new text, keep the first's place. */
		e->text_hash = th;
		if (d->near != NULL)
			simhash_index_add(d->near, &fp, (uint32_t)i);
		if (hit != NULL) {
			hit->ref = (uint32_t)i;
			hit->text_hash = th;
			hit->prev_classes = e->classes & ~DEDUP_URL_OWNER;
		}
		return dedup_mark(d, m, e, DEDUP_UPDATE);
	}

	/* Where a new one's keys go: read while the index is asked. */
	if (d->near != NULL)
		simhash_index_prefetch_add(d->near, &fp);
	near = d->near != NULL ? simhash_index_find(d->near, &fp) : -1;
	/* The same link with nothing of its own, or a copy of it. */
	if (uh != 0 && (i = dedup_find(d, uh, DEDUP_KIND_URL)) >= 0 &&
	    (fp.words < (uint32_t)d->params.min_words || near == i))
		return dedup_mark(d, m, &d->ring[i], DEDUP_SAME_URL);
	if (near >= 0)
		return dedup_mark(d, m, &d->ring[near], DEDUP_NEAR_TEXT);

	if (d->count == d->params.capacity)
		dedup_forget_oldest(d);
	e = &d->ring[d->head];
	memset(e, 0, sizeof(*e));
	dedup_key_put(d, e, m);
	/* dedup_key_put may have forgotten entries, never this one. */
	e->key_hash = kh;
	e->url_hash = uh;
	e->text_hash = th;
	e->seen = (uint32_t)(now - d->epoch);
	dedup_insert(d, kh, DEDUP_KIND_KEY, d->head);
	if (uh != 0 && dedup_find(d, uh, DEDUP_KIND_URL) < 0) {
		dedup_insert(d, uh, DEDUP_KIND_URL, d->head);
		e->classes |= DEDUP_URL_OWNER;
	}
	if (d->near != NULL)
		simhash_index_add(d->near, &fp, (uint32_t)d->head);
	if (hit != NULL) {
		hit->ref = (uint32_t)d->head;
		hit->text_hash = th;
		hit->prev_classes = 0;
	}
	d->head = (d->head + 1) % d->params.capacity;
	d->count++;
	return DEDUP_NEW;
}

void
dedup_set_classes(struct dedup *d, const struct dedup_hit *hit,
    unsigned classes)
{
	struct dedup_entry *e;

	if (hit->ref >= d->params.capacity)
		return;
	e = &d->ring[hit->ref];
	e->classes = (uint8_t)((e->classes & DEDUP_URL_OWNER) |
	    (classes & ~DEDUP_URL_OWNER));
}

size_t
dedup_count(const struct dedup *d)
{
	return d->count;
}

size_t
dedup_memory(const struct dedup *d)
{
	return sizeof(*d) + d->params.capacity * sizeof(*d->ring) +
	    d->keys_size + d->sources_size +
	    d->nslots * sizeof(*d->slots) +
	    (d->near != NULL ? simhash_index_memory(d->near) : 0);
}

void
dedup_free(struct dedup *d)
{
	if (d == NULL)
		return;
	free(d->ring);
	free(d->keys);
	while (d->nsources > 0)
		free(d->sources[--d->nsources]);
	free(d->slots);
	simhash_index_free(d->near);
	free(d);
}
