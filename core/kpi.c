/*  kpi.c — service-quality figures of a period from the event log (see
    include/fsd/kpi.h for every definition).

    One pass over the period's jobs: each job's history is read once into
    a few facts (when it was first assigned, on site, completed, cancelled;
    its offers, declines, busy intervals and notes), which are then added
    to the total and to the job's group. Percentiles, rates and
    utilisation are derived at the end.

    Deliberately not here: fetching the rows (server/store.c), the clock
    (the caller passes now), and formatting (fsdctl). */

#include <stdlib.h>
#include <string.h>
#include "fsd/kpi.h"
#include "fsd/strmap.h"
#include "fsd/tzone.h"

#define S_DAY_MS 86400000LL
#define S_FTF_WINDOW_MS (30 * S_DAY_MS)
#define S_WEEK_MIN (7 * 1440)

static const char *const s_by_names[KPI_BY_COUNT_] = { "all",  "territory",  "provider", "warranty",
                                                       "tier", "technician", "hour" };

//  The keys of the hour grouping, which sort as the hours do.
static const char *const s_hours[24] = { "00", "01", "02", "03", "04", "05", "06", "07",
                                         "08", "09", "10", "11", "12", "13", "14", "15",
                                         "16", "17", "18", "19", "20", "21", "22", "23" };

//  Name of a grouping.
const char *kpi_by_name(kpi_by by)
{
    return by >= 0 && by < KPI_BY_COUNT_ ? s_by_names[by] : "?";
}

//  Grouping of a name, or -1.
int kpi_by_parse(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "agent") == 0) /* the old word for a provider, kept for scripts */
        return KPI_BY_AGENT;
    for (int i = 0; i < KPI_BY_COUNT_; i++)
        if (strcmp(name, s_by_names[i]) == 0)
            return i;
    return -1;
}

//  Name of an expiry reason.
const char *kpi_expiry_name(int reason)
{
    return reason == KPI_EXPIRY_OFFLINE ? "offline" : reason == KPI_EXPIRY_TIMEOUT ? "timeout" : "?";
}

//  The reason prefixes the report reads.
static const char *const s_prefixes[] = { "reassigned",     "at risk: ",    "breached: ",
                                          "goodwill: ",     "fee waived: ", "waiver requested: ",
                                          "offer withdrawn" };

//  True when the report reads events with this reason.
bool kpi_reason_counts(const char *reason)
{
    if (!reason)
        return false;
    for (size_t i = 0; i < sizeof s_prefixes / sizeof s_prefixes[0]; i++)
        if (strncmp(reason, s_prefixes[i], strlen(s_prefixes[i])) == 0)
            return true;
    return false;
}

//  Nearest-rank percentile of ascending samples.
double kpi_percentile(const double *sorted, size_t n, double p)
{
    if (!sorted || n == 0)
        return 0;
    //  ceil without libm; the slack keeps 0.9 * 20 from becoming 19
    double r = p * (double)n - 1e-9;
    size_t rank = r > 0 ? (size_t)r : 0;
    if ((double)rank < r)
        rank++;
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

//  ---------------------------------------------------------------------
//  On-shift time

//  Local minutes since the epoch minus UTC minutes: the zone's offset.
static int64_t s_offset_min(const tzone_local *l, int64_t utc_ms)
{
    int64_t utc_min = utc_ms / 60000 - (utc_ms % 60000 < 0);
    return (int64_t)civil_to_days(l->date) * 1440 + l->minute - utc_min;
}

//  A shift over the minutes of a week (minute 0 = Monday 00:00 local):
//  whether each is covered, and how many minutes until that changes (0:
//  never, the shift covers all or nothing).
typedef struct {
    uint8_t on[S_WEEK_MIN];
    uint16_t run[S_WEEK_MIN];
} s_week;

//  Milliseconds of [from, to) in the shift, with the week's cover table.
static int64_t s_shift_ms(const s_week *w, const char *zone, int64_t from, int64_t to)
{
    int64_t total = 0, cur = from;
    tzone_local l;
    if (tzone_localize(zone, cur, &l) < 0)
        return 0;
    while (cur < to) {
        int m = l.dow * 1440 + l.minute;
        uint8_t in = w->on[m];
        int k = w->run[m];
        int64_t into_minute = ((cur % 60000) + 60000) % 60000;
        int64_t next = k == 0 ? to : cur + (int64_t)k * 60000 - into_minute;
        if (next > to)
            next = to;
        //  the zone's offset may change on the way (daylight saving):
        //  then stop at the change and look again from there
        tzone_local ln;
        if (tzone_localize(zone, next, &ln) < 0)
            return total;
        int64_t off = s_offset_min(&l, cur);
        if (s_offset_min(&ln, next) != off) {
            int64_t lo = cur, hi = next;
            while (hi - lo > 1) {
                int64_t mid = lo + (hi - lo) / 2;
                tzone_local lm;
                if (tzone_localize(zone, mid, &lm) < 0)
                    return total;
                if (s_offset_min(&lm, mid) == off)
                    lo = mid;
                else
                    hi = mid;
            }
            next = hi;
            if (tzone_localize(zone, next, &ln) < 0)
                return total;
        }
        if (in)
            total += next - cur;
        cur = next;
        l = ln;
    }
    return total;
}

//  Fills the cover table of a week.
static void s_cover_table(const shift *s, s_week *w)
{
    bool changes = false;
    for (int m = 0; m < S_WEEK_MIN; m++) {
        tzone_local at = { { 2000, 1, 1 }, m / 1440, m % 1440 };
        w->on[m] = shift_covers(s, &at);
        changes |= m > 0 && w->on[m] != w->on[m - 1];
    }
    memset(w->run, 0, sizeof w->run);
    if (!changes)
        return;
    //  backwards twice around the week, so the wrap is counted too
    for (int i = 2 * S_WEEK_MIN - 1; i >= 0; i--) {
        int m = i % S_WEEK_MIN, next = (m + 1) % S_WEEK_MIN;
        w->run[m] = w->on[m] != w->on[next] ? 1 : (uint16_t)(w->run[next] + 1);
    }
}

//  On-shift milliseconds of [from, to) in zone tz.
int64_t kpi_shift_ms(const shift *s, const char *tz, int64_t from, int64_t to)
{
    if (!s || to <= from)
        return 0;
    s_week *w = malloc(sizeof *w);
    if (!w)
        return 0;
    s_cover_table(s, w);
    int64_t ms = s_shift_ms(w, tz && tzone_valid(tz) ? tz : "UTC", from, to);
    free(w);
    return ms;
}

//  ---------------------------------------------------------------------
//  The report

//  What one job's history says, read once.
typedef struct {
    int64_t assigned_at, on_site_at, completed_at, cancelled_at; //  -1 = never
    uint64_t escalations, reassignments;
    uint64_t at_risk, breached, goodwill, fees_waived, waivers_requested;
} s_facts;

//  A stretch of time a technician spent en route or on site for a job,
//  within the window; key: the job's group under a job grouping, else "".
typedef struct {
    const char *tech, *key;
    int64_t from, to;
} s_span;

//  What the report needs of a technician: its row, its weekly cover (one
//  table per distinct shift), and the part of the window it existed in.
typedef struct {
    const kpi_tech *t;
    const s_week *w;
    const char *tz;
    int64_t from, to; //  [from, to): the window, cut to [since, until)
} s_techinfo;

typedef struct {
    const kpi_query *q;
    kpi_report *r;
    strmap *index;   //  group key -> index + 1
    strmap *techs;   //  technician id -> s_techinfo
    strmap *serials; //  serial -> s_times
    size_t cap;
    int oom;
    s_span *spans; //  busy time, joined per technician at the end
    size_t n_spans, cap_spans;
    s_techinfo *info; //  one per technician
    s_week **weeks;   //  the distinct cover tables
    size_t n_weeks;
} s_ctx;

typedef struct {
    int64_t *at;
    size_t n, cap;
} s_times;

//  Appends to a growing array of doubles; -1 when out of memory.
static int s_push(double **v, size_t *n, double x)
{
    if ((*n & (*n - 1)) == 0) { //  0, 1, 2, 4 ...: grow to the next power
        double *bigger = realloc(*v, (*n ? *n * 2 : 1) * sizeof **v);
        if (!bigger)
            return -1;
        *v = bigger;
    }
    (*v)[(*n)++] = x;
    return 0;
}

//  The group named key (created on first use), or NULL when out of memory.
static kpi_group *s_group(s_ctx *c, const char *key)
{
    if (!key || !*key)
        key = "-";
    size_t i = (size_t)(uintptr_t)strmap_get(c->index, key);
    if (i)
        return &c->r->groups[i - 1];
    if (c->r->n_groups == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        kpi_group *bigger = realloc(c->r->groups, cap * sizeof *bigger);
        if (!bigger) {
            c->oom = 1;
            return NULL;
        }
        c->r->groups = bigger;
        c->cap = cap;
    }
    kpi_group *g = &c->r->groups[c->r->n_groups];
    memset(g, 0, sizeof *g);
    g->key = strdup(key);
    if (!g->key || strmap_put(c->index, key, (void *)(uintptr_t)(c->r->n_groups + 1)) < 0) {
        free(g->key);
        c->oom = 1;
        return NULL;
    }
    c->r->n_groups++;
    return g;
}

//  The hour of the day ("00".."23") a job was created, in its territory's
//  zone: a fleet across zones reads as one local day. Unknown zone: UTC.
static const char *s_hour_key(const kpi_job *j)
{
    tzone_local at;
    const char *tz = j->tz && *j->tz ? j->tz : "UTC";
    if (tzone_localize(tz, j->created_at, &at) < 0 && tzone_localize("UTC", j->created_at, &at) < 0)
        return "-";
    return s_hours[(at.minute / 60) % 24];
}

//  The key of a job's group under the report's grouping.
static const char *s_job_key(const kpi_job *j, kpi_by by)
{
    switch (by) {
    case KPI_BY_HOUR: return s_hour_key(j);
    case KPI_BY_TERRITORY: return j->territory;
    case KPI_BY_AGENT: return j->provider;
    case KPI_BY_TECHNICIAN: return j->technician;
    case KPI_BY_TIER: return j->tier;
    case KPI_BY_WARRANTY: return warranty_name((warranty_status)j->warranty);
    default: return "all";
    }
}

//  True for groupings by a fact of the job alone, where technicians
//  have no group: busy time is a share of the fleet's, not a utilisation.
static bool s_by_job(kpi_by by)
{
    return by == KPI_BY_WARRANTY || by == KPI_BY_TIER || by == KPI_BY_HOUR;
}

//  True for groupings that describe technicians as well as jobs.
static bool s_by_technician(kpi_by by)
{
    return by == KPI_BY_TERRITORY || by == KPI_BY_AGENT || by == KPI_BY_TECHNICIAN;
}

//  The key of a technician's group (territory: home; agent: provider).
static const char *s_tech_key(s_ctx *c, const char *id)
{
    const s_techinfo *ti = id && *id ? strmap_get(c->techs, id) : NULL;
    const kpi_tech *t = ti ? ti->t : NULL;
    switch (c->q->by) {
    case KPI_BY_TERRITORY: return t ? t->territory : "-";
    case KPI_BY_AGENT: return t ? t->provider : "-";
    case KPI_BY_TECHNICIAN: return id;
    default: return "all";
    }
}

//  The group an event about technician `tech` on job j counts for (NULL
//  for the total only: KPI_BY_ALL).
static kpi_group *s_about(s_ctx *c, const kpi_job *j, const char *tech)
{
    if (c->q->by == KPI_BY_ALL)
        return NULL;
    if (s_by_technician(c->q->by) && c->q->by != KPI_BY_TERRITORY)
        return s_group(c, s_tech_key(c, tech));
    return s_group(c, s_job_key(j, c->q->by));
}

//  True when s starts with prefix.
static bool s_starts(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

//  Reads a job's history into facts.
static void s_read_facts(const kpi_job *j, s_facts *f)
{
    memset(f, 0, sizeof *f);
    f->assigned_at = f->on_site_at = f->completed_at = f->cancelled_at = -1;
    for (size_t i = 0; i < j->n_events; i++) {
        const kpi_event *e = &j->events[i];
        const char *why = e->reason ? e->reason : "";
        if (s_starts(why, "reassigned"))
            f->reassignments++;
        if (s_starts(why, "at risk: "))
            f->at_risk++;
        else if (s_starts(why, "breached: "))
            f->breached++;
        else if (s_starts(why, "goodwill: "))
            f->goodwill++;
        else if (s_starts(why, "fee waived: "))
            f->fees_waived++;
        else if (s_starts(why, "waiver requested: "))
            f->waivers_requested++;
        if (e->from_state == e->to_state)
            continue; //  a note: no transition
        switch (e->to_state) {
        case JS_ASSIGNED:
            if (f->assigned_at < 0)
                f->assigned_at = e->at;
            break;
        case JS_ON_SITE:
            if (f->on_site_at < 0)
                f->on_site_at = e->at;
            break;
        case JS_COMPLETED:
            if (f->completed_at < 0)
                f->completed_at = e->at;
            break;
        case JS_CANCELLED:
            if (f->cancelled_at < 0)
                f->cancelled_at = e->at;
            break;
        case JS_ESCALATED: f->escalations++; break;
        default: break;
        }
    }
}

//  Judges one deadline into g: kept, missed, not judged or pending.
static void s_deadline(kpi_group *g, int which, int64_t deadline, int64_t reached, const kpi_job *j,
                       const s_facts *f, int64_t now)
{
    if (deadline <= 0)
        return;
    bool judged = false, kept = false;
    if (reached >= 0) {
        judged = true;
        kept = reached <= deadline;
    } else if (j->state == JS_CANCELLED || f->cancelled_at >= 0)
        judged = f->cancelled_at > deadline; //  cancelled before it: void
    else if (now > deadline)
        judged = true; //  open past it: missed
    else
        g->sla_pending++;
    if (judged) {
        g->sla_judged[which]++;
        g->sla_kept[which] += kept;
    }
}

//  Seconds from creation to t (never negative).
static double s_since(const kpi_job *j, int64_t t)
{
    return t > j->created_at ? (double)(t - j->created_at) / 1000.0 : 0;
}

//  First-time fix of a completed job: 1 fixed, 0 not fixed, -1 pending
//  (its 30 days are not over: a repeat already there is not judged
//  early, or recent periods would show only failures), -2 not judged
//  (no serial, not completed).
static int s_ftf(s_ctx *c, const kpi_job *j, const s_facts *f)
{
    if (f->completed_at < 0 || !j->serial || !*j->serial)
        return -2;
    int64_t done = f->completed_at;
    if (c->q->now < done + S_FTF_WINDOW_MS)
        return -1;
    const s_times *t = strmap_get(c->serials, j->serial);
    if (t) {
        //  first creation after the completion (times ascending)
        size_t lo = 0, hi = t->n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (t->at[mid] <= done)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < t->n && t->at[lo] <= done + S_FTF_WINDOW_MS)
            return 0;
    }
    return 1;
}

//  Adds a job's own figures (not offers or busy time) to g.
static int s_add_job(s_ctx *c, kpi_group *g, const kpi_job *j, const s_facts *f, int ftf)
{
    g->requests++;
    g->completed += f->completed_at >= 0;
    g->cancelled += j->state == JS_CANCELLED;
    g->open += job_state_is_open((job_state)j->state);
    g->escalations += f->escalations;
    g->reassignments += f->reassignments;
    g->at_risk += f->at_risk;
    g->breached += f->breached;
    g->goodwill += f->goodwill;
    g->fees_waived += f->fees_waived;
    g->waivers_requested += f->waivers_requested;
    if (f->assigned_at >= 0 && s_push(&g->assign_s, &g->assign_n, s_since(j, f->assigned_at)) < 0)
        return -1;
    if (f->on_site_at >= 0 && s_push(&g->arrive_s, &g->arrive_n, s_since(j, f->on_site_at)) < 0)
        return -1;
    s_deadline(g, KPI_ASSIGN_BY, j->assign_by, f->assigned_at, j, f, c->q->now);
    s_deadline(g, KPI_ARRIVE_BY, j->arrive_by, f->on_site_at, j, f, c->q->now);
    s_deadline(g, KPI_FIX_BY, j->fix_by, f->completed_at, j, f, c->q->now);
    if (ftf >= 0) {
        g->ftf_judged++;
        g->ftf_fixed += ftf;
    } else if (ftf == -1)
        g->ftf_pending++;
    if (j->rating >= 1 && j->rating <= 5) {
        g->ratings++;
        g->ratings_good += j->rating >= 4;
        g->rating_sum += (uint64_t)j->rating;
    }
    return 0;
}

//  Expiry reason of an expired decline: the offered -> new event that
//  took the offer back from that technician says why.
static int s_expiry_reason(const kpi_job *j, const kpi_decline *d)
{
    for (size_t i = 0; i < j->n_events; i++) {
        const kpi_event *e = &j->events[i];
        if (e->from_state == JS_OFFERED && e->to_state == JS_NEW && e->technician && d->technician
            && strcmp(e->technician, d->technician) == 0)
            return s_starts(e->reason, "offer withdrawn") ? KPI_EXPIRY_OFFLINE : KPI_EXPIRY_TIMEOUT;
    }
    return KPI_EXPIRY_TIMEOUT;
}

//  Keeps busy time [from, to) of technician tech, clipped to the window;
//  the spans are joined per technician once every job is read (s_join).
static void s_busy(s_ctx *c, const kpi_job *j, const char *tech, int64_t from, int64_t to)
{
    if (from < c->r->window_from)
        from = c->r->window_from;
    if (to > c->r->window_to)
        to = c->r->window_to;
    if (to <= from || !tech || !*tech)
        return;
    if (c->n_spans == c->cap_spans) {
        size_t cap = c->cap_spans ? c->cap_spans * 2 : 64;
        s_span *bigger = realloc(c->spans, cap * sizeof *bigger);
        if (!bigger) {
            c->oom = 1;
            return;
        }
        c->spans = bigger;
        c->cap_spans = cap;
    }
    const char *key = s_by_job(c->q->by) ? s_job_key(j, c->q->by) : "";
    c->spans[c->n_spans++] = (s_span){ tech, key && *key ? key : "-", from, to };
}

//  Offers, declines, expiries and busy time of a job, each for its group.
static void s_add_work(s_ctx *c, const kpi_job *j)
{
    int64_t busy_since = -1;
    const char *busy_tech = "";
    for (size_t i = 0; i < j->n_events; i++) {
        const kpi_event *e = &j->events[i];
        if (e->from_state == e->to_state)
            continue;
        if (e->to_state == JS_OFFERED) {
            c->r->total.offers++;
            kpi_group *g = s_about(c, j, e->technician);
            if (g)
                g->offers++;
        }
        bool busy = e->to_state == JS_EN_ROUTE || e->to_state == JS_ON_SITE;
        const char *tech = e->technician ? e->technician : "";
        if (busy_since >= 0 && (!busy || strcmp(tech, busy_tech) != 0)) {
            s_busy(c, j, busy_tech, busy_since, e->at);
            busy_since = -1;
        }
        if (busy && busy_since < 0) {
            busy_since = e->at;
            busy_tech = tech;
        }
    }
    if (busy_since >= 0)
        s_busy(c, j, busy_tech, busy_since, c->q->now);
    for (size_t i = 0; i < j->n_declines; i++) {
        const kpi_decline *d = &j->declines[i];
        kpi_group *g = s_about(c, j, d->technician);
        kpi_group *both[2] = { &c->r->total, g };
        int why = d->expired ? s_expiry_reason(j, d) : 0;
        for (int k = 0; k < 2; k++) {
            if (!both[k])
                continue;
            if (d->expired) {
                both[k]->expiries++;
                both[k]->expiries_by[why]++;
            } else {
                both[k]->declines++;
                if (d->reason > DR_NONE && d->reason < DR_COUNT_)
                    both[k]->declines_by[d->reason]++;
            }
        }
    }
}

//  Percentage num of den; 0 when den is 0.
static double s_pct(uint64_t num, uint64_t den)
{
    return den ? 100.0 * (double)num / (double)den : 0;
}

static int s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int s_cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int s_cmp_group(const void *a, const void *b)
{
    return strcmp(((const kpi_group *)a)->key, ((const kpi_group *)b)->key);
}

//  Percentiles, rates and shares of a group once every job is in;
//  fleet_ms: the on-shift time of every technician.
static void s_finish(kpi_group *g, int64_t fleet_ms)
{
    //  qsort's array may not be NULL, even for no elements
    if (g->assign_n)
        qsort(g->assign_s, g->assign_n, sizeof(double), s_cmp_double);
    if (g->arrive_n)
        qsort(g->arrive_s, g->arrive_n, sizeof(double), s_cmp_double);
    g->assign_p50_s = kpi_percentile(g->assign_s, g->assign_n, 0.5);
    g->assign_p90_s = kpi_percentile(g->assign_s, g->assign_n, 0.9);
    g->arrive_p50_s = kpi_percentile(g->arrive_s, g->arrive_n, 0.5);
    g->arrive_p90_s = kpi_percentile(g->arrive_s, g->arrive_n, 0.9);
    g->sla_judged_all = g->sla_kept_all = 0;
    for (int d = 0; d < KPI_DEADLINES_; d++) {
        g->sla_judged_all += g->sla_judged[d];
        g->sla_kept_all += g->sla_kept[d];
    }
    g->sla_kept_pct = s_pct(g->sla_kept_all, g->sla_judged_all);
    g->ftf_pct = s_pct(g->ftf_fixed, g->ftf_judged);
    g->decline_rate_pct = s_pct(g->declines, g->offers);
    g->expiry_rate_pct = s_pct(g->expiries, g->offers);
    g->utilisation_pct = g->shift_ms > 0 ? 100.0 * (double)g->busy_ms / (double)g->shift_ms : 0;
    g->fleet_share_pct = fleet_ms > 0 ? 100.0 * (double)g->busy_ms / (double)fleet_ms : 0;
    g->csat_pct = s_pct(g->ratings_good, g->ratings);
    g->rating_avg = g->ratings ? (double)g->rating_sum / (double)g->ratings : 0;
}

//  The cover table of shift sh, made once per distinct shift.
static const s_week *s_week_of(s_ctx *c, const shift *sh, const shift **seen)
{
    for (size_t k = 0; k < c->n_weeks; k++)
        if (seen[k]->days == sh->days && seen[k]->start_min == sh->start_min
            && seen[k]->end_min == sh->end_min)
            return c->weeks[k];
    s_week *w = malloc(sizeof *w);
    if (!w)
        return NULL;
    s_cover_table(sh, w);
    seen[c->n_weeks] = sh;
    c->weeks[c->n_weeks++] = w;
    return w;
}

//  On-shift milliseconds of technician ti within [from, to), counting
//  only the time it existed and the window.
static int64_t s_on_shift(const s_techinfo *ti, int64_t from, int64_t to)
{
    if (from < ti->from)
        from = ti->from;
    if (to > ti->to)
        to = ti->to;
    return to > from ? s_shift_ms(ti->w, ti->tz, from, to) : 0;
}

//  Every technician's shift, zone and existence; their on-shift time in
//  the window goes to the total and their groups. A technician counts
//  only from when it was loaded (since) until it left (until).
static int s_add_shifts(s_ctx *c, const kpi_tech *techs, size_t n_techs)
{
    size_t n = n_techs ? n_techs : 1;
    shift *shifts = calloc(n, sizeof *shifts);
    const shift **seen = calloc(n, sizeof *seen);
    c->info = calloc(n, sizeof *c->info);
    c->weeks = calloc(n, sizeof *c->weeks);
    if (!shifts || !seen || !c->info || !c->weeks) {
        free(shifts);
        free(seen);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n_techs && rc == 0; i++) {
        const kpi_tech *t = &techs[i];
        const char *why;
        if (!t->shift || shift_parse(t->shift, &shifts[i], &why) < 0)
            shift_parse("24h", &shifts[i], &why);
        s_techinfo *ti = &c->info[i];
        ti->t = t;
        ti->tz = t->tz && tzone_valid(t->tz) ? t->tz : "UTC";
        ti->from = t->since > c->r->window_from ? t->since : c->r->window_from;
        ti->to = t->until > 0 && t->until < c->r->window_to ? t->until : c->r->window_to;
        if (!(ti->w = s_week_of(c, &shifts[i], seen))) {
            rc = -1;
            break;
        }
        if (t->id && strmap_put(c->techs, t->id, ti) < 0) {
            rc = -1;
            break;
        }
        int64_t ms = s_on_shift(ti, ti->from, ti->to);
        c->r->total.shift_ms += ms;
        if (s_by_technician(c->q->by)) {
            kpi_group *g = s_group(c, s_tech_key(c, t->id));
            if (g)
                g->shift_ms += ms;
        }
    }
    free(shifts);
    free(seen);
    return rc;
}

static int s_cmp_span_tech(const void *a, const void *b)
{
    const s_span *x = a, *y = b;
    int k = strcmp(x->tech, y->tech);
    return k ? k : x->from < y->from ? -1 : x->from > y->from;
}

static int s_cmp_span_key(const void *a, const void *b)
{
    const s_span *x = a, *y = b;
    int k = strcmp(x->tech, y->tech);
    if (!k)
        k = strcmp(x->key, y->key);
    return k ? k : x->from < y->from ? -1 : x->from > y->from;
}

//  Busy time: for each technician (with by_key: each technician and
//  group of jobs) the union of its spans, so overlapping jobs count once,
//  on shift only. Per technician it goes to the total and the
//  technician's group; per group of jobs to that group.
static void s_join(s_ctx *c, bool by_key)
{
    if (!c->n_spans)
        return;
    qsort(c->spans, c->n_spans, sizeof *c->spans, by_key ? s_cmp_span_key : s_cmp_span_tech);
    for (size_t i = 0; i < c->n_spans;) {
        const s_span *first = &c->spans[i];
        const s_techinfo *ti = strmap_get(c->techs, first->tech);
        int64_t busy = 0, lo = first->from, hi = first->to;
        size_t k = i + 1;
        for (; k < c->n_spans && strcmp(c->spans[k].tech, first->tech) == 0
               && (!by_key || strcmp(c->spans[k].key, first->key) == 0);
             k++) {
            if (c->spans[k].from <= hi) {
                if (c->spans[k].to > hi)
                    hi = c->spans[k].to;
                continue;
            }
            busy += ti ? s_on_shift(ti, lo, hi) : 0;
            lo = c->spans[k].from;
            hi = c->spans[k].to;
        }
        busy += ti ? s_on_shift(ti, lo, hi) : 0; //  unknown technician: no shift to be busy in
        kpi_group *g = NULL;
        if (by_key)
            g = s_group(c, first->key);
        else {
            c->r->total.busy_ms += busy;
            if (s_by_technician(c->q->by))
                g = s_group(c, s_tech_key(c, first->tech));
        }
        if (g)
            g->busy_ms += busy;
        i = k;
    }
}

//  The end of the window without --to: the last thing that happened to a
//  period job (so the report does not drift while nothing happens), or
//  now while a technician is still on the way or on site.
static int64_t s_last_moment(const kpi_query *q, const kpi_job *jobs, size_t n_jobs)
{
    int64_t last = -1;
    for (size_t i = 0; i < n_jobs; i++) {
        const kpi_job *j = &jobs[i];
        if (j->created_at < q->from || (q->to > 0 && j->created_at >= q->to))
            continue;
        if (j->created_at > last)
            last = j->created_at;
        int busy = 0;
        for (size_t k = 0; k < j->n_events; k++) {
            const kpi_event *e = &j->events[k];
            if (e->at > last)
                last = e->at;
            if (e->from_state != e->to_state)
                busy = e->to_state == JS_EN_ROUTE || e->to_state == JS_ON_SITE;
        }
        if (busy)
            return q->now;
    }
    return last < 0 || last > q->now ? q->now : last;
}

//  Indexes every job's creation time by product serial.
static int s_index_serials(s_ctx *c, const kpi_job *jobs, size_t n_jobs)
{
    for (size_t i = 0; i < n_jobs; i++) {
        const char *serial = jobs[i].serial;
        if (!serial || !*serial)
            continue;
        s_times *t = strmap_get(c->serials, serial);
        if (!t) {
            t = calloc(1, sizeof *t);
            if (!t || strmap_put(c->serials, serial, t) < 0) {
                free(t);
                return -1;
            }
        }
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 4;
            int64_t *bigger = realloc(t->at, cap * sizeof *bigger);
            if (!bigger)
                return -1;
            t->at = bigger;
            t->cap = cap;
        }
        t->at[t->n++] = jobs[i].created_at;
    }
    return 0;
}

//  strmap_each: sorts one serial's times.
static void s_sort_times(const char *key, void *value, void *arg)
{
    s_times *t = value;
    qsort(t->at, t->n, sizeof *t->at, s_cmp_int64);
}

//  strmap_each: frees one serial's times.
static void s_free_times(const char *key, void *value, void *arg)
{
    s_times *t = value;
    free(t->at);
    free(t);
}

//  True when the job was created in the period.
static bool s_in_period(const kpi_query *q, const kpi_job *j)
{
    return j->created_at >= q->from && (q->to <= 0 || j->created_at < q->to);
}

//  Frees what the computation kept aside.
static void s_ctx_free(s_ctx *c)
{
    if (c->serials)
        strmap_each(c->serials, s_free_times, NULL);
    strmap_destroy(&c->serials);
    strmap_destroy(&c->techs);
    strmap_destroy(&c->index);
    for (size_t i = 0; i < c->n_weeks; i++)
        free(c->weeks[i]);
    free(c->weeks);
    free(c->info);
    free(c->spans);
}

int kpi_compute(const kpi_query *q, const kpi_job *jobs, size_t n_jobs, const kpi_tech *techs, size_t n_techs,
                kpi_report *out)
{
    memset(out, 0, sizeof *out);
    out->by = q->by >= 0 && q->by < KPI_BY_COUNT_ ? q->by : KPI_BY_ALL;
    kpi_query query = *q;
    query.by = out->by;
    s_ctx c = {
        .q = &query, .r = out, .index = strmap_new(), .techs = strmap_new(), .serials = strmap_new()
    };
    out->total.key = strdup("all");
    if (!c.index || !c.techs || !c.serials || !out->total.key)
        goto oom;

    //  the window of time-based figures: the period, up to now; without
    //  a start, from the first job's creation; without an end, up to the
    //  last thing that happened (s_last_moment)
    out->window_to = q->to > 0 ? (q->to < q->now ? q->to : q->now) : s_last_moment(q, jobs, n_jobs);
    out->window_from = out->window_to;
    if (q->from > 0)
        out->window_from = q->from;
    else
        for (size_t i = 0; i < n_jobs; i++)
            if (s_in_period(q, &jobs[i]) && jobs[i].created_at < out->window_from)
                out->window_from = jobs[i].created_at;
    if (out->window_from > out->window_to)
        out->window_from = out->window_to;

    if (s_add_shifts(&c, techs, n_techs) < 0 || c.oom)
        goto oom;
    if (s_index_serials(&c, jobs, n_jobs) < 0)
        goto oom;
    //  by hour every hour of the day is a group, an hour without jobs too
    if (query.by == KPI_BY_HOUR)
        for (int h = 0; h < 24; h++)
            if (!s_group(&c, s_hours[h]))
                goto oom;
    strmap_each(c.serials, s_sort_times, NULL);

    for (size_t i = 0; i < n_jobs; i++) {
        const kpi_job *j = &jobs[i];
        if (!s_in_period(q, j))
            continue;
        s_facts f;
        s_read_facts(j, &f);
        int ftf = s_ftf(&c, j, &f);
        if (s_add_job(&c, &out->total, j, &f, ftf) < 0)
            goto oom;
        if (query.by != KPI_BY_ALL) {
            kpi_group *g = s_group(&c, s_job_key(j, query.by));
            if (!g || s_add_job(&c, g, j, &f, ftf) < 0)
                goto oom;
        }
        s_add_work(&c, j);
        if (c.oom)
            goto oom;
    }
    s_join(&c, false);
    bool by_job = s_by_job(query.by);
    if (by_job)
        s_join(&c, true);
    if (c.oom)
        goto oom;
    //  job groupings: a group's time is a share of the whole fleet's
    if (by_job)
        for (size_t i = 0; i < out->n_groups; i++)
            out->groups[i].shift_ms = out->total.shift_ms;

    s_finish(&out->total, out->total.shift_ms);
    for (size_t i = 0; i < out->n_groups; i++) {
        s_finish(&out->groups[i], out->total.shift_ms);
        if (by_job) //  not a utilisation: a share of fleet time (fleet_share_pct)
            out->groups[i].utilisation_pct = 0;
    }
    if (out->n_groups)
        qsort(out->groups, out->n_groups, sizeof *out->groups, s_cmp_group);
    s_ctx_free(&c);
    return 0;
oom:
    s_ctx_free(&c);
    kpi_report_free(out);
    return -1;
}

//  Frees one group's memory.
static void s_group_free(kpi_group *g)
{
    free(g->key);
    free(g->assign_s);
    free(g->arrive_s);
    memset(g, 0, sizeof *g);
}

void kpi_report_free(kpi_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_groups; i++)
        s_group_free(&r->groups[i]);
    free(r->groups);
    s_group_free(&r->total);
    r->groups = NULL;
    r->n_groups = 0;
}
