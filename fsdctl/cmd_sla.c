/*  cmd_sla.c — fsdctl's service-level commands and printers: `fsdctl
    escalations` (open jobs breached, at risk or escalated, most urgent
    first), and the SLA lines of `fsdctl track`. The loads (`fsdctl sla
    load`, `fsdctl hours load`) go through cmd_refdata.c like every other
    reference data. */
#include "ctl.h"
#include "args.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/domain.h"
#include "fsd/timetext.h"

/* A number of seconds >= 0, as every duration is written ("14d 12h",
   "1h 05m", "4m 10s", "12s"). */
static const char *s_span(int64_t s, char *buf, size_t len)
{
    return timetext_duration(s * 1000, buf, len);
}

void show_job_sla(const Fsd__JobView *v)
{
    char a[32];
    if (v->fix_by)
        printf("fix by     %s\n", ctl_time_in(v->fix_by, v->tz, a));
    if (v->sla_policy[0])
        printf("sla        policy %s, %s%s%s\n", v->sla_policy,
               strcmp(v->sla_clock, "business") == 0 ? "counted in the territory's working hours"
                                                     : "counted 24x7",
               v->urgency == FSD__PRIORITY__PRIORITY_HIGH ? ", urgent" : "",
               strcmp(v->sla_policy, "default") == 0 ? " (server defaults: no policy matched)" : "");
    if (v->n_breached) {
        printf("breached  ");
        for (size_t i = 0; i < v->n_breached; i++)
            printf(" %s%s", v->breached[i], i + 1 < v->n_breached ? "," : "");
        printf("%s\n", v->overdue ? " (overdue now)" : "");
    }
}

void show_escalations(const Fsd__EscalationList *l)
{
    char at[32], due[32], span[32], left[48];
    size_t counts[3] = { 0 };
    for (size_t i = 0; i < l->n_items; i++) {
        const char *st = l->items[i]->status;
        counts[strcmp(st, "breached") == 0 ? 0 : strcmp(st, "at_risk") == 0 ? 1 : 2]++;
    }
    printf("escalations at %s: %u (shown: breached %zu, at risk %zu, escalated %zu)\n", ctl_time(l->at, at),
           l->total, counts[0], counts[1], counts[2]);
    if (!l->n_items)
        return;
    printf("  %-9s %-8s %-26s %-10s %-6s %-13s %-9s %-23s %s\n", "status", "job", "territory", "state",
           "holder", "priority", "deadline", "due", "left");
    for (size_t i = 0; i < l->n_items; i++) {
        const Fsd__Escalation *e = l->items[i];
        const Fsd__JobView *v = e->job;
        char prio[24];
        snprintf(prio, sizeof prio, "%s%s", priority_name((priority)v->priority),
                 strcmp(v->tier, "priority") == 0 ? " (tier)" : "");
        if (!e->deadline_at)
            snprintf(left, sizeof left, "-");
        else if (e->seconds_left < 0)
            snprintf(left, sizeof left, "overdue %s", s_span(-e->seconds_left, span, sizeof span));
        else
            snprintf(left, sizeof left, "in %s", s_span(e->seconds_left, span, sizeof span));
        printf("  %-9s %-8s %-26s %-10s %-6s %-13s %-9s %-23s %s\n", e->status, v->job_id, v->territory,
               job_state_name((job_state)v->state), v->technician_id[0] ? v->technician_id : "-", prio,
               e->deadline[0] ? e->deadline : "-",
               e->deadline_at ? ctl_time_in(e->deadline_at, v->tz, due) : "-", left);
    }
    if (l->total > l->n_items)
        printf("  ... and %zu more (--limit N)\n", (size_t)(l->total - l->n_items));
}

int cmd_escalations(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl escalations [--territory T] [--limit N]\n\n"
                        "Open jobs that need a dispatcher, most urgent first: breached (a deadline the\n"
                        "job still owes has passed), then at risk (75 % of a deadline's window gone),\n"
                        "then escalated only; within each, high priority first, then priority-tier\n"
                        "customers, then the earliest deadline. Shows the job, territory, state,\n"
                        "holder, which deadline (assign-by, arrive-by, fix-by) and how long until or\n"
                        "since it. --limit: at most N rows (default 200, at most 1000).\n";
    static const struct option opts[] = {
        { "territory", 1, 0, 't' },
        { "limit", 1, 0, 'l' },
        { 0, 0, 0, 0 },
    };
    Fsd__EscalationsRequest r = FSD__ESCALATIONS_REQUEST__INIT;
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        switch (o) {
        case 't': r.territory = optarg; break;
        case 'l':
            if (ctl_args_uint(&a, optarg, 1, 1000, &r.limit))
                return a.status;
            break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 0, 0, ""))
        return a.status;
    return ctl_request(c, FSD__ENVELOPE__BODY_ESCALATIONS, &r, FSD__ENVELOPE__BODY_ESCALATION_LIST);
}
