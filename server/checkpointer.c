/*  checkpointer.c — see checkpointer.h. */
#include "checkpointer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include "fsd/log.h"

/* A pass that ends behind the writer (it committed meanwhile) is followed
   at once by this many short ones, each copying only what came since: the
   WAL starts over only once a pass has caught up with the writer. */
#define CATCH_UP_PASSES 2

struct checkpointer {
    sqlite3 *db;       /* the writer's connection (the loop's thread) */
    sqlite3 *own;      /* this thread's */
    int pages;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* under mu */
    bool wanted, stop;
    int mark;          /* WAL frames the last pass copied (0 after a restart) */
    long passes;
};

/* The writer's wal hook: after each commit, the WAL's length in frames. */
static int s_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    checkpointer *self = arg;
    if (frames >= self->pages * CHECKPOINTER_BACKSTOP) {
        /* the thread fell behind: copy what it has not, here */
        int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            log_warn("checkpoint_failed", "frames=%d error=\"%s\"", frames, sqlite3_errstr(rc));
        return SQLITE_OK;
    }
    pthread_mutex_lock(&self->mu);
    if (frames < self->mark)
        self->mark = 0; /* the WAL started over */
    if (frames - self->mark >= self->pages && !self->wanted) {
        self->wanted = true;
        pthread_cond_signal(&self->cv);
    }
    pthread_mutex_unlock(&self->mu);
    return SQLITE_OK;
}

/* One PASSIVE checkpoint; true when it left frames the writer added
   meanwhile. */
static bool s_pass(checkpointer *self)
{
    int log = 0, copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(self->own, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        log_warn("checkpoint_failed", "error=\"%s\"", sqlite3_errmsg(self->own));
        return false;
    }
    pthread_mutex_lock(&self->mu);
    if (copied > 0)
        self->mark = copied;
    self->passes++;
    pthread_mutex_unlock(&self->mu);
    return rc == SQLITE_OK && copied < log;
}

static void *s_run(void *arg)
{
    checkpointer *self = arg;
    pthread_mutex_lock(&self->mu);
    for (;;) {
        while (!self->wanted && !self->stop)
            pthread_cond_wait(&self->cv, &self->mu);
        if (self->stop)
            break;
        self->wanted = false;
        pthread_mutex_unlock(&self->mu);
        for (int pass = 0; pass <= CATCH_UP_PASSES && s_pass(self); pass++)
            ;
        pthread_mutex_lock(&self->mu);
    }
    pthread_mutex_unlock(&self->mu);
    return NULL;
}

checkpointer *checkpointer_start(sqlite3 *db, int pages, char *err, size_t errlen)
{
    const char *path = sqlite3_db_filename(db, "main");
    checkpointer *self = calloc(1, sizeof *self);
    if (!self || !path || !*path) {
        snprintf(err, errlen, "%s", self ? "the database has no file" : "out of memory");
        free(self);
        return NULL;
    }
    self->db = db;
    self->pages = pages > 0 ? pages : 1000;
    /* SQLite's own VFS: this connection reads the WAL and writes the
       database, never the WAL itself */
    if (sqlite3_open_v2(path, &self->own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(self->own, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open a second connection to %s: %s", path, sqlite3_errmsg(self->own));
        sqlite3_close(self->own);
        free(self);
        return NULL;
    }
    pthread_mutex_init(&self->mu, NULL);
    pthread_cond_init(&self->cv, NULL);
    if (pthread_create(&self->thread, NULL, s_run, self) != 0) {
        snprintf(err, errlen, "cannot start the checkpoint thread");
        pthread_cond_destroy(&self->cv);
        pthread_mutex_destroy(&self->mu);
        sqlite3_close(self->own);
        free(self);
        return NULL;
    }
    sqlite3_wal_hook(db, s_hook, self);
    return self;
}

long checkpointer_passes(checkpointer *self)
{
    pthread_mutex_lock(&self->mu);
    long n = self->passes;
    pthread_mutex_unlock(&self->mu);
    return n;
}

void checkpointer_stop(checkpointer **self_p)
{
    if (!self_p || !*self_p)
        return;
    checkpointer *self = *self_p;
    /* the default hook again: automatic checkpoints of 1,000 pages */
    sqlite3_wal_autocheckpoint(self->db, 1000);
    pthread_mutex_lock(&self->mu);
    self->stop = true;
    pthread_cond_signal(&self->cv);
    pthread_mutex_unlock(&self->mu);
    pthread_join(self->thread, NULL);
    sqlite3_close(self->own);
    pthread_cond_destroy(&self->cv);
    pthread_mutex_destroy(&self->mu);
    free(self);
    *self_p = NULL;
}
