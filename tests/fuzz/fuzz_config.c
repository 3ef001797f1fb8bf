/*
 * fuzz_config.c - libFuzzer target for the config file parser
 * (daemon/config.c). The input is a whole config file. A config that loads
 * must be whole (every track has a name and a query, every source a name and
 * a plugin); one that does not must say why, as "NAME:LINE: message" lines.
 * Inputs that name other files (include, password_file) are skipped: they
 * test the file system, not the parser.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg;
	char *text;
	size_t i, j;

	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (strstr(text, "include") != NULL || strstr(text, "_file") != NULL) {
		free(text);
		return 0;
	}
	cfg = config_load_string(text, "fuzz.conf", &errs);
	if (cfg == NULL) {
		if (errs.n == 0)
			abort();
		for (i = 0; i < errs.n; i++)
			if (strncmp(errs.msgs[i], "fuzz.conf", 9) != 0 ||
			    strlen(errs.msgs[i]) < 12)
				abort();
	} else {
		for (i = 0; i < cfg->ntracks; i++)
			if (cfg->tracks[i].name == NULL ||
			    cfg->tracks[i].query == NULL)
				abort();
		for (i = 0; i < cfg->nsources; i++) {
			if (cfg->sources[i].name == NULL ||
			    cfg->sources[i].plugin == NULL)
				abort();
			for (j = 0; j < cfg->sources[i].nkv; j++)
				(void)config_source_get(&cfg->sources[i],
				    cfg->sources[i].kv[j].key);
		}
		config_free(cfg);
	}
	config_errors_clear(&errs);
	free(text);
	return 0;
}
