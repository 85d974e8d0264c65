/*  match-bench — the cost of one match as the fleet grows.

        fsd-match-bench [--sizes N,N,...] [--jobs N] [--check N] [--out FILE] [--seed S]

    Builds the server's own in-memory world (server/world.c over an
    in-memory store) from the 12 Berlin territories and the 6 providers of
    examples/, plus N synthetic technicians placed at random inside the
    territories (home territory where they stand, often a neighbouring one
    too; 6 of the 15 skills; capacity 2-4; the sample's two shifts; 9 in 10
    online; random load and recent jobs). Then times dispatch_match — the
    gathering of candidates, the rules, the scores and the pick, without
    storing or offering anything — for random job positions, and prints
    median and p99 microseconds per match for each N (default 1000, 10000,
    100000), also written as CSV (default bench/out/match.csv: technicians,
    match_p50_us,match_p99_us).

    Then, untimed, --check more picks (default 100) of each size are
    checked against a plain ranking of the whole fleet (every technician
    judged by core/match.c): the two must agree on the technician
    (or on nobody being eligible). "judged" is the mean number of
    technicians judged one by one per match. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "../server/server.h"
#include "../server/world.h"
#include "../server/dispatch.h"
#include "../server/refrows.h"
#include "../fsdctl/load_file.c"
#include "fsd/warranty.h"
#include "fsd/log.h"
#include "fsd/wire.h"

#define S_TERRITORIES "examples/territories.geojson"
#define S_PROVIDERS "examples/providers.csv"

/* A small deterministic generator (xorshift64*), so runs compare. */
static uint64_t s_rng = 88172645463325252ULL;

static uint64_t s_next(void)
{
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 2685821657736338717ULL;
}

/* Uniform in [0, 1). */
static double s_unit(void)
{
    return (double)(s_next() >> 11) / 9007199254740992.0;
}

/* Uniform integer in [0, n). */
static size_t s_below(size_t n)
{
    return (size_t)(s_unit() * (double)n);
}

/* Stops the program with a sentence. */
static void s_die(const char *what, const char *detail)
{
    fprintf(stderr, "fsd-match-bench: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

/* Microseconds on the monotonic clock. */
static double s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Reads one reference file through fsdctl's own loader. */
static load_file *s_read(const char *kind, const char *path, Fsd__Envelope *env)
{
    char err[256];
    load_file *lf = load_file_read(kind, path, err, sizeof err);
    if (!lf)
        s_die(err, NULL);
    if (load_file_error_count(lf))
        s_die("rows refused in", path);
    fsd__envelope__init(env);
    load_file_attach(lf, env);
    return lf;
}

/* A random point inside the union of the territories; *terr gets its index. */
static geo_point s_point_inside(server *srv, int *terr)
{
    double lat0 = 90, lat1 = -90, lon0 = 180, lon1 = -180;
    for (size_t i = 0; i < srv->n_territories; i++) {
        const geo_poly *p = &srv->territories[i].poly;
        lat0 = lat0 < p->min_lat ? lat0 : p->min_lat;
        lat1 = lat1 > p->max_lat ? lat1 : p->max_lat;
        lon0 = lon0 < p->min_lon ? lon0 : p->min_lon;
        lon1 = lon1 > p->max_lon ? lon1 : p->max_lon;
    }
    for (;;) {
        geo_point at = { lat0 + s_unit() * (lat1 - lat0), lon0 + s_unit() * (lon1 - lon0) };
        *terr = world_territory_at(srv, at);
        if (*terr >= 0)
            return at;
    }
}

/* Writes one synthetic technician row through the store. */
static void s_put_tech(server *srv, size_t i)
{
    static const char *shifts[] = { "daily 06:00-22:00", "daily 14:00-06:00", "24h" };
    size_t ncat;
    const char *const *cats = category_list(&ncat);
    int home;
    geo_point at = s_point_inside(srv, &home);
    const territory *h = &srv->territories[home];
    char id[24], name[40];
    snprintf(id, sizeof id, "B%06zu", i);
    snprintf(name, sizeof name, "Bench Tech %zu", i);
    char *terrs[2] = { h->row->id, NULL };
    size_t nterr = 1;
    if (h->n_neighbours && s_unit() < 0.5)
        terrs[nterr++] = srv->territories[h->neighbours[s_below(h->n_neighbours)]].row->id;
    char *skills[6];
    size_t first = s_below(ncat);
    for (size_t k = 0; k < 6; k++)
        skills[k] = (char *)cats[(first + k * 2) % ncat];
    Fsd__TechnicianRow t = FSD__TECHNICIAN_ROW__INIT;
    t.id = id;
    t.name = name;
    t.provider_id = srv->providers[s_below(srv->n_providers)].row->id;
    t.territories = terrs;
    t.n_territories = nterr;
    t.skills = skills;
    t.n_skills = 6;
    t.capacity = 2 + (uint32_t)s_below(3);
    t.shift = (char *)shifts[s_below(3)];
    t.lat = at.lat;
    t.lon = at.lon;
    if (refrows_put_technician(srv->store, &t) < 0)
        s_die("cannot store a technician", store_errmsg(srv->store));
}

/* Opens an in-memory store and reads the world from it, with n technicians. */
static void s_world(server *srv, size_t n)
{
    memset(srv, 0, sizeof *srv);
    srv->cfg.heartbeat_ms = 5000;
    srv->cfg.offline_after = 3;
    srv->cfg.offer_ttl_ms = 60000;
    srv->cfg.neighbour_km = 0.3;
    match_config_default(&srv->cfg.match);
    char err[256];
    if (!(srv->store = store_open(":memory:", err, sizeof err)))
        s_die("cannot open an in-memory store", err);
    Fsd__Envelope te, pe;
    load_file *lt = s_read("territories", S_TERRITORIES, &te);
    load_file *lp = s_read("providers", S_PROVIDERS, &pe);
    if (store_begin(srv->store) < 0)
        s_die("begin", store_errmsg(srv->store));
    for (size_t i = 0; i < te.load_territories->n_rows; i++)
        if (refrows_put_territory(srv->store, te.load_territories->rows[i]) < 0)
            s_die("cannot store a territory", store_errmsg(srv->store));
    for (size_t i = 0; i < pe.load_providers->n_rows; i++)
        if (refrows_put_provider(srv->store, pe.load_providers->rows[i]) < 0)
            s_die("cannot store a provider", store_errmsg(srv->store));
    if (store_commit(srv->store) < 0 || world_load_reference(srv, err, sizeof err) < 0)
        s_die("cannot read the reference data", err);
    load_file_destroy(&lt);
    load_file_destroy(&lp);
    if (store_begin(srv->store) < 0)
        s_die("begin", store_errmsg(srv->store));
    for (size_t i = 0; i < n; i++)
        s_put_tech(srv, i);
    if (store_commit(srv->store) < 0 || world_load_reference(srv, err, sizeof err) < 0)
        s_die("cannot read the technicians", err);
    srv->jobs = strmap_new();
}

/* Live status: 9 in 10 online, loads from idle to full, a few recent jobs. */
static void s_live(server *srv, int64_t now)
{
    for (size_t i = 0; i < srv->n_techs; i++) {
        technician *t = &srv->techs[i];
        t->online = s_unit() < 0.9;
        t->last_seen = now;
        t->load = (uint32_t)s_below(t->row->capacity + 1);
        t->recent = (uint32_t)s_below(4);
    }
}

/* A job at a random place in Berlin, of a random category and brand. */
static void s_job(server *srv, job *j, int64_t now)
{
    static char *brands[] = { "Bosch", "Siemens", "Miele",    "AEG",    "Samsung",
                              "LG",    "Beko",    "Liebherr", "Daikin", "Vaillant" };
    size_t ncat;
    category_list(&ncat);
    memset(j, 0, sizeof *j);
    snprintf(j->id, sizeof j->id, "J-BENCH");
    j->state = JS_NEW;
    j->at = s_point_inside(srv, &j->territory);
    j->category = (int)s_below(ncat);
    j->brand = brands[s_below(sizeof brands / sizeof *brands)];
    j->warranty = s_unit() < 0.5 ? WS_IN_WARRANTY : WS_EXPIRED;
    j->prio = PRIO_NORMAL;
    j->created_at = now;
    j->assign_by = now + 3600000;
    j->arrive_by = now + 86400000;
}

/* The facts about t for j, as the server establishes them (reference). */
static match_cand s_fact(server *srv, const job *j, const technician *t, int64_t now)
{
    match_cand c = { .id = t->index, .at = t->pos, .online = t->online };
    c.in_shift = world_tech_in_shift(srv, t, j->territory, now);
    c.covers_territory = world_tech_covers(t, j->territory);
    const territory *tr = &srv->territories[j->territory];
    for (size_t i = 0; i < tr->n_neighbours && !c.covers_territory; i++)
        c.covers_neighbour |= world_tech_covers(t, tr->neighbours[i]);
    c.has_skill = (t->skills >> j->category) & 1u;
    c.authorised = world_provider_authorised(t->provider, j->brand);
    c.load = t->load;
    c.capacity = t->row->capacity;
    c.recent_jobs = t->recent;
    return c;
}

/* The reference pick: every technician judged and ranked by the pure
   matcher. Returns the technician's index, or -1 (none eligible). */
static int s_reference_pick(server *srv, const job *j, int64_t now)
{
    size_t n = srv->n_techs;
    match_cand *c = malloc(n * sizeof *c);
    match_result *r = malloc(n * sizeof *r);
    for (size_t i = 0; i < n; i++)
        c[i] = s_fact(srv, j, &srv->techs[i], now);
    match_job mj = { j->at, dispatch_needs_authorisation(j), true };
    int pick = match_rank(&srv->cfg.match, &mj, c, n, r) ? r[0].id : -1;
    free(c);
    free(r);
    return pick;
}

/* qsort comparator for doubles. */
static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile of sorted values (nearest rank). */
static double s_quantile(const double *v, size_t n, double q)
{
    size_t k = (size_t)(q * (double)n + 0.999999);
    return v[k ? k - 1 : 0];
}

/* Times matches for one fleet size; writes p50/p99 into the CSV. */
static void s_run(size_t n, size_t jobs, size_t checks, FILE *csv)
{
    server srv;
    double t0 = s_now_us();
    s_world(&srv, n);
    int64_t now = wire_now_ms();
    s_live(&srv, now);
    world_recent_floor(&srv);
    world_weigh_all(&srv);
    double built_ms = (s_now_us() - t0) / 1000;
    double *us = malloc(jobs * sizeof *us);
    size_t done = 0, checked = 0, wrong = 0, shown = 0;
    double budget_end = s_now_us() + 5e6;
    while (done < jobs && (done < 50 || s_now_us() < budget_end)) {
        job j;
        s_job(&srv, &j, now);
        match_outcome m;
        double a = s_now_us();
        if (dispatch_match(&srv, &j, now, &m) < 0)
            s_die("out of memory", NULL);
        us[done++] = s_now_us() - a;
        shown += m.n;
        dispatch_match_free(&m);
    }
    /* then, untimed, the picks of other jobs against the full ranking */
    for (; checked < checks; checked++) {
        job j;
        s_job(&srv, &j, now);
        match_outcome m;
        if (dispatch_match(&srv, &j, now, &m) < 0)
            s_die("out of memory", NULL);
        if (s_reference_pick(&srv, &j, now) != (m.eligible ? m.res[0].id : -1))
            wrong++;
        dispatch_match_free(&m);
    }
    qsort(us, done, sizeof *us, s_cmp);
    double p50 = s_quantile(us, done, 0.5), p99 = s_quantile(us, done, 0.99);
    printf("%12zu %10zu %12.1f %12.1f %10.1f %9zu/%zu %12.0f\n", n, done, p50, p99,
           (double)shown / (double)done, checked - wrong, checked, built_ms);
    fflush(stdout);
    fprintf(csv, "%zu,%.2f,%.2f\n", n, p50, p99);
    if (wrong)
        fprintf(stderr, "fsd-match-bench: %zu of %zu picks differ from the full ranking\n", wrong, checked);
    free(us);
    world_free(&srv);
    store_close(&srv.store);
}

int main(int argc, char **argv)
{
    const char *sizes = "1000,10000,100000", *out = "bench/out/match.csv";
    size_t jobs = 20000, checks = 100;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc)
            sizes = argv[++i];
        else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc)
            jobs = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--check") == 0 && i + 1 < argc)
            checks = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            s_rng = strtoull(argv[++i], NULL, 10) | 1;
        else {
            fprintf(
                stderr,
                "usage: fsd-match-bench [--sizes N,N,...] [--jobs N] [--check N] [--out FILE] [--seed S]\n");
            return 2;
        }
    }
    log_set_level(LOG_ERROR);
    mkdir("bench/out", 0755);
    FILE *csv = fopen(out, "w");
    if (!csv)
        s_die("cannot write", out);
    fprintf(csv, "technicians,match_p50_us,match_p99_us\n");
    printf("%12s %10s %12s %12s %10s %11s %12s\n", "technicians", "matches", "p50_us", "p99_us", "judged",
           "agree", "build_ms");
    char *list = strdup(sizes);
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
        s_run(strtoul(tok, NULL, 10), jobs ? jobs : 1, checks, csv);
    free(list);
    fclose(csv);
    printf("written to %s\n", out);
    return 0;
}
