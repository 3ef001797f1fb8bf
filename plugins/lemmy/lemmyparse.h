/*
 * lemmyparse.h - the Lemmy connector's parser: one body of GET
 * /api/v3/search (its "posts" and "comments" arrays) into items, with no I/O,
 * so that the connector, `mentionctl parse lemmy` and the fuzz target share it.
 */
#ifndef LEMMYPARSE_H
#define LEMMYPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "mentiond/plugin.h"

enum lemmy_kind {
	LEMMY_POST,
	LEMMY_COMMENT,
};

/* One post or comment. id, url and text are never NULL; author_handle
 * (a creator without a name), author_name and title may be. All are the
 * parser's, valid during the callback only. */
struct lemmy_item {
	enum lemmy_kind	 kind;
	const char	*id;		/* ap_id: the same on every instance */
	const char	*url;		/* ap_id too: where it lives */
	const char	*author_handle;	/* name@instance of the creator */
	const char	*author_name;	/* display_name, or NULL */
	const char	*title;		/* post name; NULL for a comment */
	const char	*text;		/* markdown; a post's link appended */
	int64_t		 published_us;	/* microseconds since the epoch */
	long long	 score;
	long long	 replies;	/* comments; a comment's children */
};

/* Called for each item in the body's order; return 0 to go on, -1 to stop. */
typedef int (*lemmy_item_fn)(const struct lemmy_item *it, void *arg);

/*
 * lemmy_parse - hand each live item of BODY (LEN bytes) to FN, skipping
 * deleted and removed ones and those without an ap_id or a readable
 * published time. *NRAW (if not NULL) is set to the number of entries in the
 * arrays, skipped ones included, so that the caller can tell a full page.
 * Returns the number of items handed over; with *CAUSE set (malloc'd) when
 * the body is broken (truncated JSON): then 0. Returns -1 with *CAUSE when
 * the body is not a Lemmy search response at all.
 */
int	lemmy_parse(const char *body, size_t len, lemmy_item_fn fn, void *arg,
	    size_t *nraw, char **cause);

/* lemmy_time - an RFC 3339 time, the zone optional (then UTC), into
 * microseconds since the epoch. 0, or -1 when it is not one. */
int	lemmy_time(const char *s, int64_t *us);

/* lemmy_mention - the mention of IT, pointing into IT. */
void	lemmy_mention(const struct lemmy_item *it, struct md_mention *m);

#endif
