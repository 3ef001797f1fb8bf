/*
 * urlcanon.c - the canonical, scheme-less form of an http(s) URL, so that
 * deduplication sees two links to one page as one story (the rules are in
 * urlcanon.h).
 *
 * libcurl's URL API splits the URL into its parts (and removes the dot
 * segments and normalises an IPv4 address on the way); each part is then
 * normalised here by hand and the form is put together again. The sites
 * this knows about live in four tables below: the tracking parameters, the
 * redirectors, the host aliases and the per-site rewrites, so that adding one
 * is a line.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <utf8proc.h>

#include "urlcanon.h"
#include "xmalloc.h"

/* A string being built. */
struct urlcanon_buf {
	char	*s;
	size_t	 len;
	size_t	 size;
};

/* One query parameter, normalised: name[=value], with its place in the URL
 * so that the sort is stable. */
struct urlcanon_param {
	char	*s;
	size_t	 namelen;
	size_t	 order;
};

/* A URL split and normalised part by part. */
struct urlcanon_url {
	char			*host;
	char			*port;		/* NULL: none or a default one */
	char			*path;
	struct urlcanon_param	*params;
	size_t			 nparams;
	char			*fragment;	/* a kept "!..." or "/...", or NULL */
};

/*
 * Tracking parameters: NAME (a prefix when PREFIX) is removed on every host,
 * or only on the hosts of HOSTS when it is not NULL, and never on the hosts of
 * EXCEPT. A host list is space-separated; an entry matches the host and its
 * subdomains. Names are compared without regard to ASCII case, and each
 * starts with a lower-case letter or '_' (the scan skips on the first byte).
 */
struct urlcanon_tracker {
	const char	*name;
	int		 prefix;
	const char	*hosts;
	const char	*except;
};

#define URLCANON_YOUTUBE	"youtube.com youtu.be youtube-nocookie.com"
#define URLCANON_REDDIT		"reddit.com redd.it"
#define URLCANON_FORGES		"github.com gitlab.com bitbucket.org codeberg.org"

static const struct urlcanon_tracker urlcanon_trackers[] = {
	/* Campaigns and click ids: analytics and ad networks, everywhere. */
	{ "utm_", 1, NULL, NULL },
	{ "fbclid", 0, NULL, NULL },
	{ "gclid", 0, NULL, NULL },
	{ "gclsrc", 0, NULL, NULL },
	{ "dclid", 0, NULL, NULL },
	{ "gbraid", 0, NULL, NULL },
	{ "wbraid", 0, NULL, NULL },
	{ "msclkid", 0, NULL, NULL },
	{ "twclid", 0, NULL, NULL },
	{ "ttclid", 0, NULL, NULL },
	{ "li_fat_id", 0, NULL, NULL },
	{ "yclid", 0, NULL, NULL },
	{ "_openstat", 0, NULL, NULL },
	{ "igshid", 0, NULL, NULL },
	{ "igsh", 0, NULL, NULL },
	{ "mc_cid", 0, NULL, NULL },
	{ "mc_eid", 0, NULL, NULL },
	{ "_ga", 0, NULL, NULL },
	{ "_gl", 0, NULL, NULL },
	{ "_hsenc", 0, NULL, NULL },
	{ "_hsmi", 0, NULL, NULL },
	{ "__hstc", 0, NULL, NULL },
	{ "__hssc", 0, NULL, NULL },
	{ "__hsfp", 0, NULL, NULL },
	{ "mkt_tok", 0, NULL, NULL },
	{ "oly_anon_id", 0, NULL, NULL },
	{ "oly_enc_id", 0, NULL, NULL },
	{ "vero_id", 0, NULL, NULL },
	{ "rb_clickid", 0, NULL, NULL },
	{ "spm", 0, NULL, NULL },
	{ "share", 0, NULL, NULL },
	{ "ref_src", 0, NULL, NULL },
	{ "ref_url", 0, NULL, NULL },
	/* "ref" says who sent the reader, but on a forge it names a branch. */
	{ "ref", 0, NULL, URLCANON_FORGES },
	/* Per site: share tokens and the like. */
	{ "s", 0, "x.com", NULL },
	{ "t", 0, "x.com", NULL },
	{ "si", 0, URLCANON_YOUTUBE " spotify.com", NULL },
	{ "feature", 0, URLCANON_YOUTUBE, NULL },
	{ "pp", 0, URLCANON_YOUTUBE, NULL },
	{ "ab_channel", 0, URLCANON_YOUTUBE, NULL },
	{ "share_id", 0, URLCANON_REDDIT, NULL },
	{ "rdt", 0, URLCANON_REDDIT, NULL },
	{ "mibextid", 0, "facebook.com", NULL },
	{ "sfnsn", 0, "facebook.com", NULL },
	{ "trk", 0, "linkedin.com", NULL },
	{ "trackingId", 0, "linkedin.com", NULL },
	{ "_r", 0, "tiktok.com", NULL },
	{ "_t", 0, "tiktok.com", NULL },
	{ "is_from_webapp", 0, "tiktok.com", NULL },
	{ "sender_device", 0, "tiktok.com", NULL },
};

/*
 * Redirectors whose target is in the URL. HOST is a host ("google.*" is
 * google. and a one- or two-label suffix, "*.x" a subdomain of x); PATH the
 * normalised path, a prefix when it ends in '*'. The target is then the first
 * parameter named in WHAT that decodes to an http(s) URL (URLCANON_PARAM),
 * the whole query (URLCANON_QUERY), or WHAT followed by the rest of the path
 * and the query (URLCANON_PATH).
 */
enum urlcanon_kind {
	URLCANON_PARAM,
	URLCANON_QUERY,
	URLCANON_PATH,
};

struct urlcanon_redirect {
	const char		*host;
	const char		*path;
	enum urlcanon_kind	 kind;
	const char		*what;
};

static const struct urlcanon_redirect urlcanon_redirects[] = {
	{ "google.*", "/url", URLCANON_PARAM, "q url" },
	{ "google.*", "/amp/s/*", URLCANON_PATH, "https://" },
	{ "google.*", "/amp/*", URLCANON_PATH, "http://" },
	{ "news.google.com", "*", URLCANON_PARAM, "url" },
	{ "*.cdn.ampproject.org", "/c/s/*", URLCANON_PATH, "https://" },
	{ "*.cdn.ampproject.org", "/v/s/*", URLCANON_PATH, "https://" },
	{ "*.cdn.ampproject.org", "/c/*", URLCANON_PATH, "http://" },
	{ "*.cdn.ampproject.org", "/v/*", URLCANON_PATH, "http://" },
	{ "facebook.com", "/l.php", URLCANON_PARAM, "u" },
	{ "l.facebook.com", "/l.php", URLCANON_PARAM, "u" },
	{ "lm.facebook.com", "/l.php", URLCANON_PARAM, "u" },
	{ "l.messenger.com", "/l.php", URLCANON_PARAM, "u" },
	{ "l.instagram.com", "/", URLCANON_PARAM, "u" },
	{ "l.threads.net", "/", URLCANON_PARAM, "u" },
	{ "l.threads.com", "/", URLCANON_PARAM, "u" },
	{ "out.reddit.com", "*", URLCANON_PARAM, "url" },
	{ "t.umblr.com", "/redirect", URLCANON_PARAM, "z" },
	{ "youtube.com", "/redirect", URLCANON_PARAM, "q" },
	{ "href.li", "/", URLCANON_QUERY, NULL },
	{ "slack-redir.net", "/link", URLCANON_PARAM, "url" },
	{ "duckduckgo.com", "/l", URLCANON_PARAM, "uddg" },
	{ "linkedin.com", "/redir/redirect", URLCANON_PARAM, "url" },
	{ "linkedin.com", "/safety/go", URLCANON_PARAM, "url" },
	{ "*.safelinks.protection.outlook.com", "/", URLCANON_PARAM, "url" },
	{ "vk.com", "/away.php", URLCANON_PARAM, "to" },
	{ "away.vk.com", "/away.php", URLCANON_PARAM, "to" },
	{ "steamcommunity.com", "/linkfilter", URLCANON_PARAM, "url" },
};

/* Hosts that are another's: FROM (a suffix when it starts with '.') becomes
 * TO. Applied after the www./m./mobile. fold, a suffix as long as it
 * matches, in place: a suffix's TO must be shorter than its FROM. */
struct urlcanon_alias {
	const char	*from;
	const char	*to;
};

static const struct urlcanon_alias urlcanon_aliases[] = {
	{ "twitter.com", "x.com" },
	{ "fxtwitter.com", "x.com" },
	{ "vxtwitter.com", "x.com" },
	{ "fixupx.com", "x.com" },
	{ "old.reddit.com", "reddit.com" },
	{ "new.reddit.com", "reddit.com" },
	{ "np.reddit.com", "reddit.com" },
	{ "i.reddit.com", "reddit.com" },
	{ ".m.wikipedia.org", ".wikipedia.org" },
};

/* The leading labels folded away while two labels remain. */
static const char *const urlcanon_folds[] = { "www", "m", "mobile" };

/* Last path segments that name the directory's default page. */
static const char *const urlcanon_indexes[] = {
	"index.html", "index.htm", "index.php", "default.aspx", "default.asp"
};

static void	urlcanon_youtu_be(struct urlcanon_url *);
static void	urlcanon_youtube(struct urlcanon_url *);
static void	urlcanon_x(struct urlcanon_url *);
static void	urlcanon_reddit(struct urlcanon_url *);
static void	urlcanon_redd_it(struct urlcanon_url *);

/* Per-site rewrites of path and query, by host (after the aliases). */
struct urlcanon_site {
	const char	*host;
	void		(*rewrite)(struct urlcanon_url *);
};

static const struct urlcanon_site urlcanon_sites[] = {
	{ "youtu.be", urlcanon_youtu_be },
	{ "youtube.com", urlcanon_youtube },
	{ "youtube-nocookie.com", urlcanon_youtube },
	{ "x.com", urlcanon_x },
	{ "reddit.com", urlcanon_reddit },
	{ "redd.it", urlcanon_redd_it },
};

#define URLCANON_NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define URLCANON_MAXSEGS	8

static const char urlcanon_hexdigits[] = "0123456789ABCDEF";

/* Set *CAUSE to a copy of MSG when CAUSE is not NULL. */
static void
urlcanon_cause(char **cause, const char *msg)
{
	if (cause != NULL)
		*cause = xstrdup(msg);
}

/* Make room in B for N more bytes and a NUL, so that as many can be written
 * at B->s + B->len without a check. */
static void
urlcanon_reserve(struct urlcanon_buf *b, size_t n)
{
	if (b->s == NULL || b->len + n + 1 > b->size) {
		/* Exact the first time, doubling after. */
		b->size = (b->len + n + 1) * (b->s == NULL ? 1 : 2);
		b->s = xreallocarray(b->s, 1, b->size);
		b->s[b->len] = '\0';
	}
}

/* Append N bytes at P to B. */
static void
urlcanon_add(struct urlcanon_buf *b, const char *p, size_t n)
{
	urlcanon_reserve(b, n);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Append the string S to B. */
static void
urlcanon_adds(struct urlcanon_buf *b, const char *s)
{
	urlcanon_add(b, s, strlen(s));
}

/* Append the byte C to B. */
static void
urlcanon_addc(struct urlcanon_buf *b, unsigned char c)
{
	urlcanon_reserve(b, 1);
	b->s[b->len++] = (char)c;
	b->s[b->len] = '\0';
}

/* Write %XX for byte C at O; what follows it. */
static char *
urlcanon_putpct(char *o, unsigned char c)
{
	o[0] = '%';
	o[1] = urlcanon_hexdigits[c >> 4];
	o[2] = urlcanon_hexdigits[c & 0xf];
	return o + 3;
}

/* A malloc'd string of A, then the N bytes at B, then C, then the M bytes at
 * D (C and D may be NULL): what the site rewrites build, without the cost
 * of a printf. */
static char *
urlcanon_concat(const char *a, const char *b, size_t n, const char *c,
    const char *d, size_t m)
{
	struct urlcanon_buf buf = { NULL, 0, 0 };
	size_t clen = c != NULL ? strlen(c) : 0;

	urlcanon_reserve(&buf, strlen(a) + n + clen + m);
	urlcanon_adds(&buf, a);
	urlcanon_add(&buf, b, n);
	urlcanon_add(&buf, c != NULL ? c : "", clen);
	urlcanon_add(&buf, d != NULL ? d : "", d != NULL ? m : 0);
	return buf.s;
}

/* The value of hex digit C, or -1. */
static int
urlcanon_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whether C is an ASCII letter or digit. */
static int
urlcanon_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/*
 * The class of each byte in a path or query, looked up rather than tested:
 * URLCANON_UNRESERVED (RFC 3986: ALPHA, DIGIT, '-', '.', '_', '~'), which
 * never needs encoding, or URLCANON_RESERVED (":/?[]@!$&'()*+,;="), which
 * may stand in a path or query as it is; '#' is neither, since it would
 * start a fragment.
 */
#define URLCANON_UNRESERVED	1
#define URLCANON_RESERVED	2

static const unsigned char urlcanon_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 2, 0, 0, 2, 0, 2, 2, 2, 2, 2, 2, 2, 1, 1, 2,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 0, 2, 0, 2,
	2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 0, 2, 0, 1,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Whether C is unreserved (RFC 3986): never needs encoding. */
static int
urlcanon_unreserved(unsigned char c)
{
	return urlcanon_class[c] == URLCANON_UNRESERVED;
}

/* Whether C is reserved and may stand in a path or query as it is. */
static int
urlcanon_reserved(unsigned char c)
{
	return urlcanon_class[c] == URLCANON_RESERVED;
}

/* ASCII lower case of C. */
static unsigned char
urlcanon_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Whether the N bytes at A equal the string B without regard to ASCII case. */
static int
urlcanon_ncaseeq(const char *a, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] == '\0' || urlcanon_lower((unsigned char)a[i]) !=
		    urlcanon_lower((unsigned char)b[i]))
			return 0;
	}
	return b[n] == '\0';
}

/* How many bytes of S come before the first C or the end (strcspn of one
 * byte, which the C library does not make fast). */
static size_t
urlcanon_span(const char *s, char c)
{
	const char *p;

	for (p = s; *p != '\0' && *p != c; p++)
		;
	return (size_t)(p - s);
}

/* Append the N bytes at S to B percent-normalised: unreserved escapes
 * decoded, others in upper case, stray '%' and bytes that may not stand in a
 * URL encoded; with PLUS, '+' is a space (%20). Each byte gives at most
 * three, so the room is made once. */
static void
urlcanon_pct(struct urlcanon_buf *b, const char *s, size_t n, int plus)
{
	unsigned char c, v;
	char *o;
	size_t i;
	int hi, lo;

	urlcanon_reserve(b, n * 3);
	o = b->s + b->len;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (urlcanon_unreserved(c))
			*o++ = (char)c;
		else if (c == '%' && i + 2 < n &&
		    (hi = urlcanon_hex((unsigned char)s[i + 1])) != -1 &&
		    (lo = urlcanon_hex((unsigned char)s[i + 2])) != -1) {
			v = (unsigned char)(hi << 4 | lo);
			if (urlcanon_unreserved(v))
				*o++ = (char)v;
			else
				o = urlcanon_putpct(o, v);
			i += 2;
		} else if (plus && c == '+')
			o = urlcanon_putpct(o, ' ');
		else if (urlcanon_reserved(c))
			*o++ = (char)c;
		else
			o = urlcanon_putpct(o, c);
	}
	b->len = (size_t)(o - b->s);
	*o = '\0';
}

/* Fully decode the N bytes at S (every %XX); NULL if that gives a NUL. */
static char *
urlcanon_decode(const char *s, size_t n)
{
	char *out;
	size_t i, o = 0;
	int hi, lo;

	out = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    (hi = urlcanon_hex((unsigned char)s[i + 1])) != -1 &&
		    (lo = urlcanon_hex((unsigned char)s[i + 2])) != -1) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = s[i];
		if (out[o - 1] == '\0') {
			free(out);
			return NULL;
		}
	}
	out[o] = '\0';
	return out;
}

/* Whether S starts with http: or https: in any case. */
static int
urlcanon_is_http(const char *s)
{
	if ((s[0] | 0x20) != 'h' || (s[1] | 0x20) != 't' ||
	    (s[2] | 0x20) != 't' || (s[3] | 0x20) != 'p')
		return 0;
	return s[4] == ':' || ((s[4] | 0x20) == 's' && s[5] == ':');
}

/* Whether HOST is ITEM or a subdomain of it. */
static int
urlcanon_host_is(const char *host, const char *item, size_t itemlen)
{
	size_t n = strlen(host);

	if (n == itemlen)
		return memcmp(host, item, n) == 0;
	return n > itemlen && host[n - itemlen - 1] == '.' &&
	    memcmp(host + n - itemlen, item, itemlen) == 0;
}

/* Whether HOST is in the space-separated LIST (see urlcanon_host_is). */
static int
urlcanon_host_in(const char *host, const char *list)
{
	size_t n;

	while (*list != '\0') {
		n = strcspn(list, " ");
		if (n > 0 && urlcanon_host_is(host, list, n))
			return 1;
		list += n;
		list += strspn(list, " ");
	}
	return 0;
}

/* Whether HOST may match the redirector host PATTERN: a name or a prefix
 * must start with the host's first byte. It is tested before the call, in
 * the loops over the table, since most hosts are out at once. */
#define URLCANON_HOST_MAY(host, pattern) \
	((pattern)[0] == '*' || (pattern)[0] == (host)[0])

/* Whether HOST matches the redirector host PATTERN. */
static int
urlcanon_host_match(const char *host, const char *pattern)
{
	size_t n, dots = 0;
	const char *p;

	n = strlen(pattern);
	if (n > 2 && pattern[0] == '*' && pattern[1] == '.') {
		return strlen(host) > n - 1 && strcmp(host + strlen(host) -
		    (n - 1), pattern + 1) == 0;
	}
	if (n > 2 && pattern[n - 1] == '*' && pattern[n - 2] == '.') {
		if (strncmp(host, pattern, n - 1) != 0 || host[n - 1] == '\0')
			return 0;
		for (p = host + n - 1; *p != '\0'; p++) {
			if (*p == '.' && ++dots > 1)
				return 0;
		}
		return 1;
	}
	return strcmp(host, pattern) == 0;
}

/* Whether PATH matches the redirector's PATTERN; *REST is set to what
 * follows a prefix pattern. */
static int
urlcanon_path_match(const char *path, const char *pattern, const char **rest)
{
	size_t n = strlen(pattern);

	*rest = NULL;
	if (n > 0 && pattern[n - 1] == '*') {
		if (strncmp(path, pattern, n - 1) != 0)
			return 0;
		*rest = path + n - 1;
		return 1;
	}
	return strcmp(path, pattern) == 0;
}

/* Lower-case the host RAW: ASCII, and each valid UTF-8 code point. */
static char *
urlcanon_host_lower(const char *raw)
{
	struct urlcanon_buf b = { NULL, 0, 0 };
	const unsigned char *p = (const unsigned char *)raw;
	size_t n = strlen(raw);
	utf8proc_int32_t cp;
	utf8proc_ssize_t got;
	utf8proc_uint8_t enc[4];
	unsigned char c;

	urlcanon_reserve(&b, n);

	/* The ASCII bytes first, a byte each, so as long as there is room. */
	while (n > 0 && *p < 0x80) {
		b.s[b.len++] = (char)urlcanon_lower(*p++);
		n--;
	}
	b.s[b.len] = '\0';

	while (n > 0) {
		if (*p < 0x80) {
			c = urlcanon_lower(*p);
			urlcanon_addc(&b, c);
			p++;
			n--;
			continue;
		}
		got = utf8proc_iterate(p, (utf8proc_ssize_t)(n > 4 ? 4 : n),
		    &cp);
		if (got <= 0) {
			urlcanon_addc(&b, *p);
			p++;
			n--;
			continue;
		}
		urlcanon_add(&b, (char *)enc,
		    (size_t)utf8proc_encode_char(utf8proc_tolower(cp), enc));
		p += got;
		n -= (size_t)got;
	}
	return b.s;
}

/* HOST, lowered and without its trailing dots, may now be a number that
 * libcurl would write as an IPv4 address ("1." is a name, "1" is 0.0.0.1):
 * have libcurl write it, so the form does not change when parsed again. */
static char *
urlcanon_ipv4(char *host)
{
	CURLU *h;
	char *url, *got = NULL, *out = host;

	if (host[0] < '0' || host[0] > '9' ||
	    host[strspn(host, "0123456789abcdefx.")] != '\0')
		return host;
	if ((h = curl_url()) == NULL)
		return host;
	url = xasprintf("http://%s/", host);
	if (curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &got, 0) == CURLUE_OK) {
		out = xstrdup(got);
		free(host);
	}
	curl_free(got);
	curl_url_cleanup(h);
	free(url);
	return out;
}

/* The normalised form of the host RAW (see urlcanon.h), or NULL. */
static char *
urlcanon_host(const char *raw)
{
	char *host;
	const unsigned char *p;
	const struct urlcanon_alias *a;
	size_t n, i, k, len, start;
	unsigned char c;

	if (raw[0] == '[') {
		n = strlen(raw);
		if (n < 3 || raw[n - 1] != ']')
			return NULL;
		for (i = 1; i < n - 1; i++) {
			c = (unsigned char)raw[i];
			if (urlcanon_hex(c) == -1 && c != ':' && c != '.')
				return NULL;
		}
		return urlcanon_host_lower(raw);
	}
	for (p = (const unsigned char *)raw; *p != '\0'; p++) {
		if (!urlcanon_alnum(*p) && *p != '-' && *p != '_' &&
		    *p != '.' && *p < 0x80)
			return NULL;
	}
	host = urlcanon_host_lower(raw);
	n = strlen(host);
	while (n > 0 && host[n - 1] == '.')
		host[--n] = '\0';
	if (n == 0) {
		free(host);
		return NULL;
	}

	/* Fold www., m. and mobile. while two labels remain. */
	for (i = 0, start = 0; i < URLCANON_NITEMS(urlcanon_folds); i++) {
		k = strlen(urlcanon_folds[i]);
		if (strncmp(host + start, urlcanon_folds[i], k) == 0 &&
		    host[start + k] == '.' &&
		    strchr(host + start + k + 1, '.') != NULL) {
			start += k + 1;
			i = (size_t)-1;	/* again from the first */
		}
	}
	memmove(host, host + start, n - start + 1);
	host = urlcanon_ipv4(host);
	n = strlen(host);

	for (i = 0; i < URLCANON_NITEMS(urlcanon_aliases); i++) {
		a = &urlcanon_aliases[i];
		if (a->from[0] != '.') {
			if (strcmp(host, a->from) != 0)
				continue;
			free(host);
			return xstrdup(a->to);
		}
		len = strlen(a->from);
		if (n > len && strcmp(host + n - len, a->from) == 0) {
			memcpy(host + n - len, a->to, strlen(a->to) + 1);
			n = strlen(host);
			i = (size_t)-1;	/* a.m.m.wikipedia.org */
		}
	}
	return host;
}

/* The normalised form of the path RAW (see urlcanon.h). */
static char *
urlcanon_path(const char *raw)
{
	struct urlcanon_buf b = { NULL, 0, 0 };
	const char *p, *seg, *last;
	char *out;
	size_t n = 0, seglen, i, len;
	int again;

	/* A '/' first (collapsed with the path's own), so that each segment
	 * has one before it; the room for all of it at once. */
	len = strlen(raw);
	urlcanon_reserve(&b, 1 + len * 3);
	urlcanon_addc(&b, '/');
	urlcanon_pct(&b, raw, len, 0);
	out = b.s;

	/* Collapse slashes and remove dot segments: no trailing slash. The
	 * form is written over the text it is read from: each segment's '/'
	 * goes where a '/' before it was read, so never ahead of the reading. */
	for (p = b.s; *p != '\0'; p += seglen) {
		p += strspn(p, "/");
		seg = p;
		seglen = urlcanon_span(p, '/');
		if (seglen == 0 || (seglen == 1 && seg[0] == '.'))
			continue;
		if (seglen == 2 && seg[0] == '.' && seg[1] == '.') {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		out[n++] = '/';
		memmove(out + n, seg, seglen);
		n += seglen;
	}

	/* Remove default pages, as long as the last segment is one. */
	do {
		again = 0;
		for (last = out + n; last > out && last[-1] != '/'; last--)
			;
		if (last == out)
			break;
		for (i = 0; i < URLCANON_NITEMS(urlcanon_indexes); i++) {
			if (urlcanon_ncaseeq(last, (size_t)(out + n - last),
			    urlcanon_indexes[i])) {
				n = (size_t)(last - out) - 1;
				again = 1;
				break;
			}
		}
	} while (again);

	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return out;
}

/* Whether the parameter P (NAMELEN bytes of name) is tracking on HOST. */
static int
urlcanon_tracking(const char *host, const char *p, size_t namelen)
{
	const struct urlcanon_tracker *t;
	size_t i, k;
	unsigned char first;

	if (namelen == 0)
		return 0;
	first = urlcanon_lower((unsigned char)p[0]);
	for (i = 0; i < URLCANON_NITEMS(urlcanon_trackers); i++) {
		t = &urlcanon_trackers[i];
		if ((unsigned char)t->name[0] != first)
			continue;	/* most names are out at the first byte */
		k = strlen(t->name);
		if (t->prefix) {
			if (namelen < k || !urlcanon_ncaseeq(p, k, t->name))
				continue;
		} else if (!urlcanon_ncaseeq(p, namelen, t->name))
			continue;
		if (t->hosts != NULL && !urlcanon_host_in(host, t->hosts))
			continue;
		if (t->except != NULL && urlcanon_host_in(host, t->except))
			continue;
		return 1;
	}
	return 0;
}

/* Whether the host and path of U are a redirector whose whole query is the
 * target: that query is kept whole, so that it stays the same target. */
static int
urlcanon_opaque(const struct urlcanon_url *u)
{
	const struct urlcanon_redirect *r;
	const char *rest;
	size_t i;

	for (i = 0; i < URLCANON_NITEMS(urlcanon_redirects); i++) {
		r = &urlcanon_redirects[i];
		if (r->kind == URLCANON_QUERY &&
		    URLCANON_HOST_MAY(u->host, r->host) &&
		    urlcanon_host_match(u->host, r->host) &&
		    urlcanon_path_match(u->path, r->path, &rest))
			return 1;
	}
	return 0;
}

/* Split the query RAW of U into its normalised, non-tracking parameters. */
static void
urlcanon_query(struct urlcanon_url *u, const char *raw)
{
	struct urlcanon_buf b;
	const char *p;
	size_t n, count = 1, eq;

	if (urlcanon_opaque(u)) {
		memset(&b, 0, sizeof(b));
		urlcanon_pct(&b, raw, strlen(raw), 0);
		u->params = xmalloc(sizeof(*u->params));
		u->params[0].s = b.s;
		u->params[0].namelen = strlen(b.s);
		u->params[0].order = 0;
		u->nparams = 1;
		return;
	}
	for (p = raw; *p != '\0'; p++)
		count += *p == '&';
	u->params = xreallocarray(NULL, count, sizeof(*u->params));
	for (p = raw; *p != '\0'; p += *p == '&') {
		n = urlcanon_span(p, '&');
		if (n == 0)
			continue;
		memset(&b, 0, sizeof(b));
		urlcanon_pct(&b, p, n, 1);
		p += n;
		eq = urlcanon_span(b.s, '=');
		if (urlcanon_tracking(u->host, b.s, eq)) {
			free(b.s);
			continue;
		}
		u->params[u->nparams].s = b.s;
		u->params[u->nparams].namelen = eq;
		u->params[u->nparams].order = u->nparams;
		u->nparams++;
	}
}

/* Free the parts of U. */
static void
urlcanon_url_free(struct urlcanon_url *u)
{
	size_t i;

	free(u->host);
	free(u->port);
	free(u->path);
	for (i = 0; i < u->nparams; i++)
		free(u->params[i].s);
	free(u->params);
	free(u->fragment);
	memset(u, 0, sizeof(*u));
}

/* Replace the parameters of U by the one NAME=VALUE (VALUE N bytes). */
static void
urlcanon_set_param(struct urlcanon_url *u, const char *name,
    const char *value, size_t n)
{
	char *s;
	size_t i;

	/* Built before the parameters are freed: VALUE may be in one. */
	s = urlcanon_concat(name, "=", 1, NULL, value, n);
	for (i = 0; i < u->nparams; i++)
		free(u->params[i].s);
	u->params = xreallocarray(u->params, 1, sizeof(*u->params));
	u->params[0].s = s;
	u->params[0].namelen = strlen(name);
	u->params[0].order = 0;
	u->nparams = 1;
}

/* Drop every parameter of U. */
static void
urlcanon_clear_params(struct urlcanon_url *u)
{
	size_t i;

	for (i = 0; i < u->nparams; i++)
		free(u->params[i].s);
	u->nparams = 0;
}

/* Set the host and path of U. */
static void
urlcanon_set(struct urlcanon_url *u, const char *host, const char *path)
{
	if (host != NULL) {
		free(u->host);
		u->host = xstrdup(host);
	}
	free(u->path);
	u->path = xstrdup(path);
}

/* Split the path of U into at most URLCANON_MAXSEGS segments (pointers into
 * it, not NUL-terminated) and their lengths; how many, or
 * URLCANON_MAXSEGS + 1 when there are more. */
static size_t
urlcanon_segments(const struct urlcanon_url *u, const char **seg, size_t *len)
{
	const char *p = u->path;
	size_t n = 0;

	while (*p == '/' && p[1] != '\0') {
		if (n == URLCANON_MAXSEGS)
			return n + 1;
		seg[n] = ++p;
		len[n] = urlcanon_span(p, '/');
		p += len[n++];
	}
	return n;
}

/* Whether the N bytes at S are all of the characters in the class: digits
 * (CLASS 'd'), letters and digits ('a'), or those and '-' and '_' ('y'). */
static int
urlcanon_all(const char *s, size_t n, int class)
{
	size_t i;
	unsigned char c;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (class == 'd' && (c < '0' || c > '9'))
			return 0;
		if (class == 'a' && !urlcanon_alnum(c))
			return 0;
		if (class == 'y' && !urlcanon_alnum(c) && c != '-' && c != '_')
			return 0;
	}
	return 1;
}

/* youtu.be/ID is youtube.com/watch?v=ID. */
static void
urlcanon_youtu_be(struct urlcanon_url *u)
{
	const char *seg[URLCANON_MAXSEGS];
	size_t len[URLCANON_MAXSEGS], n;

	n = urlcanon_segments(u, seg, len);
	if (n != 1 || !urlcanon_all(seg[0], len[0], 'y'))
		return;
	urlcanon_set_param(u, "v", seg[0], len[0]);
	urlcanon_set(u, "youtube.com", "/watch");
}

/* youtube.com/shorts|embed|live|v/ID is /watch?v=ID; a watch URL keeps v. */
static void
urlcanon_youtube(struct urlcanon_url *u)
{
	static const char *const forms[] = { "shorts", "embed", "live", "v" };
	const char *seg[URLCANON_MAXSEGS];
	size_t len[URLCANON_MAXSEGS], n, i;

	n = urlcanon_segments(u, seg, len);
	if (n == 2 && urlcanon_all(seg[1], len[1], 'y')) {
		for (i = 0; i < URLCANON_NITEMS(forms); i++) {
			if (len[0] == strlen(forms[i]) &&
			    memcmp(seg[0], forms[i], len[0]) == 0) {
				urlcanon_set_param(u, "v", seg[1], len[1]);
				urlcanon_set(u, "youtube.com", "/watch");
				return;
			}
		}
	}
	if (strcmp(u->host, "youtube.com") != 0 ||
	    strcmp(u->path, "/watch") != 0)
		return;
	for (i = 0; i < u->nparams; i++) {
		if (u->params[i].namelen == 1 && u->params[i].s[0] == 'v') {
			n = strlen(u->params[i].s);
			if (n < 2)
				break;
			urlcanon_set_param(u, "v", u->params[i].s + 2, n - 2);
			return;
		}
	}
}

/* A status of any user on x.com is x.com/i/status/ID, without a query. */
static void
urlcanon_x(struct urlcanon_url *u)
{
	const char *seg[URLCANON_MAXSEGS];
	size_t len[URLCANON_MAXSEGS], n, id;
	char *path;

	n = urlcanon_segments(u, seg, len);
	if (n >= 4 && len[0] == 1 && seg[0][0] == 'i' && len[1] == 3 &&
	    memcmp(seg[1], "web", 3) == 0)
		id = 3;
	else
		id = 2;
	if (n < id + 1 || n > URLCANON_MAXSEGS ||
	    !urlcanon_all(seg[id], len[id], 'd') ||
	    !((len[id - 1] == 6 && memcmp(seg[id - 1], "status", 6) == 0) ||
	    (len[id - 1] == 8 && memcmp(seg[id - 1], "statuses", 8) == 0)))
		return;
	path = urlcanon_concat("/i/status/", seg[id], len[id], NULL, NULL, 0);
	urlcanon_set(u, NULL, path);
	free(path);
	urlcanon_clear_params(u);
	free(u->fragment);
	u->fragment = NULL;
}

/* A post on reddit.com, under a subreddit, a user or neither, is
 * /comments/ID, and a comment in it /comments/ID/_/CID. */
static void
urlcanon_reddit(struct urlcanon_url *u)
{
	const char *seg[URLCANON_MAXSEGS];
	size_t len[URLCANON_MAXSEGS], n, c;
	char *path;

	n = urlcanon_segments(u, seg, len);
	if (n >= 2 && len[0] == 8 && memcmp(seg[0], "comments", 8) == 0)
		c = 0;
	else if (n >= 4 && len[2] == 8 && memcmp(seg[2], "comments", 8) == 0 &&
	    ((len[0] == 1 && (seg[0][0] == 'r' || seg[0][0] == 'u')) ||
	    (len[0] == 4 && memcmp(seg[0], "user", 4) == 0)))
		c = 2;
	else
		return;
	if (n > c + 4 || !urlcanon_all(seg[c + 1], len[c + 1], 'a'))
		return;
	if (n == c + 4 && urlcanon_all(seg[c + 3], len[c + 3], 'a'))
		path = urlcanon_concat("/comments/", seg[c + 1], len[c + 1],
		    "/_/", seg[c + 3], len[c + 3]);
	else if (n <= c + 3)
		path = urlcanon_concat("/comments/", seg[c + 1], len[c + 1],
		    NULL, NULL, 0);
	else
		return;
	urlcanon_set(u, NULL, path);
	free(path);
}

/* redd.it/ID is the post reddit.com/comments/ID. */
static void
urlcanon_redd_it(struct urlcanon_url *u)
{
	const char *seg[URLCANON_MAXSEGS];
	size_t len[URLCANON_MAXSEGS], n;
	char *path;

	n = urlcanon_segments(u, seg, len);
	if (n != 1 || !urlcanon_all(seg[0], len[0], 'a'))
		return;
	path = urlcanon_concat("/comments/", seg[0], len[0], NULL, NULL, 0);
	urlcanon_set(u, "reddit.com", path);
	free(path);
}

/* Append the parameters of U to B as a query, '?' first, if any. */
static void
urlcanon_add_query(struct urlcanon_buf *b, const struct urlcanon_url *u)
{
	size_t i;

	for (i = 0; i < u->nparams; i++) {
		urlcanon_adds(b, i == 0 ? "?" : "&");
		urlcanon_adds(b, u->params[i].s);
	}
}

/* The target of redirector R at U, or NULL. */
static char *
urlcanon_target(const struct urlcanon_url *u, const struct urlcanon_redirect *r,
    const char *rest)
{
	struct urlcanon_buf b = { NULL, 0, 0 };
	const struct urlcanon_param *p;
	const char *name;
	char *target;
	size_t n, i;

	switch (r->kind) {
	case URLCANON_QUERY:
		if (u->nparams != 1 || !urlcanon_is_http(u->params[0].s))
			return NULL;
		return xstrdup(u->params[0].s);
	case URLCANON_PATH:
		n = strcspn(rest, "/");
		if (n == 0 || memchr(rest, '.', n) == NULL)
			return NULL;
		urlcanon_adds(&b, r->what);
		urlcanon_adds(&b, rest);
		urlcanon_add_query(&b, u);
		return b.s;
	case URLCANON_PARAM:
		break;
	}
	for (name = r->what; *name != '\0'; name += strspn(name, " ")) {
		n = strcspn(name, " ");
		for (i = 0; i < u->nparams; i++) {
			p = &u->params[i];
			if (p->namelen != n || memcmp(p->s, name, n) != 0 ||
			    p->s[n] != '=')
				continue;
			target = urlcanon_decode(p->s + n + 1,
			    strlen(p->s + n + 1));
			if (target != NULL && urlcanon_is_http(target))
				return target;
			free(target);
		}
		name += n;
	}
	return NULL;
}

/* If U is a known redirector with a target in it, that target (malloc'd). */
static char *
urlcanon_unwrap(const struct urlcanon_url *u)
{
	const struct urlcanon_redirect *r;
	const char *rest;
	char *target;
	size_t i;

	for (i = 0; i < URLCANON_NITEMS(urlcanon_redirects); i++) {
		r = &urlcanon_redirects[i];
		if (!URLCANON_HOST_MAY(u->host, r->host) ||
		    !urlcanon_host_match(u->host, r->host) ||
		    !urlcanon_path_match(u->path, r->path, &rest))
			continue;
		if ((target = urlcanon_target(u, r, rest)) != NULL)
			return target;
	}
	return NULL;
}

/* Order parameters by name, then by their place in the URL. */
static int
urlcanon_param_cmp(const void *a0, const void *b0)
{
	const struct urlcanon_param *a = a0, *b = b0;
	size_t n = a->namelen < b->namelen ? a->namelen : b->namelen;
	int c;

	if ((c = memcmp(a->s, b->s, n)) != 0)
		return c;
	if (a->namelen != b->namelen)
		return a->namelen < b->namelen ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* This thread's libcurl URL handle, kept from one URL to the next, since
 * making one costs allocations: it is cleared before each URL, and is never
 * freed (one a thread). */
static _Thread_local CURLU *urlcanon_handle;

/* This thread's URL handle, cleared; NULL when out of memory. */
static CURLU *
urlcanon_curl(void)
{
	if (urlcanon_handle == NULL)
		return urlcanon_handle = curl_url();
	curl_url_set(urlcanon_handle, CURLUPART_URL, NULL, 0);
	return urlcanon_handle;
}

/*
 * Whether FRAGMENT names one item of a page rather than a place in it: a
 * comment or answer of a thread ("issuecomment-1234", "discussion_r12",
 * "note_99", "comment-123", "p4567", a bare "12345"), which is a mention
 * of its own, where "#section-2" or "#comments" is the page again.
 */
static int
urlcanon_item_fragment(const char *fragment)
{
	static const char *const prefixes[] = { "issuecomment", "discussion_r",
	    "pullrequestreview", "comment", "comments", "note", "reply",
	    "answer", "post", "msg", "p", "c", "r", "" };
	const char *p;
	size_t i, n, digits;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		n = strlen(prefixes[i]);
		if (strncasecmp(fragment, prefixes[i], n) != 0)
			continue;
		p = fragment + n;
		if (n > 0 && (*p == '-' || *p == '_'))
			p++;
		for (digits = 0; p[digits] >= '0' && p[digits] <= '9'; digits++)
			;
		if (digits >= 3 && p[digits] == '\0')
			return 1;
	}
	return 0;
}

/* Split URL with libcurl and normalise its parts into U; 0, or -1 with
 * *cause set (when CAUSE is not NULL). */
static int
urlcanon_parse(const char *url, struct urlcanon_url *u, char **cause)
{
	static const char space[] = " \t\r\n\f\v";
	CURLU *h = NULL;
	CURLUcode rc;
	char *copy = NULL, *host = NULL, *port = NULL, *path = NULL;
	char *query = NULL, *fragment = NULL;
	const char *start, *end;
	struct urlcanon_buf b = { NULL, 0, 0 };
	int ret = -1;

	start = url + strspn(url, space);
	end = start + strlen(start);
	while (end > start && strchr(space, end[-1]) != NULL)
		end--;
	if ((size_t)(end - start) > URLCANON_MAX) {
		urlcanon_cause(cause, "URL too long");
		goto out;
	}
	if (!urlcanon_is_http(start)) {	/* white space is neither : nor s */
		urlcanon_cause(cause, "not an absolute http(s) URL");
		goto out;
	}
	if (*end != '\0')
		copy = xstrndup(start, (size_t)(end - start));
	if ((h = urlcanon_curl()) == NULL) {
		urlcanon_cause(cause, "out of memory");
		goto out;
	}
	if ((rc = curl_url_set(h, CURLUPART_URL, copy != NULL ? copy : start,
	    CURLU_ALLOW_SPACE)) != CURLUE_OK ||
	    (rc = curl_url_get(h, CURLUPART_HOST, &host, 0)) != CURLUE_OK ||
	    (rc = curl_url_get(h, CURLUPART_PATH, &path, 0)) != CURLUE_OK) {
		if (cause != NULL)
			*cause = xasprintf("bad URL: %s", curl_url_strerror(rc));
		goto out;
	}
	if ((u->host = urlcanon_host(host)) == NULL) {
		urlcanon_cause(cause, "bad URL: bad host name");
		goto out;
	}
	if (curl_url_get(h, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT) ==
	    CURLUE_OK && strcmp(port, "80") != 0 && strcmp(port, "443") != 0)
		u->port = xstrdup(port);
	u->path = urlcanon_path(path);
	if (curl_url_get(h, CURLUPART_QUERY, &query, 0) == CURLUE_OK &&
	    *query != '\0') {
		urlcanon_query(u, query);
	}
	if (curl_url_get(h, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_OK &&
	    (fragment[0] == '!' || fragment[0] == '/' ||
	    urlcanon_item_fragment(fragment))) {
		urlcanon_pct(&b, fragment, strlen(fragment), 0);
		u->fragment = b.s;
	}
	ret = 0;

out:
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(fragment);
	free(copy);
	return ret;
}

/* Put the canonical form of U together. */
static char *
urlcanon_join(struct urlcanon_url *u)
{
	struct urlcanon_buf b = { NULL, 0, 0 };
	size_t n, i;

	if (u->nparams > 1) {
		qsort(u->params, u->nparams, sizeof(*u->params),
		    urlcanon_param_cmp);
	}

	/* The room for all of it first, so that it is one allocation. */
	n = strlen(u->host) + strlen(u->path);
	if (u->port != NULL)
		n += 1 + strlen(u->port);
	for (i = 0; i < u->nparams; i++)
		n += 1 + strlen(u->params[i].s);
	if (u->fragment != NULL)
		n += 1 + strlen(u->fragment);
	urlcanon_reserve(&b, n);

	urlcanon_adds(&b, u->host);
	if (u->port != NULL) {
		urlcanon_adds(&b, ":");
		urlcanon_adds(&b, u->port);
	}
	urlcanon_adds(&b, u->path);
	urlcanon_add_query(&b, u);
	if (u->fragment != NULL) {
		urlcanon_adds(&b, "#");
		urlcanon_adds(&b, u->fragment);
	}
	return b.s;
}

/* The canonical form of URL, reached through DEPTH redirectors already;
 * *DEEP is set when there were too many. */
static char *
urlcanon_depth(const char *url, int depth, char **cause, int *deep)
{
	struct urlcanon_url u;
	char *out = NULL, *target;
	size_t i;

	memset(&u, 0, sizeof(u));
	if (urlcanon_parse(url, &u, cause) != 0)
		goto out;
	if ((target = urlcanon_unwrap(&u)) != NULL) {
		if (depth < URLCANON_MAX_UNWRAP)
			out = urlcanon_depth(target, depth + 1, NULL, deep);
		else
			*deep = 1;
		free(target);
		if (out != NULL)
			goto out;
		if (*deep) {
			urlcanon_cause(cause, "too many redirectors");
			goto out;
		}
	}
	for (i = 0; i < URLCANON_NITEMS(urlcanon_sites); i++) {
		if (strcmp(u.host, urlcanon_sites[i].host) == 0) {
			urlcanon_sites[i].rewrite(&u);
			break;
		}
	}
	out = urlcanon_join(&u);
	if (strlen(out) > URLCANON_MAX - 8) {
		/* "http://" and it must still be taken. */
		free(out);
		out = NULL;
		urlcanon_cause(cause, "URL too long");
	}

out:
	urlcanon_url_free(&u);
	return out;
}

/*
 * The names of the tables' hosts, in one small hash set that
 * urlcanon_host_known asks a few questions of instead of walking every
 * table with strcmp (that walk was most of the fast path's time): an exact
 * host ("twitter.com"), a suffix at a dot (".m.wikipedia.org", and
 * "*.cdn.ampproject.org" kept as ".cdn.ampproject.org") or a first label
 * with any one- or two-label rest ("google.*"). Built once; read only.
 */
#define URLCANON_KNOWN_SLOTS	256	/* a power of two, over 4x the names */

static const char	*urlcanon_known[URLCANON_KNOWN_SLOTS];
static pthread_once_t	 urlcanon_known_once = PTHREAD_ONCE_INIT;

/* One step of the names' hash (FNV-1a over the bytes from the last to the
 * first, so that one pass over a host gives the hashes of all its
 * suffixes). */
#define URLCANON_KNOWN_SEED	2166136261U
#define URLCANON_KNOWN_STEP(h, c) \
	(((h) ^ (unsigned char)(c)) * 16777619U)

/* The slot of the N bytes at S. */
static size_t
urlcanon_known_home(const char *s, size_t n)
{
	uint32_t h = URLCANON_KNOWN_SEED;

	while (n-- > 0)
		h = URLCANON_KNOWN_STEP(h, s[n]);
	return h & (URLCANON_KNOWN_SLOTS - 1);
}

static void
urlcanon_known_put(const char *name)
{
	size_t i;

	if (name[0] == '*')	/* "*.x": the suffix ".x" */
		name++;
	for (i = urlcanon_known_home(name, strlen(name));
	    urlcanon_known[i] != NULL; i = (i + 1) & (URLCANON_KNOWN_SLOTS - 1))
		if (strcmp(urlcanon_known[i], name) == 0)
			return;
	urlcanon_known[i] = name;
}

static void
urlcanon_known_init(void)
{
	size_t i;

	for (i = 0; i < URLCANON_NITEMS(urlcanon_aliases); i++)
		urlcanon_known_put(urlcanon_aliases[i].from);
	for (i = 0; i < URLCANON_NITEMS(urlcanon_sites); i++)
		urlcanon_known_put(urlcanon_sites[i].host);
	for (i = 0; i < URLCANON_NITEMS(urlcanon_redirects); i++)
		urlcanon_known_put(urlcanon_redirects[i].host);
}

/* Whether the N bytes at S, of hash slot I, are one of the names. */
static int
urlcanon_known_has(size_t i, const char *s, size_t n)
{
	for (; urlcanon_known[i] != NULL; i = (i + 1) & (URLCANON_KNOWN_SLOTS - 1))
		if (strncmp(urlcanon_known[i], s, n) == 0 &&
		    urlcanon_known[i][n] == '\0')
			return 1;
	return 0;
}

/* Whether the host HOST (lower case, N > 0 bytes) is named in a table of
 * sites: an alias, a per-site rewrite or a redirector, whatever the path.
 * The questions are those of the tables' matchers (urlcanon_host_match, the
 * aliases' suffixes): the whole host and each suffix from an inner dot, in
 * one pass from the end, then the first label + ".*" when one or two
 * labels follow it. */
static int
urlcanon_host_known(const char *host, size_t n)
{
	uint32_t h = URLCANON_KNOWN_SEED;
	size_t i, dots = 0, fl;
	const char *dot;
	char first[256];

	pthread_once(&urlcanon_known_once, urlcanon_known_init);
	for (i = n; i-- > 0;) {
		h = URLCANON_KNOWN_STEP(h, host[i]);
		if (i > 0 && host[i] != '.')
			continue;
		dots += i > 0;
		if (urlcanon_known_has(h & (URLCANON_KNOWN_SLOTS - 1), host + i,
		    n - i))
			return 1;
	}
	if ((dot = memchr(host, '.', n)) == NULL || dots > 2 ||
	    dot + 1 == host + n)
		return 0;
	/* "label.*" (N <= 253: the first label and ".*" fit). */
	fl = (size_t)(dot - host);
	memcpy(first, host, fl);
	memcpy(first + fl, ".*", 2);
	return urlcanon_known_has(urlcanon_known_home(first, fl + 2), first,
	    fl + 2);
}

/* The bytes of a host the fast path takes: lower-case letters, digits, '-'
 * and '.'. */
#define URLCANON_H10	1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char urlcanon_hostbyte[256] = {
	['-'] = 1, ['.'] = 1, ['0'] = URLCANON_H10,
	['a'] = URLCANON_H10, URLCANON_H10, 1, 1, 1, 1, 1, 1,
};

/*
 * The canonical form of the commonest links without libcurl, or NULL when
 * URL is not one of them (urlcanon_depth then does all the work): a lower
 * case http:// or https://, a host of lower-case letters, digits, '-' and
 * inner dots that starts with a letter, also once www., m. and mobile.
 * are folded (so it is no IPv4 number), and is in no table of sites, then
 * nothing but unreserved bytes and single slashes, no dot segment: no
 * userinfo, port, percent sign, query nor fragment. For those the rules of
 * urlcanon.h come down to the folded host and the path less its trailing
 * slash and default pages, which is what this writes.
 */
static char *
urlcanon_fast(const char *url)
{
	char host[256], *out;
	const char *p, *path, *seg, *end;
	size_t hn, pn, i, sn, start;
	int again;

	if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return NULL;
	if (*p < 'a' || *p > 'z')
		return NULL;
	for (hn = 0; p[hn] != '/' && p[hn] != '\0'; hn++) {
		if (urlcanon_hostbyte[(unsigned char)p[hn]] == 0 ||
		    (p[hn] == '.' && p[hn - 1] == '.') || hn >= 253)
			return NULL;
	}
	if (p[hn - 1] == '.')
		return NULL;
	/* Fold www., m. and mobile. while two labels remain, as
	 * urlcanon_host does; what is left must still start with a letter. */
	for (i = 0, start = 0; i < URLCANON_NITEMS(urlcanon_folds); i++) {
		if (p[start] != urlcanon_folds[i][0])
			continue;	/* most hosts: at the first byte */
		sn = strlen(urlcanon_folds[i]);
		if (strncmp(p + start, urlcanon_folds[i], sn) == 0 &&
		    p[start + sn] == '.' &&
		    memchr(p + start + sn + 1, '.', hn - start - sn - 1) != NULL) {
			start += sn + 1;
			i = (size_t)-1;	/* again from the first */
		}
	}
	if (p[start] < 'a' || p[start] > 'z')
		return NULL;
	memcpy(host, p + start, hn - start);
	host[hn - start] = '\0';
	if (urlcanon_host_known(host, hn - start))
		return NULL;

	/* The path: segments of unreserved bytes, one slash before each. */
	path = p + hn;
	for (seg = path; *seg == '/'; seg += sn) {
		for (sn = 1; urlcanon_unreserved((unsigned char)seg[sn]); sn++)
			;
		if ((sn == 1 && seg[1] == '/') || (sn == 2 && seg[1] == '.') ||
		    (sn == 3 && seg[1] == '.' && seg[2] == '.'))
			return NULL;
	}
	if (*seg != '\0' || seg - url > 2048)
		return NULL;
	end = seg;
	if (end > path && end[-1] == '/')
		end--;
	/* Default pages off the end, as long as the last segment is one. */
	for (again = 1; again && end > path;) {
		for (seg = end; seg[-1] != '/'; seg--)
			;
		for (i = 0, again = 0; i < URLCANON_NITEMS(urlcanon_indexes) &&
		    !again; i++) {
			if (seg == end || (*seg | 0x20) != urlcanon_indexes[i][0])
				continue;	/* most segments: at once */
			if (urlcanon_ncaseeq(seg, (size_t)(end - seg),
			    urlcanon_indexes[i])) {
				end = seg - 1;
				again = 1;
			}
		}
	}
	hn -= start;
	pn = (size_t)(end - path);
	out = xmalloc(hn + (pn == 0 ? 1 : pn) + 1);
	memcpy(out, host, hn);
	if (pn == 0)
		out[hn++] = '/';
	memcpy(out + hn, path, pn);
	out[hn + pn] = '\0';
	return out;
}

/* The canonical form of URL, or NULL with *cause set. */
char *
urlcanon(const char *url, char **cause)
{
	char *out;
	int deep = 0;

	if (url == NULL) {
		urlcanon_cause(cause, "no URL");
		return NULL;
	}
	if ((out = urlcanon_fast(url)) != NULL)
		return out;
	return urlcanon_depth(url, 0, cause, &deep);
}

/* The dedup key of a source's id: canonical when it is an http(s) URL. */
char *
urlcanon_id(const char *id)
{
	char *out, *with;
	const char *frag;

	if (id == NULL)
		return NULL;
	if ((id[0] | 0x20) != 'h' && strchr(" \t\r\n\f\v", id[0]) == NULL)
		return xstrdup(id);	/* most ids: not a URL at the first byte */
	if (!urlcanon_is_http(id + strspn(id, " \t\r\n\f\v")) ||
	    (out = urlcanon(id, NULL)) == NULL)
		return xstrdup(id);
	/* An id keeps its fragment whatever it is: two GUIDs that differ
	 * there name two items (the comments of one page). */
	if ((frag = strchr(id, '#')) != NULL && frag[1] != '\0' &&
	    strchr(out, '#') == NULL) {
		with = xasprintf("%s%s", out, frag);
		free(out);
		out = with;
	}
	return out;
}
