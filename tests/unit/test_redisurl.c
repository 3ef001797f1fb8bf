/*
 * test_redisurl.c - the redis:// and unix:// URL parser (daemon/redisurl.c):
 * the forms accepted, what they fill in, and the reasons for refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "redisurl.h"

/* Assert that URL parses under FLAGS to these parts (NULL strings absent). */
static void
check_good(const char *url, int flags, const char *host, int port,
    const char *path, const char *user, const char *password, int db)
{
	struct redisurl u;
	char *cause = NULL;

	if (redisurl_parse(url, flags, &u, &cause) != 0)
		fail_msg("refused %s: %s", url, cause);
	assert_null(cause);
	if (host == NULL)
		assert_null(u.host);
	else
		assert_string_equal(u.host, host);
	assert_int_equal(u.port, port);
	if (path == NULL)
		assert_null(u.path);
	else
		assert_string_equal(u.path, path);
	if (user == NULL)
		assert_null(u.user);
	else
		assert_string_equal(u.user, user);
	if (password == NULL)
		assert_null(u.password);
	else
		assert_string_equal(u.password, password);
	assert_int_equal(u.db, db);
	redisurl_free(&u);
	assert_null(u.host);
	assert_null(u.path);
}

/* Assert that URL is refused under FLAGS with a cause holding WANT. */
static void
check_bad(const char *url, int flags, const char *want)
{
	struct redisurl u;
	char *cause = NULL;

	if (redisurl_parse(url, flags, &u, &cause) == 0)
		fail_msg("accepted %s", url);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("%s: cause \"%s\" lacks \"%s\"", url, cause, want);
	assert_null(u.host);
	assert_null(u.path);
	assert_null(u.user);
	assert_null(u.password);
	free(cause);
}

static void
test_tcp_good(void **state)
{
	(void)state;
	check_good("redis://localhost", 0, "localhost", 6379, NULL, NULL,
	    NULL, 0);
	check_good("redis://127.0.0.1:1/", 0, "127.0.0.1", 1, NULL, NULL,
	    NULL, 0);
	check_good("redis://u@h:2/15", 0, "h", 2, NULL, "u", NULL, 15);
	check_good("redis://bot@redis.example:6380/2", 0, "redis.example",
	    6380, NULL, "bot", NULL, 2);
	check_good("redis://[::1]:3", 0, "::1", 3, NULL, NULL, NULL, 0);
	check_good("redis://[::1]", 0, "::1", 6379, NULL, NULL, NULL, 0);
	check_good("redis://h:65535/2147483647", 0, "h", 65535, NULL, NULL,
	    NULL, 2147483647);
	check_good("redis://my_host-1.example", 0, "my_host-1.example", 6379,
	    NULL, NULL, NULL, 0);
}

static void
test_tcp_bad(void **state)
{
	static const char *const bad[] = {
		"redis://", "redis://:6379", "redis://h:0", "redis://h:99999",
		"redis://h:12x", "redis://h:", "redis://h/x", "redis://h/1x",
		"redis://h/99999999999", "redis://[::1", "redis://[]:1",
		"redis://[::1]x", "redis://h?db=1", "redis://h#x",
		"redis://h o", "redis://h:+5", NULL
	};
	size_t i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++)
		check_bad(bad[i], 0, "expected redis://[user@]host[:port][/db]");
	check_bad("http://x", 0, "not a redis:// or unix:// URL");
	check_bad("", 0, "not a redis:// or unix:// URL");
	check_bad("rediss://h", 0, "TLS (rediss://) is not supported");
}

static void
test_password(void **state)
{
	(void)state;
	/* Refused where the password comes from elsewhere, not shown. */
	check_bad("redis://u:pw@h", 0, "a password does not belong in the URL");
	check_bad("redis://:pw@h", 0, "use password_file or password_env");
	check_bad("unix://u:pw@/tmp/s", 0, "a password does not belong");

	/* Accepted, %XX decoded, when asked for. */
	check_good("redis://u:pw@h", REDISURL_PASSWORD, "h", 6379, NULL, "u",
	    "pw", 0);
	check_good("redis://:p%40ss%3a@h:7/1", REDISURL_PASSWORD, "h", 7, NULL,
	    NULL, "p@ss:", 1);
	check_good("redis://a%2Fb@h", REDISURL_PASSWORD, "h", 6379, NULL,
	    "a/b", NULL, 0);
	check_good("redis://u:@h", REDISURL_PASSWORD, "h", 6379, NULL, "u", "",
	    0);
	check_good("redis://u:a@b@h", REDISURL_PASSWORD, "h", 6379, NULL, "u",
	    "a@b", 0);
	check_good("redis://u:bad%zz%4@h", REDISURL_PASSWORD, "h", 6379, NULL,
	    "u", "bad%zz%4", 0);
	check_good("unix://u:pw@/tmp/s?db=2", REDISURL_PASSWORD, NULL, 6379,
	    "/tmp/s", "u", "pw", 2);
}

static void
test_empty_host(void **state)
{
	(void)state;
	check_bad("redis://:6379", 0, "expected");
	check_good("redis://:6380", REDISURL_EMPTYHOST, "127.0.0.1", 6380,
	    NULL, NULL, NULL, 0);
	check_good("redis:///4", REDISURL_EMPTYHOST, "127.0.0.1", 6379, NULL,
	    NULL, NULL, 4);
}

static void
test_unix(void **state)
{
	(void)state;
	check_good("unix:///tmp/none.sock", 0, NULL, 6379, "/tmp/none.sock",
	    NULL, NULL, 0);
	check_good("unix:///tmp/none.sock?db=4", 0, NULL, 6379,
	    "/tmp/none.sock", NULL, NULL, 4);
	check_good("unix:///run/redis.sock?db=1&db=3", 0, NULL, 6379,
	    "/run/redis.sock", NULL, NULL, 3);
	check_bad("unix://relative", 0, "the socket path must be absolute");
	check_bad("unix://", 0, "the socket path must be absolute");
	check_bad("unix:///", 0, "the socket path must be absolute");
	check_bad("unix://?db=1", 0, "the socket path must be absolute");
	check_bad("unix:///tmp/x?foo=1", 0,
	    "unknown or bad parameter \"foo=1\" (only db=N is known)");
	check_bad("unix:///tmp/x?db=", 0, "unknown or bad parameter \"db=\"");
	check_bad("unix:///tmp/x?db=1&db=x", 0, "bad parameter \"db=x\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_good),
		cmocka_unit_test(test_tcp_bad),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_empty_host),
		cmocka_unit_test(test_unix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
