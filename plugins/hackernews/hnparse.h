/*
 * hnparse.h - the parser of the hackernews connector: one response of the
 * Algolia HN Search API (/api/v1/search_by_date) turned into mentions.
 */
#ifndef HNPARSE_H
#define HNPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "mentiond/plugin.h"

/* What a page says about itself and the hits it held. */
struct hnparse_page {
	long long	 page;		/* "page", -1 when absent */
	long long	 nbpages;	/* "nbPages", -1 when absent */
	int64_t		 newest;	/* highest created_at_i of any hit, 0 if none */
	int64_t		 oldest;	/* lowest, 0 if none */
	int		 hits;		/* hits seen, emitted or not */
	int		 skipped;	/* hits without an id or any text */
};

/* One mention (its published time is the hit's created_at_i). Return 0 to
 * go on, -1 to stop. M and its strings are valid during the call only. */
typedef int (*hnparse_fn)(const struct md_mention *m, void *arg);

/*
 * hnparse_parse - read BODY (LEN bytes, need not be NUL-terminated) and call
 * FN for each hit that has an id and some text or title, newest first as the
 * API sends them. PAGE, if not NULL, is filled in. Returns the number of
 * mentions FN was called for; *CAUSE is set (malloc'd) when the body broke
 * off or went wrong part way. Returns -1 with *CAUSE when the body is not a
 * search response at all.
 */
int	hnparse_parse(const char *body, size_t len, struct hnparse_page *page,
	    hnparse_fn fn, void *arg, char **cause);

#endif
