/*  privacy.c — who may see which customer, the access log, erasure.

    Scope. A dispatcher's key may be bound to a provider and/or a list of
    territories (AddPrincipal provider_id, territories); a key without
    either is unscoped and sees everything, as admins do. A job is in the
    scope of a scoped key when
      - the key names a provider and the job is offered to or held by (or,
        once over, was last held by) one of that provider's technicians; or
      - the key names a provider and the job is offered to or accepted
        by that provider as a company (company dispatch); or
      - the job's territory is one of the scope's territories (those given,
        else the provider's contracted ones) and, for a provider's key,
        no technician of any provider, and no company, holds or is
        offered it.
    So a provider's desk never sees the customers of work another company
    holds, and a regional desk sees its territories whoever holds the work.
    A technician is in scope when it belongs to the key's provider, or
    (no provider) covers one of the scope's territories. A scoped key
    reassigns only jobs in its scope, to technicians and territories in
    its scope; an unscoped or multi-territory one moves work across.

    Intake desks see a job only by its id together with the customer's
    phone (GetJob phone), list only the jobs they submitted, change
    (cancel, rate, complain about) only those, and look a customer up only
    by phone, without the jobs' histories.

    Out of scope answers not_found with the wording of a job that does not
    exist: what a key may not see, it cannot learn exists either.

    Access log. Every answer that shows a customer's personal data (a job
    view, a list of them, a board, a customer, escalations, follow-ups,
    notifications) to a person's key writes one row (at, principal, verb,
    job or phone, count) in the transaction of the request: rolled back
    with it, so no answer goes out without its row. While storage fails
    (reads are still served) the rows wait in memory for the next batch
    that writes. Agents' own jobs and an intake's own submission are not
    logged: they are the data's source and its worker. */
#include "privacy.h"

#include "server.h"
#include "verbs.h"
#include "world.h"
#include "jobview.h"
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/log.h"
#include "fsd/xalloc.h"
#include "fsd/wire.h"

/* ------------------------------------------------------------ scopes */

void privacy_principal_free(principal *p)
{
    free(p->scope_provider);
    free(p->scope_territories);
    p->scope_provider = p->scope_territories = NULL;
}

/* ",a,b," of a provider's contracted territories. */
static char *s_provider_territories(server *srv, const char *id)
{
    provider *p = strmap_get(srv->provider_by_id, id);
    size_t len = 2;
    for (size_t i = 0; p && i < p->row->n_territories; i++)
        len += strlen(p->row->territories[i]) + 1;
    char *csv = fsd_xmalloc(len);
    strcpy(csv, ",");
    for (size_t i = 0; p && i < p->row->n_territories; i++) {
        strcat(csv, p->row->territories[i]);
        strcat(csv, ",");
    }
    return csv;
}

/* Sets one principal's scope (store callback). */
static void s_scope_add(void *arg, const char *pub, const char *prov, const char *territories)
{
    server *srv = arg;
    principal *p = strmap_get(srv->principals, pub);
    if (!p)
        return;
    privacy_principal_free(p);
    if (prov[0])
        p->scope_provider = fsd_xstrdup(prov);
    p->scope_territories = territories[0] ? fsd_xstrdup(territories) : s_provider_territories(srv, prov);
}

int privacy_load_scopes(server *srv)
{
    return store_each_principal_scope(srv->store, s_scope_add, srv);
}

static bool s_scoped(const principal *who)
{
    return who && who->role == ROLE_DISPATCHER_ && (who->scope_provider || who->scope_territories);
}

static bool s_csv_has(const char *csv, const char *id)
{
    if (!csv || !id || !id[0])
        return false;
    size_t n = strlen(id);
    for (const char *p = strstr(csv, id); p; p = strstr(p + 1, id))
        if (p > csv && p[-1] == ',' && p[n] == ',')
            return true;
    return false;
}

bool privacy_territory_in_scope(const principal *who, const char *terr)
{
    return !s_scoped(who) || s_csv_has(who->scope_territories, terr);
}

bool privacy_in_scope(server *srv, const principal *who, const char *terr, const char *provider_id,
                      const char *technician_id)
{
    if (!s_scoped(who))
        return true;
    if (who->scope_provider && provider_id && strcmp(provider_id, who->scope_provider) == 0)
        return true;
    if (!s_csv_has(who->scope_territories, terr))
        return false;
    /* unheld: no technician, and no company holds or is offered it */
    return !who->scope_provider
           || ((!technician_id || !technician_id[0]) && (!provider_id || !provider_id[0]));
}

bool privacy_tech_in_scope(server *srv, const principal *who, const technician *t)
{
    if (!s_scoped(who))
        return true;
    if (who->scope_provider)
        return strcmp(t->row->provider_id, who->scope_provider) == 0;
    for (size_t i = 0; i < t->row->n_territories; i++)
        if (s_csv_has(who->scope_territories, t->row->territories[i]))
            return true;
    return false;
}

static bool s_view_in_scope(server *srv, const principal *who, const Fsd__JobView *v)
{
    return privacy_in_scope(srv, who, v->territory, v->provider_id, v->technician_id);
}

void privacy_list_scope(const principal *who, store_scope *out)
{
    memset(out, 0, sizeof *out);
    out->provider = "";
    out->territories = "";
    out->created_by = "";
    if (who && who->role == ROLE_INTAKE_) {
        out->created_by = who->name;
    } else if (s_scoped(who)) {
        out->scoped = true;
        out->provider = who->scope_provider ? who->scope_provider : "";
        out->territories = who->scope_territories ? who->scope_territories : ",";
    }
}

/* ------------------------------------------------------ AddPrincipal */

/* Checks the scope of an AddPrincipal: 0 fine, 1 refused (reply set). */
static int s_scope_check(call *c, const Fsd__AddPrincipal *r)
{
    if (!r->provider_id[0] && !r->n_territories)
        return 0;
    if (r->role != FSD__ROLE__ROLE_DISPATCHER) {
        call_error(
            c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, r->provider_id[0] ? "provider_id" : "territories",
            "only a dispatcher's key has a scope (intake desks see their own requests, agents their jobs)");
        return 1;
    }
    if (r->provider_id[0] && !strmap_get(c->srv->provider_by_id, r->provider_id)) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "provider_id",
                   "no provider %.60s (load providers first)", r->provider_id);
        return 1;
    }
    for (size_t i = 0; i < r->n_territories; i++)
        if (!world_territory(c->srv, r->territories[i])) {
            call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "territories",
                       "no territory %.60s (load territories first)", r->territories[i]);
            return 1;
        }
    return 0;
}

int privacy_principal_scope(call *c, const Fsd__AddPrincipal *r)
{
    return s_scope_check(c, r);
}

int privacy_principal_store(call *c, const Fsd__AddPrincipal *r)
{
    if (!r->provider_id[0] && !r->n_territories)
        return 0;
    size_t len = 2;
    for (size_t i = 0; i < r->n_territories; i++)
        len += strlen(r->territories[i]) + 1;
    char *csv = arena_alloc(c->a, len);
    strcpy(csv, r->n_territories ? "," : "");
    for (size_t i = 0; i < r->n_territories; i++) {
        strcat(csv, r->territories[i]);
        strcat(csv, ",");
    }
    return store_principal_set_scope(c->srv->store, r->name, r->provider_id, csv);
}

/* -------------------------------------------------------------- gate */

static int s_not_found(call *c, const char *field, const char *what, const char *id)
{
    call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, field, "no %s %s", what, id);
    return 1;
}

/* The intake rules for a request naming job `id`. */
static int s_intake_job(call *c, const char *id, const char *phone_given, bool by_phone)
{
    char created_by[64], phone[32];
    int rc = store_job_owner(c->srv->store, id, created_by, sizeof created_by, phone, sizeof phone);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return 0; /* the handler says no such job */
    if (by_phone) {
        char given[24];
        if (phone_given[0] && phone_normalize(phone_given, given, sizeof given) == 0 && phone[0]
            && strcmp(given, phone) == 0)
            return 0;
        return s_not_found(c, "job_id", "job", id);
    }
    if (created_by[0] && strcmp(created_by, c->who->name) == 0)
        return 0;
    return s_not_found(c, "job_id", "job", id);
}

/* The scope rule for a request naming job `id`. */
static int s_scoped_job(call *c, const char *id)
{
    Fsd__JobView *v;
    int rc = jobview_get(c->srv, c->a, id, false, &v);
    if (rc <= 0)
        return rc; /* -1, or the handler says no such job */
    return s_view_in_scope(c->srv, c->who, v) ? 0 : s_not_found(c, "job_id", "job", id);
}

/* The job a care decision is about (its own, or its follow-up's). */
static int s_decision_job(call *c, const Fsd__CareDecision *d, const char **id)
{
    *id = d->job_id;
    if (d->job_id[0] || !d->follow_up_id[0])
        return 0;
    const char *s = d->follow_up_id;
    if (*s == 'F' || *s == 'f')
        s++;
    char *end;
    long long n = strtoll(s, &end, 10);
    if (*end || n <= 0)
        return 0;
    store_followup f;
    int rc = store_care_followup_get(c->srv->store, c->a, n, &f);
    if (rc > 0)
        *id = f.job_id;
    return rc < 0 ? -1 : 0;
}

int privacy_gate(call *c)
{
    const principal *who = c->who;
    const Fsd__Envelope *q = c->req;
    if (who->role == ROLE_INTAKE_) {
        switch (q->body_case) {
        case FSD__ENVELOPE__BODY_GET_JOB: return s_intake_job(c, q->get_job->job_id, q->get_job->phone, true);
        case FSD__ENVELOPE__BODY_CANCEL_JOB: return s_intake_job(c, q->cancel_job->job_id, "", false);
        case FSD__ENVELOPE__BODY_RATE_JOB: return s_intake_job(c, q->rate_job->job_id, "", false);
        case FSD__ENVELOPE__BODY_COMPLAIN: return s_intake_job(c, q->complain->job_id, "", false);
        case FSD__ENVELOPE__BODY_GET_LINK: return s_intake_job(c, q->get_link->job_id, "", false);
        case FSD__ENVELOPE__BODY_GET_CUSTOMER:
            if (q->get_customer->job_id[0] && !q->get_customer->phone[0]) {
                call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "phone",
                           "an intake desk looks a customer up by their phone number, not by a job");
                return 1;
            }
            return 0;
        default: return 0;
        }
    }
    if (!s_scoped(who))
        return 0;
    const char *id = NULL;
    switch (q->body_case) {
    case FSD__ENVELOPE__BODY_SET_CUSTOMER:
        /* the answer shows the stored record: a scoped key would read any
           customer's by phone; customer records are kept by the office */
        call_error(c, FSD__ERROR_CODE__ERR_FORBIDDEN, "",
                   "%s is scoped to a provider or territories: customer records are set by unscoped "
                   "dispatchers and admins",
                   who->name);
        return 1;
    case FSD__ENVELOPE__BODY_GET_JOB: id = q->get_job->job_id; break;
    case FSD__ENVELOPE__BODY_CANCEL_JOB: id = q->cancel_job->job_id; break;
    case FSD__ENVELOPE__BODY_RATE_JOB: id = q->rate_job->job_id; break;
    case FSD__ENVELOPE__BODY_EXPLAIN: id = q->explain->job_id; break;
    case FSD__ENVELOPE__BODY_COMPLAIN: id = q->complain->job_id; break;
    case FSD__ENVELOPE__BODY_GET_LINK: id = q->get_link->job_id; break;
    case FSD__ENVELOPE__BODY_GET_CUSTOMER: id = q->get_customer->job_id; break;
    case FSD__ENVELOPE__BODY_LIST_NOTIFICATIONS: id = q->list_notifications->job_id; break;
    case FSD__ENVELOPE__BODY_CARE_DECISION:
        if (s_decision_job(c, q->care_decision, &id) < 0)
            return -1;
        break;
    case FSD__ENVELOPE__BODY_COMPANY_OFFER_REPLY: id = q->company_offer_reply->job_id; break;
    case FSD__ENVELOPE__BODY_COMPANY_ASSIGN: {
        int rc = s_scoped_job(c, q->company_assign->job_id);
        if (rc != 0)
            return rc;
        technician *t = world_tech(c->srv, q->company_assign->technician_id);
        if (t && !privacy_tech_in_scope(c->srv, who, t))
            return s_not_found(c, "technician_id", "technician", q->company_assign->technician_id);
        return 0;
    }
    case FSD__ENVELOPE__BODY_REASSIGN: {
        const Fsd__Reassign *r = q->reassign;
        int rc = r->job_id[0] ? s_scoped_job(c, r->job_id) : 0;
        if (rc != 0)
            return rc;
        technician *t = r->technician_id[0] ? world_tech(c->srv, r->technician_id) : NULL;
        if (t && !privacy_tech_in_scope(c->srv, who, t))
            return s_not_found(c, "technician_id", "technician", r->technician_id);
        if (r->territory[0] && world_territory(c->srv, r->territory)
            && !privacy_territory_in_scope(who, r->territory)) {
            call_error(c, FSD__ERROR_CODE__ERR_FORBIDDEN, "territory",
                       "territory %s is outside the scope of %s", r->territory, who->name);
            return 1;
        }
        return 0;
    }
    default: return 0;
    }
    return id && id[0] ? s_scoped_job(c, id) : 0;
}

/* ------------------------------------------------------ access log */

typedef struct {
    int64_t at;
    char principal[48], verb[32], job_id[24], phone[24];
    unsigned count;
} s_pending_row;

/* The access log's rows wait here until a commit takes them: the loop
   writes them in a transaction of their own after a batch's answers are
   sent (privacy_access_write, privacy_access_settled), so a read is never
   refused because its row could not be written at that moment (a full
   disk). Past this many waiting rows, reads of customers' data are refused
   instead: no read goes unlogged. */
#define PENDING_MAX 4096
static s_pending_row s_pending[PENDING_MAX];
static size_t s_n_pending;
static size_t s_n_in_txn; /* the first rows, written in the open transaction */

static int s_log(call *c, const char *verb, const char *job_id, const char *phone, unsigned count)
{
    if (s_n_pending == PENDING_MAX) {
        call_error(c, FSD__ERROR_CODE__ERR_UNAVAILABLE, "",
                   "the access log cannot be written (storage failure): customers' data is not shown "
                   "until it can; retry later");
        return 0;
    }
    s_pending_row *p = &s_pending[s_n_pending++];
    p->at = wire_now_ms();
    snprintf(p->principal, sizeof p->principal, "%s", c->who->name);
    snprintf(p->verb, sizeof p->verb, "%s", verb);
    snprintf(p->job_id, sizeof p->job_id, "%s", job_id);
    snprintf(p->phone, sizeof p->phone, "%s", phone);
    p->count = count;
    return 0;
}

size_t privacy_access_pending(void)
{
    return s_n_pending - s_n_in_txn;
}

int privacy_access_write(server *srv)
{
    for (; s_n_in_txn < s_n_pending; s_n_in_txn++) {
        s_pending_row *p = &s_pending[s_n_in_txn];
        if (store_access_put(srv->store, p->at, p->principal, p->verb, p->job_id, p->phone, p->count) < 0)
            return -1;
    }
    return 0;
}

void privacy_access_settled(bool committed)
{
    if (committed && s_n_in_txn) {
        memmove(s_pending, s_pending + s_n_in_txn, (s_n_pending - s_n_in_txn) * sizeof *s_pending);
        s_n_pending -= s_n_in_txn;
    }
    s_n_in_txn = 0;
}

/* Keeps the views in scope (in place); returns how many remain. */
static size_t s_keep_views(call *c, Fsd__JobView **v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s_view_in_scope(c->srv, c->who, v[i]))
            v[k++] = v[i];
    return k;
}

/* Whether the open or closed job `id` is in scope (its view read). */
static int s_job_id_in_scope(call *c, const char *id)
{
    Fsd__JobView *v;
    int rc = jobview_get(c->srv, c->a, id, false, &v);
    if (rc <= 0)
        return rc;
    return s_view_in_scope(c->srv, c->who, v);
}

static int s_board_after(call *c, Fsd__BoardView *b)
{
    if (s_scoped(c->who)) {
        b->n_escalated = s_keep_views(c, b->escalated, b->n_escalated);
        b->n_waiting = s_keep_views(c, b->waiting, b->n_waiting);
        b->n_offered = s_keep_views(c, b->offered, b->n_offered);
        b->n_assigned = s_keep_views(c, b->assigned, b->n_assigned);
        b->n_in_progress = s_keep_views(c, b->in_progress, b->n_in_progress);
        b->n_at_risk = s_keep_views(c, b->at_risk, b->n_at_risk);
        b->n_breached = s_keep_views(c, b->breached, b->n_breached);
        size_t k = 0;
        for (size_t i = 0; i < b->n_technicians; i++) {
            technician *t = world_tech(c->srv, b->technicians[i]->id);
            if (t && privacy_tech_in_scope(c->srv, c->who, t))
                b->technicians[k++] = b->technicians[i];
        }
        b->n_technicians = k;
    }
    size_t n = b->n_escalated + b->n_waiting + b->n_offered + b->n_assigned + b->n_in_progress;
    return n ? s_log(c, "board", "", "", (unsigned)n) : 0;
}

static int s_customer_after(call *c, Fsd__CustomerView *cv)
{
    if (s_scoped(c->who)) {
        cv->n_jobs = s_keep_views(c, cv->jobs, cv->n_jobs);
        if (!cv->n_jobs) {
            /* none of theirs in scope: as if there were no such customer */
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "phone", "no customer with phone %s",
                       cv->customer->phone);
            return 0;
        }
        cv->total_jobs = (uint32_t)cv->n_jobs;
    }
    if (c->who->role == ROLE_INTAKE_)
        for (size_t i = 0; i < cv->n_jobs; i++) {
            /* a desk needs where each request stands, not its notes */
            cv->jobs[i]->n_history = 0;
            cv->jobs[i]->n_follow_ups = 0;
            cv->jobs[i]->n_notifications = 0;
        }
    return s_log(c, "get_customer", c->req->get_customer->job_id, cv->customer->phone, (unsigned)cv->n_jobs);
}

/* The verb of the request, as logged: the envelope field's name. */
static const char *s_verb(const call *c)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&fsd__envelope__descriptor, (unsigned)c->req->body_case);
    return f ? f->name : "-";
}

int privacy_after(call *c)
{
    const Fsd__Envelope *r = c->reply;
    if (c->who->role == ROLE_AGENT_ || c->req->body_case == FSD__ENVELOPE__BODY_SUBMIT_REQUEST)
        return 0;
    switch (r->body_case) {
    case FSD__ENVELOPE__BODY_JOB_VIEW: return s_log(c, s_verb(c), r->job_view->job_id, "", 1);
    case FSD__ENVELOPE__BODY_JOB_LIST: {
        Fsd__JobList *l = r->job_list;
        if (s_scoped(c->who))
            l->n_jobs = s_keep_views(c, l->jobs, l->n_jobs);
        return l->n_jobs
                   ? s_log(c, s_verb(c), "",
                           c->req->body_case == FSD__ENVELOPE__BODY_LIST_JOBS ? c->req->list_jobs->phone : "",
                           (unsigned)l->n_jobs)
                   : 0;
    }
    case FSD__ENVELOPE__BODY_BOARD_VIEW: return s_board_after(c, r->board_view);
    case FSD__ENVELOPE__BODY_JOB_LINK: /* the link opens the job's page: logged like reading it */
        return s_log(c, s_verb(c), r->job_link->job_id, "", 1);
    case FSD__ENVELOPE__BODY_CUSTOMER_VIEW:
        if (c->req->body_case != FSD__ENVELOPE__BODY_GET_CUSTOMER)
            return 0; /* set customer: what was just written */
        return s_customer_after(c, r->customer_view);
    case FSD__ENVELOPE__BODY_ESCALATION_LIST: {
        Fsd__EscalationList *l = r->escalation_list;
        size_t k = 0;
        for (size_t i = 0; i < l->n_items; i++)
            if (s_view_in_scope(c->srv, c->who, l->items[i]->job))
                l->items[k++] = l->items[i];
        if (s_scoped(c->who))
            l->total = (uint32_t)k;
        l->n_items = k;
        return k ? s_log(c, "escalations", "", "", (unsigned)k) : 0;
    }
    case FSD__ENVELOPE__BODY_FOLLOW_UPS: {
        Fsd__FollowUps *l = r->follow_ups;
        size_t k = 0;
        for (size_t i = 0; i < l->n_items; i++) {
            int in = s_scoped(c->who) ? s_job_id_in_scope(c, l->items[i]->job_id) : 1;
            if (in < 0)
                return -1;
            if (in)
                l->items[k++] = l->items[i];
        }
        l->n_items = k;
        return k ? s_log(c, "follow_ups", "", "", (unsigned)k) : 0;
    }
    case FSD__ENVELOPE__BODY_NOTIFICATION_LIST: {
        Fsd__NotificationList *l = r->notification_list;
        size_t k = 0;
        for (size_t i = 0; i < l->n_notifications; i++) {
            int in = s_scoped(c->who) ? s_job_id_in_scope(c, l->notifications[i]->job_id) : 1;
            if (in < 0)
                return -1;
            if (in)
                l->notifications[k++] = l->notifications[i];
        }
        l->n_notifications = k;
        return k ? s_log(c, "list_notifications", c->req->list_notifications->job_id, "", (unsigned)k) : 0;
    }
    case FSD__ENVELOPE__BODY_TECHNICIAN_LIST: {
        Fsd__TechnicianList *l = r->technician_list;
        if (!s_scoped(c->who))
            return 0;
        size_t k = 0;
        for (size_t i = 0; i < l->n_technicians; i++) {
            technician *t = world_tech(c->srv, l->technicians[i]->id);
            if (t && privacy_tech_in_scope(c->srv, c->who, t))
                l->technicians[k++] = l->technicians[i];
        }
        l->n_technicians = k;
        return 0;
    }
    case FSD__ENVELOPE__BODY_COMPANY_OFFERS: {
        Fsd__CompanyOffers *l = r->company_offers;
        if (s_scoped(c->who))
            l->n_jobs = s_keep_views(c, l->jobs, l->n_jobs);
        return l->n_jobs ? s_log(c, "company_offers", "", "", (unsigned)l->n_jobs) : 0;
    }
    case FSD__ENVELOPE__BODY_EXPLANATION: {
        /* another company's technicians are not shown to a provider's desk */
        Fsd__Explanation *e = r->explanation;
        if (!s_scoped(c->who) || !c->who->scope_provider)
            return 0;
        size_t k = 0;
        for (size_t i = 0; i < e->n_candidates; i++)
            if (strcmp(e->candidates[i]->provider_id, c->who->scope_provider) == 0)
                e->candidates[k++] = e->candidates[i];
        e->n_candidates = k;
        return 0;
    }
    default: return 0;
    }
}

/* ------------------------------------------------- audit and forget */

int privacy_audit(call *c)
{
    const Fsd__AuditQuery *q = c->req->audit_query;
    if (q->limit > 1000) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "limit", "limit is 1 to 1000 (0: 100)");
        return 0;
    }
    char phone[24] = "";
    if (q->phone[0] && phone_normalize(q->phone, phone, sizeof phone) < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "phone", "phone '%.40s' is not a phone number",
                   q->phone);
        return 0;
    }
    if (q->since < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "since",
                   "since is a UTC time in ms, not negative");
        return 0;
    }
    /* the rows still waiting belong in the answer (a read-only batch
       while storage fails cannot write them: the answer lacks those) */
    if (!c->srv->resting && privacy_access_write(c->srv) < 0)
        return -1;
    Fsd__AuditList *l = arena_alloc(c->a, sizeof *l);
    fsd__audit_list__init(l);
    store_access_row *rows;
    size_t n;
    if (store_access_list(c->srv->store, c->a, q->principal, q->job_id, phone, q->since,
                          q->limit ? q->limit : 100, &rows, &n)
        < 0)
        return -1;
    l->rows = views_access_rows(c->a, rows, n);
    l->n_rows = n;
    c->reply->body_case = FSD__ENVELOPE__BODY_AUDIT_LIST;
    c->reply->audit_list = l;
    return 0;
}

int privacy_forget(call *c)
{
    const Fsd__ForgetCustomer *q = c->req->forget_customer;
    char phone[24];
    if (phone_normalize(q->phone, phone, sizeof phone) < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "phone",
                   "phone '%.40s' is not a phone number (7 to 15 digits, optional +)", q->phone);
        return 0;
    }
    /* rows still waiting may name the phone: they are erased with the rest */
    if (privacy_access_write(c->srv) < 0)
        return -1;
    char ids[256];
    unsigned open;
    if (store_customer_open_jobs(c->srv->store, phone, ids, sizeof ids, &open) < 0)
        return -1;
    if (open) {
        call_error(c, FSD__ERROR_CODE__ERR_CONFLICT, "phone",
                   "customer %s has %u open job%s (%s): nothing was erased; cancel or close %s first", phone,
                   open, open == 1 ? "" : "s", ids, open == 1 ? "it" : "them");
        return 0;
    }
    Fsd__ForgetResult *r = arena_alloc(c->a, sizeof *r);
    fsd__forget_result__init(r);
    /* r->phone stays empty: the answer is remembered for retries */
    bool customer;
    if (store_customer_forget(c->srv->store, phone, &r->jobs, &r->notifications, &customer, &r->access_rows)
        < 0)
        return -1;
    r->customer = customer;
    if (!r->jobs && !r->customer) {
        call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "phone", "no customer with phone %s", phone);
        return 0;
    }
    /* audited without the phone: the row must not keep what was erased */
    if (store_access_put(c->srv->store, wire_now_ms(), c->who->name, "forget_customer", "", "", r->jobs) < 0)
        return -1;
    log_info("customer_forgotten", "by=%s jobs=%u notifications=%u", c->who->name, r->jobs, r->notifications);
    c->reply->body_case = FSD__ENVELOPE__BODY_FORGET_RESULT;
    c->reply->forget_result = r;
    return 0;
}
