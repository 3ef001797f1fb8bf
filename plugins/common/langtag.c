/*
 * langtag.c - language tags (see langtag.h).
 */
#include <ctype.h>
#include <stddef.h>

#include "langtag.h"

/* The language code of TAG ("en", "pt-BR" gives "pt") into BUF, or NULL. */
const char *
langtag_primary(const char *tag, char buf[4])
{
	size_t n, i;

	if (tag == NULL)
		return NULL;
	for (n = 0; isalpha((unsigned char)tag[n]) && n < 4; n++)
		;
	if (n < 2 || n > 3 || (tag[n] != '\0' && tag[n] != '-' &&
	    tag[n] != '_'))
		return NULL;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)tag[i]);
	buf[n] = '\0';
	return buf;
}
