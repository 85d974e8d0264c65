/*  hours.c — working hours: the weekly hours and closed dates of a
    territory, parsed from their text, and working time counted in them
    (see include/fsd/sla.h, "working hours").

    Working hours are a bitmap of the 1440 minutes of each weekday (the
    union of the items parsed), turned into runs of open minutes per
    weekday, plus closed dates (single days as day numbers, yearly ones as
    month/day). Counting working time walks the local calendar day by day
    from the start: each open run of a date is turned into a UTC interval
    through the zone (so daylight-saving days last 23 or 25 hours where
    the hours cover the change) and consumed until the duration is spent.

    Local time comes from tzone_localize only (this module never touches
    TZ itself): the UTC instant of a wall time is found from the offsets in
    force a day before and a day after it, which is exact for any zone that
    changes its offset at most once in two days (all of them, today). */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fsd/sla.h"
#include "fsd/tzone.h"

#define S_DAY_MS 86400000LL
#define S_RUNS_MAX 48           //  separate open periods per weekday
#define S_CLOSED_DAYS_MAX 20000 //  single closed days, ranges expanded
#define S_HORIZON_DAYS 800      //  how far sla_add looks for working time

typedef struct {
    int16_t start, end; //  local minutes [start, end), end <= 1440
} s_run;

//  Structure of our class

struct sla_hours {
    uint8_t open[7][1440 / 8]; //  bit per minute, 0 = Monday
    s_run runs[7][S_RUNS_MAX];
    int n_runs[7];
    long *closed; //  day numbers, ascending, unique
    size_t n_closed;
    uint8_t yearly[13][32]; //  [month][day]: closed every year
};

//  Formats a sentence into why (may be NULL).
static void s_why(char *why, size_t len, const char *fmt, ...)
{
    if (!why || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
}

//  ---------------------------------------------------------------------
//  Working hours: parsing

static const char *const s_day_names[7] = { "monday", "tuesday",  "wednesday", "thursday",
                                            "friday", "saturday", "sunday" };

//  Day index (0 = Monday) of a name of len characters: three letters or
//  more of the English name ("mon", "tues", "monday"); -1 if none.
static int s_day(const char *s, size_t len)
{
    if (len < 3)
        return -1;
    for (int i = 0; i < 7; i++)
        if (len <= strlen(s_day_names[i]) && strncasecmp(s, s_day_names[i], len) == 0)
            return i;
    return -1;
}

//  True when the len characters at s spell word, any case.
static bool s_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

//  Mask of a days part (spaces removed): "mon-fri,sun", "daily" ... 0 bad.
static uint8_t s_days(const char *s, size_t len)
{
    if (s_is(s, len, "daily"))
        return 0x7f;
    if (s_is(s, len, "weekdays"))
        return 0x1f;
    if (s_is(s, len, "weekends"))
        return 0x60;
    uint8_t mask = 0;
    while (true) {
        const char *comma = memchr(s, ',', len);
        size_t item = comma ? (size_t)(comma - s) : len;
        const char *dash = memchr(s, '-', item);
        int from, to;
        if (dash) {
            from = s_day(s, (size_t)(dash - s));
            to = s_day(dash + 1, item - (size_t)(dash - s) - 1);
        } else
            from = to = s_day(s, item);
        if (from < 0 || to < 0)
            return 0;
        for (int d = from;; d = (d + 1) % 7) {
            mask |= (uint8_t)(1u << d);
            if (d == to)
                break;
        }
        if (!comma)
            break;
        s += item + 1;
        len -= item + 1;
    }
    return mask;
}

//  Parses "H:MM" or "HH:MM" at *s, advancing it; 24:00 only when
//  allow_24. Minutes of the day, or -1.
static int s_clock(const char **s, bool allow_24)
{
    const char *p = *s;
    int h = 0, digits = 0;
    while (isdigit((unsigned char)*p) && digits < 2) {
        h = h * 10 + (*p++ - '0');
        digits++;
    }
    if (digits == 0 || *p != ':' || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
        return -1;
    int m = (p[1] - '0') * 10 + (p[2] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
        return -1;
    *s = p + 3;
    return h * 60 + m;
}

//  Opens minutes [from, to) of weekday d.
static void s_open(sla_hours *h, int d, int from, int to)
{
    for (int m = from; m < to; m++)
        h->open[d][m / 8] |= (uint8_t)(1u << (m % 8));
}

//  True when minute m of weekday d is open.
static bool s_is_open(const sla_hours *h, int d, int m)
{
    return (h->open[d][m / 8] >> (m % 8)) & 1u;
}

//  Applies a ranges part (spaces removed) to the days in mask. 0 or -1.
static int s_ranges(sla_hours *h, uint8_t mask, const char *s, const char *item, char *why, size_t whylen)
{
    while (*s) {
        int start, end;
        if (strncasecmp(s, "24h", 3) == 0 && (s[3] == 0 || s[3] == ',')) {
            start = 0;
            end = 1440;
            s += 3;
        } else {
            start = s_clock(&s, false);
            if (start < 0 || *s != '-') {
                s_why(why, whylen,
                      "in \"%s\": hours must look like 08:00-18:00 "
                      "(or 24h), real times of day",
                      item);
                return -1;
            }
            s++;
            end = s_clock(&s, true);
            if (end < 0) {
                s_why(why, whylen,
                      "in \"%s\": hours must look like 08:00-18:00 "
                      "(or 24h), real times of day, 00:00 to 24:00",
                      item);
                return -1;
            }
            if (start == end) {
                s_why(why, whylen,
                      "in \"%s\": a period cannot start and end at "
                      "the same time (24h for a whole day)",
                      item);
                return -1;
            }
        }
        if (*s && *s != ',') {
            s_why(why, whylen,
                  "in \"%s\": periods are separated by commas, "
                  "e.g. 08:00-12:00,13:00-17:00",
                  item);
            return -1;
        }
        for (int d = 0; d < 7; d++) {
            if (!(mask & (1u << d)))
                continue;
            if (end > start)
                s_open(h, d, start, end);
            else { //  past midnight: the rest on the next day
                s_open(h, d, start, 1440);
                s_open(h, (d + 1) % 7, 0, end);
            }
        }
        if (*s == ',') {
            s++;
            if (!*s) {
                s_why(why, whylen, "in \"%s\": a comma with no period after it", item);
                return -1;
            }
        }
    }
    return 0;
}

//  Parses one item "[days] ranges" of len characters at s. 0 or -1.
static int s_item(sla_hours *h, const char *s, size_t len, char *why, size_t whylen)
{
    char item[200], packed[200];
    if (len >= sizeof item) {
        s_why(why, whylen, "an item of the hours is longer than %zu characters", sizeof item - 1);
        return -1;
    }
    memcpy(item, s, len);
    item[len] = 0;
    //  days run up to the first digit; spaces do not matter anywhere
    size_t split = 0;
    while (item[split] && !isdigit((unsigned char)item[split]))
        split++;
    if (!item[split]) {
        s_why(why, whylen, "\"%s\" has no hours: write e.g. \"mon-fri 08:00-18:00\"", item);
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < split; i++)
        if (!isspace((unsigned char)item[i]))
            packed[n++] = item[i];
    packed[n] = 0;
    uint8_t mask = 0x7f;
    if (n > 0 && !(mask = s_days(packed, n))) {
        s_why(why, whylen,
              "in \"%s\": days must be like mon-fri, sat, mon,wed,fri, "
              "daily, weekdays or weekends",
              item);
        return -1;
    }
    n = 0;
    for (size_t i = split; item[i]; i++)
        if (!isspace((unsigned char)item[i]))
            packed[n++] = item[i];
    packed[n] = 0;
    return s_ranges(h, mask, packed, item, why, whylen);
}

//  Builds the runs of open minutes of each weekday. 0 or -1 (too many).
static int s_make_runs(sla_hours *h, char *why, size_t whylen)
{
    for (int d = 0; d < 7; d++) {
        h->n_runs[d] = 0;
        int m = 0;
        while (m < 1440) {
            if (!s_is_open(h, d, m)) {
                m++;
                continue;
            }
            int start = m;
            while (m < 1440 && s_is_open(h, d, m))
                m++;
            if (h->n_runs[d] == S_RUNS_MAX) {
                s_why(why, whylen, "%s has more than %d separate working periods", s_day_names[d],
                      S_RUNS_MAX);
                return -1;
            }
            h->runs[d][h->n_runs[d]++] = (s_run){ (int16_t)start, (int16_t)m };
        }
    }
    return 0;
}

//  Orders day numbers.
static int s_cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

//  Appends a closed day number. 0 or -1 (too many).
static int s_close_day(sla_hours *h, long day, size_t *cap)
{
    if (h->n_closed == S_CLOSED_DAYS_MAX)
        return -1;
    if (h->n_closed == *cap) {
        size_t more = *cap ? *cap * 2 : 32;
        long *bigger = realloc(h->closed, more * sizeof *bigger);
        if (!bigger)
            return -1;
        h->closed = bigger;
        *cap = more;
    }
    h->closed[h->n_closed++] = day;
    return 0;
}

//  Parses one closed entry (trimmed): a date, MM-DD, or a range. 0 or -1.
static int s_closed_entry(sla_hours *h, const char *e, size_t *cap, char *why, size_t whylen)
{
    civil_date from, to;
    size_t len = strlen(e);
    if (len == 5 && e[2] == '-' && isdigit((unsigned char)e[0]) && isdigit((unsigned char)e[1])
        && isdigit((unsigned char)e[3]) && isdigit((unsigned char)e[4])) {
        int m = (e[0] - '0') * 10 + (e[1] - '0');
        int d = (e[3] - '0') * 10 + (e[4] - '0');
        if (m < 1 || m > 12 || d < 1 || d > civil_days_in_month(2000, m)) {
            s_why(why, whylen, "closed date '%s' is not a day of the year (MM-DD)", e);
            return -1;
        }
        h->yearly[m][d] = 1;
        return 0;
    }
    if (len == 10 && civil_parse(e, &from) == 0)
        return s_close_day(h, civil_to_days(from), cap) == 0
                   ? 0
                   : (s_why(why, whylen, "more than %d closed days", S_CLOSED_DAYS_MAX), -1);
    char a[11], b[11];
    if (len == 22 && e[10] == '.' && e[11] == '.') {
        memcpy(a, e, 10);
        a[10] = 0;
        memcpy(b, e + 12, 10);
        b[10] = 0;
        if (civil_parse(a, &from) == 0 && civil_parse(b, &to) == 0) {
            long first = civil_to_days(from), last = civil_to_days(to);
            if (last < first) {
                s_why(why, whylen, "closed range '%s' ends before it starts", e);
                return -1;
            }
            for (long day = first; day <= last; day++)
                if (s_close_day(h, day, cap) < 0) {
                    s_why(why, whylen, "more than %d closed days", S_CLOSED_DAYS_MAX);
                    return -1;
                }
            return 0;
        }
    }
    s_why(why, whylen,
          "closed date '%s' is not YYYY-MM-DD, MM-DD (every year) or "
          "YYYY-MM-DD..YYYY-MM-DD",
          e);
    return -1;
}

//  Parses a weekly schedule and closed dates.
sla_hours *sla_hours_parse(const char *weekly, const char *const *closed, size_t n_closed, const char **field,
                           char *why, size_t whylen)
{
    const char *dummy;
    if (!field)
        field = &dummy;
    *field = "hours";
    sla_hours *h = calloc(1, sizeof *h);
    if (!h) {
        s_why(why, whylen, "out of memory");
        return NULL;
    }
    const char *s = weekly ? weekly : "";
    while (isspace((unsigned char)*s))
        s++;
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0) {
        s_why(why, whylen,
              "working hours are required, e.g. \"mon-fri 08:00-18:00\" "
              "(or 24x7)");
        goto fail;
    }
    if (s_is(s, len, "24x7") || s_is(s, len, "always")) {
        for (int d = 0; d < 7; d++)
            s_open(h, d, 0, 1440);
    } else {
        while (len > 0) {
            const char *semi = memchr(s, ';', len);
            size_t item = semi ? (size_t)(semi - s) : len;
            size_t lead = 0;
            while (lead < item && isspace((unsigned char)s[lead]))
                lead++;
            if (lead < item && s_item(h, s + lead, item - lead, why, whylen) < 0)
                goto fail;
            if (!semi)
                break;
            s += item + 1;
            len -= item + 1;
        }
    }
    if (s_make_runs(h, why, whylen) < 0)
        goto fail;
    if (sla_hours_weekly_minutes(h) == 0) {
        s_why(why, whylen, "the working hours never open");
        goto fail;
    }
    *field = "closed";
    size_t cap = 0;
    for (size_t i = 0; i < n_closed; i++) {
        char e[64];
        const char *p = closed[i] ? closed[i] : "";
        while (isspace((unsigned char)*p))
            p++;
        snprintf(e, sizeof e, "%s", p);
        size_t n = strlen(e);
        while (n > 0 && isspace((unsigned char)e[n - 1]))
            e[--n] = 0;
        if (n == 0)
            continue;
        if (s_closed_entry(h, e, &cap, why, whylen) < 0)
            goto fail;
    }
    if (h->n_closed) {
        qsort(h->closed, h->n_closed, sizeof *h->closed, s_cmp_long);
        size_t k = 1;
        for (size_t i = 1; i < h->n_closed; i++)
            if (h->closed[i] != h->closed[k - 1])
                h->closed[k++] = h->closed[i];
        h->n_closed = k;
    }
    return h;
fail:
    sla_hours_destroy(&h);
    return NULL;
}

//  Frees the hours.
void sla_hours_destroy(sla_hours **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->closed);
    free(*self_p);
    *self_p = NULL;
}

//  Days since 1970-01-01 → weekday, 0 = Monday (1970-01-01 was a Thursday).
static int s_dow(long day)
{
    long r = (day + 3) % 7;
    return (int)(r < 0 ? r + 7 : r);
}

//  True when local date d (day number `day`) is closed.
static bool s_closed(const sla_hours *h, civil_date d, long day)
{
    if (d.m >= 1 && d.m <= 12 && d.d >= 1 && d.d <= 31 && h->yearly[d.m][d.d])
        return true;
    return h->n_closed && bsearch(&day, h->closed, h->n_closed, sizeof *h->closed, s_cmp_long) != NULL;
}

//  True when a local minute of a date is working time.
bool sla_hours_open(const sla_hours *h, civil_date d, int minute)
{
    if (!h)
        return true;
    if (minute < 0 || minute >= 1440)
        return false;
    long day = civil_to_days(d);
    return !s_closed(h, d, day) && s_is_open(h, s_dow(day), minute);
}

//  Open minutes in a week.
int sla_hours_weekly_minutes(const sla_hours *h)
{
    if (!h)
        return 7 * 1440;
    int n = 0;
    for (int d = 0; d < 7; d++)
        for (int m = 0; m < 1440; m++)
            n += s_is_open(h, d, m);
    return n;
}

//  ---------------------------------------------------------------------
//  Working hours: counting

//  Offset of zone tz at instant t: wall clock (as if UTC) minus t. 0 or -1.
static int s_offset(const char *tz, int64_t t, int64_t *off)
{
    tzone_local loc;
    if (tzone_localize(tz, t, &loc) < 0)
        return -1;
    int64_t ms = t % 60000;
    if (ms < 0)
        ms += 60000;
    int64_t wall = (int64_t)civil_to_days(loc.date) * S_DAY_MS + (int64_t)loc.minute * 60000 + ms;
    *off = wall - t;
    return 0;
}

//  The UTC instant of wall time `wall` (ms as if UTC) in zone tz: its first
//  occurrence when it occurs twice, the end of the jump when it is
//  skipped. 0 or -1.
static int s_local_utc(const char *tz, int64_t wall, int64_t *out)
{
    int64_t before, after, off_a, off_b;
    if (s_offset(tz, wall - S_DAY_MS, &before) < 0 || s_offset(tz, wall + S_DAY_MS, &after) < 0)
        return -1;
    if (before == after) { //  no change of offset near: the common case
        *out = wall - before;
        return 0;
    }
    int64_t ta = wall - before, tb = wall - after;
    if (s_offset(tz, ta, &off_a) < 0 || s_offset(tz, tb, &off_b) < 0)
        return -1;
    bool va = off_a == before, vb = off_b == after;
    if (va && vb)
        *out = ta < tb ? ta : tb;
    else if (va)
        *out = ta;
    else if (vb)
        *out = tb;
    else {
        //  skipped: the clocks jumped from `before` to `after` somewhere in
        //  (tb, ta]; the jump's instant is where this wall time "is"
        int64_t lo = tb < ta ? tb : ta, hi = tb < ta ? ta : tb;
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2, off;
            if (s_offset(tz, mid, &off) < 0)
                return -1;
            if (off == after)
                hi = mid;
            else
                lo = mid;
        }
        *out = hi;
    }
    return 0;
}

//  Walks the working time from start_ms and places every duration of
//  durs (n of them, in any order) into outs, in one pass. 0 or -1.
int sla_hours_add_many(const sla_hours *h, const char *tz, int64_t start_ms, const int64_t *durs, int n,
                       int64_t *outs)
{
    int order[8];
    if (n < 1 || n > 8)
        return -1;
    for (int i = 0; i < n; i++) { //  indexes by duration (insertion sort)
        int k = i;
        while (k > 0 && durs[order[k - 1]] > durs[i]) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    tzone_local loc;
    if (!tz || tzone_localize(tz, start_ms, &loc) < 0)
        return -1;
    long day = civil_to_days(loc.date);
    int64_t used = 0; //  working time before the current run
    int next = 0;     //  position in order of the next duration
    for (int i = 0; i < S_HORIZON_DAYS; i++, day++) {
        civil_date date = civil_from_days(day);
        if (s_closed(h, date, day))
            continue;
        int dow = s_dow(day);
        for (int r = 0; r < h->n_runs[dow]; r++) {
            int64_t a, b;
            int64_t base = (int64_t)day * S_DAY_MS;
            if (s_local_utc(tz, base + h->runs[dow][r].start * 60000LL, &a) < 0
                || s_local_utc(tz, base + h->runs[dow][r].end * 60000LL, &b) < 0)
                return -1;
            if (b <= start_ms)
                continue;
            if (a < start_ms)
                a = start_ms;
            if (b < a)
                continue;
            while (next < n) {
                int64_t want = durs[order[next]] < 0 ? 0 : durs[order[next]];
                if (want - used > b - a)
                    break;
                outs[order[next++]] = a + (want - used);
            }
            if (next == n)
                return 0;
            used += b - a;
        }
    }
    return -1;
}

//  Adds working time.
int sla_add(const sla_hours *h, const char *tz, int64_t start_ms, int64_t dur_ms, int64_t *out)
{
    if (!out)
        return -1;
    if (dur_ms < 0)
        dur_ms = 0;
    if (!h) {
        *out = start_ms + dur_ms;
        return 0;
    }
    return sla_hours_add_many(h, tz, start_ms, &dur_ms, 1, out);
}
