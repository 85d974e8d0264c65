/*  key_rows.c — principals (CURVE public keys), their use and
    revocation, the key audit trail, and principals' scopes. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- principals */

int store_put_principal(store *self, const char *pub, const char *name, int role_code,
                        const char *technician_id, bool *replaced)
{
    sqlite3_stmt *st = store_stmt(self, Q_GET_PRINCIPAL);
    if (!st)
        return -1;
    store_bind_text(st, 1, pub);
    store_bind_text(st, 2, name);
    int rc = sqlite3_step(st);
    *replaced = rc == SQLITE_ROW;
    sqlite3_reset(st);
    /* A name is one principal: a new key for a name replaces the old key. */
    if (*replaced) {
        if (!(st = store_stmt(self, Q_DEL_PRINCIPAL)))
            return -1;
        store_bind_text(st, 1, pub);
        store_bind_text(st, 2, name);
        if (store_done(self, st) < 0)
            return -1;
    }
    st = store_stmt(self, Q_PUT_PRINCIPAL);
    if (!st)
        return -1;
    store_bind_text(st, 1, pub);
    store_bind_text(st, 2, name);
    sqlite3_bind_int(st, 3, role_code);
    store_bind_text(st, 4, technician_id);
    return store_done(self, st);
}

int store_each_principal(store *self, void (*fn)(void *, const char *, const char *, int, const char *),
                         void *arg)
{
    sqlite3_stmt *st = store_stmt(self, Q_EACH_PRINCIPAL);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int(st, 2), (const char *)sqlite3_column_text(st, 3));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

/* Copies column i into a fixed buffer. */
static void s_col_into(sqlite3_stmt *st, int i, char *buf, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(buf, size, "%s", t ? (const char *)t : "");
}

/* Reads a principals row of Q_KEY_GET / Q_KEY_EACH. */
static void s_key_row(sqlite3_stmt *st, store_key *k)
{
    s_col_into(st, 0, k->pub, sizeof k->pub);
    s_col_into(st, 1, k->name, sizeof k->name);
    k->role = sqlite3_column_int(st, 2);
    s_col_into(st, 3, k->technician_id, sizeof k->technician_id);
    k->created_at = sqlite3_column_int64(st, 4);
    k->last_seen = sqlite3_column_int64(st, 5);
    k->revoked_at = sqlite3_column_int64(st, 6);
    s_col_into(st, 7, k->revoked_by, sizeof k->revoked_by);
}

int store_key_get(store *self, const char *name_or_pub, store_key *out)
{
    sqlite3_stmt *st = store_stmt(self, Q_KEY_GET);
    if (!st)
        return -1;
    store_bind_text(st, 1, name_or_pub);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        s_key_row(st, out);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return rc == SQLITE_ROW;
}

int store_key_revoke(store *self, const char *name, int64_t at, const char *by)
{
    sqlite3_stmt *st = store_stmt(self, Q_KEY_REVOKE);
    if (!st)
        return -1;
    store_bind_text(st, 1, name);
    sqlite3_bind_int64(st, 2, at);
    store_bind_text(st, 3, by);
    return store_done(self, st);
}

int store_each_key(store *self, void (*fn)(void *, const store_key *), void *arg)
{
    sqlite3_stmt *st = store_stmt(self, Q_KEY_EACH);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_key k;
        s_key_row(st, &k);
        fn(arg, &k);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_key_seen(store *self, const char *pub, int64_t at)
{
    sqlite3_stmt *st = store_stmt(self, Q_KEY_SEEN);
    if (!st)
        return -1;
    store_bind_text(st, 1, pub);
    sqlite3_bind_int64(st, 2, at);
    return store_done(self, st);
}

int store_key_event(store *self, int64_t at, const char *event, const char *name, const char *pub,
                    const char *actor)
{
    sqlite3_stmt *st = store_stmt(self, Q_KEY_EVENT);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, at);
    store_bind_text(st, 2, event);
    store_bind_text(st, 3, name);
    store_bind_text(st, 4, pub);
    store_bind_text(st, 5, actor);
    return store_done(self, st);
}

int store_each_key_event(store *self, const char *event, int64_t since, int limit,
                         void (*fn)(void *, int64_t at, const char *name), void *arg)
{
    sqlite3_stmt *st = store_stmt(self, Q_KEY_EVENTS);
    if (!st)
        return -1;
    store_bind_text(st, 1, event);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int(st, 3, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

/* ------------------------------------------------------------- privacy */

int store_principal_set_scope(store *self, const char *name, const char *provider, const char *territories)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db,
                           "UPDATE principals SET scope_provider = ?2, scope_territories = ?3"
                           " WHERE name = ?1",
                           -1, &st, NULL)
        != SQLITE_OK)
        return store_fail(self);
    store_bind_text(st, 1, name);
    store_bind_text(st, 2, provider);
    store_bind_text(st, 3, territories);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_each_principal_scope(store *self,
                               void (*fn)(void *, const char *pub, const char *provider,
                                          const char *territories),
                               void *arg)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db,
                           "SELECT public_key, scope_provider, scope_territories FROM principals"
                           " WHERE scope_provider != '' OR scope_territories != ''",
                           -1, &st, NULL)
        != SQLITE_OK)
        return store_fail(self);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}
