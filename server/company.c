/*  company.c — providers that dispatch their own technicians.

    When the matcher picks a technician of a provider that takes offers as
    a company (ProviderRow.company), dispatch.c offers the job to the
    provider instead: state offered, held by the provider (the row's
    provider column, no technician), for the offer's time. Here its
    dispatchers — principals scoped to that provider — list those offers,
    accept or decline them, and assign an accepted job to one of their
    technicians. The phases and what may be done in each are the pure
    rules of core/company.c; the assignment is judged like any
    dispatcher's move (moves.c), and the technician's agent gets the job
    with an Assigned push.

    Only the company's own dispatchers answer its offers: an unscoped
    office dispatcher may still move the job anywhere with Reassign, which
    ends the company's hold. A decline (like an expiry, dispatch.c) keeps
    every technician of the provider out of the job's matching. */
#include "dispatch.h"
#include "jobs.h"
#include "jobview.h"
#include "moves.h"
#include "server.h"
#include "verbs.h"
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/company.h"
#include "fsd/wire.h"
#include "fsd/xalloc.h"

#define NOTE_MAX 500

/* The phase of j's company hold. */
static company_phase s_phase(const job *j)
{
    return company_phase_of(j->state, j->tech != NULL, j->company != NULL, j->company_accepted);
}

/* Whether the sender speaks for the company holding j: 1 yes, 0 refused
   (reply set). */
static int s_company_desk(call *c, const job *j)
{
    if (!j->company || s_phase(j) == COMPANY_NONE) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id",
                   "job %s is %s, not offered to a company", j->id, job_state_name(j->state));
        return 0;
    }
    if (!c->who->scope_provider || strcmp(c->who->scope_provider, j->company->row->id) != 0) {
        call_error(c, FSD__ERROR_CODE__ERR_FORBIDDEN, "job_id",
                   "job %s is offered to company %s: only its own dispatchers answer it (a dispatcher may "
                   "still reassign it)",
                   j->id, j->company->row->id);
        return 0;
    }
    return 1;
}

typedef struct {
    const principal *who;
    job **list;
    size_t n, cap;
} s_offer_scan;

/* Collects the company-held jobs the sender may see (strmap_each callback). */
static void s_collect(const char *key, void *value, void *arg)
{
    (void)key;
    s_offer_scan *scan = arg;
    job *j = value;
    if (s_phase(j) == COMPANY_NONE)
        return;
    const char *mine = scan->who->scope_provider;
    if (mine && strcmp(mine, j->company->row->id) != 0)
        return;
    if (scan->n == scan->cap) {
        scan->cap = scan->cap ? scan->cap * 2 : 16;
        scan->list = fsd_xrealloc(scan->list, scan->cap * sizeof *scan->list);
    }
    scan->list[scan->n++] = j;
}

/* Oldest job first (ids grow with time). */
static int s_by_id(const void *a, const void *b)
{
    return strcmp((*(job *const *)a)->id, (*(job *const *)b)->id);
}

int company_offers(call *c)
{
    s_offer_scan scan = { .who = c->who };
    strmap_each(c->srv->jobs, s_collect, &scan);
    if (scan.n > 1)
        qsort(scan.list, scan.n, sizeof *scan.list, s_by_id);
    Fsd__CompanyOffers *o = arena_alloc(c->a, sizeof *o);
    fsd__company_offers__init(o);
    o->jobs = arena_alloc(c->a, (scan.n + 1) * sizeof *o->jobs);
    int rc = 0;
    for (size_t i = 0; i < scan.n && rc == 0; i++)
        rc = jobview_open(c->srv, c->a, scan.list[i], &o->jobs[o->n_jobs++]);
    free(scan.list);
    if (rc < 0)
        return -1;
    c->reply->body_case = FSD__ENVELOPE__BODY_COMPANY_OFFERS;
    c->reply->company_offers = o;
    return 0;
}

/* The company accepts: it holds the job without an expiry until it
   assigns a technician. Recorded as an event (state unchanged). */
static int s_accept(call *c, job *j, const char *note)
{
    server *srv = c->srv;
    int64_t now = wire_now_ms();
    char reason[NOTE_MAX + 80];
    snprintf(reason, sizeof reason, "accepted by company %s%s%s", j->company->row->id, note[0] ? ": " : "",
             note);
    j->offer_expires_at = 0;
    j->company_accepted = true;
    if (store_job_set_state(srv->store, j->id, JS_OFFERED, "", j->company->row->id, 0, now) < 0
        || store_event_append(srv->store, j->id, now, c->who->name, JS_OFFERED, JS_OFFERED,
                              j->company->row->id, reason)
               < 0)
        return -1;
    j->version++;
    srv->counters[C_ACCEPTS]++;
    /* no expiry any more: the timers file it anew */
    return job_mark_moved(srv, j);
}

/* The company declines: back to the queue without any of its technicians. */
static int s_decline(call *c, job *j, const Fsd__CompanyOfferReply *r)
{
    if ((int)r->reason <= 0 || (int)r->reason >= (int)DR_COUNT_) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "reason",
                   "a decline needs a reason: too_far, no_parts, not_my_skill, off_shift or other");
        return 0;
    }
    provider *p = j->company;
    char reason[NOTE_MAX + 120];
    snprintf(reason, sizeof reason, "declined by company %s: %s%s%s", p->row->id,
             decline_reason_name((decline_reason)r->reason), r->note[0] ? ": " : "", r->note);
    if (store_decline_put(c->srv->store, j->id, p->row->id, r->reason, false, wire_now_ms()) < 0)
        return -1;
    const char *why;
    int rc = job_move(c->srv, j, JS_NEW, c->who, NULL, reason, &why);
    if (rc != 0) {
        if (rc < 0)
            return -1;
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id", "%s", why);
        return 0;
    }
    dispatch_exclude_company(c->srv, j, p);
    c->srv->counters[C_DECLINES]++;
    return 0;
}

int company_offer_reply(call *c)
{
    const Fsd__CompanyOfferReply *r = c->req->company_offer_reply;
    if (call_text(c, "note", r->note, NOTE_MAX, false) < 0)
        return 0;
    job *j = call_open_job(c, r->job_id);
    if (!j || !s_company_desk(c, j))
        return 0;
    const char *refused = company_refusal(s_phase(j), r->accept ? COMPANY_ACCEPT : COMPANY_DECLINE,
                                          wire_now_ms(), j->offer_expires_at);
    if (refused) {
        call_error(c, FSD__ERROR_CODE__ERR_CONFLICT, "job_id", "job %s: %s", j->id, refused);
        return 0;
    }
    int rc = r->accept ? s_accept(c, j, r->note) : s_decline(c, j, r);
    if (rc < 0)
        return -1;
    if (c->reply->body_case == FSD__ENVELOPE__BODY_ERROR)
        return 0;
    return call_reply_job(c, j->id, false);
}

/* Adds the company's assignment to the job's kept explanation: the
   technician, who chose it and the rules it was judged by. */
static int s_note_assignment(call *c, const job *j, const technician *t, const move_verdict *v)
{
    uint8_t *blob;
    size_t len;
    int rc = store_match_get(c->srv->store, c->a, j->id, &blob, &len);
    if (rc <= 0)
        return rc;
    Fsd__Explanation *ex = fsd__explanation__unpack(NULL, len, blob);
    if (!ex)
        return 0; /* unreadable: explain says so itself */
    Fsd__Candidate cand = FSD__CANDIDATE__INIT;
    cand.technician_id = t->row->id;
    cand.failed = (char *)match_rule_name(v->code == FSD__ERROR_CODE__ERR_NONE ? MR_OK : v->rule);
    cand.load = t->load;
    cand.capacity = t->row->capacity;
    cand.chosen = true;
    cand.company = true;
    cand.assigned = true;
    cand.assigned_by = c->who->name;
    cand.overridden = v->code != FSD__ERROR_CODE__ERR_NONE;
    cand.detail = (char *)v->message;
    for (size_t i = 0; i < ex->n_candidates; i++)
        ex->candidates[i]->chosen = false;
    Fsd__Candidate **all = fsd_xcalloc(ex->n_candidates + 1, sizeof *all);
    all[0] = &cand;
    memcpy(all + 1, ex->candidates, ex->n_candidates * sizeof *all);
    char outcome[600];
    snprintf(outcome, sizeof outcome, "%s; accepted by company %s, assigned to %s by %s", ex->outcome,
             j->company ? j->company->row->id : "?", t->row->id, c->who->name);
    Fsd__Explanation copy = *ex;
    copy.candidates = all;
    copy.n_candidates = ex->n_candidates + 1;
    copy.outcome = outcome;
    size_t n = fsd__explanation__get_packed_size(&copy);
    uint8_t *buf = fsd_xmalloc(n ? n : 1);
    fsd__explanation__pack(&copy, buf);
    rc = store_match_put(c->srv->store, j->id, buf, n);
    free(buf);
    free(all);
    fsd__explanation__free_unpacked(ex, NULL);
    return rc < 0 ? -1 : 0;
}

int company_assign(call *c)
{
    const Fsd__CompanyAssign *r = c->req->company_assign;
    if (call_text(c, "reason", r->reason, NOTE_MAX, r->override) < 0)
        return 0;
    job *j = call_open_job(c, r->job_id);
    if (!j || !s_company_desk(c, j))
        return 0;
    const char *refused = company_refusal(s_phase(j), COMPANY_ASSIGN, wire_now_ms(), j->offer_expires_at);
    if (refused) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id", "job %s: %s", j->id, refused);
        return 0;
    }
    technician *t = world_tech(c->srv, r->technician_id);
    if (!t || t->provider != j->company) {
        call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "technician_id", "company %s has no technician %s",
                   j->company->row->id, r->technician_id);
        return 0;
    }
    move_verdict v;
    int gate = moves_gate(c, j, t, r->check_only, r->override, &v);
    if (gate != MOVE_GO)
        return gate < 0 ? -1 : 0;
    char reason[NOTE_MAX + 1100], note[sizeof v.message + 80];
    snprintf(reason, sizeof reason, "assigned by company %s to %s%s%s%s", j->company->row->id, t->row->id,
             moves_override_note(&v, note, sizeof note), r->reason[0] ? ": " : "", r->reason);
    if (s_note_assignment(c, j, t, &v) < 0 || moves_assign(c, j, t, reason) < 0)
        return -1;
    if (c->reply->body_case == FSD__ENVELOPE__BODY_ERROR)
        return 0;
    return call_reply_job(c, j->id, false);
}
