/*
 * mention.c - the mention the pipeline carries (see mention.h): an owned,
 * cleaned copy of what a plugin emitted, and its JSON payload.
 *
 * A plugin may be built against an older or newer struct md_mention: only the
 * fields that lie wholly within m->struct_size are read, the others stay
 * unknown. Every string is made valid UTF-8 on the way in, so the JSON that
 * goes out is always valid.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ack.h"
#include "mention.h"
#include "text.h"
#include "xmalloc.h"

/* Is FIELD of struct md_mention within the SIZE bytes the plugin knows? */
#define MENTION_HAS(size, field) \
	((size) >= offsetof(struct md_mention, field) + \
	    sizeof(((struct md_mention *)0)->field))

/* A valid UTF-8 copy of S, or NULL when S is NULL. */
static char *
mention_copy(const char *s)
{
	return s == NULL ? NULL : text_valid_utf8(s, strlen(s));
}

/* A valid UTF-8 copy of S, or NULL when S is NULL or empty. */
static char *
mention_copy_nonempty(const char *s)
{
	return s == NULL || *s == '\0' ? NULL : mention_copy(s);
}

/* Now, in unix milliseconds. */
static int64_t
mention_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct mention *
mention_from_plugin(const char *source, const char *plugin,
    const struct md_mention *pm, char **cause)
{
	struct md_mention in = MD_MENTION_INIT;
	struct mention *m;
	size_t size;

	/* Take what the plugin's struct holds; the rest stays unknown. */
	size = pm->struct_size;
	if (size > sizeof(in))
		size = sizeof(in);
#define MENTION_TAKE(field) \
	do { if (MENTION_HAS(size, field)) in.field = pm->field; } while (0)
	MENTION_TAKE(id);
	MENTION_TAKE(url);
	MENTION_TAKE(author_handle);
	MENTION_TAKE(author_name);
	MENTION_TAKE(author_followers);
	MENTION_TAKE(title);
	MENTION_TAKE(text);
	MENTION_TAKE(lang);
	MENTION_TAKE(published);
	MENTION_TAKE(score);
	MENTION_TAKE(replies);
	MENTION_TAKE(reposts);
	MENTION_TAKE(flags);
#undef MENTION_TAKE

	if (in.id == NULL || *in.id == '\0') {
		*cause = xstrdup("mention without an id");
		return NULL;
	}
	if ((in.text == NULL || *in.text == '\0') &&
	    (in.title == NULL || *in.title == '\0')) {
		*cause = xasprintf("mention %.64s has no text and no title",
		    in.id);
		return NULL;
	}

	m = xcalloc(1, sizeof(*m));
	m->source = xstrdup(source);
	m->plugin = xstrdup(plugin);
	m->id = mention_copy(in.id);
	m->url = mention_copy_nonempty(in.url);
	m->author_handle = mention_copy_nonempty(in.author_handle);
	m->author_name = mention_copy_nonempty(in.author_name);
	m->author_followers = in.author_followers < 0 ? -1 :
	    in.author_followers;
	/* An HTML title ("Acme &amp; Co", an Atom type="html" title) is
	 * reduced like the text; a plain one is kept as it is. */
	if ((in.flags & MD_MENTION_HTML_TITLE) && in.title != NULL &&
	    *in.title != '\0') {
		m->title = text_from_html(in.title, strlen(in.title));
		if (*m->title == '\0') {
			free(m->title);
			m->title = NULL;
		}
	} else
		m->title = mention_copy_nonempty(in.title);
	if (in.flags & MD_MENTION_PLAIN_TEXT)
		m->text = text_valid_utf8(in.text != NULL ? in.text : "",
		    in.text == NULL ? 0 : strlen(in.text));
	else
		m->text = text_from_html(in.text, in.text == NULL ? 0 :
		    strlen(in.text));
	m->lang = mention_copy_nonempty(in.lang);
	m->published = in.published > 0 ? in.published : 0;
	m->seen_ms = mention_now_ms();
	m->score = in.score;
	m->replies = in.replies < 0 ? -1 : in.replies;
	m->reposts = in.reposts < 0 ? -1 : in.reposts;

	/* HTML that held nothing but markup leaves no text at all. */
	if (*m->text == '\0' && m->title == NULL) {
		*cause = xasprintf("mention %.64s has no text once HTML is "
		    "removed", m->id);
		mention_free(m);
		return NULL;
	}
	return m;
}

char *
mention_key(const struct mention *m)
{
	size_t slen = strlen(m->source), ilen = strlen(m->id);
	char *key;

	key = xmalloc(slen + ilen + 2);
	memcpy(key, m->source, slen);
	key[slen] = ':';
	memcpy(key + slen + 1, m->id, ilen + 1);
	return key;
}

/*
 * Append S to the NULL-less string array *V of *N items unless present. The
 * array grows by doubling (4, 8, 16...), so its room follows from *N alone.
 */
static void
mention_add_unique(char ***v, size_t *n, const char *s)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return;
	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0))
		*v = xreallocarray(*v, *n == 0 ? 4 : *n * 2, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

void
mention_add_track(struct mention *m, const char *track)
{
	mention_add_unique(&m->tracks, &m->ntracks, track);
}

void
mention_add_term(struct mention *m, const char *term)
{
	mention_add_unique(&m->terms, &m->nterms, term);
}

/*
 * The payload is written straight into one growing buffer rather than built
 * as a cJSON tree and printed: the tree costs dozens of small allocations a
 * mention. The output is what cJSON_PrintUnformatted would print for the same
 * document: the same member order, the same string escaping (", \ and the
 * control characters escaped, everything else, valid UTF-8 by construction,
 * as is) and the same number forms (integers as integers, other numbers with
 * 15 significant digits, or 17 when 15 do not read back the same). One
 * difference: cJSON keeps 15 digits when they read back within a rounding
 * error, where this writer keeps 17, so that every number reads back exactly.
 */
struct mention_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* Make room for N more bytes (and a NUL) in B. */
static void
mention_reserve(struct mention_buf *b, size_t n)
{
	if (b->cap - b->len > n)
		return;
	while (b->cap - b->len <= n)
		b->cap *= 2;
	b->p = xreallocarray(b->p, b->cap, 1);
}

/* Append the N bytes at S to B. */
static void
mention_put(struct mention_buf *b, const char *s, size_t n)
{
	mention_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Append the literal L to B. */
#define mention_lit(b, l)	mention_put(b, l, sizeof(l) - 1)

/* Append the characters of S to B as they go inside a JSON string. */
static void
mention_put_escaped(struct mention_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *run;
	char esc[6];
	size_t n;

	for (;;) {
		for (run = p; *p >= 0x20 && *p != '"' && *p != '\\'; p++)
			;
		mention_put(b, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			return;
		esc[0] = '\\';
		n = 2;
		switch (*p) {
		case '"':	esc[1] = '"'; break;
		case '\\':	esc[1] = '\\'; break;
		case '\b':	esc[1] = 'b'; break;
		case '\f':	esc[1] = 'f'; break;
		case '\n':	esc[1] = 'n'; break;
		case '\r':	esc[1] = 'r'; break;
		case '\t':	esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0xf];
			n = 6;
			break;
		}
		mention_put(b, esc, n);
		p++;
	}
}

/* Append S to B as a JSON string, or null when S is NULL. */
static void
mention_put_string(struct mention_buf *b, const char *s)
{
	if (s == NULL) {
		mention_lit(b, "null");
		return;
	}
	mention_lit(b, "\"");
	mention_put_escaped(b, s);
	mention_lit(b, "\"");
}

/* Append V to B in decimal. */
static void
mention_put_integer(struct mention_buf *b, long long v)
{
	char digits[24], *p = digits + sizeof(digits);
	unsigned long long u;

	u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	mention_put(b, p, (size_t)(digits + sizeof(digits) - p));
}

/* Append V to B as a count, or null when V is negative (unknown). */
static void
mention_put_count(struct mention_buf *b, long long v)
{
	if (v < 0)
		mention_lit(b, "null");
	else
		mention_put_integer(b, v);
}

/* Append V to B as a JSON number (null when not finite), as cJSON would. */
static void
mention_put_double(struct mention_buf *b, double v)
{
	char num[32];
	int n;

	if (!isfinite(v)) {
		mention_lit(b, "null");
		return;
	}
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {
		if (signbit(v) && v == 0)
			mention_lit(b, "-");	/* -0, as %g prints it */
		mention_put_integer(b, (long long)v);
		return;
	}
	/* Four decimals (the classifier's scores): the same digits as %g,
	 * without its cost. k / 1e4 is the double nearest to the decimal, so
	 * %1.15g would print exactly these digits too. */
	if (v > -1e6 && v < 1e6) {
		long long k = llround(v * 1e4), ak = k < 0 ? -k : k;
		char frac[5];
		int i, w = 4;

		if ((double)k / 1e4 == v) {
			if (k < 0)
				mention_lit(b, "-");
			mention_put_integer(b, ak / 10000);
			for (i = 3; i >= 0; i--, ak /= 10)
				frac[i] = (char)('0' + ak % 10);
			while (w > 0 && frac[w - 1] == '0')
				w--;
			mention_lit(b, ".");
			mention_put(b, frac, (size_t)w);
			return;
		}
	}
	n = snprintf(num, sizeof(num), "%1.15g", v);
	if (strtod(num, NULL) != v)
		n = snprintf(num, sizeof(num), "%1.17g", v);
	mention_put(b, num, (size_t)n);
}

/* Append "[V...]" to B. */
static void
mention_put_array(struct mention_buf *b, char **v, size_t n)
{
	size_t i;

	mention_lit(b, "[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			mention_lit(b, ",");
		mention_put_string(b, v[i]);
	}
	mention_lit(b, "]");
}

/* Write the N-digit decimal V (zero-padded) at P. */
static void
mention_digits(char *p, int n, long long v)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Format unix milliseconds MS as RFC 3339 UTC, with milliseconds when MILLI. */
static void
mention_time(char *buf, size_t size, int64_t ms, int milli)
{
	time_t t = (time_t)(ms / 1000);
	long long days, secs, era, doe, yoe, doy, mp, y, mo, d;
	struct tm tm;
	char base[32];

	/* Years 1970 to 9999, the usual case, without gmtime_r and strftime:
	 * the civil date of a day number (proleptic Gregorian, eras of 400
	 * years starting on March 1st). */
	if (ms >= 0 && ms < 253402300800000LL && size >= 25) {
		days = ms / 86400000;
		secs = (ms / 1000) % 86400;
		days += 719468;
		era = days / 146097;
		doe = days - era * 146097;
		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		mp = (5 * doy + 2) / 153;
		d = doy - (153 * mp + 2) / 5 + 1;
		mo = mp < 10 ? mp + 3 : mp - 9;
		y = yoe + era * 400 + (mo <= 2);
		memcpy(buf, "0000-00-00T00:00:00", 19);
		mention_digits(buf, 4, y);
		mention_digits(buf + 5, 2, mo);
		mention_digits(buf + 8, 2, d);
		mention_digits(buf + 11, 2, secs / 3600);
		mention_digits(buf + 14, 2, secs / 60 % 60);
		mention_digits(buf + 17, 2, secs % 60);
		if (milli) {
			buf[19] = '.';
			mention_digits(buf + 20, 3, ms % 1000);
			memcpy(buf + 23, "Z", 2);
		} else
			memcpy(buf + 19, "Z", 2);
		return;
	}
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(buf, size, "1970-01-01T00:00:00Z");
		return;
	}
	if (milli)
		snprintf(buf, size, "%s.%03dZ", base, (int)(ms % 1000));
	else
		snprintf(buf, size, "%sZ", base);
}

/* Length of S, 0 for NULL. */
static size_t
mention_len(const char *s)
{
	return s == NULL ? 0 : strlen(s);
}

char *
mention_to_json(const struct mention *m)
{
	struct mention_buf b;
	char when[48];
	size_t i, n;

	/* Room for everything in the usual case: the strings, the names and
	 * punctuation; escapes grow the buffer when needed. */
	n = 512 + 2 * mention_len(m->source) + 2 * mention_len(m->id) +
	    mention_len(m->plugin) + mention_len(m->url) +
	    mention_len(m->author_handle) + mention_len(m->author_name) +
	    mention_len(m->title) + mention_len(m->text) +
	    mention_len(m->lang) + mention_len(m->dup_of);
	for (i = 0; i < m->ntracks; i++)
		n += 4 + 2 * strlen(m->tracks[i]);
	for (i = 0; i < m->nterms; i++)
		n += 4 + strlen(m->terms[i]);
	b.p = xmalloc(n);
	b.cap = n;
	b.len = 0;

	mention_lit(&b, "{\"id\":\"");
	mention_put_escaped(&b, m->source);
	mention_lit(&b, ":");
	mention_put_escaped(&b, m->id);
	mention_lit(&b, "\",\"source\":");
	mention_put_string(&b, m->source);
	mention_lit(&b, ",\"plugin\":");
	mention_put_string(&b, m->plugin);
	mention_lit(&b, ",\"source_id\":");
	mention_put_string(&b, m->id);
	mention_lit(&b, ",\"url\":");
	mention_put_string(&b, m->url);

	mention_lit(&b, ",\"author\":{\"handle\":");
	mention_put_string(&b, m->author_handle);
	mention_lit(&b, ",\"name\":");
	mention_put_string(&b, m->author_name);
	mention_lit(&b, ",\"followers\":");
	mention_put_count(&b, m->author_followers);

	mention_lit(&b, "},\"title\":");
	mention_put_string(&b, m->title);
	mention_lit(&b, ",\"text\":");
	mention_put_string(&b, m->text);
	mention_lit(&b, ",\"lang\":");
	mention_put_string(&b, m->lang);
	mention_lit(&b, ",\"published_at\":");
	if (m->published > 0) {
		mention_time(when, sizeof(when), m->published * 1000, 0);
		mention_put_string(&b, when);
	} else
		mention_lit(&b, "null");
	mention_lit(&b, ",\"seen_at\":");
	mention_time(when, sizeof(when), m->seen_ms, 1);
	mention_put_string(&b, when);

	mention_lit(&b, ",\"track\":");
	mention_put_string(&b, m->ntracks > 0 ? m->tracks[0] : NULL);
	mention_lit(&b, ",\"tracks\":");
	mention_put_array(&b, m->tracks, m->ntracks);
	mention_lit(&b, ",\"terms\":");
	mention_put_array(&b, m->terms, m->nterms);

	mention_lit(&b, ",\"classes\":[");
	n = 0;
	if (m->classes & MENTION_QUESTION) {
		mention_lit(&b, "\"question\"");
		n++;
	}
	if (m->classes & MENTION_NEGATIVE) {
		if (n++ > 0)
			mention_lit(&b, ",");
		mention_lit(&b, "\"negative\"");
	}
	if (m->classes & MENTION_POSITIVE) {
		if (n++ > 0)
			mention_lit(&b, ",");
		mention_lit(&b, "\"positive\"");
	}
	mention_lit(&b, "],\"sentiment\":");
	mention_put_double(&b, m->sentiment);
	mention_lit(&b, ",\"priority\":");
	mention_put_double(&b, m->priority);

	/* Only the metrics the source knows. */
	mention_lit(&b, ",\"metrics\":{");
	n = 0;
	if (m->score != -1) {
		mention_lit(&b, "\"score\":");
		mention_put_integer(&b, m->score);
		n++;
	}
	if (m->replies >= 0) {
		if (n++ > 0)
			mention_lit(&b, ",");
		mention_lit(&b, "\"replies\":");
		mention_put_integer(&b, m->replies);
	}
	if (m->reposts >= 0) {
		if (n++ > 0)
			mention_lit(&b, ",");
		mention_lit(&b, "\"reposts\":");
		mention_put_integer(&b, m->reposts);
	}

	mention_lit(&b, "},\"dup_of\":");
	mention_put_string(&b, m->dup_of);
	mention_lit(&b, ",\"dup_reason\":");
	mention_put_string(&b, m->dup_reason);
	mention_lit(&b, "}");
	b.p[b.len] = '\0';
	return b.p;
}

void
mention_free(struct mention *m)
{
	size_t i;

	if (m == NULL)
		return;
	/* Freed before the pipeline said it was accepted: it was not. */
	if (m->ack != NULL)
		ack_done(m->ack, m->ack_seq, 0);
	free(m->source);
	free(m->plugin);
	free(m->id);
	free(m->url);
	free(m->author_handle);
	free(m->author_name);
	free(m->title);
	free(m->text);
	free(m->lang);
	for (i = 0; i < m->ntracks; i++)
		free(m->tracks[i]);
	free(m->tracks);
	for (i = 0; i < m->nterms; i++)
		free(m->terms[i]);
	free(m->terms);
	free(m->dup_of);
	free(m);
}
