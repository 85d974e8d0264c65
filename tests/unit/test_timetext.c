/*  test_timetext.c — times and durations as people read and type them:
    zones, daylight-saving edges, the accepted forms and bad input. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "fsd/timetext.h"
#include "fsd/warranty.h"

//  UTC milliseconds of a date and time given in UTC.
static int64_t s_utc(const char *date, int hour, int minute, int sec)
{
    civil_date d;
    assert_int_equal(civil_parse(date, &d), 0);
    return ((int64_t)civil_to_days(d) * 86400 + hour * 3600 + minute * 60 + sec) * 1000;
}

//  Parses text in zone tz as of now and expects the instant want.
static void s_parses(const char *text, const char *tz, int64_t now, int64_t want)
{
    int64_t got = 0;
    const char *why = NULL;
    int rc = timetext_parse(text, tz, now, &got, &why);
    if (rc != 0)
        fail_msg("'%s' in %s refused: %s", text, tz, why);
    assert_int_equal(got, want);
}

//  Expects text to be refused, with a reason.
static void s_refused(const char *text, const char *tz)
{
    int64_t got = 0;
    const char *why = NULL;
    if (timetext_parse(text, tz, 0, &got, &why) == 0)
        fail_msg("'%s' accepted as %lld", text, (long long)got);
    assert_non_null(why);
}

static void test_local_text(void **state)
{
    char buf[TIMETEXT_LEN];
    assert_string_equal(timetext_local(s_utc("2026-12-08", 13, 5, 30), "Europe/Berlin", buf, sizeof buf),
                        "2026-12-08 14:05 CET");
    assert_string_equal(timetext_local(s_utc("2026-07-01", 22, 30, 0), "Europe/Berlin", buf, sizeof buf),
                        "2026-07-02 00:30 CEST");
    assert_string_equal(timetext_local(s_utc("2026-07-01", 22, 30, 0), "America/New_York", buf, sizeof buf),
                        "2026-07-01 18:30 EDT");
    assert_string_equal(timetext_local(s_utc("2026-07-01", 22, 30, 0), "UTC", buf, sizeof buf),
                        "2026-07-01 22:30 UTC");
    /* an unknown zone: UTC, said so */
    assert_string_equal(timetext_local(s_utc("2026-07-01", 22, 30, 0), "Mars/Olympus", buf, sizeof buf),
                        "2026-07-01 22:30 UTC");
    assert_string_equal(timetext_local(0, "Europe/Berlin", buf, sizeof buf), "-");
}

static void test_rfc3339(void **state)
{
    char buf[TIMETEXT_LEN];
    assert_string_equal(timetext_rfc3339(s_utc("2026-12-08", 13, 5, 30), "Europe/Berlin", buf, sizeof buf),
                        "2026-12-08T14:05:30+01:00");
    assert_string_equal(timetext_rfc3339(s_utc("2026-07-01", 22, 30, 0), "UTC", buf, sizeof buf),
                        "2026-07-01T22:30:00Z");
    assert_string_equal(timetext_rfc3339(s_utc("2026-07-01", 22, 30, 0), "Asia/Kolkata", buf, sizeof buf),
                        "2026-07-02T04:00:00+05:30");
    assert_string_equal(
        timetext_rfc3339(s_utc("2026-07-01", 22, 30, 0), "America/Sao_Paulo", buf, sizeof buf),
        "2026-07-01T19:30:00-03:00");
    assert_string_equal(timetext_rfc3339(-5, "UTC", buf, sizeof buf), "");
}

static void test_duration(void **state)
{
    char buf[TIMETEXT_LEN];
    assert_string_equal(timetext_duration(1255762000, buf, sizeof buf), "14d 12h");
    assert_string_equal(timetext_duration((3 * 3600 + 5 * 60 + 59) * 1000LL, buf, sizeof buf), "3h 05m");
    assert_string_equal(timetext_duration(45999, buf, sizeof buf), "45s");
    assert_string_equal(timetext_duration(12 * 60000 + 30000, buf, sizeof buf), "12m 30s");
    assert_string_equal(timetext_duration(0, buf, sizeof buf), "0s");
    assert_string_equal(timetext_duration(-90000, buf, sizeof buf), "-1m 30s");
    assert_string_equal(timetext_duration(86400000, buf, sizeof buf), "1d 0h");
}

static void test_parse_forms(void **state)
{
    int64_t now = s_utc("2026-12-08", 23, 30, 0); /* Wednesday 00:30 in Berlin */
    s_parses("2026-12-08T14:05:00+01:00", "UTC", now, s_utc("2026-12-08", 13, 5, 0));
    s_parses("2026-12-08T13:05Z", "Europe/Berlin", now, s_utc("2026-12-08", 13, 5, 0));
    s_parses("2026-12-08T13:05:07.250Z", "Europe/Berlin", now, s_utc("2026-12-08", 13, 5, 7));
    s_parses("2026-12-08T09:35-0330", "UTC", now, s_utc("2026-12-08", 13, 5, 0));
    s_parses("2026-12-08 14:05", "Europe/Berlin", now, s_utc("2026-12-08", 13, 5, 0));
    s_parses("2026-12-08T14:05:30", "Europe/Berlin", now, s_utc("2026-12-08", 13, 5, 30));
    s_parses("2026-12-08 14:05 CET", "Europe/Berlin", now, s_utc("2026-12-08", 13, 5, 0));
    s_parses("2026-12-08 14:05 UTC", "Europe/Berlin", now, s_utc("2026-12-08", 14, 5, 0));
    s_parses("2026-12-08", "Europe/Berlin", now, s_utc("2026-12-07", 23, 0, 0));
    s_parses("2026-12-08", "UTC", now, s_utc("2026-12-08", 0, 0, 0));
    s_parses("now", "Europe/Berlin", now, now);
    /* today is the zone's today: already the 9th in Berlin */
    s_parses("today", "Europe/Berlin", now, s_utc("2026-12-08", 23, 0, 0));
    s_parses("today", "UTC", now, s_utc("2026-12-08", 0, 0, 0));
    s_parses("yesterday", "UTC", now, s_utc("2026-12-07", 0, 0, 0));
    s_parses("tomorrow", "America/New_York", now, s_utc("2026-12-09", 5, 0, 0));
}

static void test_parse_dst_edges(void **state)
{
    /* spring: 02:30 does not exist in Berlin on 2026-03-29; moves forward by the gap */
    s_parses("2026-03-29 02:30", "Europe/Berlin", 0, s_utc("2026-03-29", 1, 30, 0));
    s_parses("2026-03-29 01:59", "Europe/Berlin", 0, s_utc("2026-03-29", 0, 59, 0));
    s_parses("2026-03-29 03:00", "Europe/Berlin", 0, s_utc("2026-03-29", 1, 0, 0));
    /* autumn: 02:30 happens twice on 2026-10-25; the first unless told */
    s_parses("2026-10-25 02:30", "Europe/Berlin", 0, s_utc("2026-10-25", 0, 30, 0));
    s_parses("2026-10-25 02:30 CEST", "Europe/Berlin", 0, s_utc("2026-10-25", 0, 30, 0));
    s_parses("2026-10-25 02:30 CET", "Europe/Berlin", 0, s_utc("2026-10-25", 1, 30, 0));
    /* printed and read back: the same instant on both sides of the change */
    char buf[TIMETEXT_LEN];
    for (int64_t t = s_utc("2026-10-24", 23, 0, 0); t < s_utc("2026-10-25", 3, 0, 0); t += 15 * 60000) {
        int64_t back = 0;
        assert_int_equal(timetext_parse(timetext_local(t, "Europe/Berlin", buf, sizeof buf), "Europe/Berlin",
                                        0, &back, NULL),
                         0);
        assert_int_equal(back, t);
    }
}

static void test_parse_bad(void **state)
{
    const char *bad[] = {
        "",
        "yesterday-ish",
        "2026-13-01",
        "2026-02-30",
        "2026-12-08 24:00",
        "2026-12-08 14:60",
        "2026-12-08 14",
        "2026-12-08T14:05+25:00",
        "2026-12-08 14:05 PST",
        "2026-12-08 14:05 CET extra",
        "2026-12-08x",
        "08.12.2026",
        "1255762",
        "1969-12-31",
        "NOW",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        s_refused(bad[i], "Europe/Berlin");
    /* an unknown zone is named as the problem */
    int64_t got;
    const char *why = NULL;
    assert_int_equal(timetext_parse("2026-12-08 14:05", "Mars/Olympus", 0, &got, &why), -1);
    assert_non_null(strstr(why, "zone"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_text),      cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_duration),        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_dst_edges), cmocka_unit_test(test_parse_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
