/*
 * mastoparse.h - the Mastodon connector's parser: statuses (the JSON of the
 * REST timelines and of the streaming API's update events) turned into
 * mentions, with nothing of the host but the md_mention struct, so that the
 * fuzz target and `mentionctl parse mastodon` run exactly this code.
 */
#ifndef MASTOPARSE_H
#define MASTOPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "mentiond/plugin.h"

#define MASTOPARSE_ID_MAX	64	/* longest timeline id kept as a cursor */

/* One status as the connector emits it, valid during the callback only. */
struct mastoparse_status {
	struct md_mention	 m;
	const char		*timeline_id;	/* the entry's id (the boost's) */
	int64_t			 created;	/* the entry's created_at, 0 unknown */
};

/* Called per status that makes a mention; return 0 to go on, -1 to stop. */
typedef int	(*mastoparse_fn)(const struct mastoparse_status *st, void *arg);

/* What a page of a timeline says besides its statuses. */
struct mastoparse_page {
	size_t		 count;		/* entries in the array, usable or not */
	char		 newest[MASTOPARSE_ID_MAX];	/* greatest id, or "" */
	char		 oldest[MASTOPARSE_ID_MAX];	/* least id, or "" */
	int64_t		 oldest_created;	/* the oldest entry's, 0 unknown */
};

/*
 * mastoparse_page - the statuses of BODY (LEN bytes): a JSON array of
 * statuses, or one status object. FN is called for each that makes a
 * mention (a boost gives the boosted status; one without uri, url or text
 * gives none). PAGE, when not NULL, is filled. Returns the number of
 * mentions; with *CAUSE set (malloc'd) when the JSON is broken (then none
 * are read); or -1 with *CAUSE when BODY is not a status or an array.
 */
int		 mastoparse_page(const char *body, size_t len, mastoparse_fn fn,
		    void *arg, struct mastoparse_page *page, char **cause);

/* mastoparse_idcmp - compare two timeline ids (numbers, or the sortable
 * strings of other servers): <0, 0 or >0 like strcmp. */
int		 mastoparse_idcmp(const char *a, const char *b);

/* mastoparse_date - the unix time of an RFC 3339 timestamp
 * ("2024-05-01T12:00:00.123Z", "...+02:00"), or -1 when S is not one. */
int64_t		 mastoparse_date(const char *s);

#endif
