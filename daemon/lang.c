/*
 * lang.c - language identification for short posts (see lang.h): one pass
 * folds the text into lower-case letters and single spaces, noting the cues
 * of other scripts and languages; a second pass hashes its 2-3 byte grams and
 * words into the buckets of the generated naive Bayes tables.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "lang.h"

/* Whether the bytes at P (N left) start a URL or a handle, skipped whole. */
static int
lang_skipped_token(const unsigned char *p, size_t n)
{
	if (p[0] == '@')
		return 1;
	if ((p[0] | 0x20) != 'w' && (p[0] | 0x20) != 'h')
		return 0;
	if (n >= 4 && (p[0] | 0x20) == 'w' && (p[1] | 0x20) == 'w' &&
	    (p[2] | 0x20) == 'w' && p[3] == '.')
		return 1;
	if (n >= 7 && strncasecmp((const char *)p, "http://", 7) == 0)
		return 1;
	if (n >= 8 && strncasecmp((const char *)p, "https://", 8) == 0)
		return 1;
	return 0;
}

uint32_t
lang_word_hash(const char *word, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)word[i];
		h *= 16777619u;
	}
	return h != 0 ? h : 1;
}

/* The bucket of a packed gram key. */
static inline uint32_t
lang_bucket(uint32_t key)
{
	return (key * 2654435761u) >> (32 - LANG_BITS);
}

/* Whether the word hash H is one of the other-language function words. */
static int
lang_other_word(uint32_t h)
{
	uint32_t slot = h & (LANG_OTHER_SLOTS - 1);

	while (lang_model_other[slot] != 0) {
		if (lang_model_other[slot] == h)
			return 1;
		slot = (slot + 1) & (LANG_OTHER_SLOTS - 1);
	}
	return 0;
}

/* Whether the second byte D of a 0xC3 letter is one neither English nor
 * French writes (á, ã, ä, å, ì, í, ñ, ò, ó, õ, ö, ø, ú, ß). */
static int
lang_foreign_c3(unsigned char d)
{
	switch (d) {
	case 0x9f: case 0xa1: case 0xa3: case 0xa4: case 0xa5: case 0xac:
	case 0xad: case 0xb1: case 0xb2: case 0xb3: case 0xb5: case 0xb6:
	case 0xb8: case 0xba:
		return 1;
	}
	return 0;
}

void
lang_scan(const char *text, size_t len, struct lang_scan *scan)
{
	const unsigned char *s = (const unsigned char *)text;
	unsigned char f[LANG_MAX_BYTES + 4];
	size_t n, i, m, j, word;
	uint32_t h;
	int start;

	scan->ngrams = 0;
	scan->letters = scan->nonlatin = scan->foreign = 0;
	scan->words = scan->other_words = 0;
	n = len < LANG_MAX_BYTES ? len : LANG_MAX_BYTES;

	/* Fold: letters in lower case, everything else one space. */
	m = 0;
	f[m++] = ' ';
	start = 1;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i], d = i + 1 < n ? s[i + 1] : 0;

		if (start && lang_skipped_token(s + i, n - i)) {
			while (i < n && s[i] != ' ' && s[i] != '\n' &&
			    s[i] != '\t' && s[i] != '\r')
				i++;
			if (f[m - 1] != ' ')
				f[m++] = ' ';
			continue;
		}
		start = (c == ' ' || c == '\n' || c == '\t' || c == '\r');
		if (c >= 'A' && c <= 'Z') {
			f[m++] = c | 0x20;
			scan->letters++;
		} else if (c >= 'a' && c <= 'z') {
			f[m++] = c;
			scan->letters++;
		} else if (c == 0xc3 && d >= 0x80 && d <= 0xbf &&
		    d != 0x97 && d != 0xb7) {
			if (d <= 0x9e)
				d |= 0x20;
			f[m++] = c;
			f[m++] = d;
			scan->letters++;
			if (lang_foreign_c3(d))
				scan->foreign++;
			i++;
		} else if ((c == 0xc4 || c == 0xc5) && d >= 0x80 && d <= 0xbf) {
			f[m++] = c;
			f[m++] = d;
			scan->letters++;
			if (!(c == 0xc5 && (d == 0x92 || d == 0x93)))
				scan->foreign++;	/* not œ */
			i++;
		} else if (c >= 0xc6 && c <= 0xcd && d >= 0x80 && d <= 0xbf) {
			scan->foreign++;
			scan->letters++;
			i++;
			if (f[m - 1] != ' ')
				f[m++] = ' ';
		} else if (c >= 0xce && c <= 0xdf && d >= 0x80 && d <= 0xbf) {
			scan->nonlatin++;
			i++;
			if (f[m - 1] != ' ')
				f[m++] = ' ';
		} else if (c >= 0xe0 && c <= 0xef) {
			if (c == 0xe1 && d >= 0xb8 && d <= 0xbb)
				scan->foreign++;	/* Vietnamese & co */
			else if (c != 0xe2 && c != 0xef)
				scan->nonlatin++;	/* Indic, CJK, ... */
			i += 2;
			if (f[m - 1] != ' ')
				f[m++] = ' ';
		} else {
			if (c == 0xc2 && (d == 0xbf || d == 0xa1))
				scan->foreign++;	/* ¿ ¡ */
			if (f[m - 1] != ' ')
				f[m++] = ' ';
		}
	}
	if (f[m - 1] != ' ')
		f[m++] = ' ';

	/* Grams of 2 and 3 bytes, then each word. */
	word = 1;
	for (j = 1; j < m; j++) {
		unsigned b = f[j];

		scan->grams[scan->ngrams++] =
		    lang_bucket((2u << 24) | (unsigned)f[j - 1] << 8 | b);
		if (j >= 2)
			scan->grams[scan->ngrams++] =
			    lang_bucket((3u << 24) | (unsigned)f[j - 2] << 16 |
			    (unsigned)f[j - 1] << 8 | b);
		if (b == ' ') {
			if (j > word) {
				h = lang_word_hash((const char *)f + word,
				    j - word);
				scan->grams[scan->ngrams++] =
				    lang_bucket(h ^ 0x5bd1e995u);
				scan->words++;
				if (lang_other_word(h))
					scan->other_words++;
			}
			word = j + 1;
		}
	}
}

const char *
lang_decide(const struct lang_scan *scan, const int8_t *ratio,
    double *confidence)
{
	long sum = 0;
	double diff, p, conf;
	size_t i;
	unsigned otherness;

	if (confidence != NULL)
		*confidence = 0;
	if (scan->letters + scan->nonlatin == 0)
		return "other";
	if (scan->nonlatin > scan->letters) {
		if (confidence != NULL)
			*confidence = (double)scan->nonlatin /
			    (scan->nonlatin + scan->letters);
		return "other";
	}
	otherness = scan->other_words + scan->foreign;
	if (otherness >= 2 && (otherness * 4 >= scan->words ||
	    scan->foreign * 30 >= scan->letters)) {
		if (confidence != NULL) {
			conf = (double)scan->other_words / (scan->words + 1) +
			    0.5;
			*confidence = conf > 1 ? 1 : conf;
		}
		return "other";
	}

	for (i = 0; i < scan->ngrams; i++)
		sum += ratio[scan->grams[i]];
	/* Naive Bayes is overconfident: temper the log odds. */
	diff = (double)sum / LANG_RATIO_SCALE;
	p = 1 / (1 + exp(-0.25 * diff));
	if (confidence != NULL)
		*confidence = (p > 0.5 ? p : 1 - p) * 2 - 1;
	return p >= 0.5 ? "en" : "fr";
}

const char *
lang_detect(const char *text, size_t len, double *confidence)
{
	struct lang_scan scan;

	lang_scan(text, len, &scan);
	return lang_decide(&scan, lang_model_ratio, confidence);
}
