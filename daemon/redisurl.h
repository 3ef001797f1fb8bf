/*
 * redisurl.h - where Redis is: the one parser of the redis:// and unix:// URLs
 * that the daemon's [redis] url, its configuration check and mentionctl's
 * --redis accept.
 *
 * The forms are redis://[user@]host[:port][/db] (host a name, an IPv4
 * address or a bracketed IPv6 one; port 6379 by default; db 0 by default)
 * and unix:///path[?db=N]. rediss:// (TLS) is refused. With REDISURL_PASSWORD,
 * a password may follow the user (user:password@, and unix://user:password@/
 * path); otherwise a password in the URL is an error, since the daemon takes
 * it from password_file or password_env. The user and password are %XX
 * decoded.
 */
#ifndef REDISURL_H
#define REDISURL_H

#define REDISURL_DEFAULT_PORT	6379

/* Flags for redisurl_parse. */
#define REDISURL_PASSWORD	0x1	/* user:password@ is accepted */
#define REDISURL_EMPTYHOST	0x2	/* an empty host is 127.0.0.1 */

/* A parsed URL. Every string is allocated, or NULL. */
struct redisurl {
	char	*host;		/* NULL for a unix socket */
	int	 port;
	char	*path;		/* the unix socket, or NULL */
	char	*user;
	char	*password;
	int	 db;
};

/* redisurl_parse - fill OUT from URL under FLAGS (REDISURL_*). Returns 0, or
 * -1 with *cause set and OUT left empty. The message names the URL, except
 * when it refuses a password in it. */
int	 redisurl_parse(const char *url, int flags, struct redisurl *out,
	     char **cause);
/* redisurl_free - free the strings of U (not U itself) and empty it. */
void	 redisurl_free(struct redisurl *u);

#endif /* REDISURL_H */
