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

jobnew_result jobnew_create(call *c, const jobnew_request *r, job **out)
{
    server *srv = c->srv;
    char phone[24];
    int64_t now = wire_now_ms();
    if (call_text(c, "customer_name", r->customer_name, 100, true) < 0
        || call_text(c, "address", r->address, FIELD_MAX, true) < 0
        || call_text(c, "brand", r->brand, 40, true) < 0 || call_text(c, "serial", r->serial, 64, false) < 0
        || call_text(c, "model", r->model, 64, false) < 0
        || call_text(c, "problem", r->problem, PROBLEM_MAX, true) < 0)
        goto refused;
    if (phone_normalize(r->phone, phone, sizeof phone) < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "phone",
                   "phone '%s' is not a phone number (7 to 15 digits, optional +)", r->phone);
        goto refused;
    }
    if (!category_known(r->category)) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "category",
                   "unknown appliance category '%s' (see 'fsdctl request --help')", r->category);
        goto refused;
    }
    geo_point at = { r->lat, r->lon };
    if (!geo_valid(at) || (r->lat == 0 && r->lon == 0)) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "lat",
                   "position %.5f,%.5f is not a valid latitude,longitude", r->lat, r->lon);
        goto refused;
    }
    if (r->urgency != FSD__PRIORITY__PRIORITY_UNSPECIFIED && r->urgency != FSD__PRIORITY__PRIORITY_NORMAL
        && r->urgency != FSD__PRIORITY__PRIORITY_HIGH) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "urgency", "urgency is normal or high");
        goto refused;
    }
    int64_t reported_at = r->reported_at ? r->reported_at : now;
    if (reported_at > now + 5 * 60000 || reported_at < now - 366LL * 86400000) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "reported_at",
                   "reported_at must be within the last year and not in the future");
        goto refused;
    }
    int terr = world_territory_at(srv, at);
    if (terr < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_OUT_OF_AREA, "lat",
                   "position %.5f,%.5f is outside every territory served", r->lat, r->lon);
        goto refused;
    }
    /* an appointment window is read in the place's zone, before anything is recorded */
    int64_t win_start, win_end;
    if (windows_intake(c, r->window, terr, now, &win_start, &win_end) != 0)
        goto refused;
    /* the warranty check may refuse: before the customer is recorded */
    warranty_status w;
    char model[65];
    int rc = s_warranty(c, r, &srv->territories[terr], reported_at, &w, model, sizeof model);
    if (rc > 0)
        goto refused;
    if (rc < 0)
        return JOBNEW_FAILED;
    char tier[16];
    rc = s_customer(c, phone, r->customer_name, tier, sizeof tier);
    if (rc != 0)
        return rc < 0 ? JOBNEW_FAILED : JOBNEW_REFUSED;

    /* urgent faults are high priority too, whatever the tier */
    bool priority_tier = strcmp(tier, "priority") == 0;
    priority urgency = r->urgency == FSD__PRIORITY__PRIORITY_HIGH ? PRIO_HIGH : PRIO_NORMAL;
    priority prio = priority_tier || urgency == PRIO_HIGH ? PRIO_HIGH : PRIO_NORMAL;
    job *j = fsd_xcalloc(1, sizeof *j);
    job_text text = { .phone = phone,
                      .customer_name = r->customer_name,
                      .tier = tier,
                      .address = r->address,
                      .brand = r->brand,
                      .serial = r->serial,
                      .model = model,
                      .problem = r->problem };
    jobview_keep_text(j, &text);
    long number = ++srv->job_number;
    snprintf(j->id, sizeof j->id, "J%06ld", number);
    j->state = JS_NEW;
    j->territory = terr;
    j->at = at;
    j->category = world_category(r->category);
    j->version = 1; /* the row's first */
    j->warranty = w;
    j->prio = prio;
    j->created_at = now;
    /* deadlines from the SLA policy, counted from the report */
    j->priority_tier = priority_tier;
    j->urgency = urgency;
    sla_decide(srv, j, reported_at);
    if (win_end)
        windows_deadlines(j, win_start, win_end);
    store_job sj = {
        .id = j->id,
        .state = JS_NEW,
        .territory = srv->territories[terr].row->id,
        .phone = phone,
        .customer_name = r->customer_name,
        .tier = tier,
        .address = r->address,
        .lat = r->lat,
        .lon = r->lon,
        .brand = r->brand,
        .category = r->category,
        .serial = r->serial,
        .model = model,
        .problem = r->problem,
        .warranty = w,
        .priority = prio,
        .created_at = now,
        .assign_by = j->assign_by,
        .arrive_by = j->arrive_by,
        .fix_by = j->fix_by,
        .sla_policy = j->sla_policy,
        .sla_clock = j->sla_clock,
        .sla_start = j->sla_start,
        .risk_at = { j->risk_at[0], j->risk_at[1], j->risk_at[2] },
        .urgency = urgency,
        .created_by = c->who->name, /* privacy: intake desks see their own */
    };
    if (store_job_insert(srv->store, &sj, number) < 0 || windows_store(srv, j) < 0
        || store_event_append(srv->store, j->id, now, world_actor_name(c->who), JOB_STATE_NONE, JS_NEW, "",
                              "request received")
               < 0) {
        world_job_free(j);
        return JOBNEW_FAILED;
    }
    strmap_put(srv->jobs, j->id, j);
    if (job_mark_moved(srv, j) < 0)
        return JOBNEW_FAILED;
    if (notify_job_event(srv, j, NE_RECEIVED, NULL, now) < 0)
        return JOBNEW_FAILED;
    srv->counters[C_REQUESTS]++;
    log_info("request", "job=%s territory=%s warranty=%s priority=%s sla=%s", j->id,
             srv->territories[terr].row->id, warranty_name(w), priority_name(prio), j->sla_policy);
    if (dispatch_job(srv, j, now) < 0)
        return JOBNEW_FAILED;
    *out = j;
    return JOBNEW_MADE;
refused:
    srv->counters[C_REFUSED]++;
    return JOBNEW_REFUSED;
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
