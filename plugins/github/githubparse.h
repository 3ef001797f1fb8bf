/*
 * githubparse.h - the GitHub connector's parser: one body of GET
 * /search/issues ({"total_count", "incomplete_results", "items": [...]}),
 * of GET /repos/OWNER/REPO/issues/comments (an array of comments), or an
 * error ({"message", "errors"}) into items and what the body said, with no
 * I/O, so that the connector, `mentionctl parse github` and the fuzz target
 * share it.
 */
#ifndef GITHUBPARSE_H
#define GITHUBPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "mentiond/plugin.h"

enum github_body {
	GITHUB_SEARCH,		/* an object with items */
	GITHUB_LIST,		/* an array */
	GITHUB_ERROR,		/* an object with a message */
};

/* One issue, pull request or comment. id, url and text are never NULL; the
 * others may be. All are the parser's, valid during the callback only. */
struct github_item {
	long long	 num;		/* GitHub's id: unique per kind */
	const char	*id;		/* html_url; a comment's without
					   https:// (see githubparse.c) */
	const char	*url;		/* html_url */
	const char	*author_handle;	/* user.login */
	const char	*title;		/* an issue's; NULL for a comment */
	const char	*text;		/* body (markdown), "" when none */
	int64_t		 published;	/* created_at, unix seconds */
	long long	 score;		/* reactions.total_count */
	long long	 replies;	/* comments of an issue */
};

/* What the body said. */
struct github_info {
	enum github_body body;
	size_t		 nraw;		/* entries of items or of the array */
	long long	 total_count;	/* -1 when absent */
	int		 incomplete;	/* incomplete_results */
	char		 message[256];	/* an error's message and first error */
};

/* Called for each item in the body's order; return 0 to go on, -1 to stop. */
typedef int (*github_item_fn)(const struct github_item *it, void *arg);

/*
 * github_parse - fill INFO (if not NULL) and hand each item of BODY (LEN
 * bytes) to FN. Items without an id, an html_url or a readable created_at,
 * and those with neither body nor title, are skipped. Returns the number
 * handed over (0 for an error body); with *CAUSE set (malloc'd) when the
 * body is broken (truncated JSON): then 0. Returns -1 with *CAUSE when it
 * is none of the three.
 */
int	github_parse(const char *body, size_t len, github_item_fn fn,
	    void *arg, struct github_info *info, char **cause);

/* github_time - an RFC 3339 time into unix seconds; 0, or -1. */
int	github_time(const char *s, int64_t *out);

/* github_mention - the mention of IT, pointing into IT. */
void	github_mention(const struct github_item *it, struct md_mention *m);

#endif
