/*
 * lang.c - language identification for short posts (see lang.h): one pass
 * folds the text into lower-case letters and single spaces, noting the cues
 * of other scripts and languages, and hashes its 2-3 byte grams and words
 * into the buckets of the generated naive Bayes tables as it writes them
 * (lang_detect sums them there; lang_scan, for the training tool, lists
 * them from the folded text).
 */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "lang.h"

/* Whether the bytes at P (N left) start a URL or a handle, skipped whole. */
static inline int
lang_skipped_token(const unsigned char *p, size_t n)
{
	if (p[0] == '@')
		return 1;
	if ((p[0] | 0x20) == 'w')
		return n >= 4 && (p[1] | 0x20) == 'w' &&
		    (p[2] | 0x20) == 'w' && p[3] == '.';
	if ((p[0] | 0x20) != 'h' || n < 7 || (p[1] | 0x20) != 't' ||
	    (p[2] | 0x20) != 't' || (p[3] | 0x20) != 'p')
		return 0;
	if (p[4] == ':')
		return p[5] == '/' && p[6] == '/';
	return n >= 8 && (p[4] | 0x20) == 's' && p[5] == ':' &&
	    p[6] == '/' && p[7] == '/';
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

/* The cues lang_decide weighs besides the grams. */
struct lang_cues {
	unsigned	 letters;	/* Latin letters */
	unsigned	 nonlatin;	/* letters of other scripts */
	unsigned	 foreign;	/* letters en and fr do not use */
	unsigned	 words;
	unsigned	 other_words;	/* other-language function words */
};

/* The grams and words of a folded text, summed under lang_model_ratio as
 * lang_fold writes it (lang_detect's fast path to what lang_scan and
 * lang_decide find). */
struct lang_sum {
	long		 sum;
	uint32_t	 last;		/* the last three folded bytes */
	uint32_t	 h;		/* FNV-1a of the word being folded */
	unsigned	 words;
	unsigned	 other_words;	/* other-language function words */
	uint32_t	 hist;		/* the last three bytes' LANG_CODEs */
	unsigned	 run;		/* bytes since the last non-ASCII one */
};

/*
 * The buckets' ratios of the grams of ASCII bytes (a space and the 26
 * letters, LANG_CODE 1 to 27), read straight from their codes: the 2-gram
 * b c and the 3-gram a b c that byte c ends, summed, at
 * lang_gram23[a << 10 | b << 5 | c]. The same values as lang_model_ratio's
 * buckets (lang_grams_init), with no hashing per byte; grams with another
 * byte are hashed. The 32 entries of a b share a cache line.
 */
#define LANG_CODE(b)	((b) == ' ' ? 1u : (unsigned)(b) - 'a' + 2)
static int16_t		 lang_gram23[1 << 15];
static pthread_once_t	 lang_grams_once = PTHREAD_ONCE_INIT;

/* Fill lang_gram23 from lang_model_ratio (once). */
static void
lang_grams_init(void)
{
	static const char bytes[] = " abcdefghijklmnopqrstuvwxyz";
	const int8_t *ratio = lang_model_ratio;
	unsigned a, b, c, ca, cb, cc;
	size_t i, j, k;

	for (i = 0; bytes[i] != '\0'; i++) {
		a = (unsigned char)bytes[i];
		ca = LANG_CODE(a);
		for (j = 0; bytes[j] != '\0'; j++) {
			b = (unsigned char)bytes[j];
			cb = LANG_CODE(b);
			for (k = 0; bytes[k] != '\0'; k++) {
				c = (unsigned char)bytes[k];
				cc = LANG_CODE(c);
				lang_gram23[ca << 10 | cb << 5 | cc] = (int16_t)(
				    ratio[lang_bucket((2u << 24) | b << 8 | c)] +
				    ratio[lang_bucket((3u << 24) | a << 16 |
				    b << 8 | c)]);
			}
		}
	}
}

/* Add the 2- and 3-gram that end at SUM's last byte to SUM: from the code
 * tables when the three bytes are ASCII, else hashed (no 3-gram for the
 * first byte after the leading space: the byte two back is 0 only then). */
static inline void
lang_grams(struct lang_sum *sum)
{
	const int8_t *ratio = lang_model_ratio;

	if (sum->run >= 3) {
		sum->sum += lang_gram23[sum->hist];
		return;
	}
	sum->sum += ratio[lang_bucket((2u << 24) | (sum->last & 0xffff))];
	if (sum->last > 0xffff)
		sum->sum += ratio[lang_bucket((3u << 24) | sum->last)];
}

/* Append byte B (a space or a byte of a non-ASCII letter) to the folded text
 * F (*M bytes) or, when SUM is not NULL, add the 2- and 3-gram it ends, and
 * the word a space ends, to SUM instead (lang_detect needs no folded text:
 * SUM's last bytes stand for its end). */
static inline void
lang_put(unsigned char *f, size_t *m, unsigned b, struct lang_sum *sum)
{
	const int8_t *ratio = lang_model_ratio;

	if (sum == NULL) {
		f[(*m)++] = (unsigned char)b;
		return;
	}
	sum->last = (sum->last << 8 | b) & 0xffffff;
	if (b == ' ') {
		sum->hist = (sum->hist << 5 | 1) & 0x7fff;	/* LANG_CODE */
		sum->run++;
	} else {
		sum->hist = (sum->hist << 5) & 0x7fff;
		sum->run = 0;
	}
	lang_grams(sum);
	if (b != ' ') {
		sum->h = (sum->h ^ b) * 16777619u;
		return;
	}
	/* A space ends a word: the fold never writes two in a row. */
	if (sum->h == 0)
		sum->h = 1;
	sum->sum += ratio[lang_bucket(sum->h ^ 0x5bd1e995u)];
	sum->words++;
	if (lang_other_word(sum->h))
		sum->other_words++;
	sum->h = 2166136261u;
}

/* lang_put for an ASCII letter B (folded): its grams and the word's hash
 * only. */
static inline void
lang_put_letter(unsigned char *f, size_t *m, unsigned b, struct lang_sum *sum)
{
	if (sum == NULL) {
		f[(*m)++] = (unsigned char)b;
		return;
	}
	sum->last = (sum->last << 8 | b) & 0xffffff;
	sum->hist = (sum->hist << 5 | (b - ('a' - 2))) & 0x7fff;
	sum->run++;
	lang_grams(sum);
	sum->h = (sum->h ^ b) * 16777619u;
}

/* What lang_fold asks of an ASCII byte besides whether it is a letter
 * (lang_code): a space (a word may start after it), or a byte a skipped URL
 * or handle starts with. */
#define LANG_BLANK	0x01
#define LANG_SKIP	0x02
static const unsigned char lang_byte[256] = {
	['h'] = LANG_SKIP, ['H'] = LANG_SKIP, ['w'] = LANG_SKIP,
	['W'] = LANG_SKIP, ['@'] = LANG_SKIP,
	[' '] = LANG_BLANK, ['\n'] = LANG_BLANK, ['\t'] = LANG_BLANK,
	['\r'] = LANG_BLANK,
};

/* The LANG_CODE of each ASCII letter, small or capital; 0 for any other
 * byte. */
#define LANG_C(c)	[c] = (c) - 'a' + 2, [(c) - 'a' + 'A'] = (c) - 'a' + 2
static const unsigned char lang_code[256] = {
	LANG_C('a'), LANG_C('b'), LANG_C('c'), LANG_C('d'), LANG_C('e'),
	LANG_C('f'), LANG_C('g'), LANG_C('h'), LANG_C('i'), LANG_C('j'),
	LANG_C('k'), LANG_C('l'), LANG_C('m'), LANG_C('n'), LANG_C('o'),
	LANG_C('p'), LANG_C('q'), LANG_C('r'), LANG_C('s'), LANG_C('t'),
	LANG_C('u'), LANG_C('v'), LANG_C('w'), LANG_C('x'), LANG_C('y'),
	LANG_C('z'),
};
#undef LANG_C

/* Whether byte C is an ASCII letter. */
static inline int
lang_ascii_letter(unsigned char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26;
}

/* lang_put_letter for each byte of the run of ASCII letters of S from I
 * (N bytes); returns where the run ends. Once the two bytes before a letter
 * are ASCII, its grams are one read of lang_gram23, with the state in
 * registers, and SUM's last bytes are set at the end of the run. */
static inline size_t
lang_run(const unsigned char *s, size_t i, size_t n, struct lang_sum *sum)
{
	uint32_t hist, h, last;
	unsigned b;
	size_t from, j;
	long acc;

	while (sum->run < 2) {
		lang_put_letter(NULL, NULL, s[i] | 0x20, sum);
		if (++i >= n || !lang_ascii_letter(s[i]))
			return i;
	}
	hist = sum->hist;
	h = sum->h;
	acc = sum->sum;
	from = i;
	b = lang_code[s[i]];
	for (;;) {
		hist = (hist << 5 | b) & 0x7fff;
		acc += lang_gram23[hist];
		h = (h ^ (b + ('a' - 2))) * 16777619u;
		if (++i >= n || (b = lang_code[s[i]]) == 0)
			break;
	}
	/* The last three folded bytes: the run's own when it has three. */
	if (i - from >= 3)
		last = ((unsigned)s[i - 3] << 16 | (unsigned)s[i - 2] << 8 |
		    s[i - 1]) | 0x202020u;
	else {
		last = sum->last;
		for (j = from; j < i; j++)
			last = (last << 8 | (s[j] | 0x20u)) & 0xffffff;
	}
	sum->last = last;
	sum->hist = hist;
	sum->h = h;
	sum->run += (unsigned)(i - from);
	sum->sum = acc;
	return i;
}

/* Append a space to F (*M bytes) unless it ends with one (see lang_put). */
static inline void
lang_space(unsigned char *f, size_t *m, struct lang_sum *sum)
{
	if (sum != NULL ? (sum->last & 0xff) != ' ' : f[*m - 1] != ' ')
		lang_put(f, m, ' ', sum);
}

/* Fold TEXT into F (at least LANG_MAX_BYTES + 4 bytes): letters in lower
 * case, everything else one space, with a space at each end; counts the
 * letters and script cues into CUES and returns the folded length. When SUM
 * is not NULL, the grams and words are summed into it instead, and F (may be
 * NULL) is not written (inlined into both callers, so that in lang_detect
 * SUM stays in registers). */
static inline __attribute__((always_inline)) size_t
lang_fold(const char *text, size_t len, unsigned char *f,
    struct lang_cues *cues, struct lang_sum *sum)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n, i, m;
	unsigned letters = 0;
	int start;

	memset(cues, 0, sizeof *cues);
	n = len < LANG_MAX_BYTES ? len : LANG_MAX_BYTES;

	m = 1;
	if (sum == NULL)
		f[0] = ' ';
	start = 1;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i], d, k = lang_byte[c];

		if (start && (k & LANG_SKIP) &&
		    lang_skipped_token(s + i, n - i)) {
			while (i < n && s[i] != ' ' && s[i] != '\n' &&
			    s[i] != '\t' && s[i] != '\r')
				i++;
			lang_space(f, &m, sum);
			continue;
		}
		if (lang_code[c] != 0) {
			/* The run of ASCII letters at once. */
			size_t j = i;

			if (sum != NULL)
				j = lang_run(s, i, n, sum);
			else {
				do
					lang_put_letter(f, &m, s[j] | 0x20, sum);
				while (++j < n && lang_ascii_letter(s[j]));
			}
			letters += (unsigned)(j - i);
			i = j - 1;
			start = 0;
			continue;
		}
		start = (k & LANG_BLANK) != 0;
		if (c < 0x80) {
			lang_space(f, &m, sum);
			continue;
		}
		d = i + 1 < n ? s[i + 1] : 0;
		if (c == 0xc3 && d >= 0x80 && d <= 0xbf &&
		    d != 0x97 && d != 0xb7) {
			if (d <= 0x9e)
				d |= 0x20;
			lang_put(f, &m, c, sum);
			lang_put(f, &m, d, sum);
			letters++;
			if (lang_foreign_c3(d))
				cues->foreign++;
			i++;
		} else if ((c == 0xc4 || c == 0xc5) && d >= 0x80 && d <= 0xbf) {
			lang_put(f, &m, c, sum);
			lang_put(f, &m, d, sum);
			letters++;
			if (!(c == 0xc5 && (d == 0x92 || d == 0x93)))
				cues->foreign++;	/* not œ */
			i++;
		} else if (c >= 0xc6 && c <= 0xcd && d >= 0x80 && d <= 0xbf) {
			cues->foreign++;
			letters++;
			i++;
			lang_space(f, &m, sum);
		} else if (c >= 0xce && c <= 0xdf && d >= 0x80 && d <= 0xbf) {
			cues->nonlatin++;
			i++;
			lang_space(f, &m, sum);
		} else if (c >= 0xe0 && c <= 0xef) {
			if (c == 0xe1 && d >= 0xb8 && d <= 0xbb)
				cues->foreign++;	/* Vietnamese & co */
			else if (c != 0xe2 && c != 0xef)
				cues->nonlatin++;	/* Indic, CJK, ... */
			i += 2;
			lang_space(f, &m, sum);
		} else {
			if (c == 0xc2 && (d == 0xbf || d == 0xa1))
				cues->foreign++;	/* ¿ ¡ */
			lang_space(f, &m, sum);
		}
	}
	lang_space(f, &m, sum);
	cues->letters = letters;
	return m;
}

void
lang_scan(const char *text, size_t len, struct lang_scan *scan)
{
	unsigned char f[LANG_MAX_BYTES + 4];
	struct lang_cues cues;
	size_t m, j, word;
	uint32_t h;

	m = lang_fold(text, len, f, &cues, NULL);
	scan->ngrams = 0;
	scan->letters = cues.letters;
	scan->nonlatin = cues.nonlatin;
	scan->foreign = cues.foreign;
	scan->words = scan->other_words = 0;

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

/* The language of a text of cues C whose grams sum to SUM under the ratio
 * table (SUM is only used when the cues do not decide). */
static const char *
lang_verdict(const struct lang_cues *c, long sum, double *confidence)
{
	double diff, p, conf;
	unsigned otherness;

	if (confidence != NULL)
		*confidence = 0;
	if (c->letters + c->nonlatin == 0)
		return "other";
	if (c->nonlatin > c->letters) {
		if (confidence != NULL)
			*confidence = (double)c->nonlatin /
			    (c->nonlatin + c->letters);
		return "other";
	}
	otherness = c->other_words + c->foreign;
	if (otherness >= 2 && (otherness * 4 >= c->words ||
	    c->foreign * 30 >= c->letters)) {
		if (confidence != NULL) {
			conf = (double)c->other_words / (c->words + 1) +
			    0.5;
			*confidence = conf > 1 ? 1 : conf;
		}
		return "other";
	}

	/* Naive Bayes is overconfident: temper the log odds. P >= 0.5
	 * exactly when SUM >= 0 (SUM is whole: a sum of -1 already gives
	 * exp(1 / 96) > 1), so the language needs no exp. */
	if (confidence != NULL) {
		diff = (double)sum / LANG_RATIO_SCALE;
		p = 1 / (1 + exp(-0.25 * diff));
		*confidence = (p > 0.5 ? p : 1 - p) * 2 - 1;
	}
	return sum >= 0 ? "en" : "fr";
}

const char *
lang_decide(const struct lang_scan *scan, const int8_t *ratio,
    double *confidence)
{
	struct lang_cues c;
	long sum = 0;
	size_t i;

	c.letters = scan->letters;
	c.nonlatin = scan->nonlatin;
	c.foreign = scan->foreign;
	c.words = scan->words;
	c.other_words = scan->other_words;
	for (i = 0; i < scan->ngrams; i++)
		sum += ratio[scan->grams[i]];
	return lang_verdict(&c, sum, confidence);
}

const char *
lang_detect(const char *text, size_t len, double *confidence)
{
	struct lang_cues c;
	struct lang_sum sum = { 0, ' ', 2166136261u, 0, 0, LANG_CODE(' '), 1 };

	pthread_once(&lang_grams_once, lang_grams_init);

	/* The grams of lang_scan, summed as the fold goes: the same buckets,
	 * and each word's hash built byte by byte, with no folded text. */
	lang_fold(text, len, NULL, &c, &sum);
	c.words = sum.words;
	c.other_words = sum.other_words;
	return lang_verdict(&c, sum.sum, confidence);
}
