/*
 * fuzz_query.c - libFuzzer target for the tracked-query language and the
 * matcher (daemon/query.c, daemon/match.c). The input's first line is a
 * query, the rest a post: the query is parsed (an error must give a column
 * within the query and a message), printed, compiled and run on the post;
 * the post is also run through a fixed set of tracks that uses every
 * operator, so that the scanner sees arbitrary bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "match.h"
#include "mention.h"
#include "query.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct config_track fuzz_tracks[] = {
	{ .name = "a", .query = "acme OR \"acme corp\" OR @acme OR #acme" },
	{ .name = "b", .query = "(acme* OR lumio) NEAR/2 (broken OR panne) "
	    "-refund" },
	{ .name = "c", .query = "=\"ACME\" OR title:acme OR c++ OR \"...\"" },
	{ .name = "d", .query = "author:jdoe OR site:acme.com OR url:x "
	    "OR lang:fr OR source:fuzz" },
	{ .name = "e", .query = "\xc3\xa9t\xc3\xa9 OR \xe4\xb8\xad OR "
	    "\xf0\x9f\x98\x80 OR a NEAR/0 a" },
};

/* Run SET on TEXT; abort if more tracks match than SET holds. */
static void
fuzz_run(const struct match_set *set, const char *text, size_t ntracks)
{
	struct md_mention pm = MD_MENTION_INIT;
	struct mention *m;
	char *cause = NULL, *folded;

	pm.id = "1";
	pm.text = text;
	pm.title = text;
	pm.url = text;
	pm.author_handle = text;
	pm.author_name = text;
	pm.lang = "fr";
	if ((m = mention_from_plugin("fuzz", "fuzz", &pm, &cause)) == NULL) {
		free(cause);
		return;
	}
	folded = match_fold(m);
	if ((size_t)match_run(set, m, folded) > ntracks ||
	    m->ntracks > ntracks)
		abort();
	free(folded);
	mention_free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct match_set *fixed;
	struct config_track t = { .name = "q" };
	struct query_node *n;
	struct match_set *set;
	char *in, *nl, *text, *cause = NULL, *printed;
	size_t chars = 0, i;
	int column = 0;

	if (fixed == NULL &&
	    (fixed = match_compile(fuzz_tracks, sizeof(fuzz_tracks) /
	    sizeof(fuzz_tracks[0]), &cause)) == NULL)
		abort();

	in = malloc(size + 1);
	memcpy(in, data, size);
	in[size] = '\0';
	text = "";
	if ((nl = strchr(in, '\n')) != NULL) {
		*nl = '\0';
		text = nl + 1;
	}

	n = query_parse(in, &column, &cause);
	if (n == NULL) {
		for (i = 0; in[i] != '\0'; i++)
			if (((unsigned char)in[i] & 0xc0) != 0x80)
				chars++;
		if (cause == NULL || *cause == '\0' || column < 1 ||
		    (size_t)column > chars + 1)
			abort();
		free(cause);
	} else {
		printed = query_print(n);
		free(printed);
		query_free(n);
		t.query = in;
		if ((set = match_compile(&t, 1, &cause)) != NULL) {
			fuzz_run(set, text, 1);
			match_free(set);
		} else
			free(cause);
	}
	fuzz_run(fixed, text, sizeof(fuzz_tracks) / sizeof(fuzz_tracks[0]));
	free(in);
	return 0;
}
