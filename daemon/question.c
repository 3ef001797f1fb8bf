/*
 * question.c - is a post asking something (see question.h). A tokenizer
 * folds words (lower case, accents removed, French elisions split: "qu'",
 * "j'", "t'"; hyphens split with the mark kept, so "livrez-vous" gives an
 * inverted "vous"), skips URLs and @handles, and cuts sentences at their
 * final punctuation. Each sentence becomes a handful of hashed features
 * (read from its head, the first word after fillers and restarts); a
 * word-class table, built once, tells which lists a word belongs to.
 */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "lang.h"
#include "question.h"

#define QUESTION_MAX_WORDS	40
#define QUESTION_WORD_BYTES	24
#define QUESTION_CLASS_SLOTS	4096

/* Word classes. */
#define WC_WH_EN	0x00001u	/* what, who, how, ... */
#define WC_AUX_EN	0x00002u	/* do, is, can, ... */
#define WC_SUBJ_EN	0x00004u	/* you, it, there, anyone, ... */
#define WC_FILL_EN	0x00008u	/* well, so, hey, ... */
#define WC_ANY_EN	0x00010u	/* anyone, anybody, someone, ... */
#define WC_KNOW_EN	0x00020u	/* know, have, got, ... (after anyone) */
#define WC_WH_FR	0x00040u	/* quel, comment, pourquoi, ... */
#define WC_FILL_FR	0x00080u	/* bonjour, alors, donc, ... */
#define WC_PRON_FR	0x00100u	/* je, tu, il, ... */
#define WC_SAVOIR_FR	0x00200u	/* sais, savez, connais, ... */
#define WC_QQN_FR	0x00400u	/* qqn, quelqu'un, ... */
#define WC_MODAL_FR	0x00800u	/* peux, pouvez, pourriez, ... */
#define WC_WHLAST_FR	0x01000u	/* quoi, ou, qui, ... at the end */
#define WC_FUNC_FR	0x02000u	/* des, les, dans, ... never a verb */
#define WC_IF		0x04000u	/* if, whether, si, ... */
#define WC_WANT		0x08000u	/* voudrais, aimerais, want, ... */
#define WC_CUE_EN	0x10000u	/* may start an English cue */
#define WC_CUE_FR	0x20000u	/* may start a French cue */
#define WC_PRON_EN	0x40000u	/* i, you, he, ... a clause's subject */
#define WC_SAY_EN	0x80000u	/* said, asked, goes, ... (quoting) */
#define WC_INV_FR	0x100000u	/* pouvez, avez, vendez, ... (no imperative) */
#define WC_DEIC_EN	0x200000u	/* it, there, this, that, ... */
#define WC_MODAL_EN	0x400000u	/* would, could, can, ... */

/* A folded word of a sentence. */
struct question_word {
	char		w[QUESTION_WORD_BYTES];
	uint8_t		len;
	uint8_t		hyph;	/* joined to the previous word by '-' */
	uint8_t		num;	/* held digits */
	uint8_t		grave;	/* "où" (accent kept apart from "ou") */
	uint8_t		comma;	/* followed by ',' or ':' */
	uint32_t	h;
	uint32_t	cls;
};

/* A sentence being read. */
struct question_sentence {
	struct question_word	words[QUESTION_MAX_WORDS];
	size_t			nwords;	/* stored */
	size_t			total;	/* all, stored or not */
	int			qmarks;	/* '?' at its end */
	int			excls;	/* '!' at its end */
	int			ellipsis;
	int			commas;	/* words followed by ',' or ':' */
};

/* The cues: indexes into question_cues. */
enum {
	CUE_Q, CUE_QQ, CUE_QEX, CUE_EX, CUE_NOQ,
	CUE_WH_HEAD, CUE_AUX_SUBJ, CUE_AUX_HEAD, CUE_ANYONE, CUE_REQUEST,
	CUE_WONDER, CUE_RHET, CUE_WH_LAST, CUE_ESTCEQUE, CUE_INV_HYPH,
	CUE_INV_SPACE, CUE_QQN, CUE_SAIS_SI, CUE_SAVOIR, CUE_IDEA,
	CUE_POSSIBLE, CUE_EMPTY_Q, CUE_WH_AUX, CUE_TAG, CUE_WH_EARLY,
	CUE_INV_HEAD, CUE_CEST_WH, CUE_INV_NOQ, CUE_REPORTED,
	CUE_TAG_AUX, CUE_ANY_HEAD, CUE_WH_SUBJ,
	CUE_COUNT
};

const struct question_cue question_cues[] = {
	[CUE_Q] = { "qmark", 3.0f },
	[CUE_QQ] = { "qmarks", 0.0f },
	[CUE_QEX] = { "qmark-excl", -2.0f },
	[CUE_EX] = { "excl", -0.5f },
	[CUE_NOQ] = { "no-qmark", 0.0f },
	[CUE_WH_HEAD] = { "wh-head", 1.5f },
	[CUE_AUX_SUBJ] = { "aux-subject", 1.5f },
	[CUE_AUX_HEAD] = { "aux-head", 0.5f },
	[CUE_ANYONE] = { "anyone-knows", 4.0f },
	[CUE_REQUEST] = { "request", 3.5f },
	[CUE_WONDER] = { "wonder", 4.0f },
	[CUE_RHET] = { "rhetorical", -5.0f },
	[CUE_WH_LAST] = { "wh-last", 2.0f },
	[CUE_ESTCEQUE] = { "est-ce-que", 4.0f },
	[CUE_INV_HYPH] = { "inversion", 3.5f },
	[CUE_INV_SPACE] = { "inversion-space", 2.5f },
	[CUE_QQN] = { "qqn-sait", 4.0f },
	[CUE_SAIS_SI] = { "sais-si", 4.0f },
	[CUE_SAVOIR] = { "voudrais-savoir", 4.0f },
	[CUE_IDEA] = { "une-idee", 2.0f },
	[CUE_POSSIBLE] = { "possible", 2.0f },
	[CUE_EMPTY_Q] = { "bare-qmark", 0.0f },
	[CUE_WH_AUX] = { "wh-aux-subject", 2.5f },
	[CUE_TAG] = { "tag-question", 1.5f },
	[CUE_WH_EARLY] = { "wh-early", 0.5f },
	[CUE_INV_HEAD] = { "inversion-head", 1.0f },
	[CUE_CEST_WH] = { "c-est-ou", 2.0f },
	[CUE_INV_NOQ] = { "inversion-no-qmark", 2.5f },
	[CUE_REPORTED] = { "reported-speech", -3.0f },
	[CUE_TAG_AUX] = { "tag-aux", 2.0f },
	[CUE_ANY_HEAD] = { "any-head", 1.5f },
	[CUE_WH_SUBJ] = { "wh-subject", 1.5f },
};
const size_t question_ncues = CUE_COUNT;

_Static_assert(CUE_COUNT + 8 <= QUESTION_MAX_FEATURES, "too many cues");
_Static_assert(CUE_COUNT <= 32, "cues do not fit a word");

/* The bit of cue C in a sentence's set of cues. */
#define QUESTION_CUE(c)	(1u << (c))

/* The cues that make a sentence an ask whatever the model says: the forms
 * of asking that the data rarely shows but that are never anything else. */
static const uint32_t question_strong[2] = {
	QUESTION_CUE(CUE_ANYONE) | QUESTION_CUE(CUE_WONDER) |
	    QUESTION_CUE(CUE_TAG_AUX),
	QUESTION_CUE(CUE_REQUEST) | QUESTION_CUE(CUE_ESTCEQUE) |
	    QUESTION_CUE(CUE_QQN) | QUESTION_CUE(CUE_SAIS_SI) |
	    QUESTION_CUE(CUE_SAVOIR) | QUESTION_CUE(CUE_INV_HEAD) |
	    QUESTION_CUE(CUE_CEST_WH) | QUESTION_CUE(CUE_TAG_AUX),
};

/* The word lists behind the classes, folded. */
static const struct {
	uint32_t		 cls;
	const char *const	*words;
} question_lists[] = {
	{ WC_WH_EN, (const char *const[]){ "what", "whats", "what's", "wat",
	    "wut", "who", "whos", "who's", "whom", "whose", "where", "wheres",
	    "where's", "when", "whens", "when's", "why", "whys", "why'd", "how",
	    "hows", "how's", "howd", "how'd", "which", "wtf", "what'd",
	    "what're", "where'd", "who'd", "whatcha", "wha", NULL } },
	{ WC_AUX_EN, (const char *const[]){ "do", "does", "did", "is", "are",
	    "was", "were", "am", "can", "could", "would", "will", "should",
	    "shall", "may", "might", "have", "has", "had", "must", "dont",
	    "don't", "doesn't", "doesnt", "didn't", "didnt", "isn't", "isnt",
	    "aren't", "arent", "wasn't", "wasnt", "can't", "cant", "couldn't",
	    "wouldn't", "won't", "shouldn't", "haven't", "hasn't", "r", "wanna",
	    "ya", "d'you", "u", NULL } },
	{ WC_SUBJ_EN, (const char *const[]){ "i", "you", "u", "ya", "he",
	    "she", "it", "we", "they", "there", "this", "that", "these",
	    "those", "anyone", "anybody", "any1", "someone", "somebody",
	    "everyone", "everybody", "any", "the", "a", "an", "your", "ur",
	    "my", "his", "her", "our", "their", "y'all", "yall", "people",
	    "ppl", "he's", "she's", "it's", "you're", "ye", "one", "all",
	    "some", NULL } },
	{ WC_FILL_EN, (const char *const[]){ "well", "so", "and", "but", "oh",
	    "ok", "okay", "k", "hey", "hi", "hello", "um", "uh", "umm", "uhh",
	    "yeah", "yes", "no", "lol", "lmao", "haha", "hmm", "hm", "anyway",
	    "anyways", "also", "or", "then", "now", "like", "btw", "guys",
	    "folks", "quick", "question", "sorry", "ah", "ahh", "o", "right",
	    "see", "alright", "wow", "please", "pls", "plz", "just", "actually",
	    "yo", "sooo", "soo", NULL } },
	{ WC_PRON_EN, (const char *const[]){ "i", "you", "u", "ya", "he",
	    "she", "we", "they", "i'm", "you're", "he's", "she's", "we're",
	    "they're", "i've", "you've", "we've", "they've", "i'd", "you'd",
	    "he'd", "she'd", "we'd", "they'd", "i'll", "you'll", "im", "it",
	    NULL } },
	{ WC_SAY_EN, (const char *const[]){ "said", "says", "say", "asked",
	    "asks", "goes", "go", "going", "went", "told", NULL } },
	{ WC_DEIC_EN, (const char *const[]){ "it", "there", "this", "that",
	    "these", "those", "ur", "your", NULL } },
	{ WC_MODAL_EN, (const char *const[]){ "would", "could", "can", "will",
	    "should", "might", "must", "shall", NULL } },
	{ WC_ANY_EN, (const char *const[]){ "anyone", "anybody", "any1",
	    "someone", "somebody", "anyone's", "ne1", "nobody", "everyone",
	    NULL } },
	{ WC_KNOW_EN, (const char *const[]){ "know", "knows", "have", "has",
	    "got", "wanna", "want", "tried", "seen", "help", "recommend",
	    "using", "use", "else", "here", "heard", "had", "familiar", "able",
	    "tell", "explain", NULL } },
	{ WC_WH_FR, (const char *const[]){ "quel", "quelle", "quels", "quelles",
	    "comment", "pourquoi", "combien", "qui", "quand", "quoi", "lequel",
	    "laquelle", "lesquels", "lesquelles", "que", "qu'", "koi", "kel",
	    "kelle", "cmt", "pq", "pkoi", "pk", "pourkoi", "kan", NULL } },
	{ WC_FILL_FR, (const char *const[]){ "bonjour", "bonsoir", "salut",
	    "coucou", "alors", "donc", "et", "mais", "bah", "ben", "euh",
	    "bon", "ok", "oui", "non", "enfin", "hey", "hello", "hola", "lol",
	    "mdr", "sinon", "ah", "oh", "eh", "tiens", "re", "cc", "slt",
	    "bjr", "madame", "monsieur", "svp", "stp", "merci", "du", "coup",
	    "au", "fait", "excusez", "moi", "pardon", "dsl", "desole", "ba",
	    "bref", "voila", "ouais", "puis", "mdrr", "hihi", "haha", "hehe",
	    "ptdr", "xd", NULL } },
	{ WC_PRON_FR, (const char *const[]){ "je", "tu", "il", "elle", "on",
	    "nous", "vous", "ils", "elles", NULL } },
	{ WC_SAVOIR_FR, (const char *const[]){ "sais", "sait", "savez",
	    "savais", "savait", "saurais", "saurait", "sauriez", "connais",
	    "connait", "connaissez", "connaitrais", "connaitriez", NULL } },
	{ WC_QQN_FR, (const char *const[]){ "qqn", "qqun", "quelqu'un",
	    "quelquun", "qq1", "kelkun", "quelqu'1", "qlqn", "qqu", NULL } },
	{ WC_MODAL_FR, (const char *const[]){ "peux", "peut", "pouvez",
	    "pourriez", "pourrais", "pourrait", "pouvons", "puis", "sais",
	    "sait", "savez", "saurais", "sauriez", "veux", "voulez", "voudriez",
	    "voudrais", "as", "a", "avez", "aurais", "auriez", "aurait", "es",
	    "est", "etes", "dois", "doit", "devez", "devrais", "devrait",
	    "faut", "vas", "va", "allez", "connais", "connaissez", "penses",
	    "pensez", "crois", "croyez", "fais", "faites", "vois", "voyez",
	    "sont", "ont", "avons", "sommes", "peuvent", "vais", "suis", "ai",
	    "prenez", "acceptez", "livrez", "proposez", "vendez", "faites",
	    "serait", "seriez", "serais", "existe", "reste", "y", NULL } },
	{ WC_INV_FR, (const char *const[]){ "pouvez", "pourriez", "puis",
	    "dois", "savez", "peux", "avez", "auriez", "peut", "livrez",
	    "acceptez", "proposez", "vendez", "etes", "es", "sont", "ont",
	    "connaissez", "pensez", "croyez", "voulez", "voudriez", "devez",
	    "faut", "existe", "seriez", "serait", "avons", NULL } },
	{ WC_WHLAST_FR, (const char *const[]){ "quoi", "koi", "qui", "quand",
	    "combien", "comment", "pourquoi", "ou", NULL } },
	{ WC_FUNC_FR, (const char *const[]){ "des", "les", "mes", "tes", "ses",
	    "nos", "vos", "ces", "dans", "sous", "sans", "plus", "moins",
	    "tres", "apres", "avant", "depuis", "pas", "jamais", "toujours",
	    "aussi", "mais", "donc", "alors", "puis", "fois", "tous", "toutes",
	    NULL } },
	{ WC_CUE_EN, (const char *const[]){ "can", "could",
	    "would", "will", "wondering", "wonder", "curious", "know", "ask",
	    "find", "is", "any", "how", "thanks", "thx", "ty", NULL } },
	{ WC_CUE_FR, (const char *const[]){ "est", "esque", "eske", "keske",
	    "kesk", "esce", "estce", "qu'est-ce", "savoir", "me", "je", "moi",
	    "nous", "besoin", "pouvez", "pourriez", "voudriez", "peux",
	    "pourrais", "pourrai", "peut", "pourrait", "vous", "tu", "merci",
	    "dites", "dis", "une", "des", "vos", "un", "possible", NULL } },
	{ WC_IF, (const char *const[]){ "if", "whether", "si", "s'", NULL } },
	{ WC_WANT, (const char *const[]){ "voudrais", "voudrai", "aimerais",
	    "aimerai", "souhaiterais", "souhaiterai", "souhaite", "voulais",
	    "veux", "voulait", "souhaitais", "desire", "desirerais", NULL } },
};

/* A word's hash and its classes side by side: a lookup reads one cache
 * line, not one in each of two arrays. */
static struct {
	uint32_t	h;
	uint32_t	cls;
} question_classes[QUESTION_CLASS_SLOTS];
static pthread_once_t question_once = PTHREAD_ONCE_INIT;
/* The bucket of each cue, and of the language alone, in each language. */
static uint32_t question_cue_buckets[2][CUE_COUNT];
static uint32_t question_lang_buckets[2];
/* The hashes of what stands for a word with digits, and for "à". */
static uint32_t question_number_hash, question_grave_a_hash;
/* Each byte folded when it is an ASCII letter or digit, else 0. */
static char question_ascii[256];

/* The FNV-1a hash of a folded word. */
static uint32_t
question_hash(const char *w, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)w[i];
		h *= 16777619u;
	}
	return h != 0 ? h : 1;
}

static inline uint32_t question_bucket(uint32_t, uint32_t, uint32_t);

/* Build the word-class table from the lists (once). */
static void
question_init(void)
{
	size_t i, j;
	uint32_t h, slot;

	for (i = 0; i < sizeof question_lists / sizeof question_lists[0]; i++) {
		for (j = 0; question_lists[i].words[j] != NULL; j++) {
			const char *w = question_lists[i].words[j];

			h = question_hash(w, strlen(w));
			slot = h & (QUESTION_CLASS_SLOTS - 1);
			while (question_classes[slot].h != 0 &&
			    question_classes[slot].h != h)
				slot = (slot + 1) & (QUESTION_CLASS_SLOTS - 1);
			question_classes[slot].h = h;
			question_classes[slot].cls |= question_lists[i].cls;
		}
	}
	for (i = 0; i < CUE_COUNT; i++) {
		question_cue_buckets[0][i] = question_cue_bucket(i, 0);
		question_cue_buckets[1][i] = question_cue_bucket(i, 1);
	}
	question_lang_buckets[0] = question_bucket(2, 0, 0);
	question_lang_buckets[1] = question_bucket(2, 1, 0);
	question_number_hash = question_hash("<n>", 3);
	question_grave_a_hash = question_hash("a`", 2);
	for (i = 0; i < 256; i++) {
		if ((i >= 'a' && i <= 'z') || (i >= '0' && i <= '9'))
			question_ascii[i] = (char)i;
		else if (i >= 'A' && i <= 'Z')
			question_ascii[i] = (char)(i | 0x20);
	}
}

/* The classes of the word hashed H. */
static uint32_t
question_class(uint32_t h)
{
	uint32_t slot = h & (QUESTION_CLASS_SLOTS - 1), e;

	/* Most words are settled by their first slot, found or empty (an
	 * empty slot's classes are 0, and H is never 0): one test for both,
	 * so that whether the word is listed costs no guess. */
	e = question_classes[slot].h;
	if ((e == h) | (e == 0))
		return question_classes[slot].cls;
	while (question_classes[slot].h != 0) {
		if (question_classes[slot].h == h)
			return question_classes[slot].cls;
		slot = (slot + 1) & (QUESTION_CLASS_SLOTS - 1);
	}
	return 0;
}

/* Mix a feature's parts into a bucket (never 0, the bias). */
static inline uint32_t
question_bucket(uint32_t kind, uint32_t a, uint32_t b)
{
	uint32_t x = kind * 0x9e3779b1u ^ a * 0x85ebca6bu ^
	    ((b << 13) | (b >> 19)) * 0xc2b2ae35u;

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x = x >> (32 - QUESTION_BITS);
	return x != 0 ? x : 1;
}

uint32_t
question_cue_bucket(size_t cue, int lang)
{
	return question_bucket(1, (uint32_t)cue, (uint32_t)lang);
}

/* Whether word I of S is W (LEN bytes). */
static inline int
question_is_n(const struct question_sentence *s, size_t i, const char *w,
    size_t len)
{
	return i < s->nwords && s->words[i].len == len &&
	    memcmp(s->words[i].w, w, len) == 0;
}
/* Whether word I of S is the string literal W (compared inline). */
#define question_is(s, i, w)	question_is_n(s, i, "" w, sizeof (w) - 1)

/* Whether word I of S has a class of CLS. */
static int
question_has(const struct question_sentence *s, size_t i, uint32_t cls)
{
	return i < s->nwords && (s->words[i].cls & cls) != 0;
}

/* Whether some word of S from FROM on is W. */
static int
question_any(const struct question_sentence *s, size_t from, const char *w)
{
	size_t i;

	for (i = from; i < s->nwords; i++)
		if (strcmp(s->words[i].w, w) == 0)
			return 1;
	return 0;
}

/* Whether some word of S from FROM on is followed by a comma. */
static int
question_any_comma(const struct question_sentence *s, size_t from)
{
	size_t i;

	for (i = from; i + 1 < s->nwords; i++)
		if (s->words[i].comma)
			return 1;
	return 0;
}

/* Fold one UTF-8 letter at P (N bytes left) onto the end of W (an ASCII
 * letter or a folded Latin-1 one); the bytes used, 0 when P is not a letter.
 * *GRAVE is set for ù. */
static size_t
question_letter(const unsigned char *p, size_t n, char *out, size_t *olen,
    int *grave)
{
	static const char latin1[64] =
	    "aaaaaaaceeeeiiiidnooooo*ouuuuyts"
	    "aaaaaaaceeeeiiiidnooooo/ouuuuyty";
	unsigned char c = p[0];

	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
		out[(*olen)++] = (char)c;
		return 1;
	}
	if (c >= 'A' && c <= 'Z') {
		out[(*olen)++] = (char)(c | 0x20);
		return 1;
	}
	if (c == 0xc3 && n >= 2 && p[1] >= 0x80 && p[1] <= 0xbf) {
		char l = latin1[p[1] - 0x80];

		if (l == '*' || l == '/')
			return 0;
		if (p[1] == 0xb9 || p[1] == 0x99 || p[1] == 0xa0 || p[1] == 0x80)
			*grave = 1;
		out[(*olen)++] = l;
		return 2;
	}
	if (c == 0xc5 && n >= 2 && (p[1] == 0x93 || p[1] == 0x92)) {
		out[(*olen)++] = 'o';
		out[(*olen)++] = 'e';
		return 2;
	}
	return 0;
}

/* Whether C is a letter a URL may start with (h, w), tested without a
 * branch per letter. */
static inline int
question_url_letter(unsigned char c)
{
	return ((c | 0x20) == 'h') | ((c | 0x20) == 'w');
}

/* Whether the N bytes at P start a URL or an @handle, skipped whole. */
static int
question_skipped(const unsigned char *p, size_t n)
{
	if (p[0] == '@')
		return 1;
	if ((p[0] | 0x20) != 'h' && (p[0] | 0x20) != 'w')
		return 0;
	if ((p[0] | 0x20) == 'w')
		return n >= 4 && (p[1] | 0x20) == 'w' &&
		    (p[2] | 0x20) == 'w' && p[3] == '.';
	if (n < 7 || (p[1] | 0x20) != 't' || (p[2] | 0x20) != 't' ||
	    (p[3] | 0x20) != 'p')
		return 0;
	if ((p[4] | 0x20) == 's')
		return n >= 8 && p[5] == ':' && p[6] == '/' && p[7] == '/';
	return p[4] == ':' && p[5] == '/' && p[6] == '/';
}

/* Whether the '?' before byte I of P (N bytes) closes a quotation that the
 * sentence goes on after (He asked "why?" and left): then it is not the
 * sentence's. */
static int
question_quoted(const unsigned char *p, size_t i, size_t n)
{
	while (i < n && p[i] == ' ')
		i++;
	if (i + 1 < n && p[i] == 0xc2 && p[i + 1] == 0xa0)
		i += 2;		/* no-break space before » */
	if (i < n && (p[i] == '"' || p[i] == '\''))
		i++;
	else if (i + 1 < n && p[i] == 0xc2 && p[i + 1] == 0xbb)
		i += 2;		/* » */
	else if (i + 2 < n && p[i] == 0xe2 && p[i + 1] == 0x80 &&
	    (p[i + 2] == 0x9d || p[i + 2] == 0x99))
		i += 3;		/* ” ’ */
	else
		return 0;
	while (i < n && (p[i] == ' ' || p[i] == ','))
		i++;
	return i < n && ((p[i] >= 'a' && p[i] <= 'z') || p[i] >= 0x80);
}

/* Whether the folded word W (LEN) is a French elided prefix ("qu", "j"). */
static int
question_elision(const char *w, size_t len)
{
	if (len == 1)
		return strchr("cdjlmnst", w[0]) != NULL;
	return (len == 2 && memcmp(w, "qu", 2) == 0) ||
	    (len == 5 && memcmp(w, "jusqu", 5) == 0) ||
	    (len == 6 && (memcmp(w, "lorsqu", 6) == 0 ||
	    memcmp(w, "puisqu", 6) == 0));
}


/* Add word W (LEN bytes, of QUESTION_WORD_BYTES or more set) to S; NUM
 * when it holds a digit, H the FNV-1a state after its first HASHED bytes
 * (inlined: a call per word, with its eight arguments, cost more). */
static inline __attribute__((always_inline)) void
question_add_word(struct question_sentence *s, const char *w, size_t len,
    int hyph, int grave, int num, uint32_t h, size_t hashed)
{
	struct question_word *qw;
	size_t i;
	int ou;

	s->total++;
	if (s->nwords == QUESTION_MAX_WORDS)
		return;
	qw = &s->words[s->nwords++];
	/* Its hash: the caller's of the first HASHED bytes, then the rest, or
	 * only what is kept of a long word. */
	if (len > QUESTION_WORD_BYTES - 1) {
		h = 2166136261u;
		hashed = 0;
		len = QUESTION_WORD_BYTES - 1;
	}
	for (i = hashed; i < len; i++)
		h = (h ^ (unsigned char)w[i]) * 16777619u;
	ou = len == 2 && w[0] == 'o' && w[1] == 'u';
	if (num) {
		memcpy(qw->w, "<n>", 4);
		len = 3;
		h = question_number_hash;
	} else if (grave && len == 1 && w[0] == 'a') {
		memcpy(qw->w, "a`", 3);	/* "à" is not "a" */
		len = 2;
		h = question_grave_a_hash;
	} else {
		/* W holds at least this many bytes, set. */
		memcpy(qw->w, w, QUESTION_WORD_BYTES);
		qw->w[len] = '\0';
		if (h == 0)
			h = 1;
	}
	qw->len = (uint8_t)len;
	qw->hyph = (uint8_t)hyph;
	qw->comma = 0;
	qw->num = (uint8_t)num;
	qw->h = h;
	qw->cls = num ? 0 : question_class(h);
	/* "où" is its own word; plain "ou" (or) is not a wh-word. */
	qw->grave = (uint8_t)(grave && ou);
	if (ou) {
		if (grave)
			qw->cls |= WC_WH_FR | WC_WHLAST_FR;
		else
			qw->cls &= ~WC_WHLAST_FR;
	}
}

/* Whether the "wonder" or "curious" at word I of S is someone else's than
 * the speaker's: its subject, right before it or before one word ("you
 * always wonder", "they are curious"), is another person. */
static int
question_wonderer(const struct question_sentence *s, size_t i)
{
	size_t j;

	for (j = i > 2 ? i - 2 : 0; j < i; j++)
		if (question_is(s, j, "you") || question_is(s, j, "u") ||
		    question_is(s, j, "he") || question_is(s, j, "she") ||
		    question_is(s, j, "they") || question_is(s, j, "people") ||
		    question_is(s, j, "one") || question_is(s, j, "you're") ||
		    question_is(s, j, "he's") || question_is(s, j, "she's") ||
		    question_is(s, j, "they're"))
			return 1;
	return 0;
}

/* The English cues of S (head is its first word after fillers) into CUES. */
static void
question_cues_en(const struct question_sentence *s, size_t head,
    uint32_t *cues)
{
	size_t i, n = s->nwords;

	if (question_has(s, head, WC_WH_EN)) {
		*cues |= QUESTION_CUE(CUE_WH_HEAD);
		/* Chat drops the auxiliary, not the asking: "where u from",
		 * "how you doin", "whats ur major", and the set phrases "how
		 * come", "how many", "what about", "why so"; speech cuts
		 * "what kind of ..." short and it still asks. */
		if ((*cues & QUESTION_CUE(CUE_NOQ)) && (question_is(s,
		    head + 1, "u") || question_is(s, head + 1, "you") ||
		    /* the "'s" of "how's it going", "whats up" inverts */
		    (s->words[head].len > 3 &&
		    s->words[head].w[s->words[head].len - 1] == 's' &&
		    !question_is(s, head, "whose")) ||
		    question_is(s, head + 1, "ya") ||
		    question_is(s, head + 1, "ur") ||
		    question_is(s, head + 1, "yu") ||
		    (question_is(s, head, "how") && (question_is(s, head + 1,
		    "come") || ((question_is(s, head + 1, "many") ||
		    question_is(s, head + 1, "much")) &&
		    !question_has(s, head + 2, WC_PRON_EN)))) ||
		    (question_is(s, head, "what") && question_is(s, head + 1,
		    "about")) || (question_is(s, head, "why") &&
		    question_is(s, head + 1, "so")) ||
		    ((question_is(s, head, "what") ||
		    question_is(s, head, "which")) &&
		    (question_is(s, head + 1, "kind") ||
		    question_is(s, head + 1, "sort") ||
		    question_is(s, head + 1, "type") ||
		    question_is(s, head + 1, "kinds") ||
		    question_is(s, head + 1, "types")))))
			*cues |= QUESTION_CUE(CUE_INV_NOQ);
	}
	/* "any girls wanna chat", "anyone from TX": "is there" left out;
	 * not "any rock pile will do", "any disadvantages are outweighed",
	 * whose own verb says it. */
	if ((question_is(s, head, "any") || question_is(s, head, "anyone") ||
	    question_is(s, head, "anybody") || question_is(s, head, "any1")) &&
	    head + 1 < n && !question_is(s, head + 1, "of") &&
	    !question_is(s, head + 2, "of")) {
		for (i = head + 1; i < n; i++)
			if (question_has(s, i, WC_AUX_EN) &&
			    !question_is(s, i, "wanna") &&
			    !question_is(s, i, "u") && !question_is(s, i, "ya"))
				break;
		if (i == n)
			*cues |= QUESTION_CUE(CUE_ANY_HEAD);
	}
	if (question_has(s, head, WC_AUX_EN) && head + 1 < n) {
		if (question_has(s, head + 1, WC_SUBJ_EN) ||
		    s->words[head + 1].num) {
			*cues |= QUESTION_CUE(CUE_AUX_SUBJ);
			/* Chat and speech leave the '?' out of "are u
			 * mexican"; not of "was a mistake", "has all the
			 * depth of", "is 4,478", whose subject went before,
			 * nor of a wish, "may she rest". */
			if ((*cues & QUESTION_CUE(CUE_NOQ)) &&
			    (question_has(s, head + 1, WC_PRON_EN |
			    WC_ANY_EN | WC_DEIC_EN) ||
			    question_is(s, head + 1, "any")) &&
			    !question_is(s, head, "may") &&
			    !question_is(s, head, "might") &&
			    !question_is(s, head, "ya") &&
			    /* "had this been", "should they not know it,"
			     * "were it not for": a condition */
			    !question_is(s, head, "had") &&
			    !(question_is(s, head, "should") &&
			    question_any_comma(s, head + 2)) &&
			    !(question_is(s, head, "were") &&
			    question_any_comma(s, head + 2)) &&
			    /* "do it!", "so am I", "neither do we" */
			    !(question_is(s, head, "do") &&
			    question_has(s, head + 1, WC_DEIC_EN)) &&
			    !(head > 0 && (question_is(s, head - 1, "so") ||
			    question_is(s, head - 1, "neither") ||
			    question_is(s, head - 1, "nor"))))
				*cues |= QUESTION_CUE(CUE_INV_NOQ);
		} else
			*cues |= QUESTION_CUE(CUE_AUX_HEAD);
	}
	for (i = head; i < n && i <= head + 2; i++) {
		size_t j;

		if (!question_has(s, i, WC_WH_EN))
			continue;
		if (i > head)
			*cues |= QUESTION_CUE(CUE_WH_EARLY);
		/* The auxiliary inverted before its subject ("what kind of
		 * car do you"), or right after a wh-word that is the subject
		 * ("who is Judy", "what would be best"); a pronoun before it
		 * is the subject of a clause ("when I was working"). */
		for (j = i + 1; j < n && j <= i + 4; j++) {
			if (question_has(s, j, WC_PRON_EN))
				break;
			if (question_has(s, j, WC_AUX_EN) &&
			    (question_has(s, j + 1, WC_SUBJ_EN) ||
			    (j + 1 < n && s->words[j + 1].num) ||
			    (j == i + 1 &&
			    (s->words[j].w[s->words[j].len - 1] == 's' ||
			    question_has(s, j, WC_MODAL_EN))))) {
				*cues |= QUESTION_CUE(CUE_WH_AUX);
				/* without its '?', not "which is fine",
				 * going on from before, nor "when your
				 * ladies are": only what and how take words
				 * before the auxiliary ("what kind of car
				 * do you") */
				if ((*cues & QUESTION_CUE(CUE_NOQ)) &&
				    !question_is(s, i, "which") && (j == i + 1 ||
				    question_is(s, i, "what") ||
				    question_is(s, i, "how")))
					*cues |= QUESTION_CUE(CUE_INV_NOQ);
			}
		}
	}
	/* A tag: "..., right", "photo isn't it"; after a comma, "..., didn't
	 * she" asks for a yes whatever the punctuation ("that isn't it" is
	 * no tag). */
	if (n > 2 && question_has(s, n - 2, WC_AUX_EN) &&
	    question_has(s, n - 1, WC_SUBJ_EN) && n - 2 > head + 1 &&
	    strchr(s->words[n - 2].w, '\'') != NULL)
		*cues |= QUESTION_CUE(CUE_TAG) | (s->words[n - 3].comma ?
		    QUESTION_CUE(CUE_TAG_AUX) : 0);
	else if (n > 2 && (question_is(s, n - 1, "right") ||
	    question_is(s, n - 1, "huh") || question_is(s, n - 1, "eh")))
		*cues |= QUESTION_CUE(CUE_TAG);
	for (i = 0; i < n; i++) {
		if ((s->words[i].cls & (WC_CUE_EN | WC_ANY_EN)) == 0)
			continue;
		/* "anyone know", "does anybody have", at the head or after
		 * a comma, "if anyone knows", "if anyone has ..., please":
		 * not "nobody knows", "somebody has to", "if anyone has
		 * ever", "we don't have anybody", "as anybody else" */
		if (question_has(s, i, WC_ANY_EN) && (i <= head + 1 ||
		    (s->words[i - 1].comma && !question_is(s, i + 1, "else")))
		    && !question_is(s, i, "nobody") &&
		    !question_is(s, i, "everyone") &&
		    !(i > 0 && question_has(s, i - 1, WC_IF) &&
		    !question_is(s, i + 1, "knows") &&
		    !question_is(s, i + 1, "know") &&
		    !question_any(s, i, "please")) &&
		    (((question_has(s, i + 1, WC_KNOW_EN) ||
		    (question_is(s, i + 1, "here") && question_has(s, i + 2,
		    WC_KNOW_EN))) && !question_is(s, i, "someone") &&
		    !question_is(s, i, "somebody")) ||
		    (i > 0 && question_has(s, i - 1, WC_AUX_EN))))
			*cues |= QUESTION_CUE(CUE_ANYONE);
		if ((question_is(s, i, "can") || question_is(s, i, "could") ||
		    question_is(s, i, "would") || question_is(s, i, "will")) &&
		    (question_is(s, i + 1, "you") || question_is(s, i + 1, "u") ||
		    question_is(s, i + 1, "someone") ||
		    question_is(s, i + 1, "somebody") ||
		    question_is(s, i + 1, "anyone") ||
		    question_is(s, i + 1, "anybody") ||
		    ((question_is(s, i + 1, "i") || question_is(s, i + 1, "we"))
		    && i == head)))
			*cues |= QUESTION_CUE(CUE_REQUEST);
		/* "thanks in advance": help is asked */
		if ((question_is(s, i, "thanks") || question_is(s, i, "thx") ||
		    question_is(s, i, "ty")) && question_is(s, i + 1, "in") &&
		    question_is(s, i + 2, "advance"))
			*cues |= QUESTION_CUE(CUE_WONDER);
		/* the speaker wonders, not "you wonder why", "they are
		 * curious whether": someone else's, or anyone's, wondering
		 * asks nothing */
		if ((question_is(s, i, "wondering") ||
		    question_is(s, i, "wonder") || question_is(s, i, "curious"))
		    && (question_has(s, i + 1, WC_IF | WC_WH_EN)) &&
		    !question_wonderer(s, i))
			*cues |= QUESTION_CUE(CUE_WONDER);
		if ((question_is(s, i, "know") || question_is(s, i, "ask") ||
		    question_is(s, i, "find")) && i > 0 &&
		    (question_is(s, i - 1, "to") ||
		    question_is(s, i - 1, "wanna")) &&
		    question_has(s, i + 1, WC_IF | WC_WH_EN))
			*cues |= QUESTION_CUE(CUE_WONDER);
		/* The speaker's doubt about the hearer asks them: "I don't
		 * know if you've heard of it"; not about someone else, nor
		 * an opener that goes on, "I don't know if you noticed, but" */
		if (question_is(s, i, "know") && i > 1 &&
		    question_is(s, i - 2, "i") && (question_is(s, i - 1,
		    "don't") || question_is(s, i - 1, "dont")) &&
		    question_has(s, i + 1, WC_IF) &&
		    (question_is(s, i + 2, "you") || question_is(s, i + 2, "u") ||
		    question_is(s, i + 2, "you've") ||
		    question_is(s, i + 2, "you're")) &&
		    !question_any_comma(s, i + 2))
			*cues |= QUESTION_CUE(CUE_WONDER);
		if (question_is(s, i, "is") && question_is(s, i + 1, "there") &&
		    (question_is(s, i + 2, "a") || question_is(s, i + 2, "any")) &&
		    (question_is(s, i + 3, "way") || question_is(s, i + 2, "any")))
			*cues |= QUESTION_CUE(CUE_WONDER);
		if (question_is(s, i, "any") && (question_is(s, i + 1, "idea") ||
		    question_is(s, i + 1, "ideas") ||
		    question_is(s, i + 1, "tips") ||
		    question_is(s, i + 1, "advice") ||
		    question_is(s, i + 1, "suggestions") ||
		    question_is(s, i + 1, "recommendations") ||
		    question_is(s, i + 1, "thoughts")))
			*cues |= QUESTION_CUE(CUE_WONDER);
		if (i == head && question_is(s, i, "how") &&
		    (question_is(s, i + 1, "to") ||
		    ((question_is(s, i + 1, "do") ||
		    question_is(s, i + 1, "can")) &&
		    question_is(s, i + 2, "i"))))
			*cues |= QUESTION_CUE(CUE_WONDER);
	}
	/* "What's left is a rich stew", "what doesn't rock is the price":
	 * a what-clause then a copula is the sentence's subject, not asked
	 * ("what time is it" has its subject after the copula). */
	if ((*cues & QUESTION_CUE(CUE_INV_NOQ)) &&
	    (question_is(s, head, "what") || question_is(s, head, "what's") ||
	    question_is(s, head, "whats")))
		for (i = head + 2; i < n && i <= head + 8; i++)
			if ((question_is(s, i, "is") || question_is(s, i, "was") ||
			    question_is(s, i, "isn't") ||
			    question_is(s, i, "wasn't")) &&
			    (!question_is(s, head, "what") ||
			    !question_has(s, i + 1, WC_PRON_EN | WC_DEIC_EN))) {
				*cues &= ~QUESTION_CUE(CUE_INV_NOQ);
				break;
			}
	/* Reported speech: a speaker quoting a question ("I'm like, what
	 * are you doing", "and then you go, what?", "he said what did you
	 * get") is not asking it. The quoting verb comes before any
	 * question form, with a quote after it: a comma, an interjection,
	 * a wh-word or an auxiliary ("you go there" quotes nothing). Read
	 * from the first word: the head may be a clause after the quote. */
	for (i = 0; i + 2 < n; i++) {
		size_t v;

		if (s->words[i].cls & (WC_WH_EN | WC_AUX_EN))
			break;
		if (!question_has(s, i, WC_PRON_EN))
			continue;
		v = i + 1;
		if (question_is(s, v, "like") || (question_has(s, v,
		    WC_AUX_EN) && question_is(s, v + 1, "like")))
			v = question_is(s, v, "like") ? v : v + 1;
		else if (!question_has(s, v, WC_SAY_EN))
			continue;
		if (v + 1 < n && (s->words[v].comma || question_has(s, v + 1,
		    WC_FILL_EN | WC_WH_EN | WC_AUX_EN)))
			*cues |= QUESTION_CUE(CUE_REPORTED);
		break;
	}
	/* Exclamations and rhetorical questions. */
	if ((question_is(s, head, "who") && (question_is(s, head + 1, "cares") ||
	    (question_is(s, head + 1, "knows") && n == head + 2))) ||
	    (question_is(s, head, "guess") && question_is(s, head + 1, "what")) ||
	    (question_is(s, head, "you") && question_is(s, head + 1, "know") &&
	    question_is(s, head + 2, "what")) ||
	    ((question_is(s, head, "what") || question_is(s, head, "such")) &&
	    (question_is(s, head + 1, "a") || question_is(s, head + 1, "an"))) ||
	    (question_is(s, head, "how") && (question_is(s, head + 1, "nice") ||
	    question_is(s, head + 1, "cool") || question_is(s, head + 1, "sweet")
	    || question_is(s, head + 1, "sad") ||
	    question_is(s, head + 1, "funny") ||
	    question_is(s, head + 1, "awesome") ||
	    question_is(s, head + 1, "cute"))))
		*cues |= QUESTION_CUE(CUE_RHET);
	/* A hedge on one's own words, "how shall I say it", "how should I
	 * put this": the sentence ends there. */
	if (question_is(s, head, "how") && (question_is(s, head + 1, "shall") ||
	    question_is(s, head + 1, "should") ||
	    question_is(s, head + 1, "can") || question_is(s, head + 1, "do")) &&
	    (question_is(s, head + 2, "i") || question_is(s, head + 2, "one")) &&
	    (question_is(s, head + 3, "say") || question_is(s, head + 3, "put"))
	    && (n == head + 4 || (n == head + 5 && (question_is(s, head + 4,
	    "it") || question_is(s, head + 4, "this") ||
	    question_is(s, head + 4, "that")))))
		*cues |= QUESTION_CUE(CUE_RHET);
}

/* The French cues of S (head is its first word after fillers) into CUES. */
static void
question_cues_fr(const struct question_sentence *s, size_t head,
    uint32_t *cues)
{
	size_t i, n = s->nwords;

	if (question_has(s, head, WC_WH_FR) && !(question_is(s, head, "que") &&
	    !question_has(s, head + 1, WC_PRON_FR) &&
	    !question_is(s, head + 1, "faire")))
		*cues |= QUESTION_CUE(CUE_WH_HEAD);
	if (n > 0 && question_has(s, n - 1, WC_WHLAST_FR) && n - 1 > head)
		*cues |= QUESTION_CUE(CUE_WH_LAST);
	for (i = head + 1; i < n && i <= head + 2; i++)
		if (question_has(s, i, WC_WH_FR) && !question_is(s, i, "que") &&
		    !question_is(s, i, "qu'") && !question_is(s, i, "qui"))
			*cues |= QUESTION_CUE(CUE_WH_EARLY);
	/* "n'est-ce pas" (read "n'" "est" "ce" "pas") asks for a yes. */
	if (n > 4 && question_is(s, n - 1, "pas") && question_is(s, n - 2, "ce")
	    && question_is(s, n - 3, "est") && question_is(s, n - 4, "n'"))
		*cues |= QUESTION_CUE(CUE_TAG) | QUESTION_CUE(CUE_TAG_AUX);
	else if (n > 2 && question_is(s, n - 1, "hein"))
		*cues |= QUESTION_CUE(CUE_TAG);
	/* "c'est où", "c'est quand", "c'est combien", "c'est quoi" */
	for (i = 0; i + 2 < n + 1 && i <= head + 1; i++)
		if (question_is(s, i, "c'") && question_is(s, i + 1, "est") &&
		    (question_is(s, i + 2, "combien") ||
		    question_is(s, i + 2, "quoi") ||
		    question_is(s, i + 2, "comment") ||
		    (question_is(s, i + 2, "quand") &&
		    !question_is(s, i + 3, "meme")) ||
		    (question_has(s, i + 2, WC_WH_FR) && s->words[i + 2].grave) ||
		    (question_is(s, i + 2, "qui") && i + 3 == n)))
			*cues |= QUESTION_CUE(CUE_CEST_WH);
	/* "tu fais quoi", "vous partez quand", "t'es où": the wh-word in
	 * place after a subject and its verb */
	if ((question_is(s, head, "tu") || question_is(s, head, "vous") ||
	    question_is(s, head, "t'") || question_is(s, head, "on")) &&
	    head + 2 < n + 0 + 1 && !question_has(s, head + 1, WC_SAVOIR_FR) &&
	    (question_is(s, head + 2, "quoi") || question_is(s, head + 2, "koi")
	    || question_is(s, head + 2, "combien") ||
	    (question_is(s, head + 2, "quand") &&
	    !question_is(s, head + 3, "meme")) ||
	    (question_is(s, head + 2, "ou") && s->words[head + 2].grave)))
		*cues |= QUESTION_CUE(CUE_CEST_WH);
	/* "puis je", "dois-je" first even when the word is also a filler */
	if (head > 0 && question_has(s, 0, WC_MODAL_FR) &&
	    question_has(s, 1, WC_PRON_FR) && (s->words[1].hyph ||
	    question_is(s, 0, "puis")) && question_is(s, 1, "je"))
		*cues |= QUESTION_CUE(CUE_INV_HEAD);
	/* "est-il", "pouvez vous", "peut on" at the head. */
	if (question_has(s, head, WC_MODAL_FR) &&
	    question_has(s, head + 1, WC_PRON_FR) &&
	    !question_has(s, head, WC_FUNC_FR) &&
	    !question_is(s, head + 1, "ce"))
	{
		*cues |= QUESTION_CUE(s->words[head + 1].hyph ?
		    CUE_INV_HYPH : CUE_INV_SPACE);
		if (s->words[head + 1].hyph || question_has(s, head, WC_INV_FR))
			*cues |= QUESTION_CUE(CUE_INV_HEAD);
	}
	/* "est-ce normal", "est ce possible" at the head */
	if (question_is(s, head, "est") && question_is(s, head + 1, "ce") &&
	    head + 2 < n)
		*cues |= QUESTION_CUE(CUE_INV_HEAD);
	/* "quand va arriver ma commande", "quels sont les délais": a
	 * wh-word then its verb asks; "comment je fais", a wh-word then its
	 * subject, may (not "quand je suis arrivé", a clause), and so does
	 * a first "pourquoi" or "comment", never a clause's. */
	if (head + 1 < n && (question_is(s, head, "comment") ||
	    question_is(s, head, "quand") || question_is(s, head, "combien") ||
	    question_is(s, head, "pourquoi") || (question_is(s, head, "ou") &&
	    s->words[head].grave) || strncmp(s->words[head].w, "quel", 4) == 0)) {
		if (question_has(s, head + 1, WC_MODAL_FR) &&
		    !question_has(s, head + 1, WC_PRON_FR | WC_FUNC_FR) &&
		    !question_is(s, head + 1, "y"))
			*cues |= QUESTION_CUE(CUE_INV_HEAD);
		else if ((question_has(s, head + 1, WC_PRON_FR) &&
		    !question_is(s, head, "quand")) ||
		    question_is(s, head, "pourquoi") ||
		    question_is(s, head, "comment"))
			*cues |= QUESTION_CUE(CUE_WH_SUBJ);
	}
	/* "où dois-je", "comment puis je": a wh-word then an inversion */
	if (question_has(s, head, WC_WH_FR) && question_has(s, head + 1,
	    WC_MODAL_FR) && question_has(s, head + 2, WC_PRON_FR))
		*cues |= QUESTION_CUE(CUE_INV_HEAD);
	for (i = 0; i < n; i++) {
		if ((s->words[i].cls & (WC_CUE_FR | WC_PRON_FR | WC_QQN_FR |
		    WC_SAVOIR_FR | WC_WANT)) == 0)
			continue;
		/* est-ce que, qu'est-ce, esque, eske, keske */
		if ((question_is(s, i, "est") && question_is(s, i + 1, "ce") &&
		    !(i > 0 && question_is(s, i - 1, "c'")) &&
		    (question_is(s, i + 2, "que") ||
		    question_is(s, i + 2, "qu'") || question_is(s, i + 2, "qui")
		    || question_has(s, i + 2, WC_PRON_FR))) ||
		    question_is(s, i, "esque") || question_is(s, i, "eske") ||
		    question_is(s, i, "keske") || question_is(s, i, "kesk") ||
		    question_is(s, i, "esce") || question_is(s, i, "estce") ||
		    question_is(s, i, "qu'est-ce"))
			*cues |= QUESTION_CUE(CUE_ESTCEQUE);
		/* A pronoun joined by a hyphen after a verb: "livrez-vous",
		 * "a-t-il", "peut-on". */
		if (i > 0 && s->words[i].hyph &&
		    question_has(s, i, WC_PRON_FR) &&
		    !question_has(s, i - 1, WC_PRON_FR) &&
		    !question_is(s, i - 1, "ce"))
			*cues |= QUESTION_CUE(CUE_INV_HYPH);
		if (question_has(s, i, WC_QQN_FR) &&
		    (question_has(s, i + 1, WC_SAVOIR_FR | WC_MODAL_FR) ||
		    (question_is(s, i + 1, "d'") ||
		    question_is(s, i + 1, "aurait"))))
			*cues |= QUESTION_CUE(CUE_QQN);
		if (question_has(s, i, WC_SAVOIR_FR) &&
		    (question_has(s, i + 1, WC_IF) ||
		    (question_has(s, i + 1, WC_WH_FR) &&
		    !question_is(s, i + 1, "quoi") &&
		    !question_is(s, i + 1, "que") &&
		    !question_is(s, i + 1, "qu'"))) &&
		    (i == head || (i > 0 && (question_is(s, i - 1, "tu") ||
		    question_is(s, i - 1, "vous") ||
		    question_is(s, i - 1, "t'") || question_is(s, i - 1, "on")))))
			*cues |= QUESTION_CUE(CUE_SAIS_SI);
		if (question_has(s, i, WC_WANT) &&
		    (question_is(s, i + 1, "savoir") ||
		    question_is(s, i + 1, "connaitre") ||
		    question_is(s, i + 1, "avoir") ||
		    (question_is(s, i + 1, "des") &&
		    (question_is(s, i + 2, "informations") ||
		    question_is(s, i + 2, "renseignements") ||
		    question_is(s, i + 2, "infos")))))
			*cues |= QUESTION_CUE(CUE_SAVOIR);
		if ((question_is(s, i, "me") || question_is(s, i, "je")) &&
		    (question_is(s, i + 1, "demandais") ||
		    question_is(s, i + 1, "demande")) &&
		    question_has(s, i + 2, WC_IF | WC_WH_FR))
			*cues |= QUESTION_CUE(CUE_SAVOIR);
		if (question_is(s, i, "savoir") && (question_is(s, i + 1, "si") ||
		    question_is(s, i + 1, "s'")))
			*cues |= QUESTION_CUE(CUE_SAVOIR);
		if (i > 0 && (question_is(s, i, "moi") || question_is(s, i, "nous"))
		    && s->words[i - 1].len > 3 && (strcmp(s->words[i - 1].w +
		    s->words[i - 1].len - 2, "ez") == 0 ||
		    question_is(s, i - 1, "explique") ||
		    question_is(s, i - 1, "donne") ||
		    question_is(s, i - 1, "envoie") ||
		    question_is(s, i - 1, "renvoie") ||
		    question_is(s, i - 1, "indique") ||
		    question_is(s, i - 1, "confirme")) &&
		    !question_is(s, i - 1, "chez") &&
		    !question_is(s, i - 1, "excusez") &&
		    !question_is(s, i - 1, "assez"))
			*cues |= QUESTION_CUE(CUE_REQUEST);
		if (question_is(s, i, "besoin") && question_is(s, i + 1, "de") &&
		    question_is(s, i + 2, "savoir"))
			*cues |= QUESTION_CUE(CUE_SAVOIR);
		/* pouvez vous / pourriez-vous / peux tu / merci de me. */
		if (((question_is(s, i, "pouvez") ||
		    question_is(s, i, "pourriez") ||
		    question_is(s, i, "voudriez")) &&
		    question_is(s, i + 1, "vous")) ||
		    ((question_is(s, i, "peux") ||
		    question_is(s, i, "pourrais") ||
		    question_is(s, i, "pourrai") || question_is(s, i, "peut") ||
		    question_is(s, i, "pourrait")) &&
		    (question_is(s, i + 1, "tu") || question_is(s, i + 1, "on")
		    || question_is(s, i + 1, "t'"))) ||
		    ((question_is(s, i, "vous") || question_is(s, i, "tu")) &&
		    (question_is(s, i + 1, "pouvez") ||
		    question_is(s, i + 1, "pourriez") ||
		    question_is(s, i + 1, "peux") ||
		    question_is(s, i + 1, "pourrais")) && i == head &&
		    (question_is(s, i + 2, "me") || question_is(s, i + 2, "m'") ||
		    question_is(s, i + 2, "nous") ||
		    question_is(s, i + 2, "svp") ||
		    question_is(s, i + 2, "stp"))) ||
		    (question_is(s, i, "merci") && question_is(s, i + 1, "de") &&
		    (question_is(s, i + 2, "me") || question_is(s, i + 2, "m'") ||
		    question_is(s, i + 2, "nous"))) ||
		    /* "merci d'avance", "merci par avance": help is asked */
		    (question_is(s, i, "merci") && (question_is(s, i + 1, "d'")
		    || question_is(s, i + 1, "par")) &&
		    question_is(s, i + 2, "avance")) ||
		    ((question_is(s, i, "dites") || question_is(s, i, "dis")) &&
		    (question_is(s, i + 1, "moi") || question_is(s, i + 1, "nous"))
		    && s->words[i + 1].hyph))
			*cues |= QUESTION_CUE(CUE_REQUEST);
		if ((question_is(s, i, "une") || question_is(s, i, "des") ||
		    question_is(s, i, "vos") || question_is(s, i, "un")) &&
		    (question_is(s, i + 1, "idee") || question_is(s, i + 1, "idees")
		    || question_is(s, i + 1, "conseil") ||
		    question_is(s, i + 1, "conseils") ||
		    question_is(s, i + 1, "astuce") ||
		    question_is(s, i + 1, "avis") ||
		    question_is(s, i + 1, "astuces")) && i <= head + 3)
			*cues |= QUESTION_CUE(CUE_IDEA);
		if (question_is(s, i, "possible") && i <= head + 3 &&
		    (question_is(s, i + 1, "de") || question_is(s, i + 1, "d'")
		    || i + 1 >= n) && !question_any(s, 0, "pas"))
			*cues |= QUESTION_CUE(CUE_POSSIBLE);
	}
	/* Rhetorical: "pourquoi pas", "sérieux", "tu sais quoi", "qui sait",
	 * "comment ne pas aimer". */
	if ((n >= 2 && question_is(s, n - 2, "pourquoi") &&
	    question_is(s, n - 1, "pas")) ||
	    ((question_is(s, head, "serieux") || question_is(s, head, "srx") ||
	    question_is(s, head, "serieusement") ||
	    question_is(s, head, "vraiment") || question_is(s, head, "sans")) &&
	    n <= head + 2) ||
	    (question_is(s, head, "tu") && question_is(s, head + 1, "sais") &&
	    question_is(s, head + 2, "quoi")) ||
	    (question_is(s, head, "n'") && question_is(s, head + 1, "importe") &&
	    question_is(s, head + 2, "quoi"))
	    || (question_is(s, head, "qui") && question_is(s, head + 1, "sait") &&
	    n == head + 2) || (question_is(s, head, "comment") &&
	    question_is(s, head + 1, "ne") && question_is(s, head + 2, "pas"))
	    || (question_is(s, head, "tu") && question_is(s, head + 1, "te") &&
	    question_is(s, head + 2, "fous")))
		*cues |= QUESTION_CUE(CUE_RHET);
}

/* Turn sentence S into features of sentence slot I of QF. */
static void
question_sentence_features(const struct question_sentence *s, int fr,
    struct question_features *qf, size_t i)
{
	static const uint8_t lenb[] = { 0, 1, 2, 3, 3, 4, 4, 4, 4 };
	uint32_t fill = fr ? WC_FILL_FR : WC_FILL_EN;
	size_t n = s->nwords, head = 0, k;
	uint32_t cues = 0, todo, hh, hl, *f = qf->feature[i];
	uint32_t lb, L = (uint32_t)fr, none = 0x2f2f2f2f;
	size_t m = 0;
	int q = s->qmarks > 0;

	while (head < n && head < 4 && (s->words[head].num ||
	    (s->words[head].cls & fill) != 0))
		head++;
	if (head == n && n > 0)
		head = 0;
	/* A speaker's restart at the head ("do, do you", "have you, have
	 * you worked") is read once: the head is the second start. */
	if (head + 2 < n) {
		if (s->words[head].h == s->words[head + 1].h &&
		    !s->words[head + 1].hyph)
			head++;
		else if (head + 3 < n &&
		    s->words[head].h == s->words[head + 2].h &&
		    s->words[head + 1].h == s->words[head + 3].h &&
		    !s->words[head + 2].hyph)
			head += 2;
	}

	/* A clause after a comma that asks with its own inversion is the
	 * sentence's head: "if I ever wanted a kid, how could I work",
	 * "fine thanks, how are you"; not a relative clause, whose subject
	 * is no pronoun ("my car, which is the red one"), nor a hedge,
	 * "just, how shall I say it, shoes". */
	if (!fr && s->commas > 0 && head + 3 < n &&
	    (s->words[head].cls & (WC_WH_EN | WC_AUX_EN)) == 0)
		for (k = head + 3; k + 2 < n; k++)
			if (s->words[k - 1].comma &&
			    question_has(s, k, WC_WH_EN) &&
			    question_has(s, k + 1, WC_AUX_EN) &&
			    question_has(s, k + 2, WC_PRON_EN) &&
			    !question_is(s, k + 3, "say") &&
			    !question_is(s, k + 3, "put")) {
				head = k;
				break;
			}

	if (q) {
		cues |= QUESTION_CUE(CUE_Q);
		if (s->qmarks > 1)
			cues |= QUESTION_CUE(CUE_QQ);
		if (s->excls > 0)
			cues |= QUESTION_CUE(CUE_QEX);
		if (n == 0)
			cues |= QUESTION_CUE(CUE_EMPTY_Q);
	} else {
		cues |= QUESTION_CUE(CUE_NOQ);
		if (s->excls > 0)
			cues |= QUESTION_CUE(CUE_EX);
	}
	if (fr)
		question_cues_fr(s, head, &cues);
	else
		question_cues_en(s, head, &cues);

	qf->flags[i] = (cues & question_strong[fr]) != 0 ? QUESTION_STRONG : 0;
	if (cues & QUESTION_CUE(CUE_RHET))
		qf->flags[i] = QUESTION_RHETORICAL;
	/* At most 2 + CUE_COUNT + 6 features: no check needed. */
	f[m++] = 0;	/* the bias */
	f[m++] = question_lang_buckets[fr];
	for (todo = cues; todo != 0; todo &= todo - 1)
		f[m++] = question_cue_buckets[fr][__builtin_ctz(todo)];
	lb = s->total < sizeof lenb ? lenb[s->total] : (s->total < 16 ? 5 : 6);
	hh = n > head ? s->words[head].h : none;
	hl = n > 0 ? s->words[n - 1].h : none;
	f[m++] = question_bucket(3, L, lb * 2 + (uint32_t)q);
	f[m++] = question_bucket(4, L, hh);
	f[m++] = question_bucket(5, L ^ (n > head + 1 ?
	    s->words[head + 1].h : none), hh);
	f[m++] = question_bucket(6, L * 2 + (uint32_t)q, hh);
	f[m++] = question_bucket(7, L * 2 + (uint32_t)q, hl);
	f[m++] = question_bucket(8, L ^ (n > 1 ? s->words[n - 2].h : none), hl);
	qf->nfeatures[i] = (uint8_t)m;
}

/* Close the sentence *SP into QF and start a new one (*PP, the sentence
 * before, and *SP trade places). A sentence of nothing but end marks lends
 * them to the sentence before. */
static void
question_close(struct question_sentence **sp, int fr,
    struct question_features *qf, struct question_sentence **pp,
    int *have_prev)
{
	struct question_sentence *s = *sp, *prev = *pp;

	if (s->nwords == 0 && s->qmarks == 0) {
		s->excls = s->ellipsis = s->commas = 0;
		return;
	}
	if (s->nwords == 0 && *have_prev && prev->qmarks == 0 &&
	    qf->nsentences > 0) {
		/* "busy...you???" already closed "you": redo it with '?'. */
		prev->qmarks = s->qmarks;
		prev->excls += s->excls;
		qf->nsentences--;
		qf->nfeatures[qf->nsentences] = 0;
		question_sentence_features(prev, fr, qf, qf->nsentences);
		qf->nsentences++;
	} else if (qf->nsentences < QUESTION_MAX_SENTENCES) {
		qf->nfeatures[qf->nsentences] = 0;
		question_sentence_features(s, fr, qf, qf->nsentences);
		qf->nsentences++;
		*pp = s;
		*sp = s = prev;
		*have_prev = 1;
	}
	s->nwords = s->total = 0;
	s->qmarks = s->excls = s->ellipsis = s->commas = 0;
}

void
question_features(const char *text, size_t len, const char *lang,
    struct question_features *qf)
{
	const unsigned char *p = (const unsigned char *)text;
	struct question_sentence buf[2], *s = &buf[0], *prev = &buf[1];
	char w[QUESTION_WORD_BYTES * 2];
	size_t n, i, wl = 0, used;
	int fr, hyph = 0, grave = 0, have_prev = 0, start = 1, ended = 0;
	int num = 0;
	uint32_t h = 2166136261u;
	size_t hashed = 0;

	pthread_once(&question_once, question_init);
	fr = lang != NULL && strcmp(lang, "fr") == 0;
	qf->nsentences = 0;
	s->nwords = s->total = 0;
	s->qmarks = s->excls = s->ellipsis = s->commas = 0;
	n = len < QUESTION_MAX_BYTES ? len : QUESTION_MAX_BYTES;
	memset(w, 0, sizeof w);

#define QUESTION_FLUSH() do {						\
	if (wl > 0) {							\
		question_add_word(s, w, wl, hyph, grave, num, h,	\
		    hashed);						\
		wl = 0;							\
	}								\
	hyph = grave = num = 0;						\
	h = 2166136261u;						\
	hashed = 0;							\
} while (0)

	for (i = 0; i < n; i += used) {
		unsigned char c = p[i];

		/* The common case first: an ASCII letter or digit that
		 * cannot start a skipped URL. */
		if (question_ascii[c] != 0 && wl < QUESTION_WORD_BYTES &&
		    !(start && wl == 0 && question_url_letter(c))) {
			size_t l = wl, end;
			unsigned char f = (unsigned char)question_ascii[c];
			unsigned all = 0xff;
			uint32_t hh = h;

			if (ended) {
				question_close(&s, fr, qf, &prev, &have_prev);
				ended = 0;
			}
			start = 0;
			/* The rest of the run of such bytes at once, hashed on
			 * the way when nothing came before it unhashed. Digits
			 * only ever come this way (letters have bit 0x40). */
			end = i + (QUESTION_WORD_BYTES - l);
			if (end > n)
				end = n;
			do {
				all &= f;
				hh = (hh ^ f) * 16777619u;
				w[l++] = (char)f;
			} while (++i < end &&
			    (f = (unsigned char)question_ascii[p[i]]) != 0);
			if (hashed == wl) {
				h = hh;
				hashed = l;
			}
			if ((all & 0x40) == 0)
				num = 1;
			wl = l;
			used = 0;
			continue;
		}
		used = 1;
		if (c == ' ') {
			/* the other common case: a space ends a word */
			QUESTION_FLUSH();
			start = 1;
			continue;
		}
		/* After the end marks of a sentence, the next word starts the
		 * next sentence. */
		if (start && wl == 0 && question_skipped(p + i, n - i)) {
			while (i + used < n && p[i + used] > ' ')
				used++;
			continue;
		}
		if (wl < QUESTION_WORD_BYTES &&
		    (used = question_letter(p + i, n - i, w, &wl,
		    &grave)) != 0) {
			if (ended) {
				/* the letter after "?!" opens a sentence */
				question_close(&s, fr, qf, &prev, &have_prev);
				ended = 0;
			}
			start = 0;
			continue;
		}
		used = 1;
		if (wl >= QUESTION_WORD_BYTES && (c >= 0x80 || (c | 0x20) >= 'a'
		    || (c >= '0' && c <= '9'))) {
			/* an overlong word: drop the rest of it */
			continue;
		}
		if ((c == '\'' || c == '`' || (c == 0xe2 && i + 2 < n &&
		    p[i + 1] == 0x80 && p[i + 2] == 0x99)) && wl > 0) {
			used = c == 0xe2 ? 3 : 1;
			if (question_elision(w, wl)) {
				w[wl++] = '\'';
				QUESTION_FLUSH();
			} else if (wl < QUESTION_WORD_BYTES)
				w[wl++] = '\'';
			continue;
		}
		if (c == '-' && wl > 0 && i + 1 < n && (p[i + 1] >= 0x80 ||
		    ((p[i + 1] | 0x20) >= 'a' && (p[i + 1] | 0x20) <= 'z'))) {
			QUESTION_FLUSH();
			hyph = 1;
			continue;
		}
		QUESTION_FLUSH();
		/* The letter of a smiley (":D", ";p", ":s") is no word. */
		if ((c == ':' || c == ';') && i + 1 < n &&
		    strchr("DPpSsOoXx", p[i + 1]) != NULL && p[i + 1] != 0 &&
		    (i + 2 == n || question_ascii[p[i + 2]] == 0)) {
			used = 2;
			start = 1;
			continue;
		}
		start = c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '(' || c == '"';
		if ((c == ',' || c == ':') && s->nwords > 0) {
			s->words[s->nwords - 1].comma = 1;
			s->commas++;
		}
		if (c == '?') {
			/* In a query string ("?a=1"), before a closing quote or
			 * inside guillemets, it is not the sentence's. */
			if (i + 1 < n && (p[i + 1] == '=' || p[i + 1] == '&' ||
			    ((p[i + 1] | 0x20) >= 'a' && (p[i + 1] | 0x20) <=
			    'z' && s->nwords > 0 && !ended)))
				continue;
			if (question_quoted(p, i + 1, n))
				continue;
			s->qmarks++;
			ended = 1;
		} else if (c == '!') {
			s->excls++;
			ended = 1;
		} else if (c == '.') {
			if (i + 1 < n && p[i + 1] == '.')
				s->ellipsis = 1;
			ended = 1;
		} else if (c == '\n') {
			ended = 1;
		} else if (c == 0xe2 && i + 2 < n && p[i + 1] == 0x80 &&
		    p[i + 2] == 0xa6) {
			s->ellipsis = 1;
			ended = 1;
			used = 3;
		} else if (c >= 0xc0) {
			/* another letter or symbol: skip its bytes */
			while (i + used < n && (p[i + used] & 0xc0) == 0x80)
				used++;
		}
	}
	QUESTION_FLUSH();
	question_close(&s, fr, qf, &prev, &have_prev);
#undef QUESTION_FLUSH
}

double
question_adjust(double z, unsigned flags)
{
	if ((flags & QUESTION_RHETORICAL) && z > -QUESTION_RULE_MARGIN)
		return -QUESTION_RULE_MARGIN;
	if ((flags & QUESTION_STRONG) && z < QUESTION_RULE_MARGIN)
		return QUESTION_RULE_MARGIN;
	return z;
}

double
question_score(const struct question_features *qf, const float *w,
    size_t *best)
{
	double top = -1e9, z;
	size_t i, k;

	if (best != NULL)
		*best = 0;
	for (i = 0; i < qf->nsentences; i++) {
		z = 0;
		for (k = 0; k < qf->nfeatures[i]; k++)
			z += w[qf->feature[i][k]];
		z = question_adjust(z, qf->flags[i]);
		if (z > top) {
			top = z;
			if (best != NULL)
				*best = i;
		}
	}
	if (qf->nsentences == 0)
		return 0;
	return 1 / (1 + exp(-top));
}

int
question_detect(const char *text, size_t len, const char *lang,
    double *score)
{
	struct question_features qf;
	double sc;

	if (lang == NULL || (strcmp(lang, "en") != 0 &&
	    strcmp(lang, "fr") != 0))
		lang = lang_detect(text, len, NULL);
	question_features(text, len, lang, &qf);
	sc = question_score(&qf, question_model_weights, NULL);
	if (score != NULL)
		*score = sc;
	return sc >= QUESTION_THRESHOLD;
}
