/*  test_match.c — the matcher's rules, their order, and the ranking. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include "fsd/match.h"

static const geo_point s_job_at = { 52.52, 13.405 }; //  Berlin

//  A candidate that passes every rule, at the job's own place.
static match_cand s_good(int id)
{
    match_cand c = { .id = id,
                     .at = s_job_at,
                     .online = true,
                     .in_shift = true,
                     .covers_territory = true,
                     .covers_neighbour = false,
                     .has_skill = true,
                     .authorised = true,
                     .declined = false,
                     .load = 0,
                     .capacity = 3,
                     .recent_jobs = 0 };
    return c;
}

//  A job at s_job_at.
static match_job s_job(bool needs_auth, bool spill)
{
    match_job j = { s_job_at, needs_auth, spill };
    return j;
}

//  Ranks one candidate and returns the rule it failed.
static match_rule s_rule_of(match_cand c, match_job job)
{
    match_config cfg;
    match_config_default(&cfg);
    match_result r;
    match_rank(&cfg, &job, &c, 1, &r);
    assert_int_equal(r.id, c.id);
    return r.failed;
}

//  Defaults are as documented.
static void test_defaults(void **state)
{
    (void)state;
    match_config cfg;
    match_config_default(&cfg);
    assert_true(cfg.speed_kmh == 30.0);
    assert_true(cfg.load_weight == 20.0);
    assert_true(cfg.fairness_weight == 5.0);
    assert_true(cfg.max_km == 0.0);
}

//  Each rule excludes on its own, and is named.
static void test_each_rule(void **state)
{
    (void)state;
    match_job job = s_job(true, false);
    match_cand c;
    assert_int_equal(s_rule_of(s_good(1), job), MR_OK);
    c = s_good(1);
    c.online = false;
    assert_int_equal(s_rule_of(c, job), MR_OFFLINE);
    c = s_good(1);
    c.in_shift = false;
    assert_int_equal(s_rule_of(c, job), MR_SHIFT);
    c = s_good(1);
    c.covers_territory = false;
    assert_int_equal(s_rule_of(c, job), MR_TERRITORY);
    c = s_good(1);
    c.has_skill = false;
    assert_int_equal(s_rule_of(c, job), MR_SKILL);
    c = s_good(1);
    c.authorised = false;
    assert_int_equal(s_rule_of(c, job), MR_WARRANTY);
    c = s_good(1);
    c.declined = true;
    assert_int_equal(s_rule_of(c, job), MR_DECLINED);
    c = s_good(1);
    c.load = 3;
    assert_int_equal(s_rule_of(c, job), MR_CAPACITY);
    c = s_good(1);
    c.capacity = 0;
    assert_int_equal(s_rule_of(c, job), MR_CAPACITY);
    //  Not warranty work: authorisation does not matter.
    c = s_good(1);
    c.authorised = false;
    assert_int_equal(s_rule_of(c, s_job(false, false)), MR_OK);

    assert_string_equal(match_rule_name(MR_OK), "");
    assert_string_equal(match_rule_name(MR_OFFLINE), "offline");
    assert_string_equal(match_rule_name(MR_SHIFT), "shift");
    assert_string_equal(match_rule_name(MR_TERRITORY), "territory");
    assert_string_equal(match_rule_name(MR_SKILL), "skill");
    assert_string_equal(match_rule_name(MR_WARRANTY), "warranty");
    assert_string_equal(match_rule_name(MR_DECLINED), "declined");
    assert_string_equal(match_rule_name(MR_CAPACITY), "capacity");
    assert_string_equal(match_rule_name(MR_COUNT_), "?");

    assert_true(match_rule_is_transient(MR_OFFLINE));
    assert_true(match_rule_is_transient(MR_SHIFT));
    assert_true(match_rule_is_transient(MR_CAPACITY));
    assert_false(match_rule_is_transient(MR_TERRITORY));
    assert_false(match_rule_is_transient(MR_SKILL));
    assert_false(match_rule_is_transient(MR_WARRANTY));
    assert_false(match_rule_is_transient(MR_DECLINED));
    assert_false(match_rule_is_transient(MR_OK));
}

//  A candidate failing several rules is named by the first in order.
static void test_rule_order(void **state)
{
    (void)state;
    match_job job = s_job(true, false);
    match_cand c = s_good(1);
    c.online = false;
    c.in_shift = false;
    c.covers_territory = false;
    c.has_skill = false;
    c.authorised = false;
    c.declined = true;
    c.load = 9;
    match_rule expect[] = { MR_TERRITORY, MR_SKILL, MR_WARRANTY, MR_DECLINED,
                            MR_OFFLINE,   MR_SHIFT, MR_CAPACITY, MR_OK };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        assert_int_equal(s_rule_of(c, job), expect[i]);
        switch (expect[i]) {
        case MR_OFFLINE: c.online = true; break;
        case MR_SHIFT: c.in_shift = true; break;
        case MR_TERRITORY: c.covers_territory = true; break;
        case MR_SKILL: c.has_skill = true; break;
        case MR_WARRANTY: c.authorised = true; break;
        case MR_DECLINED: c.declined = false; break;
        case MR_CAPACITY: c.load = 0; break;
        default: break;
        }
    }
}

//  max_km excludes far candidates as "territory".
static void test_max_km(void **state)
{
    (void)state;
    match_config cfg;
    match_config_default(&cfg);
    cfg.max_km = 50;
    match_job job = s_job(false, false);
    match_cand c[2] = { s_good(1), s_good(2) };
    c[1].at = (geo_point){ 48.137, 11.575 }; //  Munich
    match_result r[2];
    assert_int_equal(match_rank(&cfg, &job, c, 2, r), 1);
    assert_int_equal(r[0].id, 1);
    assert_int_equal(r[1].id, 2);
    assert_int_equal(r[1].failed, MR_TERRITORY);
    assert_true(r[1].distance_km > 400);
}

//  Ranking by distance, then load, then fairness; score as documented.
static void test_ranking(void **state)
{
    (void)state;
    match_config cfg;
    match_config_default(&cfg);
    match_job job = s_job(false, false);
    match_cand c[3] = { s_good(1), s_good(2), s_good(3) };
    //  0.1 degree of latitude ~ 11.1 km ~ 22.2 minutes at 30 km/h.
    c[0].at.lat += 0.2;
    c[1].at.lat += 0.1;
    match_result r[3];
    assert_int_equal(match_rank(&cfg, &job, c, 3, r), 3);
    assert_int_equal(r[0].id, 3);
    assert_int_equal(r[1].id, 2);
    assert_int_equal(r[2].id, 1);
    assert_true(fabs(r[1].score - r[1].distance_km / 30.0 * 60.0) < 1e-9);
    assert_true(fabs(r[1].distance_km - 11.12) < 0.05);

    //  Same place: load decides (20 * load / capacity).
    c[0] = s_good(1);
    c[0].load = 2;
    c[0].capacity = 4; //  +10
    c[1] = s_good(2);
    c[1].load = 1;
    c[1].capacity = 4; //  +5
    c[2] = s_good(3);
    c[2].recent_jobs = 3; //  +15
    match_rank(&cfg, &job, c, 3, r);
    assert_int_equal(r[0].id, 2);
    assert_int_equal(r[1].id, 1);
    assert_int_equal(r[2].id, 3);
    assert_true(fabs(r[0].score - 5.0) < 1e-9);
    assert_true(fabs(r[1].score - 10.0) < 1e-9);
    assert_true(fabs(r[2].score - 15.0) < 1e-9);

    //  Fairness outweighs a little distance.
    c[0] = s_good(1);
    c[0].recent_jobs = 2; //  +10
    c[1] = s_good(2);
    c[1].at.lat += 0.002; //  ~0.44 min
    match_rank(&cfg, &job, c, 2, r);
    assert_int_equal(r[0].id, 2);
    assert_int_equal(r[1].id, 1);
}

//  Neighbours only with spill, and after own-territory candidates.
static void test_spill(void **state)
{
    (void)state;
    match_config cfg;
    match_config_default(&cfg);
    match_cand c[3] = { s_good(1), s_good(2), s_good(3) };
    c[0].covers_territory = false;
    c[0].covers_neighbour = true; //  near
    c[1].at.lat += 0.3;           //  far own
    c[2].covers_territory = false;
    c[2].covers_neighbour = false;
    match_result r[3];

    match_job no_spill = s_job(false, false);
    assert_int_equal(match_rank(&cfg, &no_spill, c, 3, r), 1);
    assert_int_equal(r[0].id, 2);
    assert_int_equal(r[1].id, 1);
    assert_int_equal(r[1].failed, MR_TERRITORY);
    assert_int_equal(r[2].id, 3);
    assert_int_equal(r[2].failed, MR_TERRITORY);

    match_job spill = s_job(false, true);
    assert_int_equal(match_rank(&cfg, &spill, c, 3, r), 2);
    assert_int_equal(r[0].id, 2);
    assert_false(r[0].neighbour);
    assert_int_equal(r[1].id, 1);
    assert_true(r[1].neighbour);
    assert_true(r[1].score < r[0].score);
    assert_int_equal(r[2].id, 3);
    assert_int_equal(r[2].failed, MR_TERRITORY);

    //  Covering both: counts as own territory.
    c[0].covers_territory = true;
    match_rank(&cfg, &spill, c, 3, r);
    assert_int_equal(r[0].id, 1);
    assert_false(r[0].neighbour);
}

//  Equal scores fall back to id; excluded keep input order.
static void test_ties_and_excluded_order(void **state)
{
    (void)state;
    match_job job = s_job(false, false);
    match_cand c[6] = { s_good(9), s_good(4), s_good(7), s_good(5), s_good(2), s_good(8) };
    c[3].online = false;    //  id 5
    c[4].has_skill = false; //  id 2
    c[5].declined = true;   //  id 8
    c[1].online = false;    //  id 4
    match_result r[6];
    assert_int_equal(match_rank(NULL, &job, c, 6, r), 2);
    int expect[6] = { 7, 9, 4, 5, 2, 8 };
    for (int i = 0; i < 6; i++)
        assert_int_equal(r[i].id, expect[i]);
    assert_int_equal(r[2].failed, MR_OFFLINE);
    assert_int_equal(r[4].failed, MR_SKILL);
    assert_int_equal(r[5].failed, MR_DECLINED);
    //  Deterministic: the same input in another order gives the same top.
    match_cand d[6] = { c[5], c[4], c[3], c[2], c[1], c[0] };
    match_rank(NULL, &job, d, 6, r);
    assert_int_equal(r[0].id, 7);
    assert_int_equal(r[1].id, 9);
}

//  Empty input and a candidate with no valid position.
static void test_edges(void **state)
{
    (void)state;
    match_job job = s_job(false, false);
    match_result r[2];
    assert_int_equal(match_rank(NULL, &job, NULL, 0, r), 0);
    match_cand c[2] = { s_good(1), s_good(2) };
    c[0].at.lat = NAN;
    assert_int_equal(match_rank(NULL, &job, c, 2, r), 2);
    assert_int_equal(r[0].id, 2);
    assert_int_equal(r[1].id, 1);
    assert_true(isinf(r[1].distance_km));
}

//  Judging one by one and sorting gives match_rank's order; the reach
//  bound only rules out candidates who score more than the best.
static void test_judge_sort_reach(void **state)
{
    (void)state;
    match_config cfg;
    match_config_default(&cfg);
    match_job job = s_job(false, true);
    match_cand c[6];
    for (int i = 0; i < 6; i++) {
        c[i] = s_good(10 - i);
        c[i].at.lat += 0.02 + 0.01 * (i % 3);
        c[i].load = (uint32_t)(i % 2);
    }
    c[1].online = false;
    c[2].covers_territory = false;
    c[2].covers_neighbour = true;
    c[4].has_skill = false;
    match_result ranked[6], judged[6];
    size_t n_ok = match_rank(&cfg, &job, c, 6, ranked);
    for (int i = 0; i < 6; i++)
        judged[i] = match_judge(&cfg, &job, &c[i]);
    assert_int_equal(match_sort(judged, 6), n_ok);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(judged[i].id, ranked[i].id);
        assert_int_equal(judged[i].failed, ranked[i].failed);
    }
    //  best scores s minutes: nobody farther than s minutes of travel wins
    double reach = match_reach_km(&cfg, &ranked[0], 0);
    assert_true(fabs(reach - ranked[0].score * cfg.speed_kmh / 60) < 1e-6);
    assert_true(match_reach_km(&cfg, &ranked[0], 1.0) < reach);
    //  a neighbour or an excluded best rules nobody out
    match_result nb = ranked[0];
    nb.neighbour = true;
    assert_true(isinf(match_reach_km(&cfg, &nb, 0)));
    assert_true(isinf(match_reach_km(&cfg, &ranked[5], 0)));
}

//  The appointment-window rule comes last, is named "window" and is
//  transient (a booking may be cancelled); an earlier rule wins over it.
static void test_window_rule(void **state)
{
    (void)state;
    match_job job = s_job(false, false);
    match_cand c = s_good(1);
    c.no_room = true;
    assert_int_equal(s_rule_of(c, job), MR_WINDOW);
    assert_string_equal(match_rule_name(MR_WINDOW), "window");
    assert_true(match_rule_is_transient(MR_WINDOW));
    c.load = c.capacity;
    assert_int_equal(s_rule_of(c, job), MR_CAPACITY);
    c.load = 0;
    c.in_shift = false;
    assert_int_equal(s_rule_of(c, job), MR_SHIFT);
    //  a candidate without room is never the pick
    match_cand two[2] = { s_good(1), s_good(2) };
    two[0].no_room = true;
    two[1].at.lat += 0.05;
    match_result res[2];
    match_config cfg;
    match_config_default(&cfg);
    assert_int_equal(match_rank(&cfg, &job, two, 2, res), 1);
    assert_int_equal(res[0].id, 2);
    assert_int_equal(res[1].failed, MR_WINDOW);
}

/* A person's move: every rule broken, a hard one decisive. */
static void test_judge_all(void **state)
{
    (void)state;
    match_job job = { .at = { 52.52, 13.40 }, .needs_authorisation = true, .allow_spill = true };
    match_cand ok = { .id = 1,
                      .at = { 52.52, 13.41 },
                      .online = true,
                      .in_shift = true,
                      .covers_territory = true,
                      .has_skill = true,
                      .authorised = true,
                      .load = 0,
                      .capacity = 2 };
    unsigned broken = 99;
    assert_int_equal(match_judge_all(NULL, &job, &ok, &broken), MR_OK);
    assert_int_equal(broken, 0);
    /* offline and off shift: the first soft rule, both named */
    match_cand c = ok;
    c.online = false;
    c.in_shift = false;
    assert_int_equal(match_judge_all(NULL, &job, &c, &broken), MR_OFFLINE);
    assert_int_equal(broken, (1u << MR_OFFLINE) | (1u << MR_SHIFT));
    /* offline and full: the hard rule decides, though it comes later */
    c = ok;
    c.online = false;
    c.load = 2;
    assert_int_equal(match_judge_all(NULL, &job, &c, &broken), MR_CAPACITY);
    assert_int_equal(broken, (1u << MR_OFFLINE) | (1u << MR_CAPACITY));
    /* outside the territory, declined before, unauthorised */
    c = ok;
    c.covers_territory = false;
    c.declined = true;
    c.authorised = false;
    assert_int_equal(match_judge_all(NULL, &job, &c, &broken), MR_WARRANTY);
    assert_int_equal(broken, (1u << MR_TERRITORY) | (1u << MR_WARRANTY));
    c.authorised = true;
    assert_int_equal(match_judge_all(NULL, &job, &c, &broken), MR_TERRITORY);
    assert_int_equal(broken, (1u << MR_TERRITORY) | (1u << MR_DECLINED));
    /* beyond max_km: a territory rule nothing passes over */
    match_config cfg;
    match_config_default(&cfg);
    cfg.max_km = 0.1;
    c = ok;
    c.at = (geo_point){ 52.60, 13.40 };
    assert_int_equal(match_judge_all(&cfg, &job, &c, &broken), MR_TERRITORY);
    assert_int_equal(broken, 1u << MR_TERRITORY);
}

/* A person's move: skill, warranty, capacity and window are hard, the
   rest soft; names round-trip. */
static void test_hard_rules(void **state)
{
    (void)state;
    assert_true(match_rule_is_hard(MR_SKILL));
    assert_true(match_rule_is_hard(MR_WARRANTY));
    assert_true(match_rule_is_hard(MR_CAPACITY));
    assert_true(match_rule_is_hard(MR_WINDOW));
    const match_rule soft[] = { MR_TERRITORY, MR_DECLINED, MR_OFFLINE, MR_SHIFT, MR_OK };
    for (size_t i = 0; i < sizeof soft / sizeof soft[0]; i++)
        assert_false(match_rule_is_hard(soft[i]));
    for (int r = MR_OK + 1; r < MR_COUNT_; r++)
        assert_int_equal(match_rule_by_name(match_rule_name((match_rule)r)), r);
    assert_int_equal(match_rule_by_name(""), MR_COUNT_);
    assert_int_equal(match_rule_by_name("speed"), MR_COUNT_);
    assert_int_equal(match_rule_by_name(NULL), MR_COUNT_);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_each_rule),
        cmocka_unit_test(test_rule_order),
        cmocka_unit_test(test_max_km),
        cmocka_unit_test(test_ranking),
        cmocka_unit_test(test_spill),
        cmocka_unit_test(test_ties_and_excluded_order),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_judge_sort_reach),
        cmocka_unit_test(test_window_rule),
        cmocka_unit_test(test_hard_rules),
        cmocka_unit_test(test_judge_all),
    };
    return cmocka_run_group_tests_name("match", tests, NULL, NULL);
}
