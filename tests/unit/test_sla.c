/*  test_sla.c — working hours, business-time deadlines (weekends, holidays,
    midnight, exact boundaries, the daylight-saving changes of 2026 in
    Berlin and New York), the policy table's specificity, and the orders
    of the waiting queue and of escalations. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include "fsd/sla.h"

#define BERLIN "Europe/Berlin"

//  UTC milliseconds of a date and time given in UTC.
static int64_t s_utc(const char *date, int hour, int minute)
{
    civil_date d;
    assert_int_equal(civil_parse(date, &d), 0);
    return ((int64_t)civil_to_days(d) * 86400 + hour * 3600 + minute * 60) * 1000;
}

//  Minutes as milliseconds.
static int64_t s_min(double m)
{
    return (int64_t)(m * 60000.0);
}

//  Parses hours that must be valid.
static sla_hours *s_hours(const char *weekly, const char *const *closed, size_t n)
{
    const char *field = NULL;
    char why[256] = "";
    sla_hours *h = sla_hours_parse(weekly, closed, n, &field, why, sizeof why);
    if (!h)
        fail_msg("\"%s\" refused: %s: %s", weekly, field, why);
    return h;
}

//  Parses hours that must be refused, with field and a word of the message.
static void s_refused(const char *weekly, const char *const *closed, size_t n, const char *want_field,
                      const char *want_words)
{
    const char *field = NULL;
    char why[256] = "";
    sla_hours *h = sla_hours_parse(weekly, closed, n, &field, why, sizeof why);
    if (h) {
        sla_hours_destroy(&h);
        fail_msg("\"%s\" was accepted", weekly);
    }
    assert_string_equal(field, want_field);
    if (!strstr(why, want_words))
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", weekly, why, want_words);
}

//  Local date + minute helper for sla_hours_open.
static bool s_open_at(const sla_hours *h, const char *date, int hour, int minute)
{
    civil_date d;
    assert_int_equal(civil_parse(date, &d), 0);
    return sla_hours_open(h, d, hour * 60 + minute);
}

//  sla_add that must succeed; the result.
static int64_t s_add(const sla_hours *h, const char *tz, int64_t start, double minutes)
{
    int64_t out = 0;
    assert_int_equal(sla_add(h, tz, start, s_min(minutes), &out), 0);
    return out;
}

//  ---------------------------------------------------------------------
//  Parsing

static void test_parse_week(void **state)
{
    (void)state;
    sla_hours *h = s_hours("mon-fri 08:00-18:00; sat 09:00-13:00", NULL, 0);
    assert_int_equal(sla_hours_weekly_minutes(h), 5 * 600 + 240);
    //  2026-11-23 is a Monday
    assert_true(s_open_at(h, "2026-11-23", 8, 0));
    assert_false(s_open_at(h, "2026-11-23", 7, 59));
    assert_true(s_open_at(h, "2026-11-23", 17, 59));
    assert_false(s_open_at(h, "2026-11-23", 18, 0));
    assert_true(s_open_at(h, "2026-11-27", 12, 0)); //  Friday
    assert_true(s_open_at(h, "2026-11-28", 9, 0));  //  Saturday
    assert_false(s_open_at(h, "2026-11-28", 13, 0));
    assert_false(s_open_at(h, "2026-11-29", 10, 0)); //  Sunday
    sla_hours_destroy(&h);
    sla_hours_destroy(&h); //  harmless twice

    h = s_hours("24x7", NULL, 0);
    assert_int_equal(sla_hours_weekly_minutes(h), 7 * 1440);
    sla_hours_destroy(&h);
    h = s_hours("  Always ", NULL, 0);
    assert_int_equal(sla_hours_weekly_minutes(h), 7 * 1440);
    sla_hours_destroy(&h);

    //  several periods a day, spaces, one-digit hours, full names
    h = s_hours("Mon, Wed 8:00-12:00, 13:00-17:00;", NULL, 0);
    assert_int_equal(sla_hours_weekly_minutes(h), 2 * 480);
    assert_true(s_open_at(h, "2026-11-23", 11, 59));
    assert_false(s_open_at(h, "2026-11-23", 12, 30));
    assert_true(s_open_at(h, "2026-11-23", 13, 0));
    assert_false(s_open_at(h, "2026-11-24", 9, 0)); //  Tuesday
    assert_true(s_open_at(h, "2026-11-25", 9, 0));  //  Wednesday
    sla_hours_destroy(&h);
    h = s_hours("Monday 08:00-09:00; tues 10:00-11:00; SUNDAY 24h", NULL, 0);
    assert_int_equal(sla_hours_weekly_minutes(h), 60 + 60 + 1440);
    sla_hours_destroy(&h);

    //  no days: every day; weekdays/weekends; wrapping day ranges
    h = s_hours("08:00-09:00", NULL, 0);
    assert_int_equal(sla_hours_weekly_minutes(h), 7 * 60);
    sla_hours_destroy(&h);
    h = s_hours("weekdays 24h; weekends 10:00-12:00", NULL, 0);
    assert_int_equal(sla_hours_weekly_minutes(h), 5 * 1440 + 2 * 120);
    sla_hours_destroy(&h);
    h = s_hours("fri-mon 10:00-11:00", NULL, 0);
    assert_int_equal(sla_hours_weekly_minutes(h), 4 * 60);
    assert_true(s_open_at(h, "2026-11-23", 10, 30));  //  Monday
    assert_false(s_open_at(h, "2026-11-24", 10, 30)); //  Tuesday
    assert_true(s_open_at(h, "2026-11-29", 10, 30));  //  Sunday
    sla_hours_destroy(&h);

    //  past midnight: the rest belongs to the next day; overlaps are a union
    h = s_hours("daily 22:00-06:00; mon 05:00-07:00", NULL, 0);
    assert_int_equal(sla_hours_weekly_minutes(h), 7 * 480 + 60);
    assert_true(s_open_at(h, "2026-11-23", 23, 0));
    assert_true(s_open_at(h, "2026-11-24", 5, 59));
    assert_false(s_open_at(h, "2026-11-24", 6, 0));
    assert_true(s_open_at(h, "2026-11-23", 6, 30)); //  Monday's extra hour
    sla_hours_destroy(&h);
    h = s_hours("sun 20:00-24:00", NULL, 0);
    assert_int_equal(sla_hours_weekly_minutes(h), 240);
    assert_true(s_open_at(h, "2026-11-29", 23, 59));
    assert_false(s_open_at(h, "2026-11-30", 0, 0));
    sla_hours_destroy(&h);
}

static void test_parse_errors(void **state)
{
    (void)state;
    s_refused("", NULL, 0, "hours", "required");
    s_refused("   ", NULL, 0, "hours", "required");
    s_refused(NULL, NULL, 0, "hours", "required");
    s_refused("mon-fri", NULL, 0, "hours", "has no hours");
    s_refused("funday 08:00-10:00", NULL, 0, "hours", "days must be like");
    s_refused("mo 08:00-10:00", NULL, 0, "hours", "days must be like");
    s_refused("mon-fri 8-18", NULL, 0, "hours", "08:00-18:00");
    s_refused("mon 08:00-08:00", NULL, 0, "hours", "same time");
    s_refused("mon 25:00-26:00", NULL, 0, "hours", "real times");
    s_refused("mon 08:60-09:00", NULL, 0, "hours", "real times");
    s_refused("mon 24:00-01:00", NULL, 0, "hours", "real times");
    s_refused("mon 08:00-24:30", NULL, 0, "hours", "00:00 to 24:00");
    s_refused("mon 08:00-18:00x", NULL, 0, "hours", "separated by commas");
    s_refused("mon 08:00-12:00,", NULL, 0, "hours", "comma with no period");
    s_refused("mon-fri 08:00-18:00; sat", NULL, 0, "hours", "\"sat\" has no hours");
    s_refused("; ;", NULL, 0, "hours", "never open");
    //  the message names the item at fault
    s_refused("mon-fri 08:00-18:00; sat 09:00-31:00", NULL, 0, "hours", "in \"sat 09:00-31:00\"");

    const char *bad_month[] = { "2026-13-01" };
    s_refused("24x7", bad_month, 1, "closed", "'2026-13-01'");
    const char *bad_yearly[] = { "02-30" };
    s_refused("24x7", bad_yearly, 1, "closed", "MM-DD");
    const char *bad_yearly2[] = { "13-01" };
    s_refused("24x7", bad_yearly2, 1, "closed", "MM-DD");
    const char *backwards[] = { "2026-12-31..2026-12-01" };
    s_refused("24x7", backwards, 1, "closed", "ends before it starts");
    const char *word[] = { "2026-12-25", "tomorrow" };
    s_refused("24x7", word, 2, "closed", "'tomorrow'");
}

static void test_closed_dates(void **state)
{
    (void)state;
    const char *closed[] = { " 2026-12-24..2026-12-26 ", "", "01-01", "2026-12-25", "02-29" };
    sla_hours *h = s_hours("daily 08:00-18:00", closed, 5);
    assert_true(s_open_at(h, "2026-12-23", 9, 0));
    assert_false(s_open_at(h, "2026-12-24", 9, 0));
    assert_false(s_open_at(h, "2026-12-25", 9, 0));
    assert_false(s_open_at(h, "2026-12-26", 9, 0));
    assert_true(s_open_at(h, "2026-12-27", 9, 0));
    assert_false(s_open_at(h, "2027-01-01", 9, 0)); //  every year
    assert_false(s_open_at(h, "2031-01-01", 9, 0));
    assert_false(s_open_at(h, "2028-02-29", 9, 0));
    assert_true(s_open_at(h, "2027-12-24", 9, 0)); //  the range was 2026 only
    sla_hours_destroy(&h);
}

//  ---------------------------------------------------------------------
//  Counting working time in Berlin (CET = UTC+1, CEST = UTC+2)

static void test_add_weekdays(void **state)
{
    (void)state;
    sla_hours *h = s_hours("mon-fri 08:00-18:00; sat 09:00-13:00", NULL, 0);
    //  Tuesday 10:00 CET + 60 min: 11:00 CET
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-24", 9, 0), 60), s_utc("2026-11-24", 10, 0));
    //  Tuesday 17:30 + 60: 30 min today, 30 min from Wednesday 08:00
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-24", 16, 30), 60), s_utc("2026-11-25", 7, 30));
    //  before opening: counted from 08:00
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-24", 5, 0), 90), s_utc("2026-11-24", 8, 30));
    //  Saturday 19:00 (after Saturday's hours) + 60: Monday 09:00
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-28", 18, 0), 60), s_utc("2026-11-30", 8, 0));
    //  Saturday 12:30 + 60: 30 min Saturday, then Monday 08:30
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-28", 11, 30), 60), s_utc("2026-11-30", 7, 30));
    //  Friday 17:00 + 10 business hours: 1 h Friday, 4 h Saturday, 5 h Monday
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-27", 16, 0), 600), s_utc("2026-11-30", 12, 0));
    //  fractions of a minute count
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-24", 9, 0), 0.05), s_utc("2026-11-24", 9, 0) + 3000);
    sla_hours_destroy(&h);
}

static void test_add_boundaries(void **state)
{
    (void)state;
    sla_hours *h = s_hours("mon-fri 08:00-18:00", NULL, 0);
    //  a whole day from the opening instant ends exactly at closing time
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-24", 7, 0), 600), s_utc("2026-11-24", 17, 0));
    //  the last hour: lands on 18:00 itself, not on the next morning
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-24", 16, 0), 60), s_utc("2026-11-24", 17, 0));
    //  one more millisecond goes to the next morning
    int64_t out;
    assert_int_equal(sla_add(h, BERLIN, s_utc("2026-11-24", 16, 0), s_min(60) + 1, &out), 0);
    assert_int_equal(out, s_utc("2026-11-25", 7, 0) + 1);
    //  starting exactly at closing time: nothing left today
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-24", 17, 0), 60), s_utc("2026-11-25", 8, 0));
    //  starting one millisecond before closing
    assert_int_equal(sla_add(h, BERLIN, s_utc("2026-11-24", 17, 0) - 1, s_min(60), &out), 0);
    assert_int_equal(out, s_utc("2026-11-25", 8, 0) - 1);
    //  zero minutes: the instant itself inside the hours, else the next opening
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-24", 9, 0), 0), s_utc("2026-11-24", 9, 0));
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-28", 18, 0), 0), s_utc("2026-11-30", 7, 0));
    sla_hours_destroy(&h);
}

static void test_add_midnight(void **state)
{
    (void)state;
    sla_hours *h = s_hours("daily 22:00-06:00", NULL, 0);
    //  Monday 23:30 + 60: Tuesday 00:30, through midnight without a pause
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-23", 22, 30), 60), s_utc("2026-11-23", 23, 30));
    //  Tuesday 05:30 + 60: 30 min, then from 22:00
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-24", 4, 30), 60), s_utc("2026-11-24", 21, 30));
    sla_hours_destroy(&h);
    //  a request exactly at local midnight under day hours
    h = s_hours("mon-fri 00:00-24:00", NULL, 0);
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-23", 23, 0), 60), //  Tue 00:00
                     s_utc("2026-11-24", 0, 0));
    //  Friday 23:30 + 60: 30 min Friday, Saturday and Sunday closed, Monday 00:30
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-11-27", 22, 30), 60), s_utc("2026-11-29", 23, 30));
    sla_hours_destroy(&h);
}

static void test_add_holidays(void **state)
{
    (void)state;
    const char *closed[] = { "2026-12-24..2026-12-26", "01-01" };
    sla_hours *h = s_hours("mon-fri 08:00-18:00; sat 09:00-13:00", closed, 2);
    //  Wednesday 23 December 17:30 + 60: 30 min, then 24, 25, 26 closed,
    //  Sunday 27 closed: Monday 28 December 08:30 CET
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-12-23", 16, 30), 60), s_utc("2026-12-28", 7, 30));
    //  Thursday 31 December 17:00 + 120: 60 min, 1 January closed (every
    //  year), Saturday 2 January 09:00 + 60 = 10:00 CET
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-12-31", 16, 0), 120), s_utc("2027-01-02", 9, 0));
    //  reported on the holiday itself
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-12-25", 10, 0), 60), s_utc("2026-12-28", 8, 0));
    sla_hours_destroy(&h);
    //  closed for longer than the horizon: no deadline can be placed
    const char *years[] = { "2026-01-01..2028-12-31" };
    h = s_hours("mon 08:00-09:00", years, 1);
    int64_t out;
    assert_int_equal(sla_add(h, BERLIN, s_utc("2026-06-01", 6, 0), s_min(60), &out), -1);
    sla_hours_destroy(&h);
}

static void test_add_dst_spring(void **state)
{
    (void)state;
    //  2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z
    sla_hours *h = s_hours("daily 00:00-24:00", NULL, 0);
    //  24 working hours across the change are 24 real hours
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-03-28", 11, 0), 1440), s_utc("2026-03-29", 11, 0));
    //  the change day holds 23 hours: from its midnight, 23 h reach the next midnight
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-03-28", 23, 0), 23 * 60), s_utc("2026-03-29", 22, 0));
    sla_hours_destroy(&h);

    //  01:00-04:00 on the change day is 2 real hours (01:00 CET .. 04:00 CEST)
    h = s_hours("daily 01:00-04:00", NULL, 0);
    //  Sunday 00:30 CET + 150 min: 120 on Sunday, 30 from Monday 01:00 CEST
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-03-28", 23, 30), 150), s_utc("2026-03-29", 23, 30));
    //  exactly the 2 hours: ends at 04:00 CEST = 02:00Z
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-03-28", 23, 30), 120), s_utc("2026-03-29", 2, 0));
    sla_hours_destroy(&h);

    //  a period starting in the skipped hour starts when the clocks jumped
    h = s_hours("sun 02:30-05:00", NULL, 0);
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-03-28", 12, 0), 0), s_utc("2026-03-29", 1, 0));
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-03-28", 12, 0), 60), s_utc("2026-03-29", 2, 0));
    //  2 real hours that Sunday; the third hour falls a week later (CEST)
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-03-28", 12, 0), 180), s_utc("2026-04-05", 1, 30));
    sla_hours_destroy(&h);

    //  business week across the change weekend: Friday 17:30 CET + 60:
    //  30 min Friday, Monday 08:30 CEST = 06:30Z
    h = s_hours("mon-fri 08:00-18:00", NULL, 0);
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-03-27", 16, 30), 60), s_utc("2026-03-30", 6, 30));
    sla_hours_destroy(&h);
}

static void test_add_dst_autumn(void **state)
{
    (void)state;
    //  2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00Z
    sla_hours *h = s_hours("daily 00:00-24:00", NULL, 0);
    //  the change day holds 25 hours
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-10-24", 22, 0), 25 * 60), s_utc("2026-10-25", 23, 0));
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-10-24", 11, 0), 1440), s_utc("2026-10-25", 11, 0));
    sla_hours_destroy(&h);

    //  01:00-04:00 on the change day is 4 real hours (01:00 CEST .. 04:00 CET)
    h = s_hours("daily 01:00-04:00", NULL, 0);
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-10-24", 22, 0), 240), s_utc("2026-10-25", 3, 0));
    //  one minute more: Monday 01:01 CET
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-10-24", 22, 0), 241), s_utc("2026-10-26", 0, 1));
    sla_hours_destroy(&h);

    //  a period starting in the repeated hour starts at its first occurrence
    h = s_hours("sun 02:30-03:30", NULL, 0);
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-10-24", 12, 0), 0), s_utc("2026-10-25", 0, 30));
    //  02:30 CEST .. 03:30 CET is two real hours
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-10-24", 12, 0), 120), s_utc("2026-10-25", 2, 30));
    sla_hours_destroy(&h);

    //  Friday 17:00 CEST + 120 business minutes: 60 Friday, Monday 09:00 CET
    h = s_hours("mon-fri 08:00-18:00", NULL, 0);
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-10-23", 15, 0), 120), s_utc("2026-10-26", 8, 0));
    sla_hours_destroy(&h);
}

static void test_add_other_zones(void **state)
{
    (void)state;
    //  New York changes on 2026-03-08 (EST UTC-5 → EDT UTC-4)
    sla_hours *h = s_hours("mon-fri 09:00-17:00", NULL, 0);
    assert_int_equal(s_add(h, "America/New_York", s_utc("2026-03-06", 21, 0), 120),
                     s_utc("2026-03-09", 14, 0));
    //  the same hours in Berlin and Kolkata from one instant
    assert_int_equal(s_add(h, BERLIN, s_utc("2026-03-06", 21, 0), 60), s_utc("2026-03-09", 9, 0));
    assert_int_equal(s_add(h, "Asia/Kolkata", s_utc("2026-03-06", 21, 0), 60), s_utc("2026-03-09", 4, 30));
    //  24x7 (no hours) adds the minutes; an unknown zone cannot count
    assert_int_equal(s_add(NULL, BERLIN, 1000, 2), 1000 + 120000);
    int64_t out;
    assert_int_equal(sla_add(h, "Nope/Zone", 0, 60000, &out), -1);
    assert_int_equal(sla_add(h, NULL, 0, 60000, &out), -1);
    sla_hours_destroy(&h);
}

//  ---------------------------------------------------------------------
//  One job's deadlines

static void test_times(void **state)
{
    (void)state;
    sla_hours *h = s_hours("mon-fri 08:00-18:00; sat 09:00-13:00", NULL, 0);
    double minutes[SLA_N] = { 60, 240, 600 };
    sla_times t;
    //  Saturday 19:00 CET, business: due in Monday's hours; at risk after
    //  75 % of the working time
    int64_t sat = s_utc("2026-11-28", 18, 0);
    assert_int_equal(sla_times_compute(minutes, SLA_BUSINESS, h, BERLIN, sat, &t), 0);
    assert_int_equal(t.start, sat);
    assert_int_equal(t.due[SLA_ASSIGN], s_utc("2026-11-30", 8, 0));      //  09:00
    assert_int_equal(t.risk_at[SLA_ASSIGN], s_utc("2026-11-30", 7, 45)); //  08:45
    assert_int_equal(t.due[SLA_ARRIVE], s_utc("2026-11-30", 11, 0));     //  12:00
    assert_int_equal(t.risk_at[SLA_ARRIVE], s_utc("2026-11-30", 10, 0));
    assert_int_equal(t.due[SLA_FIX], s_utc("2026-11-30", 17, 0)); //  18:00
    assert_int_equal(t.risk_at[SLA_FIX], s_utc("2026-11-30", 14, 30));
    //  24x7 from the same instant
    assert_int_equal(sla_times_compute(minutes, SLA_24X7, h, BERLIN, sat, &t), 0);
    assert_int_equal(t.due[SLA_ASSIGN], sat + s_min(60));
    assert_int_equal(t.risk_at[SLA_ASSIGN], sat + s_min(45));
    assert_int_equal(t.due[SLA_FIX], sat + s_min(600));
    //  business without hours counts every minute; an unknown zone falls back
    assert_int_equal(sla_times_compute(minutes, SLA_BUSINESS, NULL, BERLIN, sat, &t), 0);
    assert_int_equal(t.due[SLA_ARRIVE], sat + s_min(240));
    assert_int_equal(sla_times_compute(minutes, SLA_BUSINESS, h, "Nope/Zone", sat, &t), 1);
    assert_int_equal(t.due[SLA_ARRIVE], sat + s_min(240));
    assert_int_equal(t.risk_at[SLA_ARRIVE], sat + s_min(180));
    sla_hours_destroy(&h);
}

//  ---------------------------------------------------------------------
//  Policies

//  Makes a policy that must be valid.
static sla_policy s_policy(const char *id, const char *w, const char *t, const char *u)
{
    double minutes[SLA_N] = { 10, 20, 30 };
    sla_policy p;
    const char *field;
    char why[200];
    if (sla_policy_make(id, w, t, u, minutes, "business", &p, &field, why, sizeof why) < 0)
        fail_msg("policy %s refused: %s: %s", id, field, why);
    return p;
}

//  A policy row that must be refused on `want_field`.
static void s_policy_refused(const char *id, const char *w, const char *t, const char *u, double a, double b,
                             double c, const char *clock, const char *want_field)
{
    double minutes[SLA_N] = { a, b, c };
    sla_policy p;
    const char *field = "";
    char why[200] = "";
    assert_int_equal(sla_policy_make(id, w, t, u, minutes, clock, &p, &field, why, sizeof why), -1);
    assert_string_equal(field, want_field);
    assert_true(strlen(why) > 10);
}

static void test_policy_make(void **state)
{
    (void)state;
    sla_policy p = s_policy("IW-PRIO", "in_warranty", "priority", "*");
    assert_int_equal(p.warranty, WS_IN_WARRANTY);
    assert_int_equal(p.tier, SLA_TIER_PRIORITY);
    assert_int_equal(p.urgency, PRIO_NONE);
    assert_int_equal(p.clock, SLA_BUSINESS);
    assert_int_equal(sla_policy_specificity(&p), 2);
    p = s_policy("any", "*", "*", "*");
    assert_int_equal(sla_policy_specificity(&p), 0);
    p = s_policy("u", "*", "Standard", "HIGH");
    assert_int_equal(p.urgency, PRIO_HIGH);
    assert_int_equal(p.tier, SLA_TIER_STANDARD);

    s_policy_refused("", "*", "*", "*", 1, 2, 3, "24x7", "id");
    s_policy_refused("a b", "*", "*", "*", 1, 2, 3, "24x7", "id");
    s_policy_refused("x", "broken", "*", "*", 1, 2, 3, "24x7", "warranty");
    s_policy_refused("x", "*", "gold", "*", 1, 2, 3, "24x7", "tier");
    s_policy_refused("x", "*", "*", "urgent", 1, 2, 3, "24x7", "urgency");
    s_policy_refused("x", "*", "*", "*", 0, 2, 3, "24x7", "assign_min");
    s_policy_refused("x", "*", "*", "*", -1, 2, 3, "24x7", "assign_min");
    s_policy_refused("x", "*", "*", "*", 1, 0.5, 3, "24x7", "arrive_min");
    s_policy_refused("x", "*", "*", "*", 1, 2, 1.5, "24x7", "fix_min");
    s_policy_refused("x", "*", "*", "*", 1, 2, 600000, "24x7", "fix_min");
    s_policy_refused("x", "*", "*", "*", 1, 2, 3, "weekdays", "clock");
    s_policy_refused("x", "*", "*", "*", 1, 2, 3, "", "clock");
}

//  The id picked for a job, or "-".
static const char *s_pick(const sla_table *t, warranty_status w, bool ptier, priority u)
{
    const sla_policy *p = sla_table_pick(t, w, ptier, u);
    return p ? p->id : "-";
}

//  Fills a table with every shape of key, in the given order.
static sla_table *s_table(bool reverse)
{
    sla_policy rows[] = {
        s_policy("ALL", "*", "*", "*"),
        s_policy("W", "in_warranty", "*", "*"),
        s_policy("T", "*", "priority", "*"),
        s_policy("U", "*", "*", "high"),
        s_policy("WT", "in_warranty", "priority", "*"),
        s_policy("WU", "in_warranty", "*", "high"),
        s_policy("TU", "*", "priority", "high"),
        s_policy("WTU", "extended", "priority", "high"),
    };
    size_t n = sizeof rows / sizeof rows[0];
    sla_table *t = sla_table_new();
    char why[200];
    for (size_t i = 0; i < n; i++)
        assert_int_equal(sla_table_add(t, &rows[reverse ? n - 1 - i : i], why, sizeof why), 0);
    assert_int_equal(sla_table_size(t), n);
    return t;
}

static void test_policy_pick(void **state)
{
    (void)state;
    for (int reverse = 0; reverse < 2; reverse++) {
        sla_table *t = s_table(reverse);
        //  all three keys
        assert_string_equal(s_pick(t, WS_EXTENDED, true, PRIO_HIGH), "WTU");
        //  two keys beat one; between two-key rows warranty+tier > warranty+urgency > tier+urgency
        assert_string_equal(s_pick(t, WS_IN_WARRANTY, true, PRIO_HIGH), "WT");
        assert_string_equal(s_pick(t, WS_IN_WARRANTY, false, PRIO_HIGH), "WU");
        assert_string_equal(s_pick(t, WS_EXPIRED, true, PRIO_HIGH), "TU");
        assert_string_equal(s_pick(t, WS_EXTENDED, true, PRIO_NORMAL), "T");
        //  one key
        assert_string_equal(s_pick(t, WS_IN_WARRANTY, false, PRIO_NORMAL), "W");
        assert_string_equal(s_pick(t, WS_EXPIRED, true, PRIO_NORMAL), "T");
        assert_string_equal(s_pick(t, WS_EXPIRED, false, PRIO_HIGH), "U");
        //  none: the catch-all; an unset urgency is normal
        assert_string_equal(s_pick(t, WS_UNREGISTERED, false, PRIO_NORMAL), "ALL");
        assert_string_equal(s_pick(t, WS_UNREGISTERED, false, PRIO_NONE), "ALL");
        sla_table_destroy(&t);
        sla_table_destroy(&t);
    }
    //  between one-key rows: warranty beats tier beats urgency
    sla_table *t = sla_table_new();
    char why[200];
    sla_policy u = s_policy("U", "*", "*", "high"), tier = s_policy("T", "*", "priority", "*");
    sla_policy w = s_policy("W", "expired", "*", "*");
    assert_int_equal(sla_table_add(t, &u, why, sizeof why), 0);
    assert_int_equal(sla_table_add(t, &tier, why, sizeof why), 0);
    assert_string_equal(s_pick(t, WS_EXPIRED, true, PRIO_HIGH), "T");
    assert_int_equal(sla_table_add(t, &w, why, sizeof why), 0);
    assert_string_equal(s_pick(t, WS_EXPIRED, true, PRIO_HIGH), "W");
    //  nothing matches: NULL (the server then uses its defaults)
    assert_string_equal(s_pick(t, WS_IN_WARRANTY, false, PRIO_NORMAL), "-");
    assert_null(sla_table_pick(NULL, WS_EXPIRED, true, PRIO_HIGH));
    //  the same keys twice are refused, naming the first
    sla_policy again = s_policy("T2", "*", "priority", "*");
    again.line = 7;
    tier.line = 3;
    sla_table *t2 = sla_table_new();
    assert_int_equal(sla_table_add(t2, &tier, why, sizeof why), 0);
    assert_int_equal(sla_table_add(t2, &again, why, sizeof why), -1);
    assert_non_null(strstr(why, "policy T (line 3)"));
    sla_table_destroy(&t2);
    sla_table_destroy(&t);
}

//  ---------------------------------------------------------------------
//  States, flags, orders

static void test_owed(void **state)
{
    (void)state;
    assert_true(sla_owed(SLA_ASSIGN, JS_NEW));
    assert_true(sla_owed(SLA_ASSIGN, JS_OFFERED));
    assert_true(sla_owed(SLA_ASSIGN, JS_ESCALATED));
    assert_false(sla_owed(SLA_ASSIGN, JS_ASSIGNED));
    assert_true(sla_owed(SLA_ARRIVE, JS_EN_ROUTE));
    assert_false(sla_owed(SLA_ARRIVE, JS_ON_SITE));
    assert_true(sla_owed(SLA_FIX, JS_ON_HOLD));
    assert_false(sla_owed(SLA_FIX, JS_COMPLETED));
    assert_false(sla_owed(SLA_FIX, JS_CANCELLED));
    assert_true(sla_warns_in(JS_ON_SITE));
    assert_false(sla_warns_in(JS_ESCALATED));
    assert_false(sla_warns_in(JS_COMPLETED));
    assert_true(sla_flags_current(SLA_RISK(SLA_ASSIGN), JS_ESCALATED));
    assert_false(sla_flags_current(SLA_RISK(SLA_ASSIGN), JS_ASSIGNED));
    assert_true(sla_flags_current(SLA_BREACH(SLA_FIX), JS_ON_SITE));
    assert_false(sla_flags_current(SLA_BREACH(SLA_FIX), JS_COMPLETED));
    assert_string_equal(sla_deadline_name(SLA_FIX), "fix-by");
    assert_string_equal(sla_deadline_name((sla_deadline)9), "?");
    assert_string_equal(sla_clock_name(SLA_BUSINESS), "business");
    sla_clock c;
    assert_int_equal(sla_clock_parse("24X7", &c), 0);
    assert_int_equal(c, SLA_24X7);
}

static void test_queue_order(void **state)
{
    (void)state;
    sla_rank high_std = { PRIO_HIGH, false, 1000, "J000001" };
    sla_rank high_prio = { PRIO_HIGH, true, 5000, "J000002" };
    sla_rank norm_prio = { PRIO_NORMAL, true, 10, "J000003" };
    sla_rank norm_std = { PRIO_NORMAL, false, 20, "J000004" };
    sla_rank norm_std_later = { PRIO_NORMAL, false, 30, "J000005" };
    sla_rank norm_std_none = { PRIO_NORMAL, false, 0, "J000000" };
    //  urgency first, then the priority tier even with a later deadline
    assert_true(sla_queue_before(&high_std, &norm_prio));
    assert_true(sla_queue_before(&high_prio, &high_std));
    assert_false(sla_queue_before(&high_std, &high_prio));
    assert_true(sla_queue_before(&norm_prio, &norm_std));
    //  then the deadline, no deadline last, then the id
    assert_true(sla_queue_before(&norm_std, &norm_std_later));
    assert_true(sla_queue_before(&norm_std_later, &norm_std_none));
    sla_rank twin = norm_std;
    twin.id = "J000009";
    assert_true(sla_queue_before(&norm_std, &twin));
    assert_false(sla_queue_before(&norm_std, &norm_std));
}

static void test_status_and_escalations(void **state)
{
    (void)state;
    int64_t due[SLA_N] = { 1000, 2000, 3000 }, risk[SLA_N] = { 750, 1500, 2250 };
    int which;
    assert_int_equal(sla_status_of(JS_NEW, due, risk, 100, &which), SLA_ST_NONE);
    assert_int_equal(which, -1);
    assert_int_equal(sla_status_of(JS_NEW, due, risk, 750, &which), SLA_ST_AT_RISK);
    assert_int_equal(which, SLA_ASSIGN);
    assert_int_equal(sla_status_of(JS_OFFERED, due, risk, 1000, &which), SLA_ST_BREACHED);
    assert_int_equal(which, SLA_ASSIGN);
    //  assigned: assign-by is no longer owed
    assert_int_equal(sla_status_of(JS_ASSIGNED, due, risk, 1200, &which), SLA_ST_NONE);
    assert_int_equal(sla_status_of(JS_EN_ROUTE, due, risk, 1600, &which), SLA_ST_AT_RISK);
    assert_int_equal(which, SLA_ARRIVE);
    assert_int_equal(sla_status_of(JS_ON_SITE, due, risk, 2100, &which), SLA_ST_NONE);
    assert_int_equal(sla_status_of(JS_ON_HOLD, due, risk, 3000, &which), SLA_ST_BREACHED);
    assert_int_equal(which, SLA_FIX);
    assert_int_equal(sla_status_of(JS_COMPLETED, due, risk, 9000, &which), SLA_ST_NONE);
    //  escalated only: the first deadline it owes
    assert_int_equal(sla_status_of(JS_ESCALATED, due, risk, 100, &which), SLA_ST_ESCALATED);
    assert_int_equal(which, SLA_ASSIGN);
    int64_t no_fix[SLA_N] = { 1000, 2000, 0 }, no_fix_risk[SLA_N] = { 750, 1500, 0 };
    assert_int_equal(sla_status_of(JS_ON_SITE, no_fix, no_fix_risk, 99999, &which), SLA_ST_NONE);
    assert_string_equal(sla_status_name(SLA_ST_AT_RISK), "at_risk");

    //  breached before at risk before escalated only, whatever the priority
    sla_rank hi = { PRIO_HIGH, true, 50, "J1" }, lo = { PRIO_NORMAL, false, 10, "J2" };
    assert_true(sla_escalation_cmp(SLA_ST_BREACHED, &lo, SLA_ST_AT_RISK, &hi) < 0);
    assert_true(sla_escalation_cmp(SLA_ST_AT_RISK, &lo, SLA_ST_ESCALATED, &hi) < 0);
    assert_true(sla_escalation_cmp(SLA_ST_ESCALATED, &hi, SLA_ST_BREACHED, &lo) > 0);
    //  then priority, tier, deadline
    assert_true(sla_escalation_cmp(SLA_ST_BREACHED, &hi, SLA_ST_BREACHED, &lo) < 0);
    sla_rank lo_prio = { PRIO_NORMAL, true, 99, "J3" };
    assert_true(sla_escalation_cmp(SLA_ST_AT_RISK, &lo_prio, SLA_ST_AT_RISK, &lo) < 0);
    sla_rank lo_later = { PRIO_NORMAL, false, 20, "J0" };
    assert_true(sla_escalation_cmp(SLA_ST_AT_RISK, &lo, SLA_ST_AT_RISK, &lo_later) < 0);
    assert_int_equal(sla_escalation_cmp(SLA_ST_AT_RISK, &lo, SLA_ST_AT_RISK, &lo), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_week),     cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_closed_dates),   cmocka_unit_test(test_add_weekdays),
        cmocka_unit_test(test_add_boundaries), cmocka_unit_test(test_add_midnight),
        cmocka_unit_test(test_add_holidays),   cmocka_unit_test(test_add_dst_spring),
        cmocka_unit_test(test_add_dst_autumn), cmocka_unit_test(test_add_other_zones),
        cmocka_unit_test(test_times),          cmocka_unit_test(test_policy_make),
        cmocka_unit_test(test_policy_pick),    cmocka_unit_test(test_owed),
        cmocka_unit_test(test_queue_order),    cmocka_unit_test(test_status_and_escalations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
