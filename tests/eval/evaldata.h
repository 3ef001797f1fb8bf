/*
 * evaldata.h - reading the labelled TSV files of ../shared/eval in place
 * (columns id, lang, label, orig_label, text after one header line), for the
 * language and question scorers and training tools. The data is never copied
 * into the project.
 */
#ifndef EVALDATA_H
#define EVALDATA_H

#include <stddef.h>

struct evaldata_row {
	char	*id;
	char	*lang;
	char	*label;
	char	*text;
	size_t	 len;
};

struct evaldata_file {
	char			*path;
	char			*name;	/* base name without .tsv */
	struct evaldata_row	*rows;
	size_t			 nrows;
};

/* evaldata_read - the rows of the TSV file PATH; -1 with *cause set. */
int	evaldata_read(const char *path, struct evaldata_file *file,
	    char **cause);
/* evaldata_dir - every *.tsv file of DIR, sorted by name, in *FILES (*NFILES
 * of them); -1 with *cause set. */
int	evaldata_dir(const char *dir, struct evaldata_file **files,
	    size_t *nfiles, char **cause);
void	evaldata_free(struct evaldata_file *files, size_t nfiles);
/* evaldata_fold - the cross-validation fold (0 .. K-1) of a row, from its id:
 * the same every run. */
unsigned evaldata_fold(const struct evaldata_row *row, unsigned k);

#endif
