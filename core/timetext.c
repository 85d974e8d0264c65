/*  timetext.c — times and durations as people read and type them
    (timetext.h). Formatting goes through tzone_localtime, local input
    through calendar_local_to_utc, so the zone rules live in one place. */

#include "fsd/timetext.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "fsd/calendar.h"
#include "fsd/tzone.h"
#include "fsd/warranty.h"

static const char *s_accepted = "a time is RFC 3339 (2026-12-08T14:05:00+01:00, 2026-12-08T13:05Z), a local "
                                "date and time (2026-12-08 14:05), a date (2026-12-08), now, today, "
                                "yesterday or tomorrow";

//  The local time of utc_ms in tz, falling back to UTC; *abbr gets the
//  zone's abbreviation. 0 or -1.
static int s_local(int64_t utc_ms, const char *tz, struct tm *tm, char *abbr, size_t abbr_len)
{
    if (!tz || !*tz || tzone_localtime(tz, utc_ms, tm) < 0) {
        time_t t = (time_t)(utc_ms / 1000 - (utc_ms % 1000 < 0));
        if (!gmtime_r(&t, tm))
            return -1;
        snprintf(abbr, abbr_len, "UTC");
        return 0;
    }
    snprintf(abbr, abbr_len, "%s", tm->tm_zone ? tm->tm_zone : "");
    return 0;
}

const char *timetext_local(int64_t utc_ms, const char *tz, char *buf, size_t len)
{
    struct tm tm;
    char abbr[16];
    if (utc_ms <= 0 || s_local(utc_ms, tz, &tm, abbr, sizeof abbr) < 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d %s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, abbr);
    return buf;
}

const char *timetext_rfc3339(int64_t utc_ms, const char *tz, char *buf, size_t len)
{
    struct tm tm;
    char abbr[16];
    if (utc_ms <= 0 || s_local(utc_ms, tz, &tm, abbr, sizeof abbr) < 0) {
        snprintf(buf, len, "%s", "");
        return buf;
    }
    int n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n < 0 || (size_t)n >= len)
        return buf;
    long off = tm.tm_gmtoff;
    if (off == 0)
        snprintf(buf + n, len - (size_t)n, "Z");
    else
        snprintf(buf + n, len - (size_t)n, "%c%02ld:%02ld", off < 0 ? '-' : '+',
                 (off < 0 ? -off : off) / 3600, (off < 0 ? -off : off) % 3600 / 60);
    return buf;
}

const char *timetext_duration(int64_t ms, char *buf, size_t len)
{
    const char *sign = ms < 0 ? "-" : "";
    uint64_t s = (uint64_t)(ms < 0 ? -(ms / 1000) : ms / 1000);
    if (s >= 86400)
        snprintf(buf, len, "%s%llud %lluh", sign, (unsigned long long)(s / 86400),
                 (unsigned long long)(s % 86400 / 3600));
    else if (s >= 3600)
        snprintf(buf, len, "%s%lluh %02llum", sign, (unsigned long long)(s / 3600),
                 (unsigned long long)(s % 3600 / 60));
    else if (s >= 60)
        snprintf(buf, len, "%s%llum %02llus", sign, (unsigned long long)(s / 60),
                 (unsigned long long)(s % 60));
    else
        snprintf(buf, len, "%s%llus", sign, (unsigned long long)s);
    return buf;
}

//  Reads exactly n digits at *p into *out, advancing *p.
static bool s_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

//  The local midnight `days_from_today` days from now's local date.
static int s_day_word(const char *tz, int64_t now, int days_from_today, int64_t *out)
{
    tzone_local here;
    if (tzone_localize(tz, now, &here) < 0)
        return -1;
    civil_date d = civil_from_days(civil_to_days(here.date) + days_from_today);
    return calendar_local_to_utc(tz, d, 0, out);
}

//  The local wall-clock minute of utc_ms in tz, and its abbreviation.
static int s_wall(int64_t utc_ms, const char *tz, long *minute_of_epoch_day, char *abbr, size_t abbr_len)
{
    struct tm tm;
    if (tzone_localtime(tz, utc_ms, &tm) < 0)
        return -1;
    snprintf(abbr, abbr_len, "%s", tm.tm_zone ? tm.tm_zone : "");
    civil_date d = { tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
    *minute_of_epoch_day = civil_to_days(d) * 1440 + tm.tm_hour * 60 + tm.tm_min;
    return 0;
}

//  The instant of a local time written with the zone's abbreviation: the
//  first reading, or the one an hour later or earlier whose wall clock is
//  the same and whose abbreviation matches. 0 or -1.
static int s_with_abbr(const char *tz, civil_date d, int minute, const char *abbr, int64_t *out)
{
    if (strcmp(abbr, "UTC") == 0 || strcmp(abbr, "Z") == 0) {
        *out = ((int64_t)civil_to_days(d) * 1440 + minute) * 60000;
        return 0;
    }
    int64_t first;
    if (calendar_local_to_utc(tz, d, minute, &first) < 0)
        return -1;
    long want = civil_to_days(d) * 1440 + minute;
    static const int64_t shifts[] = { 0, 3600000, -3600000 };
    for (size_t i = 0; i < sizeof shifts / sizeof shifts[0]; i++) {
        long wall;
        char got[16];
        if (s_wall(first + shifts[i], tz, &wall, got, sizeof got) == 0 && wall == want
            && strcmp(got, abbr) == 0) {
            *out = first + shifts[i];
            return 0;
        }
    }
    return -1;
}

//  Parses the time of day "HH:MM[:SS[.fff]]" at *p. false when malformed.
static bool s_clock(const char **p, int *h, int *m, int *sec)
{
    if (!s_digits(p, 2, h) || **p != ':')
        return false;
    (*p)++;
    if (!s_digits(p, 2, m))
        return false;
    *sec = 0;
    if (**p == ':') {
        (*p)++;
        if (!s_digits(p, 2, sec))
            return false;
        if (**p == '.') /* fractions of a second are read and dropped */
            do
                (*p)++;
            while (isdigit((unsigned char)**p));
    }
    return *h <= 23 && *m <= 59 && *sec <= 60;
}

//  Parses an offset "Z", "+01:00", "-0530" at *p into seconds east.
static bool s_offset(const char **p, long *secs)
{
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        *secs = 0;
        return true;
    }
    if (**p != '+' && **p != '-')
        return false;
    int sign = **p == '-' ? -1 : 1, h, m;
    (*p)++;
    if (!s_digits(p, 2, &h))
        return false;
    if (**p == ':')
        (*p)++;
    if (!s_digits(p, 2, &m) || h > 23 || m > 59)
        return false;
    *secs = sign * (h * 3600L + m * 60L);
    return true;
}

int timetext_parse(const char *text, const char *tz, int64_t now, int64_t *out, const char **why)
{
    const char *dummy;
    why = why ? why : &dummy;
    *why = s_accepted;
    if (!text || !out)
        return -1;
    const char *zone = tz && *tz ? tz : "UTC";
    if (!tzone_valid(zone)) {
        *why = "the time zone is not known on this machine (an IANA name such as Europe/Berlin)";
        return -1;
    }
    static const struct {
        const char *word;
        int days;
    } words[] = { { "today", 0 }, { "yesterday", -1 }, { "tomorrow", 1 } };
    if (strcmp(text, "now") == 0) {
        *out = now;
        return 0;
    }
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(text, words[i].word) == 0)
            return s_day_word(zone, now, words[i].days, out);
    const char *p = text;
    civil_date d;
    if (!s_digits(&p, 4, &d.y) || *p++ != '-' || !s_digits(&p, 2, &d.m) || *p++ != '-'
        || !s_digits(&p, 2, &d.d) || d.m < 1 || d.m > 12 || d.d < 1 || d.d > civil_days_in_month(d.y, d.m)
        || d.y < 1970) {
        if (strlen(text) == 10 && text[4] == '-' && text[7] == '-')
            *why = "that date does not exist";
        return -1;
    }
    if (!*p)
        return calendar_local_to_utc(zone, d, 0, out);
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    int h, m, sec;
    if (!s_clock(&p, &h, &m, &sec)) {
        *why = "the time of day must be HH:MM or HH:MM:SS, 00:00 to 23:59";
        return -1;
    }
    if (!*p) /* local time in the zone */
        return calendar_local_to_utc(zone, d, h * 60 + m, out) < 0 ? -1 : (*out += sec * 1000LL, 0);
    long off;
    const char *q = p;
    if (s_offset(&q, &off) && !*q) {
        *out = (((int64_t)civil_to_days(d) * 86400) + h * 3600 + m * 60 + sec - off) * 1000;
        return 0;
    }
    if (*p == ' ' && p[1]) { /* the zone's abbreviation, as printed */
        if (s_with_abbr(zone, d, h * 60 + m, p + 1, out) < 0) {
            *why = "the zone abbreviation does not match the time zone at that time (give an offset, "
                   "such as +01:00, or --tz)";
            return -1;
        }
        *out += sec * 1000LL;
        return 0;
    }
    return -1;
}
