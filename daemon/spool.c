/*
 * spool.c - the append-only record file (see spool.h).
 *
 * Writes go to the end with write(2) on an O_APPEND descriptor; reads use
 * pread(2) at the read offset, so the two never disturb each other. The next
 * record's header is read ahead, which gives spool_next_seq without another
 * read. On open the whole file is checked once: each header and CRC-32
 * (zlib's) in turn, the first bad one ending it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "log.h"
#include "spool.h"
#include "xmalloc.h"

#define SPOOL_SUBSYS	"spool"
#define SPOOL_MAGIC	0x314c4f53u	/* "SOL1" little-endian */
#define SPOOL_HEADER	24
#define SPOOL_MAX_REC	(64u << 20)	/* no entry is this big */

struct spool {
	char		*path;
	int		 fd;
	enum spool_sync	 mode;
	size_t		 max_bytes;
	size_t		 size;		/* bytes in the file */
	size_t		 rd;		/* offset of the next unread record */
	size_t		 unread;	/* records from rd on */
	uint64_t	 next_seq;	/* of the record at rd */
	uint64_t	 last_seq;
	int		 dirty;		/* appended since the last fsync */
	int		 failing;	/* an append failed; logged */
};

struct spool_header {
	uint32_t	 magic;
	uint32_t	 len;
	uint32_t	 crc;
	uint32_t	 pad;
	uint64_t	 seq;
};

/* Read the header at OFF into H; 0, or -1 when there is none whole. */
static int
spool_header_at(const struct spool *sp, size_t off, struct spool_header *h)
{
	unsigned char buf[SPOOL_HEADER];

	if (off + SPOOL_HEADER > sp->size ||
	    pread(sp->fd, buf, SPOOL_HEADER, (off_t)off) != SPOOL_HEADER)
		return -1;
	memcpy(&h->magic, buf, 4);
	memcpy(&h->len, buf + 4, 4);
	memcpy(&h->crc, buf + 8, 4);
	memcpy(&h->pad, buf + 12, 4);
	memcpy(&h->seq, buf + 16, 8);
	if (h->magic != SPOOL_MAGIC || h->len > SPOOL_MAX_REC ||
	    off + SPOOL_HEADER + h->len > sp->size)
		return -1;
	return 0;
}

/* Check every record from the start: count them, cut off a bad tail. */
static void
spool_scan(struct spool *sp)
{
	struct spool_header h;
	unsigned char *buf = NULL;
	size_t off = 0, cap = 0;
	int first = 1;

	while (off < sp->size) {
		if (spool_header_at(sp, off, &h) != 0)
			break;
		if (h.len > cap) {
			cap = h.len;
			buf = xreallocarray(buf, cap, 1);
		}
		if (h.len > 0 && pread(sp->fd, buf, h.len,
		    (off_t)(off + SPOOL_HEADER)) != (ssize_t)h.len)
			break;
		if (crc32(0L, buf, h.len) != h.crc)
			break;
		if (first)
			sp->next_seq = h.seq;
		first = 0;
		if (h.seq > sp->last_seq)
			sp->last_seq = h.seq;
		sp->unread++;
		off += SPOOL_HEADER + h.len;
	}
	free(buf);
	if (off < sp->size) {
		log_warn(SPOOL_SUBSYS, "%s: a torn or corrupt record at byte "
		    "%zu: the %zu bytes from there are cut off (%zu whole "
		    "records kept)", sp->path, off, sp->size - off, sp->unread);
		if (ftruncate(sp->fd, (off_t)off) == -1)
			log_err(SPOOL_SUBSYS, "%s: cannot cut it off: %s",
			    sp->path, strerror(errno));
		sp->size = off;
	}
}

struct spool *
spool_open(const char *path, size_t max_bytes, enum spool_sync mode,
    char **cause)
{
	struct spool *sp;
	struct stat st;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd == -1 || fstat(fd, &st) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	sp = xcalloc(1, sizeof(*sp));
	sp->path = xstrdup(path);
	sp->fd = fd;
	sp->mode = mode;
	sp->max_bytes = max_bytes;
	sp->size = (size_t)st.st_size;
	spool_scan(sp);
	if (sp->unread > 0)
		log_notice(SPOOL_SUBSYS, "%s holds %zu undelivered entries "
		    "(%zu bytes): they are delivered first", sp->path,
		    sp->unread, sp->size);
	return sp;
}

int
spool_append(struct spool *sp, uint64_t seq, const void *rec, size_t len)
{
	unsigned char head[SPOOL_HEADER];
	struct spool_header h = { SPOOL_MAGIC, (uint32_t)len, 0, 0, seq };
	struct { const void *p; size_t n; } parts[2];
	size_t done, i;
	ssize_t n;

	if (len > SPOOL_MAX_REC || sp->size + SPOOL_HEADER + len >
	    sp->max_bytes) {
		if (!sp->failing)
			log_err(SPOOL_SUBSYS, "%s is full (%zu bytes, "
			    "spool_max %zu)", sp->path, sp->size,
			    sp->max_bytes);
		sp->failing = 1;
		return -1;
	}
	h.crc = (uint32_t)crc32(0L, rec, (uInt)len);
	memcpy(head, &h.magic, 4);
	memcpy(head + 4, &h.len, 4);
	memcpy(head + 8, &h.crc, 4);
	memcpy(head + 12, &h.pad, 4);
	memcpy(head + 16, &h.seq, 8);
	parts[0].p = head;
	parts[0].n = SPOOL_HEADER;
	parts[1].p = rec;
	parts[1].n = len;
	for (i = 0; i < 2; i++) {
		for (done = 0; done < parts[i].n; done += (size_t)n) {
			n = write(sp->fd, (const char *)parts[i].p + done,
			    parts[i].n - done);
			if (n == -1 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0)
				goto fail;
		}
	}
	if (sp->unread == 0)
		sp->next_seq = seq;
	sp->unread++;
	sp->size += SPOOL_HEADER + len;
	if (seq > sp->last_seq)
		sp->last_seq = seq;
	sp->dirty = 1;
	if (sp->mode == SPOOL_SYNC_ALWAYS)
		spool_sync(sp);
	if (sp->failing)
		log_notice(SPOOL_SUBSYS, "%s is written again", sp->path);
	sp->failing = 0;
	return 0;

fail:
	if (!sp->failing)
		log_err(SPOOL_SUBSYS, "cannot write %s: %s", sp->path,
		    strerror(errno));
	sp->failing = 1;
	/* A partial record would end the file at the next open: cut it. */
	if (ftruncate(sp->fd, (off_t)sp->size) == -1)
		log_err(SPOOL_SUBSYS, "cannot cut %s back: %s", sp->path,
		    strerror(errno));
	return -1;
}

void
spool_sync(struct spool *sp)
{
	if (sp == NULL || !sp->dirty || sp->mode == SPOOL_SYNC_NEVER)
		return;
	if (fdatasync(sp->fd) == -1)
		log_err(SPOOL_SUBSYS, "cannot sync %s: %s", sp->path,
		    strerror(errno));
	sp->dirty = 0;
}

int
spool_read(struct spool *sp, void **rec, size_t *len, uint64_t *seq)
{
	struct spool_header h, next;
	unsigned char *buf;

	if (sp->unread == 0 || spool_header_at(sp, sp->rd, &h) != 0)
		return 0;
	buf = xmalloc(h.len + 1);
	if (h.len > 0 && pread(sp->fd, buf, h.len,
	    (off_t)(sp->rd + SPOOL_HEADER)) != (ssize_t)h.len) {
		log_err(SPOOL_SUBSYS, "cannot read %s: %s", sp->path,
		    strerror(errno));
		free(buf);
		return 0;
	}
	sp->rd += SPOOL_HEADER + h.len;
	sp->unread--;
	if (sp->unread > 0 && spool_header_at(sp, sp->rd, &next) == 0)
		sp->next_seq = next.seq;
	*rec = buf;
	*len = h.len;
	*seq = h.seq;
	return 1;
}

size_t
spool_unread(const struct spool *sp)
{
	return sp != NULL ? sp->unread : 0;
}

uint64_t
spool_next_seq(const struct spool *sp)
{
	return sp->next_seq;
}

uint64_t
spool_last_seq(const struct spool *sp)
{
	return sp != NULL ? sp->last_seq : 0;
}

size_t
spool_bytes(const struct spool *sp)
{
	return sp != NULL ? sp->size : 0;
}

void
spool_reset(struct spool *sp)
{
	if (sp->unread > 0)
		return;
	if (ftruncate(sp->fd, 0) == -1) {
		log_err(SPOOL_SUBSYS, "cannot empty %s: %s", sp->path,
		    strerror(errno));
		return;
	}
	sp->size = sp->rd = 0;
	sp->dirty = 1;
	spool_sync(sp);
}

const char *
spool_path(const struct spool *sp)
{
	return sp->path;
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	spool_sync(sp);
	close(sp->fd);
	free(sp->path);
	free(sp);
}
