/*  intake.c — what the intake desk asks: new repair requests, a job's
    view, lists of jobs, cancellations and ratings.

    Each handler validates every field before it changes anything, so a
    refused request leaves no trace but its error reply. Storage failures
    return -1 and the loop abandons the whole batch. */
#include "dispatch.h"
#include "jobs.h"
#include "jobnew.h"
#include "notify.h"
#include "privacy.h"
#include "server.h"
#include "jobview.h"
#include "refrows.h"
#include "verbs.h"
#include "windows.h"
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/log.h"
#include "fsd/xalloc.h"
#include "fsd/warranty.h"
#include "fsd/wire.h"

#define FIELD_MAX 200
#define PROBLEM_MAX 2000

/* A new repair request: the job is made by jobnew.c, the reply is its view. */
int intake_submit(call *c)
{
    job *j;
    int rc = jobnew_submit(c, &j);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    return call_reply_job(c, j->id, false);
}

/* The job's view with its history (GetJob). */
int intake_get_job(call *c)
{
    return call_reply_job(c, c->req->get_job->job_id, true);
}

/* Customer or dispatcher cancels; the holder, if any, is told. */
int intake_cancel_job(call *c, const char *job_id, const char *reason)
{
    if (call_text(c, "reason", reason, FIELD_MAX, false) < 0)
        return 1;
    job *j = call_open_job(c, job_id);
    if (!j)
        return 1;
    technician *holder = job_state_holds_capacity(j->state) ? j->tech : NULL;
    const char *why;
    int rc = job_move(c->srv, j, JS_CANCELLED, c->who, NULL, reason[0] ? reason : "cancelled", &why);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id", "%s", why);
        return 1;
    }
    if (holder && dispatch_revoke(c->srv, holder, j, FSD__REVOKE_REASON__REVOKE_CANCELLED, "cancelled") < 0)
        return -1;
    job_forget_if_done(c->srv, j);
    return 0;
}

int intake_cancel(call *c)
{
    const Fsd__CancelJob *r = c->req->cancel_job;
    int rc = intake_cancel_job(c, r->job_id, r->reason);
    return rc != 0 ? (rc < 0 ? -1 : 0) : call_reply_job(c, r->job_id, false);
}

/* The customer's rating closes a completed job. */
int intake_rate_job(call *c, const char *job_id, unsigned stars, const char *comment)
{
    if (stars < 1 || stars > 5) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "stars", "a rating is 1 to 5 stars");
        return 1;
    }
    if (call_text(c, "comment", comment, PROBLEM_MAX, false) < 0)
        return 1;
    job *j = call_open_job(c, job_id);
    if (!j)
        return 1;
    if (j->state != JS_COMPLETED) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id",
                   "job %s is %s: only a completed job can be rated", j->id, job_state_name(j->state));
        return 1;
    }
    char reason[64];
    snprintf(reason, sizeof reason, "rated %u/5", stars);
    const char *why;
    /* the rating is stored only once the move is allowed: a refusal leaves no trace */
    int rc = job_move(c->srv, j, JS_CLOSED, c->who, NULL, reason, &why);
    if (rc != 0) {
        if (rc < 0)
            return -1;
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id", "%s", why);
        return 1;
    }
    if (store_job_set_rating(c->srv->store, j->id, (int)stars, comment) < 0)
        return -1;
    j->version++;
    if (care_after_rating(c, j, stars, comment) < 0) /* a low rating opens a follow-up */
        return -1;
    job_forget_if_done(c->srv, j);
    return 0;
}

int intake_rate(call *c)
{
    const Fsd__RateJob *r = c->req->rate_job;
    int rc = intake_rate_job(c, r->job_id, r->stars, r->comment);
    return rc != 0 ? (rc < 0 ? -1 : 0) : call_reply_job(c, r->job_id, false);
}

int intake_list_jobs(call *c)
{
    const Fsd__ListJobs *r = c->req->list_jobs;
    if ((int)r->state < 0 || (int)r->state >= JS_COUNT_) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "state", "unknown job state");
        return 0;
    }
    char phone[24] = "";
    if (r->phone[0] && phone_normalize(r->phone, phone, sizeof phone) < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "phone", "phone '%s' is not a phone number",
                   r->phone);
        return 0;
    }
    Fsd__JobList *l = arena_alloc(c->a, sizeof *l);
    fsd__job_list__init(l);
    unsigned limit = r->limit && r->limit <= 1000 ? r->limit : 100;
    store_scope scope; /* privacy: a desk's own, a dispatcher's scope */
    privacy_list_scope(c->who, &scope);
    if (jobview_list_scoped(c->srv->store, c->a, &scope, r->territory, r->state, r->technician_id, phone,
                            limit, &l->jobs, &l->n_jobs)
        < 0)
        return -1;
    c->reply->body_case = FSD__ENVELOPE__BODY_JOB_LIST;
    c->reply->job_list = l;
    return 0;
}
