/*
 * classify.c - language, question, sentiment and priority of a mention (see
 * classify.h for the composition and the priority formula). The text is the
 * title and the text joined; short ones are joined on the stack.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "lang.h"
#include "mention.h"
#include "question.h"
#include "sentiment.h"
#include "xmalloc.h"

#define CLASSIFY_STACK	2048		/* title + text joined on the stack */

static long long classify_influencer = CLASSIFY_INFLUENCER_DEFAULT;

void
classify_set_influencer(long long followers)
{
	classify_influencer = followers > 0 ? followers :
	    CLASSIFY_INFLUENCER_DEFAULT;
}

const char *
classify_lang_tag(const char *tag)
{
	char a, b;

	if (tag == NULL || tag[0] == '\0')
		return NULL;
	a = (char)(tag[0] | 0x20);
	b = (char)(tag[1] | 0x20);
	if (tag[1] != '\0' && (tag[2] == '\0' || tag[2] == '-' ||
	    tag[2] == '_')) {
		if (a == 'e' && b == 'n')
			return "en";
		if (a == 'f' && b == 'r')
			return "fr";
	}
	return "other";
}

void
classify_text(const char *text, size_t len, const char *tag,
    struct classify_result *r)
{
	const char *lang, *qlang;
	double q = 0;

	if ((lang = classify_lang_tag(tag)) != NULL)
		qlang = lang;
	else {
		lang = lang_detect(text, len, NULL);
		/* question_detect would detect a detected "other" again, to
		 * find "other" again and read it as English. */
		qlang = strcmp(lang, "other") == 0 ? "en" : lang;
	}
	r->lang = lang;
	r->question = question_detect(text, len, qlang, &q) ? 1 : 0;
	r->question_score = q;
	r->sentiment = sentiment_score(text, len, lang, &r->polarity);
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
	double negativity = 0, reach, influencer, engagement, fresh = 0;
	double age, p;

	if (m->classes & MENTION_NEGATIVE) {
		negativity = 0.5 + 0.5 * (m->sentiment < 0 ? -m->sentiment :
		    0) / 0.75;
		if (negativity > 1)
			negativity = 1;
	}
	reach = log10(classify_count(m->author_followers) + 1) / 6;
	if (reach > 1)
		reach = 1;
	influencer = m->author_followers >= classify_influencer ? 1 : 0;
	engagement = log10(classify_count(m->replies) +
	    classify_count(m->reposts) + classify_count(m->score) + 1) / 4;
	if (engagement > 1)
		engagement = 1;
	if (m->published > 0 && m->seen_ms > 0) {
		age = (double)m->seen_ms / 1000 - (double)m->published;
		fresh = age <= 0 ? 1 : pow(0.5, age / CLASSIFY_HALF_LIFE);
	}
	p = 0.45 * negativity +
	    0.35 * ((m->classes & MENTION_QUESTION) ? 1 : 0) +
	    0.10 * reach + 0.04 * influencer + 0.10 * engagement +
	    0.06 * fresh;
	if (p < 0)
		p = 0;
	if (p > 1)
		p = 1;
	return p;
}

void
classify_run(struct mention *m, const char *folded)
{
	struct classify_result r;
	char stack[CLASSIFY_STACK], *buf = NULL;
	const char *text;
	size_t tlen = 0, xlen = 0, len;

	(void)folded;
	if (m->title != NULL)
		tlen = strlen(m->title);
	if (m->text != NULL)
		xlen = strlen(m->text);
	if (tlen > 0 && xlen > 0) {
		len = tlen + 2 + xlen;
		buf = len < sizeof stack ? stack : xmalloc(len + 1);
		memcpy(buf, m->title, tlen);
		memcpy(buf + tlen, ". ", 2);
		memcpy(buf + tlen + 2, m->text, xlen);
		buf[len] = '\0';
		text = buf;
	} else if (tlen > 0) {
		text = m->title;
		len = tlen;
	} else {
		text = m->text != NULL ? m->text : "";
		len = xlen;
	}

	classify_text(text, len, m->lang, &r);
	if (m->lang == NULL || m->lang[0] == '\0') {
		free(m->lang);
		m->lang = xstrdup(r.lang);
	}
	m->classes = 0;
	if (r.question)
		m->classes |= MENTION_QUESTION;
	if (r.polarity == SENTIMENT_NEGATIVE)
		m->classes |= MENTION_NEGATIVE;
	else if (r.polarity == SENTIMENT_POSITIVE)
		m->classes |= MENTION_POSITIVE;
	/* Four decimals are all a queue needs, and they print fast. */
	m->sentiment = round(r.sentiment * 1e4) / 1e4;
	m->priority = round(classify_priority(m) * 1e4) / 1e4;
	if (buf != stack)
		free(buf);
}
