/*  refrows.h — reference rows between the wire and the store.

    The store keeps territories, providers, technicians, products, SLA
    policies and working hours as encoded rows under their keys
    (store_ref_*), and customers as columns (store_customer). These
    functions speak the wire's row messages: they encode what is put and
    decode what is read, so the store never sees a protobuf type. They
    return what the store returns (0 / -1; gets 1 found / 0 not / -1). */
#ifndef FSD_REFROWS_H
#define FSD_REFROWS_H

#include "fsd.pb-c.h"
#include "store.h"

int refrows_put_territory(store *st, const Fsd__TerritoryRow *row);
int refrows_put_provider(store *st, const Fsd__ProviderRow *row);
int refrows_put_technician(store *st, const Fsd__TechnicianRow *row);
int refrows_put_product(store *st, const Fsd__ProductRow *row);
int refrows_put_sla_policy(store *st, const Fsd__SlaPolicyRow *row);
int refrows_put_working_hours(store *st, const Fsd__WorkingHoursRow *row);
int refrows_put_category(store *st, const Fsd__CategoryRow *row);
/* Each stored row decoded and handed to fn, which owns it (free with the
   type's free_unpacked); rows that do not decode are skipped. */
int refrows_each_territory(store *st, void (*fn)(void *, Fsd__TerritoryRow *), void *arg);
int refrows_each_provider(store *st, void (*fn)(void *, Fsd__ProviderRow *), void *arg);
int refrows_each_technician(store *st, void (*fn)(void *, Fsd__TechnicianRow *), void *arg);
int refrows_each_sla_policy(store *st, void (*fn)(void *, Fsd__SlaPolicyRow *), void *arg);
int refrows_each_working_hours(store *st, void (*fn)(void *, Fsd__WorkingHoursRow *), void *arg);
int refrows_each_category(store *st, void (*fn)(void *, Fsd__CategoryRow *), void *arg);
/* The product with this serial into *out (free with fsd__product_row__free_unpacked). */
int refrows_get_product(store *st, const char *serial, Fsd__ProductRow **out);
int refrows_put_customer(store *st, const Fsd__CustomerRow *row);
/* The customer with this phone, strings in the arena. */
int refrows_get_customer(store *st, arena *a, const char *phone, Fsd__CustomerRow **out);

#endif
