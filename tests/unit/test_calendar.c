/*  test_calendar.c — appointment windows: reading them, local time and
    daylight saving, shifts over a window, and room in a technician's day
    (per-window capacity, travel, order, started and late jobs). */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "fsd/calendar.h"

#define BERLIN "Europe/Berlin"
#define MIN 60000LL

//  UTC milliseconds of a date and time given in UTC.
static int64_t s_utc(const char *date, int hour, int minute)
{
    civil_date d;
    assert_int_equal(civil_parse(date, &d), 0);
    return ((int64_t)civil_to_days(d) * 86400 + hour * 3600 + minute * 60) * 1000;
}

//  Monday 2026-11-23 13:43 in Berlin (12:43Z): "now" for most tests.
static int64_t s_now(void)
{
    return s_utc("2026-11-23", 12, 43);
}

//  Parses text as of now in zone and expects the window in UTC.
static void s_expect(const char *text, const char *zone, int64_t now, int64_t start, int64_t end)
{
    cal_window w = { 0, 0 };
    const char *why = NULL;
    int rc = calendar_window_parse(text, zone, now, &w, &why);
    if (rc != 0)
        fail_msg("'%s' refused: %s", text, why);
    assert_int_equal(w.start, start);
    assert_int_equal(w.end, end);
}

//  Expects text to be refused with a reason containing `words`.
static void s_refused(const char *text, const char *zone, int64_t now, const char *words)
{
    cal_window w = { 0, 0 };
    const char *why = NULL;
    assert_int_equal(calendar_window_parse(text, zone, now, &w, &why), -1);
    assert_non_null(why);
    if (!strstr(why, words))
        fail_msg("'%s': reason '%s' lacks '%s'", text ? text : "(null)", why, words);
}

//  A point about km kilometres north of base.
static geo_point s_north(geo_point base, double km)
{
    return (geo_point){ base.lat + km / 111.195, base.lon };
}

static const geo_point s_home = { 52.5200, 13.4050 };

//  A visit at `at`, window [start, end], duration minutes.
static cal_visit s_visit(const char *id, geo_point at, int64_t start, int64_t end, int minutes)
{
    cal_visit v = { id, at, { start, end }, minutes, false };
    return v;
}

//  ---------------------------------------------------------------------

//  Weekday forms: the next such day whose window has not started.
static void test_parse_weekday(void **state)
{
    (void)state;
    int64_t now = s_now();
    int64_t tue = s_utc("2026-11-24", 13, 0);
    s_expect("Tue 14:00-16:00", BERLIN, now, tue, tue + 120 * MIN);
    s_expect("tuesday 14:00 - 16:00", BERLIN, now, tue, tue + 120 * MIN);
    s_expect("  TUE 14:00\xE2\x80\x93"
             "16:00  ",
             BERLIN, now, tue, tue + 120 * MIN);
    s_expect("Tue 9:30-11:00", BERLIN, now, s_utc("2026-11-24", 8, 30), s_utc("2026-11-24", 10, 0));
    //  today (Monday) while the window is still ahead
    s_expect("Mon 14:00-16:00", BERLIN, now, s_utc("2026-11-23", 13, 0), s_utc("2026-11-23", 15, 0));
    //  today's has started: next week
    s_expect("Mon 13:00-15:00", BERLIN, now, s_utc("2026-11-30", 12, 0), s_utc("2026-11-30", 14, 0));
    s_expect("Mon 09:00-11:00", BERLIN, now, s_utc("2026-11-30", 8, 0), s_utc("2026-11-30", 10, 0));
    s_expect("Sun 10:00-12:00", BERLIN, now, s_utc("2026-11-29", 9, 0), s_utc("2026-11-29", 11, 0));
    //  the same text in another zone is another instant
    s_expect("Tue 14:00-16:00", "America/New_York", now, s_utc("2026-11-24", 19, 0),
             s_utc("2026-11-24", 21, 0));
}

//  today, tomorrow, dates, and the end at 24:00.
static void test_parse_dates(void **state)
{
    (void)state;
    int64_t now = s_now();
    s_expect("today 15:00-17:00", BERLIN, now, s_utc("2026-11-23", 14, 0), s_utc("2026-11-23", 16, 0));
    s_expect("Tomorrow 09:00-12:00", BERLIN, now, s_utc("2026-11-24", 8, 0), s_utc("2026-11-24", 11, 0));
    s_expect("2026-11-24 14:00-16:00", BERLIN, now, s_utc("2026-11-24", 13, 0), s_utc("2026-11-24", 15, 0));
    s_expect("2026-11-24 22:00-24:00", BERLIN, now, s_utc("2026-11-24", 21, 0), s_utc("2026-11-24", 23, 0));
    s_expect("2026-12-31 20:00-24:00", BERLIN, now, s_utc("2026-12-31", 19, 0), s_utc("2026-12-31", 23, 0));
    //  a leap day that exists
    s_expect("2028-02-29 10:00-12:00", BERLIN, s_utc("2028-02-01", 0, 0), s_utc("2028-02-29", 9, 0),
             s_utc("2028-02-29", 11, 0));
}

//  Every refusal names what is wrong.
static void test_parse_errors(void **state)
{
    (void)state;
    int64_t now = s_now();
    s_refused(NULL, BERLIN, now, "no window");
    s_refused("", BERLIN, now, "no window");
    s_refused("   ", BERLIN, now, "no window");
    s_refused("Tue", BERLIN, now, "hours");
    s_refused("Tue 14:00", BERLIN, now, "hours");
    s_refused("Tue 14-16", BERLIN, now, "hours");
    s_refused("Tue 14:00-16:00 please", BERLIN, now, "hours");
    s_refused("Tue 14:00-", BERLIN, now, "hours");
    s_refused("Tue 140:00-16:00", BERLIN, now, "hours");
    s_refused("Xyz 14:00-16:00", BERLIN, now, "day");
    s_refused("Tues 14:00-16:00", BERLIN, now, "day");
    s_refused("2026-02-30 14:00-16:00", BERLIN, now, "real calendar day");
    s_refused("Tue 25:00-26:00", BERLIN, now, "real times");
    s_refused("Tue 14:60-15:00", BERLIN, now, "real times");
    s_refused("Tue 24:00-24:30", BERLIN, now, "real times");
    s_refused("Tue 16:00-14:00", BERLIN, now, "end must be after its start");
    s_refused("Tue 14:00-14:00", BERLIN, now, "end must be after its start");
    s_refused("Tue 22:00-02:00", BERLIN, now, "end must be after its start");
    s_refused("Tue 14:00-14:20", BERLIN, now, "at least 30 minutes");
    s_refused("Tue 06:00-19:00", BERLIN, now, "at most 12 hours");
    s_refused("today 13:00-15:00", BERLIN, now, "already started");
    s_refused("today 09:00-11:00", BERLIN, now, "already started");
    s_refused("2026-11-20 14:00-16:00", BERLIN, now, "future");
    s_refused("2026-11-23 13:40-15:00", BERLIN, now, "future");
    s_refused("2027-03-01 10:00-12:00", BERLIN, now, "within 90 days");
    s_refused("Tue 14:00-16:00", "Nope/Zone", now, "time zone");
    s_refused("Tue 14:00-16:00", NULL, now, "time zone");
    cal_window w;
    assert_int_equal(calendar_window_parse("Tue 14:00-16:00", BERLIN, now, &w, NULL), 0);
    assert_int_equal(calendar_window_parse("nonsense", BERLIN, now, &w, NULL), -1);
}

//  Local to UTC across daylight-saving changes: a skipped time moves
//  forward, a repeated one is the first of the two.
static void test_local_to_utc(void **state)
{
    (void)state;
    civil_date spring, autumn, winter;
    civil_parse("2026-03-29", &spring);
    civil_parse("2026-10-25", &autumn);
    civil_parse("2026-11-24", &winter);
    int64_t t;
    assert_int_equal(calendar_local_to_utc(BERLIN, winter, 14 * 60, &t), 0);
    assert_int_equal(t, s_utc("2026-11-24", 13, 0));
    assert_int_equal(calendar_local_to_utc(BERLIN, winter, 1440, &t), 0);
    assert_int_equal(t, s_utc("2026-11-24", 23, 0));
    //  spring: 02:00 CET becomes 03:00 CEST at 01:00Z
    assert_int_equal(calendar_local_to_utc(BERLIN, spring, 90, &t), 0);
    assert_int_equal(t, s_utc("2026-03-29", 0, 30));
    assert_int_equal(calendar_local_to_utc(BERLIN, spring, 150, &t), 0); //  02:30 does not exist
    assert_int_equal(t, s_utc("2026-03-29", 1, 30));                     //  = 03:30 CEST
    assert_int_equal(calendar_local_to_utc(BERLIN, spring, 180, &t), 0);
    assert_int_equal(t, s_utc("2026-03-29", 1, 0));
    //  autumn: 03:00 CEST becomes 02:00 CET at 01:00Z; 02:30 happens twice
    assert_int_equal(calendar_local_to_utc(BERLIN, autumn, 150, &t), 0);
    assert_int_equal(t, s_utc("2026-10-25", 0, 30));
    assert_int_equal(calendar_local_to_utc(BERLIN, autumn, 180, &t), 0);
    assert_int_equal(t, s_utc("2026-10-25", 2, 0));
    //  New York's spring change on 2026-03-08, at 02:00 local (07:00Z)
    civil_date ny;
    civil_parse("2026-03-08", &ny);
    assert_int_equal(calendar_local_to_utc("America/New_York", ny, 60, &t), 0);
    assert_int_equal(t, s_utc("2026-03-08", 6, 0));
    assert_int_equal(calendar_local_to_utc("America/New_York", ny, 4 * 60, &t), 0);
    assert_int_equal(t, s_utc("2026-03-08", 8, 0));
    assert_int_equal(calendar_local_to_utc("Nope/Zone", ny, 60, &t), -1);
    assert_int_equal(calendar_local_to_utc(BERLIN, ny, 1441, &t), -1);
}

//  On daylight-saving days a window's real length differs from its clock
//  length, and the length rules apply to the real one.
static void test_dst_windows(void **state)
{
    (void)state;
    int64_t before_spring = s_utc("2026-03-20", 12, 0);
    int64_t before_autumn = s_utc("2026-10-20", 12, 0);
    //  01:00-04:00 is two hours in spring, four in autumn
    s_expect("2026-03-29 01:00-04:00", BERLIN, before_spring, s_utc("2026-03-29", 0, 0),
             s_utc("2026-03-29", 2, 0));
    s_expect("Sun 01:00-04:00", BERLIN, before_autumn, s_utc("2026-10-24", 23, 0), s_utc("2026-10-25", 3, 0));
    //  both ends in the skipped hour: 03:00-03:30 CEST
    s_expect("2026-03-29 02:00-02:30", BERLIN, before_spring, s_utc("2026-03-29", 1, 0),
             s_utc("2026-03-29", 1, 30));
    //  02:15-03:00 in spring is only 15 real minutes: too short
    s_refused("2026-03-29 02:15-03:00", BERLIN, before_spring, "end must be after");
    s_refused("2026-03-29 01:45-03:00", BERLIN, before_spring, "at least 30 minutes");
    //  12:00 of clock in autumn is 13 real hours
    s_refused("2026-10-25 00:00-12:00", BERLIN, before_autumn, "at most 12 hours");
    s_expect("2026-03-29 00:00-12:30", BERLIN, before_spring, s_utc("2026-03-28", 23, 0),
             s_utc("2026-03-29", 10, 30));
    char buf[64];
    cal_window w = { s_utc("2026-03-29", 0, 0), s_utc("2026-03-29", 2, 0) };
    assert_string_equal(calendar_window_format(w, BERLIN, buf, sizeof buf), "Sun 2026-03-29 01:00\xE2\x80\x93"
                                                                            "04:00");
}

//  The local and UTC forms of a window.
static void test_format(void **state)
{
    (void)state;
    char buf[64];
    cal_window w = { s_utc("2026-11-24", 13, 0), s_utc("2026-11-24", 15, 0) };
    assert_string_equal(calendar_window_format(w, BERLIN, buf, sizeof buf), "Tue 2026-11-24 14:00\xE2\x80\x93"
                                                                            "16:00");
    assert_string_equal(calendar_window_format(w, "UTC", buf, sizeof buf), "Tue 2026-11-24 13:00\xE2\x80\x93"
                                                                           "15:00");
    cal_window late = { s_utc("2026-11-24", 21, 0), s_utc("2026-11-24", 23, 0) };
    assert_string_equal(calendar_window_format(late, BERLIN, buf, sizeof buf),
                        "Tue 2026-11-24 22:00\xE2\x80\x93"
                        "24:00");
    //  New York's 18:00-22:00 is 23:00-03:00 the next day in UTC
    cal_window ny = { s_utc("2026-11-24", 23, 0), s_utc("2026-11-25", 3, 0) };
    assert_string_equal(calendar_window_format(ny, "America/New_York", buf, sizeof buf),
                        "Tue 2026-11-24 18:00\xE2\x80\x93"
                        "22:00");
    assert_string_equal(calendar_window_format(ny, "UTC", buf, sizeof buf),
                        "Tue 2026-11-24 23:00\xE2\x80\x93Wed 03:00");
    assert_string_equal(calendar_window_format(w, "Nope/Zone", buf, sizeof buf), "");
    char tiny[8];
    calendar_window_format(w, BERLIN, tiny, sizeof tiny);
    assert_int_equal(strlen(tiny), 7);
}

//  Durations per category, with a default.
static void test_durations(void **state)
{
    (void)state;
    assert_int_equal(calendar_duration_min("washing_machine"), 60);
    assert_int_equal(calendar_duration_min("heat_pump"), 120);
    assert_int_equal(calendar_duration_min("air_conditioner"), 90);
    assert_int_equal(calendar_duration_min("coffee_machine"), 30);
    assert_int_equal(calendar_duration_min("spaceship"), 60);
    assert_int_equal(calendar_duration_min(NULL), 60);
}

//  Parses a shift or fails the test.
static shift s_shift(const char *text)
{
    shift s;
    const char *why = NULL;
    if (shift_parse(text, &s, &why) != 0)
        fail_msg("shift '%s': %s", text, why);
    return s;
}

//  A window of local clock times on a date in Berlin.
static cal_window s_local(const char *date, int from_min, int to_min)
{
    civil_date d;
    cal_window w;
    civil_parse(date, &d);
    assert_int_equal(calendar_local_to_utc(BERLIN, d, from_min, &w.start), 0);
    assert_int_equal(calendar_local_to_utc(BERLIN, d, to_min, &w.end), 0);
    return w;
}

//  The shift must cover every minute of the window, edges included.
static void test_shift_edges(void **state)
{
    (void)state;
    shift day = s_shift("daily 08:00-17:00");
    assert_true(calendar_shift_covers(&day, BERLIN, s_local("2026-11-24", 14 * 60, 16 * 60)));
    assert_true(calendar_shift_covers(&day, BERLIN, s_local("2026-11-24", 8 * 60, 17 * 60)));
    assert_false(calendar_shift_covers(&day, BERLIN, s_local("2026-11-24", 7 * 60 + 59, 9 * 60)));
    assert_false(calendar_shift_covers(&day, BERLIN, s_local("2026-11-24", 16 * 60, 17 * 60 + 1)));
    shift week = s_shift("Mon-Fri 08:00-17:00");
    assert_true(calendar_shift_covers(&week, BERLIN, s_local("2026-11-27", 9 * 60, 11 * 60)));
    assert_false(calendar_shift_covers(&week, BERLIN, s_local("2026-11-28", 9 * 60, 11 * 60)));
    //  a shift past midnight belongs to the day it starts on
    shift night = s_shift("Fri 22:00-06:00");
    assert_true(calendar_shift_covers(&night, BERLIN, s_local("2026-11-27", 22 * 60, 24 * 60)));
    assert_true(calendar_shift_covers(&night, BERLIN, s_local("2026-11-28", 60, 180)));
    assert_false(calendar_shift_covers(&night, BERLIN, s_local("2026-11-29", 60, 180)));
    assert_false(calendar_shift_covers(&night, BERLIN, s_local("2026-11-28", 300, 420)));
    shift always = s_shift("24h");
    assert_true(calendar_shift_covers(&always, BERLIN, s_local("2026-11-29", 0, 720)));
    //  a window across midnight (not asked by customers, but spans handle it)
    cal_window across = { s_utc("2026-11-27", 22, 0), s_utc("2026-11-28", 1, 0) };
    assert_true(calendar_shift_covers(&night, BERLIN, across));
    assert_false(calendar_shift_covers(&day, BERLIN, across));
    //  an unknown zone, an empty window
    assert_false(calendar_shift_covers(&always, "Nope/Zone", across));
    cal_window empty = { across.start, across.start };
    assert_false(calendar_shift_covers(&always, BERLIN, empty));
    cal_span sp;
    assert_int_equal(calendar_span_init(&sp, BERLIN, empty), -1);
    assert_false(calendar_span_in_shift(&sp, &always));
}

//  Shifts are local: on daylight-saving days the real hours change.
static void test_shift_dst(void **state)
{
    (void)state;
    shift early = s_shift("daily 00:00-03:00");
    //  spring: 01:00-03:00 on the clock is one real hour, all in the shift
    assert_true(calendar_shift_covers(&early, BERLIN,
                                      (cal_window){ s_utc("2026-03-29", 0, 0), s_utc("2026-03-29", 1, 0) }));
    //  the real hour after it is 03:00-04:00 CEST: outside
    assert_false(calendar_shift_covers(
        &early, BERLIN, (cal_window){ s_utc("2026-03-29", 0, 30), s_utc("2026-03-29", 1, 30) }));
    //  autumn: 02:00-03:00 on the clock lasts two real hours, both in a
    //  02:00-03:00 shift
    shift two = s_shift("daily 02:00-03:00");
    cal_window repeated = { s_utc("2026-10-25", 0, 0), s_utc("2026-10-25", 2, 0) };
    assert_true(calendar_shift_covers(&two, BERLIN, repeated));
    cal_span sp;
    assert_int_equal(calendar_span_init(&sp, BERLIN, repeated), 0);
    assert_int_equal(sp.n_runs, 2);
    //  spring: the shift's hour does not exist that day
    assert_false(calendar_shift_covers(
        &two, BERLIN, (cal_window){ s_utc("2026-03-29", 0, 30), s_utc("2026-03-29", 1, 30) }));
}

//  An empty day has room; the plan is the job alone.
static void test_fits_empty(void **state)
{
    (void)state;
    int64_t t = s_utc("2026-11-24", 9, 0);
    cal_visit job = s_visit("N", s_home, t, t + 120 * MIN, 60);
    cal_answer ans;
    assert_int_equal(calendar_fits(NULL, s_now(), NULL, 0, &job, &ans), CAL_FITS);
    assert_int_equal(ans.n_plan, 1);
    assert_ptr_equal(ans.plan[0], &job);
    assert_int_equal(ans.arrive[0], t);
    assert_string_equal(ans.detail, "");
    assert_int_equal(calendar_fits(NULL, s_now(), NULL, 0, NULL, &ans), CAL_NO_ORDER);
}

//  Travel makes the second job of a window unreachable: the same place
//  fits to the minute, a few km away does not, a faster estimate does.
static void test_fits_tight_travel(void **state)
{
    (void)state;
    int64_t t = s_utc("2026-11-24", 9, 0);
    geo_point away = s_north(s_home, 3.0);
    int64_t travel = (int64_t)(geo_distance_km(s_home, away) / 30.0 * 60.0 * MIN);
    cal_visit booked[1] = { s_visit("J000001", s_home, t, t + 60 * MIN, 60) };
    cal_config cfg = { 30.0, 2, BERLIN };
    cal_answer ans;

    cal_visit same = s_visit("N", s_home, t, t + 60 * MIN, 60);
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 1, &same, &ans), CAL_FITS);
    assert_int_equal(ans.n_plan, 2);
    assert_int_equal(ans.arrive[1], t + 60 * MIN);

    cal_visit far = s_visit("N", away, t, t + 60 * MIN, 60);
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 1, &far, &ans), CAL_NO_ORDER);
    assert_non_null(strstr(ans.detail, "J000001"));
    assert_non_null(strstr(ans.detail, "10:00\xE2\x80\x93"
                                       "11:00"));
    assert_non_null(strstr(ans.detail, "3.0 km"));

    //  just enough room for the travel, and a minute short of it
    far.window.end = t + 60 * MIN + travel + MIN;
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 1, &far, &ans), CAL_FITS);
    assert_ptr_equal(ans.plan[0], &booked[0]);
    assert_ptr_equal(ans.plan[1], &far);
    far.window.end = t + 60 * MIN + travel - MIN;
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 1, &far, &ans), CAL_NO_ORDER);
    //  at 60 km/h the travel halves
    cfg.speed_kmh = 60.0;
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 1, &far, &ans), CAL_FITS);
}

//  A feasible order may need the new job first.
static void test_fits_reorder(void **state)
{
    (void)state;
    int64_t t = s_utc("2026-11-24", 9, 0);
    cal_visit booked[2] = {
        s_visit("J000001", s_home, t, t + 240 * MIN, 60),
        s_visit("J000002", s_north(s_home, 1.0), t + 120 * MIN, t + 300 * MIN, 60),
    };
    cal_visit job = s_visit("N", s_home, t, t + 60 * MIN, 60);
    cal_answer ans;
    cal_config cfg = { 30.0, 3, BERLIN };
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 2, &job, &ans), CAL_FITS);
    assert_int_equal(ans.n_plan, 3);
    //  the tight window is served before or at the roomy one's opening
    int64_t job_arrival = 0;
    for (size_t i = 0; i < ans.n_plan; i++)
        if (ans.plan[i] == &job)
            job_arrival = ans.arrive[i];
    assert_true(job_arrival >= t && job_arrival <= t + 60 * MIN);
    for (size_t i = 0; i < ans.n_plan; i++) {
        assert_true(ans.arrive[i] >= ans.plan[i]->window.start);
        assert_true(ans.arrive[i] <= ans.plan[i]->window.end);
    }
}

//  At most per_window jobs in overlapping windows; touching is not overlapping.
static void test_fits_per_window(void **state)
{
    (void)state;
    int64_t t = s_utc("2026-11-24", 9, 0);
    cal_visit booked[2] = {
        s_visit("J000001", s_home, t, t + 120 * MIN, 30),
        s_visit("J000002", s_home, t + 60 * MIN, t + 180 * MIN, 30),
    };
    cal_visit job = s_visit("N", s_home, t + 90 * MIN, t + 150 * MIN, 30);
    cal_config cfg = { 30.0, 2, BERLIN };
    cal_answer ans;
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 2, &job, &ans), CAL_FULL);
    assert_non_null(strstr(ans.detail, "2 jobs already booked"));
    assert_non_null(strstr(ans.detail, "at most 2"));
    cfg.per_window = 3;
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 2, &job, &ans), CAL_FITS);
    //  12:00-13:00 local touches J000001's window (10-12) and overlaps J000002's only
    cfg.per_window = 2;
    cal_visit touching = s_visit("N", s_home, t + 120 * MIN, t + 180 * MIN, 30);
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 2, &touching, &ans), CAL_FITS);
    cfg.per_window = 1;
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 2, &touching, &ans), CAL_FULL);
    assert_non_null(strstr(ans.detail, "1 job already booked"));
    //  per_window 0 means the default, 2
    cfg.per_window = 0;
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 2, &job, &ans), CAL_FULL);
}

//  Overlapping windows that all fit when ordered, and one too many.
static void test_fits_overlapping(void **state)
{
    (void)state;
    int64_t t = s_utc("2026-11-24", 7, 0); //  08:00 local
    cal_visit booked[4] = {
        s_visit("A", s_north(s_home, 0.0), t + 0 * MIN, t + 240 * MIN, 60),
        s_visit("B", s_north(s_home, 1.0), t + 120 * MIN, t + 180 * MIN, 60),
        s_visit("C", s_north(s_home, 2.0), t + 60 * MIN, t + 120 * MIN, 60),
        s_visit("D", s_north(s_home, 3.0), t + 300 * MIN, t + 360 * MIN, 60),
    };
    cal_config cfg = { 30.0, 8, BERLIN };
    cal_answer ans;
    cal_visit job = s_visit("N", s_north(s_home, 2.5), t + 200 * MIN, t + 300 * MIN, 60);
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 4, &job, &ans), CAL_FITS);
    assert_int_equal(ans.n_plan, 5);
    for (size_t i = 0; i < ans.n_plan; i++) {
        assert_true(ans.arrive[i] >= ans.plan[i]->window.start);
        assert_true(ans.arrive[i] <= ans.plan[i]->window.end);
        if (i > 0) {
            int64_t leg = (int64_t)(geo_distance_km(ans.plan[i - 1]->at, ans.plan[i]->at) / 30.0 * 3600000.0);
            assert_true(ans.arrive[i] + MIN >= ans.arrive[i - 1] + ans.plan[i - 1]->duration_min * MIN + leg);
        }
    }
    //  a job squeezed between C and B at once: no order works
    cal_visit squeezed = s_visit("N", s_north(s_home, 10.0), t + 100 * MIN, t + 130 * MIN, 60);
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 4, &squeezed, &ans), CAL_NO_ORDER);
    assert_non_null(strstr(ans.detail, "no order"));
}

//  Jobs on another day neither limit nor join the plan.
static void test_fits_other_days(void **state)
{
    (void)state;
    int64_t tue = s_utc("2026-11-24", 9, 0), wed = s_utc("2026-11-25", 9, 0);
    cal_visit booked[3] = {
        s_visit("T1", s_home, tue, tue + 60 * MIN, 60),
        s_visit("T2", s_home, tue, tue + 60 * MIN, 60),
        s_visit("T3", s_north(s_home, 20), tue + 60 * MIN, tue + 120 * MIN, 60),
    };
    cal_visit job = s_visit("N", s_north(s_home, 5), wed, wed + 60 * MIN, 60);
    cal_answer ans;
    assert_int_equal(calendar_fits(NULL, s_now(), booked, 3, &job, &ans), CAL_FITS);
    assert_int_equal(ans.n_plan, 1);
    //  but the same window on Tuesday is full
    job.window = (cal_window){ tue, tue + 60 * MIN };
    assert_int_equal(calendar_fits(NULL, s_now(), booked, 3, &job, &ans), CAL_FULL);
}

//  A started job is where the technician is now, busy for its duration;
//  a late one (window closed, not started) is no longer planned around.
static void test_fits_started_and_late(void **state)
{
    (void)state;
    int64_t now = s_now();
    geo_point away = s_north(s_home, 3.0);
    cal_visit started = s_visit("J000009", s_home, now - 120 * MIN, now - 60 * MIN, 60);
    started.started = true;
    cal_answer ans;
    cal_visit job = s_visit("N", away, now + 30 * MIN, now + 90 * MIN, 60);
    assert_int_equal(calendar_fits(NULL, now, &started, 1, &job, &ans), CAL_FITS);
    assert_int_equal(ans.plan[0]->id, started.id);
    job.window.end = now + 60 * MIN;
    assert_int_equal(calendar_fits(NULL, now, &started, 1, &job, &ans), CAL_NO_ORDER);
    assert_non_null(strstr(ans.detail, "under way"));
    cal_visit late = started;
    late.started = false;
    assert_int_equal(calendar_fits(NULL, now, &late, 1, &job, &ans), CAL_FITS);
    assert_int_equal(ans.n_plan, 1);
    //  a window already open is reached from now, not its start
    cal_visit open_now = s_visit("N", s_home, now - 30 * MIN, now + 30 * MIN, 60);
    assert_int_equal(calendar_fits(NULL, now, NULL, 0, &open_now, &ans), CAL_FITS);
    assert_int_equal(ans.arrive[0], now);
    cal_visit gone = s_visit("N", s_home, now - 90 * MIN, now - 30 * MIN, 60);
    assert_int_equal(calendar_fits(NULL, now, NULL, 0, &gone, &ans), CAL_NO_ORDER);
    assert_non_null(strstr(ans.detail, "cannot be reached"));
}

//  On the spring-forward day two hours of work after 01:00 CET end at
//  04:00 CEST: a plan by clock times would wrongly fit a 03:00 window.
static void test_fits_dst_day(void **state)
{
    (void)state;
    int64_t now = s_utc("2026-03-27", 12, 0);
    cal_window first, second;
    const char *why;
    assert_int_equal(calendar_window_parse("Sun 01:00-01:30", BERLIN, now, &first, &why), 0);
    assert_int_equal(calendar_window_parse("Sun 03:00-03:30", BERLIN, now, &second, &why), 0);
    assert_int_equal(second.start - first.start, 60 * MIN);
    cal_visit booked = { "J000001", s_home, first, 120, false };
    cal_visit job = { "N", s_home, second, 60, false };
    cal_config cfg = { 30.0, 2, BERLIN };
    cal_answer ans;
    assert_int_equal(calendar_fits(&cfg, now, &booked, 1, &job, &ans), CAL_NO_ORDER);
    assert_non_null(strstr(ans.detail, "01:00\xE2\x80\x93"
                                       "01:30"));
    booked.duration_min = 60;
    assert_int_equal(calendar_fits(&cfg, now, &booked, 1, &job, &ans), CAL_FITS);
    assert_int_equal(ans.arrive[1], second.start);
}

//  A stretch of more than 16 jobs is refused rather than overbooked.
static void test_fits_stretch_limit(void **state)
{
    (void)state;
    int64_t t = s_utc("2026-11-24", 6, 0);
    cal_visit booked[20];
    for (int i = 0; i < 20; i++)
        booked[i] = s_visit("J", s_home, t + i * 30 * MIN, t + i * 30 * MIN + 60 * MIN, 30);
    cal_visit job = s_visit("N", s_home, t + 300 * MIN, t + 360 * MIN, 30);
    cal_config cfg = { 30.0, 100, BERLIN };
    cal_answer ans;
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 20, &job, &ans), CAL_NO_ORDER);
    assert_non_null(strstr(ans.detail, "more than 15"));
    //  12 chained jobs plan quickly
    assert_int_equal(calendar_fits(&cfg, s_now(), booked, 11, &job, &ans), CAL_FITS);
    assert_int_equal(ans.n_plan, 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_weekday),     cmocka_unit_test(test_parse_dates),
        cmocka_unit_test(test_parse_errors),      cmocka_unit_test(test_local_to_utc),
        cmocka_unit_test(test_dst_windows),       cmocka_unit_test(test_format),
        cmocka_unit_test(test_durations),         cmocka_unit_test(test_shift_edges),
        cmocka_unit_test(test_shift_dst),         cmocka_unit_test(test_fits_empty),
        cmocka_unit_test(test_fits_tight_travel), cmocka_unit_test(test_fits_reorder),
        cmocka_unit_test(test_fits_per_window),   cmocka_unit_test(test_fits_overlapping),
        cmocka_unit_test(test_fits_other_days),   cmocka_unit_test(test_fits_started_and_late),
        cmocka_unit_test(test_fits_dst_day),      cmocka_unit_test(test_fits_stretch_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
