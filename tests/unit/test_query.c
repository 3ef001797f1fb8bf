/*
 * test_query.c - the tracked-query parser (daemon/query.c): every operator,
 * precedence, fields, flags, what is reported as written, and syntax errors
 * with their columns.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

/* Assert that QUERY parses and prints as WANT. */
static void
check_tree(const char *query, const char *want)
{
	struct query_node *n;
	char *cause = NULL, *got;
	int column = 0;

	n = query_parse(query, &column, &cause);
	if (n == NULL)
		fail_msg("%s: column %d: %s", query, column, cause);
	got = query_print(n);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got %s, want %s", query, got, want);
	free(got);
	query_free(n);
}

/* Assert that QUERY fails at COLUMN with a message holding WANT. */
static void
check_error(const char *query, int column, const char *want)
{
	struct query_node *n;
	char *cause = NULL;
	int got = 0;

	n = query_parse(query, &got, &cause);
	if (n != NULL)
		fail_msg("%s: parsed, want an error", query);
	assert_non_null(cause);
	if (got != column || strstr(cause, want) == NULL)
		fail_msg("%s: got column %d: %s; want column %d: ...%s...",
		    query, got, cause, column, want);
	free(cause);
}

/* The one term QUERY parses to. */
static struct query_node *
one_term(const char *query)
{
	struct query_node *n;
	char *cause = NULL;
	int column = 0;

	n = query_parse(query, &column, &cause);
	assert_non_null(n);
	assert_int_equal(n->type, QUERY_TERM);
	return n;
}

static void
test_operators(void **state)
{
	(void)state;
	check_tree("acme", "acme");
	check_tree("acme OR lumio", "(OR acme lumio)");
	check_tree("acme AND lumio", "(AND acme lumio)");
	check_tree("acme lumio", "(AND acme lumio)");
	check_tree("acme NOT lumio", "(AND acme (NOT lumio))");
	check_tree("acme -lumio", "(AND acme (NOT lumio))");
	check_tree("acme NEAR/3 broken", "(NEAR/3 acme broken)");
	check_tree("acme NEAR/0 broken", "(NEAR/0 acme broken)");
	check_tree("(acme)", "acme");
	check_tree("  acme\tOR\nlumio  ", "(OR acme lumio)");
	/* Lower-case operators are words. */
	check_tree("this or that", "(AND (AND this or) that)");
	check_tree("not near and", "(AND (AND not near) and)");
	/* NEAR without /n is a word (a brand may be called NEAR). */
	check_tree("NEAR protocol", "(AND NEAR protocol)");
	/* A '-' inside a word is part of it. */
	check_tree("t-mobile", "t-mobile");
}

static void
test_precedence(void **state)
{
	(void)state;
	/* NOT binds tighter than NEAR, NEAR than AND, AND than OR. */
	check_tree("a OR b AND c", "(OR a (AND b c))");
	check_tree("a AND b OR c", "(OR (AND a b) c)");
	check_tree("a b OR c d", "(OR (AND a b) (AND c d))");
	check_tree("a OR b OR c", "(OR (OR a b) c)");
	check_tree("NOT a b", "(AND (NOT a) b)");
	check_tree("NOT NOT a", "(NOT (NOT a))");
	check_tree("a NEAR/2 b c", "(AND (NEAR/2 a b) c)");
	check_tree("a NEAR/2 b OR c", "(OR (NEAR/2 a b) c)");
	check_tree("a NEAR/2 b NEAR/5 c", "(NEAR/5 (NEAR/2 a b) c)");
	check_tree("(a OR b) c", "(AND (OR a b) c)");
	check_tree("a (b OR c) -(d OR e)", "(AND (AND a (OR b c)) "
	    "(NOT (OR d e)))");
	check_tree("(acme OR acmecorp) NEAR/3 (broken OR outage)",
	    "(NEAR/3 (OR acme acmecorp) (OR broken outage))");
	check_tree("((a))", "a");
}

static void
test_terms(void **state)
{
	struct query_node *n;

	(void)state;
	n = one_term("\"Road  Runner\"");
	assert_int_equal(n->flags, QUERY_PHRASE);
	assert_int_equal(n->field, QUERY_TEXT);
	assert_string_equal(n->word, "Road  Runner");
	/* A plain phrase is reported without its quotes. */
	assert_string_equal(n->written, "Road  Runner");
	assert_int_equal(n->column, 1);
	query_free(n);

	n = one_term("acme*");
	assert_int_equal(n->flags, QUERY_PREFIX);
	assert_string_equal(n->word, "acme");
	assert_string_equal(n->written, "acme*");
	query_free(n);

	n = one_term("=\"ACME\"");
	assert_int_equal(n->flags, QUERY_EXACT | QUERY_PHRASE);
	assert_string_equal(n->word, "ACME");
	assert_string_equal(n->written, "=\"ACME\"");
	query_free(n);

	n = one_term("=Acme*");
	assert_int_equal(n->flags, QUERY_EXACT | QUERY_PREFIX);
	assert_string_equal(n->word, "Acme");
	query_free(n);

	n = one_term("@acme");
	assert_string_equal(n->word, "@acme");
	query_free(n);
	n = one_term("#acme");
	assert_string_equal(n->word, "#acme");
	query_free(n);

	/* Unicode survives, and columns count characters. */
	check_tree("cr\xc3\xa8me OR br\xc3\xbbl\xc3\xa9" "e",
	    "(OR cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e)");
	check_error("\xc3\xa9t\xc3\xa9 (x", 7, "expected ')'");
	/* A '*' inside quotes is literal. */
	n = one_term("\"a*b\"");
	assert_string_equal(n->word, "a*b");
	assert_int_equal(n->flags, QUERY_PHRASE);
	query_free(n);
}

static void
test_fields(void **state)
{
	static const struct {
		const char		*query;
		enum query_field	 field;
		const char		*word;
	} cases[] = {
		{ "title:acme", QUERY_TITLE, "acme" },
		{ "TITLE:acme", QUERY_TITLE, "acme" },
		{ "author:jdoe", QUERY_AUTHOR, "jdoe" },
		{ "author:@jdoe", QUERY_AUTHOR, "@jdoe" },
		{ "author:\"Jane Doe\"", QUERY_AUTHOR, "Jane Doe" },
		{ "url:acme.com/blog", QUERY_URL, "acme.com/blog" },
		{ "site:acme.com", QUERY_SITE, "acme.com" },
		{ "lang:fr", QUERY_LANG, "fr" },
		{ "source:reddit", QUERY_SOURCE, "reddit" },
		{ "title:=\"ACME\"", QUERY_TITLE, "ACME" },
	};
	struct query_node *n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = one_term(cases[i].query);
		assert_int_equal(n->field, cases[i].field);
		assert_string_equal(n->word, cases[i].word);
		assert_string_equal(n->written, cases[i].query);
		query_free(n);
	}
	/* An unknown prefix is part of the word. */
	n = one_term("http://acme.com");
	assert_int_equal(n->field, QUERY_TEXT);
	assert_string_equal(n->word, "http://acme.com");
	query_free(n);

	/* A field on a group applies to every term in it. */
	n = query_parse("title:(acme OR \"big launch\") lumio", &(int){ 0 },
	    &(char *){ NULL });
	assert_non_null(n);
	assert_int_equal(n->type, QUERY_AND);
	assert_int_equal(n->left->type, QUERY_OR);
	assert_int_equal(n->left->left->field, QUERY_TITLE);
	assert_int_equal(n->left->right->field, QUERY_TITLE);
	assert_int_equal(n->left->right->flags, QUERY_PHRASE);
	assert_int_equal(n->right->field, QUERY_TEXT);
	query_free(n);
	check_tree("acme lang:fr -source:spam", "(AND (AND acme lang:fr) "
	    "(NOT source:spam))");
}

static void
test_errors(void **state)
{
	(void)state;
	check_error("", 1, "empty query");
	check_error("   ", 4, "expected a term");
	check_error("acme AND (lumio OR", 19, "expected a term after 'OR'");
	check_error("acme AND (lumio x", 18,
	    "expected ')' to close the '(' at column 10");
	check_error("acme (b (c) d", 14,
	    "expected ')' to close the '(' at column 6");
	check_error("acme)", 5, "unexpected ')' with no '(' to close");
	check_error("OR acme", 1, "expected a term, found 'OR'");
	check_error("acme OR", 8, "expected a term after 'OR'");
	check_error("acme OR OR x", 9, "expected a term after 'OR', "
	    "found 'OR'");
	check_error("acme AND", 9, "expected a term after 'AND'");
	check_error("acme AND )", 10, "expected a term after 'AND', "
	    "found ')'");
	check_error("acme NOT", 9, "expected a term after 'NOT'");
	check_error("acme - x", 7, "expected a term after '-'");
	check_error("()", 2, "expected a term after '(', found ')'");
	check_error("a NEAR/x b", 8, "expected a number of words");
	check_error("a NEAR/ b", 8, "expected a number of words");
	check_error("a NEAR/99999 b", 8, "expected a number of words");
	check_error("a NEAR/2", 9, "expected a term after 'NEAR/2'");
	check_error("\"unclosed", 10,
	    "expected '\"' to close the quote at column 1");
	check_error("acme \"\"", 6, "empty phrase");
	check_error("acme \"  \"", 6, "empty phrase");
	check_error("ac\"me", 3, "unexpected '\"' inside a word");
	check_error("\"a\"b", 4, "expected a space after the closing '\"'");
	check_error("ac*me", 3, "'*' can only end a word");
	check_error("*", 1, "expected a word before '*'");
	check_error("acme =", 7, "expected a word or a \"phrase\" after '='");
	check_error("title: acme", 7, "expected a term after 'title:'");
	check_error("title:(author:x)", 8, "a field inside 'title:(...)'");
	check_error("-acme", 1, "only excludes");
	check_error("NOT a OR NOT b", 1, "only excludes");
	check_error("a NEAR/2 (b c)", 13, "not AND");
	check_error("a NEAR/2 -b", 10, "not NOT");
	check_error("a NEAR/2 lang:fr", 10, "cannot take a 'lang:' term");
}

static void
test_limits(void **state)
{
	char *deep, *cause = NULL;
	size_t i;
	int column = 0;

	(void)state;
	/* 100 nested brackets: refused, not a stack overflow. */
	deep = calloc(1, 300);
	for (i = 0; i < 100; i++)
		deep[i] = '(';
	deep[100] = 'a';
	for (i = 0; i < 100; i++)
		deep[101 + i] = ')';
	assert_null(query_parse(deep, &column, &cause));
	assert_non_null(strstr(cause, "nested too deep"));
	assert_int_equal(column, 65);
	free(cause);
	free(deep);

	/* A long query. */
	deep = calloc(1, 10000);
	memset(deep, 'a', 9000);
	cause = NULL;
	assert_null(query_parse(deep, &column, &cause));
	assert_non_null(strstr(cause, "too long"));
	free(cause);
	free(deep);
}

/* Search terms: positive text words and phrases, once each, no negations,
 * no other fields. */
static void
test_search_terms(void **state)
{
	static const char *const expect[] = { "acme", "\"acme fibre\"",
	    "lumio", "@acme", "launch", NULL };
	struct query_node *n;
	char **terms = NULL;
	size_t nterms = 0, i;

	(void)state;
	n = query_parse("acme OR \"acme fibre\" -spam (lumio NEAR/3 acme)",
	    &(int){ 0 }, &(char *){ NULL });
	assert_non_null(n);
	query_search_terms(n, &terms, &nterms);
	query_free(n);
	n = query_parse("@acme site:acme.com title:launch* NOT (x OR y)",
	    &(int){ 0 }, &(char *){ NULL });
	assert_non_null(n);
	query_search_terms(n, &terms, &nterms);
	query_free(n);
	for (i = 0; expect[i] != NULL; i++) {
		assert_true(i < nterms);
		assert_string_equal(terms[i], expect[i]);
	}
	assert_int_equal(nterms, i);
	assert_null(terms[nterms]);
	for (i = 0; i < nterms; i++)
		free(terms[i]);
	free(terms);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_terms),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_search_terms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
