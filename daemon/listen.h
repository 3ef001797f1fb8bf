/*
 * listen.h - a small HTTP server on the event loop (libevent's evhttp) for
 * the plugins that receive rather than fetch (host->http_listen). It binds
 * one address, reads whole requests up to a body limit, and hands each to a
 * callback that fills in the reply, which is then sent.
 */
#ifndef LISTEN_H
#define LISTEN_H

#include <sys/socket.h>

#include <stddef.h>

#include "mentiond/plugin.h"

#define LISTEN_MAX_BODY	(1024 * 1024)	/* default body limit, bytes */
#define LISTEN_TIMEOUT	30		/* seconds a client may be silent */

struct event_base;
struct listen;

/* Called once per request; REQ is valid during the call only, REPLY is
 * zeroed before and sent after. The callback may free the listener. */
typedef void	(*listen_fn)(const struct md_listen_request *req,
		    struct md_listen_reply *reply, void *arg);

/* listen_new - serve on ADDRESS (see host->http_listen for its forms) in
 * BASE, refusing bodies over MAX_BODY bytes (0: LISTEN_MAX_BODY); OWNER
 * labels the log lines. NULL with *cause set (malloc'd) when ADDRESS is bad
 * or cannot be bound. */
struct listen	*listen_new(struct event_base *base, const char *owner,
		    const char *address, size_t max_body, listen_fn fn,
		    void *arg, char **cause);
/* listen_free - close the socket and the open connections; no callback
 * follows. Safe from inside the listener's own callback, where the memory
 * goes once the reply is sent. */
void		 listen_free(struct listen *l);
/* listen_port - the port bound (useful when ADDRESS asked for port 0). */
int		 listen_port(const struct listen *l);
/* listen_parse_address - ADDRESS as a socket address in SS (*LEN bytes);
 * -1 with *cause set (malloc'd) when it is not one of the forms above. */
int		 listen_parse_address(const char *address,
		    struct sockaddr_storage *ss, int *len, char **cause);

#endif
