/*  report.c — the KPI report (fsdctl report) on the server's side.

    The store hands over the period's jobs with their events and declines
    (server/store.c, through indexes), core/kpi.c computes the figures,
    this module checks the request and writes the ReportView: the groups,
    the total, and the first report's summary fields, still filled.

    It runs in the loop like every read; its cost is the period's jobs
    (a log line says how many and how long). */
#include "privacy.h"
#include "server.h"
#include "verbs.h"
#include "world.h"

#include <stdio.h>
#include <string.h>
#include "fsd/kpi.h"
#include "fsd/log.h"
#include "fsd/wire.h"

/* Counters named by an enum's value names, skipping zeros. */
static Fsd__Counter **s_enum_counters(call *c, const ProtobufCEnumDescriptor *d, const uint64_t *values,
                                      int n, size_t *out_n)
{
    Fsd__Counter **list = arena_alloc(c->a, (size_t)n * sizeof *list);
    *out_n = 0;
    for (int i = 1; i < n; i++) {
        if (!values[i])
            continue;
        Fsd__Counter *k = arena_alloc(c->a, sizeof *k);
        fsd__counter__init(k);
        k->name = (char *)wire_enum_name(d, i);
        k->value = values[i];
        list[(*out_n)++] = k;
    }
    return list;
}

/* A counter in the arena. */
static Fsd__Counter *s_counter(call *c, const char *name, uint64_t value)
{
    Fsd__Counter *k = arena_alloc(c->a, sizeof *k);
    fsd__counter__init(k);
    k->name = (char *)name;
    k->value = value;
    return k;
}

/* One group's figures as a KpiGroup in the arena. */
static Fsd__KpiGroup *s_group_view(call *c, const kpi_group *g)
{
    Fsd__KpiGroup *v = arena_alloc(c->a, sizeof *v);
    fsd__kpi_group__init(v);
    v->key = arena_strdup(c->a, g->key);
    v->requests = g->requests;
    v->completed = g->completed;
    v->cancelled = g->cancelled;
    v->open = g->open;
    v->escalations = g->escalations;
    v->reassignments = g->reassignments;
    v->assign_n = g->assign_n;
    v->assign_p50_s = g->assign_p50_s;
    v->assign_p90_s = g->assign_p90_s;
    v->arrive_n = g->arrive_n;
    v->arrive_p50_s = g->arrive_p50_s;
    v->arrive_p90_s = g->arrive_p90_s;
    v->sla_judged = g->sla_judged_all;
    v->sla_kept = g->sla_kept_all;
    v->sla_kept_pct = g->sla_kept_pct;
    v->sla_pending = g->sla_pending;
    v->assign_by_judged = g->sla_judged[KPI_ASSIGN_BY];
    v->assign_by_kept = g->sla_kept[KPI_ASSIGN_BY];
    v->arrive_by_judged = g->sla_judged[KPI_ARRIVE_BY];
    v->arrive_by_kept = g->sla_kept[KPI_ARRIVE_BY];
    v->fix_by_judged = g->sla_judged[KPI_FIX_BY];
    v->fix_by_kept = g->sla_kept[KPI_FIX_BY];
    v->ftf_judged = g->ftf_judged;
    v->ftf_fixed = g->ftf_fixed;
    v->ftf_pct = g->ftf_pct;
    v->ftf_pending = g->ftf_pending;
    v->offers = g->offers;
    v->declines = g->declines;
    v->decline_rate_pct = g->decline_rate_pct;
    v->expiries = g->expiries;
    v->expiry_rate_pct = g->expiry_rate_pct;
    v->n_declines_by_reason = DR_COUNT_ - 1;
    v->declines_by_reason = arena_alloc(c->a, v->n_declines_by_reason * sizeof *v->declines_by_reason);
    for (int r = DR_NONE + 1; r < DR_COUNT_; r++)
        v->declines_by_reason[r - 1] =
            s_counter(c, decline_reason_name((decline_reason)r), g->declines_by[r]);
    v->n_expiries_by_reason = KPI_EXPIRY_COUNT_;
    v->expiries_by_reason = arena_alloc(c->a, KPI_EXPIRY_COUNT_ * sizeof *v->expiries_by_reason);
    for (int r = 0; r < KPI_EXPIRY_COUNT_; r++)
        v->expiries_by_reason[r] = s_counter(c, kpi_expiry_name(r), g->expiries_by[r]);
    v->busy_s = (double)g->busy_ms / 1000.0;
    v->shift_s = (double)g->shift_ms / 1000.0;
    v->utilisation_pct = g->utilisation_pct;
    v->fleet_share_pct = g->fleet_share_pct;
    v->ratings = g->ratings;
    v->ratings_good = g->ratings_good;
    v->csat_pct = g->csat_pct;
    v->rating_avg = g->rating_avg;
    v->at_risk = g->at_risk;
    v->breached = g->breached;
    v->goodwill = g->goodwill;
    v->fees_waived = g->fees_waived;
    v->waivers_requested = g->waivers_requested;
    return v;
}

/* store_technician_since_each: keeps each technician's first load. */
static void s_since(void *arg, const char *id, int64_t since)
{
    strmap_put(arg, id, (void *)(intptr_t)(since > 0 ? since : -1));
}

/* The technicians as the report sees them: provider, home territory and
   its zone, shift, and since when they are in the fleet. NULL on a
   storage failure. */
static kpi_tech *s_techs(call *c, size_t *n)
{
    server *srv = c->srv;
    strmap *since = strmap_new();
    if (!since || store_technician_since_each(srv->store, s_since, since) < 0) {
        strmap_destroy(&since);
        return NULL;
    }
    kpi_tech *list = arena_alloc(c->a, (srv->n_techs ? srv->n_techs : 1) * sizeof *list);
    size_t k = 0;
    for (size_t i = 0; i < srv->n_techs; i++) {
        const Fsd__TechnicianRow *row = srv->techs[i].row;
        if (!privacy_tech_in_scope(srv, c->who, &srv->techs[i]))
            continue; /* privacy: a scoped dispatcher's figures are its own */
        const char *home = row->n_territories ? row->territories[0] : "";
        territory *t = home[0] ? world_territory(srv, home) : NULL;
        intptr_t at = (intptr_t)strmap_get(since, row->id);
        list[k++] = (kpi_tech){ row->id,    row->provider_id,       home,
                                row->shift, t ? t->row->tz : "UTC", at > 0 ? (int64_t)at : 0,
                                0 };
    }
    strmap_destroy(&since);
    *n = k;
    return list;
}

/* The first report's summary fields, from the total and the jobs. */
static void s_summary(call *c, Fsd__ReportView *v, const kpi_report *kr, const kpi_job *jobs, size_t n,
                      int64_t from, int64_t to)
{
    uint64_t by_state[JS_COUNT_] = { 0 }, by_warranty[WS_COUNT_] = { 0 };
    for (size_t i = 0; i < n; i++) {
        const kpi_job *j = &jobs[i];
        if (j->created_at < from || (to > 0 && j->created_at >= to))
            continue;
        if (j->state >= 0 && j->state < JS_COUNT_)
            by_state[j->state]++;
        if (j->warranty >= 0 && j->warranty < WS_COUNT_)
            by_warranty[j->warranty]++;
    }
    const kpi_group *g = &kr->total;
    v->requests = g->requests;
    v->by_state = s_enum_counters(c, &fsd__job_state__descriptor, by_state, JS_COUNT_, &v->n_by_state);
    v->by_warranty =
        s_enum_counters(c, &fsd__warranty_status__descriptor, by_warranty, WS_COUNT_, &v->n_by_warranty);
    v->decline_reasons = s_enum_counters(c, &fsd__decline_reason__descriptor, g->declines_by, DR_COUNT_,
                                         &v->n_decline_reasons);
    v->escalations = g->escalations;
    v->assigned = g->assign_n;
    v->assign_p50_s = g->assign_p50_s;
    v->assign_p95_s = kpi_percentile(g->assign_s, g->assign_n, 0.95);
    v->offers = g->offers;
    v->declines = g->declines;
    v->expiries = g->expiries;
    v->reassignments = g->reassignments;
    v->ratings = g->ratings;
    v->rating_avg = g->rating_avg;
    v->refused = c->srv->counters[C_REFUSED];
}

int report_answer(call *c)
{
    const Fsd__ReportRequest *r = c->req->report;
    if (r->from < 0 || r->to < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, r->from < 0 ? "from" : "to",
                   "a period is given in UTC milliseconds since 1970, not a negative number");
        return 0;
    }
    if (r->to && r->to <= r->from) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "to", "the period must end after it starts");
        return 0;
    }
    int by = r->by[0] ? kpi_by_parse(r->by) : KPI_BY_ALL;
    if (by < 0) {
        call_error(
            c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "by",
            "a report is grouped by territory, provider, technician, warranty, tier or hour, not '%.40s'",
            r->by);
        return 0;
    }
    int64_t started = wire_now_ms(), now = started;
    kpi_job *jobs;
    size_t n_jobs, n_techs;
    if (store_kpi_jobs(c->srv->store, c->a, r->from, r->to, &jobs, &n_jobs) < 0)
        return -1;
    /* privacy: a scoped dispatcher's report counts the jobs in its scope
       (later requests for the same products, read for first-time fix, stay) */
    size_t kept = 0;
    for (size_t i = 0; i < n_jobs; i++) {
        const kpi_job *j = &jobs[i];
        bool in_period = j->created_at >= r->from && (r->to <= 0 || j->created_at < r->to);
        if (!in_period || privacy_in_scope(c->srv, c->who, j->territory, j->provider, j->technician))
            jobs[kept++] = jobs[i];
    }
    /* the hour grouping reads a job's creation in its territory's zone */
    for (size_t i = 0; i < kept; i++) {
        territory *t = jobs[i].territory[0] ? world_territory(c->srv, jobs[i].territory) : NULL;
        jobs[i].tz = t ? t->row->tz : "UTC";
    }
    n_jobs = kept;
    int64_t fetched = wire_now_ms();
    kpi_tech *techs = s_techs(c, &n_techs);
    if (!techs)
        return -1;
    kpi_query q = { r->from, r->to, now, (kpi_by)by };
    kpi_report kr;
    int rc = kpi_compute(&q, jobs, n_jobs, techs, n_techs, &kr);
    int64_t computed = wire_now_ms();
    if (rc < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INTERNAL, "", "out of memory computing the report");
        return 0;
    }
    Fsd__ReportView *v = arena_alloc(c->a, sizeof *v);
    fsd__report_view__init(v);
    v->from = r->from;
    v->to = r->to;
    s_summary(c, v, &kr, jobs, n_jobs, r->from, r->to);
    v->by = (char *)kpi_by_name(kr.by);
    v->as_of = now;
    v->window_from = kr.window_from;
    v->window_to = kr.window_to;
    v->total = s_group_view(c, &kr.total);
    v->n_groups = kr.n_groups;
    v->groups = arena_alloc(c->a, (kr.n_groups ? kr.n_groups : 1) * sizeof *v->groups);
    for (size_t i = 0; i < kr.n_groups; i++)
        v->groups[i] = s_group_view(c, &kr.groups[i]);
    log_info("report", "by=%s jobs=%llu rows=%zu groups=%zu read_ms=%lld compute_ms=%lld", v->by,
             (unsigned long long)kr.total.requests, n_jobs, kr.n_groups, (long long)(fetched - started),
             (long long)(computed - fetched));
    kpi_report_free(&kr);
    c->reply->body_case = FSD__ENVELOPE__BODY_REPORT_VIEW;
    c->reply->report_view = v;
    return 0;
}
