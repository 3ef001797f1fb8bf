/*
 * sentiment.h - polarity of a short English or French post: negative,
 * neutral or positive, with a score in [-1, 1].
 *
 * Rules over polarity lexicons (VADER, vader_FR, AFINN, Pattern and our own
 * words, conf/lexicons/), in VADER's manner, extended for French:
 *   - negation flips and damps (x -0.74) a word when a negator is among the
 *     three words before it, articles not counted ("not bad", "never good",
 *     "wouldn't be such a bad idea", "pas mal", "sans interet"); French "ne"/"n'" negates up to three words after it and makes
 *     "plus" a negator ("ne ... jamais", "ne ... plus"); informal French
 *     without "ne" negates the word just before "pas" ("j'aime pas");
 *     "pas terrible" is negative; a negator does not negate a negator ("NO
 *     NO NO") or an interjection ("not me lol", "pas moi mdr"), and after
 *     "this" or "never so" it heightens (x 1.25, x 1.5) rather than flips
 *     ("haven't been this sore", "never so happy", "jamais ete aussi
 *     content");
 *   - idioms: "can't wait" is eager (+1.5), "bad ass" and "kick ass" praise
 *     (+1.5), "holy shit" surprise (the swear word counts nothing);
 *   - intensifiers and diminishers among the three words before add or take
 *     0.293 (x 1, 0.95, 0.9 with distance): very, really, so, extremely, tres,
 *     trop, vraiment, super, grave ... / slightly, a bit, kind of, un peu,
 *     assez, plutot ...;
 *   - contrast: at "but", "however", "mais", "cependant", "pourtant",
 *     "toutefois", "neanmoins" what came before is halved and what follows
 *     weighs 1.5;
 *   - emphasis: a word in capitals in a post that is not all capitals adds
 *     0.733, a lengthened word ("sooo", "nuuul") 0.293, each "!" (up to 4)
 *     0.292, "??" and more up to 0.96, all in the direction of the sum;
 *   - emoji (VADER's emoji lexicon, scored through its descriptions) and
 *     emoticons (":(", ":)", ":'(", "xD", "<3", ...);
 *   - HTML character references ("&gt;") are skipped and "\uXXXX" escapes
 *     left in the text ("can\u2019t") read as their characters;
 *   - French elisions are split (j'aime, c'est, l'appli, n'importe) and
 *     accents and case folded; informal words (chuis, nul, relou, bof, mdr,
 *     naze, grave, kiffe ...) are in the lexicon or the rules.
 * The sum s of the word valences gives the rule score s / sqrt(s^2 + 15).
 *
 * A compact logistic model per language (hashed word unigrams and bigrams
 * plus the rule score, trained by tests/train/sentiment_train.py on the *_train
 * files only) blends with the rule score where one is shipped; the final
 * score is in [-1, 1] and the polarity is negative when score <=
 * SENTIMENT_NEGATIVE_AT, positive when >= SENTIMENT_POSITIVE_AT.
 *
 * Thread-safe, allocation-free per call; the tables are built once, on the
 * first call (or by sentiment_init).
 */
#ifndef SENTIMENT_H
#define SENTIMENT_H

#include <stddef.h>
#include <stdint.h>

#define SENTIMENT_NEGATIVE	-1
#define SENTIMENT_NEUTRAL	0
#define SENTIMENT_POSITIVE	1

#define SENTIMENT_NEGATIVE_AT	-0.10
#define SENTIMENT_POSITIVE_AT	0.25

/* sentiment_init - build the lookup tables now rather than on first use. */
void		 sentiment_init(void);
/* sentiment_score - the score in [-1, 1] of the LEN bytes of UTF-8 TEXT
 * written in LANG ("en", "fr", or NULL or anything else for unknown: both
 * lexicons are tried); *POLARITY (if not NULL) gets SENTIMENT_*. */
double		 sentiment_score(const char *text, size_t len, const char *lang,
		    int *polarity);
/* sentiment_rules - the rule score alone (no model), same arguments. */
double		 sentiment_rules(const char *text, size_t len, const char *lang);
/* sentiment_features - the hashed word and pair features of TEXT (at most
 * MAX into FEATS; returns how many) and its rule score in *RULES: what the
 * models score, for tests/train/sentiment_train.py (via `mentionctl classify
 * --features`). */
size_t		 sentiment_features(const char *text, size_t len,
		    const char *lang, uint32_t *feats, size_t max, double *rules);
/* sentiment_polarity - SENTIMENT_* of SCORE. */
int		 sentiment_polarity(double score);
/* sentiment_name - "negative", "neutral" or "positive". */
const char	*sentiment_name(int polarity);

#endif
