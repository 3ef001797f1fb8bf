/*
 * sentiment_data.h - the generated tables daemon/sentiment.c scores with
 * (daemon/sentiment_data.c, written by tests/train/sentiment_train.py).
 */
#ifndef SENTIMENT_DATA_H
#define SENTIMENT_DATA_H

#include <stddef.h>

/* One lexicon word: LANG is 'e' (English), 'f' (French) or 'a' (any: emoji
 * and emoticons); WORD is folded (lower case, no accents); VALENCE is on
 * VADER's -4..+4 scale. */
struct sentiment_entry {
	char		 lang;
	const char	*word;
	float		 valence;
};

extern const struct sentiment_entry	sentiment_entries[];
extern const size_t			sentiment_nentries;

/* The models (tests/train/sentiment_train.py): logistic regressions, negative vs
 * the rest and positive vs the rest, per language, over DIM hashed feature
 * buckets then DENSE dense features (bias, rule score, rule score <= -0.05,
 * rule score >= 0.05). sentiment_model_trained has bit 1 set when the
 * English models are trained, bit 2 for the French ones (else all zero). */
#define SENTIMENT_MODEL_BITS	14
#define SENTIMENT_MODEL_DIM	(1u << SENTIMENT_MODEL_BITS)
#define SENTIMENT_MODEL_DENSE	4

extern const int	sentiment_model_trained;
extern const float	sentiment_model_en_neg[];
extern const float	sentiment_model_en_pos[];
extern const float	sentiment_model_fr_neg[];
extern const float	sentiment_model_fr_pos[];

#endif
