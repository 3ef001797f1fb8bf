/*
 * match.c - tracked queries compiled into one automaton (see match.h).
 *
 * Compiling: each track's query is parsed (query.c); each of its terms gets a
 * number, and the folded form of every title/text term is added to one byte
 * trie whose nodes list the terms that end there. The trie is then frozen:
 * nodes with many children get a dense row of 256 next states, the others a
 * short list of (byte, next state) pairs, which keeps 10,000 terms in a few
 * megabytes while the root and the busy first levels stay one load away.
 *
 * Running: the folded text is scanned once, one character at a time, and the
 * trie is walked from each word start (whole-word terms can only start
 * there). Every node passed that ends terms is a hit when the word boundary
 * at its end holds. Hits are sorted by term; the tracks they belong to, and
 * the tracks that may match without any hit, have their query tree
 * evaluated against them. Word positions (for NEAR/n and exact case) are
 * counted only when such a track is among them.
 */
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#include "match.h"
#include "mention.h"
#include "query.h"
#include "text.h"
#include "xmalloc.h"

/* A node with this many children or more gets a dense row. */
#define MATCH_DENSE_MIN		6
#define MATCH_DENSE		0xff
/* Bits in the filter of first words (32 KB). */
#define MATCH_KEY_SHIFT		18
#define MATCH_KEY_BITS		(1U << MATCH_KEY_SHIFT)
/* Hits kept on the stack before the heap is used. */
#define MATCH_STACK_HITS	32

/* ASCII word characters: letters, digits and '_'. */
static const uint8_t match_ascii_word[128] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['_'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

/* A frozen trie node. */
struct match_node {
	uint32_t	 edges;		/* first edge, or dense row */
	uint32_t	 out;		/* first term number in outs */
	uint32_t	 nout;
	uint8_t		 nedges;	/* MATCH_DENSE: dense row */
};

/* One term of one track. */
struct match_term {
	uint32_t		 track;
	const struct query_node	*node;		/* field, flags, written */
	char			*pattern;	/* folded (or lower-case) form */
	size_t			 len;
	char			*exact;		/* QUERY_EXACT: as written */
	size_t			 exactlen;
	int			 need_end;	/* a word boundary after it */
	int			 word_start;	/* starts with a word character */
};

struct match_track {
	char			*name;
	char			**langs;	/* NULL-terminated, NULL = any */
	struct query_node	*query;
	int			 always;	/* may match with no hit */
};

struct match_set {
	struct match_track	*tracks;
	size_t			 ntracks;
	struct match_term	*terms;
	size_t			 nterms;

	struct match_node	*nodes;
	size_t			 nnodes;
	uint8_t			*edge_byte;
	uint32_t		*edge_to;
	size_t			 nedges;
	uint32_t		(*dense)[256];
	size_t			 ndense;
	uint32_t		*outs;
	size_t			 nouts;

	uint32_t		*always;	/* tracks that may match unhit */
	size_t			 nalways;
	uint8_t			 starter[256];	/* non-word first bytes */
	uint8_t			 anyword[256];	/* short prefixes: walk always */
	uint64_t		 firstwords[MATCH_KEY_BITS / 64];
};

/* The trie while it is built: linked lists of edges and outputs. */
struct match_build {
	struct {
		uint32_t	 edge;		/* first edge + 1, 0 none */
		uint32_t	 out;		/* first output + 1, 0 none */
	}			*nodes;
	size_t			 nnodes, capnodes;
	struct {
		uint32_t	 to, next;	/* next: + 1, 0 none */
		uint8_t		 byte;
	}			*edges;
	size_t			 nedges, capedges;
	struct {
		uint32_t	 term, next;
	}			*outs;
	size_t			 nouts, capouts;
};

/* A term found in the text. */
struct match_hit {
	uint32_t	 term;
	uint32_t	 start, end;	/* bytes of the folded text */
	int32_t		 ws, we;	/* first and last word, or -1 */
	int		 valid;
};

/* The state of one match_run. */
struct match_ctx {
	const struct match_set	*set;
	struct mention		*m;
	const unsigned char	*t;
	size_t			 len;
	size_t			 title_len;	/* folded title, before '\n' */
	struct match_hit	*hits;
	size_t			 nhits, caphits;
	struct match_hit	 stack[MATCH_STACK_HITS];
	int			 positioned;	/* ws/we are set */
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

/* Is the non-ASCII code point at U (N bytes left) a word character? Sets
 * *STEP to its length (1 for an invalid byte). */
static int
match_word_slow(const unsigned char *u, size_t n, size_t *step)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t got;
	utf8proc_category_t cat;

	got = utf8proc_iterate(u, (utf8proc_ssize_t)(n > 4 ? 4 : n), &cp);
	if (got <= 0) {
		*step = 1;
		return 0;
	}
	*step = (size_t)got;
	cat = utf8proc_category(cp);
	return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO;
}

/* Is the character at U (N > 0 bytes left) a word character? *STEP is set
 * to its length. */
static inline int
match_word_at(const unsigned char *u, size_t n, size_t *step)
{
	if (u[0] < 0x80) {
		*step = 1;
		return match_ascii_word[u[0]];
	}
	return match_word_slow(u, n, step);
}

/* The filter bit of a word W of N > 0 bytes: its first four bytes, or all
 * of them and its length when it is shorter. AVAIL: how many bytes from W
 * may be read (with 4 or more, short words need no loop nor branch). */
static inline uint32_t
match_key(const unsigned char *w, size_t n, size_t avail)
{
	static const uint32_t keep[5] = {
		0, 0xff, 0xffff, 0xffffff, 0xffffffff
	};
	static const uint32_t size[5] = {
		0xf0000000, 0xf1000000, 0xf2000000, 0xf3000000, 0
	};
	uint32_t k = 0;
	size_t m = n < 4 ? n : 4;

	if (avail >= 4)
		memcpy(&k, w, 4);
	else
		memcpy(&k, w, m);
	k = (k & keep[m]) | size[m];
	return (k * 0x9e3779b1U) >> (32 - MATCH_KEY_SHIFT);
}

/* Is the code point at U (of at most N bytes) a word character? */
static int
match_word_cp(const unsigned char *u, size_t n)
{
	size_t step;

	if (n == 0)
		return 0;
	return match_word_at(u, n, &step);
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

/* Is S + AT (AT > 0) just after an '@' that starts a handle (an '@' with no
 * word character before it)? */
static int
match_in_handle(const char *s, size_t at)
{
	return at > 0 && s[at - 1] == '@' && !match_word_before(s, at - 1);
}

/* Where NEEDLE (NLEN bytes) occurs in HAY (HLEN bytes) as whole words, from
 * byte FROM on: its offset, or -1. PREFIX: no boundary needed at its end. */
static ssize_t
match_find(const char *hay, size_t hlen, size_t from, const char *needle,
    size_t nlen, int prefix)
{
	const char *p, *end = hay + hlen;
	size_t at;
	int first_word, last_word;

	if (nlen == 0 || nlen > hlen || from > hlen)
		return -1;
	first_word = match_word_cp((const unsigned char *)needle, nlen);
	last_word = !prefix && match_word_before(needle, nlen);
	for (p = hay + from; (p = memmem(p, (size_t)(end - p), needle,
	    nlen)) != NULL; p++) {
		at = (size_t)(p - hay);
		if (first_word && (match_word_before(hay, at) ||
		    match_in_handle(hay, at)))
			continue;
		if (!first_word && (*needle == '@' || *needle == '#') &&
		    match_word_before(hay, at))
			continue;
		if (last_word && at + nlen < hlen &&
		    match_word_cp((const unsigned char *)p + nlen,
		    hlen - at - nlen))
			continue;
		return (ssize_t)at;
	}
	return -1;
}

int
match_phrase_found(const char *folded, const char *phrase, size_t len)
{
	const char *p, *end;
	size_t flen = strlen(folded), at;
	int first_word, last_word;

	/* Plain whole words: a word after '@' counts here (classification). */
	if (len == 0 || len > flen)
		return 0;
	end = folded + flen;
	first_word = match_word_cp((const unsigned char *)phrase, len);
	last_word = match_word_before(phrase, len);
	for (p = folded; (p = memmem(p, (size_t)(end - p), phrase, len)) !=
	    NULL; p++) {
		at = (size_t)(p - folded);
		if ((!first_word || !match_word_before(folded, at)) &&
		    (!last_word || at + len == flen ||
		    !match_word_cp((const unsigned char *)p + len,
		    flen - at - len)))
			return 1;
	}
	return 0;
}

/* A new trie node in B; its number. */
static uint32_t
match_build_node(struct match_build *b)
{
	if (b->nnodes == b->capnodes) {
		b->capnodes = b->capnodes ? b->capnodes * 2 : 1024;
		b->nodes = xreallocarray(b->nodes, b->capnodes,
		    sizeof(*b->nodes));
	}
	b->nodes[b->nnodes].edge = 0;
	b->nodes[b->nnodes].out = 0;
	return (uint32_t)b->nnodes++;
}

/* Add PATTERN (LEN bytes) for term TERM to B. */
static void
match_build_add(struct match_build *b, const char *pattern, size_t len,
    uint32_t term)
{
	uint32_t node = 0, e, to;
	size_t i;

	for (i = 0; i < len; i++) {
		for (e = b->nodes[node].edge; e != 0; e = b->edges[e - 1].next)
			if (b->edges[e - 1].byte == (uint8_t)pattern[i])
				break;
		if (e != 0) {
			node = b->edges[e - 1].to;
			continue;
		}
		to = match_build_node(b);
		if (b->nedges == b->capedges) {
			b->capedges = b->capedges ? b->capedges * 2 : 1024;
			b->edges = xreallocarray(b->edges, b->capedges,
			    sizeof(*b->edges));
		}
		b->edges[b->nedges].byte = (uint8_t)pattern[i];
		b->edges[b->nedges].to = to;
		b->edges[b->nedges].next = b->nodes[node].edge;
		b->nodes[node].edge = (uint32_t)++b->nedges;
		node = to;
	}
	if (b->nouts == b->capouts) {
		b->capouts = b->capouts ? b->capouts * 2 : 1024;
		b->outs = xreallocarray(b->outs, b->capouts, sizeof(*b->outs));
	}
	b->outs[b->nouts].term = term;
	b->outs[b->nouts].next = b->nodes[node].out;
	b->nodes[node].out = (uint32_t)++b->nouts;
}

/* Freeze the trie of B into SET. */
static void
match_freeze(struct match_set *set, struct match_build *b)
{
	struct match_node *nd;
	size_t i, n, ndense = 0, nsparse = 0;
	uint32_t e, o;

	/* Count first, to allocate once. */
	for (i = 0; i < b->nnodes; i++) {
		for (n = 0, e = b->nodes[i].edge; e != 0;
		    e = b->edges[e - 1].next)
			n++;
		if (i == 0 || n >= MATCH_DENSE_MIN)
			ndense++;
		else
			nsparse += n;
	}
	set->nnodes = b->nnodes;
	set->nodes = xcalloc(b->nnodes, sizeof(*set->nodes));
	set->dense = xcalloc(ndense, sizeof(*set->dense));
	set->edge_byte = xcalloc(nsparse + 1, 1);
	set->edge_to = xcalloc(nsparse + 1, sizeof(*set->edge_to));
	set->outs = xcalloc(b->nouts + 1, sizeof(*set->outs));

	for (i = 0; i < b->nnodes; i++) {
		nd = &set->nodes[i];
		for (n = 0, e = b->nodes[i].edge; e != 0;
		    e = b->edges[e - 1].next)
			n++;
		if (i == 0 || n >= MATCH_DENSE_MIN) {
			nd->nedges = MATCH_DENSE;
			nd->edges = (uint32_t)set->ndense;
			for (e = b->nodes[i].edge; e != 0;
			    e = b->edges[e - 1].next)
				set->dense[set->ndense][b->edges[e - 1].byte] =
				    b->edges[e - 1].to;
			set->ndense++;
		} else {
			nd->nedges = (uint8_t)n;
			nd->edges = (uint32_t)set->nedges;
			for (e = b->nodes[i].edge; e != 0;
			    e = b->edges[e - 1].next) {
				set->edge_byte[set->nedges] =
				    b->edges[e - 1].byte;
				set->edge_to[set->nedges++] =
				    b->edges[e - 1].to;
			}
		}
		nd->out = (uint32_t)set->nouts;
		for (o = b->nodes[i].out; o != 0; o = b->outs[o - 1].next)
			set->outs[set->nouts++] = b->outs[o - 1].term;
		nd->nout = (uint32_t)(set->nouts - nd->out);
	}
}

/* Can N be true when none of its title/text terms is found? */
static int
match_maybe_unhit(const struct query_node *n)
{
	switch (n->type) {
	case QUERY_TERM:
		return n->field != QUERY_TEXT && n->field != QUERY_TITLE;
	case QUERY_AND:
		return match_maybe_unhit(n->left) && match_maybe_unhit(n->right);
	case QUERY_OR:
		return match_maybe_unhit(n->left) || match_maybe_unhit(n->right);
	case QUERY_NOT:
		return 1;
	case QUERY_NEAR:
		break;
	}
	return 0;
}

/* Prepare term T of node N (its number set in N->id); -1 with *COLUMN and
 * *WHY when it has nothing to match. Title/text terms go into B. */
static int
match_add_term(struct match_set *set, struct match_build *b,
    struct match_term *t, const struct query_node *n, int *column,
    char **why)
{
	char *p;
	size_t fw, step;
	uint32_t k;

	t->node = n;
	t->pattern = text_fold(n->word, strlen(n->word));
	if (t->pattern == NULL)
		t->pattern = xstrdup("");
	match_squeeze(t->pattern);
	switch (n->field) {
	case QUERY_AUTHOR:
		if (t->pattern[0] == '@')
			memmove(t->pattern, t->pattern + 1,
			    strlen(t->pattern));
		break;
	case QUERY_SITE:
		if ((p = strstr(t->pattern, "://")) != NULL)
			memmove(t->pattern, p + 3, strlen(p + 3) + 1);
		if (strncmp(t->pattern, "www.", 4) == 0)
			memmove(t->pattern, t->pattern + 4,
			    strlen(t->pattern + 4) + 1);
		t->pattern[strcspn(t->pattern, "/")] = '\0';
		break;
	default:
		break;
	}
	t->len = strlen(t->pattern);
	if (t->len == 0) {
		*column = n->column;
		*why = xasprintf("'%s' has nothing to match", n->written);
		return -1;
	}
	if (n->flags & QUERY_EXACT) {
		t->exact = xstrdup(n->word);
		match_squeeze(t->exact);
		t->exactlen = strlen(t->exact);
	}
	if (n->field != QUERY_TEXT && n->field != QUERY_TITLE)
		return 0;
	t->word_start = match_word_cp((unsigned char *)t->pattern, t->len);
	t->need_end = !(n->flags & QUERY_PREFIX) &&
	    match_word_before(t->pattern, t->len);
	if (!t->word_start)
		set->starter[(unsigned char)t->pattern[0]] = 1;
	else {
		/* The filter: the first word of the term, which the text's
		 * word must equal (or start with, for a one-word prefix). */
		for (fw = 0; fw < t->len; fw += step)
			if (!match_word_at((unsigned char *)t->pattern + fw,
			    t->len - fw, &step))
				break;
		if ((n->flags & QUERY_PREFIX) && fw == t->len && fw < 4)
			set->anyword[(unsigned char)t->pattern[0]] = 1;
		else {
			k = match_key((unsigned char *)t->pattern,
			    (n->flags & QUERY_PREFIX) && fw == t->len ? 4 :
			    fw, t->len);
			set->firstwords[k / 64] |= (uint64_t)1 << (k % 64);
		}
	}
	match_build_add(b, t->pattern, t->len, n->id);
	return 0;
}

/* Number the terms of N from SET->nterms on, for track TRACK, and add them;
 * -1 with *COLUMN and *WHY on a term with nothing to match. */
static int
match_add_terms(struct match_set *set, struct match_build *b,
    struct query_node *n, uint32_t track, size_t *cap, int *column,
    char **why)
{
	struct match_term *t;

	if (n == NULL)
		return 0;
	if (n->type != QUERY_TERM)
		return match_add_terms(set, b, n->left, track, cap, column,
		    why) == 0 && match_add_terms(set, b, n->right, track, cap,
		    column, why) == 0 ? 0 : -1;
	if (set->nterms == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		set->terms = xreallocarray(set->terms, *cap,
		    sizeof(*set->terms));
	}
	n->id = (unsigned)set->nterms;
	t = &set->terms[set->nterms++];
	memset(t, 0, sizeof(*t));
	t->track = track;
	return match_add_term(set, b, t, n, column, why);
}

/* Compile track CT as track number I of SET; -1 with *COLUMN (0 when not
 * about a column) and *WHY. */
static int
match_add_track(struct match_set *set, struct match_build *b, size_t *cap,
    const struct config_track *ct, int *column, char **why)
{
	struct match_track *t;
	size_t j, nl;
	uint32_t i = (uint32_t)set->ntracks;

	t = &set->tracks[set->ntracks++];
	t->name = xstrdup(ct->name);
	if (ct->langs != NULL) {
		for (nl = 0; ct->langs[nl] != NULL; nl++)
			;
		t->langs = xcalloc(nl + 1, sizeof(*t->langs));
		for (j = 0; j < nl; j++)
			t->langs[j] = xstrdup(ct->langs[j]);
	}
	*column = 0;
	if (ct->query == NULL) {
		*why = xstrdup("no query");
		return -1;
	}
	if ((t->query = query_parse(ct->query, column, why)) == NULL)
		return -1;
	if (match_add_terms(set, b, t->query, i, cap, column, why) != 0)
		return -1;
	t->always = match_maybe_unhit(t->query);
	if (t->always) {
		set->always = xreallocarray(set->always, set->nalways + 1,
		    sizeof(*set->always));
		set->always[set->nalways++] = i;
	}
	return 0;
}

/* Free the contents of B. */
static void
match_build_free(struct match_build *b)
{
	free(b->nodes);
	free(b->edges);
	free(b->outs);
}

/* SET for N TRACKS; NULL with *WHERE (the bad track), *COLUMN and *WHY. */
static struct match_set *
match_build_set(const struct config_track *tracks, size_t n, size_t *where,
    int *column, char **why)
{
	struct match_set *set;
	struct match_build b;
	size_t i, cap = 0;

	memset(&b, 0, sizeof(b));
	match_build_node(&b);
	set = xcalloc(1, sizeof(*set));
	set->tracks = xcalloc(n, sizeof(*set->tracks));
	for (i = 0; i < n; i++) {
		if (match_add_track(set, &b, &cap, &tracks[i], column,
		    why) != 0) {
			*where = i;
			match_build_free(&b);
			match_free(set);
			return NULL;
		}
	}
	match_freeze(set, &b);
	match_build_free(&b);
	return set;
}

struct match_set *
match_compile(const struct config_track *tracks, size_t n, char **cause)
{
	struct match_set *set;
	char *why = NULL, col[32] = "";
	size_t i = 0;
	int column = 0;

	if ((set = match_build_set(tracks, n, &i, &column, &why)) != NULL)
		return set;
	if (column > 0)
		snprintf(col, sizeof(col), "query column %d: ", column);
	if (tracks[i].where.file != NULL)
		*cause = xasprintf("track %s (%s:%d): %s%s", tracks[i].name,
		    tracks[i].where.file, tracks[i].where.line, col, why);
	else
		*cause = xasprintf("track %s: %s%s", tracks[i].name, col, why);
	free(why);
	return NULL;
}

int
match_check(const struct config *cfg, struct config_errors *errs)
{
	struct match_set *set;
	char *why;
	size_t i, where;
	int column, rc = 0;

	for (i = 0; i < cfg->ntracks; i++) {
		why = NULL;
		if ((set = match_build_set(&cfg->tracks[i], 1, &where, &column,
		    &why)) != NULL) {
			match_free(set);
			continue;
		}
		if (column > 0)
			config_error(errs, cfg->tracks[i].query_where.file ?
			    &cfg->tracks[i].query_where : &cfg->tracks[i].where,
			    "[track %s] query column %d: %s",
			    cfg->tracks[i].name, column, why);
		else
			config_error(errs, &cfg->tracks[i].where,
			    "[track %s] %s", cfg->tracks[i].name, why);
		free(why);
		rc = -1;
	}
	return rc;
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

/* Record a hit of term TERM at START..END. */
static void
match_hit(struct match_ctx *c, uint32_t term, size_t start, size_t end)
{
	struct match_hit *h;

	if (c->nhits == c->caphits) {
		c->caphits *= 2;
		if (c->hits == c->stack) {
			c->hits = xreallocarray(NULL, c->caphits,
			    sizeof(*c->hits));
			memcpy(c->hits, c->stack, sizeof(c->stack));
		} else
			c->hits = xreallocarray(c->hits, c->caphits,
			    sizeof(*c->hits));
	}
	h = &c->hits[c->nhits++];
	h->term = term;
	h->start = (uint32_t)start;
	h->end = (uint32_t)end;
	h->ws = h->we = -1;
	h->valid = 1;
}

/* The terms ending at node ND, found from START to END: keep those whose
 * boundaries and field hold. HANDLE: START is just after a handle's '@'. */
static void
match_report(struct match_ctx *c, const struct match_node *nd, size_t start,
    size_t end, int handle)
{
	const struct match_set *set = c->set;
	const struct match_term *t;
	size_t k, step;
	int endword = -1;

	for (k = 0; k < nd->nout; k++) {
		t = &set->terms[set->outs[nd->out + k]];
		if (t->need_end) {
			if (endword == -1)
				endword = end < c->len &&
				    match_word_at(c->t + end, c->len - end,
				    &step);
			if (endword)
				continue;
		}
		if (handle && t->word_start)
			continue;
		if (t->node->field == QUERY_TITLE && start >= c->title_len)
			continue;
		match_hit(c, set->outs[nd->out + k], start, end);
	}
}

/* Walk the trie from byte START of the text. */
static void
match_walk(struct match_ctx *c, size_t start, int handle)
{
	const struct match_set *set = c->set;
	const struct match_node *nd = &set->nodes[0];
	const unsigned char *t = c->t;
	uint32_t next, e, k;
	size_t j;

	for (j = start; j < c->len; ) {
		if (nd->nedges == MATCH_DENSE)
			next = set->dense[nd->edges][t[j]];
		else {
			next = 0;
			for (e = nd->edges, k = 0; k < nd->nedges; k++)
				if (set->edge_byte[e + k] == t[j]) {
					next = set->edge_to[e + k];
					break;
				}
		}
		if (next == 0)
			return;
		nd = &set->nodes[next];
		j++;
		if (nd->nout != 0)
			match_report(c, nd, start, j, handle);
	}
}

/* Scan the folded text once, walking the trie at every place a term may
 * start: each word start, and each non-word byte that some term starts with
 * ('@' and '#' only when no word character is before them). */
static void
match_scan(struct match_ctx *c)
{
	const unsigned char *t = c->t;
	const uint8_t *starter = c->set->starter;
	const uint64_t *firstwords = c->set->firstwords;
	size_t i = 0, len = c->len, step, start;
	uint32_t k;
	int before = 0;
	unsigned char ch;

	while (i < len) {
		/* Between words: the previous character is not a word one. */
		ch = t[i];
		if (ch < 0x80) {
			if (!match_ascii_word[ch]) {
				if (starter[ch])
					match_walk(c, i, 0);
				before = 0;
				i++;
				continue;
			}
			step = 1;
		} else if (!match_word_slow(t + i, len - i, &step)) {
			if (starter[ch])
				match_walk(c, i, 0);
			before = 0;
			i += step;
			continue;
		}

		/* A word starts here: find its end, and walk the trie if
		 * some term starts with this word (BEFORE: a word character
		 * ends just before the character before it). */
		start = i;
		i += step;
		for (;;) {
			while (i < len && t[i] < 0x80 && match_ascii_word[t[i]])
				i++;
			if (i >= len || t[i] < 0x80)
				break;
			if (!match_word_slow(t + i, len - i, &step))
				break;
			i += step;
		}
		k = match_key(t + start, i - start, len - start);
		if (((firstwords[k / 64] >> (k % 64)) & 1) ||
		    c->set->anyword[t[start]])
			match_walk(c, start, start > 0 && t[start - 1] == '@' &&
			    !before);
		/* At a non-word character: '@' or '#' right after a word is
		 * no handle or hashtag. */
		if (i < len) {
			ch = t[i];
			if (ch < 0x80) {
				if (starter[ch] && ch != '@' && ch != '#')
					match_walk(c, i, 0);
				i++;
			} else {
				match_word_slow(t + i, len - i, &step);
				if (starter[ch])
					match_walk(c, i, 0);
				i += step;
			}
			before = 1;
		}
	}
}

/* qsort(3) order of hits: by term, then start. */
static int
match_hit_cmp(const void *a, const void *b)
{
	const struct match_hit *x = a, *y = b;

	if (x->term != y->term)
		return x->term < y->term ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* An offset of the text to give a word count to. */
struct match_event {
	size_t		 at;
	int32_t		*count;
	int		 last;		/* the index of the last word before */
};

/* qsort(3) order of events: by offset. */
static int
match_event_cmp(const void *a, const void *b)
{
	const struct match_event *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/* Give each event of EV (N of them, sorted) the number of word starts
 * before it in S (LEN bytes), minus one for the "last" ones. */
static void
match_count_events(const unsigned char *s, size_t len, struct match_event *ev,
    size_t n)
{
	size_t i = 0, k = 0, step;
	int32_t words = 0;
	int w, prev = 0;

	for (;;) {
		while (k < n && ev[k].at <= i) {
			*ev[k].count = words - (ev[k].last ? 1 : 0);
			k++;
		}
		if (k == n || i >= len)
			break;
		w = match_word_at(s + i, len - i, &step);
		if (w && !prev)
			words++;
		prev = w;
		i += step;
	}
	for (; k < n; k++)
		*ev[k].count = words - (ev[k].last ? 1 : 0);
}

/* Set the word positions of every hit. */
static void
match_positions(struct match_ctx *c)
{
	struct match_event *ev;
	size_t i;

	if (c->positioned)
		return;
	c->positioned = 1;
	ev = xreallocarray(NULL, c->nhits * 2 + 1, sizeof(*ev));
	for (i = 0; i < c->nhits; i++) {
		ev[2 * i].at = c->hits[i].start;
		ev[2 * i].count = &c->hits[i].ws;
		ev[2 * i].last = 0;
		ev[2 * i + 1].at = c->hits[i].end;
		ev[2 * i + 1].count = &c->hits[i].we;
		ev[2 * i + 1].last = 1;
	}
	qsort(ev, c->nhits * 2, sizeof(*ev), match_event_cmp);
	match_count_events(c->t, c->len, ev, c->nhits * 2);
	free(ev);
}

/* The original title and text of M as match_fold joins them, whitespace
 * squeezed but not folded (malloc'd). */
static char *
match_original(const struct mention *m)
{
	char *title, *text, *out;

	title = xstrdup(m->title ? m->title : "");
	text = xstrdup(m->text ? m->text : "");
	match_squeeze(title);
	match_squeeze(text);
	out = xasprintf("%s\n%s", title, text);
	free(title);
	free(text);
	return out;
}

/* Keep only the hits of exact-case terms that the original text holds at
 * the same word position. */
static void
match_check_exact(struct match_ctx *c)
{
	const struct match_term *t;
	struct match_event *ev = NULL;
	int32_t *words = NULL;
	size_t i, j, k, n, cap = 0, olen = 0;
	ssize_t at;
	char *orig = NULL;

	for (i = 0; i < c->nhits; i = j) {
		for (j = i; j < c->nhits && c->hits[j].term == c->hits[i].term;
		    j++)
			;
		t = &c->set->terms[c->hits[i].term];
		if (t->exact == NULL)
			continue;
		match_positions(c);
		if (orig == NULL) {
			orig = match_original(c->m);
			olen = strlen(orig);
		}
		/* Word positions of every exact occurrence. */
		n = 0;
		for (at = match_find(orig, olen, 0, t->exact, t->exactlen,
		    t->node->flags & QUERY_PREFIX); at >= 0;
		    at = match_find(orig, olen, (size_t)at + 1, t->exact,
		    t->exactlen, t->node->flags & QUERY_PREFIX)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				ev = xreallocarray(ev, cap, sizeof(*ev));
				words = xreallocarray(words, cap,
				    sizeof(*words));
			}
			ev[n].at = (size_t)at;
			ev[n].last = 0;
			n++;
		}
		for (k = 0; k < n; k++)
			ev[k].count = &words[k];
		match_count_events((const unsigned char *)orig, olen, ev, n);
		for (; i < j; i++) {
			for (k = 0; k < n; k++)
				if (words[k] == c->hits[i].ws)
					break;
			if (k == n)
				c->hits[i].valid = 0;
		}
	}
	free(orig);
	free(ev);
	free(words);
}

/* The hits of term TERM: [*FIRST, return value). */
static size_t
match_term_hits(const struct match_ctx *c, uint32_t term, size_t *first)
{
	size_t lo = 0, hi = c->nhits, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (c->hits[mid].term < term)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (hi < c->nhits && c->hits[hi].term == term)
		hi++;
	return hi;
}

/* Does the folded VALUE hold term T as whole words (or, for a handle, is it
 * the handle)? */
static int
match_author(const struct match_term *t, const char *handle,
    const char *name)
{
	char *f;
	int found = 0, prefix = t->node->flags & QUERY_PREFIX;
	const char *want = t->exact ? t->exact : t->pattern;
	size_t wlen;

	if (*want == '@')
		want++;
	wlen = strlen(want);
	if (handle != NULL) {
		if (*handle == '@')
			handle++;
		f = t->exact ? xstrdup(handle) : text_fold(handle,
		    strlen(handle));
		if (f != NULL)
			found = prefix ? strncmp(f, want, wlen) == 0 :
			    strcmp(f, want) == 0;
		free(f);
	}
	if (!found && name != NULL) {
		f = t->exact ? xstrdup(name) : text_fold(name, strlen(name));
		if (f != NULL) {
			match_squeeze(f);
			found = match_find(f, strlen(f), 0, want, wlen,
			    prefix) >= 0;
		}
		free(f);
	}
	return found;
}

/* Is URL's host DOMAIN or under it? */
static int
match_site(const char *url, const char *domain)
{
	const char *h, *end, *at;
	size_t hlen, dlen = strlen(domain);

	if (url == NULL)
		return 0;
	h = (h = strstr(url, "://")) != NULL ? h + 3 : url;
	end = h + strcspn(h, "/?#");
	if ((at = memchr(h, '@', (size_t)(end - h))) != NULL)
		h = at + 1;
	hlen = strcspn(h, ":/?#");
	if (hlen > 0 && h[hlen - 1] == '.')
		hlen--;
	if (hlen < dlen || strncasecmp(h + hlen - dlen, domain, dlen) != 0)
		return 0;
	return hlen == dlen || h[hlen - dlen - 1] == '.';
}

/* Does term T, of a field other than the title and text, hold for M? */
static int
match_field(const struct match_term *t, const struct mention *m)
{
	int prefix = t->node->flags & QUERY_PREFIX;
	char *f;
	int found;
	size_t n;

	switch (t->node->field) {
	case QUERY_AUTHOR:
		return match_author(t, m->author_handle, m->author_name);
	case QUERY_URL:
		if (m->url == NULL)
			return 0;
		f = text_fold(m->url, strlen(m->url));
		found = f != NULL && strstr(f, t->pattern) != NULL;
		free(f);
		return found;
	case QUERY_SITE:
		return match_site(m->url, t->pattern);
	case QUERY_LANG:
		if (m->lang == NULL)
			return 0;
		n = strcspn(m->lang, "-_");
		if (prefix)
			return n >= t->len &&
			    strncasecmp(m->lang, t->pattern, t->len) == 0;
		return n == strcspn(t->pattern, "-_") &&
		    strncasecmp(m->lang, t->pattern, n) == 0;
	case QUERY_SOURCE:
		if (prefix)
			return (m->source != NULL && strncasecmp(m->source,
			    t->pattern, t->len) == 0) || (m->plugin != NULL &&
			    strncasecmp(m->plugin, t->pattern, t->len) == 0);
		return (m->source != NULL &&
		    strcasecmp(m->source, t->pattern) == 0) ||
		    (m->plugin != NULL &&
		    strcasecmp(m->plugin, t->pattern) == 0);
	default:
		break;
	}
	return 0;
}

/* Is term N found? */
static int
match_term_true(const struct match_ctx *c, const struct query_node *n)
{
	const struct match_term *t = &c->set->terms[n->id];
	size_t i, end;

	if (n->field != QUERY_TEXT && n->field != QUERY_TITLE)
		return match_field(t, c->m);
	end = match_term_hits(c, n->id, &i);
	for (; i < end; i++)
		if (c->hits[i].valid)
			return 1;
	return 0;
}

static int match_eval(struct match_ctx *, const struct query_node *);

/* A word span of a NEAR side. */
struct match_span {
	int32_t		 ws, we;
};

/* Add to *SPANS the spans of N, a side of a NEAR. */
static void
match_spans(struct match_ctx *c, const struct query_node *n,
    struct match_span **spans, size_t *nspans, size_t *cap)
{
	size_t i, end;

	if (n->type == QUERY_OR || n->type == QUERY_NEAR) {
		if (n->type == QUERY_NEAR && !match_eval(c, n))
			return;
		match_spans(c, n->left, spans, nspans, cap);
		match_spans(c, n->right, spans, nspans, cap);
		return;
	}
	if (n->type != QUERY_TERM)
		return;
	end = match_term_hits(c, n->id, &i);
	for (; i < end; i++) {
		if (!c->hits[i].valid)
			continue;
		if (*nspans == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*spans = xreallocarray(*spans, *cap, sizeof(**spans));
		}
		(*spans)[*nspans].ws = c->hits[i].ws;
		(*spans)[(*nspans)++].we = c->hits[i].we;
	}
}

/* qsort(3) order of spans: by last word. */
static int
match_span_cmp(const void *a, const void *b)
{
	const struct match_span *x = a, *y = b;

	return x->we < y->we ? -1 : x->we > y->we;
}

/* Is some span of B at most D words after some span of A (A sorted by last
 * word)? */
static int
match_spans_after(const struct match_span *a, size_t na,
    const struct match_span *b, size_t nb, int d)
{
	size_t i, lo, hi, mid;

	for (i = 0; i < nb; i++) {
		/* The last A that ends before B starts. */
		lo = 0;
		hi = na;
		while (lo < hi) {
			mid = (lo + hi) / 2;
			if (a[mid].we < b[i].ws)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0 && b[i].ws - a[lo - 1].we - 1 <= d)
			return 1;
	}
	return 0;
}

/* Is NEAR node N true: a span of each side, not overlapping, at most
 * N->distance words apart? */
static int
match_near(struct match_ctx *c, const struct query_node *n)
{
	struct match_span *l = NULL, *r = NULL;
	size_t nl = 0, nr = 0, capl = 0, capr = 0;
	int found = 0;

	match_positions(c);
	match_spans(c, n->left, &l, &nl, &capl);
	if (nl > 0)
		match_spans(c, n->right, &r, &nr, &capr);
	if (nl > 0 && nr > 0) {
		qsort(l, nl, sizeof(*l), match_span_cmp);
		qsort(r, nr, sizeof(*r), match_span_cmp);
		found = match_spans_after(l, nl, r, nr, n->distance) ||
		    match_spans_after(r, nr, l, nl, n->distance);
	}
	free(l);
	free(r);
	return found;
}

/* Is query node N true of the hits? */
static int
match_eval(struct match_ctx *c, const struct query_node *n)
{
	switch (n->type) {
	case QUERY_TERM:
		return match_term_true(c, n);
	case QUERY_AND:
		return match_eval(c, n->left) && match_eval(c, n->right);
	case QUERY_OR:
		return match_eval(c, n->left) || match_eval(c, n->right);
	case QUERY_NOT:
		return !match_eval(c, n->left);
	case QUERY_NEAR:
		return match_near(c, n);
	}
	return 0;
}

/* Add to the mention the terms that make N true: the terms found in its
 * true branches, none from under a NOT. */
static void
match_add_found(struct match_ctx *c, const struct query_node *n)
{
	if (n->type == QUERY_NOT || !match_eval(c, n))
		return;
	if (n->type == QUERY_TERM) {
		mention_add_term(c->m, n->written);
		return;
	}
	match_add_found(c, n->left);
	match_add_found(c, n->right);
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

/* qsort(3) order of track numbers. */
static int
match_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
match_run(const struct match_set *set, struct mention *m, const char *folded)
{
	struct match_ctx c;
	const struct match_track *t;
	const char *nl;
	uint32_t *cand = NULL, last;
	size_t i, ncand = 0;
	int count = 0;

	c.nhits = 0;
	c.positioned = 0;
	c.set = set;
	c.m = m;
	c.t = (const unsigned char *)folded;
	c.len = strlen(folded);
	c.title_len = (nl = memchr(folded, '\n', c.len)) != NULL ?
	    (size_t)(nl - folded) : 0;
	c.hits = c.stack;
	c.caphits = MATCH_STACK_HITS;

	match_scan(&c);
	if (c.nhits == 0 && set->nalways == 0)
		goto out;

	qsort(c.hits, c.nhits, sizeof(*c.hits), match_hit_cmp);
	match_check_exact(&c);

	/* The tracks to evaluate, in config order, each once. */
	cand = xreallocarray(NULL, c.nhits + set->nalways + 1, sizeof(*cand));
	for (i = 0; i < c.nhits; i++)
		if (c.hits[i].valid)
			cand[ncand++] = set->terms[c.hits[i].term].track;
	for (i = 0; i < set->nalways; i++)
		cand[ncand++] = set->always[i];
	qsort(cand, ncand, sizeof(*cand), match_u32_cmp);

	last = UINT32_MAX;
	for (i = 0; i < ncand; i++) {
		if (cand[i] == last)
			continue;
		last = cand[i];
		t = &set->tracks[cand[i]];
		if (!match_lang_ok(t, m->lang) || !match_eval(&c, t->query))
			continue;
		mention_add_track(m, t->name);
		match_add_found(&c, t->query);
		count++;
	}

out:
	free(cand);
	if (c.hits != c.stack)
		free(c.hits);
	return count;
}

size_t
match_memory(const struct match_set *set)
{
	size_t n, i;

	n = sizeof(*set);
	n += set->nnodes * sizeof(*set->nodes);
	n += set->nedges * (sizeof(*set->edge_byte) + sizeof(*set->edge_to));
	n += set->ndense * sizeof(*set->dense);
	n += set->nouts * sizeof(*set->outs);
	n += set->nalways * sizeof(*set->always);
	n += set->ntracks * sizeof(*set->tracks);
	n += set->nterms * sizeof(*set->terms);
	for (i = 0; i < set->nterms; i++)
		n += set->terms[i].len + 1 + (set->terms[i].exact ?
		    set->terms[i].exactlen + 1 : 0) +
		    sizeof(struct query_node) +
		    strlen(set->terms[i].node->word) + 1 +
		    strlen(set->terms[i].node->written) + 1;
	return n;
}

void
match_stats(const struct match_set *set, size_t *tracks, size_t *terms,
    size_t *states)
{
	*tracks = set->ntracks;
	*terms = set->nterms;
	*states = set->nnodes;
}

void
match_free(struct match_set *set)
{
	struct match_track *t;
	size_t i, j;

	if (set == NULL)
		return;
	for (i = 0; i < set->ntracks; i++) {
		t = &set->tracks[i];
		free(t->name);
		if (t->langs != NULL)
			for (j = 0; t->langs[j] != NULL; j++)
				free(t->langs[j]);
		free(t->langs);
		query_free(t->query);
	}
	free(set->tracks);
	for (i = 0; i < set->nterms; i++) {
		free(set->terms[i].pattern);
		free(set->terms[i].exact);
	}
	free(set->terms);
	free(set->nodes);
	free(set->edge_byte);
	free(set->edge_to);
	free(set->dense);
	free(set->outs);
	free(set->always);
	free(set);
}
