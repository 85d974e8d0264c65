/*  lifecycle.c — the job state table: which actor may move a job from
    which state to which.

    One static table lists every allowed transition with the set of actors
    allowed to make it; lifecycle_check() looks the pair up and, when it
    refuses, explains why in a sentence that names the states and the actor.
    The sentences are built once per (from, to, actor) and kept in static
    storage, so the pointer handed back stays valid for the process's life.

    This module deliberately judges only the shape of a change. It does
    not know who holds the job, whether the acting technician is the holder,
    or whether capacity allows it: the caller checks those facts. */

#include <stdio.h>
#include "fsd/lifecycle.h"

#define S_SYS (1u << ACTOR_SYSTEM)
#define S_AGT (1u << ACTOR_AGENT)
#define S_INT (1u << ACTOR_INTAKE)
#define S_DSP (1u << ACTOR_DISPATCHER)
#define S_ACTORS 4

typedef struct {
    job_state from;
    job_state to;
    unsigned actors; //  mask of (1 << lifecycle_actor)
} s_transition;

//  Every allowed transition; DESIGN.md "Job lifecycle". Dispatcher moves
//  to assigned or new are reassignments (to a technician or a territory).
/* clang-format off */
static const s_transition s_table[] = {
    { JS_NEW,       JS_OFFERED,   S_SYS },
    { JS_NEW,       JS_ESCALATED, S_SYS | S_DSP },
    { JS_NEW,       JS_CANCELLED, S_INT | S_DSP },
    { JS_NEW,       JS_ASSIGNED,  S_DSP },

    { JS_OFFERED,   JS_ASSIGNED,  S_AGT | S_DSP },
    { JS_OFFERED,   JS_NEW,       S_AGT | S_SYS | S_DSP },
    { JS_OFFERED,   JS_CANCELLED, S_INT | S_DSP },

    { JS_ASSIGNED,  JS_EN_ROUTE,  S_AGT },
    { JS_ASSIGNED,  JS_CANCELLED, S_INT | S_DSP },
    { JS_ASSIGNED,  JS_ASSIGNED,  S_DSP },
    { JS_ASSIGNED,  JS_NEW,       S_DSP },

    { JS_EN_ROUTE,  JS_ON_SITE,   S_AGT },
    { JS_EN_ROUTE,  JS_CANCELLED, S_INT | S_DSP },
    { JS_EN_ROUTE,  JS_ASSIGNED,  S_DSP },
    { JS_EN_ROUTE,  JS_NEW,       S_DSP },

    { JS_ON_SITE,   JS_ON_HOLD,   S_AGT },
    { JS_ON_SITE,   JS_COMPLETED, S_AGT },
    { JS_ON_SITE,   JS_CANCELLED, S_DSP },

    { JS_ON_HOLD,   JS_EN_ROUTE,  S_AGT },
    { JS_ON_HOLD,   JS_CANCELLED, S_DSP },
    { JS_ON_HOLD,   JS_ASSIGNED,  S_DSP },
    { JS_ON_HOLD,   JS_NEW,       S_DSP },

    { JS_COMPLETED, JS_CLOSED,    S_INT | S_SYS },

    { JS_ESCALATED, JS_ASSIGNED,  S_DSP },
    { JS_ESCALATED, JS_NEW,       S_DSP },
    { JS_ESCALATED, JS_CANCELLED, S_INT | S_DSP },
};
/* clang-format on */

//  Refusal sentences, built on first use for each (from, to, actor).
static char s_why[JS_COUNT_][JS_COUNT_][S_ACTORS][160];

//  Who the actor is, as a sentence fragment.
static const char *s_actor_phrase(unsigned actor)
{
    static const char *const phrases[S_ACTORS] = { "the system", "a technician", "the customer",
                                                   "a dispatcher" };
    return phrases[actor];
}

//  The table entry for a pair of states, or NULL.
static const s_transition *s_lookup(job_state from, job_state to)
{
    for (size_t i = 0; i < sizeof s_table / sizeof s_table[0]; i++)
        if (s_table[i].from == from && s_table[i].to == to)
            return &s_table[i];
    return NULL;
}

//  Lists the actors in mask ("the system, a technician or a dispatcher").
static void s_actor_list(unsigned mask, char *buf, size_t size)
{
    unsigned total = 0, seen = 0;
    for (unsigned a = 0; a < S_ACTORS; a++)
        total += (mask >> a) & 1u;
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned a = 0; a < S_ACTORS && used < size; a++)
        if (mask & (1u << a)) {
            const char *sep = seen == 0 ? "" : seen + 1 == total ? " or " : ", ";
            used += snprintf(buf + used, size - used, "%s%s", sep, s_actor_phrase(a));
            seen++;
        }
}

//  Writes the reason `actor` may not move a job from `from` to `to`.
static void s_explain(job_state from, job_state to, unsigned actor, char *buf, size_t size)
{
    const char *f = job_state_name(from), *t = job_state_name(to);
    const s_transition *entry = s_lookup(from, to);
    if (from == JS_CLOSED || from == JS_CANCELLED)
        snprintf(buf, size,
                 "a job in state %s is final; no transition "
                 "from %s to %s",
                 f, f, t);
    else if (!entry)
        snprintf(buf, size, "no transition from %s to %s", f, t);
    else if (to == JS_CANCELLED && actor == ACTOR_INTAKE)
        snprintf(buf, size,
                 "a job in state %s cannot be cancelled by the "
                 "customer (only before on_site)",
                 f);
    else {
        char who[64];
        s_actor_list(entry->actors, who, sizeof who);
        snprintf(buf, size,
                 "a job in state %s cannot be moved to %s by %s "
                 "(only by %s)",
                 f, t, s_actor_phrase(actor), who);
    }
}

//  0 when the table allows the move; -1 with a reason otherwise.
int lifecycle_check(job_state from, job_state to, lifecycle_actor actor, const char **why)
{
    if ((unsigned)from >= JS_COUNT_ || (unsigned)to >= JS_COUNT_ || (unsigned)actor >= S_ACTORS) {
        if (why)
            *why = "unknown job state or actor";
        return -1;
    }
    const s_transition *entry = s_lookup(from, to);
    if (entry && (entry->actors & (1u << actor)))
        return 0;
    if (why) {
        char *buf = s_why[from][to][actor];
        if (!buf[0])
            s_explain(from, to, actor, buf, sizeof s_why[0][0][0]);
        *why = buf;
    }
    return -1;
}

//  The actor a role plays; an admin acts as a dispatcher, the customer's
//  link (portal) as the intake desk would for them.
lifecycle_actor lifecycle_actor_of(role r)
{
    switch (r) {
    case ROLE_AGENT_: return ACTOR_AGENT;
    case ROLE_INTAKE_: return ACTOR_INTAKE;
    case ROLE_DISPATCHER_: return ACTOR_DISPATCHER;
    case ROLE_ADMIN_: return ACTOR_DISPATCHER;
    case ROLE_PORTAL_: return ACTOR_INTAKE; /* the customer, by their link */
    default: return ACTOR_SYSTEM;
    }
}
