/*
 * feedparse.c - the feed parser shared by the feed plugin and mentionctl:
 * RSS 0.9x/2.0, RSS 1.0/RDF and Atom 0.3/1.0 read with libxml2's streaming
 * xmlReader, JSON Feed 1.0/1.1 with cJSON, and the date formats feeds use.
 *
 * The XML reader walks the document once. Outside an item it only notes the
 * feed-level author; at an item (RSS item, Atom entry) it collects the fields
 * it knows, each from its element's subtree (expanded, then skipped), and
 * hands the entry over at the item's end. Unknown elements are walked past.
 * libxml2's reader stops at the first well-formedness error, so a broken
 * document is parsed again in recover mode into a tree and the same walk runs
 * over it (xmlReaderWalker), skipping the entries already delivered. A
 * document cut short (a body truncated on the way: it does not end with its
 * root's end tag) keeps back an entry that nothing follows, in both passes,
 * since that one may be cut too: handed over with part of its text, it would count as
 * emitted and the whole entry would never be. Before
 * parsing, the charset is chosen: the HTTP one, else the declaration unless
 * the bytes contradict it (feedparse_charset).
 * It uses only libxml2, cJSON and libcurl (curl_url, curl_getdate), and the C
 * library's malloc, because a plugin links nothing of the daemon.
 */
/* timegm(3), strcasestr(3), strdup(3) under -std=c11. */
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

/* The fields of the item being read, owned strings or NULL. */
struct feedparse_item {
	char	*id;
	char	*link;
	char	*guid_link;	/* a permalink guid, the link when none */
	char	*title;
	char	*title2;	/* media:title, when nothing better */
	char	*about;		/* RDF rdf:about, the id when none */
	char	*author;
	char	*author2;	/* itunes:author, when nothing better */
	char	*content;
	char	*summary;
	char	*summary2;	/* itunes:summary, when nothing better */
	char	*date_pub;
	char	*date_upd;
	int	 any;		/* some field was seen */
};

/* One parse of an XML document. */
struct feedparse_xml {
	xmlTextReaderPtr	 r;
	feedparse_entry_fn	 fn;
	void			*arg;
	int			 count;
	int			 stop;
	char			*feed_author;
	char			*error;		/* the first error libxml2 reported */
	int			 root;		/* an element was seen */
	int			 skip;		/* entries already handed over */
	int			 in_item;
	int			 item_depth;
	struct feedparse_item	 it;
	/* A document cut short: each entry waits here until an element after
	 * it is read, and the last is never handed over. */
	int			 cut;
	struct feedparse_item	 held;
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

/* Strip leading and trailing white space from S in place; NULL if empty. */
static char *
feedparse_trim(char *s)
{
	size_t n, i = 0;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i);
	s[n - i] = '\0';
	if (*s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* Keep VALUE in *SLOT if the slot is empty, else free it. */
static void
feedparse_keep(char **slot, char *value)
{
	value = feedparse_trim(value);
	if (value == NULL)
		return;
	if (*slot == NULL)
		*slot = value;
	else
		free(value);
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

/* Parse an RFC 3339 / W3CDTF date; 0 when S is not one. */
static int64_t
feedparse_date_w3c(const char *s)
{
	struct tm tm;
	int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, oh, om = 0, sign;
	long off = 0;
	time_t t;

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
		if (feedparse_digits(&s, 2, &h) != 0 || *s++ != ':' ||
		    feedparse_digits(&s, 2, &mi) != 0)
			return 0;
		if (*s == ':') {
			s++;
			if (feedparse_digits(&s, 2, &sec) != 0)
				return 0;
			if (*s == '.' || *s == ',') {
				s++;
				while (isdigit((unsigned char)*s))
					s++;
			}
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
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return 0;
	return (int64_t)t - off;
}

/* Parse a feed date: W3CDTF first, then whatever curl_getdate knows. */
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
	if ((t = feedparse_date_w3c(buf)) != 0)
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

/* Free the fields of an item and zero it. */
static void
feedparse_item_clear(struct feedparse_item *it)
{
	free(it->id);
	free(it->link);
	free(it->guid_link);
	free(it->title);
	free(it->title2);
	free(it->about);
	free(it->author);
	free(it->author2);
	free(it->content);
	free(it->summary);
	free(it->summary2);
	free(it->date_pub);
	free(it->date_upd);
	memset(it, 0, sizeof *it);
}

/* Hand item IT over (unless the first pass did) and forget it. */
static void
feedparse_xml_emit(struct feedparse_xml *x, struct feedparse_item *it)
{
	const char *author, *text, *url;

	author = it->author ? it->author : it->author2 ? it->author2 :
	    x->feed_author;
	text = it->content ? it->content : it->summary ? it->summary :
	    it->summary2;
	url = it->link ? it->link : it->guid_link;
	if (x->skip > 0) {
		x->skip--;
		feedparse_item_clear(it);
		return;
	}
	x->count++;
	if (feedparse_emit(x->fn, x->arg, it->id ? it->id : it->about, url,
	    it->title ? it->title : it->title2, author, text, it->date_pub,
	    it->date_upd) != 0)
		x->stop = 1;
	feedparse_item_clear(it);
}

/* The item read so far is done: hand it over, or in a document cut short
 * hand the one before over and keep this one back. */
static void
feedparse_xml_flush(struct feedparse_xml *x)
{
	x->in_item = 0;
	if (!x->it.any) {
		feedparse_item_clear(&x->it);
		return;
	}
	if (!x->cut) {
		feedparse_xml_emit(x, &x->it);
		return;
	}
	if (x->held.any)
		feedparse_xml_emit(x, &x->held);
	x->held = x->it;
	memset(&x->it, 0, sizeof x->it);
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

/* Record the first error libxml2 reports, and print none. */
static void
feedparse_xml_error(void *arg, xmlErrorPtr err)
{
	struct feedparse_xml *x = arg;
	char *msg;

	if (err == NULL || err->level < XML_ERR_ERROR || x->error != NULL)
		return;
	msg = feedparse_printf("line %d: %s", err->line,
	    err->message ? err->message : "XML error");
	x->error = msg;
	msg += strlen(msg);
	while (msg > x->error && (msg[-1] == '\n' || msg[-1] == '\r'))
		*--msg = '\0';
}

/* Classify the namespace of the reader's current element. */
static enum feedparse_ns
feedparse_xml_ns(xmlTextReaderPtr r)
{
	const char *ns = (const char *)xmlTextReaderConstNamespaceUri(r);

	if (ns == NULL || strcmp(ns, FEEDPARSE_NS_ATOM10) == 0 ||
	    strcmp(ns, FEEDPARSE_NS_ATOM03) == 0 ||
	    strcmp(ns, "http://purl.org/rss/1.0/") == 0 ||
	    strcmp(ns, "http://my.netscape.com/rdf/simple/0.9/") == 0 ||
	    strcmp(ns, "http://backend.userland.com/rss2") == 0 ||
	    strcmp(ns, "http://blogs.law.harvard.edu/tech/rss") == 0)
		return FEEDPARSE_NS_CORE;
	if (strcmp(ns, FEEDPARSE_NS_CONTENT) == 0)
		return FEEDPARSE_NS_CONTENTMOD;
	if (strcmp(ns, FEEDPARSE_NS_DC) == 0 || strcmp(ns, FEEDPARSE_NS_DCTERMS) == 0)
		return FEEDPARSE_NS_DUBLIN;
	if (strcasecmp(ns, FEEDPARSE_NS_ITUNES) == 0)
		return FEEDPARSE_NS_PODCAST;
	if (strcmp(ns, FEEDPARSE_NS_XHTML) == 0)
		return FEEDPARSE_NS_HTML;
	if (strcmp(ns, FEEDPARSE_NS_MEDIA) == 0)
		return FEEDPARSE_NS_MRSS;
	return FEEDPARSE_NS_OTHER;
}

/* An attribute of the current element as a new string, or NULL. */
static char *
feedparse_xml_attr(xmlTextReaderPtr r, const char *name)
{
	xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
	char *s;

	if (v == NULL)
		return NULL;
	s = feedparse_strdup((const char *)v);
	xmlFree(v);
	return s;
}

/* A growing string. */
struct feedparse_sb {
	char	*s;
	size_t	 len, cap;
};

/* Append N bytes of P to B. */
static void
feedparse_sb_add(struct feedparse_sb *b, const char *p, size_t n)
{
	char *s;

	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((s = realloc(b->s, b->cap)) == NULL)
			abort();
		b->s = s;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Append S to B with &, <, > (and " when QUOTE) escaped. */
static void
feedparse_sb_escape(struct feedparse_sb *b, const char *s, int quote)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
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

/*
 * Write the nodes from N on as HTML: no namespace declarations or prefixes,
 * links (href, src) resolved against each element's base URI.
 */
static void
feedparse_html_nodes(struct feedparse_sb *b, xmlNodePtr n)
{
	xmlAttrPtr a;
	xmlChar *v, *base;
	char *res;
	const char *name;

	for (; n != NULL; n = n->next) {
		switch (n->type) {
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if (n->content != NULL)
				feedparse_sb_escape(b, (const char *)n->content, 0);
			break;
		case XML_ENTITY_REF_NODE:
			feedparse_sb_add(b, "&", 1);
			feedparse_sb_add(b, (const char *)n->name,
			    strlen((const char *)n->name));
			feedparse_sb_add(b, ";", 1);
			break;
		case XML_ELEMENT_NODE:
			name = (const char *)n->name;
			feedparse_sb_add(b, "<", 1);
			feedparse_sb_add(b, name, strlen(name));
			for (a = n->properties; a != NULL; a = a->next) {
				v = xmlNodeListGetString(n->doc, a->children, 1);
				res = NULL;
				if (v != NULL && (strcmp((const char *)a->name,
				    "href") == 0 || strcmp((const char *)a->name,
				    "src") == 0)) {
					base = xmlNodeGetBase(n->doc, n);
					res = feedparse_resolve((const char *)base,
					    (const char *)v);
					xmlFree(base);
				}
				feedparse_sb_add(b, " ", 1);
				feedparse_sb_add(b, (const char *)a->name,
				    strlen((const char *)a->name));
				feedparse_sb_add(b, "=\"", 2);
				feedparse_sb_escape(b, res != NULL ? res :
				    v != NULL ? (const char *)v : "", 1);
				feedparse_sb_add(b, "\"", 1);
				free(res);
				xmlFree(v);
			}
			if (n->children == NULL && feedparse_html_void(name)) {
				feedparse_sb_add(b, " />", 3);
				break;
			}
			feedparse_sb_add(b, ">", 1);
			feedparse_html_nodes(b, n->children);
			feedparse_sb_add(b, "</", 2);
			feedparse_sb_add(b, name, strlen(name));
			feedparse_sb_add(b, ">", 1);
			break;
		default:
			break;	/* comments, processing instructions */
		}
	}
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
 * The value of the current element: its markup written as HTML when it holds
 * elements (Atom type="xhtml" without its <div> wrapper, unescaped HTML in
 * RSS), base64-decoded when the Atom type or mode says so, its text otherwise.
 */
static char *
feedparse_xml_value(xmlTextReaderPtr r)
{
	struct feedparse_sb b;
	xmlNodePtr node, c, div = NULL;
	xmlChar *v;
	char *s, *type, *mode;
	int elements = 0;

	type = feedparse_xml_attr(r, "type");
	mode = feedparse_xml_attr(r, "mode");
	node = xmlTextReaderExpand(r);
	if (node == NULL) {
		s = NULL;
		goto out;
	}
	for (c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			elements++;
			div = c;
		}
	}
	if (elements > 0) {
		memset(&b, 0, sizeof b);
		if (elements == 1 && type != NULL && strcmp(type, "xhtml") == 0 &&
		    strcmp((const char *)div->name, "div") == 0)
			feedparse_html_nodes(&b, div->children);
		else
			feedparse_html_nodes(&b, node->children);
		s = b.s;
	} else {
		v = xmlNodeGetContent(node);
		s = feedparse_strdup((const char *)v);
		xmlFree(v);
		if (s != NULL && ((mode != NULL && strcmp(mode, "base64") == 0) ||
		    feedparse_type_base64(type))) {
			feedparse_base64(s);
			if (!feedparse_utf8(s, strlen(s))) {
				free(s);
				s = NULL;	/* binary: not text */
			}
		}
	}
out:
	free(type);
	free(mode);
	return s;
}

/* The text of the child element LOCAL of the current (expanded) element. */
static char *
feedparse_xml_child(xmlTextReaderPtr r, const char *local)
{
	xmlNodePtr node, c;
	xmlChar *v;
	char *s;

	node = xmlTextReaderExpand(r);
	if (node == NULL)
		return NULL;
	for (c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, local) == 0) {
			v = xmlNodeGetContent(c);
			s = feedparse_strdup((const char *)v);
			xmlFree(v);
			return s;
		}
	}
	return NULL;
}

/* An Atom <link>: keep the alternate one, resolved against the base URI. */
static void
feedparse_xml_atom_link(struct feedparse_xml *x, char *href)
{
	char *rel = feedparse_xml_attr(x->r, "rel");
	xmlChar *base;

	if (rel == NULL || strcmp(rel, "alternate") == 0) {
		base = xmlTextReaderBaseUri(x->r);
		if (x->it.link == NULL && (href = feedparse_trim(href)) != NULL)
			x->it.link = feedparse_resolve((const char *)base, href);
		xmlFree(base);
	}
	free(href);
	free(rel);
}

/*
 * Read one element of an item, at the reader. Returns 1 when its subtree was
 * consumed (the caller skips it), 0 when the reader should descend.
 */
static int
feedparse_xml_field(struct feedparse_xml *x)
{
	xmlTextReaderPtr r = x->r;
	struct feedparse_item *it = &x->it;
	const char *name = (const char *)xmlTextReaderConstLocalName(r);
	enum feedparse_ns ns = feedparse_xml_ns(r);
	xmlChar *base;
	char *v, *perm;

	if (name == NULL)
		return 0;
	it->any = 1;
	switch (ns) {
	case FEEDPARSE_NS_CORE:
		if (strcmp(name, "title") == 0)
			feedparse_keep(&it->title, feedparse_xml_value(r));
		else if (strcmp(name, "link") == 0) {
			if ((v = feedparse_xml_attr(r, "href")) != NULL) {
				feedparse_xml_atom_link(x, v);
				return 1;
			}
			v = feedparse_trim(feedparse_xml_value(r));
			if (v != NULL && it->link == NULL) {
				base = xmlTextReaderBaseUri(r);
				it->link = feedparse_resolve((const char *)base, v);
				xmlFree(base);
			}
			free(v);
		} else if (strcmp(name, "guid") == 0 || strcmp(name, "id") == 0) {
			v = feedparse_trim(feedparse_xml_value(r));
			perm = feedparse_xml_attr(r, "isPermaLink");
			if (v != NULL && it->guid_link == NULL &&
			    strcmp(name, "guid") == 0 &&
			    (perm == NULL || strcmp(perm, "false") != 0) &&
			    (strncmp(v, "http://", 7) == 0 ||
			    strncmp(v, "https://", 8) == 0))
				it->guid_link = feedparse_strdup(v);
			free(perm);
			feedparse_keep(&it->id, v);
		} else if (strcmp(name, "description") == 0 ||
		    strcmp(name, "summary") == 0 || strcmp(name, "tagline") == 0)
			feedparse_keep(&it->summary, feedparse_xml_value(r));
		else if (strcmp(name, "content") == 0 ||
		    strcmp(name, "body") == 0 || strcmp(name, "fullitem") == 0)
			feedparse_keep(&it->content, feedparse_xml_value(r));
		else if (strcmp(name, "pubDate") == 0 ||
		    strcmp(name, "published") == 0 || strcmp(name, "issued") == 0 ||
		    strcmp(name, "created") == 0)
			feedparse_keep(&it->date_pub, feedparse_xml_value(r));
		else if (strcmp(name, "updated") == 0 ||
		    strcmp(name, "modified") == 0)
			feedparse_keep(&it->date_upd, feedparse_xml_value(r));
		else if (strcmp(name, "author") == 0) {
			v = feedparse_xml_child(r, "name");
			if (v == NULL)
				v = feedparse_xml_value(r);
			feedparse_keep(&it->author, v);
		} else if (strcmp(name, "source") == 0)
			;	/* the source feed's fields are not the entry's */
		else
			return 0;
		return 1;
	case FEEDPARSE_NS_CONTENTMOD:
		if (strcmp(name, "encoded") != 0)
			return 0;
		feedparse_keep(&it->content, feedparse_xml_value(r));
		return 1;
	case FEEDPARSE_NS_DUBLIN:
		if (strcmp(name, "creator") == 0 || strcmp(name, "author") == 0)
			feedparse_keep(&it->author, feedparse_xml_value(r));
		else if (strcmp(name, "date") == 0 || strcmp(name, "issued") == 0 ||
		    strcmp(name, "created") == 0)
			feedparse_keep(&it->date_pub, feedparse_xml_value(r));
		else if (strcmp(name, "modified") == 0)
			feedparse_keep(&it->date_upd, feedparse_xml_value(r));
		else if (strcmp(name, "title") == 0)
			feedparse_keep(&it->title, feedparse_xml_value(r));
		else if (strcmp(name, "description") == 0)
			feedparse_keep(&it->summary, feedparse_xml_value(r));
		else
			return 0;
		return 1;
	case FEEDPARSE_NS_PODCAST:
		if (strcmp(name, "author") == 0)
			feedparse_keep(&it->author2, feedparse_xml_value(r));
		else if (strcmp(name, "summary") == 0)
			feedparse_keep(&it->summary2, feedparse_xml_value(r));
		else
			return 0;
		return 1;
	case FEEDPARSE_NS_HTML:
		if (strcmp(name, "body") != 0 && strcmp(name, "div") != 0)
			return 0;
		feedparse_keep(&it->content, feedparse_xml_value(r));
		return 1;
	case FEEDPARSE_NS_MRSS:
		if (strcmp(name, "title") != 0)
			return 0;
		feedparse_keep(&it->title2, feedparse_xml_value(r));
		return 1;
	case FEEDPARSE_NS_OTHER:
		break;
	}
	return 1;	/* a foreign extension: skip its subtree */
}

/* Note a feed-level author (managingEditor, dc:creator, Atom author). */
static int
feedparse_xml_feed_field(struct feedparse_xml *x, const char *name)
{
	enum feedparse_ns ns = feedparse_xml_ns(x->r);
	char *v;

	if (ns == FEEDPARSE_NS_CORE && strcmp(name, "managingEditor") == 0)
		v = feedparse_xml_value(x->r);
	else if (ns == FEEDPARSE_NS_DUBLIN && strcmp(name, "creator") == 0)
		v = feedparse_xml_value(x->r);
	else if (ns == FEEDPARSE_NS_CORE && strcmp(name, "author") == 0 &&
	    xmlTextReaderDepth(x->r) <= 2) {
		v = feedparse_xml_child(x->r, "name");
		if (v == NULL)
			v = feedparse_xml_value(x->r);
	} else
		return 0;
	feedparse_keep(&x->feed_author, v);
	return 1;
}

/* Is the current element an item (RSS) or an entry (Atom)? */
static int
feedparse_xml_is_item(struct feedparse_xml *x, const char *name)
{
	if (feedparse_xml_ns(x->r) != FEEDPARSE_NS_CORE)
		return 0;
	return strcmp(name, "item") == 0 || strcmp(name, "entry") == 0;
}

/*
 * Walk the document at X's reader and hand its entries over. Returns the
 * reader's last status: 0 at the end, -1 when it stopped on an error.
 */
static int
feedparse_xml_walk(struct feedparse_xml *x)
{
	const char *name;
	xmlChar *v;
	int ret, type, depth, skip;

	ret = xmlTextReaderRead(x->r);
	while (ret == 1 && !x->stop) {
		type = xmlTextReaderNodeType(x->r);
		depth = xmlTextReaderDepth(x->r);
		skip = 0;
		if (depth > FEEDPARSE_MAX_DEPTH) {
			if (x->error == NULL)
				x->error = feedparse_printf("deeper than %d "
				    "elements", FEEDPARSE_MAX_DEPTH);
			break;
		}
		/* Over a tree, Next() may step past an item's end element. */
		if (x->in_item && depth <= x->item_depth &&
		    type != XML_READER_TYPE_END_ELEMENT)
			feedparse_xml_flush(x);
		name = (const char *)xmlTextReaderConstLocalName(x->r);
		if (type == XML_READER_TYPE_ELEMENT && name != NULL) {
			x->root = 1;
			/* Something after the entry kept back: it was whole. */
			if (!x->in_item && x->held.any)
				feedparse_xml_emit(x, &x->held);
			if (x->in_item && depth == x->item_depth + 1)
				skip = feedparse_xml_field(x);
			else if (!x->in_item && feedparse_xml_is_item(x, name)) {
				x->in_item = 1;
				x->item_depth = depth;
				x->it.any = 1;
				v = xmlTextReaderGetAttributeNs(x->r,
				    (const xmlChar *)"about",
				    (const xmlChar *)FEEDPARSE_NS_RDF);
				x->it.about = feedparse_trim(feedparse_strdup(
				    (const char *)v));
				xmlFree(v);
				if (xmlTextReaderIsEmptyElement(x->r))
					feedparse_xml_flush(x);
			} else if (!x->in_item)
				skip = feedparse_xml_feed_field(x, name);
		} else if (type == XML_READER_TYPE_END_ELEMENT && x->in_item &&
		    depth == x->item_depth)
			feedparse_xml_flush(x);
		ret = skip ? xmlTextReaderNext(x->r) : xmlTextReaderRead(x->r);
	}
	return ret == -1 ? -1 : 0;
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
	size_t n, i;
	int ascii = 1;

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
	for (i = 0; i < len && ascii; i++)
		ascii = (unsigned char)buf[i] < 0x80;
	if (ascii)
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

/*
 * Parse an XML feed. The streaming reader does it in one pass; when it stops
 * on an error (libxml2's reader does not recover), the document is parsed
 * again in recover mode into a tree, and the same walk runs over the tree,
 * skipping the entries already handed over.
 */
static int
feedparse_xml(const char *buf, size_t len, const char *url,
    const char *charset, feedparse_entry_fn fn, void *arg, char **cause)
{
	struct feedparse_xml x;
	xmlDocPtr doc;
	int options;

	memset(&x, 0, sizeof x);
	x.fn = fn;
	x.arg = arg;
	charset = feedparse_charset(buf, len, charset);
	/*
	 * RECOVER: a broken feed is read as far as it goes. NONET: never fetch
	 * anything. No NOENT and no DTDLOAD: external entities and DTDs are never
	 * loaded, and libxml2's entity-amplification checks stay on (no HUGE, so
	 * its text-size and depth limits stay on too). NOCDATA: CDATA is text.
	 * NOERROR, NOWARNING: nothing on stderr, errors reach feedparse_xml_error.
	 */
	options = XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOCDATA |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	/* IGNORE_ENC: the HTTP charset wins over the XML declaration. */
	if (charset != NULL)
		options |= XML_PARSE_IGNORE_ENC;
	x.r = xmlReaderForMemory(buf, (int)len, url, charset, options);
	if (x.r == NULL) {
		*cause = feedparse_strdup("cannot create the XML reader");
		return -1;
	}
	xmlTextReaderSetStructuredErrorHandler(x.r, feedparse_xml_error, &x);
	x.cut = feedparse_xml_is_cut(buf, len);
	if (feedparse_xml_walk(&x) == -1 && !x.stop) {
		xmlFreeTextReader(x.r);
		x.r = NULL;
		feedparse_item_clear(&x.it);
		feedparse_item_clear(&x.held);	/* read again from the tree */
		x.in_item = 0;
		x.skip = x.count;
		doc = xmlReadMemory(buf, (int)len, url, charset, options);
		if (doc != NULL && (x.r = xmlReaderWalker(doc)) != NULL) {
			feedparse_xml_walk(&x);
			if (x.in_item && !x.stop)
				feedparse_xml_flush(&x);	/* cut short */
		}
		if (x.r != NULL)
			xmlFreeTextReader(x.r);
		x.r = NULL;
		xmlFreeDoc(doc);
		if (x.error == NULL)
			x.error = feedparse_strdup("XML error");
	}
	if (x.r != NULL)
		xmlFreeTextReader(x.r);
	feedparse_item_clear(&x.it);
	feedparse_item_clear(&x.held);		/* the last of a cut document */
	free(x.feed_author);
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
