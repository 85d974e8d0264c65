/*  walvfs.c — a SQLite VFS that hands the WAL its writes in one piece.

    A commit in WAL mode is a run of frames appended to the WAL file, then
    a sync: SQLite writes each frame as its 24-byte header and then its
    page, two pwrite calls, each of which finds and dirties two page-cache
    pages (a frame is 4,120 bytes, the pages 4,096). Here a WAL file keeps
    the writes that follow one another in a buffer and writes them at once
    before anything that must see them: a sync (the commit), a read (a
    checkpoint, or a page the cache no longer holds), the file's size, a
    truncation, a file control, the close. A write that does not follow the
    last one (SQLite rewriting a frame of the same transaction) first
    writes what is buffered, so the file sees the writes in their order.

    Durability is SQLite's: under synchronous=FULL every commit syncs the
    WAL before it updates the WAL index that makes the commit visible, and
    the sync writes the buffer first. A write error that the buffer defers
    (a full disk) is returned by that sync instead, and SQLite rolls the
    commit back as it would have.

    Files other than WALs are opened by the default VFS into the same
    memory and keep its methods: this file does not touch them. */
#include "walvfs.h"
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* A commit of a few hundred pages fits; a larger one (a bulk load) is
   written a buffer at a time. */
#define WAL_BUFFER (1 << 20)
/* The default VFS writes at most 128 KiB - 1 bytes in one call (its
   seekAndWrite masks the length with 0x1ffff): the buffer goes to it in
   pieces of 64 KiB, ~16 frames each. */
#define WRITE_PIECE (64 * 1024)

typedef struct {
    sqlite3_file base;  /* pMethods = &s_wal_methods */
    sqlite3_file *real; /* the default VFS's file, in the memory after this */
    unsigned char *buf; /* WAL_BUFFER bytes, taken at the first write */
    sqlite3_int64 at;   /* the file offset of buf[0] */
    int len;            /* bytes waiting in buf */
} walfile;

static sqlite3_vfs s_vfs;
static sqlite3_vfs *s_base;

/* Writes what waits in the buffer; the buffer is empty afterwards either
   way (after a failure SQLite rolls back and writes its frames again). */
static int s_flush(walfile *w)
{
    if (w->len == 0)
        return SQLITE_OK;
    int n = w->len;
    w->len = 0;
    for (int done = 0; done < n; done += WRITE_PIECE) {
        int piece = n - done < WRITE_PIECE ? n - done : WRITE_PIECE;
        int rc = w->real->pMethods->xWrite(w->real, w->buf + done, piece, w->at + done);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int s_close(sqlite3_file *f)
{
    walfile *w = (walfile *)f;
    int rc = s_flush(w);
    int rc_close = w->real->pMethods->xClose(w->real);
    free(w->buf);
    w->buf = NULL;
    return rc != SQLITE_OK ? rc : rc_close;
}

static int s_read(sqlite3_file *f, void *out, int amt, sqlite3_int64 off)
{
    walfile *w = (walfile *)f;
    int rc = s_flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xRead(w->real, out, amt, off);
}

static int s_write(sqlite3_file *f, const void *data, int amt, sqlite3_int64 off)
{
    walfile *w = (walfile *)f;
    if (w->len > 0 && off == w->at + w->len && amt <= WAL_BUFFER - w->len) {
        memcpy(w->buf + w->len, data, (size_t)amt);
        w->len += amt;
        return SQLITE_OK;
    }
    int rc = s_flush(w);
    if (rc != SQLITE_OK)
        return rc;
    if (!w->buf)
        w->buf = malloc(WAL_BUFFER);
    if (!w->buf || amt > WRITE_PIECE)
        return w->real->pMethods->xWrite(w->real, data, amt, off);
    memcpy(w->buf, data, (size_t)amt);
    w->at = off;
    w->len = amt;
    return SQLITE_OK;
}

static int s_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    walfile *w = (walfile *)f;
    int rc = s_flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

static int s_sync(sqlite3_file *f, int flags)
{
    walfile *w = (walfile *)f;
    int rc = s_flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xSync(w->real, flags);
}

static int s_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    walfile *w = (walfile *)f;
    int rc = s_flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xFileSize(w->real, size);
}

static int s_lock(sqlite3_file *f, int level)
{
    walfile *w = (walfile *)f;
    return w->real->pMethods->xLock(w->real, level);
}

static int s_unlock(sqlite3_file *f, int level)
{
    walfile *w = (walfile *)f;
    return w->real->pMethods->xUnlock(w->real, level);
}

static int s_check_reserved(sqlite3_file *f, int *out)
{
    walfile *w = (walfile *)f;
    return w->real->pMethods->xCheckReservedLock(w->real, out);
}

static int s_file_control(sqlite3_file *f, int op, void *arg)
{
    walfile *w = (walfile *)f;
    int rc = s_flush(w);
    return rc != SQLITE_OK ? rc : w->real->pMethods->xFileControl(w->real, op, arg);
}

static int s_sector_size(sqlite3_file *f)
{
    walfile *w = (walfile *)f;
    return w->real->pMethods->xSectorSize(w->real);
}

static int s_device_characteristics(sqlite3_file *f)
{
    walfile *w = (walfile *)f;
    return w->real->pMethods->xDeviceCharacteristics(w->real);
}

/* Version 1: a WAL has no shared memory and is never memory-mapped. */
static const sqlite3_io_methods s_wal_methods = {
    .iVersion = 1,
    .xClose = s_close,
    .xRead = s_read,
    .xWrite = s_write,
    .xTruncate = s_truncate,
    .xSync = s_sync,
    .xFileSize = s_file_size,
    .xLock = s_lock,
    .xUnlock = s_unlock,
    .xCheckReservedLock = s_check_reserved,
    .xFileControl = s_file_control,
    .xSectorSize = s_sector_size,
    .xDeviceCharacteristics = s_device_characteristics,
};

static int s_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    if (!(flags & SQLITE_OPEN_WAL))
        return s_base->xOpen(s_base, name, f, flags, out_flags);
    walfile *w = (walfile *)f;
    memset(w, 0, sizeof *w);
    w->real = (sqlite3_file *)(w + 1);
    int rc = s_base->xOpen(s_base, name, w->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (w->real->pMethods)
            w->real->pMethods->xClose(w->real);
        return rc; /* base.pMethods stays NULL: SQLite will not close it */
    }
    w->base.pMethods = &s_wal_methods;
    return SQLITE_OK;
}

int walvfs_register(void)
{
    if (s_base)
        return SQLITE_OK;
    sqlite3_vfs *base = sqlite3_vfs_find(NULL);
    if (!base)
        return SQLITE_ERROR;
    /* everything but opening is the default VFS's, its app data included */
    s_vfs = *base;
    s_vfs.pNext = NULL;
    s_vfs.zName = WALVFS_NAME;
    s_vfs.szOsFile = (int)sizeof(walfile) + base->szOsFile;
    s_vfs.xOpen = s_open;
    s_base = base;
    int rc = sqlite3_vfs_register(&s_vfs, 0);
    if (rc != SQLITE_OK)
        s_base = NULL;
    return rc;
}
