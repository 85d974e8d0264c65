/*  sla.c — service levels in the server: the SLA policies and the
    territories' working hours as the world holds them, the deadlines a
    new job gets at intake, and the escalations view for dispatchers.

    Policies and hours are reference data: stored as the rows that loaded
    them (server/admin.c checks and stores them, all or nothing) and read
    back into memory here after every load and at start. At intake the
    most specific policy for the job's warranty status, customer tier and
    urgency gives three windows (assign-by, arrive-by, fix-by) counted
    from the moment the fault was reported, in the territory's working
    hours and time zone ("business") or in every minute ("24x7"). A job
    that no policy matches keeps the server's own settings
    (--assign-sla-min, --arrive-sla-min, --fix-sla-min; 24x7), as before
    policies existed.

    The timers that raise "at risk" and "breached" on a job live with the
    other timers in server/dispatch.c; the arithmetic is core/sla_policy.c.
    Deliberately not here: SQL (store.c), the clock of the timers. */
#include "privacy.h"
#include "server.h"
#include "verbs.h"
#include "world.h"
#include "jobview.h"
#include "refrows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/log.h"
#include "fsd/xalloc.h"
#include "fsd/wire.h"

struct sla_state {
    sla_table *policies;
    sla_hours **hours; /* by territory index; NULL: none of its own */
    size_t n_hours;
    sla_hours *any_hours; /* the "*" row */
};

/* Frees the SLA part of the world. */
void sla_world_free(server *srv)
{
    struct sla_state *s = srv->sla;
    if (!s)
        return;
    sla_table_destroy(&s->policies);
    for (size_t i = 0; i < s->n_hours; i++)
        sla_hours_destroy(&s->hours[i]);
    free(s->hours);
    sla_hours_destroy(&s->any_hours);
    free(s);
    srv->sla = NULL;
}

/* Adds a stored policy to the table being built (store callback). */
static void s_policy_add(void *arg, Fsd__SlaPolicyRow *r)
{
    sla_table *t = arg;
    double minutes[SLA_N] = { r->assign_min, r->arrive_min, r->fix_min };
    sla_policy p;
    const char *field;
    char why[256];
    if (sla_policy_make(r->id, r->warranty, r->tier, r->urgency, minutes, r->clock, &p, &field, why,
                        sizeof why)
            < 0
        || sla_table_add(t, &p, why, sizeof why) < 0)
        log_warn("sla_policy_skipped", "id=%s why=%s", log_quote(0, r->id), log_quote(1, why));
    fsd__sla_policy_row__free_unpacked(r, NULL);
}

/* Attaches stored working hours to their territory (store callback). */
static void s_hours_add(void *arg, Fsd__WorkingHoursRow *r)
{
    server *srv = arg;
    struct sla_state *s = srv->sla;
    const char *field;
    char why[256];
    sla_hours *h =
        sla_hours_parse(r->hours, (const char *const *)r->closed, r->n_closed, &field, why, sizeof why);
    territory *t = strcmp(r->territory, "*") == 0 ? NULL : world_territory(srv, r->territory);
    if (!h || (!t && strcmp(r->territory, "*") != 0)) {
        log_warn("working_hours_skipped", "territory=%s why=%s", log_quote(0, r->territory),
                 log_quote(1, h ? "no such territory" : why));
        sla_hours_destroy(&h);
    } else if (!t) {
        sla_hours_destroy(&s->any_hours);
        s->any_hours = h;
    } else {
        size_t i = (size_t)(t - srv->territories);
        sla_hours_destroy(&s->hours[i]);
        s->hours[i] = h;
    }
    fsd__working_hours_row__free_unpacked(r, NULL);
}

int sla_world_load(server *srv, char *err, size_t errlen)
{
    sla_world_free(srv);
    struct sla_state *s = fsd_xcalloc(1, sizeof *s);
    srv->sla = s;
    s->policies = sla_table_new();
    s->n_hours = srv->n_territories;
    s->hours = fsd_xcalloc(s->n_hours ? s->n_hours : 1, sizeof *s->hours);
    if (!s->policies || !s->hours) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (refrows_each_sla_policy(srv->store, s_policy_add, s->policies) < 0
        || refrows_each_working_hours(srv->store, s_hours_add, srv) < 0) {
        snprintf(err, errlen, "cannot read SLA policies or working hours: %s", store_errmsg(srv->store));
        return -1;
    }
    size_t with_hours = 0;
    for (size_t i = 0; i < s->n_hours; i++)
        with_hours += s->hours[i] != NULL;
    log_info("sla", "policies=%zu territories_with_hours=%zu default_hours=%s", sla_table_size(s->policies),
             with_hours, s->any_hours ? "yes" : "no");
    return 0;
}

const sla_hours *sla_world_hours(server *srv, int terr)
{
    struct sla_state *s = srv->sla;
    if (!s)
        return NULL;
    if (terr >= 0 && (size_t)terr < s->n_hours && s->hours[terr])
        return s->hours[terr];
    return s->any_hours;
}

void sla_decide(server *srv, job *j, int64_t start)
{
    const sla_policy *p =
        srv->sla ? sla_table_pick(srv->sla->policies, j->warranty, j->priority_tier, j->urgency) : NULL;
    double defaults[SLA_N] = { srv->cfg.assign_sla_min[j->prio], srv->cfg.arrive_sla_min[j->prio],
                               srv->cfg.fix_sla_min[j->prio] };
    const char *tz = j->territory >= 0 ? srv->territories[j->territory].row->tz : "UTC";
    sla_times t;
    j->sla_clock = p ? p->clock : SLA_24X7;
    if (sla_times_compute(p ? p->minutes : defaults, j->sla_clock, sla_world_hours(srv, j->territory), tz,
                          start, &t)
        > 0)
        log_warn("sla_hours_unusable", "job=%s tz=%s policy=%s counted=24x7", j->id, tz, p->id);
    snprintf(j->sla_policy, sizeof j->sla_policy, "%s", p ? p->id : "default");
    j->sla_start = start;
    j->assign_by = t.due[SLA_ASSIGN];
    j->arrive_by = t.due[SLA_ARRIVE];
    j->fix_by = t.due[SLA_FIX];
    memcpy(j->risk_at, t.risk_at, sizeof j->risk_at);
}

void sla_job_restore(job *j, const store_job *sj)
{
    j->fix_by = sj->fix_by;
    j->sla_start = sj->sla_start ? sj->sla_start : sj->created_at;
    snprintf(j->sla_policy, sizeof j->sla_policy, "%s", sj->sla_policy ? sj->sla_policy : "");
    j->sla_clock = sj->sla_clock == SLA_BUSINESS ? SLA_BUSINESS : SLA_24X7;
    j->urgency = sj->urgency == PRIO_HIGH ? PRIO_HIGH : PRIO_NORMAL;
    j->priority_tier = sj->tier && strcmp(sj->tier, "priority") == 0;
    j->sla_flags = sj->sla_flags;
    int64_t due[SLA_N] = { j->assign_by, j->arrive_by, j->fix_by };
    for (int d = 0; d < SLA_N; d++) {
        j->risk_at[d] = sj->risk_at[d];
        /* a job from before SLA policies: 75 % of the window from creation */
        if (!j->risk_at[d] && due[d] > j->sla_start)
            j->risk_at[d] = j->sla_start + (int64_t)((double)(due[d] - j->sla_start) * SLA_RISK_SHARE);
        /* ... whose at_risk level said which deadlines it had flagged */
        if (!sj->sla_flags && sj->at_risk > d)
            j->sla_flags |= SLA_RISK(d);
    }
}

/* ------------------------------------------------------------ escalations */

typedef struct {
    job *j;
    sla_status status;
    int which; /* sla_deadline, -1 none */
    int64_t due;
} s_entry;

typedef struct {
    server *srv;
    int terr; /* -1: all */
    int64_t now;
    s_entry *list;
    size_t n, cap;
    bool failed;
    const principal *who; /* privacy: only the jobs in its scope */
} s_scan;

/* The deadlines of a job by sla_deadline. */
static void s_dues(const job *j, int64_t due[SLA_N])
{
    due[SLA_ASSIGN] = j->assign_by;
    due[SLA_ARRIVE] = j->arrive_by;
    due[SLA_FIX] = j->fix_by;
}

/* Keeps an open job that is breached, at risk or escalated (strmap_each callback). */
static void s_scan_job(const char *key, void *value, void *arg)
{
    s_scan *sc = arg;
    job *j = value;
    if (sc->failed || (sc->terr >= 0 && j->territory != sc->terr))
        return;
    const technician *t = j->state >= JS_OFFERED && j->state <= JS_COMPLETED ? j->tech : NULL;
    if (!privacy_in_scope(sc->srv, sc->who,
                          j->territory >= 0 ? sc->srv->territories[j->territory].row->id : "",
                          t ? t->row->provider_id : "", t ? t->row->id : ""))
        return;
    int64_t due[SLA_N];
    s_dues(j, due);
    int which;
    sla_status st = sla_status_of(j->state, due, j->risk_at, sc->now, &which);
    if (st == SLA_ST_NONE)
        return;
    if (sc->n == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 64;
        sc->list = fsd_xrealloc(sc->list, cap * sizeof *sc->list);
        sc->cap = cap;
    }
    sc->list[sc->n++] = (s_entry){ j, st, which, which >= 0 ? due[which] : 0 };
}

/* Most urgent first (sla_escalation_cmp). */
static int s_entry_cmp(const void *a, const void *b)
{
    const s_entry *x = a, *y = b;
    sla_rank rx = { x->j->prio, x->j->priority_tier, x->due, x->j->id };
    sla_rank ry = { y->j->prio, y->j->priority_tier, y->due, y->j->id };
    return sla_escalation_cmp(x->status, &rx, y->status, &ry);
}

int sla_escalations(call *c)
{
    const Fsd__EscalationsRequest *r = c->req->escalations;
    server *srv = c->srv;
    s_scan sc = { .srv = srv, .terr = -1, .now = wire_now_ms(), .who = c->who };
    if (r->territory[0]) {
        territory *t = world_territory(srv, r->territory);
        if (!t) {
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "territory", "no territory %s", r->territory);
            return 0;
        }
        sc.terr = (int)(t - srv->territories);
    }
    if (r->limit > 1000) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "limit", "limit is 1 to 1000 (0: 200)");
        return 0;
    }
    size_t limit = r->limit ? r->limit : 200;
    strmap_each(srv->jobs, s_scan_job, &sc);
    if (sc.failed) {
        free(sc.list);
        call_error(c, FSD__ERROR_CODE__ERR_INTERNAL, "", "out of memory listing escalations");
        return 0;
    }
    if (sc.n)
        qsort(sc.list, sc.n, sizeof *sc.list, s_entry_cmp);
    Fsd__EscalationList *l = arena_alloc(c->a, sizeof *l);
    fsd__escalation_list__init(l);
    l->at = sc.now;
    l->total = (uint32_t)sc.n;
    size_t shown = sc.n < limit ? sc.n : limit;
    l->items = arena_alloc(c->a, (shown ? shown : 1) * sizeof *l->items);
    int rc = 0;
    for (size_t i = 0; i < shown; i++) {
        const s_entry *e = &sc.list[i];
        Fsd__JobView *v;
        if (jobview_open(srv, c->a, e->j, &v) < 0) {
            rc = -1;
            break;
        }
        Fsd__Escalation *x = arena_alloc(c->a, sizeof *x);
        fsd__escalation__init(x);
        x->job = v;
        x->status = (char *)sla_status_name(e->status);
        x->deadline = (char *)(e->which >= 0 ? sla_deadline_name((sla_deadline)e->which) : "");
        x->deadline_at = e->due;
        x->seconds_left = e->due ? (e->due - sc.now) / 1000 : 0;
        l->items[l->n_items++] = x;
    }
    free(sc.list);
    if (rc < 0)
        return -1;
    c->reply->body_case = FSD__ENVELOPE__BODY_ESCALATION_LIST;
    c->reply->escalation_list = l;
    return 0;
}
