/*  session_rows.c — exactly-once answers (dedup), agent sessions and the
    server's durable outbox. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- dedup */

int store_dedup_prune(store *self, int64_t before, unsigned max, unsigned *deleted)
{
    sqlite3_stmt *st = store_stmt(self, Q_DEDUP_PRUNE);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, before);
    sqlite3_bind_int(st, 2, (int)max);
    if (store_done(self, st) < 0)
        return -1;
    *deleted = (unsigned)sqlite3_changes(self->db);
    return 0;
}

int store_dedup_get(store *self, arena *a, const char *principal, const char *msg_id, uint8_t **reply,
                    size_t *len)
{
    sqlite3_stmt *st = store_stmt(self, Q_DEDUP_GET);
    if (!st)
        return -1;
    store_bind_text(st, 1, principal);
    store_bind_text(st, 2, msg_id);
    return store_blob_get(self, a, st, reply, len);
}

int store_dedup_put(store *self, const char *principal, const char *msg_id, int64_t at, const uint8_t *reply,
                    size_t len)
{
    sqlite3_stmt *st = store_stmt(self, Q_DEDUP_PUT);
    if (!st)
        return -1;
    store_bind_text(st, 1, principal);
    store_bind_text(st, 2, msg_id);
    sqlite3_bind_int64(st, 3, at);
    sqlite3_bind_blob(st, 4, reply, (int)len, SQLITE_STATIC);
    return store_done(self, st);
}

/* ----------------------------------------------------- sessions, outbox */

int store_session_get(store *self, const char *technician_id, uint64_t *out_seq, uint64_t *in_seq)
{
    sqlite3_stmt *st = store_stmt(self, Q_SESSION_GET);
    if (!st)
        return -1;
    store_bind_text(st, 1, technician_id);
    int rc = sqlite3_step(st);
    *out_seq = *in_seq = 0;
    if (rc == SQLITE_ROW) {
        *out_seq = (uint64_t)sqlite3_column_int64(st, 0);
        *in_seq = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return rc == SQLITE_ROW;
}

int store_session_put(store *self, const char *technician_id, uint64_t out_seq, uint64_t in_seq)
{
    sqlite3_stmt *st = store_stmt(self, Q_SESSION_PUT);
    if (!st)
        return -1;
    store_bind_text(st, 1, technician_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)out_seq);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)in_seq);
    return store_done(self, st);
}

int store_outbox_put(store *self, const char *technician_id, uint64_t seq, const uint8_t *env, size_t len)
{
    sqlite3_stmt *st = store_stmt(self, Q_OUTBOX_PUT);
    if (!st)
        return -1;
    store_bind_text(st, 1, technician_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    sqlite3_bind_blob(st, 3, env, (int)len, SQLITE_STATIC);
    return store_done(self, st);
}

int store_outbox_ack(store *self, const char *technician_id, uint64_t upto)
{
    sqlite3_stmt *st = store_stmt(self, Q_OUTBOX_ACK);
    if (!st)
        return -1;
    store_bind_text(st, 1, technician_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)upto);
    return store_done(self, st);
}

int store_outbox_each(store *self, const char *technician_id, uint64_t after, unsigned max,
                      void (*fn)(void *, uint64_t, const uint8_t *, size_t), void *arg)
{
    sqlite3_stmt *st = store_stmt(self, Q_OUTBOX_EACH);
    if (!st)
        return -1;
    store_bind_text(st, 1, technician_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)after);
    sqlite3_bind_int(st, 3, (int)max);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (uint64_t)sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
           (size_t)sqlite3_column_bytes(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}
