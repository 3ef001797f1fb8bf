/*
 * loader.c - the plugin loader (see loader.h). Each connector is dlopen()ed
 * with RTLD_NOW | RTLD_LOCAL so that a missing library shows at load time and
 * no plugin's symbols leak into another's. Its descriptor is checked against
 * ABI v1 field by field before anything else reads it: version first, then the
 * struct size, then the name, the callbacks and the settings table. A refusal
 * is one line that names the file and the reason.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "log.h"
#include "xmalloc.h"

/* The descriptor ends with stop: that is everything ABI v1 reads. */
#define LOADER_V1_SIZE \
	(offsetof(struct md_plugin, stop) + sizeof(((struct md_plugin *)0)->stop))

#define LOADER_NAME_MAX 64

struct loader_plugin {
	char			*path;
	void			*handle;
	const struct md_plugin	*plugin;
};

struct loader {
	struct loader_plugin	*plugins;
	size_t			 n;
};

/* An empty loader. */
struct loader *
loader_new(void)
{
	return xcalloc(1, sizeof(struct loader));
}

/* Check a plugin or setting name: 1..64 of [a-z0-9_-], starting with a letter. */
static int
loader_valid_name(const char *name)
{
	size_t i;

	if (name == NULL || !islower((unsigned char)name[0]))
		return 0;
	for (i = 0; name[i] != '\0'; i++) {
		if (i >= LOADER_NAME_MAX)
			return 0;
		if (!islower((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]) &&
		    name[i] != '_' && name[i] != '-')
			return 0;
	}
	return 1;
}

/* The size and alignment of the ctx field a setting type fills. */
static int
loader_setting_field(enum md_setting_type type, size_t *size, size_t *align)
{
	switch (type) {
	case MD_SET_STRING:
	case MD_SET_URL:
		*size = sizeof(const char *);
		*align = alignof(const char *);
		return 0;
	case MD_SET_INT:
		*size = sizeof(long long);
		*align = alignof(long long);
		return 0;
	case MD_SET_BOOL:
		*size = sizeof(int);
		*align = alignof(int);
		return 0;
	case MD_SET_DURATION:
		*size = sizeof(double);
		*align = alignof(double);
		return 0;
	case MD_SET_END:
		break;
	}
	return -1;
}

/* Check P's settings table: known types, fields inside ctx, unique keys. */
static int
loader_check_settings(const char *path, const struct md_plugin *p,
    char **cause)
{
	const struct md_setting *s, *t;
	size_t size, align, i;

	if (p->settings == NULL)
		return 0;
	for (i = 0, s = p->settings; s->key != NULL; s++, i++) {
		if (i > 1000) {
			*cause = xasprintf("%s: settings table does not end "
			    "with { .key = NULL }", path);
			return -1;
		}
		if (!loader_valid_name(s->key)) {
			*cause = xasprintf("%s: setting %zu has an invalid key "
			    "'%s'", path, i, s->key);
			return -1;
		}
		if (strcmp(s->key, "plugin") == 0) {
			*cause = xasprintf("%s: setting 'plugin' is reserved "
			    "for the host", path);
			return -1;
		}
		if (loader_setting_field(s->type, &size, &align) != 0) {
			*cause = xasprintf("%s: setting '%s' has unknown type %d",
			    path, s->key, (int)s->type);
			return -1;
		}
		if (strcmp(s->key, "interval") == 0 &&
		    s->type != MD_SET_DURATION) {
			*cause = xasprintf("%s: setting 'interval' must be a "
			    "duration", path);
			return -1;
		}
		if (s->offset > p->ctx_size || size > p->ctx_size - s->offset) {
			*cause = xasprintf("%s: setting '%s' at offset %zu lies "
			    "beyond ctx_size %zu", path, s->key, s->offset,
			    p->ctx_size);
			return -1;
		}
		if (s->offset % align != 0) {
			*cause = xasprintf("%s: setting '%s' at offset %zu is "
			    "misaligned", path, s->key, s->offset);
			return -1;
		}
		for (t = p->settings; t != s; t++) {
			if (strcmp(t->key, s->key) == 0) {
				*cause = xasprintf("%s: setting '%s' is declared "
				    "twice", path, s->key);
				return -1;
			}
		}
	}
	return 0;
}

/* Check descriptor P of PATH against ABI v1 and against the plugins loaded. */
static int
loader_check(const struct loader *ld, const char *path,
    const struct md_plugin *p, char **cause)
{
	const struct md_plugin *other;
	size_t i;

	if (p->abi_version != MD_PLUGIN_ABI_VERSION) {
		*cause = xasprintf("%s: plugin ABI version %u, this mentiond "
		    "speaks version %d", path, p->abi_version,
		    MD_PLUGIN_ABI_VERSION);
		return -1;
	}
	if (p->struct_size < LOADER_V1_SIZE) {
		*cause = xasprintf("%s: descriptor is %u bytes, ABI v%d needs "
		    "at least %zu", path, p->struct_size, MD_PLUGIN_ABI_VERSION,
		    LOADER_V1_SIZE);
		return -1;
	}
	if (p->name == NULL) {
		*cause = xasprintf("%s: plugin has no name", path);
		return -1;
	}
	if (!loader_valid_name(p->name)) {
		*cause = xasprintf("%s: invalid plugin name '%.*s' (a lower-case "
		    "letter, then letters, digits, '_' or '-')", path,
		    LOADER_NAME_MAX, p->name);
		return -1;
	}
	if (p->start == NULL) {
		*cause = xasprintf("%s: missing callback 'start'", path);
		return -1;
	}
	if (loader_check_settings(path, p, cause) != 0)
		return -1;
	for (i = 0; i < ld->n; i++) {
		other = ld->plugins[i].plugin;
		if (strcmp(other->name, p->name) == 0) {
			*cause = xasprintf("%s: plugin name '%s' is already "
			    "provided by %s", path, p->name,
			    ld->plugins[i].path);
			return -1;
		}
	}
	return 0;
}

/*
 * Whether PATH (a folder when DIR) may be loaded from: code run inside the
 * daemon must not be replaceable by anyone but root or the daemon's own
 * user, so it is refused when someone else owns it or when its group or
 * everyone may write it. Returns 0, or -1 with *cause set.
 */
static int
loader_trusted(const char *path, int dir, char **cause)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return 0;	/* dlopen() or scandir() says why */
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		*cause = xasprintf("%s: not a %s", path, dir ? "folder" :
		    "regular file");
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		*cause = xasprintf("%s: refused: owned by uid %u, neither root "
		    "nor this daemon's user", path, (unsigned)st.st_uid);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		*cause = xasprintf("%s: refused: %s by %s (chmod go-w %s)",
		    path, "writable", st.st_mode & S_IWOTH ? "everyone" :
		    "its group", path);
		return -1;
	}
	return 0;
}

/* Load and check one plugin file; a refusal leaves nothing loaded. */
int
loader_load_file(struct loader *ld, const char *path, char **cause)
{
	const struct md_plugin *p;
	struct loader_plugin *lp;
	void *handle;
	const char *error;

	if (loader_trusted(path, 0, cause) != 0)
		return -1;
	dlerror();
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		error = dlerror();
		*cause = xasprintf("%s: cannot load: %s (check its libraries "
		    "with: ldd %s)", path, error != NULL ? error : "unknown error",
		    path);
		return -1;
	}
	dlerror();
	p = dlsym(handle, MD_PLUGIN_SYMBOL);
	if (p == NULL || dlerror() != NULL) {
		*cause = xasprintf("%s: no symbol '%s': not a mentiond plugin",
		    path, MD_PLUGIN_SYMBOL);
		goto fail;
	}
	if (loader_check(ld, path, p, cause) != 0)
		goto fail;

	ld->plugins = xreallocarray(ld->plugins, ld->n + 1,
	    sizeof(*ld->plugins));
	lp = &ld->plugins[ld->n++];
	lp->path = xstrdup(path);
	lp->handle = handle;
	lp->plugin = p;
	log_debug("plugins", "%s: loaded plugin '%s' %s", path, p->name,
	    p->version != NULL ? p->version : "");
	return 0;

fail:
	dlclose(handle);
	return -1;
}

/* scandir filter: regular names ending in ".so". */
static int
loader_is_so(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	if (de->d_name[0] == '.')
		return 0;
	return len > 3 && strcmp(de->d_name + len - 3, ".so") == 0;
}

/* Load every *.so of DIR in name order, logging each refusal. */
int
loader_load_dir(struct loader *ld, const char *dir)
{
	struct dirent **names;
	char *path, *cause;
	int n, i, loaded = 0;

	/* An unreadable folder is the caller's to report (errno is kept). */
	n = scandir(dir, &names, loader_is_so, alphasort);
	if (n == -1)
		return -1;
	cause = NULL;
	if (loader_trusted(dir, 1, &cause) != 0) {
		log_err("plugins", "%s: no plugin loaded from it", cause);
		free(cause);
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return 0;
	}
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]->d_name);
		cause = NULL;
		if (loader_load_file(ld, path, &cause) == 0)
			loaded++;
		else {
			log_err("plugins", "%s", cause);
			free(cause);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	return loaded;
}

/* The loaded plugin named NAME, or NULL. */
const struct md_plugin *
loader_find(const struct loader *ld, const char *name)
{
	size_t i;

	for (i = 0; i < ld->n; i++)
		if (strcmp(ld->plugins[i].plugin->name, name) == 0)
			return ld->plugins[i].plugin;
	return NULL;
}

/* The names of the loaded plugins, comma separated (malloc'd). */
char *
loader_names(const struct loader *ld)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < ld->n; i++)
		len += strlen(ld->plugins[i].plugin->name) + 2;
	s = xmalloc(len);
	s[0] = '\0';
	for (i = 0; i < ld->n; i++) {
		if (i > 0)
			strcat(s, ", ");
		strcat(s, ld->plugins[i].plugin->name);
	}
	return s;
}

/* Unload every plugin and free the loader. */
void
loader_free(struct loader *ld)
{
	size_t i;

	if (ld == NULL)
		return;
	for (i = 0; i < ld->n; i++) {
		dlclose(ld->plugins[i].handle);
		free(ld->plugins[i].path);
	}
	free(ld->plugins);
	free(ld);
}

loader_parse_fn
loader_parser(const struct md_plugin *p)
{
	if (p->struct_size < offsetof(struct md_plugin, parse) +
	    sizeof(p->parse))
		return NULL;
	return p->parse;
}
