/*
 * logonce.c - notices logged once while their condition lasts (see
 * logonce.h).
 */
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
