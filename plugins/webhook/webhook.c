/*
 * webhook.c - the webhook connector: mentiond listens on a local address
 * (host->http_listen) and takes mentions POSTed to it as JSON, one object
 * or an array, mapped with the config's mapping (plugins/common/jsonmap.h;
 * by default the fields id, url, title, author, text, published). Each body
 * must carry an HMAC-SHA256 of itself under the shared secret, checked in
 * constant time with OpenSSL's libcrypto.
 *
 * Answers: 202 with the count accepted; 400 bad JSON (where it broke) or an
 * item that cannot be mapped (nothing of that body is taken); 401 bad or
 * missing signature; 404 another path; 405 not POST; 413 too large (from
 * the host); 415 not JSON; 429 with Retry-After to a client over its rate
 * (clientrate.h); 503 with Retry-After when the pipeline is backed up. The ids taken lately are kept ("seen" in the state), so a body sent
 * again after a 503 or a timeout is taken once. See README.md.
 */
/* strdup(3), strcasecmp(3) under -std=c11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mentiond/plugin.h"

#include "clientrate.h"
#include "cred.h"
#include "idring.h"
#include "jsonmap.h"
#include "webhookbody.h"

#define WEBHOOK_SEEN_MAX	4096	/* ids remembered */
#define WEBHOOK_SAVE_EVERY	2.0	/* seconds between saves of "seen" */
#define WEBHOOK_SHA256_LEN	32

struct webhook {
	/* Settings, filled by the host before start(). */
	const char		*listen;
	const char		*path;
	const char		*secret_file;
	const char		*signature_header;
	long long		 max_body;
	double			 retry_after;
	int			 allow_unsigned;
	long long		 rate;
	long long		 burst;
	struct jsonmap_settings	 mapset;

	/* The plugin's own state. */
	struct md_source	*src;
	const struct md_host	*host;
	struct jsonmap		 map;
	char			*secret;	/* NULL: unsigned (loopback) */
	size_t			 secret_len;
	struct idring		 seen;
	struct jsonmap_quiet	 quiet;
	char			 retry_line[48];
	const char		*busy_headers[2];
	struct clientrate	 clients;
	char			 slow_line[48];
	const char		*slow_headers[2];

	/* The request being answered. */
	int			 busy;
	int			 accepted;
	int			 duplicates;
	int			 rejected;
};

/* Fill REPLY with STATUS and a JSON body {"error": WHY, ...}. */
static void __attribute__((format(printf, 3, 4)))
webhook_error(struct md_listen_reply *reply, int status, const char *fmt, ...)
{
	cJSON *o = cJSON_CreateObject();
	va_list ap;
	char why[512];

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	reply->status = status;
	cJSON_AddStringToObject(o, "error", why);
	cJSON_AddNumberToObject(o, "status", status);
	reply->body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (reply->body != NULL) {
		reply->body_len = strlen(reply->body);
		reply->body_free = cJSON_free;
	}
	reply->content_type = "application/json";
}

/* Log a refused request, at most once a minute after the first. */
static void
webhook_refused(struct webhook *w, const struct md_listen_request *req,
    const struct md_listen_reply *reply)
{
	unsigned long held;

	if (jsonmap_quiet_due(&w->quiet, &held))
		w->host->log(w->src, MD_LOG_WARNING, "%s %s from %s refused "
		    "with %d: %.*s%s", req->method, req->path, req->peer,
		    reply->status, (int)reply->body_len,
		    reply->body != NULL ? reply->body : "", held > 0 ?
		    " (others refused since the last warning)" : "");
}

/* The value of hex digit C, or -1. */
static int
webhook_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Check the signature header value SIG against BODY: one or more
 * "sha256=HEX" separated by commas (a sender rotating secrets), one of which
 * must be the HMAC-SHA256 of the body. Returns 0, or -1 with WHY.
 */
static int
webhook_verify(const struct webhook *w, const char *sig, const char *body,
    size_t len, const char **why)
{
	unsigned char mac[EVP_MAX_MD_SIZE], want[WEBHOOK_SHA256_LEN];
	unsigned int maclen = 0;
	const char *p;
	int i, hi, lo, match = 0, wellformed = 0;

	if (HMAC(EVP_sha256(), w->secret, (int)w->secret_len,
	    (const unsigned char *)body, len, mac, &maclen) == NULL ||
	    maclen != WEBHOOK_SHA256_LEN) {
		*why = "cannot compute HMAC-SHA256";
		return -1;
	}
	for (p = sig; *p != '\0';) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (strncasecmp(p, "sha256=", 7) != 0)
			goto skip;
		p += 7;
		for (i = 0; i < WEBHOOK_SHA256_LEN; i++) {
			if ((hi = webhook_hex((unsigned char)p[2 * i])) < 0 ||
			    (lo = webhook_hex((unsigned char)p[2 * i + 1])) < 0)
				break;
			want[i] = (unsigned char)(hi << 4 | lo);
		}
		p += 2 * i;
		if (i < WEBHOOK_SHA256_LEN || (*p != '\0' && *p != ',' &&
		    *p != ' ' && *p != '\t'))
			goto skip;
		wellformed = 1;
		/* Constant time: the comparison does not stop at the first
		 * differing byte, so its duration tells a forger nothing. */
		if (CRYPTO_memcmp(want, mac, WEBHOOK_SHA256_LEN) == 0)
			match = 1;
		continue;
skip:
		while (*p != '\0' && *p != ',')
			p++;
	}
	if (match)
		return 0;
	*why = wellformed ? "signature does not match the body" :
	    "malformed signature: expected sha256= and 64 hex digits";
	return -1;
}

/* One mention of an accepted body: emit it unless taken before. */
static int
webhook_item(void *arg, const struct md_mention *m)
{
	struct webhook *w = arg;
	int rc;

	if (idring_has(&w->seen, m->id)) {
		w->duplicates++;
		return 0;
	}
	rc = w->host->emit(w->src, m);
	if (rc == -1) {
		w->rejected++;	/* the host logged why */
		return 0;
	}
	w->accepted++;
	idring_add(&w->seen, m->id);
	if (rc == 1) {
		/* Taken, but the pipeline is backed up: stop here, the
		 * sender is told to come back later. */
		w->busy = 1;
		return -1;
	}
	return 0;
}

/* Fill REPLY with 202 (or 503 when backed up) and the counts. */
static void
webhook_accepted(struct webhook *w, struct md_listen_reply *reply, int n)
{
	cJSON *o = cJSON_CreateObject();

	if (w->busy) {
		reply->status = 503;
		reply->headers = w->busy_headers;
		cJSON_AddStringToObject(o, "error", "the pipeline is backed "
		    "up: send the rest again later");
		cJSON_AddNumberToObject(o, "retry_after", w->retry_after);
	} else
		reply->status = 202;
	cJSON_AddNumberToObject(o, "accepted", w->accepted);
	cJSON_AddNumberToObject(o, "duplicates", w->duplicates);
	cJSON_AddNumberToObject(o, "rejected", w->rejected);
	cJSON_AddNumberToObject(o, "items", n);
	reply->body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (reply->body != NULL) {
		reply->body_len = strlen(reply->body);
		reply->body_free = cJSON_free;
	}
	reply->content_type = "application/json";
}

/* A request to the listener: check it, take its mentions, answer. */
static void
webhook_serve(struct md_source *src, const struct md_listen_request *req,
    struct md_listen_reply *reply, void *arg)
{
	static const char *const allow[] = { "Allow: POST", NULL };
	struct webhook *w = arg;
	const char *ctype, *sig, *why = NULL;
	char *cause = NULL;
	struct timespec ts;
	int n, wait;

	(void)src;
	/* First, before any work: a client over its rate (someone guessing
	 * signatures included) costs a table lookup. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((wait = clientrate_take(&w->clients, req->peer, ts.tv_sec +
	    ts.tv_nsec / 1e9)) > 0) {
		webhook_error(reply, 429, "too many requests from %s: at most "
		    "%lld a second (bursts of %lld); try again in %d s",
		    req->peer, w->rate, w->burst, wait);
		snprintf(w->slow_line, sizeof(w->slow_line), "Retry-After: %d",
		    wait);
		reply->headers = w->slow_headers;
		goto refused;
	}
	if (strcmp(req->path, w->path) != 0) {
		webhook_error(reply, 404, "no such path: mentions are POSTed "
		    "to %s", w->path);
		goto refused;
	}
	if (strcmp(req->method, "POST") != 0) {
		webhook_error(reply, 405, "method %s not allowed: POST the "
		    "mentions", req->method);
		reply->headers = allow;
		goto refused;
	}
	ctype = req->header(req, "Content-Type");
	if (!webhook_json_type(ctype)) {
		webhook_error(reply, 415, "Content-Type %s is not JSON: send "
		    "application/json", ctype != NULL ? ctype : "(none)");
		goto refused;
	}
	if (w->secret != NULL) {
		sig = req->header(req, w->signature_header);
		if (sig == NULL) {
			webhook_error(reply, 401, "no %s header: sign the body "
			    "with HMAC-SHA256 (sha256=HEX)",
			    w->signature_header);
			goto refused;
		}
		if (webhook_verify(w, sig, req->body, req->body_len,
		    &why) != 0) {
			webhook_error(reply, 401, "%s", why);
			goto refused;
		}
	}
	w->busy = w->accepted = w->duplicates = w->rejected = 0;
	n = webhook_body(&w->map, req->body, req->body_len, webhook_item, w,
	    &cause);
	if (n == -1) {
		webhook_error(reply, 400, "%s", cause);
		free(cause);
		goto refused;
	}
	webhook_accepted(w, reply, n);
	w->host->log(w->src, MD_LOG_DEBUG, "%d accepted, %d seen before, %d "
	    "rejected from %s%s", w->accepted, w->duplicates, w->rejected,
	    req->peer, w->busy ? "; backed up, 503" : "");
	return;
refused:
	webhook_refused(w, req, reply);
}

/* Every few seconds: save the ids taken, if they changed. */
static void
webhook_save(struct md_source *src, void *arg)
{
	struct webhook *w = arg;
	char *text;

	if (!w->seen.dirty || (text = idring_save(&w->seen)) == NULL)
		return;
	w->host->state_set(src, "seen", text);
	free(text);
}

/* What webhook_parse hands each mention to. */
struct webhook_parse_arg {
	md_parse_fn	 emit;
	void		*arg;
};

/* One mention for webhook_parse. */
static int
webhook_parse_item(void *arg, const struct md_mention *m)
{
	struct webhook_parse_arg *pa = arg;

	return pa->emit(pa->arg, m);
}

/* md_plugin.parse: the mentions of one saved body, as a good POST of it
 * would give them. */
static int
webhook_parse(void *ctx, const struct md_http_response *resp,
    md_parse_fn emit, void *arg, char **cause)
{
	struct webhook *w = ctx;
	struct webhook_parse_arg pa = { emit, arg };
	int n;

	if (jsonmap_init(&w->map, &w->mapset, cause) != 0)
		return -1;
	n = webhook_body(&w->map, resp->body, resp->body_len,
	    webhook_parse_item, &pa, cause);
	jsonmap_clear(&w->map);
	return n;
}

/* Whether ADDRESS is a loopback one, in the host's forms ("8787" and
 * ":8787" are 127.0.0.1). */
static int
webhook_loopback(const char *address)
{
	const char *p;

	for (p = address; isdigit((unsigned char)*p); p++)
		;
	if (*p == '\0' || address[0] == ':')
		return 1;
	return strncmp(address, "127.", 4) == 0 ||
	    strncmp(address, "localhost:", 10) == 0 ||
	    strncmp(address, "[::1]:", 6) == 0;
}

/* Free what start() made. */
static void
webhook_release(struct webhook *w)
{
	jsonmap_clear(&w->map);
	if (w->secret != NULL) {
		OPENSSL_cleanse(w->secret, w->secret_len);
		free(w->secret);
		w->secret = NULL;
	}
	idring_free(&w->seen);
}

/* Read the secret, start listening. */
static int
webhook_start(struct md_source *src, const struct md_host *host, void *ctx,
    char **cause)
{
	struct webhook *w = ctx;
	char *where = NULL;

	w->src = src;
	w->host = host;
	if (!MD_HOST_HAS(host, http_listen)) {
		*cause = strdup("this mentiond cannot listen (no "
		    "http_listen): upgrade it");
		return -1;
	}
	if (w->max_body <= 0 || w->max_body > 64LL * 1024 * 1024) {
		*cause = strdup("max_body: between 1 byte and 64 MiB");
		return -1;
	}
	if (w->path[0] != '/') {
		*cause = strdup("path: must start with /");
		return -1;
	}
	if (jsonmap_init(&w->map, &w->mapset, cause) != 0)
		return -1;
	w->secret = cred_read(w->secret_file, "webhook-secret",
	    "MENTIOND_WEBHOOK_SECRET", &where, cause);
	if (w->secret == NULL && *cause != NULL)
		goto fail;
	if (w->secret == NULL && !webhook_loopback(w->listen)) {
		*cause = strdup("no secret (secret_file, $CREDENTIALS_DIRECTORY"
		    "/webhook-secret or $MENTIOND_WEBHOOK_SECRET): refusing to "
		    "take unsigned mentions on a non-loopback address");
		goto fail;
	}
	if (w->secret == NULL && !w->allow_unsigned) {
		*cause = strdup("no secret (secret_file, $CREDENTIALS_DIRECTORY"
		    "/webhook-secret or $MENTIOND_WEBHOOK_SECRET): bodies must "
		    "be signed; set unsigned = yes to take unsigned mentions "
		    "on loopback");
		goto fail;
	}
	if (w->rate < 0 || w->burst < 1) {
		*cause = strdup("rate: 0 (no limit) or more requests a second "
		    "per client; burst: at least 1");
		goto fail;
	}
	if (w->secret == NULL)
		host->log(src, MD_LOG_WARNING, "no secret and unsigned = yes: "
		    "unsigned mentions are taken, on loopback only");
	else {
		w->secret_len = strlen(w->secret);
		host->log(src, MD_LOG_INFO, "secret from %s; bodies must carry "
		    "%s: sha256=HEX", where, w->signature_header);
	}
	free(where);
	if (idring_init(&w->seen, WEBHOOK_SEEN_MAX) != 0) {
		*cause = strdup("out of memory");
		goto fail;
	}
	idring_load(&w->seen, host->state_get(src, "seen"));
	w->seen.dirty = 0;
	snprintf(w->retry_line, sizeof(w->retry_line), "Retry-After: %.0f",
	    w->retry_after >= 1 ? w->retry_after : 1);
	w->busy_headers[0] = w->retry_line;
	w->busy_headers[1] = NULL;
	clientrate_init(&w->clients, (double)w->rate, (double)w->burst);
	w->slow_headers[0] = w->slow_line;
	w->slow_headers[1] = NULL;
	if (host->timer_add(src, WEBHOOK_SAVE_EVERY, WEBHOOK_SAVE_EVERY,
	    webhook_save, w) == NULL) {
		*cause = strdup("cannot add the save timer");
		goto fail;
	}
	if (host->http_listen(src, w->listen, (size_t)w->max_body,
	    webhook_serve, w, cause) == NULL) {
		if (*cause == NULL)
			*cause = strdup("cannot listen");
		goto fail;
	}
	return 0;
fail:
	webhook_release(w);
	return -1;
}

/* Stop: save the ids taken; the host closes the listener. */
static void
webhook_stop(struct md_source *src, void *ctx)
{
	struct webhook *w = ctx;

	webhook_save(src, w);
	webhook_release(w);
}

static const struct md_setting webhook_settings[] = {
	{ "listen", MD_SET_STRING, "127.0.0.1:8787", offsetof(struct webhook,
	    listen), 0, "address to listen on, HOST:PORT (loopback by "
	    "default)" },
	{ "path", MD_SET_STRING, "/mentions", offsetof(struct webhook, path),
	    0, "the path mentions are POSTed to" },
	{ "secret_file", MD_SET_STRING, NULL, offsetof(struct webhook,
	    secret_file), 0, "file holding the HMAC-SHA256 shared secret" },
	{ "signature_header", MD_SET_STRING, "X-Mentiond-Signature",
	    offsetof(struct webhook, signature_header), 0,
	    "header carrying sha256=HEX of the body" },
	{ "max_body", MD_SET_INT, "1048576", offsetof(struct webhook,
	    max_body), 0, "largest body taken, bytes (413 beyond)" },
	{ "retry_after", MD_SET_DURATION, "5s", offsetof(struct webhook,
	    retry_after), 0, "Retry-After of a 503 when backed up" },
	{ "unsigned", MD_SET_BOOL, "no", offsetof(struct webhook,
	    allow_unsigned), 0, "without a secret, take unsigned bodies "
	    "(loopback only)" },
	{ "rate", MD_SET_INT, "50", offsetof(struct webhook, rate), 0,
	    "requests a second per client address (429 beyond; 0: no "
	    "limit)" },
	{ "burst", MD_SET_INT, "100", offsetof(struct webhook, burst), 0,
	    "requests a client may send at once before rate applies" },
	JSONMAP_SETTINGS(struct webhook, mapset),
	{ .key = NULL }
};

/* The descriptor the loader looks for. */
MD_PLUGIN_EXPORT
const struct md_plugin mentiond_plugin = {
	MD_PLUGIN_DESCRIPTOR_INIT,
	.name = "webhook",
	.version = "0.1",
	.description = "takes mentions POSTed as JSON, signed with "
	    "HMAC-SHA256",
	.settings = webhook_settings,
	.ctx_size = sizeof(struct webhook),
	.start = webhook_start,
	.stop = webhook_stop,
	.parse = webhook_parse,
};
