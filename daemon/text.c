/*
 * text.c - text normalisation shared by every stage (see text.h).
 *
 * HTML becomes plain text through libxml2's forgiving HTML parser: the tree
 * is walked without recursion (no stack to overflow on deep nesting), text
 * nodes are copied, block elements become line breaks, script/style/template
 * are dropped, and a link whose text is not its own URL keeps the URL after
 * the text, as "text (URL)". Whitespace runs collapse to one space, or to one
 * newline when they cross a block boundary; the result is trimmed.
 *
 * Every string that leaves this file is valid UTF-8 and holds no NUL: invalid
 * sequences and NUL bytes become U+FFFD before anything else looks at them.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <utf8proc.h>

#include "text.h"
#include "xmalloc.h"

#define TEXT_REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

/* What a pending whitespace run turns into when the next visible byte comes. */
enum text_gap {
	TEXT_GAP_NONE = 0,
	TEXT_GAP_SPACE,
	TEXT_GAP_LINE,
};

/* The plain text being built, with the whitespace run not yet written. */
struct text_buf {
	char		*p;
	size_t		 len;
	size_t		 size;
	enum text_gap	 gap;
};

/* How an element takes part in the text. */
enum text_role {
	TEXT_INLINE = 0,	/* its text flows with the surrounding text */
	TEXT_BLOCK,		/* a line break before and after */
	TEXT_CELL,		/* a space before and after */
	TEXT_SKIP,		/* dropped with everything inside */
	TEXT_LINK,		/* <a>: text, then the URL if different */
	TEXT_PRE,		/* a block whose newlines are kept */
};

/* In strcmp order: text_role searches it by halves. */
static const struct {
	const char	*name;
	enum text_role	 role;
} text_elements[] = {
	{ "a", TEXT_LINK },
	{ "address", TEXT_BLOCK },
	{ "article", TEXT_BLOCK },
	{ "aside", TEXT_BLOCK },
	{ "blockquote", TEXT_BLOCK },
	{ "br", TEXT_BLOCK },
	{ "caption", TEXT_BLOCK },
	{ "dd", TEXT_BLOCK },
	{ "details", TEXT_BLOCK },
	{ "div", TEXT_BLOCK },
	{ "dl", TEXT_BLOCK },
	{ "dt", TEXT_BLOCK },
	{ "figcaption", TEXT_BLOCK },
	{ "figure", TEXT_BLOCK },
	{ "footer", TEXT_BLOCK },
	{ "form", TEXT_BLOCK },
	{ "h1", TEXT_BLOCK },
	{ "h2", TEXT_BLOCK },
	{ "h3", TEXT_BLOCK },
	{ "h4", TEXT_BLOCK },
	{ "h5", TEXT_BLOCK },
	{ "h6", TEXT_BLOCK },
	{ "head", TEXT_SKIP },
	{ "header", TEXT_BLOCK },
	{ "hr", TEXT_BLOCK },
	{ "li", TEXT_BLOCK },
	{ "main", TEXT_BLOCK },
	{ "nav", TEXT_BLOCK },
	{ "noscript", TEXT_SKIP },
	{ "ol", TEXT_BLOCK },
	{ "p", TEXT_BLOCK },
	{ "pre", TEXT_PRE },
	{ "script", TEXT_SKIP },
	{ "section", TEXT_BLOCK },
	{ "style", TEXT_SKIP },
	{ "summary", TEXT_BLOCK },
	{ "table", TEXT_BLOCK },
	{ "td", TEXT_CELL },
	{ "template", TEXT_SKIP },
	{ "th", TEXT_CELL },
	{ "tr", TEXT_BLOCK },
	{ "ul", TEXT_BLOCK },
};

static pthread_once_t text_xml_once = PTHREAD_ONCE_INIT;

/* Initialise libxml2 once per process. */
static void
text_xml_init(void)
{
	xmlInitParser();
}

/* Make room for N more bytes and the final NUL. */
static void
text_buf_grow(struct text_buf *b, size_t n)
{
	if (b->len + n + 1 <= b->size)
		return;
	while (b->len + n + 1 > b->size)
		b->size = b->size ? b->size * 2 : 128;
	b->p = xreallocarray(b->p, 1, b->size);
}

/* Append N visible bytes, writing the pending whitespace first. */
static void
text_buf_append(struct text_buf *b, const char *s, size_t n)
{
	if (n == 0)
		return;
	text_buf_grow(b, n + 1);
	if (b->gap != TEXT_GAP_NONE && b->len > 0)
		b->p[b->len++] = b->gap == TEXT_GAP_LINE ? '\n' : ' ';
	b->gap = TEXT_GAP_NONE;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Note a whitespace run of kind GAP; a line break wins over a space. */
static void
text_buf_gap(struct text_buf *b, enum text_gap gap)
{
	if (gap > b->gap)
		b->gap = gap;
}

/* Append text S (valid UTF-8), collapsing whitespace; newlines are line
 * breaks when LINES is set, spaces otherwise. U+00A0 counts as a space. */
static void
text_buf_put(struct text_buf *b, const char *s, size_t n, int lines)
{
	size_t i = 0, start;

	while (i < n) {
		start = i;
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
		    s[i] != '\r' && s[i] != '\f' && s[i] != '\v' &&
		    !((unsigned char)s[i] == 0xc2 && i + 1 < n &&
		    (unsigned char)s[i + 1] == 0xa0))
			i++;
		text_buf_append(b, s + start, i - start);
		if (i >= n)
			break;
		if (s[i] == '\n' && lines)
			text_buf_gap(b, TEXT_GAP_LINE);
		else
			text_buf_gap(b, TEXT_GAP_SPACE);
		i += (unsigned char)s[i] == 0xc2 ? 2 : 1;
	}
}

/* The finished string (never NULL). */
static char *
text_buf_finish(struct text_buf *b)
{
	text_buf_grow(b, 0);
	b->p[b->len] = '\0';
	return b->p;
}

/* Length of the valid prefix of S: everything up to the first invalid
 * sequence or NUL. */
static size_t
text_valid_prefix(const char *s, size_t len)
{
	const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	size_t i = 0;

	while (i < len) {
		if (u[i] != 0 && u[i] < 0x80) {
			i++;
			continue;
		}
		if (u[i] == 0)
			return i;
		n = utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0)
			return i;
		i += (size_t)n;
	}
	return len;
}

char *
text_valid_utf8(const char *s, size_t len)
{
	const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;
	size_t i, ok, out = 0;
	char *p;

	if (s == NULL)
		return xstrdup("");
	ok = text_valid_prefix(s, len);
	if (ok == len)
		return xstrndup(s, len);

	/* At worst every byte becomes a 3-byte U+FFFD. */
	p = xreallocarray(NULL, len + 1, 3);
	memcpy(p, s, ok);
	out = ok;
	for (i = ok; i < len; ) {
		if (u[i] != 0 && u[i] < 0x80) {
			p[out++] = (char)u[i++];
			continue;
		}
		n = u[i] == 0 ? -1 :
		    utf8proc_iterate(u + i, (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0) {
			memcpy(p + out, TEXT_REPLACEMENT, 3);
			out += 3;
			i++;
			continue;
		}
		memcpy(p + out, s + i, (size_t)n);
		out += (size_t)n;
		i += (size_t)n;
	}
	p[out] = '\0';
	return p;
}

char *
text_fold(const char *s, size_t len)
{
	utf8proc_uint8_t *out = NULL;
	utf8proc_ssize_t n;
	char *valid, *p;
	size_t i;

	if (s == NULL)
		return xstrdup("");
	/* ASCII is its own NFKC form: only the case changes. */
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80 || s[i] == '\0')
			break;
	if (i == len) {
		p = xmalloc(len + 1);
		for (i = 0; i < len; i++)
			p[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i];
		p[len] = '\0';
		return p;
	}

	/*
	 * NFKC with case folding, marks stripped (after decomposition, so
	 * accents go and base letters stay), default-ignorable characters
	 * (soft hyphens, zero-width joiners) removed, and look-alike
	 * punctuation lumped to ASCII (typographic apostrophe to ').
	 */
	valid = text_valid_utf8(s, len);
	n = utf8proc_map((const utf8proc_uint8_t *)valid,
	    (utf8proc_ssize_t)strlen(valid), &out, UTF8PROC_STABLE |
	    UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
	    UTF8PROC_STRIPMARK | UTF8PROC_IGNORE | UTF8PROC_LUMP);
	free(valid);
	if (n < 0)
		return NULL;
	return (char *)out;
}

/* The role of element NAME (lower case, as the HTML parser gives it): a
 * binary search of text_elements, which is in strcmp order. */
static enum text_role
text_role(const char *name)
{
	size_t lo = 0, hi = sizeof(text_elements) / sizeof(text_elements[0]);
	size_t mid;
	int cmp;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		cmp = strcmp(name, text_elements[mid].name);
		if (cmp == 0)
			return text_elements[mid].role;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return TEXT_INLINE;
}

/* Is URL worth keeping in the text (a web link, not a script)? */
static int
text_link_wanted(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0;
}

/* Does link text TEXT (length N) say the same as URL, ignoring the scheme, a
 * leading "www." and a trailing slash? */
static int
text_link_same(const char *text, size_t n, const char *url)
{
	size_t ulen;

	if (strncasecmp(url, "https://", 8) == 0)
		url += 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		url += 7;
	if (n >= 8 && strncasecmp(text, "https://", 8) == 0) {
		text += 8;
		n -= 8;
	} else if (n >= 7 && strncasecmp(text, "http://", 7) == 0) {
		text += 7;
		n -= 7;
	}
	if (strncasecmp(url, "www.", 4) == 0)
		url += 4;
	if (n >= 4 && strncasecmp(text, "www.", 4) == 0) {
		text += 4;
		n -= 4;
	}
	ulen = strlen(url);
	if (ulen > 0 && url[ulen - 1] == '/')
		ulen--;
	if (n > 0 && text[n - 1] == '/')
		n--;
	return n == ulen && strncmp(text, url, n) == 0;
}

/* The walk's state: the text so far, <pre> depth, the open link. */
struct text_walk {
	struct text_buf	 buf;
	int		 pre;
	xmlNode		*link;		/* the <a> being walked, or NULL */
	size_t		 link_start;	/* buf.len when it was entered */
};

/* Enter node N; returns whether to walk its children. */
static int
text_enter(struct text_walk *w, xmlNode *n)
{
	enum text_role role;

	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		if (n->content != NULL)
			text_buf_put(&w->buf, (const char *)n->content,
			    strlen((const char *)n->content), w->pre > 0);
		return 0;
	}
	if (n->type != XML_ELEMENT_NODE || n->name == NULL)
		return 0;
	role = text_role((const char *)n->name);
	switch (role) {
	case TEXT_SKIP:
		return 0;
	case TEXT_BLOCK:
		text_buf_gap(&w->buf, TEXT_GAP_LINE);
		break;
	case TEXT_PRE:
		text_buf_gap(&w->buf, TEXT_GAP_LINE);
		w->pre++;
		break;
	case TEXT_CELL:
		text_buf_gap(&w->buf, TEXT_GAP_SPACE);
		break;
	case TEXT_LINK:
		if (w->link == NULL) {
			w->link = n;
			w->link_start = w->buf.len;
		}
		break;
	case TEXT_INLINE:
		break;
	}
	return 1;
}

/* Leave node N (entered, children walked). */
static void
text_leave(struct text_walk *w, xmlNode *n)
{
	const char *text;
	xmlChar *href;
	size_t len;

	if (n->type != XML_ELEMENT_NODE || n->name == NULL)
		return;
	switch (text_role((const char *)n->name)) {
	case TEXT_BLOCK:
		text_buf_gap(&w->buf, TEXT_GAP_LINE);
		break;
	case TEXT_PRE:
		text_buf_gap(&w->buf, TEXT_GAP_LINE);
		w->pre--;
		break;
	case TEXT_CELL:
		text_buf_gap(&w->buf, TEXT_GAP_SPACE);
		break;
	case TEXT_LINK:
		if (w->link != n)
			break;
		w->link = NULL;
		href = xmlGetProp(n, (const xmlChar *)"href");
		if (href == NULL)
			break;
		/* Nothing written yet: no buffer at all (NULL + 0 is UB). */
		text = w->buf.p != NULL ? w->buf.p + w->link_start : "";
		len = w->buf.p != NULL ? w->buf.len - w->link_start : 0;
		while (len > 0 && (*text == ' ' || *text == '\n')) {
			text++;
			len--;
		}
		if (text_link_wanted((const char *)href) &&
		    !text_link_same(text, len, (const char *)href)) {
			if (len == 0)
				text_buf_put(&w->buf, (const char *)href,
				    strlen((const char *)href), 0);
			else {
				text_buf_gap(&w->buf, TEXT_GAP_SPACE);
				text_buf_append(&w->buf, "(", 1);
				text_buf_put(&w->buf, (const char *)href,
				    strlen((const char *)href), 0);
				w->buf.gap = TEXT_GAP_NONE;
				text_buf_append(&w->buf, ")", 1);
			}
		}
		xmlFree(href);
		break;
	default:
		break;
	}
}

/* Walk the document's tree in order, without recursion. */
static void
text_walk_doc(struct text_walk *w, xmlDoc *doc)
{
	xmlNode *n = doc->children;

	while (n != NULL) {
		if (text_enter(w, n) && n->children != NULL) {
			n = n->children;
			continue;
		}
		for (;;) {
			text_leave(w, n);
			if (n->next != NULL) {
				n = n->next;
				break;
			}
			n = n->parent;
			if (n == NULL || n == (xmlNode *)doc ||
			    n->type == XML_DOCUMENT_NODE ||
			    n->type == XML_HTML_DOCUMENT_NODE) {
				n = NULL;
				break;
			}
		}
	}
}

char *
text_from_html(const char *html, size_t len)
{
	struct text_walk w;
	char *valid, *out;
	xmlDoc *doc;
	int size;

	memset(&w, 0, sizeof(w));
	valid = text_valid_utf8(html, html == NULL ? 0 : len);
	len = strlen(valid);

	/* Plain text: no parser, only whitespace cleaning. */
	if (strpbrk(valid, "<&") == NULL) {
		text_buf_put(&w.buf, valid, len, 1);
		free(valid);
		return text_buf_finish(&w.buf);
	}

	pthread_once(&text_xml_once, text_xml_init);
	size = len > INT_MAX ? INT_MAX : (int)len;
	doc = htmlReadMemory(valid, size, NULL, "UTF-8", HTML_PARSE_RECOVER |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	    HTML_PARSE_NODEFDTD | HTML_PARSE_IGNORE_ENC);
	if (doc == NULL) {
		/* Nothing the parser could use: keep the text as it came. */
		text_buf_put(&w.buf, valid, len, 1);
		free(valid);
		return text_buf_finish(&w.buf);
	}
	text_walk_doc(&w, doc);
	xmlFreeDoc(doc);
	free(valid);

	out = text_buf_finish(&w.buf);
	/* The parser's output is UTF-8; make sure, cheaply. */
	if (text_valid_prefix(out, w.buf.len) != w.buf.len) {
		valid = text_valid_utf8(out, w.buf.len);
		free(out);
		out = valid;
	}
	return out;
}
