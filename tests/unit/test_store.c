/*  test_store.c — the store's conformance suite, written against store.h
    alone: what any engine behind that header must do (SQLite today; a
    PostgreSQL engine would run this same file). No SQL and no engine call
    here: every check goes through the header's functions, on a fresh
    database in a temporary directory per test.

    Groups: opening and reopening (migrations from an empty file),
    transactions, reference rows, customers, jobs (insert, state, events,
    declines, open jobs read back), sessions, outboxes and remembered
    answers, care rows, appointment windows, notifications and templates,
    keys and scopes, the access log and erasure, the database's identity
    (generation, job floor), and the online backup copy. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "store.h"

typedef struct {
    char dir[64];
    char path[96];
    store *st;
    arena *a;
} fixture;

static store *s_open(const char *path)
{
    char err[256];
    store *st = store_open(path, err, sizeof err);
    if (!st)
        fprintf(stderr, "store_open: %s\n", err);
    return st;
}

static int s_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/fsd-test-store.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/fsd.db", f->dir);
    f->st = s_open(f->path);
    f->a = arena_new();
    *state = f;
    return f->st && f->a ? 0 : -1;
}

static int s_teardown(void **state)
{
    fixture *f = *state;
    store_close(&f->st);
    arena_destroy(&f->a);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* Closes and opens the database again (what a restart does). */
static void s_reopen(fixture *f)
{
    store_close(&f->st);
    assert_null(f->st);
    f->st = s_open(f->path);
    assert_non_null(f->st);
}

static store_job s_job(const char *id, const char *phone)
{
    store_job j = {
        .id = id,
        .state = 1,
        .territory = "mitte",
        .phone = phone,
        .customer_name = "Piotr Kowalczyk",
        .tier = "standard",
        .address = "Manteuffelstraße 12",
        .lat = 52.5,
        .lon = 13.4,
        .brand = "AEG",
        .category = "washing_machine",
        .serial = "S1",
        .model = "L7FE8E7",
        .problem = "leaks",
        .warranty = 1,
        .priority = 1,
        .created_at = 1000,
        .assign_by = 2000,
        .arrive_by = 3000,
        .technician_id = "",
        .provider_id = "",
        .sla_policy = "gold",
        .fix_by = 9000,
        .risk_at = { 1, 2, 3 },
        .urgency = 2,
        .created_by = "desk",
    };
    return j;
}

/* Inserts job J<number> in a transaction of its own. */
static void s_insert(fixture *f, const char *id, long number, const char *phone)
{
    store_job j = s_job(id, phone);
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_job_insert(f->st, &j, number), 0);
    assert_int_equal(store_commit(f->st), 0);
}

/* ------------------------------------------------ opening, transactions */

static void test_open_empty_and_reopen(void **state)
{
    fixture *f = *state;
    uint64_t gen = 0, again = 0;
    long last = -1;
    assert_int_equal(store_generation(f->st, &gen), 0);
    assert_true(gen != 0);
    assert_int_equal(store_last_job_number(f->st, &last), 0);
    assert_int_equal(last, 0);
    assert_string_equal(store_filename(f->st), f->path);
    s_reopen(f);
    assert_int_equal(store_generation(f->st, &again), 0);
    assert_true(again == gen);
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_probe_write(f->st, 1234), 0);
    assert_int_equal(store_commit(f->st), 0);
}

static void test_transactions(void **state)
{
    fixture *f = *state;
    store_customer c = { "+491", "Anna", "gold", false, "" }, got;
    /* a rolled-back write is gone */
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_put_customer(f->st, &c), 0);
    store_rollback(f->st);
    assert_int_equal(store_get_customer(f->st, f->a, "+491", &got), 0);
    /* a committed one stays, across a reopen too */
    assert_int_equal(store_begin_now(f->st), 0);
    assert_int_equal(store_put_customer(f->st, &c), 0);
    assert_int_equal(store_commit(f->st), 0);
    s_reopen(f);
    assert_int_equal(store_begin_read(f->st), 0);
    assert_int_equal(store_get_customer(f->st, f->a, "+491", &got), 1);
    assert_int_equal(store_commit(f->st), 0);
    assert_string_equal(got.name, "Anna");
    assert_string_equal(got.tier, "gold");
    /* a rolled-back job is gone from the store's memory as well */
    store_job j = s_job("J000001", "+491");
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_job_insert(f->st, &j, 1), 0);
    store_rollback(f->st);
    long last = -1;
    assert_int_equal(store_last_job_number(f->st, &last), 0);
    assert_int_equal(last, 0);
    char by[64], phone[32];
    assert_int_equal(store_job_owner(f->st, "J000001", by, sizeof by, phone, sizeof phone), 0);
}

/* ------------------------------------------------------ reference rows */

typedef struct {
    char keys[8][16];
    char rows[8][16];
    int n;
} s_refs;

static void s_ref_add(void *arg, const char *key, const uint8_t *row, size_t len)
{
    s_refs *r = arg;
    if (r->n < 8) {
        snprintf(r->keys[r->n], sizeof r->keys[0], "%s", key);
        snprintf(r->rows[r->n], sizeof r->rows[0], "%.*s", (int)len, (const char *)row);
        r->n++;
    }
}

static void test_reference_rows(void **state)
{
    fixture *f = *state;
    for (int k = 0; k < STORE_REF_KINDS_; k++) {
        assert_int_equal(store_begin(f->st), 0);
        assert_int_equal(store_ref_put(f->st, k, "b", (const uint8_t *)"row-b", 5), 0);
        assert_int_equal(store_ref_put(f->st, k, "a", (const uint8_t *)"row-a", 5), 0);
        assert_int_equal(store_ref_put(f->st, k, "b", (const uint8_t *)"row-B2", 6), 0); /* replaces */
        assert_int_equal(store_commit(f->st), 0);
    }
    s_reopen(f);
    for (int k = 0; k < STORE_REF_KINDS_; k++) {
        s_refs r = { 0 };
        assert_int_equal(store_ref_each(f->st, k, s_ref_add, &r), 0);
        assert_int_equal(r.n, 2);
        assert_string_equal(r.keys[0], "a"); /* in key order */
        assert_string_equal(r.rows[0], "row-a");
        assert_string_equal(r.keys[1], "b");
        assert_string_equal(r.rows[1], "row-B2");
        uint8_t *row;
        size_t len;
        assert_int_equal(store_ref_get(f->st, f->a, k, "b", &row, &len), 1);
        assert_int_equal(len, 6);
        assert_memory_equal(row, "row-B2", 6);
        assert_int_equal(store_ref_get(f->st, f->a, k, "zz", &row, &len), 0);
    }
    /* clear forgets one kind only */
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_ref_clear(f->st, STORE_REF_SLA_POLICY), 0);
    assert_int_equal(store_commit(f->st), 0);
    s_refs none = { 0 }, still = { 0 };
    assert_int_equal(store_ref_each(f->st, STORE_REF_SLA_POLICY, s_ref_add, &none), 0);
    assert_int_equal(none.n, 0);
    assert_int_equal(store_ref_each(f->st, STORE_REF_WORKING_HOURS, s_ref_add, &still), 0);
    assert_int_equal(still.n, 2);
    assert_int_equal(store_ref_put(f->st, STORE_REF_KINDS_, "x", (const uint8_t *)"x", 1), -1);
}

static void test_customers(void **state)
{
    fixture *f = *state;
    store_customer c = { "+492", "Bea", "", true, "calls twice" }, got;
    char lang[16] = "x";
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_put_customer(f->st, &c), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(store_get_customer(f->st, f->a, "+492", &got), 1);
    assert_string_equal(got.tier, "standard"); /* no tier: the standard one */
    assert_true(got.blocked);
    assert_string_equal(got.note, "calls twice");
    assert_int_equal(store_customer_language(f->st, "+492", lang, sizeof lang), 0);
    assert_string_equal(lang, "");
    assert_int_equal(store_customer_set_language(f->st, "+492", "de"), 0);
    assert_true(store_customer_language(f->st, "+492", lang, sizeof lang) >= 0);
    assert_string_equal(lang, "de");
}

/* ---------------------------------------------------------------- jobs */

typedef struct {
    char ids[8][16];
    int states[8];
    char techs[8][16];
    int n;
} s_jobs;

static void s_job_add(void *arg, const store_job *j)
{
    s_jobs *o = arg;
    if (o->n < 8) {
        snprintf(o->ids[o->n], sizeof o->ids[0], "%s", j->id);
        snprintf(o->techs[o->n], sizeof o->techs[0], "%s", j->technician_id ? j->technician_id : "");
        o->states[o->n++] = j->state;
    }
}

typedef struct {
    int n;
    char last[40];
} s_pairs;

static void s_decline_add(void *arg, const char *job_id, const char *tech)
{
    s_pairs *p = arg;
    p->n++;
    snprintf(p->last, sizeof p->last, "%s/%s", job_id, tech);
}

static void test_jobs(void **state)
{
    fixture *f = *state;
    s_insert(f, "J000001", 1, "+493");
    s_insert(f, "J000002", 2, "+493");
    long last = 0;
    assert_int_equal(store_last_job_number(f->st, &last), 0);
    assert_int_equal(last, 2);

    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_job_set_state(f->st, "J000001", 2, "T1", "P1", 5000, 1100), 0);
    assert_int_equal(store_event_append(f->st, "J000001", 1100, "server", 1, 2, "T1", "offered"), 0);
    assert_int_equal(store_decline_put(f->st, "J000002", "T2", 1, false, 1200), 0);
    assert_int_equal(store_job_set_territory(f->st, "J000002", "kreuzberg"), 0);
    assert_int_equal(store_job_set_risk(f->st, "J000002", 1), 0);
    assert_int_equal(store_job_set_sla_flags(f->st, "J000002", 3), 0);
    assert_int_equal(store_match_put(f->st, "J000001", (const uint8_t *)"why", 3), 0);
    assert_int_equal(store_commit(f->st), 0);

    store_job_row row;
    assert_int_equal(store_job_get(f->st, f->a, "J000001", &row), 1);
    assert_int_equal(row.job.state, 2);
    assert_string_equal(row.job.technician_id, "T1");
    assert_string_equal(row.job.provider_id, "P1");
    assert_true(row.job.offer_expires_at == 5000);
    assert_string_equal(row.job.sla_policy, "gold");
    assert_true(row.job.fix_by == 9000);
    assert_int_equal(store_job_get(f->st, f->a, "J000002", &row), 1);
    assert_string_equal(row.job.territory, "kreuzberg");
    assert_int_equal(row.job.at_risk, 1);
    assert_int_equal(row.job.sla_flags, 3);
    assert_int_equal(store_job_get(f->st, f->a, "J999999", &row), 0);
    store_event *ev;
    size_t n_ev = 0;
    assert_int_equal(store_job_events(f->st, f->a, "J000001", &ev, &n_ev), 0);
    assert_int_equal(n_ev, 1);
    assert_int_equal(ev[0].from, 1);
    assert_int_equal(ev[0].to, 2);
    assert_string_equal(ev[0].reason, "offered");
    store_job_row *list;
    size_t n_list = 0;
    assert_int_equal(store_job_list(f->st, f->a, NULL, "", 0, "", "+493", 10, &list, &n_list), 0);
    assert_int_equal(n_list, 2);
    assert_string_equal(list[0].job.id, "J000002"); /* newest first */
    assert_int_equal(store_job_list(f->st, f->a, NULL, "", 2, "", "", 10, &list, &n_list), 0);
    assert_int_equal(n_list, 1);
    store_scope mine = { .scoped = true, .provider = "P1", .territories = "", .created_by = "" };
    assert_int_equal(store_job_list(f->st, f->a, &mine, "", 0, "", "", 10, &list, &n_list), 0);
    assert_int_equal(n_list, 1);
    assert_string_equal(list[0].job.id, "J000001");
    assert_int_equal(store_job_had_technician(f->st, "J000001", "T1"), 1);
    assert_int_equal(store_job_had_technician(f->st, "J000001", "T9"), 0);
    uint8_t *blob;
    size_t len;
    assert_int_equal(store_match_get(f->st, f->a, "J000001", &blob, &len), 1);
    assert_int_equal(len, 3);
    assert_memory_equal(blob, "why", 3);
    assert_int_equal(store_match_get(f->st, f->a, "J000002", &blob, &len), 0);

    /* what a restart reads back */
    s_reopen(f);
    s_jobs open = { 0 };
    assert_int_equal(store_each_open_job(f->st, s_job_add, &open), 0);
    assert_int_equal(open.n, 2);
    assert_string_equal(open.ids[0], "J000001"); /* oldest first */
    assert_int_equal(open.states[0], 2);
    assert_string_equal(open.techs[0], "T1");
    assert_int_equal(open.states[1], 1);
    s_pairs dec = { 0 };
    assert_int_equal(store_each_decline(f->st, s_decline_add, &dec), 0);
    assert_int_equal(dec.n, 1);
    assert_string_equal(dec.last, "J000002/T2");
    char by[64], phone[32];
    assert_int_equal(store_job_owner(f->st, "J000002", by, sizeof by, phone, sizeof phone), 1);
    assert_string_equal(by, "desk");
    assert_string_equal(phone, "+493");

    /* closed (8) and cancelled (10) jobs are no longer open */
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_job_set_state(f->st, "J000001", 8, "T1", "P1", 0, 1300), 0);
    assert_int_equal(store_job_set_rating(f->st, "J000001", 5, "quick"), 0);
    assert_int_equal(store_job_set_state(f->st, "J000002", 10, "", "", 0, 1300), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(store_job_get(f->st, f->a, "J000001", &row), 1);
    assert_int_equal(row.rating, 5);
    assert_string_equal(row.rating_comment, "quick");
    assert_true(row.job.version > 1); /* grows with every change */
    s_jobs none = { 0 };
    assert_int_equal(store_each_open_job(f->st, s_job_add, &none), 0);
    assert_int_equal(none.n, 0);
    s_reopen(f);
    assert_int_equal(store_each_open_job(f->st, s_job_add, &none), 0);
    assert_int_equal(none.n, 0);
    assert_true(job_risk_current(1, 1));
    assert_false(job_risk_current(1, 3));
}

/* ------------------------------------------- sessions, outbox, dedup */

typedef struct {
    uint64_t seqs[8];
    int n;
} s_seqs;

static void s_outbox_add(void *arg, uint64_t seq, const uint8_t *env, size_t len)
{
    s_seqs *s = arg;
    if (s->n < 8)
        s->seqs[s->n++] = seq;
}

static void test_sessions_outbox_dedup(void **state)
{
    fixture *f = *state;
    uint64_t out = 9, in = 9;
    assert_int_equal(store_session_get(f->st, "T1", &out, &in), 0);
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_session_put(f->st, "T1", 3, 7), 0);
    for (uint64_t s = 1; s <= 3; s++)
        assert_int_equal(store_outbox_put(f->st, "T1", s, (const uint8_t *)"env", 3), 0);
    assert_int_equal(store_dedup_put(f->st, "desk", "m1", 100, (const uint8_t *)"ok", 2), 0);
    assert_int_equal(store_dedup_put(f->st, "desk", "m2", 300, (const uint8_t *)"ok2", 3), 0);
    assert_int_equal(store_commit(f->st), 0);
    s_reopen(f);
    assert_int_equal(store_session_get(f->st, "T1", &out, &in), 1);
    assert_int_equal(out, 3);
    assert_int_equal(in, 7);

    s_seqs all = { 0 }, after1 = { 0 }, max1 = { 0 }, left = { 0 };
    assert_int_equal(store_outbox_each(f->st, "T1", 0, 10, s_outbox_add, &all), 0);
    assert_int_equal(all.n, 3);
    assert_int_equal(store_outbox_each(f->st, "T1", 1, 10, s_outbox_add, &after1), 0);
    assert_int_equal(after1.n, 2);
    assert_int_equal(after1.seqs[0], 2);
    assert_int_equal(store_outbox_each(f->st, "T1", 0, 1, s_outbox_add, &max1), 0);
    assert_int_equal(max1.n, 1);
    assert_int_equal(store_outbox_ack(f->st, "T1", 2), 0);
    assert_int_equal(store_outbox_each(f->st, "T1", 0, 10, s_outbox_add, &left), 0);
    assert_int_equal(left.n, 1);
    assert_int_equal(left.seqs[0], 3);

    uint8_t *reply;
    size_t len;
    assert_int_equal(store_dedup_get(f->st, f->a, "desk", "m1", &reply, &len), 1);
    assert_int_equal(len, 2);
    assert_memory_equal(reply, "ok", 2);
    assert_int_equal(store_dedup_get(f->st, f->a, "other", "m1", &reply, &len), 0);
    unsigned deleted = 0;
    assert_int_equal(store_dedup_prune(f->st, 200, 10, &deleted), 0);
    assert_int_equal(deleted, 1);
    assert_int_equal(store_dedup_get(f->st, f->a, "desk", "m1", &reply, &len), 0);
    assert_int_equal(store_dedup_get(f->st, f->a, "desk", "m2", &reply, &len), 1);
}

/* ----------------------------------------------------------- care rows */

static void s_goodwill_add(void *arg, const char *job_id)
{
    (*(int *)arg)++;
}

static void test_care_rows(void **state)
{
    fixture *f = *state;
    s_insert(f, "J000001", 1, "+494");
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_care_goodwill_put(f->st, "J000001", 100, "carl", "late twice"), 0);
    assert_int_equal(store_care_waiver_put(f->st, "J000001", "T1", 4900, "EUR", "fee", 2, 110), 0);
    int64_t id = 0;
    assert_int_equal(store_care_followup_open(f->st, "J000001", "mitte", 1, "noise", 120, "carl", &id), 0);
    assert_true(id > 0);
    assert_int_equal(store_commit(f->st), 0);
    s_reopen(f);

    store_goodwill g;
    assert_int_equal(store_care_goodwill_get(f->st, f->a, "J000001", &g), 1);
    assert_string_equal(g.by, "carl");
    assert_string_equal(g.reason, "late twice");
    assert_int_equal(store_care_goodwill_get(f->st, f->a, "J000009", &g), 0);
    int n_goodwill = 0;
    assert_int_equal(store_care_each_open_goodwill(f->st, s_goodwill_add, &n_goodwill), 0);
    assert_int_equal(n_goodwill, 1);

    assert_int_equal(store_care_waiver_decide(f->st, "J000001", 1, 130, "lead", "fine"), 1);
    assert_int_equal(store_care_waiver_decide(f->st, "J000001", 3, 140, "lead", "again"), 0);
    store_waiver *w;
    size_t n = 0;
    assert_int_equal(store_care_waivers(f->st, f->a, "J000001", &w, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(w[0].amount_cents, 4900);
    assert_int_equal(w[0].state, 1);
    assert_string_equal(w[0].decided_by, "lead");

    store_followup one, *fu;
    assert_int_equal(store_care_followup_get(f->st, f->a, id, &one), 1);
    assert_string_equal(one.cause, "noise");
    assert_string_equal(one.phone, "+494"); /* with its job's customer */
    assert_int_equal(store_care_followup_get(f->st, f->a, id + 1, &one), 0);
    assert_int_equal(store_care_followup_list(f->st, f->a, "mitte", false, 10, &fu, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_care_followup_close(f->st, id, 150, "carl", "visit", "J000002"), 1);
    assert_int_equal(store_care_followup_close(f->st, id, 160, "carl", "visit", ""), 0);
    assert_int_equal(store_care_followup_list(f->st, f->a, "mitte", false, 10, &fu, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_care_followup_list(f->st, f->a, "", true, 10, &fu, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_care_followups_of_job(f->st, f->a, "J000001", &fu, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(fu[0].visit_job_id, "J000002");
    const char *of = NULL;
    assert_int_equal(store_care_visit_of(f->st, f->a, "J000002", &of), 1);
    assert_string_equal(of, "J000001");
    assert_int_equal(store_care_visit_of(f->st, f->a, "J000001", &of), 0);
}

/* --------------------------------------------------- appointment windows */

static void s_window_add(void *arg, const char *job_id, int64_t start, int64_t end)
{
    *(int64_t *)arg += end - start;
}

static void test_windows(void **state)
{
    fixture *f = *state;
    s_insert(f, "J000001", 1, "+495");
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_window_put(f->st, "J000001", 1000, 4600, "Europe/Berlin"), 0);
    assert_int_equal(store_commit(f->st), 0);
    s_reopen(f);
    store_window w;
    assert_int_equal(store_window_get(f->st, f->a, "J000001", &w), 1);
    assert_true(w.start == 1000 && w.end == 4600);
    assert_string_equal(w.tz, "Europe/Berlin");
    assert_int_equal(store_window_get(f->st, f->a, "J000009", &w), 0);
    int64_t span = 0;
    assert_int_equal(store_each_open_window(f->st, s_window_add, &span), 0);
    assert_int_equal(span, 3600);
}

/* --------------------------------------------------------- customer links */

/* A token's hash finds its job, with the job's state and when it last
   changed state (the link's expiry counts from a close); recording the
   hash again changes nothing; another hash finds nothing. */
static void test_links(void **state)
{
    fixture *f = *state;
    s_insert(f, "J000001", 1, "+497");
    s_insert(f, "J000002", 2, "+498");
    uint8_t h1[STORE_LINK_HASH], h2[STORE_LINK_HASH], other[STORE_LINK_HASH];
    memset(h1, 1, sizeof h1);
    memset(h2, 2, sizeof h2);
    memset(other, 3, sizeof other);
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_link_put(f->st, h1, "J000001"), 0);
    assert_int_equal(store_link_put(f->st, h1, "J000001"), 0);
    assert_int_equal(store_link_put(f->st, h2, "J000002"), 0);
    assert_int_equal(store_job_set_state(f->st, "J000002", 10, "", "", 0, 777000), 0);
    assert_int_equal(store_commit(f->st), 0);
    s_reopen(f);
    store_link l;
    assert_int_equal(store_link_find(f->st, h1, &l), 1);
    assert_string_equal(l.job_id, "J000001");
    assert_int_equal(l.state, 1);
    assert_int_equal(store_link_find(f->st, h2, &l), 1);
    assert_string_equal(l.job_id, "J000002");
    assert_int_equal(l.state, 10);
    assert_int_equal(l.changed_at, 777000);
    assert_int_equal(store_link_find(f->st, other, &l), 0);
    /* erasing a customer ends the links to their erased jobs, no others */
    uint32_t jobs, notes, access;
    bool customer;
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_customer_forget(f->st, "+498", &jobs, &notes, &customer, &access), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(store_link_find(f->st, h2, &l), 0);
    assert_int_equal(store_link_find(f->st, h1, &l), 1);
}

/* ------------------------------------------------ technicians' first load */

static void s_since_add(void *arg, const char *id, int64_t since)
{
    int64_t *sum = arg;
    *sum += since + (strcmp(id, "T2") == 0 ? 1000000 : 0);
}

/* The first time kept is the first one recorded; a later load keeps it. */
static void test_technician_since(void **state)
{
    fixture *f = *state;
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_technician_since_put(f->st, "T1", 100), 0);
    assert_int_equal(store_technician_since_put(f->st, "T2", 200), 0);
    assert_int_equal(store_technician_since_put(f->st, "T1", 900), 0);
    assert_int_equal(store_commit(f->st), 0);
    s_reopen(f);
    int64_t sum = 0;
    assert_int_equal(store_technician_since_each(f->st, s_since_add, &sum), 0);
    assert_int_equal(sum, 100 + 200 + 1000000);
}

/* --------------------------------------------------------- notifications */

typedef struct {
    int64_t ids[8];
    int status[8];
    int n;
} s_notes;

static void s_note_add(void *arg, const store_notification *n)
{
    s_notes *o = arg;
    if (o->n < 8) {
        o->ids[o->n] = n->id;
        o->status[o->n++] = n->status;
    }
}

static void s_template_count(void *arg, const char *event, const char *language, const char *text)
{
    (*(int *)arg)++;
}

static void test_notifications(void **state)
{
    fixture *f = *state;
    store_notification n = {
        .job_id = "J000001",
        .event = "assigned",
        .phone = "+496",
        .customer_name = "Cem",
        .language = "",
        .technician_id = "T1",
        .text = "on the way",
        .created_at = 100,
    };
    int64_t first = 0, second = 0;
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_notification_put(f->st, &n, &first), 0);
    assert_int_equal(store_notification_put(f->st, &n, &second), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_true(second > first);

    /* one at a time per job: only the oldest pending one is due */
    s_notes due = { 0 };
    assert_int_equal(store_notification_each_pending(f->st, 10, s_note_add, &due), 0);
    assert_int_equal(due.n, 1);
    assert_true(due.ids[0] == first);
    assert_int_equal(store_notification_sent(f->st, first, 1, 200), 0);
    s_notes next = { 0 };
    assert_int_equal(store_notification_each_pending(f->st, 10, s_note_add, &next), 0);
    assert_int_equal(next.n, 1);
    assert_true(next.ids[0] == second);
    assert_int_equal(store_notification_retry(f->st, second, 3, 0, true, "no route"), 0);

    uint64_t pending = 9, failed = 9;
    int64_t oldest = -1;
    assert_int_equal(store_notification_summary(f->st, &pending, &failed, &oldest), 0);
    assert_int_equal(pending, 0);
    assert_int_equal(failed, 1);
    s_notes all = { 0 }, bad = { 0 };
    assert_int_equal(store_notification_list(f->st, "J000001", -1, 10, s_note_add, &all), 0);
    assert_int_equal(all.n, 2);
    assert_int_equal(all.status[0], 1);
    assert_int_equal(store_notification_list(f->st, "", 2, 10, s_note_add, &bad), 0);
    assert_int_equal(bad.n, 1);

    char text[64];
    assert_int_equal(store_template_put(f->st, "assigned", "de", "unterwegs"), 0);
    assert_int_equal(store_template_get(f->st, "assigned", "de", text, sizeof text), 1);
    assert_string_equal(text, "unterwegs");
    assert_int_equal(store_template_get(f->st, "assigned", "fr", text, sizeof text), 0);
    int count = 0;
    assert_int_equal(store_template_each(f->st, s_template_count, &count), 0);
    assert_int_equal(count, 1);
    /* a rolled-back template is not remembered either */
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_template_put(f->st, "assigned", "fr", "en route"), 0);
    store_rollback(f->st);
    assert_int_equal(store_template_get(f->st, "assigned", "fr", text, sizeof text), 0);
    assert_int_equal(store_template_clear(f->st), 0);
    assert_int_equal(store_template_get(f->st, "assigned", "de", text, sizeof text), 0);
}

/* ------------------------------------------------------- keys and scopes */

static void s_key_count(void *arg, const store_key *k)
{
    (*(int *)arg)++;
}

static void s_event_count(void *arg, int64_t at, const char *name)
{
    (*(int *)arg)++;
}

static void s_principal_count(void *arg, const char *pub, const char *name, int role,
                              const char *technician_id)
{
    (*(int *)arg)++;
}

static void s_scope_get(void *arg, const char *pub, const char *provider, const char *territories)
{
    snprintf(arg, 64, "%s %s", provider, territories);
}

static void test_keys(void **state)
{
    fixture *f = *state;
    const char *pub1 = "1111111111111111111111111111111111111111";
    const char *pub2 = "2222222222222222222222222222222222222222";
    bool replaced = true;
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_put_principal(f->st, pub1, "dana", 2, "", &replaced), 0);
    assert_false(replaced);
    assert_int_equal(store_put_principal(f->st, pub2, "tom", 3, "T1", &replaced), 0);
    assert_int_equal(store_principal_set_scope(f->st, "dana", "P1", ",mitte,"), 0);
    assert_int_equal(store_commit(f->st), 0);

    store_key k;
    assert_int_equal(store_key_get(f->st, "dana", &k), 1);
    assert_string_equal(k.pub, pub1);
    assert_int_equal(k.role, 2);
    assert_int_equal(store_key_get(f->st, pub2, &k), 1);
    assert_string_equal(k.technician_id, "T1");
    assert_int_equal(store_key_get(f->st, "nobody", &k), 0);

    /* last seen only moves forward */
    assert_int_equal(store_key_seen(f->st, pub1, 500), 0);
    assert_int_equal(store_key_seen(f->st, pub1, 400), 0);
    assert_int_equal(store_key_get(f->st, "dana", &k), 1);
    assert_int_equal(k.last_seen, 500);

    char scope[64] = "";
    assert_int_equal(store_each_principal_scope(f->st, s_scope_get, scope), 0);
    assert_string_equal(scope, "P1 ,mitte,");

    /* a revoked key stays listed */
    assert_int_equal(store_key_revoke(f->st, "tom", 600, "admin"), 0);
    assert_int_equal(store_key_event(f->st, 600, "key_revoked", "tom", pub2, "admin"), 0);
    assert_int_equal(store_key_get(f->st, "tom", &k), 1);
    assert_int_equal(k.revoked_at, 600);
    assert_string_equal(k.revoked_by, "admin");
    int keys = 0, events = 0, principals = 0;
    assert_int_equal(store_each_key(f->st, s_key_count, &keys), 0);
    assert_int_equal(keys, 2);
    assert_int_equal(store_each_key_event(f->st, "key_revoked", 0, 10, s_event_count, &events), 0);
    assert_int_equal(events, 1);
    assert_int_equal(store_each_principal(f->st, s_principal_count, &principals), 0);
    assert_true(principals >= 1);

    /* a new key for a name replaces the old one */
    const char *pub3 = "3333333333333333333333333333333333333333";
    assert_int_equal(store_put_principal(f->st, pub3, "dana", 2, "", &replaced), 0);
    assert_true(replaced);
    assert_int_equal(store_key_get(f->st, pub1, &k), 0);
}

/* ------------------------------------------- access log, erasure */

static void test_access_and_forget(void **state)
{
    fixture *f = *state;
    s_insert(f, "J000001", 1, "+497");
    s_insert(f, "J000002", 2, "+497");
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_access_put(f->st, 100, "dana", "track", "J000001", "+497", 1), 0);
    assert_int_equal(store_access_put(f->st, 200, "tom", "list", "", "+497", 2), 0);
    assert_int_equal(store_job_set_state(f->st, "J000001", 8, "", "", 0, 300), 0);
    assert_int_equal(store_commit(f->st), 0);

    store_access_row *rows;
    size_t n = 0;
    assert_int_equal(store_access_list(f->st, f->a, "", "", "", 0, 10, &rows, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].principal, "tom"); /* newest first */
    assert_int_equal(rows[0].count, 2);
    assert_int_equal(store_access_list(f->st, f->a, "dana", "", "", 0, 10, &rows, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].job_id, "J000001");

    char ids[64];
    unsigned open = 0;
    assert_int_equal(store_customer_open_jobs(f->st, "+497", ids, sizeof ids, &open), 0);
    assert_int_equal(open, 1);
    assert_string_equal(ids, "J000002");

    uint32_t jobs = 0, notes = 0, access = 0;
    bool customer = true;
    assert_int_equal(store_begin(f->st), 0);
    assert_int_equal(store_customer_forget(f->st, "+497", &jobs, &notes, &customer, &access), 0);
    assert_int_equal(store_commit(f->st), 0);
    assert_int_equal(jobs, 1); /* the closed one only */
    assert_false(customer);
    assert_int_equal(access, 2);
    assert_int_equal(store_access_list(f->st, f->a, "", "", "+497", 0, 10, &rows, &n), 0);
    assert_int_equal(n, 0);
}

/* ---------------------------------------------- identity, backup copy */

static void test_generation_and_job_floor(void **state)
{
    fixture *f = *state;
    s_insert(f, "J000001", 1, "+498");
    uint64_t gen = 0;
    /* a transaction of its own */
    assert_int_equal(store_restore_stamp(f->st, 0x1234567890ULL, 500), 0);
    s_reopen(f);
    assert_int_equal(store_generation(f->st, &gen), 0);
    assert_true(gen == 0x1234567890ULL);
    long last = 0;
    assert_int_equal(store_last_job_number(f->st, &last), 0);
    assert_int_equal(last, 500);
    /* a lower floor later never lowers it */
    assert_int_equal(store_restore_stamp(f->st, 77, 10), 0);
    assert_int_equal(store_last_job_number(f->st, &last), 0);
    assert_int_equal(last, 500);
}

static void test_backup_copy(void **state)
{
    fixture *f = *state;
    s_insert(f, "J000001", 1, "+499");
    char dst[128], err[256];
    snprintf(dst, sizeof dst, "%s/copy.db", f->dir);
    FILE *fp = fopen(dst, "w");
    assert_non_null(fp);
    fclose(fp);
    int cancel = 0;
    assert_int_equal(store_backup_copy(f->path, dst, 16, 0, &cancel, err, sizeof err), 0);
    store *copy = s_open(dst);
    assert_non_null(copy);
    s_jobs open = { 0 };
    assert_int_equal(store_each_open_job(copy, s_job_add, &open), 0);
    assert_int_equal(open.n, 1);
    assert_string_equal(open.ids[0], "J000001");
    uint64_t a = 0, b = 0;
    assert_int_equal(store_generation(f->st, &a), 0);
    assert_int_equal(store_generation(copy, &b), 0);
    assert_true(a == b);
    store_close(&copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_empty_and_reopen, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_transactions, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_reference_rows, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_customers, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_jobs, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_sessions_outbox_dedup, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_care_rows, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_windows, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_notifications, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_links, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_technician_since, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_keys, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_access_and_forget, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_generation_and_job_floor, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_backup_copy, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
