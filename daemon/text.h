/*
 * text.h - text normalisation shared by every stage: HTML to plain text (with
 * libxml2's HTML parser), UTF-8 repair and case/accent folding (utf8proc).
 */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

/* text_from_html - plain text of an HTML fragment: tags removed, block
 * elements become line breaks, script/style dropped, entities decoded,
 * whitespace runs collapsed. Input that holds no markup is returned cleaned
 * but otherwise as is. Always returns a malloc'd valid UTF-8 string. */
char	*text_from_html(const char *html, size_t len);
/* text_valid_utf8 - a copy with invalid sequences replaced by U+FFFD. */
char	*text_valid_utf8(const char *s, size_t len);
/* text_fold - NFKC, case folded, accents removed (malloc'd); NULL on error. */
char	*text_fold(const char *s, size_t len);

#endif
