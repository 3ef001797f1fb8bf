/*
 * test_urlcanon.c - the canonical form of URLs (daemon/urlcanon.c): a table
 * of pairs that must come out the same or different, exact forms for a few,
 * the inputs that give NULL, and the keys urlcanon_id makes of ids.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "urlcanon.h"

#define SAME	1
#define DIFF	0

/* Two URLs and whether they are one link. */
struct pair {
	int		 same;
	const char	*a;
	const char	*b;
};

static const struct pair pairs[] = {
	/* Scheme, host case, userinfo, ports, fragments. */
	{ SAME, "http://example.com/a", "https://example.com/a" },
	{ SAME, "HTTPS://EXAMPLE.COM/a", "https://example.com/a" },
	{ SAME, "https://user:pw@example.com/a", "https://example.com/a" },
	{ SAME, "http://example.com:80/a", "https://example.com:443/a" },
	{ SAME, "https://example.com./a", "https://example.com/a" },
	{ SAME, "https://example.com/a#section-2", "https://example.com/a" },
	{ SAME, "  https://example.com/a\n", "https://example.com/a" },
	{ DIFF, "https://example.com:8080/a", "https://example.com/a" },
	{ DIFF, "https://example.com:8080/a", "https://example.com:8081/a" },
	{ DIFF, "https://example.com/#!/item/1", "https://example.com/#!/item/2" },
	{ DIFF, "https://example.com/#/route/a", "https://example.com/" },
	/* A fragment naming a comment or answer is an item of its own. */
	{ DIFF, "https://github.com/o/r/issues/1#issuecomment-1001",
	    "https://github.com/o/r/issues/1#issuecomment-1002" },
	{ DIFF, "https://github.com/o/r/issues/1#issuecomment-1001",
	    "https://github.com/o/r/issues/1" },
	{ DIFF, "https://blog.example.com/post/#comment-4567",
	    "https://blog.example.com/post/" },
	{ DIFF, "https://stackoverflow.com/a/123#123456",
	    "https://stackoverflow.com/a/123" },
	{ SAME, "https://blog.example.com/post/#comments",
	    "https://blog.example.com/post/" },
	{ SAME, "https://example.com/a#top", "https://example.com/a" },
	/* www., m., mobile. folded; www2. and a bare www.com are not. */
	{ SAME, "https://www.example.com/a", "https://example.com/a" },
	{ SAME, "https://m.example.com/a", "https://www.example.com/a" },
	{ SAME, "https://mobile.example.com/a", "https://example.com/a" },
	{ DIFF, "https://www2.example.com/a", "https://example.com/a" },
	{ DIFF, "https://wwwexample.com/a", "https://example.com/a" },
	{ DIFF, "https://www.com/a", "https://com/a" },
	{ DIFF, "https://blog.example.com/a", "https://example.com/a" },
	/* Path. */
	{ SAME, "https://example.com/a/./b/../c", "https://example.com/a/c" },
	{ SAME, "https://example.com/a/%2E%2E/c", "https://example.com/c" },
	{ SAME, "https://example.com/%7Euser", "https://example.com/~user" },
	{ SAME, "https://example.com/a%2fb", "https://example.com/a%2Fb" },
	{ SAME, "https://example.com/caf\xc3\xa9", "https://example.com/caf%c3%a9" },
	{ SAME, "https://example.com//a///b", "https://example.com/a/b" },
	{ SAME, "https://example.com/a/", "https://example.com/a" },
	{ SAME, "https://example.com", "https://example.com/" },
	{ SAME, "https://example.com/blog/index.html", "https://example.com/blog/" },
	{ SAME, "https://example.com/Default.aspx", "https://example.com/" },
	{ SAME, "https://example.com/index.php?p=1", "https://example.com/?p=1" },
	{ DIFF, "https://example.com/A", "https://example.com/a" },
	{ DIFF, "https://example.com/a%2Fb", "https://example.com/a/b" },
	{ DIFF, "https://example.com/index.html.bak", "https://example.com/" },
	{ DIFF, "https://example.com/a/b", "https://example.com/a/c" },
	/* Query. */
	{ SAME, "https://example.com/p?b=2&a=1", "https://example.com/p?a=1&b=2" },
	{ SAME, "https://example.com/p?a=1&utm_source=tw&utm_medium=social",
	    "https://example.com/p?a=1" },
	{ SAME, "https://example.com/p?fbclid=IwAR0x&gclid=1&msclkid=2",
	    "https://example.com/p" },
	{ SAME, "https://example.com/p?UTM_Campaign=x", "https://example.com/p" },
	{ SAME, "https://example.com/p?", "https://example.com/p" },
	{ SAME, "https://example.com/p?&&a=1&", "https://example.com/p?a=1" },
	{ SAME, "https://example.com/s?q=a+b", "https://example.com/s?q=a%20b" },
	{ SAME, "https://example.com/?ref=producthunt", "https://example.com/" },
	{ DIFF, "https://example.com/page?id=1", "https://example.com/page?id=2" },
	{ DIFF, "https://example.com/p?a=1&a=2", "https://example.com/p?a=2&a=1" },
	{ DIFF, "https://example.com/s?q=a%2Bb", "https://example.com/s?q=a+b" },
	{ DIFF, "https://example.com/p?a", "https://example.com/p?a=" },
	{ DIFF, "https://github.com/o/r/blob/x?ref=main",
	    "https://github.com/o/r/blob/x?ref=dev" },
	{ DIFF, "https://example.com/p?s=1", "https://example.com/p" },
	{ DIFF, "https://example.com/p?utm=1", "https://example.com/p" },
	/* Redirectors. */
	{ SAME, "https://www.google.com/url?sa=t&url=https%3A%2F%2Fexample.com"
	    "%2Fnews%3Fid%3D7&usg=AOv", "https://example.com/news?id=7" },
	{ SAME, "https://www.google.co.uk/url?q=https://example.com/a&sa=D",
	    "http://example.com/a" },
	{ SAME, "https://l.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2Fa"
	    "%3Futm_source%3Dfb&h=AT0", "https://example.com/a" },
	{ SAME, "https://www.facebook.com/l.php?u=http%3A%2F%2Fexample.com%2Fa",
	    "https://example.com/a" },
	{ SAME, "https://out.reddit.com/t3_abc?url=https%3A%2F%2Fexample.com"
	    "%2Fa&token=x", "https://example.com/a" },
	{ SAME, "https://t.umblr.com/redirect?z=https%3A%2F%2Fexample.com%2Fa"
	    "&t=x", "https://example.com/a" },
	{ SAME, "https://www.youtube.com/redirect?event=video_description&q="
	    "https%3A%2F%2Fexample.com%2Fa", "https://example.com/a" },
	{ SAME, "https://l.instagram.com/?u=https%3A%2F%2Fexample.com%2Fa&e=AT",
	    "https://example.com/a" },
	{ SAME, "https://href.li/?https://example.com/a", "https://example.com/a" },
	{ SAME, "https://slack-redir.net/link?url=https%3A%2F%2Fexample.com%2Fa",
	    "https://example.com/a" },
	{ SAME, "https://duckduckgo.com/l/?uddg=https%3A%2F%2Fexample.com%2Fa"
	    "&rut=1", "https://example.com/a" },
	{ SAME, "https://www.linkedin.com/redir/redirect?url=https%3A%2F%2F"
	    "example.com%2Fa", "https://example.com/a" },
	{ SAME, "https://www.google.com/amp/s/www.example.com/a.amp",
	    "https://example.com/a.amp" },
	{ SAME, "https://www.google.com/url?q=https%3A%2F%2Fl.facebook.com%2F"
	    "l.php%3Fu%3Dhttps%253A%252F%252Fexample.com%252Fa",
	    "https://example.com/a" },
	{ DIFF, "https://www.google.com/url?q=not-a-url",
	    "https://www.google.com/url?q=other" },
	{ DIFF, "https://www.google.com/search?q=https://example.com/a",
	    "https://example.com/a" },
	/* Sites. */
	{ SAME, "https://youtu.be/dQw4w9WgXcQ?si=abc",
	    "https://www.youtube.com/watch?v=dQw4w9WgXcQ" },
	{ SAME, "https://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=42",
	    "https://youtube.com/watch?v=dQw4w9WgXcQ" },
	{ SAME, "https://www.youtube.com/shorts/dQw4w9WgXcQ",
	    "https://youtu.be/dQw4w9WgXcQ" },
	{ DIFF, "https://youtu.be/dQw4w9WgXcQ", "https://youtu.be/aaaaaaaaaaa" },
	{ SAME, "https://mobile.twitter.com/jack/status/20?s=20&t=x",
	    "https://x.com/jack/status/20" },
	{ SAME, "https://twitter.com/Jack/status/20/photo/1",
	    "https://x.com/i/web/status/20" },
	{ DIFF, "https://x.com/jack/status/20", "https://x.com/jack/status/21" },
	{ DIFF, "https://x.com/jack", "https://x.com/dorsey" },
	{ SAME, "https://old.reddit.com/r/C/comments/abc123/a_title/",
	    "https://www.reddit.com/r/C/comments/abc123/" },
	{ SAME, "https://np.reddit.com/r/C/comments/abc123/t/",
	    "https://redd.it/abc123" },
	{ DIFF, "https://reddit.com/r/C/comments/abc123/t/def456/",
	    "https://reddit.com/r/C/comments/abc123/t/" },
	{ DIFF, "https://reddit.com/r/C/", "https://reddit.com/r/D/" },
	{ SAME, "https://en.m.wikipedia.org/wiki/Lyon",
	    "https://en.wikipedia.org/wiki/Lyon" },
	{ DIFF, "https://en.wikipedia.org/wiki/Lyon",
	    "https://fr.wikipedia.org/wiki/Lyon" },
};

/* urlcanon(URL), failing the test when it is NULL. */
static char *
canon(const char *url)
{
	char *cause = NULL, *out;

	if ((out = urlcanon(url, &cause)) == NULL)
		fail_msg("urlcanon(\"%s\") is NULL: %s", url, cause);
	assert_null(cause);
	return out;
}

static void
test_pairs(void **state)
{
	const struct pair *p;
	char *a, *b;
	size_t i, bad = 0;

	(void)state;
	assert_true(sizeof(pairs) / sizeof(pairs[0]) >= 40);
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		p = &pairs[i];
		a = canon(p->a);
		b = canon(p->b);
		if ((strcmp(a, b) == 0) != p->same) {
			print_error("pair %zu: %s -> %s\n        %s -> %s: expected "
			    "%s\n", i, p->a, a, p->b, b,
			    p->same ? "the same" : "different");
			bad++;
		}
		free(a);
		free(b);
	}
	assert_int_equal(bad, 0);
}

/* Assert that URL comes out as WANT. */
static void
check_form(const char *url, const char *want)
{
	char *out = canon(url);

	if (strcmp(out, want) != 0)
		fail_msg("urlcanon(\"%s\") is \"%s\", not \"%s\"", url, out,
		    want);
	free(out);
}

static void
test_forms(void **state)
{
	(void)state;
	check_form("HTTP://User:Pw@WWW.Example.COM:443/a/./b/../c/?utm_source=x"
	    "&y=2&b=1#frag", "example.com/a/c?b=1&y=2");
	check_form("https://example.com", "example.com/");
	check_form("https://example.com:8080/%7euser/%3a?q=a+b", "example.com:"
	    "8080/~user/%3A?q=a%20b");
	check_form("https://example.com/a b/\"q\"/%zz", "example.com/a%20b/"
	    "%22q%22/%25zz");
	check_form("https://example.com/p?b=2&a=3&b=1", "example.com/p?a=3&b=2"
	    "&b=1");
	check_form("https://example.com/#!/item/1?x", "example.com/#!/item/1?x");
	check_form("https://example.com/index.html/index.htm", "example.com/");
	check_form("http://[::1]:8080/x", "[::1]:8080/x");
	check_form("http://CAF\xc3\x89.example/", "caf\xc3\xa9.example/");
	check_form("https://youtu.be/dQw4w9WgXcQ?t=10",
	    "youtube.com/watch?v=dQw4w9WgXcQ");
	check_form("https://twitter.com/jack/status/20?s=20",
	    "x.com/i/status/20");
	check_form("https://old.reddit.com/r/C/comments/abc123/t/def456/"
	    "?context=3&share_id=x", "reddit.com/comments/abc123/_/def456"
	    "?context=3");
	check_form("https://www.google.com/url?q=https%3A%2F%2Fwww.example.com"
	    "%2Fnews%3Fid%3D7%26utm_medium%3Dx", "example.com/news?id=7");
	check_form("http://www.127.1./", "127.0.0.1/");
	check_form("https://href.li/?https://example.com/a?b=1&a=2",
	    "example.com/a?a=2&b=1");
	check_form("https://href.li/?b&a&utm_source=x",
	    "href.li/?b&a&utm_source=x");
	/* A target that is not an http(s) URL leaves the redirector. */
	check_form("https://www.google.com/url?q=javascript%3Aalert(1)",
	    "google.com/url?q=javascript%3Aalert(1)");

	/* Plain links, which skip libcurl, at the edges of what they take:
	 * the same forms as through the full rules. */
	check_form("https://blog.example.org/2024/05/my-post/",
	    "blog.example.org/2024/05/my-post");
	check_form("https://www.m.example.org/a/index.php/",
	    "example.org/a");
	check_form("https://example.org/a/index.html/Default.aspx",
	    "example.org/a");
	check_form("http://www.com/a~b_c-d.e", "www.com/a~b_c-d.e");
	check_form("http://localhost", "localhost/");
	check_form("http://www.1.2/x", "1.0.0.2/x");
	check_form("https://example.org/a//b/./c", "example.org/a/b/c");
	check_form("https://mobile.twitter.com/acme",
	    "x.com/acme");
	check_form("https://en.m.wikipedia.org/wiki/Acme",
	    "en.wikipedia.org/wiki/Acme");
	check_form("https://news.google.com/articles/x",
	    "news.google.com/articles/x");
	check_form("https://example.org/a.b/..", "example.org/");
	/* Plain links to the tables' hosts (exact, a suffix, "google.*",
	 * "*.x") take the full rules; lookalikes stay as they are. */
	check_form("https://fxtwitter.com/acme", "x.com/acme");
	check_form("https://youtu.be/dQw4w9WgXcQ",
	    "youtube.com/watch?v=dQw4w9WgXcQ");
	check_form("https://fr.m.wikipedia.org/wiki/Lyon",
	    "fr.wikipedia.org/wiki/Lyon");
	check_form("https://www.google.co.uk/amp/s/example.com/a",
	    "example.com/a");
	check_form("https://acme-com.cdn.ampproject.org/c/s/example.com/b",
	    "example.com/b");
	check_form("https://cdn.ampproject.org/c/s/example.com/b",
	    "cdn.ampproject.org/c/s/example.com/b");
	check_form("https://google.a.b.c/amp/s/example.com/a",
	    "google.a.b.c/amp/s/example.com/a");
	check_form("https://notgoogle.com/amp/s/example.com/a",
	    "notgoogle.com/amp/s/example.com/a");
	check_form("https://m.wikipedia.org/wiki/Lyon",
	    "wikipedia.org/wiki/Lyon");
}

/* Assert that URL gives NULL with a cause holding WANT, and no crash
 * without a cause. */
static void
check_null(const char *url, const char *want)
{
	char *cause = NULL, *out;

	if ((out = urlcanon(url, &cause)) != NULL)
		fail_msg("urlcanon(\"%s\") is \"%s\", not NULL", url, out);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("%s: cause \"%s\" lacks \"%s\"", url, cause, want);
	free(cause);
	assert_null(urlcanon(url, NULL));
}

/* https://example.com/a inside N Google redirectors, each escaping the
 * last (malloc'd). */
static char *
nest(int n)
{
	static const char hex[] = "0123456789ABCDEF";
	char *url, *next, *o;
	const char *p;

	url = strdup("https://example.com/a");
	while (n-- > 0) {
		next = o = malloc(strlen(url) * 3 + 40);
		o += sprintf(o, "https://www.google.com/url?q=");
		for (p = url; *p != '\0'; p++) {
			if (strchr("-._~", *p) != NULL ||
			    (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
				*o++ = *p;
			else {
				*o++ = '%';
				*o++ = hex[(unsigned char)*p >> 4];
				*o++ = hex[*p & 0xf];
			}
		}
		*o = '\0';
		free(url);
		url = next;
	}
	return url;
}

static void
test_invalid(void **state)
{
	char *huge, *nested;
	size_t i;

	(void)state;
	check_null(NULL, "no URL");
	check_null("", "not an absolute http(s) URL");
	check_null("   ", "not an absolute http(s) URL");
	check_null("example.com/a", "not an absolute http(s) URL");
	check_null("//example.com/a", "not an absolute http(s) URL");
	check_null("/a/b", "not an absolute http(s) URL");
	check_null("ftp://example.com/a", "not an absolute http(s) URL");
	check_null("mailto:a@example.com", "not an absolute http(s) URL");
	check_null("javascript:alert(1)", "not an absolute http(s) URL");
	check_null("https://", "bad URL");
	check_null("http:example.com", "bad URL");
	check_null("https://exa mple.com/", "bad URL");
	check_null("https://example.com/a\tb", "bad URL");
	check_null("https://ex%25ample.com/", "bad host name");
	check_null("https://./", "bad host name");
	check_null("https://example.com:99999/", "bad URL");
	check_null("https://\xff\xfe:x/", "bad URL");

	huge = malloc(URLCANON_MAX + 100);
	memcpy(huge, "https://example.com/", 20);
	memset(huge + 20, 'a', URLCANON_MAX + 79 - 20);
	huge[URLCANON_MAX + 79] = '\0';
	check_null(huge, "too long");
	/* Short enough to take, too long once every byte is escaped. */
	memset(huge + 20, '"', URLCANON_MAX / 2);
	huge[20 + URLCANON_MAX / 2] = '\0';
	check_null(huge, "too long");
	free(huge);

	/* Four redirectors deep is one too many; three is fine. */
	nested = nest(4);
	check_null(nested, "too many redirectors");
	free(nested);
	nested = nest(3);
	check_form(nested, "example.com/a");
	free(nested);
	for (i = 0; i < 2; i++)
		assert_null(urlcanon(i ? "http://" : "https:", NULL));
}

static void
test_id(void **state)
{
	static const char *const kept[] = {
		"tag:example.com,2024:post-1", "12345", "urn:uuid:6e8bc430",
		"ftp://example.com/a", "example.com/a", "", "https://", NULL
	};
	char *a, *b;
	size_t i;

	(void)state;
	assert_null(urlcanon_id(NULL));
	for (i = 0; kept[i] != NULL; i++) {
		a = urlcanon_id(kept[i]);
		assert_string_equal(a, kept[i]);
		free(a);
	}
	a = urlcanon_id("http://Example.com/post/1");
	b = urlcanon_id("https://example.com/post/1");
	assert_string_equal(a, "example.com/post/1");
	assert_string_equal(a, b);
	free(a);
	free(b);
	a = urlcanon_id("https://example.com/?p=1");
	b = urlcanon_id("https://example.com/?p=2");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
	/* Ids keep any fragment: the comments of one page are many items. */
	a = urlcanon_id("https://forum.example.com/t/1#reply-a");
	b = urlcanon_id("http://forum.example.com/t/1#reply-b");
	assert_string_equal(a, "forum.example.com/t/1#reply-a");
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
