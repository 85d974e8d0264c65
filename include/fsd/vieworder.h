/*  vieworder.h — whether a view of a job may replace what an agent knows
    of it. Pure: no storage, no clock.

    The server gives every JobView a version that only grows with the job's
    changes (JobView.version; 0 from a server that does not count). An agent
    learns of a job from two streams: the ordered one (Offer, Assigned,
    Revoked, each with its session seq) and answers to its own reports,
    which may come late: an answer lost on the way is given again, from the
    server's de-duplication table, as it was then. So a view is judged
    against two versions the agent keeps per job: `held`, of the copy it
    keeps (0: none, or unversioned), and `gone`, the version at which it
    learnt that the job left it (revoked, cancelled, closed; 0: never). */
#ifndef FSD_VIEWORDER_H
#define FSD_VIEWORDER_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    VIEW_TAKE,  /* newer (or as new): store it, or drop the job if it is no longer ours */
    VIEW_OLDER, /* older than the copy kept: ignore it */
    VIEW_GONE   /* not newer than the job's departure: do not bring it back */
} view_verdict;

/* incoming: the view's version; sequenced: it came in the ordered stream
   (an unversioned view is then still in order; an unversioned answer
   cannot bring back a job that is gone). */
view_verdict view_judge(uint64_t held, uint64_t gone, uint64_t incoming, bool sequenced);

#endif
