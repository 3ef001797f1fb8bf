/*
 * langtag.h - the language of a mention from a BCP 47 tag as the APIs send
 * it ("en", "en-US", "pt_BR").
 */
#ifndef LANGTAG_H
#define LANGTAG_H

/* langtag_primary - the primary language subtag of TAG, lower case, into
 * BUF ("pt-BR" gives "pt"): 2 or 3 letters, then the end, '-' or '_'.
 * Returns BUF, or NULL when TAG (NULL included) has none. */
const char	*langtag_primary(const char *tag, char buf[4]);

#endif
