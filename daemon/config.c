/*
 * config.c - read the daemon's INI configuration (see config.h).
 *
 * inih does the INI syntax; this file gives it a reader that counts lines, so
 * that every key and every section header knows its FILE:LINE, and a handler
 * that files each key into the config structs. Section headers are noted by
 * the reader as it hands each line to inih (inih does not tell its handler
 * about a section until a key follows, and never about an empty one). Every
 * problem is collected; a config with any problem is freed, never returned.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "redisurl.h"
#include "xmalloc.h"

/* How deep includes may nest, so that a file including itself stops. */
#define CONFIG_INCLUDE_DEPTH	8
/* The longest line inih accepts (its heap buffer grows up to this). */
#define CONFIG_MAX_LINE		(1024 * 1024)
/* The largest password_file read. */
#define CONFIG_MAX_PASSWORD	4096

#define CONFIG_SECTIONS \
	"expected [daemon], [redis], [dedup], [track NAME] or [source NAME]"

/* What the section being read is. */
enum config_kind {
	CONFIG_NONE,		/* before the first section of a file */
	CONFIG_SKIP,		/* a bad section, already reported: keys ignored */
	CONFIG_DAEMON,
	CONFIG_REDIS,
	CONFIG_DEDUP,
	CONFIG_TRACK,
	CONFIG_SOURCE,
};

/* One load: the config being built and where its errors go. */
struct config_load {
	struct config		*cfg;
	struct config_errors	*errs;
	int			 failed;
};

/* One file (or string) being parsed, and the section it is in. */
struct config_file {
	struct config_load	*load;
	const char		*name;		/* as errors show it */
	const char		*dir;		/* for relative paths, NULL: cwd */
	int			 depth;

	const char		*text;
	size_t			 len;
	size_t			 off;
	int			 line;		/* the line being read */
	int			 at_start;	/* the next read starts a line */

	enum config_kind	 kind;
	size_t			 index;		/* of the track or source */
	int			 header;	/* line of the section header */
};

static int	config_parse_file(struct config_load *, const char *, int,
		    const struct config_where *);
static void	config_parse_text(struct config_load *, const char *,
		    const char *, const char *, size_t, int);

/* Append a message to ERRS unless the very same one is there already (an
 * include loop would repeat it). */
static void __attribute__((format(printf, 3, 0)))
config_verror(struct config_errors *errs, const struct config_where *where,
    const char *fmt, va_list ap)
{
	char *msg, *s;
	size_t i;

	if (errs == NULL)
		return;
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	if (msg == NULL)
		msg = xstrdup("out of memory");
	if (where != NULL) {
		s = xasprintf("%s:%d: %s", where->file, where->line, msg);
		free(msg);
		msg = s;
	}
	for (i = 0; i < errs->n; i++) {
		if (strcmp(errs->msgs[i], msg) == 0) {
			free(msg);
			return;
		}
	}
	errs->msgs = xreallocarray(errs->msgs, errs->n + 1, sizeof(*errs->msgs));
	errs->msgs[errs->n++] = msg;
}

/* Append "FILE:LINE: message" to ERRS. */
void
config_error(struct config_errors *errs, const struct config_where *where,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	config_verror(errs, where, fmt, ap);
	va_end(ap);
}

/* Free every message in ERRS and empty it. */
void
config_errors_clear(struct config_errors *errs)
{
	size_t i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

/* Report a problem at FILE:LINE of F and mark the load as failed. */
static void __attribute__((format(printf, 3, 4)))
config_fail(struct config_file *f, int line, const char *fmt, ...)
{
	struct config_where where = { (char *)f->name, line };
	va_list ap;

	f->load->failed = 1;
	va_start(ap, fmt);
	config_verror(f->load->errs, &where, fmt, ap);
	va_end(ap);
}

/* A copy of F's current position, for the config structs. */
static struct config_where
config_where_at(const struct config_file *f, int line)
{
	struct config_where where = { xstrdup(f->name), line };

	return where;
}

/* Parse a duration: a number with an optional unit (ms, s, m, h, d; seconds
 * when none). Returns seconds, or -1 on a bad or negative value. */
double
config_parse_duration(const char *text)
{
	static const struct {
		const char	*unit;
		double		 seconds;
	} units[] = {
		{ "", 1 }, { "s", 1 }, { "ms", 0.001 }, { "m", 60 },
		{ "h", 3600 }, { "d", 86400 },
	};
	const char *p = text;
	double value = 0, scale = 1;
	int digits = 0;
	size_t i;

	if (text == NULL)
		return -1;
	for (; isdigit((unsigned char)*p); p++, digits++)
		value = value * 10 + (*p - '0');
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, digits++) {
			scale /= 10;
			value += (*p - '0') * scale;
		}
	}
	if (digits == 0 || !isfinite(value))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].unit) == 0)
			return value * units[i].seconds;
	}
	return -1;
}

/* Parse yes/no, true/false, on/off, 1/0 (any case). Returns 1, 0 or -1. */
int
config_parse_bool(const char *text)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t i;

	if (text == NULL)
		return -1;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0)
			return 1;
		if (strcasecmp(text, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Parse a whole decimal integer no smaller than MIN; 0, or -1 if bad. */
static int
config_parse_integer(const char *text, long long min, long long *out)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*text) && *text != '-')
		return -1;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < min)
		return -1;
	*out = v;
	return 0;
}

/* A size: an integer of bytes with an optional K, M or G (powers of 1024)
 * suffix, at least 1 MiB. */
static int
config_parse_size(const char *text, long long *out)
{
	char *end;
	long long v;
	int shift = 0;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || v <= 0)
		return -1;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0' || v > (LLONG_MAX >> shift) || (v << shift) < (1 << 20))
		return -1;
	*out = v << shift;
	return 0;
}

/* Whether NAME is a good track or source name. */
static int
config_valid_name(const char *name)
{
	const char *p;

	if (*name == '\0')
		return 0;
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("._-", *p) == NULL)
			return 0;
	}
	return 1;
}

/* Whether URL is redis://[user@]host[:port][/db] or unix:///path[?db=N],
 * with no password in it: what the sink will accept. */
static int
config_valid_url(const char *url)
{
	struct redisurl u;
	char *cause = NULL;

	if (redisurl_parse(url, 0, &u, &cause) != 0) {
		free(cause);
		return 0;
	}
	redisurl_free(&u);
	return 1;
}

/* A config file larger than this is refused (EFBIG), so that an include of
 * /dev/zero or a runaway pipe stops with an error instead of eating memory. */
#define CONFIG_FILE_MAX	(16u << 20)

/* Read PATH whole into a new string; *LEN its length. NULL with errno set
 * when it cannot be read. */
static char *
config_read_file(const char *path, size_t *len)
{
	struct stat sb;
	char *buf = NULL;
	size_t size = 0, used = 0;
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &sb) == -1)
		goto fail;
	if (S_ISDIR(sb.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	for (;;) {
		if (used + 1 >= size) {
			size = size ? size * 2 : 4096;
			buf = xreallocarray(buf, size, 1);
		}
		n = read(fd, buf + used, size - used - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0)
			break;
		used += n;
		if (used > CONFIG_FILE_MAX) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	buf[used] = '\0';
	*len = used;
	return buf;

fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return NULL;
}

/* PATH as seen from F's directory: absolute paths stay, others are joined. */
static char *
config_resolve(const struct config_file *f, const char *path)
{
	if (path[0] == '/' || f->dir == NULL)
		return xstrdup(path);
	if (strcmp(f->dir, "/") == 0)
		return xasprintf("/%s", path);
	return xasprintf("%s/%s", f->dir, path);
}

/* Split a comma list into a NULL-terminated array of trimmed items; an empty
 * item is kept as "" for the caller to refuse. */
static char **
config_split(const char *value, size_t *n)
{
	const char *p = value, *end, *comma;
	char **items = NULL;

	*n = 0;
	for (;;) {
		comma = strchr(p, ',');
		end = comma ? comma : p + strlen(p);
		while (p < end && isspace((unsigned char)*p))
			p++;
		while (end > p && isspace((unsigned char)end[-1]))
			end--;
		items = xreallocarray(items, *n + 2, sizeof(*items));
		items[(*n)++] = xstrndup(p, end - p);
		items[*n] = NULL;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return items;
}

/* Free a NULL-terminated array of strings. */
static void
config_free_list(char **items)
{
	size_t i;

	if (items == NULL)
		return;
	for (i = 0; items[i] != NULL; i++)
		free(items[i]);
	free(items);
}

/* Find a track by name, or NULL. */
const struct config_track *
config_track_find(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->ntracks; i++) {
		if (strcmp(cfg->tracks[i].name, name) == 0)
			return &cfg->tracks[i];
	}
	return NULL;
}

/* Find a source by name, or NULL. */
const struct config_source *
config_source_find(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nsources; i++) {
		if (strcmp(cfg->sources[i].name, name) == 0)
			return &cfg->sources[i];
	}
	return NULL;
}

/* The last value of KEY in a source's section, or NULL. */
const struct config_kv *
config_source_get(const struct config_source *src, const char *key)
{
	size_t i;

	for (i = src->nkv; i > 0; i--) {
		if (strcmp(src->kv[i - 1].key, key) == 0)
			return &src->kv[i - 1];
	}
	return NULL;
}

/* Whether two strings that may be NULL are the same. */
static int
config_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Whether two sources have the same plugin and the same ordered keys and
 * values (where they were written does not matter). */
int
config_source_equal(const struct config_source *a,
    const struct config_source *b)
{
	size_t i;

	if (!config_same(a->plugin, b->plugin) || a->nkv != b->nkv)
		return 0;
	for (i = 0; i < a->nkv; i++) {
		if (strcmp(a->kv[i].key, b->kv[i].key) != 0 ||
		    strcmp(a->kv[i].value, b->kv[i].value) != 0)
			return 0;
	}
	return 1;
}

/* Whether two Redis settings are the same in every field. */
int
config_redis_equal(const struct config_redis *a, const struct config_redis *b)
{
	return config_same(a->url, b->url) &&
	    config_same(a->password, b->password) &&
	    config_same(a->prefix, b->prefix) &&
	    a->maxlen == b->maxlen && a->queue == b->queue &&
	    config_same(a->group, b->group) && a->hold_max == b->hold_max &&
	    a->spool == b->spool && a->spool_max == b->spool_max &&
	    a->spool_fsync == b->spool_fsync;
}

/* A new config holding every default. */
static struct config *
config_new(const char *path)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	const char *dir;
	size_t n;

	cfg->path = xstrdup(path);
	/* systemd's StateDirectory= may list several, colon-separated. */
	dir = getenv("STATE_DIRECTORY");
	if (dir != NULL && *dir != '\0') {
		n = strcspn(dir, ":");
		cfg->state_dir = xstrndup(dir, n);
	} else
		cfg->state_dir = xstrdup("/var/lib/mentiond");
	cfg->log_level = -1;
	cfg->influencer_followers = 10000;
	cfg->redis.prefix = xstrdup("mentiond");
	cfg->redis.maxlen = 100000;
	cfg->redis.queue = CONFIG_QUEUE_STREAM;
	cfg->redis.group = xstrdup("mentiond");
	cfg->redis.hold_max = 100000;
	cfg->redis.spool = 1;
	cfg->redis.spool_max = 1LL << 30;
	cfg->redis.spool_fsync = 0;	/* SPOOL_SYNC_BATCH */
	cfg->dedup.window = 7 * 86400;
	cfg->dedup.capacity = 1000000;
	cfg->dedup.near_distance = 3;
	cfg->dedup.min_words = 8;
	return cfg;
}

/* Free a config and everything it holds. */
void
config_free(struct config *cfg)
{
	struct config_track *t;
	struct config_source *s;
	size_t i, j;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->plugin_dir);
	free(cfg->state_dir);
	free(cfg->redis.url);
	if (cfg->redis.password != NULL) {
		explicit_bzero(cfg->redis.password, strlen(cfg->redis.password));
		free(cfg->redis.password);
	}
	free(cfg->redis.prefix);
	free(cfg->redis.group);
	for (i = 0; i < cfg->ntracks; i++) {
		t = &cfg->tracks[i];
		free(t->name);
		free(t->query);
		config_free_list(t->langs);
		free(t->where.file);
		free(t->query_where.file);
	}
	free(cfg->tracks);
	for (i = 0; i < cfg->nsources; i++) {
		s = &cfg->sources[i];
		free(s->name);
		free(s->plugin);
		for (j = 0; j < s->nkv; j++) {
			free(s->kv[j].key);
			free(s->kv[j].value);
			free(s->kv[j].where.file);
		}
		free(s->kv);
		free(s->where.file);
	}
	free(cfg->sources);
	free(cfg);
}

/* At the end of a section: say which required keys it lacks. */
static void
config_section_end(struct config_file *f)
{
	struct config *cfg = f->load->cfg;
	struct config_track *t;
	struct config_source *s;

	switch (f->kind) {
	case CONFIG_TRACK:
		t = &cfg->tracks[f->index];
		if (t->query == NULL)
			config_fail(f, f->header, "missing required key \"query\" "
			    "in [track %s] (expected query = WORDS)", t->name);
		break;
	case CONFIG_SOURCE:
		s = &cfg->sources[f->index];
		if (s->plugin == NULL)
			config_fail(f, f->header, "missing required key "
			    "\"plugin\" in [source %s] (expected plugin = NAME)",
			    s->name);
		break;
	default:
		break;
	}
	f->kind = CONFIG_NONE;
}

/* Start a [track NAME] or [source NAME] section, refusing a duplicate. */
static void
config_section_named(struct config_file *f, enum config_kind kind,
    const char *name)
{
	struct config *cfg = f->load->cfg;
	const struct config_where *first = NULL;
	const char *what = kind == CONFIG_TRACK ? "track" : "source";
	const struct config_track *ot;
	const struct config_source *os;

	if (kind == CONFIG_TRACK && (ot = config_track_find(cfg, name)) != NULL)
		first = &ot->where;
	if (kind == CONFIG_SOURCE && (os = config_source_find(cfg, name)) != NULL)
		first = &os->where;
	if (first != NULL) {
		config_fail(f, f->line, "duplicate [%s %s], first defined at "
		    "%s:%d", what, name, first->file, first->line);
		return;
	}

	f->kind = kind;
	if (kind == CONFIG_TRACK) {
		cfg->tracks = xreallocarray(cfg->tracks, cfg->ntracks + 1,
		    sizeof(*cfg->tracks));
		f->index = cfg->ntracks++;
		memset(&cfg->tracks[f->index], 0, sizeof(*cfg->tracks));
		cfg->tracks[f->index].name = xstrdup(name);
		cfg->tracks[f->index].where = config_where_at(f, f->line);
		cfg->tracks[f->index].alert_classes = CONFIG_CLASS_QUESTION |
		    CONFIG_CLASS_NEGATIVE;
	} else {
		cfg->sources = xreallocarray(cfg->sources, cfg->nsources + 1,
		    sizeof(*cfg->sources));
		f->index = cfg->nsources++;
		memset(&cfg->sources[f->index], 0, sizeof(*cfg->sources));
		cfg->sources[f->index].name = xstrdup(name);
		cfg->sources[f->index].where = config_where_at(f, f->line);
	}
}

/* A section header at the current line: TEXT is what is between the
 * brackets. */
static void
config_section_begin(struct config_file *f, const char *text, size_t len)
{
	static const struct {
		const char		*word;
		enum config_kind	 kind;
		int			 named;
	} kinds[] = {
		{ "daemon", CONFIG_DAEMON, 0 },
		{ "redis", CONFIG_REDIS, 0 },
		{ "dedup", CONFIG_DEDUP, 0 },
		{ "track", CONFIG_TRACK, 1 },
		{ "source", CONFIG_SOURCE, 1 },
	};
	char *inner, *word, *name, *end;
	size_t i;

	config_section_end(f);
	f->header = f->line;
	f->kind = CONFIG_SKIP;

	inner = xstrndup(text, len);
	for (word = inner; isspace((unsigned char)*word); word++)
		/* nothing */;
	end = word + strlen(word);
	while (end > word && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (*word == '\0') {
		config_fail(f, f->line, "empty section [] (" CONFIG_SECTIONS ")");
		goto out;
	}
	for (name = word; *name != '\0' && !isspace((unsigned char)*name);
	    name++)
		/* nothing */;
	if (*name != '\0') {
		*name++ = '\0';
		while (isspace((unsigned char)*name))
			name++;
	}

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(word, kinds[i].word) == 0)
			break;
	}
	if (i == sizeof(kinds) / sizeof(kinds[0])) {
		config_fail(f, f->line, "unknown section [%s%s%s] ("
		    CONFIG_SECTIONS ")", word, *name ? " " : "", name);
		goto out;
	}
	if (!kinds[i].named) {
		if (*name != '\0')
			config_fail(f, f->line, "[%s] takes no name (expected "
			    "[%s])", word, word);
		else
			f->kind = kinds[i].kind;
		goto out;
	}
	if (*name == '\0') {
		config_fail(f, f->line, "[%s] without a name (expected [%s "
		    "NAME])", word, word);
		goto out;
	}
	if (!config_valid_name(name)) {
		config_fail(f, f->line, "bad section name \"%s\" in [%s %s] "
		    "(expected letters, digits, '.', '_' or '-')", name, word,
		    name);
		goto out;
	}
	config_section_named(f, kinds[i].kind, name);
out:
	free(inner);
}

/* Look at the line starting at F's offset before inih gets it: note a
 * section header, refuse a NUL byte (inih would stop reading there). */
static void
config_scan_line(struct config_file *f)
{
	const char *p = f->text + f->off, *eol, *rb;
	size_t left = f->len - f->off;

	if ((eol = memchr(p, '\n', left)) == NULL)
		eol = p + left;
	if (memchr(p, '\0', eol - p) != NULL)
		config_fail(f, f->line, "NUL byte in the line (expected text)");
	if (f->line == 1 && eol - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < eol && isspace((unsigned char)*p))
		p++;
	if (p == eol || *p != '[')
		return;
	/* What inih takes as the name: up to the first ']' (inline comments
	 * are off); without one, inih reports a syntax error here. */
	if ((rb = memchr(p + 1, ']', eol - p - 1)) == NULL)
		return;
	config_section_begin(f, p + 1, rb - p - 1);
}

/* The ini_reader: hand inih the next piece of a line, like fgets, counting
 * lines as they start. */
static char *
config_reader(char *buf, int num, void *stream)
{
	struct config_file *f = stream;
	size_t n = 0, room;
	char c;

	if (f->off >= f->len || num < 2)
		return NULL;
	if (f->at_start) {
		f->line++;
		f->at_start = 0;
		config_scan_line(f);
	}
	room = (size_t)num - 1;
	while (n < room && f->off < f->len) {
		c = f->text[f->off++];
		buf[n++] = c;
		if (c == '\n') {
			f->at_start = 1;
			break;
		}
	}
	buf[n] = '\0';
	return buf;
}

/* Say that KEY's VALUE is bad and what was EXPECTED. */
static void
config_bad_value(struct config_file *f, const char *key, const char *value,
    const char *expected)
{
	config_fail(f, f->line, "bad value for %s: \"%s\" (expected %s)", key,
	    value, expected);
}

/* Replace *DST with a copy of VALUE, which must not be empty. */
static void
config_set_string(struct config_file *f, char **dst, const char *key,
    const char *value, const char *expected)
{
	if (*value == '\0') {
		config_bad_value(f, key, value, expected);
		return;
	}
	free(*dst);
	*dst = xstrdup(value);
}

/* Set the Redis password, wiping the old one. */
static void
config_set_password(struct config *cfg, char *password)
{
	if (cfg->redis.password != NULL) {
		explicit_bzero(cfg->redis.password, strlen(cfg->redis.password));
		free(cfg->redis.password);
	}
	cfg->redis.password = password;
}

/* password_file: read the password from a file, without its trailing
 * newline. */
static void
config_password_file(struct config_file *f, const char *value)
{
	char *path, *text;
	size_t len;

	if (*value == '\0') {
		config_bad_value(f, "password_file", value, "a file name");
		return;
	}
	path = config_resolve(f, value);
	if ((text = config_read_file(path, &len)) == NULL) {
		config_fail(f, f->line, "cannot read password_file \"%s\": %s",
		    path, strerror(errno));
		goto out;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	if (len == 0 || len > CONFIG_MAX_PASSWORD || strlen(text) != len ||
	    strpbrk(text, "\r\n") != NULL) {
		config_fail(f, f->line, "bad password_file \"%s\" (expected one "
		    "line of at most %d bytes)", path, CONFIG_MAX_PASSWORD);
		explicit_bzero(text, len);
		free(text);
		goto out;
	}
	config_set_password(f->load->cfg, text);
out:
	free(path);
}

/* A key of [daemon]. */
static void
config_key_daemon(struct config_file *f, const char *key, const char *value)
{
	struct config *cfg = f->load->cfg;
	int level;

	if (strcmp(key, "plugin_dir") == 0)
		config_set_string(f, &cfg->plugin_dir, key, value, "a directory");
	else if (strcmp(key, "state_dir") == 0)
		config_set_string(f, &cfg->state_dir, key, value, "a directory");
	else if (strcmp(key, "log_level") == 0) {
		if ((level = log_level_parse(value)) == -1)
			config_bad_value(f, key, value,
			    "debug, info, notice, warning or error");
		else
			cfg->log_level = level;
	} else if (strcmp(key, "influencer_followers") == 0) {
		if (config_parse_integer(value, 0, &cfg->influencer_followers) == -1)
			config_bad_value(f, key, value, "an integer >= 0");
	} else
		config_fail(f, f->line, "unknown key \"%s\" in [daemon] "
		    "(expected plugin_dir, state_dir, log_level or "
		    "influencer_followers)", key);
}

/* A key of [redis]. */
static void
config_key_redis(struct config_file *f, const char *key, const char *value)
{
	struct config_redis *r = &f->load->cfg->redis;
	const char *env;

	if (strcmp(key, "url") == 0) {
		if (!config_valid_url(value))
			config_bad_value(f, key, value,
			    "redis://[user@]host[:port][/db] or unix:///path");
		else {
			free(r->url);
			r->url = xstrdup(value);
		}
	} else if (strcmp(key, "password_file") == 0)
		config_password_file(f, value);
	else if (strcmp(key, "password_env") == 0) {
		if (*value == '\0')
			config_bad_value(f, key, value,
			    "the name of an environment variable");
		else if ((env = getenv(value)) == NULL || *env == '\0')
			config_fail(f, f->line, "password_env names \"%s\", "
			    "which is not set in the environment", value);
		else
			config_set_password(f->load->cfg, xstrdup(env));
	} else if (strcmp(key, "prefix") == 0)
		config_set_string(f, &r->prefix, key, value, "a key prefix");
	else if (strcmp(key, "maxlen") == 0) {
		if (config_parse_integer(value, 0, &r->maxlen) == -1)
			config_bad_value(f, key, value, "an integer >= 0");
	} else if (strcmp(key, "queue") == 0) {
		if (strcmp(value, "stream") == 0)
			r->queue = CONFIG_QUEUE_STREAM;
		else if (strcmp(value, "list") == 0)
			r->queue = CONFIG_QUEUE_LIST;
		else
			config_bad_value(f, key, value, "stream or list");
	} else if (strcmp(key, "group") == 0)
		config_set_string(f, &r->group, key, value,
		    "a consumer group name");
	else if (strcmp(key, "hold_max") == 0) {
		if (config_parse_integer(value, 1, &r->hold_max) == -1)
			config_bad_value(f, key, value, "an integer >= 1");
	} else if (strcmp(key, "spool") == 0) {
		if ((r->spool = config_parse_bool(value)) == -1)
			config_bad_value(f, key, value, "yes or no");
	} else if (strcmp(key, "spool_max") == 0) {
		if (config_parse_size(value, &r->spool_max) == -1)
			config_bad_value(f, key, value, "a size such as 512M or "
			    "2G");
	} else if (strcmp(key, "spool_fsync") == 0) {
		if (strcmp(value, "batch") == 0)
			r->spool_fsync = 0;
		else if (strcmp(value, "always") == 0)
			r->spool_fsync = 1;
		else if (strcmp(value, "never") == 0)
			r->spool_fsync = 2;
		else
			config_bad_value(f, key, value, "batch, always or "
			    "never");
	} else
		config_fail(f, f->line, "unknown key \"%s\" in [redis] "
		    "(expected url, password_file, password_env, prefix, "
		    "maxlen, queue, group, hold_max, spool, spool_max or "
		    "spool_fsync)", key);
}

/* A key of [dedup]. */
static void
config_key_dedup(struct config_file *f, const char *key, const char *value)
{
	struct config_dedup *d = &f->load->cfg->dedup;
	long long n;
	double secs;
	int b;

	if (strcmp(key, "window") == 0) {
		if ((secs = config_parse_duration(value)) <= 0)
			config_bad_value(f, key, value,
			    "a duration such as 7d, 12h or 30m");
		else
			d->window = secs;
	} else if (strcmp(key, "capacity") == 0) {
		if (config_parse_integer(value, 1, &n) == -1 || n > 16000000)
			config_bad_value(f, key, value,
			    "an integer from 1 to 16000000");
		else
			d->capacity = n;
	} else if (strcmp(key, "near_distance") == 0) {
		if (config_parse_integer(value, 0, &n) == -1 || n > 7)
			config_bad_value(f, key, value,
			    "an integer from 0 (off) to 7");
		else
			d->near_distance = (int)n;
	} else if (strcmp(key, "min_words") == 0) {
		if (config_parse_integer(value, 1, &n) == -1 || n > 1000)
			config_bad_value(f, key, value,
			    "an integer from 1 to 1000");
		else
			d->min_words = (int)n;
	} else if (strcmp(key, "keep_duplicates") == 0) {
		if ((b = config_parse_bool(value)) == -1)
			config_bad_value(f, key, value, "yes or no");
		else
			d->keep_duplicates = b;
	} else
		config_fail(f, f->line, "unknown key \"%s\" in [dedup] "
		    "(expected window, capacity, near_distance, min_words or "
		    "keep_duplicates)", key);
}

/* lang: a comma list of language codes, lowercased; empty means any. */
static void
config_track_langs(struct config_file *f, struct config_track *t,
    const char *value)
{
	char **items, *p;
	size_t n, i;

	if (*value == '\0') {
		config_free_list(t->langs);
		t->langs = NULL;
		return;
	}
	items = config_split(value, &n);
	for (i = 0; i < n; i++) {
		p = items[i];
		if (!isalpha((unsigned char)*p))
			goto bad;
		for (; *p != '\0'; p++) {
			if (!isalnum((unsigned char)*p) && *p != '-')
				goto bad;
			*p = tolower((unsigned char)*p);
		}
	}
	config_free_list(t->langs);
	t->langs = items;
	return;
bad:
	config_bad_value(f, "lang", value,
	    "a comma list of language codes such as \"en, fr\"");
	config_free_list(items);
}

/* alert: a comma list of question, negative, positive, or none. */
static void
config_track_alert(struct config_file *f, struct config_track *t,
    const char *value)
{
	char **items;
	unsigned classes = 0;
	size_t n, i;

	items = config_split(value, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(items[i], "question") == 0)
			classes |= CONFIG_CLASS_QUESTION;
		else if (strcmp(items[i], "negative") == 0)
			classes |= CONFIG_CLASS_NEGATIVE;
		else if (strcmp(items[i], "positive") == 0)
			classes |= CONFIG_CLASS_POSITIVE;
		else if (strcmp(items[i], "none") != 0 || n != 1)
			break;
	}
	if (i < n)
		config_bad_value(f, "alert", value, "a comma list of question, "
		    "negative and positive, or none");
	else
		t->alert_classes = classes;
	config_free_list(items);
}

/* A key of [track NAME]. */
static void
config_key_track(struct config_file *f, const char *key, const char *value)
{
	struct config_track *t = &f->load->cfg->tracks[f->index];
	char *end;
	double v;

	if (strcmp(key, "query") == 0) {
		/* Kept even when empty, so that it is not also "missing". */
		free(t->query);
		t->query = xstrdup(value);
		free(t->query_where.file);
		t->query_where = config_where_at(f, f->line);
		if (*value == '\0')
			config_bad_value(f, key, value, "the words to track");
	} else if (strcmp(key, "lang") == 0)
		config_track_langs(f, t, value);
	else if (strcmp(key, "alert") == 0)
		config_track_alert(f, t, value);
	else if (strcmp(key, "min_priority") == 0) {
		errno = 0;
		v = strtod(value, &end);
		if (*value == '\0' || *end != '\0' || errno != 0 ||
		    !(v >= 0 && v <= 1))
			config_bad_value(f, key, value,
			    "a number from 0 to 1");
		else
			t->min_priority = v;
	} else
		config_fail(f, f->line, "unknown key \"%s\" in [track %s] "
		    "(expected query, lang, alert or min_priority)", key,
		    t->name);
}

/* A key of [source NAME]: kept in order for the plugin; plugin and interval
 * are read here too. */
static void
config_key_source(struct config_file *f, const char *key, const char *value)
{
	struct config_source *s = &f->load->cfg->sources[f->index];
	struct config_kv *kv;
	double d;

	s->kv = xreallocarray(s->kv, s->nkv + 1, sizeof(*s->kv));
	kv = &s->kv[s->nkv++];
	kv->key = xstrdup(key);
	kv->value = xstrdup(value);
	kv->where = config_where_at(f, f->line);

	if (strcmp(key, "plugin") == 0) {
		free(s->plugin);
		s->plugin = xstrdup(value);
		if (*value == '\0')
			config_bad_value(f, key, value, "a plugin name");
	} else if (strcmp(key, "interval") == 0) {
		/* 0 would poll a server again as soon as it answers. */
		if ((d = config_parse_duration(value)) < 0)
			config_bad_value(f, key, value, "a duration such as "
			    "30, 30s, 250ms, 5m, 1h or 1d");
		else if (d == 0)
			config_bad_value(f, key, value, "a duration longer "
			    "than 0, such as 30s, 250ms, 5m, 1h or 1d");
		else
			s->interval = d;
	} else if (strcmp(key, "backfill") == 0) {
		if (strcmp(value, "all") == 0)
			s->backfill = -1;
		else if ((d = config_parse_duration(value)) <= 0)
			config_bad_value(f, key, value, "a duration such as "
			    "1h or 2d, or all");
		else
			s->backfill = d;
	} else if (strcmp(key, "min_interval") == 0 ||
	    strcmp(key, "max_interval") == 0) {
		if ((d = config_parse_duration(value)) <= 0)
			config_bad_value(f, key, value, "a duration such as "
			    "30s or 10m");
		else if (key[1] == 'i')
			s->min_interval = d;
		else
			s->max_interval = d;
	}
	if (s->min_interval > 0 && s->max_interval > 0 &&
	    s->min_interval > s->max_interval)
		config_fail(f, f->line, "[source %s] min_interval is longer "
		    "than max_interval", s->name);
}

/* glob(3)'s error callback: a folder that is not there matches nothing;
 * any other read error stops the include. */
static int
config_glob_error(const char *path, int error)
{
	return error != ENOENT && error != ENOTDIR;
}

/* include = GLOB: parse the matching files here, sorted; a pattern without
 * wildcards must exist, a pattern with them may match nothing. */
static void
config_include(struct config_file *f, const char *value)
{
	struct config_where where = { (char *)f->name, f->line };
	char *pattern;
	glob_t g;
	size_t i;
	int rc;

	if (*value == '\0') {
		config_bad_value(f, "include", value, "a file name or pattern");
		return;
	}
	if (f->depth >= CONFIG_INCLUDE_DEPTH) {
		config_fail(f, f->line, "include \"%s\" nested too deeply (more "
		    "than %d levels; does a file include itself?)", value,
		    CONFIG_INCLUDE_DEPTH);
		return;
	}
	pattern = config_resolve(f, value);
	if (strpbrk(value, "*?[") == NULL) {
		config_parse_file(f->load, pattern, f->depth + 1, &where);
		free(pattern);
		return;
	}
	rc = glob(pattern, 0, config_glob_error, &g);
	if (rc == 0) {
		for (i = 0; i < g.gl_pathc; i++)
			config_parse_file(f->load, g.gl_pathv[i], f->depth + 1,
			    &where);
	} else if (rc != GLOB_NOMATCH)
		config_fail(f, f->line, "cannot read include \"%s\": %s",
		    pattern, rc == GLOB_ABORTED ? "cannot read a directory" :
		    "out of memory");
	globfree(&g);
	free(pattern);
}

/* The ini_handler: file one key of the current section. */
static int
config_handler(void *user, const char *section, const char *key,
    const char *value)
{
	struct config_file *f = user;

	if (strcmp(key, "include") == 0) {
		config_include(f, value);
		return 1;
	}
	switch (f->kind) {
	case CONFIG_NONE:
		config_fail(f, f->line, "key \"%s\" outside any section "
		    "(expected a [section] line first)", key);
		break;
	case CONFIG_SKIP:
		break;
	case CONFIG_DAEMON:
		config_key_daemon(f, key, value);
		break;
	case CONFIG_REDIS:
		config_key_redis(f, key, value);
		break;
	case CONFIG_DEDUP:
		config_key_dedup(f, key, value);
		break;
	case CONFIG_TRACK:
		config_key_track(f, key, value);
		break;
	case CONFIG_SOURCE:
		config_key_source(f, key, value);
		break;
	}
	return 1;
}

/* Parse TEXT (LEN bytes) named NAME, whose relative paths start in DIR. */
static void
config_parse_text(struct config_load *ld, const char *name, const char *dir,
    const char *text, size_t len, int depth)
{
	struct config_file f;
	int rc;

	memset(&f, 0, sizeof(f));
	f.load = ld;
	f.name = name;
	f.dir = dir;
	f.depth = depth;
	f.text = text;
	f.len = len;
	f.at_start = 1;
	f.kind = CONFIG_NONE;

	/*
	 * Debian's inih has its compile-time options as globals. A heap line
	 * buffer that grows keeps long queries whole; values are taken
	 * literally (no inline comments, so a ';' may be in a query); indented
	 * lines are ordinary lines, not continuations.
	 */
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = CONFIG_MAX_LINE;
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;

	rc = ini_parse_stream(config_reader, &f, config_handler, &f);
	config_section_end(&f);
	if (rc > 0)
		config_fail(&f, rc, "syntax error (expected [section] or "
		    "key = value)");
	else if (rc < 0)
		config_fail(&f, f.line, "cannot parse (inih error %d)", rc);
}

/* Parse the file PATH; FROM is the include line, NULL for the main file.
 * Returns 0, or -1 when it cannot be read (reported). */
static int
config_parse_file(struct config_load *ld, const char *path, int depth,
    const struct config_where *from)
{
	char *text, *dir, *slash;
	size_t len;

	if ((text = config_read_file(path, &len)) == NULL) {
		ld->failed = 1;
		if (from != NULL)
			config_error(ld->errs, from, "cannot read include "
			    "\"%s\": %s", path, strerror(errno));
		else
			config_error(ld->errs, NULL, "%s: cannot read: %s",
			    path, strerror(errno));
		return -1;
	}
	/* Relative paths inside start where the file is (no slash: here). */
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = NULL;
	} else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	config_parse_text(ld, path, dir, text, len, depth);
	free(dir);
	free(text);
	return 0;
}

/* Read the config file PATH and what it includes; NULL and ERRS filled on
 * any problem. */
struct config *
config_load(const char *path, struct config_errors *errs)
{
	struct config_load ld = { NULL, errs, 0 };

	ld.cfg = config_new(path);
	config_parse_file(&ld, path, 0, NULL);
	if (ld.failed) {
		config_free(ld.cfg);
		return NULL;
	}
	return ld.cfg;
}

/* Read config text TEXT, named NAME in errors; includes are relative to the
 * current directory. */
struct config *
config_load_string(const char *text, const char *name,
    struct config_errors *errs)
{
	struct config_load ld = { NULL, errs, 0 };

	if (name == NULL)
		name = "(embedded)";
	ld.cfg = config_new(name);
	config_parse_text(&ld, name, NULL, text, strlen(text), 0);
	if (ld.failed) {
		config_free(ld.cfg);
		return NULL;
	}
	return ld.cfg;
}
