/*  identity.c — the database's identity: its generation, the job floor a
    restore leaves, the storage probe. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -------------------------------------------------- database identity */

/* The value of a store_meta key (0 when absent). */
static int s_meta_get(store *self, const char *key, int64_t *out)
{
    sqlite3_stmt *st = store_stmt(self, Q_META_GET);
    if (!st)
        return -1;
    store_bind_text(st, 1, key);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(self);
}

static int s_meta_put(store *self, const char *key, int64_t value)
{
    sqlite3_stmt *st = store_stmt(self, Q_META_PUT);
    if (!st)
        return -1;
    store_bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, value);
    return store_done(self, st);
}

/* A write that must reach the disk to commit: a probe of storage after a
   failure (an empty transaction commits on a full disk too, and would
   end the failure mode only for the next real write to fail again). */
int store_probe_write(store *self, int64_t now)
{
    return s_meta_put(self, "probe_at", now);
}

int store_generation(store *self, uint64_t *out)
{
    int64_t v;
    if (s_meta_get(self, "generation", &v) < 0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int store_restore_stamp(store *self, uint64_t generation, long job_floor)
{
    int64_t floor_now;
    if (store_begin(self) < 0)
        return -1;
    if (s_meta_get(self, "job_floor", &floor_now) < 0
        || s_meta_put(self, "generation", (int64_t)(generation & 0x7fffffffffffffffULL)) < 0
        || (job_floor > floor_now && s_meta_put(self, "job_floor", job_floor) < 0)
        || store_commit(self) < 0) {
        store_rollback(self);
        return -1;
    }
    return 0;
}
