/*
 * match.h - tracked queries (the language of query.h) compiled into one
 * multi-pattern automaton, run once over each mention.
 *
 * Every term of every track that is looked for in the title or the text goes
 * into one byte trie over folded UTF-8 (text_fold: NFKC, case folded, accents
 * removed; whitespace runs made one space). The folded text is scanned once;
 * at every word start (and at every '@', '#' or other punctuation that some
 * term starts with) the trie is walked as far as the text follows it, so the
 * cost per byte does not grow with the number of tracks or terms. Only the
 * tracks that a hit belongs to (and those that can match without a hit, such
 * as "author:acme") then have their query evaluated.
 *
 * Words: letters, marks and digits of any script, and '_'. A term matches
 * whole words: "acme" matches "acme", "Acme's", "l'acme", "d'Acme", "(ACME)",
 * "#acme" but not "acmecorp", "megaacme" or "acme_x". acme* matches any word
 * that starts with acme. A term that starts or ends with punctuation ("c++")
 * needs no word boundary on that side.
 *
 * Handles and hashtags: "@acme" and "#acme" match only that handle or
 * hashtag ("@acme" not in "bob@acme.com", nor "@acmesupport"). A plain word
 * matches a hashtag (#acme is acme used as a topic, which is what a community
 * manager tracking acme wants to see) but not a handle: "@acme" addresses an
 * account (replies to it are threads about anything), so handles are tracked
 * with @acme, explicitly. This is what Brandwatch and Talkwalker do.
 *
 * Exact case (="ACME"): the term is found in the folded text, then kept only
 * if the same word position holds the term in the original text, byte for
 * byte (whitespace runs still count as one space).
 *
 * NEAR/n: at most n words between the two sides (either order), counted in
 * the folded text of the title and the text; the sides may not overlap.
 *
 * Fields: title: terms match the title only; author: the handle (with or
 * without '@', whole) or whole words of the author's name; url: any part of
 * the URL (case-insensitive); site: the URL's host or a host under it
 * (site:acme.com matches www.acme.com and shop.acme.com, not notacme.com);
 * lang: the mention's language (primary subtag, unknown never matches);
 * source: the source's name or its plugin's.
 *
 * A track with languages only matches mentions whose language is one of them,
 * or unknown.
 *
 * What a track reports (mention_add_term): the terms of its query, as
 * written, that make it match (found, in a true branch, not under a NOT).
 */
#ifndef MATCH_H
#define MATCH_H

#include <stddef.h>

#include "config.h"

struct match_set;
struct mention;

/* match_compile - the queries of N TRACKS (copied) as one automaton. NULL
 * with *cause set ("track NAME (FILE:LINE): query column N: why") when a
 * query does not parse or has a term with nothing to match. */
struct match_set *match_compile(const struct config_track *tracks, size_t n,
		    char **cause);
/* match_check - compile every track of CFG on its own, adding to ERRS one
 * "FILE:LINE: [track NAME] query column N: why" per bad query; -1 if any. */
int		 match_check(const struct config *cfg,
		    struct config_errors *errs);
/* match_fold - the text match_run and classify_run search: the folded title
 * and text of M, whitespace runs made single spaces, title and text joined by
 * a newline (a phrase never spans them). Malloc'd. */
char		*match_fold(const struct mention *m);
/* match_run - add to M every track that matches (FOLDED is match_fold(M))
 * and the terms it found, as written in the query; returns the number of
 * tracks that matched. */
int		 match_run(const struct match_set *set, struct mention *m,
		    const char *folded);
/* match_phrase_found - whether folded PHRASE occurs in FOLDED as whole words. */
int		 match_phrase_found(const char *folded, const char *phrase,
		    size_t len);
/* match_memory - bytes held by SET's automaton and tables. */
size_t		 match_memory(const struct match_set *set);
/* match_stats - how many tracks, terms and trie states SET has. */
void		 match_stats(const struct match_set *set, size_t *tracks,
		    size_t *terms, size_t *states);
void		 match_free(struct match_set *set);

#endif
