/*  sla_policy.c — service levels: the policy table, the deadlines a policy gives
    a job, and the orders of urgency (see include/fsd/sla.h). Working hours
    and counting time in them are core/hours.c.

    Deliberately not here: reading the clock, storing flags, sending
    events, and which territory or customer a job belongs to (the server
    passes the facts in). */

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "fsd/sla.h"

struct sla_table {
    sla_policy *rows;
    size_t n, cap;
};

//  ---------------------------------------------------------------------
//  Names

static const char *const s_deadline_names[SLA_N] = { "assign-by", "arrive-by", "fix-by" };

//  Name of a deadline.
const char *sla_deadline_name(sla_deadline d)
{
    return (int)d >= 0 && d < SLA_N ? s_deadline_names[d] : "?";
}

//  True when state s still owes deadline d.
bool sla_owed(sla_deadline d, job_state s)
{
    switch (s) {
    case JS_NEW:
    case JS_OFFERED:
    case JS_ESCALATED: return d == SLA_ASSIGN || d == SLA_ARRIVE || d == SLA_FIX;
    case JS_ASSIGNED:
    case JS_EN_ROUTE: return d == SLA_ARRIVE || d == SLA_FIX;
    case JS_ON_SITE:
    case JS_ON_HOLD: return d == SLA_FIX;
    default: return false;
    }
}

//  True when at-risk flags are raised in state s.
bool sla_warns_in(job_state s)
{
    return job_state_is_open(s) && s != JS_ESCALATED && s != JS_COMPLETED;
}

//  True when a risk or breach flag is up for a deadline s still owes.
bool sla_flags_current(unsigned flags, job_state s)
{
    for (int d = 0; d < SLA_N; d++)
        if (sla_owed((sla_deadline)d, s) && (flags & (SLA_RISK(d) | SLA_BREACH(d))))
            return true;
    return false;
}

//  Name of a clock.
const char *sla_clock_name(sla_clock c)
{
    return c == SLA_BUSINESS ? "business" : "24x7";
}

//  Parses a clock name.
int sla_clock_parse(const char *s, sla_clock *out)
{
    if (s && strcasecmp(s, "business") == 0)
        *out = SLA_BUSINESS;
    else if (s && strcasecmp(s, "24x7") == 0)
        *out = SLA_24X7;
    else
        return -1;
    return 0;
}

//  Parses a customer tier key.
int sla_tier_parse(const char *s, sla_tier *out)
{
    if (!s)
        return -1;
    if (strcmp(s, "*") == 0)
        *out = SLA_TIER_ANY;
    else if (strcasecmp(s, "standard") == 0)
        *out = SLA_TIER_STANDARD;
    else if (strcasecmp(s, "priority") == 0)
        *out = SLA_TIER_PRIORITY;
    else
        return -1;
    return 0;
}

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
//  Policies

//  True for an id: 1..40 letters, digits, '-', '_', '.'.
static bool s_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 40)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return false;
    return true;
}

//  A lower-case copy of s into buf (len bytes).
static const char *s_lower(const char *s, char *buf, size_t len)
{
    size_t i = 0;
    for (; s && s[i] && i + 1 < len; i++)
        buf[i] = (char)tolower((unsigned char)s[i]);
    buf[i] = 0;
    return buf;
}

//  Checks and converts a policy row.
int sla_policy_make(const char *id, const char *warranty, const char *tier, const char *urgency,
                    const double minutes[SLA_N], const char *clock, sla_policy *out, const char **field,
                    char *why, size_t whylen)
{
    static const char *const min_fields[SLA_N] = { "assign_min", "arrive_min", "fix_min" };
    const char *dummy;
    if (!field)
        field = &dummy;
    memset(out, 0, sizeof *out);
    if (!s_id_ok(id)) {
        *field = "id";
        s_why(why, whylen, "'%s' is not a policy id (1-40 letters, digits, '-', '_', '.')", id ? id : "");
        return -1;
    }
    snprintf(out->id, sizeof out->id, "%s", id);
    char lower[32];
    if (!warranty || strcmp(warranty, "*") != 0) {
        out->warranty = warranty_parse(s_lower(warranty, lower, sizeof lower));
        if (out->warranty == WS_NONE) {
            *field = "warranty";
            s_why(why, whylen,
                  "warranty is in_warranty, extended, expired, unregistered "
                  "or *, not '%s'",
                  warranty ? warranty : "");
            return -1;
        }
    }
    if (sla_tier_parse(tier, &out->tier) < 0) {
        *field = "tier";
        s_why(why, whylen, "tier is standard, priority or *, not '%s'", tier ? tier : "");
        return -1;
    }
    if (!urgency || strcmp(urgency, "*") != 0) {
        out->urgency = priority_parse(s_lower(urgency, lower, sizeof lower));
        if (out->urgency == PRIO_NONE) {
            *field = "urgency";
            s_why(why, whylen, "urgency is normal, high or *, not '%s'", urgency ? urgency : "");
            return -1;
        }
    }
    for (int d = 0; d < SLA_N; d++) {
        double m = minutes[d];
        if (!isfinite(m) || m <= 0 || m > 525600) {
            *field = min_fields[d];
            s_why(why, whylen, "%s must be more than 0 and at most 525600 minutes (a year)", min_fields[d]);
            return -1;
        }
        if (d > 0 && m < minutes[d - 1]) {
            *field = min_fields[d];
            s_why(why, whylen,
                  "%s (%g) is earlier than %s (%g): deadlines come in the "
                  "order assign, arrive, fix",
                  min_fields[d], m, min_fields[d - 1], minutes[d - 1]);
            return -1;
        }
        out->minutes[d] = m;
    }
    if (sla_clock_parse(clock, &out->clock) < 0) {
        *field = "clock";
        s_why(why, whylen, "clock is business (working hours only) or 24x7, not '%s'", clock ? clock : "");
        return -1;
    }
    return 0;
}

//  Keys given, as a count.
int sla_policy_specificity(const sla_policy *p)
{
    return (p->warranty != WS_NONE) + (p->tier != SLA_TIER_ANY) + (p->urgency != PRIO_NONE);
}

//  Keys given, as a mask that breaks ties: warranty, then tier, then urgency.
static int s_key_mask(const sla_policy *p)
{
    return (p->warranty != WS_NONE) * 4 + (p->tier != SLA_TIER_ANY) * 2 + (p->urgency != PRIO_NONE);
}

//  An empty table.
sla_table *sla_table_new(void)
{
    return calloc(1, sizeof(sla_table));
}

//  Frees the table.
void sla_table_destroy(sla_table **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->rows);
    free(*self_p);
    *self_p = NULL;
}

//  Adds a copy of p unless its keys are there already.
int sla_table_add(sla_table *self, const sla_policy *p, char *why, size_t whylen)
{
    for (size_t i = 0; i < self->n; i++) {
        const sla_policy *q = &self->rows[i];
        if (q->warranty == p->warranty && q->tier == p->tier && q->urgency == p->urgency) {
            if (q->line)
                s_why(why, whylen,
                      "policy %s has the same warranty, tier and urgency as "
                      "policy %s (line %u)",
                      p->id, q->id, q->line);
            else
                s_why(why, whylen,
                      "policy %s has the same warranty, tier and urgency as "
                      "policy %s",
                      p->id, q->id);
            return -1;
        }
    }
    if (self->n == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        sla_policy *bigger = realloc(self->rows, cap * sizeof *bigger);
        if (!bigger) {
            s_why(why, whylen, "out of memory");
            return -1;
        }
        self->rows = bigger;
        self->cap = cap;
    }
    self->rows[self->n++] = *p;
    return 0;
}

//  Number of policies.
size_t sla_table_size(const sla_table *self)
{
    return self ? self->n : 0;
}

//  The most specific policy matching the job.
const sla_policy *sla_table_pick(const sla_table *self, warranty_status w, bool priority_tier,
                                 priority urgency)
{
    if (!self)
        return NULL;
    sla_tier tier = priority_tier ? SLA_TIER_PRIORITY : SLA_TIER_STANDARD;
    if (urgency == PRIO_NONE)
        urgency = PRIO_NORMAL;
    const sla_policy *best = NULL;
    int best_count = -1, best_mask = -1;
    for (size_t i = 0; i < self->n; i++) {
        const sla_policy *p = &self->rows[i];
        if ((p->warranty != WS_NONE && p->warranty != w) || (p->tier != SLA_TIER_ANY && p->tier != tier)
            || (p->urgency != PRIO_NONE && p->urgency != urgency))
            continue;
        int count = sla_policy_specificity(p), mask = s_key_mask(p);
        if (count > best_count || (count == best_count && mask > best_mask)) {
            best = p;
            best_count = count;
            best_mask = mask;
        }
    }
    return best;
}

//  ---------------------------------------------------------------------
//  One job's deadlines

//  Deadlines and at-risk instants.
int sla_times_compute(const double minutes[SLA_N], sla_clock clock, const sla_hours *h, const char *tz,
                      int64_t start, sla_times *out)
{
    int64_t window[SLA_N], risk[SLA_N];
    out->start = start;
    for (int d = 0; d < SLA_N; d++) {
        window[d] = (int64_t)llround(minutes[d] * 60000.0);
        risk[d] = (int64_t)llround((double)window[d] * SLA_RISK_SHARE);
    }
    if (clock == SLA_BUSINESS && !h) {
        for (int d = 0; d < SLA_N; d++) {
            out->due[d] = start + window[d];
            out->risk_at[d] = start + risk[d];
        }
        return 0;
    }
    if (clock == SLA_BUSINESS) {
        int64_t durs[2 * SLA_N], outs[2 * SLA_N];
        for (int d = 0; d < SLA_N; d++) {
            durs[d] = window[d];
            durs[SLA_N + d] = risk[d];
        }
        if (sla_hours_add_many(h, tz, start, durs, 2 * SLA_N, outs) == 0) {
            for (int d = 0; d < SLA_N; d++) {
                out->due[d] = outs[d];
                out->risk_at[d] = outs[SLA_N + d];
            }
            return 0;
        }
    }
    //  24x7, or business hours that could not be counted: every minute
    for (int d = 0; d < SLA_N; d++) {
        out->due[d] = start + window[d];
        out->risk_at[d] = start + risk[d];
    }
    return clock == SLA_BUSINESS;
}

//  ---------------------------------------------------------------------
//  Orders

//  The waiting queue's order.
bool sla_queue_before(const sla_rank *a, const sla_rank *b)
{
    if (a->prio != b->prio)
        return a->prio > b->prio;
    if (a->priority_tier != b->priority_tier)
        return a->priority_tier;
    int64_t x = a->deadline ? a->deadline : INT64_MAX;
    int64_t y = b->deadline ? b->deadline : INT64_MAX;
    if (x != y)
        return x < y;
    return strcmp(a->id ? a->id : "", b->id ? b->id : "") < 0;
}

static const char *const s_status_names[] = { "breached", "at_risk", "escalated", "" };

//  Name of a status.
const char *sla_status_name(sla_status s)
{
    return (int)s >= 0 && s <= SLA_ST_NONE ? s_status_names[s] : "";
}

//  Where a job stands.
sla_status sla_status_of(job_state s, const int64_t due[SLA_N], const int64_t risk_at[SLA_N], int64_t now,
                         int *which)
{
    *which = -1;
    for (int d = 0; d < SLA_N; d++)
        if (sla_owed((sla_deadline)d, s) && due[d] > 0 && now >= due[d]) {
            *which = d;
            return SLA_ST_BREACHED;
        }
    for (int d = 0; d < SLA_N; d++)
        if (sla_owed((sla_deadline)d, s) && due[d] > 0 && risk_at[d] > 0 && now >= risk_at[d]) {
            *which = d;
            return SLA_ST_AT_RISK;
        }
    if (s != JS_ESCALATED)
        return SLA_ST_NONE;
    for (int d = 0; d < SLA_N; d++)
        if (sla_owed((sla_deadline)d, s) && due[d] > 0) {
            *which = d;
            break;
        }
    return SLA_ST_ESCALATED;
}

//  The escalations' order.
int sla_escalation_cmp(sla_status sa, const sla_rank *a, sla_status sb, const sla_rank *b)
{
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sla_queue_before(a, b))
        return -1;
    if (sla_queue_before(b, a))
        return 1;
    return 0;
}
