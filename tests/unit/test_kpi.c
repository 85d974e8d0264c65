/*  test_kpi.c — the KPI report on the fixed history of kpi_history.h,
    every expected figure worked out by hand next to its assertion; plus
    percentiles, on-shift time across daylight saving, and the rules for
    pending deadlines and first-time fixes near "now".

    Percentiles are nearest rank: of n ascending samples, p50 is the one
    at rank ceil(n / 2), p90 the one at rank ceil(0.9 n). */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "fsd/kpi.h"
#include "kpi_history.h"

//  Exact value (times, counts as doubles).
#define EQ(got, want) s_eq(#got, (double)(got), (double)(want), __LINE__)
//  A percentage or average as fsdctl prints it (one or two decimals).
#define PCT(got, want) s_fmt(#got, "%.1f", (got), want, __LINE__)
#define AVG(got, want) s_fmt(#got, "%.2f", (got), want, __LINE__)

static void s_eq(const char *what, double got, double want, int line)
{
    if (fabs(got - want) > 1e-9)
        fail_msg("line %d: %s is %.6f, want %.6f", line, what, got, want);
}

static void s_fmt(const char *what, const char *fmt, double got, const char *want, int line)
{
    char buf[32];
    snprintf(buf, sizeof buf, fmt, got);
    if (strcmp(buf, want) != 0)
        fail_msg("line %d: %s is %s, want %s", line, what, buf, want);
}

//  Computes the fixed history's report for the period, grouped by `by`.
static void s_report(kpi_by by, kpi_report *r)
{
    kpi_query q = { KH_FROM, KH_TO, KH_NOW, by };
    assert_int_equal(kpi_compute(&q, kh_jobs, KH_N(kh_jobs), kh_techs, KH_N(kh_techs), r), 0);
}

//  The group named key (fails when absent).
static const kpi_group *s_group(const kpi_report *r, const char *key)
{
    for (size_t i = 0; i < r->n_groups; i++)
        if (strcmp(r->groups[i].key, key) == 0)
            return &r->groups[i];
    fail_msg("no group %s", key);
    return NULL;
}

//  The keys of the groups, comma-separated, in report order.
static const char *s_keys(const kpi_report *r)
{
    static char buf[256];
    buf[0] = 0;
    for (size_t i = 0; i < r->n_groups; i++) {
        strcat(buf, i ? "," : "");
        strcat(buf, r->groups[i].key);
    }
    return buf;
}

#define H(n) ((n)*3600000LL)

//  ---------------------------------------------------------------------

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(kpi_by_parse("territory"), KPI_BY_TERRITORY);
    assert_int_equal(kpi_by_parse("agent"), KPI_BY_AGENT);
    assert_int_equal(kpi_by_parse("provider"), KPI_BY_AGENT);
    assert_int_equal(kpi_by_parse("warranty"), KPI_BY_WARRANTY);
    assert_int_equal(kpi_by_parse("tier"), KPI_BY_TIER);
    assert_int_equal(kpi_by_parse("technician"), KPI_BY_TECHNICIAN);
    assert_int_equal(kpi_by_parse("hour"), KPI_BY_HOUR);
    assert_string_equal(kpi_by_name(KPI_BY_HOUR), "hour");
    assert_int_equal(kpi_by_parse("all"), KPI_BY_ALL);
    assert_int_equal(kpi_by_parse("colour"), -1);
    assert_int_equal(kpi_by_parse(""), -1);
    assert_int_equal(kpi_by_parse(NULL), -1);
    assert_string_equal(kpi_by_name(KPI_BY_AGENT), "provider");
    assert_string_equal(kpi_expiry_name(KPI_EXPIRY_OFFLINE), "offline");
    //  the reasons a reader of the log must keep
    assert_true(kpi_reason_counts("reassigned to T1: ill"));
    assert_true(kpi_reason_counts("at risk: arrive-by deadline in 60s"));
    assert_true(kpi_reason_counts("breached: fix-by"));
    assert_true(kpi_reason_counts("goodwill: loyal customer"));
    assert_true(kpi_reason_counts("fee waived: 49.00 EUR"));
    assert_true(kpi_reason_counts("waiver requested: 120.00 EUR"));
    assert_true(kpi_reason_counts("offer withdrawn: technician offline"));
    assert_false(kpi_reason_counts("offered (2.1 km)"));
    assert_false(kpi_reason_counts("waiver rejected: too much"));
    assert_false(kpi_reason_counts(""));
    assert_false(kpi_reason_counts(NULL));
}

//  Nearest rank: the value at rank ceil(p n).
static void test_percentile(void **state)
{
    (void)state;
    const double v[] = { 10, 20, 30, 40, 50, 60, 70, 80, 90, 100 };
    EQ(kpi_percentile(v, 10, 0.5), 50); //  rank ceil(5) = 5
    EQ(kpi_percentile(v, 10, 0.9), 90); //  rank ceil(9) = 9
    EQ(kpi_percentile(v, 9, 0.5), 50);  //  rank ceil(4.5) = 5
    EQ(kpi_percentile(v, 9, 0.9), 90);  //  rank ceil(8.1) = 9
    EQ(kpi_percentile(v, 8, 0.9), 80);  //  rank ceil(7.2) = 8
    EQ(kpi_percentile(v, 2, 0.5), 10);  //  rank ceil(1) = 1: the lower of two
    EQ(kpi_percentile(v, 1, 0.9), 10);
    EQ(kpi_percentile(v, 0, 0.5), 0); //  no samples
    double twenty[20];
    for (int i = 0; i < 20; i++)
        twenty[i] = i + 1;
    EQ(kpi_percentile(twenty, 20, 0.9), 18); //  rank 18 exactly, not 19
    EQ(kpi_percentile(twenty, 20, 0.95), 19);
}

//  On-shift time: whole weeks, part of a shift, both changes of clocks.
static void test_shift_time(void **state)
{
    (void)state;
    shift day, night, always, weekend;
    const char *why;
    assert_int_equal(shift_parse("Mon-Fri 08:00-17:00", &day, &why), 0);
    assert_int_equal(shift_parse("daily 22:00-06:00", &night, &why), 0);
    assert_int_equal(shift_parse("24h", &always, &why), 0);
    assert_int_equal(shift_parse("Sat,Sun 09:00-13:00", &weekend, &why), 0);

    //  the history's week: 5 days x 9 h in Berlin and in London
    EQ(kpi_shift_ms(&day, "Europe/Berlin", KH_FROM, KH_TO), H(45));
    EQ(kpi_shift_ms(&day, "Europe/London", KH_FROM, KH_TO), H(45));
    //  nights in Berlin over the spring change: 5 + 5 x 8 + 7 + 4 = 56 h
    EQ(kpi_shift_ms(&night, "Europe/Berlin", KH_FROM, KH_TO), H(56));
    //  the short night alone: Sat 28 21:00 UTC (22:00 CET) to Sun 29
    //  04:00 UTC (06:00 CEST) = 7 h
    EQ(kpi_shift_ms(&night, "Europe/Berlin", KH_AT(5, 12, 0), KH_AT(6, 12, 0)), H(7));
    //  autumn: Sat 24 Oct 2026 22:00 CEST = 20:00 UTC to Sun 25 06:00 CET
    //  = 05:00 UTC is 9 h (1792843200000 = 2026-10-24T12:00Z)
    EQ(kpi_shift_ms(&night, "Europe/Berlin", 1792843200000LL, 1792843200000LL + H(24)), H(9));
    //  weekend mornings in London across the change: Sat 09-13 GMT and
    //  Sun 09-13 BST are 4 h each
    EQ(kpi_shift_ms(&weekend, "Europe/London", KH_FROM, KH_TO), H(8));
    //  a window cut inside a shift: Monday 10:00-12:00 UTC = 11:00-13:00 CET
    EQ(kpi_shift_ms(&day, "Europe/Berlin", KH_AT(0, 10, 0), KH_AT(0, 12, 0)), H(2));
    //  Monday 06:30-07:30 UTC = 07:30-08:30 CET: the last half hour
    EQ(kpi_shift_ms(&day, "Europe/Berlin", KH_AT(0, 6, 30), KH_AT(0, 7, 30)), 30 * KH_MIN);
    //  24h is the window; nothing for an empty window; unknown zone = UTC
    EQ(kpi_shift_ms(&always, "Europe/Berlin", KH_FROM, KH_TO), H(168));
    EQ(kpi_shift_ms(&day, "Europe/Berlin", KH_TO, KH_FROM), 0);
    EQ(kpi_shift_ms(&day, "Nowhere/Zone", KH_AT(0, 7, 0), KH_AT(0, 9, 0)), H(1));
    //  52 weeks from a Monday in UTC: 52 x 45 h; and 50 years go quickly
    EQ(kpi_shift_ms(&day, "UTC", KH_FROM, KH_FROM + 364 * H(24)), 52 * H(45));
    assert_true(kpi_shift_ms(&night, "Europe/Berlin", 0, KH_FROM) > 0);
}

//  ---------------------------------------------------------------------
//  The whole period (no grouping). Facts per job, read off kpi_history.h:
//
//  job tier  assign(s)        arrive(s)          assign-by  arrive-by  FTF            rating
//  J1  std   08:00->08:05 300 ->09:00 3600       kept       kept       no (X1 +18d)   5
//  J2  prio  09:00->09:20 1200 ->13:30 16200     missed     missed     no (J7 +3d)    2
//  J3  std   10:00->10:11 660 ->14:30 16200      kept       kept       yes (X2 +46d)  4
//  J4  std   11:00->13:00 7200 ->14:00 10800     missed     kept       yes            -
//  J5  std   08:00->08:03 180 ->08:40 2400       kept       kept       (no serial)    5
//  J6  prio  never (cancelled 10:30)             missed(*)  void(**)   (cancelled)    -
//  J7  std   09:00->09:05 300 ->10:00 3600       kept       kept       yes            -
//  J8  prio  12:00->12:10 600 ->15:50 13800      kept       kept       (open)         -
//  J9  std   never (escalated, open)             missed     missed     (open)         -
//  J10 std   10:00->10:02 120 ->12:30 9000       kept       kept       yes            3
//  (*) cancelled at 10:30, after assign-by 10:15; (**) before arrive-by 14:00
static void test_total(void **state)
{
    (void)state;
    kpi_report r;
    s_report(KPI_BY_ALL, &r);
    const kpi_group *g = &r.total;
    assert_int_equal(r.n_groups, 0);
    assert_string_equal(g->key, "all");
    EQ(r.window_from, KH_FROM);
    EQ(r.window_to, KH_TO);

    EQ(g->requests, 10);     //  J1..J10; X0 (22 March), X1, X2 are outside
    EQ(g->completed, 7);     //  J1 J2 J3 J4 J5 J7 J10
    EQ(g->cancelled, 1);     //  J6
    EQ(g->open, 2);          //  J8 on hold, J9 escalated (J7 completed is done)
    EQ(g->escalations, 3);   //  J4 J6 J9
    EQ(g->reassignments, 2); //  J4 (escalated -> T1), J10 (T3 -> T1)

    //  assign: 120 180 300 300 600 660 1200 7200 (n 8): p50 rank 4, p90 rank ceil(7.2) = 8
    EQ(g->assign_n, 8);
    EQ(g->assign_p50_s, 300);
    EQ(g->assign_p90_s, 7200);
    //  arrive: 2400 3600 3600 9000 10800 13800 16200 16200: rank 4, rank 8
    EQ(g->arrive_n, 8);
    EQ(g->arrive_p50_s, 9000);
    EQ(g->arrive_p90_s, 16200);

    //  assign-by judged 10, kept 6 (J1 J3 J5 J7 J8 J10);
    //  arrive-by judged 9 (J6 void), kept 7 (all but J2, J9); no fix-by
    EQ(g->sla_judged[KPI_ASSIGN_BY], 10);
    EQ(g->sla_kept[KPI_ASSIGN_BY], 6);
    EQ(g->sla_judged[KPI_ARRIVE_BY], 9);
    EQ(g->sla_kept[KPI_ARRIVE_BY], 7);
    EQ(g->sla_judged[KPI_FIX_BY], 0);
    EQ(g->sla_judged_all, 19);
    EQ(g->sla_kept_all, 13);
    PCT(g->sla_kept_pct, "68.4"); //  13 / 19 = 68.42 %
    EQ(g->sla_pending, 0);

    //  completed with a serial: J1 J2 (repeats), J3 J4 J7 J10 (fixed): 4 / 6
    EQ(g->ftf_judged, 6);
    EQ(g->ftf_fixed, 4);
    PCT(g->ftf_pct, "66.7");
    EQ(g->ftf_pending, 0);

    //  offers: J1 1, J2 3, J3 1, J4 2, J5 1, J6 1, J7 1, J8 1, J9 2, J10 1 = 14
    EQ(g->offers, 14);
    //  declines: J2 too_far, J4 no_parts + not_my_skill, J9 off_shift = 4 / 14
    EQ(g->declines, 4);
    PCT(g->decline_rate_pct, "28.6");
    EQ(g->declines_by[DR_TOO_FAR], 1);
    EQ(g->declines_by[DR_NO_PARTS], 1);
    EQ(g->declines_by[DR_NOT_MY_SKILL], 1);
    EQ(g->declines_by[DR_OFF_SHIFT], 1);
    EQ(g->declines_by[DR_OTHER], 0);
    //  expiries: J2 T1 and J9 T1 timed out, J6 T3 went offline = 3 / 14
    EQ(g->expiries, 3);
    PCT(g->expiry_rate_pct, "21.4");
    EQ(g->expiries_by[KPI_EXPIRY_TIMEOUT], 2);
    EQ(g->expiries_by[KPI_EXPIRY_OFFLINE], 1);

    //  busy (en_route/on_site, on shift only): T1 J1 1.5 h + J4 1.5 h +
    //  J7 (1 + 1.5) h + J10 0 (Saturday: T1 works Mon-Fri) = 5.5 h; T2 J2
    //  5 h + J3 2 h + J8 3 h 40 m (12:20 to 16:00 UTC, when T2's shift
    //  ends at 17:00 Berlin; the last 30 minutes are off shift) = 10 h 40 m;
    //  T3 J5 1.5 h; T4 0: 17 h 40 m = 63600 s.
    //  On shift 45 + 45 + 45 + 56 = 191 h = 687600 s: 9.25 %
    EQ(g->busy_ms, 63600000);
    EQ(g->shift_ms, H(191));
    PCT(g->utilisation_pct, "9.2");
    PCT(g->fleet_share_pct, "9.2");

    //  ratings 5 2 4 5 3: three of five are 4-5; mean 19 / 5
    EQ(g->ratings, 5);
    EQ(g->ratings_good, 3);
    PCT(g->csat_pct, "60.0");
    AVG(g->rating_avg, "3.80");

    EQ(g->at_risk, 3);           //  J2 J4 J8
    EQ(g->breached, 3);          //  J2 J4 J9
    EQ(g->goodwill, 1);          //  J5
    EQ(g->fees_waived, 1);       //  J3
    EQ(g->waivers_requested, 1); //  J8
    kpi_report_free(&r);
}

//  By territory (the job's; utilisation of the technicians based there).
static void test_by_territory(void **state)
{
    (void)state;
    kpi_report r;
    s_report(KPI_BY_TERRITORY, &r);
    assert_string_equal(s_keys(&r), "nord,sued,west");
    EQ(r.total.requests, 10);

    //  nord: J1 J2 J7 J9
    const kpi_group *g = s_group(&r, "nord");
    EQ(g->requests, 4);
    EQ(g->completed, 3);
    EQ(g->open, 1); //  J9
    EQ(g->escalations, 1);
    EQ(g->reassignments, 0);
    EQ(g->assign_n, 3); //  300 300 1200: rank 2, rank ceil(2.7) = 3
    EQ(g->assign_p50_s, 300);
    EQ(g->assign_p90_s, 1200);
    EQ(g->arrive_p50_s, 3600); //  3600 3600 16200
    EQ(g->arrive_p90_s, 16200);
    //  assign-by J1 k, J2 m, J7 k, J9 m; arrive-by the same: 4 / 8
    EQ(g->sla_judged_all, 8);
    EQ(g->sla_kept_all, 4);
    PCT(g->sla_kept_pct, "50.0");
    EQ(g->ftf_judged, 3); //  J1 no, J2 no, J7 yes
    PCT(g->ftf_pct, "33.3");
    EQ(g->offers, 7);   //  1 + 3 + 1 + 2
    EQ(g->declines, 2); //  J2 too_far, J9 off_shift: 2 / 7
    PCT(g->decline_rate_pct, "28.6");
    EQ(g->expiries, 2); //  J2, J9 timeouts
    EQ(g->expiries_by[KPI_EXPIRY_TIMEOUT], 2);
    //  technicians based in nord: T1 (busy 5.5 h on shift) and T4 (none),
    //  on shift 45 + 56 h: 19800 / 363600 s = 5.45 %
    EQ(g->busy_ms, H(11) / 2);
    EQ(g->shift_ms, H(101));
    PCT(g->utilisation_pct, "5.4");
    EQ(g->ratings, 2); //  5 and 2
    PCT(g->csat_pct, "50.0");
    AVG(g->rating_avg, "3.50");
    EQ(g->at_risk, 1);
    EQ(g->breached, 2); //  J2, J9

    //  sued: J3 J4 J8
    g = s_group(&r, "sued");
    EQ(g->requests, 3);
    EQ(g->completed, 2);
    EQ(g->open, 1);        //  J8
    EQ(g->escalations, 1); //  J4
    EQ(g->reassignments, 1);
    EQ(g->assign_p50_s, 660); //  600 660 7200
    EQ(g->assign_p90_s, 7200);
    EQ(g->arrive_p50_s, 13800); //  10800 13800 16200
    EQ(g->arrive_p90_s, 16200);
    //  assign-by J3 k, J4 m, J8 k; arrive-by all kept: 5 / 6
    EQ(g->sla_judged_all, 6);
    PCT(g->sla_kept_pct, "83.3");
    EQ(g->ftf_judged, 2); //  J3, J4 both fixed
    PCT(g->ftf_pct, "100.0");
    EQ(g->offers, 4);
    EQ(g->declines, 2); //  J4's two: 2 / 4
    PCT(g->decline_rate_pct, "50.0");
    EQ(g->expiries, 0);
    //  T2: 10 h 40 m = 38400 s of 45 h = 162000 s
    EQ(g->busy_ms, 38400000);
    PCT(g->utilisation_pct, "23.7");
    EQ(g->ratings, 1);
    AVG(g->rating_avg, "4.00");
    EQ(g->fees_waived, 1);
    EQ(g->waivers_requested, 1);
    EQ(g->at_risk, 2); //  J4, J8

    //  west: J5 J6 J10
    g = s_group(&r, "west");
    EQ(g->requests, 3);
    EQ(g->completed, 2);
    EQ(g->cancelled, 1);
    EQ(g->assign_p50_s, 120); //  120 180: rank 1, rank ceil(1.8) = 2
    EQ(g->assign_p90_s, 180);
    EQ(g->arrive_p50_s, 2400);
    EQ(g->arrive_p90_s, 9000);
    //  assign-by J5 k, J6 m, J10 k; arrive-by J5 k, J10 k (J6 void): 4 / 5
    EQ(g->sla_judged_all, 5);
    PCT(g->sla_kept_pct, "80.0");
    EQ(g->ftf_judged, 1); //  J10 (J5 has no serial)
    EQ(g->offers, 3);
    EQ(g->expiries_by[KPI_EXPIRY_OFFLINE], 1);
    PCT(g->expiry_rate_pct, "33.3");
    //  T3 alone: J5's 1.5 h of 45 h (J10's work was T1's, based in nord)
    EQ(g->busy_ms, 5400000);
    PCT(g->utilisation_pct, "3.3");
    EQ(g->goodwill, 1);
    PCT(g->csat_pct, "50.0"); //  5 and 3
    kpi_report_free(&r);
}

//  By agent: the job's provider; offers for the offered technician's.
static void test_by_agent(void **state)
{
    (void)state;
    kpi_report r;
    s_report(KPI_BY_AGENT, &r);
    assert_string_equal(s_keys(&r), "-,P-A,P-B");

    //  "-": J6 and J9, nobody holds them
    const kpi_group *g = s_group(&r, "-");
    EQ(g->requests, 2);
    EQ(g->assign_n, 0);
    EQ(g->escalations, 2);
    EQ(g->sla_judged_all, 3); //  J6 assign-by, J9 both; none kept
    EQ(g->sla_kept_all, 0);
    EQ(g->offers, 0); //  every offer went to someone's technician
    EQ(g->shift_ms, 0);

    //  P-A: J1 J2 J3 J4 J7 J8 J10
    g = s_group(&r, "P-A");
    EQ(g->requests, 7);
    EQ(g->completed, 6);
    EQ(g->reassignments, 2);
    //  120 300 300 600 660 1200 7200 (n 7): p50 rank 4, p90 rank ceil(6.3) = 7
    EQ(g->assign_p50_s, 600);
    EQ(g->assign_p90_s, 7200);
    //  3600 3600 9000 10800 13800 16200 16200
    EQ(g->arrive_p50_s, 10800);
    EQ(g->arrive_p90_s, 16200);
    //  assign-by missed by J2, J4; arrive-by by J2: 11 / 14
    EQ(g->sla_judged_all, 14);
    EQ(g->sla_kept_all, 11);
    PCT(g->sla_kept_pct, "78.6");
    EQ(g->ftf_judged, 6);
    PCT(g->ftf_pct, "66.7");
    //  offers to T1 or T2: J1 T1, J2 T1 T2, J3 T2, J4 T2 T1, J7 T1, J8 T2,
    //  J9 T1 = 9; declined J4 T2 no_parts, J4 T1 not_my_skill; lapsed
    //  J2 T1, J9 T1
    EQ(g->offers, 9);
    EQ(g->declines, 2);
    PCT(g->decline_rate_pct, "22.2");
    EQ(g->declines_by[DR_NO_PARTS], 1);
    EQ(g->declines_by[DR_NOT_MY_SKILL], 1);
    EQ(g->expiries, 2);
    PCT(g->expiry_rate_pct, "22.2");
    //  T1 + T2: 5.5 h + 10 h 40 m = 58200 s of 90 h = 324000 s
    EQ(g->busy_ms, 58200000);
    EQ(g->shift_ms, H(90));
    PCT(g->utilisation_pct, "18.0");
    EQ(g->ratings, 4); //  5 2 4 3
    PCT(g->csat_pct, "50.0");
    AVG(g->rating_avg, "3.50");
    EQ(g->at_risk, 3);
    EQ(g->breached, 2);

    //  P-B: J5; offers to T3 or T4: J2 T4, J5 T3, J6 T3, J9 T4, J10 T3 = 5
    g = s_group(&r, "P-B");
    EQ(g->requests, 1);
    EQ(g->assign_p50_s, 180);
    EQ(g->assign_p90_s, 180);
    EQ(g->sla_judged_all, 2);
    PCT(g->sla_kept_pct, "100.0");
    EQ(g->ftf_judged, 0); //  J5 has no serial
    EQ(g->offers, 5);
    EQ(g->declines, 2); //  T4: too_far (J2), off_shift (J9)
    PCT(g->decline_rate_pct, "40.0");
    EQ(g->declines_by[DR_TOO_FAR], 1);
    EQ(g->declines_by[DR_OFF_SHIFT], 1);
    EQ(g->expiries, 1); //  T3 offline (J6)
    EQ(g->expiries_by[KPI_EXPIRY_OFFLINE], 1);
    PCT(g->expiry_rate_pct, "20.0");
    //  T3 + T4: 1.5 h of 45 + 56 h: 5400 / 363600 s
    EQ(g->busy_ms, 5400000);
    EQ(g->shift_ms, H(101));
    PCT(g->utilisation_pct, "1.5");
    AVG(g->rating_avg, "5.00");
    EQ(g->goodwill, 1);

    //  the groups add up
    EQ(r.groups[0].requests + r.groups[1].requests + r.groups[2].requests, 10);
    EQ(r.groups[0].offers + r.groups[1].offers + r.groups[2].offers, 14);
    kpi_report_free(&r);
}

//  By warranty: busy time on the group's jobs over everyone's shifts, a
//  share of fleet time (no utilisation: a warranty has no shift).
static void test_by_warranty(void **state)
{
    (void)state;
    kpi_report r;
    s_report(KPI_BY_WARRANTY, &r);
    assert_string_equal(s_keys(&r), "expired,extended,in_warranty,unregistered");

    //  in_warranty: J1 J4 J6 J9
    const kpi_group *g = s_group(&r, "in_warranty");
    EQ(g->requests, 4);
    EQ(g->escalations, 3);
    EQ(g->assign_p50_s, 300); //  300 7200
    EQ(g->assign_p90_s, 7200);
    //  assign-by J1 k, J4 m, J6 m, J9 m; arrive-by J1 k, J4 k, J9 m: 3 / 7
    EQ(g->sla_judged_all, 7);
    EQ(g->sla_kept_all, 3);
    PCT(g->sla_kept_pct, "42.9");
    EQ(g->ftf_judged, 2); //  J1 no, J4 yes
    PCT(g->ftf_pct, "50.0");
    EQ(g->offers, 6);
    EQ(g->declines, 3); //  J4 x2, J9
    PCT(g->decline_rate_pct, "50.0");
    EQ(g->expiries, 2); //  J6 offline, J9 timeout
    PCT(g->expiry_rate_pct, "33.3");
    //  J1 1.5 h + J4 1.5 h = 10800 s of 687600 s
    EQ(g->busy_ms, 10800000);
    EQ(g->shift_ms, H(191));
    PCT(g->fleet_share_pct, "1.6");
    EQ(g->utilisation_pct, 0);

    //  extended: J2 J7
    g = s_group(&r, "extended");
    EQ(g->requests, 2);
    EQ(g->assign_p50_s, 300); //  300 1200
    EQ(g->assign_p90_s, 1200);
    EQ(g->arrive_p50_s, 3600); //  3600 16200
    EQ(g->arrive_p90_s, 16200);
    PCT(g->sla_kept_pct, "50.0");     //  J2 misses both, J7 keeps both
    PCT(g->ftf_pct, "50.0");          //  J2 no, J7 yes
    PCT(g->decline_rate_pct, "25.0"); //  1 of 4
    PCT(g->expiry_rate_pct, "25.0");
    EQ(g->busy_ms, 27000000); //  J2 5 h + J7 2.5 h
    PCT(g->fleet_share_pct, "3.9");
    PCT(g->csat_pct, "0.0"); //  a 2
    AVG(g->rating_avg, "2.00");

    //  expired: J3 J8 J10
    g = s_group(&r, "expired");
    EQ(g->requests, 3);
    EQ(g->assign_p50_s, 600); //  120 600 660
    EQ(g->assign_p90_s, 660);
    EQ(g->arrive_p50_s, 13800); //  9000 13800 16200
    PCT(g->sla_kept_pct, "100.0");
    PCT(g->ftf_pct, "100.0");
    EQ(g->busy_ms, 20400000); //  J3 2 h + J8 3 h 40 m + J10 0 (off shift)
    PCT(g->fleet_share_pct, "3.0");
    PCT(g->csat_pct, "50.0"); //  4 and 3
    AVG(g->rating_avg, "3.50");

    //  unregistered: J5
    g = s_group(&r, "unregistered");
    EQ(g->requests, 1);
    EQ(g->ftf_judged, 0);
    EQ(g->busy_ms, 5400000);
    PCT(g->fleet_share_pct, "0.8");

    //  the groups' busy time adds up to the total's
    int64_t busy = 0;
    for (size_t i = 0; i < r.n_groups; i++)
        busy += r.groups[i].busy_ms;
    EQ(busy, r.total.busy_ms);
    kpi_report_free(&r);
}

//  By customer tier.
static void test_by_tier(void **state)
{
    (void)state;
    kpi_report r;
    s_report(KPI_BY_TIER, &r);
    assert_string_equal(s_keys(&r), "priority,standard");

    //  priority: J2 J6 J8
    const kpi_group *g = s_group(&r, "priority");
    EQ(g->requests, 3);
    EQ(g->assign_p50_s, 600); //  600 1200
    EQ(g->assign_p90_s, 1200);
    EQ(g->arrive_p50_s, 13800); //  13800 16200
    EQ(g->arrive_p90_s, 16200);
    //  assign-by J2 m, J6 m, J8 k; arrive-by J2 m, J8 k: 2 / 5
    EQ(g->sla_judged_all, 5);
    PCT(g->sla_kept_pct, "40.0");
    PCT(g->ftf_pct, "0.0"); //  J2 had a repeat
    EQ(g->offers, 5);
    PCT(g->decline_rate_pct, "20.0");
    PCT(g->expiry_rate_pct, "40.0"); //  J2 timeout, J6 offline
    EQ(g->busy_ms, 31200000);        //  J2 5 h + J8 3 h 40 m
    PCT(g->fleet_share_pct, "4.5");
    EQ(g->utilisation_pct, 0);

    //  standard: J1 J3 J4 J5 J7 J9 J10
    g = s_group(&r, "standard");
    EQ(g->requests, 7);
    //  120 180 300 300 660 7200 (n 6): rank 3, rank ceil(5.4) = 6
    EQ(g->assign_p50_s, 300);
    EQ(g->assign_p90_s, 7200);
    //  2400 3600 3600 9000 10800 16200
    EQ(g->arrive_p50_s, 3600);
    EQ(g->arrive_p90_s, 16200);
    EQ(g->sla_judged_all, 14); //  missed: J4 and J9 assign-by, J9 arrive-by
    PCT(g->sla_kept_pct, "78.6");
    EQ(g->ftf_judged, 5); //  J1 no; J3 J4 J7 J10 yes
    PCT(g->ftf_pct, "80.0");
    EQ(g->offers, 9);
    PCT(g->decline_rate_pct, "33.3");
    PCT(g->expiry_rate_pct, "11.1");
    EQ(g->busy_ms, H(9)); //  J1 1.5 J3 2 J4 1.5 J5 1.5 J7 2.5 J10 0 (off shift)
    PCT(g->fleet_share_pct, "4.7");
    PCT(g->csat_pct, "75.0"); //  5 4 5 3
    AVG(g->rating_avg, "4.25");
    kpi_report_free(&r);
}

//  By technician: T4 has no job but offers, declines and a shift.
static void test_by_technician(void **state)
{
    (void)state;
    kpi_report r;
    s_report(KPI_BY_TECHNICIAN, &r);
    assert_string_equal(s_keys(&r), "-,T1,T2,T3,T4");
    const kpi_group *g = s_group(&r, "T1");
    EQ(g->requests, 4); //  J1 J4 J7 J10
    EQ(g->offers, 5);   //  J1, J2, J4, J7, J9
    EQ(g->declines, 1); //  J4 not_my_skill
    EQ(g->expiries, 2); //  J2, J9
    EQ(g->busy_ms, H(11) / 2);
    PCT(g->utilisation_pct, "12.2"); //  5.5 of 45 h
    g = s_group(&r, "T4");
    EQ(g->requests, 0);
    EQ(g->offers, 2);
    EQ(g->declines, 2);
    PCT(g->decline_rate_pct, "100.0");
    EQ(g->shift_ms, H(56));
    PCT(g->utilisation_pct, "0.0");
    kpi_report_free(&r);
}

//  ---------------------------------------------------------------------
//  Near "now": pending deadlines and first-time fixes, fix-by, the 30-day
//  boundary, and an open-ended period.

#define D(n) ((int64_t)(n)*86400000LL)
#define T0 KH_BASE

static const kpi_event s_done_ev[] = {
    //  created T0, completed T0 + 2 h
    { T0, "desk", 0, JS_NEW, "", "" },
    { T0 + H(1) / 2, "T1", JS_NEW, JS_ASSIGNED, "T1", "reassigned to T1: direct" },
    { T0 + H(1), "T1", JS_ASSIGNED, JS_EN_ROUTE, "T1", "" },
    { T0 + H(3) / 2, "T1", JS_EN_ROUTE, JS_ON_SITE, "T1", "" },
    { T0 + H(2), "T1", JS_ON_SITE, JS_COMPLETED, "T1", "" },
};
static const kpi_event s_open_ev[] = {
    //  created T0, on the way since T0 + 1 h
    { T0, "desk", 0, JS_NEW, "", "" },
    { T0 + H(1) / 2, "T1", JS_NEW, JS_ASSIGNED, "T1", "reassigned to T1: direct" },
    { T0 + H(1), "T1", JS_ASSIGNED, JS_EN_ROUTE, "T1", "" },
};

static void test_near_now(void **state)
{
    (void)state;
    kpi_job jobs[] = {
        //  A: completed, fix-by T0 + 3 h kept; no repeat, 10 days later: pending
        { "A", "nord", "P-A", "T1", "standard", "SA", WS_EXPIRED, JS_COMPLETED, T0, T0 + H(1), T0 + H(4),
          T0 + H(3), 0, s_done_ev, 5, NULL, 0, "UTC" },
        //  B: the same, fix-by T0 + 1 h missed; repeat C 5 days later:
        //  still pending while its 30 days are not over
        { "B", "nord", "P-A", "T1", "standard", "SB", WS_EXPIRED, JS_COMPLETED, T0, T0 + H(1), T0 + H(4),
          T0 + H(1), 0, s_done_ev, 5, NULL, 0, "UTC" },
        { "C", "nord", "", "", "standard", "SB", WS_EXPIRED, JS_NEW, T0 + D(5), T0 + D(5) + H(1), T0 + D(6),
          0, 0, NULL, 0, NULL, 0, "UTC" },
        //  E: en route since T0 + 1 h; arrive-by T0 + 30 days still ahead
        { "E", "sued", "P-A", "T1", "standard", "", WS_EXPIRED, JS_EN_ROUTE, T0, T0 + H(1), T0 + D(30), 0, 0,
          s_open_ev, 3, NULL, 0, "UTC" },
    };
    kpi_tech techs[] = { { "T1", "P-A", "nord", "24h", "UTC", 0, 0 } };
    //  open period (from 0, to 0) seen at T0 + 10 days
    kpi_query q = { 0, 0, T0 + D(10), KPI_BY_ALL };
    kpi_report r;
    assert_int_equal(kpi_compute(&q, jobs, 4, techs, 1, &r), 0);
    const kpi_group *g = &r.total;
    EQ(g->requests, 4);
    //  window: the first creation (T0) to now (T0 + 10 d): E is still on
    //  the way, so time is still passing for the report
    EQ(r.window_from, T0);
    EQ(r.window_to, T0 + D(10));
    //  A and B pending (B's repeat C is not judged before B's 30 days are
    //  over: judged early, a recent period shows only failures), C and E
    //  not completed
    EQ(g->ftf_judged, 0);
    EQ(g->ftf_fixed, 0);
    EQ(g->ftf_pending, 2);
    //  fix-by: A kept (2 h <= 3 h), B missed (2 h > 1 h)
    EQ(g->sla_judged[KPI_FIX_BY], 2);
    EQ(g->sla_kept[KPI_FIX_BY], 1);
    //  C: assign-by T0 + 5 d + 1 h passed (missed), arrive-by T0 + 6 d passed
    //  (missed); E: assign-by kept, arrive-by pending
    EQ(g->sla_judged[KPI_ASSIGN_BY], 4);
    EQ(g->sla_kept[KPI_ASSIGN_BY], 3);
    EQ(g->sla_judged[KPI_ARRIVE_BY], 3);
    EQ(g->sla_kept[KPI_ARRIVE_BY], 2);
    EQ(g->sla_pending, 1);
    //  busy: T1 works A and B at the same time (T0 + 1 h .. T0 + 2 h) while
    //  already en route to E (T0 + 1 h until now): one span, 10 d - 1 h,
    //  not the 10 d + 1 h the three intervals add up to (over 100 %)
    EQ(g->busy_ms, D(10) - H(1));
    EQ(g->shift_ms, D(10));
    assert_true(g->utilisation_pct <= 100.0);
    EQ(g->reassignments, 3);
    kpi_report_free(&r);

    //  30 days later A is fixed first time
    q.now = T0 + H(2) + D(30);
    assert_int_equal(kpi_compute(&q, jobs, 4, techs, 1, &r), 0);
    EQ(r.total.ftf_judged, 2);
    EQ(r.total.ftf_fixed, 1);
    EQ(r.total.ftf_pending, 0);
    kpi_report_free(&r);

    //  the boundary: a repeat exactly 30 days after completion counts,
    //  one a millisecond later does not
    jobs[2].created_at = T0 + H(2) + D(30);
    q.now = T0 + D(60);
    q.to = T0 + D(1);
    assert_int_equal(kpi_compute(&q, jobs, 4, techs, 1, &r), 0);
    EQ(r.total.requests, 3);  //  C is outside [0, T0 + 1 d)
    EQ(r.total.ftf_fixed, 1); //  A yes, B no
    kpi_report_free(&r);
    jobs[2].created_at = T0 + H(2) + D(30) + 1;
    assert_int_equal(kpi_compute(&q, jobs, 4, techs, 1, &r), 0);
    EQ(r.total.ftf_fixed, 2);
    kpi_report_free(&r);
}

//  ---------------------------------------------------------------------
//  Utilisation is a technician's busy time (the union of its en-route and
//  on-site spans, on shift only) over its shift time.

//  Two jobs of one technician, each en route then on site, overlapping.
static const kpi_event s_over_a[] = {
    { T0, "desk", 0, JS_NEW, "", "" },
    { T0 + H(1), "T1", JS_NEW, JS_ASSIGNED, "T1", "accepted" },
    { T0 + H(8), "T1", JS_ASSIGNED, JS_EN_ROUTE, "T1", "" },
    { T0 + H(10), "T1", JS_EN_ROUTE, JS_ON_SITE, "T1", "" },
    { T0 + H(12), "T1", JS_ON_SITE, JS_COMPLETED, "T1", "" },
};
static const kpi_event s_over_b[] = {
    { T0, "desk", 0, JS_NEW, "", "" },
    { T0 + H(1), "T1", JS_NEW, JS_ASSIGNED, "T1", "accepted" },
    { T0 + H(9), "T1", JS_ASSIGNED, JS_EN_ROUTE, "T1", "" },
    { T0 + H(11), "T1", JS_EN_ROUTE, JS_ON_SITE, "T1", "" },
    { T0 + H(20), "T1", JS_ON_SITE, JS_COMPLETED, "T1", "" },
};

//  Overlapping jobs count once, time off shift not at all, never over
//  100 %. Monday T0 (UTC): T1 works 08:00-17:00 UTC; A is busy 08-12, B
//  09-20: together 08-20, of which 08-17 on shift = 9 h of a 9 h shift.
//  The old sum was 4 h + 11 h = 15 h: 166 %.
static void test_utilisation_union(void **state)
{
    (void)state;
    kpi_job jobs[] = {
        { "A", "nord", "P-A", "T1", "standard", "", WS_EXPIRED, JS_COMPLETED, T0, T0 + H(1), T0 + H(24), 0, 0,
          s_over_a, 5, NULL, 0, "UTC" },
        { "B", "nord", "P-A", "T1", "priority", "", WS_EXPIRED, JS_COMPLETED, T0, T0 + H(1), T0 + H(24), 0, 0,
          s_over_b, 5, NULL, 0, "UTC" },
    };
    kpi_tech techs[] = { { "T1", "P-A", "nord", "Mon-Fri 08:00-17:00", "UTC", 0, 0 } };
    kpi_query q = { T0, T0 + D(1), T0 + D(40), KPI_BY_TECHNICIAN };
    kpi_report r;
    assert_int_equal(kpi_compute(&q, jobs, 2, techs, 1, &r), 0);
    EQ(r.total.shift_ms, H(9));
    EQ(r.total.busy_ms, H(9));
    PCT(r.total.utilisation_pct, "100.0");
    const kpi_group *g = s_group(&r, "T1");
    EQ(g->busy_ms, H(9));
    PCT(g->utilisation_pct, "100.0");
    kpi_report_free(&r);

    //  by tier each job's own time is a share of the fleet's, not a
    //  utilisation: A 4 h, B 9 h (09-17) of the fleet's 9 h
    q.by = KPI_BY_TIER;
    assert_int_equal(kpi_compute(&q, jobs, 2, techs, 1, &r), 0);
    g = s_group(&r, "standard");
    EQ(g->busy_ms, H(4));
    PCT(g->fleet_share_pct, "44.4");
    EQ(g->utilisation_pct, 0);
    g = s_group(&r, "priority");
    EQ(g->busy_ms, H(8));
    PCT(g->fleet_share_pct, "88.9");
    EQ(g->utilisation_pct, 0);
    PCT(r.total.utilisation_pct, "100.0");
    kpi_report_free(&r);
}

//  Without --to, a report seen later, with nothing new in the log, is the
//  same report: the window ends at the last event, not at now.
static void test_no_drift(void **state)
{
    (void)state;
    kpi_job jobs[] = {
        { "A", "nord", "P-A", "T1", "standard", "", WS_EXPIRED, JS_COMPLETED, T0, T0 + H(1), T0 + H(24), 0, 0,
          s_over_a, 5, NULL, 0, "UTC" },
    };
    kpi_tech techs[] = { { "T1", "P-A", "nord", "Mon-Fri 08:00-17:00", "UTC", 0, 0 } };
    kpi_query q = { 0, 0, T0 + D(2), KPI_BY_ALL };
    kpi_report a, b;
    assert_int_equal(kpi_compute(&q, jobs, 1, techs, 1, &a), 0);
    q.now = T0 + D(9);
    assert_int_equal(kpi_compute(&q, jobs, 1, techs, 1, &b), 0);
    EQ(a.window_from, T0);
    EQ(a.window_to, T0 + H(12)); //  A's completion, its last event
    EQ(b.window_to, a.window_to);
    EQ(b.total.shift_ms, a.total.shift_ms);
    EQ(a.total.shift_ms, H(4)); //  08:00-12:00 on shift in the window
    EQ(a.total.busy_ms, H(4));
    EQ(b.total.utilisation_pct, a.total.utilisation_pct);
    kpi_report_free(&a);
    kpi_report_free(&b);
}

//  A technician counts on shift only from when it existed: T2, loaded on
//  Wednesday, has no Monday or Tuesday hours.
static void test_shift_since(void **state)
{
    (void)state;
    kpi_tech techs[] = {
        { "T1", "P-A", "nord", "Mon-Fri 08:00-17:00", "UTC", 0, 0 },
        { "T2", "P-A", "nord", "Mon-Fri 08:00-17:00", "UTC", T0 + D(2), 0 },
        { "T3", "P-A", "nord", "Mon-Fri 08:00-17:00", "UTC", 0, T0 + D(1) },
    };
    kpi_query q = { T0, T0 + D(7), T0 + D(40), KPI_BY_TECHNICIAN };
    kpi_report r;
    assert_int_equal(kpi_compute(&q, NULL, 0, techs, 3, &r), 0);
    EQ(s_group(&r, "T1")->shift_ms, H(45));
    EQ(s_group(&r, "T2")->shift_ms, H(27)); //  Wednesday to Friday
    EQ(s_group(&r, "T3")->shift_ms, H(9));  //  gone after Monday
    EQ(r.total.shift_ms, H(81));
    kpi_report_free(&r);
}

//  No jobs at all: zeros, no groups, nothing undefined computed.
//  By hour: a job belongs to the hour of its creation in its territory's
//  zone. nord and sued are Berlin (CET, UTC+1, until 29 March 01:00 UTC),
//  west is London (GMT, UTC+0, the same day): J1 08:00 UTC in nord is
//  09; J5 08:00 UTC in west is 08; J2 J6 J7 J10 are 10 (J6 and J10 in
//  west at 10:00 UTC, J2 and J7 in nord at 09:00 UTC).
static void test_by_hour(void **state)
{
    (void)state;
    kpi_report r;
    s_report(KPI_BY_HOUR, &r);
    assert_string_equal(s_keys(&r),
                        "00,01,02,03,04,05,06,07,08,09,10,11,12,13,14,15,16,17,18,19,20,21,22,23");
    EQ(s_group(&r, "08")->requests, 1); //  J5
    EQ(s_group(&r, "08")->assign_p50_s, 180);
    EQ(s_group(&r, "08")->arrive_p50_s, 2400);
    EQ(s_group(&r, "09")->requests, 1); //  J1
    EQ(s_group(&r, "09")->assign_p50_s, 300);
    EQ(s_group(&r, "09")->arrive_p90_s, 3600);
    EQ(s_group(&r, "10")->requests, 4); //  J2 J6 J7 J10
    EQ(s_group(&r, "11")->requests, 1); //  J3 (sued 10:00 UTC)
    EQ(s_group(&r, "12")->requests, 1); //  J4
    EQ(s_group(&r, "13")->requests, 1); //  J8
    EQ(s_group(&r, "17")->requests, 1); //  J9 (nord 16:00 UTC)
    EQ(s_group(&r, "03")->requests, 0); //  an hour without jobs is there, empty
    EQ(s_group(&r, "03")->assign_p50_s, 0);
    uint64_t sum = 0;
    for (size_t i = 0; i < r.n_groups; i++) {
        sum += r.groups[i].requests;
        EQ(r.groups[i].utilisation_pct, 0); //  a job grouping: no utilisation
    }
    EQ(sum, 10);
    EQ(r.total.requests, 10);
    kpi_report_free(&r);

    //  near midnight and across zones: the same instant is 00:30 in
    //  Berlin (CEST, after the change on 29 March) and 23:30 in London
    //  (BST); 22:59 and 23:00 UTC on 23 March are 23:59 and 00:00 in
    //  Berlin (CET); a job without a zone (or an unknown one) reads UTC
    int64_t late = KH_AT(6, 22, 30);
    kpi_job jobs[] = {
        { "M1", "nord", "", "", "standard", "", WS_EXPIRED, JS_NEW, late, late + H(1), late + H(24), 0, 0,
          NULL, 0, NULL, 0, "Europe/Berlin" },
        { "M2", "west", "", "", "standard", "", WS_EXPIRED, JS_NEW, late, late + H(1), late + H(24), 0, 0,
          NULL, 0, NULL, 0, "Europe/London" },
        { "M3", "nord", "", "", "standard", "", WS_EXPIRED, JS_NEW, KH_AT(0, 22, 59), KH_AT(0, 23, 59),
          KH_AT(1, 22, 59), 0, 0, NULL, 0, NULL, 0, "Europe/Berlin" },
        { "M4", "nord", "", "", "standard", "", WS_EXPIRED, JS_NEW, KH_AT(0, 23, 0), KH_AT(1, 0, 0),
          KH_AT(1, 23, 0), 0, 0, NULL, 0, NULL, 0, "Europe/Berlin" },
        { "M5", "", "", "", "standard", "", WS_EXPIRED, JS_NEW, KH_AT(2, 23, 30), KH_AT(3, 0, 30),
          KH_AT(3, 23, 30), 0, 0, NULL, 0, NULL, 0, NULL },
        { "M6", "", "", "", "standard", "", WS_EXPIRED, JS_NEW, KH_AT(2, 0, 30), KH_AT(2, 1, 30),
          KH_AT(3, 0, 30), 0, 0, NULL, 0, NULL, 0, "Nowhere/Atlantis" },
    };
    kpi_query q = { KH_FROM, KH_TO, KH_NOW, KPI_BY_HOUR };
    assert_int_equal(kpi_compute(&q, jobs, KH_N(jobs), NULL, 0, &r), 0);
    assert_int_equal(r.n_groups, 24);
    EQ(s_group(&r, "00")->requests, 3); //  M1 M4 M6
    EQ(s_group(&r, "23")->requests, 3); //  M2 M3 M5
    EQ(s_group(&r, "01")->requests, 0);
    EQ(s_group(&r, "22")->requests, 0);
    EQ(r.total.requests, 6);
    kpi_report_free(&r);
}

static void test_empty(void **state)
{
    (void)state;
    kpi_query q = { KH_FROM, KH_TO, KH_NOW, KPI_BY_TERRITORY };
    kpi_report r;
    assert_int_equal(kpi_compute(&q, NULL, 0, NULL, 0, &r), 0);
    EQ(r.total.requests, 0);
    EQ(r.total.sla_kept_pct, 0);
    EQ(r.total.assign_p50_s, 0);
    assert_int_equal(r.n_groups, 0);
    kpi_report_free(&r);
    kpi_report_free(&r); //  harmless twice
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),         cmocka_unit_test(test_percentile),
        cmocka_unit_test(test_shift_time),    cmocka_unit_test(test_total),
        cmocka_unit_test(test_by_territory),  cmocka_unit_test(test_by_agent),
        cmocka_unit_test(test_by_warranty),   cmocka_unit_test(test_by_tier),
        cmocka_unit_test(test_by_technician), cmocka_unit_test(test_near_now),
        cmocka_unit_test(test_empty),         cmocka_unit_test(test_utilisation_union),
        cmocka_unit_test(test_no_drift),      cmocka_unit_test(test_shift_since),
        cmocka_unit_test(test_by_hour),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
