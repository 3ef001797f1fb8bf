/*
 * fuzz_sse.c - libFuzzer target for the stream parser: arbitrary bytes, cut
 * into chunks whose sizes come from the first bytes, through both framings,
 * with a small bound so that the oversized path is reached too.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

#include "sse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check what the parser hands over: data NUL-terminated at data_len. */
static int
fuzz_event(const struct md_stream_event *ev, void *arg)
{
	size_t *n = arg;

	if (ev->data == NULL || ev->data[ev->data_len] != '\0')
		abort();
	if (ev->event != NULL && strlen(ev->event) > 4096)
		abort();
	(*n)++;
	return *n > 10000 ? -1 : 0;
}

/* Feed DATA to a parser of FRAMING in chunks of the sizes in CUTS. */
static void
fuzz_one(enum md_stream_framing framing, const uint8_t *cuts, size_t ncuts,
    const uint8_t *data, size_t size)
{
	struct sse_parser *p;
	size_t off = 0, n, k = 0, events = 0;
	char *cause;
	int rc = 0;

	p = sse_new(framing, 4096, fuzz_event, &events);
	while (off < size && rc == 0) {
		n = ncuts > 0 ? (size_t)cuts[k++ % ncuts] + 1 : size;
		if (n > size - off)
			n = size - off;
		cause = NULL;
		rc = sse_feed(p, data + off, n, &cause);
		if (rc == -1) {
			if (cause == NULL)
				abort();
			free(cause);
			sse_reset(p);
			rc = 0;
		}
		off += n;
	}
	sse_finish(p);
	(void)sse_last_id(p);
	sse_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t ncuts;

	if (size < 1)
		return 0;
	ncuts = data[0] % 8;
	if (ncuts + 1 > size)
		return 0;
	fuzz_one(MD_STREAM_SSE, data + 1, ncuts, data + 1 + ncuts,
	    size - 1 - ncuts);
	fuzz_one(MD_STREAM_LINES, data + 1, ncuts, data + 1 + ncuts,
	    size - 1 - ncuts);
	return 0;
}
