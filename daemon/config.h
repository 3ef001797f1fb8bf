/*
 * config.h - the daemon's configuration: one INI file (parsed with inih) with
 * `include = GLOB` lines, read into plain structs. Every error is collected as
 * "FILE:LINE: message" so that `mentiond -t` can print them all; a config with
 * errors is never half-applied.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

/* Where a setting came from, for error messages. */
struct config_where {
	char	*file;
	int	 line;
};

/* One `key = value` line; values of repeated keys are kept in order. */
struct config_kv {
	char			*key;
	char			*value;
	struct config_where	 where;
};

/* Which classes of mention raise an alert for a track. */
#define CONFIG_CLASS_QUESTION	0x1
#define CONFIG_CLASS_NEGATIVE	0x2
#define CONFIG_CLASS_POSITIVE	0x4

/* [track NAME]: query, lang (comma list, empty = any), alert (comma list of
 * question, negative, positive), min_priority. */
struct config_track {
	char			*name;
	char			*query;
	char			**langs;	/* NULL-terminated, NULL = any */
	unsigned		 alert_classes;
	double			 min_priority;
	struct config_where	 where;		/* the [track NAME] line */
	struct config_where	 query_where;	/* the query line */
};

/* [source NAME]: plugin, interval, and the plugin's own keys (all of them,
 * including plugin and interval, are in kv, so that two sources compare by
 * their kv alone). */
struct config_source {
	char			*name;
	char			*plugin;
	double			 interval;	/* seconds; 0 when not set */
	/* Host keys every polling source has (0 when not set): */
	double			 backfill;	/* first run: skip what is older; <0 all */
	double			 min_interval;	/* adaptive polling bounds */
	double			 max_interval;
	struct config_kv	*kv;
	size_t			 nkv;
	struct config_where	 where;
};

enum config_queue {
	CONFIG_QUEUE_STREAM = 0,
	CONFIG_QUEUE_LIST,
};

struct config_redis {
	char			*url;		/* NULL: start a private redis-server */
	char			*password;	/* read from password_file or password_env */
	char			*prefix;	/* "mentiond" */
	long long		 maxlen;	/* stream MAXLEN ~, 0 = uncapped */
	enum config_queue	 queue;
	char			*group;		/* consumer group created at start */
	long long		 hold_max;	/* alerts held while Redis is down */
	int			 spool;		/* beyond hold_max, to the spool file */
	long long		 spool_max;	/* bytes */
	int			 spool_fsync;	/* enum spool_sync */
};

/* [dedup]: how long and how many mentions are remembered, and how close two
 * texts must be to count as one. */
struct config_dedup {
	double			 window;	/* seconds; 7 days */
	long long		 capacity;	/* mentions remembered at most */
	int			 near_distance;	/* SimHash bits that may differ; 0 off */
	int			 min_words;	/* shorter texts are never near-copies */
	int			 keep_duplicates;	/* write them to {prefix}:mentions */
};

struct config {
	char			*path;		/* the main file, or "(embedded)" */
	/* [daemon] */
	char			*plugin_dir;
	char			*state_dir;
	int			 log_level;	/* -1 when not set */
	long long		 influencer_followers;	/* reach counts fully from here */
	/* [redis] */
	struct config_redis	 redis;
	struct config_dedup	 dedup;
	struct config_track	*tracks;
	size_t			 ntracks;
	struct config_source	*sources;
	size_t			 nsources;
};

/* A list of "FILE:LINE: message" strings. */
struct config_errors {
	char	**msgs;
	size_t	  n;
};

/* config_load - read PATH (and its includes). Returns the config, or NULL with
 * every problem appended to ERRS. */
struct config	*config_load(const char *path, struct config_errors *errs);
/* config_load_string - the same for config text TEXT, named NAME in errors;
 * includes are resolved relative to the current directory. */
struct config	*config_load_string(const char *text, const char *name,
		    struct config_errors *errs);
void		 config_free(struct config *cfg);

/* config_source_find / config_track_find - by name, or NULL. */
const struct config_source *config_source_find(const struct config *cfg,
		    const char *name);
const struct config_track *config_track_find(const struct config *cfg,
		    const char *name);
/* config_source_equal - same plugin and the same keys with the same values. */
int		 config_source_equal(const struct config_source *a,
		    const struct config_source *b);
/* config_redis_equal - whether the Redis connection settings are the same. */
int		 config_redis_equal(const struct config_redis *a,
		    const struct config_redis *b);
/* config_kv_get - the last value of KEY in a source, or NULL. */
const struct config_kv *config_source_get(const struct config_source *src,
		    const char *key);

/* config_error - append "FILE:LINE: message" (WHERE may be NULL). */
void		 config_error(struct config_errors *errs,
		    const struct config_where *where, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
void		 config_errors_clear(struct config_errors *errs);

/* config_parse_duration - "30", "30s", "250ms", "5m", "1h", "1d" to seconds;
 * -1 on a bad value. */
double		 config_parse_duration(const char *text);
/* config_parse_bool - 1, 0, or -1 on a bad value. */
int		 config_parse_bool(const char *text);

#endif
