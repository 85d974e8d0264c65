/*  calendar.c — appointment windows and a technician's day.

    Windows: the customer's text is parsed into a day (weekday, today,
    tomorrow or a date) and two local clock times, then placed in UTC in
    the place's zone through tzone_localize (this module never sets TZ
    itself). Local to UTC is a search over the zone's offsets on either
    side of the moment, so daylight-saving gaps and overlaps have one
    defined answer.

    Shifts: a window's local minutes are gathered once into runs of the
    week's minutes (a run breaks at a daylight-saving jump), and each
    technician's weekly shift is asked about every minute of them with
    shift_covers, the same rule the matcher uses for "in shift now".

    The day: the booked jobs and the new one are sorted by window; a
    stretch ends where no job of it could still be working or travelling
    when the next window opens. In the new job's stretch, a depth-first
    search over orders (earliest window end first, pruned as soon as some
    job left could no longer be reached) looks for one that arrives at
    every job within its window. A stretch holds at most 16 jobs and the
    search at most S_NODES_MAX steps; past either, the answer is "no room"
    (never an overbooking).

    Deliberately not here: the server's jobs, the clock, I/O. */

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fsd/calendar.h"
#include "fsd/category.h"
#include "fsd/window_text.h"

#define S_MIN_MS 60000LL
#define S_DAY_MS 86400000LL
#define S_NODES_MAX 200000

//  ---------------------------------------------------------------------
//  Local time <-> UTC

//  Local minutes since 1970-01-01 00:00 of a localized instant.
static int64_t s_local_minutes(const tzone_local *at)
{
    return (int64_t)civil_to_days(at->date) * 1440 + at->minute;
}

//  Offset of zone tz at instant utc_ms, in minutes (local - UTC).
static int s_offset(const char *tz, int64_t utc_ms, int64_t *offset)
{
    tzone_local at;
    int64_t floor_min = utc_ms / S_MIN_MS - (utc_ms % S_MIN_MS < 0);
    if (tzone_localize(tz, floor_min * S_MIN_MS, &at) < 0)
        return -1;
    *offset = s_local_minutes(&at) - floor_min;
    return 0;
}

//  UTC instant of a local date and minute.
int calendar_local_to_utc(const char *tz, civil_date d, int minute, int64_t *out)
{
    if (!tz || !out || minute < 0 || minute > 1440)
        return -1;
    int64_t target = (int64_t)civil_to_days(d) * 1440 + minute;
    int64_t before, after;
    //  the zone's offsets a day and a half either side: any change of
    //  offset near this moment lies between them
    if (s_offset(tz, (target - 36 * 60) * S_MIN_MS, &before) < 0
        || s_offset(tz, (target + 36 * 60) * S_MIN_MS, &after) < 0)
        return -1;
    int64_t offsets[2] = { before, after };
    bool found = false;
    int64_t best = 0;
    for (int i = 0; i < 2; i++) {
        int64_t utc_min = target - offsets[i];
        tzone_local at;
        if (tzone_localize(tz, utc_min * S_MIN_MS, &at) < 0)
            return -1;
        if (s_local_minutes(&at) == target && (!found || utc_min < best)) {
            best = utc_min;
            found = true;
        }
    }
    if (!found) {
        //  in a gap: with the offset before it, the clock reads later by
        //  the gap's length
        best = target - before;
    }
    *out = best * S_MIN_MS;
    return 0;
}

//  ---------------------------------------------------------------------
//  Parsing a window

static const char *const s_day_names[7] = { "monday", "tuesday",  "wednesday", "thursday",
                                            "friday", "saturday", "sunday" };

//  Weekday (0 = Monday) of a 3-letter or full day name, or -1.
static int s_weekday(const char *s, size_t len)
{
    for (int i = 0; i < 7; i++) {
        size_t full = strlen(s_day_names[i]);
        if ((len == 3 || len == full) && strncasecmp(s, s_day_names[i], len) == 0)
            return i;
    }
    return -1;
}

//  Parses H:MM or HH:MM at *p (24:00 only when allow_24), moving *p past
//  it. Minutes of the day, -2 when not a time at all, -1 when not a real
//  time of day.
static int s_clock(const char **p, bool allow_24)
{
    const char *s = *p;
    int h = 0, digits = 0;
    while (isdigit((unsigned char)*s) && digits < 3) {
        h = h * 10 + (*s++ - '0');
        digits++;
    }
    if (digits < 1 || digits > 2 || *s != ':' || !isdigit((unsigned char)s[1])
        || !isdigit((unsigned char)s[2]) || isdigit((unsigned char)s[3]))
        return -2;
    int m = (s[1] - '0') * 10 + (s[2] - '0');
    *p = s + 3;
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
        return -1;
    return h * 60 + m;
}

//  Skips spaces and tabs.
static const char *s_skip(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

//  Skips a dash: '-', an en dash (U+2013) or an em dash (U+2014). NULL if none.
static const char *s_dash(const char *s)
{
    if (*s == '-')
        return s + 1;
    if ((unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80
        && ((unsigned char)s[2] == 0x93 || (unsigned char)s[2] == 0x94))
        return s + 3;
    return NULL;
}

typedef enum { S_WEEKDAY, S_TODAY, S_TOMORROW, S_DATE } s_day_kind;

//  The day token: a weekday, today, tomorrow or YYYY-MM-DD. 0 or -1.
static int s_day(const char *s, size_t len, s_day_kind *kind, int *dow, civil_date *date, const char **why)
{
    if (len == 5 && strncasecmp(s, "today", 5) == 0) {
        *kind = S_TODAY;
        return 0;
    }
    if (len == 8 && strncasecmp(s, "tomorrow", 8) == 0) {
        *kind = S_TOMORROW;
        return 0;
    }
    if ((*dow = s_weekday(s, len)) >= 0) {
        *kind = S_WEEKDAY;
        return 0;
    }
    if (len == 10 && isdigit((unsigned char)s[0]) && s[4] == '-') {
        char buf[11];
        memcpy(buf, s, 10);
        buf[10] = 0;
        if (civil_parse(buf, date) < 0) {
            *why = "the window's date is not a real calendar day (YYYY-MM-DD)";
            return -1;
        }
        *kind = S_DATE;
        return 0;
    }
    *why = "a window starts with a day: Mon..Sun, today, tomorrow or a date "
           "YYYY-MM-DD, e.g. \"Tue 14:00-16:00\"";
    return -1;
}

//  Reads "Tue 14:00-16:00" and its kin, in zone tz, as of now.
int calendar_window_parse(const char *text, const char *tz, int64_t now, cal_window *out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if (!text || !out) {
        *why = "no window given";
        return -1;
    }
    if (!tz || !tzone_valid(tz)) {
        *why = "the place's time zone is unknown, so no window can be placed";
        return -1;
    }
    const char *p = s_skip(text);
    const char *day = p;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    size_t day_len = (size_t)(p - day);
    if (day_len == 0) {
        *why = "no window given; e.g. \"Tue 14:00-16:00\" or \"2026-11-24 14:00-16:00\"";
        return -1;
    }
    s_day_kind kind;
    int dow = -1;
    civil_date date = { 0, 0, 0 };
    if (s_day(day, day_len, &kind, &dow, &date, why) < 0)
        return -1;

    p = s_skip(p);
    int from = s_clock(&p, false);
    const char *after_dash = from >= -1 ? s_dash(s_skip(p)) : NULL;
    int to = -2;
    if (after_dash) {
        p = s_skip(after_dash);
        to = s_clock(&p, true);
    }
    if (from == -2 || !after_dash || to == -2 || *s_skip(p)) {
        *why = "a window's hours look like 14:00-16:00, after the day";
        return -1;
    }
    if (from < 0 || to < 0) {
        *why = "a window's hours must be real times of day, 00:00 to 24:00";
        return -1;
    }
    if (to <= from) {
        *why = "the window's end must be after its start (a window cannot run past midnight)";
        return -1;
    }

    tzone_local today;
    if (tzone_localize(tz, now, &today) < 0) {
        *why = "the place's time zone is unknown, so no window can be placed";
        return -1;
    }
    long today_days = civil_to_days(today.date);
    int64_t start = 0, end = 0;
    if (kind == S_WEEKDAY) {
        //  the next such weekday, today included, whose window is ahead
        int ahead = (dow - today.dow + 7) % 7;
        for (int tries = 0; tries < 2; tries++, ahead += 7) {
            date = civil_from_days(today_days + ahead);
            if (calendar_local_to_utc(tz, date, from, &start) < 0)
                break;
            if (start > now)
                break;
        }
    } else if (kind == S_TODAY || kind == S_TOMORROW)
        date = civil_from_days(today_days + (kind == S_TOMORROW));
    if (calendar_local_to_utc(tz, date, from, &start) < 0 || calendar_local_to_utc(tz, date, to, &end) < 0) {
        *why = "the place's time zone is unknown, so no window can be placed";
        return -1;
    }
    if (start <= now) {
        *why = kind == S_TODAY ? "the window has already started today" : "the window must be in the future";
        return -1;
    }
    if (end <= start) {
        *why = "the window's end must be after its start (on this day the clock "
               "skips those hours)";
        return -1;
    }
    if (end - start < CAL_WINDOW_MIN_MIN * S_MIN_MS) {
        *why = "a window must be at least 30 minutes long";
        return -1;
    }
    if (end - start > CAL_WINDOW_MAX_MIN * S_MIN_MS) {
        *why = "a window may be at most 12 hours long";
        return -1;
    }
    if (start - now > CAL_AHEAD_MAX_DAYS * S_DAY_MS) {
        *why = "the window must start within 90 days";
        return -1;
    }
    out->start = start;
    out->end = end;
    return 0;
}

//  ---------------------------------------------------------------------
//  Formatting

static const char *const s_dow_short[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

//  "Tue 2026-11-24 14:00–16:00" in zone tz.
const char *calendar_window_format(cal_window w, const char *tz, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    buf[0] = 0;
    tzone_local a, b;
    if (!tz || tzone_localize(tz, w.start, &a) < 0 || tzone_localize(tz, w.end, &b) < 0)
        return buf;
    char da[11], db[11];
    civil_format(a.date, da);
    civil_format(b.date, db);
    long days_a = civil_to_days(a.date), days_b = civil_to_days(b.date);
    if (days_b == days_a)
        snprintf(buf, len, "%s %s %02d:%02d\xE2\x80\x93%02d:%02d", s_dow_short[a.dow], da, a.minute / 60,
                 a.minute % 60, b.minute / 60, b.minute % 60);
    else if (days_b == days_a + 1 && b.minute == 0)
        snprintf(buf, len,
                 "%s %s %02d:%02d\xE2\x80\x93"
                 "24:00",
                 s_dow_short[a.dow], da, a.minute / 60, a.minute % 60);
    else
        snprintf(buf, len, "%s %s %02d:%02d\xE2\x80\x93%s %02d:%02d", s_dow_short[a.dow], da, a.minute / 60,
                 a.minute % 60, s_dow_short[b.dow], b.minute / 60, b.minute % 60);
    return buf;
}

//  The same from plain numbers (window_text.h).
const char *window_text(int64_t start, int64_t end, const char *tz, char *buf, size_t len)
{
    cal_window w = { start, end };
    return calendar_window_format(w, tz, buf, len);
}

//  ---------------------------------------------------------------------
//  Durations


//  Minutes of work on site for a category.
int calendar_duration_min(const char *category)
{
    return category_duration_min(category); //  the catalogue's, or 60
}

//  ---------------------------------------------------------------------
//  Shifts over a window

//  Gathers the window's local minutes into runs of the week's minutes.
int calendar_span_init(cal_span *sp, const char *tz, cal_window w)
{
    if (!sp)
        return -1;
    memset(sp, 0, sizeof *sp);
    if (!tz || w.end <= w.start || w.end - w.start > 2 * CAL_WINDOW_MAX_MIN * S_MIN_MS)
        return -1;
    int prev = -1;
    for (int64_t t = w.start; t < w.end; t += S_MIN_MS) {
        tzone_local at;
        if (tzone_localize(tz, t, &at) < 0)
            return -1;
        int week_minute = at.dow * 1440 + at.minute;
        if (prev >= 0 && week_minute == (prev + 1) % (7 * 1440)) {
            sp->runs[sp->n_runs - 1].len++;
        } else {
            if (sp->n_runs == sizeof sp->runs / sizeof sp->runs[0])
                return -1;
            sp->runs[sp->n_runs].week_minute = week_minute;
            sp->runs[sp->n_runs].len = 1;
            sp->n_runs++;
        }
        prev = week_minute;
    }
    sp->ok = sp->n_runs > 0;
    return sp->ok ? 0 : -1;
}

//  True when the shift covers every minute of the span.
bool calendar_span_in_shift(const cal_span *sp, const shift *s)
{
    if (!sp || !sp->ok || !s)
        return false;
    for (size_t r = 0; r < sp->n_runs; r++)
        for (int i = 0; i < sp->runs[r].len; i++) {
            int week_minute = (sp->runs[r].week_minute + i) % (7 * 1440);
            tzone_local at = { .dow = week_minute / 1440, .minute = week_minute % 1440 };
            if (!shift_covers(s, &at))
                return false;
        }
    return true;
}

//  The span of w in tz, checked against one shift.
bool calendar_shift_covers(const shift *s, const char *tz, cal_window w)
{
    cal_span sp;
    return calendar_span_init(&sp, tz, w) == 0 && calendar_span_in_shift(&sp, s);
}

//  ---------------------------------------------------------------------
//  Room in a technician's day

//  One job of the stretch being planned.
typedef struct {
    const cal_visit *visit;
    int64_t open, close; //  arrival allowed in [open, close]
    int64_t work;        //  ms on site
} s_item;

//  The search over orders of one stretch.
typedef struct {
    const s_item *items;
    size_t n;
    int64_t travel[CAL_STRETCH_MAX][CAL_STRETCH_MAX];
    long nodes;
    int order[CAL_STRETCH_MAX];
    int64_t arrive[CAL_STRETCH_MAX];
    int by_close[CAL_STRETCH_MAX]; //  item indexes, earliest close first
} s_search;

//  Travel time in ms between two places at speed.
static int64_t s_travel_ms(geo_point a, geo_point b, double speed_kmh)
{
    if (!geo_valid(a) || !geo_valid(b))
        return 0;
    double km = geo_distance_km(a, b);
    return (int64_t)llround(km / speed_kmh * 3600000.0);
}

//  Depth-first: with `left` (a bit per item) still to visit, free at `free`
//  after item `last` (-1: none yet), can every item left be reached in
//  its window? Fills order/arrive from position depth on.
static bool s_search_from(s_search *s, uint32_t left, int last, int64_t free, size_t depth)
{
    if (!left)
        return true;
    if (++s->nodes > S_NODES_MAX)
        return false;
    for (size_t k = 0; k < s->n; k++) {
        int i = s->by_close[k];
        if (!(left & (1u << i)))
            continue;
        const s_item *it = &s->items[i];
        int64_t arrive = free + (last >= 0 ? s->travel[last][i] : 0);
        if (arrive > it->close)
            continue;
        int64_t done = (arrive > it->open ? arrive : it->open) + it->work;
        //  every other job left must still be reachable straight from here
        bool dead = false;
        for (size_t j = 0; j < s->n && !dead; j++)
            if ((left & (1u << j)) && (int)j != i && done + s->travel[i][j] > s->items[j].close)
                dead = true;
        if (dead)
            continue;
        s->order[depth] = i;
        s->arrive[depth] = arrive > it->open ? arrive : it->open;
        if (s_search_from(s, left & ~(1u << i), i, done, depth + 1))
            return true;
        if (s->nodes > S_NODES_MAX)
            return false;
    }
    return false;
}

//  qsort: items by open, then close.
static int s_by_open(const void *pa, const void *pb)
{
    const s_item *a = pa, *b = pb;
    if (a->open != b->open)
        return a->open < b->open ? -1 : 1;
    if (a->close != b->close)
        return a->close < b->close ? -1 : 1;
    return 0;
}

//  Appends printf text to the detail, quietly truncating.
static void s_detail(cal_answer *ans, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_detail(cal_answer *ans, const char *fmt, ...)
{
    size_t used = strlen(ans->detail);
    if (used + 1 >= sizeof ans->detail)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ans->detail + used, sizeof ans->detail - used, fmt, ap);
    va_end(ap);
}

//  "14:00–16:00" (local when tz is known, else UTC) of a window.
static const char *s_hours(cal_window w, const char *tz, char *buf, size_t len)
{
    char full[64];
    calendar_window_format(w, tz ? tz : "UTC", full, sizeof full);
    //  drop the weekday and date: "Tue 2026-11-24 " is 15 bytes
    snprintf(buf, len, "%s", strlen(full) > 15 ? full + 15 : full);
    return buf;
}

//  Can the technician also take job?
cal_verdict calendar_fits(const cal_config *cfg, int64_t now, const cal_visit *booked, size_t n_booked,
                          const cal_visit *job, cal_answer *ans)
{
    cal_answer scratch;
    if (!ans)
        ans = &scratch;
    memset(ans, 0, sizeof *ans);
    double speed = cfg && cfg->speed_kmh > 0 ? cfg->speed_kmh : CAL_DEFAULT_SPEED_KMH;
    unsigned per_window = cfg && cfg->per_window ? cfg->per_window : CAL_DEFAULT_PER_WINDOW;
    const char *tz = cfg ? cfg->tz : NULL;
    if (!job) {
        ans->verdict = CAL_NO_ORDER;
        s_detail(ans, "no job to plan");
        return ans->verdict;
    }

    //  the jobs still to plan around: late ones (window closed, not
    //  started) are not
    size_t cap = n_booked + 1, n = 0;
    s_item *items = malloc(cap * sizeof *items);
    if (!items) {
        ans->verdict = CAL_NO_ORDER;
        s_detail(ans, "out of memory while planning");
        return ans->verdict;
    }
    unsigned overlapping = 0;
    for (size_t i = 0; i < n_booked; i++) {
        const cal_visit *v = &booked[i];
        if (!v->started && v->window.end < now)
            continue;
        if (v->window.start < job->window.end && job->window.start < v->window.end)
            overlapping++;
        s_item it = { v, v->window.start, v->window.end, (int64_t)v->duration_min * S_MIN_MS };
        if (v->started)
            it.open = it.close = now;
        else if (it.open < now)
            it.open = now;
        items[n++] = it;
    }
    if (overlapping + 1 > per_window) {
        ans->verdict = CAL_FULL;
        s_detail(ans, "%u job%s already booked in windows overlapping this one (at most %u per window)",
                 overlapping, overlapping == 1 ? "" : "s", per_window);
        free(items);
        return ans->verdict;
    }
    s_item mine = { job, job->window.start, job->window.end, (int64_t)job->duration_min * S_MIN_MS };
    if (mine.open < now)
        mine.open = now;
    items[n++] = mine;
    qsort(items, n, sizeof *items, s_by_open);

    //  the stretch around the job: split where nothing before can still
    //  be working or on the road when the next window opens
    int64_t longest = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = i + 1; k < n; k++) {
            int64_t t = s_travel_ms(items[i].visit->at, items[k].visit->at, speed);
            if (t > longest)
                longest = t;
        }
    size_t first = 0, last = n; //  the stretch is items [first, last)
    int64_t busy_until = INT64_MIN;
    bool passed_job = false;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && busy_until + longest <= items[i].open) {
            if (passed_job) {
                last = i;
                break;
            }
            first = i;
        }
        int64_t latest = items[i].close + items[i].work;
        if (latest > busy_until)
            busy_until = latest;
        if (items[i].visit == job)
            passed_job = true;
    }
    size_t m = last - first;
    if (m > CAL_STRETCH_MAX) {
        ans->verdict = CAL_NO_ORDER;
        s_detail(ans, "more than %d jobs to plan around this window", CAL_STRETCH_MAX - 1);
        free(items);
        return ans->verdict;
    }

    s_search *s = calloc(1, sizeof *s);
    if (!s) {
        free(items);
        ans->verdict = CAL_NO_ORDER;
        s_detail(ans, "out of memory while planning");
        return ans->verdict;
    }
    s->items = items + first;
    s->n = m;
    for (size_t i = 0; i < m; i++) {
        for (size_t k = 0; k < m; k++)
            s->travel[i][k] = i == k ? 0 : s_travel_ms(s->items[i].visit->at, s->items[k].visit->at, speed);
        s->by_close[i] = (int)i;
    }
    //  earliest close first: the order most likely to work is tried first
    for (size_t i = 1; i < m; i++)
        for (size_t k = i; k > 0 && s->items[s->by_close[k - 1]].close > s->items[s->by_close[k]].close;
             k--) {
            int tmp = s->by_close[k];
            s->by_close[k] = s->by_close[k - 1];
            s->by_close[k - 1] = tmp;
        }
    uint32_t all = m == 32 ? UINT32_MAX : (1u << m) - 1;
    bool ok = s_search_from(s, all, -1, now, 0);
    if (ok) {
        ans->verdict = CAL_FITS;
        ans->n_plan = m;
        for (size_t i = 0; i < m; i++) {
            ans->plan[i] = s->items[s->order[i]].visit;
            ans->arrive[i] = s->arrive[i];
        }
    } else {
        ans->verdict = CAL_NO_ORDER;
        if (s->nodes > S_NODES_MAX)
            s_detail(ans, "too many ways to order %zu jobs around this window", m);
        else if (m == 1)
            s_detail(ans, "the window cannot be reached in time");
        else {
            s_detail(
                ans,
                "no order reaches every job in its window (%d min on site here, travel at %.0f km/h): with",
                job->duration_min, speed);
            for (size_t i = 0; i < m; i++) {
                const cal_visit *v = s->items[i].visit;
                if (v == job)
                    continue;
                char hours[64];
                double km = geo_valid(v->at) && geo_valid(job->at) ? geo_distance_km(v->at, job->at) : 0;
                s_detail(ans, " %s (%s%s, %.1f km away),", v->id ? v->id : "?",
                         v->started ? "under way, " : "", s_hours(v->window, tz, hours, sizeof hours), km);
            }
            size_t len = strlen(ans->detail);
            if (len && ans->detail[len - 1] == ',')
                ans->detail[len - 1] = 0;
        }
    }
    free(s);
    free(items);
    return ans->verdict;
}
