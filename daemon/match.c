/*
 * match.c - phrase matching, the walking skeleton's matcher (see match.h).
 *
 * Each phrase is folded once at compile time; each mention is folded once and
 * every phrase of every track is looked for in it with memmem(3), then checked
 * for word boundaries. A set of the byte pairs in the text lets most phrases
 * be ruled out before any search. Simple and linear in tracks x phrases; a later issue
 * brings a real query language and a multi-pattern automaton.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#include "match.h"
#include "mention.h"
#include "text.h"
#include "xmalloc.h"

struct match_phrase {
	char		*folded;	/* what is searched */
	size_t		 len;
	char		*term;		/* as written in the query, for m->terms */
};

struct match_track {
	char			*name;
	char			**langs;	/* NULL-terminated, NULL = any */
	struct match_phrase	*phrases;
	size_t			 nphrases;
};

struct match_set {
	struct match_track	*tracks;
	size_t			 ntracks;
};

/* Collapse whitespace runs in S to single spaces and trim, in place. */
static void
match_squeeze(char *s)
{
	char *r = s, *w = s;
	int space = 0;

	for (; *r != '\0'; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r' ||
		    *r == '\f' || *r == '\v') {
			space = 1;
			continue;
		}
		if (space && w != s)
			*w++ = ' ';
		space = 0;
		*w++ = *r;
	}
	*w = '\0';
}

/* Is the code point at U (of at most N bytes) a letter, digit or mark? */
static int
match_word_cp(const unsigned char *u, size_t n)
{
	utf8proc_int32_t cp;
	utf8proc_category_t cat;

	if (u[0] < 0x80)
		return (u[0] >= 'a' && u[0] <= 'z') ||
		    (u[0] >= 'A' && u[0] <= 'Z') ||
		    (u[0] >= '0' && u[0] <= '9') || u[0] == '_';
	if (utf8proc_iterate(u, (utf8proc_ssize_t)n, &cp) <= 0)
		return 0;
	cat = utf8proc_category(cp);
	return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO;
}

/* Does a word character end just before S + AT? */
static int
match_word_before(const char *s, size_t at)
{
	size_t i = at;

	if (at == 0)
		return 0;
	/* Back to the lead byte of the previous code point. */
	while (i > 0 && at - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0)
		i--;
	return match_word_cp((const unsigned char *)s + i, at - i);
}

/* match_phrase_found for FOLDED of FLEN bytes. */
static int
match_phrase_in(const char *folded, size_t flen, const char *phrase,
    size_t len)
{
	size_t at;
	const char *p = folded, *end = folded + flen;
	int first_word, last_word;

	if (len == 0 || len > flen)
		return 0;
	first_word = match_word_cp((const unsigned char *)phrase, len);
	last_word = match_word_before(phrase, len);
	while ((p = memmem(p, (size_t)(end - p), phrase, len)) != NULL) {
		at = (size_t)(p - folded);
		if ((!first_word || !match_word_before(folded, at)) &&
		    (!last_word || at + len == flen ||
		    !match_word_cp((const unsigned char *)p + len,
		    flen - at - len)))
			return 1;
		p++;
	}
	return 0;
}

int
match_phrase_found(const char *folded, const char *phrase, size_t len)
{
	return match_phrase_in(folded, strlen(folded), phrase, len);
}

/* Add PHRASE (LEN bytes of the query) to track T; -1 with *cause if it has
 * nothing to match. */
static int
match_add_phrase(struct match_track *t, const char *phrase, size_t len,
    char **cause)
{
	struct match_phrase *ph;
	char *term, *folded;

	term = xstrndup(phrase, len);
	match_squeeze(term);
	folded = text_fold(term, strlen(term));
	if (folded != NULL)
		match_squeeze(folded);
	if (folded == NULL || *folded == '\0') {
		*cause = xasprintf("empty phrase in query");
		free(term);
		free(folded);
		return -1;
	}
	t->phrases = xreallocarray(t->phrases, t->nphrases + 1,
	    sizeof(*t->phrases));
	ph = &t->phrases[t->nphrases++];
	ph->term = term;
	ph->folded = folded;
	ph->len = strlen(folded);
	return 0;
}

/* Does the unquoted phrase S (N bytes) start or end with a bare OR, as in
 * "OR x", "x OR" or "x OR  OR y"? */
static int
match_dangling_or(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 2 && strncmp(s, "OR", 2) == 0)
		return 1;
	if (n >= 3 && (strncmp(s, "OR ", 3) == 0 ||
	    strncmp(s + n - 3, " OR", 3) == 0))
		return 1;
	return 0;
}

/* Split QUERY into phrases for track T; -1 with *cause on a bad query. */
static int
match_parse(struct match_track *t, const char *query, char **cause)
{
	const char *p = query, *start, *end;
	int quoted = 0;

	for (;;) {
		/* One phrase: up to " OR " outside quotes, or the end. */
		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		quoted = *p == '"';
		if (quoted) {
			start = ++p;
			end = strchr(p, '"');
			if (end == NULL) {
				*cause = xstrdup("unbalanced quote in query");
				return -1;
			}
			p = end + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != '\0' && strncmp(p - 1, " OR ", 4) != 0) {
				*cause = xstrdup("text after a quoted phrase "
				    "(phrases are separated by \" OR \")");
				return -1;
			}
		} else {
			end = strstr(p, " OR ");
			if (end == NULL)
				end = p + strlen(p);
			if (memchr(start, '"', (size_t)(end - start)) != NULL) {
				*cause = xstrdup("quote inside a phrase");
				return -1;
			}
			if (match_dangling_or(start, (size_t)(end - start))) {
				*cause = xstrdup("empty phrase in query");
				return -1;
			}
			p = end;
		}
		if (match_add_phrase(t, start, (size_t)(end - start),
		    cause) != 0)
			return -1;
		if (*p == '\0')
			return 0;
		/* At " OR " (p may sit on its space or its O). */
		if (*p == ' ')
			p++;
		p += 2;
		if (*p == ' ')
			p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0') {
			*cause = xstrdup("empty phrase in query");
			return -1;
		}
	}
}

/* Free the contents of track T. */
static void
match_track_clear(struct match_track *t)
{
	size_t i;

	free(t->name);
	if (t->langs != NULL)
		for (i = 0; t->langs[i] != NULL; i++)
			free(t->langs[i]);
	free(t->langs);
	for (i = 0; i < t->nphrases; i++) {
		free(t->phrases[i].term);
		free(t->phrases[i].folded);
	}
	free(t->phrases);
}

struct match_set *
match_compile(const struct config_track *tracks, size_t n, char **cause)
{
	struct match_set *set;
	struct match_track *t;
	char *why = NULL;
	size_t i, j, nl;

	set = xcalloc(1, sizeof(*set));
	set->tracks = xcalloc(n, sizeof(*set->tracks));
	for (i = 0; i < n; i++) {
		t = &set->tracks[set->ntracks++];
		t->name = xstrdup(tracks[i].name);
		if (tracks[i].langs != NULL) {
			for (nl = 0; tracks[i].langs[nl] != NULL; nl++)
				;
			t->langs = xcalloc(nl + 1, sizeof(*t->langs));
			for (j = 0; j < nl; j++)
				t->langs[j] = xstrdup(tracks[i].langs[j]);
		}
		if (tracks[i].query == NULL) {
			why = xstrdup("no query");
			goto fail;
		}
		if (match_parse(t, tracks[i].query, &why) != 0)
			goto fail;
	}
	return set;

fail:
	if (tracks[i].where.file != NULL)
		*cause = xasprintf("track %s (%s:%d): %s", tracks[i].name,
		    tracks[i].where.file, tracks[i].where.line, why);
	else
		*cause = xasprintf("track %s: %s", tracks[i].name, why);
	free(why);
	match_free(set);
	return NULL;
}

/* The length of LANG's primary subtag ("en" of "en-GB"). */
static size_t
match_lang_len(const char *lang)
{
	return strcspn(lang, "-_");
}

/* Does track T accept a mention in LANG (NULL when unknown)? */
static int
match_lang_ok(const struct match_track *t, const char *lang)
{
	size_t i, n;

	if (t->langs == NULL || t->langs[0] == NULL || lang == NULL)
		return 1;
	n = match_lang_len(lang);
	for (i = 0; t->langs[i] != NULL; i++)
		if (match_lang_len(t->langs[i]) == n &&
		    strncasecmp(t->langs[i], lang, n) == 0)
			return 1;
	return 0;
}

char *
match_fold(const struct mention *m)
{
	char *title = NULL, *text, *out;

	if (m->title != NULL) {
		title = text_fold(m->title, strlen(m->title));
		if (title != NULL)
			match_squeeze(title);
	}
	text = text_fold(m->text, m->text == NULL ? 0 : strlen(m->text));
	if (text != NULL)
		match_squeeze(text);
	out = xasprintf("%s\n%s", title ? title : "", text ? text : "");
	free(title);
	free(text);
	return out;
}

/* The byte pair at S as a bit number of a pair set. */
#define MATCH_PAIR(s) \
	((size_t)(unsigned char)(s)[0] << 8 | (unsigned char)(s)[1])
#define MATCH_HAS_PAIR(set, s) \
	(((set)[MATCH_PAIR(s) / 64] >> (MATCH_PAIR(s) % 64)) & 1)

int
match_run(const struct match_set *set, struct mention *m, const char *folded)
{
	const struct match_track *t;
	const struct match_phrase *ph;
	uint64_t pairs[65536 / 64];
	size_t i, j, flen = strlen(folded);
	int found, count = 0;

	/*
	 * Which byte pairs occur in the text, so that a phrase whose first or
	 * last pair is absent is skipped without a search. Most are.
	 */
	memset(pairs, 0, sizeof(pairs));
	for (i = 0; i + 1 < flen; i++)
		pairs[MATCH_PAIR(folded + i) / 64] |=
		    (uint64_t)1 << (MATCH_PAIR(folded + i) % 64);

	for (i = 0; i < set->ntracks; i++) {
		t = &set->tracks[i];
		if (!match_lang_ok(t, m->lang))
			continue;
		found = 0;
		for (j = 0; j < t->nphrases; j++) {
			ph = &t->phrases[j];
			if (ph->len >= 2 && (!MATCH_HAS_PAIR(pairs, ph->folded) ||
			    !MATCH_HAS_PAIR(pairs, ph->folded + ph->len - 2)))
				continue;
			if (!match_phrase_in(folded, flen, ph->folded, ph->len))
				continue;
			if (!found)
				mention_add_track(m, t->name);
			found = 1;
			mention_add_term(m, ph->term);
		}
		count += found;
	}
	return count;
}

void
match_free(struct match_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->ntracks; i++)
		match_track_clear(&set->tracks[i]);
	free(set->tracks);
	free(set);
}
