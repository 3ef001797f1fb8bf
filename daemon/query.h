/*
 * query.h - the tracked-query language: parse a track's query into a tree.
 *
 *   acme                  a word, whole words only, any case, any accents
 *   "acme fibre"          a phrase: these words, in this order
 *   acme*                 a word prefix: acme, acmebox, acme's
 *   ="ACME" / =Acme       exact case (accents and case not folded)
 *   @acme  #acme          a handle, a hashtag
 *   a AND b, a b          both (AND is implied between terms)
 *   a OR b                either
 *   NOT a, -a             not
 *   a NEAR/3 b            a and b at most 3 words apart (in either order);
 *                         each side a term, a phrase or an OR group of them
 *   ( ... )               grouping
 *   title:  author:  url:  site:  lang:  source:
 *                         a field: title:acme, site:acme.com, lang:fr,
 *                         title:(acme OR lumio)
 *
 * Precedence, tightest first: NOT / -, NEAR/n, AND, OR. The operators are
 * upper case; a lower-case "and", "or", "not" or "near" is an ordinary word.
 * A query that only negates ("-acme") is refused: it would match everything.
 */
#ifndef QUERY_H
#define QUERY_H

enum query_type {
	QUERY_TERM,
	QUERY_AND,
	QUERY_OR,
	QUERY_NOT,
	QUERY_NEAR,
};

/* What a term is matched against. */
enum query_field {
	QUERY_TEXT,	/* the title or the text (no field given) */
	QUERY_TITLE,
	QUERY_AUTHOR,	/* the author's handle or name */
	QUERY_URL,	/* a part of the URL */
	QUERY_SITE,	/* the URL's domain or a subdomain of it */
	QUERY_LANG,
	QUERY_SOURCE,	/* the source's name or its plugin's */
};

#define QUERY_PHRASE	0x1	/* was quoted */
#define QUERY_PREFIX	0x2	/* ended in '*' */
#define QUERY_EXACT	0x4	/* had the '=' prefix */

struct query_node {
	enum query_type		 type;
	struct query_node	*left;		/* NOT: the negated node */
	struct query_node	*right;
	int			 distance;	/* NEAR/n: n */
	int			 column;	/* 1-based, in characters */

	/* QUERY_TERM */
	enum query_field	 field;
	int			 flags;		/* QUERY_PHRASE, ... */
	char			*word;		/* without quotes, '=', field, '*' */
	char			*written;	/* as written in the query */
	unsigned		 id;		/* free for the caller (match.c) */
};

/* query_parse - the tree of QUERY (malloc'd, free with query_free). NULL on a
 * syntax error, with *column set to where it is (1-based, in characters) and
 * *cause to what was expected there, e.g. "expected ')' to close the '(' at
 * column 5". */
struct query_node	*query_parse(const char *query, int *column,
			    char **cause);
/* query_print - the tree as a fully bracketed string, for tests and
 * debugging: "(AND acme (OR a b))", "(NOT x)", "(NEAR/3 a b)". */
char			*query_print(const struct query_node *n);
/* query_field_name - "title", "author", ... ("" for QUERY_TEXT). */
const char		*query_field_name(enum query_field field);
/* query_search_terms - append to the NULL-terminated malloc'd array *TERMS
 * (of *N strings) what a search API should be asked for so that every mention
 * N could match is found: each word and phrase of the text or title that is
 * not negated, phrases in double quotes, prefixes without their '*', none
 * twice. Only a superset: the matcher decides. */
void			 query_search_terms(const struct query_node *n,
			    char ***terms, size_t *nterms);
void			 query_free(struct query_node *n);

#endif
