/*
 * logonce.h - a notice logged once while a condition lasts ("nothing to
 * search for", "quota low"), and again only after it cleared and came back.
 */
#ifndef LOGONCE_H
#define LOGONCE_H

/* logonce_due - should the notice of a condition be logged now? 1 when it
 * HOLDS and was not said since it last held; *SAID (start at 0) keeps
 * track, cleared when it does not hold. */
int		 logonce_due(int *said, int holds);

#endif
