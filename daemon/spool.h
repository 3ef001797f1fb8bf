/*
 * spool.h - an append-only file of checksummed records: where the sink puts
 * what its memory cannot hold while Redis is away, and what is still
 * undelivered when the daemon stops, so that nothing is lost and a restart
 * delivers it first.
 *
 * A record is a 24-byte header (magic, payload length, CRC-32 of the
 * payload, sequence number) and the payload. Records are read back in the
 * order they were written; once every one has been read and the caller says
 * they are delivered, the file is emptied. A torn or corrupt record (a crash
 * in the middle of a write, a bad disk) ends the file: what follows it is
 * cut off, and said so.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stddef.h>
#include <stdint.h>

enum spool_sync {
	SPOOL_SYNC_BATCH = 0,	/* fsync when spool_sync is called (the sink:
				   after each burst of appends) */
	SPOOL_SYNC_ALWAYS,	/* fsync after every record */
	SPOOL_SYNC_NEVER,	/* leave it to the kernel (a crash of the process
				   loses nothing, a crash of the machine may) */
};

struct spool;

/* spool_open - open or create PATH, holding at most MAX_BYTES. Existing
 * records are kept for reading; a torn tail is cut off and logged. Returns
 * NULL with *cause set. */
struct spool	*spool_open(const char *path, size_t max_bytes,
		    enum spool_sync mode, char **cause);
/* spool_append - add a record of LEN bytes with sequence number SEQ.
 * Returns 0, or -1 (logged once until it works again) when the file is full
 * or cannot be written. */
int		 spool_append(struct spool *sp, uint64_t seq, const void *rec,
		    size_t len);
/* spool_sync - fsync what was appended since the last call (batch mode). */
void		 spool_sync(struct spool *sp);
/* spool_read - the next unread record: returns 1 with *REC (malloc'd, the
 * caller frees it), *LEN and *SEQ set, or 0 when none is left. */
int		 spool_read(struct spool *sp, void **rec, size_t *len,
		    uint64_t *seq);
/* spool_unread - records appended and not yet read. */
size_t		 spool_unread(const struct spool *sp);
/* spool_next_seq - the sequence number of the next unread record (when
 * spool_unread() > 0). */
uint64_t	 spool_next_seq(const struct spool *sp);
/* spool_last_seq - the highest sequence number ever held (0: none). */
uint64_t	 spool_last_seq(const struct spool *sp);
/* spool_bytes - the file's size. */
size_t		 spool_bytes(const struct spool *sp);
/* spool_reset - every record was read and delivered: empty the file. */
void		 spool_reset(struct spool *sp);
const char	*spool_path(const struct spool *sp);
void		 spool_close(struct spool *sp);

#endif
