/*
 * cursor.c - a time cursor and the ids done at its time (see cursor.h).
 */
/* strndup(3) and reallocarray(3) under -std=c11. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"

/* Forget the ids at the cursor. */
void
cursor_clear(struct cursor *c)
{
	size_t i;

	for (i = 0; i < c->nids; i++)
		free(c->ids[i]);
	free(c->ids);
	c->ids = NULL;
	c->nids = 0;
}

/* Is ID among those done at the cursor? */
static int
cursor_has(const struct cursor *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->nids; i++)
		if (strcmp(c->ids[i], id) == 0)
			return 1;
	return 0;
}

/* Add ID (N bytes) to those done at the cursor, unless there or full. */
static void
cursor_add(struct cursor *c, const char *id, size_t n)
{
	char **v, *s;

	if (c->nids >= CURSOR_IDS_MAX || (s = strndup(id, n)) == NULL)
		return;
	if (cursor_has(c, s) ||
	    (v = reallocarray(c->ids, c->nids + 1, sizeof *v)) == NULL) {
		free(s);
		return;
	}
	c->ids = v;
	c->ids[c->nids++] = s;
}

/* Was the item at T with ID emitted already? */
int
cursor_done(const struct cursor *c, int64_t t, const char *id)
{
	return t < c->t || (t == c->t && cursor_has(c, id));
}

/* Move the cursor over the item at T with ID. */
void
cursor_take(struct cursor *c, int64_t t, const char *id)
{
	if (t > c->t) {
		c->t = t;
		cursor_clear(c);
	}
	if (t == c->t)
		cursor_add(c, id, strlen(id));
}

/* Read the cursor from TEXT: "SECONDS ID ID ...". */
int
cursor_load(struct cursor *c, const char *text)
{
	const char *p;
	char *end;
	long long t;
	size_t n;

	cursor_clear(c);
	c->t = 0;
	if (text == NULL)
		return -1;
	errno = 0;
	t = strtoll(text, &end, 10);
	if (end == text || errno != 0 || t <= 0)
		return -1;
	c->t = t;
	for (p = end; *p != '\0'; p += n) {
		p += strspn(p, " ");
		if ((n = strcspn(p, " ")) > 0)
			cursor_add(c, p, n);
	}
	return 0;
}

/* The cursor as "SECONDS ID ID ...". */
char *
cursor_save(const struct cursor *c)
{
	char *val, *p;
	size_t i, n = 32;

	for (i = 0; i < c->nids; i++)
		n += strlen(c->ids[i]) + 1;
	if ((val = malloc(n)) == NULL)
		return NULL;
	p = val + snprintf(val, n, "%lld", (long long)c->t);
	for (i = 0; i < c->nids; i++)
		p += sprintf(p, " %s", c->ids[i]);
	return val;
}
