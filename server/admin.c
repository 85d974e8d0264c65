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
#include "retire.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsd/keys.h"
#include "fsd/utf8.h"
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

/* Text fields must be UTF-8 (a client other than fsdctl may send any
   bytes): a Latin-1 name would be stored and shown as null in JSON. */
static void s_check_text(row_check *rc, uint32_t line, const char *field, const char *text)
{
    if (!utf8_valid(text))
        s_bad(rc, line, field, "%s is not UTF-8 text: save the file as UTF-8 and load it again", field);
}

/* A territory row's rings as a polygon (arrays in the call's arena). */
static geo_poly s_row_poly(call *c, const Fsd__TerritoryRow *r)
{
    geo_ring *rings = arena_alloc(c->a, (r->n_rings ? r->n_rings : 1) * sizeof *rings);
    for (size_t i = 0; i < r->n_rings; i++) {
        geo_point *pts = arena_alloc(c->a, (r->rings[i]->n_points ? r->rings[i]->n_points : 1) * sizeof *pts);
        for (size_t k = 0; k < r->rings[i]->n_points; k++)
            pts[k] = (geo_point){ r->rings[i]->points[k]->lat, r->rings[i]->points[k]->lon };
        rings[i] = (geo_ring){ pts, r->rings[i]->n_points };
    }
    geo_poly poly = { rings, r->n_rings, 0, 0, 0, 0 };
    geo_poly_bbox(&poly);
    return poly;
}

/* The territory must lie in its time zone's region (a box per continent,
   geo_tz_region_contains): the centre of its bounding box is tested, and
   when that fails but the centre with latitude and longitude exchanged
   passes, the file has them swapped. Zones without a region (UTC, Etc/,
   oceans) are not tested. */
static void s_check_region(row_check *rc, const Fsd__TerritoryRow *r, const geo_poly *poly)
{
    geo_point mid = { (poly->min_lat + poly->max_lat) / 2, (poly->min_lon + poly->max_lon) / 2 };
    if (geo_tz_region_contains(r->tz, mid) != 0)
        return;
    geo_point swapped = { mid.lon, mid.lat };
    if (geo_valid(swapped) && geo_tz_region_contains(r->tz, swapped) == 1)
        s_bad(rc, r->line, "geometry",
              "the polygon lies at lat %.4f, lon %.4f, far outside the region of %s; with longitude and "
              "latitude swapped it would be inside: GeoJSON positions are [lon, lat], swap them",
              mid.lat, mid.lon, r->tz);
    else
        s_bad(rc, r->line, "geometry",
              "the polygon lies at lat %.4f, lon %.4f, far outside the region of its time zone %s: "
              "check the coordinates ([lon, lat]) and tz",
              mid.lat, mid.lon, r->tz);
}

/* Each ring must be simple: a boundary that crosses itself has no clear
   inside (the even-odd rule would leave holes where nobody meant them). */
static void s_check_rings_simple(row_check *rc, const Fsd__TerritoryRow *r, const geo_poly *poly)
{
    for (size_t i = 0; i < poly->n; i++) {
        size_t e1, e2;
        if (poly->rings[i].n >= 4 && geo_ring_self_intersects(&poly->rings[i], &e1, &e2))
            s_bad(rc, r->line, "geometry",
                  "ring %zu crosses itself (edge %zu, from position %zu, meets edge %zu, from position %zu): "
                  "draw the boundary without crossings",
                  i + 1, e1, e1, e2, e2);
    }
}

static void s_check_territory(row_check *rc, const Fsd__TerritoryRow *r)
{
    s_check_id(rc, r->line, "id", r->id);
    s_check_text(rc, r->line, "name", r->name);
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
                return;
            }
        }
    }
    if (r->n_rings == 0)
        return;
    geo_poly poly = s_row_poly(rc->c, r);
    s_check_rings_simple(rc, r, &poly);
    if (tzone_valid(r->tz))
        s_check_region(rc, r, &poly);
}

/* Territories must not overlap: a position in two of them would belong
   to whichever was loaded first. Each row is compared with the rows
   before it in the file and with the active territories already loaded
   that the file does not replace. */
static void s_check_overlaps(row_check *rc, Fsd__TerritoryRow *const *rows, size_t n)
{
    call *c = rc->c;
    geo_poly *polys = arena_alloc(c->a, (n ? n : 1) * sizeof *polys);
    strmap *in_file = strmap_new();
    for (size_t i = 0; i < n; i++) {
        polys[i] = s_row_poly(c, rows[i]);
        strmap_put(in_file, rows[i]->id, rows[i]);
    }
    for (size_t i = 0; i < n; i++) {
        const Fsd__TerritoryRow *r = rows[i];
        for (size_t k = 0; k < i; k++)
            if (strcmp(rows[k]->id, r->id) != 0 && geo_poly_overlap(&polys[i], &polys[k]))
                s_bad(rc, r->line, "geometry",
                      "territory %s overlaps territory %s (line %u): territories must not overlap; move "
                      "the shared boundary so that every place belongs to one territory",
                      r->id, rows[k]->id, rows[k]->line);
        for (size_t k = 0; k < c->srv->n_territories; k++) {
            const territory *t = &c->srv->territories[k];
            if (t->row->retired_at || strmap_get(in_file, t->row->id))
                continue;
            if (geo_poly_overlap(&polys[i], &t->poly))
                s_bad(rc, r->line, "geometry",
                      "territory %s overlaps territory %s, already loaded: territories must not overlap; "
                      "move the shared boundary (or retire %s, or load both with --replace)",
                      r->id, t->row->id, t->row->id);
        }
    }
    strmap_destroy(&in_file);
}

static void s_check_provider(row_check *rc, const Fsd__ProviderRow *r)
{
    s_check_id(rc, r->line, "id", r->id);
    s_check_text(rc, r->line, "name", r->name);
    for (size_t i = 0; i < r->n_brands; i++)
        s_check_text(rc, r->line, "brands", r->brands[i]);
    if (!r->name[0])
        s_bad(rc, r->line, "name", "a provider needs a name");
    for (size_t i = 0; i < r->n_territories; i++)
        if (!s_territory_known(rc->c->srv, r->territories[i]))
            s_bad(rc, r->line, "territories", "unknown territory %s (load territories first)",
                  r->territories[i]);
        else if (world_territory(rc->c->srv, r->territories[i])->row->retired_at)
            s_bad(rc, r->line, "territories", "territory %s is retired: load it again first",
                  r->territories[i]);
}

/* True when the provider's contract lists the territory. */
static bool s_contracted(const provider *p, const char *terr)
{
    for (size_t i = 0; i < p->row->n_territories; i++)
        if (strcmp(p->row->territories[i], terr) == 0)
            return true;
    return false;
}

/* How far a technician's home may be from the nearest of its territories:
   farther than this, the position is a typo (swapped, a sign lost). */
#define S_HOME_MAX_KM 50.0

/* The home position, when given, must lie in or near one of the
   technician's territories. */
static void s_check_home(row_check *rc, const Fsd__TechnicianRow *r)
{
    geo_point home = { r->lat, r->lon };
    if ((r->lat == 0 && r->lon == 0) || !geo_valid(home))
        return; /* no home given: it starts at its territory */
    geo_ring one = { &home, 1 };
    geo_poly at = { &one, 1, 0, 0, 0, 0 };
    geo_poly_bbox(&at);
    double best = INFINITY;
    const char *nearest = "";
    for (size_t i = 0; i < r->n_territories; i++) {
        territory *t = world_territory(rc->c->srv, r->territories[i]);
        if (!t)
            continue;
        double d = geo_poly_contains(&t->poly, home) ? 0 : geo_poly_gap_km(&at, &t->poly);
        if (d < best) {
            best = d;
            nearest = t->row->id;
        }
    }
    if (isfinite(best) && best > S_HOME_MAX_KM)
        s_bad(rc, r->line, "lat",
              "home position %.5f,%.5f is %.0f km from the nearest of its territories (%s); a home more "
              "than %.0f km outside them is a mistake: check lat and lon (swapped? a sign lost?)",
              r->lat, r->lon, best, nearest, S_HOME_MAX_KM);
}

static void s_check_technician(row_check *rc, const Fsd__TechnicianRow *r)
{
    server *srv = rc->c->srv;
    s_check_id(rc, r->line, "id", r->id);
    if (!r->name[0])
        s_bad(rc, r->line, "name", "a technician needs a name");
    s_check_text(rc, r->line, "name", r->name);
    const provider *prov = strmap_get(srv->provider_by_id, r->provider_id);
    if (!prov)
        s_bad(rc, r->line, "provider", "unknown provider %s (load providers first)", r->provider_id);
    else if (prov->row->retired_at)
        s_bad(rc, r->line, "provider", "provider %s is retired: load it again first", r->provider_id);
    if (r->n_territories == 0)
        s_bad(rc, r->line, "territories", "a technician covers at least one territory");
    for (size_t i = 0; i < r->n_territories; i++)
        if (!s_territory_known(srv, r->territories[i]))
            s_bad(rc, r->line, "territories", "unknown territory %s", r->territories[i]);
        else if (prov && !s_contracted(prov, r->territories[i]))
            s_bad(rc, r->line, "territories",
                  "territory %s is not in the contract of provider %s: add it to the provider's territories "
                  "(providers file) or take it off this technician",
                  r->territories[i], prov->row->id);
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
    else
        s_check_home(rc, r);
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
    s_check_text(rc, r->line, "brand", r->brand);
    s_check_text(rc, r->line, "model", r->model);
    s_check_text(rc, r->line, "owner", r->owner);
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
    s_check_text(rc, r->line, "name", r->name);
    s_check_text(rc, r->line, "note", r->note);
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

/* ---- territories, providers and technicians: what a load changes.
   Each row is compared with the one the world holds under its id (the
   encoded rows, without their line and retirement): new or retired
   before, it is added; different, changed. With replace, the active
   rows the file does not hold are retired as `fsdctl ... retire` would. */
typedef enum { S_TERRITORIES, S_PROVIDERS, S_TECHNICIANS } s_ref;

static const char *s_ref_id(s_ref kind, const void *row)
{
    switch (kind) {
    case S_TERRITORIES: return ((const Fsd__TerritoryRow *)row)->id;
    case S_PROVIDERS: return ((const Fsd__ProviderRow *)row)->id;
    default: return ((const Fsd__TechnicianRow *)row)->id;
    }
}

/* The row of the i-th known item of a kind, and how many there are. */
static size_t s_ref_count(server *srv, s_ref kind)
{
    return kind == S_TERRITORIES ? srv->n_territories : kind == S_PROVIDERS ? srv->n_providers : srv->n_techs;
}
static const void *s_ref_row(server *srv, s_ref kind, size_t i)
{
    switch (kind) {
    case S_TERRITORIES: return srv->territories[i].row;
    case S_PROVIDERS: return srv->providers[i].row;
    default: return srv->techs[i].row;
    }
}
static int64_t s_ref_retired(s_ref kind, const void *row)
{
    switch (kind) {
    case S_TERRITORIES: return ((const Fsd__TerritoryRow *)row)->retired_at;
    case S_PROVIDERS: return ((const Fsd__ProviderRow *)row)->retired_at;
    default: return ((const Fsd__TechnicianRow *)row)->retired_at;
    }
}

/* The known row under id, or NULL. */
static const void *s_ref_known(server *srv, s_ref kind, const char *id)
{
    if (kind == S_TERRITORIES) {
        territory *t = world_territory(srv, id);
        return t ? t->row : NULL;
    }
    if (kind == S_PROVIDERS) {
        provider *p = strmap_get(srv->provider_by_id, id);
        return p ? p->row : NULL;
    }
    technician *t = world_tech(srv, id);
    return t ? t->row : NULL;
}

/* The row encoded without its line and retirement (arena bytes). */
static uint8_t *s_ref_pack(call *c, s_ref kind, const void *row, size_t *len)
{
    union {
        Fsd__TerritoryRow t;
        Fsd__ProviderRow p;
        Fsd__TechnicianRow x;
    } u;
    const ProtobufCMessage *m;
    switch (kind) {
    case S_TERRITORIES:
        u.t = *(const Fsd__TerritoryRow *)row;
        u.t.line = 0;
        u.t.retired_at = 0;
        m = &u.t.base;
        break;
    case S_PROVIDERS:
        u.p = *(const Fsd__ProviderRow *)row;
        u.p.line = 0;
        u.p.retired_at = 0;
        m = &u.p.base;
        break;
    default:
        u.x = *(const Fsd__TechnicianRow *)row;
        u.x.line = 0;
        u.x.retired_at = 0;
        m = &u.x.base;
        break;
    }
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = arena_alloc(c->a, *len ? *len : 1);
    protobuf_c_message_pack(m, buf);
    return buf;
}

static bool s_ref_same(call *c, s_ref kind, const void *a, const void *b)
{
    size_t na, nb;
    uint8_t *pa = s_ref_pack(c, kind, a, &na), *pb = s_ref_pack(c, kind, b, &nb);
    return na == nb && memcmp(pa, pb, na) == 0;
}

/* A growable list of ids in the arena. */
typedef struct {
    char **v;
    size_t n, cap;
} s_ids;

static void s_ids_add(call *c, s_ids *l, const char *id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **bigger = arena_alloc(c->a, cap * sizeof *bigger);
        if (l->n)
            memcpy(bigger, l->v, l->n * sizeof *bigger);
        l->v = bigger;
        l->cap = cap;
    }
    l->v[l->n++] = (char *)id;
}

/* What the load adds, changes and (with replace) retires; a provider or
   territory to retire that is still in use refuses the load (line 0). */
static void s_ref_diff(row_check *rc, s_ref kind, void *const *rows, size_t n, bool replace, s_ids *added,
                       s_ids *changed, s_ids *retired)
{
    call *c = rc->c;
    strmap *in_file = strmap_new();
    for (size_t i = 0; i < n; i++) {
        const char *id = s_ref_id(kind, rows[i]);
        strmap_put(in_file, id, rows[i]);
        const void *known = s_ref_known(c->srv, kind, id);
        if (!known || s_ref_retired(kind, known))
            s_ids_add(c, added, id);
        else if (!s_ref_same(c, kind, known, rows[i]))
            s_ids_add(c, changed, id);
    }
    for (size_t i = 0; replace && i < s_ref_count(c->srv, kind); i++) {
        const void *row = s_ref_row(c->srv, kind, i);
        const char *id = s_ref_id(kind, row);
        if (s_ref_retired(kind, row) || strmap_get(in_file, id))
            continue;
        char why[512];
        if (kind == S_PROVIDERS && retire_provider_in_use(c->srv, &c->srv->providers[i], why, sizeof why))
            s_bad(rc, 0, "id", "%s is not in the file, but %s", id, why);
        else if (kind == S_TERRITORIES
                 && retire_territory_in_use(c->srv, &c->srv->territories[i], why, sizeof why))
            s_bad(rc, 0, "id", "%s is not in the file, but %s", id, why);
        s_ids_add(c, retired, id);
    }
    strmap_destroy(&in_file);
}

/* Retires what a replacing load left out; notes say what became of
   their open jobs. 0 or -1. */
static int s_ref_retire(call *c, s_ref kind, const s_ids *retired, const char *source, s_ids *notes)
{
    char reason[160];
    snprintf(reason, sizeof reason, "not in %s (loaded with --replace)", source[0] ? source : "the file");
    for (size_t i = 0; i < retired->n; i++) {
        Fsd__Retired out = FSD__RETIRED__INIT;
        const char *id = retired->v[i];
        int rc;
        if (kind == S_TECHNICIANS)
            rc = retire_technician(c, world_tech(c->srv, id), reason, &out);
        else if (kind == S_PROVIDERS)
            rc = retire_provider(c, strmap_get(c->srv->provider_by_id, id), &out);
        else
            rc = retire_territory(c, world_territory(c->srv, id), &out);
        if (rc < 0)
            return -1;
        char line[320];
        for (size_t k = 0; k < out.n_moved; k++) {
            snprintf(line, sizeof line, "%s: job %s went back to matching", id, out.moved[k]);
            s_ids_add(c, notes, arena_strdup(c->a, line));
        }
        for (size_t k = 0; k < out.n_kept; k++) {
            snprintf(line, sizeof line, "%s: job %s", id, out.kept[k]);
            s_ids_add(c, notes, arena_strdup(c->a, line));
        }
    }
    return 0;
}

/* Loads territories, providers or technicians: all rows or none. */
static int s_load_ref(call *c, s_ref kind, const char *name, void *const *rows, size_t n, const char *source,
                      bool check_only, bool replace, void (*check)(row_check *, const void *),
                      int (*put)(store *, const void *))
{
    row_check rc = { .c = c, .seen = strmap_new() };
    for (size_t i = 0; i < n; i++)
        check(&rc, rows[i]);
    strmap_destroy(&rc.seen);
    if (n == 0)
        s_bad(&rc, 0, "", "the file holds no rows");
    if (kind == S_TERRITORIES && rc.n == 0)
        s_check_overlaps(&rc, (Fsd__TerritoryRow *const *)rows, n);
    s_ids added = { 0 }, changed = { 0 }, retired = { 0 }, notes = { 0 };
    if (rc.n == 0)
        s_ref_diff(&rc, kind, rows, n, replace, &added, &changed, &retired);
    if (rc.n == 0 && !check_only) {
        for (size_t i = 0; i < n; i++)
            if (put(c->srv->store, rows[i]) < 0)
                return -1;
        if (s_ref_retire(c, kind, &retired, source, &notes) < 0)
            return -1;
        c->srv->reload_reference = true;
    }
    s_load_result(c, name, &rc, check_only ? 0 : n);
    Fsd__LoadResult *r = c->reply->load_result;
    if (rc.n == 0) {
        r->added = added.v;
        r->n_added = added.n;
        r->changed = changed.v;
        r->n_changed = changed.n;
        r->retired = retired.v;
        r->n_retired = retired.n;
        r->notes = notes.v;
        r->n_notes = notes.n;
    }
    return 0;
}

static void s_check_territory_any(row_check *rc, const void *r)
{
    s_check_territory(rc, r);
}
static void s_check_provider_any(row_check *rc, const void *r)
{
    s_check_provider(rc, r);
}
static void s_check_technician_any(row_check *rc, const void *r)
{
    s_check_technician(rc, r);
}
static int s_put_territory_any(store *st, const void *r)
{
    return refrows_put_territory(st, r);
}
static int s_put_provider_any(store *st, const void *r)
{
    return refrows_put_provider(st, r);
}
static int s_put_technician_any(store *st, const void *r)
{
    return refrows_put_technician(st, r);
}

int admin_load_territories(call *c)
{
    /* territories may reference each other only geometrically: no lookups */
    const Fsd__LoadTerritories *m = c->req->load_territories;
    return s_load_ref(c, S_TERRITORIES, "territories", (void *const *)m->rows, m->n_rows, m->source,
                      m->check_only, m->replace, s_check_territory_any, s_put_territory_any);
}

int admin_load_providers(call *c)
{
    const Fsd__LoadProviders *m = c->req->load_providers;
    return s_load_ref(c, S_PROVIDERS, "providers", (void *const *)m->rows, m->n_rows, m->source,
                      m->check_only, m->replace, s_check_provider_any, s_put_provider_any);
}

int admin_load_technicians(call *c)
{
    const Fsd__LoadTechnicians *m = c->req->load_technicians;
    return s_load_ref(c, S_TECHNICIANS, "technicians", (void *const *)m->rows, m->n_rows, m->source,
                      m->check_only, m->replace, s_check_technician_any, s_put_technician_any);
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

/* ---- appliance categories: the file is the whole catalogue. */

static void s_check_category(row_check *rc, const Fsd__CategoryRow *r)
{
    s_check_id(rc, r->line, "id", r->id);
    s_check_text(rc, r->line, "name", r->name);
    if (!r->name[0])
        s_bad(rc, r->line, "name", "a category needs a name");
    if (r->duration_min < 1 || r->duration_min > 1440)
        s_bad(rc, r->line, "duration_min", "duration_min is the minutes of work on site: 1 to 1440");
}

/* Whether active technicians still have a category the file leaves
   out as a skill (why says who). */
static bool s_category_in_use(server *srv, int index, char *why, size_t len)
{
    size_t techs = 0;
    const char *first = "";
    for (size_t i = 0; i < srv->n_techs; i++)
        for (size_t k = 0; !srv->techs[i].row->retired_at && k < srv->techs[i].row->n_skills; k++)
            if (category_index(srv->techs[i].row->skills[k]) == index) {
                if (!techs++)
                    first = srv->techs[i].row->id;
                break;
            }
    if (techs)
        snprintf(why, len,
                 "%zu active technician(s) have it as a skill (first %s): change their skills first", techs,
                 first);
    return techs > 0;
}

/* Counts the open jobs of a category (strmap_each callback). */
typedef struct {
    int index;
    size_t n;
    const char *first;
} s_cat_jobs;

static void s_cat_job(const char *key, void *value, void *arg)
{
    s_cat_jobs *cj = arg;
    const job *j = value;
    if (j->category == cj->index && job_state_is_open(j->state) && !cj->n++)
        cj->first = key;
}

int admin_load_categories(call *c)
{
    const Fsd__LoadCategories *m = c->req->load_categories;
    server *srv = c->srv;
    row_check rc = { .c = c, .seen = strmap_new() };
    for (size_t i = 0; i < m->n_rows; i++)
        s_check_category(&rc, m->rows[i]);
    if (m->n_rows == 0)
        s_bad(&rc, 0, "", "the file holds no rows");
    /* new ids take the next free indexes; the catalogue has CATEGORY_MAX */
    size_t used;
    category_list(&used);
    size_t fresh = 0;
    for (size_t i = 0; i < m->n_rows; i++)
        if (category_index(m->rows[i]->id) < 0 && used + ++fresh > CATEGORY_MAX)
            s_bad(&rc, m->rows[i]->line, "id",
                  "%s would be category number %zu: at most %d categories ever (a technician's skills are a "
                  "64-bit set); reuse an old id",
                  m->rows[i]->id, used + fresh, CATEGORY_MAX);
    s_ids added = { 0 }, changed = { 0 }, retired = { 0 };
    for (size_t i = 0; i < m->n_rows; i++) {
        const Fsd__CategoryRow *r = m->rows[i];
        if (!category_known(r->id))
            s_ids_add(c, &added, r->id);
        else if (strcmp(category_name(r->id), r->name) != 0
                 || category_duration_min(r->id) != (int)r->duration_min)
            s_ids_add(c, &changed, r->id);
    }
    const char *const *ids = category_list(&used);
    for (size_t i = 0; i < used; i++) {
        if (!category_known(ids[i]) || strmap_get(rc.seen, ids[i]))
            continue;
        char why[256];
        s_cat_jobs cj = { (int)i, 0, "" };
        strmap_each(srv->jobs, s_cat_job, &cj);
        if (s_category_in_use(srv, (int)i, why, sizeof why))
            s_bad(&rc, 0, "id", "category %s is not in the file, but %s", ids[i], why);
        else if (cj.n)
            s_bad(&rc, 0, "id", "category %s is not in the file, but %zu open job(s) need it (first %s)",
                  ids[i], cj.n, cj.first);
        s_ids_add(c, &retired, ids[i]);
    }
    strmap_destroy(&rc.seen);
    if (rc.n == 0 && !m->check_only) {
        if (store_ref_clear(srv->store, STORE_REF_CATEGORY) < 0)
            return -1;
        /* the new catalogue in memory now (indexes), then stored whole */
        category_deactivate_all();
        for (size_t i = 0; i < m->n_rows; i++)
            category_define(m->rows[i]->id, m->rows[i]->name, (int)m->rows[i]->duration_min, -1, true);
        ids = category_list(&used);
        for (size_t i = 0; i < used; i++) {
            Fsd__CategoryRow row = FSD__CATEGORY_ROW__INIT;
            row.id = (char *)ids[i];
            row.name = (char *)category_name(ids[i]);
            row.duration_min = (uint32_t)category_duration_min(ids[i]);
            row.index = (int32_t)i;
            row.active = category_known(ids[i]);
            if (ids[i][0] && refrows_put_category(srv->store, &row) < 0)
                return -1;
        }
        srv->reload_reference = true;
    }
    s_load_result(c, "categories", &rc, m->check_only ? 0 : m->n_rows);
    if (rc.n == 0) {
        Fsd__LoadResult *r = c->reply->load_result;
        r->added = added.v;
        r->n_added = added.n;
        r->changed = changed.v;
        r->n_changed = changed.n;
        r->retired = retired.v;
        r->n_retired = retired.n;
    }
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
