/*  test_tzone.c — local time in IANA zones, and shift parsing and cover. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fsd/tzone.h"

//  UTC milliseconds of a date and time given in UTC.
static int64_t s_utc(const char *date, int hour, int minute)
{
    civil_date d;
    assert_int_equal(civil_parse(date, &d), 0);
    return ((int64_t)civil_to_days(d) * 86400 + hour * 3600 + minute * 60) * 1000;
}

//  Localizes and checks the date, weekday and minute.
static void s_expect(const char *zone, int64_t utc_ms, const char *date, int dow, int minute)
{
    tzone_local at;
    char buf[11];
    assert_int_equal(tzone_localize(zone, utc_ms, &at), 0);
    assert_string_equal(civil_format(at.date, buf), date);
    assert_int_equal(at.dow, dow);
    assert_int_equal(at.minute, minute);
}

//  Zone names: known zones pass, unsafe or unknown ones fail.
static void test_valid(void **state)
{
    (void)state;
    assert_true(tzone_valid("Europe/Berlin"));
    assert_true(tzone_valid("America/New_York"));
    assert_true(tzone_valid("Asia/Kolkata"));
    assert_true(tzone_valid("Etc/GMT+5"));
    assert_false(tzone_valid("../etc/passwd"));
    assert_false(tzone_valid("Europe/../../etc/passwd"));
    assert_false(tzone_valid("/etc/passwd"));
    assert_false(tzone_valid("Nope/Zone"));
    assert_false(tzone_valid("Europe")); //  a directory
    assert_false(tzone_valid("Europe/Berlin "));
    assert_false(tzone_valid("Europe/Berlin;rm"));
    assert_false(tzone_valid(""));
    assert_false(tzone_valid(NULL));
}

//  Berlin in winter and summer, across midnight.
static void test_berlin(void **state)
{
    (void)state;
    s_expect("Europe/Berlin", s_utc("2026-01-15", 12, 0), "2026-01-15", 3, 13 * 60);
    s_expect("Europe/Berlin", s_utc("2026-07-01", 12, 0), "2026-07-01", 2, 14 * 60);
    s_expect("Europe/Berlin", s_utc("2026-01-15", 23, 30), "2026-01-16", 4, 30);
    //  The spring change: 02:00 CET becomes 03:00 CEST at 01:00Z.
    s_expect("Europe/Berlin", s_utc("2026-03-29", 0, 30), "2026-03-29", 6, 90);
    s_expect("Europe/Berlin", s_utc("2026-03-29", 1, 30), "2026-03-29", 6, 210);
}

//  New York and Kolkata, and switching zones back and forth.
static void test_other_zones(void **state)
{
    (void)state;
    s_expect("America/New_York", s_utc("2026-01-15", 12, 0), "2026-01-15", 3, 7 * 60);
    s_expect("America/New_York", s_utc("2026-07-01", 12, 0), "2026-07-01", 2, 8 * 60);
    s_expect("America/New_York", s_utc("2026-01-15", 3, 0), "2026-01-14", 2, 22 * 60);
    s_expect("Asia/Kolkata", s_utc("2026-01-15", 12, 0), "2026-01-15", 3, 17 * 60 + 30);
    s_expect("Europe/Berlin", s_utc("2026-01-15", 12, 0), "2026-01-15", 3, 13 * 60);
    s_expect("Asia/Kolkata", s_utc("2026-01-15", 20, 0), "2026-01-16", 4, 90);
    //  Before the epoch, with milliseconds.
    s_expect("Etc/UTC", -1, "1969-12-31", 2, 1439);
    tzone_local at;
    assert_int_equal(tzone_localize("Nope/Zone", 0, &at), -1);
    assert_int_equal(tzone_localize("../etc/passwd", 0, &at), -1);
    //  A failed switch leaves the cache sane.
    s_expect("Europe/Berlin", s_utc("2026-07-01", 12, 0), "2026-07-01", 2, 14 * 60);
}

//  Parses text, expecting success, and checks the result.
static void s_parse_ok(const char *text, uint8_t days, int start, int end)
{
    shift s;
    const char *why = NULL;
    if (shift_parse(text, &s, &why))
        fail_msg("\"%s\" refused: %s", text, why);
    assert_int_equal(s.days, days);
    assert_int_equal(s.start_min, start);
    assert_int_equal(s.end_min, end);
}

//  Good shifts.
static void test_parse_good(void **state)
{
    (void)state;
    s_parse_ok("Mon-Fri 08:00-17:00", 0x1f, 480, 1020);
    s_parse_ok("Mon,Wed,Sat 07:30-15:30", 0x01 | 0x04 | 0x20, 450, 930);
    s_parse_ok("daily 22:00-06:00", 0x7f, 1320, 360);
    s_parse_ok("08:00-17:00", 0x7f, 480, 1020);
    s_parse_ok("24h", 0x7f, 0, 1440);
    s_parse_ok("Sat-Sun 09:00-24:00", 0x60, 540, 1440);
    s_parse_ok("weekdays 00:00-24:00", 0x1f, 0, 1440);
    s_parse_ok("weekends 10:00-14:00", 0x60, 600, 840);
    s_parse_ok("Fri-Mon 10:00-14:00", 0x01 | 0x10 | 0x20 | 0x40, 600, 840);
    s_parse_ok("mon-fri,sun 08:00-12:00", 0x5f, 480, 720);
    s_parse_ok("  Mon-Fri   08:00-17:00  ", 0x1f, 480, 1020);
    s_parse_ok("Mon-Fri 24h", 0x1f, 0, 1440);
    s_parse_ok("Fri 22:00-06:00", 0x10, 1320, 360);
}

//  Bad shifts are refused with a reason.
static void test_parse_bad(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "   ",
        "Mon-Fri",
        "Mon-Fri 8:00-17:00",
        "Mon-Fri 08:00-17:60",
        "Mon-Fri 25:00-26:00",
        "Mon-Fri 24:00-06:00",
        "Mon-Fri 08:00-24:01",
        "Mon-Fry 08:00-17:00",
        "Mon,,Fri 08:00-17:00",
        "Mon, 08:00-17:00",
        "Mon-Fri 08:00-17:00 extra",
        "Mon-Fri 08:00~17:00",
        "Monday 08:00-17:00",
        "Mon-Fri 08:00-08:00",
        "25h",
        "Mon-Fri-Sat 08:00-17:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        shift s;
        const char *why = NULL;
        if (shift_parse(bad[i], &s, &why) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_non_null(why);
    }
    shift s;
    assert_int_equal(shift_parse(NULL, &s, NULL), -1);
    assert_int_equal(shift_parse("Mon-Fri 08", &s, NULL), -1);
}

//  True when the shift covers dow at hh:mm.
static bool s_covers(const shift *s, int dow, int hour, int minute)
{
    tzone_local at = { { 2026, 1, 1 }, dow, hour * 60 + minute };
    return shift_covers(s, &at);
}

//  Day shifts, overnight shifts, and all-day shifts.
static void test_covers(void **state)
{
    (void)state;
    shift s;
    assert_int_equal(shift_parse("Mon-Fri 08:00-17:00", &s, NULL), 0);
    assert_true(s_covers(&s, 0, 8, 0));
    assert_true(s_covers(&s, 4, 16, 59));
    assert_false(s_covers(&s, 4, 17, 0));
    assert_false(s_covers(&s, 0, 7, 59));
    assert_false(s_covers(&s, 5, 12, 0));

    assert_int_equal(shift_parse("Fri 22:00-06:00", &s, NULL), 0);
    assert_true(s_covers(&s, 5, 3, 0));  //  Saturday 03:00
    assert_true(s_covers(&s, 4, 23, 0)); //  Friday 23:00
    assert_true(s_covers(&s, 4, 22, 0));
    assert_false(s_covers(&s, 4, 21, 59));
    assert_false(s_covers(&s, 5, 6, 0));
    assert_false(s_covers(&s, 5, 23, 0)); //  Saturday night: not set
    assert_false(s_covers(&s, 4, 3, 0));  //  Friday early: Thu not set
    assert_false(s_covers(&s, 6, 3, 0));

    assert_int_equal(shift_parse("daily 22:00-06:00", &s, NULL), 0);
    assert_true(s_covers(&s, 0, 3, 0)); //  Monday early, from Sunday

    assert_int_equal(shift_parse("24h", &s, NULL), 0);
    for (int d = 0; d < 7; d++) {
        assert_true(s_covers(&s, d, 0, 0));
        assert_true(s_covers(&s, d, 23, 59));
    }
    assert_int_equal(shift_parse("Sat-Sun 09:00-24:00", &s, NULL), 0);
    assert_true(s_covers(&s, 6, 23, 59));
    assert_false(s_covers(&s, 0, 0, 0));
}

//  A real instant through a zone into a shift.
static void test_localized_cover(void **state)
{
    (void)state;
    shift s;
    tzone_local at;
    assert_int_equal(shift_parse("Mon-Fri 08:00-17:00", &s, NULL), 0);
    //  2026-01-16 07:30Z is Friday 08:30 in Berlin, 02:30 in New York.
    int64_t t = s_utc("2026-01-16", 7, 30);
    assert_int_equal(tzone_localize("Europe/Berlin", t, &at), 0);
    assert_true(shift_covers(&s, &at));
    assert_int_equal(tzone_localize("America/New_York", t, &at), 0);
    assert_false(shift_covers(&s, &at));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),           cmocka_unit_test(test_berlin),
        cmocka_unit_test(test_other_zones),     cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),       cmocka_unit_test(test_covers),
        cmocka_unit_test(test_localized_cover),
    };
    return cmocka_run_group_tests_name("tzone", tests, NULL, NULL);
}
