/*
 * loader.h - the plugin loader: dlopen()s connector .so files and checks each
 * descriptor against ABI v1 (version, struct size, name, callbacks) before the
 * daemon uses it. A refused plugin is reported with its file and the reason.
 */
#ifndef LOADER_H
#define LOADER_H

#include "mentiond/plugin.h"

struct loader;

struct loader	*loader_new(void);
/* loader_load_file - load one plugin. Returns 0, or -1 with *cause set
 * ("FILE: reason"). */
int		 loader_load_file(struct loader *ld, const char *path, char **cause);
/* loader_load_dir - load every *.so in DIR in name order, logging each
 * refusal. Returns the number loaded, or -1 if DIR cannot be read. */
int		 loader_load_dir(struct loader *ld, const char *dir);
/* loader_find - the plugin named NAME, or NULL. */
const struct md_plugin *loader_find(const struct loader *ld, const char *name);
/* loader_parser - P's parse callback, or NULL when it has none (or was built
 * before the member existed). */
typedef int (*loader_parse_fn)(void *ctx, const struct md_http_response *resp,
    md_parse_fn emit, void *arg, char **cause);
loader_parse_fn	 loader_parser(const struct md_plugin *p);
/* loader_names - "a, b, c" of loaded plugins (malloc'd), for messages. */
char		*loader_names(const struct loader *ld);
/* loader_free - dlclose everything; no source may still run. */
void		 loader_free(struct loader *ld);

#endif
