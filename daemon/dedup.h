/*
 * dedup.h - is this mention one the team has already been told about?
 *
 * A mention is judged against the mentions remembered over the last window
 * (default 7 days, at most `capacity` of them, oldest forgotten first):
 *
 *   same_id    the same source and id (for an id that is an http(s) URL, the
 *              same canonical URL, so an http/https or host-case variant of
 *              a feed GUID is the same item) with the same text: a repeat.
 *   update     the same source and id with a changed text: an edit. It is
 *              not a new mention, but the caller may alert again when the
 *              edit changed its classes (dedup_set_classes records them).
 *   same_url   another mention with the same canonical link (urlcanon.h)
 *              that adds no opinion of its own: its text, less links, is
 *              shorter than min_words words or a near-copy of the first's.
 *              A comment about a link ("acme's new router is a disaster,
 *              see https://...") is a new mention, not a duplicate.
 *   near_text  a near-copy of a remembered text (simhash.h): cross-posts
 *              with other boilerplate, truncations, "RT @x:" and quotes.
 *
 * A duplicate gets m->dup_of (the key of the first, "source:id") and
 * m->dup_reason. Memory is bounded: see dedup_memory().
 */
#ifndef DEDUP_H
#define DEDUP_H

#include <stddef.h>
#include <stdint.h>

struct config_dedup;
struct dedup;
struct mention;

enum dedup_reason {
	DEDUP_NEW = 0,		/* first time: remembered */
	DEDUP_SAME_ID,		/* same source:id, same text */
	DEDUP_UPDATE,		/* same source:id, text changed */
	DEDUP_SAME_URL,		/* same canonical link, nothing added */
	DEDUP_NEAR_TEXT,	/* a near-copy of a remembered text */
};
#define DEDUP_NREASONS	5

/* What dedup is asked to do ([dedup] in the config). */
struct dedup_params {
	double		 window;	/* seconds a mention is remembered */
	size_t		 capacity;	/* mentions remembered at most */
	int		 near_distance;	/* SimHash bits that may differ; 0 off */
	int		 min_words;	/* texts shorter are never near-copies */
};

/* Where a judged mention is remembered, for dedup_set_classes. */
struct dedup_hit {
	uint32_t	 ref;
	uint32_t	 text_hash;	/* of the folded text judged */
	unsigned	 prev_classes;	/* DEDUP_UPDATE: the first's classes */
};

#define DEDUP_WINDOW_DEFAULT	(7 * 86400.0)
#define DEDUP_CAPACITY_DEFAULT	1000000
#define DEDUP_CAPACITY_MAX	16000000
#define DEDUP_NEAR_DEFAULT	3
#define DEDUP_MIN_WORDS_DEFAULT	8

/* dedup_params_default - the defaults above. */
void		 dedup_params_default(struct dedup_params *p);
/* dedup_params_from_config - P from a config's [dedup] C; the defaults when
 * C was not filled by config_load (its capacity is 0). */
void		 dedup_params_from_config(const struct config_dedup *c,
		    struct dedup_params *p);
/* dedup_new - an empty memory with parameters P (capacity clamped to
 * [1, DEDUP_CAPACITY_MAX]). */
struct dedup	*dedup_new(const struct dedup_params *p);
/* dedup_set_params - apply P's window, near_distance and min_words (the
 * capacity stays what dedup_new was given). */
void		 dedup_set_params(struct dedup *d, const struct dedup_params *p);
/* dedup_check - judge M, whose folded text (match_fold) is FOLDED, as seen
 * at NOW_MS (unix ms), and remember it when new. On a duplicate, set
 * m->dup_of and m->dup_reason. HIT (may be NULL) tells dedup_set_classes
 * where M is remembered: for DEDUP_NEW and DEDUP_UPDATE. */
enum dedup_reason dedup_check(struct dedup *d, struct mention *m,
		    const char *folded, int64_t now_ms, struct dedup_hit *hit);
/* dedup_set_classes - record CLASSES (MENTION_*) for the mention HIT names,
 * so that a later edit can tell whether its classes changed. */
void		 dedup_set_classes(struct dedup *d, const struct dedup_hit *hit,
		    unsigned classes);
/* dedup_reason_name - "same_id", "update", "same_url", "near_text" or NULL
 * for DEDUP_NEW. */
const char	*dedup_reason_name(enum dedup_reason r);
/* dedup_count - how many mentions are remembered. */
size_t		 dedup_count(const struct dedup *d);
/* dedup_memory - bytes held, all tables and keys included. */
size_t		 dedup_memory(const struct dedup *d);
void		 dedup_free(struct dedup *d);

#endif
