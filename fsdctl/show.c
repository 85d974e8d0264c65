/*  show.c — fsdctl's output for people: short tables, times in UTC. */
#include "ctl.h"

#include <stdio.h>
#include <string.h>
#include "fsd/domain.h"
#include "fsd/wire.h"

#define STATE(s) job_state_name((job_state)(s))

/* Prints s left-aligned in a column of `width` characters (not bytes: names
   such as "Krüger" hold multi-byte UTF-8), then one space. */
static void s_cell(const char *s, int width)
{
    int chars = 0;
    for (const char *p = s; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    printf("%s%*s ", s, chars < width ? width - chars : 0, "");
}
#define WARRANTY(w) warranty_name((warranty_status)(w))

void show_job_line(const Fsd__JobView *v)
{
    printf("%-8s %-10s %-26s %-13s %-6s %-16s %-6s %s\n", v->job_id, STATE(v->state), v->territory,
           WARRANTY(v->warranty), priority_name((priority)v->priority), v->category,
           v->technician_id[0] ? v->technician_id
           : v->company_id[0]  ? v->company_id
                               : "-",
           v->customer_name);
}

void show_job(const Fsd__JobView *v)
{
    char a[32], b[32], d[32];
    printf("job        %s\n", v->job_id);
    printf("state      %s\n", STATE(v->state));
    printf("territory  %s\n", v->territory);
    printf("warranty   %s\n", WARRANTY(v->warranty));
    printf("priority   %s (customer tier %s)\n", priority_name((priority)v->priority), v->tier);
    printf("customer   %s, %s, %s\n", v->customer_name, v->phone, v->address);
    printf("appliance  %s %s%s%s%s%s\n", v->brand, v->category, v->model[0] ? " " : "", v->model,
           v->serial[0] ? ", serial " : "", v->serial);
    printf("problem    %s\n", v->problem);
    printf("created    %s\n", ctl_time(v->created_at, a));
    printf("assign by  %s\n", ctl_time(v->assign_by, b));
    printf("arrive by  %s\n", ctl_time(v->arrive_by, d));
    show_job_sla(v);
    if (v->window_end)
        printf("window     %s %s (%s UTC), %s\n", v->window_local, v->window_tz,
               strlen(v->window_utc) > 15 ? v->window_utc + 15 : v->window_utc,
               v->window_booked ? "booked" : "asked, not booked yet");
    if (v->at_risk)
        printf("at risk    %s deadline near or passed\n",
               v->sla_next[0]                                                 ? v->sla_next
               : (int)v->state <= JS_OFFERED || (int)v->state == JS_ESCALATED ? "assign-by"
                                                                              : "arrive-by");
    if (v->technician_id[0])
        printf("technician %s (provider %s)\n", v->technician_id, v->provider_id);
    if (v->company_id[0])
        printf("company    %s, %s\n", v->company_id,
               v->company_accepted ? "accepted: waiting for its technician" : "offered to its dispatchers");
    if (v->offer_expires_at)
        printf("offer ends %s\n", ctl_time(v->offer_expires_at, a));
    if (v->rating)
        printf("rating     %u/5 %s\n", v->rating, v->rating_comment);
    show_job_care(v);
    if (!v->n_history)
        return;
    printf("history\n");
    for (size_t i = 0; i < v->n_history; i++) {
        const Fsd__JobEvent *e = v->history[i];
        char from[24];
        snprintf(from, sizeof from, "%s", e->from ? STATE(e->from) : "-");
        printf("  %s  %-10s -> %-10s %-11s %-6s %s\n", ctl_time(e->at, a), from, STATE(e->to), e->actor,
               e->technician_id[0] ? e->technician_id : "", e->reason);
    }
    show_notifications(v);
}

/* One queue of the board. */
static void s_queue(const char *title, Fsd__JobView **jobs, size_t n)
{
    printf("%s (%zu)\n", title, n);
    for (size_t i = 0; i < n && i < 50; i++) {
        printf("  ");
        show_job_line(jobs[i]);
    }
    if (n > 50)
        printf("  ... and %zu more\n", n - 50);
}

void show_technicians(Fsd__TechnicianView **list, size_t n)
{
    printf("  %-5s %-22s %-10s %-7s %-8s %-5s %s\n", "id", "name", "provider", "online", "shift", "load",
           "territories");
    for (size_t i = 0; i < n; i++) {
        const Fsd__TechnicianView *t = list[i];
        char terr[256] = "";
        for (size_t k = 0; k < t->n_territories; k++) {
            strncat(terr, t->territories[k], sizeof terr - strlen(terr) - 2);
            if (k + 1 < t->n_territories)
                strncat(terr, ",", sizeof terr - strlen(terr) - 1);
        }
        printf("  %-5s ", t->id);
        s_cell(t->name, 22);
        printf("%-10s %-7s %-8s %u/%-3u %s\n", t->provider_id, t->online ? "yes" : "no",
               t->in_shift ? "on" : "off", t->load, t->capacity, terr);
    }
}

void show_board(const Fsd__BoardView *b)
{
    if (b->n_superseded) {
        /* first: a session taken over may be a leaked key */
        printf("sessions taken over by another connection in the last 24 h (%zu): a leaked key? "
               "fsdctl key revoke ID\n",
               b->n_superseded);
        for (size_t i = 0; i < b->n_superseded; i++) {
            char at[32];
            printf("  %-10s %s\n", b->superseded[i]->technician_id, ctl_time(b->superseded[i]->at, at));
        }
    }
    s_queue("escalated", b->escalated, b->n_escalated);
    s_queue("breached (SLA deadline passed)", b->breached, b->n_breached);
    s_queue("at risk (SLA deadline near or passed)", b->at_risk, b->n_at_risk);
    s_queue("waiting", b->waiting, b->n_waiting);
    s_queue("offered", b->offered, b->n_offered);
    s_queue("assigned", b->assigned, b->n_assigned);
    s_queue("in progress", b->in_progress, b->n_in_progress);
    size_t online = 0;
    for (size_t i = 0; i < b->n_technicians; i++)
        online += b->technicians[i]->online;
    printf("technicians (%zu, %zu online)\n", b->n_technicians, online);
    show_technicians(b->technicians, b->n_technicians);
}

void show_explanation(const Fsd__Explanation *e)
{
    char at[32];
    printf("job %s, decided %s: %s\n", e->job_id, ctl_time(e->at, at), e->outcome);
    printf("%u technicians considered%s\n", e->considered,
           e->n_candidates < e->considered ? " (first ones shown)" : "");
    if (e->n_candidates < e->considered && e->n_excluded_by_rule) {
        printf("excluded:");
        for (size_t i = 0; i < e->n_excluded_by_rule; i++)
            printf("%s %s %llu", i ? "," : "", e->excluded_by_rule[i]->name,
                   (unsigned long long)e->excluded_by_rule[i]->value);
        printf("\n");
    }
    printf("  %-5s %-22s %-10s %-9s %-10s %8s %7s\n", "id", "name", "provider", "where", "result", "km",
           "score");
    for (size_t i = 0; i < e->n_candidates; i++) {
        const Fsd__Candidate *c = e->candidates[i];
        char result[32];
        snprintf(result, sizeof result, "%s%s",
                 c->assigned    ? (c->overridden ? "OVERRIDE " : "ASSIGNED ")
                 : c->failed[0] ? ""
                 : c->chosen    ? (c->company ? "COMPANY" : "CHOSEN")
                                : "eligible",
                 c->failed[0] ? c->failed : "");
        printf("  %-5s ", c->technician_id);
        s_cell(c->name, 22);
        printf("%-10s %-9s %-10s %8.1f ", c->provider_id, c->neighbour ? "neighbour" : "", result,
               c->distance_km);
        if (c->failed[0])
            printf("%7s\n", "-");
        else
            printf("%7.1f\n", c->score);
        if (c->assigned)
            printf("        assigned by %s, judged by the matcher's rules%s%s\n", c->assigned_by,
                   c->overridden ? ": " : "", c->overridden ? c->detail : "");
        else if (c->detail[0])
            printf("        %s\n", c->detail);
    }
}

void show_stats(const Fsd__StatsView *s)
{
    char at[32];
    printf("started      %s\n", ctl_time(s->started_at, at));
    printf("online       %u technicians\n", s->online);
    printf("open jobs    %u\n", s->open_jobs);
    for (size_t i = 0; i < s->n_counters; i++)
        printf("%-16s %llu\n", s->counters[i]->name, (unsigned long long)s->counters[i]->value);
}

void show_reply(const Fsd__Envelope *rep)
{
    switch (rep->body_case) {
    case FSD__ENVELOPE__BODY_JOB_VIEW: show_job(rep->job_view); break;
    case FSD__ENVELOPE__BODY_JOB_LIST:
        for (size_t i = 0; i < rep->job_list->n_jobs; i++)
            show_job_line(rep->job_list->jobs[i]);
        break;
    case FSD__ENVELOPE__BODY_BOARD_VIEW: show_board(rep->board_view); break;
    case FSD__ENVELOPE__BODY_EXPLANATION: show_explanation(rep->explanation); break;
    case FSD__ENVELOPE__BODY_STATS_VIEW: show_stats(rep->stats_view); break;
    case FSD__ENVELOPE__BODY_REPORT_VIEW: show_report(rep->report_view); break;
    case FSD__ENVELOPE__BODY_TECHNICIAN_LIST:
        show_technicians(rep->technician_list->technicians, rep->technician_list->n_technicians);
        break;
    case FSD__ENVELOPE__BODY_CUSTOMER_VIEW: {
        const Fsd__CustomerRow *r = rep->customer_view->customer;
        printf("customer %s (%s): tier %s%s%s%s%s\n", r->phone, r->name, r->tier,
               r->blocked ? ", blocked: " : "", r->blocked ? r->note : "",
               r->language[0] ? ", language " : "", r->language);
        break;
    }
    case FSD__ENVELOPE__BODY_ESCALATION_LIST: show_escalations(rep->escalation_list); break;
    case FSD__ENVELOPE__BODY_BACKUP_DONE:
        printf("backup written to %s (%llu bytes, %u ms)\n", rep->backup_done->path,
               (unsigned long long)rep->backup_done->bytes, rep->backup_done->ms);
        break;
    default: break;
    }
}
