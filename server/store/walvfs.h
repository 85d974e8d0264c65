/*  walvfs.h — a SQLite VFS that hands the WAL its writes in one piece.

    SQLite writes each WAL frame as two writes (its 24-byte header, then
    the page), so a commit of 60 pages is 120 system calls. This VFS, over
    the default one, keeps a WAL's contiguous writes in a buffer and gives
    them to the file in one write when SQLite syncs, reads, sizes,
    truncates or closes it, or when a write does not follow the last.
    Every other file (the database, its shared memory) is the default
    VFS's own. The store opens its database with it under synchronous=FULL,
    where every commit syncs the WAL before it is visible, so nothing that
    was committed waits in the buffer. */
#ifndef FSD_WALVFS_H
#define FSD_WALVFS_H

#define WALVFS_NAME "fsd-wal"

/* Registers the VFS (not as the default) once; 0, or an SQLite error code. */
int walvfs_register(void);

#endif
