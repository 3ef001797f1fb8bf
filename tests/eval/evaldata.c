/*
 * evaldata.c - reading the labelled TSV files of ../shared/eval in place (see
 * evaldata.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaldata.h"
#include "xmalloc.h"

/* Split LINE at tabs into at most MAX fields; the number found. */
static size_t
evaldata_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line, *tab;

	while (n < max) {
		fields[n++] = p;
		if ((tab = strchr(p, '\t')) == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

int
evaldata_read(const char *path, struct evaldata_file *file, char **cause)
{
	FILE *fp;
	char *line = NULL, *fields[5], *slash, *dot;
	size_t cap = 0, alloc = 0;
	ssize_t n;
	int lineno = 0;

	memset(file, 0, sizeof *file);
	if ((fp = fopen(path, "r")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	file->path = xstrdup(path);
	slash = strrchr(path, '/');
	file->name = xstrdup(slash != NULL ? slash + 1 : path);
	if ((dot = strrchr(file->name, '.')) != NULL)
		*dot = '\0';
	while ((n = getline(&line, &cap, fp)) != -1) {
		struct evaldata_row *r;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (lineno++ == 0)
			continue;	/* the header */
		if (evaldata_split(line, fields, 5) != 5)
			continue;
		if (file->nrows == alloc) {
			alloc = alloc != 0 ? alloc * 2 : 256;
			file->rows = xreallocarray(file->rows, alloc,
			    sizeof *file->rows);
		}
		r = &file->rows[file->nrows++];
		r->id = xstrdup(fields[0]);
		r->lang = xstrdup(fields[1]);
		r->label = xstrdup(fields[2]);
		r->text = xstrdup(fields[4]);
		r->len = strlen(r->text);
	}
	free(line);
	fclose(fp);
	return 0;
}

/* qsort order of file names. */
static int
evaldata_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
evaldata_dir(const char *dir, struct evaldata_file **files, size_t *nfiles,
    char **cause)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL, *path;
	size_t n = 0, i, l;
	int rc = -1;

	*files = NULL;
	*nfiles = 0;
	if ((d = opendir(dir)) == NULL) {
		*cause = xasprintf("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".tsv") != 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, evaldata_cmp);
	*files = xcalloc(n != 0 ? n : 1, sizeof **files);
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		if (evaldata_read(path, &(*files)[i], cause) != 0) {
			free(path);
			evaldata_free(*files, i);
			*files = NULL;
			goto out;
		}
		free(path);
	}
	*nfiles = n;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

void
evaldata_free(struct evaldata_file *files, size_t nfiles)
{
	size_t i, j;

	for (i = 0; i < nfiles; i++) {
		for (j = 0; j < files[i].nrows; j++) {
			free(files[i].rows[j].id);
			free(files[i].rows[j].lang);
			free(files[i].rows[j].label);
			free(files[i].rows[j].text);
		}
		free(files[i].rows);
		free(files[i].path);
		free(files[i].name);
	}
	free(files);
}

unsigned
evaldata_fold(const struct evaldata_row *row, unsigned k)
{
	unsigned h = 2166136261u;
	const char *p;

	for (p = row->id; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 16777619u;
	}
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h % k;
}
