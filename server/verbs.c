/*  verbs.c — the verb table and the one way a verb is run.

    Every request body of the Envelope has exactly one row here (the
    unit test test_verbs holds that); answers and what the server sends
    the agents have none, so a peer that sends one is told it is not a
    request. See verbs.h for what a row says. */
#include "verbs.h"

#include <stddef.h>
#include "privacy.h"
#include "server.h"

#define AGENT VERB_ROLE(ROLE_AGENT_)
#define INTAKE VERB_ROLE(ROLE_INTAKE_)
#define DISPATCHER VERB_ROLE(ROLE_DISPATCHER_)
#define ADMIN VERB_ROLE(ROLE_ADMIN_)
#define PORTAL VERB_ROLE(ROLE_PORTAL_)
#define PEOPLE (INTAKE | DISPATCHER | ADMIN)
#define DESK (INTAKE | DISPATCHER)
#define OFFICE (DISPATCHER | ADMIN)

#define B(name) FSD__ENVELOPE__BODY_##name
#define MUT VERB_MUTATES
#define SES VERB_SESSION
#define SEQ (VERB_SESSION | VERB_SEQUENCED | VERB_MUTATES)
#define SCO VERB_SCOPED

static const verb_row s_verbs[] = {
    /* agent sessions */
    { B(HELLO), AGENT, SES, VERB_REPLY, session_hello, session_hello_sent },
    { B(HEARTBEAT), AGENT, SES, VERB_REPLY, session_heartbeat, NULL },
    { B(ACK), AGENT, SES, VERB_SILENT, session_acknowledge, NULL },
    { B(POSITION), AGENT, SES, VERB_SILENT, session_position, NULL },
    { B(OFFER_REPLY), AGENT, SEQ, VERB_REPLY, session_offer_reply, NULL },
    { B(JOB_UPDATE), AGENT, SEQ, VERB_REPLY, session_job_update, NULL },
    { B(WAIVE_FEE), AGENT, SEQ, VERB_REPLY, care_waive, NULL },
    /* intake */
    { B(SUBMIT_REQUEST), DESK, SCO | MUT, VERB_REPLY, intake_submit, NULL },
    { B(GET_JOB), PEOPLE, SCO, VERB_REPLY, intake_get_job, NULL },
    { B(LIST_JOBS), PEOPLE, SCO, VERB_REPLY, intake_list_jobs, NULL },
    { B(CANCEL_JOB), DESK, SCO | MUT, VERB_REPLY, intake_cancel, NULL },
    { B(RATE_JOB), DESK, SCO | MUT, VERB_REPLY, intake_rate, NULL },
    /* dispatch */
    { B(REASSIGN), DISPATCHER, SCO | MUT, VERB_REPLY, dispatcher_reassign, NULL },
    { B(EXPLAIN), OFFICE, SCO, VERB_REPLY, dispatcher_explain, NULL },
    { B(BOARD), OFFICE, SCO, VERB_REPLY, dispatcher_board, NULL },
    { B(STATS), OFFICE, SCO, VERB_REPLY, dispatcher_stats, NULL },
    { B(REPORT), OFFICE, SCO, VERB_REPLY, report_answer, NULL },
    { B(LIST_TECHNICIANS), OFFICE, SCO, VERB_REPLY, dispatcher_list_technicians, NULL },
    { B(ESCALATIONS), OFFICE, SCO, VERB_REPLY, sla_escalations, NULL },
    /* company dispatch: a provider's own dispatchers */
    { B(COMPANY_OFFERS), OFFICE, SCO, VERB_REPLY, company_offers, NULL },
    { B(COMPANY_OFFER_REPLY), DISPATCHER, SCO | MUT, VERB_REPLY, company_offer_reply, NULL },
    { B(COMPANY_ASSIGN), DISPATCHER, SCO | MUT, VERB_REPLY, company_assign, NULL },
    /* admin */
    { B(LOAD_TERRITORIES), ADMIN, SCO | MUT, VERB_REPLY, admin_load_territories, NULL },
    { B(LOAD_PROVIDERS), ADMIN, SCO | MUT, VERB_REPLY, admin_load_providers, NULL },
    { B(LOAD_TECHNICIANS), ADMIN, SCO | MUT, VERB_REPLY, admin_load_technicians, NULL },
    { B(LOAD_PRODUCTS), ADMIN, SCO | MUT, VERB_REPLY, admin_load_products, NULL },
    { B(LOAD_CUSTOMERS), ADMIN, SCO | MUT, VERB_REPLY, admin_load_customers, NULL },
    { B(LOAD_SLA_POLICIES), ADMIN, SCO | MUT, VERB_REPLY, admin_load_sla_policies, NULL },
    { B(LOAD_WORKING_HOURS), ADMIN, SCO | MUT, VERB_REPLY, admin_load_working_hours, NULL },
    { B(SET_CUSTOMER), OFFICE, SCO | MUT, VERB_REPLY, admin_set_customer, NULL },
    { B(ADD_PRINCIPAL), ADMIN, SCO | MUT, VERB_REPLY, admin_add_principal, NULL },
    { B(REVOKE_KEY), ADMIN, SCO | MUT, VERB_REPLY, admin_revoke_key, NULL },
    { B(LIST_KEYS), ADMIN, SCO, VERB_REPLY, admin_list_keys, NULL },
    { B(BACKUP), ADMIN, SCO, VERB_LATER, backup_request, NULL },
    { B(AUDIT_QUERY), ADMIN, SCO, VERB_REPLY, privacy_audit, NULL },
    { B(FORGET_CUSTOMER), ADMIN, SCO | MUT, VERB_REPLY, privacy_forget, NULL },
    /* care */
    { B(GET_CUSTOMER), PEOPLE, SCO, VERB_REPLY, care_customer, NULL },
    { B(COMPLAIN), DESK, SCO | MUT, VERB_REPLY, care_complain, NULL },
    { B(CARE_DECISION), DISPATCHER, SCO | MUT, VERB_REPLY, care_decision, NULL },
    { B(FOLLOW_UPS), OFFICE, SCO, VERB_REPLY, care_follow_ups, NULL },
    /* notifications */
    { B(LOAD_TEMPLATES), ADMIN, SCO | MUT, VERB_REPLY, notify_load_templates, NULL },
    { B(LIST_TEMPLATES), OFFICE, SCO, VERB_REPLY, notify_list_templates, NULL },
    { B(LIST_NOTIFICATIONS), OFFICE, SCO, VERB_REPLY, notify_list_notifications, NULL },
    /* the customer's link: the portal key may use these and nothing else
       (not scoped: the token is the right, and opens its own job only) */
    { B(LINK_SHOW), PORTAL, 0, VERB_REPLY, link_show, NULL },
    { B(LINK_CANCEL), PORTAL, MUT, VERB_REPLY, link_cancel, NULL },
    { B(LINK_RATE), PORTAL, MUT, VERB_REPLY, link_rate, NULL },
    { B(GET_LINK), DESK, SCO | MUT, VERB_REPLY, link_get, NULL },
    /* live subscriptions: scoped by watch.c (its views carry no personal data) */
    { B(WATCH), OFFICE, SCO, VERB_REPLY, watch_request, NULL },
    { B(UNWATCH), OFFICE, SCO, VERB_REPLY, watch_unwatch, NULL },
};

#define N_VERBS (sizeof s_verbs / sizeof s_verbs[0])

/* A scan of some forty rows costs less than the decoding before it. */
const verb_row *verb_find(int body)
{
    for (size_t i = 0; i < N_VERBS; i++)
        if (s_verbs[i].body == body)
            return &s_verbs[i];
    return NULL;
}

/* Whether role r may send v. */
bool verb_allows(const verb_row *v, int r)
{
    return r >= 0 && r < 32 && (v->roles & VERB_ROLE(r));
}

/* The rows, for tests and listings. */
const verb_row *verb_table(size_t *n)
{
    *n = N_VERBS;
    return s_verbs;
}

/* The scope's check before a person's verb and its cut of the answer
   after: what names a job out of the sender's sight is refused before
   the handler, and the answer is cut to the sender's scope and logged
   when it shows customers' data. */
static int s_scoped(const verb_row *v, call *c)
{
    int rc = privacy_gate(c);
    if (rc != 0)
        return rc < 0 ? VERB_FAILED : VERB_ANSWERED;
    rc = v->handle(c);
    if (rc >= 0 && rc != VERB_NO_ANSWER && c->reply->body_case != FSD__ENVELOPE__BODY_ERROR
        && privacy_after(c) < 0)
        return VERB_FAILED;
    return rc;
}

/* The row's check before the handler, the handler, the cut after. */
int verb_call(const verb_row *v, call *c)
{
    if (v->flags & VERB_SCOPED)
        return s_scoped(v, c);
    if (v->flags & VERB_SEQUENCED) {
        int rc = session_sequence(c);
        if (rc != VERB_ANSWERED)
            return rc;
    }
    return v->handle(c);
}
