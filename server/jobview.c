/*  jobview.c — JobViews built in one place (see jobview.h).

    The fields set here are the ones the store's view of a row sets, from
    the job in memory: a view of an open job is the same whichever way it
    was built. */
#include "jobview.h"

#include <stdlib.h>
#include <string.h>

/* The string fields of job_text, in one list so copying cannot miss one. */
#define JOB_TEXT_FIELDS(t) \
    &(t)->phone, &(t)->customer_name, &(t)->tier, &(t)->address, \
    &(t)->brand, &(t)->serial, &(t)->model, &(t)->problem

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
    char *block = malloc(total);
    if (!block)
        return -1;
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
                         ? srv->territories[j->territory].row->id : "");
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
    v->provider_id = S(t && t->provider ? t->provider->row->id : "");
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
        return store_job_view(srv->store, a, j->id, false, out) < 0 ? -1 : 0;
    *out = jobview_from_job(srv, a, j);
    return store_job_view_sides(srv->store, a, *out);
}

int jobview_get(server *srv, arena *a, const char *id, bool history, Fsd__JobView **out)
{
    const job *j = history ? NULL : world_job(srv, id);
    if (j)
        return jobview_open(srv, a, j, out) < 0 ? -1 : 1;
    return store_job_view(srv->store, a, id, history, out);
}
