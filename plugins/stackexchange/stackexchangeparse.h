/*
 * stackexchangeparse.h - the Stack Exchange connector's parser: one body of
 * the API (the common wrapper {"items": [...], "has_more", "quota_max",
 * "quota_remaining", "backoff"} or an error {"error_id", "error_name",
 * "error_message"}) into items and what the wrapper says, with no I/O, so
 * that the connector, `mentionctl parse stackexchange` and the fuzz target
 * share it.
 */
#ifndef STACKEXCHANGEPARSE_H
#define STACKEXCHANGEPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "mentiond/plugin.h"

enum stackexchange_kind {
	STACKEXCHANGE_QUESTION,
	STACKEXCHANGE_ANSWER,
	STACKEXCHANGE_COMMENT,
};

/* One question, answer or comment. id, url and text are never NULL; the
 * others may be. All are the parser's, valid during the callback only. */
struct stackexchange_item {
	enum stackexchange_kind	 kind;
	long long		 num;		/* question_id, answer_id... */
	const char		*id;		/* "q123", "a456", "c789" */
	const char		*url;		/* link, else a short link; a
						   comment's always short */
	const char		*author_handle;	/* owner.display_name */
	const char		*title;		/* NULL for a comment */
	const char		*text;		/* body (HTML) */
	int64_t			 published;	/* creation_date */
	long long		 score;
	long long		 replies;	/* answer_count of a question */
};

/* What the wrapper said. Numbers are -1 when absent. */
struct stackexchange_info {
	size_t			 nraw;		/* entries of items */
	int			 has_more;
	long long		 quota_max;
	long long		 quota_remaining;
	long long		 backoff;	/* seconds; 0 when none */
	long long		 error_id;	/* 0 when not an error */
	char			 error_name[64];
	char			 error_message[256];
};

/* Called for each item in the body's order; return 0 to go on, -1 to stop. */
typedef int (*stackexchange_item_fn)(const struct stackexchange_item *it,
	    void *arg);

/*
 * stackexchange_parse - fill INFO (if not NULL) from the wrapper of BODY
 * (LEN bytes) and hand each item to FN, short links made under DOMAIN (the
 * site's host, "stackoverflow.com"). Items without an id, a creation date
 * or a text are skipped. Returns the number handed over (0 for an error
 * body: see INFO->error_id); with *CAUSE set (malloc'd) when the body is
 * broken (truncated JSON): then 0. Returns -1 with *CAUSE when it is
 * neither a wrapper nor an error.
 */
int	stackexchange_parse(const char *body, size_t len, const char *domain,
	    stackexchange_item_fn fn, void *arg,
	    struct stackexchange_info *info, char **cause);

/* stackexchange_domain - the host of SITE (an API site parameter, such as
 * "stackoverflow", "unix" or "meta.stackoverflow.com") into BUF. */
void	stackexchange_domain(const char *site, char *buf, size_t size);

/* stackexchange_mention - the mention of IT, pointing into IT. */
void	stackexchange_mention(const struct stackexchange_item *it,
	    struct md_mention *m);

#endif
