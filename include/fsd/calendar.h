/*  calendar.h — appointment windows and a technician's day. Pure: no I/O,
    no clock (the caller passes "now"), no sockets, no SQL.

    A customer may ask for a window such as "Tue 14:00-16:00". The text is
    read in the IANA zone of the place (calendar_window_parse) and becomes
    two UTC instants; a technician arrives within the window (arriving
    early means waiting for its start), and may work past its end.

    A technician has room for a job in a window (calendar_fits) when:
      - the shift covers every minute of the window (calendar_span_in_shift,
        on the technician's weekly shift in the place's local time);
      - at most cfg->per_window of the technician's booked jobs have
        windows overlapping this one, counting this one (windows that only
        touch, 10:00-12:00 and 12:00-14:00, do not overlap);
      - there is an order of the day's jobs, this one included, in which
        each is reached within its window: work on a job takes the
        appliance category's duration (calendar_duration_min), then the
        technician travels to the next at cfg->speed_kmh over the
        great-circle distance. "The day" is the stretch of booked jobs
        whose schedules can influence this one: jobs far enough apart in
        time (the latest one can finish, plus the longest travel, before
        the next window opens) never constrain each other, so the search
        looks only at the stretch around the asked window.
    Booked jobs whose window closed before now without being started are
    late and no longer planned around; a started job (en route or on site)
    is where the technician is now and busy for its full duration. The
    first job of a stretch needs no travel (the technician starts from
    wherever they are), but is not reached before now.

    Deliberately not here: where booked jobs come from (the server's open
    jobs), holidays, breaks, and travel by road. */
#ifndef FSD_CALENDAR_H
#define FSD_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fsd/geo.h"
#include "fsd/tzone.h"
#include "fsd/warranty.h"

#define CAL_WINDOW_MIN_MIN 30        /* shortest window, minutes */
#define CAL_WINDOW_MAX_MIN (12 * 60) /* longest window, minutes */
#define CAL_AHEAD_MAX_DAYS 90        /* farthest a window may start */
#define CAL_STRETCH_MAX 16           /* jobs planned together at most */
#define CAL_DEFAULT_PER_WINDOW 2
#define CAL_DEFAULT_SPEED_KMH 30.0

/* A window in UTC milliseconds: arrival allowed from start through end. */
typedef struct {
    int64_t start, end;
} cal_window;

/* Reads a customer's window in zone tz as of now:
     "Tue 14:00-16:00", "Tuesday 14:00-16:00"  the next such weekday
                        (today included) whose window has not started
     "today 14:00-16:00", "tomorrow 09:00-12:00"
     "2026-11-24 14:00-16:00"                  that date
   Day names and words in any case; hours H:MM or HH:MM, the end may be
   24:00; the dash may be '-' or an en dash, with spaces or not. The
   window must end after it starts, last 30 minutes to 12 hours (real
   time: on a daylight-saving day 01:00-04:00 may be 2 or 4 hours),
   start after now and within 90 days. A local time that does not exist
   (the hour skipped in spring) moves forward by the gap; one that
   happens twice (autumn) is the first of the two.
   0, or -1 with *why set to a static sentence. */
int calendar_window_parse(const char *text, const char *tz, int64_t now, cal_window *out, const char **why);

/* The UTC instant of local date d, minute of the day (0..1440) in zone
   tz, with the gap and overlap rules above. 0 or -1 (unknown zone). */
int calendar_local_to_utc(const char *tz, civil_date d, int minute, int64_t *out);

/* "Tue 2026-11-24 14:00–16:00" in zone tz (the end as 24:00 at the next
   midnight, with its own day when it falls on another date) into buf.
   Returns buf ("" when the zone is unknown). */
const char *calendar_window_format(cal_window w, const char *tz, char *buf, size_t len);

/* Minutes of work on site for an appliance category (washing_machine 60,
   dishwasher 60, fridge 60, air_conditioner 90, heat_pump 120, ...;
   60 for a category not in the table). */
int calendar_duration_min(const char *category);

/* The local minutes of a window, as runs of consecutive minutes of the
   week, worked out once per window and zone so that the shifts of many
   technicians can be checked against it cheaply. */
typedef struct {
    bool ok; /* false: unknown zone or empty window */
    size_t n_runs;
    struct {
        int week_minute; /* dow * 1440 + minute of the first minute */
        int len;         /* minutes */
    } runs[8];
} cal_span;

/* Fills sp for window w in zone tz. 0 or -1 (then sp->ok is false). */
int calendar_span_init(cal_span *sp, const char *tz, cal_window w);

/* True when the shift covers every local minute of the span (false when
   the span is not ok). */
bool calendar_span_in_shift(const cal_span *sp, const shift *s);

/* calendar_span_init + calendar_span_in_shift in one call. */
bool calendar_shift_covers(const shift *s, const char *tz, cal_window w);

/* One job in a technician's calendar. */
typedef struct {
    const char *id; /* the caller's name for it (details name it) */
    geo_point at;
    cal_window window;
    int duration_min; /* work on site */
    bool started;     /* en route or on site now */
} cal_visit;

typedef struct {
    double speed_kmh;    /* travel estimate; <= 0: 30 */
    unsigned per_window; /* jobs in overlapping windows; 0: 2 */
    const char *tz;      /* zone for times in details (NULL: UTC) */
} cal_config;

typedef enum {
    CAL_FITS = 0,
    CAL_FULL,    /* per-window capacity reached */
    CAL_NO_ORDER /* no order reaches every job in its window */
} cal_verdict;

typedef struct {
    cal_verdict verdict;
    char detail[240]; /* why not, for explain ("" when it fits) */
    size_t n_plan;    /* the stretch in a feasible order (fits) */
    const cal_visit *plan[CAL_STRETCH_MAX];
    int64_t arrive[CAL_STRETCH_MAX]; /* planned arrival at each (UTC ms) */
} cal_answer;

/* Can a technician whose booked jobs are booked[0..n_booked-1] also take
   `job`, as of now? The shift is the caller's check (calendar_span_in_shift).
   Fills ans when not NULL; returns its verdict. */
cal_verdict calendar_fits(const cal_config *cfg, int64_t now, const cal_visit *booked, size_t n_booked,
                          const cal_visit *job, cal_answer *ans);

#endif
