/*
 * fuzz_urlcanon.c - libFuzzer target for the URL canonical form
 * (daemon/urlcanon.c). The input is a URL, tried as it is and behind
 * "https://": a NULL must come with a cause, and a form must be its own
 * canonical form (urlcanon("http://" + out) == out), printable ASCII or
 * non-ASCII bytes only, without a scheme. urlcanon_id must give a string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "urlcanon.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check urlcanon on URL. */
static void
fuzz_one(const char *url)
{
	char *out, *again, *http, *cause = NULL;
	const unsigned char *p;
	size_t n;

	if ((out = urlcanon(url, &cause)) == NULL) {
		if (cause == NULL || *cause == '\0')
			abort();
		free(cause);
		return;
	}
	if (cause != NULL)
		abort();
	for (p = (const unsigned char *)out; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f)
			abort();
	}
	if (strstr(out, "://") != NULL && strchr(out, '/') > strstr(out, "://"))
		abort();
	n = strlen(out);
	http = malloc(n + 8);
	memcpy(http, "http://", 7);
	memcpy(http + 7, out, n + 1);
	if ((again = urlcanon(http, NULL)) == NULL || strcmp(again, out) != 0)
		abort();
	free(again);
	free(http);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *https, *id;

	in = malloc(size + 1);
	memcpy(in, data, size);
	in[size] = '\0';
	fuzz_one(in);
	https = malloc(size + 9);
	memcpy(https, "https://", 8);
	memcpy(https + 8, in, size + 1);
	fuzz_one(https);
	if ((id = urlcanon_id(in)) == NULL)
		abort();
	free(id);
	free(https);
	free(in);
	return 0;
}
