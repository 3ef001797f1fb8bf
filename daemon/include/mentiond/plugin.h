/*
 * mentiond/plugin.h - the whole interface between mentiond and a source connector.
 *
 * This is the only header a plugin includes, and a plugin links nothing of the
 * daemon: everything it may do reaches it as the table of host services
 * (struct md_host) handed to its start callback. A plugin never sees the event
 * loop; it asks the host for timers, HTTP requests, streams and file watches.
 *
 * ABI discipline: a plugin exports one object, `mentiond_plugin`, of type
 * struct md_plugin, built with MD_PLUGIN_DESCRIPTOR_INIT so that its first two
 * fields are the ABI version and the struct size it was compiled with. The
 * loader refuses a plugin whose version differs from MD_PLUGIN_ABI_VERSION or
 * whose struct is shorter than the fields this host reads. Structs handed from
 * plugin to host (md_mention) carry their own size for the same reason; the
 * host tables only grow at their end.
 *
 * Ownership: every pointer the host passes to a callback is valid for the
 * duration of that callback only; copy what you keep. Every pointer a plugin
 * passes to the host is copied by the host before the call returns.
 * Every md_task a source creates belongs to that source: the host cancels and
 * frees all of them when the source stops, so stop() need not cancel them.
 * A one-shot task (a timer without EVERY, a fetch) is freed once its callback
 * returns: it may be cancelled until then, from inside that callback too, but
 * its pointer must not be used afterwards.
 */
#ifndef MENTIOND_PLUGIN_H
#define MENTIOND_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MD_PLUGIN_ABI_VERSION 1
#define MD_PLUGIN_SYMBOL "mentiond_plugin"

/* Log levels, the syslog(3) numbers. */
enum md_log_level {
	MD_LOG_ERR = 3,
	MD_LOG_WARNING = 4,
	MD_LOG_NOTICE = 5,
	MD_LOG_INFO = 6,
	MD_LOG_DEBUG = 7,
};

/* Opaque host objects. */
struct md_source;	/* one configured [source NAME] section, running */
struct md_task;		/* a timer, poll, fetch, stream or file watch */

/*
 * Settings: the declarative table of a plugin's config keys. Before start()
 * the host allocates ctx_size zeroed bytes, fills each field from the source's
 * config section (or the default), and refuses the section, naming FILE:LINE and
 * the key, on an unknown key, a bad value or a missing required key.
 */
enum md_setting_type {
	MD_SET_END = 0,
	MD_SET_STRING,		/* const char *, host-owned for the source's life */
	MD_SET_INT,		/* long long */
	MD_SET_BOOL,		/* int: yes/no, true/false, on/off, 1/0 */
	MD_SET_DURATION,	/* double seconds: "30", "30s", "250ms", "5m", "1h" */
	MD_SET_URL,		/* const char *, an absolute http(s) URL */
};

#define MD_SETTING_REQUIRED 0x1

struct md_setting {
	const char *key;
	enum md_setting_type type;
	const char *def;	/* default as config text, NULL for none */
	size_t offset;		/* offsetof(ctx struct, field) */
	unsigned flags;		/* MD_SETTING_* */
	const char *description;
};

/*
 * A mention as a plugin hands it over. Strings may be NULL when unknown; the
 * text may contain HTML (the host reduces it to plain text). Numbers are -1 when
 * unknown. Initialise with MD_MENTION_INIT so that struct_size and the unknown
 * markers are right.
 */
struct md_mention {
	uint32_t struct_size;
	const char *id;			/* stable within the source; required */
	const char *url;
	const char *author_handle;
	const char *author_name;
	long long author_followers;
	const char *title;
	const char *text;		/* required (may be empty if title is set) */
	const char *lang;		/* ISO 639-1 when the source says */
	int64_t published;		/* unix seconds, 0 when unknown */
	long long score;
	long long replies;
	long long reposts;
	unsigned flags;			/* MD_MENTION_* below (added in v1) */
};

/* flags: how the strings are written. By default the text is HTML (or
 * plain text without markup: either way the host reduces it to plain text,
 * decoding entities) and the title is plain text, kept as it is. */
#define MD_MENTION_PLAIN_TEXT	0x1	/* the text is plain: "<" is a "<" */
#define MD_MENTION_HTML_TITLE	0x2	/* the title is HTML ("&amp;", tags) */

#define MD_MENTION_INIT { .struct_size = sizeof(struct md_mention), \
	.author_followers = -1, .score = -1, .replies = -1, .reposts = -1 }

/* An HTTP request. headers is NULL or a NULL-terminated array of "Name: value". */
struct md_http_request {
	const char *url;
	const char *const *headers;
	double timeout;			/* whole transfer, seconds; 0 = host default */
};

/* An HTTP response, valid during the callback only. */
struct md_http_response {
	long status;			/* HTTP status; 0 when the transfer failed */
	const char *error;		/* NULL, or why the transfer failed */
	const char *body;		/* NUL-terminated; body_len excludes the NUL */
	size_t body_len;
	const char *content_type;	/* NULL when absent */
	const char *url;		/* effective URL after redirects */
};

typedef void (*md_http_fn)(struct md_source *src,
    const struct md_http_response *resp, void *arg);

/* Framing for streams. */
enum md_stream_framing {
	MD_STREAM_SSE = 1,		/* text/event-stream: event, data, id */
	MD_STREAM_LINES,		/* one message per line (NDJSON) */
};

/* One message from a stream, valid during the callback only. */
struct md_stream_event {
	const char *event;		/* SSE event name, "message" by default; NULL for lines */
	const char *data;		/* NUL-terminated, multi-line data joined by \n */
	size_t data_len;
	const char *id;			/* last SSE id seen, or NULL */
};

struct md_stream_request {
	const char *url;
	const char *const *headers;
	enum md_stream_framing framing;
	double stall_timeout;		/* reconnect after this long without a byte; 0 = 60 s */
};

typedef void (*md_stream_fn)(struct md_source *src,
    const struct md_stream_event *ev, void *arg);
typedef void (*md_task_fn)(struct md_source *src, void *arg);

/* One request to a listener (http_listen), valid during the callback only. */
struct md_listen_request {
	const char *method;		/* "POST", "GET", ... */
	const char *path;		/* the target's path, undecoded, no query */
	const char *query;		/* what follows '?', or NULL */
	const char *body;		/* NUL-terminated; body_len excludes the NUL */
	size_t body_len;
	const char *peer;		/* the client's address, "127.0.0.1" */
	/* header - the value of request header NAME (case-insensitive; the
	 * first when repeated), or NULL. */
	const char *(*header)(const struct md_listen_request *req,
	    const char *name);
	void *host_private;		/* the host's, for header() */
};

/*
 * The reply to a listener request, zeroed by the host and filled by the
 * callback. The host reads it once the callback has returned, so what it
 * points at must outlive the callback: string literals, the plugin's context,
 * or a malloc'd BODY handed over with BODY_FREE.
 */
struct md_listen_reply {
	int status;			/* 100-599; 0 (not set) is sent as 500 */
	const char *reason;		/* NULL: the standard phrase */
	const char *content_type;	/* NULL: "text/plain; charset=utf-8" */
	const char *body;		/* NULL: empty */
	size_t body_len;
	void (*body_free)(void *);	/* called on BODY once copied, or NULL */
	const char *const *headers;	/* NULL or NULL-terminated "Name: value" */
};

typedef void (*md_http_serve_fn)(struct md_source *src,
    const struct md_listen_request *req, struct md_listen_reply *reply,
    void *arg);

/*
 * The host services. A plugin must check host->struct_size before using a
 * member added after ABI v1 (none yet).
 */
struct md_host {
	uint32_t abi_version;
	uint32_t struct_size;

	/* log - one line to the daemon log, prefixed with the source's name. */
	void (*log)(struct md_source *src, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

	/* config_string - the raw value of KEY in the source's section, or NULL. */
	const char *(*config_string)(struct md_source *src, const char *key);

	/* emit - hand one mention to the pipeline; copied before return. Returns
	 * 0; 1 when it was taken but the pipeline is backed up (Redis away or
	 * slow), so a source that can wait should stop reading now and go on
	 * from a timer, which the host holds back until there is room; or -1
	 * when the mention is invalid (the reason is logged). */
	int (*emit)(struct md_source *src, const struct md_mention *m);

	/* state_get - the durable value of KEY (a cursor), or NULL. */
	const char *(*state_get)(struct md_source *src, const char *key);
	/* state_set - set KEY durably; VALUE NULL deletes it. The value is
	 * committed (written to disk soon, and at shutdown) only once every
	 * mention this source emitted before the call has been accepted by
	 * the sink, so a cursor set after emitting a page is never ahead of
	 * what Redis holds: a restart neither skips nor repeats. state_get
	 * sees the value at once. */
	void (*state_set)(struct md_source *src, const char *key, const char *value);

	/* timer_add - call FN after AFTER seconds, then every EVERY seconds if
	 * EVERY > 0. */
	struct md_task *(*timer_add)(struct md_source *src, double after,
	    double every, md_task_fn fn, void *arg);

	/* file_watch - call FN soon after PATH is written, created, replaced or
	 * truncated (inotify, with a slow timer as a safety net). */
	struct md_task *(*file_watch)(struct md_source *src, const char *path,
	    md_task_fn fn, void *arg);

	/* http_fetch - one GET; FN is called exactly once unless the task is
	 * cancelled first. Limited per host; honours a host's Retry-After. */
	struct md_task *(*http_fetch)(struct md_source *src,
	    const struct md_http_request *req, md_http_fn fn, void *arg);

	/* http_poll - GET REQ now and every INTERVAL seconds with conditional
	 * requests (ETag, Last-Modified); FN sees only new content (2xx). The
	 * host honours Retry-After and rate-limit headers and backs off with
	 * jitter on errors, which it logs. */
	struct md_task *(*http_poll)(struct md_source *src,
	    const struct md_http_request *req, double interval, md_http_fn fn,
	    void *arg);
	/* http_poll_set_url - change the URL of a poll (a cursor in the query),
	 * used from the next request on. */
	void (*http_poll_set_url)(struct md_task *poll, const char *url);

	/* http_stream - a long-lived GET delivered message by message; the host
	 * reconnects with backoff on error, end or stall, sending Last-Event-ID. */
	struct md_task *(*http_stream)(struct md_source *src,
	    const struct md_stream_request *req, md_stream_fn fn, void *arg);

	/* cancel - stop and free a task; safe from inside its own callback. */
	void (*cancel)(struct md_task *task);

	/* Members below were added after the first release of ABI v1: check
	 * MD_HOST_HAS(host, member) before calling one. */

	/* http_header - the value of response header NAME (case-insensitive;
	 * the last one when repeated) of a response handed to a fetch or poll
	 * callback, or NULL. Valid during that callback only. */
	const char *(*http_header)(const struct md_http_response *resp,
	    const char *name);

	/* search_terms - what a connector that searches should ask its API
	 * for: every word and phrase the tracks' queries look for (negations
	 * left out), phrases in double quotes, none twice, NULL-terminated.
	 * Search for each (or OR them, as the API allows) and let the matcher
	 * decide. It changes on reload: read it at each poll, keep nothing. */
	const char *const *(*search_terms)(struct md_source *src);

	/* http_post - one POST of BODY (LEN bytes, copied; say its type with a
	 * "Content-Type:" header in REQ), otherwise as http_fetch: FN is
	 * called exactly once unless the task is cancelled first. For logins
	 * and tokens (Bluesky createSession, OAuth client credentials). */
	struct md_task *(*http_post)(struct md_source *src,
	    const struct md_http_request *req, const void *body, size_t len,
	    md_http_fn fn, void *arg);

	/* http_listen - serve HTTP on ADDRESS ("127.0.0.1:8787", "[::1]:8787",
	 * or ":8787" and "8787" for loopback; "localhost" is 127.0.0.1) and
	 * call FN once per complete request, whatever its method and path:
	 * FN fills REPLY, which the host sends. Bodies longer than MAX_BODY
	 * bytes (0: 1 MiB) are refused by the host with 413, a malformed
	 * request with 400 (libevent's own HTML pages, before the body is
	 * read whole), a client silent for 30 s is dropped; FN sees none of
	 * these. Returns the task, or NULL with *cause set (malloc'd,
	 * the plugin frees it) when the address is bad or cannot be bound
	 * (taken by another process, say). Cancelling the task closes the
	 * socket and drops the connections still open. */
	struct md_task *(*http_listen)(struct md_source *src,
	    const char *address, size_t max_body, md_http_serve_fn fn,
	    void *arg, char **cause);

	/* pace - for a connector that runs its own rounds (a timer, then
	 * fetches) rather than http_poll: the seconds to wait before the next
	 * round, given its INTERVAL setting and the new mentions FRESH the
	 * round just done brought. The host applies the source's adaptive
	 * bounds as it does to polls (min_interval, max_interval): news halves
	 * the wait, a quiet round lengthens it by a quarter. */
	double (*pace)(struct md_source *src, double interval, int fresh);

	/* retry - for the same connectors: the round failed on RESP (a
	 * response handed to a fetch callback; NULL when the body was bad:
	 * then CAUSE says why). The host logs it once, with WHAT (say what was
	 * asked, without secrets), the status and the next try, and again only
	 * when the failure changes or, at the next pace(), when it works
	 * again; it returns the seconds to wait before the next round: INTERVAL
	 * doubled per failure in a row (jittered, at most an hour), and at
	 * least the server's Retry-After. */
	double (*retry)(struct md_source *src, const char *what,
	    const struct md_http_response *resp, const char *cause,
	    double interval);
};

/* MD_HOST_HAS - does this host offer MEMBER (added after ABI v1's start)? */
#define MD_HOST_HAS(host, member) ((host)->struct_size >= \
	offsetof(struct md_host, member) + sizeof((host)->member))

/* The mentions of md_plugin.parse, one call each; return 0 to go on, -1 to
 * stop parsing. */
typedef int (*md_parse_fn)(void *arg, const struct md_mention *m);

/*
 * The descriptor every plugin exports as `mentiond_plugin`.
 *
 * start: begin work for one source. CTX holds the filled settings. Return 0,
 *        or -1 with *cause set to a malloc'd message (the host frees it).
 * stop:  the source is stopping; release what the plugin allocated itself.
 *        The host cancels the source's tasks and frees CTX afterwards.
 *        Strings set by the host in CTX are the host's.
 * parse: optional (NULL, or absent from an older plugin's shorter struct):
 *        the connector's parser alone, with no I/O, so that `mentionctl parse
 *        NAME FILE` can run it on a saved response body. CTX holds the
 *        settings (defaults, and what the user gave; required ones may be
 *        missing) but start() has not run; parse keeps nothing between calls.
 *        RESP->body is the body; url, content_type may be NULL and status 200.
 *        Calls EMIT for each mention, exactly as start()'s code would emit it.
 *        Returns the number of mentions, with *cause set (malloc'd) when the
 *        body was broken part way; or -1 with *cause when it is not this
 *        source's format at all.
 */
struct md_plugin {
	uint32_t abi_version;
	uint32_t struct_size;
	const char *name;
	const char *version;
	const char *description;
	const struct md_setting *settings;	/* ends with { .key = NULL } */
	size_t ctx_size;
	int (*start)(struct md_source *src, const struct md_host *host,
	    void *ctx, char **cause);
	void (*stop)(struct md_source *src, void *ctx);
	int (*parse)(void *ctx, const struct md_http_response *resp,
	    md_parse_fn emit, void *arg, char **cause);
};

/* MD_PLUGIN_EXPORT - put before the descriptor so that it stays visible when
 * the plugin is built with hidden visibility (as mentiond_plugin() does). */
#define MD_PLUGIN_EXPORT __attribute__((visibility("default")))

#define MD_PLUGIN_DESCRIPTOR_INIT \
	.abi_version = MD_PLUGIN_ABI_VERSION, \
	.struct_size = sizeof(struct md_plugin)

#ifdef __cplusplus
}
#endif

#endif /* MENTIOND_PLUGIN_H */
