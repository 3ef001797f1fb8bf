/*
 * pipeline.c - the one-way path of a mention (see pipeline.h): match ->
 * deduplicate -> classify -> sink, then alerts.
 *
 * A mention that matches no track is dropped. A duplicate (dedup.h: same
 * id and text, same link with nothing added, a near-copy) raises no alert:
 * the first one did; it is written to the mentions stream with dup_of and
 * dup_reason only with [dedup] keep_duplicates, once across instances and
 * restarts, as a delivery without alerts. An edit (same id, new text)
 * is written to the stream as an update of the first, and alerts only for
 * the classes it has that the first had not (a post edited into a complaint).
 * Every other matched mention is written to the stream, and raises one
 * alert per class that one of its tracks asks for, when its priority reaches
 * that track's min_priority. Each alerting mention logs one notice line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ack.h"
#include "classify.h"
#include "dedup.h"
#include "log.h"
#include "match.h"
#include "mention.h"
#include "pipeline.h"
#include "query.h"
#include "sink.h"
#include "xmalloc.h"

/* Characters of text shown in an alert's log line. */
#define PIPELINE_LOG_CHARS	120

/* What a track asks of alerts, copied from the config. */
struct pipeline_track {
	char		*name;
	unsigned	 classes;	/* CONFIG_CLASS_* */
	double		 min_priority;
};

struct pipeline {
	struct match_set	*match;
	struct pipeline_track	*tracks;
	size_t			 ntracks;
	char			**terms;	/* search terms, NULL-terminated */
	size_t			 nterms;
	struct dedup		*dedup;
	int			 keep_duplicates;
	size_t			 capacity;	/* the dedup's */
	double			 window;	/* the dedup's, for Redis too */
	struct sink		*sink;
	struct pipeline_stats	 stats;
};

static const struct {
	unsigned	 mention;	/* MENTION_* */
	unsigned	 config;	/* CONFIG_CLASS_* */
	unsigned	 sink;		/* SINK_ALERT_* */
	const char	*name;
} pipeline_classes[] = {
	{ MENTION_QUESTION, CONFIG_CLASS_QUESTION, SINK_ALERT_QUESTION,
	  "question" },
	{ MENTION_NEGATIVE, CONFIG_CLASS_NEGATIVE, SINK_ALERT_NEGATIVE,
	  "negative" },
	{ MENTION_POSITIVE, CONFIG_CLASS_POSITIVE, SINK_ALERT_POSITIVE,
	  "positive" },
};
#define PIPELINE_NCLASSES (sizeof(pipeline_classes) / sizeof(pipeline_classes[0]))

/* Free an array of N track settings. */
static void
pipeline_tracks_free(struct pipeline_track *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(t[i].name);
	free(t);
}

/* Forget the search terms. */
static void
pipeline_terms_free(struct pipeline *pl)
{
	size_t i;

	for (i = 0; i < pl->nterms; i++)
		free(pl->terms[i]);
	free(pl->terms);
	pl->terms = NULL;
	pl->nterms = 0;
}

struct pipeline *
pipeline_new(const struct config *cfg, struct sink *sink, char **cause)
{
	struct dedup_params p;
	struct pipeline *pl;

	pl = xcalloc(1, sizeof(*pl));
	if (pipeline_set_tracks(pl, cfg, cause) != 0) {
		free(pl);
		return NULL;
	}
	dedup_params_from_config(&cfg->dedup, &p);
	pl->dedup = dedup_new(&p);
	pl->capacity = p.capacity;
	pipeline_set_dedup(pl, cfg);
	pl->sink = sink;
	return pl;
}

void
pipeline_set_dedup(struct pipeline *pl, const struct config *cfg)
{
	struct dedup_params p;

	dedup_params_from_config(&cfg->dedup, &p);
	if (dedup_count(pl->dedup) == 0 && p.capacity != pl->capacity) {
		dedup_free(pl->dedup);
		pl->dedup = dedup_new(&p);
		pl->capacity = p.capacity;
	} else if (p.capacity != pl->capacity)
		log_notice("dedup", "capacity %zu takes effect at the next "
		    "start (it stays %zu)", p.capacity, pl->capacity);
	dedup_set_params(pl->dedup, &p);
	pl->window = p.window;
	pl->keep_duplicates = cfg->dedup.keep_duplicates;
}

int
pipeline_set_tracks(struct pipeline *pl, const struct config *cfg,
    char **cause)
{
	struct pipeline_track *tracks;
	struct match_set *set;
	size_t i;

	set = match_compile(cfg->tracks, cfg->ntracks, cause);
	if (set == NULL)
		return -1;
	tracks = xcalloc(cfg->ntracks, sizeof(*tracks));
	for (i = 0; i < cfg->ntracks; i++) {
		tracks[i].name = xstrdup(cfg->tracks[i].name);
		tracks[i].classes = cfg->tracks[i].alert_classes;
		tracks[i].min_priority = cfg->tracks[i].min_priority;
	}
	match_free(pl->match);
	pipeline_tracks_free(pl->tracks, pl->ntracks);
	pl->match = set;
	pl->tracks = tracks;
	pl->ntracks = cfg->ntracks;
	pipeline_terms_free(pl);
	for (i = 0; i < cfg->ntracks; i++) {
		struct query_node *q;
		char *why = NULL;
		int column;

		/* It compiled above, so it parses. */
		q = query_parse(cfg->tracks[i].query, &column, &why);
		query_search_terms(q, &pl->terms, &pl->nterms);
		query_free(q);
		free(why);
	}
	return 0;
}

const char *const *
pipeline_search_terms(const struct pipeline *pl)
{
	static const char *const none[] = { NULL };

	return pl->terms != NULL ? (const char *const *)pl->terms : none;
}

void
pipeline_set_sink(struct pipeline *pl, struct sink *sink)
{
	pl->sink = sink;
}

/* The sink's SINK_ALERT_* for MENTION_* classes CLASSES. */
static unsigned
pipeline_sink_alerts(unsigned classes)
{
	unsigned out = 0;
	size_t k;

	for (k = 0; k < PIPELINE_NCLASSES; k++)
		if (classes & pipeline_classes[k].mention)
			out |= pipeline_classes[k].sink;
	return out;
}

/* The alert settings of track NAME, or NULL. */
static const struct pipeline_track *
pipeline_track(const struct pipeline *pl, const char *name)
{
	size_t i;

	for (i = 0; i < pl->ntracks; i++)
		if (strcmp(pl->tracks[i].name, name) == 0)
			return &pl->tracks[i];
	return NULL;
}

/* The first N characters of S (malloc'd), cut on a UTF-8 boundary, with "..."
 * when something was left out. */
static char *
pipeline_shorten(const char *s, size_t n)
{
	size_t i = 0, chars = 0;

	while (s[i] != '\0' && chars < n) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	if (s[i] == '\0')
		return xstrdup(s);
	while (i > 0 && s[i - 1] == ' ')
		i--;
	return xasprintf("%.*s...", (int)i, s);
}

/* The one line an alerting mention logs (malloc'd), or NULL when notices
 * are not logged: CLASSES, edited or not, priority, TRACKS, author, source,
 * the start of its text, its URL. */
static char *
pipeline_alert_line(const struct mention *m, const char *classes,
    const char *tracks)
{
	const char *who, *text;
	char *shown, *line;

	if (log_get_level() < LOG_NOTICE)
		return NULL;
	who = m->author_handle ? m->author_handle :
	    m->author_name ? m->author_name : "?";
	text = (m->text != NULL && *m->text != '\0') ? m->text :
	    m->title ? m->title : "";
	shown = pipeline_shorten(text, PIPELINE_LOG_CHARS);
	/* Only new mentions and edits alert: a reason means an edit. */
	line = xasprintf("%s%s p=%.2f [%s] %s%s (%s): \"%s\"%s%s", classes,
	    m->dup_reason != NULL ? " (edited)" : "", m->priority, tracks,
	    (m->author_handle && *who != '@') ? "@" : "", who, m->source,
	    shown, m->url ? " " : "", m->url ? m->url : "");
	free(shown);
	return line;
}

/* The alerts M raises (MENTION_*), but none for a class in SKIP (what the
 * first version of an edited post alerted on already); *LINE gets the alert
 * log line (malloc'd or NULL). */
static unsigned
pipeline_alerts(struct pipeline *pl, const struct mention *m, unsigned skip,
    char **line)
{
	const struct pipeline_track *t;
	char classes[64] = "", tracks[256] = "";
	unsigned raised = 0, want;
	size_t i, k, tlen = 0, clen = 0, n;

	*line = NULL;
	for (i = 0; i < m->ntracks; i++) {
		if ((t = pipeline_track(pl, m->tracks[i])) == NULL)
			continue;
		if (m->priority < t->min_priority)
			continue;
		want = 0;
		for (k = 0; k < PIPELINE_NCLASSES; k++)
			if ((t->classes & pipeline_classes[k].config) &&
			    (m->classes & pipeline_classes[k].mention))
				want |= pipeline_classes[k].mention;
		want &= ~skip;
		if (want == 0)
			continue;
		raised |= want;
		n = strlen(t->name);
		if (tlen + n + 2 < sizeof(tracks)) {
			if (tlen > 0)
				tracks[tlen++] = ',';
			memcpy(tracks + tlen, t->name, n + 1);
			tlen += n;
		}
	}
	if (raised == 0)
		return 0;

	for (k = 0; k < PIPELINE_NCLASSES; k++) {
		if ((raised & pipeline_classes[k].mention) == 0)
			continue;
		pl->stats.alerts++;
		/* Three short names: always room. */
		n = strlen(pipeline_classes[k].name);
		if (clen > 0)
			classes[clen++] = ',';
		memcpy(classes + clen, pipeline_classes[k].name, n + 1);
		clen += n;
	}
	*line = pipeline_alert_line(m, classes, tracks);
	return raised;
}

/* sink_done: a mention written by Redis, or lost, tells its source. */
static void
pipeline_accepted(void *arg, uint64_t seq, int ok)
{
	ack_done(arg, seq, ok);
}

/* The sink_done that hands M's acceptance over to the sink, or NULL. */
static const struct sink_done *
pipeline_done(struct mention *m, struct sink_done *done)
{
	if (m->ack == NULL)
		return NULL;
	done->fn = pipeline_accepted;
	done->arg = m->ack;
	done->seq = m->ack_seq;
	m->ack = NULL;
	return done;
}

void
pipeline_emit(struct pipeline *pl, struct mention *m)
{
	enum dedup_reason seen;
	struct dedup_hit hit = { 0 };
	struct sink_done done;
	struct sink_text text = { NULL, 0, 0 };
	char *folded, *key, *first = NULL, *json, *line;
	unsigned raised;

	if (m == NULL)
		return;
	pl->stats.emitted++;
	folded = match_fold(m);
	if (match_run(pl->match, m, folded) == 0)
		goto out;
	pl->stats.matched++;

	seen = dedup_check(pl->dedup, m, folded, m->seen_ms, &hit);
	if (seen != DEDUP_NEW)
		pl->stats.reasons[seen]++;
	if (seen != DEDUP_NEW && seen != DEDUP_UPDATE) {
		pl->stats.duplicates++;
		if (!pl->keep_duplicates || seen == DEDUP_SAME_ID)
			goto out;
	}

	classify_run(m, folded);
	if (seen == DEDUP_UPDATE) {
		dedup_set_classes(pl->dedup, &hit, hit.prev_classes |
		    m->classes);
		/* Its own entry, named by its text so that every instance
		 * names the same edit alike. */
		first = mention_key(m);
		key = xasprintf("%s#edit-%08x", first, hit.text_hash);
	} else {
		if (seen == DEDUP_NEW)
			dedup_set_classes(pl->dedup, &hit, m->classes);
		key = mention_key(m);
	}
	json = mention_to_json(m);
	if (seen == DEDUP_NEW || seen == DEDUP_UPDATE) {
		raised = pipeline_alerts(pl, m, hit.prev_classes, &line);
		/* Redis tells an edit of what it was sent before this memory
		 * began from a repeat by the text's hash. */
		text.first = first;
		text.hash = hit.text_hash;
		text.classes = pipeline_sink_alerts(m->classes);
		if (pl->sink != NULL)
			sink_deliver(pl->sink, key, json,
			    pipeline_sink_alerts(raised), pl->window, &text,
			    line, pipeline_done(m, &done));
		else {
			if (line != NULL)
				log_notice("alert", "%s", line);
			free(line);
		}
	} else if (pl->sink != NULL) {
		/* A kept duplicate is delivered too, with no alert: it claims
		 * its own seen key, so that a second instance, or a restart
		 * reading it again, does not write it twice. */
		sink_deliver(pl->sink, key, json, 0, pl->window, NULL, NULL,
		    pipeline_done(m, &done));
	}
	free(json);
	free(first);
	free(key);

out:
	free(folded);
	/* Unmatched, a repeat, or no sink: nothing more to write. */
	if (m->ack != NULL) {
		ack_done(m->ack, m->ack_seq, 1);
		m->ack = NULL;
	}
	mention_free(m);
}

void
pipeline_stats(const struct pipeline *pl, struct pipeline_stats *st)
{
	*st = pl->stats;
}

void
pipeline_free(struct pipeline *pl)
{
	if (pl == NULL)
		return;
	pipeline_terms_free(pl);
	match_free(pl->match);
	pipeline_tracks_free(pl->tracks, pl->ntracks);
	dedup_free(pl->dedup);
	free(pl);
}
