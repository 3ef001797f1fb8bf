/*
 * check.c - configuration checks shared by the daemon and its tools (see
 * check.h).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "loader.h"
#include "log.h"
#include "match.h"
#include "source.h"
#include "version.h"
#include "xmalloc.h"

char *
check_plugin_dir(const struct config *cfg)
{
	char exe[PATH_MAX], *slash, *dir;
	const char *env;
	ssize_t n;

	if (cfg != NULL && cfg->plugin_dir != NULL)
		return xstrdup(cfg->plugin_dir);
	if ((env = getenv("MENTIOND_PLUGIN_DIR")) != NULL && *env != '\0')
		return xstrdup(env);
	/* Run from the build tree: build/daemon/mentiond, build/plugins/. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			dir = xasprintf("%s/../plugins/jsonl.so", exe);
			if (access(dir, R_OK) == 0) {
				dir[strlen(dir) - strlen("/jsonl.so")] = '\0';
				return dir;
			}
			free(dir);
		}
	}
	return xstrdup(MENTIOND_PLUGIN_DIR);
}

int
check_parts(const struct config *cfg, const struct loader *ld,
    struct config_errors *errs)
{
	const struct config_source *cs;
	const struct md_plugin *p;
	char *names;
	size_t i;
	int rc = 0;

	if (match_check(cfg, errs) == -1)
		rc = -1;
	for (i = 0; i < cfg->nsources; i++) {
		cs = &cfg->sources[i];
		if ((p = loader_find(ld, cs->plugin)) == NULL) {
			names = loader_names(ld);
			config_error(errs, &cs->where,
			    "[source %s] unknown plugin '%s' (loaded: %s)",
			    cs->name, cs->plugin, *names ? names : "none");
			free(names);
			rc = -1;
			continue;
		}
		if (source_check(p, cs, errs) == -1)
			rc = -1;
	}
	return rc;
}

int
check_config(const char *path, const char *plugin_dir, FILE *out)
{
	struct config_errors errs = { 0 };
	struct config *cfg;
	struct loader *ld = NULL;
	char *dir = NULL;
	size_t i;
	int rc = 1;

	if ((cfg = config_load(path, &errs)) == NULL)
		goto out;
	dir = plugin_dir ? xstrdup(plugin_dir) : check_plugin_dir(cfg);
	ld = loader_new();
	if (loader_load_dir(ld, dir) == -1 && cfg->nsources > 0)
		config_error(&errs, NULL, "cannot read plugin folder %s", dir);
	if (check_parts(cfg, ld, &errs) == -1 || errs.n > 0)
		goto out;
	fprintf(out, "%s: ok: %zu track%s, %zu source%s, redis %s\n", path,
	    cfg->ntracks, cfg->ntracks == 1 ? "" : "s", cfg->nsources,
	    cfg->nsources == 1 ? "" : "s",
	    cfg->redis.url ? cfg->redis.url : "(private redis-server)");
	rc = 0;
out:
	for (i = 0; i < errs.n; i++)
		fprintf(out, "%s\n", errs.msgs[i]);
	config_errors_clear(&errs);
	if (ld != NULL)
		loader_free(ld);
	config_free(cfg);
	free(dir);
	return rc;
}
