/*
 * feedparse.h - turn a feed document into entries: RSS 0.9x/2.0, RSS 1.0/RDF,
 * Atom 0.3/1.0 (libxml2's SAX2 parser) and JSON Feed 1.0/1.1 (cJSON).
 *
 * The parser is hostile-input safe: no network, no DTD or external entity
 * loading, libxml2's entity-amplification checks and a cap on expanded
 * entity text, text-size and depth limits; a broken document is parsed as far as it goes (recover mode) and
 * what stopped it is reported. It depends on libxml2, cJSON and libcurl only,
 * so that the feed plugin and mentionctl both compile it in.
 */
#ifndef FEEDPARSE_H
#define FEEDPARSE_H

#include <stddef.h>
#include <stdint.h>

#define FEEDPARSE_MAX_DEPTH	256		/* deeper documents are cut there */
#define FEEDPARSE_MAX_INPUT	(64u << 20)	/* bigger documents are refused */

/*
 * One entry, valid during the callback only. Strings are UTF-8, NULL when the
 * feed does not say. id is never NULL: guid/id, else the link, else
 * "hash:" and a hash of title and date. text may hold HTML.
 */
struct feedparse_entry {
	const char	*id;
	const char	*url;		/* resolved against xml:base / the feed URL */
	const char	*title;
	const char	*author;
	const char	*text;
	int64_t		 published;	/* unix seconds, 0 when unknown */
};

/* Called for each entry in document order; return non-zero to stop. */
typedef int (*feedparse_entry_fn)(const struct feedparse_entry *e, void *arg);

/*
 * feedparse_parse - parse the feed in BUF (LEN bytes), calling FN for each
 * entry. URL is the feed's address (NULL when unknown), against which
 * relative links resolve; CHARSET is the HTTP Content-Type charset (NULL when
 * none), which wins over the document's own declaration.
 * Returns the number of entries, or -1 when BUF is not a feed at all, with
 * *cause set. On success *cause is NULL, or says why parsing stopped before
 * the end of a broken document (the entries before that were delivered).
 * The caller frees *cause.
 */
int	feedparse_parse(const char *buf, size_t len, const char *url,
	    const char *charset, feedparse_entry_fn fn, void *arg, char **cause);

/*
 * feedparse_list - the feed URLs of a subscription list in BUF (LEN bytes):
 * an OPML document (every outline's xmlUrl, at any depth), or else plain
 * text with one URL per line ('#' starts a comment; blank lines and spaces
 * are ignored). Calls FN(URL, ARG) for each, in order. Returns how many, or
 * -1 with *cause set (malloc'd) when an OPML document is broken before any.
 */
int	feedparse_list(const char *buf, size_t len,
	    void (*fn)(const char *url, void *arg), void *arg, char **cause);

/*
 * feedparse_date - parse an RFC 822 date (with the usual broken variants) or
 * an RFC 3339 / W3CDTF date. Returns unix seconds, or 0 when S is not a date.
 */
int64_t	feedparse_date(const char *s);

#endif
