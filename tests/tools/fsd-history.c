/*  fsd-history — writes the fixed event history of the KPI tests
    (tests/unit/kpi_history.h) into an fsd database through the server's
    own store (server/store.c: migrations, then store_put_* and store_job_*,
    store_event_append, store_decline_put), so that the real fsd-server
    can be started on it and `fsdctl report` compared with the figures
    tests/unit/test_kpi.c works out by hand.

        fsd-history DB

    DB should be new (a fresh data directory's fsd.db); the reference data
    it needs comes along: territories nord (around Hamburg), sued (around
    Munich), west (around London), providers P-A and P-B, technicians
    T1..T4 with the history's shifts. Jobs keep their history's ids (J1..J10,
    X0..X2), states, holders, ratings, events and declines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store.h"
#include "../../server/refrows.h"
#include "../unit/kpi_history.h"
#include "fsd/sla.h"

/* Where each territory is: a square of 0.4 degrees around a centre. */
static const double s_centre[][2] = { { 53.55, 10.00 }, { 48.14, 11.58 }, { 51.50, -0.12 } };

/* The index of a territory of the history, or 0. */
static size_t s_territory(const char *id)
{
    for (size_t i = 0; i < KH_N(kh_territories); i++)
        if (strcmp(kh_territories[i][0], id) == 0)
            return i;
    return 0;
}

static int s_fail(store *st, const char *what)
{
    fprintf(stderr, "fsd-history: %s: %s\n", what, store_errmsg(st));
    return 1;
}

/* Territories, providers and technicians. */
static int s_reference(store *st)
{
    for (size_t i = 0; i < KH_N(kh_territories); i++) {
        double lat = s_centre[i][0], lon = s_centre[i][1];
        Fsd__Point p[5];
        Fsd__Point *pp[5];
        const double corner[5][2] = {
            { -0.2, -0.2 }, { -0.2, 0.2 }, { 0.2, 0.2 }, { 0.2, -0.2 }, { -0.2, -0.2 }
        };
        for (int k = 0; k < 5; k++) {
            fsd__point__init(&p[k]);
            p[k].lat = lat + corner[k][0];
            p[k].lon = lon + corner[k][1];
            pp[k] = &p[k];
        }
        Fsd__Ring ring = FSD__RING__INIT, *rings[1] = { &ring };
        ring.points = pp;
        ring.n_points = 5;
        Fsd__TerritoryRow t = FSD__TERRITORY_ROW__INIT;
        t.id = (char *)kh_territories[i][0];
        t.tz = (char *)kh_territories[i][1];
        t.name = (char *)kh_territories[i][2];
        t.rings = rings;
        t.n_rings = 1;
        if (refrows_put_territory(st, &t) < 0)
            return s_fail(st, "territory");
    }
    static char *brands[] = { "Bosch", "Siemens", "Miele" };
    static char *all[] = { "nord", "sued", "west" };
    const char *providers[][2] = { { "P-A", "Provider A" }, { "P-B", "Provider B" } };
    for (int i = 0; i < 2; i++) {
        Fsd__ProviderRow p = FSD__PROVIDER_ROW__INIT;
        p.id = (char *)providers[i][0];
        p.name = (char *)providers[i][1];
        p.brands = brands;
        p.n_brands = 3;
        p.territories = all;
        p.n_territories = 3;
        if (refrows_put_provider(st, &p) < 0)
            return s_fail(st, "provider");
    }
    static char *skills[] = { "washing_machine", "dishwasher" };
    for (size_t i = 0; i < KH_N(kh_techs); i++) {
        const kpi_tech *k = &kh_techs[i];
        char name[32];
        snprintf(name, sizeof name, "Technician %s", k->id);
        char *home[1] = { (char *)k->territory };
        size_t t = s_territory(k->territory);
        Fsd__TechnicianRow row = FSD__TECHNICIAN_ROW__INIT;
        row.id = (char *)k->id;
        row.name = name;
        row.provider_id = (char *)k->provider;
        row.territories = home;
        row.n_territories = 1;
        row.skills = skills;
        row.n_skills = 2;
        row.capacity = 2;
        row.shift = (char *)k->shift;
        row.lat = s_centre[t][0];
        row.lon = s_centre[t][1];
        /* the fleet is older than the history: recorded before the load,
           which keeps the first time it sees */
        if (store_technician_since_put(st, k->id, k->since) < 0 || refrows_put_technician(st, &row) < 0)
            return s_fail(st, "technician");
    }
    return 0;
}

/* One job: the row as it stands after its history, the events, declines
   and rating. */
static int s_job(store *st, const kpi_job *j, long number)
{
    size_t t = s_territory(j->territory);
    char phone[24], name[32], address[64];
    snprintf(phone, sizeof phone, "+4940555%04ld", number);
    snprintf(name, sizeof name, "Customer %s", j->id);
    snprintf(address, sizeof address, "Teststrasse %ld", number);
    store_job row = {
        .id = j->id,
        .state = j->state,
        .territory = j->territory,
        .phone = phone,
        .customer_name = name,
        .tier = j->tier,
        .address = address,
        .lat = s_centre[t][0] + 0.01 * (double)(number % 10),
        .lon = s_centre[t][1],
        .brand = "Bosch",
        .category = "washing_machine",
        .serial = j->serial,
        .model = "WAX32",
        .problem = "does not drain",
        .warranty = j->warranty,
        .priority = strcmp(j->tier, "priority") == 0 ? PRIO_HIGH : PRIO_NORMAL,
        .created_at = j->created_at,
        .assign_by = j->assign_by,
        .arrive_by = j->arrive_by,
        .technician_id = j->technician,
        .provider_id = j->provider,
    };
    if (store_job_insert(st, &row, number) < 0)
        return s_fail(st, "job");
    /* The history is settled: as on a server that lived through it, every
       deadline's at-risk and breach flags count as raised, so a server
       started on it records no new ones and the figures stay the ones
       worked out by hand (breaches are the history's own events). */
    unsigned settled = 0;
    for (int d = 0; d < SLA_N; d++)
        settled |= SLA_RISK(d) | SLA_BREACH(d);
    if (store_job_set_sla_flags(st, j->id, settled) < 0)
        return s_fail(st, "sla flags");
    for (size_t i = 0; i < j->n_events; i++) {
        const kpi_event *e = &j->events[i];
        if (store_event_append(st, j->id, e->at, e->actor, e->from_state, e->to_state, e->technician,
                               e->reason)
            < 0)
            return s_fail(st, "event");
    }
    for (size_t i = 0; i < j->n_declines; i++) {
        const kpi_decline *d = &j->declines[i];
        if (store_decline_put(st, j->id, d->technician, d->reason, d->expired, d->at) < 0)
            return s_fail(st, "decline");
    }
    if (j->rating && store_job_set_rating(st, j->id, j->rating, "") < 0)
        return s_fail(st, "rating");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc != 2 ? stderr : stdout,
                "usage: fsd-history DB\n\nWrites the KPI tests' fixed event history into DB.\n");
        return argc != 2 ? 2 : 0;
    }
    char err[512];
    store *st = store_open(argv[1], err, sizeof err);
    if (!st) {
        fprintf(stderr, "fsd-history: %s\n", err);
        return 1;
    }
    int rc = store_begin(st) < 0 ? s_fail(st, "begin") : s_reference(st);
    for (size_t i = 0; rc == 0 && i < KH_N(kh_jobs); i++)
        rc = s_job(st, &kh_jobs[i], (long)i + 1);
    if (rc == 0 && store_commit(st) < 0)
        rc = s_fail(st, "commit");
    if (rc == 0)
        printf("%zu jobs, %zu technicians written to %s\n", KH_N(kh_jobs), KH_N(kh_techs), argv[1]);
    store_close(&st);
    return rc;
}
