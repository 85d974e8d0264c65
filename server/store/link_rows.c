/*  link_rows.c — customer links: the hash of each job's link token and
    the job it opens. The token itself is never stored (see server/link.c). */
#include "store_int.h"

#include <stdio.h>
#include <string.h>

int store_link_put(store *self, const uint8_t hash[STORE_LINK_HASH], const char *job_id)
{
    sqlite3_stmt *st = store_stmt(self, Q_LINK_PUT);
    if (!st)
        return -1;
    sqlite3_bind_blob(st, 1, hash, STORE_LINK_HASH, SQLITE_STATIC);
    store_bind_text(st, 2, job_id);
    return store_done(self, st);
}

int store_link_find(store *self, const uint8_t hash[STORE_LINK_HASH], store_link *out)
{
    sqlite3_stmt *st = store_stmt(self, Q_LINK_FIND);
    if (!st)
        return -1;
    sqlite3_bind_blob(st, 1, hash, STORE_LINK_HASH, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *id = sqlite3_column_text(st, 0);
        snprintf(out->job_id, sizeof out->job_id, "%s", id ? (const char *)id : "");
        out->state = sqlite3_column_int(st, 1);
        out->changed_at = sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return rc == SQLITE_ROW;
}
