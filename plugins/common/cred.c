/*
 * cred.c - where the connectors' secrets come from, and the header lines
 * that carry them (see cred.h).
 */
/* strdup(3), strndup(3), strcasecmp(3) under -std=c11. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cred.h"
#include "strbuf.h"

#define CRED_MAX	65536	/* bytes of a secret file read */

/* Remove trailing blanks and newlines from S. */
static void
cred_trim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* The contents of PATH, trimmed; NULL with *cause. */
static char *
cred_file(const char *path, char **cause)
{
	char *buf;
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		*cause = strbuf_msg("cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(CRED_MAX + 1)) == NULL) {
		fclose(fp);
		*cause = strdup("out of memory");
		return NULL;
	}
	n = fread(buf, 1, CRED_MAX, fp);
	buf[n] = '\0';
	fclose(fp);
	if (memchr(buf, '\0', n) != NULL) {
		free(buf);
		*cause = strbuf_msg("%s holds a NUL byte", path);
		return NULL;
	}
	cred_trim(buf);
	if (buf[0] == '\0') {
		free(buf);
		*cause = strbuf_msg("%s is empty", path);
		return NULL;
	}
	return buf;
}

/* A secret from FILE, the credentials folder or the environment, and
 * where it came from. */
char *
cred_get(const char *file, const char *name, const char *env,
    enum cred_from *from, char **warning, char **cause)
{
	const char *dir, *v;
	char *path, *s;

	*cause = NULL;
	*from = CRED_NONE;
	if (warning != NULL)
		*warning = NULL;
	if (file != NULL && *file != '\0') {
		if ((s = cred_file(file, cause)) != NULL)
			*from = CRED_FILE;
		return s;
	}
	dir = getenv("CREDENTIALS_DIRECTORY");
	if (name != NULL && dir != NULL && *dir != '\0') {
		path = strbuf_msg("%s/%s", dir, name);
		if (access(path, F_OK) == 0) {
			s = cred_file(path, cause);
			free(path);
			if (s != NULL) {
				*from = CRED_DIRECTORY;
				return s;
			}
			if (warning == NULL)
				return NULL;
			*warning = *cause;
			*cause = NULL;
		} else
			free(path);
	}
	if (env != NULL && (v = getenv(env)) != NULL && *v != '\0') {
		if ((s = strdup(v)) == NULL) {
			*cause = strdup("out of memory");
			return NULL;
		}
		cred_trim(s);
		*from = CRED_ENV;
		return s;
	}
	return NULL;
}

/* A secret from FILE, the credentials folder or the environment. */
char *
cred_read(const char *file, const char *name, const char *env, char **where,
    char **cause)
{
	enum cred_from from;
	char *s;

	*where = NULL;
	s = cred_get(file, name, env, &from, NULL, cause);
	if (from == CRED_FILE)
		*where = strbuf_msg("file %s", file);
	else if (from == CRED_DIRECTORY)
		*where = strbuf_msg("credential %s", name);
	else if (from == CRED_ENV)
		*where = strbuf_msg("environment %s", env);
	return s;
}

/* Whether S has a byte that would end a header line early. */
static int
cred_unsafe(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return 1;
	return 0;
}

/* The line that carries TOKEN (see cred.h). */
char *
cred_auth_line(const char *auth, const char *token, char **cause)
{
	if (cred_unsafe(token)) {
		*cause = strdup("the token holds a control character (a "
		    "second line?)");
		return NULL;
	}
	if (auth == NULL || *auth == '\0')
		auth = "Bearer";
	/* A scheme alone goes in Authorization; a header name (with its
	 * colon, and maybe a scheme after it) is taken as it is. */
	if (strchr(auth, ':') == NULL)
		return strbuf_msg("Authorization: %s %s", auth, token);
	return strbuf_msg("%s %s", auth, token);
}

/* Free a cred_headers array. */
void
cred_headers_free(char **headers)
{
	size_t i;

	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		free(headers[i]);
	free(headers);
}

/* Whether lines H[0..N) have a header named like LINE's. */
static int
cred_has(char **h, size_t n, const char *line)
{
	size_t len = strcspn(line, ":"), i;

	for (i = 0; i < n; i++)
		if (strncasecmp(h[i], line, len) == 0 && h[i][len] == ':')
			return 1;
	return 0;
}

/* Append a copy of LINE (LEN bytes) to *H (*N lines); -1 out of memory. */
static int
cred_append(char ***h, size_t *n, const char *line, size_t len)
{
	char **nh;

	if ((nh = realloc(*h, (*n + 2) * sizeof(*nh))) == NULL)
		return -1;
	*h = nh;
	if ((nh[*n] = strndup(line, len)) == NULL)
		return -1;
	nh[++*n] = NULL;
	return 0;
}

/* The header lines of LIST, DEF and EXTRA (see cred.h). */
char **
cred_headers(const char *list, const char *def, const char *extra,
    char **cause)
{
	const char *p, *start, *end, *stop, *colon;
	char **h;
	size_t n = 0;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		goto oom;
	for (p = list; p != NULL; p = *stop == '|' ? stop + 1 : NULL) {
		stop = p + strcspn(p, "|");
		for (start = p; start < stop && (*start == ' ' ||
		    *start == '\t'); start++)
			;
		for (end = stop; end > start && (end[-1] == ' ' ||
		    end[-1] == '\t'); end--)
			;
		if (start == end)
			continue;
		colon = memchr(start, ':', (size_t)(end - start));
		if (colon == NULL || colon == start ||
		    memchr(start, ' ', (size_t)(colon - start)) != NULL) {
			*cause = strbuf_msg("headers: '%.*s' is not \"Name: "
			    "value\"", (int)(end - start), start);
			goto fail;
		}
		if (cred_append(&h, &n, start, (size_t)(end - start)) != 0)
			goto oom;
	}
	if (def != NULL && !cred_has(h, n, def) &&
	    cred_append(&h, &n, def, strlen(def)) != 0)
		goto oom;
	if (extra != NULL && cred_append(&h, &n, extra, strlen(extra)) != 0)
		goto oom;
	return h;
oom:
	*cause = strdup("out of memory");
fail:
	cred_headers_free(h);
	return NULL;
}
