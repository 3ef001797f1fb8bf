/*
 * jsonget.c - cJSON members read leniently, and JSON bodies parsed with a
 * cause the user can act on (see jsonget.h).
 */
/* asprintf(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonget.h"

/* The string member KEY of OBJ, or NULL. */
const char *
jsonget_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The string member KEY of OBJ when not empty, or NULL. */
const char *
jsonget_nonempty(const cJSON *obj, const char *key)
{
	const char *s = jsonget_str(obj, key);

	return s != NULL && *s != '\0' ? s : NULL;
}

/* The number member KEY of OBJ as an integer, or -1 when unknown. */
long long
jsonget_num(const cJSON *obj, const char *key, int negative_ok)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (!(d >= -JSONGET_MAX_NUMBER && d <= JSONGET_MAX_NUMBER))
		return -1;
	if (d < 0 && !negative_ok)
		return -1;
	return (long long)d;
}

/* A positive integer member KEY of OBJ, or 0. */
long long
jsonget_id(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 &&
	    v->valuedouble <= JSONGET_MAX_NUMBER))
		return 0;
	return (long long)v->valuedouble;
}

/* The count member KEY of OBJ (a number of at least 0), or -1. */
long long
jsonget_count(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (isnan(d) || d < 0)
		return -1;
	if (d > 1e15)
		return 1000000000000000LL;
	return (long long)d;
}

/* Is member KEY of OBJ true? */
int
jsonget_true(const cJSON *obj, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* Parse BODY; tell a broken body from one that is no JSON. */
int
jsonget_parse(const char *body, size_t len, const char *open,
    const char *what, cJSON **root, char **cause)
{
	const char *end = NULL;
	size_t off, total = len;

	*cause = NULL;
	if ((*root = cJSON_ParseWithLengthOpts(body, len, &end, 0)) != NULL)
		return 0;
	off = end != NULL && end >= body ? (size_t)(end - body) : 0;
	while (len > 0 && (*body == ' ' || *body == '\n' || *body == '\r' ||
	    *body == '\t')) {
		body++;
		len--;
	}
	if (len == 0 || strchr(open, *body) == NULL || *body == '\0') {
		if (what == NULL)
			*cause = strdup("not JSON");
		else if (asprintf(cause, "not JSON: %s was expected",
		    what) == -1)
			*cause = NULL;
		return -1;
	}
	if (asprintf(cause, "broken JSON at byte %zu of %zu", off, total) == -1)
		*cause = NULL;
	return 1;
}
