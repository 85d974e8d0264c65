/*  cmd_care.c — fsdctl's customer-care commands: customer show, complain,
    followups, followup close|visit, goodwill, waiver approve|reject; and
    the care lines of a job (goodwill, fee waivers, follow-ups) that
    `track` prints. */
#include "ctl.h"
#include "args.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/care.h"
#include "fsd/domain.h"
#include "fsd/wire.h"

#define WAIVER(s) wire_enum_name(&fsd__waiver_state__descriptor, (int)(s))
#define KIND(k) wire_enum_name(&fsd__follow_up_kind__descriptor, (int)(k))

/* ------------------------------------------------------ care lines */

/* One waiver, for people. */
static void s_waiver_line(const char *indent, const Fsd__FeeWaiver *w)
{
    char amount[32], at[32];
    care_amount_format(w->amount_cents, amount, sizeof amount);
    printf("%sfee        %s %s ", indent, amount, w->currency);
    switch (w->state) {
    case FSD__WAIVER_STATE__WAIVER_APPLIED:
        if (w->decided_by[0])
            printf("waived: asked by %s, approved by %s", w->technician_id, w->decided_by);
        else
            printf("waived by %s", w->technician_id);
        break;
    case FSD__WAIVER_STATE__WAIVER_PENDING:
        printf("asked by %s, waiting for a dispatcher ('fsdctl waiver approve|reject')", w->technician_id);
        break;
    case FSD__WAIVER_STATE__WAIVER_REJECTED:
        printf("asked by %s, rejected by %s: %s", w->technician_id, w->decided_by, w->decision_reason);
        break;
    default: printf("%s", WAIVER(w->state)); break;
    }
    printf(" (%s)%s%s\n", ctl_time(w->requested_at, at), w->reason[0] ? ": " : "", w->reason);
}

/* One follow-up, for people. */
static void s_followup_line(const char *indent, const Fsd__FollowUp *f)
{
    char a[32], b[32];
    if (f->closed_at)
        printf("%sfollow-up  %s %s, closed %s by %s: %s (opened after %s)\n", indent, f->id, KIND(f->kind),
               ctl_time(f->closed_at, a), f->closed_by, f->outcome, f->cause);
    else
        printf("%sfollow-up  %s %s, open since %s (%s, by %s)\n", indent, f->id, KIND(f->kind),
               ctl_time(f->opened_at, b), f->cause, f->opened_by);
}

/* Goodwill, waivers, follow-ups and the return-visit link of a job. */
static void s_care_lines(const char *indent, const Fsd__JobView *v)
{
    char at[32];
    if (v->return_visit_of[0])
        printf("%svisit of   %s (a return visit)\n", indent, v->return_visit_of);
    if (v->goodwill)
        printf("%sgoodwill   treated as covered: %s (%s, %s)\n", indent, v->goodwill->reason, v->goodwill->by,
               ctl_time(v->goodwill->at, at));
    for (size_t i = 0; i < v->n_waivers; i++)
        s_waiver_line(indent, v->waivers[i]);
    for (size_t i = 0; i < v->n_follow_ups; i++)
        s_followup_line(indent, v->follow_ups[i]);
}

void show_job_care(const Fsd__JobView *v)
{
    s_care_lines("", v);
}

/* ------------------------------------------------------ customer show */

/* True for the history notes the care lines already show. */
static bool s_care_note(const char *reason)
{
    static const char *prefixes[] = { "goodwill: ",        "fee waived: ",       "waiver requested: ",
                                      "waiver rejected: ", "follow-up opened: ", "follow-up closed: " };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(reason, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

/* One request of the customer's, for people. */
static void s_customer_job(const Fsd__JobView *v)
{
    char a[32], b[32];
    ctl_set_place_zone(v->tz);
    int64_t last = v->n_history ? v->history[v->n_history - 1]->at : v->created_at;
    printf("%-8s %-10s created %s, last change %s\n", v->job_id, job_state_name((job_state)v->state),
           ctl_time(v->created_at, a), ctl_time(last, b));
    printf("  product    %s %s%s%s%s%s\n", v->brand, v->category, v->model[0] ? " " : "", v->model,
           v->serial[0] ? ", serial " : "", v->serial);
    printf("  warranty   %s%s\n", warranty_name((warranty_status)v->warranty),
           v->goodwill ? " (goodwill: treated as covered)" : "");
    printf("  problem    %s\n", v->problem);
    if (v->technician_id[0])
        printf("  technician %s (provider %s)\n", v->technician_id, v->provider_id);
    if (v->rating)
        printf("  rating     %u/5%s%s\n", v->rating, v->rating_comment[0] ? " " : "", v->rating_comment);
    s_care_lines("  ", v);
    for (size_t i = 0; i < v->n_history; i++) {
        const Fsd__JobEvent *e = v->history[i];
        if (e->from != e->to || s_care_note(e->reason))
            continue;
        printf("  note       %s %s: %s\n", ctl_time(e->at, a), e->actor, e->reason);
    }
}

static void s_print_customer(const Fsd__Envelope *rep, const void *arg)
{
    const Fsd__CustomerView *cv = rep->customer_view;
    const Fsd__CustomerRow *r = cv->customer;
    printf("customer   %s, %s\n", r->name, r->phone);
    printf("tier       %s\n", r->tier);
    if (!r->blocked)
        printf("blocked    no\n");
    else if (cv->note_withheld)
        printf("blocked    yes (the reason is on record for dispatchers)\n");
    else
        printf("blocked    yes%s%s\n", r->note[0] ? ": " : "", r->note);
    if (cv->n_jobs < cv->total_jobs)
        printf("requests   %u (the newest %zu below)\n", cv->total_jobs, cv->n_jobs);
    else
        printf("requests   %u\n", cv->total_jobs);
    for (size_t i = 0; i < cv->n_jobs; i++) {
        printf("\n");
        s_customer_job(cv->jobs[i]);
    }
}

/* True when s looks like a job id (J and digits) rather than a phone. */
static bool s_is_job_id(const char *s)
{
    if (s[0] != 'J' || !s[1])
        return false;
    for (s++; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int cmd_customer_show(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl customer show PHONE|JOB\n\n"
                        "The customer (tier, blocked) and every request of theirs, newest first: state,\n"
                        "dates, product, warranty, technician, rating, notes and complaints, follow-ups,\n"
                        "goodwill and fee waivers. JOB (like J000012) names the customer of that job.\n"
                        "Intake sees whether a customer is blocked, dispatchers and admins also why.\n"
                        "An intake desk names the PHONE, and sees where each request stands without\n"
                        "its history; a scoped dispatcher sees the requests in its scope.\n";
    ctl_args a;
    char name[] = "customer show";
    argv[1] = name;
    if (ctl_args_simple(&a, c, argc - 1, argv + 1, usage, NULL, NULL, 1, "PHONE or JOB"))
        return a.status;
    Fsd__CustomerQuery q = FSD__CUSTOMER_QUERY__INIT;
    if (s_is_job_id(a.pos[0]))
        q.job_id = a.pos[0];
    else
        q.phone = a.pos[0];
    return ctl_ask(c, FSD__ENVELOPE__BODY_GET_CUSTOMER, &q, FSD__ENVELOPE__BODY_CUSTOMER_VIEW,
                   s_print_customer, NULL);
}

/* ------------------------------------------------------ complaints */

static void s_print_complaint(const Fsd__Envelope *rep, const void *arg)
{
    const Fsd__JobView *v = rep->job_view;
    printf("complaint recorded on %s\n", v->job_id);
    for (size_t i = 0; i < v->n_follow_ups; i++)
        if (!v->follow_ups[i]->closed_at)
            s_followup_line("", v->follow_ups[i]);
}

int cmd_complain(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl complain JOB --text TEXT\n\n"
                        "Records the customer's complaint on the job's history and opens a follow-up\n"
                        "(a return visit) for the job's territory, unless one is open already.\n";
    Fsd__FileComplaint r = FSD__FILE_COMPLAINT__INIT;
    ctl_args a;
    if (ctl_args_simple(&a, c, argc, argv, usage, "text", &r.text, 1, "JOB"))
        return a.status;
    if (!r.text[0])
        return ctl_args_fail(&a, "--text is required");
    r.job_id = a.pos[0];
    return ctl_ask(c, FSD__ENVELOPE__BODY_COMPLAIN, &r, FSD__ENVELOPE__BODY_JOB_VIEW, s_print_complaint,
                   NULL);
}

/* ------------------------------------------------------ follow-ups */

static void s_print_followups(const Fsd__Envelope *rep, const void *arg)
{
    const Fsd__FollowUps *l = rep->follow_ups;
    char a[32], b[32];
    if (!l->n_items) {
        printf("no %sfollow-ups%s%s\n", l->all ? "" : "open ", l->territory[0] ? " in " : "", l->territory);
        return;
    }
    printf("%-8s %-8s %-26s %-12s %-20s %-8s %s\n", "id", "job", "territory", "kind", "opened", "by",
           "customer, cause");
    for (size_t i = 0; i < l->n_items; i++) {
        const Fsd__FollowUp *f = l->items[i];
        printf("%-8s %-8s %-26s %-12s %-20.20s %-8s %s (%s): %s\n", f->id, f->job_id, f->territory,
               KIND(f->kind), ctl_time(f->opened_at, a), f->opened_by, f->customer_name, f->phone, f->cause);
        if (f->closed_at)
            printf("         closed %s by %s: %s\n", ctl_time(f->closed_at, b), f->closed_by, f->outcome);
    }
}

int cmd_followups(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl followups [--territory T] [--all]\n\n"
                        "Open follow-ups (calls and return visits after a complaint or a rating of 1-2),\n"
                        "oldest first; --all adds the closed ones.\n";
    static const struct option opts[] = { { "territory", 1, 0, 't' }, { "all", 0, 0, 'a' }, { 0, 0, 0, 0 } };
    Fsd__FollowUps l = FSD__FOLLOW_UPS__INIT;
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        if (o == 't')
            l.territory = optarg;
        else if (o == 'a')
            l.all = true;
        else
            return ctl_args_unknown(&a);
    }
    if (o < 0 || ctl_args_tail(&a, 0, 0, ""))
        return a.status;
    return ctl_ask(c, FSD__ENVELOPE__BODY_FOLLOW_UPS, &l, FSD__ENVELOPE__BODY_FOLLOW_UPS, s_print_followups,
                   NULL);
}

static void s_print_closed(const Fsd__Envelope *rep, const void *arg)
{
    const Fsd__JobView *v = rep->job_view;
    const char *id = arg;
    for (size_t i = 0; i < v->n_follow_ups; i++) {
        const Fsd__FollowUp *f = v->follow_ups[i];
        if (care_followup_id_parse(f->id) == care_followup_id_parse(id)) {
            printf("follow-up %s on %s closed: %s\n", f->id, v->job_id, f->outcome);
            return;
        }
    }
    printf("follow-up %s on %s closed\n", id, v->job_id);
}

static void s_print_visit(const Fsd__Envelope *rep, const void *arg)
{
    const Fsd__JobView *v = rep->job_view;
    char id[24];
    care_followup_id_format(care_followup_id_parse(arg), id, sizeof id);
    printf("return visit %s booked for follow-up %s (of %s)\n\n", v->job_id, id, v->return_visit_of);
    show_job(v);
}

int cmd_followup(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl followup close ID --outcome TEXT\n"
                        "       fsdctl followup visit ID\n\n"
                        "close: the dispatcher's outcome ends the follow-up (ID like F000012).\n"
                        "visit: books a return visit, a new request for the same customer and product\n"
                        "       linked to the original job, and closes the follow-up with it.\n";
    ctl_args a;
    char name[32];
    bool close = argc >= 2 && strcmp(argv[1], "close") == 0;
    if (!close && !(argc >= 2 && strcmp(argv[1], "visit") == 0)) {
        if (ctl_args_simple(&a, c, argc, argv, usage, NULL, NULL, 0, "") || argc < 2)
            return argc < 2 ? ctl_args_fail(&a, "close or visit is missing") : a.status;
        return ctl_args_fail(&a, "'%s' is not close or visit", argv[1]);
    }
    snprintf(name, sizeof name, "followup %s", argv[1]);
    argv[1] = name;
    Fsd__CareDecision d = FSD__CARE_DECISION__INIT;
    d.action = close ? FSD__CARE_ACTION__CARE_CLOSE_FOLLOW_UP : FSD__CARE_ACTION__CARE_RETURN_VISIT;
    if (ctl_args_simple(&a, c, argc - 1, argv + 1, usage, close ? "outcome" : NULL, &d.outcome, 1, "ID"))
        return a.status;
    if (close && !d.outcome[0])
        return ctl_args_fail(&a, "--outcome is required");
    d.follow_up_id = a.pos[0];
    return ctl_ask(c, FSD__ENVELOPE__BODY_CARE_DECISION, &d, FSD__ENVELOPE__BODY_JOB_VIEW,
                   close ? s_print_closed : s_print_visit, d.follow_up_id);
}

/* ------------------------------------------------------ goodwill, waivers */

static void s_print_goodwill(const Fsd__Envelope *rep, const void *arg)
{
    const Fsd__JobView *v = rep->job_view;
    printf("goodwill granted on %s (%s, %s): treated as covered from now on%s\n", v->job_id,
           warranty_name((warranty_status)v->warranty), job_state_name((job_state)v->state),
           (int)v->state == JS_NEW || (int)v->state == JS_ESCALATED
               ? "; only technicians authorised for the brand are offered it"
               : "");
    if (v->goodwill)
        printf("reason     %s\n", v->goodwill->reason);
}

int cmd_goodwill(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl goodwill JOB --reason TEXT\n\n"
                        "Grants goodwill on an out-of-warranty job that is not closed or cancelled: it is\n"
                        "treated as covered from now on (matching and reassignment need a provider\n"
                        "authorised for the brand, like warranty work).\n";
    Fsd__CareDecision d = FSD__CARE_DECISION__INIT;
    d.action = FSD__CARE_ACTION__CARE_GOODWILL;
    ctl_args a;
    if (ctl_args_simple(&a, c, argc, argv, usage, "reason", &d.reason, 1, "JOB"))
        return a.status;
    if (!d.reason[0])
        return ctl_args_fail(&a, "--reason is required");
    d.job_id = a.pos[0];
    return ctl_ask(c, FSD__ENVELOPE__BODY_CARE_DECISION, &d, FSD__ENVELOPE__BODY_JOB_VIEW, s_print_goodwill,
                   NULL);
}

static void s_print_waiver(const Fsd__Envelope *rep, const void *arg)
{
    const Fsd__JobView *v = rep->job_view;
    printf("%s:\n", v->job_id);
    for (size_t i = 0; i < v->n_waivers; i++)
        s_waiver_line("  ", v->waivers[i]);
}

int cmd_waiver(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl waiver approve JOB [--reason TEXT]\n"
                        "       fsdctl waiver reject JOB --reason TEXT\n\n"
                        "Decides a technician's fee waiver above the server's --waive-limit.\n";
    ctl_args a;
    char name[32];
    bool approve = argc >= 2 && strcmp(argv[1], "approve") == 0;
    if (!approve && !(argc >= 2 && strcmp(argv[1], "reject") == 0)) {
        if (ctl_args_simple(&a, c, argc, argv, usage, NULL, NULL, 0, "") || argc < 2)
            return argc < 2 ? ctl_args_fail(&a, "approve or reject is missing") : a.status;
        return ctl_args_fail(&a, "'%s' is not approve or reject", argv[1]);
    }
    snprintf(name, sizeof name, "waiver %s", argv[1]);
    argv[1] = name;
    Fsd__CareDecision d = FSD__CARE_DECISION__INIT;
    d.action = approve ? FSD__CARE_ACTION__CARE_APPROVE_WAIVER : FSD__CARE_ACTION__CARE_REJECT_WAIVER;
    if (ctl_args_simple(&a, c, argc - 1, argv + 1, usage, "reason", &d.reason, 1, "JOB"))
        return a.status;
    if (!approve && !d.reason[0])
        return ctl_args_fail(&a, "--reason is required to reject");
    d.job_id = a.pos[0];
    return ctl_ask(c, FSD__ENVELOPE__BODY_CARE_DECISION, &d, FSD__ENVELOPE__BODY_JOB_VIEW, s_print_waiver,
                   NULL);
}
