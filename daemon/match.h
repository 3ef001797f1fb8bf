/*
 * match.h - phrase matching, the walking skeleton's matcher.
 *
 * A track's query is one or more phrases separated by " OR " (upper case,
 * spaces on both sides); a phrase may be quoted ("...") and then may hold
 * " OR " itself. A phrase matches when it occurs in the mention's title or
 * text as whole words (not inside a longer word), ignoring case and accents
 * (both sides go through text_fold) and with whitespace runs counted as one
 * space. A track with languages only matches mentions whose language is one of
 * them, or unknown. That is all: no AND, NOT, proximity, stemming or fuzzy
 * matching (a later issue replaces this matcher).
 */
#ifndef MATCH_H
#define MATCH_H

#include <stddef.h>

#include "config.h"

struct match_set;
struct mention;

/* match_compile - the phrases of N TRACKS (copied). NULL with *cause set
 * ("track NAME (FILE:LINE): why") on an empty phrase or a stray quote. */
struct match_set *match_compile(const struct config_track *tracks, size_t n,
		    char **cause);
/* match_fold - the text match_run and classify_run search: the folded title
 * and text of M, whitespace runs made single spaces, title and text joined by
 * a newline (a phrase never spans them). Malloc'd. */
char		*match_fold(const struct mention *m);
/* match_run - add to M every track that matches FOLDED (from match_fold(M))
 * and every phrase that matched, as written in the query; returns the number
 * of tracks that matched. */
int		 match_run(const struct match_set *set, struct mention *m,
		    const char *folded);
/* match_phrase_found - whether folded PHRASE occurs in FOLDED as whole words. */
int		 match_phrase_found(const char *folded, const char *phrase,
		    size_t len);
void		 match_free(struct match_set *set);

#endif
