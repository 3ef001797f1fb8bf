/*
 * fuzz_simhash.c - libFuzzer target for near-duplicate fingerprints and
 * their index (daemon/simhash.c). The input, split at its first NUL into two
 * texts, is fingerprinted as is (any bytes: broken UTF-8, marks, links cut
 * short); each fingerprint must be near itself when judged at all, near
 * must not depend on the order, and the index must find a text it holds and
 * forget it when told.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simhash.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct simhash_index *ix;
	struct simhash_fp a, b;
	const char *s = (const char *)data;
	const uint8_t *nul;
	size_t la;

	if (ix == NULL)
		ix = simhash_index_new(SIMHASH_K, 0, 1024);
	nul = memchr(data, '\0', size);
	la = nul != NULL ? (size_t)(nul - data) : size;
	simhash_text(s, la, &a);
	simhash_text(nul != NULL ? s + la + 1 : "", nul != NULL ?
	    size - la - 1 : 0, &b);
	if (a.words > 1000000 || simhash_rung(0) != 8)
		abort();
	if (a.words >= SIMHASH_MIN_WORDS && !simhash_near(&a, &a, 0, 0))
		abort();
	if (simhash_near(&a, &b, SIMHASH_K, 0) !=
	    simhash_near(&b, &a, SIMHASH_K, 0))
		abort();
	if (simhash_index_add(ix, &a, 7) == 0) {
		if (simhash_index_find(ix, &a) != 7)
			abort();
		simhash_index_add(ix, &b, 9);
		simhash_index_remove(ix, 7);
		if (simhash_index_find(ix, &a) == 7)
			abort();
		simhash_index_remove(ix, 9);
	}
	if (simhash_index_count(ix) != 0)
		abort();
	return 0;
}
