/*
 * simhash.h - near-duplicate texts for deduplication: a fingerprint of
 * a mention's folded text (match_fold's output) and an in-memory index that
 * finds a remembered near-copy among a million in a few hundred nanoseconds.
 *
 * Words are runs of letters and digits (ASCII, and UTF-8 letters of any
 * script); punctuation, symbols and emoji are not words, and links are
 * skipped. Before anything is compared, the ends of the text are cut:
 *  - retweets and quoted reposts: a leading "rt @x:" ("rt @x :" too), and
 *    the comment before a later "rt @x:" when it is shorter than the quote;
 *  - boilerplate tails ("posted via ...", "read more ...", "continue
 *    reading", "sent from my ...", "lire la suite", "envoye de mon ...",
 *    "via @x", ...) after at least half of the words (and SIMHASH_MIN_WORDS);
 *  - truncation marks ("...", "…", "[...]", "(more)" after the last word,
 *    links aside): a word glued to the mark may be cut and is dropped, and
 *    the text is marked truncated.
 *
 * Two texts of at least MIN_WORDS words each are near when one of these
 * holds (A the later one, B the remembered one, m and n their word counts):
 *  - the same words: A's words, less 0 to SIMHASH_TRIM words at its start
 *    and 0 to SIMHASH_TRIM at its end, are B's words (a short comment, "+1",
 *    "this:", a signature added around a copy; the reverse, B longer, is
 *    not looked for);
 *  - a truncation: one of them is truncated, has at least SIMHASH_CUT_SHARE
 *    percent of the other's words and no more, and both start with the same
 *    L words, L the rung of the ladder 8, 12, 16, 24, 32, 48... at or below
 *    the longer one's SIMHASH_CUT_SHARE percent (at or below the truncated
 *    one's length when the longer is the truncated one too);
 *  - fuzzy: both have SIMHASH_FUZZY_WORDS words or more, not the same
 *    first and last SIMHASH_TRIM words, and the 64-bit SimHashes of their
 *    2-word shingles differ in at most K bits (K = 3 by default): a long
 *    text under a short other header or footer, with a small edit too;
 *  - an anchor: both have SIMHASH_LONG_WORDS words or more, the same anchor
 *    (the hash of the SIMHASH_ANCHOR_WORDS words that start at the
 *    smallest-hashed shingle outside the first and last eighth: a
 *    one-permutation MinHash, equal about as often as two texts share that
 *    shingle), not the same ends, and SimHashes at most SIMHASH_ANCHOR_K
 *    bits apart: a long post under other headers and footers.
 *
 * The trade-off: a text of fewer than SIMHASH_FUZZY_WORDS words is a copy
 * only when its words are the original's (case, accents, punctuation,
 * spacing, links and the cuts above aside): one word changed in a 20-word
 * post ("... router is great" / "... router is broken", another number,
 * another name) moves its SimHash by only a few bits, as does a typo fixed,
 * and the two cannot be told apart, so neither is merged. Long texts with
 * the same ends and other words between are kept apart for the same
 * reason: an edit is a new version of a post, other ends are a copy of it
 * somewhere else (where a small edit is forgiven). Only copies that share the words are found:
 * not translations, nor paraphrases, nor a copy with more than
 * SIMHASH_TRIM words of comment on one side, nor an edit in the first L
 * words of a truncated copy.
 */
#ifndef SIMHASH_H
#define SIMHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIMHASH_MIN_WORDS	8	/* fewer: never near */
#define SIMHASH_TRIM		3	/* words of comment cut at each end */
#define SIMHASH_CUT_SHARE	40	/* % of the words a truncation keeps */
#define SIMHASH_RUNGS		16	/* ladder rungs: 8, 12, 16, ... 1536 */
#define SIMHASH_FUZZY_WORDS	64	/* from this many words: SimHash */
#define SIMHASH_TAGS		256	/* prefixes with a tag in the fp */
#define SIMHASH_MARKS		8	/* prefix tags remembered per text */
#define SIMHASH_LONG_WORDS	64	/* from this many words: an anchor */
#define SIMHASH_ANCHOR_WORDS	8	/* the words an anchor covers */
#define SIMHASH_ANCHOR_K	12	/* max distance for equal anchors */
#define SIMHASH_K		3	/* the default max Hamming distance */
#define SIMHASH_MAX_REF		0xfffffeU	/* refs are 24 bits */

#define SIMHASH_TRUNCATED	0x1	/* fp->flags: ended with a cut mark */

#define SIMHASH_NTRIMS	((SIMHASH_TRIM + 1) * (SIMHASH_TRIM + 1))

/* The fingerprint of one text (about 500 bytes), copied by value. Keys are
 * hashes of word sequences, never 0 (0: the text is too short for it). */
struct simhash_fp {
	uint64_t	hash;	/* SimHash of the 2-word shingles; 0 below
				   SIMHASH_FUZZY_WORDS words, where no rule
				   reads it */
	uint64_t	trim[SIMHASH_NTRIMS]; /* [i * (TRIM + 1) + j]: the
				   words less i at the start, j at the end
				   (64 bits: a million texts are compared) */
	uint32_t	pre[SIMHASH_RUNGS]; /* the first rung(r) words */
	uint8_t		tag[SIMHASH_TAGS]; /* [l]: 8 bits of the first l words'
				   key (as trim[0] would be for them) */
	uint64_t	marks;	/* SIMHASH_MARKS tags of prefixes, evenly
				   from SIMHASH_CUT_SHARE % of the words */
	uint32_t	head;	/* the prefix remembered: pre[] of the rung
				   the truncation rule compares */
	uint32_t	anchor;	/* long texts' anchor; 0: not long */
	uint32_t	ends;	/* the first and last SIMHASH_TRIM words */
	uint32_t	words;	/* words fingerprinted (after the cuts) */
	uint32_t	flags;	/* SIMHASH_TRUNCATED */
};

/* simhash_text - the fingerprint of FOLDED (LEN bytes, need not be
 * NUL-terminated), the text as match_fold gives it; safe on any bytes. */
void		 simhash_text(const char *folded, size_t len,
		    struct simhash_fp *fp);
/* simhash_rung - the number of words rung R (0..SIMHASH_RUNGS-1) of the
 * prefix ladder covers: 8, 12, 16, 24, 32, 48, ... */
uint32_t	 simhash_rung(int r);
/* simhash_distance - how many bits A's and B's SimHashes differ in. */
int		 simhash_distance(const struct simhash_fp *a,
		    const struct simhash_fp *b);
/* simhash_near - whether A and B are near-copies by the rules above, in
 * either order, with distance K and MIN_WORDS (0: SIMHASH_MIN_WORDS). */
int		 simhash_near(const struct simhash_fp *a,
		    const struct simhash_fp *b, int k, uint32_t min_words);

/*
 * The index: fingerprints under caller-chosen refs (small integers such as
 * ring slots, at most SIMHASH_MAX_REF: the index keeps arrays indexed by
 * ref, grown to the largest ref added), found by the rules of simhash_near
 * with the remembered one as B. It keeps what it needs of each fingerprint,
 * so removing needs only the ref. Refs are taken as the slots of a ring
 * filled in order, as a caller's ring of remembered mentions is: the ref
 * added last to an empty slot is the newest, and the others are older the
 * further behind it they are, counting back around the ring (the hint
 * rounded up to 1,024, or the arrays' length when they grew past it).
 */
struct simhash_index;

/* simhash_index_new - an empty index judging with distance K (0..7; 3 is
 * SIMHASH_K) and MIN_WORDS (0: SIMHASH_MIN_WORDS), sized for about
 * CAPACITY_HINT fingerprints (more work, only slower). */
struct simhash_index *simhash_index_new(int k, uint32_t min_words,
		    size_t capacity_hint);
/* simhash_index_add - remember FP under REF (at most SIMHASH_MAX_REF),
 * replacing what REF held (which keeps REF's place in the order: an edit);
 * returns 0, or -1 when FP is too short to be judged or REF too large
 * (then REF holds nothing). */
int		 simhash_index_add(struct simhash_index *ix,
		    const struct simhash_fp *fp, uint32_t ref);
/* simhash_index_prefetch - start reading what forgetting REF will touch
 * (its slots), so that a remove or an add at REF a little later does not
 * wait for them. */
void		 simhash_index_prefetch(const struct simhash_index *ix,
		    uint32_t ref);
/* simhash_index_prefetch_add - start reading the slots FP's keys go to, so
 * that adding FP a little later (after a find that missed) does not wait
 * for them. */
void		 simhash_index_prefetch_add(const struct simhash_index *ix,
		    const struct simhash_fp *fp);
/* simhash_index_remove - forget REF (nothing if it holds nothing). */
void		 simhash_index_remove(struct simhash_index *ix, uint32_t ref);
/* simhash_index_find - the ref of a remembered fingerprint near FP, or -1.
 * Of several, the best by rule (the same words, fewest cut, first; then the
 * longest common prefix of a truncation; then fuzzy and anchors), then for
 * the SimHash rules the closest, then the oldest in the ring: a truncation
 * that starts two remembered texts names the first seen. */
long		 simhash_index_find(const struct simhash_index *ix,
		    const struct simhash_fp *fp);
/* simhash_index_count - how many refs hold a fingerprint. */
size_t		 simhash_index_count(const struct simhash_index *ix);
/* simhash_index_memory - bytes the index holds. */
size_t		 simhash_index_memory(const struct simhash_index *ix);
void		 simhash_index_free(struct simhash_index *ix);

#endif
