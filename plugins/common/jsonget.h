/*
 * jsonget.h - the members of a cJSON object as the connectors read them:
 * a member that is missing or of the wrong type is unknown (NULL, -1 or 0),
 * never an error; and a body that is no JSON told from one cut short.
 */
#ifndef JSONGET_H
#define JSONGET_H

#include <stddef.h>

#include <cJSON.h>

#define JSONGET_MAX_NUMBER	9e15	/* beyond it a count is not believed */

/* jsonget_str - the string member KEY of OBJ, or NULL. */
const char	*jsonget_str(const cJSON *obj, const char *key);

/* jsonget_nonempty - the string member KEY of OBJ when not empty, or NULL. */
const char	*jsonget_nonempty(const cJSON *obj, const char *key);

/* jsonget_num - the number member KEY of OBJ as an integer, or -1 when
 * unknown: not a number, beyond JSONGET_MAX_NUMBER, or below zero unless
 * NEGATIVE_OK. */
long long	 jsonget_num(const cJSON *obj, const char *key, int negative_ok);

/* jsonget_id - the number member KEY of OBJ when a positive integer up to
 * JSONGET_MAX_NUMBER, or 0. */
long long	 jsonget_id(const cJSON *obj, const char *key);

/* jsonget_count - the number member KEY of OBJ as a count: -1 when unknown
 * (not a number, NaN, below zero), capped at 10^15. */
long long	 jsonget_count(const cJSON *obj, const char *key);

/* jsonget_true - is member KEY of OBJ true? */
int		 jsonget_true(const cJSON *obj, const char *key);

/*
 * jsonget_parse - the JSON document of BODY (LEN bytes) into *ROOT (free it
 * with cJSON_Delete). Returns 0; or, with *CAUSE set (malloc'd) and *ROOT
 * NULL: 1 when the body starts (past white space) with a byte of OPEN ("{",
 * "{[") but breaks off ("broken JSON at byte N of LEN": a truncated body),
 * -1 when it is not JSON at all ("not JSON", or "not JSON: WHAT was
 * expected" when WHAT is not NULL).
 */
int		 jsonget_parse(const char *body, size_t len, const char *open,
		    const char *what, cJSON **root, char **cause);

#endif
