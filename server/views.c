/*  views.c — the store's plain rows as the wire's messages (see views.h). */
#include "views.h"

#include "fsd/care.h"
#include "server.h"
#include "world.h"

/* Strings are shared with the rows (both live in the arena). */
#define S(x) ((char *)(x))

Fsd__GoodwillGrant *views_goodwill(arena *a, const store_goodwill *g)
{
    Fsd__GoodwillGrant *m = arena_alloc(a, sizeof *m);
    fsd__goodwill_grant__init(m);
    m->at = g->at;
    m->by = S(g->by);
    m->reason = S(g->reason);
    return m;
}

Fsd__FeeWaiver **views_waivers(arena *a, const store_waiver *rows, size_t n)
{
    Fsd__FeeWaiver **out = arena_alloc(a, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const store_waiver *w = &rows[i];
        Fsd__FeeWaiver *m = out[i] = arena_alloc(a, sizeof *m);
        fsd__fee_waiver__init(m);
        m->amount_cents = w->amount_cents;
        m->currency = S(w->currency);
        m->state = w->state;
        m->technician_id = S(w->technician_id);
        m->reason = S(w->reason);
        m->requested_at = w->requested_at;
        m->decided_at = w->decided_at;
        m->decided_by = S(w->decided_by);
        m->decision_reason = S(w->decision_reason);
    }
    return out;
}

Fsd__FollowUp *views_followup(arena *a, const store_followup *f)
{
    Fsd__FollowUp *m = arena_alloc(a, sizeof *m);
    fsd__follow_up__init(m);
    char id[24];
    care_followup_id_format(f->id, id, sizeof id);
    m->id = arena_strdup(a, id);
    m->job_id = S(f->job_id);
    m->territory = S(f->territory);
    m->kind = f->kind;
    m->cause = S(f->cause);
    m->opened_at = f->opened_at;
    m->opened_by = S(f->opened_by);
    m->closed_at = f->closed_at;
    m->closed_by = S(f->closed_by);
    m->outcome = S(f->outcome);
    m->visit_job_id = S(f->visit_job_id);
    m->customer_name = S(f->customer_name);
    m->phone = S(f->phone);
    return m;
}

Fsd__FollowUp **views_followups(arena *a, const store_followup *rows, size_t n)
{
    Fsd__FollowUp **out = arena_alloc(a, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = views_followup(a, &rows[i]);
    return out;
}

Fsd__AccessRow **views_access_rows(arena *a, const store_access_row *rows, size_t n)
{
    Fsd__AccessRow **out = arena_alloc(a, (n ? n : 1) * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        Fsd__AccessRow *m = out[i] = arena_alloc(a, sizeof *m);
        fsd__access_row__init(m);
        m->at = rows[i].at;
        m->principal = S(rows[i].principal);
        m->verb = S(rows[i].verb);
        m->job_id = S(rows[i].job_id);
        m->phone = S(rows[i].phone);
        m->count = rows[i].count;
    }
    return out;
}

Fsd__TechnicianView *views_technician(server *srv, arena *a, const technician *t, int64_t now)
{
    Fsd__TechnicianView *v = arena_alloc(a, sizeof *v);
    fsd__technician_view__init(v);
    v->id = t->row->id;
    v->name = t->row->name;
    v->provider_id = t->row->provider_id;
    v->territories = t->row->territories;
    v->n_territories = t->row->n_territories;
    v->skills = t->row->skills;
    v->n_skills = t->row->n_skills;
    v->online = t->online;
    v->load = t->load;
    v->capacity = t->row->capacity;
    v->last_seen = t->last_seen;
    v->lat = t->pos.lat;
    v->lon = t->pos.lon;
    v->position_at = t->pos_at;
    v->in_shift = world_tech_in_shift(srv, t, t->n_territories ? t->territories[0] : -1, now);
    v->company = t->provider && t->provider->row->company;
    return v;
}
