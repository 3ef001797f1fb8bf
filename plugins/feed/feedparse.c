/*
 * feedparse.c - the feed parser shared by the feed plugin and mentionctl:
 * RSS 0.9x/2.0, RSS 1.0/RDF and Atom 0.3/1.0 read with libxml2's SAX2 push
 * parser, JSON Feed 1.0/1.1 with cJSON, OPML lists with libxml2's reader,
 * and the date formats feeds use.
 *
 * The XML document is parsed once, in recover mode, and no tree is built:
 * the SAX2 callbacks keep an xml:base stack and, outside an item, note only
 * the feed-level author; at an item (RSS item, Atom entry) they read the
 * value of each field they know into a reused buffer (as text, or written
 * back as HTML when the field holds elements) and hand the entry over at
 * the item's end. Unknown elements are walked past. A broken document gives
 * what it has up to the break and its first error; an item still open at
 * the end is handed over too, unless the document was cut short on the way
 * (it does not end with its root's end tag): then that item may be cut, and
 * is left for a whole body (feedparse_xml_is_cut). Entities are left to libxml2 (its amplification checks stay on,
 * nothing external is loaded), with a cap of our own on expanded text.
 * Before parsing, the charset is chosen: the HTTP one, else the declaration
 * unless the bytes contradict it (feedparse_charset).
 * It uses only libxml2, cJSON and libcurl (curl_url, curl_getdate), and the C
 * library's malloc, because a plugin links nothing of the daemon.
 */
/* strncasecmp(3), strdup(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>
#include <curl/curl.h>
#include <libxml/SAX2.h>
#include <libxml/entities.h>
#include <libxml/parserInternals.h>
#include <libxml/uri.h>
#include <libxml/xmlreader.h>

#include "feedparse.h"
#include "jsonget.h"

#define FEEDPARSE_NS_ATOM10	"http://www.w3.org/2005/Atom"
#define FEEDPARSE_NS_ATOM03	"http://purl.org/atom/ns#"
#define FEEDPARSE_NS_CONTENT	"http://purl.org/rss/1.0/modules/content/"
#define FEEDPARSE_NS_DC		"http://purl.org/dc/elements/1.1/"
#define FEEDPARSE_NS_DCTERMS	"http://purl.org/dc/terms/"
#define FEEDPARSE_NS_ITUNES	"http://www.itunes.com/dtds/podcast-1.0.dtd"
#define FEEDPARSE_NS_XHTML	"http://www.w3.org/1999/xhtml"
#define FEEDPARSE_NS_MEDIA	"http://search.yahoo.com/mrss/"
#define FEEDPARSE_NS_RDF	"http://www.w3.org/1999/02/22-rdf-syntax-ns#"

/* What an element's namespace makes it. */
enum feedparse_ns {
	FEEDPARSE_NS_CORE,	/* none, an RSS namespace, or Atom */
	FEEDPARSE_NS_CONTENTMOD,
	FEEDPARSE_NS_DUBLIN,
	FEEDPARSE_NS_PODCAST,
	FEEDPARSE_NS_HTML,
	FEEDPARSE_NS_MRSS,
	FEEDPARSE_NS_OTHER,
};

/* The fields an item (and the feed) may give, each in a reused buffer. */
enum feedparse_slot {
	FEEDPARSE_ID,
	FEEDPARSE_LINK,
	FEEDPARSE_GUID_LINK,	/* a permalink guid, the link when none */
	FEEDPARSE_TITLE,
	FEEDPARSE_TITLE2,	/* media:title, when nothing better */
	FEEDPARSE_ABOUT,	/* RDF rdf:about, the id when none */
	FEEDPARSE_AUTHOR,
	FEEDPARSE_AUTHOR2,	/* itunes:author, when nothing better */
	FEEDPARSE_CONTENT,
	FEEDPARSE_SUMMARY,
	FEEDPARSE_SUMMARY2,	/* itunes:summary, when nothing better */
	FEEDPARSE_DATE_PUB,
	FEEDPARSE_DATE_UPD,
	FEEDPARSE_FEED_AUTHOR,	/* the feed's own; kept across items */
	FEEDPARSE_NSLOTS
};
/* Entity text beyond this is an expansion attack: the parse stops. */
#define FEEDPARSE_MAX_EXPANSION(len)	((len) * 10 + 65536)
#define FEEDPARSE_ITEM_SLOTS	((1u << FEEDPARSE_FEED_AUTHOR) - 1)

/* What becomes of the element whose value is being read, at its end. */
enum feedparse_cap {
	FEEDPARSE_CAP_NONE,	/* no value is being read */
	FEEDPARSE_CAP_VALUE,	/* kept in a slot */
	FEEDPARSE_CAP_LINK,	/* an RSS link, resolved */
	FEEDPARSE_CAP_GUID,	/* a guid or id: the id, maybe the permalink */
	FEEDPARSE_CAP_AUTHOR,	/* an author: its <name>, else its value */
	FEEDPARSE_CAP_SKIP,	/* a subtree walked past */
};

/* The element names the parser knows, as small numbers. */
enum feedparse_name {
	FEEDPARSE_N_OTHER,
	FEEDPARSE_N_TITLE,
	FEEDPARSE_N_LINK,
	FEEDPARSE_N_GUID,
	FEEDPARSE_N_ID,
	FEEDPARSE_N_DESCRIPTION,
	FEEDPARSE_N_SUMMARY,
	FEEDPARSE_N_TAGLINE,
	FEEDPARSE_N_CONTENT,
	FEEDPARSE_N_BODY,
	FEEDPARSE_N_FULLITEM,
	FEEDPARSE_N_PUBDATE,
	FEEDPARSE_N_PUBLISHED,
	FEEDPARSE_N_ISSUED,
	FEEDPARSE_N_CREATED,
	FEEDPARSE_N_UPDATED,
	FEEDPARSE_N_MODIFIED,
	FEEDPARSE_N_AUTHOR,
	FEEDPARSE_N_SOURCE,
	FEEDPARSE_N_ITEM,
	FEEDPARSE_N_ENTRY,
	FEEDPARSE_N_ENCODED,
	FEEDPARSE_N_CREATOR,
	FEEDPARSE_N_DATE,
	FEEDPARSE_N_DIV,
	FEEDPARSE_N_MANAGINGEDITOR,
	FEEDPARSE_N_NAME,
};

/* A growing string. */
struct feedparse_sb {
	char	*s;
	size_t	 len, cap;
};

/* The base URI an element's xml:base sets, for it and its descendants. */
struct feedparse_base {
	int	 depth;
	xmlChar	*uri;		/* NULL: it cannot be resolved */
};

/* An element open inside a value written as HTML. */
struct feedparse_open {
	const char	*name;
	int		 open;	/* its start tag's '>' is written */
};

/* Where an entity's replacement text sits in a value read as text. */
struct feedparse_ent {
	size_t		 start, end;
	const char	*name;
};

/*
 * One parse of an XML document through libxml2's SAX2 interface. Callbacks
 * get the parser context; this is its _private. Entity replacement text is
 * parsed by libxml2 in a context of its own, which is how text that comes
 * from an entity is told apart (it is not the document's context).
 */
struct feedparse_xml {
	xmlParserCtxtPtr	 ctxt;
	feedparse_entry_fn	 fn;
	void			*arg;
	size_t			 len;		/* of the document */
	int			 count;
	int			 stop;		/* the callback said so */
	int			 halt;		/* too deep: drop the item */
	int			 nomore;	/* expand no more entities */
	int			 root;		/* an element was seen */
	char			*error;		/* the first error */
	int			 depth;		/* open elements */
	int			 in_item;
	int			 item_depth;
	struct feedparse_sb	 slot[FEEDPARSE_NSLOTS];
	size_t			 off[FEEDPARSE_NSLOTS]; /* where it starts */
	unsigned		 set;		/* slots holding a value */
	struct feedparse_base	*base;		/* the xml:base stack */
	size_t			 nbase, capbase;
	const xmlChar		*ns_uri;	/* the last namespace seen */
	enum feedparse_ns	 ns_class;	/* and what it is */
	size_t			 textrun;	/* bytes of the current text */
	size_t			 expanded;	/* bytes from entities */

	/* The value being read: the element at cap_depth and its subtree. */
	enum feedparse_cap	 cap;
	enum feedparse_slot	 cap_slot;
	int			 cap_depth;
	int			 html;		/* has elements: as HTML */
	int			 elements;	/* its child elements */
	int			 div;		/* the first one is a div */
	size_t			 div_start, div_end;
	int			 xhtml;		/* type="xhtml" */
	int			 b64;		/* base64 content */
	int			 guid;		/* a guid (not an Atom id) */
	int			 perm_false;	/* isPermaLink="false" */
	int			 name_state;	/* <name>: 0, 1 in it, 2 done */
	int			 name_depth;
	struct feedparse_sb	 val, name, tmp;
	struct feedparse_ent	*ent;
	size_t			 nent, capent;
	int			 in_sub;	/* entity text is being added */
	size_t			 sub_start;
	struct feedparse_open	*open;
	size_t			 nopen, capopen;

	/* The last base a link was resolved against, parsed. */
	CURLU			*res_u;
	char			*res_base;
	char			*res_norm;	/* curl's writing of it */
	size_t			 res_olen, res_dlen;
};

/* Abort on out-of-memory: the host's wrappers are not available here. */
static void *
feedparse_malloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		abort();
	return p;
}

/* Copy S, or NULL. */
static char *
feedparse_strdup(const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	p = feedparse_malloc(n + 1);
	memcpy(p, s, n + 1);
	return p;
}

/* Format a newly allocated string. */
static char * __attribute__((format(printf, 1, 2)))
feedparse_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	s = feedparse_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Parse N digits at *P into *V and advance; -1 if they are not there. */
static int
feedparse_digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

/* Parse HH:MM[:SS] at *P into *H, *MI, *SEC (left as it was without
 * seconds) and advance: 1 with seconds, 0 without, -1 if it is not there. */
static int
feedparse_hms(const char **p, int *h, int *mi, int *sec)
{
	if (feedparse_digits(p, 2, h) != 0 || *(*p)++ != ':' ||
	    feedparse_digits(p, 2, mi) != 0)
		return -1;
	if (**p != ':')
		return 0;
	(*p)++;
	return feedparse_digits(p, 2, sec) != 0 ? -1 : 1;
}

/*
 * Seconds since the epoch of a UTC date and time, the fields taken as
 * timegm(3) takes them (out-of-range days or hours carry over).
 */
static int64_t
feedparse_epoch(int y, int mo, int d, int h, int mi, int s)
{
	int64_t era, yoe, doy, doe, days;

	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	return days * 86400 + h * 3600 + mi * 60 + s;
}

/* Is the word of three letters at S one of LIST's (case aside)? Its index. */
static int
feedparse_word3(const char *s, const char *list, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strncasecmp(s, list + i * 3, 3) == 0)
			return i;
	}
	return -1;
}

/*
 * The common RFC 822 form, strictly: "[Day, ]D Mon YYYY HH:MM[:SS] ZONE",
 * ZONE +HHMM, -HHMM, GMT, UT, UTC or Z. 0 for anything else, which
 * curl_getdate then reads (obsolete zones, two-digit years...).
 */
static int64_t
feedparse_date_822(const char *s)
{
	int d, mo, y, h, mi, sec = 0, oh, om, sign;
	long off = 0;
	int64_t t;

	if (isalpha((unsigned char)*s)) {
		if (feedparse_word3(s, "MonTueWedThuFriSatSun", 7) < 0 ||
		    s[3] != ',')
			return 0;
		for (s += 4; *s == ' '; s++)
			;
	}
	if (feedparse_digits(&s, isdigit((unsigned char)s[1]) ? 2 : 1,
	    &d) != 0 || *s++ != ' ')
		return 0;
	if ((mo = feedparse_word3(s, "JanFebMarAprMayJunJulAugSepOctNovDec",
	    12)) < 0 || s[3] != ' ')
		return 0;
	s += 4;
	if (feedparse_digits(&s, 4, &y) != 0 || *s++ != ' ' ||
	    feedparse_hms(&s, &h, &mi, &sec) < 0)
		return 0;
	if (*s++ != ' ')
		return 0;
	if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (feedparse_digits(&s, 2, &oh) != 0 ||
		    feedparse_digits(&s, 2, &om) != 0 || oh > 14 || om > 59)
			return 0;
		off = sign * (oh * 3600L + om * 60L);
	} else if (strcmp(s, "GMT") == 0 || strcmp(s, "UTC") == 0)
		s += 3;
	else if (strcmp(s, "UT") == 0)
		s += 2;
	else if (strcmp(s, "Z") == 0)
		s++;
	else
		return 0;
	if (*s != '\0' || d < 1 || d > 31 || y < 1970 || y > 9999 ||
	    h > 23 || mi > 59 || sec > 59)
		return 0;
	t = feedparse_epoch(y, mo + 1, d, h, mi, sec) - off;
	return t > 0 ? t : 0;
}

/* Parse an RFC 3339 / W3CDTF date; 0 when S is not one. */
static int64_t
feedparse_date_w3c(const char *s)
{
	int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, oh, om = 0, sign, n;
	long off = 0;
	int64_t t;

	if (feedparse_digits(&s, 4, &y) != 0)
		return 0;
	if (*s == '-') {
		s++;
		if (feedparse_digits(&s, 2, &mo) != 0)
			return 0;
		if (*s == '-') {
			s++;
			if (feedparse_digits(&s, 2, &d) != 0)
				return 0;
		}
	}
	if (*s == 'T' || *s == 't' || (*s == ' ' && isdigit((unsigned char)s[1]))) {
		s++;
		if ((n = feedparse_hms(&s, &h, &mi, &sec)) < 0)
			return 0;
		if (n == 1 && (*s == '.' || *s == ',')) {	/* fractions */
			s++;
			while (isdigit((unsigned char)*s))
				s++;
		}
		while (*s == ' ')
			s++;
		if (*s == 'Z' || *s == 'z')
			s++;
		else if (*s == '+' || *s == '-') {
			sign = *s++ == '-' ? -1 : 1;
			if (feedparse_digits(&s, 2, &oh) != 0)
				return 0;
			if (*s == ':')
				s++;
			if (isdigit((unsigned char)*s) &&
			    feedparse_digits(&s, 2, &om) != 0)
				return 0;
			off = sign * (oh * 3600L + om * 60L);
		}
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '\0')
		return 0;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 ||
	    sec > 60)
		return 0;
	t = feedparse_epoch(y, mo, d, h, mi, sec);
	if (t == -1)
		return 0;	/* as timegm(3) says when it fails */
	return t - off;
}

/* Parse a feed date: W3CDTF, then RFC 822, then whatever curl_getdate knows. */
int64_t
feedparse_date(const char *s)
{
	char buf[128];
	size_t n;
	int64_t t;
	time_t ct;

	if (s == NULL)
		return 0;
	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, s, n + 1);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	if ((t = feedparse_date_w3c(buf)) != 0 ||
	    (t = feedparse_date_822(buf)) != 0)
		return t;
	ct = curl_getdate(buf, NULL);
	if (ct == (time_t)-1)
		return 0;
	return (int64_t)ct;
}

/*
 * Resolve LINK against BASE (either may be NULL); a new string or NULL. An
 * absolute link, or one that cannot be resolved, is kept as written.
 */
static char *
feedparse_resolve(const char *base, const char *link)
{
	CURLU *u;
	char *out = NULL, *res = NULL;
	const char *p;

	if (link == NULL)
		return NULL;
	for (p = link; isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.'; p++)
		;
	if (base == NULL || (p != link && *p == ':'))
		return feedparse_strdup(link);
	u = curl_url();
	if (u == NULL)
		abort();
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, link, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
		res = feedparse_strdup(out);
	curl_free(out);
	curl_url_cleanup(u);
	return res != NULL ? res : feedparse_strdup(link);
}

/* Hash the title and date of an entry with no id nor link (FNV-1a). */
static char *
feedparse_hash_id(const char *title, const char *date, const char *text)
{
	const char *parts[3] = { title, date, text };
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;
	int i;

	for (i = 0; i < 3; i++) {
		for (p = (const unsigned char *)(parts[i] ? parts[i] : ""); *p; p++) {
			h ^= *p;
			h *= 1099511628211ULL;
		}
		h ^= 0xff;
		h *= 1099511628211ULL;
	}
	return feedparse_printf("hash:%016llx", (unsigned long long)h);
}

/* Hand one entry to the callback; the strings are the caller's. */
static int
feedparse_emit(feedparse_entry_fn fn, void *arg, const char *id,
    const char *url, const char *title, const char *author, const char *text,
    const char *date_pub, const char *date_upd)
{
	struct feedparse_entry e;
	char *hid = NULL;
	int rc;

	memset(&e, 0, sizeof e);
	e.published = feedparse_date(date_pub);
	if (e.published == 0)
		e.published = feedparse_date(date_upd);
	if (id == NULL)
		id = url;
	if (id == NULL)
		id = hid = feedparse_hash_id(title, date_pub ? date_pub : date_upd,
		    title == NULL ? text : NULL);
	e.id = id;
	e.url = url;
	e.title = title;
	e.author = author;
	e.text = text;
	rc = fn(&e, arg);
	free(hid);
	return rc;
}

/* Make room in B for N more bytes and a NUL. */
static void
feedparse_sb_room(struct feedparse_sb *b, size_t n)
{
	char *s;

	b->cap = (b->len + n + 1) * 2;
	if ((s = realloc(b->s, b->cap)) == NULL)
		abort();
	b->s = s;
}

/* Append N bytes of P to B. */
static inline void
feedparse_sb_add(struct feedparse_sb *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap)
		feedparse_sb_room(b, n);
	if (n == 1)
		b->s[b->len] = *p;
	else
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Append the N bytes at S to B with &, <, > (and " when QUOTE) escaped. */
static void
feedparse_sb_escape_q(struct feedparse_sb *b, const char *s, size_t n,
    int quote)
{
	const char *p, *end = s + n;

	for (p = s; p < end; p++) {
		if (*p == '&' || *p == '<' || *p == '>' || (quote && *p == '"')) {
			feedparse_sb_add(b, s, (size_t)(p - s));
			feedparse_sb_add(b, *p == '&' ? "&amp;" : *p == '<' ?
			    "&lt;" : *p == '>' ? "&gt;" : "&quot;", *p == '"' ?
			    6 : *p == '&' ? 5 : 4);
			s = p + 1;
		}
	}
	feedparse_sb_add(b, s, (size_t)(p - s));
}

/* Append the N bytes of text at S to B, escaped. */
static void
feedparse_sb_escape_n(struct feedparse_sb *b, const char *s, size_t n)
{
	feedparse_sb_escape_q(b, s, n, 0);
}

/* Append string S to B with &, <, > (and " when QUOTE) escaped. */
static void
feedparse_sb_escape(struct feedparse_sb *b, const char *s, int quote)
{
	feedparse_sb_escape_q(b, s, strlen(s), quote);
}

/* Is NAME an HTML element that has no content (written <br />)? */
static int
feedparse_html_void(const char *name)
{
	static const char *const names[] = { "area", "base", "basefont", "br",
	    "col", "command", "embed", "frame", "hr", "img", "input", "keygen",
	    "link", "meta", "param", "source", "track", "wbr", NULL };
	int i;

	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(name, names[i]) == 0)
			return 1;
	}
	return 0;
}

/* Decode base64 text S in place (white space ignored); S itself. */
static char *
feedparse_base64(char *s)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long acc = 0;
	size_t out = 0;
	const char *p, *c;
	int bits = 0;

	for (p = s; *p != '\0' && *p != '='; p++) {
		if ((c = strchr(alphabet, *p)) == NULL)
			continue;
		acc = (acc << 6) | (unsigned long)(c - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			s[out++] = (char)((acc >> bits) & 0xff);
		}
	}
	s[out] = '\0';
	return s;
}

/* Are the LEN bytes at S valid UTF-8? */
static int
feedparse_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	int n, i;

	while (p < end) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 2;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 3;
		else
			return 0;
		if (end - p <= n)
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		}
		p += n + 1;
	}
	return 1;
}

/* Are the LEN bytes at S all ASCII? A word at a time. */
static int
feedparse_ascii(const char *s, size_t len)
{
	uint64_t w, acc = 0;
	size_t i = 0;

	for (; i + 32 <= len; i += 32) {
		memcpy(&w, s + i, 8);
		acc |= w;
		memcpy(&w, s + i + 8, 8);
		acc |= w;
		memcpy(&w, s + i + 16, 8);
		acc |= w;
		memcpy(&w, s + i + 24, 8);
		acc |= w;
		if (acc & 0x8080808080808080ULL)
			return 0;
	}
	for (; i < len; i++)
		acc |= (unsigned char)s[i];
	return (acc & 0x8080808080808080ULL) == 0;
}

/* Is TYPE (an Atom type attribute) one whose content is base64? */
static int
feedparse_type_base64(const char *type)
{
	size_t n;

	if (type == NULL || strchr(type, '/') == NULL ||
	    strncmp(type, "text/", 5) == 0)
		return 0;
	n = strlen(type);
	return !(n >= 3 && strcmp(type + n - 3, "xml") == 0);
}

/*
 * The charset to read BUF in, or NULL to follow its BOM or declaration: the
 * HTTP CHARSET when given; else, when the document says UTF-8 (or nothing)
 * but is not valid UTF-8, Windows-1252 (which covers ISO-8859-1); and when it
 * says a Latin-1 charset but is valid UTF-8 with non-ASCII bytes, UTF-8; and
 * when it names a charset libxml2 does not know, one of those two.
 */
static const char *
feedparse_charset(const char *buf, size_t len, const char *charset)
{
	xmlCharEncodingHandlerPtr h = NULL;
	char decl[64];
	const char *p, *q, *end;
	size_t n;

	if (charset != NULL)
		return charset;
	if (len >= 2 && ((unsigned char)buf[0] >= 0xfe ||
	    memcmp(buf, "\xef\xbb\xbf", len < 3 ? len : 3) == 0 ||
	    buf[0] == '\0' || buf[1] == '\0'))
		return NULL;	/* a BOM or UTF-16/32: libxml2 knows */
	decl[0] = '\0';
	end = buf + (len < 256 ? len : 256);
	if (len > 5 && memcmp(buf, "<?xml", 5) == 0 &&
	    (q = memchr(buf, '>', (size_t)(end - buf))) != NULL) {
		for (p = buf; p + 9 < q; p++) {
			if (memcmp(p, "encoding", 8) != 0)
				continue;
			for (p += 8; p < q && (*p == ' ' || *p == '='); p++)
				;
			if (p < q && (*p == '"' || *p == '\''))
				p++;
			for (n = 0; p + n < q && p[n] != '"' && p[n] != '\'' &&
			    n + 1 < sizeof decl; n++)
				decl[n] = p[n];
			decl[n] = '\0';
			break;
		}
	}
	if (decl[0] != '\0' && (h = xmlFindCharEncodingHandler(decl)) == NULL)
		return feedparse_utf8(buf, len) ? "utf-8" : "windows-1252";
	if (h != NULL)
		xmlCharEncCloseFunc(h);
	if (feedparse_ascii(buf, len))
		return NULL;
	if (decl[0] == '\0' || strcasecmp(decl, "utf-8") == 0 ||
	    strcasecmp(decl, "utf8") == 0)
		return feedparse_utf8(buf, len) ? NULL : "windows-1252";
	if (strcasecmp(decl, "iso-8859-1") == 0 ||
	    strcasecmp(decl, "latin1") == 0 ||
	    strcasecmp(decl, "windows-1252") == 0 ||
	    strcasecmp(decl, "us-ascii") == 0)
		return feedparse_utf8(buf, len) ? "utf-8" : NULL;
	return NULL;
}

/* Make room for N more elements of SIZE bytes in the array at *P. */
static void
feedparse_grow(void **p, size_t *cap, size_t used, size_t n, size_t size)
{
	void *q;
	size_t want;

	if (used + n <= *cap)
		return;
	want = (used + n) * 2 + 8;
	if ((q = realloc(*p, want * size)) == NULL)
		abort();
	*p = q;
	*cap = want;
}

/* Empty B, keeping its memory; its string is "" afterwards. */
static void
feedparse_sb_reset(struct feedparse_sb *b)
{
	b->len = 0;
	if (b->s == NULL)
		feedparse_sb_add(b, "", 0);
	b->s[0] = '\0';
}

/* Trim white space off the LEN bytes at S in place: the start, or NULL. */
static char *
feedparse_trim_n(char *s, size_t len)
{
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	s[len] = '\0';
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0' ? NULL : s;
}

/* Record the first error libxml2 reports, and print none. */
static void
feedparse_xml_error(void *ctx, xmlErrorPtr err)
{
	struct feedparse_xml *x = ((xmlParserCtxtPtr)ctx)->_private;
	char *msg;

	/* x is NULL while the context is made (its encoding detected). */
	if (x == NULL || err == NULL || err->level < XML_ERR_ERROR ||
	    x->error != NULL)
		return;
	msg = feedparse_printf("line %d: %s", err->line,
	    err->message ? err->message : "XML error");
	x->error = msg;
	msg += strlen(msg);
	while (msg > x->error && (msg[-1] == '\n' || msg[-1] == '\r'))
		*--msg = '\0';
}

/* Note our own error (the first one wins) and stop the parser. */
static void
feedparse_xml_fail(struct feedparse_xml *x, const char *what)
{
	if (x->error == NULL)
		x->error = feedparse_strdup(what);
	xmlStopParser(x->ctxt);
}

/* Classify a namespace URI; the last one is remembered (names are interned). */
static enum feedparse_ns
feedparse_xml_ns(struct feedparse_xml *x, const xmlChar *uri)
{
	const char *ns = (const char *)uri;
	enum feedparse_ns c;

	if (uri == NULL)
		return FEEDPARSE_NS_CORE;
	if (uri == x->ns_uri)
		return x->ns_class;
	if (strcmp(ns, FEEDPARSE_NS_ATOM10) == 0 ||
	    strcmp(ns, FEEDPARSE_NS_ATOM03) == 0 ||
	    strcmp(ns, "http://purl.org/rss/1.0/") == 0 ||
	    strcmp(ns, "http://my.netscape.com/rdf/simple/0.9/") == 0 ||
	    strcmp(ns, "http://backend.userland.com/rss2") == 0 ||
	    strcmp(ns, "http://blogs.law.harvard.edu/tech/rss") == 0)
		c = FEEDPARSE_NS_CORE;
	else if (strcmp(ns, FEEDPARSE_NS_CONTENT) == 0)
		c = FEEDPARSE_NS_CONTENTMOD;
	else if (strcmp(ns, FEEDPARSE_NS_DC) == 0 ||
	    strcmp(ns, FEEDPARSE_NS_DCTERMS) == 0)
		c = FEEDPARSE_NS_DUBLIN;
	else if (strcasecmp(ns, FEEDPARSE_NS_ITUNES) == 0)
		c = FEEDPARSE_NS_PODCAST;
	else if (strcmp(ns, FEEDPARSE_NS_XHTML) == 0)
		c = FEEDPARSE_NS_HTML;
	else if (strcmp(ns, FEEDPARSE_NS_MEDIA) == 0)
		c = FEEDPARSE_NS_MRSS;
	else
		c = FEEDPARSE_NS_OTHER;
	x->ns_uri = uri;
	x->ns_class = c;
	return c;
}

/* The number of element name NAME, FEEDPARSE_N_OTHER when unknown. */
static enum feedparse_name
feedparse_name_of(const char *name)
{
	static const struct {
		const char		*s;
		enum feedparse_name	 n;
	} names[] = {
		{ "author", FEEDPARSE_N_AUTHOR },
		{ "body", FEEDPARSE_N_BODY },
		{ "content", FEEDPARSE_N_CONTENT },
		{ "created", FEEDPARSE_N_CREATED },
		{ "creator", FEEDPARSE_N_CREATOR },
		{ "date", FEEDPARSE_N_DATE },
		{ "description", FEEDPARSE_N_DESCRIPTION },
		{ "div", FEEDPARSE_N_DIV },
		{ "encoded", FEEDPARSE_N_ENCODED },
		{ "entry", FEEDPARSE_N_ENTRY },
		{ "fullitem", FEEDPARSE_N_FULLITEM },
		{ "guid", FEEDPARSE_N_GUID },
		{ "id", FEEDPARSE_N_ID },
		{ "issued", FEEDPARSE_N_ISSUED },
		{ "item", FEEDPARSE_N_ITEM },
		{ "link", FEEDPARSE_N_LINK },
		{ "managingEditor", FEEDPARSE_N_MANAGINGEDITOR },
		{ "modified", FEEDPARSE_N_MODIFIED },
		{ "name", FEEDPARSE_N_NAME },
		{ "pubDate", FEEDPARSE_N_PUBDATE },
		{ "published", FEEDPARSE_N_PUBLISHED },
		{ "source", FEEDPARSE_N_SOURCE },
		{ "summary", FEEDPARSE_N_SUMMARY },
		{ "tagline", FEEDPARSE_N_TAGLINE },
		{ "title", FEEDPARSE_N_TITLE },
		{ "updated", FEEDPARSE_N_UPDATED },
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (names[i].s[0] > name[0])
			break;
		if (names[i].s[0] == name[0] && strcmp(names[i].s, name) == 0)
			return names[i].n;
	}
	return FEEDPARSE_N_OTHER;
}

/*
 * The name the tree would give an element or attribute: its local name, or
 * "prefix:local" when the prefix is not declared (and so no namespace).
 */
static const char *
feedparse_xml_qname(struct feedparse_xml *x, const xmlChar *local,
    const xmlChar *prefix, const xmlChar *uri)
{
	const xmlChar *q;

	if (prefix == NULL || uri != NULL)
		return (const char *)local;
	q = xmlDictQLookup(x->ctxt->dict, prefix, local);
	return (const char *)(q != NULL ? q : local);
}

/*
 * The attribute LOCAL in namespace URI (NULL: in none, unprefixed) of a SAX2
 * start tag (N attributes at A, five pointers each), or NULL.
 */
static const xmlChar **
feedparse_xml_attr(int n, const xmlChar **a, const char *local,
    const char *uri)
{
	int i;

	for (i = 0; i < n; i++, a += 5) {
		if (strcmp((const char *)a[0], local) != 0)
			continue;
		if (uri == NULL ? a[1] == NULL && a[2] == NULL :
		    a[2] != NULL && strcmp((const char *)a[2], uri) == 0)
			return a;
	}
	return NULL;
}

/*
 * An attribute's value as a new string. Without entity substitution libxml2
 * leaves '&' as "&#38;" and other entities as references: those are
 * resolved here, as the tree does when it reads an attribute.
 */
static char *
feedparse_xml_attr_value(struct feedparse_xml *x, const xmlChar **a)
{
	const char *p = (const char *)a[3], *end = (const char *)a[4], *semi;
	struct feedparse_sb b;
	xmlEntityPtr ent;
	char name[128], u[8];
	unsigned long c;
	size_t n;
	int k;

	memset(&b, 0, sizeof b);
	feedparse_sb_add(&b, "", 0);
	while (p < end) {
		semi = *p == '&' ? memchr(p, ';', (size_t)(end - p)) : NULL;
		if (semi == NULL) {
			n = 1;
			while (p + n < end && p[n] != '&')
				n++;
			feedparse_sb_add(&b, p, n);
			p += n;
			continue;
		}
		if (p[1] == '#') {
			c = p[2] == 'x' ? strtoul(p + 3, NULL, 16) :
			    strtoul(p + 2, NULL, 10);
			k = xmlCopyCharMultiByte((xmlChar *)u, (int)c);
			if (k > 0)
				feedparse_sb_add(&b, u, (size_t)k);
		} else if ((n = (size_t)(semi - p - 1)) < sizeof name) {
			memcpy(name, p + 1, n);
			name[n] = '\0';
			ent = x->ctxt->myDoc != NULL ? xmlGetDocEntity(
			    x->ctxt->myDoc, (const xmlChar *)name) : NULL;
			if (ent != NULL && ent->content != NULL)
				feedparse_sb_add(&b, (const char *)ent->content,
				    strlen((const char *)ent->content));
		}
		p = semi + 1;
	}
	return b.s;
}

/* An attribute of a start tag as a new string, or NULL. */
static char *
feedparse_xml_attr_dup(struct feedparse_xml *x, int n, const xmlChar **a,
    const char *local, const char *uri)
{
	a = feedparse_xml_attr(n, a, local, uri);
	return a != NULL ? feedparse_xml_attr_value(x, a) : NULL;
}

/* The base URI of the current element (NULL when there is none). */
static const char *
feedparse_xml_base(struct feedparse_xml *x)
{
	if (x->nbase > 0)
		return (const char *)x->base[x->nbase - 1].uri;
	return x->ctxt->myDoc != NULL ? (const char *)x->ctxt->myDoc->URL :
	    NULL;
}

/*
 * Take the xml:base of an element starting at DEPTH, resolved against its
 * parent's base (as xmlNodeGetBase would for it and what is inside it).
 */
static void
feedparse_xml_base_push(struct feedparse_xml *x, int depth, int n,
    const xmlChar **a)
{
	const char *parent;
	char *v;
	xmlChar *uri;

	if (n == 0 || (v = feedparse_xml_attr_dup(x, n, a, "base",
	    (const char *)XML_XML_NAMESPACE)) == NULL)
		return;
	parent = feedparse_xml_base(x);
	if (parent != NULL)
		uri = xmlBuildURI((const xmlChar *)v, (const xmlChar *)parent);
	else if (x->nbase == 0 || strncmp(v, "http://", 7) == 0 ||
	    strncmp(v, "ftp://", 6) == 0 || strncmp(v, "urn:", 4) == 0)
		uri = xmlStrdup((const xmlChar *)v);
	else
		uri = NULL;
	free(v);
	feedparse_grow((void **)&x->base, &x->capbase, x->nbase, 1,
	    sizeof *x->base);
	x->base[x->nbase].depth = depth;
	x->base[x->nbase].uri = uri;
	x->nbase++;
}

/* Forget the xml:base of the element ending at DEPTH, if it had one. */
static void
feedparse_xml_base_pop(struct feedparse_xml *x, int depth)
{
	if (x->nbase > 0 && x->base[x->nbase - 1].depth == depth) {
		x->nbase--;
		xmlFree(x->base[x->nbase].uri);
	}
}

/*
 * Can LINK (relative, no scheme) be joined to a base by plain concatenation,
 * giving what curl would? It must be a path with no dot segments, of
 * characters curl keeps as they are, with at most a plain query or fragment.
 */
static int
feedparse_link_plain(const char *link)
{
	static const char ok[] = "-._~!$&'()*+,;=:@/%?#";
	const char *p, *seg;
	int path = 1, hashes = 0;

	if (link[0] == '\0' || link[0] == '?' || link[0] == '#' ||
	    (link[0] == '/' && link[1] == '/'))
		return 0;
	for (p = seg = link;; p++) {
		if (path && (*p == '/' || *p == '?' || *p == '#' || *p == '\0')) {
			if ((p - seg == 1 && seg[0] == '.') ||
			    (p - seg == 2 && seg[0] == '.' && seg[1] == '.'))
				return 0;	/* a dot segment */
			seg = p + 1;
			if (*p == '?' || *p == '#')
				path = 0;
		}
		if (*p == '\0')
			break;
		if (*p == '#')
			hashes++;
		if (*p == '%' && p[1] == '2' && (p[2] == 'e' || p[2] == 'E'))
			return 0;	/* maybe an encoded dot segment */
		if (!isalnum((unsigned char)*p) && strchr(ok, *p) == NULL)
			return 0;
	}
	return hashes <= 1 && p[-1] != '?' && p[-1] != '#' &&
	    strstr(link, "?#") == NULL;
}

/*
 * Take BASE as the base links resolve against: parsed by curl once, and
 * curl's own writing of it split into its origin ("https://host:port") and
 * directory (up to its path's last '/'), for the plain links.
 */
static void
feedparse_xml_resolve_base(struct feedparse_xml *x, const char *base)
{
	char *out = NULL, *p;

	free(x->res_base);
	x->res_base = feedparse_strdup(base);
	free(x->res_norm);
	x->res_norm = NULL;
	if (x->res_u == NULL && (x->res_u = curl_url()) == NULL)
		abort();
	if (curl_url_set(x->res_u, CURLUPART_URL, base, 0) != CURLUE_OK) {
		curl_url_cleanup(x->res_u);
		x->res_u = NULL;
		return;
	}
	if (curl_url_get(x->res_u, CURLUPART_URL, &out, 0) == CURLUE_OK &&
	    strpbrk(out, "?#") == NULL && (p = strstr(out, "://")) != NULL &&
	    (p = strchr(p + 3, '/')) != NULL) {
		x->res_norm = feedparse_strdup(out);
		x->res_olen = (size_t)(p - out);
		x->res_dlen = (size_t)(strrchr(out, '/') - out) + 1;
	}
	curl_free(out);
}

/*
 * Resolve LINK against the current base, as feedparse_resolve does: plain
 * links by concatenation, the others by curl, with the base parsed once.
 */
static char *
feedparse_xml_resolve(struct feedparse_xml *x, const char *link)
{
	const char *base = feedparse_xml_base(x), *p;
	CURLU *u;
	char *out = NULL, *res = NULL;
	size_t n, m;

	for (p = link; isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.'; p++)
		;
	if (base == NULL || (p != link && *p == ':'))
		return feedparse_strdup(link);
	if (x->res_base == NULL || strcmp(x->res_base, base) != 0)
		feedparse_xml_resolve_base(x, base);
	if (x->res_u == NULL)
		return feedparse_strdup(link);
	if (x->res_norm != NULL && feedparse_link_plain(link)) {
		n = link[0] == '/' ? x->res_olen : x->res_dlen;
		m = strlen(link);
		res = feedparse_malloc(n + m + 1);
		memcpy(res, x->res_norm, n);
		memcpy(res + n, link, m + 1);
		return res;
	}
	if ((u = curl_url_dup(x->res_u)) == NULL)
		abort();
	if (curl_url_set(u, CURLUPART_URL, link, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
		res = feedparse_strdup(out);
	curl_free(out);
	curl_url_cleanup(u);
	return res != NULL ? res : feedparse_strdup(link);
}

/*
 * Keep string S in SLOT unless it holds a value already. When S lies in the
 * value just read, the buffers are swapped instead of copied.
 */
static void
feedparse_xml_keep(struct feedparse_xml *x, enum feedparse_slot slot,
    const char *s)
{
	struct feedparse_sb *b = &x->slot[slot], swap;

	if (s == NULL || (x->set & (1u << slot)))
		return;
	x->set |= 1u << slot;
	if (x->val.s != NULL && s >= x->val.s && s < x->val.s + x->val.cap) {
		x->off[slot] = (size_t)(s - x->val.s);
		swap = *b;
		*b = x->val;
		x->val = swap;
		return;
	}
	x->off[slot] = 0;
	b->len = 0;
	feedparse_sb_add(b, s, strlen(s));
}

/* SLOT's value, or NULL. */
static const char *
feedparse_xml_get(struct feedparse_xml *x, enum feedparse_slot slot)
{
	return (x->set & (1u << slot)) ? x->slot[slot].s + x->off[slot] :
	    NULL;
}

/* The value of the first of slots A, B, C that holds one, or NULL;
 * FEEDPARSE_NSLOTS stands for no slot. */
static const char *
feedparse_xml_first(struct feedparse_xml *x, enum feedparse_slot a,
    enum feedparse_slot b, enum feedparse_slot c)
{
	const enum feedparse_slot order[3] = { a, b, c };
	const char *v;
	int i;

	for (i = 0; i < 3; i++)
		if (order[i] != FEEDPARSE_NSLOTS &&
		    (v = feedparse_xml_get(x, order[i])) != NULL)
			return v;
	return NULL;
}

/* Hand the item read so far over and forget it. */
static void
feedparse_xml_flush(struct feedparse_xml *x)
{
	const char *author, *text, *url, *id, *title;

	x->in_item = 0;
	if (!x->stop) {
		author = feedparse_xml_first(x, FEEDPARSE_AUTHOR,
		    FEEDPARSE_AUTHOR2, FEEDPARSE_FEED_AUTHOR);
		text = feedparse_xml_first(x, FEEDPARSE_CONTENT,
		    FEEDPARSE_SUMMARY, FEEDPARSE_SUMMARY2);
		url = feedparse_xml_first(x, FEEDPARSE_LINK,
		    FEEDPARSE_GUID_LINK, FEEDPARSE_NSLOTS);
		id = feedparse_xml_first(x, FEEDPARSE_ID, FEEDPARSE_ABOUT,
		    FEEDPARSE_NSLOTS);
		title = feedparse_xml_first(x, FEEDPARSE_TITLE,
		    FEEDPARSE_TITLE2, FEEDPARSE_NSLOTS);
		x->count++;
		if (feedparse_emit(x->fn, x->arg, id, url, title, author, text,
		    feedparse_xml_get(x, FEEDPARSE_DATE_PUB),
		    feedparse_xml_get(x, FEEDPARSE_DATE_UPD)) != 0) {
			x->stop = 1;
			xmlStopParser(x->ctxt);
		}
	}
	x->set &= ~FEEDPARSE_ITEM_SLOTS;
}

/* The name of the root element of the document in BUF (LEN bytes), its
 * length in *N: after the declaration, comments, processing instructions
 * and the DOCTYPE (with its internal subset). NULL when there is none. */
static const char *
feedparse_xml_root(const char *buf, size_t len, size_t *n)
{
	const char *p = buf, *end = buf + len, *q;
	int depth;

	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
			if ((q = memmem(p + 4, (size_t)(end - p - 4), "-->",
			    3)) == NULL)
				return NULL;
			p = q + 3;
		} else if (end - p >= 2 && p[1] == '?') {
			if ((q = memmem(p + 2, (size_t)(end - p - 2), "?>",
			    2)) == NULL)
				return NULL;
			p = q + 2;
		} else if (end - p >= 2 && p[1] == '!') {
			for (q = p + 2, depth = 0; q < end; q++) {
				if (*q == '[')
					depth++;
				else if (*q == ']')
					depth--;
				else if (*q == '>' && depth <= 0)
					break;
			}
			p = q;
		} else {
			for (q = ++p; q < end && !isspace((unsigned char)*q) &&
			    *q != '>' && *q != '/'; q++)
				;
			*n = (size_t)(q - p);
			return *n > 0 ? p : NULL;
		}
	}
	return NULL;
}

/* Whether the document in BUF (LEN bytes) ends before its root element
 * does: its last tag is not the root's end tag "</ROOT>" (a body cut short
 * on the way). A last "</ROOT" without its '>' counts as whole: what it
 * closes was all there. */
static int
feedparse_xml_is_cut(const char *buf, size_t len)
{
	const char *name;
	size_t i, n;

	if ((name = feedparse_xml_root(buf, len, &n)) == NULL)
		return 0;
	while (len > 0 && isspace((unsigned char)buf[len - 1]))
		len--;
	if (len > 0 && buf[len - 1] == '>')
		len--;
	for (i = len; i > 0 && buf[i - 1] != '<'; i--)
		;
	if (i == 0 || i >= len || buf[i] != '/' || len - i - 1 < n ||
	    memcmp(buf + i + 1, name, n) != 0)
		return 1;
	for (i += 1 + n; i < len; i++)
		if (!isspace((unsigned char)buf[i]))
			return 1;
	return 0;
}

/* Start reading the value of the element at DEPTH (N attributes at A). */
static void
feedparse_cap_begin(struct feedparse_xml *x, enum feedparse_cap cap,
    enum feedparse_slot slot, int depth, int n, const xmlChar **a)
{
	const xmlChar **ta;
	char *type, *mode;

	x->cap = cap;
	x->cap_slot = slot;
	x->cap_depth = depth;
	if (cap == FEEDPARSE_CAP_SKIP)
		return;
	x->html = x->elements = x->div = x->name_state = x->in_sub = 0;
	x->div_start = x->div_end = 0;
	x->nent = x->nopen = 0;
	feedparse_sb_reset(&x->val);
	feedparse_sb_reset(&x->name);
	x->xhtml = x->b64 = 0;
	if (n == 0)
		return;
	if ((ta = feedparse_xml_attr(n, a, "type", NULL)) != NULL) {
		type = feedparse_xml_attr_value(x, ta);
		x->xhtml = strcmp(type, "xhtml") == 0;
		x->b64 = feedparse_type_base64(type);
		free(type);
	}
	if ((ta = feedparse_xml_attr(n, a, "mode", NULL)) != NULL) {
		mode = feedparse_xml_attr_value(x, ta);
		x->b64 |= strcmp(mode, "base64") == 0;
		free(mode);
	}
}

/* Rewrite the text read so far as HTML: the value turned out to hold elements. */
static void
feedparse_cap_to_html(struct feedparse_xml *x)
{
	struct feedparse_sb *t = &x->tmp, swap;
	size_t at = 0, i;
	char save;

	x->html = 1;
	feedparse_sb_reset(t);
	for (i = 0; i < x->nent; i++) {
		save = x->val.s[x->ent[i].start];
		x->val.s[x->ent[i].start] = '\0';
		feedparse_sb_escape(t, x->val.s + at, 0);
		x->val.s[x->ent[i].start] = save;
		feedparse_sb_add(t, "&", 1);
		feedparse_sb_add(t, x->ent[i].name, strlen(x->ent[i].name));
		feedparse_sb_add(t, ";", 1);
		at = x->ent[i].end;
	}
	feedparse_sb_escape(t, x->val.s + at, 0);
	swap = x->val;
	x->val = *t;
	*t = swap;
}

/* A child node arrives in HTML: close the start tag of the innermost element. */
static void
feedparse_cap_child(struct feedparse_xml *x)
{
	struct feedparse_open *o;

	if (x->nopen == 0 || (o = &x->open[x->nopen - 1])->open)
		return;
	feedparse_sb_add(&x->val, ">", 1);
	o->open = 1;
	if (x->nopen == 1 && x->elements == 1)
		x->div_start = x->val.len;
}

/* An element starts inside the value: written as HTML. */
static void
feedparse_cap_element(struct feedparse_xml *x, const char *name, int depth,
    int n, const xmlChar **a)
{
	const char *aname;
	char *v, *res;
	int i;

	if (x->cap == FEEDPARSE_CAP_SKIP)
		return;
	if (depth == x->cap_depth + 1) {
		if (++x->elements == 1)
			x->div = strcmp(name, "div") == 0;
		if (x->cap == FEEDPARSE_CAP_AUTHOR && x->name_state == 0 &&
		    strcmp(name, "name") == 0) {
			x->name_state = 1;
			x->name_depth = depth;
		}
		if (!x->html)
			feedparse_cap_to_html(x);
	}
	feedparse_cap_child(x);
	feedparse_sb_add(&x->val, "<", 1);
	feedparse_sb_add(&x->val, name, strlen(name));
	for (i = 0; i < n; i++, a += 5) {
		aname = feedparse_xml_qname(x, a[0], a[1], a[2]);
		v = feedparse_xml_attr_value(x, a);
		res = NULL;
		if (strcmp(aname, "href") == 0 || strcmp(aname, "src") == 0)
			res = feedparse_xml_resolve(x, v);
		feedparse_sb_add(&x->val, " ", 1);
		feedparse_sb_add(&x->val, aname, strlen(aname));
		feedparse_sb_add(&x->val, "=\"", 2);
		feedparse_sb_escape(&x->val, res != NULL ? res : v, 1);
		feedparse_sb_add(&x->val, "\"", 1);
		free(res);
		free(v);
	}
	feedparse_grow((void **)&x->open, &x->capopen, x->nopen, 1,
	    sizeof *x->open);
	x->open[x->nopen].name = name;
	x->open[x->nopen].open = 0;
	x->nopen++;
}

/* An element inside the value ends at DEPTH. */
static void
feedparse_cap_element_end(struct feedparse_xml *x, int depth)
{
	struct feedparse_open *o;
	size_t start, end;

	if (x->cap == FEEDPARSE_CAP_SKIP || x->nopen == 0)
		return;
	if (x->name_state == 1 && depth == x->name_depth)
		x->name_state = 2;
	o = &x->open[--x->nopen];
	start = x->div_start;
	if (o->open) {
		end = x->val.len;
		feedparse_sb_add(&x->val, "</", 2);
		feedparse_sb_add(&x->val, o->name, strlen(o->name));
		feedparse_sb_add(&x->val, ">", 1);
	} else if (feedparse_html_void(o->name)) {
		feedparse_sb_add(&x->val, " />", 3);
		start = end = x->val.len;
	} else {
		feedparse_sb_add(&x->val, ">", 1);
		start = end = x->val.len;
		feedparse_sb_add(&x->val, "</", 2);
		feedparse_sb_add(&x->val, o->name, strlen(o->name));
		feedparse_sb_add(&x->val, ">", 1);
	}
	if (depth == x->cap_depth + 1 && x->elements == 1) {
		x->div_start = start;
		x->div_end = end;
	}
}

/*
 * The value read, finished: the inside of the lone <div> of Atom xhtml,
 * base64 decoded when the element says so, trimmed; NULL when empty.
 */
static char *
feedparse_cap_value(struct feedparse_xml *x)
{
	char *s = x->val.s;
	size_t len = x->val.len;

	if (x->html && x->elements == 1 && x->xhtml && x->div) {
		s += x->div_start;
		len = x->div_end - x->div_start;
	} else if (!x->html && x->b64) {
		feedparse_base64(s);
		len = strlen(s);
		if (!feedparse_utf8(s, len))
			return NULL;	/* binary: not text */
	}
	return feedparse_trim_n(s, len);
}

/* The element whose value was read ends: keep what it says. */
static void
feedparse_cap_end(struct feedparse_xml *x)
{
	enum feedparse_cap cap = x->cap;
	char *v, *res;

	x->cap = FEEDPARSE_CAP_NONE;
	if (cap == FEEDPARSE_CAP_SKIP)
		return;
	while (x->nopen > 0)	/* cut short: close what is open */
		feedparse_cap_element_end(x, x->cap_depth + (int)x->nopen);
	if (cap == FEEDPARSE_CAP_AUTHOR && x->name_state != 0) {
		feedparse_xml_keep(x, x->cap_slot, feedparse_trim_n(x->name.s,
		    x->name.len));
		return;
	}
	v = feedparse_cap_value(x);
	switch (cap) {
	case FEEDPARSE_CAP_LINK:
		if (v != NULL && feedparse_xml_get(x, FEEDPARSE_LINK) == NULL) {
			res = feedparse_xml_resolve(x, v);
			feedparse_xml_keep(x, FEEDPARSE_LINK, res);
			free(res);
		}
		break;
	case FEEDPARSE_CAP_GUID:
		if (v != NULL && x->guid && !x->perm_false &&
		    (strncmp(v, "http://", 7) == 0 ||
		    strncmp(v, "https://", 8) == 0))
			feedparse_xml_keep(x, FEEDPARSE_GUID_LINK, v);
		feedparse_xml_keep(x, FEEDPARSE_ID, v);
		break;
	default:
		feedparse_xml_keep(x, x->cap_slot, v);
		break;
	}
}

/* Start reading into SLOT, or walk past when it holds a value already. */
static void
feedparse_xml_into(struct feedparse_xml *x, enum feedparse_slot slot,
    int depth, int n, const xmlChar **a)
{
	feedparse_cap_begin(x, (x->set & (1u << slot)) ? FEEDPARSE_CAP_SKIP :
	    FEEDPARSE_CAP_VALUE, slot, depth, n, a);
}

/* An Atom <link href>: keep the alternate one, resolved against its base. */
static void
feedparse_xml_atom_link(struct feedparse_xml *x, int n, const xmlChar **a,
    const xmlChar **href)
{
	char *rel, *v, *t, *res;

	rel = feedparse_xml_attr_dup(x, n, a, "rel", NULL);
	if ((rel == NULL || strcmp(rel, "alternate") == 0) &&
	    feedparse_xml_get(x, FEEDPARSE_LINK) == NULL) {
		v = feedparse_xml_attr_value(x, href);
		if ((t = feedparse_trim_n(v, strlen(v))) != NULL) {
			res = feedparse_xml_resolve(x, t);
			feedparse_xml_keep(x, FEEDPARSE_LINK, res);
			free(res);
		}
		free(v);
	}
	free(rel);
}

/* An element of the core vocabulary (RSS, Atom) directly in an item. */
static void
feedparse_xml_core(struct feedparse_xml *x, enum feedparse_name tok,
    int depth, int n, const xmlChar **a)
{
	const xmlChar **href;
	char *perm;

	if (tok == FEEDPARSE_N_TITLE)
		feedparse_xml_into(x, FEEDPARSE_TITLE, depth, n, a);
	else if (tok == FEEDPARSE_N_LINK) {
		if ((href = feedparse_xml_attr(n, a, "href", NULL)) != NULL) {
			feedparse_xml_atom_link(x, n, a, href);
			feedparse_cap_begin(x, FEEDPARSE_CAP_SKIP, 0, depth, 0,
			    NULL);
		} else
			feedparse_cap_begin(x, feedparse_xml_get(x,
			    FEEDPARSE_LINK) != NULL ? FEEDPARSE_CAP_SKIP :
			    FEEDPARSE_CAP_LINK, FEEDPARSE_LINK, depth, n, a);
	} else if (tok == FEEDPARSE_N_GUID || tok == FEEDPARSE_N_ID) {
		feedparse_cap_begin(x, FEEDPARSE_CAP_GUID, FEEDPARSE_ID, depth,
		    n, a);
		x->guid = tok == FEEDPARSE_N_GUID;
		perm = feedparse_xml_attr_dup(x, n, a, "isPermaLink", NULL);
		x->perm_false = perm != NULL && strcmp(perm, "false") == 0;
		free(perm);
	} else if (tok == FEEDPARSE_N_DESCRIPTION ||
	    tok == FEEDPARSE_N_SUMMARY || tok == FEEDPARSE_N_TAGLINE)
		feedparse_xml_into(x, FEEDPARSE_SUMMARY, depth, n, a);
	else if (tok == FEEDPARSE_N_CONTENT || tok == FEEDPARSE_N_BODY ||
	    tok == FEEDPARSE_N_FULLITEM)
		feedparse_xml_into(x, FEEDPARSE_CONTENT, depth, n, a);
	else if (tok == FEEDPARSE_N_PUBDATE ||
	    tok == FEEDPARSE_N_PUBLISHED || tok == FEEDPARSE_N_ISSUED ||
	    tok == FEEDPARSE_N_CREATED)
		feedparse_xml_into(x, FEEDPARSE_DATE_PUB, depth, n, a);
	else if (tok == FEEDPARSE_N_UPDATED || tok == FEEDPARSE_N_MODIFIED)
		feedparse_xml_into(x, FEEDPARSE_DATE_UPD, depth, n, a);
	else if (tok == FEEDPARSE_N_AUTHOR)
		feedparse_cap_begin(x, feedparse_xml_get(x, FEEDPARSE_AUTHOR) !=
		    NULL ? FEEDPARSE_CAP_SKIP : FEEDPARSE_CAP_AUTHOR,
		    FEEDPARSE_AUTHOR, depth, n, a);
	else if (tok == FEEDPARSE_N_SOURCE)	/* not the entry's fields */
		feedparse_cap_begin(x, FEEDPARSE_CAP_SKIP, 0, depth, 0, NULL);
}

/* An element directly in an item: start reading it when it is a field. */
static void
feedparse_xml_field(struct feedparse_xml *x, enum feedparse_name tok,
    enum feedparse_ns ns, int depth, int n, const xmlChar **a)
{
	switch (ns) {
	case FEEDPARSE_NS_CORE:
		feedparse_xml_core(x, tok, depth, n, a);
		break;
	case FEEDPARSE_NS_CONTENTMOD:
		if (tok == FEEDPARSE_N_ENCODED)
			feedparse_xml_into(x, FEEDPARSE_CONTENT, depth, n, a);
		break;
	case FEEDPARSE_NS_DUBLIN:
		if (tok == FEEDPARSE_N_CREATOR || tok == FEEDPARSE_N_AUTHOR)
			feedparse_xml_into(x, FEEDPARSE_AUTHOR, depth, n, a);
		else if (tok == FEEDPARSE_N_DATE ||
		    tok == FEEDPARSE_N_ISSUED || tok == FEEDPARSE_N_CREATED)
			feedparse_xml_into(x, FEEDPARSE_DATE_PUB, depth, n, a);
		else if (tok == FEEDPARSE_N_MODIFIED)
			feedparse_xml_into(x, FEEDPARSE_DATE_UPD, depth, n, a);
		else if (tok == FEEDPARSE_N_TITLE)
			feedparse_xml_into(x, FEEDPARSE_TITLE, depth, n, a);
		else if (tok == FEEDPARSE_N_DESCRIPTION)
			feedparse_xml_into(x, FEEDPARSE_SUMMARY, depth, n, a);
		break;
	case FEEDPARSE_NS_PODCAST:
		if (tok == FEEDPARSE_N_AUTHOR)
			feedparse_xml_into(x, FEEDPARSE_AUTHOR2, depth, n, a);
		else if (tok == FEEDPARSE_N_SUMMARY)
			feedparse_xml_into(x, FEEDPARSE_SUMMARY2, depth, n, a);
		break;
	case FEEDPARSE_NS_HTML:
		if (tok == FEEDPARSE_N_BODY || tok == FEEDPARSE_N_DIV)
			feedparse_xml_into(x, FEEDPARSE_CONTENT, depth, n, a);
		break;
	case FEEDPARSE_NS_MRSS:
		if (tok == FEEDPARSE_N_TITLE)
			feedparse_xml_into(x, FEEDPARSE_TITLE2, depth, n, a);
		break;
	case FEEDPARSE_NS_OTHER:	/* a foreign extension: walk past */
		feedparse_cap_begin(x, FEEDPARSE_CAP_SKIP, 0, depth, 0, NULL);
		break;
	}
}

/* Outside items: a feed-level author (managingEditor, dc:creator, author). */
static void
feedparse_xml_feed_field(struct feedparse_xml *x, enum feedparse_name tok,
    enum feedparse_ns ns, int depth, int n, const xmlChar **a)
{
	enum feedparse_cap cap;

	if ((ns == FEEDPARSE_NS_CORE && tok == FEEDPARSE_N_MANAGINGEDITOR) ||
	    (ns == FEEDPARSE_NS_DUBLIN && tok == FEEDPARSE_N_CREATOR))
		cap = FEEDPARSE_CAP_VALUE;
	else if (ns == FEEDPARSE_NS_CORE && tok == FEEDPARSE_N_AUTHOR &&
	    depth <= 2)
		cap = FEEDPARSE_CAP_AUTHOR;
	else
		return;
	if (feedparse_xml_get(x, FEEDPARSE_FEED_AUTHOR) != NULL)
		cap = FEEDPARSE_CAP_SKIP;
	feedparse_cap_begin(x, cap, FEEDPARSE_FEED_AUTHOR, depth, n, a);
}

/*
 * Is a node at DEPTH, outside the values read, too deep? Then the parse
 * stops there, and the item it is in is dropped. (Inside a value, libxml2's
 * own depth limit holds.)
 */
static int
feedparse_xml_deep(struct feedparse_xml *x, int depth)
{
	if (depth <= FEEDPARSE_MAX_DEPTH || x->cap != FEEDPARSE_CAP_NONE)
		return 0;
	if (x->error == NULL)
		x->error = feedparse_printf("deeper than %d elements",
		    FEEDPARSE_MAX_DEPTH);
	x->halt = 1;
	xmlStopParser(x->ctxt);
	return 1;
}

/* SAX2: an element starts. Those inside entity text are the entity's. */
static void
feedparse_sax_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **nss, int n, int ndef,
    const xmlChar **a)
{
	struct feedparse_xml *x = ((xmlParserCtxtPtr)ctx)->_private;
	enum feedparse_ns ns;
	enum feedparse_name tok;
	const char *name;
	char *about;
	int depth;

	(void)nns;
	(void)nss;
	if (x == NULL || ctx != x->ctxt || x->stop || x->halt)
		return;
	n -= ndef;	/* attribute defaults from the DTD are not the tree's */
	x->root = 1;
	if (x->depth > FEEDPARSE_MAX_DEPTH) {
		/* libxml2 stops its tree there; it is cut short here too. */
		if (x->error == NULL)
			x->error = feedparse_printf("line %d: Excessive depth "
			    "in document: %d use XML_PARSE_HUGE option",
			    xmlSAX2GetLineNumber(ctx), FEEDPARSE_MAX_DEPTH);
		xmlStopParser(x->ctxt);
		return;
	}
	depth = x->depth++;
	x->textrun = 0;
	feedparse_xml_base_push(x, depth, n, a);
	name = feedparse_xml_qname(x, local, prefix, uri);
	if (x->cap != FEEDPARSE_CAP_NONE) {
		feedparse_cap_element(x, name, depth, n, a);
		return;
	}
	ns = feedparse_xml_ns(x, uri);
	if (x->in_item) {
		if (depth == x->item_depth + 1)
			feedparse_xml_field(x, feedparse_name_of(name), ns, depth,
			    n, a);
		return;
	}
	tok = feedparse_name_of(name);
	if (ns == FEEDPARSE_NS_CORE && (tok == FEEDPARSE_N_ITEM ||
	    tok == FEEDPARSE_N_ENTRY)) {
		x->in_item = 1;
		x->item_depth = depth;
		x->set &= ~FEEDPARSE_ITEM_SLOTS;
		about = feedparse_xml_attr_dup(x, n, a, "about",
		    FEEDPARSE_NS_RDF);
		if (about != NULL)
			feedparse_xml_keep(x, FEEDPARSE_ABOUT,
			    feedparse_trim_n(about, strlen(about)));
		free(about);
	} else
		feedparse_xml_feed_field(x, tok, ns, depth, n, a);
}

/* An element ends at the current depth (from SAX2, or at a cut). */
static void
feedparse_xml_end(struct feedparse_xml *x)
{
	int depth = --x->depth;

	x->textrun = 0;
	if (x->cap != FEEDPARSE_CAP_NONE) {
		if (depth == x->cap_depth)
			feedparse_cap_end(x);
		else
			feedparse_cap_element_end(x, depth);
	} else if (x->in_item && depth == x->item_depth)
		feedparse_xml_flush(x);
	feedparse_xml_base_pop(x, depth);
}

/* SAX2: an element ends. */
static void
feedparse_sax_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct feedparse_xml *x = ((xmlParserCtxtPtr)ctx)->_private;

	(void)local;
	(void)prefix;
	(void)uri;
	if (x == NULL || ctx != x->ctxt || x->stop || x->halt || x->depth == 0)
		return;
	feedparse_xml_end(x);
}

/* SAX2: text, CDATA included; or the replacement text of an entity. */
static void
feedparse_sax_text(void *ctx, const xmlChar *ch, int len)
{
	struct feedparse_xml *x = ((xmlParserCtxtPtr)ctx)->_private;
	size_t n = (size_t)len;

	if (x == NULL || x->stop || x->halt || (ctx == x->ctxt &&
	    feedparse_xml_deep(x, x->depth)))
		return;
	if (ctx != x->ctxt) {
		x->expanded += n;
		if (x->expanded > FEEDPARSE_MAX_EXPANSION(x->len)) {
			x->nomore = 1;
			feedparse_xml_fail(x, "entity expansion too big");
			return;
		}
	} else if ((x->textrun += n) > XML_MAX_TEXT_LENGTH) {
		/* As libxml2's tree does: the error noted, the value dropped. */
		if (x->error == NULL)
			x->error = feedparse_printf("line %d: text node too big",
			    xmlSAX2GetLineNumber(ctx));
		if (x->cap != FEEDPARSE_CAP_NONE)
			x->cap = FEEDPARSE_CAP_SKIP;
		return;
	}
	if (x->cap == FEEDPARSE_CAP_NONE || x->cap == FEEDPARSE_CAP_SKIP)
		return;
	if (x->name_state == 1)
		feedparse_sb_add(&x->name, (const char *)ch, n);
	if (ctx != x->ctxt) {
		if (x->html)
			return;	/* the reference stands for it */
		if (!x->in_sub) {
			x->in_sub = 1;
			x->sub_start = x->val.len;
		}
		feedparse_sb_add(&x->val, (const char *)ch, n);
	} else if (!x->html)
		feedparse_sb_add(&x->val, (const char *)ch, n);
	else {
		feedparse_cap_child(x);
		feedparse_sb_escape_n(&x->val, (const char *)ch, n);
	}
}

/* SAX2: an entity reference, after its replacement text (if any) came. */
static void
feedparse_sax_reference(void *ctx, const xmlChar *name)
{
	struct feedparse_xml *x = ((xmlParserCtxtPtr)ctx)->_private;
	struct feedparse_ent *e;

	if (x == NULL || ctx != x->ctxt || x->stop || x->halt ||
	    feedparse_xml_deep(x, x->depth))
		return;
	x->textrun = 0;
	if (x->cap == FEEDPARSE_CAP_NONE || x->cap == FEEDPARSE_CAP_SKIP) {
		x->in_sub = 0;
		return;
	}
	if (x->html) {
		feedparse_cap_child(x);
		feedparse_sb_add(&x->val, "&", 1);
		feedparse_sb_add(&x->val, (const char *)name,
		    strlen((const char *)name));
		feedparse_sb_add(&x->val, ";", 1);
		return;
	}
	feedparse_grow((void **)&x->ent, &x->capent, x->nent, 1,
	    sizeof *x->ent);
	e = &x->ent[x->nent++];
	e->start = x->in_sub ? x->sub_start : x->val.len;
	e->end = x->val.len;
	e->name = (const char *)name;
	x->in_sub = 0;
}

/* SAX2: a comment or processing instruction, a child node but no text. */
static void
feedparse_sax_other(struct feedparse_xml *x, void *ctx)
{
	if (x == NULL || ctx != x->ctxt || x->stop || x->halt ||
	    feedparse_xml_deep(x, x->depth))
		return;
	x->textrun = 0;
	if (x->cap != FEEDPARSE_CAP_NONE && x->cap != FEEDPARSE_CAP_SKIP &&
	    x->html)
		feedparse_cap_child(x);
}

/* SAX2: a comment. */
static void
feedparse_sax_comment(void *ctx, const xmlChar *value)
{
	(void)value;
	feedparse_sax_other(((xmlParserCtxtPtr)ctx)->_private, ctx);
}

/* SAX2: a processing instruction. */
static void
feedparse_sax_pi(void *ctx, const xmlChar *target, const xmlChar *data)
{
	(void)target;
	(void)data;
	feedparse_sax_other(((xmlParserCtxtPtr)ctx)->_private, ctx);
}

/* SAX2: an entity is looked up; none once expansion went too far. */
static xmlEntityPtr
feedparse_sax_entity(void *ctx, const xmlChar *name)
{
	struct feedparse_xml *x = ((xmlParserCtxtPtr)ctx)->_private;

	if (x != NULL && x->nomore)
		return NULL;
	return xmlSAX2GetEntity(ctx, name);
}

/*
 * The SAX2 handler: libxml2's own for the prolog and DTD (so that internal
 * entities are declared, and nothing external is loaded), ours for the
 * content. No tree is built.
 */
static void
feedparse_sax_init(xmlSAXHandler *h)
{
	xmlSAXVersion(h, 2);
	h->startElementNs = feedparse_sax_start;
	h->endElementNs = feedparse_sax_end;
	h->characters = feedparse_sax_text;
	h->ignorableWhitespace = feedparse_sax_text;
	h->cdataBlock = feedparse_sax_text;
	h->reference = feedparse_sax_reference;
	h->comment = feedparse_sax_comment;
	h->processingInstruction = feedparse_sax_pi;
	h->getEntity = feedparse_sax_entity;
	h->externalSubset = NULL;	/* never loaded */
	h->resolveEntity = NULL;
	h->serror = feedparse_xml_error;
	h->error = NULL;
	h->warning = NULL;
	h->fatalError = NULL;
}

/* Free what a parse holds. */
static void
feedparse_xml_free(struct feedparse_xml *x)
{
	int i;

	for (i = 0; i < FEEDPARSE_NSLOTS; i++)
		free(x->slot[i].s);
	while (x->nbase > 0)
		xmlFree(x->base[--x->nbase].uri);
	free(x->base);
	free(x->val.s);
	free(x->name.s);
	free(x->tmp.s);
	free(x->ent);
	free(x->open);
	free(x->res_base);
	free(x->res_norm);
	if (x->res_u != NULL)
		curl_url_cleanup(x->res_u);
}

/*
 * Parse an XML feed in one pass with libxml2's SAX2 parser in recover mode:
 * a broken document is read as far as it goes, the item it breaks in is
 * delivered with what it has, and the first error is reported.
 */
static int
feedparse_xml(const char *buf, size_t len, const char *url,
    const char *charset, feedparse_entry_fn fn, void *arg, char **cause)
{
	struct feedparse_xml x;
	xmlCharEncodingHandlerPtr handler;
	xmlParserCtxtPtr ctxt;
	xmlSAXHandler sax;
	int options;

	memset(&x, 0, sizeof x);
	x.fn = fn;
	x.arg = arg;
	x.len = len;
	charset = feedparse_charset(buf, len, charset);
	/*
	 * RECOVER: a broken feed is read as far as it goes. NONET: never fetch
	 * anything. No NOENT and no DTDLOAD: external entities and DTDs are never
	 * loaded, and libxml2's entity-amplification checks stay on (no HUGE, so
	 * its depth and size limits stay on too). NOCDATA: CDATA is text.
	 * NOERROR, NOWARNING: nothing on stderr, errors reach feedparse_xml_error.
	 */
	options = XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOCDATA |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	/* IGNORE_ENC: the HTTP charset wins over the XML declaration. */
	if (charset != NULL)
		options |= XML_PARSE_IGNORE_ENC;
	/*
	 * The push parser, given the whole document at once: it reads CDATA in
	 * blocks where the pull parser goes character by character.
	 */
	feedparse_sax_init(&sax);
	ctxt = xmlCreatePushParserCtxt(&sax, NULL, buf, len < 4 ? (int)len : 4,
	    url);
	if (ctxt == NULL) {
		*cause = feedparse_strdup("cannot create the XML parser");
		return -1;
	}
	ctxt->_private = &x;
	x.ctxt = ctxt;
	xmlCtxtUseOptions(ctxt, options);
	if (charset != NULL &&
	    (handler = xmlFindCharEncodingHandler(charset)) != NULL)
		xmlSwitchToEncoding(ctxt, handler);
	xmlParseChunk(ctxt, buf + (len < 4 ? len : 4),
	    len < 4 ? 0 : (int)len - 4, 1);
	/*
	 * An entry still open at the end. In a document cut short (a body
	 * truncated on the way: it does not end with its root's end tag) it
	 * is dropped: handed over with part of its text, it would count as
	 * seen and the whole entry, in the next good body, would never be.
	 * Otherwise (a whole document that failed to close it) it is closed
	 * and handed over, as the tree of what was read has it.
	 */
	if (x.in_item && !x.stop && !x.halt && feedparse_xml_is_cut(buf, len)) {
		x.in_item = 0;
		x.set &= ~FEEDPARSE_ITEM_SLOTS;
		if (x.error == NULL)
			x.error = feedparse_strdup("the document is cut short: "
			    "its last entry is left for a whole body");
	} else if (x.in_item && !x.stop && !x.halt) {
		if (x.in_sub) {	/* an entity cut short gives nothing */
			x.val.len = x.sub_start;
			x.val.s[x.val.len] = '\0';
		}
		while (x.in_item && x.depth > x.item_depth)
			feedparse_xml_end(&x);
	}
	if (x.error == NULL && (!ctxt->wellFormed ||
	    (ctxt->errNo != XML_ERR_OK && ctxt->errNo != XML_ERR_USER_STOP)))
		x.error = feedparse_strdup("XML error");
	if (ctxt->myDoc != NULL) {
		xmlFreeDoc(ctxt->myDoc);
		ctxt->myDoc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	feedparse_xml_free(&x);
	if (!x.root && x.count == 0) {
		*cause = x.error != NULL ? x.error :
		    feedparse_strdup("not an XML document");
		return -1;
	}
	*cause = x.error;
	return x.count;
}

/* Parse a JSON Feed 1.0/1.1 document. */
static int
feedparse_json(const char *buf, size_t len, const char *url,
    feedparse_entry_fn fn, void *arg, char **cause)
{
	cJSON *doc, *items, *item, *a;
	const char *id, *link, *name, *text, *base, *fauthor = NULL;
	char *res, *idbuf;
	int count = 0;

	doc = cJSON_ParseWithLength(buf, len);
	if (doc == NULL || !cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		*cause = feedparse_strdup("not a JSON Feed: invalid JSON");
		return -1;
	}
	items = cJSON_GetObjectItemCaseSensitive(doc, "items");
	if (!cJSON_IsArray(items)) {
		cJSON_Delete(doc);
		*cause = feedparse_strdup("not a JSON Feed: no items array");
		return -1;
	}
	base = url != NULL ? url : jsonget_nonempty(doc, "feed_url");
	if ((a = cJSON_GetObjectItemCaseSensitive(doc, "author")) != NULL)
		fauthor = jsonget_nonempty(a, "name");
	a = cJSON_GetObjectItemCaseSensitive(doc, "authors");
	if (fauthor == NULL && cJSON_IsArray(a))
		fauthor = jsonget_nonempty(cJSON_GetArrayItem(a, 0), "name");
	cJSON_ArrayForEach(item, items) {
		if (!cJSON_IsObject(item))
			continue;
		idbuf = NULL;
		a = cJSON_GetObjectItemCaseSensitive(item, "id");
		id = jsonget_nonempty(item, "id");
		if (id == NULL && cJSON_IsNumber(a))
			id = idbuf = feedparse_printf("%.17g", a->valuedouble);
		link = jsonget_nonempty(item, "url");
		if (link == NULL)
			link = jsonget_nonempty(item, "external_url");
		res = feedparse_resolve(base, link);
		name = NULL;
		if ((a = cJSON_GetObjectItemCaseSensitive(item, "authors")) != NULL &&
		    cJSON_IsArray(a))
			name = jsonget_nonempty(cJSON_GetArrayItem(a, 0), "name");
		if (name == NULL &&
		    (a = cJSON_GetObjectItemCaseSensitive(item, "author")) != NULL)
			name = jsonget_nonempty(a, "name");
		if (name == NULL)
			name = fauthor;
		text = jsonget_nonempty(item, "content_html");
		if (text == NULL)
			text = jsonget_nonempty(item, "content_text");
		if (text == NULL)
			text = jsonget_nonempty(item, "summary");
		count++;
		if (feedparse_emit(fn, arg, id, res, jsonget_nonempty(item,
		    "title"), name, text, jsonget_nonempty(item,
		    "date_published"), jsonget_nonempty(item,
		    "date_modified")) != 0) {
			free(res);
			free(idbuf);
			break;
		}
		free(res);
		free(idbuf);
	}
	cJSON_Delete(doc);
	*cause = NULL;
	return count;
}

/* Parse a feed: JSON Feed when it starts with '{', XML otherwise. */
int
feedparse_parse(const char *buf, size_t len, const char *url,
    const char *charset, feedparse_entry_fn fn, void *arg, char **cause)
{
	size_t i = 0;

	*cause = NULL;
	if (len > FEEDPARSE_MAX_INPUT || len > (size_t)0x7fffffff) {
		*cause = feedparse_printf("feed too big (%zu bytes, at most %u)",
		    len, FEEDPARSE_MAX_INPUT);
		return -1;
	}
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	if (i == len) {
		*cause = feedparse_strdup("empty document");
		return -1;
	}
	if (buf[i] == '{')
		return feedparse_json(buf + i, len - i, url, fn, arg, cause);
	return feedparse_xml(buf, len, url, charset, fn, arg, cause);
}

/* The xmlUrl outlines of an OPML document in BUF. */
static int
feedparse_opml(const char *buf, size_t len,
    void (*fn)(const char *url, void *arg), void *arg, char **cause)
{
	xmlTextReaderPtr r;
	xmlChar *v;
	int n = 0, rc;

	r = xmlReaderForMemory(buf, (int)len, NULL, NULL, XML_PARSE_RECOVER |
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (r == NULL) {
		*cause = feedparse_strdup("cannot create the XML reader");
		return -1;
	}
	while ((rc = xmlTextReaderRead(r)) == 1) {
		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT ||
		    xmlTextReaderDepth(r) > FEEDPARSE_MAX_DEPTH ||
		    strcasecmp((const char *)xmlTextReaderConstLocalName(r),
		    "outline") != 0)
			continue;
		if ((v = xmlTextReaderGetAttribute(r, BAD_CAST "xmlUrl")) == NULL)
			v = xmlTextReaderGetAttribute(r, BAD_CAST "xmlurl");
		if (v != NULL && v[0] != '\0') {
			fn((const char *)v, arg);
			n++;
		}
		xmlFree(v);
	}
	xmlFreeTextReader(r);
	if (rc == -1 && n == 0) {
		*cause = feedparse_strdup("broken OPML document");
		return -1;
	}
	return n;
}

int
feedparse_list(const char *buf, size_t len,
    void (*fn)(const char *url, void *arg), void *arg, char **cause)
{
	const char *p = buf, *end = buf + len, *eol, *a, *b;
	char line[4096];
	int n = 0;

	*cause = NULL;
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n' || (unsigned char)*p == 0xef || (unsigned char)*p == 0xbb ||
	    (unsigned char)*p == 0xbf))
		p++;
	if (p < end && *p == '<')
		return feedparse_opml(buf, len, fn, arg, cause);
	for (p = buf; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		for (a = p; a < eol && (*a == ' ' || *a == '\t'); a++)
			;
		for (b = a; b < eol && *b != '#' && *b != ' ' && *b != '\t' &&
		    *b != '\r'; b++)
			;
		if (b > a && (size_t)(b - a) < sizeof(line)) {
			memcpy(line, a, (size_t)(b - a));
			line[b - a] = '\0';
			fn(line, arg);
			n++;
		}
	}
	return n;
}
