/*  tzone.c — local time in an IANA zone, and weekly shifts.

    Local time comes from the C library: set TZ, call tzset(), then
    localtime_r(). The last zone set is remembered so a run of lookups in
    one zone pays for tzset() once. This is safe only because the server
    is single-threaded; it also means this module owns the process's TZ.

    Shifts are a days-of-week mask and a window of local minutes; a window
    that ends at or before its start runs past midnight and belongs to the
    day it starts on.

    Deliberately not here: zone data of our own (tzdata must be installed),
    holidays, and shifts that differ from day to day. */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include "fsd/tzone.h"

#define S_ZONEINFO "/usr/share/zoneinfo/"
#define S_NAME_MAX 200

static char s_current[S_NAME_MAX + 1]; //  zone TZ was last set to

//  True for the characters a zone name may contain.
static bool s_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '+' || c == '-' || c == '/';
}

//  True when name is a safe, existing zone file under /usr/share/zoneinfo.
bool tzone_valid(const char *name)
{
    if (!name || !*name || *name == '/' || strstr(name, "..") || strlen(name) > S_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++)
        if (!s_name_char(*p))
            return false;
    char path[sizeof S_ZONEINFO + S_NAME_MAX];
    strcpy(path, S_ZONEINFO);
    strcat(path, name);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

//  Makes name the process's zone unless it already is. 0 or -1.
static int s_switch_zone(const char *name)
{
    const char *tz = getenv("TZ");
    if (tz && strcmp(tz, name) == 0 && strcmp(s_current, name) == 0)
        return 0;
    if (!tzone_valid(name) || setenv("TZ", name, 1))
        return -1;
    tzset();
    strcpy(s_current, name);
    return 0;
}

//  The broken-down local time of an instant in zone name (tm_zone and
//  tm_gmtoff set). 0 or -1.
int tzone_localtime(const char *name, int64_t utc_ms, struct tm *out)
{
    if (!out || s_switch_zone(name ? name : ""))
        return -1;
    int64_t secs = utc_ms / 1000 - (utc_ms % 1000 < 0);
    time_t t = (time_t)secs;
    return localtime_r(&t, out) ? 0 : -1;
}

//  Local date, weekday and minute of an instant in zone name.
int tzone_localize(const char *name, int64_t utc_ms, tzone_local *out)
{
    if (!out || s_switch_zone(name ? name : ""))
        return -1;
    int64_t secs = utc_ms / 1000 - (utc_ms % 1000 < 0);
    time_t t = (time_t)secs;
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return -1;
    out->date.y = tm.tm_year + 1900;
    out->date.m = tm.tm_mon + 1;
    out->date.d = tm.tm_mday;
    out->dow = (tm.tm_wday + 6) % 7;
    out->minute = tm.tm_hour * 60 + tm.tm_min;
    return 0;
}

//  ---------------------------------------------------------------------
//  Shifts

static const char *const s_day_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

//  Day index (0 = Monday) of a three-letter name of length len, or -1.
static int s_day(const char *s, size_t len)
{
    if (len != 3)
        return -1;
    for (int i = 0; i < 7; i++)
        if (strncasecmp(s, s_day_names[i], 3) == 0)
            return i;
    return -1;
}

//  Mask of one item: "Mon" or "Fri-Mon" (wrapping). 0 when malformed.
static uint8_t s_day_item(const char *s, size_t len)
{
    const char *dash = memchr(s, '-', len);
    if (!dash) {
        int d = s_day(s, len);
        return d < 0 ? 0 : (uint8_t)(1u << d);
    }
    int from = s_day(s, (size_t)(dash - s));
    int to = s_day(dash + 1, len - (size_t)(dash - s) - 1);
    if (from < 0 || to < 0)
        return 0;
    uint8_t mask = 0;
    for (int d = from;; d = (d + 1) % 7) {
        mask |= (uint8_t)(1u << d);
        if (d == to)
            break;
    }
    return mask;
}

//  True when the token equals word, ignoring case.
static bool s_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

//  Mask of a days token ("daily", "weekdays", "Mon-Fri,Sun"). 0 if bad.
static uint8_t s_days(const char *s, size_t len)
{
    if (s_is(s, len, "daily"))
        return 0x7f;
    if (s_is(s, len, "weekdays"))
        return 0x1f;
    if (s_is(s, len, "weekends"))
        return 0x60;
    uint8_t mask = 0;
    while (len > 0) {
        const char *comma = memchr(s, ',', len);
        size_t item = comma ? (size_t)(comma - s) : len;
        uint8_t bits = s_day_item(s, item);
        if (!bits)
            return 0;
        mask |= bits;
        if (!comma)
            break;
        s += item + 1;
        len -= item + 1;
        if (len == 0)
            return 0; //  trailing comma
    }
    return mask;
}

//  Parses "HH:MM" at s into minutes; 24:00 only when allow_24. -1 if bad.
static int s_clock(const char *s, bool allow_24)
{
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':'
        || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
        return -1;
    return h * 60 + m;
}

//  Parses an hours token "HH:MM-HH:MM" or "24h" into out. 0 or -1.
static int s_hours(const char *s, size_t len, shift *out, const char **why)
{
    if (s_is(s, len, "24h")) {
        out->start_min = 0;
        out->end_min = 1440;
        return 0;
    }
    if (len != 11 || s[5] != '-') {
        *why = "shift hours must look like 08:00-17:00 (or 24h)";
        return -1;
    }
    out->start_min = s_clock(s, false);
    out->end_min = s_clock(s + 6, true);
    if (out->start_min < 0 || out->end_min < 0) {
        *why = "shift hours must be real times of day, 00:00 to 24:00";
        return -1;
    }
    if (out->start_min == out->end_min) {
        *why = "a shift cannot start and end at the same time";
        return -1;
    }
    return 0;
}

//  Length of the token at s (up to whitespace or the end).
static size_t s_token(const char *s)
{
    size_t n = 0;
    while (s[n] && !isspace((unsigned char)s[n]))
        n++;
    return n;
}

//  Skips whitespace.
static const char *s_skip(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

//  Parses "[days] hours" into a shift.
int shift_parse(const char *text, shift *out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if (!text || !out) {
        *why = "no shift given";
        return -1;
    }
    const char *first = s_skip(text);
    size_t first_len = s_token(first);
    const char *second = s_skip(first + first_len);
    size_t second_len = s_token(second);
    if (first_len == 0) {
        *why = "no shift given";
        return -1;
    }
    if (*s_skip(second + second_len)) {
        *why = "a shift is days then hours, e.g. \"Mon-Fri 08:00-17:00\"";
        return -1;
    }
    shift s = { 0x7f, 0, 1440 };
    if (second_len > 0) {
        s.days = s_days(first, first_len);
        if (!s.days) {
            *why = "shift days must be like Mon-Fri, Mon,Wed,Fri, daily, "
                   "weekdays or weekends";
            return -1;
        }
        if (s_hours(second, second_len, &s, why))
            return -1;
    } else if (s_hours(first, first_len, &s, why))
        return -1;
    *out = s;
    return 0;
}

//  True when local time at falls within the shift.
bool shift_covers(const shift *s, const tzone_local *at)
{
    if (!s || !at || at->dow < 0 || at->dow > 6)
        return false;
    bool today = s->days & (1u << at->dow);
    bool yesterday = s->days & (1u << ((at->dow + 6) % 7));
    if (s->end_min > s->start_min)
        return today && at->minute >= s->start_min && at->minute < s->end_min;
    return (today && at->minute >= s->start_min) || (yesterday && at->minute < s->end_min);
}
