/*  counter_rows.c — business counters that survive restarts: requests,
    offers, declines by reason... kept in store_meta as "counter.NAME",
    added to in the batch's own transaction so that they move with what
    they count. (store_meta's "counter." keys are this file's alone.) */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

#define S_PREFIX "counter."

int store_counter_add(store *self, const char *name, int64_t delta)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db,
                           "INSERT INTO store_meta(key, value) VALUES(?1, ?2)"
                           " ON CONFLICT(key) DO UPDATE SET value = value + ?2",
                           -1, &st, NULL)
        != SQLITE_OK)
        return store_fail(self);
    char key[128];
    snprintf(key, sizeof key, S_PREFIX "%s", name);
    store_bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, delta);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        store_fail(self);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_each_counter(store *self, void (*fn)(void *arg, const char *name, int64_t value), void *arg)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db,
                           "SELECT substr(key, length('" S_PREFIX "') + 1), value FROM store_meta"
                           " WHERE key > '" S_PREFIX "' AND key < 'counter/' ORDER BY key",
                           -1, &st, NULL)
        != SQLITE_OK)
        return store_fail(self);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
    if (rc != SQLITE_DONE)
        store_fail(self);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}
