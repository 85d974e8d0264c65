/*  kpi_history.h — the fixed, hand-written event history the KPI report
    is tested on: tests/unit/test_kpi.c computes the report from these
    arrays directly, tests/tools/fsd-history.c writes them into a database
    through server/store.c for tests/integration/t_report.sh. Both check
    the same hand-computed figures (the unit test shows the arithmetic).

    The week of Monday 2026-03-23 00:00 UTC to Monday 2026-03-30 00:00 UTC
    (the period), with the change to summer time in Europe on Sunday
    2026-03-29 01:00 UTC inside it. Times below are UTC: KH_AT(day, h, m),
    day 0 = Monday 23 March.

    Territories: nord, sued (Europe/Berlin), west (Europe/London).
    Agents (providers): P-A, P-B. Technicians:
      T1  P-A  home nord  Mon-Fri 08:00-17:00 (Berlin)  on shift 45 h
      T2  P-A  home sued  Mon-Fri 08:00-17:00 (Berlin)  on shift 45 h
      T3  P-B  home west  Mon-Fri 08:00-17:00 (London)  on shift 45 h
      T4  P-B  home nord  daily 22:00-06:00   (Berlin)  on shift 56 h
    T4's 56 h: Sunday night's shift runs on Monday 00:00-05:00 UTC (5 h);
    the nights of Mon..Fri 21:00-05:00 UTC (5 x 8 h); Saturday's night
    21:00 UTC to Sunday 06:00 CEST = 04:00 UTC is 7 h (clocks go forward);
    Sunday 22:00 CEST = 20:00 UTC to the end of the period 4 h.

    Jobs J1..J10 are created in the period; X0 just before it, X1 and X2
    after it (later requests for the products of J1 and J3). Deadlines:
    standard tier assign-by +60 min, arrive-by +24 h; priority +15 min, +4 h. */
#ifndef KPI_HISTORY_H
#define KPI_HISTORY_H

#include "fsd/kpi.h"

#define KH_BASE 1774224000000LL /* 2026-03-23T00:00:00Z */
#define KH_AT(d, h, m) (KH_BASE + ((int64_t)(d)*1440 + (h)*60 + (m)) * 60000LL)
#define KH_FROM KH_BASE        /* --from 2026-03-23 */
#define KH_TO KH_AT(7, 0, 0)   /* --to 2026-03-30 */
#define KH_NOW 1795392000000LL /* 2026-11-23T00:00:00Z */
#define KH_MIN 60000LL
#define KH_HOUR (60 * KH_MIN)

static const char *const kh_territories[][3] = {
    /* id, time zone, name */
    { "nord", "Europe/Berlin", "Nord" },
    { "sued", "Europe/Berlin", "Sued" },
    { "west", "Europe/London", "West" },
};

static const kpi_tech kh_techs[] = {
    { "T1", "P-A", "nord", "Mon-Fri 08:00-17:00", "Europe/Berlin", 0, 0 },
    { "T2", "P-A", "sued", "Mon-Fri 08:00-17:00", "Europe/Berlin", 0, 0 },
    { "T3", "P-B", "west", "Mon-Fri 08:00-17:00", "Europe/London", 0, 0 },
    { "T4", "P-B", "nord", "daily 22:00-06:00", "Europe/Berlin", 0, 0 },
};

#define E(d, h, m, actor, from, to, tech, why)               \
    {                                                        \
        KH_AT(d, h, m), actor, JS_##from, JS_##to, tech, why \
    }
#define JS_NONE JOB_STATE_NONE

/* J1 nord, standard, in warranty, S1: the plain path, rated 5. */
static const kpi_event kh_j1[] = {
    E(0, 8, 0, "desk", NONE, NEW, "", "request received"),
    E(0, 8, 2, "system", NEW, OFFERED, "T1", "offered (2.0 km)"),
    E(0, 8, 5, "T1", OFFERED, ASSIGNED, "T1", "accepted"),
    E(0, 8, 30, "T1", ASSIGNED, EN_ROUTE, "T1", ""),
    E(0, 9, 0, "T1", EN_ROUTE, ON_SITE, "T1", ""),
    E(0, 10, 0, "T1", ON_SITE, COMPLETED, "T1", "replaced the drain pump"),
    E(0, 12, 0, "desk", COMPLETED, CLOSED, "T1", "rated 5/5"),
};

/* J2 nord, priority, extended, S2: declined (too far) by T4, lapsed with
   T1, taken by T2 late; arrives late (at risk, breached); rated 2. */
static const kpi_event kh_j2[] = {
    E(0, 9, 0, "desk", NONE, NEW, "", "request received"),
    E(0, 9, 1, "system", NEW, OFFERED, "T4", "offered (3.0 km)"),
    E(0, 9, 3, "T4", OFFERED, NEW, "T4", "declined: too_far"),
    E(0, 9, 4, "system", NEW, OFFERED, "T1", "offered (4.1 km)"),
    E(0, 9, 6, "system", OFFERED, NEW, "T1", "offer expired"),
    E(0, 9, 7, "system", NEW, OFFERED, "T2", "offered (6.5 km)"),
    E(0, 9, 20, "T2", OFFERED, ASSIGNED, "T2", "accepted"),
    E(0, 9, 30, "T2", ASSIGNED, EN_ROUTE, "T2", ""),
    E(0, 12, 0, "system", EN_ROUTE, EN_ROUTE, "T2",
      "at risk: arrive-by deadline in 3600s, technician T2 online"),
    E(0, 13, 0, "system", EN_ROUTE, EN_ROUTE, "T2", "breached: arrive-by 2026-03-23 13:00 UTC"),
    E(0, 13, 30, "T2", EN_ROUTE, ON_SITE, "T2", ""),
    E(0, 14, 30, "T2", ON_SITE, COMPLETED, "T2", ""),
    E(1, 10, 0, "desk", COMPLETED, CLOSED, "T2", "rated 2/5"),
};
static const kpi_decline kh_j2_declines[] = {
    { "T4", DR_TOO_FAR, false, KH_AT(0, 9, 3) },
    { "T1", DR_NONE, true, KH_AT(0, 9, 6) },
};

/* J3 sued, standard, expired, S3: fee waived, rated 4. */
static const kpi_event kh_j3[] = {
    E(1, 10, 0, "desk", NONE, NEW, "", "request received"),
    E(1, 10, 1, "system", NEW, OFFERED, "T2", "offered (1.2 km)"),
    E(1, 10, 11, "T2", OFFERED, ASSIGNED, "T2", "accepted"),
    E(1, 14, 0, "T2", ASSIGNED, EN_ROUTE, "T2", ""),
    E(1, 14, 30, "T2", EN_ROUTE, ON_SITE, "T2", ""),
    E(1, 16, 0, "T2", ON_SITE, COMPLETED, "T2", ""),
    E(1, 16, 5, "T2", COMPLETED, COMPLETED, "T2", "fee waived: 49.00 EUR call-out"),
    E(2, 9, 0, "desk", COMPLETED, CLOSED, "T2", "rated 4/5"),
};

/* J4 sued, standard, in warranty, S4: declined twice, escalated, at risk,
   breached, reassigned to T1 by the dispatcher; closed unrated. */
static const kpi_event kh_j4[] = {
    E(1, 11, 0, "desk", NONE, NEW, "", "request received"),
    E(1, 11, 2, "system", NEW, OFFERED, "T2", "offered (2.2 km)"),
    E(1, 11, 5, "T2", OFFERED, NEW, "T2", "declined: no_parts"),
    E(1, 11, 6, "system", NEW, OFFERED, "T1", "offered (8.0 km)"),
    E(1, 11, 10, "T1", OFFERED, NEW, "T1", "declined: not_my_skill"),
    E(1, 11, 11, "system", NEW, ESCALATED, "", "no eligible technician in the territory or its neighbours"),
    E(1, 11, 45, "system", ESCALATED, ESCALATED, "", "at risk: assign-by deadline in 900s"),
    E(1, 12, 0, "system", ESCALATED, ESCALATED, "", "breached: assign-by 2026-03-24 12:00 UTC"),
    E(1, 13, 0, "dana", ESCALATED, ASSIGNED, "T1", "reassigned to T1: customer called"),
    E(1, 13, 30, "T1", ASSIGNED, EN_ROUTE, "T1", ""),
    E(1, 14, 0, "T1", EN_ROUTE, ON_SITE, "T1", ""),
    E(1, 15, 0, "T1", ON_SITE, COMPLETED, "T1", ""),
    E(2, 15, 0, "system", COMPLETED, CLOSED, "T1", "closed without rating"),
};
static const kpi_decline kh_j4_declines[] = {
    { "T2", DR_NO_PARTS, false, KH_AT(1, 11, 5) },
    { "T1", DR_NOT_MY_SKILL, false, KH_AT(1, 11, 10) },
};

/* J5 west, standard, unregistered, no serial: goodwill, rated 5. */
static const kpi_event kh_j5[] = {
    E(2, 8, 0, "desk", NONE, NEW, "", "request received"),
    E(2, 8, 1, "system", NEW, OFFERED, "T3", "offered (0.8 km)"),
    E(2, 8, 3, "T3", OFFERED, ASSIGNED, "T3", "accepted"),
    E(2, 8, 5, "dana", ASSIGNED, ASSIGNED, "T3", "goodwill: long-standing customer"),
    E(2, 8, 10, "T3", ASSIGNED, EN_ROUTE, "T3", ""),
    E(2, 8, 40, "T3", EN_ROUTE, ON_SITE, "T3", ""),
    E(2, 9, 40, "T3", ON_SITE, COMPLETED, "T3", ""),
    E(2, 12, 0, "desk", COMPLETED, CLOSED, "T3", "rated 5/5"),
};

/* J6 west, priority, in warranty, S6: the offer is withdrawn (T3 went
   offline), escalated, cancelled by the customer after assign-by. */
static const kpi_event kh_j6[] = {
    E(2, 10, 0, "desk", NONE, NEW, "", "request received"),
    E(2, 10, 1, "system", NEW, OFFERED, "T3", "offered (1.5 km)"),
    E(2, 10, 5, "system", OFFERED, NEW, "T3", "offer withdrawn: technician offline"),
    E(2, 10, 6, "system", NEW, ESCALATED, "", "no eligible technician in the territory or its neighbours"),
    E(2, 10, 30, "desk", ESCALATED, CANCELLED, "", "fixed it myself"),
};
static const kpi_decline kh_j6_declines[] = {
    { "T3", DR_NONE, true, KH_AT(2, 10, 5) },
};

/* J7 nord, standard, extended, S2 (J2's product again, 3 days after J2
   was completed): on hold for parts overnight; completed, not rated. */
static const kpi_event kh_j7[] = {
    E(3, 9, 0, "desk", NONE, NEW, "", "request received"),
    E(3, 9, 1, "system", NEW, OFFERED, "T1", "offered (1.0 km)"),
    E(3, 9, 5, "T1", OFFERED, ASSIGNED, "T1", "accepted"),
    E(3, 9, 30, "T1", ASSIGNED, EN_ROUTE, "T1", ""),
    E(3, 10, 0, "T1", EN_ROUTE, ON_SITE, "T1", ""),
    E(3, 10, 30, "T1", ON_SITE, ON_HOLD, "T1", "waiting for parts"),
    E(4, 9, 0, "T1", ON_HOLD, EN_ROUTE, "T1", "parts in"),
    E(4, 9, 30, "T1", EN_ROUTE, ON_SITE, "T1", ""),
    E(4, 10, 30, "T1", ON_SITE, COMPLETED, "T1", ""),
};

/* J8 sued, priority, expired, S8: at risk, arrives just in time, waiver
   requested; on hold (still open). */
static const kpi_event kh_j8[] = {
    E(3, 12, 0, "desk", NONE, NEW, "", "request received"),
    E(3, 12, 1, "system", NEW, OFFERED, "T2", "offered (3.3 km)"),
    E(3, 12, 10, "T2", OFFERED, ASSIGNED, "T2", "accepted"),
    E(3, 12, 20, "T2", ASSIGNED, EN_ROUTE, "T2", ""),
    E(3, 15, 20, "system", EN_ROUTE, EN_ROUTE, "T2",
      "at risk: arrive-by deadline in 2400s, technician T2 online"),
    E(3, 15, 50, "T2", EN_ROUTE, ON_SITE, "T2", ""),
    E(3, 16, 20, "T2", ON_SITE, ON_SITE, "T2", "waiver requested: 120.00 EUR door seal"),
    E(3, 16, 30, "T2", ON_SITE, ON_HOLD, "T2", "waiting for parts"),
};

/* J9 nord, standard, in warranty, S9: declined (off shift) by T4, lapsed
   with T1, escalated and still waiting (open past both deadlines). */
static const kpi_event kh_j9[] = {
    E(4, 16, 0, "desk", NONE, NEW, "", "request received"),
    E(4, 16, 1, "system", NEW, OFFERED, "T4", "offered (2.4 km)"),
    E(4, 16, 5, "T4", OFFERED, NEW, "T4", "declined: off_shift"),
    E(4, 16, 6, "system", NEW, OFFERED, "T1", "offered (5.0 km)"),
    E(4, 16, 8, "system", OFFERED, NEW, "T1", "offer expired"),
    E(4, 16, 9, "system", NEW, ESCALATED, "", "no eligible technician in the territory or its neighbours"),
    E(4, 17, 0, "system", ESCALATED, ESCALATED, "", "breached: assign-by 2026-03-27 17:00 UTC"),
};
static const kpi_decline kh_j9_declines[] = {
    { "T4", DR_OFF_SHIFT, false, KH_AT(4, 16, 5) },
    { "T1", DR_NONE, true, KH_AT(4, 16, 8) },
};

/* J10 west, standard, expired, S10: T3 accepts, the dispatcher moves it
   to T1 (T3 ill); rated 3. */
static const kpi_event kh_j10[] = {
    E(5, 10, 0, "desk", NONE, NEW, "", "request received"),
    E(5, 10, 1, "system", NEW, OFFERED, "T3", "offered (0.5 km)"),
    E(5, 10, 2, "T3", OFFERED, ASSIGNED, "T3", "accepted"),
    E(5, 11, 0, "dana", ASSIGNED, ASSIGNED, "T1", "reassigned to T1: T3 ill"),
    E(5, 11, 30, "T1", ASSIGNED, EN_ROUTE, "T1", ""),
    E(5, 12, 30, "T1", EN_ROUTE, ON_SITE, "T1", ""),
    E(5, 13, 0, "T1", ON_SITE, COMPLETED, "T1", ""),
    E(5, 18, 0, "desk", COMPLETED, CLOSED, "T1", "rated 3/5"),
};

/* Outside the period: X0 just before it; X1 (S1, 18 days after J1 was
   completed) and X2 (S3, 46 days after J3 was completed) after it. */
static const kpi_event kh_x0[] = {
    E(-1, 23, 50, "desk", NONE, NEW, "", "request received"),
    E(0, 0, 10, "desk", NEW, CANCELLED, "", "cancelled"),
};
static const kpi_event kh_x1[] = {
    E(18, 8, 0, "desk", NONE, NEW, "", "request received"),
    E(18, 8, 30, "desk", NEW, CANCELLED, "", "cancelled"),
};
static const kpi_event kh_x2[] = {
    E(48, 8, 0, "desk", NONE, NEW, "", "request received"),
    E(48, 8, 30, "desk", NEW, CANCELLED, "", "cancelled"),
};

#undef E
#undef JS_NONE

#define KH_N(a) (sizeof(a) / sizeof(a)[0])
#define KH_EV(a) a, KH_N(a)
#define KH_NO_DECLINES NULL, 0

/* id, territory, provider, technician, tier, serial, warranty, state,
   created, assign-by, arrive-by, fix-by, rating, events, declines */
#define KH_ASSIGN_MIN_standard 60
#define KH_ASSIGN_MIN_priority 15
#define KH_ARRIVE_H_standard 24
#define KH_ARRIVE_H_priority 4
/* each territory's zone, as in kh_territories (the hour grouping reads it) */
#define KH_TZ_nord "Europe/Berlin"
#define KH_TZ_sued "Europe/Berlin"
#define KH_TZ_west "Europe/London"
#define KH_JOB(id, terr, prov, tech, tier, serial, w, state, created, rating, ev, dec)                    \
    {                                                                                                     \
        id, #terr, prov, tech, #tier, serial, WS_##w, JS_##state, created,                                \
            created + KH_ASSIGN_MIN_##tier *KH_MIN, created + KH_ARRIVE_H_##tier *KH_HOUR, 0, rating, ev, \
            dec, KH_TZ_##terr                                                                             \
    }

static const kpi_job kh_jobs[] = {
    KH_JOB("J1", nord, "P-A", "T1", standard, "S1", IN_WARRANTY, CLOSED, KH_AT(0, 8, 0), 5, KH_EV(kh_j1),
           KH_NO_DECLINES),
    KH_JOB("J2", nord, "P-A", "T2", priority, "S2", EXTENDED, CLOSED, KH_AT(0, 9, 0), 2, KH_EV(kh_j2),
           KH_EV(kh_j2_declines)),
    KH_JOB("J3", sued, "P-A", "T2", standard, "S3", EXPIRED, CLOSED, KH_AT(1, 10, 0), 4, KH_EV(kh_j3),
           KH_NO_DECLINES),
    KH_JOB("J4", sued, "P-A", "T1", standard, "S4", IN_WARRANTY, CLOSED, KH_AT(1, 11, 0), 0, KH_EV(kh_j4),
           KH_EV(kh_j4_declines)),
    KH_JOB("J5", west, "P-B", "T3", standard, "", UNREGISTERED, CLOSED, KH_AT(2, 8, 0), 5, KH_EV(kh_j5),
           KH_NO_DECLINES),
    KH_JOB("J6", west, "", "", priority, "S6", IN_WARRANTY, CANCELLED, KH_AT(2, 10, 0), 0, KH_EV(kh_j6),
           KH_EV(kh_j6_declines)),
    KH_JOB("J7", nord, "P-A", "T1", standard, "S2", EXTENDED, COMPLETED, KH_AT(3, 9, 0), 0, KH_EV(kh_j7),
           KH_NO_DECLINES),
    KH_JOB("J8", sued, "P-A", "T2", priority, "S8", EXPIRED, ON_HOLD, KH_AT(3, 12, 0), 0, KH_EV(kh_j8),
           KH_NO_DECLINES),
    KH_JOB("J9", nord, "", "", standard, "S9", IN_WARRANTY, ESCALATED, KH_AT(4, 16, 0), 0, KH_EV(kh_j9),
           KH_EV(kh_j9_declines)),
    KH_JOB("J10", west, "P-A", "T1", standard, "S10", EXPIRED, CLOSED, KH_AT(5, 10, 0), 3, KH_EV(kh_j10),
           KH_NO_DECLINES),
    KH_JOB("X0", nord, "", "", standard, "S1", IN_WARRANTY, CANCELLED, KH_AT(-1, 23, 50), 0, KH_EV(kh_x0),
           KH_NO_DECLINES),
    KH_JOB("X1", nord, "", "", standard, "S1", IN_WARRANTY, CANCELLED, KH_AT(18, 8, 0), 0, KH_EV(kh_x1),
           KH_NO_DECLINES),
    KH_JOB("X2", sued, "", "", standard, "S3", EXPIRED, CANCELLED, KH_AT(48, 8, 0), 0, KH_EV(kh_x2),
           KH_NO_DECLINES),
};

#endif
