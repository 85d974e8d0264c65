/*  verbs.h — the verb table: one row per request body of the Envelope.

    A row says who may send the body (roles), whether it changes state
    (then its answer is remembered for exactly-once effect and it is
    refused while storage fails), whether and when it is answered, what
    runs around its handler (the agent's session, the sequence of its
    reports, the sender's privacy scope) and the handler itself. The loop
    looks the row up, checks the message by it, and calls verb_call; it
    knows no verb by name. Adding a verb touches the proto, one row in
    verbs.c and one handler (declared below with its audience); a
    person's verb that names a job is also named in privacy_gate, which
    reads the job id from the field that holds it.

    Every handler has one signature, int (*)(call *c), and returns a
    verb_rc. An agent's verbs find the sender's technician in c->tech. */
#ifndef FSD_VERBS_H
#define FSD_VERBS_H

#include <stdbool.h>
#include "reply.h"

/* What a handler (or a check before it) returns. */
typedef enum {
    VERB_FAILED = -1,     /* storage or allocation failure: the batch is rolled back */
    VERB_ANSWERED = 0,    /* c->reply is set; remembered when the verb changes state */
    VERB_NOT_APPLIED = 1, /* c->reply is set but nothing was applied (a report out of
                                      sequence, an invalid position): never remembered */
    VERB_NO_ANSWER = 2,   /* nothing to send now (an ack, a position; a backup is
                                      answered when its copy is done) */
} verb_rc;

/* When a verb is answered. */
typedef enum {
    VERB_REPLY,  /* always, at once */
    VERB_SILENT, /* only a refusal is answered */
    VERB_LATER,  /* when its work is done (or at once when refused) */
} verb_answer;

/* What runs around the handler, by the row. */
enum {
    VERB_MUTATES = 1u << 0,   /* changes state: exactly-once, refused while storage fails */
    VERB_SESSION = 1u << 1,   /* an agent's: needs its technician and live session (c->tech) */
    VERB_SEQUENCED = 1u << 2, /* a numbered report: applied only in sequence */
    VERB_SCOPED = 1u << 3,    /* a person's: the job it names must be in the sender's
                                      scope, and the answer is cut to it and logged */
};

/* The bit of role r in a row's roles. */
#define VERB_ROLE(r) (1u << (r))

typedef int (*verb_fn)(call *c);

typedef struct {
    int body;       /* Fsd__Envelope body case */
    unsigned roles; /* VERB_ROLE bits of who may send it */
    unsigned flags; /* VERB_MUTATES | VERB_SESSION | ... */
    verb_answer answer;
    verb_fn handle;
    verb_fn after; /* after its answer was queued (NULL: nothing) */
} verb_row;

/* The row of a body case, NULL when the body is not a request. */
const verb_row *verb_find(int body);
/* Whether role r may send v. */
bool verb_allows(const verb_row *v, int r);
/* The rows, for tests and listings. */
const verb_row *verb_table(size_t *n);
/* Runs c through v: the sequence or scope check, the handler, the
   scope's cut of the answer. Returns a verb_rc. */
int verb_call(const verb_row *v, call *c);

/* ---------------------------------------------------------- handlers */

/* intake.c — what the intake desk asks */
int intake_submit(call *c);
int intake_get_job(call *c);
int intake_list_jobs(call *c);
int intake_cancel(call *c);
int intake_rate(call *c);
/* The cancel and the rating of job_id by c->who, as CancelJob and RateJob
   do them; the customer's link uses the same. 0 done (no answer set), 1
   refused (c->reply is the error), -1 storage failure. */
int intake_cancel_job(call *c, const char *job_id, const char *reason);
int intake_rate_job(call *c, const char *job_id, unsigned stars, const char *comment);

/* link.c — the customer's link: the portal's verbs (the token is the
   right) and the link a desk reads out */
int link_show(call *c);
int link_cancel(call *c);
int link_rate(call *c);
int link_get(call *c);

/* dispatcher.c — what a dispatcher asks */
int dispatcher_reassign(call *c);
int dispatcher_explain(call *c);
int dispatcher_board(call *c);
int dispatcher_stats(call *c);
int dispatcher_list_technicians(call *c);
/* company.c — a provider's own dispatchers: its offers, their answer,
   the assignment of an accepted job */
int company_offers(call *c);
int company_offer_reply(call *c);
int company_assign(call *c);
/* report.c: the KPI report; sla.c: the escalations view */
int report_answer(call *c);
int sla_escalations(call *c);

/* admin.c — reference data and keys */
int admin_load_territories(call *c);
int admin_load_providers(call *c);
int admin_load_technicians(call *c);
int admin_load_products(call *c);
int admin_load_customers(call *c);
int admin_load_sla_policies(call *c);
int admin_load_working_hours(call *c);
int admin_set_customer(call *c);
int admin_add_principal(call *c);
int admin_revoke_key(call *c);
int admin_list_keys(call *c);
/* backup.c: VERB_ANSWERED when refused at once, VERB_NO_ANSWER while the
   copy runs (backup_poll answers when it is done) */
int backup_request(call *c);
/* privacy.c: the access log and erasure */
int privacy_audit(call *c);
int privacy_forget(call *c);

/* care.c — customer care */
int care_customer(call *c);
int care_complain(call *c);
int care_decision(call *c);
int care_follow_ups(call *c);
int care_waive(call *c);

/* notify.c — customer notifications */
int notify_load_templates(call *c);
int notify_list_templates(call *c);
int notify_list_notifications(call *c);

/* watch.c — live subscriptions: Watch answers Watching; the snapshot
   pieces or the missed events follow it after the commit */
int watch_request(call *c);
int watch_unwatch(call *c);

/* session.c — an agent's session */
int session_hello(call *c);
/* after Welcome: the snapshot of a resync, then what the agent lacks */
int session_hello_sent(call *c);
int session_heartbeat(call *c);
int session_acknowledge(call *c);
int session_position(call *c);
/* a report's sequence: VERB_ANSWERED to go on (applied in order), else
   VERB_NOT_APPLIED with the answer set */
int session_sequence(call *c);
int session_offer_reply(call *c);
int session_job_update(call *c);

#endif
