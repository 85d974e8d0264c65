/*  test_verbs.c — the verb table: every request body of the Envelope has
    exactly one row, with the rights and the exactly-once flag fixed
    below; answers, what the server sends agents and the agent's local
    commands have none; every row has a handler and flags that agree with
    who may send it. A body added to the proto fails here until it is
    classified: a request (one row) or not. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "../../server/server.h"
#include "../../server/verbs.h"

#define B(name) FSD__ENVELOPE__BODY_##name
#define AGENT VERB_ROLE(ROLE_AGENT_)
#define INTAKE VERB_ROLE(ROLE_INTAKE_)
#define DISP VERB_ROLE(ROLE_DISPATCHER_)
#define ADMIN VERB_ROLE(ROLE_ADMIN_)
#define PORTAL VERB_ROLE(ROLE_PORTAL_)

typedef struct {
    int body;
    unsigned roles;
    bool mutates;
} expected;

/* Who may send what, and what is remembered for exactly-once effect. */
static const expected s_requests[] = {
    { B(HELLO), AGENT, false },
    { B(HEARTBEAT), AGENT, false },
    { B(POSITION), AGENT, false },
    { B(ACK), AGENT, false },
    { B(OFFER_REPLY), AGENT, true },
    { B(JOB_UPDATE), AGENT, true },
    { B(WAIVE_FEE), AGENT, true },
    { B(SUBMIT_REQUEST), INTAKE | DISP, true },
    { B(GET_JOB), INTAKE | DISP | ADMIN, false },
    { B(LIST_JOBS), INTAKE | DISP | ADMIN, false },
    { B(CANCEL_JOB), INTAKE | DISP, true },
    { B(RATE_JOB), INTAKE | DISP, true },
    { B(REASSIGN), DISP, true },
    { B(EXPLAIN), DISP | ADMIN, false },
    { B(BOARD), DISP | ADMIN, false },
    { B(STATS), DISP | ADMIN, false },
    { B(REPORT), DISP | ADMIN, false },
    { B(LIST_TECHNICIANS), DISP | ADMIN, false },
    { B(LOAD_TERRITORIES), ADMIN, true },
    { B(LOAD_PROVIDERS), ADMIN, true },
    { B(LOAD_TECHNICIANS), ADMIN, true },
    { B(LOAD_PRODUCTS), ADMIN, true },
    { B(LOAD_CUSTOMERS), ADMIN, true },
    { B(SET_CUSTOMER), DISP | ADMIN, true },
    { B(ADD_PRINCIPAL), ADMIN, true },
    { B(BACKUP), ADMIN, false },
    { B(GET_CUSTOMER), INTAKE | DISP | ADMIN, false },
    { B(COMPLAIN), INTAKE | DISP, true },
    { B(CARE_DECISION), DISP, true },
    { B(FOLLOW_UPS), DISP | ADMIN, false },
    { B(LOAD_SLA_POLICIES), ADMIN, true },
    { B(LOAD_WORKING_HOURS), ADMIN, true },
    { B(ESCALATIONS), DISP | ADMIN, false },
    { B(LOAD_TEMPLATES), ADMIN, true },
    { B(LIST_TEMPLATES), DISP | ADMIN, false },
    { B(LIST_NOTIFICATIONS), DISP | ADMIN, false },
    { B(REVOKE_KEY), ADMIN, true },
    { B(LIST_KEYS), ADMIN, false },
    { B(AUDIT_QUERY), ADMIN, false },
    { B(FORGET_CUSTOMER), ADMIN, true },
    { B(LINK_SHOW), PORTAL, false },
    { B(LINK_CANCEL), PORTAL, true },
    { B(LINK_RATE), PORTAL, true },
    { B(GET_LINK), INTAKE | DISP, true },
    { B(COMPANY_OFFERS), DISP | ADMIN, false },
    { B(COMPANY_OFFER_REPLY), DISP, true },
    { B(COMPANY_ASSIGN), DISP, true },
    { B(WATCH), DISP | ADMIN, false },
    { B(UNWATCH), DISP | ADMIN, false },
};

/* Answers, server → agent messages, and the agent's local commands (its
   own socket, never the server's): no row. */
static const int s_not_requests[] = {
    B(WELCOME),
    B(OFFER),
    B(REVOKED),
    B(ASSIGNED),
    B(ERROR),
    B(JOB_VIEW),
    B(JOB_LIST),
    B(EXPLANATION),
    B(BOARD_VIEW),
    B(STATS_VIEW),
    B(REPORT_VIEW),
    B(LOAD_RESULT),
    B(PRINCIPAL_ADDED),
    B(CUSTOMER_VIEW),
    B(TECHNICIAN_LIST),
    B(BACKUP_DONE),
    B(NOTIFICATION_LIST),
    B(TEMPLATE_LIST),
    B(LOCAL_STATUS),
    B(LOCAL_STATUS_VIEW),
    B(LOCAL_QUEUED),
    B(ESCALATION_LIST),
    B(KEY_LIST),
    B(SUPERSEDED),
    B(LOCAL_RECONNECT),
    B(AUDIT_LIST),
    B(FORGET_RESULT),
    B(JOB_SNAPSHOT),
    B(LOCAL_ACK_CONFLICTS),
    B(LINK_VIEW),
    B(JOB_LINK),
    B(MOVE_CHECK),
    B(WATCHING),
    B(WATCH_EVENT),
};

#define N_REQUESTS (sizeof s_requests / sizeof s_requests[0])
#define N_NOT (sizeof s_not_requests / sizeof s_not_requests[0])

static const expected *s_expected(int body)
{
    for (size_t i = 0; i < N_REQUESTS; i++)
        if (s_requests[i].body == body)
            return &s_requests[i];
    return NULL;
}

static bool s_not_request(int body)
{
    for (size_t i = 0; i < N_NOT; i++)
        if (s_not_requests[i] == body)
            return true;
    return false;
}

/* Every body of the Envelope's oneof is classified, exactly once. */
static void test_every_body_is_classified(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *d = &fsd__envelope__descriptor;
    size_t bodies = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        bodies++;
        bool req = s_expected((int)f->id) != NULL, not = s_not_request((int)f->id);
        if (req == not )
            fail_msg("body %s (%u) must be either a request or not", f->name, f->id);
    }
    assert_int_equal(bodies, N_REQUESTS + N_NOT);
}

/* Each request has one row, with the expected rights and flag. */
static void test_requests_have_one_row(void **state)
{
    (void)state;
    size_t n;
    const verb_row *rows = verb_table(&n);
    assert_int_equal(n, N_REQUESTS);
    for (size_t i = 0; i < N_REQUESTS; i++) {
        const expected *e = &s_requests[i];
        size_t found = 0;
        for (size_t k = 0; k < n; k++)
            found += rows[k].body == e->body;
        assert_int_equal(found, 1);
        const verb_row *v = verb_find(e->body);
        assert_non_null(v);
        assert_int_equal(v->body, e->body);
        assert_int_equal(v->roles, e->roles);
        assert_int_equal(!!(v->flags & VERB_MUTATES), e->mutates);
    }
}

/* Answers and server → agent messages have no row. */
static void test_not_requests_have_none(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_NOT; i++)
        assert_null(verb_find(s_not_requests[i]));
    assert_null(verb_find(FSD__ENVELOPE__BODY__NOT_SET));
    assert_null(verb_find(-1));
    assert_null(verb_find(100000));
}

/* Every row has a handler and flags that agree with its senders: an
   agent's verbs run in its session, the portal's (the token is the right)
   in neither, everyone else's in their scope; sequenced reports change
   state. */
static void test_rows_are_consistent(void **state)
{
    (void)state;
    size_t n;
    const verb_row *rows = verb_table(&n);
    for (size_t i = 0; i < n; i++) {
        const verb_row *v = &rows[i];
        assert_non_null(v->handle);
        assert_true(v->roles != 0);
        bool agent = v->roles == AGENT, portal = v->roles == PORTAL;
        assert_true(agent || !(v->roles & AGENT));
        assert_true(portal || !(v->roles & PORTAL));
        assert_int_equal(!!(v->flags & VERB_SESSION), agent);
        assert_int_equal(!!(v->flags & VERB_SCOPED), !agent && !portal);
        if (v->flags & VERB_SEQUENCED)
            assert_true((v->flags & VERB_MUTATES) && (v->flags & VERB_SESSION));
        if (v->after)
            assert_true(v->flags & VERB_SESSION);
    }
}

/* The role check reads the row. */
static void test_allows(void **state)
{
    (void)state;
    const verb_row *v = verb_find(B(REASSIGN));
    assert_true(verb_allows(v, ROLE_DISPATCHER_));
    assert_false(verb_allows(v, ROLE_INTAKE_));
    assert_false(verb_allows(v, ROLE_AGENT_));
    assert_false(verb_allows(v, ROLE_ADMIN_));
    assert_false(verb_allows(v, ROLE_NONE));
    assert_false(verb_allows(v, -1));
    assert_false(verb_allows(v, 99));
    v = verb_find(B(HELLO));
    assert_true(verb_allows(v, ROLE_AGENT_));
    assert_false(verb_allows(v, ROLE_ADMIN_));
}

/* The portal key may send the customer-link verbs and nothing else. */
static void test_portal_only_link_verbs(void **state)
{
    (void)state;
    size_t n;
    const verb_row *rows = verb_table(&n);
    size_t allowed = 0;
    for (size_t i = 0; i < n; i++)
        if (verb_allows(&rows[i], ROLE_PORTAL_)) {
            allowed++;
            assert_true(rows[i].body == B(LINK_SHOW) || rows[i].body == B(LINK_CANCEL)
                        || rows[i].body == B(LINK_RATE));
        }
    assert_int_equal(allowed, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_body_is_classified),
        cmocka_unit_test(test_requests_have_one_row),
        cmocka_unit_test(test_not_requests_have_none),
        cmocka_unit_test(test_rows_are_consistent),
        cmocka_unit_test(test_allows),
        cmocka_unit_test(test_portal_only_link_verbs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
