/*
 * bskyparse.h - the Bluesky connector's parser: an app.bsky.feed.searchPosts
 * response turned into mentions, with nothing of the host but the md_mention
 * struct, so that the fuzz target and `mentionctl parse bluesky` run exactly
 * this code.
 */
#ifndef BSKYPARSE_H
#define BSKYPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "mentiond/plugin.h"

#define BSKYPARSE_CURSOR_MAX	1024	/* longer cursors are not followed */

/* One post as the connector emits it, valid during the callback only. */
struct bskyparse_post {
	struct md_mention	 m;
	int64_t			 sort_us;	/* what "latest" sorts on, 0 unknown */
};

/* Called per post that makes a mention; return 0 to go on, -1 to stop. */
typedef int	(*bskyparse_fn)(const struct bskyparse_post *p, void *arg);

/* What a page says besides its posts. */
struct bskyparse_page {
	size_t		 count;		/* posts in the array, usable or not */
	char		*cursor;	/* the next page's cursor (malloc'd), or NULL */
	int64_t		 newest_us;	/* greatest sort_us, 0 when none */
	int64_t		 oldest_us;	/* least sort_us, 0 when none */
};

/*
 * bskyparse_page - the posts of BODY (LEN bytes), a searchPosts response
 * ({"posts": [...], "cursor": "..."}). FN is called for each post that makes
 * a mention. PAGE, when not NULL, is filled (free it with
 * bskyparse_page_clear). Returns the number of mentions; with *CAUSE set
 * (malloc'd) when the JSON is broken (then none are read); or -1 with *CAUSE
 * when BODY is not a searchPosts response.
 */
int		 bskyparse_page(const char *body, size_t len, bskyparse_fn fn,
		    void *arg, struct bskyparse_page *page, char **cause);
/* bskyparse_page_clear - free what bskyparse_page put in PAGE. */
void		 bskyparse_page_clear(struct bskyparse_page *page);

/*
 * bskyparse_text - the text of a post: TEXT (LEN bytes of UTF-8) with each
 * app.bsky.richtext.facet#link of FACETS (a cJSON array, or NULL) put back:
 * a shortened link ("example.com/long-pa...") becomes its full URI, a link on
 * other words becomes <a href> (and then the whole text is HTML, escaped).
 * Facets whose byte offsets are out of range, overlap or cut a character
 * are ignored. Returns a malloc'd string, or NULL when out of memory.
 */
struct cJSON;
char		*bskyparse_text(const char *text, size_t len,
		    const struct cJSON *facets);

/* bskyparse_date_us - the unix time in microseconds of an RFC 3339
 * timestamp, or -1 when S is not one. */
int64_t		 bskyparse_date_us(const char *s);

#endif
