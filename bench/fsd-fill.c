/*  fsd-fill — fills an fsd database with N realistic jobs, for restart
    benchmarks (bench/restart.sh).

        fsd-fill DB N [--open-percent P] [--days D]

    DB must be an fsd database with reference data (start fsd-server on it
    once and load territories and technicians). Jobs go in through the
    server's own store (server/store.c), in transactions of 10,000, each
    with its event history, its match decision and its remembered answer,
    created over the last D days (default 30). P percent (default 2) are
    still open (new, offered, assigned, en route, on site, on hold,
    completed); of the rest 9 in 10 are closed, 1 in 10 cancelled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "store.h"
#include "../server/refrows.h"
#include "fsd/domain.h"
#include "fsd/wire.h"

typedef struct {
    char **ids, **territory;
    size_t n, cap;
} techs;

static void s_tech(void *arg, Fsd__TechnicianRow *row)
{
    techs *t = arg;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->ids = realloc(t->ids, t->cap * sizeof *t->ids);
        t->territory = realloc(t->territory, t->cap * sizeof *t->territory);
    }
    t->ids[t->n] = strdup(row->id);
    t->territory[t->n] = strdup(row->n_territories ? row->territories[0] : "");
    t->n++;
    fsd__technician_row__free_unpacked(row, NULL);
}

static int s_fail(store *st, const char *what)
{
    fprintf(stderr, "fsd-fill: %s: %s\n", what, store_errmsg(st));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc < 3 ? stderr : stdout, "usage: fsd-fill DB N [--open-percent P] [--days D]\n");
        return argc < 3 ? 2 : 0;
    }
    long n = atol(argv[2]);
    double open_pct = 2;
    int days = 30;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--open-percent") == 0)
            open_pct = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--days") == 0)
            days = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "fsd-fill: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    char err[512];
    store *st = store_open(argv[1], err, sizeof err);
    if (!st) {
        fprintf(stderr, "fsd-fill: %s\n", err);
        return 1;
    }
    techs t = { 0 };
    if (refrows_each_technician(st, s_tech, &t) < 0)
        return s_fail(st, "technicians");
    if (!t.n) {
        fprintf(stderr, "fsd-fill: %s has no technicians: load reference data first\n", argv[1]);
        return 1;
    }
    long first;
    if (store_last_job_number(st, &first) < 0)
        return s_fail(st, "last job");
    static const char *brands[] = { "Bosch", "Siemens", "Miele", "AEG", "Samsung", "LG" };
    static const char *cats[] = { "washing_machine", "dishwasher", "fridge", "oven", "dryer" };
    static const int open_states[] = { JS_NEW,     JS_OFFERED, JS_ASSIGNED, JS_EN_ROUTE,
                                       JS_ON_SITE, JS_ON_HOLD, JS_COMPLETED };
    static const int path[] = { JS_NEW,     JS_OFFERED,   JS_ASSIGNED, JS_EN_ROUTE,
                                JS_ON_SITE, JS_COMPLETED, JS_CLOSED };
    int64_t now = wire_now_ms(), span = (int64_t)days * 86400000;
    uint8_t blob[160];
    memset(blob, 0x5a, sizeof blob);
    srand(42);
    time_t t0 = time(NULL);
    for (long k = 1; k <= n; k++) {
        if ((k - 1) % 10000 == 0 && store_begin(st) < 0)
            return s_fail(st, "begin");
        long number = first + k;
        char id[24], phone[24], name[48], serial[24], actor[24], msg[40];
        snprintf(id, sizeof id, "J%06ld", number);
        snprintf(phone, sizeof phone, "+4930%07ld", number % 9000000);
        snprintf(name, sizeof name, "Kunde %ld", number);
        snprintf(serial, sizeof serial, "SN%08ld", number);
        size_t ti = (size_t)rand() % t.n;
        int64_t created = now - span + span * (k - 1) / (n > 1 ? n : 1);
        bool open = (double)(rand() % 10000) < open_pct * 100.0;
        int state = open ? open_states[rand() % 7] : rand() % 10 == 0 ? JS_CANCELLED : JS_CLOSED;
        bool held = state != JS_NEW && state != JS_CANCELLED;
        int prio = rand() % 10 == 0 ? PRIO_HIGH : PRIO_NORMAL;
        store_job j = {
            .id = id,
            .state = state,
            .territory = t.territory[ti],
            .phone = phone,
            .customer_name = name,
            .tier = prio == PRIO_HIGH ? "priority" : "standard",
            .address = "Musterstraße 1, Berlin",
            .lat = 52.45 + (rand() % 1000) / 5000.0,
            .lon = 13.25 + (rand() % 1000) / 3000.0,
            .brand = brands[rand() % 6],
            .category = cats[rand() % 5],
            .serial = serial,
            .model = "X1",
            .problem = "does not start, shows error E18",
            .warranty = 1 + rand() % 4,
            .priority = prio,
            .created_at = created,
            .assign_by = created + (prio == PRIO_HIGH ? 15 : 60) * 60000,
            .arrive_by = created + (prio == PRIO_HIGH ? 240 : 1440) * 60000,
            .technician_id = held ? t.ids[ti] : "",
            .provider_id = "",
            .offer_expires_at = state == JS_OFFERED ? now + 60000 : 0,
        };
        if (store_job_insert(st, &j, number) < 0)
            return s_fail(st, "insert job");
        /* the history: along the happy path up to the state, or cancelled after a few steps */
        int steps = state == JS_CANCELLED ? 1 + rand() % 3 : 0;
        if (state != JS_CANCELLED)
            while (path[steps] != state && steps < 6)
                steps++;
        int64_t at = created;
        snprintf(actor, sizeof actor, "desk");
        if (store_event_append(st, id, at, actor, 0, JS_NEW, "", "") < 0)
            return s_fail(st, "event");
        for (int s = 1; s <= steps && s < 7; s++) {
            at += 60000 + rand() % 600000;
            int to = state == JS_CANCELLED && s == steps ? JS_CANCELLED : path[s];
            if (store_event_append(st, id, at, s >= 2 && to != JS_CANCELLED ? t.ids[ti] : "system",
                                   path[s - 1], to, t.ids[ti], to == JS_OFFERED ? "offered (2.1 km)" : "")
                < 0)
                return s_fail(st, "event");
        }
        if (store_match_put(st, id, blob, sizeof blob) < 0)
            return s_fail(st, "match");
        snprintf(msg, sizeof msg, "fill-%ld", number);
        if (store_dedup_put(st, "desk", msg, created, blob, 120) < 0)
            return s_fail(st, "dedup");
        if (state == JS_CLOSED && rand() % 2 && store_job_set_rating(st, id, 1 + rand() % 5, "") < 0)
            return s_fail(st, "rating");
        if ((k % 10000 == 0 || k == n) && store_commit(st) < 0)
            return s_fail(st, "commit");
    }
    fprintf(stderr, "fsd-fill: %ld jobs in %lds\n", n, (long)(time(NULL) - t0));
    for (size_t i = 0; i < t.n; i++) {
        free(t.ids[i]);
        free(t.territory[i]);
    }
    free(t.ids);
    free(t.territory);
    store_close(&st);
    return 0;
}
