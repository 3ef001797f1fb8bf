/*
 * mention.h - the mention as the pipeline carries it: an owned copy of what a
 * plugin emitted (struct md_mention) with plain text, plus what the pipeline
 * stages add (matched tracks and terms, classes, sentiment, priority).
 */
#ifndef MENTION_H
#define MENTION_H

#include <stdint.h>

#include "mentiond/plugin.h"

#define MENTION_QUESTION	0x1
#define MENTION_NEGATIVE	0x2
#define MENTION_POSITIVE	0x4

struct mention {
	char		*source;
	char		*plugin;
	char		*id;
	char		*url;
	char		*author_handle;
	char		*author_name;
	long long	 author_followers;	/* -1 unknown */
	char		*title;
	char		*text;			/* plain text, HTML removed */
	char		*lang;
	int64_t		 published;		/* unix seconds, 0 unknown */
	int64_t		 seen_ms;		/* when the host received it, unix ms */
	long long	 score, replies, reposts;	/* -1 unknown */

	/* Added by the pipeline. */
	char		**tracks;		/* matched track names */
	size_t		 ntracks;
	char		**terms;		/* matched terms, deduplicated */
	size_t		 nterms;
	unsigned	 classes;		/* MENTION_* */
	double		 sentiment;		/* [-1, 1] */
	double		 priority;		/* [0, 1] */
	char		*dup_of;		/* key of the mention this repeats */
	const char	*dup_reason;		/* dedup_reason_name(), static */

	/* The source's cursor queue (ack.h), told when the mention is
	 * accepted; NULL once told, or for a mention of no source. */
	struct ack	*ack;
	uint64_t	 ack_seq;
};

struct ack;

/* mention_from_plugin - copy M (of size M->struct_size) emitted by SOURCE
 * (running PLUGIN), turning HTML into plain text. Returns NULL with *cause set
 * when M lacks an id or any text. */
struct mention	*mention_from_plugin(const char *source, const char *plugin,
		    const struct md_mention *m, char **cause);
/* mention_key - "source:id", the mention's unique key (malloc'd). */
char		*mention_key(const struct mention *m);
/* mention_add_track / mention_add_term - append, skipping repeats. */
void		 mention_add_track(struct mention *m, const char *track);
void		 mention_add_term(struct mention *m, const char *term);
/* mention_to_json - the alert/stream payload documented in the README
 * (malloc'd, compact). */
char		*mention_to_json(const struct mention *m);
void		 mention_free(struct mention *m);

#endif
