/*  lifecycle.h — the job state table, the one place transitions are judged.

    Every change of a job's state anywhere in the server asks
    lifecycle_check() first; anything not in the table is refused with a
    sentence the caller can hand back as an invalid_transition error. The
    table follows DESIGN.md "Job lifecycle":

      new       → offered (system), escalated (system, dispatcher),
                  cancelled (intake, dispatcher), assigned (dispatcher: reassign)
      offered   → assigned (agent: accept), new (agent: decline; system:
                  expiry, holder offline; dispatcher: reassign to territory),
                  cancelled (intake, dispatcher), offered? no
      assigned  → en_route (agent), cancelled (intake, dispatcher),
                  assigned / new (dispatcher: reassign)
      en_route  → on_site (agent), cancelled (intake, dispatcher),
                  assigned / new (dispatcher: reassign)
      on_site   → on_hold (agent), completed (agent), cancelled (dispatcher)
      on_hold   → en_route (agent: back with parts), cancelled (dispatcher),
                  assigned / new (dispatcher: reassign)
      completed → closed (intake: rating; system: timeout)
      escalated → assigned / new (dispatcher: reassign), cancelled (intake,
                  dispatcher)
      closed, cancelled: final.

    The actor is the kind of principal asking: system (the server's own
    timers and matcher), agent, intake (the customer's side), dispatcher.
    An admin acts as a dispatcher here. */
#ifndef FSD_LIFECYCLE_H
#define FSD_LIFECYCLE_H

#include "fsd/domain.h"

typedef enum { ACTOR_SYSTEM = 0, ACTOR_AGENT = 1, ACTOR_INTAKE = 2, ACTOR_DISPATCHER = 3 } lifecycle_actor;

/* 0 when `actor` may move a job from `from` to `to`; -1 otherwise, with
   *why (if not NULL) pointing at a static sentence such as
   "a job in state on_site cannot be cancelled by the customer". */
int lifecycle_check(job_state from, job_state to, lifecycle_actor actor, const char **why);

/* Maps a principal's role to the actor it plays in the table. */
lifecycle_actor lifecycle_actor_of(role r);

#endif
