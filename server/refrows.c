/*  refrows.c — reference rows between the wire and the store (see refrows.h). */
#include "refrows.h"

#include <stdlib.h>
#include "fsd/wire.h"
#include "fsd/xalloc.h"

/* Encodes a row message and stores it under key. */
static int s_put(store *st, store_ref_kind kind, const char *key, const ProtobufCMessage *row)
{
    size_t len = protobuf_c_message_get_packed_size(row);
    uint8_t *buf = fsd_xmalloc(len ? len : 1);
    protobuf_c_message_pack(row, buf);
    int rc = store_ref_put(st, kind, key, buf, len);
    free(buf);
    return rc;
}

int refrows_put_territory(store *st, const Fsd__TerritoryRow *row)
{
    return s_put(st, STORE_REF_TERRITORY, row->id, &row->base);
}

int refrows_put_provider(store *st, const Fsd__ProviderRow *row)
{
    return s_put(st, STORE_REF_PROVIDER, row->id, &row->base);
}

int refrows_put_technician(store *st, const Fsd__TechnicianRow *row)
{
    /* the first load is when the technician joined: its shift hours count from then */
    if (store_technician_since_put(st, row->id, wire_now_ms()) < 0)
        return -1;
    return s_put(st, STORE_REF_TECHNICIAN, row->id, &row->base);
}

int refrows_put_product(store *st, const Fsd__ProductRow *row)
{
    return s_put(st, STORE_REF_PRODUCT, row->serial, &row->base);
}

int refrows_put_sla_policy(store *st, const Fsd__SlaPolicyRow *row)
{
    return s_put(st, STORE_REF_SLA_POLICY, row->id, &row->base);
}

int refrows_put_working_hours(store *st, const Fsd__WorkingHoursRow *row)
{
    return s_put(st, STORE_REF_WORKING_HOURS, row->territory, &row->base);
}

typedef struct {
    const ProtobufCMessageDescriptor *desc;
    void (*fn)(void *, void *);
    void *arg;
} s_each_ctx;

static void s_decode(void *arg, const char *key, const uint8_t *row, size_t len)
{
    s_each_ctx *ctx = arg;
    ProtobufCMessage *m = protobuf_c_message_unpack(ctx->desc, NULL, len, row);
    if (m)
        ctx->fn(ctx->arg, m);
}

/* Decodes every row of a kind with desc and hands it to fn (which owns it). */
static int s_each(store *st, store_ref_kind kind, const ProtobufCMessageDescriptor *desc,
                  void (*fn)(void *, void *), void *arg)
{
    s_each_ctx ctx = { desc, fn, arg };
    return store_ref_each(st, kind, s_decode, &ctx);
}

int refrows_each_territory(store *st, void (*fn)(void *, Fsd__TerritoryRow *), void *arg)
{
    return s_each(st, STORE_REF_TERRITORY, &fsd__territory_row__descriptor, (void (*)(void *, void *))fn,
                  arg);
}

int refrows_each_provider(store *st, void (*fn)(void *, Fsd__ProviderRow *), void *arg)
{
    return s_each(st, STORE_REF_PROVIDER, &fsd__provider_row__descriptor, (void (*)(void *, void *))fn, arg);
}

int refrows_each_technician(store *st, void (*fn)(void *, Fsd__TechnicianRow *), void *arg)
{
    return s_each(st, STORE_REF_TECHNICIAN, &fsd__technician_row__descriptor, (void (*)(void *, void *))fn,
                  arg);
}

int refrows_each_sla_policy(store *st, void (*fn)(void *, Fsd__SlaPolicyRow *), void *arg)
{
    return s_each(st, STORE_REF_SLA_POLICY, &fsd__sla_policy_row__descriptor, (void (*)(void *, void *))fn,
                  arg);
}

int refrows_each_working_hours(store *st, void (*fn)(void *, Fsd__WorkingHoursRow *), void *arg)
{
    return s_each(st, STORE_REF_WORKING_HOURS, &fsd__working_hours_row__descriptor,
                  (void (*)(void *, void *))fn, arg);
}

int refrows_get_product(store *st, const char *serial, Fsd__ProductRow **out)
{
    *out = NULL;
    arena *a = arena_new();
    if (!a)
        return -1;
    uint8_t *row;
    size_t len;
    int rc = store_ref_get(st, a, STORE_REF_PRODUCT, serial, &row, &len);
    if (rc == 1)
        *out = fsd__product_row__unpack(NULL, len, row);
    arena_destroy(&a);
    return rc < 0 ? -1 : *out != NULL;
}

int refrows_put_customer(store *st, const Fsd__CustomerRow *row)
{
    store_customer c = { row->phone, row->name, row->tier, row->blocked != 0, row->note };
    return store_put_customer(st, &c);
}

int refrows_get_customer(store *st, arena *a, const char *phone, Fsd__CustomerRow **out)
{
    store_customer c;
    int rc = store_get_customer(st, a, phone, &c);
    if (rc != 1)
        return rc;
    Fsd__CustomerRow *row = arena_alloc(a, sizeof *row);
    fsd__customer_row__init(row);
    row->phone = (char *)c.phone;
    row->name = (char *)c.name;
    row->tier = (char *)c.tier;
    row->blocked = c.blocked;
    row->note = (char *)c.note;
    *out = row;
    return 1;
}
