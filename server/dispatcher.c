/*  dispatcher.c — what a dispatcher asks: moving a job to another
    technician or territory, why a job went where it did, the board, the
    technicians, the server's counters.

    Like every handler, these validate before they change anything;
    storage failures return -1 and the loop abandons the whole batch. */
#include "dispatch.h"
#include "jobs.h"
#include "moves.h"
#include "link.h"
#include "notify.h"
#include "privacy.h"
#include "server.h"
#include "jobview.h"
#include "refrows.h"
#include "session.h"
#include "verbs.h"
#include "views.h"
#include "watch.h"
#include "windows.h"
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/lifecycle.h"
#include "fsd/log.h"
#include "fsd/warranty.h"
#include "fsd/wire.h"

#define FIELD_MAX 200

/* A dispatcher gives the job to technician t directly, after the
   matcher's rules (moves.c); check_only answers the verdict alone. */
static int s_reassign_to_tech(call *c, job *j, technician *t, const Fsd__Reassign *r)
{
    move_verdict v;
    int gate = moves_gate(c, j, t, r->check_only, r->override, &v);
    if (gate != MOVE_GO)
        return gate < 0 ? -1 : 0;
    char reason[FIELD_MAX + 600], note[sizeof v.message + 40];
    snprintf(reason, sizeof reason, "reassigned to %s%s: %s", t->row->id,
             moves_override_note(&v, note, sizeof note), r->reason);
    return moves_assign(c, j, t, reason);
}

/* A dispatcher moves the job to another territory: it is matched again there. */
static int s_reassign_to_territory(call *c, job *j, territory *terr, const char *reason)
{
    server *srv = c->srv;
    int index = (int)(terr - srv->territories);
    technician *old = job_state_holds_capacity(j->state) ? j->tech : NULL;
    int64_t now = wire_now_ms();
    watch_job(srv, j); /* its territory before */
    if (j->state == JS_NEW) {
        if (store_event_append(srv->store, j->id, now, c->who->name, JS_NEW, JS_NEW, "", reason) < 0)
            return -1;
    } else {
        const char *why;
        int rc = job_move(srv, j, JS_NEW, c->who, NULL, reason, &why);
        if (rc != 0) {
            if (rc < 0)
                return -1;
            call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id", "%s", why);
            return 0;
        }
    }
    /* only after the move is allowed: a refusal leaves no trace */
    if (store_job_set_territory(srv->store, j->id, terr->row->id) < 0)
        return -1;
    j->version++;
    j->territory = index;
    if (old && dispatch_revoke(srv, old, j, FSD__REVOKE_REASON__REVOKE_REASSIGNED, reason) < 0)
        return -1;
    return dispatch_job(srv, j, now);
}

/* check_only to a territory: the job would be matched there afresh, so
   only the lifecycle can refuse it. */
static int s_check_territory(call *c, job *j)
{
    move_verdict v = { .rule = MR_OK, .code = FSD__ERROR_CODE__ERR_NONE };
    const char *why;
    if (j->state != JS_NEW && lifecycle_check(j->state, JS_NEW, lifecycle_actor_of(c->who->role), &why) < 0) {
        v.code = FSD__ERROR_CODE__ERR_INVALID_TRANSITION;
        snprintf(v.message, sizeof v.message, "%s", why);
    } else {
        snprintf(v.message, sizeof v.message, "the job may move there and be matched again");
    }
    moves_answer_check(c, &v);
    return 0;
}

int dispatcher_reassign(call *c)
{
    const Fsd__Reassign *r = c->req->reassign;
    if (!r->technician_id[0] == !r->territory[0]) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "technician_id",
                   "name exactly one of a technician or a territory to move the job to");
        return 0;
    }
    if (call_text(c, "reason", r->reason, FIELD_MAX, !r->check_only) < 0)
        return 0;
    job *j = call_open_job(c, r->job_id);
    if (!j)
        return 0;
    char reason[FIELD_MAX + 64];
    int rc;
    if (r->technician_id[0]) {
        technician *t = world_tech(c->srv, r->technician_id);
        if (!t) {
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "technician_id", "no technician %s",
                       r->technician_id);
            return 0;
        }
        rc = s_reassign_to_tech(c, j, t, r);
    } else {
        territory *terr = world_territory(c->srv, r->territory);
        if (!terr) {
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "territory", "no territory %s", r->territory);
            return 0;
        }
        snprintf(reason, sizeof reason, "reassigned to territory %s: %s", terr->row->id, r->reason);
        rc = r->check_only ? s_check_territory(c, j) : s_reassign_to_territory(c, j, terr, reason);
    }
    if (rc < 0)
        return -1;
    if (c->reply->body_case == FSD__ENVELOPE__BODY_ERROR || r->check_only)
        return 0;
    c->srv->counters[C_REASSIGNS]++;
    return call_reply_job(c, r->job_id, false);
}

/* protobuf-c allocator over the batch arena: freed all at once after sending. */
static void *s_arena_alloc(void *a, size_t size)
{
    return arena_alloc(a, size);
}

static void s_arena_free(void *a, void *p)
{
}

/* The order explain shows candidates in, for every client alike: the
   chosen one, then the eligible by score (lower is better), then the
   excluded nearest first; ties by technician id so the order is stable. */
static int s_candidate_order(const void *pa, const void *pb)
{
    const Fsd__Candidate *a = *(Fsd__Candidate *const *)pa, *b = *(Fsd__Candidate *const *)pb;
    if (a->chosen != b->chosen)
        return a->chosen ? -1 : 1;
    bool ea = !a->failed[0], eb = !b->failed[0];
    if (ea != eb)
        return ea ? -1 : 1;
    double ka = ea ? a->score : a->distance_km, kb = eb ? b->score : b->distance_km;
    if (ka != kb)
        return ka < kb ? -1 : 1;
    return strcmp(a->technician_id, b->technician_id);
}

int dispatcher_explain(call *c)
{
    const char *id = c->req->explain->job_id;
    uint8_t *blob;
    size_t len;
    int rc = store_match_get(c->srv->store, c->a, id, &blob, &len);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        Fsd__JobView *v;
        if (jobview_get(c->srv, c->a, id, false, &v) > 0)
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "job_id", "job %s has no matching decision yet",
                       id);
        else
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "job_id", "no job %s", id);
        return 0;
    }
    /* unpacked with a heap allocator; copied pointers live until the reply is sent */
    Fsd__Explanation *ex = fsd__explanation__unpack(NULL, len, blob);
    if (!ex) {
        call_error(c, FSD__ERROR_CODE__ERR_INTERNAL, "job_id", "stored decision for %s is unreadable", id);
        return 0;
    }
    size_t packed = fsd__explanation__get_packed_size(ex);
    uint8_t *copy = arena_alloc(c->a, packed ? packed : 1);
    fsd__explanation__pack(ex, copy);
    fsd__explanation__free_unpacked(ex, NULL);
    /* re-unpack into arena memory through a custom allocator */
    ProtobufCAllocator alloc = {
        .alloc = s_arena_alloc,
        .free = s_arena_free,
        .allocator_data = c->a,
    };
    c->reply->explanation = fsd__explanation__unpack(&alloc, packed, copy);
    if (!c->reply->explanation) {
        call_error(c, FSD__ERROR_CODE__ERR_INTERNAL, "job_id", "stored decision for %s is unreadable", id);
        return 0;
    }
    for (size_t i = 0; i < c->reply->explanation->n_candidates; i++) {
        Fsd__Candidate *cand = c->reply->explanation->candidates[i];
        const technician *t = world_tech(c->srv, cand->technician_id);
        if (t && !cand->name[0]) {
            cand->name = t->row->name;
            cand->provider_id = t->row->provider_id;
        }
    }
    if (c->reply->explanation->n_candidates) /* none: the array is NULL */
        qsort(c->reply->explanation->candidates, c->reply->explanation->n_candidates,
              sizeof *c->reply->explanation->candidates, s_candidate_order);
    c->reply->body_case = FSD__ENVELOPE__BODY_EXPLANATION;
    return 0;
}

/* Technicians covering terr (all when terr < 0), as views. */
static Fsd__TechnicianView **s_tech_views(call *c, int terr, size_t *n)
{
    int64_t now = wire_now_ms();
    Fsd__TechnicianView **list = arena_alloc(c->a, (c->srv->n_techs + 1) * sizeof *list);
    *n = 0;
    for (size_t i = 0; i < c->srv->n_techs; i++) {
        const technician *t = &c->srv->techs[i];
        if (terr < 0 || world_tech_covers(t, terr))
            list[(*n)++] = views_technician(c->srv, c->a, t, now);
    }
    return list;
}

/* Appends the jobs in `state` (optionally one territory) to a list. */
static int s_board_add(call *c, const char *terr, int state, Fsd__JobView ***list, size_t *n)
{
    Fsd__JobView **more;
    size_t k;
    store_scope scope; /* privacy: a scoped dispatcher's 500 are its own */
    privacy_list_scope(c->who, &scope);
    if (jobview_list_scoped(c->srv->store, c->a, &scope, terr, state, "", "", NULL, 500, &more, &k) < 0)
        return -1;
    for (size_t i = 0; i < k; i++)
        jobview_zone(c->srv, more[i]);
    Fsd__JobView **joined = arena_alloc(c->a, (*n + k + 1) * sizeof *joined);
    if (*n)
        memcpy(joined, *list, *n * sizeof *joined);
    memcpy(joined + *n, more, k * sizeof *joined);
    *list = joined;
    *n += k;
    return 0;
}

typedef struct {
    call *c;
    int territory; /* -1: all */
    Fsd__SessionSuperseded **items;
    size_t n;
} superseded_list;

/* Adds one takeover to the board (store_each_key_event callback). */
static void s_board_superseded(void *arg, int64_t at, const char *tech_id)
{
    superseded_list *l = arg;
    technician *t = world_tech(l->c->srv, tech_id);
    if (l->territory >= 0 && (!t || !world_tech_covers(t, l->territory)))
        return;
    /* a scoped dispatcher hears only of its own technicians */
    if (t ? !privacy_tech_in_scope(l->c->srv, l->c->who, t)
          : l->c->who->scope_provider || l->c->who->scope_territories)
        return;
    Fsd__SessionSuperseded *s = arena_alloc(l->c->a, sizeof *s);
    fsd__session_superseded__init(s);
    s->technician_id = arena_strdup(l->c->a, tech_id);
    s->at = at;
    l->items[l->n++] = s;
}

int dispatcher_board(call *c)
{
    const char *terr = c->req->board->territory;
    territory *t = NULL;
    if (terr[0] && !(t = world_territory(c->srv, terr))) {
        call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "territory", "no territory %s", terr);
        return 0;
    }
    Fsd__BoardView *b = arena_alloc(c->a, sizeof *b);
    fsd__board_view__init(b);
    if (s_board_add(c, terr, JS_ESCALATED, &b->escalated, &b->n_escalated) < 0
        || s_board_add(c, terr, JS_NEW, &b->waiting, &b->n_waiting) < 0
        || s_board_add(c, terr, JS_OFFERED, &b->offered, &b->n_offered) < 0
        || s_board_add(c, terr, JS_ASSIGNED, &b->assigned, &b->n_assigned) < 0
        || s_board_add(c, terr, JS_EN_ROUTE, &b->in_progress, &b->n_in_progress) < 0
        || s_board_add(c, terr, JS_ON_SITE, &b->in_progress, &b->n_in_progress) < 0
        || s_board_add(c, terr, JS_ON_HOLD, &b->in_progress, &b->n_in_progress) < 0)
        return -1;
    /* jobs whose SLA deadline is at risk, from the queues above */
    Fsd__JobView **queues[] = { b->escalated, b->waiting, b->offered, b->assigned, b->in_progress };
    size_t sizes[] = { b->n_escalated, b->n_waiting, b->n_offered, b->n_assigned, b->n_in_progress };
    size_t all = 0;
    for (size_t q = 0; q < 5; q++)
        all += sizes[q];
    b->at_risk = arena_alloc(c->a, (all + 1) * sizeof *b->at_risk);
    for (size_t q = 0; q < 5; q++)
        for (size_t i = 0; i < sizes[q]; i++)
            if (queues[q][i]->at_risk)
                b->at_risk[b->n_at_risk++] = queues[q][i];
    /* jobs past a deadline their state still owes */
    b->breached = arena_alloc(c->a, (all + 1) * sizeof *b->breached);
    for (size_t q = 0; q < 5; q++)
        for (size_t i = 0; i < sizes[q]; i++)
            if (queues[q][i]->overdue)
                b->breached[b->n_breached++] = queues[q][i];
    b->technicians = s_tech_views(c, t ? (int)(t - c->srv->territories) : -1, &b->n_technicians);
    /* sessions another connection took over in the last 24 h */
    superseded_list sl = { c, t ? (int)(t - c->srv->territories) : -1, NULL, 0 };
    sl.items = arena_alloc(c->a, 50 * sizeof *sl.items);
    if (store_each_key_event(c->srv->store, "session_superseded", wire_now_ms() - 24 * 3600 * 1000LL, 50,
                             s_board_superseded, &sl)
        < 0)
        return -1;
    b->superseded = sl.items;
    b->n_superseded = sl.n;
    c->reply->body_case = FSD__ENVELOPE__BODY_BOARD_VIEW;
    c->reply->board_view = b;
    return 0;
}

int dispatcher_list_technicians(call *c)
{
    const char *terr = c->req->list_technicians->territory;
    territory *t = NULL;
    if (terr[0] && !(t = world_territory(c->srv, terr))) {
        call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "territory", "no territory %s", terr);
        return 0;
    }
    Fsd__TechnicianList *l = arena_alloc(c->a, sizeof *l);
    fsd__technician_list__init(l);
    l->technicians = s_tech_views(c, t ? (int)(t - c->srv->territories) : -1, &l->n_technicians);
    c->reply->body_case = FSD__ENVELOPE__BODY_TECHNICIAN_LIST;
    c->reply->technician_list = l;
    return 0;
}

static const char *s_counter_names[C_COUNT_] = {
    "received",         "malformed",    "too_large",   "bad_version", "unknown_message", "forbidden",
    "invalid",          "duplicate",    "zap_refused", "batches",     "commit_failed",   "requests",
    "requests_refused", "offers",       "accepts",     "declines",    "expiries",        "escalations",
    "reassignments",    "went_offline", "send_failed", "rejected",    "conflict",        "not_found",
};

/* Counts one job for the stats (strmap_each callback). */
static void s_count_open(const char *key, void *value, void *arg)
{
    (*(uint32_t *)arg)++;
}

int dispatcher_stats(call *c)
{
    Fsd__StatsView *s = arena_alloc(c->a, sizeof *s);
    fsd__stats_view__init(s);
    s->counters = arena_alloc(c->a, (C_COUNT_ + WATCH_COUNTERS) * sizeof *s->counters);
    const char *names[C_COUNT_ + WATCH_COUNTERS];
    uint64_t values[C_COUNT_ + WATCH_COUNTERS];
    for (int i = 0; i < C_COUNT_; i++) {
        names[i] = s_counter_names[i];
        values[i] = c->srv->counters[i];
    }
    watch_counters(c->srv, names + C_COUNT_, values + C_COUNT_);
    for (int i = 0; i < C_COUNT_ + WATCH_COUNTERS; i++) {
        Fsd__Counter *k = arena_alloc(c->a, sizeof *k);
        fsd__counter__init(k);
        k->name = (char *)names[i];
        k->value = values[i];
        s->counters[s->n_counters++] = k;
    }
    s->started_at = c->srv->started_at;
    for (size_t i = 0; i < c->srv->n_techs; i++)
        s->online += c->srv->techs[i].online;
    strmap_each(c->srv->jobs, s_count_open, &s->open_jobs);
    if (notify_stats(c, s) < 0)
        return -1;
    link_stats(c, s);
    c->reply->body_case = FSD__ENVELOPE__BODY_STATS_VIEW;
    c->reply->stats_view = s;
    return 0;
}
