/*  cmd_report.c — fsdctl report: the KPI report as a table, JSON or CSV.

    One request (ReportRequest: period and grouping), one ReportView back.
    The figures are the server's (core/kpi.c); this module only names and
    rounds them, the same way in all three outputs: seconds to whole
    seconds, percentages to one decimal, the average rating to two. A
    figure taken over nothing (a median of no samples, a rate of no offers)
    is empty in CSV, null in JSON and "-" in the table.

    CSV and the JSON groups share one list of columns (s_cells), so their
    names cannot drift apart; the README lists them. */
#include "ctl.h"
#include "args.h"
#include "fsd/timetext.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/pbjson.h"
#include "fsd/wire.h"

typedef enum { K_TEXT, K_COUNT, K_SECONDS, K_PCT, K_AVG } s_kind;

/* One named figure of a group. */
typedef struct {
    const char *name;
    s_kind kind;
    double v;
    bool defined;
    const char *text;
} s_cell;

#define S_MAX_CELLS 64
/* How long report waits for the answer without --timeout. */
#define S_TIMEOUT_MS 60000

/* The count of the counter called name in a list (0 when absent). */
static uint64_t s_counter(Fsd__Counter **list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i]->name, name) == 0)
            return list[i]->value;
    return 0;
}

/* v rounded the way the report prints it. */
static double s_round(s_kind kind, double v)
{
    switch (kind) {
    case K_SECONDS: return floor(v + 0.5);
    case K_PCT: return floor(v * 10 + 0.5) / 10;
    case K_AVG: return floor(v * 100 + 0.5) / 100;
    default: return v;
    }
}

typedef struct {
    s_cell *cells;
    size_t n;
} s_row;

static void s_add(s_row *r, const char *name, s_kind kind, double v, bool defined)
{
    if (r->n < S_MAX_CELLS)
        r->cells[r->n++] = (s_cell){ name, kind, s_round(kind, v), defined, NULL };
}

static void s_text(s_row *r, const char *name, const char *text)
{
    if (r->n < S_MAX_CELLS)
        r->cells[r->n++] = (s_cell){ name, K_TEXT, 0, true, text };
}

#define COUNT(name, v) s_add(r, name, K_COUNT, (double)(v), true)

/* True for groupings of jobs rather than technicians (warranty, tier, hour):
   their groups have no shift of their own, so no utilisation, only a
   share of the fleet's time. */
static bool s_by_job(const char *by)
{
    return strcmp(by, "warranty") == 0 || strcmp(by, "tier") == 0 || strcmp(by, "hour") == 0;
}

/* Every column of a group, in the CSV's order. */
static size_t s_cells(const char *by, const Fsd__KpiGroup *g, s_cell *cells)
{
    s_row row = { cells, 0 }, *r = &row;
    static const char *const reasons[] = { "too_far", "no_parts", "not_my_skill", "off_shift", "other" };
    static const char *const declined[] = { "declined_too_far", "declined_no_parts", "declined_not_my_skill",
                                            "declined_off_shift", "declined_other" };
    static const char *const declined_pct[] = { "declined_too_far_pct", "declined_no_parts_pct",
                                                "declined_not_my_skill_pct", "declined_off_shift_pct",
                                                "declined_other_pct" };
    s_text(r, "by", by);
    s_text(r, "group", g->key);
    COUNT("requests", g->requests);
    COUNT("completed", g->completed);
    COUNT("cancelled", g->cancelled);
    COUNT("open", g->open);
    COUNT("escalations", g->escalations);
    COUNT("reassignments", g->reassignments);
    COUNT("assign_n", g->assign_n);
    s_add(r, "assign_p50_s", K_SECONDS, g->assign_p50_s, g->assign_n > 0);
    s_add(r, "assign_p90_s", K_SECONDS, g->assign_p90_s, g->assign_n > 0);
    COUNT("arrive_n", g->arrive_n);
    s_add(r, "arrive_p50_s", K_SECONDS, g->arrive_p50_s, g->arrive_n > 0);
    s_add(r, "arrive_p90_s", K_SECONDS, g->arrive_p90_s, g->arrive_n > 0);
    COUNT("sla_judged", g->sla_judged);
    COUNT("sla_kept", g->sla_kept);
    s_add(r, "sla_kept_pct", K_PCT, g->sla_kept_pct, g->sla_judged > 0);
    COUNT("sla_pending", g->sla_pending);
    COUNT("assign_by_judged", g->assign_by_judged);
    COUNT("assign_by_kept", g->assign_by_kept);
    COUNT("arrive_by_judged", g->arrive_by_judged);
    COUNT("arrive_by_kept", g->arrive_by_kept);
    COUNT("fix_by_judged", g->fix_by_judged);
    COUNT("fix_by_kept", g->fix_by_kept);
    COUNT("ftf_judged", g->ftf_judged);
    COUNT("ftf_fixed", g->ftf_fixed);
    s_add(r, "ftf_pct", K_PCT, g->ftf_pct, g->ftf_judged > 0);
    COUNT("ftf_pending", g->ftf_pending);
    COUNT("offers", g->offers);
    COUNT("declines", g->declines);
    s_add(r, "decline_rate_pct", K_PCT, g->decline_rate_pct, g->offers > 0);
    for (int i = 0; i < 5; i++) {
        uint64_t k = s_counter(g->declines_by_reason, g->n_declines_by_reason, reasons[i]);
        COUNT(declined[i], k);
        s_add(r, declined_pct[i], K_PCT, g->offers ? 100.0 * (double)k / (double)g->offers : 0,
              g->offers > 0);
    }
    COUNT("expiries", g->expiries);
    s_add(r, "expiry_rate_pct", K_PCT, g->expiry_rate_pct, g->offers > 0);
    uint64_t timeout = s_counter(g->expiries_by_reason, g->n_expiries_by_reason, "timeout");
    uint64_t offline = s_counter(g->expiries_by_reason, g->n_expiries_by_reason, "offline");
    COUNT("expired_timeout", timeout);
    s_add(r, "expired_timeout_pct", K_PCT, g->offers ? 100.0 * (double)timeout / (double)g->offers : 0,
          g->offers > 0);
    COUNT("expired_offline", offline);
    s_add(r, "expired_offline_pct", K_PCT, g->offers ? 100.0 * (double)offline / (double)g->offers : 0,
          g->offers > 0);
    s_add(r, "busy_s", K_SECONDS, g->busy_s, true);
    s_add(r, "shift_s", K_SECONDS, g->shift_s, true);
    s_add(r, "utilisation_pct", K_PCT, g->utilisation_pct, g->shift_s > 0 && !s_by_job(by));
    s_add(r, "fleet_share_pct", K_PCT, g->fleet_share_pct, g->shift_s > 0);
    COUNT("ratings", g->ratings);
    COUNT("ratings_good", g->ratings_good);
    s_add(r, "csat_pct", K_PCT, g->csat_pct, g->ratings > 0);
    s_add(r, "rating_avg", K_AVG, g->rating_avg, g->ratings > 0);
    COUNT("at_risk", g->at_risk);
    COUNT("breached", g->breached);
    COUNT("goodwill", g->goodwill);
    COUNT("fees_waived", g->fees_waived);
    COUNT("waivers_requested", g->waivers_requested);
    return r->n;
}

/* A cell's value as CSV/table text ("" when undefined). */
static const char *s_value(const s_cell *c, char *buf, size_t len)
{
    if (c->kind == K_TEXT)
        return c->text;
    if (!c->defined)
        return "";
    switch (c->kind) {
    case K_PCT: snprintf(buf, len, "%.1f", c->v); break;
    case K_AVG: snprintf(buf, len, "%.2f", c->v); break;
    default: snprintf(buf, len, "%.0f", c->v); break;
    }
    return buf;
}

/* ------------------------------------------------------------------ CSV */

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void s_csv_field(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void s_csv_row(const char *by, const Fsd__KpiGroup *g, bool header)
{
    s_cell cells[S_MAX_CELLS];
    size_t n = s_cells(by, g, cells);
    char buf[64];
    for (size_t i = 0; i < n; i++) {
        if (i)
            putchar(',');
        s_csv_field(header ? cells[i].name : s_value(&cells[i], buf, sizeof buf));
    }
    putchar('\n');
}

/* Header, one row per group, then the total (by "all", group "all"). */
static void s_csv(const Fsd__ReportView *v)
{
    Fsd__KpiGroup empty = FSD__KPI_GROUP__INIT;
    s_csv_row("", &empty, true);
    for (size_t i = 0; i < v->n_groups; i++)
        s_csv_row(v->by, v->groups[i], false);
    if (v->total)
        s_csv_row("all", v->total, false);
}

/* ----------------------------------------------------------------- JSON */

/* A group as a JSON object keyed by the CSV's column names. */
static json_t *s_json_row(const char *by, const Fsd__KpiGroup *g)
{
    s_cell cells[S_MAX_CELLS];
    size_t n = s_cells(by, g, cells);
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++) {
        const s_cell *c = &cells[i];
        json_t *x;
        if (c->kind == K_TEXT)
            x = json_string(c->text);
        else if (!c->defined)
            x = json_null();
        else if (c->kind == K_COUNT || c->kind == K_SECONDS)
            x = json_integer((json_int_t)c->v);
        else
            x = json_real(c->v);
        json_object_set_new(o, c->name, x);
    }
    return o;
}

/* The view as JSON, with groups and total in the CSV's columns. */
static void s_json(const Fsd__ReportView *v)
{
    json_t *doc = pbjson_from_message(&v->base);
    json_t *groups = json_array();
    for (size_t i = 0; i < v->n_groups; i++)
        json_array_append_new(groups, s_json_row(v->by, v->groups[i]));
    json_object_set_new(doc, "by", json_string(v->by));
    json_object_set_new(doc, "groups", groups);
    if (v->total)
        json_object_set_new(doc, "total", s_json_row("all", v->total));
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (text)
        puts(text);
    free(text);
    json_decref(doc);
}

/* ---------------------------------------------------------------- table */

#define S_LABEL 24
#define S_COL 16     /* cells are at least this wide ("1234/1234 100.0%") ... */
#define S_COL_MAX 26 /* ... and grow up to this for long group names */
#define S_WIDTH 100  /* groups side by side up to this width, then another block */

/* Seconds as every duration is written: "45s", "5m 00s", "2h 00m", "1d 2h". */
static const char *s_duration(double s, char *buf, size_t len)
{
    return timetext_duration((int64_t)floor(s + 0.5) * 1000, buf, len);
}

/* "n/of pct%", or "-" when of is 0. */
static const char *s_share(uint64_t n, uint64_t of, double pct, char *buf, size_t len)
{
    if (!of)
        return "-";
    snprintf(buf, len, "%llu/%llu %.1f%%", (unsigned long long)n, (unsigned long long)of,
             s_round(K_PCT, pct));
    return buf;
}

/* "n pct%" of offers, or n alone when there were none. */
static const char *s_rate(uint64_t n, uint64_t offers, char *buf, size_t len)
{
    if (!offers)
        snprintf(buf, len, "%llu", (unsigned long long)n);
    else
        snprintf(buf, len, "%llu %.1f%%", (unsigned long long)n,
                 s_round(K_PCT, 100.0 * (double)n / (double)offers));
    return buf;
}

/* The table's lines: a label and how to print a group's cell. */
enum {
    T_REQUESTS,
    T_COMPLETED,
    T_CANCELLED,
    T_OPEN,
    T_ASSIGN50,
    T_ASSIGN90,
    T_ARRIVE50,
    T_ARRIVE90,
    T_SLA,
    T_SLA_ASSIGN,
    T_SLA_ARRIVE,
    T_SLA_FIX,
    T_SLA_PENDING,
    T_FTF,
    T_FTF_PENDING,
    T_OFFERS,
    T_DECLINED,
    T_TOO_FAR,
    T_NO_PARTS,
    T_NOT_MY_SKILL,
    T_OFF_SHIFT,
    T_OTHER,
    T_EXPIRED,
    T_TIMEOUT,
    T_OFFLINE,
    T_UTIL,
    T_FLEET,
    T_BUSY,
    T_SHIFT,
    T_CSAT,
    T_AVG,
    T_ESCALATIONS,
    T_REASSIGNMENTS,
    T_AT_RISK,
    T_BREACHED,
    T_GOODWILL,
    T_FEES,
    T_WAIVERS,
    T_COUNT_
};
static const char *const s_labels[T_COUNT_] = {
    "requests",
    "  completed",
    "  cancelled",
    "  open",
    "time to assign p50",
    "time to assign p90",
    "time to arrive p50",
    "time to arrive p90",
    "SLA kept",
    "  assign-by",
    "  arrive-by",
    "  fix-by",
    "  pending",
    "first-time fix",
    "  pending",
    "offers",
    "declined (per offer)",
    "  too_far",
    "  no_parts",
    "  not_my_skill",
    "  off_shift",
    "  other",
    "expired (per offer)",
    "  timeout",
    "  offline",
    "utilisation",
    "share of fleet time",
    "  busy hours",
    "  on-shift hours",
    "CSAT (4-5 stars)",
    "average rating",
    "escalations",
    "reassignments",
    "at risk",
    "breached",
    "goodwill",
    "fees waived",
    "waivers requested",
};

/* The text of line t for group g; jobs: g groups jobs, not technicians
   (by warranty, tier or hour, not the total). */
static const char *s_table_cell(int t, const Fsd__KpiGroup *g, bool jobs, char *buf, size_t len)
{
    static const char *const reasons[] = { "too_far", "no_parts", "not_my_skill", "off_shift", "other" };
    switch (t) {
    case T_REQUESTS: snprintf(buf, len, "%llu", (unsigned long long)g->requests); return buf;
    case T_COMPLETED: snprintf(buf, len, "%llu", (unsigned long long)g->completed); return buf;
    case T_CANCELLED: snprintf(buf, len, "%llu", (unsigned long long)g->cancelled); return buf;
    case T_OPEN: snprintf(buf, len, "%llu", (unsigned long long)g->open); return buf;
    case T_ASSIGN50: return g->assign_n ? s_duration(g->assign_p50_s, buf, len) : "-";
    case T_ASSIGN90: return g->assign_n ? s_duration(g->assign_p90_s, buf, len) : "-";
    case T_ARRIVE50: return g->arrive_n ? s_duration(g->arrive_p50_s, buf, len) : "-";
    case T_ARRIVE90: return g->arrive_n ? s_duration(g->arrive_p90_s, buf, len) : "-";
    case T_SLA: return s_share(g->sla_kept, g->sla_judged, g->sla_kept_pct, buf, len);
    case T_SLA_ASSIGN:
        return s_share(g->assign_by_kept, g->assign_by_judged,
                       g->assign_by_judged ? 100.0 * (double)g->assign_by_kept / (double)g->assign_by_judged
                                           : 0,
                       buf, len);
    case T_SLA_ARRIVE:
        return s_share(g->arrive_by_kept, g->arrive_by_judged,
                       g->arrive_by_judged ? 100.0 * (double)g->arrive_by_kept / (double)g->arrive_by_judged
                                           : 0,
                       buf, len);
    case T_SLA_FIX:
        return s_share(g->fix_by_kept, g->fix_by_judged,
                       g->fix_by_judged ? 100.0 * (double)g->fix_by_kept / (double)g->fix_by_judged : 0, buf,
                       len);
    case T_SLA_PENDING: snprintf(buf, len, "%llu", (unsigned long long)g->sla_pending); return buf;
    case T_FTF: return s_share(g->ftf_fixed, g->ftf_judged, g->ftf_pct, buf, len);
    case T_FTF_PENDING: snprintf(buf, len, "%llu", (unsigned long long)g->ftf_pending); return buf;
    case T_OFFERS: snprintf(buf, len, "%llu", (unsigned long long)g->offers); return buf;
    case T_DECLINED: return s_rate(g->declines, g->offers, buf, len);
    case T_TOO_FAR:
    case T_NO_PARTS:
    case T_NOT_MY_SKILL:
    case T_OFF_SHIFT:
    case T_OTHER:
        return s_rate(s_counter(g->declines_by_reason, g->n_declines_by_reason, reasons[t - T_TOO_FAR]),
                      g->offers, buf, len);
    case T_EXPIRED: return s_rate(g->expiries, g->offers, buf, len);
    case T_TIMEOUT:
    case T_OFFLINE:
        return s_rate(
            s_counter(g->expiries_by_reason, g->n_expiries_by_reason, t == T_TIMEOUT ? "timeout" : "offline"),
            g->offers, buf, len);
    case T_UTIL:
        if (g->shift_s <= 0 || jobs)
            return "-";
        snprintf(buf, len, "%.1f%%", s_round(K_PCT, g->utilisation_pct));
        return buf;
    case T_FLEET:
        if (g->shift_s <= 0)
            return "-";
        snprintf(buf, len, "%.1f%%", s_round(K_PCT, g->fleet_share_pct));
        return buf;
    case T_BUSY: snprintf(buf, len, "%.1f", g->busy_s / 3600.0); return buf;
    case T_SHIFT: snprintf(buf, len, "%.1f", g->shift_s / 3600.0); return buf;
    case T_CSAT:
        if (!g->ratings)
            return "-";
        snprintf(buf, len, "%.1f%% of %llu", s_round(K_PCT, g->csat_pct), (unsigned long long)g->ratings);
        return buf;
    case T_AVG:
        if (!g->ratings)
            return "-";
        snprintf(buf, len, "%.2f", s_round(K_AVG, g->rating_avg));
        return buf;
    case T_ESCALATIONS: snprintf(buf, len, "%llu", (unsigned long long)g->escalations); return buf;
    case T_REASSIGNMENTS: snprintf(buf, len, "%llu", (unsigned long long)g->reassignments); return buf;
    case T_AT_RISK: snprintf(buf, len, "%llu", (unsigned long long)g->at_risk); return buf;
    case T_BREACHED: snprintf(buf, len, "%llu", (unsigned long long)g->breached); return buf;
    case T_GOODWILL: snprintf(buf, len, "%llu", (unsigned long long)g->goodwill); return buf;
    case T_FEES: snprintf(buf, len, "%llu", (unsigned long long)g->fees_waived); return buf;
    case T_WAIVERS: snprintf(buf, len, "%llu", (unsigned long long)g->waivers_requested); return buf;
    default: return "";
    }
}

/* Prints s right-aligned in a cell of `width` characters; longer is cut. */
static void s_table_text(const char *s, int width)
{
    printf(" %*.*s", width, width, s);
}

void show_report(const Fsd__ReportView *r)
{
    char a[32], b[32];
    printf("KPI report: jobs created %s%s", r->from ? "from " : "since the first job",
           r->from ? ctl_time(r->from, a) : "");
    printf("%s%s, by %s\n", r->to ? " to " : ", up to now", r->to ? ctl_time(r->to, b) : "",
           r->by[0] ? r->by : "all");
    printf("as of %s; utilisation from %s", ctl_time(r->as_of, a), ctl_time(r->window_from, b));
    printf(" to %s\n", ctl_time(r->window_to, a));
    /* the groups, then the total */
    size_t n = r->n_groups + (r->total ? 1 : 0);
    const Fsd__KpiGroup **cols = calloc(n ? n : 1, sizeof *cols);
    if (!cols)
        return;
    for (size_t i = 0; i < r->n_groups; i++)
        cols[i] = r->groups[i];
    if (r->total)
        cols[r->n_groups] = r->total;
    /* every cell as wide as the longest group name needs */
    int width = S_COL;
    for (size_t k = 0; k < r->n_groups; k++) {
        int len = (int)strlen(r->groups[k]->key);
        width = len > width ? (len < S_COL_MAX ? len : S_COL_MAX) : width;
    }
    size_t per_block = (size_t)((S_WIDTH - S_LABEL) / (width + 1));
    per_block = per_block ? per_block : 1;
    char buf[64];
    for (size_t first = 0; first < n; first += per_block) {
        size_t last = first + per_block < n ? first + per_block : n;
        printf("\n%-*s", S_LABEL, "");
        for (size_t k = first; k < last; k++)
            s_table_text(cols[k] == r->total && r->n_groups ? "(all)" : cols[k]->key, width);
        printf("\n");
        for (int t = 0; t < T_COUNT_; t++) {
            printf("%-*s", S_LABEL, s_labels[t]);
            for (size_t k = first; k < last; k++)
                s_table_text(
                    s_table_cell(t, cols[k], s_by_job(r->by) && cols[k] != r->total, buf, sizeof buf), width);
            printf("\n");
        }
    }
    printf("\nrefused at intake since the server started: %llu\n", (unsigned long long)r->refused);
    free(cols);
}

/* ------------------------------------------------------------- command */

static const char *s_usage =
    "usage: fsdctl report [--from DATE|TIME] [--to DATE|TIME]\n"
    "                     [--by territory|provider|technician|warranty|tier|hour]\n"
    "                     [--csv | --json]\n\n"
    "Service-quality figures for the jobs CREATED in [--from, --to), computed from\n"
    "their event history (so any past period works): requests, time to assign and\n"
    "to arrive (median, p90), SLA kept, first-time fix, declines and expiries by\n"
    "reason, utilisation (busy = each technician's en-route and on-site time, overlaps\n"
    "once, on shift only), share of fleet time, CSAT, escalations, reassignments,\n"
    "at risk, breached, goodwill and waivers (definitions: docs/kpi.md). Times:\n"
    "2026-11-01, 2026-11-01 08:00 (in --tz, else UTC), 2026-11-01T08:00+01:00,\n"
    "today, yesterday, now.\n"
    "Without --from: from the first job; without --to: up to the last event (so the\n"
    "figures stay put while nothing happens). First-time fix counts the jobs whose\n"
    "30 days after completion are over; the others are shown as pending.\n"
    "--by groups the figures (provider: the service company; technician: each\n"
    "technician; hour: the hour of the day, 00..23, a job was created in its\n"
    "territory's time zone, every hour shown) and adds the total; --csv prints\n"
    "one row per group (columns in docs/kpi.md), --json the same rows under\n"
    "\"groups\" and \"total\". The server computes the figures while you wait\n"
    "(about a second per 100,000 jobs); report waits up to 60 s unless --timeout\n"
    "says otherwise.\n";

int cmd_report(ctl *c, int argc, char **argv)
{
    static const struct option opts[] = {
        { "from", 1, 0, 'f' }, { "to", 1, 0, 't' }, { "by", 1, 0, 'b' }, { "csv", 0, 0, 'c' }, { 0, 0, 0, 0 },
    };
    Fsd__ReportRequest r = FSD__REPORT_REQUEST__INIT;
    bool csv = false;
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, s_usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        switch (o) {
        case 'f':
        case 't':
            if (ctl_args_time(&a, optarg, NULL, o == 'f' ? &r.from : &r.to))
                return a.status;
            break;
        case 'b':
            if (strcmp(optarg, "territory") && strcmp(optarg, "agent") && strcmp(optarg, "provider")
                && strcmp(optarg, "warranty") && strcmp(optarg, "tier") && strcmp(optarg, "technician")
                && strcmp(optarg, "hour") && strcmp(optarg, "all"))
                return ctl_args_fail(
                    &a, "--by is territory, provider, technician, warranty, tier or hour, not '%s'", optarg);
            /* "agent" was the old word for a provider here; kept for scripts */
            r.by = strcmp(optarg, "agent") == 0 ? "provider" : optarg;
            break;
        case 'c': csv = true; break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 0, 0, ""))
        return a.status;
    if (csv && c->json)
        return ctl_args_fail(&a, "give --csv or --json, not both");
    if (r.to && r.to <= r.from)
        return ctl_args_fail(&a, "--to must come after --from");
    /* a long period takes the server a while: ask once and wait (a resend
       would only have it compute the same figures again) */
    if (!c->timeout_given)
        c->timeout_ms = S_TIMEOUT_MS;
    c->retry_ms = c->timeout_ms;
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_REPORT;
    env.report = &r;
    Fsd__Envelope *rep = ctl_call(c, &env);
    if (!rep)
        return 1;
    int rc = ctl_expect(c, rep, FSD__ENVELOPE__BODY_REPORT_VIEW);
    if (rc == 0) {
        if (csv)
            s_csv(rep->report_view);
        else if (c->json)
            s_json(rep->report_view);
        else
            show_report(rep->report_view);
    }
    fsd__envelope__free_unpacked(rep, NULL);
    return rc;
}
