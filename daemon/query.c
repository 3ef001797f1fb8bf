/*
 * query.c - the tracked-query language (see query.h): a hand-written lexer
 * and recursive-descent parser, one function per precedence level.
 *
 *   query   := or END
 *   or      := and ( "OR" and )*
 *   and     := near ( [ "AND" ] near )*
 *   near    := unary ( "NEAR/n" unary )*
 *   unary   := ( "NOT" | "-" ) unary | primary
 *   primary := "(" or ")" | FIELD ":(" or ")" | term
 *   term    := [ FIELD ":" ] [ "=" ] ( '"' phrase '"' | word [ "*" ] )
 *
 * Errors say where (a 1-based column in characters) and what was expected
 * there; the first error found is the one reported.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query.h"
#include "xmalloc.h"

/* Deepest nesting of brackets and NOTs accepted. */
#define QUERY_MAX_DEPTH		64
/* Longest query accepted, in bytes. */
#define QUERY_MAX_LEN		8192
/* Largest n of NEAR/n. */
#define QUERY_MAX_DISTANCE	1000

enum query_tok {
	TOK_END,
	TOK_LPAREN,	/* "(" or "FIELD:(" */
	TOK_RPAREN,
	TOK_AND,
	TOK_OR,
	TOK_NOT,
	TOK_MINUS,
	TOK_NEAR,
	TOK_TERM,
};

struct query_parser {
	const char		*s;
	size_t			 pos;		/* next byte to read */
	int			 depth;

	/* The current token. */
	enum query_tok		 tok;
	size_t			 start, end;	/* its bytes */
	int			 distance;	/* TOK_NEAR */
	enum query_field	 field;		/* TOK_TERM, TOK_LPAREN */
	int			 flags;		/* TOK_TERM */
	size_t			 wstart, wend;	/* TOK_TERM: the word's bytes */
	size_t			 rstart, rend;	/* TOK_TERM: as written */

	/* The first error. */
	int			 column;
	char			*cause;
};

static const struct {
	const char		*name;
	enum query_field	 field;
} query_fields[] = {
	{ "title", QUERY_TITLE },
	{ "author", QUERY_AUTHOR },
	{ "url", QUERY_URL },
	{ "site", QUERY_SITE },
	{ "lang", QUERY_LANG },
	{ "source", QUERY_SOURCE },
};
#define QUERY_NFIELDS (sizeof(query_fields) / sizeof(query_fields[0]))

static struct query_node *query_or(struct query_parser *, enum query_field);

const char *
query_field_name(enum query_field field)
{
	size_t i;

	for (i = 0; i < QUERY_NFIELDS; i++)
		if (query_fields[i].field == field)
			return query_fields[i].name;
	return "";
}

/* The 1-based column, in characters, of byte AT of P's query. */
static int
query_column(const struct query_parser *p, size_t at)
{
	size_t i;
	int col = 1;

	for (i = 0; i < at && p->s[i] != '\0'; i++)
		if (((unsigned char)p->s[i] & 0xc0) != 0x80)
			col++;
	return col;
}

/* Record an error at byte AT, unless one is already recorded. */
static void __attribute__((format(printf, 3, 4)))
query_error(struct query_parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;

	if (p->cause != NULL)
		return;
	p->column = query_column(p, at);
	va_start(ap, fmt);
	if (vasprintf(&p->cause, fmt, ap) == -1)
		p->cause = xstrdup("out of memory");
	va_end(ap);
}

/* Is C white space? */
static int
query_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* Does C end a bare word? */
static int
query_word_end(char c)
{
	return c == '\0' || query_space(c) || c == '(' || c == ')';
}

/* Lex a term at P->pos (after any '-'): field, '=', phrase or word. */
static int
query_lex_term(struct query_parser *p)
{
	const char *s = p->s;
	size_t q = p->pos, i, close;
	int plain;

	p->field = QUERY_TEXT;
	p->flags = 0;

	/* A known field name and ':'. */
	while ((s[q] >= 'a' && s[q] <= 'z') || (s[q] >= 'A' && s[q] <= 'Z'))
		q++;
	if (s[q] == ':' && q > p->pos) {
		for (i = 0; i < QUERY_NFIELDS; i++) {
			if (strlen(query_fields[i].name) == q - p->pos &&
			    strncasecmp(s + p->pos, query_fields[i].name,
			    q - p->pos) == 0)
				break;
		}
		if (i < QUERY_NFIELDS) {
			p->field = query_fields[i].field;
			p->pos = q + 1;
			if (s[p->pos] == '(') {
				p->tok = TOK_LPAREN;
				p->pos++;
				p->end = p->pos;
				return 0;
			}
			if (query_word_end(s[p->pos])) {
				query_error(p, p->pos, "expected a term after "
				    "'%s:'", query_fields[i].name);
				return -1;
			}
		}
	}
	plain = p->pos == p->start;

	if (s[p->pos] == '=') {
		p->flags |= QUERY_EXACT;
		p->pos++;
		plain = 0;
		if (query_word_end(s[p->pos])) {
			query_error(p, p->pos, "expected a word or a \"phrase\" "
			    "after '='");
			return -1;
		}
	}

	if (s[p->pos] == '"') {
		p->flags |= QUERY_PHRASE;
		for (close = p->pos + 1; s[close] != '\0' && s[close] != '"';
		    close++)
			;
		if (s[close] == '\0') {
			query_error(p, close, "expected '\"' to close the quote "
			    "at column %d", query_column(p, p->pos));
			return -1;
		}
		for (i = p->pos + 1; i < close && query_space(s[i]); i++)
			;
		if (i == close) {
			query_error(p, p->pos, "empty phrase");
			return -1;
		}
		p->wstart = p->pos + 1;
		p->wend = close;
		p->pos = close + 1;
		if (!query_word_end(s[p->pos])) {
			query_error(p, p->pos, "expected a space after the "
			    "closing '\"'");
			return -1;
		}
		p->tok = TOK_TERM;
		p->end = p->pos;
		p->rstart = p->start;
		p->rend = p->end;
		if (plain) {
			/* A plain phrase is reported without its quotes. */
			p->rstart = p->wstart;
			p->rend = p->wend;
		}
		return 0;
	}

	for (q = p->pos; !query_word_end(s[q]) && s[q] != '"'; q++)
		;
	if (s[q] == '"') {
		query_error(p, q, "unexpected '\"' inside a word");
		return -1;
	}
	p->wstart = p->pos;
	p->wend = q;
	p->pos = q;
	p->end = q;
	p->rstart = p->start;
	p->rend = q;
	p->tok = TOK_TERM;

	if (plain) {
		if (q - p->wstart == 3 && strncmp(s + p->wstart, "AND", 3) == 0)
			p->tok = TOK_AND;
		else if (q - p->wstart == 2 &&
		    strncmp(s + p->wstart, "OR", 2) == 0)
			p->tok = TOK_OR;
		else if (q - p->wstart == 3 &&
		    strncmp(s + p->wstart, "NOT", 3) == 0)
			p->tok = TOK_NOT;
		else if (strncmp(s + p->wstart, "NEAR/", 5) == 0) {
			p->distance = 0;
			for (i = p->wstart + 5; i < q; i++) {
				if (s[i] < '0' || s[i] > '9' ||
				    p->distance > QUERY_MAX_DISTANCE)
					break;
				p->distance = p->distance * 10 + (s[i] - '0');
			}
			if (i != q || q == p->wstart + 5 ||
			    p->distance > QUERY_MAX_DISTANCE) {
				query_error(p, p->wstart + 5, "expected a number "
				    "of words (0 to %d) after 'NEAR/', e.g. "
				    "NEAR/3", QUERY_MAX_DISTANCE);
				return -1;
			}
			p->tok = TOK_NEAR;
		}
		if (p->tok != TOK_TERM)
			return 0;
	}

	/* A '*' may only end a word. */
	if (s[p->wend - 1] == '*') {
		p->flags |= QUERY_PREFIX;
		p->wend--;
		if (p->wend == p->wstart) {
			query_error(p, p->wend, "expected a word before '*'");
			return -1;
		}
	}
	for (i = p->wstart; i < p->wend; i++) {
		if (s[i] == '*') {
			query_error(p, i, "'*' can only end a word (acme*)");
			return -1;
		}
	}
	return 0;
}

/* Read the next token into P; -1 on a lexical error. */
static int
query_next(struct query_parser *p)
{
	const char *s = p->s;

	while (query_space(s[p->pos]))
		p->pos++;
	p->start = p->pos;
	p->end = p->pos;
	switch (s[p->pos]) {
	case '\0':
		p->tok = TOK_END;
		return 0;
	case '(':
		p->tok = TOK_LPAREN;
		p->field = QUERY_TEXT;
		p->end = ++p->pos;
		return 0;
	case ')':
		p->tok = TOK_RPAREN;
		p->end = ++p->pos;
		return 0;
	case '-':
		if (s[p->pos + 1] == '\0' || query_space(s[p->pos + 1]) ||
		    s[p->pos + 1] == ')') {
			query_error(p, p->pos + 1, "expected a term after '-'");
			return -1;
		}
		p->tok = TOK_MINUS;
		p->end = ++p->pos;
		return 0;
	}
	return query_lex_term(p);
}

/* Can the current token start an operand? */
static int
query_operand(const struct query_parser *p)
{
	return p->tok == TOK_TERM || p->tok == TOK_LPAREN ||
	    p->tok == TOK_NOT || p->tok == TOK_MINUS;
}

/* Require an operand after WHAT; -1 with the error recorded if there is
 * none. */
static int
query_need_operand(struct query_parser *p, const char *what)
{
	if (query_operand(p))
		return 0;
	if (p->tok == TOK_END)
		query_error(p, p->start, "expected a term after %s", what);
	else
		query_error(p, p->start, "expected a term after %s, found "
		    "'%.*s'", what, (int)(p->end - p->start), p->s + p->start);
	return -1;
}

/* A new node of TYPE at byte AT with children L and R. */
static struct query_node *
query_node_new(struct query_parser *p, enum query_type type, size_t at,
    struct query_node *l, struct query_node *r)
{
	struct query_node *n;

	n = xcalloc(1, sizeof(*n));
	n->type = type;
	n->column = query_column(p, at);
	n->left = l;
	n->right = r;
	return n;
}

/* primary := "(" or ")" | FIELD ":(" or ")" | term, inside FIELD. */
static struct query_node *
query_primary(struct query_parser *p, enum query_field field)
{
	struct query_node *n;
	enum query_field inner;
	size_t open;

	if (p->tok == TOK_TERM) {
		if (field != QUERY_TEXT && p->field != QUERY_TEXT) {
			query_error(p, p->start, "a field inside '%s:(...)'",
			    query_field_name(field));
			return NULL;
		}
		n = query_node_new(p, QUERY_TERM, p->start, NULL, NULL);
		n->field = p->field != QUERY_TEXT ? p->field : field;
		n->flags = p->flags;
		n->word = xstrndup(p->s + p->wstart, p->wend - p->wstart);
		n->written = xstrndup(p->s + p->rstart, p->rend - p->rstart);
		if (query_next(p) != 0) {
			query_free(n);
			return NULL;
		}
		return n;
	}
	if (p->tok == TOK_LPAREN) {
		if (field != QUERY_TEXT && p->field != QUERY_TEXT) {
			query_error(p, p->start, "a field inside '%s:(...)'",
			    query_field_name(field));
			return NULL;
		}
		if (++p->depth > QUERY_MAX_DEPTH) {
			query_error(p, p->start, "brackets nested too deep "
			    "(%d at most)", QUERY_MAX_DEPTH);
			return NULL;
		}
		open = p->end - 1;
		inner = p->field != QUERY_TEXT ? p->field : field;
		if (query_next(p) != 0 || query_need_operand(p, "'('") != 0)
			return NULL;
		if ((n = query_or(p, inner)) == NULL)
			return NULL;
		if (p->tok != TOK_RPAREN) {
			query_error(p, p->start, "expected ')' to close the '(' "
			    "at column %d", query_column(p, open));
			query_free(n);
			return NULL;
		}
		p->depth--;
		if (query_next(p) != 0) {
			query_free(n);
			return NULL;
		}
		return n;
	}
	if (p->tok == TOK_END && p->start == 0)
		query_error(p, 0, "empty query");
	else if (p->tok == TOK_END)
		query_error(p, p->start, "expected a term");
	else
		query_error(p, p->start, "expected a term, found '%.*s'",
		    (int)(p->end - p->start), p->s + p->start);
	return NULL;
}

/* unary := ( "NOT" | "-" ) unary | primary */
static struct query_node *
query_unary(struct query_parser *p, enum query_field field)
{
	struct query_node *n;
	size_t at = p->start;
	int minus = p->tok == TOK_MINUS;

	if (p->tok != TOK_NOT && !minus)
		return query_primary(p, field);
	if (++p->depth > QUERY_MAX_DEPTH) {
		query_error(p, at, "NOTs nested too deep (%d at most)",
		    QUERY_MAX_DEPTH);
		return NULL;
	}
	if (query_next(p) != 0 ||
	    query_need_operand(p, minus ? "'-'" : "'NOT'") != 0)
		return NULL;
	if ((n = query_unary(p, field)) == NULL)
		return NULL;
	p->depth--;
	return query_node_new(p, QUERY_NOT, at, n, NULL);
}

/* near := unary ( "NEAR/n" unary )* */
static struct query_node *
query_near(struct query_parser *p, enum query_field field)
{
	struct query_node *l, *r;
	size_t at;
	int distance;
	char what[32];

	if ((l = query_unary(p, field)) == NULL)
		return NULL;
	while (p->tok == TOK_NEAR) {
		at = p->start;
		distance = p->distance;
		snprintf(what, sizeof(what), "'NEAR/%d'", distance);
		if (query_next(p) != 0 || query_need_operand(p, what) != 0 ||
		    (r = query_unary(p, field)) == NULL) {
			query_free(l);
			return NULL;
		}
		l = query_node_new(p, QUERY_NEAR, at, l, r);
		l->distance = distance;
	}
	return l;
}

/* and := near ( [ "AND" ] near )* */
static struct query_node *
query_and(struct query_parser *p, enum query_field field)
{
	struct query_node *l, *r;
	size_t at;

	if ((l = query_near(p, field)) == NULL)
		return NULL;
	for (;;) {
		at = p->start;
		if (p->tok == TOK_AND) {
			if (query_next(p) != 0 ||
			    query_need_operand(p, "'AND'") != 0) {
				query_free(l);
				return NULL;
			}
		} else if (!query_operand(p))
			break;
		if ((r = query_near(p, field)) == NULL) {
			query_free(l);
			return NULL;
		}
		l = query_node_new(p, QUERY_AND, at, l, r);
	}
	return l;
}

/* or := and ( "OR" and )* */
static struct query_node *
query_or(struct query_parser *p, enum query_field field)
{
	struct query_node *l, *r;
	size_t at;

	if ((l = query_and(p, field)) == NULL)
		return NULL;
	while (p->tok == TOK_OR) {
		at = p->start;
		if (query_next(p) != 0 || query_need_operand(p, "'OR'") != 0 ||
		    (r = query_and(p, field)) == NULL) {
			query_free(l);
			return NULL;
		}
		l = query_node_new(p, QUERY_OR, at, l, r);
	}
	return l;
}

/* Check that the sides of every NEAR in N are terms of the text or title, or
 * OR groups of them; -1 with the error recorded if not. */
static int
query_check_near(struct query_parser *p, const struct query_node *n,
    int in_near)
{
	if (n == NULL)
		return 0;
	if (in_near) {
		if (n->type == QUERY_TERM && n->field != QUERY_TEXT &&
		    n->field != QUERY_TITLE) {
			query_error(p, 0, "NEAR/n cannot take a '%s:' term",
			    query_field_name(n->field));
			p->column = n->column;
			return -1;
		}
		if (n->type == QUERY_AND || n->type == QUERY_NOT) {
			query_error(p, 0, "NEAR/n takes words, phrases or OR "
			    "groups of them, not %s",
			    n->type == QUERY_AND ? "AND" : "NOT");
			p->column = n->column;
			return -1;
		}
	}
	if (n->type == QUERY_NEAR)
		in_near = 1;
	if (query_check_near(p, n->left, in_near) != 0 ||
	    query_check_near(p, n->right, in_near) != 0)
		return -1;
	return 0;
}

static int query_negative(const struct query_node *);

/* Can N be true because of what a mention holds (not only because of what it
 * lacks)? */
static int
query_positive(const struct query_node *n)
{
	switch (n->type) {
	case QUERY_TERM:
	case QUERY_NEAR:
		return 1;
	case QUERY_AND:
		return query_positive(n->left) || query_positive(n->right);
	case QUERY_OR:
		return query_positive(n->left) && query_positive(n->right);
	case QUERY_NOT:
		return query_negative(n->left);
	}
	return 0;
}

/* Can N be false because of what a mention holds? */
static int
query_negative(const struct query_node *n)
{
	switch (n->type) {
	case QUERY_TERM:
	case QUERY_NEAR:
		return 0;
	case QUERY_AND:
		return query_negative(n->left) || query_negative(n->right);
	case QUERY_OR:
		return query_negative(n->left) && query_negative(n->right);
	case QUERY_NOT:
		return query_positive(n->left);
	}
	return 0;
}

struct query_node *
query_parse(const char *query, int *column, char **cause)
{
	struct query_parser p;
	struct query_node *n = NULL;

	memset(&p, 0, sizeof(p));
	p.s = query;
	if (strlen(query) > QUERY_MAX_LEN) {
		query_error(&p, QUERY_MAX_LEN, "query too long (%d bytes at "
		    "most)", QUERY_MAX_LEN);
		goto fail;
	}
	if (query_next(&p) != 0)
		goto fail;
	if ((n = query_or(&p, QUERY_TEXT)) == NULL)
		goto fail;
	if (p.tok == TOK_RPAREN) {
		query_error(&p, p.start, "unexpected ')' with no '(' to close");
		goto fail;
	}
	if (p.tok != TOK_END) {
		query_error(&p, p.start, "expected an operator, found '%.*s'",
		    (int)(p.end - p.start), p.s + p.start);
		goto fail;
	}
	if (query_check_near(&p, n, 0) != 0)
		goto fail;
	if (!query_positive(n)) {
		query_error(&p, 0, "the query only excludes (NOT, -): add a "
		    "term to look for");
		goto fail;
	}
	return n;

fail:
	query_free(n);
	*column = p.column;
	*cause = p.cause != NULL ? p.cause : xstrdup("syntax error");
	return NULL;
}

char *
query_print(const struct query_node *n)
{
	char *l, *r, *out;

	switch (n->type) {
	case QUERY_TERM:
		return xstrdup(n->written);
	case QUERY_NOT:
		l = query_print(n->left);
		out = xasprintf("(NOT %s)", l);
		free(l);
		return out;
	default:
		break;
	}
	l = query_print(n->left);
	r = query_print(n->right);
	if (n->type == QUERY_NEAR)
		out = xasprintf("(NEAR/%d %s %s)", n->distance, l, r);
	else
		out = xasprintf("(%s %s %s)", n->type == QUERY_AND ? "AND" :
		    "OR", l, r);
	free(l);
	free(r);
	return out;
}

void
query_free(struct query_node *n)
{
	if (n == NULL)
		return;
	query_free(n->left);
	query_free(n->right);
	free(n->word);
	free(n->written);
	free(n);
}

void
query_search_terms(const struct query_node *n, char ***terms, size_t *nterms)
{
	char *t;
	size_t i;

	if (n == NULL || n->type == QUERY_NOT)
		return;
	if (n->type != QUERY_TERM) {
		query_search_terms(n->left, terms, nterms);
		query_search_terms(n->right, terms, nterms);
		return;
	}
	if ((n->field != QUERY_TEXT && n->field != QUERY_TITLE) ||
	    n->word == NULL || n->word[0] == '\0')
		return;
	t = (n->flags & QUERY_PHRASE) || strchr(n->word, ' ') != NULL ?
	    xasprintf("\"%s\"", n->word) : xstrdup(n->word);
	for (i = 0; i < *nterms; i++) {
		if (strcmp((*terms)[i], t) == 0) {
			free(t);
			return;
		}
	}
	*terms = xreallocarray(*terms, *nterms + 2, sizeof(**terms));
	(*terms)[(*nterms)++] = t;
	(*terms)[*nterms] = NULL;
}
