/*
 * simhash.h - near-duplicate texts for deduplication: a small fingerprint of
 * a mention's folded text (match_fold's output) and an in-memory index that
 * finds a remembered near-copy among a million in a few microseconds.
 *
 * What is caught, and how:
 *  - small edits, case, accents, punctuation, links: the words (URLs skipped)
 *    go through a 64-bit SimHash of their 2-word shingles; two texts whose
 *    SimHashes differ in at most K bits (K = 3 by default) are near;
 *  - retweets and quoted reposts: a leading "rt @x:", and the comment before
 *    a later "rt @x:" when it is shorter than what it quotes, are dropped;
 *  - boilerplate tails ("posted via ...", "read more ...", "continue
 *    reading", "sent from my ...", "lire la suite", "envoye de mon ...",
 *    "via @x", ...): cut off when they come after at least half of the words
 *    (and after SIMHASH_MIN_WORDS);
 *  - truncations ("...", "…", "[...]", "(more)" after the last word, links
 *    after it aside): a word glued to the mark may be cut and is dropped, and
 *    the text is marked truncated; a truncated text is near any text whose
 *    first SIMHASH_HEAD_WORDS words are the same;
 *  - long texts (SIMHASH_LONG_WORDS words or more) under other headers and
 *    footers: the SimHash drifts by a few bits per tenth of other text, too
 *    far for K, so each also has an anchor, the hash of the
 *    SIMHASH_ANCHOR_WORDS words that start at its smallest-hashed shingle
 *    outside the first and last eighth of the text (a one-permutation
 *    MinHash: two texts get the same one about as often as they share that
 *    shingle); two long texts with the same anchor are near when their
 *    SimHashes also differ in at most SIMHASH_ANCHOR_K bits.
 *
 * The trade-off: the closer two different posts may be and still be told
 * apart, the fewer reworded copies are caught. A post of 20 words that
 * differs from another in one word ("... router is great" / "... router is
 * broken") changes 2 of its 19 shingles, which moves about 7 bits of the
 * SimHash on average: over K = 3, so it stays new, but 3% of such pairs land
 * within 3 bits and are merged (test_simhash measures it). The same one-word
 * edit in a 200-word text moves about 3 bits and is usually merged: at that
 * length a one-word difference is taken for a copy. Template posts that
 * differ in one product name or number keep apart while short; long
 * templates with the same anchor are merged. SIMHASH_ANCHOR_K = 12 catches
 * 84% of 200-word texts under up to 25 other words before and after, and
 * merged none of 500 pairs of 200-word posts quoting the same 40 words (at
 * 16 it caught 91% and merged 2). Texts of fewer than SIMHASH_MIN_WORDS words
 * are never near anything (too little to tell a copy from a coincidence), and
 * only copies that share the words are found: not translations, nor
 * paraphrases, nor an edit in the first SIMHASH_HEAD_WORDS words of a
 * truncated copy.
 */
#ifndef SIMHASH_H
#define SIMHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIMHASH_MIN_WORDS	8	/* fewer: never near */
#define SIMHASH_HEAD_WORDS	12	/* the words the head hash covers */
#define SIMHASH_LONG_WORDS	64	/* from this many words: an anchor */
#define SIMHASH_ANCHOR_WORDS	8	/* the words an anchor covers */
#define SIMHASH_ANCHOR_K	12	/* max distance for equal anchors */
#define SIMHASH_K		3	/* the default max Hamming distance */

#define SIMHASH_TRUNCATED	0x1	/* fp->flags: ended with a cut mark */

/* The fingerprint of one text: small, copied by value. */
struct simhash_fp {
	uint64_t	hash;	/* SimHash of the 2-word shingles */
	uint32_t	head;	/* first SIMHASH_HEAD_WORDS words; 0: fewer */
	uint32_t	anchor;	/* long texts' anchor; 0: not long */
	uint32_t	words;	/* words fingerprinted (after the cuts) */
	uint32_t	flags;	/* SIMHASH_TRUNCATED */
};

/* simhash_text - the fingerprint of FOLDED (LEN bytes, need not be
 * NUL-terminated), the text as match_fold gives it; safe on any bytes. */
void		 simhash_text(const char *folded, size_t len,
		    struct simhash_fp *fp);
/* simhash_distance - how many bits A's and B's SimHashes differ in. */
int		 simhash_distance(const struct simhash_fp *a,
		    const struct simhash_fp *b);
/* simhash_near - whether A and B are near-copies: both of at least
 * MIN_WORDS words (0: SIMHASH_MIN_WORDS), and SimHashes at most K bits apart,
 * or a truncation of the same head, or long with the same anchor. */
int		 simhash_near(const struct simhash_fp *a,
		    const struct simhash_fp *b, int k, uint32_t min_words);

/*
 * The index: fingerprints under caller-chosen refs (small integers such as
 * ring slots: the index keeps arrays indexed by ref, grown to the largest ref
 * added), found by the rules of simhash_near. It keeps a copy of each
 * fingerprint, so removing needs only the ref.
 */
struct simhash_index;

/* simhash_index_new - an empty index judging with distance K (0..7; 3 is
 * SIMHASH_K) and MIN_WORDS (0: SIMHASH_MIN_WORDS), sized for about
 * CAPACITY_HINT fingerprints (more work, only slower). */
struct simhash_index *simhash_index_new(int k, uint32_t min_words,
		    size_t capacity_hint);
/* simhash_index_add - remember FP under REF (below UINT32_MAX), replacing
 * what REF held; returns 0, or -1 when FP is too short to be judged (then
 * REF holds nothing). */
int		 simhash_index_add(struct simhash_index *ix,
		    const struct simhash_fp *fp, uint32_t ref);
/* simhash_index_remove - forget REF (nothing if it holds nothing). */
void		 simhash_index_remove(struct simhash_index *ix, uint32_t ref);
/* simhash_index_find - the ref of a remembered fingerprint near FP, the
 * closest by SimHash distance, or -1. */
long		 simhash_index_find(const struct simhash_index *ix,
		    const struct simhash_fp *fp);
/* simhash_index_count - how many refs hold a fingerprint. */
size_t		 simhash_index_count(const struct simhash_index *ix);
/* simhash_index_memory - bytes the index holds. */
size_t		 simhash_index_memory(const struct simhash_index *ix);
void		 simhash_index_free(struct simhash_index *ix);

#endif
