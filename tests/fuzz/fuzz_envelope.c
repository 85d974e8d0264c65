/*  fuzz_envelope.c — libFuzzer target: the envelope decoder and the
    server's whole per-message path (decode → rights → dedup → handle),
    without sockets.

    The server is built once over an in-memory SQLite store holding a small
    world: two territories, a provider, two technicians (T1, T2) with
    sessions open, a product, a blocked customer and four jobs (offered,
    assigned, en route, completed). Each input picks its sender by its
    first byte (0 agent T1, 1 agent T2, 2 intake, 3 dispatcher, 4 admin);
    the rest is the frame. It runs inside a transaction that is rolled back,
    and the open jobs and sessions are re-read, so every input meets the
    same world. A Backup body is skipped (it would write files).

      make fuzz                       build into build-fuzz/ and run FUZZ_SECONDS
      FSD_FUZZ_SEEDS=DIR fuzz_envelope    write seed frames into DIR and exit */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "../../server/server.h"
#include "../../server/world.h"
#include "../../server/dispatch.h"
#include "../../server/session.h"
#include "../../server/loop.h"
#include "../../server/refrows.h"
#include "fsd/log.h"
#include "fsd/wire.h"

enum { P_T1, P_T2, P_DESK, P_DANA, P_ADMIN, P_COUNT };

static server s_srv;
static const principal *s_who[P_COUNT];
static const uint8_t s_rid[] = { 0, 'f', 'u', 'z', 'z' };

static void s_die(const char *what)
{
    fprintf(stderr, "fuzz_envelope setup: %s (%s)\n", what, s_srv.store ? store_errmsg(s_srv.store) : "");
    exit(1);
}

/* A square ring lat0..lat1 × lon0..lon1. */
static Fsd__Ring *s_square(double lat0, double lon0, double lat1, double lon1)
{
    static Fsd__Point pts[2][5];
    static Fsd__Point *pp[2][5];
    static Fsd__Ring rings[2];
    static int k;
    int i = k++ % 2;
    double c[5][2] = { { lat0, lon0 }, { lat0, lon1 }, { lat1, lon1 }, { lat1, lon0 }, { lat0, lon0 } };
    for (int n = 0; n < 5; n++) {
        fsd__point__init(&pts[i][n]);
        pts[i][n].lat = c[n][0];
        pts[i][n].lon = c[n][1];
        pp[i][n] = &pts[i][n];
    }
    fsd__ring__init(&rings[i]);
    rings[i].points = pp[i];
    rings[i].n_points = 5;
    return &rings[i];
}

/* The reference data, written straight through the store API. */
static void s_reference(void)
{
    store *st = s_srv.store;
    if (store_begin(st) < 0)
        s_die("begin");
    const char *ids[2] = { "mitte", "pankow" };
    for (int i = 0; i < 2; i++) {
        Fsd__TerritoryRow t = FSD__TERRITORY_ROW__INIT;
        Fsd__Ring *ring = s_square(52.4 + 0.2 * i, 13.3, 52.6 + 0.2 * i, 13.5);
        t.id = (char *)ids[i];
        t.name = (char *)ids[i];
        t.tz = "Europe/Berlin";
        t.rings = &ring;
        t.n_rings = 1;
        if (refrows_put_territory(st, &t) < 0)
            s_die("territory");
    }
    char *brands[] = { "Bosch", "Siemens" }, *terrs[] = { "mitte", "pankow" };
    Fsd__ProviderRow p = FSD__PROVIDER_ROW__INIT;
    p.id = "P1";
    p.name = "Provider One";
    p.brands = brands;
    p.n_brands = 2;
    p.territories = terrs;
    p.n_territories = 2;
    if (refrows_put_provider(st, &p) < 0)
        s_die("provider");
    char *skills[] = { "washing_machine", "dishwasher" };
    for (int i = 0; i < 2; i++) {
        Fsd__TechnicianRow t = FSD__TECHNICIAN_ROW__INIT;
        t.id = i ? "T2" : "T1";
        t.name = i ? "Tina Zwei" : "Tom Eins";
        t.provider_id = "P1";
        t.territories = terrs;
        t.n_territories = 1;
        t.skills = skills;
        t.n_skills = 2;
        t.capacity = 3;
        t.shift = "24h";
        t.lat = 52.50 + 0.01 * i;
        t.lon = 13.40;
        if (refrows_put_technician(st, &t) < 0)
            s_die("technician");
    }
    Fsd__ProductRow pr = FSD__PRODUCT_ROW__INIT;
    pr.serial = "WM-NEW";
    pr.brand = "Bosch";
    pr.model = "WAX32";
    pr.category = "washing_machine";
    pr.owner = "Owner";
    pr.purchase_date = "2020-01-01";
    pr.warranty_months = 600;
    if (refrows_put_product(st, &pr) < 0)
        s_die("product");
    Fsd__CustomerRow cu = FSD__CUSTOMER_ROW__INIT;
    cu.phone = "+49305550099";
    cu.name = "Blocked Customer";
    cu.tier = "standard";
    cu.blocked = true;
    cu.note = "unpaid bills";
    if (refrows_put_customer(st, &cu) < 0)
        s_die("customer");
    const char *names[P_COUNT] = { "T1", "T2", "desk", "dana", "admin" };
    const int roles[P_COUNT] = { ROLE_AGENT_, ROLE_AGENT_, ROLE_INTAKE_, ROLE_DISPATCHER_, ROLE_ADMIN_ };
    for (int i = 0; i < P_COUNT; i++) {
        fsd_keypair kp;
        bool replaced;
        if (keys_generate(&kp) < 0
            || store_put_principal(st, kp.pub, names[i], roles[i], roles[i] == ROLE_AGENT_ ? names[i] : "",
                                   &replaced)
                   < 0)
            s_die("principal");
    }
    if (store_commit(st) < 0)
        s_die("commit");
    char err[256];
    if (world_load_reference(&s_srv, err, sizeof err) < 0 || world_load_jobs(&s_srv) < 0)
        s_die(err);
}

/* Finds each principal by name (the keys are random). */
static void s_find_principal(const char *key, void *value, void *arg)
{
    const char *names[P_COUNT] = { "T1", "T2", "desk", "dana", "admin" };
    const principal *p = value;
    for (int i = 0; i < P_COUNT; i++)
        if (strcmp(p->name, names[i]) == 0)
            s_who[i] = p;
}

/* ------------------------------------------------------------ frames */

static uint8_t *s_frame(Fsd__Envelope *env, size_t *len)
{
    return wire_encode(env, len);
}

/* One envelope of each kind the server answers, as sender + frame. */
typedef struct {
    int who;
    uint8_t *data;
    size_t len;
} seed;

static size_t s_seeds(seed *out, uint64_t t1_seq, uint64_t t2_seq)
{
    size_t n = 0;
    char id[33];
    Fsd__Envelope env;
#define EMIT(w, kind, field, value)                 \
    do {                                            \
        wire_envelope_init(&env, id);               \
        env.body_case = FSD__ENVELOPE__BODY_##kind; \
        env.field = (value);                        \
        out[n].who = (w);                           \
        out[n].data = s_frame(&env, &out[n].len);   \
        n++;                                        \
    } while (0)
    Fsd__Hello hello = FSD__HELLO__INIT;
    hello.version = 1;
    EMIT(P_T1, HELLO, hello, &hello);
    Fsd__Heartbeat hb = FSD__HEARTBEAT__INIT;
    hb.last_seq_applied = 2;
    EMIT(P_T1, HEARTBEAT, heartbeat, &hb);
    Fsd__Position pos = FSD__POSITION__INIT;
    pos.lat = 52.51;
    pos.lon = 13.41;
    EMIT(P_T1, POSITION, position, &pos);
    Fsd__Ack ack = FSD__ACK__INIT;
    ack.upto = 1;
    EMIT(P_T2, ACK, ack, &ack);
    Fsd__OfferReply orp = FSD__OFFER_REPLY__INIT;
    orp.job_id = "J000001";
    orp.accept = true;
    EMIT(P_T1, OFFER_REPLY, offer_reply, &orp);
    out[n - 1].data = (free(out[n - 1].data), NULL);
    env.seq = t1_seq + 1;
    out[n - 1].data = s_frame(&env, &out[n - 1].len);
    Fsd__OfferReply dec = FSD__OFFER_REPLY__INIT;
    dec.job_id = "J000001";
    dec.reason = FSD__DECLINE_REASON__DECLINE_TOO_FAR;
    dec.note = "too far";
    EMIT(P_T2, OFFER_REPLY, offer_reply, &dec);
    free(out[n - 1].data);
    env.seq = t2_seq + 1;
    out[n - 1].data = s_frame(&env, &out[n - 1].len);
    Fsd__JobUpdate ju = FSD__JOB_UPDATE__INIT;
    ju.job_id = "J000002";
    ju.state = FSD__JOB_STATE__JOB_EN_ROUTE;
    ju.note = "on my way";
    EMIT(P_T1, JOB_UPDATE, job_update, &ju);
    free(out[n - 1].data);
    env.seq = t1_seq + 1;
    out[n - 1].data = s_frame(&env, &out[n - 1].len);
    Fsd__SubmitRequest sr = FSD__SUBMIT_REQUEST__INIT;
    sr.customer_name = "Fuzz Customer";
    sr.phone = "+49 30 5550001";
    sr.address = "Somewhere 1";
    sr.lat = 52.5;
    sr.lon = 13.4;
    sr.brand = "Bosch";
    sr.category = "washing_machine";
    sr.serial = "WM-NEW";
    sr.problem = "leaks";
    EMIT(P_DESK, SUBMIT_REQUEST, submit_request, &sr);
    sr.window = "tomorrow 10:00-12:00"; /* with an appointment window */
    EMIT(P_DESK, SUBMIT_REQUEST, submit_request, &sr);
    Fsd__GetJob gj = FSD__GET_JOB__INIT;
    gj.job_id = "J000003";
    EMIT(P_DESK, GET_JOB, get_job, &gj);
    Fsd__ListJobs lj = FSD__LIST_JOBS__INIT;
    lj.territory = "mitte";
    lj.state = FSD__JOB_STATE__JOB_ASSIGNED;
    EMIT(P_DESK, LIST_JOBS, list_jobs, &lj);
    Fsd__CancelJob cj = FSD__CANCEL_JOB__INIT;
    cj.job_id = "J000002";
    cj.reason = "no longer needed";
    EMIT(P_DESK, CANCEL_JOB, cancel_job, &cj);
    Fsd__RateJob rj = FSD__RATE_JOB__INIT;
    rj.job_id = "J000004";
    rj.stars = 4;
    rj.comment = "fine";
    EMIT(P_DESK, RATE_JOB, rate_job, &rj);
    Fsd__Reassign ra = FSD__REASSIGN__INIT;
    ra.job_id = "J000001";
    ra.technician_id = "T2";
    ra.reason = "closer";
    EMIT(P_DANA, REASSIGN, reassign, &ra);
    Fsd__Reassign rt = FSD__REASSIGN__INIT;
    rt.job_id = "J000003";
    rt.territory = "pankow";
    rt.reason = "moved";
    EMIT(P_DANA, REASSIGN, reassign, &rt);
    Fsd__Explain ex = FSD__EXPLAIN__INIT;
    ex.job_id = "J000001";
    EMIT(P_DANA, EXPLAIN, explain, &ex);
    Fsd__BoardRequest bo = FSD__BOARD_REQUEST__INIT;
    EMIT(P_DANA, BOARD, board, &bo);
    Fsd__StatsRequest sq = FSD__STATS_REQUEST__INIT;
    EMIT(P_DANA, STATS, stats, &sq);
    Fsd__ReportRequest rr = FSD__REPORT_REQUEST__INIT;
    EMIT(P_ADMIN, REPORT, report, &rr);
    Fsd__ListTechnicians lt = FSD__LIST_TECHNICIANS__INIT;
    lt.territory = "mitte";
    EMIT(P_DANA, LIST_TECHNICIANS, list_technicians, &lt);
    Fsd__CustomerRow cr = FSD__CUSTOMER_ROW__INIT;
    cr.phone = "+49 30 5550002";
    cr.name = "Set Customer";
    cr.tier = "priority";
    Fsd__SetCustomer sc = FSD__SET_CUSTOMER__INIT;
    sc.customer = &cr;
    EMIT(P_DANA, SET_CUSTOMER, set_customer, &sc);
    Fsd__CustomerRow *crs[] = { &cr };
    Fsd__LoadCustomers lc = FSD__LOAD_CUSTOMERS__INIT;
    lc.rows = crs;
    lc.n_rows = 1;
    EMIT(P_ADMIN, LOAD_CUSTOMERS, load_customers, &lc);
    Fsd__TerritoryRow tr = FSD__TERRITORY_ROW__INIT;
    Fsd__Ring *ring = s_square(52.8, 13.3, 52.9, 13.5);
    tr.line = 2;
    tr.id = "north";
    tr.name = "North";
    tr.tz = "Europe/Berlin";
    tr.rings = &ring;
    tr.n_rings = 1;
    Fsd__TerritoryRow *trs[] = { &tr };
    Fsd__LoadTerritories lte = FSD__LOAD_TERRITORIES__INIT;
    lte.rows = trs;
    lte.n_rows = 1;
    EMIT(P_ADMIN, LOAD_TERRITORIES, load_territories, &lte);
    char *brands[] = { "Miele" }, *terrs[] = { "mitte" }, *skills[] = { "fridge" };
    Fsd__ProviderRow pr = FSD__PROVIDER_ROW__INIT;
    pr.line = 2;
    pr.id = "P2";
    pr.name = "Provider Two";
    pr.brands = brands;
    pr.n_brands = 1;
    pr.territories = terrs;
    pr.n_territories = 1;
    Fsd__ProviderRow *prs[] = { &pr };
    Fsd__LoadProviders lp = FSD__LOAD_PROVIDERS__INIT;
    lp.rows = prs;
    lp.n_rows = 1;
    EMIT(P_ADMIN, LOAD_PROVIDERS, load_providers, &lp);
    Fsd__TechnicianRow te = FSD__TECHNICIAN_ROW__INIT;
    te.line = 2;
    te.id = "T3";
    te.name = "Tim Drei";
    te.provider_id = "P1";
    te.territories = terrs;
    te.n_territories = 1;
    te.skills = skills;
    te.n_skills = 1;
    te.capacity = 2;
    te.shift = "Mon-Fri 08:00-17:00";
    te.lat = 52.5;
    te.lon = 13.4;
    Fsd__TechnicianRow *tes[] = { &te };
    Fsd__LoadTechnicians ltc = FSD__LOAD_TECHNICIANS__INIT;
    ltc.rows = tes;
    ltc.n_rows = 1;
    EMIT(P_ADMIN, LOAD_TECHNICIANS, load_technicians, &ltc);
    Fsd__ProductRow po = FSD__PRODUCT_ROW__INIT;
    po.line = 2;
    po.serial = "DW-1";
    po.brand = "Siemens";
    po.model = "SN1";
    po.category = "dishwasher";
    po.purchase_date = "2024-02-29";
    po.warranty_months = 24;
    po.extended_until = "2030-01-01";
    Fsd__ProductRow *pos_[] = { &po };
    Fsd__LoadProducts lpr = FSD__LOAD_PRODUCTS__INIT;
    lpr.rows = pos_;
    lpr.n_rows = 1;
    EMIT(P_ADMIN, LOAD_PRODUCTS, load_products, &lpr);
    Fsd__AddPrincipal ap = FSD__ADD_PRINCIPAL__INIT;
    ap.public_key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
    ap.name = "T2";
    ap.role = FSD__ROLE__ROLE_AGENT;
    EMIT(P_ADMIN, ADD_PRINCIPAL, add_principal, &ap);
    /* customer care */
    Fsd__CustomerQuery cq = FSD__CUSTOMER_QUERY__INIT;
    cq.phone = "+49 30 5550001";
    EMIT(P_DESK, GET_CUSTOMER, get_customer, &cq);
    Fsd__FileComplaint fc = FSD__FILE_COMPLAINT__INIT;
    fc.job_id = "J000001";
    fc.text = "still leaks";
    EMIT(P_DESK, COMPLAIN, complain, &fc);
    Fsd__FollowUps fl = FSD__FOLLOW_UPS__INIT;
    fl.territory = "mitte";
    EMIT(P_DANA, FOLLOW_UPS, follow_ups, &fl);
    Fsd__CareDecision gw = FSD__CARE_DECISION__INIT;
    gw.action = FSD__CARE_ACTION__CARE_GOODWILL;
    gw.job_id = "J000003";
    gw.reason = "loyal customer";
    EMIT(P_DANA, CARE_DECISION, care_decision, &gw);
    Fsd__CareDecision fu = FSD__CARE_DECISION__INIT;
    fu.action = FSD__CARE_ACTION__CARE_RETURN_VISIT;
    fu.follow_up_id = "F1";
    EMIT(P_DANA, CARE_DECISION, care_decision, &fu);
    Fsd__WaiveFee wf = FSD__WAIVE_FEE__INIT;
    wf.job_id = "J000002";
    wf.amount_cents = 4500;
    wf.reason = "regular";
    EMIT(P_T1, WAIVE_FEE, waive_fee, &wf);
    free(out[n - 1].data);
    env.seq = t1_seq + 1;
    out[n - 1].data = s_frame(&env, &out[n - 1].len);
    /* service levels: policies, working hours, escalations */
    Fsd__SlaPolicyRow sp = FSD__SLA_POLICY_ROW__INIT;
    sp.line = 2;
    sp.id = "P-FAST";
    sp.warranty = "*";
    sp.tier = "priority";
    sp.urgency = "high";
    sp.assign_min = 0.5;
    sp.arrive_min = 1;
    sp.fix_min = 2;
    sp.clock = "business";
    Fsd__SlaPolicyRow *sps[] = { &sp };
    Fsd__LoadSlaPolicies lsp = FSD__LOAD_SLA_POLICIES__INIT;
    lsp.rows = sps;
    lsp.n_rows = 1;
    EMIT(P_ADMIN, LOAD_SLA_POLICIES, load_sla_policies, &lsp);
    char *closed[] = { "2026-12-24..2026-12-26", "01-01" };
    Fsd__WorkingHoursRow wh = FSD__WORKING_HOURS_ROW__INIT;
    wh.line = 2;
    wh.territory = "mitte";
    wh.hours = "mon-fri 08:00-18:00; sat 09:00-13:00";
    wh.closed = closed;
    wh.n_closed = 2;
    Fsd__WorkingHoursRow *whs[] = { &wh };
    Fsd__LoadWorkingHours lwh = FSD__LOAD_WORKING_HOURS__INIT;
    lwh.rows = whs;
    lwh.n_rows = 1;
    EMIT(P_ADMIN, LOAD_WORKING_HOURS, load_working_hours, &lwh);
    /* reference data: the categories catalogue, retiring */
    Fsd__CategoryRow cat = FSD__CATEGORY_ROW__INIT;
    cat.line = 2;
    cat.id = "tv";
    cat.name = "Television";
    cat.duration_min = 45;
    Fsd__CategoryRow *cats[] = { &cat };
    Fsd__LoadCategories lca = FSD__LOAD_CATEGORIES__INIT;
    lca.rows = cats;
    lca.n_rows = 1;
    lca.check_only = 1;
    EMIT(P_ADMIN, LOAD_CATEGORIES, load_categories, &lca);
    Fsd__Retire ret = FSD__RETIRE__INIT;
    ret.kind = "technician";
    ret.id = "T2";
    ret.reason = "fuzz";
    EMIT(P_ADMIN, RETIRE, retire, &ret);
    Fsd__EscalationsRequest er = FSD__ESCALATIONS_REQUEST__INIT;
    er.territory = "mitte";
    EMIT(P_DANA, ESCALATIONS, escalations, &er);
    Fsd__SubmitRequest urgent = sr;
    urgent.urgency = FSD__PRIORITY__PRIORITY_HIGH;
    urgent.reported_at = wire_now_ms() - 3600000;
    EMIT(P_DESK, SUBMIT_REQUEST, submit_request, &urgent);
    /* notifications: templates and the outbox */
    Fsd__TemplateRow tpl = FSD__TEMPLATE_ROW__INIT;
    tpl.line = 2;
    tpl.event = "accepted";
    tpl.language = "de";
    tpl.text = "Hallo {customer}, {technician|jemand} kommt {window} ({{job}} {job}).";
    Fsd__TemplateRow *tpls[] = { &tpl };
    Fsd__LoadTemplates ltp = FSD__LOAD_TEMPLATES__INIT;
    ltp.rows = tpls;
    ltp.n_rows = 1;
    EMIT(P_ADMIN, LOAD_TEMPLATES, load_templates, &ltp);
    Fsd__ListTemplates lst = FSD__LIST_TEMPLATES__INIT;
    EMIT(P_DANA, LIST_TEMPLATES, list_templates, &lst);
    Fsd__ListNotifications ln = FSD__LIST_NOTIFICATIONS__INIT;
    ln.job_id = "J000002";
    ln.status = "pending";
    EMIT(P_DANA, LIST_NOTIFICATIONS, list_notifications, &ln);
    /* another version, and a body only the server sends */
    EMIT(P_DESK, GET_JOB, get_job, &gj);
    free(out[n - 1].data);
    env.version = 2;
    out[n - 1].data = s_frame(&env, &out[n - 1].len);
    Fsd__JobView jv = FSD__JOB_VIEW__INIT;
    EMIT(P_DESK, JOB_VIEW, job_view, &jv);
#undef EMIT
    return n;
}

/* Runs one frame from `who` in a batch that is committed (setup) or not. */
static void s_run(int who, const uint8_t *data, size_t len, bool commit)
{
    int64_t now = wire_now_ms();
    if (store_begin(s_srv.store) < 0)
        s_die("begin");
    int rc = loop_handle_frame(&s_srv, s_who[who], s_rid, sizeof s_rid, data, len, now, NULL);
    if (rc == 0)
        rc = dispatch_waiting(&s_srv, now);
    if (commit && rc == 0) {
        if (session_flush(&s_srv) < 0 || store_commit(s_srv.store) < 0)
            s_die("commit");
    } else {
        store_rollback(s_srv.store);
        session_forget(&s_srv);
    }
    s_srv.n_out = 0;
    arena_reset(s_srv.arena);
    if (!commit || rc < 0) {
        /* memory as the database has it: the rolled-back batch never happened */
        s_srv.reload_reference = false;
        if (world_load_jobs(&s_srv) < 0)
            s_die("reload");
    }
}

static void s_run_env(int who, Fsd__Envelope *env)
{
    size_t len;
    uint8_t *buf = wire_encode(env, &len);
    s_run(who, buf, len, true);
    free(buf);
}

/* Jobs in four states: J000001 offered, J000002 assigned to T1, J000003
   en route with T2, J000004 completed by T1. */
static void s_jobs(void)
{
    char id[33];
    Fsd__Envelope env;
    for (int who = P_T1; who <= P_T2; who++) {
        Fsd__Hello h = FSD__HELLO__INIT;
        wire_envelope_init(&env, id);
        env.body_case = FSD__ENVELOPE__BODY_HELLO;
        env.hello = &h;
        s_run_env(who, &env);
    }
    for (int i = 0; i < 4; i++) {
        Fsd__SubmitRequest sr = FSD__SUBMIT_REQUEST__INIT;
        sr.customer_name = "Setup Customer";
        sr.phone = "+49 30 5550010";
        sr.address = "Setup 1";
        sr.lat = 52.45 + 0.01 * i;
        sr.lon = 13.35;
        sr.brand = "Bosch";
        sr.category = "washing_machine";
        sr.problem = "setup";
        wire_envelope_init(&env, id);
        env.body_case = FSD__ENVELOPE__BODY_SUBMIT_REQUEST;
        env.submit_request = &sr;
        s_run_env(P_DESK, &env);
    }
    const char *to[4] = { NULL, "T1", "T2", "T1" };
    for (int i = 1; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "J%06d", i + 1);
        Fsd__Reassign ra = FSD__REASSIGN__INIT;
        ra.job_id = name;
        ra.technician_id = (char *)to[i];
        ra.reason = "setup";
        wire_envelope_init(&env, id);
        env.body_case = FSD__ENVELOPE__BODY_REASSIGN;
        env.reassign = &ra;
        s_run_env(P_DANA, &env);
    }
    struct {
        int who;
        const char *job;
        int state;
    } steps[] = {
        { P_T2, "J000003", FSD__JOB_STATE__JOB_EN_ROUTE },
        { P_T1, "J000004", FSD__JOB_STATE__JOB_EN_ROUTE },
        { P_T1, "J000004", FSD__JOB_STATE__JOB_ON_SITE },
        { P_T1, "J000004", FSD__JOB_STATE__JOB_COMPLETED },
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        technician *t = world_tech(&s_srv, steps[i].who == P_T1 ? "T1" : "T2");
        Fsd__JobUpdate ju = FSD__JOB_UPDATE__INIT;
        ju.job_id = (char *)steps[i].job;
        ju.state = steps[i].state;
        wire_envelope_init(&env, id);
        env.body_case = FSD__ENVELOPE__BODY_JOB_UPDATE;
        env.job_update = &ju;
        env.seq = t->in_seq + 1;
        s_run_env(steps[i].who, &env);
    }
    if (getenv("FSD_FUZZ_VERBOSE"))
        for (int i = 1; i <= 4; i++) {
            char name[16];
            snprintf(name, sizeof name, "J%06d", i);
            job *j = world_job(&s_srv, name);
            fprintf(stderr, "%s %s %s\n", name, j ? job_state_name(j->state) : "-",
                    j && j->tech ? j->tech->row->id : "-");
        }
}

/* Writes the seeds: one file per frame, the sender's byte first. */
static void s_write_seeds(const char *dir)
{
    mkdir(dir, 0755);
    seed seeds[64];
    size_t n = s_seeds(seeds, world_tech(&s_srv, "T1")->in_seq, world_tech(&s_srv, "T2")->in_seq);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/seed-%02zu", dir, i);
        FILE *f = fopen(path, "wb");
        if (!f)
            s_die("cannot write a seed");
        fputc(seeds[i].who, f);
        fwrite(seeds[i].data, 1, seeds[i].len, f);
        fclose(f);
        free(seeds[i].data);
    }
    fprintf(stderr, "fuzz_envelope: %zu seeds in %s\n", n, dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    log_set_level(getenv("FSD_FUZZ_VERBOSE") ? LOG_INFO : LOG_ERROR);
    s_srv.cfg.data_dir = "/nonexistent";
    s_srv.cfg.listen = "inproc://fuzz";
    s_srv.cfg.heartbeat_ms = 5000;
    s_srv.cfg.offline_after = 3;
    s_srv.cfg.offer_ttl_ms = 1000000000; /* no offer expires during a run */
    s_srv.cfg.close_after_ms = 1000000000;
    s_srv.cfg.assign_sla_min[PRIO_NORMAL] = 60;
    s_srv.cfg.assign_sla_min[PRIO_HIGH] = 15;
    s_srv.cfg.arrive_sla_min[PRIO_NORMAL] = 24 * 60;
    s_srv.cfg.arrive_sla_min[PRIO_HIGH] = 4 * 60;
    s_srv.cfg.fix_sla_min[PRIO_NORMAL] = 3 * 24 * 60;
    s_srv.cfg.fix_sla_min[PRIO_HIGH] = 24 * 60;
    s_srv.cfg.batch_max = 64;
    s_srv.cfg.neighbour_km = 0.3;
    match_config_default(&s_srv.cfg.match);
    s_srv.started_at = wire_now_ms();
    s_srv.arena = arena_new();
    char err[256];
    if (!(s_srv.store = store_open(":memory:", err, sizeof err))) {
        fprintf(stderr, "fuzz_envelope: %s\n", err);
        exit(1);
    }
    s_reference();
    strmap_each(s_srv.principals, s_find_principal, NULL);
    for (int i = 0; i < P_COUNT; i++)
        if (!s_who[i])
            s_die("a principal is missing");
    s_jobs();
    const char *seeds = getenv("FSD_FUZZ_SEEDS");
    if (seeds) {
        s_write_seeds(seeds);
        exit(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int who = data[0] % P_COUNT;
    data++;
    size--;
    /* a backup writes a file wherever the admin says: not here */
    Fsd__Envelope *peek = fsd__envelope__unpack(NULL, size, data);
    bool backup = peek && peek->body_case == FSD__ENVELOPE__BODY_BACKUP;
    if (peek)
        fsd__envelope__free_unpacked(peek, NULL);
    if (backup)
        return 0;
    s_run(who, data, size, false);
    return 0;
}
