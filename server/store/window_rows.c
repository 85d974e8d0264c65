/*  window_rows.c — appointment windows asked by customers. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------ appointment windows */

int store_window_put(store *self, const char *job_id, int64_t start, int64_t end, const char *tz)
{
    sqlite3_stmt *st = store_stmt(self, Q_WINDOW_PUT);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    sqlite3_bind_int64(st, 2, start);
    sqlite3_bind_int64(st, 3, end);
    store_bind_text(st, 4, tz);
    return store_done(self, st) < 0 ? -1 : store_side_mark(self, job_id, SIDE_WINDOW);
}

int store_each_open_window(store *self, void (*fn)(void *, const char *job_id, int64_t start, int64_t end),
                           void *arg)
{
    sqlite3_stmt *st = store_stmt(self, Q_WINDOW_OPEN);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
           sqlite3_column_int64(st, 2));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_window_get(store *self, arena *a, const char *job_id, store_window *out)
{
    if (!store_has_side(self, job_id, SIDE_WINDOW))
        return 0; /* no window was ever put for it: no read */
    sqlite3_stmt *st = store_stmt(self, Q_WINDOW_GET);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->start = sqlite3_column_int64(st, 0);
        out->end = sqlite3_column_int64(st, 1);
        out->tz = store_col(a, st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return rc == SQLITE_ROW;
}
