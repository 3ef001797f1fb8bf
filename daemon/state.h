/*
 * state.h - durable per-source state: a small key/value map (cursors) kept in
 * STATE_DIR/SOURCE.state as JSON, written atomically (temporary file, fsync,
 * rename) so that a crash leaves either the old or the new file.
 */
#ifndef STATE_H
#define STATE_H

struct state;

/* state_open - load DIR/NAME.state (a missing file is an empty state).
 * Returns NULL with *cause set when the file is unreadable or corrupt. */
struct state	*state_open(const char *dir, const char *name, char **cause);
const char	*state_get(const struct state *st, const char *key);
/* state_set - VALUE NULL deletes KEY. */
void		 state_set(struct state *st, const char *key, const char *value);
int		 state_dirty(const struct state *st);
/* state_empty - does the state hold no key (a source's first run)? */
int		 state_empty(const struct state *st);
/* state_save - write the file if anything changed. Returns 0, or -1 with
 * *cause set. */
int		 state_save(struct state *st, char **cause);
void		 state_free(struct state *st);

#endif
