/*
 * listen.c - the HTTP server behind host->http_listen (see listen.h): one
 * evhttp per listener, on a socket bound here so that a taken address is
 * refused with its real reason. evhttp reads each request whole, within the
 * body and header limits; the callback fills an md_listen_reply, sent here.
 *
 * Teardown follows the hiredis adapter idea: a listener freed from inside
 * its own callback is only marked deleted and stops accepting; its memory
 * goes from a zero timer after the reply, once evhttp is off the stack.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include "listen.h"
#include "log.h"
#include "xmalloc.h"

#define LISTEN_MAX_HEADERS	(64 * 1024)	/* request line and headers */
#define LISTEN_BACKLOG		64
#define LISTEN_PAUSE		1	/* seconds without accepting, out of fds */

struct listen {
	struct event_base		*base;
	char				*owner;
	char				*address;	/* as bound, for logs */
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	struct event			*reap;		/* frees a deleted listener */
	struct event			*resume;	/* accepts again after a pause */
	int				 paused;	/* warned of, since the last request */
	int				 port;
	listen_fn			 fn;
	void				*arg;
	int				 in_cb;
	int				 deleted;
	LIST_ENTRY(listen)		 entry;		/* in listen_all */
};

/* The live listeners: an accept error names only its evhttp. */
static LIST_HEAD(, listen) listen_all = LIST_HEAD_INITIALIZER(listen_all);

/* The standard reason phrase of STATUS. */
static const char *
listen_phrase(int status)
{
	static const struct {
		int		 status;
		const char	*phrase;
	} phrases[] = {
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 204, "No Content" }, { 301, "Moved Permanently" },
		{ 302, "Found" }, { 304, "Not Modified" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 409, "Conflict" }, { 411, "Length Required" },
		{ 413, "Content Too Large" }, { 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Content" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};
	size_t i;

	for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrases[i].status == status)
			return phrases[i].phrase;
	return status < 300 ? "OK" : status < 400 ? "Redirect" :
	    status < 500 ? "Client Error" : "Server Error";
}

/* The name of evhttp's command CMD. */
static const char *
listen_method(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	}
	return "UNKNOWN";
}

/* md_listen_request.header: a request header, the first of its name. */
static const char *
listen_header(const struct md_listen_request *req, const char *name)
{
	struct evhttp_request *er = req->host_private;

	if (er == NULL || name == NULL)
		return NULL;
	return evhttp_find_header(evhttp_request_get_input_headers(er), name);
}

/* Whether S holds a byte that would break a header line. */
static int
listen_unsafe(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return 1;
	return 0;
}

/* Add REPLY's extra "Name: value" headers to OUT, skipping broken ones. */
static void
listen_add_headers(struct listen *l, struct evkeyvalq *out,
    const char *const *headers)
{
	const char *colon, *value;
	char *name;
	size_t i;

	for (i = 0; headers != NULL && headers[i] != NULL; i++) {
		colon = strchr(headers[i], ':');
		if (colon == NULL || colon == headers[i] ||
		    listen_unsafe(headers[i])) {
			log_warn(l->owner, "reply header '%.64s' dropped: not "
			    "\"Name: value\"", headers[i]);
			continue;
		}
		name = xstrndup(headers[i], colon - headers[i]);
		for (value = colon + 1; *value == ' ' || *value == '\t';
		    value++)
			;
		evhttp_add_header(out, name, value);
		free(name);
	}
}

/* Send REPLY to ER, then release the reply's body. */
static void
listen_send(struct listen *l, struct evhttp_request *er,
    const struct md_listen_request *req, struct md_listen_reply *reply)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(er);
	struct evbuffer *buf = evbuffer_new();
	const char *ctype, *reason;
	int status = reply->status;

	if (status == 0 || status < 100 || status > 599) {
		if (status != 0)
			log_warn(l->owner, "reply status %d is not HTTP; sent "
			    "500", status);
		status = 500;
	}
	reason = reply->reason;
	if (reason == NULL || listen_unsafe(reason))
		reason = listen_phrase(status);
	ctype = reply->content_type;
	if (ctype == NULL || listen_unsafe(ctype))
		ctype = "text/plain; charset=utf-8";
	evhttp_add_header(out, "Content-Type", ctype);
	listen_add_headers(l, out, reply->headers);
	if (reply->body != NULL && reply->body_len > 0)
		evbuffer_add(buf, reply->body, reply->body_len);
	if (reply->body_free != NULL && reply->body != NULL)
		reply->body_free((void *)reply->body);
	log_debug(l->owner, "%s %s: %d (%zu bytes in, %zu out) from %s",
	    req->method, req->path, status, req->body_len,
	    evbuffer_get_length(buf), req->peer);
	evhttp_send_reply(er, status, reason, buf);
	evbuffer_free(buf);
}

/* Free a deleted listener, from the loop. */
static void
listen_reap_cb(evutil_socket_t fd, short events, void *arg)
{
	struct listen *l = arg;

	evhttp_free(l->http);
	event_free(l->reap);
	event_free(l->resume);
	free(l->owner);
	free(l->address);
	free(l);
}

/* After a pause: accept again (the error callback pauses once more if the
 * process is still out of descriptors). */
static void
listen_resume_cb(evutil_socket_t fd, short events, void *arg)
{
	struct listen *l = arg;

	(void)fd;
	(void)events;
	if (!l->deleted && l->bound != NULL)
		evconnlistener_enable(evhttp_bound_socket_get_listener(
		    l->bound));
}

/*
 * accept() failed. Out of descriptors (EMFILE, ENFILE) or of kernel memory,
 * the connection stays queued and the socket stays readable: accepting on
 * would spin the loop at full CPU, a warning from libevent each turn. Stop
 * accepting for LISTEN_PAUSE s instead, warn once until a request is served
 * again, and let queued clients wait in the backlog. Other errors (a client
 * gone before it was accepted) pass.
 */
static void
listen_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct listen *l;
	struct timeval tv = { LISTEN_PAUSE, 0 };
	int err = EVUTIL_SOCKET_ERROR();

	/* ARG is what evhttp gave the listener: its evhttp. */
	LIST_FOREACH(l, &listen_all, entry)
		if (l->http == arg)
			break;
	if (l == NULL)
		return;
	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM)
		return;
	evconnlistener_disable(lev);
	evtimer_add(l->resume, &tv);
	if (l->paused)
		return;
	l->paused = 1;
	log_warn(l->owner, "cannot accept connections on %s: %s; new "
	    "connections wait until descriptors are free (checked every %d s)",
	    l->address, evutil_socket_error_to_string(err), LISTEN_PAUSE);
}

/* evhttp's callback: one whole request, to the user and back. */
static void
listen_request_cb(struct evhttp_request *er, void *arg)
{
	struct listen *l = arg;
	struct md_listen_request req;
	struct md_listen_reply reply;
	const struct evhttp_uri *uri;
	struct evbuffer *in;
	const char *path;
	char *peer = NULL;
	ev_uint16_t port = 0;
	struct timeval now = { 0, 0 };

	if (l->deleted) {
		evhttp_send_error(er, 503, "Closing");
		return;
	}
	if (l->paused) {
		l->paused = 0;
		log_notice(l->owner, "accepting connections on %s again",
		    l->address);
	}
	memset(&req, 0, sizeof(req));
	memset(&reply, 0, sizeof(reply));
	req.method = listen_method(evhttp_request_get_command(er));
	uri = evhttp_request_get_evhttp_uri(er);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	req.path = path != NULL && *path != '\0' ? path : "/";
	req.query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	evhttp_connection_get_peer(evhttp_request_get_connection(er), &peer,
	    &port);
	req.peer = peer != NULL ? peer : "unknown";
	/* A NUL after the body, and the body in one piece. */
	in = evhttp_request_get_input_buffer(er);
	req.body_len = evbuffer_get_length(in);
	evbuffer_add(in, "", 1);
	req.body = (const char *)evbuffer_pullup(in, -1);
	req.header = listen_header;
	req.host_private = er;

	l->in_cb++;
	l->fn(&req, &reply, l->arg);
	l->in_cb--;
	listen_send(l, er, &req, &reply);
	if (l->deleted && l->in_cb == 0)
		evtimer_add(l->reap, &now);
}

/* Parse ADDRESS into SS (see listen.h). */
int
listen_parse_address(const char *address, struct sockaddr_storage *ss,
    int *len, char **cause)
{
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	const char *p;
	char *text, *colon, *host;
	long port;
	int rc;

	if (address == NULL || *address == '\0') {
		*cause = xstrdup("no address to listen on");
		return -1;
	}
	for (p = address; *p >= '0' && *p <= '9'; p++)
		;
	if (*p == '\0')
		text = xasprintf("127.0.0.1:%s", address);
	else if (address[0] == ':')
		text = xasprintf("127.0.0.1%s", address);
	else if (strncmp(address, "localhost:", 10) == 0)
		text = xasprintf("127.0.0.1%s", address + 9);
	else
		text = xstrdup(address);
	/* A port is required: "1.2.3.4" or "[::1]" alone is refused. */
	colon = strrchr(text, ':');
	if (text[0] != '[' && colon != NULL && strchr(text, ':') != colon) {
		*cause = xasprintf("address '%s': an IPv6 address goes in "
		    "brackets, as [::1]:8787", address);
		free(text);
		return -1;
	}
	if (colon == NULL || colon[1] == '\0' || (text[0] == '[' &&
	    colon < strchr(text, ']'))) {
		*cause = xasprintf("address '%s' has no port (expected "
		    "HOST:PORT, [V6]:PORT or PORT)", address);
		free(text);
		return -1;
	}
	port = 0;
	for (p = colon + 1; *p >= '0' && *p <= '9' && port <= 65535; p++)
		port = port * 10 + (*p - '0');
	*colon = '\0';
	host = text;
	if (host[0] == '[' && colon > host && colon[-1] == ']') {
		host++;
		colon[-1] = '\0';
	}
	memset(ss, 0, sizeof(*ss));
	sin = (struct sockaddr_in *)ss;
	sin6 = (struct sockaddr_in6 *)ss;
	if (*p == '\0' && port <= 65535 && host != text &&
	    evutil_inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = (int)sizeof(*sin6);
		rc = 0;
	} else if (*p == '\0' && port <= 65535 && host == text &&
	    evutil_inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = (int)sizeof(*sin);
		rc = 0;
	} else
		rc = -1;
	free(text);
	if (rc != 0) {
		*cause = xasprintf("address '%s' is not a numeric IPv4 or IPv6 "
		    "address with a port (expected HOST:PORT, [V6]:PORT or "
		    "PORT)", address);
		return -1;
	}
	return 0;
}

/* "1.2.3.4:80" or "[::1]:80" for the socket address SA, malloc'd. */
static char *
listen_format(const struct sockaddr_storage *ss, int *port)
{
	char host[64] = "?";
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET6) {
		evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		*port = ntohs(sin6->sin6_port);
		return xasprintf("[%s]:%d", host, *port);
	}
	evutil_inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
	*port = ntohs(sin->sin_port);
	return xasprintf("%s:%d", host, *port);
}

/* Start serving (see listen.h). */
struct listen *
listen_new(struct event_base *base, const char *owner, const char *address,
    size_t max_body, listen_fn fn, void *arg, char **cause)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct listen *l;
	int fd, len, one = 1, saved;

	if (listen_parse_address(address, &ss, &len, cause) != 0)
		return NULL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*cause = xasprintf("cannot listen on %s: socket: %s", address,
		    strerror(errno));
		return NULL;
	}
	/* SO_REUSEADDR: a restart may bind while old connections linger in
	 * TIME_WAIT. On Linux it does not let two sockets listen on one
	 * port, so a taken address still fails below. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, (socklen_t)len) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		saved = errno;
		close(fd);
		*cause = xasprintf("cannot listen on %s: %s%s", address,
		    strerror(saved), saved == EADDRINUSE ? " (another "
		    "process, or another source, listens there)" : "");
		return NULL;
	}
	sslen = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sslen);

	l = xcalloc(1, sizeof(*l));
	l->base = base;
	l->owner = xstrdup(owner != NULL ? owner : "listen");
	l->address = listen_format(&ss, &l->port);
	l->fn = fn;
	l->arg = arg;
	l->reap = evtimer_new(base, listen_reap_cb, l);
	l->resume = evtimer_new(base, listen_resume_cb, l);
	l->http = evhttp_new(base);
	if (l->http == NULL || l->reap == NULL || l->resume == NULL) {
		close(fd);
		*cause = xstrdup("cannot create the HTTP server");
		goto fail;
	}
	/* Bounds on what one client may make us hold: the body (413 beyond,
	 * the rest read and dropped so the client sees the answer), the
	 * headers, and the time it may stay silent. */
	evhttp_set_max_body_size(l->http, (ev_ssize_t)(max_body > 0 ?
	    max_body : LISTEN_MAX_BODY));
	evhttp_set_max_headers_size(l->http, LISTEN_MAX_HEADERS);
	evhttp_set_timeout(l->http, LISTEN_TIMEOUT);
	evhttp_set_flags(l->http, EVHTTP_SERVER_LINGERING_CLOSE);
	/* Every method reaches the callback, which answers 405 itself. */
	evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(l->http, listen_request_cb, l);
	if ((l->bound = evhttp_accept_socket_with_handle(l->http, fd)) ==
	    NULL) {
		close(fd);
		*cause = xasprintf("cannot listen on %s: cannot accept",
		    address);
		goto fail;
	}
	/* evhttp sets no error callback; without one libevent warns and
	 * the loop spins while accept() fails. */
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(l->bound),
	    listen_accept_error_cb);
	LIST_INSERT_HEAD(&listen_all, l, entry);
	log_info(l->owner, "listening on http://%s", l->address);
	return l;

fail:
	if (l->http != NULL)
		evhttp_free(l->http);
	if (l->reap != NULL)
		event_free(l->reap);
	if (l->resume != NULL)
		event_free(l->resume);
	free(l->owner);
	free(l->address);
	free(l);
	return NULL;
}

/* Stop serving and free L (see listen.h). */
void
listen_free(struct listen *l)
{
	if (l == NULL || l->deleted)
		return;
	l->deleted = 1;
	LIST_REMOVE(l, entry);
	if (l->bound != NULL) {
		evhttp_del_accept_socket(l->http, l->bound);
		l->bound = NULL;
	}
	evtimer_del(l->resume);
	log_debug(l->owner, "stopped listening on %s", l->address);
	if (l->in_cb > 0)
		return;		/* listen_request_cb arms the reap timer */
	listen_reap_cb(-1, 0, l);
}

/* The port bound. */
int
listen_port(const struct listen *l)
{
	return l->port;
}
