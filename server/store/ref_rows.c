/*  ref_rows.c — reference data: territories, providers, technicians,
    products, SLA policies and working hours, each kept as the encoded row
    that loaded it under its key (the store does not read inside them);
    customers, as columns. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ reference data */

/* The statements of each kind of reference row. */
static const struct {
    int put, each, get, clear;
} s_ref[STORE_REF_KINDS_] = {
    [STORE_REF_TERRITORY] = { Q_PUT_TERRITORY, Q_EACH_TERRITORY, Q_GET_TERRITORY, Q_CLEAR_TERRITORIES },
    [STORE_REF_PROVIDER] = { Q_PUT_PROVIDER, Q_EACH_PROVIDER, Q_GET_PROVIDER, Q_CLEAR_PROVIDERS },
    [STORE_REF_TECHNICIAN] = { Q_PUT_TECHNICIAN, Q_EACH_TECHNICIAN, Q_GET_TECHNICIAN, Q_CLEAR_TECHNICIANS },
    [STORE_REF_PRODUCT] = { Q_PUT_PRODUCT, Q_EACH_PRODUCT, Q_GET_PRODUCT, Q_CLEAR_PRODUCTS },
    [STORE_REF_SLA_POLICY] = { Q_SLA_POLICY_PUT, Q_SLA_POLICY_EACH, Q_GET_SLA_POLICY, Q_SLA_POLICY_CLEAR },
    [STORE_REF_WORKING_HOURS] = { Q_HOURS_PUT, Q_HOURS_EACH, Q_GET_HOURS, Q_HOURS_CLEAR },
    [STORE_REF_CATEGORY] = { Q_PUT_CATEGORY, Q_EACH_CATEGORY, Q_GET_CATEGORY, Q_CLEAR_CATEGORIES },
};

static bool s_kind_ok(store *self, store_ref_kind kind)
{
    if ((unsigned)kind < STORE_REF_KINDS_)
        return true;
    snprintf(self->err, sizeof self->err, "no such kind of reference row: %d", (int)kind);
    return false;
}

int store_ref_put(store *self, store_ref_kind kind, const char *key, const uint8_t *row, size_t len)
{
    if (!s_kind_ok(self, kind))
        return -1;
    sqlite3_stmt *st = store_stmt(self, s_ref[kind].put);
    if (!st)
        return -1;
    store_bind_text(st, 1, key);
    sqlite3_bind_blob(st, 2, len ? (const void *)row : "", (int)len, SQLITE_STATIC);
    return store_done(self, st);
}

int store_ref_each(store *self, store_ref_kind kind,
                   void (*fn)(void *, const char *key, const uint8_t *row, size_t len), void *arg)
{
    if (!s_kind_ok(self, kind))
        return -1;
    sqlite3_stmt *st = store_stmt(self, s_ref[kind].each);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), sqlite3_column_blob(st, 1),
           (size_t)sqlite3_column_bytes(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_ref_get(store *self, arena *a, store_ref_kind kind, const char *key, uint8_t **row, size_t *len)
{
    if (!s_kind_ok(self, kind))
        return -1;
    sqlite3_stmt *st = store_stmt(self, s_ref[kind].get);
    if (!st)
        return -1;
    store_bind_text(st, 1, key);
    return store_blob_get(self, a, st, row, len);
}

int store_ref_clear(store *self, store_ref_kind kind)
{
    if (!s_kind_ok(self, kind))
        return -1;
    sqlite3_stmt *st = store_stmt(self, s_ref[kind].clear);
    return st ? store_done(self, st) : -1;
}

int store_put_customer(store *self, const store_customer *row)
{
    sqlite3_stmt *st = store_stmt(self, Q_PUT_CUSTOMER);
    if (!st)
        return -1;
    store_bind_text(st, 1, row->phone);
    store_bind_text(st, 2, row->name);
    store_bind_text(st, 3, row->tier && row->tier[0] ? row->tier : "standard");
    sqlite3_bind_int(st, 4, row->blocked);
    store_bind_text(st, 5, row->note);
    return store_done(self, st);
}

int store_get_customer(store *self, arena *a, const char *phone, store_customer *out)
{
    sqlite3_stmt *st = store_stmt(self, Q_GET_CUSTOMER);
    if (!st)
        return -1;
    store_bind_text(st, 1, phone);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->phone = store_col(a, st, 0);
        out->name = store_col(a, st, 1);
        out->tier = store_col(a, st, 2);
        out->blocked = sqlite3_column_int(st, 3) != 0;
        out->note = store_col(a, st, 4);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return rc == SQLITE_ROW;
}
