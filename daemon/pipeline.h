/*
 * pipeline.h - the one-way path of a mention: match tracked queries ->
 * deduplicate -> classify -> sink. It owns the matcher and the dedup set; it
 * does not know which plugin produced a mention.
 */
#ifndef PIPELINE_H
#define PIPELINE_H

#include "config.h"
#include "dedup.h"

struct mention;
struct pipeline;
struct sink;

struct pipeline_stats {
	unsigned long long	emitted;
	unsigned long long	matched;
	unsigned long long	duplicates;	/* same_id, same_url, near_text */
	unsigned long long	alerts;
	unsigned long long	reasons[DEDUP_NREASONS];	/* by enum dedup_reason */
};

/* pipeline_new - tracks from CFG, writing to SINK. NULL with *cause set when a
 * track's query does not compile. */
struct pipeline	*pipeline_new(const struct config *cfg, struct sink *sink,
		    char **cause);
/* pipeline_set_tracks - replace the tracks (config reload); -1 with *cause and
 * the old tracks kept on error. */
int		 pipeline_set_tracks(struct pipeline *pl, const struct config *cfg,
		    char **cause);
/* pipeline_set_dedup - apply CFG's [dedup] (config reload: the capacity
 * changes only while nothing is remembered yet). */
void		 pipeline_set_dedup(struct pipeline *pl, const struct config *cfg);
void		 pipeline_set_sink(struct pipeline *pl, struct sink *sink);
/* pipeline_search_terms - every track's search terms (query_search_terms),
 * NULL-terminated, valid until the tracks change. */
const char *const *pipeline_search_terms(const struct pipeline *pl);
/* pipeline_emit - run M through every stage; takes ownership of M. */
void		 pipeline_emit(struct pipeline *pl, struct mention *m);
void		 pipeline_stats(const struct pipeline *pl, struct pipeline_stats *st);
void		 pipeline_free(struct pipeline *pl);

#endif
