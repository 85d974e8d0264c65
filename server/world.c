/*  world.c — the in-memory view the loop serves from.

    Built from the database at start, after a load commits (reference data)
    and after a failed commit (open jobs and sessions). It holds what
    matching needs to be fast: territories with their polygons and
    neighbours, technicians with their coverage, skills, shift and live
    status, and the open jobs. Closed and cancelled jobs live only on disk. */
#include "world.h"

#include "dispatch.h"
#include "privacy.h"
#include "server.h"
#include "watch.h"
#include "windows.h"
#include "refrows.h"
#include "jobview.h"

#include <stdio.h>
#include <assert.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include "fsd/log.h"
#include "fsd/xalloc.h"
#include "fsd/wire.h"

/* Frees one territory's derived geometry and its row. */
static void s_territory_free(territory *t)
{
    for (size_t i = 0; i < t->poly.n; i++)
        free(t->ring_pts[i]);
    free(t->ring_pts);
    free(t->rings);
    free(t->neighbours);
    free(t->reach);
    if (t->row)
        fsd__territory_row__free_unpacked(t->row, NULL);
}

/* Frees the reference part of the world (territories, providers, technicians). */
static void s_reference_free(server *srv)
{
    for (size_t i = 0; i < srv->n_territories; i++)
        s_territory_free(&srv->territories[i]);
    free(srv->territories);
    for (size_t i = 0; i < srv->n_providers; i++)
        fsd__provider_row__free_unpacked(srv->providers[i].row, NULL);
    free(srv->providers);
    for (size_t i = 0; i < srv->n_techs; i++) {
        fsd__technician_row__free_unpacked(srv->techs[i].row, NULL);
        free(srv->techs[i].territories);
    }
    free(srv->techs);
    srv->territories = NULL;
    srv->providers = NULL;
    srv->techs = NULL;
    srv->n_territories = srv->n_providers = srv->n_techs = 0;
    strmap_destroy(&srv->territory_by_id);
    strmap_destroy(&srv->provider_by_id);
    strmap_destroy(&srv->tech_by_id);
    geo_grid_destroy(&srv->grid);
}

/* Frees a principal entry (strmap_each callback). */
static void s_principal_free(const char *key, void *value, void *arg)
{
    principal *p = value;
    free(p->name);
    free(p->technician_id);
    privacy_principal_free(p);
    free(p);
}

/* Frees an open job (strmap_each callback). */
static void s_job_free_cb(const char *key, void *value, void *arg)
{
    world_job_free(value);
}

void world_job_free(job *j)
{
    if (!j)
        return;
    jobview_free_text(j);
    free(j->declined);
    free(j);
}

void world_free(server *srv)
{
    s_reference_free(srv);
    sla_world_free(srv);
    if (srv->principals) {
        strmap_each(srv->principals, s_principal_free, NULL);
        strmap_destroy(&srv->principals);
    }
    dispatch_unschedule_all(srv);
    free(srv->moved);
    srv->moved = NULL;
    srv->cap_moved = 0;
    pheap_free(&srv->timers);
    pheap_free(&srv->waiting);
    if (srv->jobs) {
        strmap_each(srv->jobs, s_job_free_cb, NULL);
        strmap_destroy(&srv->jobs);
    }
}

/* Appends a row to a growing array (the store callbacks). */
typedef struct {
    void **rows;
    size_t n, cap;
} row_list;

static void s_collect(void *arg, void *row)
{
    row_list *l = arg;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->rows = fsd_xrealloc(l->rows, l->cap * sizeof *l->rows);
    }
    l->rows[l->n++] = row;
}

/* Builds the polygon of a territory from its row. */
static void s_territory_geometry(territory *t)
{
    size_t n = t->row->n_rings;
    t->rings = fsd_xcalloc(n ? n : 1, sizeof *t->rings);
    t->ring_pts = fsd_xcalloc(n ? n : 1, sizeof *t->ring_pts);
    for (size_t i = 0; i < n; i++) {
        Fsd__Ring *r = t->row->rings[i];
        t->ring_pts[i] = fsd_xcalloc(r->n_points ? r->n_points : 1, sizeof(geo_point));
        for (size_t k = 0; k < r->n_points; k++)
            t->ring_pts[i][k] = (geo_point){ r->points[k]->lat, r->points[k]->lon };
        t->rings[i] = (geo_ring){ t->ring_pts[i], r->n_points };
    }
    t->poly.rings = t->rings;
    t->poly.n = n;
    geo_poly_bbox(&t->poly);
}

/* Territories whose boundaries come within neighbour_km are neighbours. */
static void s_territory_neighbours(server *srv)
{
    for (size_t i = 0; i < srv->n_territories; i++) {
        territory *a = &srv->territories[i];
        a->neighbours = fsd_xcalloc(srv->n_territories ? srv->n_territories : 1, sizeof(int));
        for (size_t k = 0; k < srv->n_territories; k++) {
            if (k == i)
                continue;
            territory *b = &srv->territories[k];
            /* bounding boxes far apart cannot be neighbours */
            double pad = srv->cfg.neighbour_km / 100.0;
            if (b->poly.min_lat > a->poly.max_lat + pad || b->poly.max_lat < a->poly.min_lat - pad
                || b->poly.min_lon > a->poly.max_lon + pad || b->poly.max_lon < a->poly.min_lon - pad)
                continue;
            if (geo_poly_gap_km(&a->poly, &b->poly) <= srv->cfg.neighbour_km)
                a->neighbours[a->n_neighbours++] = (int)k;
        }
    }
}

/* Every territory's reach: the technicians covering it or a neighbour,
   each once; with 64 territories or fewer, coverage as bit masks too. */
static void s_index_coverage(server *srv)
{
    srv->masks = srv->n_territories <= 64;
    for (size_t i = 0; i < srv->n_techs && srv->masks; i++) {
        technician *t = &srv->techs[i];
        for (size_t k = 0; k < t->n_territories; k++)
            t->cover_mask |= 1ull << t->territories[k];
    }
    uint32_t *mark = fsd_xcalloc(srv->n_techs ? srv->n_techs : 1, sizeof *mark);
    for (size_t i = 0; i < srv->n_territories; i++) {
        territory *tr = &srv->territories[i];
        tr->near_mask = srv->masks ? 1ull << i : 0;
        for (size_t k = 0; k < tr->n_neighbours && srv->masks; k++)
            tr->near_mask |= 1ull << tr->neighbours[k];
        tr->reach = fsd_xmalloc((srv->n_techs ? srv->n_techs : 1) * sizeof *tr->reach);
        for (size_t k = 0; k < srv->n_techs; k++) {
            bool own;
            if (mark[k] != i + 1 && world_tech_reaches(srv, &srv->techs[k], (int)i, &own)) {
                mark[k] = (uint32_t)i + 1;
                tr->reach[tr->n_reach++] = (int)k;
            }
        }
        tr->reach = fsd_xrealloc(tr->reach, (tr->n_reach ? tr->n_reach : 1) * sizeof *tr->reach);
    }
    free(mark);
}

/* A grid cell holding a few technicians on average over the territories'
   bounding box: small cells let a match stop after a few of them. */
static double s_grid_cell_km(const server *srv, size_t n_techs)
{
    double lat0 = 90, lat1 = -90, lon0 = 180, lon1 = -180;
    for (size_t i = 0; i < srv->n_territories; i++) {
        const geo_poly *p = &srv->territories[i].poly;
        if (!(p->min_lat <= p->max_lat))
            continue;
        lat0 = p->min_lat < lat0 ? p->min_lat : lat0;
        lat1 = p->max_lat > lat1 ? p->max_lat : lat1;
        lon0 = p->min_lon < lon0 ? p->min_lon : lon0;
        lon1 = p->max_lon > lon1 ? p->max_lon : lon1;
    }
    if (lat0 > lat1 || n_techs == 0)
        return 2.0;
    geo_point sw = { lat0, lon0 }, nw = { lat1, lon0 }, se = { lat0, lon1 };
    double area = geo_distance_km(sw, nw) * geo_distance_km(sw, se);
    double km = sqrt(area * 4.0 / (double)n_techs);
    return km < 0.1 ? 0.1 : km > 2.0 ? 2.0 : km;
}

int world_category(const char *name)
{
    size_t n;
    const char *const *list = category_list(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return (int)i;
    return -1;
}

/* Resolves a technician's provider, territories, skills and shift. */
static void s_tech_resolve(server *srv, technician *t)
{
    t->provider = strmap_get(srv->provider_by_id, t->row->provider_id);
    t->capacity = t->row->capacity;
    t->territories = fsd_xcalloc(t->row->n_territories ? t->row->n_territories : 1, sizeof(int));
    for (size_t i = 0; i < t->row->n_territories; i++) {
        territory *terr = strmap_get(srv->territory_by_id, t->row->territories[i]);
        if (terr)
            t->territories[t->n_territories++] = (int)(terr - srv->territories);
    }
    for (size_t i = 0; i < t->row->n_skills; i++) {
        int c = world_category(t->row->skills[i]);
        if (c >= 0)
            t->skills |= 1u << c;
    }
    const char *why;
    if (shift_parse(t->row->shift, &t->shift, &why) < 0)
        shift_parse("24h", &t->shift, &why);
    t->pos = (geo_point){ t->row->lat, t->row->lon };
}

/* Carries live status of technicians from the old world to the new one. */
static void s_tech_carry(technician *fresh, const technician *old)
{
    fresh->pos = old->pos;
    fresh->pos_at = old->pos_at;
    fresh->online = old->online;
    fresh->last_seen = old->last_seen;
    memcpy(fresh->rid, old->rid, old->rid_len);
    fresh->rid_len = old->rid_len;
    fresh->out_seq = old->out_seq;
    fresh->out_sent = old->out_sent;
    fresh->out_acked = old->out_acked;
    fresh->in_seq = old->in_seq;
    fresh->recent = old->recent;
    memcpy(fresh->prev_rid, old->prev_rid, old->prev_rid_len);
    fresh->prev_rid_len = old->prev_rid_len;
    fresh->prev_seen = old->prev_seen;
    memcpy(fresh->gone_rid, old->gone_rid, old->gone_rid_len);
    fresh->gone_rid_len = old->gone_rid_len;
    memcpy(fresh->device_id, old->device_id, sizeof fresh->device_id);
}

/* Adds a principal row to the map (store callback). */
static void s_principal_add(void *arg, const char *pub, const char *name, int r, const char *tech)
{
    server *srv = arg;
    principal *p = fsd_xcalloc(1, sizeof *p);
    snprintf(p->pub, sizeof p->pub, "%s", pub);
    p->name = fsd_xstrdup(name);
    p->role = (role)r;
    p->technician_id = fsd_xstrdup(tech ? tech : "");
    principal *old = strmap_get(srv->principals, pub);
    if (old)
        s_principal_free(pub, old, NULL);
    strmap_put(srv->principals, pub, p);
}

int world_load_reference(server *srv, char *err, size_t errlen)
{
    /* keep the old technicians until their live status has been copied */
    technician *old_techs = srv->techs;
    size_t n_old = srv->n_techs;
    strmap *old_by_id = srv->tech_by_id;
    srv->techs = NULL;
    srv->n_techs = 0;
    srv->tech_by_id = NULL;
    technician *keep_techs = old_techs;
    s_reference_free(srv);

    row_list terr = { 0 }, prov = { 0 }, tech = { 0 };
    if (refrows_each_territory(srv->store, (void (*)(void *, Fsd__TerritoryRow *))s_collect, &terr) < 0
        || refrows_each_provider(srv->store, (void (*)(void *, Fsd__ProviderRow *))s_collect, &prov) < 0
        || refrows_each_technician(srv->store, (void (*)(void *, Fsd__TechnicianRow *))s_collect, &tech)
               < 0) {
        snprintf(err, errlen, "cannot read reference data: %s", store_errmsg(srv->store));
        return -1;
    }
    srv->territory_by_id = strmap_new();
    srv->provider_by_id = strmap_new();
    srv->tech_by_id = strmap_new();

    srv->n_territories = terr.n;
    srv->territories = fsd_xcalloc(terr.n ? terr.n : 1, sizeof(territory));
    for (size_t i = 0; i < terr.n; i++) {
        srv->territories[i].row = terr.rows[i];
        s_territory_geometry(&srv->territories[i]);
        strmap_put(srv->territory_by_id, srv->territories[i].row->id, &srv->territories[i]);
    }
    s_territory_neighbours(srv);
    srv->grid = geo_grid_new(s_grid_cell_km(srv, tech.n));

    srv->n_providers = prov.n;
    srv->providers = fsd_xcalloc(prov.n ? prov.n : 1, sizeof(provider));
    for (size_t i = 0; i < prov.n; i++) {
        srv->providers[i].row = prov.rows[i];
        strmap_put(srv->provider_by_id, srv->providers[i].row->id, &srv->providers[i]);
    }

    srv->n_techs = tech.n;
    srv->techs = fsd_xcalloc(tech.n ? tech.n : 1, sizeof(technician));
    for (size_t i = 0; i < tech.n; i++) {
        technician *t = &srv->techs[i];
        t->row = tech.rows[i];
        t->index = (int)i;
        s_tech_resolve(srv, t);
        technician *old = old_by_id ? strmap_get(old_by_id, t->row->id) : NULL;
        if (old)
            s_tech_carry(t, old);
        else
            store_session_get(srv->store, t->row->id, &t->out_seq, &t->in_seq);
        strmap_put(srv->tech_by_id, t->row->id, t);
        geo_grid_put(srv->grid, (int)i, t->pos);
    }
    free(terr.rows);
    free(prov.rows);
    free(tech.rows);
    s_index_coverage(srv);
    world_recent_floor(srv);
    world_weigh_all(srv);

    for (size_t i = 0; i < n_old; i++) {
        fsd__technician_row__free_unpacked(keep_techs[i].row, NULL);
        free(keep_techs[i].territories);
    }
    free(keep_techs);
    strmap_destroy(&old_by_id);
    if (sla_world_load(srv, err, errlen) < 0)
        return -1;

    if (srv->principals) {
        strmap_each(srv->principals, s_principal_free, NULL);
        strmap_destroy(&srv->principals);
    }
    srv->principals = strmap_new();
    if (store_each_principal(srv->store, s_principal_add, srv) < 0) {
        snprintf(err, errlen, "cannot read principals: %s", store_errmsg(srv->store));
        return -1;
    }
    if (privacy_load_scopes(srv) < 0) {
        snprintf(err, errlen, "cannot read principals' scopes: %s", store_errmsg(srv->store));
        return -1;
    }
    /* jobs point at technicians: rebuild them against the new array */
    if (srv->jobs && world_load_jobs(srv) < 0) {
        snprintf(err, errlen, "cannot read jobs: %s", store_errmsg(srv->store));
        return -1;
    }
    log_info("reference", "territories=%zu providers=%zu technicians=%zu principals=%zu", srv->n_territories,
             srv->n_providers, srv->n_techs, strmap_size(srv->principals));
    return 0;
}

/* The open jobs being read back, and whether memory ran out doing it. */
typedef struct {
    server *srv;
    int rc;
} s_job_load;

/* Adds an open job read from the database (store callback). */
static void s_job_add(void *arg, const store_job *sj)
{
    s_job_load *load = arg;
    server *srv = load->srv;
    job *j = fsd_xcalloc(1, sizeof *j);
    snprintf(j->id, sizeof j->id, "%s", sj->id);
    j->state = (job_state)sj->state;
    territory *t = strmap_get(srv->territory_by_id, sj->territory);
    j->territory = t ? (int)(t - srv->territories) : -1;
    j->at = (geo_point){ sj->lat, sj->lon };
    j->category = world_category(sj->category);
    job_text text = { .phone = sj->phone,
                      .customer_name = sj->customer_name,
                      .tier = sj->tier,
                      .address = sj->address,
                      .brand = sj->brand,
                      .serial = sj->serial,
                      .model = sj->model,
                      .problem = sj->problem };
    jobview_keep_text(j, &text);
    j->version = sj->version;
    j->warranty = (warranty_status)sj->warranty;
    j->prio = (priority)sj->priority;
    j->created_at = sj->created_at;
    j->assign_by = sj->assign_by;
    j->arrive_by = sj->arrive_by;
    j->offer_expires_at = sj->offer_expires_at;
    j->risk = sj->at_risk;
    sla_job_restore(j, sj);
    j->tech = sj->technician_id[0] ? strmap_get(srv->tech_by_id, sj->technician_id) : NULL;
    /* offered with no technician: held by a company (accepted: no expiry) */
    if (j->state == JS_OFFERED && !sj->technician_id[0] && sj->provider_id && sj->provider_id[0]) {
        j->company = strmap_get(srv->provider_by_id, sj->provider_id);
        j->company_accepted = j->company && sj->offer_expires_at == 0;
    }
    /* after a restart a completed job gets its full rating window again */
    if (j->state == JS_COMPLETED)
        j->close_at = wire_now_ms() + srv->cfg.close_after_ms;
    strmap_put(srv->jobs, j->id, j);
}

/* Records a past decline on an open job (store callback). */
static void s_decline_add(void *arg, const char *job_id, const char *tech_id)
{
    server *srv = arg;
    job *j = strmap_get(srv->jobs, job_id);
    technician *t = strmap_get(srv->tech_by_id, tech_id);
    provider *company = t ? NULL : strmap_get(srv->provider_by_id, tech_id);
    if (j && company) /* a company's decline or expiry: all its technicians */
        dispatch_exclude_company(srv, j, company);
    if (!j || !t)
        return;
    j->declined = fsd_xrealloc(j->declined, (j->n_declined + 1) * sizeof(int));
    j->declined[j->n_declined++] = t->index;
}

/* Files a job under its deadlines (strmap_each callback). */
static void s_job_schedule(const char *key, void *value, void *arg)
{
    dispatch_schedule(arg, value);
}

int world_load_jobs(server *srv)
{
    dispatch_unschedule_all(srv);
    if (srv->jobs) {
        strmap_each(srv->jobs, s_job_free_cb, NULL);
        strmap_destroy(&srv->jobs);
    }
    srv->jobs = strmap_new();
    s_job_load load = { .srv = srv };
    if (store_each_open_job(srv->store, s_job_add, &load) < 0 || load.rc < 0
        || store_each_decline(srv->store, s_decline_add, srv) < 0 || windows_load(srv) < 0
        || store_last_job_number(srv->store, &srv->job_number) < 0)
        return -1;
    for (size_t i = 0; i < srv->n_techs; i++) {
        technician *t = &srv->techs[i];
        if (store_session_get(srv->store, t->row->id, &t->out_seq, &t->in_seq) < 0)
            return -1;
        /* after a rollback the numbering goes back to the committed one:
           nothing numbered after it was sent or can have been applied */
        if (t->out_acked > t->out_seq)
            t->out_acked = t->out_seq;
        if (t->out_sent > t->out_seq)
            t->out_sent = t->out_seq;
    }
    if (care_load_jobs(srv) < 0) /* goodwill flags */
        return -1;
    world_recount_load(srv);
    strmap_each(srv->jobs, s_job_schedule, srv);
    srv->queue_dirty = true;
    return 0;
}

/* Adds one job's hold on its technician's capacity (strmap_each callback). */
static void s_count_load(const char *key, void *value, void *arg)
{
    job *j = value;
    if (j->tech && job_state_holds_capacity(j->state))
        j->tech->load++;
}

void world_recount_load(server *srv)
{
    for (size_t i = 0; i < srv->n_techs; i++)
        srv->techs[i].load = 0;
    strmap_each(srv->jobs, s_count_load, NULL);
    world_weigh_all(srv);
}

void world_tech_weigh(server *srv, const technician *t)
{
    assert(srv && t && t->index >= 0 && (size_t)t->index < srv->n_techs && &srv->techs[t->index] == t);
    const match_config *cfg = &srv->cfg.match;
    double weight = INFINITY;
    watch_tech(srv, t); /* weighed again: its load or being online changed */
    if (t->online && t->load < t->capacity) {
        double speed = cfg->speed_kmh > 0 ? cfg->speed_kmh : 30.0;
        double minutes = cfg->load_weight * (double)t->load / (double)t->capacity
                         + cfg->fairness_weight * (double)t->recent;
        weight = minutes > 0 ? minutes * speed / 60.0 : 0.0;
    }
    geo_grid_weigh(srv->grid, t->index, weight);
}

void world_weigh_all(server *srv)
{
    for (size_t i = 0; i < srv->n_techs; i++)
        world_tech_weigh(srv, &srv->techs[i]);
}

territory *world_territory(server *srv, const char *id)
{
    return strmap_get(srv->territory_by_id, id);
}

int world_territory_at(server *srv, geo_point p)
{
    for (size_t i = 0; i < srv->n_territories; i++)
        if (geo_poly_contains(&srv->territories[i].poly, p))
            return (int)i;
    return -1;
}

bool world_tech_reaches(server *srv, const technician *t, int terr, bool *own)
{
    assert(srv && t && own);
    *own = false;
    if (terr < 0 || (size_t)terr >= srv->n_territories)
        return false;
    if (srv->masks) {
        *own = (t->cover_mask >> terr) & 1u;
        return (t->cover_mask & srv->territories[terr].near_mask) != 0;
    }
    if ((*own = world_tech_covers(t, terr)))
        return true;
    const territory *tr = &srv->territories[terr];
    for (size_t i = 0; i < tr->n_neighbours; i++)
        if (world_tech_covers(t, tr->neighbours[i]))
            return true;
    return false;
}

void world_recent_floor(server *srv)
{
    uint32_t floor = UINT32_MAX;
    for (size_t i = 0; i < srv->n_techs; i++)
        if (srv->techs[i].recent < floor)
            floor = srv->techs[i].recent;
    srv->recent_floor = srv->n_techs ? floor : 0;
}

technician *world_tech(server *srv, const char *id)
{
    assert(srv && id);
    return strmap_get(srv->tech_by_id, id);
}

job *world_job(server *srv, const char *id)
{
    assert(srv && id);
    return strmap_get(srv->jobs, id);
}

bool world_tech_covers(const technician *t, int territory_index)
{
    for (size_t i = 0; i < t->n_territories; i++)
        if (t->territories[i] == territory_index)
            return true;
    return false;
}

bool world_provider_authorised(const provider *p, const char *brand)
{
    if (!p)
        return false;
    for (size_t i = 0; i < p->row->n_brands; i++)
        if (strcasecmp(p->row->brands[i], brand) == 0)
            return true;
    return false;
}

bool world_tech_in_shift(server *srv, const technician *t, int territory_index, int64_t now)
{
    assert(srv && t && territory_index < (int)srv->n_territories);
    const char *tz = territory_index >= 0 ? srv->territories[territory_index].row->tz : "UTC";
    tzone_local local;
    if (tzone_localize(tz, now, &local) < 0)
        return true; /* an unknown zone must not stop the work: count as in shift */
    return shift_covers(&t->shift, &local);
}

const char *world_actor_name(const principal *who)
{
    return who ? who->name : "system";
}
