/*
 * test_log.c - log levels parse, and lines are filtered by level.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static void
test_level_parse(void **state)
{
	(void)state;
	assert_int_equal(log_level_parse("debug"), LOG_DEBUG);
	assert_int_equal(log_level_parse("INFO"), LOG_INFO);
	assert_int_equal(log_level_parse("warn"), LOG_WARNING);
	assert_int_equal(log_level_parse("error"), LOG_ERR);
	assert_int_equal(log_level_parse("loud"), -1);
}

/* Capture what log_msg writes to stderr at LEVEL with the threshold MAX. */
static char *
capture(int max, int level, const char *msg)
{
	char path[] = "/tmp/mentiond-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	static char buf[4096];
	ssize_t n;

	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	unsetenv("JOURNAL_STREAM");
	log_init(max);
	log_msg(level, "unit", "%s", msg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n < 0 ? 0 : n] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static void
test_filter_and_format(void **state)
{
	(void)state;
	assert_string_equal(capture(LOG_INFO, LOG_DEBUG, "hidden"), "");
	char *line = capture(LOG_INFO, LOG_WARNING, "two\nlines");
	assert_non_null(strstr(line, "warning unit: two lines\n"));
	assert_null(strchr(line, '\n') == line + strlen(line) - 1 ? NULL : line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_parse),
		cmocka_unit_test(test_filter_and_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
