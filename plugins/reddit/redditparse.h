/*
 * redditparse.h - the parser of the reddit connector: one Listing response
 * (search, a subreddit's new posts or new comments) turned into mentions.
 */
#ifndef REDDITPARSE_H
#define REDDITPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "mentiond/plugin.h"

#define REDDITPARSE_NAME_MAX	32	/* a fullname ("t3_1cfx0ab") and its NUL */

/* One thing of the listing, as the connector's cursor sees it. */
struct redditparse_item {
	const char		*fullname;	/* "t3_..." or "t1_..." */
	int64_t			 created;	/* created_utc, 0 when unknown */
	const struct md_mention	*mention;	/* NULL: nothing to emit (a
						 * removed comment) */
};

/* What a listing page held. */
struct redditparse_page {
	int		 things;		/* posts and comments with a fullname */
	char		 newest[REDDITPARSE_NAME_MAX];	/* the first, "" if none */
	int64_t		 newest_created;
	char		 oldest[REDDITPARSE_NAME_MAX];	/* the last */
	int64_t		 oldest_created;
};

/* One thing, in listing order (newest first). Return 0 to go on, -1 to stop.
 * IT and what it points to are valid during the call only. */
typedef int (*redditparse_fn)(const struct redditparse_item *it, void *arg);

/*
 * redditparse_parse - read BODY (LEN bytes): a Listing, or an array of them
 * (a thread page), and call FN for each post (t3) and comment (t1) with a
 * fullname. PAGE, if not NULL, is filled in. Returns the number of things
 * with a mention; *CAUSE (malloc'd) is set when the body is broken (for
 * truncated JSON no thing is read). Returns -1 with *CAUSE when the body is
 * not a listing at all (an error document, HTML).
 */
int	redditparse_parse(const char *body, size_t len,
	    struct redditparse_page *page, redditparse_fn fn, void *arg,
	    char **cause);

#endif
