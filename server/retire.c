/*  retire.c — retiring technicians, providers and territories.

    Nothing is deleted: jobs, events and reports keep naming what they
    named. A retired row is stored again with retired_at set, and the
    world keeps it (so ids still resolve) but never offers it work: a
    retired technician has no skills and no capacity, a retired territory
    holds no new positions and is nobody's neighbour. A technician's open
    jobs go back to matching through the lifecycle door (job_move) as a
    dispatcher's reassignment would; what the lifecycle refuses (a job on
    site) stays and is reported. Providers and territories still used by
    active technicians or providers are refused: retire those first. */
#include "retire.h"

#include "dispatch.h"
#include "reply.h"
#include "jobs.h"
#include "refrows.h"
#include "verbs.h"
#include "world.h"

#include <stdio.h>
#include <string.h>
#include "fsd/wire.h"

/* A growable list of strings in the call's arena. */
typedef struct {
    call *c;
    char **v;
    size_t n, cap;
} s_list;

static void s_list_add(s_list *l, const char *fmt, const char *a, const char *b)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **bigger = arena_alloc(l->c->a, cap * sizeof *bigger);
        if (l->n)
            memcpy(bigger, l->v, l->n * sizeof *bigger);
        l->v = bigger;
        l->cap = cap;
    }
    char buf[320];
    snprintf(buf, sizeof buf, fmt, a, b);
    l->v[l->n++] = arena_strdup(l->c->a, buf);
}

/* The open jobs of a technician (held or offered) or of a territory. */
typedef struct {
    const technician *tech;
    int territory;
    job **v;
    size_t n, cap;
    arena *a;
} s_jobs;

static void s_job_of(const char *key, void *value, void *arg)
{
    (void)key;
    s_jobs *js = arg;
    job *j = value;
    bool mine =
        js->tech ? j->tech == js->tech && job_state_holds_capacity(j->state) : j->territory == js->territory;
    if (!mine || j->state == JS_COMPLETED || j->state == JS_CLOSED || j->state == JS_CANCELLED)
        return;
    if (js->n == js->cap) {
        size_t cap = js->cap ? js->cap * 2 : 16;
        job **bigger = arena_alloc(js->a, cap * sizeof *bigger);
        if (js->n)
            memcpy(bigger, js->v, js->n * sizeof *bigger);
        js->v = bigger;
        js->cap = cap;
    }
    js->v[js->n++] = j;
}

/* Gives one job of a retiring technician back to matching, as a
   dispatcher's move to the queue would. 0 moved, 1 refused (why), -1. */
static int s_give_back(call *c, technician *t, job *j, const char *reason, const char **why)
{
    int rc = job_move(c->srv, j, JS_NEW, c->who, NULL, reason, why);
    if (rc != 0)
        return rc;
    if (dispatch_revoke(c->srv, t, j, FSD__REVOKE_REASON__REVOKE_REASSIGNED, reason) < 0)
        return -1;
    return dispatch_job(c->srv, j, wire_now_ms()) < 0 ? -1 : 0;
}

int retire_technician(call *c, technician *t, const char *reason, Fsd__Retired *out)
{
    server *srv = c->srv;
    int64_t now = wire_now_ms();
    Fsd__TechnicianRow row = *t->row;
    row.retired_at = now;
    if (refrows_put_technician(srv->store, &row) < 0)
        return -1;
    /* out of matching now, before its jobs are matched again */
    t->row->retired_at = now;
    t->skills = 0;
    t->capacity = 0;
    world_tech_weigh(srv, t);
    s_jobs js = { .tech = t, .territory = -1, .a = c->a };
    strmap_each(srv->jobs, s_job_of, &js);
    s_list moved = { .c = c }, kept = { .c = c };
    char why_move[200];
    snprintf(why_move, sizeof why_move, "technician %s retired%s%s", t->row->id, reason[0] ? ": " : "",
             reason);
    for (size_t i = 0; i < js.n; i++) {
        const char *why = "";
        int rc = s_give_back(c, t, js.v[i], why_move, &why);
        if (rc < 0)
            return -1;
        if (rc == 0)
            s_list_add(&moved, "%s%s", js.v[i]->id, "");
        else
            s_list_add(&kept, "%s: %s", js.v[i]->id, why);
    }
    out->retired_at = now;
    out->moved = moved.v;
    out->n_moved = moved.n;
    out->kept = kept.v;
    out->n_kept = kept.n;
    srv->reload_reference = true;
    return 0;
}

static bool s_lists(char *const *list, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], id) == 0)
            return true;
    return false;
}

/* Appends an id to a "who still uses it" sentence, up to a few. */
static void s_user(char *why, size_t len, size_t *count, const char *id)
{
    size_t at = strlen(why);
    if (*count < 5)
        snprintf(why + at, len - at, "%s%s", *count ? ", " : "", id);
    else if (*count == 5)
        snprintf(why + at, len - at, ", ...");
    (*count)++;
}

bool retire_provider_in_use(server *srv, const provider *p, char *why, size_t len)
{
    char ids[256] = "";
    size_t n = 0;
    for (size_t i = 0; i < srv->n_techs; i++)
        if (!srv->techs[i].row->retired_at && srv->techs[i].provider == p)
            s_user(ids, sizeof ids, &n, srv->techs[i].row->id);
    if (n)
        snprintf(why, len, "provider %s still has %zu active technician(s) (%s): retire or move them first",
                 p->row->id, n, ids);
    return n > 0;
}

bool retire_territory_in_use(server *srv, const territory *t, char *why, size_t len)
{
    char ids[256] = "";
    size_t n = 0;
    for (size_t i = 0; i < srv->n_techs; i++)
        if (!srv->techs[i].row->retired_at
            && s_lists(srv->techs[i].row->territories, srv->techs[i].row->n_territories, t->row->id))
            s_user(ids, sizeof ids, &n, srv->techs[i].row->id);
    for (size_t i = 0; i < srv->n_providers; i++)
        if (!srv->providers[i].row->retired_at
            && s_lists(srv->providers[i].row->territories, srv->providers[i].row->n_territories, t->row->id))
            s_user(ids, sizeof ids, &n, srv->providers[i].row->id);
    if (n)
        snprintf(why, len,
                 "territory %s is still covered by %zu active technician(s) or provider(s) (%s): retire them "
                 "or load them without it first",
                 t->row->id, n, ids);
    return n > 0;
}

int retire_provider(call *c, provider *p, Fsd__Retired *out)
{
    Fsd__ProviderRow row = *p->row;
    row.retired_at = wire_now_ms();
    if (refrows_put_provider(c->srv->store, &row) < 0)
        return -1;
    p->row->retired_at = row.retired_at;
    out->retired_at = row.retired_at;
    c->srv->reload_reference = true;
    return 0;
}

int retire_territory(call *c, territory *t, Fsd__Retired *out)
{
    server *srv = c->srv;
    Fsd__TerritoryRow row = *t->row;
    row.retired_at = wire_now_ms();
    if (refrows_put_territory(srv->store, &row) < 0)
        return -1;
    t->row->retired_at = row.retired_at;
    s_jobs js = { .tech = NULL, .territory = (int)(t - srv->territories), .a = c->a };
    strmap_each(srv->jobs, s_job_of, &js);
    s_list kept = { .c = c };
    for (size_t i = 0; i < js.n; i++)
        s_list_add(&kept, "%s: %s", js.v[i]->id,
                   "stays in the retired territory: finish it, or move it (reassign --territory)");
    out->retired_at = row.retired_at;
    out->kept = kept.v;
    out->n_kept = kept.n;
    srv->reload_reference = true;
    return 0;
}

int retire_answer(call *c)
{
    const Fsd__Retire *r = c->req->retire;
    Fsd__Retired *out = arena_alloc(c->a, sizeof *out);
    fsd__retired__init(out);
    out->kind = r->kind;
    out->id = r->id;
    char why[512];
    int rc = 0;
    if (strcmp(r->kind, "technician") == 0) {
        technician *t = world_tech(c->srv, r->id);
        if (!t) {
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "id", "no technician %s", r->id);
            return 0;
        }
        if (t->row->retired_at) {
            out->already = true;
            out->retired_at = t->row->retired_at;
        } else
            rc = retire_technician(c, t, r->reason, out);
    } else if (strcmp(r->kind, "provider") == 0) {
        provider *p = strmap_get(c->srv->provider_by_id, r->id);
        if (!p) {
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "id", "no provider %s", r->id);
            return 0;
        }
        if (p->row->retired_at) {
            out->already = true;
            out->retired_at = p->row->retired_at;
        } else if (retire_provider_in_use(c->srv, p, why, sizeof why)) {
            call_error(c, FSD__ERROR_CODE__ERR_IN_USE, "id", "%s", why);
            return 0;
        } else
            rc = retire_provider(c, p, out);
    } else if (strcmp(r->kind, "territory") == 0) {
        territory *t = world_territory(c->srv, r->id);
        if (!t) {
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "id", "no territory %s", r->id);
            return 0;
        }
        if (t->row->retired_at) {
            out->already = true;
            out->retired_at = t->row->retired_at;
        } else if (retire_territory_in_use(c->srv, t, why, sizeof why)) {
            call_error(c, FSD__ERROR_CODE__ERR_IN_USE, "id", "%s", why);
            return 0;
        } else
            rc = retire_territory(c, t, out);
    } else {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "kind",
                   "kind must be technician, provider or territory, not '%s'", r->kind);
        return 0;
    }
    if (rc < 0)
        return -1;
    c->reply->body_case = FSD__ENVELOPE__BODY_RETIRED;
    c->reply->retired = out;
    return 0;
}
