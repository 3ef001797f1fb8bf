/*
 * redisurl.c - parse the redis:// and unix:// URLs that say where Redis is.
 * The forms are few and strict (see redisurl.h), so they are read by hand:
 * each part is checked for the characters it may hold and numbers for their
 * range, and anything else is refused with a reason.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "redisurl.h"
#include "xmalloc.h"

#define REDISURL_EXPECTED \
	"expected redis://[user@]host[:port][/db] or unix:///path[?db=N]"

/* Parse LEN bytes at P as a decimal number in [0, MAX]; 0 or -1. */
static int
redisurl_number(const char *p, size_t len, long max, long *out)
{
	long n = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		n = n * 10 + (p[i] - '0');
	}
	if (n > max)
		return -1;
	*out = n;
	return 0;
}

/* The value of hex digit C, or -1. */
static int
redisurl_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Copy LEN bytes at P with their %XX escapes decoded. */
static char *
redisurl_decode(const char *p, size_t len)
{
	char *s, *out;
	size_t i;
	int hi, lo;

	s = out = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (p[i] == '%' && i + 2 < len &&
		    (hi = redisurl_hex(p[i + 1])) != -1 &&
		    (lo = redisurl_hex(p[i + 2])) != -1) {
			*out++ = (char)(hi * 16 + lo);
			i += 2;
		} else
			*out++ = p[i];
	}
	*out = '\0';
	return s;
}

/* Whether the LEN bytes at P are a good host name or IPv4 address. */
static int
redisurl_valid_host(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if ((p[i] < 'a' || p[i] > 'z') && (p[i] < 'A' || p[i] > 'Z') &&
		    (p[i] < '0' || p[i] > '9') && strchr(".-_", p[i]) == NULL)
			return 0;
	}
	return 1;
}

/* Whether the LEN bytes at P (inside brackets) look like an IPv6 address. */
static int
redisurl_valid_ipv6(const char *p, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		if (redisurl_hex(p[i]) == -1 && strchr(":.%", p[i]) == NULL &&
		    (p[i] < 'g' || p[i] > 'z'))
			return 0;
	}
	return memchr(p, ':', len) != NULL;
}

/* Parse the userinfo of LEN bytes at P (before the '@') into U; 0 or -1. */
static int
redisurl_userinfo(const char *p, size_t len, int flags, struct redisurl *u,
    char **cause)
{
	const char *colon;

	colon = memchr(p, ':', len);
	if (colon != NULL) {
		if (~flags & REDISURL_PASSWORD) {
			*cause = xstrdup("bad redis URL: a password does not "
			    "belong in the URL; use password_file or "
			    "password_env");
			return -1;
		}
		u->password = redisurl_decode(colon + 1,
		    len - (size_t)(colon - p) - 1);
		len = (size_t)(colon - p);
	}
	if (len != 0)
		u->user = redisurl_decode(p, len);
	return 0;
}

/* Parse the query of a unix:// URL at Q into U: only db=N is known. */
static int
redisurl_query(const char *q, const char *url, struct redisurl *u,
    char **cause)
{
	const char *p, *end;
	long n;

	for (p = q; *p != '\0'; p = *end == '&' ? end + 1 : end) {
		end = p + strcspn(p, "&");
		if (end - p > 3 && strncmp(p, "db=", 3) == 0 &&
		    redisurl_number(p + 3, (size_t)(end - p - 3), INT_MAX,
		    &n) == 0) {
			u->db = (int)n;
			continue;
		}
		*cause = xasprintf("bad redis URL %s: unknown or bad parameter "
		    "\"%.*s\" (only db=N is known)", url, (int)(end - p), p);
		return -1;
	}
	return 0;
}

/* Parse unix://[user[:password]@]/path[?db=N] (P is after unix://). */
static int
redisurl_unix(const char *url, const char *p, int flags, struct redisurl *u,
    char **cause)
{
	const char *q, *at;
	size_t len;

	q = p + strcspn(p, "?");
	if (*p != '/' && (at = memchr(p, '@', (size_t)(q - p))) != NULL) {
		if (redisurl_userinfo(p, (size_t)(at - p), flags, u,
		    cause) != 0)
			return -1;
		p = at + 1;
	}
	len = (size_t)(q - p);
	if (len < 2 || *p != '/') {
		*cause = xasprintf("bad redis URL %s: the socket path must be "
		    "absolute (unix:///path)", url);
		return -1;
	}
	u->path = xstrndup(p, len);
	if (*q == '?')
		return redisurl_query(q + 1, url, u, cause);
	return 0;
}

/* Parse redis://[user[:password]@]host[:port][/db] (P is after redis://). */
static int
redisurl_tcp(const char *url, const char *p, int flags, struct redisurl *u,
    char **cause)
{
	const char *auth_end, *at, *host, *host_end, *colon;
	long n;

	auth_end = p + strcspn(p, "/?#");
	if (*auth_end == '?' || *auth_end == '#')
		goto bad;
	at = memrchr(p, '@', (size_t)(auth_end - p));
	if (at != NULL) {
		if (redisurl_userinfo(p, (size_t)(at - p), flags, u,
		    cause) != 0)
			return -1;
		p = at + 1;
	}
	if (*p == '[') {
		host = p + 1;
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (host_end == NULL ||
		    !redisurl_valid_ipv6(host, (size_t)(host_end - host)))
			goto bad;
		colon = host_end + 1 < auth_end ? host_end + 1 : NULL;
		if (colon != NULL && *colon != ':')
			goto bad;
	} else {
		host = p;
		colon = memchr(p, ':', (size_t)(auth_end - p));
		host_end = colon != NULL ? colon : auth_end;
		if (!redisurl_valid_host(host, (size_t)(host_end - host)))
			goto bad;
	}
	if (host_end != host)
		u->host = xstrndup(host, (size_t)(host_end - host));
	else if (flags & REDISURL_EMPTYHOST)
		u->host = xstrdup("127.0.0.1");
	else
		goto bad;
	if (colon != NULL) {
		if (redisurl_number(colon + 1, (size_t)(auth_end - colon - 1),
		    65535, &n) != 0 || n == 0)
			goto bad;
		u->port = (int)n;
	}
	if (*auth_end == '/' && auth_end[1] != '\0') {
		if (redisurl_number(auth_end + 1, strlen(auth_end + 1), INT_MAX,
		    &n) != 0)
			goto bad;
		u->db = (int)n;
	}
	return 0;

bad:
	*cause = xasprintf("bad redis URL %s: " REDISURL_EXPECTED, url);
	return -1;
}

/* Fill OUT from URL under FLAGS; 0, or -1 with *cause set. */
int
redisurl_parse(const char *url, int flags, struct redisurl *out, char **cause)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->port = REDISURL_DEFAULT_PORT;
	if (strncmp(url, "unix://", 7) == 0)
		rc = redisurl_unix(url, url + 7, flags, out, cause);
	else if (strncmp(url, "redis://", 8) == 0)
		rc = redisurl_tcp(url, url + 8, flags, out, cause);
	else if (strncmp(url, "rediss://", 9) == 0) {
		*cause = xasprintf("bad redis URL %s: TLS (rediss://) is not "
		    "supported by this build", url);
		rc = -1;
	} else {
		*cause = xasprintf("bad redis URL %s: not a redis:// or "
		    "unix:// URL", url);
		rc = -1;
	}
	if (rc != 0)
		redisurl_free(out);
	return rc;
}

/* Free the strings of U and empty it. */
void
redisurl_free(struct redisurl *u)
{
	free(u->host);
	free(u->path);
	free(u->user);
	free(u->password);
	memset(u, 0, sizeof(*u));
	u->port = REDISURL_DEFAULT_PORT;
}
