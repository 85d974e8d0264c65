/*  jobnew.c — where jobs are made: a customer's request and a return
    visit take the same path (validated, placed, warranty decided, stored,
    matched). */
#include "jobnew.h"

#include "dispatch.h"
#include "jobs.h"
#include "jobview.h"
#include "notify.h"
#include "refrows.h"
#include "reply.h"
#include "windows.h"
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fsd/log.h"
#include "fsd/xalloc.h"
#include "fsd/warranty.h"
#include "fsd/wire.h"

#define FIELD_MAX 200
#define PROBLEM_MAX 2000

/* Warranty status of the appliance as of the reported day; an error
   reply when the serial is registered as another brand or category. */
static int s_warranty(call *c, const jobnew_request *r, const territory *terr, int64_t reported_at,
                      warranty_status *out, char *model, size_t model_len)
{
    *out = WS_UNREGISTERED;
    snprintf(model, model_len, "%s", r->model);
    if (!r->serial[0])
        return 0;
    Fsd__ProductRow *p;
    int rc = refrows_get_product(c->srv->store, r->serial, &p);
    if (rc <= 0)
        return rc;
    rc = 0;
    if (strcasecmp(p->brand, r->brand) != 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "brand",
                   "serial %s is registered as a %s %s, not %s", p->serial, p->brand, p->category, r->brand);
        rc = 1;
    } else if (strcmp(p->category, r->category) != 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "category",
                   "serial %s is registered as a %s, not a %s", p->serial, p->category, r->category);
        rc = 1;
    } else {
        warranty_terms terms = { .warranty_months = (int)p->warranty_months };
        civil_parse(p->purchase_date, &terms.purchased);
        terms.has_extended =
            p->extended_until[0] && civil_parse(p->extended_until, &terms.extended_until) == 0;
        tzone_local local;
        if (tzone_localize(terr->row->tz, reported_at, &local) < 0)
            tzone_localize("UTC", reported_at, &local);
        *out = warranty_decide(&terms, local.date);
        if (!model[0])
            snprintf(model, model_len, "%s", p->model);
    }
    fsd__product_row__free_unpacked(p, NULL);
    return rc;
}

/* The customer's record: blocked ones are refused (reply set, returns 1). */
static int s_customer(call *c, const char *phone, const char *name, char *tier, size_t tier_len)
{
    Fsd__CustomerRow *cust;
    int rc = refrows_get_customer(c->srv->store, c->a, phone, &cust);
    if (rc < 0)
        return -1;
    snprintf(tier, tier_len, "standard");
    if (rc == 0) {
        Fsd__CustomerRow fresh = FSD__CUSTOMER_ROW__INIT;
        fresh.phone = (char *)phone;
        fresh.name = (char *)name;
        fresh.tier = "standard";
        return refrows_put_customer(c->srv->store, &fresh);
    }
    if (cust->blocked) {
        c->srv->counters[C_REFUSED]++;
        /* the internal note stays in the office (fsdctl customer show, for dispatchers) */
        call_error(c, FSD__ERROR_CODE__ERR_CUSTOMER_BLOCKED, "phone",
                   "customer %s is blocked: no request can be taken for them; please refer them to %s", phone,
                   care_contact(c->srv));
        return 1;
    }
    snprintf(tier, tier_len, "%s", cust->tier);
    return 0;
}

/* What intake decided of a request before anything is recorded. */
typedef struct {
    int64_t now, reported_at;
    char phone[24]; /* normalised */
    geo_point at;
    int terr;                   /* index of the territory that holds the place */
    int64_t win_start, win_end; /* the appointment window asked (0: none) */
    warranty_status warranty;
    char model[65]; /* as asked, or as registered with the serial */
    char tier[16];  /* the customer's tier */
} s_intake;

/* Checks every field of r and places it: true when all are fine, else
   false with the error in c's reply. Nothing is recorded. */
static bool s_fields_ok(call *c, const jobnew_request *r, s_intake *in)
{
    if (call_text(c, "customer_name", r->customer_name, 100, true) < 0
        || call_text(c, "address", r->address, FIELD_MAX, true) < 0
        || call_text(c, "brand", r->brand, 40, true) < 0 || call_text(c, "serial", r->serial, 64, false) < 0
        || call_text(c, "model", r->model, 64, false) < 0
        || call_text(c, "problem", r->problem, PROBLEM_MAX, true) < 0)
        return false;
    if (phone_normalize(r->phone, in->phone, sizeof in->phone) < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "phone",
                   "phone '%s' is not a phone number (7 to 15 digits, optional +)", r->phone);
        return false;
    }
    if (!category_known(r->category)) {
        call_error(
            c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "category",
            "unknown appliance category '%s' (the built-in ones, see 'fsdctl request --help', or those "
            "loaded with 'fsdctl category load')",
            r->category);
        return false;
    }
    in->at = (geo_point){ r->lat, r->lon };
    if (!geo_valid(in->at) || (r->lat == 0 && r->lon == 0)) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "lat",
                   "position %.5f,%.5f is not a valid latitude,longitude", r->lat, r->lon);
        return false;
    }
    if (r->urgency != FSD__PRIORITY__PRIORITY_UNSPECIFIED && r->urgency != FSD__PRIORITY__PRIORITY_NORMAL
        && r->urgency != FSD__PRIORITY__PRIORITY_HIGH) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "urgency", "urgency is normal or high");
        return false;
    }
    in->reported_at = r->reported_at ? r->reported_at : in->now;
    if (in->reported_at > in->now + 5 * 60000 || in->reported_at < in->now - 366LL * 86400000) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "reported_at",
                   "reported_at must be within the last year and not in the future");
        return false;
    }
    in->terr = world_territory_at(c->srv, in->at);
    if (in->terr < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_OUT_OF_AREA, "lat",
                   "position %.5f,%.5f is outside every territory served", r->lat, r->lon);
        return false;
    }
    return true;
}

/* The window (read in the place's zone), the warranty and the customer,
   in the order that lets each refuse before anything is recorded; a
   refusal is counted (a blocked customer's where it is found). */
static jobnew_result s_decide(call *c, const jobnew_request *r, s_intake *in)
{
    if (windows_intake(c, r->window, in->terr, in->now, &in->win_start, &in->win_end) != 0) {
        c->srv->counters[C_REFUSED]++;
        return JOBNEW_REFUSED;
    }
    int rc = s_warranty(c, r, &c->srv->territories[in->terr], in->reported_at, &in->warranty, in->model,
                        sizeof in->model);
    if (rc < 0)
        return JOBNEW_FAILED;
    if (rc > 0) {
        c->srv->counters[C_REFUSED]++;
        return JOBNEW_REFUSED;
    }
    rc = s_customer(c, in->phone, r->customer_name, in->tier, sizeof in->tier);
    if (rc != 0)
        return rc < 0 ? JOBNEW_FAILED : JOBNEW_REFUSED;
    return JOBNEW_MADE;
}

/* The job in memory, numbered, with its priority and SLA deadlines. */
static job *s_job_new(server *srv, const jobnew_request *r, const s_intake *in)
{
    job *j = fsd_xcalloc(1, sizeof *j);
    job_text text = { .phone = in->phone,
                      .customer_name = r->customer_name,
                      .tier = in->tier,
                      .address = r->address,
                      .brand = r->brand,
                      .serial = r->serial,
                      .model = in->model,
                      .problem = r->problem };
    jobview_keep_text(j, &text);
    snprintf(j->id, sizeof j->id, "J%06ld", ++srv->job_number);
    j->state = JS_NEW;
    j->territory = in->terr;
    j->at = in->at;
    j->category = world_category(r->category);
    j->version = 1; /* the row's first */
    j->warranty = in->warranty;
    j->created_at = in->now;
    /* urgent faults are high priority too, whatever the tier */
    j->priority_tier = strcmp(in->tier, "priority") == 0;
    j->urgency = r->urgency == FSD__PRIORITY__PRIORITY_HIGH ? PRIO_HIGH : PRIO_NORMAL;
    j->prio = j->priority_tier || j->urgency == PRIO_HIGH ? PRIO_HIGH : PRIO_NORMAL;
    /* deadlines from the SLA policy, counted from the report */
    sla_decide(srv, j, in->reported_at);
    if (in->win_end)
        windows_deadlines(j, in->win_start, in->win_end);
    return j;
}

/* The job's row, its window and its first event. 0, or -1. */
static int s_job_store(call *c, const jobnew_request *r, const s_intake *in, const job *j)
{
    server *srv = c->srv;
    store_job sj = {
        .id = j->id,
        .state = JS_NEW,
        .territory = srv->territories[in->terr].row->id,
        .phone = in->phone,
        .customer_name = r->customer_name,
        .tier = in->tier,
        .address = r->address,
        .lat = r->lat,
        .lon = r->lon,
        .brand = r->brand,
        .category = r->category,
        .serial = r->serial,
        .model = in->model,
        .problem = r->problem,
        .warranty = j->warranty,
        .priority = j->prio,
        .created_at = in->now,
        .assign_by = j->assign_by,
        .arrive_by = j->arrive_by,
        .fix_by = j->fix_by,
        .sla_policy = j->sla_policy,
        .sla_clock = j->sla_clock,
        .sla_start = j->sla_start,
        .risk_at = { j->risk_at[0], j->risk_at[1], j->risk_at[2] },
        .urgency = j->urgency,
        .created_by = c->who->name, /* intake desks see their own */
    };
    if (store_job_insert(srv->store, &sj, srv->job_number) < 0 || windows_store(srv, j) < 0)
        return -1;
    return store_event_append(srv->store, j->id, in->now, world_actor_name(c->who), JOB_STATE_NONE, JS_NEW,
                              "", "request received");
}

jobnew_result jobnew_create(call *c, const jobnew_request *r, job **out)
{
    server *srv = c->srv;
    s_intake in = { .now = wire_now_ms() };
    if (!s_fields_ok(c, r, &in)) {
        srv->counters[C_REFUSED]++;
        return JOBNEW_REFUSED;
    }
    jobnew_result rc = s_decide(c, r, &in);
    if (rc != JOBNEW_MADE)
        return rc;
    job *j = s_job_new(srv, r, &in);
    if (s_job_store(c, r, &in, j) < 0) {
        world_job_free(j);
        return JOBNEW_FAILED;
    }
    strmap_put(srv->jobs, j->id, j);
    if (job_mark_moved(srv, j) < 0 || notify_job_event(srv, j, NE_RECEIVED, NULL, in.now) < 0)
        return JOBNEW_FAILED;
    srv->counters[C_REQUESTS]++;
    log_info("request", "job=%s territory=%s warranty=%s priority=%s sla=%s", j->id,
             srv->territories[in.terr].row->id, warranty_name(j->warranty), priority_name(j->prio),
             j->sla_policy);
    if (dispatch_job(srv, j, in.now) < 0)
        return JOBNEW_FAILED;
    *out = j;
    return JOBNEW_MADE;
}

jobnew_result jobnew_submit(call *c, job **out)
{
    const Fsd__SubmitRequest *s = c->req->submit_request;
    jobnew_request r = {
        .customer_name = s->customer_name,
        .phone = s->phone,
        .address = s->address,
        .lat = s->lat,
        .lon = s->lon,
        .brand = s->brand,
        .category = s->category,
        .serial = s->serial,
        .model = s->model,
        .problem = s->problem,
        .reported_at = s->reported_at,
        .urgency = s->urgency,
        .window = s->window,
    };
    return jobnew_create(c, &r, out);
}
