/*  tech_since_rows.c — when each technician was first loaded: the KPI
    report counts a technician's shift hours only from then on. */
#include "store_int.h"

int store_technician_since_put(store *self, const char *id, int64_t at)
{
    sqlite3_stmt *st = store_stmt(self, Q_TECH_SINCE_PUT);
    if (!st)
        return -1;
    store_bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    return store_done(self, st);
}

int store_technician_since_each(store *self, void (*fn)(void *arg, const char *id, int64_t since), void *arg)
{
    sqlite3_stmt *st = store_stmt(self, Q_TECH_SINCE_EACH);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}
