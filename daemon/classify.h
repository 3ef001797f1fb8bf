/*
 * classify.h - bare rules, the walking skeleton's classifier: a few fixed
 * words and a '?', nothing learnt, English and French only. A later issue
 * replaces it. The rules, exactly:
 *
 *   question  the title or text holds a '?' that ends a word (followed by the
 *             end, whitespace or punctuation: a '?' inside a URL's query
 *             string does not count).
 *   negative  the folded title and text hold, as whole words, one of a short
 *             English and French list (broken, worst, refund, scam, arnaque,
 *             panne, decu, ...; see classify.c).
 *   positive  the same with a short list of praise (love, great, thanks,
 *             merci, bravo, ...), and no negative word.
 *
 *   sentiment = -0.6 when negative, +0.6 when positive, 0 otherwise.
 *
 *   priority  = clamp01(0.45 * negative + 0.35 * question
 *                       + 0.10 * reach + 0.10 * engagement)
 *   where negative and question are 1 or 0,
 *         reach      = min(1, log10(followers + 1) / 6)
 *         engagement = min(1, log10(replies + reposts + score + 1) / 4)
 *   with unknown (and negative) counts taken as 0: a million followers or ten
 *   thousand interactions reach the maximum.
 */
#ifndef CLASSIFY_H
#define CLASSIFY_H

struct mention;

/* classify_run - set M's classes, sentiment and priority; FOLDED is
 * match_fold(M). */
void	classify_run(struct mention *m, const char *folded);
/* classify_priority - the priority formula above, from M's classes and
 * counts. */
double	classify_priority(const struct mention *m);

#endif
