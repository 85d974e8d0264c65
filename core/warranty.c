/*  warranty.c — civil dates (proleptic Gregorian) and the warranty decision.

    Dates are plain year-month-day triples converted to a day count with
    Howard Hinnant's days-from-civil algorithm, so comparisons and month
    arithmetic need no time zone and no clock. A warranty of N months runs
    through the same day number N months after purchase, clamped to the end
    of a shorter month, inclusive.

    Deliberately not here: reading the clock or converting an instant to a
    local date (tzone.c does that for the territory's zone), goodwill (a
    dispatcher's decision the caller records), and looking products up. */

#include <stdio.h>
#include <string.h>
#include "fsd/warranty.h"

//  True when c is an ASCII digit.
static bool s_digit(char c)
{
    return c >= '0' && c <= '9';
}

//  Value of n digits at s, or -1 when any is not a digit.
static int s_number(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!s_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

//  Parses exactly "YYYY-MM-DD", a real calendar day in 1900..9999.
int civil_parse(const char *s, civil_date *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    int y = s_number(s, 4), m = s_number(s + 5, 2), d = s_number(s + 8, 2);
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > civil_days_in_month(y, m))
        return -1;
    if (out) {
        out->y = y;
        out->m = m;
        out->d = d;
    }
    return 0;
}

//  Formats d as "YYYY-MM-DD".
char *civil_format(civil_date d, char *buf)
{
    unsigned y = (unsigned)d.y % 10000u, m = (unsigned)d.m % 100u, day = (unsigned)d.d % 100u;
    snprintf(buf, 11, "%04u-%02u-%02u", y, m, day);
    return buf;
}

//  Gregorian leap year rule.
bool civil_is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

//  Days in a month, 0 for a month out of range.
int civil_days_in_month(int year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (month < 1 || month > 12)
        return 0;
    return month == 2 && civil_is_leap(year) ? 29 : days[month - 1];
}

//  Adds months (may be negative), clamping the day to the month's end.
civil_date civil_add_months(civil_date d, int months)
{
    long total = (long)d.y * 12 + (d.m - 1) + months;
    long y = total >= 0 ? total / 12 : -((-total + 11) / 12);
    civil_date r = { (int)y, (int)(total - y * 12) + 1, d.d };
    int last = civil_days_in_month(r.y, r.m);
    if (r.d > last)
        r.d = last;
    return r;
}

//  Compares two dates, earlier first.
int civil_cmp(civil_date a, civil_date b)
{
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    if (a.d != b.d)
        return a.d < b.d ? -1 : 1;
    return 0;
}

//  Days since 1970-01-01 (days-from-civil).
long civil_to_days(civil_date d)
{
    long y = d.y - (d.m <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = (d.m + 9) % 12;
    long doy = (153 * mp + 2) / 5 + d.d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

//  Date of a day count since 1970-01-01 (civil-from-days).
civil_date civil_from_days(long days)
{
    long z = days + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    civil_date r;
    r.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    r.m = (int)(mp < 10 ? mp + 3 : mp - 9);
    r.y = (int)(yoe + era * 400 + (r.m <= 2));
    return r;
}

//  Last covered day of the manufacturer's warranty.
civil_date warranty_end(const warranty_terms *t)
{
    return civil_add_months(t->purchased, t->warranty_months);
}

//  The warranty status on the day the fault was reported.
warranty_status warranty_decide(const warranty_terms *t, civil_date reported)
{
    if (!t)
        return WS_UNREGISTERED;
    if (civil_cmp(reported, warranty_end(t)) <= 0)
        return WS_IN_WARRANTY;
    if (t->has_extended && civil_cmp(reported, t->extended_until) <= 0)
        return WS_EXTENDED;
    return WS_EXPIRED;
}

//  True when the status makes the job warranty work.
bool warranty_is_covered(warranty_status w)
{
    return w == WS_IN_WARRANTY || w == WS_EXTENDED;
}
