/*
 * logonce.c - notices logged once while their condition lasts (see
 * logonce.h).
 */
#include <stdlib.h>
#include <string.h>

#include "logonce.h"

/* Is the notice of a condition that HOLDS due, *SAID telling? */
int
logonce_due(int *said, int holds)
{
	if (!holds) {
		*said = 0;
		return 0;
	}
	if (*said)
		return 0;
	*said = 1;
	return 1;
}

int
logonce_set_due(struct logonce_set *s, size_t key, long status)
{
	long *grown;
	size_t n;

	if (key >= s->n) {
		n = key + 8;
		if ((grown = realloc(s->status, n * sizeof(*grown))) == NULL)
			return 1;	/* better said twice than not at all */
		memset(grown + s->n, 0, (n - s->n) * sizeof(*grown));
		s->status = grown;
		s->n = n;
	}
	if (s->status[key] == status)
		return 0;
	s->status[key] = status;
	return 1;
}

int
logonce_set_clear(struct logonce_set *s, size_t key)
{
	if (key >= s->n || s->status[key] == 0)
		return 0;
	s->status[key] = 0;
	return 1;
}

void
logonce_set_free(struct logonce_set *s)
{
	free(s->status);
	s->status = NULL;
	s->n = 0;
}
