/*
 * localredis.h - a private redis-server for a config that names none (the
 * built-in demo, a first try): started on a unix socket in a folder of ours,
 * with no persistence, and stopped when the daemon exits.
 */
#ifndef LOCALREDIS_H
#define LOCALREDIS_H

struct localredis;

/* localredis_start - start redis-server with its socket and log in DIR; wait
 * until it accepts. Returns NULL with *cause set on failure. */
struct localredis *localredis_start(const char *dir, char **cause);
/* localredis_url - "unix:///DIR/redis.sock". */
const char	*localredis_url(const struct localredis *lr);
/* localredis_stop - terminate the server, reap it, free. */
void		 localredis_stop(struct localredis *lr);

#endif
