/*
 * jsonmap.h - the field mapping the generic connectors (jsonpoll, sse,
 * webhook) share: a config-given JSON path for each mention field, where the
 * items are in a document, and turning one item into an md_mention. It is
 * compiled into each plugin and knows nothing of the daemon.
 *
 * Path syntax (see plugins/common/README.md): member names separated by
 * dots, a number on an array is an index (negative from the end):
 *   data.children    user.name    media.0.url    tags.-1
 * "\." is a dot and "\\" a backslash inside a name. Several paths separated
 * by "|" are tried in turn, the first that gives a value wins:
 *   text = body | selftext | title
 * An empty value maps nothing. The item's URL is mapped by `link` (default
 * "url"), since `url` is where a connector connects.
 */
#ifndef JSONMAP_H
#define JSONMAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cJSON.h>

#include "mentiond/plugin.h"

/* The fields a mapping fills, in settings order. */
enum jsonmap_field {
	JSONMAP_ID,
	JSONMAP_URL,
	JSONMAP_TITLE,
	JSONMAP_TEXT,
	JSONMAP_AUTHOR,
	JSONMAP_AUTHOR_NAME,
	JSONMAP_PUBLISHED,
	JSONMAP_LANG,
	JSONMAP_SCORE,
	JSONMAP_REPLIES,
	JSONMAP_REPOSTS,
	JSONMAP_NFIELDS
};

/* The mapping's settings as the host fills them (put one in the plugin's
 * context and JSONMAP_SETTINGS in its table). */
struct jsonmap_settings {
	const char	*items;
	const char	*field[JSONMAP_NFIELDS];
	const char	*url_base;
};

/* JSONMAP_SETTINGS(TYPE, MEMBER) - the settings table entries of the
 * struct jsonmap_settings MEMBER of the plugin context TYPE. */
#define JSONMAP_SETTING(type, member, key, idx, def, what) \
	{ key, MD_SET_STRING, def, \
	    offsetof(type, member.field[idx]), 0, what }
#define JSONMAP_SETTINGS(type, member) \
	{ "items", MD_SET_STRING, NULL, offsetof(type, member.items), 0, \
	    "path of the items array (unset: the document, an array or one " \
	    "item)" }, \
	JSONMAP_SETTING(type, member, "id", JSONMAP_ID, "id", \
	    "path of the item's id (string or number), required"), \
	JSONMAP_SETTING(type, member, "link", JSONMAP_URL, "url", \
	    "path of the item's URL (relative ones are resolved)"), \
	JSONMAP_SETTING(type, member, "title", JSONMAP_TITLE, "title", \
	    "path of the item's title"), \
	JSONMAP_SETTING(type, member, "text", JSONMAP_TEXT, "text", \
	    "path of the item's text (may be HTML)"), \
	JSONMAP_SETTING(type, member, "author", JSONMAP_AUTHOR, "author", \
	    "path of the author's handle (or an object {handle, name})"), \
	JSONMAP_SETTING(type, member, "author_name", JSONMAP_AUTHOR_NAME, \
	    NULL, "path of the author's display name"), \
	JSONMAP_SETTING(type, member, "published", JSONMAP_PUBLISHED, \
	    "published", "path of the time (seconds, milliseconds, RFC 3339 " \
	    "or RFC 822)"), \
	JSONMAP_SETTING(type, member, "lang", JSONMAP_LANG, "lang", \
	    "path of the language code"), \
	JSONMAP_SETTING(type, member, "score", JSONMAP_SCORE, "score", \
	    "path of the score (likes, votes)"), \
	JSONMAP_SETTING(type, member, "replies", JSONMAP_REPLIES, NULL, \
	    "path of the reply count"), \
	JSONMAP_SETTING(type, member, "reposts", JSONMAP_REPOSTS, NULL, \
	    "path of the repost count"), \
	{ "url_base", MD_SET_URL, NULL, offsetof(type, member.url_base), 0, \
	    "what relative links resolve against (default: where the " \
	    "document came from)" }

/* One compiled path: its member names or indexes. */
struct jsonmap_path {
	char		**seg;
	size_t		  nseg;
};

/* A field: its alternatives, tried in turn. */
struct jsonmap_alts {
	struct jsonmap_path	*alt;
	size_t			 nalt;
	const char		*text;		/* the setting, for messages */
};

struct jsonmap {
	struct jsonmap_alts	 items;		/* nalt 0: none */
	struct jsonmap_alts	 field[JSONMAP_NFIELDS];
	const char		*url_base;
};

/* Where one mapped item's strings live until the next call or clear. */
struct jsonmap_item {
	char		 id[32];		/* a numeric id, printed */
	char		 handle[32];
	char		 name[32];
	char		 lang[4];
	char		*url;			/* a resolved link, malloc'd */
};

/* jsonmap_init - compile the settings S into MAP. Returns 0, or -1 with
 * *cause (malloc'd) naming the key when a path is malformed. */
int		 jsonmap_init(struct jsonmap *map,
		    const struct jsonmap_settings *s, char **cause);
void		 jsonmap_clear(struct jsonmap *map);

/* jsonmap_alts_parse - compile TEXT (paths separated by "|") into A; -1 with
 * *cause when malformed. For other paths a plugin has (a cursor). */
int		 jsonmap_alts_parse(struct jsonmap_alts *a, const char *text,
		    char **cause);
void		 jsonmap_alts_clear(struct jsonmap_alts *a);
/* jsonmap_get - the value at the first of A's paths that leads to one
 * (JSON null counts as none), or NULL. */
const cJSON	*jsonmap_get(const struct jsonmap_alts *a, const cJSON *root);

/* jsonmap_parse - parse BODY (LEN bytes) as one JSON document. Returns the
 * document, or NULL with *cause (malloc'd) saying where it broke: byte,
 * line and column, and whether it just ended early (truncated). */
cJSON		*jsonmap_parse(const char *body, size_t len, char **cause);

/* jsonmap_items - the items of document ROOT in document order: the array
 * (or the one object) at MAP's items path; without one, ROOT itself when it
 * is an array, else ROOT as the only item. *ITEMS is malloc'd (free it),
 * *N its length. Returns 0, or -1 with *cause (malloc'd) when the items
 * path leads nowhere or to a plain value. */
int		 jsonmap_items(const struct jsonmap *map, const cJSON *root,
		    const cJSON ***items, size_t *n, char **cause);

/* jsonmap_mention - map ITEM into M (MD_MENTION_INIT'd by the caller),
 * resolving a relative link against BASE unless url_base is set; strings
 * point into ITEM or IT. Returns 0, or -1 with *cause (malloc'd) when the
 * item has no id, or neither text nor title. */
int		 jsonmap_mention(const struct jsonmap *map, const cJSON *item,
		    const char *base, struct jsonmap_item *it,
		    struct md_mention *m, char **cause);
void		 jsonmap_item_clear(struct jsonmap_item *it);

/* jsonmap_scalar - a string or number VALUE as text: the string itself, or
 * the number printed into BUF (SIZE bytes) without a needless fraction;
 * NULL for anything else. */
const char	*jsonmap_scalar(const cJSON *value, char *buf, size_t size);
/* jsonmap_time - a time value as unix seconds: a number of seconds or
 * milliseconds (or micro-, nanoseconds), the same as a string, RFC 3339, or
 * an RFC 822/850/asctime date; 0 when it is none of these. */
int64_t		 jsonmap_time(const cJSON *value);
/* jsonmap_date - a date string as jsonmap_time reads it; 0 when not one. */
int64_t		 jsonmap_date(const char *s);

/* A limiter for repeated warnings: the first is logged, then at most one a
 * minute, saying how many were held back. */
struct jsonmap_quiet {
	time_t		 last;
	unsigned long	 held;
};
/* jsonmap_quiet_due - may the warning be logged now? *HELD gets how many
 * were held back since the last one logged. */
int		 jsonmap_quiet_due(struct jsonmap_quiet *q, unsigned long *held);

#endif
