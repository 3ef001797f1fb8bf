/*
 * logonce.h - a notice logged once while a condition lasts ("nothing to
 * search for", "quota low"), and again only after it cleared and came back;
 * and the same for each of a connector's jobs (a term, a forum) that a
 * server refuses round after round (logonce_set).
 */
#ifndef LOGONCE_H
#define LOGONCE_H

#include <stddef.h>

/* logonce_due - should the notice of a condition be logged now? 1 when it
 * HOLDS and was not said since it last held; *SAID (start at 0) keeps
 * track, cleared when it does not hold. */
int		 logonce_due(int *said, int holds);

/* The HTTP status each job (by index) was last refused with; 0: none. */
struct logonce_set {
	long	*status;
	size_t	 n;
};

/* logonce_set_due - job KEY was refused with STATUS this round: 1 when
 * that is news (the first refusal, or another status) and is to be
 * logged, 0 when it was said already. */
int		 logonce_set_due(struct logonce_set *s, size_t key,
		    long status);
/* logonce_set_clear - job KEY worked: 1 when it had been refused (log that
 * it works again), 0 otherwise. */
int		 logonce_set_clear(struct logonce_set *s, size_t key);
void		 logonce_set_free(struct logonce_set *s);

#endif
