/*
 * fuzz_html.c - libFuzzer target for text normalisation (daemon/text.c):
 * text_from_html, text_fold and text_valid_utf8 on arbitrary bytes. Each
 * result must be a NUL-terminated string that is valid UTF-8.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "text.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless S is valid UTF-8 throughout. */
static void
fuzz_check_utf8(const char *s)
{
	const utf8proc_uint8_t *u = (const utf8proc_uint8_t *)s;
	utf8proc_ssize_t len = (utf8proc_ssize_t)strlen(s), i = 0, n;
	utf8proc_int32_t cp;

	while (i < len) {
		n = utf8proc_iterate(u + i, len - i, &cp);
		if (n <= 0)
			abort();
		i += n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *text, *folded, *valid;

	text = text_from_html(in, size);
	fuzz_check_utf8(text);
	folded = text_fold(text, strlen(text));
	if (folded != NULL)
		fuzz_check_utf8(folded);
	free(folded);
	free(text);

	valid = text_valid_utf8(in, size);
	fuzz_check_utf8(valid);
	folded = text_fold(in, size);
	if (folded != NULL)
		fuzz_check_utf8(folded);
	free(folded);
	free(valid);
	return 0;
}
