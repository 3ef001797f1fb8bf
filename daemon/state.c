/*
 * state.c - durable per-source state (see state.h): a JSON object of string
 * values in DIR/NAME.state, replaced atomically (DIR/.NAME.state.tmp, fsync,
 * rename, fsync of DIR) and only when something changed.
 */
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "xmalloc.h"

/* The largest state file read, far above what cursors need. */
#define STATE_MAX_SIZE	(16 * 1024 * 1024)

struct state {
	char	*dir;
	char	*path;		/* DIR/NAME.state */
	char	*tmp;		/* DIR/.NAME.state.tmp */
	cJSON	*map;		/* an object of strings */
	int	 dirty;
};

/* cJSON fails only when out of memory; the core aborts then, like xmalloc. */
static void __attribute__((noreturn))
state_oom(void)
{
	fprintf(stderr, "mentiond: out of memory in state\n");
	abort();
}

/* Create DIR and its missing parents, mode 0750. 0, or -1 with errno. */
static int
state_mkdirs(const char *dir)
{
	char *copy, *p;
	int rc = -1;

	copy = xstrdup(dir);
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0750) == -1 && errno != EEXIST)
			goto out;
		*p = '/';
	}
	if (mkdir(copy, 0750) == -1 && errno != EEXIST)
		goto out;
	rc = 0;
out:
	free(copy);
	return rc;
}

/* Read ST's file into ST->map; a missing file is an empty map. 0, or -1 with
 * *CAUSE set. */
static int
state_load(struct state *st, char **cause)
{
	struct stat sb;
	const cJSON *item;
	const char *err;
	char *text = NULL;
	size_t used = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open(st->path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT) {
			if ((st->map = cJSON_CreateObject()) == NULL)
				state_oom();
			return 0;
		}
		*cause = xasprintf("cannot read state file %s: %s", st->path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		*cause = xasprintf("cannot read state file %s: %s", st->path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > STATE_MAX_SIZE) {
		*cause = xasprintf("cannot read state file %s: %s", st->path,
		    S_ISREG(sb.st_mode) ? "too large" : "not a regular file");
		goto out;
	}
	text = xmalloc((size_t)sb.st_size + 1);
	while (used < (size_t)sb.st_size) {
		n = read(fd, text + used, (size_t)sb.st_size - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*cause = xasprintf("cannot read state file %s: %s",
			    st->path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += n;
	}
	text[used] = '\0';

	/* The length counts the NUL: cJSON checks it for "nothing after". */
	st->map = cJSON_ParseWithLengthOpts(text, used + 1, &err, 1);
	if (st->map == NULL) {
		*cause = xasprintf("corrupt state file %s: bad JSON at byte "
		    "%zu", st->path, err != NULL && err >= text ?
		    (size_t)(err - text) : used);
		goto out;
	}
	if (!cJSON_IsObject(st->map))
		goto corrupt;
	cJSON_ArrayForEach(item, st->map) {
		if (!cJSON_IsString(item) || item->string == NULL)
			goto corrupt;
	}
	rc = 0;
	goto out;

corrupt:
	*cause = xasprintf("corrupt state file %s: expected a JSON object of "
	    "strings", st->path);
	cJSON_Delete(st->map);
	st->map = NULL;
out:
	free(text);
	close(fd);
	return rc;
}

/* Open the state of source NAME in DIR, creating DIR if needed. */
struct state *
state_open(const char *dir, const char *name, char **cause)
{
	struct state *st;

	if (*name == '\0' || strchr(name, '/') != NULL) {
		*cause = xasprintf("bad state name \"%s\"", name);
		return NULL;
	}
	if (state_mkdirs(dir) == -1) {
		*cause = xasprintf("cannot create state directory %s: %s", dir,
		    strerror(errno));
		return NULL;
	}
	st = xcalloc(1, sizeof(*st));
	st->dir = xstrdup(dir);
	st->path = xasprintf("%s/%s.state", dir, name);
	st->tmp = xasprintf("%s/.%s.state.tmp", dir, name);
	if (state_load(st, cause) == -1) {
		state_free(st);
		return NULL;
	}
	return st;
}

/* The value of KEY, or NULL. */
const char *
state_get(const struct state *st, const char *key)
{
	const cJSON *item;

	item = cJSON_GetObjectItemCaseSensitive(st->map, key);
	return item != NULL ? item->valuestring : NULL;
}

/* Set KEY to VALUE, or delete it when VALUE is NULL; an unchanged value
 * leaves the state clean. */
void
state_set(struct state *st, const char *key, const char *value)
{
	cJSON *item;

	item = cJSON_GetObjectItemCaseSensitive(st->map, key);
	if (value == NULL) {
		if (item != NULL) {
			cJSON_DeleteItemFromObjectCaseSensitive(st->map, key);
			st->dirty = 1;
		}
		return;
	}
	if (item != NULL && strcmp(item->valuestring, value) == 0)
		return;
	if ((item = cJSON_CreateString(value)) == NULL)
		state_oom();
	if (cJSON_GetObjectItemCaseSensitive(st->map, key) != NULL) {
		if (!cJSON_ReplaceItemInObjectCaseSensitive(st->map, key, item))
			state_oom();
	} else if (!cJSON_AddItemToObject(st->map, key, item))
		state_oom();
	st->dirty = 1;
}

/* Whether the state changed since it was loaded or saved. */
int
state_dirty(const struct state *st)
{
	return st->dirty;
}

/* Write all of BUF to FD. 0, or -1 with errno. */
static int
state_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Write the file if the state changed: temporary file, fsync, rename over
 * the old one, fsync the directory so the rename itself is durable. */
int
state_save(struct state *st, char **cause)
{
	char *text;
	int fd = -1, dfd, rc = -1;

	if (!st->dirty)
		return 0;
	if ((text = cJSON_Print(st->map)) == NULL)
		state_oom();

	fd = open(st->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd == -1) {
		*cause = xasprintf("cannot write %s: %s", st->tmp,
		    strerror(errno));
		goto out;
	}
	if (state_write_all(fd, text, strlen(text)) == -1 ||
	    state_write_all(fd, "\n", 1) == -1 || fsync(fd) == -1) {
		*cause = xasprintf("cannot write %s: %s", st->tmp,
		    strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		*cause = xasprintf("cannot write %s: %s", st->tmp,
		    strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(st->tmp, st->path) == -1) {
		*cause = xasprintf("cannot replace %s: %s", st->path,
		    strerror(errno));
		goto fail;
	}
	if ((dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		/* The rename is done; a directory fsync that fails (some file
		 * systems refuse it) only weakens durability. */
		(void)fsync(dfd);
		close(dfd);
	}
	st->dirty = 0;
	rc = 0;
	goto out;

fail:
	if (fd != -1)
		close(fd);
	unlink(st->tmp);
out:
	cJSON_free(text);
	return rc;
}

/* Free ST without saving it. */
void
state_free(struct state *st)
{
	if (st == NULL)
		return;
	cJSON_Delete(st->map);
	free(st->dir);
	free(st->path);
	free(st->tmp);
	free(st);
}

int
state_empty(const struct state *st)
{
	return st->map->child == NULL;
}
