/*  dispatch.c — finding a technician for each waiting job, and the clocks.

    dispatch_job gathers the candidates for one job (technicians covering its
    territory or a neighbouring one), hands the facts to the pure matcher,
    keeps the decision for `explain`, and then offers the job to the best
    candidate, leaves it waiting (when someone could take it later: now
    offline, off shift or full), or escalates it to the dispatchers (when no
    one ever could, or its assign-by deadline has passed).

    dispatch_waiting serves waiting jobs by priority, then assign-by
    deadline, whenever something changed that could let one match.
    dispatch_timers expires offers, marks silent technicians offline and
    closes completed jobs nobody rated. */
#include "dispatch.h"

#include "jobs.h"
#include "notify.h"
#include "server.h"
#include "session.h"
#include "watch.h"
#include "windows.h"
#include "world.h"
#include "jobview.h"

#include <stdio.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "fsd/care.h"
#include <time.h>
#include "fsd/log.h"
#include "fsd/xalloc.h"
#include "fsd/warranty.h"
#include "fsd/wire.h"

#define EXPLAIN_MAX 100
#define TICK_FLOOR_MS 100 /* the loop runs the timers this often */

bool dispatch_needs_authorisation(const job *j)
{
    /* goodwill is treated like warranty work */
    return care_needs_authorisation(j->warranty, j->goodwill);
}

/* True when the technician declined or let expire this job before. */
static bool s_declined(const job *j, const technician *t)
{
    for (size_t i = 0; i < j->n_declined; i++)
        if (j->declined[i] == t->index)
            return true;
    return false;
}

/* One match in progress: the job's facts worked out once, and what has
   been judged so far. */
typedef struct {
    server *srv;
    const job *j;
    match_job mj;
    bool local_ok; /* the job's local time is known */
    tzone_local local;
    int8_t *auth;       /* by provider: -1 not asked yet, 0, 1 */
    match_outcome *out; /* res grows as candidates are judged */
    size_t cap;
    double best;         /* best own-territory score so far */
    double reach_km;     /* nobody farther can beat best */
    double limit_km;     /* distance + grid weight beyond this cannot */
    double extra_min;    /* every score carries at least this */
    size_t judged_reach; /* judged technicians of the reach */
    uint64_t near_mask;  /* the territory's near_mask, 0 without masks */
    int rc;              /* -1 out of memory */
    windows_match *win;  /* the calendar check when the job has a window */
} s_match;

/* Whether t's provider may do the job's brand under warranty (cached). */
static bool s_authorised(s_match *m, const technician *t)
{
    if (!t->provider || !m->auth)
        return world_provider_authorised(t->provider, m->j->brand);
    size_t p = (size_t)(t->provider - m->srv->providers);
    if (m->auth[p] < 0)
        m->auth[p] = world_provider_authorised(t->provider, m->j->brand);
    return m->auth[p] == 1;
}

/* The facts about technician t for the job. */
static match_cand s_candidate(s_match *m, const technician *t)
{
    const job *j = m->j;
    match_cand c = { 0 };
    c.id = t->index;
    c.at = t->pos;
    c.online = t->online;
    c.in_shift = !m->local_ok || shift_covers(&t->shift, &m->local);
    if (m->win) /* a job with a window: the shift must cover the window, not now */
        c.in_shift = windows_in_shift(m->win, t);
    bool own;
    bool reaches = world_tech_reaches(m->srv, t, j->territory, &own);
    c.covers_territory = own;
    c.covers_neighbour = reaches && !own;
    c.has_skill = j->category >= 0 && (t->skills & (1u << j->category));
    c.authorised = s_authorised(m, t);
    c.declined = s_declined(j, t);
    c.load = t->load;
    c.capacity = t->capacity;
    c.recent_jobs = t->recent;
    return c;
}

/* Packs the decision into an Explanation and keeps it in the store. */
static int s_keep_explanation(server *srv, const job *j, const match_outcome *m, int chosen,
                              const char *outcome, int64_t now)
{
    size_t shown = m->n < EXPLAIN_MAX ? m->n : EXPLAIN_MAX;
    Fsd__Candidate *cands = fsd_xcalloc(shown ? shown : 1, sizeof *cands);
    Fsd__Candidate **ptrs = fsd_xcalloc(shown ? shown : 1, sizeof *ptrs);
    for (size_t i = 0; i < shown; i++) {
        const match_result *r = &m->res[i];
        const technician *t = &srv->techs[r->id];
        Fsd__Candidate *c = &cands[i];
        fsd__candidate__init(c);
        /* name and provider are filled in when the decision is read back
           (handlers.c): stored, they would double the blob of every job */
        c->technician_id = t->row->id;
        c->neighbour = r->neighbour;
        c->failed = (char *)match_rule_name(r->failed);
        c->score = r->failed == MR_OK ? r->score : 0;
        c->distance_km = r->distance_km;
        c->load = t->load;
        c->capacity = t->row->capacity;
        c->chosen = r->id == chosen;
        c->detail = (char *)windows_detail(m->windows, r->id);
        c->company = t->provider && t->provider->row->company;
        ptrs[i] = c;
    }
    Fsd__Explanation ex = FSD__EXPLANATION__INIT;
    ex.job_id = (char *)j->id;
    ex.at = now;
    ex.outcome = (char *)outcome;
    ex.candidates = ptrs;
    ex.n_candidates = shown;
    ex.considered = (uint32_t)m->considered;
    Fsd__Counter counters[MR_COUNT_ + 1], *cptrs[MR_COUNT_ + 1];
    for (int r = MR_OK + 1; r <= MR_COUNT_; r++) {
        uint32_t count = r < MR_COUNT_ ? m->by_rule[r] : m->outranked;
        if (count == 0)
            continue;
        Fsd__Counter *k = &counters[ex.n_excluded_by_rule];
        fsd__counter__init(k);
        k->name = (char *)(r < MR_COUNT_ ? match_rule_name((match_rule)r) : "outranked");
        k->value = count;
        cptrs[ex.n_excluded_by_rule++] = k;
    }
    ex.excluded_by_rule = cptrs;
    size_t len = fsd__explanation__get_packed_size(&ex);
    uint8_t *buf = fsd_xmalloc(len ? len : 1);
    fsd__explanation__pack(&ex, buf);
    int rc = store_match_put(srv->store, j->id, buf, len);
    free(buf);
    free(ptrs);
    free(cands);
    return rc;
}

/* Sends an Offer for j to t through the durable outbox. */
static int s_offer(server *srv, job *j, technician *t, double km, int64_t now)
{
    j->offer_expires_at = now + srv->cfg.offer_ttl_ms;
    const char *why;
    char reason[64];
    snprintf(reason, sizeof reason, "offered (%.1f km)", km);
    int rc = job_move(srv, j, JS_OFFERED, NULL, t, reason, &why);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    Fsd__JobView *view;
    if (jobview_open(srv, srv->arena, j, &view) < 0)
        return -1;
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    Fsd__Offer offer = FSD__OFFER__INIT;
    offer.job = view;
    offer.distance_km = km;
    offer.travel_min = (uint32_t)(km / srv->cfg.match.speed_kmh * 60.0 + 0.5);
    offer.expires_at = j->offer_expires_at;
    env.body_case = FSD__ENVELOPE__BODY_OFFER;
    env.offer = &offer;
    srv->counters[C_OFFERS]++;
    return session_push(srv, t, &env);
}

/* True when a candidate excluded for now (offline, off shift, full) could
   take the job later without anyone changing reference data. */
static bool s_could_later(const match_job *mj, const match_cand *c, const match_result *r)
{
    return match_rule_is_transient(r->failed) && (c->covers_territory || c->covers_neighbour) && c->has_skill
           && (c->authorised || !mj->needs_authorisation) && !c->declined;
}

/* Judges technician t and keeps the result; tightens the search bound
   when t is the best of the job's own territory so far. */
static void s_judge(s_match *m, technician *t, bool in_reach)
{
    match_outcome *out = m->out;
    if (out->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        out->res = fsd_xrealloc(out->res, cap * sizeof *out->res);
        m->cap = cap;
    }
    t->seen = m->srv->match_epoch;
    m->judged_reach += in_reach;
    match_cand c = s_candidate(m, t);
    match_result r = match_judge(&m->srv->cfg.match, &m->mj, &c);
    /* the calendar is asked last, of those who pass every other rule */
    if (m->win && r.failed == MR_OK && !windows_has_room(m->win, t)) {
        c.no_room = true;
        r = match_judge(&m->srv->cfg.match, &m->mj, &c);
    }
    out->res[out->n++] = r;
    out->by_rule[r.failed]++;
    /* a shift that misses a fixed window will not cover it later either */
    if (s_could_later(&m->mj, &c, &r) && !(m->win && r.failed == MR_SHIFT))
        out->could_later = true;
    if (r.failed == MR_OK && !r.neighbour && r.score < m->best) {
        m->best = r.score;
        m->reach_km = match_reach_km(&m->srv->cfg.match, &r, m->extra_min);
        m->limit_km = match_reach_km(&m->srv->cfg.match, &r, 0);
    }
}

/* Grid visitor: judges a technician of the reach not judged yet. */
static void s_visit(int id, void *arg)
{
    s_match *m = arg;
    technician *t = &m->srv->techs[id];
    if (t->seen == m->srv->match_epoch || m->rc < 0)
        return;
    bool own;
    if (m->near_mask ? (t->cover_mask & m->near_mask) != 0
                     : world_tech_reaches(m->srv, t, m->j->territory, &own))
        s_judge(m, t, true);
}

/* Nearest first through the grid, ring by ring, until no one farther can
   beat the best of the job's own territory. True when that settled it;
   false when the rings grew costlier than a scan (the caller scans). */
static bool s_nearest(s_match *m, size_t n_reach)
{
    const geo_grid *grid = m->srv->grid;
    size_t budget = geo_grid_cell_count(grid), looked = 0;
    for (int ring = 0; m->rc == 0; ring++) {
        if (m->judged_reach == n_reach)
            return true;
        if (ring > 0 && geo_grid_ring_km(grid, m->j->at, ring) > m->reach_km)
            return true;
        int n = looked <= budget ? geo_grid_ring(grid, m->j->at, ring, &m->limit_km, s_visit, m) : -1;
        if (n < 0)
            return false;
        looked += (size_t)n;
    }
    return false;
}

/* Judges the technicians of the reach not judged yet. */
static void s_scan_reach(s_match *m, const territory *tr)
{
    for (size_t i = 0; i < tr->n_reach && m->rc == 0; i++) {
        technician *t = &m->srv->techs[tr->reach[i]];
        if (t->seen != m->srv->match_epoch)
            s_judge(m, t, true);
    }
}

/* A fresh stamp for the technicians this match judges. */
static void s_next_epoch(server *srv)
{
    if (++srv->match_epoch == 0) {
        for (size_t i = 0; i < srv->n_techs; i++)
            srv->techs[i].seen = 0;
        srv->match_epoch = 1;
    }
}

/* Candidates for j: in a small fleet every technician (explain names each,
   "territory" included); otherwise the job territory's reach (technicians
   covering it or a neighbour): all of it when small, else nearest first
   through the grid, passing over anyone whose distance, load and recent
   jobs cannot beat the best so far, until no one farther can win. Those
   outside the reach count as "territory", those of the reach left
   unjudged as "outranked". */
int dispatch_match(server *srv, const job *j, int64_t now, match_outcome *out)
{
    assert(srv && j && out);
    assert(j->territory < (int)srv->n_territories);
    memset(out, 0, sizeof *out);
    s_next_epoch(srv);
    s_match m = {
        .srv = srv, .j = j, .out = out, .best = INFINITY, .reach_km = INFINITY, .limit_km = INFINITY
    };
    m.mj = (match_job){ .at = j->at,
                        .needs_authorisation = dispatch_needs_authorisation(j),
                        .allow_spill = true };
    const char *tz = j->territory >= 0 ? srv->territories[j->territory].row->tz : "UTC";
    m.local_ok = tzone_localize(tz, now, &m.local) == 0;
    m.auth = fsd_xmalloc(srv->n_providers ? srv->n_providers : 1);
    memset(m.auth, 0xff, srv->n_providers ? srv->n_providers : 1);
    m.extra_min = srv->cfg.match.fairness_weight * (double)srv->recent_floor;
    if (j->win_end && !(m.win = out->windows = windows_match_new(srv, j, now))) {
        free(m.auth);
        return -1;
    }
    out->considered = srv->n_techs;
    if (srv->n_techs <= EXPLAIN_MAX || j->territory < 0) {
        for (size_t i = 0; i < srv->n_techs && m.rc == 0; i++)
            s_judge(&m, &srv->techs[i], false);
    } else {
        const territory *tr = &srv->territories[j->territory];
        m.near_mask = srv->masks ? tr->near_mask : 0;
        if (tr->n_reach <= EXPLAIN_MAX || !geo_valid(j->at) || !s_nearest(&m, tr->n_reach))
            s_scan_reach(&m, tr);
        out->by_rule[MR_TERRITORY] += (uint32_t)(srv->n_techs - tr->n_reach);
        out->outranked = (uint32_t)(tr->n_reach - m.judged_reach);
    }
    free(m.auth);
    if (m.rc < 0) {
        dispatch_match_free(out);
        return -1;
    }
    out->eligible = match_sort(out->res, out->n);
    return 0;
}

/* One technician for j, by the rules dispatch_match applies to each
   candidate (the same facts, the same order), for a person's move: the
   slot t already holds for j is not counted against it, and every rule
   broken is found (match_judge_all). */
int dispatch_judge_one(server *srv, const job *j, const technician *t, int64_t now, dispatch_judgement *out)
{
    assert(srv && j && t && out);
    memset(out, 0, sizeof *out);
    s_match m = { .srv = srv, .j = j };
    m.mj = (match_job){ .at = j->at,
                        .needs_authorisation = dispatch_needs_authorisation(j),
                        .allow_spill = true };
    const char *tz = j->territory >= 0 ? srv->territories[j->territory].row->tz : "UTC";
    m.local_ok = tzone_localize(tz, now, &m.local) == 0;
    if (j->win_end && !(m.win = windows_match_new(srv, j, now)))
        return -1;
    match_cand c = s_candidate(&m, t);
    if (j->tech == t && job_state_holds_capacity(j->state) && c.load > 0)
        c.load--;
    out->rule = match_judge_all(&srv->cfg.match, &m.mj, &c, &out->broken);
    if (m.win && (out->broken & (1u << MR_SHIFT)))
        snprintf(out->shift_detail, sizeof out->shift_detail, "%s", windows_detail(m.win, t->index));
    windows_match_destroy(&m.win);
    /* the calendar last, of a technician no hard rule stops */
    if (j->win_end && !match_rule_is_hard(out->rule)) {
        int busy = windows_check_tech(srv, j, t, now, out->window_detail, sizeof out->window_detail);
        if (busy < 0)
            return -1;
        if (busy > 0) {
            c.no_room = true;
            out->rule = match_judge_all(&srv->cfg.match, &m.mj, &c, &out->broken);
        }
    }
    return 0;
}

void dispatch_match_free(match_outcome *m)
{
    windows_match_destroy(&m->windows);
    free(m->res);
    m->res = NULL;
    m->n = 0;
}

/* Offers j to provider p as a company: its dispatchers see the offer
   (the provider column of the row) and answer it within the offer's time;
   no technician is named until they assign one. */
static int s_offer_company(server *srv, job *j, provider *p, int64_t now)
{
    j->offer_expires_at = now + srv->cfg.offer_ttl_ms;
    j->company = p;
    j->company_accepted = false;
    const char *why;
    char reason[120];
    snprintf(reason, sizeof reason, "offered to company %s", p->row->id);
    int rc = job_move(srv, j, JS_OFFERED, NULL, NULL, reason, &why);
    if (rc != 0) {
        j->company = NULL;
        return rc < 0 ? -1 : 0;
    }
    srv->counters[C_OFFERS]++;
    return 0;
}

/* Offers j to the chosen technician, or to its provider when that one
   takes offers as a company, keeping the decision. */
static int s_decide_offer(server *srv, job *j, const match_outcome *m, int64_t now)
{
    char outcome[200];
    technician *t = &srv->techs[m->res[0].id];
    provider *company = t->provider && t->provider->row->company ? t->provider : NULL;
    if (company)
        snprintf(outcome, sizeof outcome, "offered to company %s (its technician %s ranked first%s)",
                 company->row->id, t->row->id, m->res[0].neighbour ? ", neighbouring territory" : "");
    else
        snprintf(outcome, sizeof outcome, "offered to %s%s", t->row->id,
                 m->res[0].neighbour ? " (neighbouring territory)" : "");
    int rc = s_keep_explanation(srv, j, m, m->res[0].id, outcome, now);
    if (rc == 0)
        rc = company ? s_offer_company(srv, j, company, now) : s_offer(srv, j, t, m->res[0].distance_km, now);
    return rc;
}

/* Leaves j waiting (someone could take it later) or escalates it. */
static int s_decide_none(server *srv, job *j, const match_outcome *m, int64_t now)
{
    char outcome[160];
    bool late = now > j->assign_by;
    if (m->could_later && !late) {
        snprintf(outcome, sizeof outcome, "waiting: no eligible technician free now");
        if (j->win_end && m->by_rule[MR_WINDOW]) {
            char text[160];
            snprintf(outcome, sizeof outcome, "waiting: no eligible technician has room in the window %s",
                     windows_text(srv, j, text, sizeof text));
        }
        return s_keep_explanation(srv, j, m, -1, outcome, now);
    }
    snprintf(outcome, sizeof outcome, "%s",
             late ? "escalated: assign-by deadline passed with no technician free"
                  : "escalated: no eligible technician in the territory or its neighbours");
    if (!late && j->win_end && m->by_rule[MR_SHIFT]) {
        char text[160];
        snprintf(outcome, sizeof outcome, "escalated: no eligible technician's shift covers the window %s",
                 windows_text(srv, j, text, sizeof text));
    }
    const char *why;
    int rc = s_keep_explanation(srv, j, m, -1, outcome, now);
    if (rc == 0)
        rc = job_move(srv, j, JS_ESCALATED, NULL, NULL, outcome + 11, &why) < 0 ? -1 : 0;
    srv->counters[C_ESCALATIONS]++;
    return rc;
}

int dispatch_job(server *srv, job *j, int64_t now)
{
    assert(srv && j);
    if (j->state != JS_NEW)
        return 0;
    match_outcome m;
    if (dispatch_match(srv, j, now, &m) < 0)
        return -1;
    int rc = m.eligible > 0 ? s_decide_offer(srv, j, &m, now) : s_decide_none(srv, j, &m, now);
    dispatch_match_free(&m);
    return rc;
}

/* Waiting jobs first by priority (high first), then priority-tier
   customers, then assign-by, then id (sla_queue_before). */
static bool s_queue_before(const void *a, const void *b)
{
    const job *x = a, *y = b;
    sla_rank rx = { x->prio, x->priority_tier, x->assign_by, x->id };
    sla_rank ry = { y->prio, y->priority_tier, y->assign_by, y->id };
    return sla_queue_before(&rx, &ry);
}

/* Jobs by next deadline, soonest first. */
static bool s_due_before(const void *a, const void *b)
{
    const job *x = a, *y = b;
    return x->due < y->due;
}

/* Where a job keeps its place in the queue and in the timers. */
static size_t *s_wait_slot(void *item)
{
    return &((job *)item)->wait_slot;
}

static size_t *s_timer_slot(void *item)
{
    return &((job *)item)->timer_slot;
}

/* Sets up the two heaps on first use. */
static void s_heaps_ready(server *srv)
{
    if (!srv->timers.before)
        pheap_init(&srv->timers, s_due_before, s_timer_slot);
    if (!srv->waiting.before)
        pheap_init(&srv->waiting, s_queue_before, s_wait_slot);
}

int dispatch_waiting(server *srv, int64_t now)
{
    dispatch_reschedule(srv);
    if (!srv->queue_dirty)
        return 0;
    srv->queue_dirty = false;
    s_heaps_ready(srv);
    size_t n = srv->waiting.n;
    if (n == 0)
        return 0;
    job **list = fsd_xmalloc(n * sizeof *list);
    for (size_t i = 0; i < n; i++)
        list[i] = pheap_pop(&srv->waiting);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = dispatch_job(srv, list[i], now);
    /* those still waiting go back in the queue */
    for (size_t i = 0; i < n; i++)
        dispatch_schedule(srv, list[i]);
    free(list);
    return rc;
}

/* Tells t that j is no longer theirs (durably). */
static int s_revoke(server *srv, technician *t, job *j, Fsd__RevokeReason why, const char *note)
{
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    Fsd__Revoked rv = FSD__REVOKED__INIT;
    rv.job_id = j->id;
    rv.reason = why;
    rv.note = (char *)note;
    /* the job's version after the change: an agent holding an older view
       of it (an answer it gets late) does not bring the job back */
    rv.job_version = j->version;
    env.body_case = FSD__ENVELOPE__BODY_REVOKED;
    env.revoked = &rv;
    return session_push(srv, t, &env);
}

void dispatch_exclude_company(server *srv, job *j, const provider *p)
{
    for (size_t i = 0; i < srv->n_techs; i++)
        if (srv->techs[i].provider == p) {
            j->declined = fsd_xrealloc(j->declined, (j->n_declined + 1) * sizeof(int));
            j->declined[j->n_declined++] = srv->techs[i].index;
        }
}

/* Takes an open company offer back (it expired): recorded as the
   provider's expiry, the job returns to the queue without any of its
   technicians. */
static int s_withdraw_company(server *srv, job *j, const char *reason)
{
    provider *p = j->company;
    const char *refusal;
    if (store_decline_put(srv->store, j->id, p->row->id, 0, true, wire_now_ms()) < 0)
        return -1;
    int rc = job_move(srv, j, JS_NEW, NULL, NULL, reason, &refusal);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    dispatch_exclude_company(srv, j, p);
    srv->counters[C_EXPIRIES]++;
    return 0;
}

/* Takes an open offer back from its holder: recorded as an expiry, the job
   returns to the queue without that technician. */
static int s_withdraw(server *srv, job *j, Fsd__RevokeReason why, const char *reason)
{
    if (!j->tech && j->company)
        return s_withdraw_company(srv, j, reason);
    assert(j->state == JS_OFFERED && j->tech);
    technician *t = j->tech;
    const char *refusal;
    if (store_decline_put(srv->store, j->id, t->row->id, 0, true, wire_now_ms()) < 0)
        return -1;
    int rc = job_move(srv, j, JS_NEW, NULL, NULL, reason, &refusal);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    j->declined = fsd_xrealloc(j->declined, (j->n_declined + 1) * sizeof(int));
    j->declined[j->n_declined++] = t->index;
    srv->counters[C_EXPIRIES]++;
    return s_revoke(srv, t, j, why, reason);
}

int dispatch_revoke(server *srv, technician *t, job *j, int why, const char *note)
{
    assert(srv && t && j && note);
    return s_revoke(srv, t, j, (Fsd__RevokeReason)why, note);
}

/* Withdraws the open offers held by t, now offline (strmap_each callback). */
typedef struct {
    server *srv;
    technician *tech;
    job **list;
    size_t n, cap;
} offer_scan;

static void s_offers_of(const char *key, void *value, void *arg)
{
    offer_scan *os = arg;
    job *j = value;
    if (j->state != JS_OFFERED || j->tech != os->tech)
        return;
    if (os->n == os->cap) {
        os->cap = os->cap ? os->cap * 2 : 8;
        os->list = fsd_xrealloc(os->list, os->cap * sizeof *os->list);
    }
    os->list[os->n++] = j;
}

/* Marks t offline and withdraws its open offers. */
static int s_offline(server *srv, technician *t, int64_t now)
{
    t->online = false;
    world_tech_weigh(srv, t);
    t->out_sent = t->out_acked;
    srv->counters[C_OFFLINE]++;
    log_warn("offline", "tech=%s silent_ms=%lld", t->row->id, (long long)(now - t->last_seen));
    offer_scan os = { srv, t, NULL, 0, 0 };
    strmap_each(srv->jobs, s_offers_of, &os);
    int rc = 0;
    for (size_t k = 0; k < os.n && rc == 0; k++)
        rc = s_withdraw(srv, os.list[k], FSD__REVOKE_REASON__REVOKE_OFFLINE,
                        "offer withdrawn: technician offline")
                     < 0
                 ? -1
                 : 0;
    free(os.list);
    return rc;
}

/* Marks technicians that stopped beating offline, in a sweep a few times
   per heartbeat (at most once a second), and refreshes the floor of
   recent jobs the matcher prunes with. */
static int s_liveness(server *srv, int64_t now)
{
    int64_t every = srv->cfg.heartbeat_ms / 3;
    every = every < TICK_FLOOR_MS ? TICK_FLOOR_MS : every > 1000 ? 1000 : every;
    if (now - srv->liveness_at < every)
        return 0;
    srv->liveness_at = now;
    world_recent_floor(srv);
    int64_t limit = (int64_t)srv->cfg.heartbeat_ms * srv->cfg.offline_after;
    for (size_t i = 0; i < srv->n_techs; i++) {
        technician *t = &srv->techs[i];
        if (t->online && now - t->last_seen > limit && s_offline(srv, t, now) < 0)
            return -1;
    }
    return 0;
}

/* Each SLA deadline the job's state still owes (assign-by while new,
   offered or escalated; arrive-by until on site; fix-by until completed)
   is flagged once "at risk" when SLA_RISK_SHARE (75 %) of its window has
   gone (its risk_at, counted in the policy's clock at intake), and once
   "breached" when it passes: an event each (state unchanged), and the
   flags on the job. An escalated job is the dispatchers' already: its
   at-risk flag is set without an event; its breaches are recorded. */

/* The deadlines of j, by sla_deadline (0: none). */
static void s_sla_dues(const job *j, int64_t due[SLA_N])
{
    due[SLA_ASSIGN] = j->assign_by;
    due[SLA_ARRIVE] = j->arrive_by;
    due[SLA_FIX] = j->fix_by;
}

/* When j is next to be flagged at risk or breached, or INT64_MAX when it
   cannot be (any more). */
static int64_t s_risk_at(const job *j)
{
    int64_t due[SLA_N], next = INT64_MAX;
    s_sla_dues(j, due);
    for (int d = 0; d < SLA_N; d++) {
        if (!sla_owed((sla_deadline)d, j->state) || due[d] <= 0 || (j->sla_flags & SLA_BREACH(d)))
            continue;
        if (due[d] < next)
            next = due[d];
        if (!(j->sla_flags & SLA_RISK(d)) && j->risk_at[d] < next)
            next = j->risk_at[d];
    }
    return next;
}

/* "technician T01 online" for the events, or "" when nobody holds j. */
static const char *s_holder_note(const job *j, char *buf, size_t len)
{
    if (!j->tech)
        return "";
    snprintf(buf, len, ", technician %s %s", j->tech->row->id, j->tech->online ? "online" : "offline");
    return buf;
}

/* Flags deadline d of j at risk: an event (state unchanged, reason
   "at risk: ...") and the job's flag. */
static int s_risk_one(server *srv, job *j, int d, int64_t deadline, int64_t now)
{
    const char *what = sla_deadline_name((sla_deadline)d);
    int level = d + 1;
    char reason[200], holder[80];
    int64_t left_s = (deadline - now) / 1000;
    snprintf(reason, sizeof reason, "at risk: %s deadline %s %llds%s", what, left_s >= 0 ? "in" : "passed",
             (long long)(left_s >= 0 ? left_s : -left_s), s_holder_note(j, holder, sizeof holder));
    if (store_event_append(srv->store, j->id, now, "system", j->state, j->state,
                           j->tech ? j->tech->row->id : "", reason)
            < 0
        || store_job_set_risk(srv->store, j->id, level) < 0)
        return -1;
    /* the customer hears it is late, with the at-risk event */
    if (notify_job_event(srv, j, NE_LATE, j->tech, now) < 0)
        return -1;
    j->risk = level;
    log_warn("at_risk", "job=%s state=%s tech=%s reason=%s", j->id, job_state_name(j->state),
             j->tech ? j->tech->row->id : "-", log_quote(0, reason));
    return 0;
}

/* Records that deadline d of j passed unmet: an event (state unchanged,
   reason "breached: ..."). */
static int s_breach_one(server *srv, job *j, int d, int64_t deadline, int64_t now)
{
    const char *what = sla_deadline_name((sla_deadline)d);
    char reason[240], holder[80], when[32];
    time_t t = (time_t)(deadline / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    snprintf(reason, sizeof reason, "breached: %s deadline %s passed %llds ago (policy %s, %s), state %s%s",
             what, when, (long long)((now - deadline) / 1000), j->sla_policy[0] ? j->sla_policy : "-",
             sla_clock_name(j->sla_clock), job_state_name(j->state), s_holder_note(j, holder, sizeof holder));
    if (store_event_append(srv->store, j->id, now, "system", j->state, j->state,
                           j->tech ? j->tech->row->id : "", reason)
        < 0)
        return -1;
    log_warn("sla_breached", "job=%s deadline=%s state=%s tech=%s policy=%s", j->id, what,
             job_state_name(j->state), j->tech ? j->tech->row->id : "-", j->sla_policy);
    return 0;
}

/* Raises what is due of j's SLA flags, in deadline order, at risk before
   breached; a deadline found already passed is only breached. */
static int s_risk(server *srv, job *j, int64_t now)
{
    int64_t due[SLA_N];
    s_sla_dues(j, due);
    unsigned before = j->sla_flags;
    for (int d = 0; d < SLA_N; d++) {
        if (!sla_owed((sla_deadline)d, j->state) || due[d] <= 0 || (j->sla_flags & SLA_BREACH(d)))
            continue;
        if (now >= due[d]) {
            if (s_breach_one(srv, j, d, due[d], now) < 0)
                return -1;
            j->sla_flags |= SLA_BREACH(d) | SLA_RISK(d);
        } else if (!(j->sla_flags & SLA_RISK(d)) && now >= j->risk_at[d]) {
            if (sla_warns_in(j->state) && s_risk_one(srv, j, d, due[d], now) < 0)
                return -1;
            j->sla_flags |= SLA_RISK(d);
        }
    }
    if (j->sla_flags != before)
        watch_job(srv, j); /* at risk, breached: the board's queues change */
    if (j->sla_flags != before && store_job_set_sla_flags(srv->store, j->id, j->sla_flags) < 0)
        return -1;
    return 0;
}

/* The next time the timers must look at j: its offer's expiry, its
   unrated close, its SLA risk, or (waiting) its assign-by deadline,
   after which it escalates; INT64_MAX when none. */
static int64_t s_next_due(const job *j)
{
    int64_t due = s_risk_at(j);
    if (j->state == JS_OFFERED && j->offer_expires_at && j->offer_expires_at < due)
        due = j->offer_expires_at;
    if (j->state == JS_COMPLETED && j->close_at && j->close_at < due)
        due = j->close_at;
    if (j->state == JS_NEW && j->assign_by < INT64_MAX && j->assign_by + 1 < due)
        due = j->assign_by + 1;
    return due;
}

void dispatch_schedule(server *srv, job *j)
{
    assert(srv && j);
    s_heaps_ready(srv);
    if (j->state == JS_NEW)
        pheap_set(&srv->waiting, j);
    else
        pheap_remove(&srv->waiting, j);
    j->due = s_next_due(j);
    if (j->due == INT64_MAX)
        pheap_remove(&srv->timers, j);
    else
        pheap_set(&srv->timers, j);
}

void dispatch_unschedule(server *srv, job *j)
{
    assert(srv && j);
    s_heaps_ready(srv);
    pheap_remove(&srv->waiting, j);
    pheap_remove(&srv->timers, j);
}

void dispatch_unschedule_all(server *srv)
{
    s_heaps_ready(srv);
    pheap_clear(&srv->waiting);
    pheap_clear(&srv->timers);
    for (size_t i = 0; i < srv->n_moved; i++)
        srv->moved[i]->moved = false;
    srv->n_moved = 0;
}

void dispatch_reschedule(server *srv)
{
    /* in the order they moved, as when each move filed its job at once */
    for (size_t i = 0; i < srv->n_moved; i++) {
        srv->moved[i]->moved = false;
        dispatch_schedule(srv, srv->moved[i]);
    }
    srv->n_moved = 0;
}

/* Acts on one job whose deadline came: expires its offer, closes it
   unrated, flags it at risk, or lets the queue escalate it. *gone when
   the job was closed and freed. */
static int s_due(server *srv, job *j, int64_t now, bool *gone)
{
    *gone = false;
    if (j->state == JS_OFFERED && j->offer_expires_at && j->offer_expires_at <= now
        && s_withdraw(srv, j, FSD__REVOKE_REASON__REVOKE_EXPIRED, "offer expired") < 0)
        return -1;
    if (j->state == JS_COMPLETED && j->close_at && j->close_at <= now) {
        const char *why;
        if (job_move(srv, j, JS_CLOSED, NULL, NULL, "closed without rating", &why) < 0)
            return -1;
        if (j->state == JS_CLOSED) {
            job_forget_if_done(srv, j);
            *gone = true;
            return 0;
        }
    }
    if (s_risk(srv, j, now) < 0)
        return -1;
    /* a waiting job past its deadline must escalate even if nothing changed */
    if (j->state == JS_NEW && now > j->assign_by)
        srv->queue_dirty = true;
    return 0;
}

/* Forgets remembered answers older than dedup_days, a small batch a minute. */
static int s_dedup_prune(server *srv, int64_t now)
{
    if (now - srv->dedup_pruned_at < 60000)
        return 0;
    srv->dedup_pruned_at = now;
    unsigned deleted;
    if (store_dedup_prune(srv->store, now - (int64_t)srv->cfg.dedup_days * 86400000, 1000, &deleted) < 0)
        return -1;
    if (deleted)
        log_info("dedup_pruned", "deleted=%u older_than_days=%d", deleted, srv->cfg.dedup_days);
    return 0;
}

int dispatch_timers(server *srv, int64_t now)
{
    s_heaps_ready(srv);
    int rc = s_liveness(srv, now);
    dispatch_reschedule(srv);
    /* take out everything due first: what the actions reschedule for now
       or earlier waits for the next tick */
    size_t n = 0, cap = 0;
    job **due = NULL;
    for (job *j; rc == 0 && (j = pheap_top(&srv->timers)) && j->due <= now;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            due = fsd_xrealloc(due, cap * sizeof *due);
        }
        due[n++] = pheap_pop(&srv->timers);
    }
    size_t i = 0;
    for (; i < n && rc == 0; i++) {
        bool gone;
        rc = s_due(srv, due[i], now, &gone);
        if (!gone)
            dispatch_schedule(srv, due[i]);
    }
    for (; i < n; i++)
        dispatch_schedule(srv, due[i]);
    free(due);
    if (rc == 0)
        rc = s_dedup_prune(srv, now);
    return rc;
}
