/*  admin.c — reference data and keys: what only an admin may change.

    A load is all or nothing: every row is checked against the rules and
    against what is already known (a technician's provider and territories
    must exist) before anything is written; one bad row refuses the file,
    and the answer lists every bad row by its line. After the commit the
    loop re-reads the reference data, so matching sees the new world. */
#include "keyring.h"
#include "privacy.h"
#include "server.h"
#include "verbs.h"
#include "world.h"
#include "refrows.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsd/keys.h"
#include "fsd/log.h"
#include "fsd/warranty.h"
#include "fsd/wire.h"

typedef struct {
    call *c;
    Fsd__RowError **errors;
    size_t n, cap;
    strmap *seen; /* keys in this file, for duplicates */
} row_check;

/* Records a bad row (the message is formatted into the arena). */
static void s_bad(row_check *rc, uint32_t line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_bad(row_check *rc, uint32_t line, const char *field, const char *fmt, ...)
{
    if (rc->n == rc->cap) {
        size_t cap = rc->cap ? rc->cap * 2 : 16;
        Fsd__RowError **bigger = arena_alloc(rc->c->a, cap * sizeof *bigger);
        if (rc->n)
            memcpy(bigger, rc->errors, rc->n * sizeof *bigger);
        rc->errors = bigger;
        rc->cap = cap;
    }
    Fsd__RowError *e = arena_alloc(rc->c->a, sizeof *e);
    fsd__row_error__init(e);
    e->line = line;
    e->field = (char *)field;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e->message = arena_strdup(rc->c->a, msg);
    rc->errors[rc->n++] = e;
}

/* An id: 1..40 characters of letters, digits, '-', '_' or '.'. */
static bool s_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 40)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-'
              || *s == '_' || *s == '.'))
            return false;
    return true;
}

/* Checks an id: well formed and not twice in the file. */
static void s_check_id(row_check *rc, uint32_t line, const char *field, const char *id)
{
    if (!s_id_ok(id))
        s_bad(rc, line, field, "'%s' is not an id (1-40 letters, digits, '-', '_', '.')", id);
    else if (strmap_get(rc->seen, id))
        s_bad(rc, line, field, "%s appears twice in this file", id);
    else
        strmap_put(rc->seen, id, (void *)1);
}

/* True when a territory exists, already loaded or being loaded now. */
static bool s_territory_known(server *srv, const char *id)
{
    return world_territory(srv, id) != NULL;
}

static void s_check_territory(row_check *rc, const Fsd__TerritoryRow *r)
{
    s_check_id(rc, r->line, "id", r->id);
    if (!r->name[0])
        s_bad(rc, r->line, "name", "a territory needs a name");
    if (!tzone_valid(r->tz))
        s_bad(rc, r->line, "tz", "'%s' is not a known IANA time zone (e.g. Europe/Berlin)", r->tz);
    if (r->n_rings == 0)
        s_bad(rc, r->line, "geometry", "a territory needs a polygon");
    for (size_t i = 0; i < r->n_rings; i++) {
        if (r->rings[i]->n_points < 4)
            s_bad(rc, r->line, "geometry", "ring %zu has fewer than 4 positions", i + 1);
        for (size_t k = 0; k < r->rings[i]->n_points; k++) {
            geo_point p = { r->rings[i]->points[k]->lat, r->rings[i]->points[k]->lon };
            if (!geo_valid(p)) {
                s_bad(rc, r->line, "geometry", "ring %zu has a position out of range", i + 1);
                break;
            }
        }
    }
}

static void s_check_provider(row_check *rc, const Fsd__ProviderRow *r)
{
    s_check_id(rc, r->line, "id", r->id);
    if (!r->name[0])
        s_bad(rc, r->line, "name", "a provider needs a name");
    for (size_t i = 0; i < r->n_territories; i++)
        if (!s_territory_known(rc->c->srv, r->territories[i]))
            s_bad(rc, r->line, "territories", "unknown territory %s (load territories first)",
                  r->territories[i]);
}

static void s_check_technician(row_check *rc, const Fsd__TechnicianRow *r)
{
    server *srv = rc->c->srv;
    s_check_id(rc, r->line, "id", r->id);
    if (!r->name[0])
        s_bad(rc, r->line, "name", "a technician needs a name");
    if (!strmap_get(srv->provider_by_id, r->provider_id))
        s_bad(rc, r->line, "provider", "unknown provider %s (load providers first)", r->provider_id);
    if (r->n_territories == 0)
        s_bad(rc, r->line, "territories", "a technician covers at least one territory");
    for (size_t i = 0; i < r->n_territories; i++)
        if (!s_territory_known(srv, r->territories[i]))
            s_bad(rc, r->line, "territories", "unknown territory %s", r->territories[i]);
    if (r->n_skills == 0)
        s_bad(rc, r->line, "skills", "a technician needs at least one skill");
    for (size_t i = 0; i < r->n_skills; i++)
        if (!category_known(r->skills[i]))
            s_bad(rc, r->line, "skills", "unknown appliance category %s", r->skills[i]);
    if (r->capacity < 1 || r->capacity > 50)
        s_bad(rc, r->line, "capacity", "capacity must be 1 to 50 jobs");
    shift sh;
    const char *why;
    if (shift_parse(r->shift, &sh, &why) < 0)
        s_bad(rc, r->line, "shift", "%s", why);
    geo_point p = { r->lat, r->lon };
    if (!geo_valid(p))
        s_bad(rc, r->line, "lat", "home position out of range");
}

static void s_check_product(row_check *rc, const Fsd__ProductRow *r)
{
    civil_date d;
    if (!r->serial[0] || strlen(r->serial) > 64)
        s_bad(rc, r->line, "serial", "a serial is 1 to 64 characters");
    else if (strmap_get(rc->seen, r->serial))
        s_bad(rc, r->line, "serial", "%s appears twice in this file", r->serial);
    else
        strmap_put(rc->seen, r->serial, (void *)1);
    if (!r->brand[0])
        s_bad(rc, r->line, "brand", "a product needs a brand");
    if (!category_known(r->category))
        s_bad(rc, r->line, "category", "unknown appliance category %s", r->category);
    if (civil_parse(r->purchase_date, &d) < 0)
        s_bad(rc, r->line, "purchase_date", "'%s' is not a date (YYYY-MM-DD)", r->purchase_date);
    if (r->warranty_months > 600)
        s_bad(rc, r->line, "warranty_months", "warranty_months must be 0 to 600");
    if (r->extended_until[0] && civil_parse(r->extended_until, &d) < 0)
        s_bad(rc, r->line, "extended_until", "'%s' is not a date (YYYY-MM-DD)", r->extended_until);
}

/* Checks a customer row (the phone as it will be stored, normalized). */
static void s_check_customer(row_check *rc, const Fsd__CustomerRow *r)
{
    char phone[24];
    if (phone_normalize(r->phone, phone, sizeof phone) < 0) {
        s_bad(rc, r->line, "phone", "'%s' is not a phone number", r->phone);
        return;
    }
    if (strmap_get(rc->seen, phone))
        s_bad(rc, r->line, "phone", "%s appears twice in this file", phone);
    strmap_put(rc->seen, phone, (void *)1);
    if (!r->name[0])
        s_bad(rc, r->line, "name", "a customer needs a name");
    if (r->tier[0] && strcmp(r->tier, "standard") != 0 && strcmp(r->tier, "priority") != 0)
        s_bad(rc, r->line, "tier", "tier is standard or priority, not %s", r->tier);
    if (r->language[0] && !template_language_valid(r->language))
        s_bad(rc, r->line, "language", "'%.40s' is not a language tag (like en, de, pt-BR)", r->language);
}

/* Replies with the load's outcome; on bad rows nothing was written. */
static void s_load_result(call *c, const char *kind, row_check *rc, size_t loaded)
{
    Fsd__LoadResult *r = arena_alloc(c->a, sizeof *r);
    fsd__load_result__init(r);
    r->kind = (char *)kind;
    r->loaded = rc->n ? 0 : (uint32_t)loaded;
    r->errors = rc->errors;
    r->n_errors = rc->n;
    if (rc->n) { /* refused rows: counted and logged like any rejection */
        c->srv->counters[C_INVALID]++;
        c->srv->counters[C_REJECTED]++;
        log_warn("rejected", "from=%s kind=load_%s code=rows_refused field=%s rows=%zu line=%u why=%s",
                 c->who->name, kind, rc->errors[0]->field[0] ? rc->errors[0]->field : "-", rc->n,
                 rc->errors[0]->line, log_quote(0, rc->errors[0]->message));
    }
    c->reply->body_case = FSD__ENVELOPE__BODY_LOAD_RESULT;
    c->reply->load_result = r;
}

/* Checks all rows, then writes them all (or none; none when check_only). */
#define LOAD_ALL(c, kind, msg, check, put)                                    \
    do {                                                                      \
        row_check rc = { .c = (c), .seen = strmap_new() };                    \
        for (size_t i = 0; i < (msg)->n_rows; i++)                            \
            check(&rc, (msg)->rows[i]);                                       \
        if ((msg)->n_rows == 0)                                               \
            s_bad(&rc, 0, "", "the file holds no rows");                      \
        strmap_destroy(&rc.seen);                                             \
        if (rc.n == 0 && !(msg)->check_only) {                                \
            for (size_t i = 0; i < (msg)->n_rows; i++)                        \
                if (put((c)->srv->store, (msg)->rows[i]) < 0)                 \
                    return -1;                                                \
            (c)->srv->reload_reference = true;                                \
        }                                                                     \
        s_load_result((c), kind, &rc, (msg)->check_only ? 0 : (msg)->n_rows); \
        return 0;                                                             \
    } while (0)

int admin_load_territories(call *c)
{
    /* territories may reference each other only geometrically: no lookups */
    LOAD_ALL(c, "territories", c->req->load_territories, s_check_territory, refrows_put_territory);
}

int admin_load_providers(call *c)
{
    LOAD_ALL(c, "providers", c->req->load_providers, s_check_provider, refrows_put_provider);
}

int admin_load_technicians(call *c)
{
    LOAD_ALL(c, "technicians", c->req->load_technicians, s_check_technician, refrows_put_technician);
}

int admin_load_products(call *c)
{
    LOAD_ALL(c, "products", c->req->load_products, s_check_product, refrows_put_product);
}

/* Stores a customer under its normalized phone and a default tier; the
   row itself belongs to the decoded request and is not modified. */
static int s_put_customer(store *st, const Fsd__CustomerRow *r)
{
    char phone[24];
    if (phone_normalize(r->phone, phone, sizeof phone) < 0)
        return -1;
    Fsd__CustomerRow copy = *r;
    copy.phone = phone;
    if (!copy.tier[0])
        copy.tier = "standard";
    if (refrows_put_customer(st, &copy) < 0)
        return -1;
    return store_customer_set_language(st, phone, r->language);
}

int admin_load_customers(call *c)
{
    LOAD_ALL(c, "customers", c->req->load_customers, s_check_customer, s_put_customer);
}

/* one SLA policy row; t collects the file's policies so that two
   rows with the same keys are refused. */
static void s_check_sla_policy(row_check *rc, const Fsd__SlaPolicyRow *r, sla_table *t)
{
    double minutes[SLA_N] = { r->assign_min, r->arrive_min, r->fix_min };
    sla_policy p;
    const char *field;
    char why[256];
    if (sla_policy_make(r->id, r->warranty, r->tier, r->urgency, minutes, r->clock, &p, &field, why,
                        sizeof why)
        < 0) {
        s_bad(rc, r->line, field, "%s", why);
        return;
    }
    if (strmap_get(rc->seen, r->id)) {
        s_bad(rc, r->line, "id", "%s appears twice in this file", r->id);
        return;
    }
    strmap_put(rc->seen, r->id, (void *)1);
    p.line = r->line;
    if (sla_table_add(t, &p, why, sizeof why) < 0)
        s_bad(rc, r->line, "warranty", "%s", why);
}

/* SLA policies replace the whole table (all rows or none). */
int admin_load_sla_policies(call *c)
{
    const Fsd__LoadSlaPolicies *m = c->req->load_sla_policies;
    row_check rc = { .c = c, .seen = strmap_new() };
    sla_table *t = sla_table_new();
    for (size_t i = 0; i < m->n_rows; i++)
        s_check_sla_policy(&rc, m->rows[i], t);
    if (m->n_rows == 0)
        s_bad(&rc, 0, "", "the file holds no rows");
    strmap_destroy(&rc.seen);
    sla_table_destroy(&t);
    if (rc.n == 0 && !m->check_only) {
        if (store_ref_clear(c->srv->store, STORE_REF_SLA_POLICY) < 0)
            return -1;
        for (size_t i = 0; i < m->n_rows; i++)
            if (refrows_put_sla_policy(c->srv->store, m->rows[i]) < 0)
                return -1;
        c->srv->reload_reference = true;
    }
    s_load_result(c, "sla policies", &rc, m->check_only ? 0 : m->n_rows);
    return 0;
}

/* one territory's working hours ("*": every territory without its own). */
static void s_check_working_hours(row_check *rc, const Fsd__WorkingHoursRow *r)
{
    if (strcmp(r->territory, "*") != 0 && !s_territory_known(rc->c->srv, r->territory))
        s_bad(rc, r->line, "territory", "unknown territory %s (load territories first; * for all)",
              r->territory);
    else if (strmap_get(rc->seen, r->territory))
        s_bad(rc, r->line, "territory", "%s appears twice in this file", r->territory);
    else
        strmap_put(rc->seen, r->territory, (void *)1);
    const char *field;
    char why[256];
    sla_hours *h =
        sla_hours_parse(r->hours, (const char *const *)r->closed, r->n_closed, &field, why, sizeof why);
    if (!h)
        s_bad(rc, r->line, field, "%s", why);
    sla_hours_destroy(&h);
}

/* working hours replace the whole table (all rows or none). */
int admin_load_working_hours(call *c)
{
    const Fsd__LoadWorkingHours *m = c->req->load_working_hours;
    row_check rc = { .c = c, .seen = strmap_new() };
    for (size_t i = 0; i < m->n_rows; i++)
        s_check_working_hours(&rc, m->rows[i]);
    if (m->n_rows == 0)
        s_bad(&rc, 0, "", "the file holds no rows");
    strmap_destroy(&rc.seen);
    if (rc.n == 0 && !m->check_only) {
        if (store_ref_clear(c->srv->store, STORE_REF_WORKING_HOURS) < 0)
            return -1;
        for (size_t i = 0; i < m->n_rows; i++)
            if (refrows_put_working_hours(c->srv->store, m->rows[i]) < 0)
                return -1;
        c->srv->reload_reference = true;
    }
    s_load_result(c, "territory hours", &rc, m->check_only ? 0 : m->n_rows);
    return 0;
}

int admin_set_customer(call *c)
{
    Fsd__CustomerRow *r = c->req->set_customer->customer;
    if (!r) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "customer", "customer is required");
        return 0;
    }
    row_check rc = { .c = c, .seen = strmap_new() };
    s_check_customer(&rc, r);
    strmap_destroy(&rc.seen);
    if (rc.n) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, rc.errors[0]->field, "%s",
                   rc.errors[0]->message);
        return 0;
    }
    if (s_put_customer(c->srv->store, r) < 0)
        return -1;
    Fsd__CustomerRow *stored;
    char phone[24];
    phone_normalize(r->phone, phone, sizeof phone);
    if (refrows_get_customer(c->srv->store, c->a, phone, &stored) <= 0)
        return -1;
    char language[16];
    if (store_customer_language(c->srv->store, phone, language, sizeof language) < 0)
        return -1;
    stored->language = arena_strdup(c->a, language);
    Fsd__CustomerView *v = arena_alloc(c->a, sizeof *v);
    fsd__customer_view__init(v);
    v->customer = stored;
    c->reply->body_case = FSD__ENVELOPE__BODY_CUSTOMER_VIEW;
    c->reply->customer_view = v;
    return 0;
}

int admin_add_principal(call *c)
{
    const Fsd__AddPrincipal *r = c->req->add_principal;
    if (!keys_valid_z85(r->public_key)) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "public_key",
                   "public_key must be a 40-character Z85 CURVE key");
        return 0;
    }
    if (!s_id_ok(r->name)) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "name",
                   "name must be 1-40 letters, digits, '-', '_' or '.'");
        return 0;
    }
    if (r->role < FSD__ROLE__ROLE_AGENT || r->role > FSD__ROLE__ROLE_PORTAL) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "role",
                   "role must be agent, intake, dispatcher, admin or portal");
        return 0;
    }
    const char *tech = "";
    if (r->role == FSD__ROLE__ROLE_AGENT) {
        tech = r->technician_id[0] ? r->technician_id : r->name;
        if (!world_tech(c->srv, tech)) {
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "technician_id",
                       "no technician %s (load technicians first)", tech);
            return 0;
        }
    }
    if (strcmp(r->name, c->who->name) == 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "name",
                   "an admin cannot replace its own key while using it");
        return 0;
    }
    store_key old;
    int known = store_key_get(c->srv->store, r->public_key, &old);
    if (known < 0)
        return -1;
    if (known && old.revoked_at) {
        call_error(c, FSD__ERROR_CODE__ERR_CONFLICT, "public_key",
                   "this public key was revoked (it was %s's): make a new key pair", old.name);
        return 0;
    }
    if (privacy_principal_scope(c, r)) /* privacy: a dispatcher's provider and territories */
        return 0;
    bool replaced;
    if (store_put_principal(c->srv->store, r->public_key, r->name, r->role, tech, &replaced) < 0)
        return -1;
    if (privacy_principal_store(c, r) < 0)
        return -1;
    c->srv->reload_reference = true;
    Fsd__PrincipalAdded *pa = arena_alloc(c->a, sizeof *pa);
    fsd__principal_added__init(pa);
    pa->name = r->name;
    pa->role = r->role;
    pa->replaced = replaced;
    c->reply->body_case = FSD__ENVELOPE__BODY_PRINCIPAL_ADDED;
    c->reply->principal_added = pa;
    return 0;
}

/* A key as the list shows it: last seen is the newer of the stored time
   and the one in memory (written at most once a minute). */
static Fsd__KeyInfo *s_key_info(call *c, const store_key *k)
{
    Fsd__KeyInfo *i = arena_alloc(c->a, sizeof *i);
    fsd__key_info__init(i);
    i->name = arena_strdup(c->a, k->name);
    i->role = (Fsd__Role)k->role;
    i->technician_id = arena_strdup(c->a, k->technician_id);
    i->created_at = k->created_at;
    int64_t seen = keyring_last_seen(c->srv->keyring, k->pub);
    i->last_seen = seen > k->last_seen ? seen : k->last_seen;
    i->revoked_at = k->revoked_at;
    i->revoked_by = arena_strdup(c->a, k->revoked_by);
    i->public_key = arena_strdup(c->a, k->pub);
    return i;
}

typedef struct {
    call *c;
    Fsd__KeyInfo **items;
    size_t n, cap;
} key_list;

/* Adds one key to the list (store_each_key callback). */
static void s_key_add(void *arg, const store_key *k)
{
    key_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        Fsd__KeyInfo **bigger = arena_alloc(l->c->a, cap * sizeof *bigger);
        if (l->n)
            memcpy(bigger, l->items, l->n * sizeof *bigger);
        l->items = bigger;
        l->cap = cap;
    }
    l->items[l->n++] = s_key_info(l->c, k);
}

/* Answers with a KeyList of the given items. */
static void s_key_list_reply(call *c, Fsd__KeyInfo **items, size_t n)
{
    Fsd__KeyList *l = arena_alloc(c->a, sizeof *l);
    fsd__key_list__init(l);
    l->keys = items;
    l->n_keys = n;
    c->reply->body_case = FSD__ENVELOPE__BODY_KEY_LIST;
    c->reply->key_list = l;
}

int admin_list_keys(call *c)
{
    key_list l = { c, NULL, 0, 0 };
    if (store_each_key(c->srv->store, s_key_add, &l) < 0)
        return -1;
    s_key_list_reply(c, l.items, l.n);
    return 0;
}

/* Revokes a key by its name. Revoking one's own key is refused (so an
   admin always remains: the one revoking); revoking a revoked key again
   answers with the first revocation and changes nothing. The key leaves
   the principals map at the reload after the commit, and its connections
   are cut then (keyring_cut). */
int admin_revoke_key(call *c)
{
    const char *name = c->req->revoke_key->name;
    if (!s_id_ok(name)) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "name",
                   "name must be 1-40 letters, digits, '-', '_' or '.'");
        return 0;
    }
    store_key k;
    int rc = store_key_get(c->srv->store, name, &k);
    if (rc < 0)
        return -1;
    if (rc == 0 || strcmp(k.name, name) != 0) {
        call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "name", "no key is registered under the name %s", name);
        return 0;
    }
    if (strcmp(k.pub, c->who->pub) == 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "name",
                   "%s is the key you are using: revoke it with another admin key", name);
        return 0;
    }
    if (!k.revoked_at) {
        int64_t now = wire_now_ms();
        if (store_key_revoke(c->srv->store, name, now, c->who->name) < 0
            || store_key_event(c->srv->store, now, "key_revoked", name, k.pub, c->who->name) < 0)
            return -1;
        k.revoked_at = now;
        snprintf(k.revoked_by, sizeof k.revoked_by, "%s", c->who->name);
        keyring_revoke(c->srv->keyring, k.pub, name);
        c->srv->reload_reference = true;
        log_info("key_revoked", "name=%s role=%s technician=%s by=%s", name,
                 wire_enum_name(&fsd__role__descriptor, k.role), k.technician_id[0] ? k.technician_id : "-",
                 c->who->name);
    }
    Fsd__KeyInfo **one = arena_alloc(c->a, sizeof *one);
    one[0] = s_key_info(c, &k);
    s_key_list_reply(c, one, 1);
    return 0;
}
