/*
 * main.c - the mentiond daemon: options, the one event loop that owns
 * everything, signals (SIGTERM/SIGINT stop cleanly, SIGHUP reloads the
 * config), systemd readiness, status and watchdog, and the built-in demo.
 *
 * Start: config -> plugins -> checks -> Redis sink -> pipeline -> sources,
 * then READY=1. Reload: a new config is checked whole before anything
 * changes; unchanged sources keep running untouched, changed ones restart,
 * removed ones stop, new ones start. Stop: sources stop (saving their
 * cursors), in-flight Redis writes are flushed, exit 0 within 5 s.
 */
#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <curl/curl.h>
#include <systemd/sd-daemon.h>

#include "check.h"
#include "config.h"
#include "http.h"
#include "loader.h"
#include "localredis.h"
#include "log.h"
#include "classify.h"
#include "pipeline.h"
#include "sink.h"
#include "spool.h"
#include "source.h"
#include "version.h"
#include "xmalloc.h"

extern const char demo_conf_text[];	/* demo_conf.c, from conf/demo.conf */

/* How long SIGTERM may take in all, and how much of it the flush may use. */
#define MAIN_STOP_DEADLINE	4.5
#define MAIN_FLUSH_TIMEOUT	3.0
#define MAIN_STATUS_EVERY	10.0
/* Held entries beyond which sources that can wait are held back. */
#define MAIN_BACKLOG_MAX	10000

struct daemon {
	struct event_base	*base;
	const char		*config_path;	/* NULL: the built-in demo */
	char			*demo_dir;	/* the demo's temporary folder */
	struct config		*cfg;
	struct loader		*loader;
	char			*plugin_dir;
	char			*state_dir;	/* the start's; env.state_dir points here */
	struct http_engine	*http;
	struct localredis	*localredis;
	struct sink		*sink;
	struct sink		*old_sink;	/* replaced by a reload, flushing */
	struct spool		*spool;		/* what Redis could not take yet */
	struct pipeline		*pipeline;
	struct source		**sources;	/* one per cfg->sources, NULL when failed */
	size_t			 nsources;
	struct source_env	 env;
	struct event		*ev_term, *ev_int, *ev_hup;
	struct event		*ev_status, *ev_watchdog, *ev_deadline;
	int			 verbose;
	int			 stopping;
};

/* Print usage and exit with STATUS. */
static void __attribute__((noreturn))
main_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: mentiond [-tvV] [-c file]\n"
	    "  -c file  configuration (default %s, or the built-in demo)\n"
	    "  -t       check the configuration and exit (0 valid, 1 not)\n"
	    "  -v       more log lines (repeat for debug)\n"
	    "  -V       print the version and exit\n", MENTIOND_CONF_PATH);
	exit(status);
}

/* Replace every NEEDLE in TEXT by WITH (malloc'd). */
static char *
main_replace(const char *text, const char *needle, const char *with)
{
	size_t n = strlen(needle), w = strlen(with), len = 0, cap;
	const char *p, *q;
	char *out;

	cap = strlen(text) + 1;
	for (p = text; (q = strstr(p, needle)) != NULL; p = q + n)
		cap += w;
	out = xmalloc(cap);
	for (p = text; (q = strstr(p, needle)) != NULL; p = q + n) {
		memcpy(out + len, p, (size_t)(q - p));
		len += (size_t)(q - p);
		memcpy(out + len, with, w);
		len += w;
	}
	strcpy(out + len, p);
	return out;
}

/* The folder of the bundled demo mentions: the source tree when run from a
 * build, the installed data folder otherwise. */
static const char *
main_demo_data_dir(void)
{
	static const char *const dirs[] = {
		MENTIOND_SOURCE_DIR "/conf/demo", MENTIOND_DATA_DIR "/demo"
	};
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/mentions.jsonl", dirs[i]);
		if (access(path, R_OK) == 0)
			return dirs[i];
	}
	return dirs[1];
}

/* Load the configuration: the file, or the built-in demo with its paths
 * filled in. Errors go to ERRS. */
static struct config *
main_load_config(struct daemon *d, struct config_errors *errs)
{
	struct config *cfg;
	char *a, *b;

	if (d->config_path != NULL)
		return config_load(d->config_path, errs);
	a = main_replace(demo_conf_text, "@DEMO_DIR@", main_demo_data_dir());
	b = main_replace(a, "@STATE_DIR@", d->demo_dir);
	cfg = config_load_string(b, "(built-in demo)", errs);
	free(a);
	free(b);
	return cfg;
}

/* Load and check everything a config names; on error, log each problem with
 * PREFIX and return NULL. */
static struct config *
main_checked_config(struct daemon *d, const char *prefix)
{
	struct config_errors errs = { 0 };
	struct config *cfg;
	size_t i;

	cfg = main_load_config(d, &errs);
	if (cfg != NULL)
		check_parts(cfg, d->loader, &errs);
	if (errs.n > 0) {
		for (i = 0; i < errs.n; i++)
			log_err("config", "%s%s", prefix, errs.msgs[i]);
		config_errors_clear(&errs);
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Tell systemd what we are doing (a no-op outside systemd). */
static void
main_status(struct daemon *d, const char *what)
{
	struct pipeline_stats ps = { 0 };
	struct sink_stats ss = { 0 };
	size_t i, running = 0;

	for (i = 0; i < d->nsources; i++)
		running += d->sources[i] != NULL;
	if (d->pipeline != NULL)
		pipeline_stats(d->pipeline, &ps);
	if (d->sink != NULL)
		sink_stats(d->sink, &ss);
	sd_notifyf(0, "STATUS=%s%s%zu/%zu sources; %llu mentions, %llu matched, "
	    "%llu duplicates (%llu same id, %llu same link, %llu near-copies), "
	    "%llu edits, %llu alerts; redis %s, %llu held, %llu delivered "
	    "before", what ? what : "", what ? "; " : "", running, d->nsources,
	    ps.emitted, ps.matched, ps.duplicates, ps.reasons[DEDUP_SAME_ID],
	    ps.reasons[DEDUP_SAME_URL], ps.reasons[DEDUP_NEAR_TEXT],
	    ps.reasons[DEDUP_UPDATE], ps.alerts,
	    ss.connected ? "connected" : "disconnected", ss.held,
	    ss.seen_before);
}

/* The pipeline entry handed to sources. */
static void
main_emit(struct mention *m, void *arg)
{
	struct daemon *d = arg;

	pipeline_emit(d->pipeline, m);
}

/* The tracks' search terms, for connectors that search (host->search_terms). */
static const char *const *
main_search_terms(void *arg)
{
	struct daemon *d = arg;

	return pipeline_search_terms(d->pipeline);
}

/* Is the sink backed up (Redis away or slower than the sources)? Sources
 * that can wait then do (see source.h). */
static int
main_busy(void *arg)
{
	struct daemon *d = arg;
	struct sink_stats st;
	unsigned long long limit;

	sink_stats(d->sink, &st);
	limit = d->cfg->redis.hold_max > 0 ?
	    (unsigned long long)d->cfg->redis.hold_max / 2 : MAIN_BACKLOG_MAX;
	if (limit > MAIN_BACKLOG_MAX)
		limit = MAIN_BACKLOG_MAX;
	return st.held >= limit;
}

/* Start the source configured as CS; NULL (logged) when it fails. */
static struct source *
main_start_source(struct daemon *d, const struct config_source *cs)
{
	const struct md_plugin *p = loader_find(d->loader, cs->plugin);
	struct source *src;
	char *cause = NULL;

	if (p == NULL) {
		log_err("source", "%s: plugin '%s' is not loaded", cs->name,
		    cs->plugin);
		return NULL;
	}
	if ((src = source_start(&d->env, p, cs, &cause)) == NULL) {
		log_err("source", "%s (%s:%d): cannot start: %s", cs->name,
		    cs->where.file, cs->where.line, cause ? cause : "unknown");
		free(cause);
		return NULL;
	}
	log_info("source", "%s: started (plugin %s)", cs->name, cs->plugin);
	return src;
}

/* Stop every source, saving their cursors. */
static void
main_stop_sources(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->nsources; i++) {
		if (d->sources[i] != NULL)
			source_stop(d->sources[i]);
		d->sources[i] = NULL;
	}
}

/* Open the spool of CFG's [redis] once: STATE_DIR/redis.spool, shared by the
 * sink and one a reload replaced (which only appends to it). Without it the
 * daemon runs on, dropping the oldest held entries when memory is full. */
static void
main_open_spool(struct daemon *d, const struct config *cfg)
{
	char *path, *cause = NULL;

	if (d->spool != NULL || !cfg->redis.spool)
		return;
	if (mkdir(cfg->state_dir, 0750) == -1 && errno != EEXIST) {
		log_err("spool", "cannot create %s: %s; running without a "
		    "spool", cfg->state_dir, strerror(errno));
		return;
	}
	path = xasprintf("%s/redis.spool", cfg->state_dir);
	d->spool = spool_open(path, (size_t)cfg->redis.spool_max,
	    (enum spool_sync)cfg->redis.spool_fsync, &cause);
	if (d->spool == NULL) {
		log_err("spool", "%s; running without a spool", cause);
		free(cause);
	}
	free(path);
}

/* Connect the sink to the Redis of CFG (starting a private server when none
 * is configured). Returns NULL (logged) on failure. */
static struct sink *
main_connect_sink(struct daemon *d, struct config *cfg)
{
	struct sink *s;
	char *cause = NULL;

	if (cfg->redis.url == NULL) {
		if (d->localredis == NULL) {
			if (mkdir(cfg->state_dir, 0750) == -1 && errno != EEXIST) {
				log_err("redis", "cannot create %s: %s",
				    cfg->state_dir, strerror(errno));
				return NULL;
			}
			d->localredis = localredis_start(cfg->state_dir, &cause);
			if (d->localredis == NULL) {
				log_err("redis", "no [redis] url and %s", cause);
				free(cause);
				return NULL;
			}
		}
		cfg->redis.url = xstrdup(localredis_url(d->localredis));
	}
	if ((s = sink_new(d->base, &cfg->redis, &cause)) == NULL) {
		log_err("redis", "%s", cause);
		free(cause);
		return NULL;
	}
	main_open_spool(d, cfg);
	if (d->spool != NULL)
		sink_set_spool(s, d->spool, 0);
	return s;
}

/* Free the sink a reload replaced, outside its own callback. */
static void
main_old_sink_free(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	if (d->old_sink != NULL)
		sink_free(d->old_sink);
	d->old_sink = NULL;
	/* What it could not deliver is at the end of the spool now. */
	if (d->sink != NULL && d->spool != NULL)
		sink_set_spool(d->sink, d->spool, 0);
}

/* The replaced sink has written what it held. */
static void
main_old_sink_flushed(void *arg)
{
	struct daemon *d = arg;
	struct timeval zero = { 0, 0 };

	event_base_once(d->base, -1, EV_TIMEOUT, main_old_sink_free, d, &zero);
}

/* SIGHUP: apply a new configuration, or keep the old one whole. */
static void
main_reload(struct daemon *d)
{
	struct config *ncfg, *ocfg = d->cfg;
	struct source **nsrc;
	struct sink *nsink = NULL;
	const struct config_source *old;
	char *cause = NULL;
	size_t i, j, kept = 0, restarted = 0, started = 0, stopped = 0;
	int spool_kept;

	log_notice("config", "reloading %s", d->config_path ? d->config_path :
	    "the built-in demo");
	if ((ncfg = main_checked_config(d, "reload refused: ")) == NULL) {
		log_err("config", "reload refused; the running configuration "
		    "stays in force");
		main_status(d, "reload refused, see the log");
		return;
	}
	/* A private redis keeps serving a config that still names none. */
	if (ncfg->redis.url == NULL && d->localredis != NULL)
		ncfg->redis.url = xstrdup(localredis_url(d->localredis));
	/* An open spool is kept as it is (the sinks share it). */
	spool_kept = d->spool != NULL &&
	    (ncfg->redis.spool != ocfg->redis.spool ||
	    ncfg->redis.spool_max != ocfg->redis.spool_max ||
	    ncfg->redis.spool_fsync != ocfg->redis.spool_fsync);
	if (!config_redis_equal(&ncfg->redis, &ocfg->redis)) {
		if ((nsink = main_connect_sink(d, ncfg)) == NULL) {
			log_err("config", "reload refused: the new [redis] "
			    "settings do not work; the running configuration "
			    "stays in force");
			config_free(ncfg);
			return;
		}
	}
	if (pipeline_set_tracks(d->pipeline, ncfg, &cause) == -1) {
		log_err("config", "reload refused: %s", cause);
		free(cause);
		if (nsink != NULL)
			sink_free(nsink);
		config_free(ncfg);
		return;
	}
	pipeline_set_dedup(d->pipeline, ncfg);
	if (nsink != NULL) {
		/* Entries already handed to the old sink go to the old Redis;
		 * it is freed once they are written (or the flush times out). */
		pipeline_set_sink(d->pipeline, nsink);
		if (d->old_sink != NULL)
			sink_free(d->old_sink);
		d->old_sink = d->sink;
		/* The new sink reads the spool; the old one leaves there what
		 * it cannot deliver. */
		sink_set_spool(d->old_sink, d->spool, 1);
		sink_flush(d->old_sink, MAIN_FLUSH_TIMEOUT, main_old_sink_flushed, d);
		d->sink = nsink;
		log_notice("config", "redis is now %s", ncfg->redis.url);
	}
	if (ncfg->plugin_dir != NULL && (ocfg->plugin_dir == NULL ||
	    strcmp(ncfg->plugin_dir, ocfg->plugin_dir) != 0))
		log_warn("config", "plugin_dir changes take effect at restart");
	if (ncfg->state_dir != NULL && (d->state_dir == NULL ||
	    strcmp(ncfg->state_dir, d->state_dir) != 0))
		log_warn("config", "state_dir changes take effect at restart");
	if (spool_kept)
		log_warn("config", "spool, spool_max and spool_fsync changes "
		    "take effect at restart");

	/* Sources: keep, restart, stop, start. */
	nsrc = xcalloc(ncfg->nsources ? ncfg->nsources : 1, sizeof(*nsrc));
	for (i = 0; i < d->nsources; i++) {
		if (d->sources[i] == NULL)
			continue;
		for (j = 0; j < ncfg->nsources; j++) {
			old = source_config(d->sources[i]);
			if (strcmp(old->name, ncfg->sources[j].name) == 0)
				break;
		}
		if (j < ncfg->nsources &&
		    config_source_equal(source_config(d->sources[i]),
		    &ncfg->sources[j])) {
			nsrc[j] = d->sources[i];
			kept++;
		} else {
			log_info("source", "%s: stopping (%s)",
			    source_name(d->sources[i]), j < ncfg->nsources ?
			    "changed" : "removed");
			source_stop(d->sources[i]);
			if (j < ncfg->nsources)
				restarted++;
			else
				stopped++;
		}
		d->sources[i] = NULL;
	}
	for (j = 0; j < ncfg->nsources; j++) {
		if (nsrc[j] != NULL)
			continue;
		if ((nsrc[j] = main_start_source(d, &ncfg->sources[j])) != NULL)
			started++;
	}
	free(d->sources);
	d->sources = nsrc;
	d->nsources = ncfg->nsources;
	if (ncfg->log_level != -1 && d->verbose == 0)
		log_set_level(ncfg->log_level);
	classify_set_influencer(ncfg->influencer_followers);
	d->cfg = ncfg;
	config_free(ocfg);
	log_notice("config", "reloaded: %zu source%s kept, %zu restarted "
	    "(changed), %zu stopped, %zu started",
	    kept, kept == 1 ? "" : "s", restarted, stopped,
	    started > restarted ? started - restarted : 0);
	main_status(d, "reloaded");
}

/* The flush is done: leave the loop. */
static void
main_flushed(void *arg)
{
	struct daemon *d = arg;

	event_base_loopexit(d->base, NULL);
}

/* The stop deadline passed: leave the loop whatever is left. */
static void
main_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	log_err("mentiond", "stop deadline reached; exiting with writes "
	    "still pending");
	event_base_loopexit(d->base, NULL);
}

/* SIGTERM/SIGINT: stop sources, flush Redis, leave. */
static void
main_stop(struct daemon *d, const char *why)
{
	struct timeval tv = { (time_t)MAIN_STOP_DEADLINE,
	    (suseconds_t)((MAIN_STOP_DEADLINE - (int)MAIN_STOP_DEADLINE) * 1e6) };
	size_t i;

	if (d->stopping++)
		return;
	sd_notify(0, "STOPPING=1\nSTATUS=stopping: flushing Redis writes");
	log_notice("mentiond", "%s: stopping", why);
	/* Sources stop emitting now but save their cursors after the flush,
	 * once Redis holds what those cursors point past. */
	for (i = 0; i < d->nsources; i++)
		source_quiesce(d->sources[i]);
	d->ev_deadline = evtimer_new(d->base, main_deadline, d);
	evtimer_add(d->ev_deadline, &tv);
	if (d->sink != NULL)
		sink_flush(d->sink, MAIN_FLUSH_TIMEOUT, main_flushed, d);
	else
		event_base_loopexit(d->base, NULL);
}

/* Signal dispatch (libevent runs this from the loop, not the handler). */
static void
main_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	if (sig == SIGHUP) {
		if (!d->stopping)
			main_reload(d);
		return;
	}
	main_stop(d, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

/* Every few seconds: the STATUS= line. */
static void
main_status_tick(evutil_socket_t fd, short what, void *arg)
{
	main_status(arg, NULL);
}

/* WATCHDOG=1 from the loop itself, so a stuck loop is noticed. */
static void
main_watchdog_tick(evutil_socket_t fd, short what, void *arg)
{
	sd_notify(0, "WATCHDOG=1");
}

/* Arm a persistent timer every SECONDS. */
static struct event *
main_every(struct daemon *d, double seconds, event_callback_fn fn)
{
	struct timeval tv = { (time_t)seconds,
	    (suseconds_t)((seconds - (time_t)seconds) * 1e6) };
	struct event *ev = event_new(d->base, -1, EV_PERSIST, fn, d);

	event_add(ev, &tv);
	return ev;
}

/* Create the demo's temporary folder (state and private Redis). */
static int
main_demo_dir(struct daemon *d)
{
	const char *tmp = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/mentiond-demo-XXXXXX", tmp ? tmp : "/tmp");

	if (mkdtemp(tmpl) == NULL) {
		log_err("demo", "cannot create %s: %s", tmpl, strerror(errno));
		free(tmpl);
		return -1;
	}
	d->demo_dir = tmpl;
	return 0;
}

/* nftw callback: remove one entry of the demo folder. */
static int
main_demo_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) == -1 ? -1 : 0;
}

/* Remove the demo folder (it holds only what the demo put there). */
static void
main_demo_cleanup(struct daemon *d)
{
	if (d->demo_dir == NULL)
		return;
	if (nftw(d->demo_dir, main_demo_rm, 8, FTW_DEPTH | FTW_PHYS) == -1)
		log_warn("demo", "could not remove %s", d->demo_dir);
	free(d->demo_dir);
}

/* Build everything, start the sources, tell systemd we are ready. */
/* libevent's own messages (an accept() that failed, a bad event) as log
 * lines like the others, instead of raw "[warn] ..." on stderr. */
static void
main_libevent_log(int severity, const char *msg)
{
	int level = LOG_ERR;

	if (severity == EVENT_LOG_DEBUG)
		level = LOG_DEBUG;
	else if (severity == EVENT_LOG_MSG)
		level = LOG_INFO;
	else if (severity == EVENT_LOG_WARN)
		level = LOG_WARNING;
	log_msg(level, "libevent", "%s", msg);
}

static int
main_start(struct daemon *d)
{
	char *cause = NULL;
	size_t i, running = 0;
	uint64_t wd_usec;

	event_set_log_callback(main_libevent_log);
	d->base = event_base_new();
	d->ev_term = evsignal_new(d->base, SIGTERM, main_signal, d);
	d->ev_int = evsignal_new(d->base, SIGINT, main_signal, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, main_signal, d);
	event_add(d->ev_term, NULL);
	event_add(d->ev_int, NULL);
	event_add(d->ev_hup, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((d->sink = main_connect_sink(d, d->cfg)) == NULL)
		return -1;
	if ((d->pipeline = pipeline_new(d->cfg, d->sink, &cause)) == NULL) {
		log_err("config", "%s", cause);
		free(cause);
		return -1;
	}
	d->http = http_new(d->base, NULL);
	d->env.base = d->base;
	d->env.http = d->http;
	/* A copy: the config it came from is freed by the next reload,
	 * and sources started later still need it. */
	d->state_dir = d->cfg->state_dir != NULL ?
	    xstrdup(d->cfg->state_dir) : NULL;
	d->env.state_dir = d->state_dir;
	d->env.emit = main_emit;
	d->env.busy = main_busy;
	d->env.search_terms = main_search_terms;
	d->env.emit_arg = d;

	d->nsources = d->cfg->nsources;
	d->sources = xcalloc(d->nsources ? d->nsources : 1, sizeof(*d->sources));
	for (i = 0; i < d->nsources; i++)
		if ((d->sources[i] = main_start_source(d,
		    &d->cfg->sources[i])) != NULL)
			running++;
	log_notice("mentiond", "%s %s ready: %zu track%s, %zu/%zu source%s "
	    "running, alerts to %s (prefix %s)", d->config_path ?
	    d->config_path : "built-in demo", MENTIOND_VERSION,
	    d->cfg->ntracks, d->cfg->ntracks == 1 ? "" : "s", running,
	    d->nsources, d->nsources == 1 ? "" : "s", d->cfg->redis.url,
	    d->cfg->redis.prefix);
	if (d->config_path == NULL)
		log_notice("demo", "follow the alerts in another terminal with: "
		    "mentionctl tail --redis %s (Ctrl-C stops the demo)",
		    d->cfg->redis.url);
	sd_notify(0, "READY=1");
	main_status(d, "running");
	d->ev_status = main_every(d, MAIN_STATUS_EVERY, main_status_tick);
	if (sd_watchdog_enabled(0, &wd_usec) > 0)
		d->ev_watchdog = main_every(d, (double)wd_usec / 2e6,
		    main_watchdog_tick);
	return 0;
}

/* Free everything main_start built, in reverse order. */
static void
main_free(struct daemon *d)
{
	struct event **evs[] = { &d->ev_term, &d->ev_int, &d->ev_hup,
	    &d->ev_status, &d->ev_watchdog, &d->ev_deadline };
	size_t i;

	/* Sources emit no more; the sinks spool what Redis has not taken,
	 * which commits the cursors waiting for it; then the sources save. */
	for (i = 0; i < d->nsources; i++)
		source_quiesce(d->sources[i]);
	if (d->sink != NULL)
		sink_free(d->sink);
	if (d->old_sink != NULL)
		sink_free(d->old_sink);
	d->sink = d->old_sink = NULL;
	spool_close(d->spool);
	main_stop_sources(d);
	free(d->sources);
	if (d->pipeline != NULL)
		pipeline_free(d->pipeline);
	if (d->http != NULL)
		http_free(d->http);
	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (*evs[i] != NULL)
			event_free(*evs[i]);
	if (d->base != NULL)
		event_base_free(d->base);
	localredis_stop(d->localredis);
	if (d->loader != NULL)
		loader_free(d->loader);
	config_free(d->cfg);
	free(d->plugin_dir);
	free(d->state_dir);
	main_demo_cleanup(d);
}

int
main(int argc, char **argv)
{
	struct daemon d = { 0 };
	int ch, check = 0, rc = 1;

	log_init(LOG_INFO);
	/* Every mention is a burst of small allocations freed soon after: keep
	 * freed memory instead of trimming and re-asking the kernel each time. */
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	while ((ch = getopt(argc, argv, "c:htvV")) != -1) {
		switch (ch) {
		case 'c':
			d.config_path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'v':
			d.verbose++;
			break;
		case 'V':
			printf("mentiond %s\n", MENTIOND_VERSION);
			return 0;
		case 'h':
			main_usage(0);
		default:
			main_usage(1);
		}
	}
	if (optind != argc)
		main_usage(1);
	if (d.config_path == NULL && access(MENTIOND_CONF_PATH, F_OK) == 0)
		d.config_path = MENTIOND_CONF_PATH;
	if (check) {
		if (d.config_path == NULL) {
			fprintf(stderr, "mentiond: -t needs a file (-c)\n");
			return 1;
		}
		return check_config(d.config_path, NULL, stdout);
	}
	if (d.verbose)
		log_set_level(d.verbose > 1 ? LOG_DEBUG : LOG_INFO);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		log_err("mentiond", "cannot initialise libcurl");
		return 1;
	}
	if (d.config_path == NULL && main_demo_dir(&d) == -1)
		goto out;

	/* Plugins first, so that every source is checked against its table. */
	d.loader = loader_new();
	{
		struct config_errors errs = { 0 };
		struct config *first = main_load_config(&d, &errs);

		d.plugin_dir = check_plugin_dir(first);
		config_errors_clear(&errs);
		config_free(first);
	}
	if (loader_load_dir(d.loader, d.plugin_dir) == -1)
		log_err("plugins", "cannot read plugin folder %s: %s",
		    d.plugin_dir, strerror(errno));
	if ((d.cfg = main_checked_config(&d, "")) == NULL) {
		log_err("mentiond", "configuration has errors; not starting");
		goto out;
	}
	if (d.cfg->log_level != -1 && d.verbose == 0)
		log_set_level(d.cfg->log_level);
	classify_set_influencer(d.cfg->influencer_followers);
	if (main_start(&d) == -1)
		goto out;
	event_base_dispatch(d.base);
	log_notice("mentiond", "stopped");
	rc = 0;
out:
	main_free(&d);
	curl_global_cleanup();
	return rc;
}
