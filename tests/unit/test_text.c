/*
 * test_text.c - HTML to plain text, UTF-8 repair and folding (daemon/text.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Assert that HTML becomes WANT. */
static void
check_html(const char *html, const char *want)
{
	char *got = text_from_html(html, strlen(html));

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* Assert that S folds to WANT. */
static void
check_fold(const char *s, const char *want)
{
	char *got = text_fold(s, strlen(s));

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_plain_text(void **state)
{
	(void)state;
	check_html("hello world", "hello world");
	check_html("  spaced \t out  ", "spaced out");
	check_html("line one\n\n\nline two", "line one\nline two");
	check_html("", "");
	check_html(" \n\t ", "");
	check_html("a > b", "a > b");
}

static void
test_tags_and_blocks(void **state)
{
	(void)state;
	check_html("<p>Hello <b>bold</b> world</p>", "Hello bold world");
	check_html("<p>one</p><p>two</p>", "one\ntwo");
	check_html("first<br>second<br/>third", "first\nsecond\nthird");
	check_html("<ul><li>a</li><li>b</li></ul>", "a\nb");
	check_html("<h1>Title</h1><div>body <i>text</i></div>",
	    "Title\nbody text");
	check_html("<blockquote>quoted</blockquote>after", "quoted\nafter");
	check_html("<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr>"
	    "</table>", "1 2\n3");
	check_html("<p>  lots\n  of\n\n  space  </p>", "lots of space");
	check_html("<pre>keep\nlines</pre>", "keep\nlines");
	check_html("<p><p><p>x</p></p></p>", "x");
	check_html("<section>a</section><h6>b</h6><template>x</template>"
	    "<address>c</address><ul><li>d</ul><span>e</span>",
	    "a\nb\nc\nd\ne");
}

static void
test_script_style_dropped(void **state)
{
	(void)state;
	check_html("<p>before</p><script>alert('x < y')</script><p>after</p>",
	    "before\nafter");
	check_html("<style>p { color: red }</style>visible", "visible");
	check_html("a<!-- a comment -->b", "ab");
}

static void
test_entities(void **state)
{
	(void)state;
	check_html("caf&eacute; cr&#233;&#xE9;", "caf\xc3\xa9 cr\xc3\xa9\xc3\xa9");
	check_html("smile &#x1F600;", "smile \xf0\x9f\x98\x80");
	check_html("Tom &amp; Jerry &lt;3", "Tom & Jerry <3");
	check_html("a&nbsp;&nbsp;b", "a b");
	check_html("fish & chips", "fish & chips");
	check_html("<p>x &lt;script&gt; y</p>", "x <script> y");
}

static void
test_links(void **state)
{
	(void)state;
	/* Text differs from the URL: the URL follows in brackets. */
	check_html("see <a href=\"https://example.com/doc\">the docs</a> now",
	    "see the docs (https://example.com/doc) now");
	/* The text is the URL (as Mastodon writes it, in pieces): once. */
	check_html("<a href=\"https://example.com/a/b\"><span>https://</span>"
	    "<span>example.com/a</span><span>/b</span></a>",
	    "https://example.com/a/b");
	check_html("<a href=\"https://example.com/\">example.com</a>",
	    "example.com");
	/* No text: the URL stands in. */
	check_html("x <a href=\"https://example.com/i.png\"></a> y",
	    "x https://example.com/i.png y");
	/* Not a web link: the text alone. */
	check_html("<a href=\"javascript:alert(1)\">click</a>", "click");
	check_html("<a name=\"anchor\">here</a>", "here");
	check_html("<a href=\"https://x.org/?a=1&amp;b=2\">q</a>",
	    "q (https://x.org/?a=1&b=2)");
}

static void
test_invalid_utf8(void **state)
{
	char *s;

	(void)state;
	s = text_valid_utf8("ok\xff" "bad\xc3", 7);
	assert_string_equal(s, "ok\xef\xbf\xbd" "bad\xef\xbf\xbd");
	free(s);
	/* Overlong encoding and a lone surrogate. */
	s = text_valid_utf8("\xc0\xaf|\xed\xa0\x80", 6);
	assert_string_equal(s, "\xef\xbf\xbd\xef\xbf\xbd|"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	/* A NUL cannot live in a C string: it is replaced too. */
	s = text_valid_utf8("a\0b", 3);
	assert_string_equal(s, "a\xef\xbf\xbd" "b");
	free(s);
	/* Valid text is copied as is. */
	s = text_valid_utf8("d\xc3\xa9j\xc3\xa0 \xf0\x9f\x98\x80", 11);
	assert_string_equal(s, "d\xc3\xa9j\xc3\xa0 \xf0\x9f\x98\x80");
	free(s);
	/* Through the HTML path, both fast and parsed. */
	check_html("x\xfey", "x\xef\xbf\xbdy");
	check_html("<b>x\xfey</b>", "x\xef\xbf\xbdy");
}

static void
test_fold(void **state)
{
	(void)state;
	check_fold("Cr\xc3\xa9\xc3\xa9 \xc3\x89T\xc3\x89", "cree ete");
	check_fold("HELLO World", "hello world");
	check_fold("\xc3\x87" "a va ? D\xc3\xa9\xc3\xa7u !", "ca va ? decu !");
	/* Ligatures: fi (U+FB01) is a compatibility character, oe stays. */
	check_fold("\xef\xac\x81" "chier", "fichier");
	check_fold("\xc5\x92" "UVRE", "\xc5\x93" "uvre");
	check_fold("Stra\xc3\x9f" "e", "strasse");
	/* Full-width letters and a typographic apostrophe. */
	check_fold("\xef\xbc\xa1\xef\xbc\xa2", "ab");
	check_fold("doesn\xe2\x80\x99t", "doesn't");
	/* Invalid input is repaired, not refused. */
	check_fold("A\xff", "a\xef\xbf\xbd");
}

static void
test_never_crash(void **state)
{
	static const char *const odd[] = {
		"<", "&", "<<<<", "&&&;", "<a href=", "<a href=\"", "</p></p>",
		"<script>", "<!--", "<![CDATA[x]]>", "&#0;", "&#xD800;",
		"&#x110000;", "<?xml version=\"1.0\"?>", "<!DOCTYPE html>",
		"<meta charset=\"latin1\">\xe9t\xe9", "<a><a><a>x</a></a></a>",
	};
	char deep[60000], *s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		s = text_from_html(odd[i], strlen(odd[i]));
		assert_non_null(s);
		free(s);
	}
	/* Deep nesting: no recursion to overflow. */
	for (i = 0; i + 5 < sizeof(deep); i += 5)
		memcpy(deep + i, "<div>", 5);
	memcpy(deep + i, "x", 2);
	s = text_from_html(deep, strlen(deep));
	assert_non_null(s);
	free(s);
	s = text_from_html(NULL, 0);
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_tags_and_blocks),
		cmocka_unit_test(test_script_style_dropped),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_never_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
