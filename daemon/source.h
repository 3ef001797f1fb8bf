/*
 * source.h - a running source: one [source NAME] section bound to its plugin.
 * This file implements the host services of mentiond/plugin.h for a source:
 * log, config, emit, durable state, timers, file watches and HTTP. Every task
 * a source creates is tracked here and cancelled when the source stops.
 */
#ifndef SOURCE_H
#define SOURCE_H

#include "config.h"
#include "mentiond/plugin.h"

struct event_base;
struct http_engine;
struct mention;
struct source;
struct source_settings;

/* What every source shares: the loop, the HTTP engine, where state lives, the
 * pipeline entry that takes ownership of each emitted mention, and whether
 * the pipeline is backed up. While busy() says so, the host holds back the
 * timers and file watches of every source (a file is left unread, its cursor
 * where it was) instead of piling up mentions it cannot deliver; data that
 * arrives on its own (HTTP responses, streams) still flows. */
struct source_env {
	struct event_base	*base;
	struct http_engine	*http;
	const char		*state_dir;
	void			(*emit)(struct mention *m, void *arg);
	int			(*busy)(void *arg);	/* NULL: never busy */
	/* The tracks' search terms (NULL-terminated); NULL: none. */
	const char *const	*(*search_terms)(void *arg);
	void			*emit_arg;
};

/* source_check - validate CFG against plugin P's settings table: unknown keys,
 * bad values and missing required keys are appended to ERRS as FILE:LINE
 * messages. Returns 0 when valid, -1 otherwise. */
int		 source_check(const struct md_plugin *p,
		    const struct config_source *cfg, struct config_errors *errs);
/* source_start - fill the settings, open the durable state and call the
 * plugin's start(). CFG is copied. Returns NULL with *cause set on failure. */
struct source	*source_start(const struct source_env *env,
		    const struct md_plugin *p, const struct config_source *cfg,
		    char **cause);
/* source_quiesce - cancel the source's tasks and call the plugin's stop(), but
 * keep its state: cursors still wait for the mentions in flight (a daemon
 * that stops quiesces its sources, flushes the sink, then stops them). */
void		 source_quiesce(struct source *src);
/* source_stop - quiesce, save the state (cursors whose mentions are all
 * accepted), free the source. */
void		 source_stop(struct source *src);
/* source_settings_new - plugin P's context filled from CFG as start() would
 * get it, except that missing required keys are allowed: what `mentionctl
 * parse` hands to P's parse(). NULL with *cause on a bad key or value. */
struct source_settings *source_settings_new(const struct md_plugin *p,
		    const struct config_source *cfg, char **cause);
void		*source_settings_ctx(struct source_settings *ss);
void		 source_settings_free(struct source_settings *ss);
const char	*source_name(const struct source *src);
const struct config_source *source_config(const struct source *src);
/* source_save_state - write the source's cursors now if they changed. */
int		 source_save_state(struct source *src);

#endif
