/*  test_middle.c — the server's middle (intake, dispatch, jobs, sessions,
    the verb handlers) driven through the socket-free message path.

    A server runs in-process over a temporary database. Its world is loaded
    the way an administrator loads it — Load* requests from an admin key:
    two neighbouring territories, a provider, three technicians (T1 and T2
    in mitte, T3 in pankow, capacity 2, 2 and 1), a product. Each step is
    one batch as the loop runs it: loop_handle_frame inside a transaction,
    the waiting queue, the sessions' flush, the commit, the reference data
    read back; then every invariant (server/invariants.h) must hold and no
    technician holds more than its capacity. What the batch queued to send
    is decoded and kept for the test to look at. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "../../server/server.h"
#include "../../server/invariants.h"
#include "../../server/world.h"
#include "../../server/dispatch.h"
#include "../../server/session.h"
#include "../../server/loop.h"
#include "fsd/log.h"
#include "fsd/wire.h"

enum { P_ADMIN, P_DESK, P_DANA, P_T1, P_T2, P_T3, P_COUNT };
static const char *const s_names[P_COUNT] = { "admin", "desk", "dana", "T1", "T2", "T3" };
static const role s_roles[P_COUNT] = { ROLE_ADMIN_, ROLE_INTAKE_, ROLE_DISPATCHER_,
                                       ROLE_AGENT_, ROLE_AGENT_,  ROLE_AGENT_ };

/* One message the batch queued: to whom (the principal whose routing id
   it carries, -1 for another), and what. */
typedef struct {
    int to;
    uint64_t seq;
    uint8_t *data;
    size_t len;
    Fsd__Envelope *env;
} sent;

typedef struct {
    server srv;
    char dir[64];
    const principal *who[P_COUNT];
    uint8_t rid[P_COUNT][8];
    sent out[64];
    size_t n_out;
    int64_t now;
} world;

/* ------------------------------------------------------------ batches */

/* Finds each principal by name (the keys are random; strmap_each callback). */
static void s_find_principal(const char *key, void *value, void *arg)
{
    world *w = arg;
    const principal *p = value;
    for (int i = 0; i < P_COUNT; i++)
        if (strcmp(p->name, s_names[i]) == 0)
            w->who[i] = p;
}


static void s_sent_free(world *w)
{
    for (size_t i = 0; i < w->n_out; i++) {
        fsd__envelope__free_unpacked(w->out[i].env, NULL);
        free(w->out[i].data);
    }
    w->n_out = 0;
}

/* Whose routing id rid is. */
static int s_whose(world *w, const uint8_t *rid, size_t len)
{
    for (int i = 0; i < P_COUNT; i++)
        if (len == sizeof w->rid[i] && memcmp(rid, w->rid[i], len) == 0)
            return i;
    return -1;
}

/* The invariants hold, and nobody holds more than its capacity. */
static void s_sound(world *w)
{
    char what[400];
    int rc = invariants_find(&w->srv, what, sizeof what);
    if (rc != 0)
        fail_msg("invariant: %s", rc < 0 ? "store unreadable" : what);
    for (size_t i = 0; i < w->srv.n_techs; i++) {
        const technician *t = &w->srv.techs[i];
        if (t->load > t->capacity)
            fail_msg("%s holds %u jobs, capacity %u", t->row->id, t->load, t->capacity);
    }
}

/* Takes what the batch queued into w->out (decoded). */
static void s_collect(world *w)
{
    s_sent_free(w);
    for (size_t i = 0; i < w->srv.n_out && w->n_out < sizeof w->out / sizeof w->out[0]; i++) {
        const outgoing *o = &w->srv.out[i];
        sent *s = &w->out[w->n_out++];
        s->to = s_whose(w, o->rid, o->rid_len);
        s->seq = o->seq;
        s->data = malloc(o->len ? o->len : 1);
        memcpy(s->data, o->data, o->len);
        s->len = o->len;
        s->env = fsd__envelope__unpack(NULL, o->len, o->data);
        assert_non_null(s->env);
    }
    w->srv.n_out = 0;
    arena_reset(w->srv.arena);
}

/* One batch around `frame` (NULL: none) as the loop runs it, with the
   timers when `timers`; `full` when taking messages ended with the batch
   full or out of time (more may wait) rather than with none waiting. */
static void s_batch_ended(world *w, int who, const uint8_t *frame, size_t len, bool timers, bool full)
{
    server *srv = &w->srv;
    assert_int_equal(store_begin(srv->store), 0);
    int rc = 0;
    if (frame)
        rc = loop_handle_frame(srv, w->who[who], w->rid[who], sizeof w->rid[who], frame, len, w->now, NULL);
    int64_t last_timers = timers ? 0 : w->now;
    rc = loop_batch_work(srv, rc < 0 ? rc : full ? 1 : 0, w->now, &last_timers);
    assert_int_equal(rc, 0);
    assert_int_equal(session_flush(srv), 0);
    assert_int_equal(store_commit(srv->store), 0);
    s_collect(w);
    if (srv->reload_reference) {
        srv->reload_reference = false;
        char err[256];
        if (world_load_reference(srv, err, sizeof err) < 0)
            fail_msg("reload: %s", err);
        srv->queue_dirty = true;
        /* the principals were read again with the reference data */
        strmap_each(srv->principals, s_find_principal, w);
    }
    s_sound(w);
}

static void s_batch_frame(world *w, int who, const uint8_t *frame, size_t len, bool timers)
{
    s_batch_ended(w, who, frame, len, timers, false);
}

/* Encodes env and runs it as one batch; the frame is returned (free it)
   when `keep`, to be sent again. */
static uint8_t *s_send(world *w, int who, Fsd__Envelope *env, size_t *len_out)
{
    size_t len;
    uint8_t *buf = wire_encode(env, &len);
    assert_non_null(buf);
    s_batch_frame(w, who, buf, len, false);
    if (len_out) {
        *len_out = len;
        return buf;
    }
    free(buf);
    return NULL;
}

static void s_run(world *w, int who, Fsd__Envelope *env)
{
    s_send(w, who, env, NULL);
}

/* The one message queued to `to` with body `body`, or NULL. */
static const sent *s_find(world *w, int to, int body)
{
    const sent *found = NULL;
    for (size_t i = 0; i < w->n_out; i++)
        if (w->out[i].to == to && (int)w->out[i].env->body_case == body) {
            assert_null(found);
            found = &w->out[i];
        }
    return found;
}

/* Nothing queued to `who` is an error. */
static void s_no_error(world *w, int who)
{
    for (size_t i = 0; i < w->n_out; i++)
        if (w->out[i].to == who && w->out[i].env->body_case == FSD__ENVELOPE__BODY_ERROR)
            fail_msg("%s got an error: %s", s_names[who], w->out[i].env->error->message);
}

/* The reply to `who`'s request: not an error. */
static const Fsd__Envelope *s_reply(world *w, int who, int body)
{
    for (size_t i = 0; i < w->n_out; i++)
        if (w->out[i].to == who && w->out[i].env->body_case == FSD__ENVELOPE__BODY_ERROR)
            fail_msg("%s got an error: %s", s_names[who], w->out[i].env->error->message);
    const sent *s = s_find(w, who, body);
    if (!s)
        fail_msg("%s got no reply of kind %d (%zu queued)", s_names[who], body, w->n_out);
    return s->env;
}

/* ------------------------------------------------------------ requests */

#define ENV(var, kind, field, value)            \
    char var##_id[33];                          \
    Fsd__Envelope var;                          \
    wire_envelope_init(&var, var##_id);         \
    var.body_case = FSD__ENVELOPE__BODY_##kind; \
    var.field = (value)

static technician *s_tech(world *w, int who)
{
    technician *t = world_tech(&w->srv, s_names[who]);
    assert_non_null(t);
    return t;
}

static void s_hello(world *w, int who, uint64_t applied)
{
    Fsd__Hello h = FSD__HELLO__INIT;
    h.version = 1;
    h.last_seq_applied = applied;
    ENV(env, HELLO, hello, &h);
    s_run(w, who, &env);
}

/* A job submitted by the desk at lat,lon; its id into id. */
static void s_submit(world *w, double lat, double lon, char id[24])
{
    Fsd__SubmitRequest sr = FSD__SUBMIT_REQUEST__INIT;
    sr.customer_name = "Test Customer";
    sr.phone = "+49 30 5550001";
    sr.address = "Teststr. 1";
    sr.lat = lat;
    sr.lon = lon;
    sr.brand = "Bosch";
    sr.category = "washing_machine";
    sr.serial = "WM-1";
    sr.problem = "leaks";
    ENV(env, SUBMIT_REQUEST, submit_request, &sr);
    s_run(w, P_DESK, &env);
    const Fsd__Envelope *r = s_reply(w, P_DESK, FSD__ENVELOPE__BODY_JOB_VIEW);
    snprintf(id, 24, "%s", r->job_view->job_id);
}

/* Agent `who`'s report as its next sequenced message (seq 0: the next). */
static Fsd__Envelope *s_report_env(world *w, int who, Fsd__Envelope *env, uint64_t seq)
{
    env->seq = seq ? seq : s_tech(w, who)->in_seq + 1;
    return env;
}

static void s_answer(world *w, int who, const char *job_id, bool accept)
{
    Fsd__OfferReply r = FSD__OFFER_REPLY__INIT;
    r.job_id = (char *)job_id;
    r.accept = accept;
    if (!accept) {
        r.reason = FSD__DECLINE_REASON__DECLINE_TOO_FAR;
        r.note = "too far";
    }
    ENV(env, OFFER_REPLY, offer_reply, &r);
    s_run(w, who, s_report_env(w, who, &env, 0));
}

/* Who has the offer of job id queued to them, checked to be the job's
   holder in memory; -1 when nobody was offered it in this batch. */
static int s_offered_to(world *w, const char *id)
{
    int to = -1;
    for (size_t i = 0; i < w->n_out; i++) {
        const Fsd__Envelope *e = w->out[i].env;
        if (e->body_case == FSD__ENVELOPE__BODY_OFFER && strcmp(e->offer->job->job_id, id) == 0) {
            assert_int_equal(to, -1);
            to = w->out[i].to;
            assert_true(w->out[i].seq > 0);
        }
    }
    if (to >= 0) {
        job *j = world_job(&w->srv, id);
        assert_non_null(j);
        assert_int_equal(j->state, JS_OFFERED);
        assert_ptr_equal(j->tech, s_tech(w, to));
    }
    return to;
}

/* ------------------------------------------------------------ the world */

static Fsd__Ring *s_square(Fsd__Ring *ring, Fsd__Point pts[5], Fsd__Point *pp[5], double lat0, double lat1)
{
    double c[5][2] = { { lat0, 13.3 }, { lat0, 13.5 }, { lat1, 13.5 }, { lat1, 13.3 }, { lat0, 13.3 } };
    for (int n = 0; n < 5; n++) {
        fsd__point__init(&pts[n]);
        pts[n].lat = c[n][0];
        pts[n].lon = c[n][1];
        pp[n] = &pts[n];
    }
    fsd__ring__init(ring);
    ring->points = pp;
    ring->n_points = 5;
    return ring;
}

/* Territories, provider, technicians and a product, as an admin loads them. */
static void s_load_world(world *w)
{
    Fsd__Point pts[2][5], *pp[2][5];
    Fsd__Ring rings[2], *rp[2];
    Fsd__TerritoryRow tr[2], *trs[2];
    const char *tids[2] = { "mitte", "pankow" };
    for (int i = 0; i < 2; i++) {
        fsd__territory_row__init(&tr[i]);
        rp[i] = s_square(&rings[i], pts[i], pp[i], 52.4 + 0.2 * i, 52.6 + 0.2 * i);
        tr[i].line = 2 + i;
        tr[i].id = (char *)tids[i];
        tr[i].name = (char *)tids[i];
        tr[i].tz = "Europe/Berlin";
        tr[i].rings = &rp[i];
        tr[i].n_rings = 1;
        trs[i] = &tr[i];
    }
    Fsd__LoadTerritories lt = FSD__LOAD_TERRITORIES__INIT;
    lt.rows = trs;
    lt.n_rows = 2;
    ENV(e1, LOAD_TERRITORIES, load_territories, &lt);
    s_run(w, P_ADMIN, &e1);
    s_no_error(w, P_ADMIN);

    char *brands[] = { "Bosch" }, *terrs[] = { "mitte", "pankow" };
    Fsd__ProviderRow pr = FSD__PROVIDER_ROW__INIT, *prs[] = { &pr };
    pr.line = 2;
    pr.id = "P1";
    pr.name = "Provider One";
    pr.brands = brands;
    pr.n_brands = 1;
    pr.territories = terrs;
    pr.n_territories = 2;
    Fsd__LoadProviders lp = FSD__LOAD_PROVIDERS__INIT;
    lp.rows = prs;
    lp.n_rows = 1;
    ENV(e2, LOAD_PROVIDERS, load_providers, &lp);
    s_run(w, P_ADMIN, &e2);
    s_no_error(w, P_ADMIN);

    char *skills[] = { "washing_machine" }, *mitte[] = { "mitte" }, *pankow[] = { "pankow" };
    Fsd__TechnicianRow te[3], *tes[3];
    const double lat[3] = { 52.50, 52.52, 52.70 };
    const unsigned cap[3] = { 2, 2, 1 };
    for (int i = 0; i < 3; i++) {
        fsd__technician_row__init(&te[i]);
        te[i].line = 2 + i;
        te[i].id = (char *)s_names[P_T1 + i];
        te[i].name = (char *)s_names[P_T1 + i];
        te[i].provider_id = "P1";
        te[i].territories = i < 2 ? mitte : pankow;
        te[i].n_territories = 1;
        te[i].skills = skills;
        te[i].n_skills = 1;
        te[i].capacity = cap[i];
        te[i].shift = "24h";
        te[i].lat = lat[i];
        te[i].lon = 13.40;
        tes[i] = &te[i];
    }
    Fsd__LoadTechnicians ltc = FSD__LOAD_TECHNICIANS__INIT;
    ltc.rows = tes;
    ltc.n_rows = 3;
    ENV(e3, LOAD_TECHNICIANS, load_technicians, &ltc);
    s_run(w, P_ADMIN, &e3);
    s_no_error(w, P_ADMIN);

    Fsd__ProductRow po = FSD__PRODUCT_ROW__INIT, *pos[] = { &po };
    po.line = 2;
    po.serial = "WM-1";
    po.brand = "Bosch";
    po.model = "WAX32";
    po.category = "washing_machine";
    po.purchase_date = "2020-01-01";
    po.warranty_months = 24;
    Fsd__LoadProducts lpr = FSD__LOAD_PRODUCTS__INIT;
    lpr.rows = pos;
    lpr.n_rows = 1;
    ENV(e4, LOAD_PRODUCTS, load_products, &lpr);
    s_run(w, P_ADMIN, &e4);
    s_no_error(w, P_ADMIN);
    assert_int_equal(w->srv.n_territories, 2);
    assert_int_equal(w->srv.n_techs, 3);
}

/* The keys are put in the store as fsdctl keygen does; the rest is loaded
   through requests; the three technicians say Hello. */
static int s_setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    server *srv = &w->srv;
    log_set_level(getenv("FSD_TEST_VERBOSE") ? LOG_INFO : LOG_ERROR);
    snprintf(w->dir, sizeof w->dir, "/tmp/fsd-middle.XXXXXX");
    assert_non_null(mkdtemp(w->dir));
    char path[128];
    snprintf(path, sizeof path, "%s/fsd.db", w->dir);
    srv->cfg.data_dir = w->dir;
    srv->cfg.listen = "inproc://middle";
    srv->cfg.heartbeat_ms = 60000; /* nobody goes silent during a test */
    srv->cfg.offline_after = 3;
    srv->cfg.offer_ttl_ms = 30000;
    srv->cfg.close_after_ms = 3600000;
    srv->cfg.assign_sla_min[PRIO_NORMAL] = 60;
    srv->cfg.assign_sla_min[PRIO_HIGH] = 15;
    srv->cfg.arrive_sla_min[PRIO_NORMAL] = 24 * 60;
    srv->cfg.arrive_sla_min[PRIO_HIGH] = 4 * 60;
    srv->cfg.fix_sla_min[PRIO_NORMAL] = 3 * 24 * 60;
    srv->cfg.fix_sla_min[PRIO_HIGH] = 24 * 60;
    srv->cfg.batch_max = 64;
    srv->cfg.dedup_days = 7;
    srv->cfg.neighbour_km = 0.3;
    srv->cfg.notify.off = true;
    match_config_default(&srv->cfg.match);
    srv->started_at = wire_now_ms();
    srv->arena = arena_new();
    char err[256];
    srv->store = store_open(path, err, sizeof err);
    if (!srv->store)
        fail_msg("store: %s", err);
    assert_int_equal(store_begin(srv->store), 0);
    for (int i = 0; i < P_COUNT; i++) {
        fsd_keypair kp;
        bool replaced;
        assert_int_equal(keys_generate(&kp), 0);
        assert_int_equal(store_put_principal(srv->store, kp.pub, s_names[i], s_roles[i],
                                             s_roles[i] == ROLE_AGENT_ ? s_names[i] : "", &replaced),
                         0);
        memcpy(w->rid[i], "\0rid", 4);
        w->rid[i][4] = (uint8_t)('0' + i);
    }
    assert_int_equal(store_commit(srv->store), 0);
    if (world_load_reference(srv, err, sizeof err) < 0 || world_load_jobs(srv) < 0)
        fail_msg("load: %s", err);
    strmap_each(srv->principals, s_find_principal, w);
    for (int i = 0; i < P_COUNT; i++)
        assert_non_null(w->who[i]);
    w->now = wire_now_ms();
    s_load_world(w);
    for (int who = P_T1; who <= P_T3; who++) {
        s_hello(w, who, 0);
        const Fsd__Envelope *r = s_reply(w, who, FSD__ENVELOPE__BODY_WELCOME);
        assert_string_equal(r->welcome->technician_id, s_names[who]);
        assert_true(s_tech(w, who)->online);
    }
    *state = w;
    return 0;
}

static int s_teardown(void **state)
{
    world *w = *state;
    s_sent_free(w);
    dispatch_unschedule_all(&w->srv);
    world_free(&w->srv);
    store_close(&w->srv.store);
    arena_destroy(&w->srv.arena);
    free(w->srv.out);
    free(w->srv.dirty_sessions);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", w->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", w->dir);
    free(w);
    return 0;
}

/* ------------------------------------------------------------ tests */

/* A job is offered to the nearest technician; accepted, it is assigned. */
static void test_submit_offer_accept(void **state)
{
    world *w = *state;
    char id[24];
    s_submit(w, 52.49, 13.40, id);
    assert_int_equal(s_offered_to(w, id), P_T1);
    const sent *o = s_find(w, P_T1, FSD__ENVELOPE__BODY_OFFER);
    assert_true(o->env->offer->expires_at >= w->now + w->srv.cfg.offer_ttl_ms);
    assert_int_equal(o->env->offer->expires_at, world_job(&w->srv, id)->offer_expires_at);
    assert_int_equal(o->seq, s_tech(w, P_T1)->out_seq);
    assert_int_equal(s_tech(w, P_T1)->load, 1);

    s_answer(w, P_T1, id, true);
    const Fsd__Envelope *view = s_reply(w, P_T1, FSD__ENVELOPE__BODY_JOB_VIEW);
    assert_int_equal(view->job_view->state, FSD__JOB_STATE__JOB_ASSIGNED);
    job *j = world_job(&w->srv, id);
    assert_int_equal(j->state, JS_ASSIGNED);
    assert_ptr_equal(j->tech, s_tech(w, P_T1));
    assert_int_equal(s_tech(w, P_T1)->load, 1);
}

/* Declined, the job goes to the next candidate, never back to the one
   who declined; an offer left unanswered expires at the timers' later
   `now` with a Revoked to its holder. */
static void test_decline_then_expiry(void **state)
{
    world *w = *state;
    char id[24];
    s_submit(w, 52.51, 13.40, id);
    int first = s_offered_to(w, id);
    assert_true(first == P_T1 || first == P_T2);
    s_answer(w, first, id, false);
    int second = s_offered_to(w, id);
    assert_true(second >= P_T1 && second != first);

    /* nothing happens before the offer's time */
    w->now += w->srv.cfg.offer_ttl_ms - 1;
    s_batch_frame(w, P_ADMIN, NULL, 0, true);
    assert_int_equal(world_job(&w->srv, id)->state, JS_OFFERED);
    w->now += 2;
    s_batch_frame(w, P_ADMIN, NULL, 0, true);
    const sent *rv = s_find(w, second, FSD__ENVELOPE__BODY_REVOKED);
    assert_non_null(rv);
    assert_string_equal(rv->env->revoked->job_id, id);
    assert_int_equal(rv->env->revoked->reason, FSD__REVOKE_REASON__REVOKE_EXPIRED);
    job *j = world_job(&w->srv, id);
    assert_true(j->tech != s_tech(w, first) && j->tech != s_tech(w, second));
    assert_int_equal(s_tech(w, second)->load, 0);
    assert_int_equal(j->n_declined, 2);
}

/* A batch that ends full or out of time (more messages may wait, as in
   the replay of a fleet's backlog) runs the timers and the waiting queue
   like any other: a job declined in it is offered again in the same
   batch, and an offer that is due expires. */
static void test_full_batch_dispatches(void **state)
{
    world *w = *state;
    char id[24];
    s_submit(w, 52.51, 13.40, id);
    int first = s_offered_to(w, id);
    assert_true(first == P_T1 || first == P_T2);

    Fsd__OfferReply r = FSD__OFFER_REPLY__INIT;
    r.job_id = id;
    r.reason = FSD__DECLINE_REASON__DECLINE_NO_PARTS;
    r.note = "no parts";
    ENV(env, OFFER_REPLY, offer_reply, &r);
    size_t len;
    uint8_t *buf = wire_encode(s_report_env(w, first, &env, 0), &len);
    assert_non_null(buf);
    s_batch_ended(w, first, buf, len, true, true); /* the invariants hold after it */
    free(buf);
    s_reply(w, first, FSD__ENVELOPE__BODY_JOB_VIEW);
    int second = s_offered_to(w, id);
    assert_true(second >= P_T1 && second != first);

    w->now += w->srv.cfg.offer_ttl_ms + 1;
    s_batch_ended(w, P_ADMIN, NULL, 0, true, true);
    const sent *rv = s_find(w, second, FSD__ENVELOPE__BODY_REVOKED);
    assert_non_null(rv);
    assert_string_equal(rv->env->revoked->job_id, id);
    assert_int_equal(world_job(&w->srv, id)->n_declined, 2);
}

/* A report ahead of the next sequence number is not applied: the Ack
   says where to resume. */
static void test_report_out_of_order(void **state)
{
    world *w = *state;
    char id[24];
    s_submit(w, 52.49, 13.40, id);
    assert_int_equal(s_offered_to(w, id), P_T1);
    uint64_t applied = s_tech(w, P_T1)->in_seq;
    Fsd__OfferReply r = FSD__OFFER_REPLY__INIT;
    r.job_id = id;
    r.accept = true;
    ENV(env, OFFER_REPLY, offer_reply, &r);
    s_run(w, P_T1, s_report_env(w, P_T1, &env, applied + 2));
    const Fsd__Envelope *ack = s_reply(w, P_T1, FSD__ENVELOPE__BODY_ACK);
    assert_int_equal(ack->ack->upto, applied);
    assert_int_equal(s_tech(w, P_T1)->in_seq, applied);
    assert_int_equal(world_job(&w->srv, id)->state, JS_OFFERED);
}

/* The same msg_id again gets the same answer, byte for byte, and changes
   nothing more. */
static void test_duplicate_same_answer(void **state)
{
    world *w = *state;
    char id[24];
    s_submit(w, 52.49, 13.40, id);
    s_answer(w, P_T1, id, true);
    Fsd__JobUpdate ju = FSD__JOB_UPDATE__INIT;
    ju.job_id = id;
    ju.state = FSD__JOB_STATE__JOB_EN_ROUTE;
    ENV(env, JOB_UPDATE, job_update, &ju);
    size_t len;
    uint8_t *frame = s_send(w, P_T1, s_report_env(w, P_T1, &env, 0), &len);
    assert_int_equal(w->n_out, 1);
    size_t first_len = w->out[0].len;
    uint8_t *first = malloc(first_len);
    memcpy(first, w->out[0].data, first_len);
    uint64_t in_seq = s_tech(w, P_T1)->in_seq;
    assert_int_equal(world_job(&w->srv, id)->state, JS_EN_ROUTE);

    s_batch_frame(w, P_T1, frame, len, false);
    assert_int_equal(w->n_out, 1);
    assert_int_equal(w->out[0].len, first_len);
    assert_memory_equal(w->out[0].data, first, first_len);
    assert_int_equal(s_tech(w, P_T1)->in_seq, in_seq);
    assert_int_equal(world_job(&w->srv, id)->state, JS_EN_ROUTE);
    free(first);
    free(frame);
}

/* A dispatcher's reassignment tells the old holder with a Revoked. */
static void test_reassign_revokes(void **state)
{
    world *w = *state;
    char id[24];
    s_submit(w, 52.49, 13.40, id);
    s_answer(w, P_T1, id, true);
    Fsd__Reassign ra = FSD__REASSIGN__INIT;
    ra.job_id = id;
    ra.technician_id = "T2";
    ra.reason = "closer";
    ENV(env, REASSIGN, reassign, &ra);
    s_run(w, P_DANA, &env);
    s_reply(w, P_DANA, FSD__ENVELOPE__BODY_JOB_VIEW);
    const sent *rv = s_find(w, P_T1, FSD__ENVELOPE__BODY_REVOKED);
    assert_non_null(rv);
    assert_string_equal(rv->env->revoked->job_id, id);
    assert_int_equal(rv->env->revoked->reason, FSD__REVOKE_REASON__REVOKE_REASSIGNED);
    assert_non_null(s_find(w, P_T2, FSD__ENVELOPE__BODY_ASSIGNED));
    job *j = world_job(&w->srv, id);
    assert_ptr_equal(j->tech, s_tech(w, P_T2));
    assert_int_equal(s_tech(w, P_T1)->load, 0);
    assert_int_equal(s_tech(w, P_T2)->load, 1);
}

/* Hello answers Welcome, then re-sends what the agent has not applied,
   in order, on its connection. */
static void test_hello_resends(void **state)
{
    world *w = *state;
    char a[24], b[24];
    s_submit(w, 52.49, 13.40, a);
    s_answer(w, P_T1, a, true);
    s_submit(w, 52.49, 13.40, b);
    technician *t = s_tech(w, P_T1);
    uint64_t out_seq = t->out_seq;
    assert_true(out_seq >= 1);
    s_hello(w, P_T1, 0);
    const Fsd__Envelope *wel = s_reply(w, P_T1, FSD__ENVELOPE__BODY_WELCOME);
    assert_int_equal(wel->welcome->last_seq_sent, out_seq);
    assert_int_equal(wel->welcome->resending, out_seq);
    uint64_t next = 1;
    for (size_t i = 0; i < w->n_out; i++)
        if (w->out[i].seq) {
            assert_int_equal(w->out[i].to, P_T1);
            assert_int_equal(w->out[i].seq, next);
            assert_int_equal(w->out[i].env->seq, next);
            next++;
        }
    assert_int_equal(next, out_seq + 1);
    assert_int_equal(t->out_sent, out_seq);
    /* applied up to out_seq - 1: only the last is sent again */
    s_hello(w, P_T1, out_seq - 1);
    assert_int_equal(s_reply(w, P_T1, FSD__ENVELOPE__BODY_WELCOME)->welcome->resending, 1);
    assert_int_equal(t->out_acked, out_seq - 1);
}

/* More jobs than the fleet can hold: nobody goes over capacity, the rest
   wait, and a job finished frees a place that the queue fills. */
static void test_capacity_never_exceeded(void **state)
{
    world *w = *state;
    char ids[7][24];
    for (int i = 0; i < 7; i++) {
        s_submit(w, 52.49 + 0.001 * i, 13.40, ids[i]);
        int to = s_offered_to(w, ids[i]);
        if (to >= 0)
            s_answer(w, to, ids[i], true);
    }
    unsigned held = 0;
    for (int who = P_T1; who <= P_T3; who++)
        held += s_tech(w, who)->load;
    assert_int_equal(held, 5); /* 2 + 2 + 1 */
    size_t waiting = w->srv.waiting.n;
    assert_int_equal(waiting, 2);
    /* T1 cancels nothing but the desk cancels one of T1's jobs */
    const char *freed = NULL;
    for (int i = 0; i < 7 && !freed; i++) {
        job *j = world_job(&w->srv, ids[i]);
        if (j && j->tech == s_tech(w, P_T1))
            freed = ids[i];
    }
    assert_non_null(freed);
    Fsd__CancelJob cj = FSD__CANCEL_JOB__INIT;
    cj.job_id = (char *)freed;
    cj.reason = "no longer needed";
    ENV(env, CANCEL_JOB, cancel_job, &cj);
    s_run(w, P_DESK, &env);
    s_reply(w, P_DESK, FSD__ENVELOPE__BODY_JOB_VIEW);
    assert_null(world_job(&w->srv, freed));
    assert_non_null(s_find(w, P_T1, FSD__ENVELOPE__BODY_REVOKED));
    assert_non_null(s_find(w, P_T1, FSD__ENVELOPE__BODY_OFFER));
    assert_int_equal(w->srv.waiting.n, 1);
    assert_int_equal(s_tech(w, P_T1)->load, 2);
}

/* A batch that fails is rolled back and memory is read again from the
   store: nothing of it stays, not even an Ack of a message it numbered. */
static void test_rollback_forgets(void **state)
{
    world *w = *state;
    server *srv = &w->srv;
    technician *t = s_tech(w, P_T1);
    uint64_t out_seq = t->out_seq;
    assert_int_equal(store_begin(srv->store), 0);
    Fsd__SubmitRequest sr = FSD__SUBMIT_REQUEST__INIT;
    sr.customer_name = "Test Customer";
    sr.phone = "+49 30 5550001";
    sr.address = "Teststr. 1";
    sr.lat = 52.49;
    sr.lon = 13.40;
    sr.brand = "Bosch";
    sr.category = "washing_machine";
    sr.problem = "leaks";
    ENV(sub, SUBMIT_REQUEST, submit_request, &sr);
    size_t len;
    uint8_t *buf = wire_encode(&sub, &len);
    assert_int_equal(
        loop_handle_frame(srv, w->who[P_DESK], w->rid[P_DESK], sizeof w->rid[P_DESK], buf, len, w->now, NULL),
        0);
    free(buf);
    assert_int_equal(dispatch_waiting(srv, w->now), 0);
    assert_int_equal(t->out_seq, out_seq + 1);
    Fsd__Ack ack = FSD__ACK__INIT;
    ack.upto = t->out_seq;
    ENV(a, ACK, ack, &ack);
    buf = wire_encode(&a, &len);
    assert_int_equal(
        loop_handle_frame(srv, w->who[P_T1], w->rid[P_T1], sizeof w->rid[P_T1], buf, len, w->now, NULL), 0);
    free(buf);
    assert_int_equal(t->out_acked, out_seq + 1);
    store_rollback(srv->store);
    session_forget(srv);
    srv->n_out = 0;
    arena_reset(srv->arena);
    assert_int_equal(world_load_jobs(srv), 0);
    assert_int_equal(strmap_size(srv->jobs), 0);
    assert_int_equal(t->out_seq, out_seq);
    assert_true(t->out_acked <= out_seq);
    s_sound(w);
}

/* The checker sees a broken invariant (it is not vacuous). */
static void test_checker_catches(void **state)
{
    world *w = *state;
    char id[24], what[400];
    s_submit(w, 52.49, 13.40, id);
    technician *t = s_tech(w, P_T1);
    t->load++;
    assert_int_equal(invariants_find(&w->srv, what, sizeof what), 1);
    assert_non_null(strstr(what, "T1 technician T1"));
    t->load--;
    job *j = world_job(&w->srv, id);
    j->state = JS_ASSIGNED;
    assert_int_equal(invariants_find(&w->srv, what, sizeof what), 1);
    j->state = JS_OFFERED;
    pheap_remove(&w->srv.timers, j);
    assert_int_equal(invariants_find(&w->srv, what, sizeof what), 1);
    assert_non_null(strstr(what, "Q2"));
    dispatch_schedule(&w->srv, j);
    t->out_acked = t->out_seq + 1;
    assert_int_equal(invariants_find(&w->srv, what, sizeof what), 1);
    t->out_acked = 0;
    assert_int_equal(invariants_find(&w->srv, what, sizeof what), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_submit_offer_accept, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_decline_then_expiry, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_full_batch_dispatches, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_report_out_of_order, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_same_answer, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_reassign_revokes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_hello_resends, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_capacity_never_exceeded, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_rollback_forgets, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_checker_catches, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
