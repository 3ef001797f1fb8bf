/*
 * discourseparse.h - the Discourse connector's parser: one body of GET
 * /posts.json (the forum's latest posts, newest first) into items, with no
 * I/O, so that the connector, `mentionctl parse discourse` and the fuzz
 * target share it.
 */
#ifndef DISCOURSEPARSE_H
#define DISCOURSEPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "mentiond/plugin.h"

/* One post. id, url and text are never NULL; the others may be. All are the
 * parser's, valid during the callback only. */
struct discourse_item {
	int64_t		 post_id;
	const char	*id;		/* {forum}/p/{post id}: stable */
	const char	*url;		/* {forum}/t/{slug}/{topic}/{number} */
	const char	*author_handle;	/* username */
	const char	*author_name;	/* name */
	const char	*title;		/* the topic's */
	const char	*text;		/* cooked HTML, else raw */
	int64_t		 published;	/* created_at, unix seconds */
	long long	 score;		/* likes */
	long long	 replies;	/* reply_count */
};

/* What a page held, the posts skipped included. */
struct discourse_page {
	size_t		 nraw;		/* entries of latest_posts */
	int64_t		 min_id;	/* lowest post id, 0 when none */
	int64_t		 max_id;	/* highest post id, 0 when none */
};

/* Called for each item in the body's order; return 0 to go on, -1 to stop. */
typedef int (*discourse_item_fn)(const struct discourse_item *it, void *arg);

/*
 * discourse_parse - hand each post of BODY (LEN bytes) to FN, with links
 * under FORUM (the forum's base URL, no final /). Posts without an id,
 * topic or time, deleted or hidden posts, and all but regular posts (small
 * actions such as "closed the topic", whispers) are skipped. PAGE (if not
 * NULL) says what the page held. Returns the number of items handed over;
 * with *CAUSE set (malloc'd) when the body is broken (truncated JSON): then
 * 0. Returns -1 with *CAUSE when it is not a posts.json body at all.
 */
int	discourse_parse(const char *body, size_t len, const char *forum,
	    discourse_item_fn fn, void *arg, struct discourse_page *page,
	    char **cause);

/* discourse_time - an RFC 3339 time into unix seconds; 0, or -1. */
int	discourse_time(const char *s, int64_t *out);

/* discourse_mention - the mention of IT, pointing into IT. */
void	discourse_mention(const struct discourse_item *it,
	    struct md_mention *m);

#endif
