/*  invariants.c — the world in memory against the store, between batches.

    Each invariant below is a sentence the rest of the server relies on;
    the checker finds the first one broken and names it. It reads only:
    memory is walked as it is, the store through its own read functions
    (outside any transaction, after the commit).

    Jobs
      J1  every job in memory is open: closed and cancelled jobs are
          forgotten in the batch that closed them (job_forget_if_done).
      J2  a job's holder is one technician of the fleet; the states that
          hold a technician's capacity (job_state_holds_capacity) and
          completed have a holder, new and escalated have none. A job
          cannot have two holders: the store names one, memory names the
          same one (J4). The one exception: a company offer (offered, to
          a provider that takes offers as a company, open or accepted) is
          held by the provider and by no technician.
      J3  its declines name technicians of the fleet.
      J4  the open jobs in memory are the store's open jobs, one for one,
          with the same state, the same holder and, while offered, the
          same offer expiry.
    Technicians
      T1  a technician's load equals the open jobs it holds in a state that
          holds capacity, counted as world_recount_load counts them.
      T2  no offer stands with a technician marked offline since it last
          spoke: going offline withdraws its offers in the same batch
          (only an offer from before a restart, whose technician has not
          spoken since, waits for its expiry).
      T3  its session's numbers are ordered: out_acked <= out_sent <= out_seq,
          and out_seq and in_seq are what its sessions row holds.
      T4  no technician is left marked dirty after the batch's flush.
    Queues
      Q1  the waiting queue holds exactly the jobs in state new, each once,
          at the slot the job records, in heap order.
      Q2  the timers hold exactly the jobs with a deadline (due before
          INT64_MAX), each once, at its slot, in heap order. */
#include "invariants.h"
#include "server.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/log.h"
#include "fsd/xalloc.h"

typedef struct {
    server *srv;
    char *what;
    size_t len;
    int broken;          /* 1 once an invariant failed */
    uint32_t *load;      /* counted load per technician */
    size_t n_new, n_due; /* jobs that belong in the queue, the timers */
    size_t n_store;      /* the store's open jobs */
} walk;

/* Records the first broken invariant; later ones are not looked at. */
__attribute__((format(printf, 2, 3))) static void s_broken(walk *w, const char *fmt, ...)
{
    if (w->broken)
        return;
    w->broken = 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->what, w->len, fmt, ap);
    va_end(ap);
}

static bool s_is_tech(const server *srv, const technician *t)
{
    return t >= srv->techs && t < srv->techs + srv->n_techs && t == &srv->techs[t->index];
}

/* Whether state s has a holder (J2). */
static bool s_state_held(job_state s)
{
    return job_state_holds_capacity(s) || s == JS_COMPLETED;
}

/* J1, J2, J3, and the counts T1, Q1, Q2 compare with (strmap_each callback). */
static void s_job(const char *key, void *value, void *arg)
{
    walk *w = arg;
    const job *j = value;
    server *srv = w->srv;
    if (strcmp(key, j->id) != 0)
        s_broken(w, "J1 job %s is filed under %s", j->id, key);
    if (j->state <= JOB_STATE_NONE || j->state >= JS_COUNT_ || j->state == JS_CLOSED
        || j->state == JS_CANCELLED)
        s_broken(w, "J1 job %s in memory in state %s", j->id, job_state_name(j->state));
    bool company = j->state == JS_OFFERED && !j->tech && j->company;
    if (j->company && (j->state != JS_OFFERED || j->tech))
        s_broken(w, "J2 job %s in state %s names company %s%s", j->id, job_state_name(j->state),
                 j->company->row->id, j->tech ? " and a technician" : "");
    else if (j->company_accepted && !company)
        s_broken(w, "J2 job %s is accepted by a company but not held by one", j->id);
    else if (j->tech && !s_is_tech(srv, j->tech))
        s_broken(w, "J2 job %s is held by something not of the fleet", j->id);
    else if (s_state_held(j->state) && !j->tech && !company)
        s_broken(w, "J2 job %s in state %s has no holder", j->id, job_state_name(j->state));
    else if (!s_state_held(j->state) && j->tech)
        s_broken(w, "J2 job %s in state %s is held by %s", j->id, job_state_name(j->state), j->tech->row->id);
    for (size_t i = 0; i < j->n_declined; i++)
        if (j->declined[i] < 0 || (size_t)j->declined[i] >= srv->n_techs)
            s_broken(w, "J3 job %s has a decline by technician index %d", j->id, j->declined[i]);
    if (j->tech && s_is_tech(srv, j->tech) && job_state_holds_capacity(j->state))
        w->load[j->tech->index]++;
    if (j->state == JS_OFFERED && j->tech && !j->tech->online && j->tech->last_seen != 0)
        s_broken(w, "T2 job %s is offered to %s, offline since it last spoke", j->id, j->tech->row->id);
    if (j->state == JS_NEW) {
        w->n_new++;
        if (!pheap_has(&srv->waiting, (void *)j))
            s_broken(w, "Q1 job %s is new but not in the waiting queue", j->id);
    } else if (pheap_has(&srv->waiting, (void *)j)) {
        s_broken(w, "Q1 job %s in state %s is in the waiting queue", j->id, job_state_name(j->state));
    }
    if (j->due != INT64_MAX) {
        w->n_due++;
        if (!pheap_has(&srv->timers, (void *)j))
            s_broken(w, "Q2 job %s has a deadline but is not in the timers", j->id);
    } else if (pheap_has(&srv->timers, (void *)j)) {
        s_broken(w, "Q2 job %s has no deadline but is in the timers", j->id);
    }
}

/* J4, one row of the store's open jobs against memory (store callback). */
static void s_store_job(void *arg, const store_job *sj)
{
    walk *w = arg;
    w->n_store++;
    const job *j = strmap_get(w->srv->jobs, sj->id);
    if (!j) {
        s_broken(w, "J4 job %s is open in the store (%s) but not in memory", sj->id,
                 job_state_name((job_state)sj->state));
        return;
    }
    const char *holder = j->tech ? j->tech->row->id : "";
    if ((int)j->state != sj->state)
        s_broken(w, "J4 job %s is %s in memory, %s in the store", j->id, job_state_name(j->state),
                 job_state_name((job_state)sj->state));
    else if (strcmp(holder, sj->technician_id ? sj->technician_id : "") != 0)
        s_broken(w, "J4 job %s is held by '%s' in memory, '%s' in the store", j->id, holder,
                 sj->technician_id ? sj->technician_id : "");
    else if (j->company && strcmp(j->company->row->id, sj->provider_id ? sj->provider_id : "") != 0)
        s_broken(w, "J4 job %s is offered to company %s in memory, '%s' in the store", j->id,
                 j->company->row->id, sj->provider_id ? sj->provider_id : "");
    else if (j->state == JS_OFFERED && j->offer_expires_at != sj->offer_expires_at)
        s_broken(w, "J4 job %s's offer expires at %lld in memory, %lld in the store", j->id,
                 (long long)j->offer_expires_at, (long long)sj->offer_expires_at);
}

/* The heap's items sit at the slots they record, each after its parent. */
static void s_heap(walk *w, const pheap *h, const char *name, size_t expected)
{
    if (h->n != expected)
        s_broken(w, "%s holds %zu jobs, %zu belong in it", name, h->n, expected);
    for (size_t i = 0; i < h->n && !w->broken; i++) {
        if (*h->slot(h->items[i]) != i + 1)
            s_broken(w, "%s: job %s at position %zu records slot %zu", name, ((job *)h->items[i])->id, i,
                     *h->slot(h->items[i]));
        else if (i > 0 && h->before(h->items[i], h->items[(i - 1) / 2]))
            s_broken(w, "%s: job %s comes before its parent", name, ((job *)h->items[i])->id);
    }
}

/* T1, T3, T4 for every technician. -1 when the store cannot be read. */
static int s_techs(walk *w)
{
    server *srv = w->srv;
    for (size_t i = 0; i < srv->n_techs && !w->broken; i++) {
        const technician *t = &srv->techs[i];
        if (t->load != w->load[i])
            s_broken(w, "T1 technician %s has load %u but holds %u jobs", t->row->id, t->load, w->load[i]);
        if (!(t->out_acked <= t->out_sent && t->out_sent <= t->out_seq))
            s_broken(w, "T3 technician %s: out_acked %llu, out_sent %llu, out_seq %llu out of order",
                     t->row->id, (unsigned long long)t->out_acked, (unsigned long long)t->out_sent,
                     (unsigned long long)t->out_seq);
        if (t->session_dirty)
            s_broken(w, "T4 technician %s's session is still dirty after the batch", t->row->id);
        uint64_t out_seq, in_seq;
        if (store_session_get(srv->store, t->row->id, &out_seq, &in_seq) < 0)
            return -1;
        if (out_seq != t->out_seq || in_seq != t->in_seq)
            s_broken(w, "T3 technician %s: memory out_seq %llu in_seq %llu, store %llu %llu", t->row->id,
                     (unsigned long long)t->out_seq, (unsigned long long)t->in_seq,
                     (unsigned long long)out_seq, (unsigned long long)in_seq);
    }
    return 0;
}

int invariants_find(server *srv, char *what, size_t len)
{
    assert(srv && what && len > 0);
    walk w = { .srv = srv, .what = what, .len = len };
    what[0] = 0;
    w.load = fsd_xcalloc(srv->n_techs ? srv->n_techs : 1, sizeof *w.load);
    if (srv->jobs)
        strmap_each(srv->jobs, s_job, &w);
    s_heap(&w, &srv->waiting, "Q1 the waiting queue", w.n_new);
    s_heap(&w, &srv->timers, "Q2 the timers", w.n_due);
    int rc = s_techs(&w);
    if (rc == 0 && !w.broken) {
        rc = store_each_open_job(srv->store, s_store_job, &w);
        size_t n_mem = srv->jobs ? strmap_size(srv->jobs) : 0;
        if (rc == 0 && w.n_store != n_mem)
            s_broken(&w, "J4 %zu open jobs in memory, %zu in the store", n_mem, w.n_store);
    }
    free(w.load);
    if (w.broken)
        return 1;
    return rc < 0 ? -1 : 0;
}

bool invariants_enabled(void)
{
    static int on = -1;
    if (on < 0) {
        const char *v = getenv("FSD_CHECK");
        on = v && strcmp(v, "1") == 0;
    }
    return on == 1;
}

void invariants_check(server *srv)
{
    if (!invariants_enabled())
        return;
    char what[400];
    int rc = invariants_find(srv, what, sizeof what);
    if (rc < 0) {
        /* storage failing is not a broken invariant: the next batch checks */
        log_warn("invariant_unchecked", "error=%s", log_quote(0, store_errmsg(srv->store)));
        return;
    }
    if (rc > 0) {
        log_error("invariant_broken", "what=%s", log_quote(0, what));
        abort();
    }
}
