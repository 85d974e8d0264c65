/*  care.c — customer care: who the customer is and what happened to
    every request of theirs, complaints and low ratings that open follow-ups
    for the dispatchers, goodwill on out-of-warranty work, and the call-out
    fee a technician waives.

    Everything is recorded twice: in its own table (care_goodwill,
    care_waivers, care_followups, through the store) and as a note on the
    job's history (state unchanged, actor = who), with the reason prefixes
    the reports count: "complaint: ", "follow-up opened: ", "follow-up
    closed: ", "goodwill: ", "fee waived: ", "waiver requested: ",
    "waiver rejected: ". The rules themselves are pure (core/care_rules.c).

    Deliberately not here: rights (the table in loop.c), state changes (a
    return visit is a new job made by jobnew.c, so it is placed, priced and
    matched like any other), and the KPI report. */
#include "dispatch.h"
#include "jobs.h"
#include "server.h"
#include "verbs.h"
#include "world.h"
#include "jobview.h"
#include "refrows.h"
#include "views.h"
#include "jobnew.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fsd/care.h"
#include "fsd/log.h"
#include "fsd/wire.h"

#define CARE_TEXT_MAX 2000    /* a complaint */
#define CARE_REASON_MAX 500   /* reasons and outcomes */
#define CUSTOMER_JOBS_MAX 100 /* jobs with history in one customer view */
#define FOLLOWUPS_MAX 500     /* follow-ups in one list */

const char *care_contact(const server *srv)
{
    return srv->cfg.care_contact && srv->cfg.care_contact[0] ? srv->cfg.care_contact
                                                             : "the customer care team";
}

/* "2026-11-23 14:05 UTC" for a UTC ms time. */
static void s_time(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

/* Length check for a text field; 0 ok, else the error is set. */
static int s_text(call *c, const char *field, const char *value, size_t max, bool required)
{
    if (required && !value[0]) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, field, "%s is required", field);
        return -1;
    }
    if (strlen(value) > max) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, field, "%s is longer than %zu characters", field,
                   max);
        return -1;
    }
    return 0;
}

/* The job's current view (no history): 1, or 0 with a not_found reply, or -1. */
static int s_job_view(call *c, const char *id, Fsd__JobView **v)
{
    int rc = jobview_get(c->srv, c->a, id, false, v);
    if (rc == 0)
        call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "job_id", "no job %s", id);
    return rc;
}

/* Answers with the job's view. */
static int s_reply_view(call *c, const char *id)
{
    Fsd__JobView *v;
    if (jobview_get(c->srv, c->a, id, false, &v) <= 0)
        return -1;
    c->reply->body_case = FSD__ENVELOPE__BODY_JOB_VIEW;
    c->reply->job_view = v;
    return 0;
}

/* A note on the job's history: the state stays, the holder is named. */
static int s_note(call *c, const Fsd__JobView *v, const char *reason)
{
    return store_event_append(c->srv->store, v->job_id, wire_now_ms(), world_actor_name(c->who),
                              (int)v->state, (int)v->state, v->technician_id, reason);
}

/* Opens a follow-up for the job's territory unless one is open already
   (*opened says which). */
static int s_open_followup(call *c, const Fsd__JobView *v, followup_kind kind, const char *cause,
                           const char *why, bool *opened)
{
    store_followup *list;
    size_t n;
    *opened = false;
    if (store_care_followups_of_job(c->srv->store, c->a, v->job_id, &list, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!list[i].closed_at)
            return 0; /* one open follow-up per job: the new cause is on the history */
    int64_t id;
    if (store_care_followup_open(c->srv->store, v->job_id, v->territory, (int)kind, cause, wire_now_ms(),
                                 world_actor_name(c->who), &id)
        < 0)
        return -1;
    char fid[24], reason[128];
    care_followup_id_format(id, fid, sizeof fid);
    snprintf(reason, sizeof reason, "follow-up opened: %s %s after %s", fid, care_followup_kind_name(kind),
             why);
    if (s_note(c, v, reason) < 0)
        return -1;
    *opened = true;
    log_info("follow_up_opened", "id=%s job=%s kind=%s territory=%s", fid, v->job_id,
             care_followup_kind_name(kind), v->territory);
    return 0;
}

int care_after_rating(call *c, job *j, unsigned stars, const char *comment)
{
    followup_kind kind = care_followup_for_rating(stars);
    if (kind == FU_NONE)
        return 0;
    Fsd__JobView *v;
    if (jobview_get(c->srv, c->a, j->id, false, &v) <= 0)
        return -1;
    char cause[CARE_TEXT_MAX + 32], why[32];
    snprintf(cause, sizeof cause, "rated %u/5%s%s", stars, comment[0] ? ": " : "", comment);
    snprintf(why, sizeof why, "a rating of %u/5", stars);
    bool opened;
    return s_open_followup(c, v, kind, cause, why, &opened);
}

/* ---------------------------------------------------------- customer */

/* Every request of one customer, newest first, with history. */
int care_customer(call *c)
{
    const Fsd__CustomerQuery *r = c->req->get_customer;
    if (!r->phone[0] == !r->job_id[0]) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "phone",
                   "name exactly one of a phone number or a job id");
        return 0;
    }
    char phone[24];
    if (r->job_id[0]) {
        Fsd__JobView *v;
        int rc = s_job_view(c, r->job_id, &v);
        if (rc <= 0)
            return rc;
        snprintf(phone, sizeof phone, "%s", v->phone);
    } else if (phone_normalize(r->phone, phone, sizeof phone) < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "phone",
                   "phone '%s' is not a phone number (7 to 15 digits, optional +)", r->phone);
        return 0;
    }
    Fsd__CustomerRow *cust;
    int rc = refrows_get_customer(c->srv->store, c->a, phone, &cust);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "phone", "no customer with phone %s", phone);
        return 0;
    }
    Fsd__CustomerView *cv = arena_alloc(c->a, sizeof *cv);
    fsd__customer_view__init(cv);
    cv->customer = cust;
    /* the note is for the office: the call-centre desk sees that there is one */
    if (c->who->role == ROLE_INTAKE_ && cust->note[0]) {
        cust->note = "";
        cv->note_withheld = true;
    }
    Fsd__JobView **list;
    size_t n;
    if (jobview_list(c->srv->store, c->a, "", 0, "", phone, 1000, &list, &n) < 0)
        return -1;
    cv->total_jobs = (uint32_t)n;
    size_t shown = n < CUSTOMER_JOBS_MAX ? n : CUSTOMER_JOBS_MAX;
    cv->jobs = arena_alloc(c->a, (shown ? shown : 1) * sizeof *cv->jobs);
    for (size_t i = 0; i < shown; i++) {
        if (jobview_get(c->srv, c->a, list[i]->job_id, true, &cv->jobs[cv->n_jobs]) <= 0)
            return -1;
        cv->n_jobs++;
    }
    c->reply->body_case = FSD__ENVELOPE__BODY_CUSTOMER_VIEW;
    c->reply->customer_view = cv;
    return 0;
}

/* ---------------------------------------------------------- complaints */

int care_complain(call *c)
{
    const Fsd__FileComplaint *r = c->req->complain;
    if (s_text(c, "text", r->text, CARE_TEXT_MAX, true) < 0)
        return 0;
    Fsd__JobView *v;
    int rc = s_job_view(c, r->job_id, &v);
    if (rc <= 0)
        return rc;
    char *reason = arena_alloc(c->a, strlen(r->text) + 16);
    sprintf(reason, "complaint: %s", r->text);
    if (s_note(c, v, reason) < 0)
        return -1;
    char cause[CARE_TEXT_MAX + 16];
    snprintf(cause, sizeof cause, "complaint: %s", r->text);
    bool opened;
    if (s_open_followup(c, v, care_followup_for_complaint(), cause, "a complaint", &opened) < 0)
        return -1;
    log_info("complaint", "job=%s by=%s follow_up=%s", v->job_id, c->who->name,
             opened ? "opened" : "already_open");
    return s_reply_view(c, v->job_id);
}

/* ---------------------------------------------------------- follow-ups */

int care_follow_ups(call *c)
{
    const Fsd__FollowUps *r = c->req->follow_ups;
    if (r->territory[0] && !world_territory(c->srv, r->territory)) {
        call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "territory", "no territory %s", r->territory);
        return 0;
    }
    Fsd__FollowUps *out = arena_alloc(c->a, sizeof *out);
    fsd__follow_ups__init(out);
    out->territory = r->territory;
    out->all = r->all;
    store_followup *rows;
    size_t n;
    if (store_care_followup_list(c->srv->store, c->a, r->territory, r->all, FOLLOWUPS_MAX, &rows, &n) < 0)
        return -1;
    out->items = views_followups(c->a, rows, n);
    out->n_items = n;
    c->reply->body_case = FSD__ENVELOPE__BODY_FOLLOW_UPS;
    c->reply->follow_ups = out;
    return 0;
}

/* The open follow-up named by the decision: 1 (*out set), 0 (error set), -1. */
static int s_open_followup_arg(call *c, const char *text, int64_t *id, Fsd__FollowUp **out)
{
    *id = care_followup_id_parse(text);
    if (*id < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "follow_up_id",
                   "'%s' is not a follow-up id (like F000012)", text);
        return 0;
    }
    store_followup row;
    int rc = store_care_followup_get(c->srv->store, c->a, *id, &row);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "follow_up_id", "no follow-up %s", text);
        return 0;
    }
    *out = views_followup(c->a, &row);
    const Fsd__FollowUp *f = *out;
    if (f->closed_at) {
        char at[32];
        s_time(f->closed_at, at, sizeof at);
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "follow_up_id",
                   "follow-up %s was already closed by %s at %s: %s", f->id, f->closed_by, at, f->outcome);
        return 0;
    }
    return 1;
}

/* Closes a follow-up with the dispatcher's outcome. */
static int s_followup_close(call *c, const Fsd__CareDecision *d)
{
    if (s_text(c, "outcome", d->outcome, CARE_REASON_MAX, true) < 0)
        return 0;
    int64_t id;
    Fsd__FollowUp *f;
    int rc = s_open_followup_arg(c, d->follow_up_id, &id, &f);
    if (rc <= 0)
        return rc;
    Fsd__JobView *v;
    if ((rc = s_job_view(c, f->job_id, &v)) <= 0)
        return rc < 0 ? -1 : 0;
    if (store_care_followup_close(c->srv->store, id, wire_now_ms(), c->who->name, d->outcome, "") <= 0)
        return -1;
    char *reason = arena_alloc(c->a, strlen(d->outcome) + 64);
    sprintf(reason, "follow-up closed: %s %s", f->id, d->outcome);
    if (s_note(c, v, reason) < 0)
        return -1;
    log_info("follow_up_closed", "id=%s job=%s by=%s", f->id, f->job_id, c->who->name);
    return s_reply_view(c, v->job_id);
}

/* Books a return visit (a new request for the same customer and product)
   and closes the follow-up with it. */
static int s_followup_visit(call *c, const Fsd__CareDecision *d)
{
    int64_t id;
    Fsd__FollowUp *f;
    int rc = s_open_followup_arg(c, d->follow_up_id, &id, &f);
    if (rc <= 0)
        return rc;
    Fsd__JobView *v;
    if ((rc = s_job_view(c, f->job_id, &v)) <= 0)
        return rc < 0 ? -1 : 0;
    char problem[CARE_TEXT_MAX + 1];
    snprintf(problem, sizeof problem, "return visit for %s (follow-up %s): %s", v->job_id, f->id, v->problem);
    jobnew_request visit_req = {
        .customer_name = v->customer_name,
        .phone = v->phone,
        .address = v->address,
        .lat = v->lat,
        .lon = v->lon,
        .brand = v->brand,
        .category = v->category,
        .serial = v->serial,
        .model = v->model,
        .problem = problem,
        .window = "",
    };
    /* the same path as any request: placed, warranty decided today, matched;
       a refusal is answered as intake words it */
    job *made;
    jobnew_result made_rc = jobnew_create(c, &visit_req, &made);
    if (made_rc != JOBNEW_MADE)
        return made_rc == JOBNEW_FAILED ? -1 : 0;
    char *visit = arena_strdup(c->a, made->id);
    char outcome[64];
    snprintf(outcome, sizeof outcome, "return visit %s booked", visit);
    if (store_care_followup_close(c->srv->store, id, wire_now_ms(), c->who->name, outcome, visit) <= 0)
        return -1;
    char reason[128];
    snprintf(reason, sizeof reason, "follow-up closed: %s %s", f->id, outcome);
    if (s_note(c, v, reason) < 0)
        return -1;
    Fsd__JobView *nv;
    if (jobview_open(c->srv, c->a, made, &nv) < 0)
        return -1;
    snprintf(reason, sizeof reason, "return visit of %s for follow-up %s", v->job_id, f->id);
    if (s_note(c, nv, reason) < 0)
        return -1;
    log_info("return_visit", "follow_up=%s job=%s visit=%s by=%s", f->id, v->job_id, visit, c->who->name);
    return s_reply_view(c, visit);
}

/* ---------------------------------------------------------- goodwill */

static int s_goodwill(call *c, const Fsd__CareDecision *d)
{
    if (s_text(c, "reason", d->reason, CARE_REASON_MAX, true) < 0)
        return 0;
    job *j = world_job(c->srv, d->job_id);
    Fsd__JobView *v;
    int rc = s_job_view(c, d->job_id, &v);
    if (rc <= 0)
        return rc;
    goodwill_check gw = care_goodwill_check((warranty_status)v->warranty, j ? j->state : (job_state)v->state,
                                            j ? j->goodwill : v->goodwill != NULL);
    if (!j && gw == GW_OK)
        gw = GW_OVER; /* only open jobs are in memory */
    switch (gw) {
    case GW_OVER:
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id",
                   "job %s is already %s: goodwill is granted on open work", v->job_id,
                   job_state_name((job_state)v->state));
        return 0;
    case GW_ALREADY:
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "job_id",
                   "job %s already has goodwill (granted by %s: %s)", v->job_id,
                   v->goodwill ? v->goodwill->by : "?", v->goodwill ? v->goodwill->reason : "?");
        return 0;
    case GW_COVERED:
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "job_id",
                   "job %s is %s, covered already: goodwill is for out-of-warranty work", v->job_id,
                   warranty_name((warranty_status)v->warranty));
        return 0;
    case GW_OK: break;
    }
    if (store_care_goodwill_put(c->srv->store, v->job_id, wire_now_ms(), c->who->name, d->reason) < 0)
        return -1;
    char *reason = arena_alloc(c->a, strlen(d->reason) + 16);
    sprintf(reason, "goodwill: %s", d->reason);
    if (s_note(c, v, reason) < 0)
        return -1;
    /* from now on matching (and a dispatcher's reassignment) needs a
       provider authorised for the brand: a job waiting in the queue is
       looked at again under that rule, an offer standing with a technician
       who is not authorised is withdrawn and the job matched again; a
       technician who accepted it keeps it */
    j->goodwill = true;
    if (j->state == JS_NEW)
        c->srv->queue_dirty = true;
    if (j->state == JS_OFFERED && j->tech && !world_provider_authorised(j->tech->provider, j->brand)) {
        technician *t = j->tech;
        char why_text[200];
        snprintf(why_text, sizeof why_text,
                 "offer withdrawn: with goodwill it needs a provider authorised "
                 "for %s, and %s's is not",
                 j->brand, t->row->id);
        const char *why;
        rc = job_move(c->srv, j, JS_NEW, c->who, NULL, why_text, &why);
        if (rc < 0)
            return -1;
        if (rc == 0
            && (dispatch_revoke(c->srv, t, j, FSD__REVOKE_REASON__REVOKE_REASSIGNED, why_text) < 0
                || dispatch_job(c->srv, j, wire_now_ms()) < 0))
            return -1;
    }
    log_info("goodwill", "job=%s by=%s state=%s", v->job_id, c->who->name, job_state_name(j->state));
    return s_reply_view(c, v->job_id);
}

/* ---------------------------------------------------------- waivers */

/* The waiver of the job in `state` (the latest), or NULL. */
static const Fsd__FeeWaiver *s_waiver_in(const Fsd__JobView *v, int state)
{
    for (size_t i = v->n_waivers; i-- > 0;)
        if ((int)v->waivers[i]->state == state)
            return v->waivers[i];
    return NULL;
}

/* Refuses a waiver report on a job the technician does not hold (1), and
   notes it on the job when the technician once had it; -1 on failure. */
static int s_not_yours(call *c, technician *t, const char *job_id, const char *what)
{
    Fsd__JobView *v;
    int rc = s_job_view(c, job_id, &v);
    if (rc <= 0)
        return rc < 0 ? -1 : 1;
    char why[96];
    snprintf(why, sizeof why, "it is %s%s", job_state_name((job_state)v->state),
             !job_state_is_open((job_state)v->state) || (int)v->state == JS_COMPLETED ? ""
             : v->technician_id[0] ? " with another technician"
                                   : " and waiting for a technician");
    call_error(c, FSD__ERROR_CODE__ERR_CONFLICT, "job_id", "job %s is not yours to waive its fee: %s", job_id,
               why);
    int had = store_job_had_technician(c->srv->store, job_id, t->row->id);
    if (had <= 0)
        return had < 0 ? -1 : 1;
    char reason[256];
    snprintf(reason, sizeof reason, "conflict: %s from %s not applied (%s)", what, t->row->id, why);
    return store_event_append(c->srv->store, job_id, wire_now_ms(), c->who->name, (int)v->state,
                              (int)v->state, v->technician_id, reason)
                   < 0
               ? -1
               : 1;
}

int care_waive(call *c)
{
    technician *t = c->tech;
    server *srv = c->srv;
    const Fsd__WaiveFee *w = c->req->waive_fee;
    char amount[32], limit[32];
    if (w->amount_cents <= 0 || w->amount_cents > CARE_AMOUNT_MAX_CENTS) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "amount_cents",
                   "amount_cents must be 1 to %lld (0.01 to 100000.00 %s), not %lld",
                   (long long)CARE_AMOUNT_MAX_CENTS, CARE_CURRENCY, (long long)w->amount_cents);
        return 0;
    }
    if (s_text(c, "reason", w->reason, CARE_REASON_MAX, false) < 0)
        return 0;
    care_amount_format(w->amount_cents, amount, sizeof amount);
    care_amount_format(srv->cfg.waive_limit_cents, limit, sizeof limit);
    char what[64];
    snprintf(what, sizeof what, "waiver of %s %s", amount, CARE_CURRENCY);
    job *j = world_job(srv, w->job_id);
    if (!j || j->tech != t)
        return s_not_yours(c, t, w->job_id, what) < 0 ? -1 : 0;
    if (!care_waiver_state_ok(j->state)) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id",
                   "job %s is %s: a fee is waived on accepted work (assigned, en_route, on_site, "
                   "on_hold or completed)",
                   j->id, job_state_name(j->state));
        return 0;
    }
    Fsd__JobView *v;
    if (jobview_open(srv, c->a, j, &v) < 0)
        return -1;
    const Fsd__FeeWaiver *old = s_waiver_in(v, WV_PENDING);
    if (!old)
        old = s_waiver_in(v, WV_APPLIED);
    if (old) {
        char was[32];
        care_amount_format(old->amount_cents, was, sizeof was);
        if ((int)old->state == WV_PENDING)
            call_error(c, FSD__ERROR_CODE__ERR_CONFLICT, "job_id",
                       "job %s: a waiver of %s %s asked by %s still waits for a dispatcher", j->id, was,
                       old->currency, old->technician_id);
        else
            call_error(c, FSD__ERROR_CODE__ERR_CONFLICT, "job_id",
                       "job %s: the fee is already waived (%s %s by %s)", j->id, was, old->currency,
                       old->technician_id);
        return 0;
    }
    bool within = care_waiver_within_limit(w->amount_cents, srv->cfg.waive_limit_cents);
    if (store_care_waiver_put(srv->store, j->id, t->row->id, w->amount_cents, CARE_CURRENCY, w->reason,
                              within ? WV_APPLIED : WV_PENDING, wire_now_ms())
        < 0)
        return -1;
    char *reason = arena_alloc(c->a, strlen(w->reason) + 200);
    sprintf(reason, "%s: %s %s by %s (%s the %s %s limit%s)%s%s", within ? "fee waived" : "waiver requested",
            amount, CARE_CURRENCY, t->row->id, within ? "within" : "above", limit, CARE_CURRENCY,
            within ? "" : "; a dispatcher decides", w->reason[0] ? ": " : "", w->reason);
    if (s_note(c, v, reason) < 0)
        return -1;
    log_info("fee_waiver", "job=%s tech=%s amount=%s state=%s", j->id, t->row->id, amount,
             within ? "applied" : "pending");
    return s_reply_view(c, j->id);
}

/* A dispatcher approves or rejects the job's pending waiver. */
static int s_waiver_decide(call *c, const Fsd__CareDecision *d, bool approve)
{
    if (s_text(c, "reason", d->reason, CARE_REASON_MAX, !approve) < 0)
        return 0;
    Fsd__JobView *v;
    int rc = s_job_view(c, d->job_id, &v);
    if (rc <= 0)
        return rc;
    const Fsd__FeeWaiver *p = s_waiver_in(v, WV_PENDING);
    if (!p) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id",
                   "job %s has no fee waiver waiting for a decision", v->job_id);
        return 0;
    }
    if (store_care_waiver_decide(c->srv->store, v->job_id, approve ? WV_APPLIED : WV_REJECTED, wire_now_ms(),
                                 c->who->name, d->reason)
        <= 0)
        return -1;
    char amount[32];
    care_amount_format(p->amount_cents, amount, sizeof amount);
    char *reason = arena_alloc(c->a, strlen(d->reason) + strlen(p->reason) + 200);
    if (approve)
        sprintf(reason, "fee waived: %s %s asked by %s, approved by %s%s%s", amount, p->currency,
                p->technician_id, c->who->name, d->reason[0] ? ": " : "", d->reason);
    else
        sprintf(reason, "waiver rejected: %s %s asked by %s: %s", amount, p->currency, p->technician_id,
                d->reason);
    if (s_note(c, v, reason) < 0)
        return -1;
    log_info("fee_waiver", "job=%s amount=%s state=%s by=%s", v->job_id, amount,
             approve ? "approved" : "rejected", c->who->name);
    return s_reply_view(c, v->job_id);
}

int care_decision(call *c)
{
    const Fsd__CareDecision *d = c->req->care_decision;
    switch (d->action) {
    case FSD__CARE_ACTION__CARE_GOODWILL: return s_goodwill(c, d);
    case FSD__CARE_ACTION__CARE_CLOSE_FOLLOW_UP: return s_followup_close(c, d);
    case FSD__CARE_ACTION__CARE_RETURN_VISIT: return s_followup_visit(c, d);
    case FSD__CARE_ACTION__CARE_APPROVE_WAIVER: return s_waiver_decide(c, d, true);
    case FSD__CARE_ACTION__CARE_REJECT_WAIVER: return s_waiver_decide(c, d, false);
    default:
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "action",
                   "action must be goodwill, close_follow_up, return_visit, approve_waiver or reject_waiver");
        return 0;
    }
}

/* Marks one open job as having goodwill (store callback). */
static void s_goodwill_mark(void *arg, const char *job_id)
{
    job *j = world_job(arg, job_id);
    if (j)
        j->goodwill = true;
}

int care_load_jobs(server *srv)
{
    return store_care_each_open_goodwill(srv->store, s_goodwill_mark, srv);
}
