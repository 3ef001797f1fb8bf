/*
 * fuzz_mastodon.c - libFuzzer target for the Mastodon parser
 * (plugins/mastodon/mastoparse.c): any bytes as a timeline page or a status;
 * every mention must have an id and a text, and every string must be
 * readable. The last bytes, NUL-terminated, also go through the date parser
 * and the id comparison.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mastoparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch every field, so that the sanitizers see a bad pointer. */
static int
fuzz_status(const struct mastoparse_status *st, void *arg)
{
	size_t *total = arg;
	const struct md_mention *m = &st->m;

	if (m->id == NULL || m->text == NULL || m->text[0] == '\0')
		abort();
	*total += strlen(m->id) + strlen(m->text);
	*total += m->url ? strlen(m->url) : 0;
	*total += m->author_handle ? strlen(m->author_handle) : 0;
	*total += m->author_name ? strlen(m->author_name) : 0;
	*total += m->lang ? strlen(m->lang) : 0;
	*total += st->timeline_id ? strlen(st->timeline_id) : 0;
	if (m->author_followers < -1 || m->score < -1 || m->published < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mastoparse_page page;
	size_t total = 0;
	char *cause = NULL, *s;
	int n;

	n = mastoparse_page((const char *)data, size, fuzz_status, &total,
	    &page, &cause);
	if (n == -1 && cause == NULL)
		abort();
	if (page.count < (size_t)(n > 0 ? n : 0) ||
	    strlen(page.newest) >= MASTOPARSE_ID_MAX)
		abort();
	free(cause);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)mastoparse_date(s);
	(void)mastoparse_idcmp(s, s + strlen(s) / 2);
	free(s);
	return 0;
}
