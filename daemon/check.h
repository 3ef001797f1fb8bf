/*
 * check.h - load a configuration and everything it names (plugins, each
 * source's settings), collecting every error as FILE:LINE: message. The daemon
 * uses it at start and on reload; `mentiond -t` and `mentionctl check-config`
 * print its findings.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

#include "config.h"

struct loader;

/* check_plugin_dir - where plugins come from: the config's plugin_dir, else
 * $MENTIOND_PLUGIN_DIR, else the build tree's plugins/ beside this binary, else
 * the installed folder. Returns a malloc'd path. */
char		*check_plugin_dir(const struct config *cfg);
/* check_parts - what a loaded config needs beyond its own syntax: every
 * track's query compiles, every source names a loaded plugin and passes its
 * settings table. Returns 0, or -1 with the problems appended to ERRS. */
int		 check_parts(const struct config *cfg, const struct loader *ld,
		    struct config_errors *errs);
/* check_config - load PATH, its plugins (from PLUGIN_DIR when not NULL) and
 * check every source; print each error, or a one-line summary, to OUT.
 * Returns 0 when valid, 1 otherwise. */
int		 check_config(const char *path, const char *plugin_dir, FILE *out);

#endif
