/*
 * simhash.c - near-duplicate fingerprints of folded texts and the index that
 * finds them again (see simhash.h for the rules and their trade-off).
 *
 * A fingerprint is made in one pass over the bytes: words are runs of ASCII
 * letters and digits and of UTF-8 letters (code points outside the
 * punctuation, symbol and emoji blocks; bytes that are not UTF-8 count as
 * letters), a token that starts with http://, https:// or www. is skipped
 * up to the next space, and each word becomes a 64-bit hash. The cuts
 * (retweet prefix, boilerplate tail, truncation mark) then only move the ends
 * of that array of words. The keys of word sequences come from one
 * polynomial hash of the word hashes, whose prefix sums give any run of
 * words in O(1): the 16 trimmed sequences and the ladder's prefixes cost
 * little more than one pass.
 *
 * The index keeps, for each ref, a record of 24 bytes (the whole
 * sequence's 64-bit key, the prefix marks, the remembered prefix, 16 bits
 * of the ends' key, the word count and flags; no age: refs are a ring, see
 * simhash_best), and for a long text 16 more aside, in a table found by
 * ref (its SimHash and anchor, which only the rules for long texts read),
 * and:
 *  - one open-addressing table of 32-bit slots (a 6-bit tag of the key, its
 *    kind and the ref), sized to the texts rather than to a power of two
 *    (three fifths in use, three quarters counting the tombstones of the
 *    forgotten, rebuilt when they pile up), for the exact keys: the whole
 *    sequence, the prefix, the anchor. A query computes all its probes
 *    (up to 16 trimmed sequences, a few prefixes, its anchor), asks the
 *    filter below about the first two kinds, prefetches the slots of those
 *    it lets through together, then reads them: their cache misses
 *    overlap, and the tag leaves a record unread but for true matches (and
 *    one in 64 others);
 *  - a filter of 32 bits a text in front of the whole keys and prefixes,
 *    which turns away nearly all of a new text's probes before the table
 *    is read (see simhash_filter_has);
 *  - for texts of SIMHASH_FUZZY_WORDS words or more, K + 1 pigeonhole
 *    tables (the 64 bits cut into K + 1 blocks: two SimHashes at most K
 *    bits apart agree on at least one whole block) whose buckets are
 *    contiguous arrays of (ref, 32 other bits of the SimHash): a bucket is
 *    filtered without reading a record, since a near SimHash differs in at
 *    most K of those 32 bits too.
 * With a million 160-byte posts that is 24 + 16 (the table) + 4 (the
 * filter) bytes a post; long posts add 16 (21 to 43 with the room of
 * their table) + (K + 1) * 8 bytes and the buckets' heads.
 *
 * Why 64-bit keys for the whole sequence: a query makes 16 probes among a
 * million keys, and with 32 bits one query in a few hundred would find a
 * stranger's key equal to one of its own.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "simhash.h"
#include "xmalloc.h"

#define SIMHASH_MAX_BLOCKS	8		/* K at most 7 */
#define SIMHASH_STACK_WORDS	256
#define SIMHASH_TAIL_WORDS	32	/* tail starts noted by the split */
#define SIMHASH_POLY		0x9e3779b97f4a7c15ULL	/* odd */

/* The kinds of exact keys in the index's table. */
#define SIMHASH_KIND_WHOLE	0
#define SIMHASH_KIND_HEAD	1
#define SIMHASH_KIND_ANCHOR	2

/* A slot: 0 empty, else tag << 26 | kind << 24 | (ref + 1). */
#define SIMHASH_SLOT(tag, kind, ref) \
	((uint32_t)(tag) << 26 | (uint32_t)(kind) << 24 | ((ref) + 1))
#define SIMHASH_SLOT_REF(v)	(((v) & 0xffffffU) - 1)
#define SIMHASH_SLOT_KIND(v)	((v) >> 24 & 3U)
#define SIMHASH_SLOT_TAG(v)	((v) >> 26)
#define SIMHASH_TAG(key)	((key) & 0x3fU)
#define SIMHASH_TOMB		(3U << 24)	/* a forgotten slot: kind 3 */
#define SIMHASH_KEY_REFS	16	/* refs an exact key points at, at most */

/* Ranks of the rules, the best first (simhash_index_find). */
#define SIMHASH_RANK_SAME	0	/* + words cut */
#define SIMHASH_RANK_CUT	16	/* + SIMHASH_RUNGS - 1 - rung */
#define SIMHASH_RANK_FUZZY	40
#define SIMHASH_RANK_NONE	INT32_MAX

/* One word of the text: its hash, where its bytes are, and the polynomial
 * hash of the words before it. */
struct simhash_word {
	uint64_t	h;
	uint64_t	pre;
	size_t		start;
	size_t		end;
};

/* The words of a text, on the stack while few. */
struct simhash_words {
	struct simhash_word	*w;
	uint64_t		 pre;	/* the polynomial hash of all */
	size_t			 n;
	size_t			 cap;
	struct simhash_word	 stack[SIMHASH_STACK_WORDS];
	size_t			 rt;	/* words after the last "rt @x:" */
	int			 has_rt;
	size_t			 ntails;	/* words that may start a tail */
	size_t			 tails[SIMHASH_TAIL_WORDS]; /* the first */
};

/* What the index remembers of a fingerprint (simhash_near's B), 24 bytes.
 * Its age is its place in the ring of refs (simhash_best), and the part
 * only long texts have is kept aside (simhash_long). */
struct simhash_rec {
	uint64_t	whole;
	uint64_t	marks;	/* the fingerprint's */
	uint32_t	head;
	uint16_t	ends;	/* 16 bits of the ends' key: a false "the
				   same" only loses a copy of a long text */
	uint16_t	words;	/* at most SIMHASH_REC_WORDS; and
				   SIMHASH_REC_CUT, SIMHASH_REC_LONG */
};

#define SIMHASH_REC_CUT		0x8000U	/* truncated */
#define SIMHASH_REC_LONG	0x4000U	/* has a simhash_long */
#define SIMHASH_REC_WORDS	0x3fffU

/* What only the rules for long texts read (fuzzy, anchor), for the texts
 * that have SIMHASH_FUZZY_WORDS words or an anchor; of any other, both
 * rules are false whatever its SimHash. Most texts are short, so these
 * sit in a table of their own found by ref (linear probing, at most three
 * quarters full, sized to them rather than to a power of two, backward-
 * shift deletion: an entry holds its ref, and so its home, and moving it
 * back reads nothing else). */
struct simhash_long {
	uint64_t	hash;
	uint32_t	anchor;
	uint32_t	ref;	/* + 1; 0: an empty slot */
};

/* A pigeonhole entry: the ref and 32 other bits of its SimHash. */
struct simhash_pair {
	uint32_t	ref;
	uint32_t	rest;
};

/* A pigeonhole bucket. */
struct simhash_bucket {
	struct simhash_pair	*v;
	uint32_t		 n;
	uint32_t		 cap;
};

struct simhash_index {
	int			 k;
	uint32_t		 min_words;
	int			 nblocks;
	int			 shift[SIMHASH_MAX_BLOCKS];	/* low bits */
	int			 bits[SIMHASH_MAX_BLOCKS];	/* widths */
	int			 bbits;		/* 2^bbits buckets a block */
	struct simhash_bucket	*blocks[SIMHASH_MAX_BLOCKS];
	uint32_t		*slots;		/* the exact keys */
	size_t			 nslots;
	size_t			 used;
	size_t			 tombs;		/* forgotten slots */
	struct simhash_rec	*recs;		/* by ref */
	struct simhash_long	*longs;		/* NULL until the first */
	size_t			 lslots;	/* its length */
	size_t			 nlongs;	/* in use */
	uint64_t		*inuse;		/* bit per ref */
	size_t			 nrefs;		/* the arrays' length */
	size_t			 hint;		/* their first length */
	size_t			 count;
	uint32_t		 newest;	/* the last ref added anew */
	size_t			 pairs;		/* pigeonhole room, in pairs */
	uint64_t		*wbits;		/* the filter of whole keys */
	size_t			 wmask;		/* its bits - 1 */
	size_t			 wadds;		/* adds since it was reset */
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

/* Whether code point CP (>= 0x80) is a letter: outside the blocks of
 * punctuation, symbols, emoji, variation selectors and private use. */
static int
simhash_letter(uint32_t cp)
{
	if (cp < 0xc0)
		return 0;
	if (cp < 0x2000)
		return cp != 0xd7 && cp != 0xf7;
	if (cp < 0x2c00)
		return 0;	/* punctuation, arrows, math, dingbats */
	if (cp < 0x2e00)
		return 1;
	if (cp < 0x2e80)
		return 0;	/* supplemental punctuation */
	if (cp < 0x3000)
		return 1;
	if (cp < 0x3040)
		return 0;	/* CJK punctuation */
	if (cp < 0xd800)
		return 1;
	if (cp < 0xf900)
		return 0;	/* surrogates, private use */
	if (cp < 0xfe00)
		return 1;
	if (cp < 0xfe70)
		return 0;	/* variation selectors, small forms */
	if (cp < 0xfeff)
		return 1;
	if (cp < 0x10000)
		return 0;	/* half and full widths, specials */
	if (cp < 0x1f000)
		return 1;
	if (cp < 0x20000)
		return 0;	/* emoji and pictographs */
	return cp < 0x40000;
}

/* Whether the character at I of S (N bytes) belongs to a word; its length
 * in *LEN. A byte that does not start valid UTF-8 is a letter of its own. */
static int
simhash_char(const char *s, size_t n, size_t i, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s + i;
	uint32_t cp;
	size_t l, j;

	*len = 1;
	if (u[0] < 0x80)
		return (u[0] >= 'a' && u[0] <= 'z') ||
		    (u[0] >= '0' && u[0] <= '9') ||
		    (u[0] >= 'A' && u[0] <= 'Z');
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		l = 2;
		cp = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		l = 3;
		cp = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		l = 4;
		cp = u[0] & 0x07;
	} else
		return 1;
	if (n - i < l)
		return 1;
	for (j = 1; j < l; j++) {
		if ((u[j] & 0xc0) != 0x80)
			return 1;
		cp = cp << 6 | (u[j] & 0x3f);
	}
	*len = l;
	return simhash_letter(cp);
}

/* Whether the character at I of S (N bytes) belongs to a word. */
static int
simhash_in_word(const char *s, size_t n, size_t i)
{
	size_t l;

	return simhash_char(s, n, i, &l);
}

/* Whether the character that ends just before I of S (N bytes) belongs to
 * a word. */
static int
simhash_after_word(const char *s, size_t n, size_t i)
{
	size_t j, l;

	if (i == 0)
		return 0;
	j = i - 1;
	while (j > 0 && i - j < 4 && ((unsigned char)s[j] & 0xc0) == 0x80)
		j--;
	if (simhash_char(s, n, j, &l) && j + l == i)
		return 1;
	/* Not the end of a valid character: a stray byte, a letter. */
	return j + l != i;
}

/* Whether byte C ends a token (URLs run up to one). */
static int
simhash_space(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\0';
}

/* Whether the N bytes at S (a word's start) start a link: "http://",
 * "https://" or "www.". */
static int
simhash_url(const char *s, size_t n)
{
	if (s[0] == 'w')
		return n >= 4 && s[1] == 'w' && s[2] == 'w' && s[3] == '.';
	if (s[0] != 'h' || n < 7 || memcmp(s, "http", 4) != 0)
		return 0;
	if (s[4] == ':')
		return s[5] == '/' && s[6] == '/';
	return n >= 8 && s[4] == 's' && s[5] == ':' && s[6] == '/' &&
	    s[7] == '/';
}

/* Append a word (hash H, bytes START..END) to WS, which has room, and to
 * its polynomial hash: made as the words are, the chain of multiplies
 * overlaps the split's work. *N and *PRE are WS's count and hash, kept by
 * the caller (simhash_split: in registers, as stores to the words, of the
 * same type, could change them) and stored back when it is done. */
static inline void
simhash_push(struct simhash_words *ws, size_t *n, uint64_t *pre, uint64_t h,
    size_t start, size_t end)
{
	struct simhash_word *w;

	w = &ws->w[(*n)++];
	w->h = h;
	w->pre = *pre;
	w->start = start;
	w->end = end;
	*pre = *pre * SIMHASH_POLY + h;
}

/* If an "rt @handle:" (spaces allowed before the colon, as French writes
 * it) starts at I of S (N bytes), the offset after it, else 0. */
static size_t
simhash_rt(const char *s, size_t n, size_t i)
{
	size_t j;

	if (n - i < 5 || (s[i] != 'r' && s[i] != 'R') ||
	    (s[i + 1] != 't' && s[i + 1] != 'T') || s[i + 2] != ' ' ||
	    s[i + 3] != '@' || simhash_after_word(s, n, i))
		return 0;
	for (j = i + 4; j < n; j++)
		if (!simhash_in_word(s, n, j) && s[j] != '_')
			break;
	if (j == i + 4)
		return 0;
	while (j < n && s[j] == ' ')
		j++;
	if (j == n || s[j] != ':')
		return 0;
	return j + 1;
}

/*
 * Words are hashed 8 bytes at a time: the per-byte FNV-1a this replaced was
 * a chain of dependent multiplies, a third of simhash_text. The bytes are
 * read as little-endian 64-bit words whatever the machine (simhash_load8),
 * so that a word hashes alike everywhere; nothing is ever read outside the
 * LEN bytes given (simhash_chunk).
 */
#define SIMHASH_ONES	0x0101010101010101ULL
#define SIMHASH_HIGH	(SIMHASH_ONES * 0x80)

/* The 8 bytes at P, the first in the low byte. */
static inline uint64_t
simhash_load8(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* Bytes P.. of U (N bytes), at most 8 and at most R (> 0), the first in
 * the low byte and the missing ones 0, read without passing U + N. */
static inline uint64_t
simhash_chunk(const unsigned char *u, size_t n, size_t p, size_t r)
{
	uint64_t v;
	size_t j;

	if (r >= 8)
		return simhash_load8(u + p);
	if (p + 8 <= n)
		v = simhash_load8(u + p);
	else if (n >= 8)	/* the buffer's last 8, shifted down to P */
		v = simhash_load8(u + n - 8) >> (8 * (p + 8 - n));
	else {
		for (v = 0, j = 0; j < r; j++)
			v |= (uint64_t)u[p + j] << (8 * j);
		return v;
	}
	return v & (~0ULL >> (64 - 8 * r));
}

/* The high bit of each byte of X that is an ASCII letter or digit: range
 * tests on the low 7 bits, where adding at most 0x80 carries into no
 * other byte. */
static inline uint64_t
simhash_alnum8(uint64_t x)
{
	uint64_t y = x & ~SIMHASH_HIGH, z = y | SIMHASH_ONES * 0x20, digit,
	    letter;

	digit = (y + SIMHASH_ONES * (0x80 - '0')) &
	    ~(y + SIMHASH_ONES * (0x7f - '9'));
	letter = (z + SIMHASH_ONES * (0x80 - 'a')) &
	    ~(z + SIMHASH_ONES * (0x7f - 'z'));
	return (digit | letter) & ~x & SIMHASH_HIGH;
}

/* The hash of the word at START..END-1 of U (N bytes), ASCII lowered: a
 * word's bytes below 0x80 are letters and digits, which | 0x20 lowers or
 * leaves, the others (UTF-8 letters, stray bytes) are kept. The last
 * chunk's padding reads as spaces, which no word holds (the length, xored
 * into FNV-1a's start, the hash this one replaced, is for safety). Each
 * chunk is multiplied in and its high bits folded down, so that every byte
 * reaches the bits the next chunk lands on; a second multiply and fold
 * then spread every input bit over all 64 (the keys are sums of word
 * hashes: a difference between two words must not sit in a few bits).
 * Most words are one chunk: two multiplies, where simhash_mix is two. */
static inline uint64_t
simhash_word_step(uint64_t h, uint64_t c)
{
	c |= (~c & SIMHASH_HIGH) >> 2;
	h = (h ^ c) * 0xd6e8feb86659fd93ULL;
	return h ^ h >> 32;
}

static inline uint64_t
simhash_word_hash(const unsigned char *u, size_t n, size_t start, size_t end)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)(end - start);
	size_t p;

	/* Most words are one chunk with 8 bytes left to read: simhash_chunk's
	 * tests, and the loop's, made once. */
	if (end - start <= 8 && start + 8 <= n)
		h = simhash_word_step(h, simhash_load8(u + start) &
		    (~0ULL >> (64 - 8 * (end - start))));
	else
		for (p = start; p < end; p += 8)
			h = simhash_word_step(h, simhash_chunk(u, n, p,
			    end - p));
	h *= 0xff51afd7ed558ccdULL;
	return h ^ h >> 29;
}

/*
 * The split reads bitmasks of the bytes of words, a bit a byte (bit I % 64
 * of mask I / 64), made before any word is looked at: 8 bytes at a time and
 * without a branch (simhash_alnum8, simhash_pack8), then corrected for the
 * few bytes of 0x80 or more (simhash_utf8). Walking the bytes, as the split
 * did before, each word's start waited on the previous word's end (its
 * load, letter test and bit count: some 15 cycles a word). From the masks, a
 * word starts at a set bit after a clear one and ends at the next clear bit:
 * the starts are taken one after the other by clearing the lowest set bit,
 * and each word's end, tests and hash are independent of the others'.
 */
#define SIMHASH_STACK_BLOCKS	64	/* masks on the stack: 4 KB of text */

/* The high bits of the bytes of M (no other bits set), bit K byte K's: the
 * multiply moves byte K's bit to bit 56 + K, and no two of its terms meet
 * below bit 64 (so nothing carries into those). */
static inline uint64_t
simhash_pack8(uint64_t m)
{
	return ((m >> 7) * 0x0102040810204080ULL) >> 56;
}

#ifdef __SSE2__
/* The bits of the 16 bytes at P that are ASCII letters and digits in *W,
 * of those of 0x80 or more in *H: simhash_alnum8's tests, 16 bytes at a
 * time (x86-64 always has SSE2). The compares are signed: bytes of 0x80
 * or more are negative, below '0' and 'a' even with 0x20 set. */
static inline void
simhash_class16(const unsigned char *p, uint64_t *w, uint64_t *h)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p), z;
	__m128i digit, letter;

	z = _mm_or_si128(x, _mm_set1_epi8(0x20));
	digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
	    _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
	letter = _mm_and_si128(_mm_cmpgt_epi8(z, _mm_set1_epi8('a' - 1)),
	    _mm_cmplt_epi8(z, _mm_set1_epi8('z' + 1)));
	*w = (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(digit, letter));
	*h = (uint64_t)(unsigned)_mm_movemask_epi8(x);
}
#endif

/* Into WM[0..NB-1] (NB = N / 64 rounded up) the bytes of U (N bytes) that
 * are ASCII letters and digits, into HM those of 0x80 or more; bits past N
 * are 0, and so is WM[NB] (simhash_end stops there). Returns whether any
 * byte is 0x80 or more. */
static int
simhash_masks(const unsigned char *u, size_t n, uint64_t *wm, uint64_t *hm)
{
	uint64_t x, w, h, cw, ch, any = 0;
	size_t b, p = 0;
	int k;

	for (b = 0; p < n; b++) {
		w = h = 0;
		for (k = 0; k < 64 && p < n; ) {
#ifdef __SSE2__
			if (n - p >= 16) {
				simhash_class16(u + p, &cw, &ch);
				w |= cw << k;
				h |= ch << k;
				k += 16;
				p += 16;
				continue;
			}
#endif
			/* The text's last bytes read as 0, which are neither. */
			x = simhash_chunk(u, n, p, n - p);
			w |= simhash_pack8(simhash_alnum8(x)) << k;
			h |= simhash_pack8(x & SIMHASH_HIGH) << k;
			k += 8;
			p += 8;
		}
		wm[b] = w;
		hm[b] = h;
		any |= h;
	}
	wm[b] = 0;
	return any != 0;
}

/* Set in WM the bytes of 0x80 or more of S (N bytes; HM, NB as
 * simhash_masks made them) that are of letters, by simhash_char: read in
 * order from the first, a valid character's continuation bytes taken with
 * it, as a walk over all bytes would take them (an ASCII byte is never part
 * of a longer character, so it cannot put the reading out of step). */
static void
simhash_utf8(const char *s, size_t n, uint64_t *wm, const uint64_t *hm,
    size_t nb)
{
	uint64_t m;
	size_t b, i, j, l, next = 0;

	for (b = 0; b < nb; b++) {
		for (m = hm[b]; m != 0; m &= m - 1) {
			i = b * 64 + (size_t)__builtin_ctzll(m);
			if (i < next)
				continue;	/* taken with the character */
			if (simhash_char(s, n, i, &l))
				for (j = i; j < i + l; j++)
					wm[j / 64] |= 1ULL << (j % 64);
			next = i + l;
		}
	}
}

/* The ends of words in block B (at most NB) of WM: bytes of none after
 * bytes of words. Starts and ends alternate, and the last word's end is at
 * most N, in block NB at the latest (WM[NB] is 0): the Kth end is the Kth
 * start's. */
static inline uint64_t
simhash_ends(const uint64_t *wm, size_t b)
{
	return ~wm[b] & (wm[b] << 1 | (b > 0 ? wm[b - 1] >> 63 : 0));
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

/*
 * By a word's first byte, the lengths of the words (a bit each) that may
 * start a boilerplate tail (SIMHASH_FIRST_TAIL: the first words of
 * simhash_tails, and "via", set from them once) or a link or a retweet mark
 * (SIMHASH_FIRST_MARK: "www" then ".", "http" and "https" then ":", "rt"
 * then " @", which simhash_url and simhash_rt look for). Most words start
 * neither, and are told so by one look here.
 */
#define SIMHASH_FIRST_TAIL(l)	(1U << (l))
#define SIMHASH_FIRST_MARK(l)	(1U << 16 << (l))
#define SIMHASH_FIRST_ANY(l)	(SIMHASH_FIRST_TAIL(l) | SIMHASH_FIRST_MARK(l))
static uint32_t simhash_first[256] = {
	['h'] = SIMHASH_FIRST_MARK(4) | SIMHASH_FIRST_MARK(5), /* http(s) */
	['r'] = SIMHASH_FIRST_MARK(2),		/* rt */
	['R'] = SIMHASH_FIRST_MARK(2),		/* RT */
	['w'] = SIMHASH_FIRST_MARK(3),		/* www */
};
static pthread_once_t simhash_first_once = PTHREAD_ONCE_INIT;

static void
simhash_first_init(void)
{
	size_t t, l;

	simhash_first['v'] |= SIMHASH_FIRST_TAIL(3);	/* "via @x" */
	for (t = 0; t < sizeof(simhash_tails) / sizeof(simhash_tails[0]); t++) {
		l = strlen(simhash_tails[t][0]);
		if (l < 16)	/* longer: never a tail (simhash_tail_at) */
			simhash_first[(unsigned char)simhash_tails[t][0][0]] |=
			    SIMHASH_FIRST_TAIL(l);
	}
}

/* Split S (N bytes) into words, URLs skipped, noting the last retweet mark
 * and the words that may start a boilerplate tail. */
static void
simhash_split(const char *s, size_t n, struct simhash_words *ws)
{
	const unsigned char *u = (const unsigned char *)s;
	uint64_t wstack[SIMHASH_STACK_BLOCKS + 1], hstack[SIMHASH_STACK_BLOCKS];
	uint64_t *wm = wstack, *hm = hstack, m, e, carry = 0, pre = ws->pre;
	size_t nb = (n + 63) / 64, b, eb = 0, start, end, len, after, skip = 0;
	size_t nw = ws->n, count;
	uint32_t first;

	if (nb > SIMHASH_STACK_BLOCKS) {
		wm = xreallocarray(NULL, nb + 1, sizeof(*wm));
		hm = xreallocarray(NULL, nb, sizeof(*hm));
	}
	if (simhash_masks(u, n, wm, hm))
		simhash_utf8(s, n, wm, hm, nb);
	/* Room for all the words at once, off the stack if need be: at most
	 * one a start (a start every other byte at most), and one more
	 * (simhash_text's for the end). */
	count = n / 2 + 2;
	if (nw + count > ws->cap) {
		for (b = 0, count = 1; b < nb; b++) {
			count += (size_t)__builtin_popcountll(wm[b] &
			    ~(wm[b] << 1 | carry));
			carry = wm[b] >> 63;
		}
		carry = 0;
	}
	if (nw + count > ws->cap) {
		ws->cap = nw + count;
		ws->w = xreallocarray(NULL, ws->cap, sizeof(*ws->w));
	}
	/* The starts of block B in M, the ends of block EB in E: each start
	 * takes the next end, its word's own, even a start skipped. */
	e = simhash_ends(wm, 0);
	for (b = 0; b < nb; b++) {
		/* The starts: bytes of words after a byte of none. */
		m = wm[b] & ~(wm[b] << 1 | carry);
		carry = wm[b] >> 63;
		for (; m != 0; m &= m - 1) {
			start = b * 64 + (size_t)__builtin_ctzll(m);
			while (e == 0)
				e = simhash_ends(wm, ++eb);
			end = eb * 64 + (size_t)__builtin_ctzll(e);
			e &= e - 1;
			if (start < skip)
				continue;	/* in a link or a retweet mark */
			len = end - start;
			first = len < 16 ? simhash_first[u[start]] >> len : 0;
			if (__builtin_expect(first & SIMHASH_FIRST_MARK(0), 0)) {
				/* A link runs to a space (the words after
				 * SKIP start after one, or after the mark's
				 * colon: none is cut). */
				if (u[start] != 'r' && u[start] != 'R' &&
				    simhash_url(s + start, n - start)) {
					for (skip = end; skip < n &&
					    !simhash_space(u[skip]); skip++)
						;
					continue;
				}
				if ((after = simhash_rt(s, n, start)) != 0) {
					ws->rt = nw;
					ws->has_rt = 1;
					skip = after;
					continue;
				}
			}
			if (__builtin_expect(first & SIMHASH_FIRST_TAIL(0), 0) &&
			    ws->ntails++ < SIMHASH_TAIL_WORDS)
				ws->tails[ws->ntails - 1] = nw;
			simhash_push(ws, &nw, &pre,
			    simhash_word_hash(u, n, start, end), start, end);
		}
	}
	ws->n = nw;
	ws->pre = pre;
	if (wm != wstack) {
		free(wm);
		free(hm);
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

/* Whether a boilerplate tail starts at word I (of N) of S (LEN bytes). */
static int
simhash_tail_at(const char *s, size_t len, const struct simhash_word *w,
    size_t i, size_t n)
{
	size_t t, j, l = w[i].end - w[i].start;

	if (l >= 16 || (simhash_first[(unsigned char)s[w[i].start]] &
	    SIMHASH_FIRST_TAIL(l)) == 0)
		return 0;	/* no tail starts so */
	/* "via @handle". */
	if (simhash_is(s, &w[i], "via"))
		return w[i].end + 1 < len && s[w[i].end] == ' ' &&
		    s[w[i].end + 1] == '@';
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

/* The first word I, FROM <= I < N, of W = WS's words from OFF on (S, LEN
 * bytes) that starts a boilerplate tail, or N. Only the words the split
 * noted can (simhash_first), and past the SIMHASH_TAIL_WORDS it kept, any
 * word may. */
static size_t
simhash_tail(const char *s, size_t len, const struct simhash_words *ws,
    size_t off, size_t from, size_t n)
{
	const struct simhash_word *w = ws->w + off;
	size_t k, i;

	for (k = 0; k < ws->ntails && k < SIMHASH_TAIL_WORDS; k++) {
		if (ws->tails[k] < off + from)
			continue;
		i = ws->tails[k] - off;
		if (i >= n)
			return n;
		if (simhash_tail_at(s, len, w, i, n))
			return i;
	}
	if (ws->ntails <= SIMHASH_TAIL_WORDS)
		return n;
	i = ws->tails[SIMHASH_TAIL_WORDS - 1] + 1;
	for (i = i > off + from ? i - off : from; i < n; i++)
		if (simhash_tail_at(s, len, w, i, n))
			return i;
	return n;
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

uint32_t
simhash_rung(int r)
{
	if (r < 0)
		return 0;
	return (uint32_t)((r % 2 == 0 ? 8 : 12) << (r / 2));
}

/* The highest rung of at most N words, or -1. */
static int
simhash_rung_at(uint32_t n)
{
	int e, r;

	if (n < simhash_rung(0))
		return -1;
	/* 8 << x is rung 2x, 12 << x rung 2x + 1: the top two bits of N. */
	e = 31 - __builtin_clz(n);
	r = 2 * (e - 3) + (int)(n >> (e - 1) & 1);
	return r < SIMHASH_RUNGS - 1 ? r : SIMHASH_RUNGS - 1;
}

/* The product simhash_key64 finishes: H, the hash of a run of LEN words,
 * with the length and KIND. */
static inline uint64_t
simhash_key_product(uint64_t h, size_t len, int kind)
{
	return (h ^ ((uint64_t)len << 8 | (uint64_t)kind) *
	    0xd6e8feb86659fd93ULL) * 0xc4ceb9fe1a85ec53ULL;
}

/* The 64-bit key of KIND of a run of LEN words from PI and PJ, the
 * polynomial hashes of the words before it and up to its end, with POW =
 * SIMHASH_POLY^LEN (unused when PI is 0); its high 32 bits are never 0.
 * The run's hash, a sum of word hashes times odd powers, is spread over
 * its 64 bits already: one multiply, whose high bits (the 32-bit keys, the
 * 8-bit tags) depend on all of them, and a fold of those into the low half
 * finish it (a full mix was a third of the cost of a short post's tags). Any
 * bijection leaves the 64-bit keys' collisions those of the sums. */
static uint64_t
simhash_key64(uint64_t pi, uint64_t pj, uint64_t pow, size_t len, int kind)
{
	uint64_t k = simhash_key_product(pj - pi * pow, len, kind);

	k ^= k >> 32;
	return (k >> 32) == 0 ? k | (uint64_t)1 << 32 : k;
}

/* The tag of the first LEN words, PRE their polynomial hash: the top 8 bits
 * of simhash_key64(0, PRE, 0, LEN, SIMHASH_KIND_WHOLE), which neither its
 * fold (into the low half) nor its fix of a 0 high half (bit 32) change.
 * Every prefix has one: the whole key there was an eighth of a short
 * post's cost. */
static inline uint8_t
simhash_tag(uint64_t pre, size_t len)
{
	return (uint8_t)(simhash_key_product(pre, len, SIMHASH_KIND_WHOLE) >>
	    56);
}

/* The 32-bit key of the same (simhash_key64), never 0. */
static uint32_t
simhash_key(uint64_t pi, uint64_t pj, uint64_t pow, size_t len, int kind)
{
	return (uint32_t)(simhash_key64(pi, pj, pow, len, kind) >> 32);
}

/* The length of the prefix mark I (0..SIMHASH_MARKS-1) of a text of N
 * words covers: from SIMHASH_CUT_SHARE percent of N up, evenly. */
static size_t
simhash_mark_len(size_t n, int i)
{
	uint64_t share = (uint64_t)SIMHASH_CUT_SHARE * SIMHASH_MARKS +
	    (uint64_t)(100 - SIMHASH_CUT_SHARE) * (uint64_t)i;

	return (size_t)(((uint64_t)n * share + 100 * SIMHASH_MARKS - 1) /
	    (100 * SIMHASH_MARKS));
}

/* SIMHASH_POLY to the power E. */
static uint64_t
simhash_pow(size_t e)
{
	uint64_t r = 1, b = SIMHASH_POLY;

	for (; e > 0; e >>= 1) {
		if (e & 1)
			r *= b;
		b *= b;
	}
	return r;
}

/* The feature of the shingle of words A and B. */
static uint64_t
simhash_shingle(uint64_t a, uint64_t b)
{
	return simhash_mix(a * 0x9e3779b97f4a7c15ULL + (b << 31 | b >> 33));
}

/*
 * Only texts of SIMHASH_HASH_WORDS words or more get a SimHash (shorter,
 * fp->hash is 0): no rule reads a shorter one's. The fuzzy rule wants
 * SIMHASH_FUZZY_WORDS words on both sides; the anchor rule wants the query's
 * anchor (given from SIMHASH_LONG_WORDS words) equal to the other's, which
 * is 0 unless it is long too. The index files by SimHash only texts of
 * SIMHASH_FUZZY_WORDS words, and ranks by distance only matches by these
 * two rules. A 160-byte post is some 25 words: this is a fifth of its
 * fingerprint's cost saved.
 */
#define SIMHASH_HASH_WORDS	(SIMHASH_FUZZY_WORDS < SIMHASH_LONG_WORDS ? \
	SIMHASH_FUZZY_WORDS : SIMHASH_LONG_WORDS)

/* Add X, of weight 2^K (K < NB), to the bit-sliced counts PLANE[0..NB-1]. */
static inline void
simhash_count(uint64_t *plane, int nb, int k, uint64_t x)
{
	uint64_t t;

	for (; k < nb; k++) {
		t = plane[k] & x;
		plane[k] ^= x;
		x = t;
	}
}

/* The SimHash and anchor of words W[0..N-1] (N > 0) into FP. */
static void
simhash_shingles(const struct simhash_word *w, size_t n,
    struct simhash_fp *fp)
{
	uint64_t plane[64], f, g, best, pw, carry, two, four, t, gt, eq, half;
	size_t i, p, nfeat, lo, span;
	int b, nb;

	/*
	 * The anchor: the words from the smallest shingle on, in the middle
	 * (headers and footers sit at ends), the first of equal ones: the
	 * shingles I from LO to LO + SPAN, looked at as the SimHash makes
	 * them (they were made twice). Not long, BEST 0 keeps P 0.
	 */
	lo = n / 8;
	span = 0;
	best = 0;
	p = 0;
	if (n >= SIMHASH_LONG_WORDS && n - n / 8 >= lo + SIMHASH_ANCHOR_WORDS) {
		span = n - n / 8 - SIMHASH_ANCHOR_WORDS - lo;
		best = UINT64_MAX;
	}
#define SIMHASH_ANCHOR_AT(f, i) do {					\
	if ((f) < best && (i) - lo <= span) {				\
		best = (f);						\
		p = (i);						\
	}								\
} while (0)

	/*
	 * Each bit the majority of the shingles' bits. The 64 counts are
	 * bit-sliced: plane[b] holds bit b of every count, so adding a
	 * shingle is a ripple of ANDs and XORs over the NB planes a count
	 * of NFEAT needs, and "more than half" one comparison of the planes
	 * with NFEAT / 2, from the high bit down.
	 */
	nfeat = n > 1 ? n - 1 : 1;
	for (nb = 1; nb < 64 && (nfeat >> nb) != 0; nb++)
		;
	for (b = 0; b < nb; b++)
		plane[b] = 0;
	/*
	 * Four shingles at a time (NFEAT >= 4 makes NB >= 3): two full
	 * adders into plane[0], a third adding their carries (of weight 2)
	 * into plane[1], and only its carry (of weight 4) rippled from
	 * plane[2] (a count stays below 2^NB: none leaves). Rippling every
	 * pair's carry over all NB planes was a sixth of a 2 KB post's cost.
	 */
	for (i = 0; i + 4 <= nfeat; i += 4) {
		f = simhash_shingle(w[i].h, w[i + 1].h);
		g = simhash_shingle(w[i + 1].h, w[i + 2].h);
		SIMHASH_ANCHOR_AT(f, i);
		SIMHASH_ANCHOR_AT(g, i + 1);
		t = plane[0] ^ f;
		two = (plane[0] & f) | (t & g);
		plane[0] = t ^ g;
		f = simhash_shingle(w[i + 2].h, w[i + 3].h);
		g = simhash_shingle(w[i + 3].h, w[i + 4].h);
		SIMHASH_ANCHOR_AT(f, i + 2);
		SIMHASH_ANCHOR_AT(g, i + 3);
		t = plane[0] ^ f;
		carry = (plane[0] & f) | (t & g);
		plane[0] = t ^ g;
		t = plane[1] ^ two;
		four = (plane[1] & two) | (t & carry);
		plane[1] = t ^ carry;
		simhash_count(plane, nb, 2, four);
	}
	for (; i < nfeat; i++) {
		f = n > 1 ? simhash_shingle(w[i].h, w[i + 1].h) : w[0].h;
		if (n > 1)
			SIMHASH_ANCHOR_AT(f, i);
		simhash_count(plane, nb, 0, f);
	}
#undef SIMHASH_ANCHOR_AT
	half = nfeat / 2;
	gt = 0;
	eq = UINT64_MAX;
	for (b = nb - 1; b >= 0; b--) {
		if (half >> b & 1)
			eq &= plane[b];
		else {
			gt |= eq & plane[b];
			eq &= ~plane[b];
		}
	}
	fp->hash = gt;
	if (n < SIMHASH_LONG_WORDS)
		return;
	pw = simhash_pow(SIMHASH_ANCHOR_WORDS);
	fp->anchor = simhash_key(w[p].pre, w[p + SIMHASH_ANCHOR_WORDS].pre, pw,
	    SIMHASH_ANCHOR_WORDS, SIMHASH_KIND_ANCHOR);
}

/* The keys of the word sequences of W[0..N-1] (N > 0, W[N].pre set): the
 * trimmed ones, the ladder's prefixes and the head remembered. */
static void
simhash_keys(const struct simhash_word *w, size_t n, struct simhash_fp *fp)
{
	uint64_t pw[2 * SIMHASH_TRIM + 1];
	size_t i, j, len, share;
	int r;

	i = n - 1 < 2 * SIMHASH_TRIM ? n - 1 : 2 * SIMHASH_TRIM;
	for (pw[i] = simhash_pow(n - i); i > 0; i--)
		pw[i - 1] = pw[i] * SIMHASH_POLY;
	for (i = 0; i <= SIMHASH_TRIM; i++) {
		for (j = 0; j <= SIMHASH_TRIM; j++) {
			if (i + j >= n || n - i - j < SIMHASH_MIN_WORDS)
				continue;
			len = n - i - j;
			fp->trim[i * (SIMHASH_TRIM + 1) + j] = simhash_key64(
			    w[i].pre, w[n - j].pre, pw[i + j], len,
			    SIMHASH_KIND_WHOLE);
		}
	}
	/* The ends: the first and last SIMHASH_TRIM words. */
	if (n >= 2 * SIMHASH_TRIM)
		fp->ends = simhash_key(0, w[SIMHASH_TRIM].pre *
		    0x2545f4914f6cdd1dULL + w[n].pre - w[n - SIMHASH_TRIM].pre *
		    simhash_pow(SIMHASH_TRIM), 1, 2 * SIMHASH_TRIM,
		    SIMHASH_KIND_ANCHOR);

	/* Tags of every prefix, and the marks a truncation is checked by
	 * (prefixes start at word 0: no powers needed). */
	for (len = 1; len <= n && len < SIMHASH_TAGS; len++)
		fp->tag[len] = simhash_tag(w[len].pre, len);
	for (r = 0; r < SIMHASH_MARKS; r++) {
		len = simhash_mark_len(n, r);
		fp->marks |= (uint64_t)(len < SIMHASH_TAGS ? fp->tag[len] :
		    simhash_tag(w[len].pre, len)) << (8 * r);
	}
	for (r = 0; r < SIMHASH_RUNGS && simhash_rung(r) <= n; r++) {
		len = simhash_rung(r);
		fp->pre[r] = simhash_key(0, w[len].pre, 0, len,
		    SIMHASH_KIND_HEAD);
	}

	/* Remembered: the prefix a truncation of this text must share. */
	if (fp->flags & SIMHASH_TRUNCATED)
		r = simhash_rung_at((uint32_t)n);
	else {
		share = (n * SIMHASH_CUT_SHARE + 99) / 100;
		r = simhash_rung_at(share < simhash_rung(0) ?
		    simhash_rung(0) : (uint32_t)share);
	}
	if (r >= 0)
		fp->head = fp->pre[r];
}

void
simhash_text(const char *folded, size_t len, struct simhash_fp *fp)
{
	struct simhash_words ws;
	struct simhash_word *w;
	size_t n, i, from, gap_end;
	uint64_t h;

	pthread_once(&simhash_first_once, simhash_first_init);
	memset(fp, 0, sizeof(*fp));
	ws.pre = 0;
	ws.n = ws.rt = ws.ntails = 0;
	ws.has_rt = 0;
	ws.w = ws.stack;
	ws.cap = SIMHASH_STACK_WORDS;
	if (folded == NULL)
		return;
	simhash_split(folded, len, &ws);
	/* The end's prefix hash, in the room the split left. */
	simhash_push(&ws, &ws.n, &ws.pre, 0, len, len);
	ws.n--;

	/* A retweet: drop the mark, and a comment shorter than the quote
	 * (whose words' prefix hashes then start at the quote). */
	w = ws.w;
	n = ws.n;
	if (ws.has_rt && ws.rt <= n - ws.rt) {
		w += ws.rt;
		n -= ws.rt;
		for (h = 0, i = 0; i <= n; i++) {
			w[i].pre = h;
			h = h * SIMHASH_POLY + w[i].h;
		}
	}

	/* A boilerplate tail after at least half of the words. */
	from = n / 2 > SIMHASH_MIN_WORDS ? n / 2 : SIMHASH_MIN_WORDS;
	n = simhash_tail(folded, len, &ws, (size_t)(w - ws.w), from, n);

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

	fp->words = n > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)n;
	if (n == 0)
		goto out;
	/* w[n].pre is the whole's prefix hash (w[n] may be a word cut off,
	 * or the room pushed above). */
	simhash_keys(w, n, fp);
	if (n >= SIMHASH_HASH_WORDS)
		simhash_shingles(w, n, fp);
out:
	if (ws.w != ws.stack)
		free(ws.w);
}

int
simhash_distance(const struct simhash_fp *a, const struct simhash_fp *b)
{
	return __builtin_popcountll(a->hash ^ b->hash);
}

/* Whether the index keeps the long part of FP. */
static int
simhash_is_long(const struct simhash_fp *fp)
{
	return fp->words >= SIMHASH_FUZZY_WORDS || fp->anchor != 0;
}

/* What the index remembers of FP: R, and L for a long text. */
static void
simhash_rec_of(const struct simhash_fp *fp, struct simhash_rec *r,
    struct simhash_long *l)
{
	l->hash = fp->hash;
	l->anchor = fp->anchor;
	l->ref = 0;
	r->whole = fp->trim[0];
	r->head = fp->head;
	r->ends = (uint16_t)(fp->ends >> 16);
	r->words = (uint16_t)((fp->words < SIMHASH_REC_WORDS ? fp->words :
	    SIMHASH_REC_WORDS) |
	    ((fp->flags & SIMHASH_TRUNCATED) ? SIMHASH_REC_CUT : 0) |
	    (simhash_is_long(fp) ? SIMHASH_REC_LONG : 0));
	r->marks = fp->marks;
}

/* The best rule by which Q (the later text) is near the remembered R (and
 * L, its long part, NULL when it is not long), as a rank (the smaller, the
 * better), or SIMHASH_RANK_NONE. */
static int32_t
simhash_match(const struct simhash_fp *q, const struct simhash_rec *r,
    const struct simhash_long *l, int k, uint32_t min_words)
{
	uint32_t rw = r->words & SIMHASH_REC_WORDS, diff, i, share, qw;
	size_t len;
	int d, rung;

	/* Word counts as remembered: huge texts' saturate. */
	qw = q->words < SIMHASH_REC_WORDS ? q->words : SIMHASH_REC_WORDS;
	if (qw < min_words || rw < min_words)
		return SIMHASH_RANK_NONE;

	/* The same words, a few cut at Q's ends. */
	if (r->whole != 0 && rw <= qw &&
	    (diff = qw - rw) <= 2 * SIMHASH_TRIM) {
		for (i = diff > SIMHASH_TRIM ? diff - SIMHASH_TRIM : 0;
		    i <= SIMHASH_TRIM && i <= diff; i++)
			if (q->trim[i * (SIMHASH_TRIM + 1) + diff - i] ==
			    r->whole)
				return SIMHASH_RANK_SAME + (int32_t)diff;
	}

	/* A truncation and the text it cut. */
	rung = -1;
	if (r->words & SIMHASH_REC_CUT) {
		/* R's words all start Q: the tag of Q's prefix as long. */
		if (rw <= qw && (uint64_t)rw * 100 >=
		    (uint64_t)qw * SIMHASH_CUT_SHARE &&
		    (rw >= SIMHASH_TAGS || q->tag[rw] == r->whole >> 56))
			rung = simhash_rung_at(rw);
	} else if ((q->flags & SIMHASH_TRUNCATED) && qw <= rw &&
	    (uint64_t)qw * 100 >= (uint64_t)rw * SIMHASH_CUT_SHARE) {
		/* Q's words start R, up to R's last mark within Q. */
		for (i = SIMHASH_MARKS - 1; i > 0 &&
		    simhash_mark_len(rw, (int)i) > qw; i--)
			;
		len = simhash_mark_len(rw, (int)i);
		share = (rw * SIMHASH_CUT_SHARE + 99) / 100;
		if (len >= SIMHASH_TAGS || q->tag[len] ==
		    (uint8_t)(r->marks >> (8 * i)))
			rung = simhash_rung_at(share < simhash_rung(0) ?
			    simhash_rung(0) : share);
	}
	if (rung >= 0 && r->head != 0 && q->pre[rung] == r->head)
		return SIMHASH_RANK_CUT + SIMHASH_RUNGS - 1 - rung;

	/* Long texts: other headers and footers, a small edit forgiven; the
	 * same ends with other words between are an edit. */
	if (l == NULL || (uint16_t)(q->ends >> 16) == r->ends)
		return SIMHASH_RANK_NONE;
	d = __builtin_popcountll(q->hash ^ l->hash);
	if (qw >= SIMHASH_FUZZY_WORDS && rw >= SIMHASH_FUZZY_WORDS &&
	    d <= k)
		return SIMHASH_RANK_FUZZY + d;
	if (q->anchor != 0 && q->anchor == l->anchor && d <= SIMHASH_ANCHOR_K)
		return SIMHASH_RANK_FUZZY + d;
	return SIMHASH_RANK_NONE;
}

int
simhash_near(const struct simhash_fp *a, const struct simhash_fp *b, int k,
    uint32_t min_words)
{
	struct simhash_rec ra, rb;
	struct simhash_long la, lb;

	if (min_words == 0)
		min_words = SIMHASH_MIN_WORDS;
	simhash_rec_of(a, &ra, &la);
	simhash_rec_of(b, &rb, &lb);
	return simhash_match(a, &rb, &lb, k, min_words) != SIMHASH_RANK_NONE ||
	    simhash_match(b, &ra, &la, k, min_words) != SIMHASH_RANK_NONE;
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

/* The 32 bits of SimHash H after block T, which a near SimHash shares but
 * for at most K. */
static uint32_t
simhash_rest(const struct simhash_index *ix, uint64_t h, int t)
{
	int s = (ix->shift[t] + ix->bits[t]) % 64;

	return (uint32_t)(s == 0 ? h : (h >> s | h << (64 - s)));
}

/* The home slot of exact key KEY: 32 mixed bits of it scaled to the
 * table by a multiply. */
static size_t
simhash_home(const struct simhash_index *ix, uint32_t key)
{
	uint64_t m = ((uint64_t)key * 0x9e3779b97f4a7c15ULL) >> 32;

	return (size_t)((m * (uint64_t)ix->nslots) >> 32);
}

/* The slot after I, and the one before. */
static size_t
simhash_next(const struct simhash_index *ix, size_t i)
{
	return i + 1 == ix->nslots ? 0 : i + 1;
}

static size_t
simhash_prev(const struct simhash_index *ix, size_t i)
{
	return (i == 0 ? ix->nslots : i) - 1;
}

/* Start reading the home slot of exact key KEY. */
static void
simhash_prefetch(const struct simhash_index *ix, uint32_t key)
{
	__builtin_prefetch(&ix->slots[simhash_home(ix, key)]);
}

/* The home slot of REF's long part. */
static size_t
simhash_long_home(const struct simhash_index *ix, uint32_t ref)
{
	return (size_t)(((uint64_t)(ref * 0x9e3779b1U) * ix->lslots) >> 32);
}

/* The slot after I in the long table. */
static size_t
simhash_long_next(const struct simhash_index *ix, size_t i)
{
	return i + 1 == ix->lslots ? 0 : i + 1;
}

/* The slot of REF's long part, or SIZE_MAX. */
static size_t
simhash_long_slot(const struct simhash_index *ix, uint32_t ref)
{
	size_t i;

	if (ix->longs == NULL)
		return SIZE_MAX;
	for (i = simhash_long_home(ix, ref); ix->longs[i].ref != 0;
	    i = simhash_long_next(ix, i))
		if (ix->longs[i].ref == ref + 1)
			return i;
	return SIZE_MAX;
}

/* The long part of record R, or NULL. */
static const struct simhash_long *
simhash_long_of(const struct simhash_index *ix, const struct simhash_rec *r)
{
	size_t i;

	if (!(r->words & SIMHASH_REC_LONG) ||
	    (i = simhash_long_slot(ix, (uint32_t)(r - ix->recs))) == SIZE_MAX)
		return NULL;
	return &ix->longs[i];
}

/* The anchor of record R (0: none). */
static uint32_t
simhash_rec_anchor(const struct simhash_index *ix,
    const struct simhash_rec *r)
{
	const struct simhash_long *l = simhash_long_of(ix, r);

	return l == NULL ? 0 : l->anchor;
}

/* The exact key of KIND that REF's record holds. */
static uint32_t
simhash_rec_key(const struct simhash_index *ix, uint32_t ref, unsigned kind)
{
	const struct simhash_rec *r = &ix->recs[ref];

	if (kind == SIMHASH_KIND_WHOLE)
		return (uint32_t)(r->whole >> 32);
	return kind == SIMHASH_KIND_HEAD ? r->head : simhash_rec_anchor(ix, r);
}

/* Put long part L (its ref set) in a free slot of its run. */
static void
simhash_long_insert(struct simhash_index *ix, const struct simhash_long *l)
{
	size_t i;

	for (i = simhash_long_home(ix, l->ref - 1); ix->longs[i].ref != 0;
	    i = simhash_long_next(ix, i))
		;
	ix->longs[i] = *l;
	ix->nlongs++;
}

/* Keep long part L for record R (REF), which has none. */
static void
simhash_long_put(struct simhash_index *ix, uint32_t ref,
    const struct simhash_long *l)
{
	struct simhash_long *old = ix->longs, e = *l;
	size_t i, n = ix->lslots;

	/* Three quarters full at most; half full after growing. */
	if ((ix->nlongs + 1) * 4 > n * 3) {
		ix->lslots = (ix->nlongs + 1) * 2 < 64 ? 64 :
		    (ix->nlongs + 1) * 2;
		ix->longs = xcalloc(ix->lslots, sizeof(*ix->longs));
		ix->nlongs = 0;
		for (i = 0; i < n; i++)
			if (old[i].ref != 0)
				simhash_long_insert(ix, &old[i]);
		free(old);
	}
	e.ref = ref + 1;
	simhash_long_insert(ix, &e);
}

/* Forget the long part in slot I: the later slots of its run that may move
 * back move back, so that no lookup stops short of them. */
static void
simhash_long_del(struct simhash_index *ix, size_t i)
{
	size_t j, home, n = ix->lslots;

	for (j = simhash_long_next(ix, i); ix->longs[j].ref != 0;
	    j = simhash_long_next(ix, j)) {
		home = simhash_long_home(ix, ix->longs[j].ref - 1);
		/* The slot at J may fill I when its home is not in (I, J]. */
		if ((j + n - home) % n >= (j + n - i) % n) {
			ix->longs[i] = ix->longs[j];
			i = j;
		}
	}
	ix->longs[i].ref = 0;
	ix->nlongs--;
}

/* Point exact key KEY of KIND at REF, in the first free or forgotten slot
 * of its run; unless SIMHASH_KEY_REFS refs hold that key already: a key so
 * common (the first words of a template many posts share) tells nothing
 * apart, and every one of them would lengthen the run that each add and
 * each find of the key walks. */
static void
simhash_put(struct simhash_index *ix, uint32_t key, unsigned kind,
    uint32_t ref)
{
	size_t i = simhash_home(ix, key), free_at = SIZE_MAX;
	uint32_t v, want = SIMHASH_SLOT(SIMHASH_TAG(key), kind, 0) & ~0xffffffU;
	int same = 0;

	for (; (v = ix->slots[i]) != 0; i = simhash_next(ix, i)) {
		if (v == SIMHASH_TOMB) {
			if (free_at == SIZE_MAX)
				free_at = i;
		} else if ((v & ~0xffffffU) == want &&
		    simhash_rec_key(ix, SIMHASH_SLOT_REF(v), kind) == key &&
		    ++same >= SIMHASH_KEY_REFS)
			return;
	}
	if (free_at != SIZE_MAX)
		i = free_at;
	if (ix->slots[i] == SIMHASH_TOMB)
		ix->tombs--;
	ix->slots[i] = SIMHASH_SLOT(SIMHASH_TAG(key), kind, ref);
	ix->used++;
}

/* Forget the slot of exact key KEY of KIND that points at REF: it becomes
 * a tombstone, which lookups walk past and adds reuse (moving later slots
 * back instead would read each one's record for its home). */
static void
simhash_del(struct simhash_index *ix, uint32_t key, unsigned kind,
    uint32_t ref)
{
	size_t i = simhash_home(ix, key);
	uint32_t v, want = SIMHASH_SLOT(SIMHASH_TAG(key), kind, ref);

	while ((v = ix->slots[i]) != 0 && v != want)
		i = simhash_next(ix, i);
	if (v == 0)
		return;
	ix->slots[i] = SIMHASH_TOMB;
	ix->used--;
	ix->tombs++;
	/* Followed by an empty slot, no run goes on past it: it and the
	 * tombstones just before it can be empty again. */
	if (ix->slots[simhash_next(ix, i)] != 0)
		return;
	while (ix->slots[i] == SIMHASH_TOMB) {
		ix->slots[i] = 0;
		ix->tombs--;
		i = simhash_prev(ix, i);
	}
}

/* Whether REF holds a fingerprint. */
static int
simhash_used(const struct simhash_index *ix, uint32_t ref)
{
	return ref < ix->nrefs && (ix->inuse[ref / 64] >> (ref % 64) & 1);
}

/*
 * The filter of keys: one bit per remembered text's whole-sequence key
 * (from the key's low 32 bits; the table uses the high ones) and one per
 * its head (the 32-bit key remixed), about 32 bits a text. A query looks up
 * to 16 trimmed sequences and a few prefixes, and a new text matches none:
 * the filter, 4 MB for a million texts and so mostly in the cache, turns
 * away all but about one in ten, where each table probe would be a cache
 * miss. Forgotten texts leave their bits set (a false "maybe", never a
 * false "no") until the filter is set again from the records, after as
 * many adds as it has bits / 32.
 */
#define SIMHASH_FILTER_BITS	32	/* a hinted text */

/* The filter's bit for whole key WHOLE (64 bits) or head HEAD (32). */
static size_t
simhash_bit_whole(const struct simhash_index *ix, uint64_t whole)
{
	return (size_t)(uint32_t)whole & ix->wmask;
}

static size_t
simhash_bit_head(const struct simhash_index *ix, uint32_t head)
{
	return (size_t)((uint32_t)head * 0x9e3779b1U ^ 0x5bd1e995U) &
	    ix->wmask;
}

static int
simhash_filter_has(const struct simhash_index *ix, size_t b)
{
	return (int)(ix->wbits[b / 64] >> (b % 64) & 1);
}

/* Set the bits of record R's keys. */
static void
simhash_filter_set(struct simhash_index *ix, const struct simhash_rec *r)
{
	size_t b;

	if (r->whole != 0) {
		b = simhash_bit_whole(ix, r->whole);
		ix->wbits[b / 64] |= (uint64_t)1 << (b % 64);
	}
	if (r->head != 0) {
		b = simhash_bit_head(ix, r->head);
		ix->wbits[b / 64] |= (uint64_t)1 << (b % 64);
	}
}

/* Clear the filter and set the bits of the texts remembered. */
static void
simhash_filter_reset(struct simhash_index *ix)
{
	size_t w;
	uint64_t bits;

	memset(ix->wbits, 0, (ix->wmask + 1) / 8);
	ix->wadds = 0;
	for (w = 0; w < (ix->nrefs + 63) / 64; w++)
		for (bits = ix->inuse[w]; bits != 0; bits &= bits - 1)
			simhash_filter_set(ix, &ix->recs[w * 64 +
			    (size_t)__builtin_ctzll(bits)]);
}

/* Put the exact keys of REF's record in the table. */
static void
simhash_put_rec(struct simhash_index *ix, uint32_t ref)
{
	const struct simhash_rec *r = &ix->recs[ref];
	uint32_t anchor = simhash_rec_anchor(ix, r);

	if (r->whole != 0)
		simhash_put(ix, (uint32_t)(r->whole >> 32), SIMHASH_KIND_WHOLE,
		    ref);
	if (r->head != 0)
		simhash_put(ix, r->head, SIMHASH_KIND_HEAD, ref);
	if (anchor != 0)
		simhash_put(ix, anchor, SIMHASH_KIND_ANCHOR, ref);
}

/* Rebuild the table of exact keys with NSLOTS slots. */
static void
simhash_resize(struct simhash_index *ix, size_t nslots)
{
	size_t w;
	uint64_t bits;

	free(ix->slots);
	ix->slots = xcalloc(nslots, sizeof(*ix->slots));
	ix->nslots = nslots;
	ix->used = 0;
	ix->tombs = 0;
	for (w = 0; w < (ix->nrefs + 63) / 64; w++)
		for (bits = ix->inuse[w]; bits != 0; bits &= bits - 1)
			simhash_put_rec(ix, (uint32_t)(w * 64 +
			    (size_t)__builtin_ctzll(bits)));
}

struct simhash_index *
simhash_index_new(int k, uint32_t min_words, size_t capacity_hint)
{
	struct simhash_index *ix;
	size_t n;
	int t, shift, l;

	if (k < 0)
		k = 0;
	if (k > SIMHASH_MAX_BLOCKS - 1)
		k = SIMHASH_MAX_BLOCKS - 1;
	ix = xcalloc(1, sizeof(*ix));
	ix->k = k;
	ix->min_words = min_words == 0 ? SIMHASH_MIN_WORDS : min_words;
	ix->nblocks = k + 1;
	ix->hint = capacity_hint < 1024 ? 1024 : capacity_hint;
	if (ix->hint > (size_t)SIMHASH_MAX_REF + 1)
		ix->hint = (size_t)SIMHASH_MAX_REF + 1;
	for (t = 0, shift = 0; t < ix->nblocks; t++) {
		ix->bits[t] = 64 / ix->nblocks + (t < 64 % ix->nblocks);
		ix->shift[t] = shift;
		shift += ix->bits[t];
	}
	/* About 16 long texts a bucket if all were long. */
	l = simhash_log2(ix->hint);
	ix->bbits = l - 4 < 8 ? 8 : l - 4;
	if (ix->bbits > 20)
		ix->bbits = 20;
	/* The buckets come with the first long text (simhash_bucket_add).
	 * The table has room for two keys (the whole, the head) a hinted
	 * text, three fifths full: no rebuild while the index fills. */
	n = (2 * ix->hint + 3) * 5 / 3 + 1;
	ix->slots = xcalloc(n, sizeof(*ix->slots));
	ix->nslots = n;
	for (n = 65536; n < SIMHASH_FILTER_BITS * ix->hint; n *= 2)
		;
	ix->wbits = xcalloc(n / 64, sizeof(*ix->wbits));
	ix->wmask = n - 1;
	return ix;
}

/* Make the per-ref arrays long enough for REF. */
static void
simhash_grow(struct simhash_index *ix, uint32_t ref)
{
	size_t n = ix->nrefs == 0 ? ix->hint : ix->nrefs, words;

	while (n <= ref)
		n *= 2;
	if (n > (size_t)SIMHASH_MAX_REF + 1)
		n = (size_t)SIMHASH_MAX_REF + 1;
	ix->recs = xreallocarray(ix->recs, n, sizeof(*ix->recs));
	words = (n + 63) / 64;
	ix->inuse = xreallocarray(ix->inuse, words, sizeof(*ix->inuse));
	memset(ix->inuse + (ix->nrefs + 63) / 64, 0,
	    (words - (ix->nrefs + 63) / 64) * sizeof(*ix->inuse));
	ix->nrefs = n;
}

/* Add REF (SimHash H) to pigeonhole bucket B of block T. */
static void
simhash_bucket_add(struct simhash_index *ix, int t, uint64_t h, uint32_t ref)
{
	struct simhash_bucket *b;

	if (ix->blocks[t] == NULL)
		ix->blocks[t] = xcalloc((size_t)1 << ix->bbits,
		    sizeof(*ix->blocks[t]));
	b = &ix->blocks[t][simhash_block(ix, h, t)];

	if (b->n == b->cap) {
		ix->pairs += b->cap == 0 ? 4 : b->cap;
		b->cap = b->cap == 0 ? 4 : b->cap * 2;
		b->v = xreallocarray(b->v, b->cap, sizeof(*b->v));
	}
	b->v[b->n].ref = ref;
	b->v[b->n].rest = simhash_rest(ix, h, t);
	b->n++;
}

/* Take REF (SimHash H) out of its pigeonhole bucket of block T. */
static void
simhash_bucket_del(struct simhash_index *ix, int t, uint64_t h, uint32_t ref)
{
	struct simhash_bucket *b = &ix->blocks[t][simhash_block(ix, h, t)];
	uint32_t i;

	for (i = 0; i < b->n; i++) {
		if (b->v[i].ref == ref) {
			b->v[i] = b->v[--b->n];
			break;
		}
	}
	if (b->n == 0) {
		ix->pairs -= b->cap;
		free(b->v);
		b->v = NULL;
		b->cap = 0;
	}
}

int
simhash_index_add(struct simhash_index *ix, const struct simhash_fp *fp,
    uint32_t ref)
{
	struct simhash_rec *r;
	struct simhash_long l;
	int t, anew;

	if (ref > SIMHASH_MAX_REF)
		return -1;
	anew = !simhash_used(ix, ref);
	/* The slots the keys go to, and the record, while REF's old keys
	 * are forgotten: their cache misses overlap. */
	simhash_index_prefetch_add(ix, fp);
	if (fp->words >= ix->min_words && ref < ix->nrefs)
		__builtin_prefetch(&ix->recs[ref], 1);
	simhash_index_remove(ix, ref);
	if (fp->words < ix->min_words)
		return -1;
	if (ref >= ix->nrefs)
		simhash_grow(ix, ref);
	/* Room for three more keys, three quarters full at most counting
	 * tombstones: most probes miss, and a miss reads the run from its
	 * home to an empty slot, about 8 slots (one cache line) at that
	 * load. Rebuilt at the same size when tombstones are the difference,
	 * larger by half when keys in use pass three fifths (texts with an
	 * anchor have three). */
	if ((ix->used + ix->tombs + 3) * 4 > ix->nslots * 3)
		simhash_resize(ix, (ix->used + 3) * 5 > ix->nslots * 3 ?
		    ix->nslots + ix->nslots / 2 : ix->nslots);
	r = &ix->recs[ref];
	simhash_rec_of(fp, r, &l);
	if (simhash_is_long(fp))
		simhash_long_put(ix, ref, &l);
	if (anew)
		ix->newest = ref;
	simhash_put_rec(ix, ref);
	simhash_filter_set(ix, r);
	ix->wadds++;
	if (fp->words >= SIMHASH_FUZZY_WORDS)
		for (t = 0; t < ix->nblocks; t++)
			simhash_bucket_add(ix, t, fp->hash, ref);
	ix->inuse[ref / 64] |= (uint64_t)1 << (ref % 64);
	ix->count++;
	if (ix->wadds > (ix->wmask + 1) / SIMHASH_FILTER_BITS)
		simhash_filter_reset(ix);
	return 0;
}

void
simhash_index_prefetch(const struct simhash_index *ix, uint32_t ref)
{
	const struct simhash_rec *r;

	if (!simhash_used(ix, ref))
		return;
	r = &ix->recs[ref];
	if (r->whole != 0)
		simhash_prefetch(ix, (uint32_t)(r->whole >> 32));
	if (r->head != 0)
		simhash_prefetch(ix, r->head);
}

void
simhash_index_prefetch_add(const struct simhash_index *ix,
    const struct simhash_fp *fp)
{
	if (fp->words < ix->min_words)
		return;
	if (fp->trim[0] != 0)
		simhash_prefetch(ix, (uint32_t)(fp->trim[0] >> 32));
	if (fp->head != 0)
		simhash_prefetch(ix, fp->head);
}

void
simhash_index_remove(struct simhash_index *ix, uint32_t ref)
{
	struct simhash_rec *r;
	const struct simhash_long *l;
	int t;

	if (!simhash_used(ix, ref))
		return;
	simhash_index_prefetch(ix, ref);
	r = &ix->recs[ref];
	if (r->whole != 0)
		simhash_del(ix, (uint32_t)(r->whole >> 32), SIMHASH_KIND_WHOLE,
		    ref);
	if (r->head != 0)
		simhash_del(ix, r->head, SIMHASH_KIND_HEAD, ref);
	if ((l = simhash_long_of(ix, r)) != NULL && l->anchor != 0)
		simhash_del(ix, l->anchor, SIMHASH_KIND_ANCHOR, ref);
	if ((r->words & SIMHASH_REC_WORDS) >= SIMHASH_FUZZY_WORDS)
		for (t = 0; t < ix->nblocks; t++)
			simhash_bucket_del(ix, t, l->hash, ref);
	if (l != NULL)
		simhash_long_del(ix, (size_t)(l - ix->longs));
	ix->inuse[ref / 64] &= ~((uint64_t)1 << (ref % 64));
	ix->count--;
}

/* The best answer so far: its ref, rule rank, distance and age. The age
 * of a ref is how far it is behind the newest, refs being taken as the
 * slots of a ring filled in order (as dedup's are): added anew, a ref is
 * the newest; replaced, it keeps its place. */
struct simhash_best {
	long		ref;
	int32_t		rank;
	int		d;
	size_t		age;
};

/* The age of REF (see simhash_best). */
static size_t
simhash_age(const struct simhash_index *ix, uint32_t ref)
{
	return ref <= ix->newest ? ix->newest - ref :
	    ix->newest + ix->nrefs - ref;
}

/* Judge REF as an answer to Q, and keep it if it beats B. */
static void
simhash_consider(const struct simhash_index *ix, const struct simhash_fp *q,
    uint32_t ref, struct simhash_best *b)
{
	const struct simhash_rec *r = &ix->recs[ref];
	const struct simhash_long *l = simhash_long_of(ix, r);
	int32_t rank;
	size_t age;
	int d;

	if ((long)ref == b->ref)
		return;
	rank = simhash_match(q, r, l, ix->k, ix->min_words);
	if (rank == SIMHASH_RANK_NONE || rank > b->rank)
		return;
	/* The same words or the same start: the first seen; the SimHash
	 * rules: the closest. */
	d = rank < SIMHASH_RANK_FUZZY ? 0 : __builtin_popcountll(q->hash ^
	    l->hash);
	age = simhash_age(ix, ref);
	if (rank == b->rank && (d > b->d || (d == b->d && age <= b->age)))
		return;
	b->ref = (long)ref;
	b->rank = rank;
	b->d = d;
	b->age = age;
}

long
simhash_index_find(const struct simhash_index *ix,
    const struct simhash_fp *fp)
{
	uint32_t keys[SIMHASH_NTRIMS + SIMHASH_RUNGS + 1], v, share, rest, want;
	unsigned kinds[SIMHASH_NTRIMS + SIMHASH_RUNGS + 1];
	size_t homes[SIMHASH_NTRIMS + SIMHASH_RUNGS + 1], i;
	const struct simhash_bucket *bk[SIMHASH_MAX_BLOCKS];
	struct simhash_best best;
	int np = 0, p, r, lo, hi, t;

	if (fp->words < ix->min_words || ix->count == 0)
		return -1;
	best.ref = -1;
	best.rank = SIMHASH_RANK_NONE;
	best.d = 65;
	best.age = 0;

	/* The probes: trimmed sequences, the ladder's rungs, the anchor. */
	for (i = 0; i < SIMHASH_NTRIMS; i++) {
		if (fp->trim[i] == 0 || !simhash_filter_has(ix,
		    simhash_bit_whole(ix, fp->trim[i])))
			continue;
		keys[np] = (uint32_t)(fp->trim[i] >> 32);
		kinds[np++] = SIMHASH_KIND_WHOLE;
	}
	share = (fp->words * SIMHASH_CUT_SHARE + 99) / 100;
	lo = simhash_rung_at(share < simhash_rung(0) ? simhash_rung(0) :
	    share);
	hi = simhash_rung_at(fp->words);
	for (r = lo; r >= 0 && r <= hi; r++) {
		if (!simhash_filter_has(ix, simhash_bit_head(ix, fp->pre[r])))
			continue;
		keys[np] = fp->pre[r];
		kinds[np++] = SIMHASH_KIND_HEAD;
	}
	if (fp->anchor != 0) {
		keys[np] = fp->anchor;
		kinds[np++] = SIMHASH_KIND_ANCHOR;
	}
	for (p = 0; p < np; p++) {
		homes[p] = simhash_home(ix, keys[p]);
		__builtin_prefetch(&ix->slots[homes[p]]);
	}
	if (fp->words >= SIMHASH_FUZZY_WORDS && ix->blocks[0] != NULL) {
		for (t = 0; t < ix->nblocks; t++) {
			bk[t] = &ix->blocks[t][simhash_block(ix, fp->hash, t)];
			__builtin_prefetch(bk[t]);
		}
	}

	for (p = 0; p < np; p++) {
		want = SIMHASH_SLOT(SIMHASH_TAG(keys[p]), kinds[p], 0) &
		    ~0xffffffU;
		for (i = homes[p]; (v = ix->slots[i]) != 0;
		    i = simhash_next(ix, i))
			if ((v & ~0xffffffU) == want)
				simhash_consider(ix, fp, SIMHASH_SLOT_REF(v),
				    &best);
	}

	/* Pigeonhole: a near SimHash shares a block, and all but K of the
	 * 32 bits after it. */
	if (fp->words >= SIMHASH_FUZZY_WORDS && ix->blocks[0] != NULL) {
		for (t = 0; t < ix->nblocks; t++) {
			rest = simhash_rest(ix, fp->hash, t);
			for (i = 0; i < bk[t]->n; i++)
				if (__builtin_popcount(bk[t]->v[i].rest ^
				    rest) <= ix->k)
					simhash_consider(ix, fp,
					    bk[t]->v[i].ref, &best);
		}
	}
	return best.ref;
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

	bytes += ix->nslots * sizeof(*ix->slots);
	bytes += ix->nrefs * sizeof(*ix->recs);
	if (ix->longs != NULL)
		bytes += ix->lslots * sizeof(*ix->longs);
	bytes += (ix->nrefs + 63) / 64 * sizeof(*ix->inuse);
	if (ix->blocks[0] != NULL)
		bytes += (size_t)ix->nblocks * ((size_t)1 << ix->bbits) *
		    sizeof(struct simhash_bucket);
	bytes += ix->pairs * sizeof(struct simhash_pair);
	bytes += (ix->wmask + 1) / 8;
	return bytes;
}

void
simhash_index_free(struct simhash_index *ix)
{
	size_t j;
	int t;

	if (ix == NULL)
		return;
	for (t = 0; t < ix->nblocks && ix->blocks[t] != NULL; t++) {
		for (j = 0; j < ((size_t)1 << ix->bbits); j++)
			free(ix->blocks[t][j].v);
		free(ix->blocks[t]);
	}
	free(ix->slots);
	free(ix->recs);
	free(ix->longs);
	free(ix->inuse);
	free(ix->wbits);
	free(ix);
}
