/*
 * source.c - a running source and the host services it offers its plugin (see
 * source.h and mentiond/plugin.h). The settings table is filled here, durable
 * state is kept here, and every timer, file watch, HTTP request and
 * listener a plugin asks for becomes a task owned by its source (the
 * listener's server itself is listen.c's).
 *
 * Tasks follow the hiredis adapter idea: a task may be cancelled from inside
 * its own callback, so a running task is only marked deleted and is freed
 * when the callback returns. A one-shot timer and a fetch are freed after
 * their callback, like a fetch's response; every other task lives until it is
 * cancelled or its source stops.
 */
#include <sys/inotify.h>
#include <sys/queue.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "ack.h"
#include "config.h"
#include "http.h"
#include "listen.h"
#include "log.h"
#include "mention.h"
#include "source.h"
#include "state.h"
#include "xmalloc.h"

/* What a first run skips by default: what is older than this at start. */
#define SOURCE_BACKFILL		3600.0
/* The longest wait host->retry gives. */
#define SOURCE_RETRY_MAX	3600.0

/* How often a dirty state is written, and the file watch safety net. */
#define SOURCE_SAVE_DELAY	1.0
#define SOURCE_WATCH_SAFETY	1.0
#define SOURCE_BUSY_RETRY	0.001	/* seconds between looks while backed up */

enum source_task_kind {
	SOURCE_TIMER,
	SOURCE_WATCH,
	SOURCE_FETCH,
	SOURCE_POLL,
	SOURCE_STREAM,
	SOURCE_LISTEN,
};

struct md_task {
	struct source		*src;
	enum source_task_kind	 kind;
	void			*arg;
	md_task_fn		 fn;		/* timer, watch */
	md_http_fn		 http_fn;	/* fetch, poll */
	md_stream_fn		 stream_fn;	/* stream */
	md_http_serve_fn	 serve_fn;	/* listen */

	struct event		*timer;		/* timer, watch safety net */
	struct timeval		 every;		/* timer: 0 for one shot */

	char			*dir;		/* watch: the folder watched */
	char			*file;		/* watch: the file name in it */
	int			 inotify_fd;	/* watch: -1 when not watching */
	struct event		*inotify_ev;

	struct http_req		*req;		/* fetch, poll, stream */
	struct listen		*lst;		/* listen */

	int			 running;	/* inside its callback */
	int			 deleted;	/* cancelled; free when it returns */
	TAILQ_ENTRY(md_task)	 entry;
};
TAILQ_HEAD(source_tasks, md_task);

struct source {
	const struct source_env	*env;
	struct source_env	 env_copy;
	const struct md_plugin	*plugin;
	struct config_source	 cfg;
	char			*log_name;	/* "source NAME" */
	void			*ctx;
	char			**strings;	/* settings strings in ctx */
	size_t			 nstrings;
	struct state		*state;
	struct event		*save_timer;
	struct source_tasks	 tasks;
	struct ack		*ack;		/* commits waiting for mentions */
	int			 lost_logged;
	int			 polls;		/* has made an HTTP task */
	int64_t			 backfill_from;	/* first run: older is history */
	unsigned long long	 history;	/* mentions skipped for it */
	unsigned long long	 emitted;	/* into the pipeline */
	double			 pace;		/* host->pace: the current wait */
	int			 failures;	/* host->retry: in a row */
	char			*fail_logged;	/* the failure last warned of */
	double			 fail_since;	/* monotonic seconds */
	int			 stopping;
	int			 quiet;		/* plugin stopped, state kept */
};

static const struct md_host source_host;

/* The monotonic clock in seconds. */
static double
source_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Turn seconds into a timeval for libevent. */
static struct timeval
source_tv(double seconds)
{
	struct timeval tv;

	if (!(seconds > 0))
		seconds = 0;
	if (seconds > 1e9)
		seconds = 1e9;
	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	return tv;
}

/* Deep-copy a config section so the source outlives a reloaded config. */
static void
source_copy_config(struct config_source *dst, const struct config_source *src)
{
	size_t i;

	dst->name = xstrdup(src->name);
	dst->plugin = xstrdup(src->plugin);
	dst->interval = src->interval;
	dst->backfill = src->backfill;
	dst->min_interval = src->min_interval;
	dst->max_interval = src->max_interval;
	dst->where.file = xstrdup(src->where.file);
	dst->where.line = src->where.line;
	dst->nkv = src->nkv;
	dst->kv = xcalloc(src->nkv ? src->nkv : 1, sizeof(*dst->kv));
	for (i = 0; i < src->nkv; i++) {
		dst->kv[i].key = xstrdup(src->kv[i].key);
		dst->kv[i].value = xstrdup(src->kv[i].value);
		dst->kv[i].where.file = xstrdup(src->kv[i].where.file);
		dst->kv[i].where.line = src->kv[i].where.line;
	}
}

/* Free a copy made by source_copy_config. */
static void
source_free_config(struct config_source *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nkv; i++) {
		free(cfg->kv[i].key);
		free(cfg->kv[i].value);
		free(cfg->kv[i].where.file);
	}
	free(cfg->kv);
	free(cfg->name);
	free(cfg->plugin);
	free(cfg->where.file);
}

/* The setting named KEY in P's table, or NULL. */
static const struct md_setting *
source_setting(const struct md_plugin *p, const char *key)
{
	const struct md_setting *s;

	if (p->settings == NULL)
		return NULL;
	for (s = p->settings; s->key != NULL; s++)
		if (strcmp(s->key, key) == 0)
			return s;
	return NULL;
}

/* "a, b, c": the keys of P's table, for messages (malloc'd). */
static char *
source_known_keys(const struct md_plugin *p)
{
	const struct md_setting *s;
	size_t len = 1;
	char *out;

	if (p->settings != NULL)
		for (s = p->settings; s->key != NULL; s++)
			len += strlen(s->key) + 2;
	out = xmalloc(len);
	out[0] = '\0';
	if (p->settings != NULL) {
		for (s = p->settings; s->key != NULL; s++) {
			if (s != p->settings)
				strcat(out, ", ");
			strcat(out, s->key);
		}
	}
	return out;
}

/* Whether TEXT is an absolute http or https URL, parsed by libcurl. */
static int
source_valid_url(const char *text)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	int ok = 0;

	u = curl_url();
	if (u == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, text, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)
		ok = host[0] != '\0';
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/*
 * Parse TEXT for setting S into CTX. Strings are copied and recorded in
 * *STRINGS (for the caller to free). Returns NULL, or the expected form of the
 * value when TEXT is not valid.
 */
static const char *
source_parse_setting(const struct md_setting *s, const char *text, void *ctx,
    char ***strings, size_t *nstrings)
{
	char *field = (char *)ctx + s->offset, *end, *copy;
	long long ll;
	double d;
	int b;

	switch (s->type) {
	case MD_SET_STRING:
	case MD_SET_URL:
		if (s->type == MD_SET_URL && !source_valid_url(text))
			return "an absolute http or https URL";
		copy = xstrdup(text);
		*strings = xreallocarray(*strings, *nstrings + 1,
		    sizeof(**strings));
		(*strings)[(*nstrings)++] = copy;
		memcpy(field, &copy, sizeof(copy));
		return NULL;
	case MD_SET_INT:
		errno = 0;
		ll = strtoll(text, &end, 10);
		if (text[0] == '\0' || *end != '\0' || errno == ERANGE)
			return "an integer";
		memcpy(field, &ll, sizeof(ll));
		return NULL;
	case MD_SET_BOOL:
		b = config_parse_bool(text);
		if (b == -1)
			return "yes/no, true/false, on/off or 1/0";
		memcpy(field, &b, sizeof(b));
		return NULL;
	case MD_SET_DURATION:
		d = config_parse_duration(text);
		if (d < 0)
			return "a duration such as 30, 30s, 250ms, 5m or 1h";
		memcpy(field, &d, sizeof(d));
		return NULL;
	case MD_SET_END:
		break;
	}
	return "a value of a known type";
}

/* SECONDS as a short duration ("90s", "1h", "2d") in BUF. */
static const char *
source_duration(double seconds, char *buf, size_t size)
{
	if (seconds >= 86400 && (long long)seconds % 86400 == 0)
		snprintf(buf, size, "%lldd", (long long)seconds / 86400);
	else if (seconds >= 3600 && (long long)seconds % 3600 == 0)
		snprintf(buf, size, "%lldh", (long long)seconds / 3600);
	else if (seconds >= 60 && (long long)seconds % 60 == 0)
		snprintf(buf, size, "%lldm", (long long)seconds / 60);
	else
		snprintf(buf, size, "%gs", seconds);
	return buf;
}

/* Is KEY one of the host's own keys of every [source] section? */
static int
source_host_key(const char *key)
{
	static const char *const keys[] = { "plugin", "interval", "backfill",
	    "min_interval", "max_interval", NULL };
	size_t i;

	for (i = 0; keys[i] != NULL; i++)
		if (strcmp(key, keys[i]) == 0)
			return 1;
	return 0;
}

/*
 * Fill CTX from CFG with P's settings table, appending each problem to ERRS.
 * Returns 0, or -1 when anything was wrong.
 */
static int
source_fill(const struct md_plugin *p, const struct config_source *cfg,
    int require, void *ctx, char ***strings, size_t *nstrings,
    struct config_errors *errs)
{
	const struct md_setting *s;
	const struct config_kv *kv;
	const char *expected;
	unsigned char *seen = NULL;
	size_t i, nsettings = 0;
	char *known;
	int bad = 0;

	if (p->settings != NULL)
		for (s = p->settings; s->key != NULL; s++)
			nsettings++;
	seen = xcalloc(nsettings ? nsettings : 1, 1);

	for (i = 0; i < cfg->nkv; i++) {
		kv = &cfg->kv[i];
		s = source_setting(p, kv->key);
		if (s == NULL) {
			if (source_host_key(kv->key))
				continue;
			known = source_known_keys(p);
			config_error(errs, &kv->where, "[source %s] unknown key "
			    "'%s' for plugin '%s' (known: %s)", cfg->name,
			    kv->key, p->name, known[0] != '\0' ? known : "none");
			free(known);
			bad = 1;
			continue;
		}
		expected = source_parse_setting(s, kv->value, ctx, strings,
		    nstrings);
		if (expected != NULL) {
			config_error(errs, &kv->where, "[source %s] bad value "
			    "'%s' for '%s': expected %s", cfg->name, kv->value,
			    kv->key, expected);
			bad = 1;
		}
		seen[s - p->settings] = 1;
	}

	for (i = 0; i < nsettings; i++) {
		s = &p->settings[i];
		if (seen[i])
			continue;
		if (s->def != NULL) {
			expected = source_parse_setting(s, s->def, ctx, strings,
			    nstrings);
			if (expected != NULL) {
				config_error(errs, &cfg->where, "[source %s] "
				    "plugin '%s' has a bad default '%s' for "
				    "'%s': expected %s", cfg->name, p->name,
				    s->def, s->key, expected);
				bad = 1;
			}
		} else if ((s->flags & MD_SETTING_REQUIRED) && require) {
			config_error(errs, &cfg->where, "[source %s] missing "
			    "required key '%s' for plugin '%s'", cfg->name,
			    s->key, p->name);
			bad = 1;
		}
	}
	free(seen);
	return bad ? -1 : 0;
}

/* Free the setting strings recorded by source_fill. */
static void
source_free_strings(char **strings, size_t nstrings)
{
	size_t i;

	for (i = 0; i < nstrings; i++)
		free(strings[i]);
	free(strings);
}

/* Validate a section by filling a scratch context from it. */
int
source_check(const struct md_plugin *p, const struct config_source *cfg,
    struct config_errors *errs)
{
	char **strings = NULL;
	size_t nstrings = 0;
	void *ctx;
	int rc;

	ctx = xcalloc(1, p->ctx_size ? p->ctx_size : 1);
	rc = source_fill(p, cfg, 1, ctx, &strings, &nstrings, errs);
	source_free_strings(strings, nstrings);
	free(ctx);
	return rc;
}

struct source_settings {
	void		*ctx;
	char		**strings;
	size_t		 nstrings;
};

struct source_settings *
source_settings_new(const struct md_plugin *p, const struct config_source *cfg,
    char **cause)
{
	struct config_errors errs = { NULL, 0 };
	struct source_settings *ss = xcalloc(1, sizeof(*ss));

	ss->ctx = xcalloc(1, p->ctx_size ? p->ctx_size : 1);
	if (source_fill(p, cfg, 0, ss->ctx, &ss->strings, &ss->nstrings,
	    &errs) != 0) {
		*cause = xstrdup(errs.n > 0 ? errs.msgs[0] : "invalid settings");
		config_errors_clear(&errs);
		source_settings_free(ss);
		return NULL;
	}
	return ss;
}

void *
source_settings_ctx(struct source_settings *ss)
{
	return ss->ctx;
}

void
source_settings_free(struct source_settings *ss)
{
	if (ss == NULL)
		return;
	source_free_strings(ss->strings, ss->nstrings);
	free(ss->ctx);
	free(ss);
}

/* Free task T's resources; it must already be out of its source's list. */
static void
source_task_free(struct md_task *t)
{
	if (t->timer != NULL)
		event_free(t->timer);
	if (t->inotify_ev != NULL)
		event_free(t->inotify_ev);
	if (t->inotify_fd != -1)
		close(t->inotify_fd);
	if (t->req != NULL)
		http_cancel(t->req);
	listen_free(t->lst);
	free(t->dir);
	free(t->file);
	free(t);
}

/* Stop task T: no callback follows. Freed now, or after its callback. */
static void
source_task_cancel(struct md_task *t)
{
	struct source *src;

	if (t == NULL || t->deleted)
		return;
	src = t->src;
	t->deleted = 1;
	if (t->timer != NULL)
		event_del(t->timer);
	if (t->inotify_ev != NULL)
		event_del(t->inotify_ev);
	if (t->req != NULL) {
		http_cancel(t->req);
		t->req = NULL;
	}
	/* Safe from inside its own callback too: see listen_free. */
	listen_free(t->lst);
	t->lst = NULL;
	if (t->running || src->stopping)
		return;
	TAILQ_REMOVE(&src->tasks, t, entry);
	source_task_free(t);
}

/* A new task of KIND for SRC, in its list. */
static struct md_task *
source_task_new(struct source *src, enum source_task_kind kind, void *arg)
{
	struct md_task *t;

	t = xcalloc(1, sizeof(*t));
	t->src = src;
	t->kind = kind;
	t->arg = arg;
	t->inotify_fd = -1;
	TAILQ_INSERT_TAIL(&src->tasks, t, entry);
	return t;
}

/* Before a task's callback: mark it running. */
static void
source_task_enter(struct md_task *t)
{
	t->running++;
}

/* After a task's callback: free it if it was cancelled or is DONE. Returns 1
 * when T is gone. */
static int
source_task_leave(struct md_task *t, int done)
{
	struct source *src = t->src;

	t->running--;
	if (done && !t->deleted) {
		t->deleted = 1;
		if (t->timer != NULL)
			event_del(t->timer);
	}
	if (t->running > 0)
		return 0;
	if (!t->deleted || src->stopping)
		return t->deleted;
	TAILQ_REMOVE(&src->tasks, t, entry);
	source_task_free(t);
	return 1;
}

/* host->log. */
static void __attribute__((format(printf, 3, 4)))
source_log(struct md_source *msrc, int level, const char *fmt, ...)
{
	struct source *src = (struct source *)msrc;
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, src->log_name, fmt, ap);
	va_end(ap);
}

/* host->config_string. */
static const char *
source_config_string(struct md_source *msrc, const char *key)
{
	struct source *src = (struct source *)msrc;
	const struct config_kv *kv;

	if (key == NULL)
		return NULL;
	kv = config_source_get(&src->cfg, key);
	return kv != NULL ? kv->value : NULL;
}

/* Is the pipeline backed up, so that work we can postpone should wait? */
static int
source_busy(const struct source *src)
{
	return src->env->busy != NULL && src->env->busy(src->env->emit_arg);
}

/* host->emit. */
static int
source_emit(struct md_source *msrc, const struct md_mention *m)
{
	struct source *src = (struct source *)msrc;
	struct mention *mention;
	char *cause = NULL, buf[32];

	if (m == NULL)
		return -1;
	if (src->polls && src->backfill_from > 0 && m->struct_size >=
	    offsetof(struct md_mention, published) + sizeof(m->published) &&
	    m->published > 0 && m->published < src->backfill_from) {
		if (src->history++ == 0)
			log_notice(src->log_name, "first run: mentions "
			    "published more than %s before the start are history "
			    "and are skipped (set backfill = DURATION or all to "
			    "change it)", source_duration(src->cfg.backfill > 0 ?
			    src->cfg.backfill : SOURCE_BACKFILL, buf,
			    sizeof(buf)));
		return 0;
	}
	mention = mention_from_plugin(src->cfg.name, src->plugin->name, m,
	    &cause);
	if (mention == NULL) {
		log_warn(src->log_name, "invalid mention from plugin '%s' "
		    "dropped: %s", src->plugin->name,
		    cause != NULL ? cause : "unknown reason");
		free(cause);
		return -1;
	}
	mention->ack = src->ack;
	mention->ack_seq = ack_take(src->ack);
	src->emitted++;
	src->env->emit(mention, src->env->emit_arg);
	return source_busy(src) ? 1 : 0;
}

/* host->state_get. */
static const char *
source_state_get(struct md_source *msrc, const char *key)
{
	struct source *src = (struct source *)msrc;
	const char *pending;

	if (key == NULL || src->state == NULL)
		return NULL;
	if (ack_pending(src->ack, key, &pending))
		return pending;
	return state_get(src->state, key);
}

/* The save timer fired: write the state now. */
static void
source_save_cb(evutil_socket_t fd, short events, void *arg)
{
	source_save_state(arg);
}

/* ack_commit_fn: every mention emitted before KEY was set is accepted:
 * change the state and write it within a second. */
static void
source_commit(void *arg, const char *key, const char *value)
{
	struct source *src = arg;
	struct timeval tv = source_tv(SOURCE_SAVE_DELAY);

	state_set(src->state, key, value);
	if (!src->stopping && !evtimer_pending(src->save_timer, NULL))
		evtimer_add(src->save_timer, &tv);
}

/* host->state_set: commit once the mentions emitted so far are accepted. */
static void
source_state_set(struct md_source *msrc, const char *key, const char *value)
{
	struct source *src = (struct source *)msrc;

	if (key == NULL || src->state == NULL)
		return;
	if (ack_lost(src->ack) && !src->lost_logged) {
		log_warn(src->log_name, "a mention was lost on its way to "
		    "Redis: the saved cursor stays at the last point before "
		    "it, so a restart fetches again from there");
		src->lost_logged = 1;
	}
	ack_commit(src->ack, key, value);
}

/* A timer task fired. */
static void
source_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct md_task *t = arg;
	struct timeval retry = source_tv(SOURCE_BUSY_RETRY);
	int once = t->every.tv_sec == 0 && t->every.tv_usec == 0;

	if (!once)
		evtimer_add(t->timer, &t->every);
	if (source_busy(t->src)) {
		/* Backed up: a one-shot waits, a periodic tick is skipped. */
		if (once)
			evtimer_add(t->timer, &retry);
		return;
	}
	source_task_enter(t);
	t->fn((struct md_source *)t->src, t->arg);
	source_task_leave(t, once);
}

/* host->timer_add. */
static struct md_task *
source_timer_add(struct md_source *msrc, double after, double every,
    md_task_fn fn, void *arg)
{
	struct source *src = (struct source *)msrc;
	struct md_task *t;
	struct timeval tv = source_tv(after);

	if (fn == NULL || src->stopping)
		return NULL;
	t = source_task_new(src, SOURCE_TIMER, arg);
	t->fn = fn;
	if (every > 0) {
		t->every = source_tv(every);
		if (t->every.tv_sec == 0 && t->every.tv_usec == 0)
			t->every.tv_usec = 1;
	}
	t->timer = evtimer_new(src->env->base, source_timer_cb, t);
	evtimer_add(t->timer, &tv);
	return (struct md_task *)t;
}

/* Call a watch's callback, or retry soon while the pipeline is backed up. */
static void
source_watch_fire(struct md_task *t)
{
	struct timeval retry = source_tv(SOURCE_BUSY_RETRY);

	struct timeval safety = source_tv(SOURCE_WATCH_SAFETY);

	if (source_busy(t->src)) {
		evtimer_add(t->timer, &retry);
		return;
	}
	evtimer_add(t->timer, &safety);	/* back to its slow pace */
	source_task_enter(t);
	t->fn((struct md_source *)t->src, t->arg);
	source_task_leave(t, 0);
}

/* Start watching the file's folder; -1 when it cannot (yet). */
static int
source_watch_start(struct md_task *t)
{
	uint32_t mask = IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO |
	    IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF;

	if (t->inotify_fd == -1) {
		t->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (t->inotify_fd == -1) {
			log_warn(t->src->log_name, "inotify: %s", strerror(errno));
			return -1;
		}
	}
	if (inotify_add_watch(t->inotify_fd, t->dir, mask) == -1) {
		close(t->inotify_fd);
		t->inotify_fd = -1;
		return -1;
	}
	return 0;
}

/* Read inotify events: fire when one is about our file or our folder. */
static void
source_watch_read_cb(evutil_socket_t fd, short events, void *arg)
{
	struct md_task *t = arg;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ie;
	ssize_t n;
	size_t off;
	int fire = 0, lost = 0;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (off = 0; off + sizeof(*ie) <= (size_t)n;) {
			ie = (const struct inotify_event *)(buf + off);
			off += sizeof(*ie) + ie->len;
			if (ie->mask & (IN_IGNORED | IN_DELETE_SELF |
			    IN_MOVE_SELF | IN_Q_OVERFLOW)) {
				fire = 1;
				if (!(ie->mask & IN_Q_OVERFLOW))
					lost = 1;
			} else if (ie->len > 0 &&
			    strcmp(ie->name, t->file) == 0)
				fire = 1;
		}
	}
	if (lost) {
		/* The folder went away: the safety timer re-adds the watch. */
		event_del(t->inotify_ev);
		event_free(t->inotify_ev);
		t->inotify_ev = NULL;
		close(t->inotify_fd);
		t->inotify_fd = -1;
	}
	if (fire)
		source_watch_fire(t);
}

/* Arm the libevent read event of a watch whose inotify fd is open. */
static void
source_watch_arm(struct md_task *t)
{
	t->inotify_ev = event_new(t->src->env->base, t->inotify_fd,
	    EV_READ | EV_PERSIST, source_watch_read_cb, t);
	event_add(t->inotify_ev, NULL);
}

/* The safety timer of a watch: (re)watch the folder if needed, then fire. */
static void
source_watch_safety_cb(evutil_socket_t fd, short events, void *arg)
{
	struct md_task *t = arg;

	if (t->inotify_fd == -1 && source_watch_start(t) == 0)
		source_watch_arm(t);
	source_watch_fire(t);
}

/* host->file_watch. */
static struct md_task *
source_file_watch(struct md_source *msrc, const char *path, md_task_fn fn,
    void *arg)
{
	struct source *src = (struct source *)msrc;
	struct md_task *t;
	struct timeval tv = source_tv(SOURCE_WATCH_SAFETY);
	const char *slash;

	if (path == NULL || fn == NULL || src->stopping)
		return NULL;
	t = source_task_new(src, SOURCE_WATCH, arg);
	t->fn = fn;
	slash = strrchr(path, '/');
	if (slash == NULL) {
		t->dir = xstrdup(".");
		t->file = xstrdup(path);
	} else {
		t->dir = slash == path ? xstrdup("/") :
		    xstrndup(path, slash - path);
		t->file = xstrdup(slash + 1);
	}
	if (source_watch_start(t) == 0)
		source_watch_arm(t);
	t->timer = event_new(src->env->base, -1, EV_PERSIST,
	    source_watch_safety_cb, t);
	evtimer_add(t->timer, &tv);
	return t;
}

/* A fetch finished, or a poll has new content. */
static void
source_http_done(const struct md_http_response *resp, void *arg)
{
	struct md_task *t = arg;
	int once = t->kind == SOURCE_FETCH;
	unsigned long long before = t->src->emitted;

	if (once)
		t->req = NULL;	/* the engine frees a finished fetch */
	source_task_enter(t);
	t->http_fn((struct md_source *)t->src, resp, t->arg);
	/* What the response gave paces the poll (http_poll_bounds). */
	if (!once && !t->deleted && t->req != NULL)
		http_poll_fresh(t->req, (int)(t->src->emitted - before));
	source_task_leave(t, once);
}

/* A stream delivered one message. */
static void
source_stream_event(const struct md_stream_event *ev, void *arg)
{
	struct md_task *t = arg;

	source_task_enter(t);
	t->stream_fn((struct md_source *)t->src, ev, t->arg);
	source_task_leave(t, 0);
}

/* Check that SRC may start an HTTP task. */
static int
source_http_ready(struct source *src)
{
	if (src->stopping)
		return 0;
	if (src->env->http == NULL) {
		log_err(src->log_name, "no HTTP engine for this source");
		return 0;
	}
	src->polls = 1;
	return 1;
}

/*
 * Finish creating HTTP task T, entered before its request REQ was made: the
 * engine may have called back (and finished a fetch) before returning.
 */
static struct md_task *
source_http_created(struct md_task *t, struct http_req *req)
{
	if (!t->deleted)
		t->req = req;
	else if (t->kind != SOURCE_FETCH && req != NULL)
		http_cancel(req);
	if (req == NULL && !t->deleted)
		source_task_cancel(t);
	if (source_task_leave(t, 0))
		return NULL;
	return t;
}

/* host->http_fetch. */
static struct md_task *
source_http_fetch(struct md_source *msrc, const struct md_http_request *req,
    md_http_fn fn, void *arg)
{
	struct source *src = (struct source *)msrc;
	struct http_req *hreq;
	struct md_task *t;

	if (req == NULL || fn == NULL || !source_http_ready(src))
		return NULL;
	t = source_task_new(src, SOURCE_FETCH, arg);
	t->http_fn = fn;
	source_task_enter(t);
	hreq = http_fetch(src->env->http, src->log_name, req,
	    source_http_done, t);
	return source_http_created(t, hreq);
}

/* host->http_post. */
static struct md_task *
source_http_post(struct md_source *msrc, const struct md_http_request *req,
    const void *body, size_t len, md_http_fn fn, void *arg)
{
	struct source *src = (struct source *)msrc;
	struct http_req *hreq;
	struct md_task *t;

	if (req == NULL || fn == NULL || (body == NULL && len > 0) ||
	    !source_http_ready(src))
		return NULL;
	t = source_task_new(src, SOURCE_FETCH, arg);
	t->http_fn = fn;
	source_task_enter(t);
	hreq = http_post(src->env->http, src->log_name, req, body, len,
	    source_http_done, t);
	return source_http_created(t, hreq);
}

/* The adaptive bounds of SRC for a base INTERVAL (http_poll_bounds too). */
static void
source_bounds(const struct source *src, double interval, double *min,
    double *max)
{
	*min = src->cfg.min_interval > 0 ? src->cfg.min_interval : interval / 4;
	*max = src->cfg.max_interval > 0 ? src->cfg.max_interval : interval * 4;
	if (*max < *min)
		*max = *min;
}

/* host->http_poll. */
static struct md_task *
source_http_poll(struct md_source *msrc, const struct md_http_request *req,
    double interval, md_http_fn fn, void *arg)
{
	struct source *src = (struct source *)msrc;
	struct http_req *hreq;
	struct md_task *t;

	if (req == NULL || fn == NULL || !source_http_ready(src))
		return NULL;
	t = source_task_new(src, SOURCE_POLL, arg);
	t->http_fn = fn;
	source_task_enter(t);
	hreq = http_poll(src->env->http, src->log_name, req, interval,
	    source_http_done, t);
	if (hreq != NULL && interval > 0) {
		double min, max;

		source_bounds(src, interval, &min, &max);
		http_poll_bounds(hreq, min, max);
	}
	return source_http_created(t, hreq);
}

/* host->http_poll_set_url. */
static void
source_http_poll_set_url(struct md_task *t, const char *url)
{
	if (t == NULL || url == NULL || t->deleted || t->kind != SOURCE_POLL ||
	    t->req == NULL)
		return;
	http_poll_set_url(t->req, url);
}

/* host->http_stream. */
static struct md_task *
source_http_stream(struct md_source *msrc, const struct md_stream_request *req,
    md_stream_fn fn, void *arg)
{
	struct source *src = (struct source *)msrc;
	struct http_req *hreq;
	struct md_task *t;

	if (req == NULL || fn == NULL || !source_http_ready(src))
		return NULL;
	t = source_task_new(src, SOURCE_STREAM, arg);
	t->stream_fn = fn;
	source_task_enter(t);
	hreq = http_stream(src->env->http, src->log_name, req,
	    source_stream_event, t);
	return source_http_created(t, hreq);
}

/* A listener has a request: the plugin fills the reply. */
static void
source_listen_request(const struct md_listen_request *req,
    struct md_listen_reply *reply, void *arg)
{
	struct md_task *t = arg;

	source_task_enter(t);
	t->serve_fn((struct md_source *)t->src, req, reply, t->arg);
	source_task_leave(t, 0);
}

/* host->http_listen. */
static struct md_task *
source_http_listen(struct md_source *msrc, const char *address,
    size_t max_body, md_http_serve_fn fn, void *arg, char **cause)
{
	struct source *src = (struct source *)msrc;
	struct md_task *t;
	char *why = NULL;

	if (fn == NULL || src->stopping) {
		if (cause != NULL)
			*cause = xstrdup(fn == NULL ? "no request callback" :
			    "the source is stopping");
		return NULL;
	}
	t = source_task_new(src, SOURCE_LISTEN, arg);
	t->serve_fn = fn;
	t->lst = listen_new(src->env->base, src->log_name, address, max_body,
	    source_listen_request, t, &why);
	if (t->lst == NULL) {
		if (cause != NULL)
			*cause = why;
		else
			free(why);
		source_task_cancel(t);
		return NULL;
	}
	return t;
}

/* host->cancel. */
static void
source_cancel(struct md_task *t)
{
	source_task_cancel(t);
}

/* host->search_terms. */
static const char *const *
source_search_terms(struct md_source *msrc)
{
	struct source *src = (struct source *)msrc;
	static const char *const none[] = { NULL };
	const char *const *t = NULL;

	if (src->env->search_terms != NULL)
		t = src->env->search_terms(src->env->emit_arg);
	return t != NULL ? t : none;
}

/* host->pace. */
static double
source_pace(struct md_source *msrc, double interval, int fresh)
{
	struct source *src = (struct source *)msrc;
	double min, max, next;

	if (!(interval > 0))
		return 0;
	source_bounds(src, interval, &min, &max);
	next = src->pace > 0 ? src->pace : interval;
	next = fresh > 0 ? next / 2 : next * 1.25;
	if (next < min)
		next = min;
	if (next > max)
		next = max;
	if (src->pace > 0 && next != src->pace)
		log_debug(src->log_name, "%s, next round in %.1f s", fresh > 0 ?
		    "new mentions" : "nothing new", next);
	src->pace = next;
	if (src->fail_logged != NULL)
		log_notice(src->log_name, "works again after %d failure%s in "
		    "%.0f s", src->failures, src->failures == 1 ? "" : "s",
		    source_now() - src->fail_since);
	free(src->fail_logged);
	src->fail_logged = NULL;
	src->failures = 0;
	return next;
}

/* host->retry. */
static double
source_retry(struct md_source *msrc, const char *what,
    const struct md_http_response *resp, const char *cause, double interval)
{
	struct source *src = (struct source *)msrc;
	char reason[256];
	const char *ra;
	double wait, server = 0;
	int i, level = LOG_WARNING;

	if (resp != NULL && resp->error != NULL)
		snprintf(reason, sizeof(reason), "%s", resp->error);
	else if (resp != NULL && (resp->status < 200 || resp->status > 299))
		snprintf(reason, sizeof(reason), "HTTP %ld", resp->status);
	else
		snprintf(reason, sizeof(reason), "%s", cause != NULL ? cause :
		    "a response that could not be used");
	if (resp != NULL && (ra = http_response_header(resp,
	    "Retry-After")) != NULL)
		server = http_retry_after(ra);	/* seconds or an HTTP date */
	if (src->failures++ == 0)
		src->fail_since = source_now();
	if (!(interval > 0))
		interval = 1;
	wait = interval;
	for (i = 1; i < src->failures && wait < SOURCE_RETRY_MAX; i++)
		wait *= 2;
	wait *= 0.75 + 0.5 * (arc4random() / (double)UINT32_MAX);
	if (wait > SOURCE_RETRY_MAX)
		wait = SOURCE_RETRY_MAX;
	if (server > wait)
		wait = server > SOURCE_RETRY_MAX ? SOURCE_RETRY_MAX : server;
	if (src->fail_logged != NULL && strcmp(src->fail_logged, reason) == 0)
		level = LOG_DEBUG;
	else {
		free(src->fail_logged);
		src->fail_logged = xstrdup(reason);
	}
	log_msg(level, src->log_name, "%s failed: %s; next try in %.0f s%s",
	    what != NULL ? what : "a request", reason, wait,
	    level == LOG_WARNING ? " (logged again when it changes or works "
	    "again)" : "");
	return wait;
}

/* host->http_header. */
static const char *
source_http_header(const struct md_http_response *resp, const char *name)
{
	return http_response_header(resp, name);
}

static const struct md_host source_host = {
	.abi_version = MD_PLUGIN_ABI_VERSION,
	.struct_size = sizeof(struct md_host),
	.log = source_log,
	.config_string = source_config_string,
	.emit = source_emit,
	.state_get = source_state_get,
	.state_set = source_state_set,
	.timer_add = source_timer_add,
	.file_watch = source_file_watch,
	.http_fetch = source_http_fetch,
	.http_poll = source_http_poll,
	.http_poll_set_url = source_http_poll_set_url,
	.http_stream = source_http_stream,
	.cancel = source_cancel,
	.http_header = source_http_header,
	.search_terms = source_search_terms,
	.http_post = source_http_post,
	.http_listen = source_http_listen,
	.pace = source_pace,
	.retry = source_retry,
};

/* Cancel and free every task of SRC (no callback follows). */
static void
source_free_tasks(struct source *src)
{
	struct md_task *t;

	while ((t = TAILQ_FIRST(&src->tasks)) != NULL) {
		TAILQ_REMOVE(&src->tasks, t, entry);
		source_task_free(t);
	}
}

/* Free SRC and what it holds (tasks must be gone, state saved). */
static void
source_free(struct source *src)
{
	free(src->fail_logged);
	if (src->save_timer != NULL)
		event_free(src->save_timer);
	ack_detach(src->ack);
	state_free(src->state);
	source_free_strings(src->strings, src->nstrings);
	free(src->ctx);
	source_free_config(&src->cfg);
	free(src->log_name);
	free(src);
}

/* Fill the settings, open the state and start the plugin. */
struct source *
source_start(const struct source_env *env, const struct md_plugin *p,
    const struct config_source *cfg, char **cause)
{
	struct config_errors errs = { NULL, 0 };
	struct source *src;
	char *why = NULL;

	src = xcalloc(1, sizeof(*src));
	src->env_copy = *env;
	src->env = &src->env_copy;
	src->plugin = p;
	TAILQ_INIT(&src->tasks);
	source_copy_config(&src->cfg, cfg);
	src->log_name = xasprintf("source %s", cfg->name);
	src->save_timer = evtimer_new(env->base, source_save_cb, src);
	src->ack = ack_new(source_commit, src);

	src->ctx = xcalloc(1, p->ctx_size ? p->ctx_size : 1);
	if (source_fill(p, &src->cfg, 1, src->ctx, &src->strings,
	    &src->nstrings, &errs) != 0) {
		*cause = xstrdup(errs.n > 0 ? errs.msgs[0] :
		    "invalid settings");
		config_errors_clear(&errs);
		goto fail;
	}

	/* Without a state folder (a one-off check run) nothing is durable. */
	if (env->state_dir != NULL &&
	    (src->state = state_open(env->state_dir, cfg->name, &why)) == NULL) {
		*cause = xasprintf("state: %s", why != NULL ? why : "unknown "
		    "error");
		free(why);
		goto fail;
	}

	/* A first run (nothing saved yet) starts from a bounded past. */
	if ((src->state == NULL || state_empty(src->state)) &&
	    src->cfg.backfill >= 0)
		src->backfill_from = (int64_t)time(NULL) -
		    (int64_t)(src->cfg.backfill > 0 ? src->cfg.backfill :
		    SOURCE_BACKFILL);
	if (p->start((struct md_source *)src, &source_host, src->ctx,
	    &why) != 0) {
		*cause = xstrdup(why != NULL ? why : "plugin failed to start");
		free(why);
		/* No callback may reach a plugin that did not start. */
		src->stopping = 1;
		source_free_tasks(src);
		goto fail;
	}
	src->env_copy.state_dir = NULL;	/* the caller's; state has a copy */
	return src;

fail:
	source_free_tasks(src);
	source_free(src);
	return NULL;
}

/* Stop the plugin and its tasks; the state stays, for commits to come. */
void
source_quiesce(struct source *src)
{
	struct md_task *t;

	if (src == NULL || src->quiet)
		return;
	/*
	 * Cancel every task first so that nothing fires, but keep their
	 * memory until stop() returns: the plugin may still cancel them.
	 */
	src->stopping = 1;
	TAILQ_FOREACH(t, &src->tasks, entry)
		source_task_cancel(t);
	if (src->plugin->stop != NULL)
		src->plugin->stop((struct md_source *)src, src->ctx);
	source_free_tasks(src);
	src->quiet = 1;
}

/* Stop the plugin if still running, save its state, free the source. */
void
source_stop(struct source *src)
{
	if (src == NULL)
		return;
	source_quiesce(src);
	evtimer_del(src->save_timer);
	if (ack_outstanding(src->ack) > 0)
		log_info(src->log_name, "stopped with %llu mentions not yet "
		    "written: their cursor is not saved",
		    (unsigned long long)ack_outstanding(src->ack));
	source_save_state(src);
	log_debug(src->log_name, "stopped");
	source_free(src);
}

/* The name of the [source NAME] section. */
const char *
source_name(const struct source *src)
{
	return src->cfg.name;
}

/* The source's own copy of its section. */
const struct config_source *
source_config(const struct source *src)
{
	return &src->cfg;
}

/* Write the durable state if it changed; errors are logged. */
int
source_save_state(struct source *src)
{
	char *cause = NULL;

	if (src->state == NULL || !state_dirty(src->state))
		return 0;
	if (state_save(src->state, &cause) != 0) {
		log_err(src->log_name, "cannot save state: %s",
		    cause != NULL ? cause : "unknown error");
		free(cause);
		return -1;
	}
	return 0;
}
