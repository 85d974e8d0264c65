/*  jobview.c — JobViews built in one place (see jobview.h): an open job's
    from memory, any job's from the store's rows. The fields set from memory
    are the ones the store's view of a row sets: a view of an open job is
    the same whichever way it was built. */
#include "jobview.h"
#include "views.h"
#include "world.h"

#include "fsd/sla.h"
#include "fsd/window_text.h"
#include <stdlib.h>
#include <string.h>
#include "fsd/xalloc.h"

/* the SLA part of a view: what was decided at intake, the
   deadlines missed, the one the job's state is measured against now. */
static void s_row_sla(arena *a, const store_job *j, Fsd__JobView *v)
{
    job_state state = (job_state)v->state;
    int64_t due[SLA_N] = { v->assign_by, v->arrive_by, j->fix_by };
    v->fix_by = j->fix_by;
    v->sla_policy = arena_strdup(a, j->sla_policy ? j->sla_policy : "");
    v->sla_clock = (char *)(v->sla_policy[0] ? sla_clock_name((sla_clock)j->sla_clock) : "");
    v->urgency = j->urgency;
    v->breached = arena_alloc(a, SLA_N * sizeof *v->breached);
    for (int d = 0; d < SLA_N; d++) {
        bool owed = sla_owed((sla_deadline)d, state) && due[d] > 0;
        if (j->sla_flags & SLA_BREACH(d)) {
            v->breached[v->n_breached++] = (char *)sla_deadline_name((sla_deadline)d);
            v->overdue = v->overdue || owed;
        }
        if (owed && !v->sla_next[0]) {
            v->sla_next = (char *)sla_deadline_name((sla_deadline)d);
            v->sla_next_at = due[d];
        }
    }
    v->at_risk = v->at_risk || sla_flags_current(j->sla_flags, state);
}

/* A JobView in the arena from a job's row (its strings already in the arena). */
static Fsd__JobView *s_view_from_row(arena *a, const store_job_row *r)
{
    const store_job *j = &r->job;
    Fsd__JobView *v = arena_alloc(a, sizeof *v);
    fsd__job_view__init(v);
#define S(x) ((char *)((x) ? (x) : ""))
    v->job_id = S(j->id);
    v->state = j->state;
    v->territory = S(j->territory);
    v->phone = S(j->phone);
    v->customer_name = S(j->customer_name);
    v->tier = S(j->tier);
    v->address = S(j->address);
    v->lat = j->lat;
    v->lon = j->lon;
    v->brand = S(j->brand);
    v->category = S(j->category);
    v->serial = S(j->serial);
    v->model = S(j->model);
    v->problem = S(j->problem);
    v->warranty = j->warranty;
    v->priority = j->priority;
    v->created_at = j->created_at;
    v->assign_by = j->assign_by;
    v->arrive_by = j->arrive_by;
    v->technician_id = S(j->technician_id);
    v->provider_id = S(j->provider_id);
    v->offer_expires_at = j->offer_expires_at;
    /* offered with no technician: held by a company (accepted: no expiry) */
    if (v->state == FSD__JOB_STATE__JOB_OFFERED && !v->technician_id[0] && v->provider_id[0]) {
        v->company_id = v->provider_id;
        v->company_accepted = j->offer_expires_at == 0;
    }
    v->rating = (uint32_t)r->rating;
    v->rating_comment = S(r->rating_comment);
#undef S
    v->at_risk = job_risk_current(j->at_risk, v->state);
    v->version = j->version;
    s_row_sla(a, j, v);
    return v;
}

/* Attaches the job's event log to a view. */
static int s_history(store *st, arena *a, Fsd__JobView *v)
{
    store_event *events;
    size_t n;
    if (store_job_events(st, a, v->job_id, &events, &n) < 0)
        return -1;
    Fsd__JobEvent **list = arena_alloc(a, (n ? n : 1) * sizeof *list);
    for (size_t i = 0; i < n; i++) {
        Fsd__JobEvent *e = list[i] = arena_alloc(a, sizeof *e);
        fsd__job_event__init(e);
        e->at = events[i].at;
        e->actor = (char *)events[i].actor;
        e->from = events[i].from;
        e->to = events[i].to;
        e->technician_id = (char *)events[i].technician_id;
        e->reason = (char *)events[i].reason;
    }
    v->history = list;
    v->n_history = n;
    return 0;
}

/* Adds goodwill, waivers, follow-ups and the return-visit link to a view
   (the store answers at once for jobs without care rows). */
static int s_care_view(store *st, arena *a, Fsd__JobView *v)
{
    store_goodwill g;
    store_waiver *waivers;
    store_followup *followups;
    size_t n_waivers, n_followups;
    const char *of = NULL;
    int goodwill = store_care_goodwill_get(st, a, v->job_id, &g);
    if (goodwill < 0 || store_care_waivers(st, a, v->job_id, &waivers, &n_waivers) < 0
        || store_care_followups_of_job(st, a, v->job_id, &followups, &n_followups) < 0
        || store_care_visit_of(st, a, v->job_id, &of) < 0)
        return -1;
    if (goodwill)
        v->goodwill = views_goodwill(a, &g);
    if (n_waivers) {
        v->waivers = views_waivers(a, waivers, n_waivers);
        v->n_waivers = n_waivers;
    }
    if (n_followups) {
        v->follow_ups = views_followups(a, followups, n_followups);
        v->n_follow_ups = n_followups;
    }
    if (of)
        v->return_visit_of = (char *)of;
    return 0;
}

/* Fills a view's window fields when the job has a window: the asked
   window in UTC and in the place's local time, booked while a technician
   has accepted it (assigned, en route, on site, on hold, completed, closed). */
static int s_window_view(store *st, arena *a, Fsd__JobView *v)
{
    store_window w;
    int rc = store_window_get(st, a, v->job_id, &w);
    if (rc <= 0)
        return rc;
    char local[96], utc[96];
    v->window_start = w.start;
    v->window_end = w.end;
    v->window_tz = (char *)w.tz;
    v->window_local =
        arena_strdup(a, window_text(v->window_start, v->window_end, v->window_tz, local, sizeof local));
    v->window_utc = arena_strdup(a, window_text(v->window_start, v->window_end, "UTC", utc, sizeof utc));
    v->window_booked = v->state >= 3 && v->state <= 8;
    return 0;
}

int jobview_stored(store *st, arena *a, const char *id, bool history, Fsd__JobView **out)
{
    store_job_row row;
    *out = NULL;
    int rc = store_job_get(st, a, id, &row);
    if (rc <= 0)
        return rc;
    *out = s_view_from_row(a, &row);
    if (history && s_history(st, a, *out) < 0)
        return -1;
    if (s_care_view(st, a, *out) < 0 || s_window_view(st, a, *out) < 0)
        return -1;
    return 1;
}

/* The rows as views, with their windows. */
static int s_views(store *st, arena *a, const store_job_row *rows, size_t n, Fsd__JobView ***out)
{
    *out = arena_alloc(a, (n ? n : 1) * sizeof **out);
    for (size_t i = 0; i < n; i++) {
        (*out)[i] = s_view_from_row(a, &rows[i]);
        if (s_window_view(st, a, (*out)[i]) < 0)
            return -1;
    }
    return 0;
}

int jobview_list(store *st, arena *a, const char *terr, int state, const char *technician_id,
                 const char *phone, unsigned limit, Fsd__JobView ***out, size_t *n)
{
    return jobview_list_scoped(st, a, NULL, terr, state, technician_id, phone, limit, out, n);
}

int jobview_list_scoped(store *st, arena *a, const store_scope *scope, const char *terr, int state,
                        const char *technician_id, const char *phone, unsigned limit, Fsd__JobView ***out,
                        size_t *n)
{
    store_job_row *rows;
    *out = NULL;
    *n = 0;
    if (store_job_list(st, a, scope, terr, state, technician_id, phone, limit, &rows, n) < 0)
        return -1;
    return s_views(st, a, rows, *n, out);
}

/* ------------------------------------------------ open jobs, from memory */

/* The string fields of job_text, in one list so copying cannot miss one. */
#define JOB_TEXT_FIELDS(t)                                                                               \
    &(t)->phone, &(t)->customer_name, &(t)->tier, &(t)->address, &(t)->brand, &(t)->serial, &(t)->model, \
        &(t)->problem

int jobview_keep_text(job *j, const job_text *text)
{
    const char *const *src[] = { JOB_TEXT_FIELDS(text) };
    enum { N = sizeof src / sizeof src[0] };
    size_t len[N], total = 0;
    for (size_t i = 0; i < N; i++) {
        len[i] = *src[i] ? strlen(*src[i]) + 1 : 1;
        total += len[i];
    }
    /* the block starts with the phone: text.phone is what is freed */
    char *block = fsd_xmalloc(total);
    job_text kept;
    const char **dst[] = { JOB_TEXT_FIELDS(&kept) };
    char *p = block;
    for (size_t i = 0; i < N; i++) {
        if (*src[i])
            memcpy(p, *src[i], len[i]);
        else
            p[0] = '\0';
        *dst[i] = p;
        p += len[i];
    }
    jobview_free_text(j);
    j->text = kept;
    j->brand = kept.brand;
    return 0;
}

void jobview_free_text(job *j)
{
    free((char *)j->text.phone);
    memset(&j->text, 0, sizeof j->text);
    j->brand = NULL;
}

/* The SLA part of a view: what was decided at intake, the deadlines
   missed, the one the job's state is measured against now. */
static void s_view_sla(arena *a, const job *j, Fsd__JobView *v)
{
    int64_t due[SLA_N] = { j->assign_by, j->arrive_by, j->fix_by };
    v->fix_by = j->fix_by;
    v->sla_policy = arena_strdup(a, j->sla_policy);
    v->sla_clock = (char *)(v->sla_policy[0] ? sla_clock_name(j->sla_clock) : "");
    v->urgency = (Fsd__Priority)j->urgency;
    v->breached = arena_alloc(a, SLA_N * sizeof *v->breached);
    for (int d = 0; d < SLA_N; d++) {
        bool owed = sla_owed((sla_deadline)d, j->state) && due[d] > 0;
        if (j->sla_flags & SLA_BREACH(d)) {
            v->breached[v->n_breached++] = (char *)sla_deadline_name((sla_deadline)d);
            v->overdue = v->overdue || owed;
        }
        if (owed && !v->sla_next[0]) {
            v->sla_next = (char *)sla_deadline_name((sla_deadline)d);
            v->sla_next_at = due[d];
        }
    }
    v->at_risk = v->at_risk || sla_flags_current(j->sla_flags, j->state);
}

Fsd__JobView *jobview_from_job(server *srv, arena *a, const job *j)
{
    size_t n_categories;
    const char *const *categories = category_list(&n_categories);
    const technician *t = j->tech;
    Fsd__JobView *v = arena_alloc(a, sizeof *v);
    fsd__job_view__init(v);
#define S(x) arena_strdup(a, (x) ? (x) : "")
    v->job_id = S(j->id);
    v->state = (Fsd__JobState)j->state;
    v->territory = S(j->territory >= 0 && (size_t)j->territory < srv->n_territories
                         ? srv->territories[j->territory].row->id
                         : "");
    v->phone = S(j->text.phone);
    v->customer_name = S(j->text.customer_name);
    v->tier = S(j->text.tier);
    v->address = S(j->text.address);
    v->lat = j->at.lat;
    v->lon = j->at.lon;
    v->brand = S(j->text.brand);
    v->category = S(j->category >= 0 && (size_t)j->category < n_categories ? categories[j->category] : "");
    v->serial = S(j->text.serial);
    v->model = S(j->text.model);
    v->problem = S(j->text.problem);
    v->warranty = (Fsd__WarrantyStatus)j->warranty;
    v->priority = (Fsd__Priority)j->prio;
    v->created_at = j->created_at;
    v->assign_by = j->assign_by;
    v->arrive_by = j->arrive_by;
    v->technician_id = S(t ? t->row->id : "");
    v->provider_id = S(t && t->provider ? t->provider->row->id : j->company ? j->company->row->id : "");
    v->company_id = S(!t && j->company ? j->company->row->id : "");
    v->company_accepted = !t && j->company && j->company_accepted;
    v->rating_comment = S("");
#undef S
    v->offer_expires_at = j->offer_expires_at;
    v->at_risk = job_risk_current(j->risk, j->state);
    v->version = j->version;
    s_view_sla(a, j, v);
    return v;
}

int jobview_open(server *srv, arena *a, const job *j, Fsd__JobView **out)
{
    /* a job from before SLA policies: memory holds its SLA as derived on
       reading, the view shows the row as stored */
    if (!j->sla_policy[0])
        return jobview_stored(srv->store, a, j->id, false, out) < 0 ? -1 : 0;
    *out = jobview_from_job(srv, a, j);
    return s_care_view(srv->store, a, *out) < 0 || s_window_view(srv->store, a, *out) < 0 ? -1 : 0;
}

int jobview_get(server *srv, arena *a, const char *id, bool history, Fsd__JobView **out)
{
    const job *j = history ? NULL : world_job(srv, id);
    if (j)
        return jobview_open(srv, a, j, out) < 0 ? -1 : 1;
    return jobview_stored(srv->store, a, id, history, out);
}
