/*  ref_rows.c — reference data: territories, providers, technicians,
    products, customers; SLA policies and working hours. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ reference data */

/* Stores a packed row message under key with statement q. */
static int s_put_row(store *self, int q, const char *key, const ProtobufCMessage *row)
{
    size_t len = protobuf_c_message_get_packed_size(row);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -1;
    protobuf_c_message_pack(row, buf);
    sqlite3_stmt *st = store_stmt(self, q);
    int rc = -1;
    if (st) {
        store_bind_text(st, 1, key);
        sqlite3_bind_blob(st, 2, buf, (int)len, SQLITE_STATIC);
        rc = store_done(self, st);
    }
    free(buf);
    return rc;
}

int store_put_territory(store *self, const Fsd__TerritoryRow *row)
{
    return s_put_row(self, Q_PUT_TERRITORY, row->id, &row->base);
}

int store_put_provider(store *self, const Fsd__ProviderRow *row)
{
    return s_put_row(self, Q_PUT_PROVIDER, row->id, &row->base);
}

int store_put_technician(store *self, const Fsd__TechnicianRow *row)
{
    return s_put_row(self, Q_PUT_TECHNICIAN, row->id, &row->base);
}

int store_put_product(store *self, const Fsd__ProductRow *row)
{
    return s_put_row(self, Q_PUT_PRODUCT, row->serial, &row->base);
}

int store_put_customer(store *self, const Fsd__CustomerRow *row)
{
    sqlite3_stmt *st = store_stmt(self, Q_PUT_CUSTOMER);
    if (!st)
        return -1;
    store_bind_text(st, 1, row->phone);
    store_bind_text(st, 2, row->name);
    store_bind_text(st, 3, row->tier[0] ? row->tier : "standard");
    sqlite3_bind_int(st, 4, row->blocked);
    store_bind_text(st, 5, row->note);
    return store_done(self, st);
}

/* Unpacks every row of query q with desc and hands it to fn (which owns it). */
static int s_each_row(store *self, int q, const ProtobufCMessageDescriptor *desc,
                      void (*fn)(void *, void *), void *arg)
{
    sqlite3_stmt *st = store_stmt(self, q);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ProtobufCMessage *m = protobuf_c_message_unpack(
            desc, NULL, (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 0));
        if (m)
            fn(arg, m);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_each_territory(store *self, void (*fn)(void *, Fsd__TerritoryRow *), void *arg)
{
    return s_each_row(self, Q_EACH_TERRITORY, &fsd__territory_row__descriptor,
                      (void (*)(void *, void *))fn, arg);
}

int store_each_provider(store *self, void (*fn)(void *, Fsd__ProviderRow *), void *arg)
{
    return s_each_row(self, Q_EACH_PROVIDER, &fsd__provider_row__descriptor,
                      (void (*)(void *, void *))fn, arg);
}

int store_each_technician(store *self, void (*fn)(void *, Fsd__TechnicianRow *), void *arg)
{
    return s_each_row(self, Q_EACH_TECHNICIAN, &fsd__technician_row__descriptor,
                      (void (*)(void *, void *))fn, arg);
}

int store_get_product(store *self, const char *serial, Fsd__ProductRow **out)
{
    sqlite3_stmt *st = store_stmt(self, Q_GET_PRODUCT);
    if (!st)
        return -1;
    store_bind_text(st, 1, serial);
    int rc = sqlite3_step(st);
    *out = NULL;
    if (rc == SQLITE_ROW)
        *out = fsd__product_row__unpack(NULL, (size_t)sqlite3_column_bytes(st, 0),
                                        sqlite3_column_blob(st, 0));
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return *out != NULL;
}

int store_get_customer(store *self, arena *a, const char *phone, Fsd__CustomerRow **out)
{
    sqlite3_stmt *st = store_stmt(self, Q_GET_CUSTOMER);
    if (!st)
        return -1;
    store_bind_text(st, 1, phone);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        Fsd__CustomerRow *c = arena_alloc(a, sizeof *c);
        fsd__customer_row__init(c);
        c->phone = store_col(a, st, 0);
        c->name = store_col(a, st, 1);
        c->tier = store_col(a, st, 2);
        c->blocked = sqlite3_column_int(st, 3);
        c->note = store_col(a, st, 4);
        *out = c;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return rc == SQLITE_ROW;
}

/* Runs a statement without parameters or rows (the clears). */
static int s_exec(store *self, int q)
{
    sqlite3_stmt *st = store_stmt(self, q);
    return st ? store_done(self, st) : -1;
}

int store_sla_policies_clear(store *self)
{
    return s_exec(self, Q_SLA_POLICY_CLEAR);
}

int store_put_sla_policy(store *self, const Fsd__SlaPolicyRow *row)
{
    return s_put_row(self, Q_SLA_POLICY_PUT, row->id, &row->base);
}

int store_each_sla_policy(store *self, void (*fn)(void *, Fsd__SlaPolicyRow *), void *arg)
{
    return s_each_row(self, Q_SLA_POLICY_EACH, &fsd__sla_policy_row__descriptor,
                      (void (*)(void *, void *))fn, arg);
}

int store_working_hours_clear(store *self)
{
    return s_exec(self, Q_HOURS_CLEAR);
}

int store_put_working_hours(store *self, const Fsd__WorkingHoursRow *row)
{
    return s_put_row(self, Q_HOURS_PUT, row->territory, &row->base);
}

int store_each_working_hours(store *self, void (*fn)(void *, Fsd__WorkingHoursRow *), void *arg)
{
    return s_each_row(self, Q_HOURS_EACH, &fsd__working_hours_row__descriptor,
                      (void (*)(void *, void *))fn, arg);
}
