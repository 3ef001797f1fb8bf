/*
 * classify.c - bare rules, the walking skeleton's classifier (see classify.h
 * for the rules and the priority formula). The word lists are short on
 * purpose and already folded (lower case, no accents), as match_fold gives the
 * text; each entry matches as whole words.
 */
#include <math.h>
#include <string.h>

#include "classify.h"
#include "match.h"
#include "mention.h"

static const char *const classify_negative[] = {
	/* English */
	"broken", "worst", "terrible", "awful", "hate", "refund", "scam",
	"useless", "never again", "disappointed", "doesn't work",
	"not working", "ripoff", "outage",
	/* French */
	"nul", "nulle", "arnaque", "panne", "horrible", "decu", "decue",
	"remboursement", "inadmissible", "honteux", "ne marche pas",
	"ne fonctionne pas", "escroquerie", "deception",
	NULL
};

static const char *const classify_positive[] = {
	/* English */
	"love", "great", "awesome", "thanks", "thank you", "excellent",
	/* French */
	"genial", "merci", "top", "bravo", "parfait", "super",
	NULL
};

/* Does FOLDED hold one of WORDS as whole words? */
static int
classify_any(const char *folded, const char *const *words)
{
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (match_phrase_found(folded, words[i], strlen(words[i])))
			return 1;
	return 0;
}

/* Does S hold a '?' followed by the end, whitespace or punctuation? */
static int
classify_question(const char *s)
{
	const char *p;

	if (s == NULL)
		return 0;
	for (p = strchr(s, '?'); p != NULL; p = strchr(p + 1, '?')) {
		if (p[1] == '\0' || p[1] == ' ' || p[1] == '\n' ||
		    p[1] == '\t' || p[1] == '\r' || p[1] == '?' ||
		    p[1] == '!' || p[1] == '.' || p[1] == ')' || p[1] == '"' ||
		    p[1] == '\'' || (unsigned char)p[1] >= 0x80)
			return 1;
	}
	return 0;
}

/* N, with unknown (-1) and negative counts as 0. */
static double
classify_count(long long n)
{
	return n > 0 ? (double)n : 0.0;
}

double
classify_priority(const struct mention *m)
{
	double reach, engagement, p;

	reach = log10(classify_count(m->author_followers) + 1) / 6;
	if (reach > 1)
		reach = 1;
	engagement = log10(classify_count(m->replies) +
	    classify_count(m->reposts) + classify_count(m->score) + 1) / 4;
	if (engagement > 1)
		engagement = 1;
	p = 0.45 * ((m->classes & MENTION_NEGATIVE) ? 1 : 0) +
	    0.35 * ((m->classes & MENTION_QUESTION) ? 1 : 0) +
	    0.10 * reach + 0.10 * engagement;
	if (p < 0)
		p = 0;
	if (p > 1)
		p = 1;
	return p;
}

void
classify_run(struct mention *m, const char *folded)
{
	m->classes = 0;
	if (classify_question(m->title) || classify_question(m->text))
		m->classes |= MENTION_QUESTION;
	if (classify_any(folded, classify_negative))
		m->classes |= MENTION_NEGATIVE;
	else if (classify_any(folded, classify_positive))
		m->classes |= MENTION_POSITIVE;

	if (m->classes & MENTION_NEGATIVE)
		m->sentiment = -0.6;
	else if (m->classes & MENTION_POSITIVE)
		m->sentiment = 0.6;
	else
		m->sentiment = 0;
	m->priority = classify_priority(m);
}
