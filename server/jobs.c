/*  jobs.c — the one door through which a job changes state.

    job_move asks the lifecycle table, writes the new state and an event to
    the store, queues what the customer is told, and keeps the in-memory
    job and its technician's load in step. Nothing else in the server
    assigns job->state. It does not reschedule: it marks the job moved,
    and dispatch_reschedule files the moved jobs once, before the timers
    or the queue are next read (deliberately no call back into matching). */
#include "jobs.h"

#include "dispatch.h"
#include "notify.h"
#include "server.h"
#include "watch.h"
#include "world.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/xalloc.h"
#include "fsd/lifecycle.h"
#include "fsd/log.h"
#include "fsd/wire.h"

/* Who holds the job after moving to `to`: the technician the caller names
   for offers and assignments, nobody when it goes back to the queue, and
   otherwise whoever held it. */
static technician *s_holder_after(const job *j, job_state to, technician *tech)
{
    switch (to) {
    case JS_OFFERED:
    case JS_ASSIGNED: return tech ? tech : j->tech;
    case JS_NEW:
    case JS_ESCALATED: return NULL;
    default: return j->tech;
    }
}

int job_move(server *srv, job *j, job_state to, const principal *who, technician *tech, const char *reason,
             const char **why)
{
    assert(srv && j && why);
    assert(to > JOB_STATE_NONE && to < JS_COUNT_);
    /* an offer names its technician (or goes to a company: j->company);
       an assignment names one or keeps the offer's */
    assert(to != JS_OFFERED || tech || j->company);
    assert(to != JS_ASSIGNED || tech || j->tech);
    lifecycle_actor actor = who ? lifecycle_actor_of(who->role) : ACTOR_SYSTEM;
    if (lifecycle_check(j->state, to, actor, why) < 0)
        return 1;
    watch_job(srv, j); /* its scope before the move */
    int64_t now = wire_now_ms();
    technician *before = j->tech, *after = s_holder_after(j, to, tech);
    technician *named = after ? after : before;
    if (to != JS_OFFERED) {
        j->offer_expires_at = 0;
        /* a company's hold ends with any other state */
        j->company_accepted = false;
    }
    /* a company offer is held by the provider: its id in the row's
       provider column and on the event, no technician */
    const provider *company = to == JS_OFFERED && !after ? j->company : NULL;
    /* a company's offer holds no technician's slot */
    assert(!job_state_holds_capacity(to) || after || company);
    const provider *prov = after ? after->provider : company;
    const char *event_holder = named ? named->row->id : j->company ? j->company->row->id : "";
    if (store_job_set_state(srv->store, j->id, to, after ? after->row->id : "", prov ? prov->row->id : "",
                            j->offer_expires_at, now)
            < 0
        || store_event_append(srv->store, j->id, now, world_actor_name(who), j->state, to, event_holder,
                              reason ? reason : "")
               < 0)
        return -1;
    if (!company)
        j->company = NULL;
    j->version++; /* as the row's */
    /* what the customer is told is written with the move */
    if (notify_job_moved(srv, j, to, after, now) < 0)
        return -1;

    if (before && job_state_holds_capacity(j->state) && before->load > 0)
        before->load--;
    if (after && job_state_holds_capacity(to))
        after->load++;
    if (to == JS_ASSIGNED && after != before)
        after->recent++;
    if (before)
        world_tech_weigh(srv, before);
    if (after && after != before)
        world_tech_weigh(srv, after);
    log_info("job", "job=%s from=%s to=%s tech=%s actor=%s reason=%s", j->id, job_state_name(j->state),
             job_state_name(to), named ? named->row->id : "-", world_actor_name(who),
             log_quote(0, reason ? reason : ""));
    j->state = to;
    j->tech = after;
    if (to == JS_COMPLETED)
        j->close_at = now + srv->cfg.close_after_ms;
    /* a freed technician or a job back in the queue may make a match */
    if (to == JS_NEW || (before && !job_state_holds_capacity(to)))
        srv->queue_dirty = true;
    return job_mark_moved(srv, j);
}

int job_mark_moved(server *srv, job *j)
{
    /* not noted yet: a new job (a moved one was noted before its move) */
    watch_job_new(srv, j);
    if (j->moved)
        return 0;
    if (srv->n_moved == srv->cap_moved) {
        size_t cap = srv->cap_moved ? 2 * srv->cap_moved : 64;
        srv->moved = fsd_xrealloc(srv->moved, cap * sizeof *srv->moved);
        srv->cap_moved = cap;
    }
    srv->moved[srv->n_moved++] = j;
    j->moved = true;
    return 0;
}

/* Takes j off the moved list (before it is freed). */
static void s_unmark(server *srv, job *j)
{
    if (!j->moved)
        return;
    for (size_t i = 0; i < srv->n_moved; i++)
        if (srv->moved[i] == j) {
            srv->moved[i] = srv->moved[--srv->n_moved];
            break;
        }
    j->moved = false;
}

void job_forget_if_done(server *srv, job *j)
{
    assert(srv && j);
    if (j->state == JS_CLOSED || j->state == JS_CANCELLED) {
        strmap_remove(srv->jobs, j->id);
        s_unmark(srv, j);
        dispatch_unschedule(srv, j);
        world_job_free(j);
    }
}
