/*
 * classify.h - what a matched mention is: its language, whether it asks
 * something, its sentiment, and its priority in the team's queue. The
 * composition of lang.h, question.h and sentiment.h; the daemon
 * (pipeline.c) and `mentionctl classify` run the same code.
 *
 *   text       the title and the text, joined by ". " when both are set.
 *   language   the source's lang tag when it has one ("en-GB" -> "en", "FR"
 *              -> "fr", any other tag -> "other"), else lang_detect(text);
 *              a mention without a tag gets the detected one.
 *   question   question_detect(text, language) (its score q in [0, 1]).
 *   sentiment  sentiment_score(text, language) in [-1, 1]; negative when
 *              <= SENTIMENT_NEGATIVE_AT, positive when >= SENTIMENT_POSITIVE_AT.
 *
 *   priority = clamp01(0.45 * negativity + 0.35 * question + 0.10 * reach
 *                      + 0.04 * influencer + 0.10 * engagement
 *                      + 0.06 * freshness)
 *   where
 *     negativity = negative ? min(1, 0.5 + 0.5 * -sentiment / 0.75) : 0
 *                  (a barely negative post about 0.67, -0.75 or lower 1)
 *     question   = 1 when the post asks something, else 0
 *     reach      = min(1, log10(followers + 1) / 6)
 *                  (a million followers reach 1)
 *     influencer = 1 when followers >= influencer_followers ([daemon] key,
 *                  default 10000; classify_set_influencer), else 0
 *     engagement = min(1, log10(replies + reposts + score + 1) / 4)
 *                  (ten thousand interactions reach 1)
 *     freshness  = 0.5 ^ (age / 6 h), age = seen - published (1 for a post
 *                  from the future)
 *   with unknown (and negative) counts taken as 0 and an unknown published
 *   time as freshness 0. So a question alone is 0.35, a plain negative post
 *   0.30 to 0.45, a strongly negative question from an influencer with some
 *   engagement, seen within the hour, close to 1.
 */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <stddef.h>

struct mention;

#define CLASSIFY_INFLUENCER_DEFAULT	10000
#define CLASSIFY_HALF_LIFE		(6 * 3600.0)	/* freshness, seconds */

/* What classify_text finds in a text. */
struct classify_result {
	const char	*lang;		/* "en", "fr" or "other" (static) */
	int		 question;	/* 1 or 0 */
	double		 question_score;	/* [0, 1] */
	int		 polarity;	/* SENTIMENT_* */
	double		 sentiment;	/* [-1, 1] */
};

/* classify_set_influencer - the follower count from which reach is 1
 * (config [daemon] influencer_followers); <= 0 restores the default. */
void		 classify_set_influencer(long long followers);
/* classify_lang_tag - "en", "fr" or "other" for a source's TAG, or NULL when
 * TAG is NULL or empty. */
const char	*classify_lang_tag(const char *tag);
/* classify_text - language, question and sentiment of the LEN bytes of TEXT;
 * TAG is the source's language tag or NULL. */
void		 classify_text(const char *text, size_t len, const char *tag,
		    struct classify_result *r);
/* classify_run - set M's language (when it has none), classes, sentiment and
 * priority; FOLDED (match_fold(M)) is not needed and may be NULL. */
void		 classify_run(struct mention *m, const char *folded);
/* classify_priority - the priority formula above, from M's classes,
 * sentiment, counts and times. */
double		 classify_priority(const struct mention *m);

#endif
