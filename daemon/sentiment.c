/*
 * sentiment.c - polarity of English and French posts (the rules are
 * described in sentiment.h). One pass over the bytes: words are folded (case,
 * accents, French elisions split) into a small buffer, looked up in one open
 * addressing table that holds both the lexicons (sentiment_data.c) and the
 * rule words (negators, intensifiers, contrast), and scored against a window
 * of the three words before. The same pass yields the hashed features of the
 * per-language logistic models. No allocation per call.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#include "sentiment.h"
#include "sentiment_data.h"

#define SENT_MAXWORD	32		/* longer words are not looked up */
#define SENT_WINDOW	3		/* words a negator or booster reaches */
#define SENT_SLOTS	(1u << 16)	/* hash slots, a power of two */
#define SENT_MAXFEATS	1024		/* model features of one text */
#define SENT_SURE_NEGATIVE (-0.6)	/* rules at or below: negative */

#define SENT_BOOST	0.293		/* intensifier / diminisher step */
#define SENT_CAPS	0.733		/* a word in capitals */
#define SENT_NEGATE	-0.74		/* a negated word */
#define SENT_ALPHA	15.0		/* s / sqrt(s^2 + alpha) */
#define SENT_CANT_WAIT	1.5		/* "can't wait", as "eager" */
#define SENT_BAD_ASS	1.5		/* "bad ass", as VADER's idiom */

/* Rule flags of a word. */
#define SF_NEGATOR	0x001		/* not, never, pas, jamais, sans ... */
#define SF_NE		0x002		/* French ne / n' */
#define SF_NEG_IF_NE	0x004		/* plus, personne: negators after ne */
#define SF_CONTRAST	0x008		/* but, mais, cependant ... */
#define SF_BOOST	0x010		/* intensifier or diminisher (boost) */
#define SF_TERRIBLE	0x020		/* negated, still negative */
#define SF_ARTICLE	0x040		/* a, the, un: "a bit", "un peu" */
#define SF_AFTER_ART	0x080		/* bit, little, peu after an article */
#define SF_KIND		0x100		/* kind, sort: "kind of" */
#define SF_OF		0x200		/* of */
#define SF_POSTNEG	0x400		/* pas, jamais: negate the word before */
#define SF_THIS		0x800		/* this: "haven't been this sore" */
#define SF_DEGREE	0x1000		/* so, si, aussi: "never so good" */
#define SF_NEVER	0x2000		/* never, jamais */
#define SF_INTERJ	0x4000		/* lol, wow, mdr: never negated */
#define SF_CANT		0x8000		/* cant, cannot: "can't wait" */
#define SF_WAIT		0x10000		/* wait */
#define SF_HOLY		0x20000		/* holy: "holy shit" */
#define SF_SWEAR	0x40000		/* shit, crap, fuck, hell after holy */
#define SF_KICK		0x80000		/* bad, kick: "bad ass", "kick ass" */
#define SF_ASS		0x100000	/* ass */

enum { SENT_EN, SENT_FR, SENT_ANY };

/* One word of the table: lexicon valence and rule flags. The word is held
 * in the entry, zero-padded, so that a lookup compares it eight bytes at a
 * time without following a pointer. */
struct sent_word {
	char		 word[SENT_MAXWORD];
	float		 valence;
	float		 boost;
	uint32_t	 hash;
	uint32_t	 flags;
	uint8_t		 len;
	char		 lang;
};

/* A rule word: what it does, in which language. */
struct sent_rule {
	char		 lang;
	const char	*word;
	unsigned	 flags;
	float		 boost;
};

static const struct sent_rule sent_rules[] = {
	/* English negators. */
	{ 'e', "not", SF_NEGATOR, 0 }, { 'e', "no", SF_NEGATOR, 0 },
	{ 'e', "never", SF_NEGATOR | SF_NEVER, 0 }, { 'e', "nothing", SF_NEGATOR, 0 },
	{ 'e', "nobody", SF_NEGATOR, 0 }, { 'e', "none", SF_NEGATOR, 0 },
	{ 'e', "nowhere", SF_NEGATOR, 0 }, { 'e', "neither", SF_NEGATOR, 0 },
	{ 'e', "nor", SF_NEGATOR, 0 }, { 'e', "without", SF_NEGATOR, 0 },
	{ 'e', "cannot", SF_NEGATOR | SF_CANT, 0 },
	{ 'e', "cant", SF_NEGATOR | SF_CANT, 0 },
	{ 'e', "dont", SF_NEGATOR, 0 }, { 'e', "doesnt", SF_NEGATOR, 0 },
	{ 'e', "didnt", SF_NEGATOR, 0 }, { 'e', "isnt", SF_NEGATOR, 0 },
	{ 'e', "wasnt", SF_NEGATOR, 0 }, { 'e', "arent", SF_NEGATOR, 0 },
	{ 'e', "werent", SF_NEGATOR, 0 }, { 'e', "wont", SF_NEGATOR, 0 },
	{ 'e', "wouldnt", SF_NEGATOR, 0 }, { 'e', "shouldnt", SF_NEGATOR, 0 },
	{ 'e', "couldnt", SF_NEGATOR, 0 }, { 'e', "aint", SF_NEGATOR, 0 },
	{ 'e', "hasnt", SF_NEGATOR, 0 }, { 'e', "havent", SF_NEGATOR, 0 },
	{ 'e', "hadnt", SF_NEGATOR, 0 }, { 'e', "rarely", SF_NEGATOR, 0 },
	{ 'e', "seldom", SF_NEGATOR, 0 }, { 'e', "nope", SF_NEGATOR, 0 },
	/* English intensifiers and diminishers. */
	{ 'e', "very", SF_BOOST, 1 }, { 'e', "really", SF_BOOST, 1 },
	{ 'e', "so", SF_BOOST | SF_DEGREE, 1 }, { 'e', "extremely", SF_BOOST, 1 },
	{ 'e', "absolutely", SF_BOOST, 1 }, { 'e', "completely", SF_BOOST, 1 },
	{ 'e', "totally", SF_BOOST, 1 }, { 'e', "utterly", SF_BOOST, 1 },
	{ 'e', "incredibly", SF_BOOST, 1 }, { 'e', "super", SF_BOOST, 1 },
	{ 'e', "truly", SF_BOOST, 1 }, { 'e', "highly", SF_BOOST, 1 },
	{ 'e', "most", SF_BOOST, 1 }, { 'e', "such", SF_BOOST, 1 },
	{ 'e', "especially", SF_BOOST, 1 }, { 'e', "deeply", SF_BOOST, 1 },
	{ 'e', "fucking", SF_BOOST, 1 }, { 'e', "freaking", SF_BOOST, 1 },
	{ 'e', "hella", SF_BOOST, 1 }, { 'e', "quite", SF_BOOST, 1 },
	{ 'e', "entirely", SF_BOOST, 1 }, { 'e', "too", SF_BOOST, 1 },
	{ 'e', "slightly", SF_BOOST, -1 }, { 'e', "somewhat", SF_BOOST, -1 },
	{ 'e', "barely", SF_BOOST, -1 }, { 'e', "hardly", SF_BOOST, -1 },
	{ 'e', "kinda", SF_BOOST, -1 }, { 'e', "sorta", SF_BOOST, -1 },
	{ 'e', "partly", SF_BOOST, -1 }, { 'e', "marginally", SF_BOOST, -1 },
	{ 'e', "almost", SF_BOOST, -1 }, { 'e', "less", SF_BOOST, -1 },
	{ 'e', "a", SF_ARTICLE, 0 },
	{ 'e', "an", SF_ARTICLE, 0 }, { 'e', "the", SF_ARTICLE, 0 }, { 'e', "bit", SF_AFTER_ART, -1 },
	{ 'e', "little", SF_AFTER_ART, -1 }, { 'e', "kind", SF_KIND, -1 },
	{ 'e', "sort", SF_KIND, -1 }, { 'e', "of", SF_OF, 0 },
	/* A degree word after a negation: "haven't been this sore", "never
	 * so happy", "jamais ete aussi content" say more, not the opposite. */
	{ 'e', "this", SF_THIS, 0 }, { 'f', "aussi", SF_DEGREE, 0 },
	/* Interjections: a negation before does not reach them ("not me
	 * lol", "c'est pas moi mdr"). */
	{ 'e', "lol", SF_INTERJ, 0 }, { 'e', "lolz", SF_INTERJ, 0 },
	{ 'e', "lmao", SF_INTERJ, 0 }, { 'e', "lmfao", SF_INTERJ, 0 },
	{ 'e', "rofl", SF_INTERJ, 0 }, { 'e', "roflmao", SF_INTERJ, 0 },
	{ 'e', "haha", SF_INTERJ, 0 }, { 'e', "hahaha", SF_INTERJ, 0 },
	{ 'e', "yay", SF_INTERJ, 0 }, { 'e', "wow", SF_INTERJ, 0 },
	{ 'e', "hooray", SF_INTERJ, 0 }, { 'e', "woohoo", SF_INTERJ, 0 },
	{ 'e', "ugh", SF_INTERJ, 0 }, { 'e', "meh", SF_INTERJ, 0 },
	{ 'f', "mdr", SF_INTERJ, 0 }, { 'f', "ptdr", SF_INTERJ, 0 },
	{ 'f', "lol", SF_INTERJ, 0 }, { 'f', "haha", SF_INTERJ, 0 },
	{ 'f', "hihi", SF_INTERJ, 0 },
	/* "can't wait": eager, not a negated wait. */
	{ 'e', "wait", SF_WAIT, 0 },
	/* Idioms: "holy shit" is surprise, "bad ass" and "kick ass" praise
	 * (VADER's "bad ass", 1.5, as its "badass", 1.4). */
	{ 'e', "holy", SF_HOLY, 0 }, { 'e', "shit", SF_SWEAR, 0 },
	{ 'e', "crap", SF_SWEAR, 0 }, { 'e', "fuck", SF_SWEAR, 0 },
	{ 'e', "hell", SF_SWEAR, 0 }, { 'e', "bad", SF_KICK, 0 },
	{ 'e', "kick", SF_KICK, 0 }, { 'e', "kicks", SF_KICK, 0 },
	{ 'e', "kicked", SF_KICK, 0 }, { 'e', "kicking", SF_KICK, 0 },
	{ 'e', "ass", SF_ASS, 0 },
	/* English contrast. */
	{ 'e', "but", SF_CONTRAST, 0 }, { 'e', "however", SF_CONTRAST, 0 },
	/* French negators: ne ... pas / jamais / plus / rien / personne. */
	{ 'f', "ne", SF_NE, 0 }, { 'f', "n'", SF_NE, 0 },
	{ 'f', "pas", SF_NEGATOR | SF_POSTNEG, 0 },
	{ 'f', "jamais", SF_NEGATOR | SF_POSTNEG | SF_NEVER, 0 },
	{ 'f', "rien", SF_NEGATOR, 0 }, { 'f', "aucun", SF_NEGATOR, 0 },
	{ 'f', "aucune", SF_NEGATOR, 0 }, { 'f', "sans", SF_NEGATOR, 0 },
	{ 'f', "ni", SF_NEGATOR, 0 }, { 'f', "guere", SF_NEGATOR, 0 },
	{ 'f', "nullement", SF_NEGATOR, 0 }, { 'f', "non", SF_NEGATOR, 0 },
	{ 'f', "plus", SF_NEG_IF_NE, 0 }, { 'f', "personne", SF_NEG_IF_NE, 0 },
	{ 'f', "peu", SF_AFTER_ART, -1 },
	{ 'f', "un", SF_ARTICLE, 0 },
	/* French intensifiers and diminishers, formal and informal. */
	{ 'f', "tres", SF_BOOST, 1 }, { 'f', "trop", SF_BOOST, 1 },
	{ 'f', "vraiment", SF_BOOST, 1 }, { 'f', "super", SF_BOOST, 1 },
	{ 'f', "hyper", SF_BOOST, 1 }, { 'f', "ultra", SF_BOOST, 1 },
	{ 'f', "tellement", SF_BOOST, 1 }, { 'f', "vachement", SF_BOOST, 1 },
	{ 'f', "carrement", SF_BOOST, 1 }, { 'f', "grave", SF_BOOST, 1 },
	{ 'f', "totalement", SF_BOOST, 1 }, { 'f', "completement", SF_BOOST, 1 },
	{ 'f', "extremement", SF_BOOST, 1 }, { 'f', "absolument", SF_BOOST, 1 },
	{ 'f', "franchement", SF_BOOST, 1 }, { 'f', "si", SF_BOOST | SF_DEGREE, 1 },
	{ 'f', "particulierement", SF_BOOST, 1 }, { 'f', "archi", SF_BOOST, 1 },
	{ 'f', "vrmt", SF_BOOST, 1 }, { 'f', "tjrs", SF_BOOST, 0.5f },
	{ 'f', "assez", SF_BOOST, -1 }, { 'f', "plutot", SF_BOOST, -1 },
	{ 'f', "legerement", SF_BOOST, -1 }, { 'f', "moyennement", SF_BOOST, -1 },
	{ 'f', "presque", SF_BOOST, -1 }, { 'f', "quasi", SF_BOOST, -1 },
	/* French contrast. */
	{ 'f', "mais", SF_CONTRAST, 0 }, { 'f', "cependant", SF_CONTRAST, 0 },
	{ 'f', "pourtant", SF_CONTRAST, 0 }, { 'f', "toutefois", SF_CONTRAST, 0 },
	{ 'f', "neanmoins", SF_CONTRAST, 0 },
	/* Negated, these stay negative: "pas terrible", "pas top". */
	{ 'f', "terrible", SF_TERRIBLE, 0 }, { 'f', "top", SF_TERRIBLE, 0 },
	{ 'f', "ouf", SF_TERRIBLE, 0 },
};

/* French elided articles and pronouns, split off the word they lead. */
static const char *const sent_elisions[] = {
	"l", "j", "d", "c", "s", "n", "m", "t", "qu", "jusqu", "lorsqu",
	"puisqu", NULL
};

static struct sent_word	 sent_words[8192 * 3];
static size_t		 sent_nwords;
static uint64_t		 sent_slots[SENT_SLOTS];	/* hash << 32 | index + 1 */
static pthread_once_t	 sent_once = PTHREAD_ONCE_INIT;
/* The hashed weights of each language's positive and negative models side
 * by side, so that a feature reads one cache line, not two. */
static float		 sent_pair[2][SENTIMENT_MODEL_DIM][2];

/* A word of the window before the current one. */
struct sent_prev {
	float		 boost;
	uint32_t	 flags;		/* SF_* */
	uint8_t		 caps;		/* 0 or 1 */
};

/* The state of one scoring pass. */
struct sent_state {
	int		 lang;
	double		 sum, caps_sum;	/* valence sums, without and with caps */
	double		 weight;	/* 1.5 after a contrast word */
	struct sent_prev prev[SENT_WINDOW];
	int		 nprev;
	int		 article;	/* the word before was an article */
	int		 ne_left;	/* words still under a French "ne" */
	int		 nwords, ncaps;	/* words, words in capitals */
	int		 excl, quest;
	double		 last, last_caps;	/* the word just before */
	double		 pending;	/* an intensifier's own valence */
	int		 last_negated, last_valenced;

	uint32_t	 hprev;		/* previous word's feature hash */
	uint32_t	*feats;
	size_t		 nfeats, maxfeats;
};

/* FNV-1a of the LEN bytes at S. */
static uint32_t
sent_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* The sent_hash of a word of hash H without its last byte C: FNV-1a's last
 * step undone (16777619 is odd, so 0x359c449b is its inverse mod 2^32). */
static inline uint32_t
sent_hash_drop(uint32_t h, unsigned char c)
{
	return (h * 0x359c449bu) ^ c;
}

/* The hash of WORD's hash H in language LANG. */
static uint32_t
sent_hash_lang(uint32_t h, char lang)
{
	h ^= (uint32_t)(unsigned char)lang * 0x9e3779b1u;
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

/* Whether the LEN bytes at W are the zero-padded table word A (LEN < 
 * SENT_MAXWORD), compared eight bytes at a time: W must be readable up to
 * the next multiple of eight past LEN (every caller's buffer is), and what
 * it holds past LEN does not count. */
static inline int
sent_same(const char *a, const char *w, size_t len)
{
	uint64_t x, y;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, w + i, 8);
		if (x != y)
			return 0;
	}
	if (i == len)
		return 1;
	memcpy(&x, a + i, 8);
	memcpy(&y, w + i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return ((x ^ y) >> (64 - (len - i) * 8)) == 0;
#else
	return ((x ^ y) << (64 - (len - i) * 8)) == 0;
#endif
}

/* The table word LEN bytes at W in LANG, of word hash H, or NULL (W
 * readable as sent_same wants). */
static inline struct sent_word *
sent_find(const char *w, size_t len, uint32_t h, char lang)
{
	struct sent_word *sw;
	uint32_t hl = sent_hash_lang(h, lang), i, idx;

	for (i = hl & (SENT_SLOTS - 1);; i = (i + 1) & (SENT_SLOTS - 1)) {
		if (sent_slots[i] == 0)
			return NULL;
		if ((uint32_t)(sent_slots[i] >> 32) != hl)
			continue;
		idx = (uint32_t)sent_slots[i];
		sw = &sent_words[idx - 1];
		if (sw->len == len && sw->lang == lang &&
		    sent_same(sw->word, w, len))
			return sw;
	}
}

/* Add (or find) WORD in LANG to the table. */
static struct sent_word *
sent_add(const char *word, char lang)
{
	struct sent_word *sw;
	char padded[SENT_MAXWORD];
	size_t len = strlen(word);
	uint32_t h = sent_hash(word, len), hl, i;

	if (len >= SENT_MAXWORD)
		return NULL;
	memset(padded, 0, sizeof padded);
	memcpy(padded, word, len);
	if ((sw = sent_find(padded, len, h, lang)) != NULL)
		return sw;
	if (sent_nwords == sizeof sent_words / sizeof sent_words[0])
		return NULL;
	hl = sent_hash_lang(h, lang);
	sw = &sent_words[sent_nwords++];
	memset(sw, 0, sizeof *sw);
	sw->hash = hl;
	sw->len = (uint8_t)len;
	sw->lang = lang;
	memcpy(sw->word, padded, sizeof sw->word);
	for (i = hl & (SENT_SLOTS - 1); sent_slots[i] != 0;
	    i = (i + 1) & (SENT_SLOTS - 1))
		;
	sent_slots[i] = (uint64_t)hl << 32 | (uint32_t)sent_nwords;
	return sw;
}

/* Build the table from the lexicons and the rule words. */
static void
sent_build(void)
{
	struct sent_word *sw;
	size_t i;

	for (i = 0; i < sentiment_nentries; i++) {
		sw = sent_add(sentiment_entries[i].word,
		    sentiment_entries[i].lang);
		if (sw != NULL)
			sw->valence = sentiment_entries[i].valence;
	}
	for (i = 0; i < sizeof sent_rules / sizeof sent_rules[0]; i++) {
		sw = sent_add(sent_rules[i].word, sent_rules[i].lang);
		if (sw != NULL) {
			sw->flags |= sent_rules[i].flags;
			sw->boost = sent_rules[i].boost;
		}
	}
	for (i = 0; i < SENTIMENT_MODEL_DIM; i++) {
		sent_pair[SENT_EN][i][0] = sentiment_model_en_pos[i];
		sent_pair[SENT_EN][i][1] = sentiment_model_en_neg[i];
		sent_pair[SENT_FR][i][0] = sentiment_model_fr_pos[i];
		sent_pair[SENT_FR][i][1] = sentiment_model_fr_neg[i];
	}
}

void
sentiment_init(void)
{
	pthread_once(&sent_once, sent_build);
}

/* Look the LEN-byte folded word W of hash H up in the languages of ST. */
static inline const struct sent_word *
sent_lookup(const struct sent_state *st, const char *w, size_t len,
    uint32_t h)
{
	const struct sent_word *sw;

	switch (st->lang) {
	case SENT_EN:
		return sent_find(w, len, h, 'e');
	case SENT_FR:
		return sent_find(w, len, h, 'f');
	default:
		if ((sw = sent_find(w, len, h, 'e')) != NULL)
			return sw;
		return sent_find(w, len, h, 'f');
	}
}

/* Append feature hash H to ST's features, when wanted. */
static void
sent_feature(struct sent_state *st, uint32_t h)
{
	/* MAXFEATS is 0 when no features are wanted (FEATS NULL). */
	if (st->nfeats < st->maxfeats)
		st->feats[st->nfeats++] = h;
}

/* Add valence V (caps bonus CAPS) of the current word to ST's sums. */
static void
sent_add_valence(struct sent_state *st, double v, double caps, int negated)
{
	st->sum += v * st->weight;
	st->caps_sum += caps * st->weight;
	st->last = v * st->weight;
	st->last_caps = caps * st->weight;
	st->last_negated = negated;
	st->last_valenced = 1;
}

/* Push a word of FLAGS and BOOST onto ST's window. */
static void
sent_push(struct sent_state *st, unsigned flags, float boost, int caps)
{
	_Static_assert(SENT_WINDOW == 3, "sent_push shifts three words");
	st->prev[2] = st->prev[1];
	st->prev[1] = st->prev[0];
	st->prev[0].flags = flags;
	st->prev[0].boost = boost;
	st->prev[0].caps = (uint8_t)caps;
	if (st->nprev < SENT_WINDOW)
		st->nprev++;
}

/* End of a sentence: the window and "ne" no longer reach. */
static void
sent_sentence(struct sent_state *st)
{
	st->sum += st->pending;
	st->pending = 0;
	st->nprev = 0;
	st->article = 0;
	st->ne_left = 0;
	st->last_valenced = 0;
	st->hprev = 0;
}

/* Collapse runs of three or more of one letter in W (LEN) to KEEP letters;
 * returns the new length. */
static size_t
sent_collapse(const char *w, size_t len, char *out, int keep)
{
	size_t i, n = 0;
	int run = 0;

	for (i = 0; i < len; i++) {
		run = (i > 0 && w[i] == w[i - 1]) ? run + 1 : 1;
		if (run <= keep)
			out[n++] = w[i];
	}
	return n;
}

/* Score the folded word W (LEN bytes, sent_hash H): CAPS if it was written
 * in capitals, ELONG if a letter was repeated three times or more. */
static void
sent_word(struct sent_state *st, const char *w, size_t len, uint32_t h,
    int caps, int elong)
{
	const struct sent_word *sw;
	char buf[SENT_MAXWORD];
	unsigned flags = 0;
	float boost = 0;
	double v = 0, capsv = 0, scale, sign;
	int k, kneg, negated = 0, ne = st->ne_left > 0;
	uint32_t hf;

	st->nwords++;
	if (caps)
		st->ncaps++;
	if (st->ne_left > 0)
		st->ne_left--;

	hf = h;
	sw = sent_lookup(st, w, len, hf);
	if (sw == NULL && elong) {
		memset(buf, 0, sizeof buf);
		len = sent_collapse(w, len, buf, 2);
		w = buf;
		hf = sent_hash(w, len);
		if ((sw = sent_lookup(st, w, len, hf)) == NULL) {
			len = sent_collapse(w, len, buf, 1);
			hf = sent_hash(w, len);
			sw = sent_lookup(st, w, len, hf);
		}
	}
	if (sw == NULL && len > 4 && w[len - 1] == 's')
		sw = sent_lookup(st, w, len - 1, sent_hash_drop(hf, 's'));

	/* The common case: a word of no list, with nothing pending, only
	 * gives its features. */
	if (sw == NULL && st->pending == 0) {
		st->last_valenced = 0;
		goto features;
	}
	/* Features: the word (hash HF), marked when negated, and the pair. */
	if (sw != NULL) {
		flags = sw->flags;
		boost = sw->boost;
		v = sw->valence;
	}
	if (st->pending != 0) {
		if (v == 0 || (flags & SF_BOOST))
			st->sum += st->pending;
		st->pending = 0;
	}

	/* "ne" / "n'": the next words are negated; "plus" becomes a negator. */
	if (flags & SF_NE) {
		st->ne_left = SENT_WINDOW;
		goto push;
	}
	if ((flags & SF_NEG_IF_NE) && ne)
		flags |= SF_NEGATOR;
	/* "a bit", "un peu": a diminisher; "peu" alone negates. */
	if (flags & SF_AFTER_ART) {
		if (st->article) {
			flags |= SF_BOOST;
		} else if (w[0] == 'p')
			flags |= SF_NEGATOR;
	}
	/* "kind of": the diminisher, not the adjective. */
	if ((flags & SF_OF) && st->nprev > 0 &&
	    (st->prev[0].flags & SF_KIND)) {
		if (st->last_valenced) {
			st->sum -= st->last;
			st->caps_sum -= st->last_caps;
		}
		st->prev[0].flags = SF_BOOST;
		st->prev[0].boost = -1;
		st->last_valenced = 0;
		goto features;
	}
	/* Informal French negation after the verb: "j'aime pas". */
	if ((flags & SF_POSTNEG) && st->last_valenced && !st->last_negated &&
	    st->nprev > 0 && st->lang != SENT_EN) {
		st->sum += st->last * (SENT_NEGATE - 1);
		st->caps_sum += st->last_caps * (SENT_NEGATE - 1);
		st->last_negated = 1;
	}
	if (flags & SF_CONTRAST) {
		st->sum *= 0.5;
		st->caps_sum *= 0.5;
		st->weight = 1.5;
		st->last_valenced = 0;
		goto push;
	}

	/* "holy shit": the swear word is surprise, neither good nor bad. */
	if ((flags & SF_SWEAR) && st->nprev > 0 &&
	    (st->prev[0].flags & SF_HOLY))
		v = 0;
	/* "bad ass", "kick ass": praise, "bad" with it. */
	if ((flags & SF_ASS) && st->nprev > 0 &&
	    (st->prev[0].flags & SF_KICK)) {
		if (st->last_valenced) {
			st->sum -= st->last;
			st->caps_sum -= st->last_caps;
		}
		v = SENT_BAD_ASS;
	}
	st->last_valenced = 0;
	/* "can't wait", "cannot wait": looking forward to it. */
	if ((flags & SF_WAIT) && st->nprev > 0 &&
	    (st->prev[0].flags & SF_CANT)) {
		v = SENT_CANT_WAIT;
		st->prev[0].flags &= ~SF_NEGATOR;
	}
	if (v != 0 && !(flags & SF_BOOST)) {
		sign = v > 0 ? 1 : -1;
		if (caps)
			capsv = sign * SENT_CAPS;
		if (elong)
			v += sign * SENT_BOOST;
		kneg = -1;
		for (k = 0; k < st->nprev; k++) {
			if (st->prev[k].flags & SF_BOOST) {
				scale = SENT_BOOST * st->prev[k].boost *
				    (k == 0 ? 1 : k == 1 ? 0.95 : 0.9);
				if (st->prev[k].caps)
					scale += SENT_CAPS * st->prev[k].boost;
				v += sign * scale;
			}
			/* A negator does not negate a negator: "NO NO NO"
			 * insists. */
			if ((st->prev[k].flags & SF_NEGATOR) &&
			    !(flags & (SF_NEGATOR | SF_INTERJ))) {
				negated = 1;
				if (kneg < 0)
					kneg = k;
			}
		}
		if (ne && !(flags & SF_INTERJ))
			negated = 1;
		/* "haven't been this sore", "never so good": the negation
		 * heightens (x 1.5 for "never so", else x 1.25). */
		if (kneg > 0 && ((st->prev[0].flags & SF_THIS) ||
		    ((st->prev[0].flags & SF_DEGREE) &&
		    (st->prev[kneg].flags & SF_NEVER)))) {
			negated = 0;
			v *= kneg == 1 ? 1.5 : 1.25;
		}
		if (negated) {
			if ((flags & SF_TERRIBLE) && st->lang != SENT_EN) {
				v = -fabs(v) - 0.5;
				capsv = -fabs(capsv);
			} else {
				v *= SENT_NEGATE;
				capsv *= SENT_NEGATE;
			}
		}
		sent_add_valence(st, v, capsv, negated);
	} else if (v > 0) {
		/* An intensifier that is also praise ("c'est super") counts
		 * half when no rated word follows it; one that is also a
		 * complaint ("trop", "grave") never does. */
		st->pending = v * 0.5 * st->weight;
	}

features:
	if (negated)
		hf ^= 0x5bd1e995u;
	sent_feature(st, hf);
	if (st->hprev != 0)
		sent_feature(st, (st->hprev * 31u) ^ hf ^ 0x27d4eb2fu);
	st->hprev = hf | 1;
push:
	/* An article takes no place in the window: "wouldn't be such a bad
	 * idea" negates "bad" as "wouldn't be such bad" would. */
	if (flags & SF_ARTICLE) {
		st->article = 1;
		return;
	}
	st->article = 0;
	if (flags & SF_BOOST) {
		/* Elongated intensifiers ("sooo") weigh more. */
		if (elong)
			boost *= 1.5f;
	}
	sent_push(st, flags, boost, caps);
}

/* Decode the UTF-8 sequence at S (at most N bytes) into *CP; returns its
 * length (1 for an invalid byte, taken as U+FFFD). */
static size_t
sent_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0 && n >= 2 && (s[1] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if ((s[0] & 0xf0) == 0xe0 && n >= 3 && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x0f) << 12) |
		    ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		return 3;
	}
	if ((s[0] & 0xf8) == 0xf0 && n >= 4 && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x07) << 18) |
		    ((uint32_t)(s[1] & 0x3f) << 12) |
		    ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
		return 4;
	}
	*cp = 0xfffd;
	return 1;
}

/* The folded form of Latin-1 letters U+00C0..U+00FF ("" if not a letter). */
static const char *const sent_latin1[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e",
	"i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", "",
	"o", "u", "u", "u", "u", "y", "t", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e",
	"i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", "",
	"o", "u", "u", "u", "u", "y", "t", "y",
};

/* A word being read. */
struct sent_buf {
	char	 w[SENT_MAXWORD];
	size_t	 len;
	uint32_t h;		/* sent_hash of w so far */
	int	 upper, lower, elong, overflow;
};

/* Append the folded bytes S (N) to word B. */
static void
sent_buf_add(struct sent_buf *b, const char *s, size_t n, int upper)
{
	size_t i;

	if (upper)
		b->upper++;
	else
		b->lower++;
	for (i = 0; i < n; i++) {
		if (b->len == sizeof b->w) {
			b->overflow = 1;
			return;
		}
		if (b->len >= 2 && b->w[b->len - 1] == s[i] &&
		    b->w[b->len - 2] == s[i] && s[i] >= 'a')
			b->elong = 1;
		if (b->len == 0)
			b->h = 2166136261u;
		b->h = (b->h ^ (unsigned char)s[i]) * 16777619u;
		b->w[b->len++] = s[i];
	}
}

/* Append the run of small ASCII letters of S (LEN) from I to word B, as
 * sent_buf_add would one by one; *N gets the run's length. */
static inline void
sent_buf_lower(struct sent_buf *b, const unsigned char *s, size_t i,
    size_t len, size_t *n)
{
	size_t j = i, bl = b->len;
	uint32_t h = bl == 0 ? 2166136261u : b->h;
	unsigned char c;

	do {
		c = s[j];
		if (bl == sizeof b->w) {
			b->overflow = 1;
			while (j < len && s[j] >= 'a' && s[j] <= 'z')
				j++;
			break;
		}
		if (bl >= 2 && (unsigned char)b->w[bl - 1] == c &&
		    (unsigned char)b->w[bl - 2] == c)
			b->elong = 1;
		b->w[bl++] = (char)c;
		h = (h ^ c) * 16777619u;
		j++;
	} while (j < len && s[j] >= 'a' && s[j] <= 'z');
	b->len = bl;
	b->h = h;
	b->lower += (int)(j - i);
	*n = j - i;
}

/* Score the word in B, if any, and empty B. */
static void
sent_flush(struct sent_state *st, struct sent_buf *b)
{
	size_t len = b->len;
	int caps;

	if (len == 0)
		return;		/* nothing was added since the last flush */
	/* Trailing apostrophes and hyphens are not part of the word (a
	 * letter, the common end, is above both). */
	if ((unsigned char)b->w[len - 1] <= '-')
		while (len > 0 && (b->w[len - 1] == '\'' ||
		    b->w[len - 1] == '-'))
			len--;
	if (len > 0 && !b->overflow) {
		caps = b->upper >= 2 && b->lower == 0;
		sent_word(st, b->w, len, len == b->len ? b->h :
		    sent_hash(b->w, len), caps, b->elong);
	}
	/* The bytes of w past len are never read as the word's. */
	b->len = 0;
	b->h = 0;
	b->upper = b->lower = b->elong = b->overflow = 0;
}

/* Is the word in B a French elided prefix (before an apostrophe)? */
static int
sent_elision(const struct sent_buf *b)
{
	size_t i;

	if (b->len == 1) {
		switch (b->w[0]) {
		case 'l': case 'j': case 'd': case 'c': case 's': case 'n':
		case 'm': case 't':
			return 1;
		}
		return 0;
	}
	if (b->w[b->len - 1] != 'u' || b->w[b->len - 2] != 'q')
		return 0;
	for (i = 0; sent_elisions[i] != NULL; i++)
		if (strlen(sent_elisions[i]) == b->len &&
		    memcmp(sent_elisions[i], b->w, b->len) == 0)
			return 1;
	return 0;
}

/* Score an emoji or emoticon KEY (LEN bytes) of the 'a' lexicon; returns 1
 * if it was one. */
static int
sent_symbol(struct sent_state *st, const char *key, size_t len)
{
	const struct sent_word *sw;
	uint32_t h = sent_hash(key, len);

	sent_feature(st, h ^ 0x68e31da4u);
	if ((sw = sent_find(key, len, h, 'a')) == NULL)
		return 0;
	st->sum += sw->valence * st->weight;
	st->last_valenced = 0;
	return 1;
}

/* Is C one of the bytes an emoticon is made of? */
static int
sent_emoticon_byte(unsigned char c)
{
	return c > ' ' && c < 0x7f && !(c >= 'a' && c <= 'z') &&
	    !(c >= 'A' && c <= 'Z');
}

/* Is the LEN-byte chunk at S (no spaces) an emoticon? Score it if so. */
static int
sent_emoticon(struct sent_state *st, const char *s, size_t len)
{
	char key[8];
	size_t i, letters = 0, punct = 0;

	if (len < 2 || len > sizeof key)
		return 0;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return 0;
		if (sent_emoticon_byte((unsigned char)s[i]))
			punct++;
		else
			letters++;
		key[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i];
	}
	if (letters > 2 || (punct == 0 && !(len == 2 && key[0] == 'x')))
		return 0;
	return sent_symbol(st, key, len);
}

/* The length of the HTML character reference ("&gt;", "&#39;", "&#x27;")
 * at S (N bytes, S[0] is '&'), or 1 if there is none. */
static size_t
sent_entity(const unsigned char *s, size_t n)
{
	size_t i = 1;

	if (i < n && s[i] == '#') {
		i++;
		if (i < n && (s[i] == 'x' || s[i] == 'X'))
			i++;
		while (i < n && i < 10 && ((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			i++;
	} else
		while (i < n && i < 10 && ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z')))
			i++;
	if (i > 2 && i < n && s[i] == ';')
		return i + 1;
	return 1;
}

/* Read the character CP that is not an ASCII letter (its N bytes of UTF-8
 * at ENC; NEXT is the byte after it, or 0) into word B of ST. */
static void
sent_char(struct sent_state *st, struct sent_buf *b, uint32_t cp,
    const unsigned char *enc, size_t n, unsigned char next)
{
	const char *f;
	char emo[8];	/* sent_find reads 8 bytes */
	size_t j;

	if (cp >= 0xc0 && cp <= 0xff && *(f = sent_latin1[cp - 0xc0])) {
		sent_buf_add(b, f, strlen(f), cp < 0xe0);
	} else if (cp == 0x152 || cp == 0x153) {
		sent_buf_add(b, "oe", 2, cp == 0x152);
	} else if (cp >= 0x100 && cp < 0x250) {
		sent_buf_add(b, (const char *)enc, n, 0);
	} else if (cp == 0x2019 || cp == 0x2bc || cp == '\'') {
		if (b->len > 0 && sent_elision(b)) {
			sent_buf_add(b, "'", 1, 0);
			b->lower--;
			sent_flush(st, b);
		} else if (b->len > 0 && !(b->w[b->len - 1] == 'n' &&
		    (next == 't' || next == 'T'))) {
			sent_buf_add(b, "'", 1, 0);
			b->lower--;
		}
	} else if (cp == 0xfe0f || cp == 0x200d ||
	    (cp >= 0x1f3fb && cp <= 0x1f3ff)) {
		/* Variation selector, joiner, skin tone: nothing. */
	} else {
		sent_flush(st, b);
		if (cp == '!')
			st->excl++;
		else if (cp == '?')
			st->quest++;
		if (cp == 0x2026 || cp == '.' || cp == ',' || cp == ';' ||
		    cp == '!' || cp == '?')
			sent_sentence(st);	/* "...", or escaped punctuation */
		else if (cp >= 0x2190 && cp != 0xfffd && n <= 4) {
			memset(emo, 0, sizeof emo);
			for (j = 0; j < n; j++)
				emo[j] = (char)enc[j];
			sent_symbol(st, emo, n);
		}
	}
}

/* The value of the four hex digits at S, or -1. */
static long
sent_hex4(const unsigned char *s)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (s[i] >= '0' && s[i] <= '9')
			v |= s[i] - '0';
		else if ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')
			v |= (s[i] | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return v;
}

/* A "\uXXXX" escape left in the text (JSON escaped twice, as scraped posts
 * often are: "can\u2019t", "\ud83d\ude02") at S (N bytes, S[0] is a
 * backslash): its length (6, or 12 for a surrogate pair), the character in
 * *CP and its UTF-8 in ENC (*ELEN bytes); 0 if there is none. */
static size_t
sent_escape(const unsigned char *s, size_t n, uint32_t *cp,
    unsigned char *enc, size_t *elen)
{
	long hi, lo;
	size_t len = 6;
	uint32_t c;

	if (n < 6 || s[1] != 'u' || (hi = sent_hex4(s + 2)) < 0)
		return 0;
	c = (uint32_t)hi;
	if (hi >= 0xd800 && hi < 0xdc00) {
		if (n < 12 || s[6] != '\\' || s[7] != 'u' ||
		    (lo = sent_hex4(s + 8)) < 0xdc00 || lo >= 0xe000)
			return 0;
		c = 0x10000 + (((uint32_t)hi - 0xd800) << 10) +
		    ((uint32_t)lo - 0xdc00);
		len = 12;
	} else if (hi >= 0xdc00 && hi < 0xe000)
		return 0;
	*elen = (size_t)utf8proc_encode_char((utf8proc_int32_t)c, enc);
	*cp = c;
	return len;
}

/* One pass over TEXT: the rule sum into ST (and features if asked). */
static void
sent_scan(struct sent_state *st, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	struct sent_buf b;
	size_t i, n, chunk, elen;
	uint32_t cp;
	unsigned char esc[4];
	char emo[8];	/* sent_find reads 8 bytes */

	memset(&b, 0, sizeof b);
	for (i = 0; i < len; i += n) {
		/* Small letters other than x (which may start "xD") run
		 * straight into the word. */
		if (s[i] >= 'a' && s[i] <= 'z' && s[i] != 'x') {
			sent_buf_lower(&b, s, i, len, &n);
			continue;
		}
		n = 1;
		/* The other common case: a space ends the word (and starts no
		 * emoticon). */
		if (s[i] == ' ') {
			sent_flush(st, &b);
			continue;
		}
		/* At the start of a chunk (after a space), try an emoticon. */
		if ((i == 0 || s[i - 1] == ' ' || s[i - 1] == '\n' ||
		    s[i - 1] == '\t') && (sent_emoticon_byte(s[i]) ||
		    s[i] == 'x' || s[i] == 'X')) {
			for (chunk = 0; i + chunk < len && s[i + chunk] > ' ';
			    chunk++)
				;
			if (sent_emoticon(st, text + i, chunk)) {
				n = chunk;
				continue;
			}
		}
		if (s[i] < 0x80) {
			if (s[i] >= 'a' && s[i] <= 'z') {
				/* The run of small letters at once: no
				 * emoticon starts inside it. */
				sent_buf_lower(&b, s, i, len, &n);
			} else if (s[i] >= 'A' && s[i] <= 'Z') {
				emo[0] = (char)(s[i] + 32);
				sent_buf_add(&b, emo, 1, 1);
			} else if (s[i] >= '0' && s[i] <= '9') {
				sent_buf_add(&b, (const char *)s + i, 1, 0);
				b.lower--;
			} else if (s[i] == '\'' && b.len > 0) {
				if (sent_elision(&b)) {
					sent_buf_add(&b, "'", 1, 0);
					b.lower--;
					sent_flush(st, &b);
				} else if (b.w[b.len - 1] == 'n' && i + 1 < len &&
				    (s[i + 1] == 't' || s[i + 1] == 'T')) {
					/* don't, isn't: "dont", "isnt". */
				} else {
					sent_buf_add(&b, "'", 1, 0);
					b.lower--;
				}
			} else if (s[i] == '-' && b.len > 0) {
				sent_buf_add(&b, "-", 1, 0);
				b.lower--;
			} else if (s[i] == '\\' && (n = sent_escape(s + i,
			    len - i, &cp, esc, &elen)) > 0) {
				/* An escape left in the text. */
				if ((cp >= 'a' && cp <= 'z') ||
				    (cp >= '0' && cp <= '9'))
					sent_buf_add(&b, (const char *)esc, 1,
					    0);
				else
					sent_char(st, &b, cp, esc, elen,
					    i + n < len ? s[i + n] : 0);
			} else {
				n = 1;
				sent_flush(st, &b);
				switch (s[i]) {
				case '!':
					st->excl++;
					sent_sentence(st);
					break;
				case '?':
					st->quest++;
					sent_sentence(st);
					break;
				case '.':
				case ',':
				case ';':
				case '\n':
					/* A comma ends a negator's reach too. */
					sent_sentence(st);
					break;
				case '&':
					/* An HTML character reference ("&gt;",
					 * "&amp;", "&#39;") is markup, not a
					 * word ("gt" is rated). */
					n = sent_entity(s + i, len - i);
					break;
				case ':':
				case '=':
				case '<':
					/* An emoticon glued to a word. */
					for (chunk = 0; i + chunk < len &&
					    s[i + chunk] > ' '; chunk++)
						;
					if (chunk <= 3 && sent_emoticon(st,
					    text + i, chunk))
						n = chunk;
					break;
				}
			}
			continue;
		}
		n = sent_utf8(s + i, len - i, &cp);
		sent_char(st, &b, cp, s + i, n, i + n < len ? s[i + n] : 0);
	}
	sent_flush(st, &b);
	st->sum += st->pending;
	st->pending = 0;
}

/* Prepare ST for LANG. */
static void
sent_start(struct sent_state *st, const char *lang)
{
	sentiment_init();
	memset(st, 0, sizeof *st);
	st->weight = 1;
	if (lang != NULL && lang[0] == 'e' && lang[1] == 'n' &&
	    (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_'))
		st->lang = SENT_EN;
	else if (lang != NULL && lang[0] == 'f' && lang[1] == 'r' &&
	    (lang[2] == '\0' || lang[2] == '-' || lang[2] == '_'))
		st->lang = SENT_FR;
	else
		st->lang = SENT_ANY;
}

/* The rule score of a finished pass. */
static double
sent_compound(const struct sent_state *st)
{
	double s = st->sum, ep;

	if (st->ncaps > 0 && st->ncaps < st->nwords)
		s += st->caps_sum;
	ep = (st->excl > 4 ? 4 : st->excl) * 0.292;
	if (st->quest > 1)
		ep += st->quest > 5 ? 0.96 : st->quest * 0.18;
	if (s > 0)
		s += ep;
	else if (s < 0)
		s -= ep;
	return s / sqrt(s * s + SENT_ALPHA);
}

double
sentiment_rules(const char *text, size_t len, const char *lang)
{
	struct sent_state st;

	sent_start(&st, lang);
	sent_scan(&st, text, len);
	return sent_compound(&st);
}

size_t
sentiment_features(const char *text, size_t len, const char *lang,
    uint32_t *feats, size_t max, double *rules)
{
	struct sent_state st;

	sent_start(&st, lang);
	st.feats = feats;
	st.maxfeats = feats != NULL ? max : 0;
	sent_scan(&st, text, len);
	*rules = sent_compound(&st);
	return st.nfeats;
}

int
sentiment_polarity(double score)
{
	if (score <= SENTIMENT_NEGATIVE_AT)
		return SENTIMENT_NEGATIVE;
	if (score >= SENTIMENT_POSITIVE_AT)
		return SENTIMENT_POSITIVE;
	return SENTIMENT_NEUTRAL;
}

/* The margin of the model W for rule score RULES before the hashed features:
 * its bias and dense weights. */
static double
sent_model_dense(const float *w, double rules)
{
	return w[SENTIMENT_MODEL_DIM] + w[SENTIMENT_MODEL_DIM + 1] * rules +
	    (rules <= -0.05 ? w[SENTIMENT_MODEL_DIM + 2] : 0) +
	    (rules >= 0.05 ? w[SENTIMENT_MODEL_DIM + 3] : 0);
}

/* The probability of a model of margin Z. */
static double
sent_model_probability(double z)
{
	if (z > 30)
		z = 30;
	if (z < -30)
		z = -30;
	return 1 / (1 + exp(-z));
}

/* The probability of the positive model WP minus that of the negative model
 * WN, for features FEATS (N) and rule score RULES: both margins summed in
 * one pass over the features, from PAIR (WP's and WN's hashed weights side
 * by side). */
static double
sent_models(const float *wp, const float *wn, const float (*pair)[2],
    const uint32_t *feats, size_t n, double rules)
{
	double zp, zn;
	uint32_t f;
	size_t i;

	zp = sent_model_dense(wp, rules);
	zn = sent_model_dense(wn, rules);
	for (i = 0; i < n; i++) {
		f = feats[i] & (SENTIMENT_MODEL_DIM - 1);
		zp += pair[f][0];
		zn += pair[f][1];
	}
	return sent_model_probability(zp) - sent_model_probability(zn);
}

double
sentiment_score(const char *text, size_t len, const char *lang,
    int *polarity)
{
	struct sent_state st;
	uint32_t feats[SENT_MAXFEATS];
	const float *wn, *wp;
	double rules, score;

	sent_start(&st, lang);
	if ((st.lang == SENT_EN && (sentiment_model_trained & 1)) ||
	    (st.lang == SENT_FR && (sentiment_model_trained & 2))) {
		st.feats = feats;
		st.maxfeats = SENT_MAXFEATS;
	}
	sent_scan(&st, text, len);
	score = rules = sent_compound(&st);
	/* The model decides the polarity of what the lexicons rate: with no
	 * rated word at all, the post is neutral (the French training sets,
	 * reviews that are never neutral, would push it negative). */
	if (st.feats != NULL && rules != 0) {
		wn = st.lang == SENT_EN ? sentiment_model_en_neg :
		    sentiment_model_fr_neg;
		wp = st.lang == SENT_EN ? sentiment_model_en_pos :
		    sentiment_model_fr_pos;
		score = sent_models(wp, wn, sent_pair[st.lang], feats,
		    st.nfeats, rules);
		/* Words this strong are a complaint whatever the rest says
		 * (the model, trained on reviews and neutral speech, read
		 * "c'est une arnaque : ils m'ont facture ..." as
		 * neutral). */
		if (rules <= SENT_SURE_NEGATIVE && score > rules)
			score = rules;
	}
	if (polarity != NULL)
		*polarity = sentiment_polarity(score);
	return score;
}

const char *
sentiment_name(int polarity)
{
	if (polarity < 0)
		return "negative";
	if (polarity > 0)
		return "positive";
	return "neutral";
}
