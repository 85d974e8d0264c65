/*  checkpointer.h — the WAL copied back into the database by a thread of
    its own.

    SQLite checkpoints inside the commit that takes the WAL past 1,000
    pages: that commit (and every request waiting on it) also waits for up
    to 1,000 page writes into the database and its fdatasync. In a held run
    at 1,500 requests/s those commits were the server's longest pauses
    (tens of ms). Here the writer's connection only says, after each
    commit, how long the WAL has grown (sqlite3_wal_hook); past `pages` a
    thread with a connection of its own runs a PASSIVE checkpoint, which
    never blocks the writer. The writer starts the WAL over at its next
    transaction once a checkpoint has caught up with it, as before.

    Should the thread fall behind (a slow disk), the writer checkpoints
    itself once the WAL passes `pages` × CHECKPOINTER_BACKSTOP, so the WAL
    stays bounded. Durability is SQLite's own: the checkpointer's
    connection runs under synchronous=FULL too. */
#ifndef FSD_CHECKPOINTER_H
#define FSD_CHECKPOINTER_H

#include <sqlite3.h>
#include <stddef.h>

#define CHECKPOINTER_BACKSTOP 16

typedef struct checkpointer checkpointer;

/* Takes over checkpoints of db (a WAL database, the writer's connection):
   opens a second connection to its file and starts the thread. NULL with
   err filled when it cannot; db is then left as it was. */
checkpointer *checkpointer_start(sqlite3 *db, int pages, char *err, size_t errlen);

/* Checkpoints the thread has run so far (for tests and logs). */
long checkpointer_passes(checkpointer *self);

/* Stops the thread (after the checkpoint in hand), closes its connection
   and gives checkpoints back to db's own automatic ones. NULL is fine. */
void checkpointer_stop(checkpointer **self_p);

#endif
