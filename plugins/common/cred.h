/*
 * cred.h - credentials of the connectors and the request headers that carry
 * them. A secret never comes from a plain config value: it is read from a
 * file named by a *_file setting, or from systemd's $CREDENTIALS_DIRECTORY
 * (LoadCredential=), or from an environment variable.
 */
#ifndef CRED_H
#define CRED_H

/* cred_read - the secret in FILE when set (an error when it cannot be read
 * or is empty), else in $CREDENTIALS_DIRECTORY/NAME when that file exists,
 * else in the environment variable ENV when set; trailing blanks and
 * newlines removed. *WHERE (malloc'd) says where it came from, for the
 * start log. Returns the malloc'd secret; NULL with *cause NULL when there
 * is none, or with *cause set when FILE was named but is no good. */
char		*cred_read(const char *file, const char *name, const char *env,
		    char **where, char **cause);

/* Where cred_get found a secret. */
enum cred_from {
	CRED_NONE,		/* nowhere: there is none */
	CRED_FILE,		/* FILE, the *_file setting */
	CRED_DIRECTORY,		/* $CREDENTIALS_DIRECTORY/NAME */
	CRED_ENV,		/* the environment variable ENV */
};

/* cred_get - the secret as cred_read finds it, *FROM saying where, for a
 * connector that words its start log itself. With WARNING not NULL, a file
 * in $CREDENTIALS_DIRECTORY that cannot be used is passed over (the
 * environment is tried) and *WARNING (malloc'd) says why, for the caller to
 * log; with WARNING NULL it is an error, as a bad FILE always is. */
char		*cred_get(const char *file, const char *name, const char *env,
		    enum cred_from *from, char **warning, char **cause);

/* cred_auth_line - the header line that carries TOKEN as AUTH says:
 * "Bearer" (a scheme) gives "Authorization: Bearer TOKEN"; "X-Api-Key:"
 * (a header name and a colon) gives "X-Api-Key: TOKEN"; "Authorization:
 * token" gives "Authorization: token TOKEN". Malloc'd; NULL with *cause
 * when TOKEN would break the line (a control character). */
char		*cred_auth_line(const char *auth, const char *token,
		    char **cause);

/* cred_headers - the "Name: value" lines of LIST (separated by "|"), then
 * DEFAULT unless LIST has a header of the same name, then EXTRA (each may
 * be NULL), as a NULL-terminated malloc'd array for md_http_request. NULL
 * with *cause when an entry is not "Name: value". */
char		**cred_headers(const char *list, const char *def,
		    const char *extra, char **cause);
void		 cred_headers_free(char **headers);

#endif
