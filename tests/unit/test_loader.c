/*
 * test_loader.c - the plugin loader refuses each deliberately broken plugin of
 * tests/plugins with its exact one-line reason, loads the real jsonl plugin,
 * and loads a folder keeping the good plugins and logging the bad ones; the
 * settings check reports unknown keys, bad values and missing keys with
 * FILE:LINE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "loader.h"
#include "log.h"
#include "source.h"
#include "xmalloc.h"

#define BROKEN TEST_BROKEN_PLUGIN_DIR

/* Load PATH into a new loader, expect a refusal, return the cause. */
static char *
refusal(struct loader *ld, const char *path)
{
	char *cause = NULL;

	assert_int_equal(loader_load_file(ld, path, &cause), -1);
	assert_non_null(cause);
	return cause;
}

/* Assert that loading NAME (in the broken folder) fails with EXPECTED, where
 * EXPECTED has "%s" for the file path. */
static void
expect_refusal(struct loader *ld, const char *name, const char *fmt, ...)
{
	char *path, *want, *got, *tmp;
	va_list ap;

	path = xasprintf("%s/%s", BROKEN, name);
	va_start(ap, fmt);
	if (vasprintf(&tmp, fmt, ap) == -1)
		fail();
	va_end(ap);
	want = xasprintf("%s: %s", path, tmp);
	got = refusal(ld, path);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(tmp);
	free(path);
}

/* Each broken plugin is refused with its exact message. */
static void
test_refusals(void **state)
{
	struct loader *ld = loader_new();
	char *path, *cause, *other;

	(void)state;
	expect_refusal(ld, "bad_abi.so",
	    "plugin ABI version 99, this mentiond speaks version 1");
	expect_refusal(ld, "short_struct.so",
	    "descriptor is 8 bytes, ABI v1 needs at least %zu",
	    offsetof(struct md_plugin, stop) + sizeof(void (*)(void)));
	expect_refusal(ld, "missing_symbol.so",
	    "no symbol 'mentiond_plugin': not a mentiond plugin");
	expect_refusal(ld, "no_start.so", "missing callback 'start'");
	expect_refusal(ld, "bad_settings.so",
	    "setting 'overflow' at offset %zu lies beyond ctx_size %zu",
	    sizeof(long long), sizeof(long long));

	/* The first "dup" is kept, the second refused naming the first. */
	path = xasprintf("%s/dup_a.so", BROKEN);
	cause = NULL;
	assert_int_equal(loader_load_file(ld, path, &cause), 0);
	assert_null(cause);
	expect_refusal(ld, "dup_b.so", "plugin name 'dup' is already provided "
	    "by %s", path);
	/* The same file twice is a duplicate too. */
	other = refusal(ld, path);
	assert_non_null(strstr(other, "plugin name 'dup' is already provided"));
	free(other);
	free(path);
	assert_string_equal(loader_find(ld, "dup")->version, "a");
	assert_null(loader_find(ld, "bad_abi"));

	/* A file that is not there, and one that is not a shared object. */
	path = xasprintf("%s/nosuch.so", BROKEN);
	cause = refusal(ld, path);
	other = xasprintf("%s: cannot load: ", path);
	assert_memory_equal(cause, other, strlen(other));
	free(other);
	other = xasprintf("(check its libraries with: ldd %s)", path);
	assert_string_equal(cause + strlen(cause) - strlen(other), other);
	assert_null(strchr(cause, '\n'));
	free(other);
	free(cause);
	free(path);

	loader_free(ld);
}

/* A file that is not a shared object is refused with the ldd hint. */
static void
test_not_elf(void **state)
{
	struct loader *ld = loader_new();
	char *dir = harness_tmpdir(), *path, *cause;
	FILE *f;

	(void)state;
	path = xasprintf("%s/text.so", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not an ELF file\n", f);
	fclose(f);
	cause = refusal(ld, path);
	assert_non_null(strstr(cause, ": cannot load: "));
	assert_non_null(strstr(cause, "ldd"));
	free(cause);
	free(path);
	loader_free(ld);
	harness_rmtree(dir);
	free(dir);
}

/* The real jsonl plugin loads and describes its settings. */
static void
test_jsonl_loads(void **state)
{
	struct loader *ld = loader_new();
	const struct md_plugin *p;
	char *cause = NULL, *names;

	(void)state;
	assert_int_equal(loader_load_file(ld, TEST_PLUGIN_DIR "/jsonl.so",
	    &cause), 0);
	assert_null(cause);
	p = loader_find(ld, "jsonl");
	assert_non_null(p);
	assert_int_equal(p->abi_version, MD_PLUGIN_ABI_VERSION);
	assert_non_null(p->start);
	assert_non_null(p->stop);
	assert_string_equal(p->settings[0].key, "path");
	assert_true(p->settings[0].flags & MD_SETTING_REQUIRED);
	names = loader_names(ld);
	assert_string_equal(names, "jsonl");
	free(names);
	loader_free(ld);
}

/* Run loader_load_dir(DIR) with stderr captured; return the log text. */
static char *
load_dir_logged(struct loader *ld, const char *dir, int *loaded)
{
	char path[] = "/tmp/mentiond-loader-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	static char buf[16384];
	ssize_t n;
	int err;

	assert_true(fd != -1);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	unsetenv("JOURNAL_STREAM");
	log_init(LOG_INFO);
	*loaded = loader_load_dir(ld, dir);
	err = errno;
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n < 0 ? 0 : n] = '\0';
	close(fd);
	unlink(path);
	errno = err;
	return buf;
}

/* A folder load keeps the good plugins and logs the bad ones. */
static void
test_load_dir(void **state)
{
	static const char *refused[] = { "bad_abi.so", "bad_settings.so",
	    "dup_b.so", "missing_symbol.so", "no_start.so", "short_struct.so" };
	struct loader *ld = loader_new();
	char *names, *want, *log;
	int loaded;
	size_t i;

	(void)state;
	log = load_dir_logged(ld, BROKEN, &loaded);
	assert_int_equal(loaded, 2);
	names = loader_names(ld);
	assert_string_equal(names, "dup, tick");
	free(names);
	/* Name order: dup_a comes before dup_b and wins. */
	assert_string_equal(loader_find(ld, "dup")->version, "a");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		want = xasprintf("error   plugins: %s/%s: ", BROKEN, refused[i]);
		if (strstr(log, want) == NULL)
			fail_msg("no refusal of %s in:\n%s", refused[i], log);
		free(want);
	}
	loader_free(ld);

	/* The real plugin folder holds only good plugins. */
	ld = loader_new();
	log = load_dir_logged(ld, TEST_PLUGIN_DIR, &loaded);
	assert_true(loaded >= 1);
	assert_non_null(loader_find(ld, "jsonl"));
	assert_null(strstr(log, "error"));
	loader_free(ld);

	ld = loader_new();
	log = load_dir_logged(ld, "/nonexistent/plugins", &loaded);
	assert_int_equal(loaded, -1);
	assert_int_equal(errno, ENOENT);
	loader_free(ld);
}

/* Copy FROM to TO with MODE. */
static void
copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	in = open(from, O_RDONLY);
	assert_true(in >= 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	assert_int_equal(chmod(to, mode), 0);
}

/* A plugin file or folder that its group or everyone may write is refused,
 * with the reason and the fix; a good copy of it loads. */
static void
test_writable_refused(void **state)
{
	struct loader *ld;
	char *dir, *sub, *path, *cause = NULL, *src, *log;
	int loaded;

	(void)state;
	dir = harness_tmpdir();
	src = xasprintf("%s/jsonl.so", TEST_PLUGIN_DIR);
	path = xasprintf("%s/jsonl.so", dir);
	copy_file(src, path, 0644);
	ld = loader_new();
	assert_int_equal(loader_load_file(ld, path, &cause), 0);
	loader_free(ld);

	assert_int_equal(chmod(path, 0666), 0);
	ld = loader_new();
	cause = refusal(ld, path);
	assert_non_null(strstr(cause, "refused: writable by everyone"));
	assert_non_null(strstr(cause, "chmod go-w"));
	free(cause);
	assert_int_equal(chmod(path, 0664), 0);
	cause = refusal(ld, path);
	assert_non_null(strstr(cause, "refused: writable by its group"));
	free(cause);
	loader_free(ld);

	/* The file is fine, its folder is not. */
	sub = xasprintf("%s/open", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	free(path);
	path = xasprintf("%s/jsonl.so", sub);
	copy_file(src, path, 0644);
	assert_int_equal(chmod(sub, 0777), 0);
	ld = loader_new();
	log = load_dir_logged(ld, sub, &loaded);
	assert_int_equal(loaded, 0);
	assert_non_null(strstr(log, "refused: writable by everyone"));
	assert_null(loader_find(ld, "jsonl"));
	loader_free(ld);

	free(path);
	free(sub);
	free(src);
	harness_rmtree(dir);
	free(dir);
}

/* Load config TEXT (named "t.conf") and check source NAME against plugin P;
 * return the check's result and leave its messages in ERRS. */
static int
check_source(const struct md_plugin *p, const char *text, const char *name,
    struct config_errors *errs)
{
	struct config_errors load_errs = { NULL, 0 };
	const struct config_source *cs;
	struct config *cfg;
	size_t i;
	int rc;

	cfg = config_load_string(text, "t.conf", &load_errs);
	for (i = 0; i < load_errs.n; i++)
		print_error("config: %s\n", load_errs.msgs[i]);
	assert_non_null(cfg);
	config_errors_clear(&load_errs);
	cs = config_source_find(cfg, name);
	assert_non_null(cs);
	rc = source_check(p, cs, errs);
	config_free(cfg);
	return rc;
}

/* Whether ERRS holds exactly MSG. */
static int
has_error(const struct config_errors *errs, const char *msg)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		if (strcmp(errs->msgs[i], msg) == 0)
			return 1;
	for (i = 0; i < errs->n; i++)
		print_error("  have: %s\n", errs->msgs[i]);
	print_error("  want: %s\n", msg);
	return 0;
}

/* Settings errors name FILE:LINE, the key, the value and the form. */
static void
test_source_check(void **state)
{
	struct config_errors errs = { NULL, 0 };
	struct loader *ld = loader_new();
	const struct md_plugin *jsonl, *tick;
	char *cause = NULL;

	(void)state;
	assert_int_equal(loader_load_file(ld, TEST_PLUGIN_DIR "/jsonl.so",
	    &cause), 0);
	assert_int_equal(loader_load_file(ld, BROKEN "/tick.so", &cause), 0);
	jsonl = loader_find(ld, "jsonl");
	tick = loader_find(ld, "tick");

	/* Valid sections pass, host keys included. */
	assert_int_equal(check_source(jsonl, "[source a]\nplugin = jsonl\n"
	    "path = /tmp/x.jsonl\ninterval = 5s\nfrom = end\n", "a", &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_int_equal(check_source(tick, "[source a]\nplugin = tick\n"
	    "feed = https://example.org/feed\nevery = 250ms\ncount = 7\n"
	    "fail = off\ninterval = 2m\n", "a", &errs), 0);
	assert_int_equal(errs.n, 0);

	/* Unknown key, at its own line. */
	assert_int_equal(check_source(jsonl, "[source s]\nplugin = jsonl\n"
	    "path = /tmp/x.jsonl\ncolour = blue\n", "s", &errs), -1);
	assert_true(has_error(&errs, "t.conf:4: [source s] unknown key "
	    "'colour' for plugin 'jsonl' (known: path, from, replay_rate)"));
	assert_int_equal(errs.n, 1);
	config_errors_clear(&errs);

	/* Missing required key, at the section header. */
	assert_int_equal(check_source(jsonl, "\n[source t]\nplugin = jsonl\n",
	    "t", &errs), -1);
	assert_true(has_error(&errs, "t.conf:2: [source t] missing required "
	    "key 'path' for plugin 'jsonl'"));
	config_errors_clear(&errs);

	/* Bad values: each names the key, the value and the expected form. */
	assert_int_equal(check_source(tick, "[source u]\nplugin = tick\n"
	    "feed = ftp://example.org/x\nevery = soon\ncount = many\n"
	    "fail = perhaps\n", "u", &errs), -1);
	assert_true(has_error(&errs, "t.conf:3: [source u] bad value "
	    "'ftp://example.org/x' for 'feed': expected an absolute http or "
	    "https URL"));
	assert_true(has_error(&errs, "t.conf:4: [source u] bad value 'soon' "
	    "for 'every': expected a duration such as 30, 30s, 250ms, 5m or "
	    "1h"));
	assert_true(has_error(&errs, "t.conf:5: [source u] bad value 'many' "
	    "for 'count': expected an integer"));
	assert_true(has_error(&errs, "t.conf:6: [source u] bad value 'perhaps' "
	    "for 'fail': expected yes/no, true/false, on/off or 1/0"));
	assert_int_equal(errs.n, 4);
	config_errors_clear(&errs);

	/* A relative URL is not absolute. */
	assert_int_equal(check_source(tick, "[source v]\nplugin = tick\n"
	    "feed = /feed\n", "v", &errs), -1);
	assert_int_equal(errs.n, 1);
	config_errors_clear(&errs);

	loader_free(ld);
}

/* Run the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_jsonl_loads),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_writable_refused),
		cmocka_unit_test(test_source_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
