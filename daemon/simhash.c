/*
 * simhash.c - near-duplicate fingerprints of folded texts and the index that
 * finds them again (see simhash.h for the rules and their trade-off).
 *
 * A fingerprint is made in one pass over the bytes: words are runs of
 * [a-z0-9] and of bytes >= 0x80 (so UTF-8 letters stay inside words), a token
 * that starts with http://, https:// or www. is skipped up to the next space,
 * and each word becomes a 64-bit hash. The cuts (retweet prefix, boilerplate
 * tail, truncation mark) then only move the ends of that array of words.
 *
 * The index keeps, for each ref, a node of 32-bit words: a copy of the
 * fingerprint's SimHash, head (its lowest bit holding the truncation flag) and
 * anchor, and one link per chain the ref is in: K + 1 chains by pigeonhole
 * (the 64 bits cut into K + 1 blocks: two SimHashes at most K bits apart agree
 * on at least one whole block, so a ref is chained under each of its blocks'
 * values and a query walks the K + 1 chains of its own), one by head and one
 * by anchor. With K = 3 a node is 40 bytes; the chains' ends add about 4
 * bytes per ref (a bucket per 16 refs, 8 bytes each). Chains are singly
 * linked, new refs at their ends: adding is O(1), and removing walks the
 * chains the ref is in from their starts, where the oldest are, so that the
 * caller's expiry (the oldest first) is O(1) too. With a million refs a
 * pigeonhole chain holds about 15. A query walks its K + 1 chains in step,
 * so that their cache misses overlap.
 *
 * Why not less: the SimHash (8 bytes) and one 4-byte link per chain are what
 * lets a ref be found by its blocks and removed by its ref alone; head and
 * anchor must be kept whole (4 bytes each) to find their chains again when
 * removing. K = 2 (3 chains) saves 4 bytes a ref.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simhash.h"
#include "xmalloc.h"

#define SIMHASH_NONE		UINT32_MAX	/* the end of a chain */
#define SIMHASH_MAX_BLOCKS	8		/* K at most 7 */
#define SIMHASH_STACK_WORDS	256

/* One word of the text: its hash and where its bytes are. */
struct simhash_word {
	uint64_t	h;
	size_t		start;
	size_t		end;
};

/* The words of a text, on the stack while few. */
struct simhash_words {
	struct simhash_word	*w;
	size_t			 n;
	size_t			 cap;
	struct simhash_word	 stack[SIMHASH_STACK_WORDS];
	size_t			 rt;	/* words after the last "rt @x:" */
	int			 has_rt;
};

/*
 * A remembered fingerprint is a node of 32-bit words in ix->nodes, at ref *
 * stride: the SimHash (two words), the head (bit 0: the truncation flag), the
 * anchor, then its links in the K + 1 pigeonhole chains, the head chain and
 * the anchor chain, so that walking a chain reads one node at a time.
 */
#define SIMHASH_N_HASH		0
#define SIMHASH_N_HEAD		2
#define SIMHASH_N_ANCHOR	3
#define SIMHASH_N_LINKS		4

struct simhash_index {
	int			 k;
	uint32_t		 min_words;
	int			 nblocks;
	int			 shift[SIMHASH_MAX_BLOCKS];	/* low bits */
	int			 bits[SIMHASH_MAX_BLOCKS];	/* widths */
	int			 bbits;		/* 2^bbits pigeonhole buckets */
	int			 kbits;		/* head and anchor buckets */
	/* Chains: a pair of words per bucket, its first ref and its last. */
	uint32_t		*blocks[SIMHASH_MAX_BLOCKS];	/* by block */
	uint32_t		*heads;		/* by head, whole texts */
	uint32_t		*theads;	/* by head, truncated ones */
	uint32_t		*anchors;	/* by anchor */
	size_t			 stride;	/* words per node */
	uint32_t		*nodes;		/* by ref */
	uint64_t		*used;		/* bit per ref */
	size_t			 nrefs;		/* the arrays' length */
	size_t			 hint;		/* their first length */
	size_t			 count;
};

/* SPREAD(x): the 8 bits of byte X, one to a byte (bit i to byte i). */
#define SIMHASH_SP(x) ((uint64_t)((x) & 1) | (uint64_t)((x) >> 1 & 1) << 8 | \
	(uint64_t)((x) >> 2 & 1) << 16 | (uint64_t)((x) >> 3 & 1) << 24 | \
	(uint64_t)((x) >> 4 & 1) << 32 | (uint64_t)((x) >> 5 & 1) << 40 | \
	(uint64_t)((x) >> 6 & 1) << 48 | (uint64_t)((x) >> 7 & 1) << 56)
#define SIMHASH_SP4(x) SIMHASH_SP(x), SIMHASH_SP((x) + 1), \
	SIMHASH_SP((x) + 2), SIMHASH_SP((x) + 3)
#define SIMHASH_SP16(x) SIMHASH_SP4(x), SIMHASH_SP4((x) + 4), \
	SIMHASH_SP4((x) + 8), SIMHASH_SP4((x) + 12)
#define SIMHASH_SP64(x) SIMHASH_SP16(x), SIMHASH_SP16((x) + 16), \
	SIMHASH_SP16((x) + 32), SIMHASH_SP16((x) + 48)
static const uint64_t simhash_spread[256] = {
	SIMHASH_SP64(0), SIMHASH_SP64(64), SIMHASH_SP64(128), SIMHASH_SP64(192)
};

/* The final mix of a 64-bit hash (a multiply and xor-shift finaliser). */
static uint64_t
simhash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Whether byte C belongs to a word. */
static int
simhash_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Whether byte C ends a token (URLs run up to one). */
static int
simhash_space(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\0';
}

/* Whether the N bytes at S start with the string P. */
static int
simhash_starts(const char *s, size_t n, const char *p)
{
	size_t l = strlen(p);

	return n >= l && memcmp(s, p, l) == 0;
}

/* Append a word (hash H, bytes START..END) to WS. */
static void
simhash_push(struct simhash_words *ws, uint64_t h, size_t start, size_t end)
{
	if (ws->n == ws->cap) {
		ws->cap *= 2;
		if (ws->w == ws->stack) {
			ws->w = xreallocarray(NULL, ws->cap, sizeof(*ws->w));
			memcpy(ws->w, ws->stack, sizeof(ws->stack));
		} else
			ws->w = xreallocarray(ws->w, ws->cap, sizeof(*ws->w));
	}
	ws->w[ws->n].h = h;
	ws->w[ws->n].start = start;
	ws->w[ws->n].end = end;
	ws->n++;
}

/* If an "rt @handle:" starts at I of S (N bytes), the offset after it, else
 * 0. */
static size_t
simhash_rt(const char *s, size_t n, size_t i)
{
	size_t j;

	if (i > 0 && simhash_word_byte((unsigned char)s[i - 1]))
		return 0;
	if (n - i < 5 || (s[i] != 'r' && s[i] != 'R') ||
	    (s[i + 1] != 't' && s[i + 1] != 'T') || s[i + 2] != ' ' ||
	    s[i + 3] != '@')
		return 0;
	for (j = i + 4; j < n; j++)
		if (!simhash_word_byte((unsigned char)s[j]) && s[j] != '_')
			break;
	if (j == i + 4 || j == n || s[j] != ':')
		return 0;
	return j + 1;
}

/* Split S (N bytes) into words, URLs skipped, noting the last retweet mark. */
static void
simhash_split(const char *s, size_t n, struct simhash_words *ws)
{
	size_t i = 0, start, after;
	uint64_t h;
	unsigned char c;

	while (i < n) {
		c = (unsigned char)s[i];
		if (!simhash_word_byte(c)) {
			i++;
			continue;
		}
		if (simhash_starts(s + i, n - i, "http://") ||
		    simhash_starts(s + i, n - i, "https://") ||
		    simhash_starts(s + i, n - i, "www.")) {
			while (i < n && !simhash_space((unsigned char)s[i]))
				i++;
			continue;
		}
		if ((after = simhash_rt(s, n, i)) != 0) {
			ws->rt = ws->n;
			ws->has_rt = 1;
			i = after;
			continue;
		}
		/* FNV-1a over the word's bytes, ASCII lowered. */
		h = 0xcbf29ce484222325ULL;
		start = i;
		for (; i < n && simhash_word_byte((unsigned char)s[i]); i++) {
			c = (unsigned char)s[i];
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			h = (h ^ c) * 0x100000001b3ULL;
		}
		simhash_push(ws, simhash_mix(h), start, i);
	}
}

/* Whether word W of S is the string P. */
static int
simhash_is(const char *s, const struct simhash_word *w, const char *p)
{
	size_t l;

	if (s[w->start] != p[0])
		return 0;
	l = strlen(p);
	return w->end - w->start == l && memcmp(s + w->start, p, l) == 0;
}

/* Boilerplate that ends a post's own words: the rest is cut. */
static const char *simhash_tails[][4] = {
	{ "posted", "via", NULL },
	{ "read", "more", NULL },
	{ "continue", "reading", NULL },
	{ "sent", "from", "my", NULL },
	{ "lire", "la", "suite", NULL },
	{ "en", "savoir", "plus", NULL },
	{ "envoye", "de", "mon", NULL },
	{ "appeared", "first", "on", NULL },
	{ "originally", "published", NULL },
	{ "publie", "initialement", NULL },
};

/* Whether a boilerplate tail starts at word I (of N) of S (LEN bytes). */
static int
simhash_tail_at(const char *s, size_t len, const struct simhash_word *w,
    size_t i, size_t n)
{
	size_t t, j;

	/* "via @handle". */
	if (simhash_is(s, &w[i], "via") && w[i].end + 1 < len &&
	    s[w[i].end] == ' ' && s[w[i].end + 1] == '@')
		return 1;
	for (t = 0; t < sizeof(simhash_tails) / sizeof(simhash_tails[0]); t++) {
		for (j = 0; simhash_tails[t][j] != NULL; j++) {
			if (i + j >= n || !simhash_is(s, &w[i + j],
			    simhash_tails[t][j]))
				break;
		}
		if (simhash_tails[t][j] == NULL)
			return 1;
	}
	return 0;
}

/* Whether bytes FROM..TO-1 of S hold an ellipsis ("...", "…"). */
static int
simhash_dots(const char *s, size_t from, size_t to)
{
	size_t i;

	for (i = from; i + 3 <= to; i++)
		if (memcmp(s + i, "...", 3) == 0 ||
		    memcmp(s + i, "\xe2\x80\xa6", 3) == 0)
			return 1;
	return 0;
}

/* The hash of words W[0..N-1] as one sequence, 32 bits, never 0. */
static uint32_t
simhash_seq(const struct simhash_word *w, size_t n, uint64_t salt)
{
	uint64_t h = salt;
	size_t i;

	for (i = 0; i < n; i++)
		h = simhash_mix(h ^ w[i].h) + 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(h >> 32) | 0x80000000U;
}

/* The feature of the shingle of words A and B. */
static uint64_t
simhash_shingle(uint64_t a, uint64_t b)
{
	return simhash_mix(a * 0x9e3779b97f4a7c15ULL + (b << 31 | b >> 33));
}

/* Add the byte counters of LANES to ONES and zero them. */
static void
simhash_empty(uint64_t *lanes, uint32_t *ones)
{
	int b, j;

	for (b = 0; b < 8; b++) {
		for (j = 0; j < 8; j++)
			ones[8 * b + j] += (uint32_t)(lanes[b] >> (8 * j)) &
			    0xff;
		lanes[b] = 0;
	}
}

void
simhash_text(const char *folded, size_t len, struct simhash_fp *fp)
{
	struct simhash_words ws;
	struct simhash_word *w;
	uint32_t ones[64];
	uint64_t lanes[8], f, best;
	size_t n, i, from, gap_end, p, nfeat;
	int b;

	memset(fp, 0, sizeof(*fp));
	ws.n = ws.rt = 0;
	ws.has_rt = 0;
	ws.w = ws.stack;
	ws.cap = SIMHASH_STACK_WORDS;
	if (folded == NULL)
		return;
	simhash_split(folded, len, &ws);

	/* A retweet: drop the mark, and a comment shorter than the quote. */
	w = ws.w;
	n = ws.n;
	if (ws.has_rt && ws.rt <= n - ws.rt) {
		w += ws.rt;
		n -= ws.rt;
	}

	/* A boilerplate tail after at least half of the words. */
	from = n / 2 > SIMHASH_MIN_WORDS ? n / 2 : SIMHASH_MIN_WORDS;
	for (i = from; i < n; i++) {
		if (simhash_tail_at(folded, len, w, i, n)) {
			n = i;
			break;
		}
	}

	/* A truncation mark after the last word kept. */
	if (n > 0) {
		gap_end = n < ws.n - (size_t)(w - ws.w) ? w[n].start : len;
		if (simhash_dots(folded, w[n - 1].end, gap_end)) {
			fp->flags |= SIMHASH_TRUNCATED;
			/* Glued to the mark, the last word may be cut. */
			if (w[n - 1].end < gap_end &&
			    (folded[w[n - 1].end] == '.' ||
			    folded[w[n - 1].end] == '\xe2'))
				n--;
		} else if (simhash_is(folded, &w[n - 1], "more") &&
		    w[n - 1].start > 0 &&
		    (folded[w[n - 1].start - 1] == '(' ||
		    folded[w[n - 1].start - 1] == '[')) {
			fp->flags |= SIMHASH_TRUNCATED;
			n--;
		}
	}

	fp->words = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	if (n == 0)
		goto out;
	if (n >= SIMHASH_HEAD_WORDS)
		fp->head = simhash_seq(w, SIMHASH_HEAD_WORDS, 0x68656164);

	/*
	 * SimHash: each bit the majority of the shingles' bits. The bits are
	 * counted eight at a time, one per byte of lanes[], emptied into
	 * ones[] before a byte can overflow.
	 */
	memset(ones, 0, sizeof(ones));
	memset(lanes, 0, sizeof(lanes));
	nfeat = n > 1 ? n - 1 : 1;
	best = UINT64_MAX;
	p = 0;
	for (i = 0; i < nfeat; i++) {
		f = n > 1 ? simhash_shingle(w[i].h, w[i + 1].h) : w[0].h;
		for (b = 0; b < 8; b++)
			lanes[b] += simhash_spread[(f >> (8 * b)) & 0xff];
		if (i % 255 == 254 || i == nfeat - 1)
			simhash_empty(lanes, ones);
		/* Anchors in the middle: headers and footers sit at ends. */
		if (f < best && i >= n / 8 &&
		    i + SIMHASH_ANCHOR_WORDS <= n - n / 8) {
			best = f;
			p = i;
		}
	}
	for (b = 0; b < 64; b++)
		if ((uint64_t)ones[b] * 2 > nfeat)
			fp->hash |= (uint64_t)1 << b;

	/* The anchor: the words from the smallest shingle on. */
	if (n >= SIMHASH_LONG_WORDS)
		fp->anchor = simhash_seq(w + p, SIMHASH_ANCHOR_WORDS,
		    0x616e63686f72);
out:
	if (ws.w != ws.stack)
		free(ws.w);
}

int
simhash_distance(const struct simhash_fp *a, const struct simhash_fp *b)
{
	return __builtin_popcountll(a->hash ^ b->hash);
}

int
simhash_near(const struct simhash_fp *a, const struct simhash_fp *b, int k,
    uint32_t min_words)
{
	int d = simhash_distance(a, b);

	if (min_words == 0)
		min_words = SIMHASH_MIN_WORDS;
	if (a->words < min_words || b->words < min_words)
		return 0;
	if (d <= k)
		return 1;
	if (a->anchor != 0 && a->anchor == b->anchor && d <= SIMHASH_ANCHOR_K)
		return 1;
	if (a->head != 0 && a->head == b->head &&
	    ((a->flags | b->flags) & SIMHASH_TRUNCATED))
		return 1;
	return 0;
}

/* The smallest L with 2^L >= X (at most 40). */
static int
simhash_log2(size_t x)
{
	int l = 0;

	while (l < 40 && ((size_t)1 << l) < x)
		l++;
	return l;
}

/* The pigeonhole bucket of SimHash H in block T. */
static uint32_t
simhash_block(const struct simhash_index *ix, uint64_t h, int t)
{
	uint64_t v = h >> ix->shift[t];

	if (ix->bits[t] < 64)
		v &= ((uint64_t)1 << ix->bits[t]) - 1;
	if (ix->bits[t] <= ix->bbits)
		return (uint32_t)v;
	return (uint32_t)(simhash_mix(v) >> (64 - ix->bbits));
}

/* The head or anchor bucket of 32-bit key V (bit 0 ignored). */
static uint32_t
simhash_key(const struct simhash_index *ix, uint32_t v)
{
	return (uint32_t)(((uint64_t)(v >> 1) * 0x9e3779b97f4a7c15ULL) >>
	    (64 - ix->kbits));
}

/* 2^BITS empty chains. */
static uint32_t *
simhash_buckets(int bits)
{
	uint32_t *b;

	b = xreallocarray(NULL, (size_t)2 << bits, sizeof(*b));
	memset(b, 0xff, ((size_t)2 << bits) * sizeof(*b));
	return b;
}

struct simhash_index *
simhash_index_new(int k, uint32_t min_words, size_t capacity_hint)
{
	struct simhash_index *ix;
	int t, shift, l;

	if (k < 0)
		k = 0;
	if (k > SIMHASH_MAX_BLOCKS - 1)
		k = SIMHASH_MAX_BLOCKS - 1;
	ix = xcalloc(1, sizeof(*ix));
	ix->k = k;
	ix->min_words = min_words == 0 ? SIMHASH_MIN_WORDS : min_words;
	ix->nblocks = k + 1;
	ix->stride = SIMHASH_N_LINKS + (size_t)ix->nblocks + 2;
	ix->hint = capacity_hint < 1024 ? 1024 : capacity_hint;
	if (ix->hint > UINT32_MAX)
		ix->hint = UINT32_MAX;
	for (t = 0, shift = 0; t < ix->nblocks; t++) {
		ix->bits[t] = 64 / ix->nblocks + (t < 64 % ix->nblocks);
		ix->shift[t] = shift;
		shift += ix->bits[t];
	}
	/* About 16 refs a bucket. */
	l = simhash_log2(capacity_hint);
	ix->bbits = l - 4 < 10 ? 10 : l - 4;
	if (ix->bbits > 24)
		ix->bbits = 24;
	ix->kbits = l - 4 < 10 ? 10 : l - 4;
	if (ix->kbits > 26)
		ix->kbits = 26;
	for (t = 0; t < ix->nblocks; t++)
		ix->blocks[t] = simhash_buckets(ix->bbits);
	ix->heads = simhash_buckets(ix->kbits);
	ix->theads = simhash_buckets(ix->kbits);
	ix->anchors = simhash_buckets(ix->kbits);
	return ix;
}

/* Whether REF holds a fingerprint. */
static int
simhash_used(const struct simhash_index *ix, uint32_t ref)
{
	return ref < ix->nrefs && (ix->used[ref / 64] >> (ref % 64) & 1);
}

/* Make the per-ref arrays long enough for REF. */
static void
simhash_grow(struct simhash_index *ix, uint32_t ref)
{
	size_t n = ix->nrefs == 0 ? ix->hint : ix->nrefs, words;

	while (n <= ref)
		n *= 2;
	if (n > (size_t)UINT32_MAX)
		n = (size_t)UINT32_MAX;
	ix->nodes = xreallocarray(ix->nodes, n, ix->stride * sizeof(uint32_t));
	words = (n + 63) / 64;
	ix->used = xreallocarray(ix->used, words, sizeof(*ix->used));
	memset(ix->used + (ix->nrefs + 63) / 64, 0,
	    (words - (ix->nrefs + 63) / 64) * sizeof(*ix->used));
	ix->nrefs = n;
}

/* The node of REF. */
static uint32_t *
simhash_node(const struct simhash_index *ix, uint32_t ref)
{
	return &ix->nodes[(size_t)ref * ix->stride];
}

/* The SimHash of node N. */
static uint64_t
simhash_node_hash(const uint32_t *n)
{
	uint64_t h;

	memcpy(&h, n + SIMHASH_N_HASH, sizeof(h));
	return h;
}

/* The head chain a node with head V (bit 0: truncated) is in. */
static uint32_t *
simhash_head_chain(const struct simhash_index *ix, uint32_t v)
{
	return &((v & 1) ? ix->theads : ix->heads)[2 * simhash_key(ix, v)];
}

/* Put REF at the end of chain C, whose first and last refs are CHAIN[0]
 * and CHAIN[1]: the oldest come first, and are the first removed. */
static void
simhash_link(struct simhash_index *ix, uint32_t *chain, int c, uint32_t ref)
{
	simhash_node(ix, ref)[SIMHASH_N_LINKS + c] = SIMHASH_NONE;
	if (chain[1] == SIMHASH_NONE)
		chain[0] = ref;
	else
		simhash_node(ix, chain[1])[SIMHASH_N_LINKS + c] = ref;
	chain[1] = ref;
}

/* Take REF out of chain C (as for simhash_link). */
static void
simhash_unlink(struct simhash_index *ix, uint32_t *chain, int c, uint32_t ref)
{
	uint32_t *p = &chain[0], prev = SIMHASH_NONE;

	while (*p != SIMHASH_NONE) {
		if (*p == ref) {
			*p = simhash_node(ix, ref)[SIMHASH_N_LINKS + c];
			if (chain[1] == ref)
				chain[1] = prev;
			return;
		}
		prev = *p;
		p = &simhash_node(ix, *p)[SIMHASH_N_LINKS + c];
	}
}

int
simhash_index_add(struct simhash_index *ix, const struct simhash_fp *fp,
    uint32_t ref)
{
	uint32_t *n;
	int t;

	if (ref == SIMHASH_NONE)
		return -1;
	simhash_index_remove(ix, ref);
	if (fp->words < ix->min_words)
		return -1;
	if (ref >= ix->nrefs)
		simhash_grow(ix, ref);
	n = simhash_node(ix, ref);
	memcpy(n + SIMHASH_N_HASH, &fp->hash, sizeof(fp->hash));
	n[SIMHASH_N_HEAD] = fp->head == 0 ? 0 : (fp->head & ~1U) |
	    ((fp->flags & SIMHASH_TRUNCATED) != 0);
	n[SIMHASH_N_ANCHOR] = fp->anchor;
	for (t = 0; t < ix->nblocks; t++)
		simhash_link(ix,
		    &ix->blocks[t][2 * simhash_block(ix, fp->hash, t)], t, ref);
	if (n[SIMHASH_N_HEAD] != 0)
		simhash_link(ix, simhash_head_chain(ix, n[SIMHASH_N_HEAD]),
		    ix->nblocks, ref);
	if (n[SIMHASH_N_ANCHOR] != 0)
		simhash_link(ix, &ix->anchors[2 * simhash_key(ix,
		    n[SIMHASH_N_ANCHOR])], ix->nblocks + 1, ref);
	ix->used[ref / 64] |= (uint64_t)1 << (ref % 64);
	ix->count++;
	return 0;
}

void
simhash_index_remove(struct simhash_index *ix, uint32_t ref)
{
	const uint32_t *n;
	uint64_t h;
	int t;

	if (!simhash_used(ix, ref))
		return;
	n = simhash_node(ix, ref);
	h = simhash_node_hash(n);
	for (t = 0; t < ix->nblocks; t++)
		simhash_unlink(ix,
		    &ix->blocks[t][2 * simhash_block(ix, h, t)], t, ref);
	if (n[SIMHASH_N_HEAD] != 0)
		simhash_unlink(ix, simhash_head_chain(ix, n[SIMHASH_N_HEAD]),
		    ix->nblocks, ref);
	if (n[SIMHASH_N_ANCHOR] != 0)
		simhash_unlink(ix, &ix->anchors[2 * simhash_key(ix,
		    n[SIMHASH_N_ANCHOR])], ix->nblocks + 1, ref);
	ix->used[ref / 64] &= ~((uint64_t)1 << (ref % 64));
	ix->count--;
}

/* Keep REF as the answer if its distance D beats *BEST_D. */
static void
simhash_better(uint32_t ref, int d, long *best, int *best_d)
{
	if (d < *best_d || (d == *best_d && (long)ref < *best)) {
		*best = (long)ref;
		*best_d = d;
	}
}

long
simhash_index_find(const struct simhash_index *ix,
    const struct simhash_fp *fp)
{
	const uint32_t *n;
	uint32_t cur[SIMHASH_MAX_BLOCKS], ref;
	long best = -1;
	int best_d = 65, t, d, live, c;

	if (fp->words < ix->min_words || ix->count == 0)
		return -1;

	/* The pigeonhole chains, walked in step. */
	for (t = 0; t < ix->nblocks; t++)
		cur[t] = ix->blocks[t][2 * simhash_block(ix, fp->hash, t)];
	do {
		live = 0;
		for (t = 0; t < ix->nblocks; t++) {
			if ((ref = cur[t]) == SIMHASH_NONE)
				continue;
			live = 1;
			n = simhash_node(ix, ref);
			d = __builtin_popcountll(simhash_node_hash(n) ^
			    fp->hash);
			if (d <= ix->k)
				simhash_better(ref, d, &best, &best_d);
			cur[t] = n[SIMHASH_N_LINKS + t];
		}
	} while (live);

	/* The same head, either of the two truncated: a whole text asks
	 * only the truncated ones. */
	for (c = (fp->flags & SIMHASH_TRUNCATED) ? 0 : 1; fp->head != 0 &&
	    c < 2; c++) {
		ref = simhash_head_chain(ix, (fp->head & ~1U) | c)[0];
		for (; ref != SIMHASH_NONE; ref = n[SIMHASH_N_LINKS +
		    ix->nblocks]) {
			n = simhash_node(ix, ref);
			if ((n[SIMHASH_N_HEAD] ^ fp->head) >> 1 != 0)
				continue;
			simhash_better(ref, __builtin_popcountll(
			    simhash_node_hash(n) ^ fp->hash), &best, &best_d);
		}
	}

	/* The same anchor, SimHashes not too far apart. */
	if (fp->anchor != 0) {
		ref = ix->anchors[2 * simhash_key(ix, fp->anchor)];
		for (; ref != SIMHASH_NONE; ref = n[SIMHASH_N_LINKS +
		    ix->nblocks + 1]) {
			n = simhash_node(ix, ref);
			d = __builtin_popcountll(simhash_node_hash(n) ^
			    fp->hash);
			if (n[SIMHASH_N_ANCHOR] == fp->anchor &&
			    d <= SIMHASH_ANCHOR_K)
				simhash_better(ref, d, &best, &best_d);
		}
	}
	return best;
}

size_t
simhash_index_count(const struct simhash_index *ix)
{
	return ix->count;
}

size_t
simhash_index_memory(const struct simhash_index *ix)
{
	size_t bytes = sizeof(*ix);

	bytes += (size_t)ix->nblocks * ((size_t)2 << ix->bbits) *
	    sizeof(uint32_t);
	bytes += 3 * ((size_t)2 << ix->kbits) * sizeof(uint32_t);
	bytes += ix->nrefs * ix->stride * sizeof(uint32_t);
	bytes += (ix->nrefs + 63) / 64 * sizeof(*ix->used);
	return bytes;
}

void
simhash_index_free(struct simhash_index *ix)
{
	int t;

	if (ix == NULL)
		return;
	for (t = 0; t < ix->nblocks; t++)
		free(ix->blocks[t]);
	free(ix->heads);
	free(ix->theads);
	free(ix->anchors);
	free(ix->nodes);
	free(ix->used);
	free(ix);
}
