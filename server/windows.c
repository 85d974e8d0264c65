/*  windows.c — appointment windows on the server: intake, the calendar
    check the matcher asks for, the "booked" note, and restart.

    The pure work (reading a window, shifts over it, room in a day) is
    core/calendar.c; this module feeds it from memory. A
    technician's calendar is not kept anywhere: it is the open jobs with a
    window that the technician holds (offered, assigned, en route, on
    site; on hold waits for parts and is not planned around), so an open
    offer holds its slot, and a decline, expiry, revocation, cancel or
    reassignment frees it by moving the job. After a restart the windows
    are read back with the open jobs, and the calendars with them.

    Deliberately not here: SQL (store.c), the rule order (match.c), and
    proposing another window when the asked one is full: the job waits or
    escalates like any other, and explain says why. */
#include "windows.h"

#include "server.h"
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/calendar.h"
#include "fsd/log.h"
#include "fsd/xalloc.h"
#include "fsd/wire.h"

#define WINDOW_TEXT_MAX 100

/* The zone of j's place (UTC when it has no territory). */
static const char *s_tz(server *srv, const job *j)
{
    return j->territory >= 0 && (size_t)j->territory < srv->n_territories
               ? srv->territories[j->territory].row->tz
               : "UTC";
}

int windows_intake(call *c, const char *text, int terr, int64_t now, int64_t *start, int64_t *end)
{
    *start = *end = 0;
    if (!text || !text[0])
        return 0;
    if (strlen(text) > WINDOW_TEXT_MAX) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "window", "window is longer than %d characters",
                   WINDOW_TEXT_MAX);
        return 1;
    }
    const char *tz = c->srv->territories[terr].row->tz;
    cal_window w;
    const char *why = "";
    if (calendar_window_parse(text, tz, now, &w, &why) < 0) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "window", "window '%s' (%s): %s", text, tz, why);
        return 1;
    }
    *start = w.start;
    *end = w.end;
    return 0;
}

/* The window's own deadlines over the policy's: arrive within it (at risk
   once SLA_RISK_SHARE of the window itself is gone, not of the days before
   it), booked before it opens, fixed no sooner after it than the policy
   allows after arrival. */
void windows_deadlines(job *j, int64_t start, int64_t end)
{
    int64_t fix_gap = j->fix_by > j->arrive_by ? j->fix_by - j->arrive_by : 0;
    j->win_start = start;
    j->win_end = end;
    j->arrive_by = end;
    j->risk_at[SLA_ARRIVE] = start + (int64_t)((double)(end - start) * SLA_RISK_SHARE);
    if (j->assign_by > start) {
        j->assign_by = start;
        j->risk_at[SLA_ASSIGN] = j->sla_start + (int64_t)((double)(start - j->sla_start) * SLA_RISK_SHARE);
    }
    if (j->fix_by < end + fix_gap) {
        j->fix_by = end + fix_gap;
        j->risk_at[SLA_FIX] = end + (int64_t)((double)fix_gap * SLA_RISK_SHARE);
    }
}

int windows_store(server *srv, const job *j)
{
    if (!j->win_end)
        return 0;
    return store_window_put(srv->store, j->id, j->win_start, j->win_end, s_tz(srv, j));
}

/* Puts a stored window on its open job (store callback). */
static void s_window_add(void *arg, const char *job_id, int64_t start, int64_t end)
{
    job *j = world_job(arg, job_id);
    if (j) {
        j->win_start = start;
        j->win_end = end;
    }
}

int windows_load(server *srv)
{
    return store_each_open_window(srv->store, s_window_add, srv);
}

const char *windows_text(server *srv, const job *j, char *buf, size_t len)
{
    char local[96];
    const char *tz = s_tz(srv, j);
    cal_window w = { j->win_start, j->win_end };
    snprintf(buf, len, "%s %s", calendar_window_format(w, tz, local, sizeof local), tz);
    return buf;
}

/* ------------------------------------------------------------ matching */

/* Why one technician failed the shift or room check. */
typedef struct {
    int tech;
    char *text;
} s_detail;

struct windows_match {
    server *srv;
    const job *j;
    int64_t now;
    cal_span span; /* the window's local minutes */
    bool zone_known;
    cal_config cfg;
    cal_visit visit;  /* the job itself */
    const job **held; /* open windowed jobs held, by technician */
    size_t n_held;
    s_detail *details;
    size_t n_details, cap_details;
};

/* True when a held job is planned around: it holds its technician's
   capacity and is not waiting for parts. */
static bool s_planned(const job *j)
{
    return j->win_end && j->tech && job_state_holds_capacity(j->state) && j->state != JS_ON_HOLD;
}

typedef struct {
    windows_match *wm;
    size_t cap;
    bool oom;
} s_collect;

/* Gathers the planned windowed jobs (strmap_each callback). */
static void s_held(const char *key, void *value, void *arg)
{
    s_collect *col = arg;
    windows_match *wm = col->wm;
    const job *j = value;
    if (j == wm->j || !s_planned(j) || col->oom)
        return;
    if (wm->n_held == col->cap) {
        size_t cap = col->cap ? col->cap * 2 : 32;
        wm->held = fsd_xrealloc(wm->held, cap * sizeof *wm->held);
        col->cap = cap;
    }
    wm->held[wm->n_held++] = j;
}

/* Held jobs by technician index, then window start. */
static int s_by_tech(const void *pa, const void *pb)
{
    const job *a = *(const job *const *)pa, *b = *(const job *const *)pb;
    if (a->tech->index != b->tech->index)
        return a->tech->index < b->tech->index ? -1 : 1;
    return a->win_start < b->win_start ? -1 : a->win_start > b->win_start;
}

windows_match *windows_match_new(server *srv, const job *j, int64_t now)
{
    windows_match *wm = fsd_xcalloc(1, sizeof *wm);
    wm->srv = srv;
    wm->j = j;
    wm->now = now;
    const char *tz = s_tz(srv, j);
    cal_window w = { j->win_start, j->win_end };
    wm->zone_known = calendar_span_init(&wm->span, tz, w) == 0;
    wm->cfg.speed_kmh = srv->cfg.match.speed_kmh;
    wm->cfg.per_window = srv->cfg.window_capacity;
    wm->cfg.tz = tz;
    size_t n_categories;
    const char *const *categories = category_list(&n_categories);
    wm->visit = (cal_visit){ .id = j->id,
                             .at = j->at,
                             .window = w,
                             .duration_min =
                                 calendar_duration_min(j->category >= 0 && (size_t)j->category < n_categories
                                                           ? categories[j->category]
                                                           : NULL) };
    s_collect col = { wm, 0, false };
    strmap_each(srv->jobs, s_held, &col);
    if (col.oom) {
        windows_match_destroy(&wm);
        return NULL;
    }
    if (wm->n_held > 1)
        qsort(wm->held, wm->n_held, sizeof *wm->held, s_by_tech);
    return wm;
}

void windows_match_destroy(windows_match **self_p)
{
    if (!self_p || !*self_p)
        return;
    windows_match *wm = *self_p;
    for (size_t i = 0; i < wm->n_details; i++)
        free(wm->details[i].text);
    free(wm->details);
    free(wm->held);
    free(wm);
    *self_p = NULL;
}

/* Keeps why technician t failed (for explain). */
static void s_keep(windows_match *wm, const technician *t, const char *text)
{
    if (wm->n_details == wm->cap_details) {
        size_t cap = wm->cap_details ? wm->cap_details * 2 : 16;
        wm->details = fsd_xrealloc(wm->details, cap * sizeof *wm->details);
        wm->cap_details = cap;
    }
    wm->details[wm->n_details++] = (s_detail){ t->index, fsd_xstrdup(text) };
}

const char *windows_detail(const windows_match *self, int tech_index)
{
    for (size_t i = 0; self && i < self->n_details; i++)
        if (self->details[i].tech == tech_index)
            return self->details[i].text;
    return "";
}

bool windows_in_shift(windows_match *self, const technician *t)
{
    if (!self->zone_known)
        return true; /* an unknown zone must not stop the work (as world_tech_in_shift) */
    if (calendar_span_in_shift(&self->span, &t->shift))
        return true;
    char text[200];
    snprintf(text, sizeof text, "shift %s does not cover the window", t->row->shift);
    s_keep(self, t, text);
    return false;
}

/* The first held job of technician index `tech` (or n_held). */
static size_t s_first_of(const windows_match *wm, int tech)
{
    size_t lo = 0, hi = wm->n_held;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (wm->held[mid]->tech->index < tech)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool windows_has_room(windows_match *self, const technician *t)
{
    size_t first = s_first_of(self, t->index), n = 0;
    while (first + n < self->n_held && self->held[first + n]->tech == t)
        n++;
    cal_visit *booked = n ? fsd_xcalloc(n, sizeof *booked) : NULL;
    size_t n_categories;
    const char *const *categories = category_list(&n_categories);
    for (size_t i = 0; i < n; i++) {
        const job *b = self->held[first + i];
        booked[i] = (cal_visit){
            .id = b->id,
            .at = b->at,
            .window = { b->win_start, b->win_end },
            .duration_min = calendar_duration_min(
                b->category >= 0 && (size_t)b->category < n_categories ? categories[b->category] : NULL),
            .started = b->state == JS_EN_ROUTE || b->state == JS_ON_SITE,
        };
    }
    cal_answer *ans = fsd_xmalloc(sizeof *ans);
    bool room = calendar_fits(&self->cfg, self->now, booked, n, &self->visit, ans) == CAL_FITS;
    if (!room)
        s_keep(self, t, ans->detail);
    free(ans);
    free(booked);
    return room;
}

int windows_check_tech(server *srv, const job *j, const technician *t, int64_t now, char *why, size_t len)
{
    windows_match *wm = windows_match_new(srv, j, now);
    if (!wm)
        return -1;
    int rc = windows_in_shift(wm, t) && windows_has_room(wm, t) ? 0 : 1;
    snprintf(why, len, "%s", windows_detail(wm, t->index));
    windows_match_destroy(&wm);
    return rc;
}

int windows_booked(server *srv, job *j, const principal *who)
{
    if (!j->win_end || !j->tech)
        return 0;
    char text[160], reason[200];
    snprintf(reason, sizeof reason, "booked: %s", windows_text(srv, j, text, sizeof text));
    if (store_event_append(srv->store, j->id, wire_now_ms(), world_actor_name(who), j->state, j->state,
                           j->tech->row->id, reason)
        < 0)
        return -1;
    log_info("booked", "job=%s tech=%s window=%s", j->id, j->tech->row->id, log_quote(0, text));
    return 0;
}
