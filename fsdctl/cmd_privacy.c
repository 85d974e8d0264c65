/*  cmd_privacy.c — fsdctl audit (the access log) and customer forget (erasure),
    both for admins. */
#include "ctl.h"
#include "args.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/wire.h"

static void s_print_audit(const Fsd__AuditList *l)
{
    char when[32];
    if (!l->n_rows) {
        puts("no reads of customers' data logged (for this filter)");
        return;
    }
    printf("%-20s  %-16s  %-20s  %-8s  %-16s  %s\n", "at", "principal", "verb", "job", "phone", "count");
    for (size_t i = 0; i < l->n_rows; i++) {
        const Fsd__AccessRow *r = l->rows[i];
        printf("%-20s  %-16s  %-20s  %-8s  %-16s  %u\n", ctl_time(r->at, when), r->principal, r->verb,
               r->job_id[0] ? r->job_id : "-", r->phone[0] ? r->phone : "-", r->count);
    }
}

static void s_print_audit_msg(const ProtobufCMessage *msg)
{
    s_print_audit((const Fsd__AuditList *)msg);
}

int cmd_audit(ctl *c, int argc, char **argv)
{
    const char *usage =
        "usage: fsdctl audit [--principal NAME] [--job JOB] [--phone PHONE] [--since TIME] [--limit N]\n\n"
        "The access log, newest first: every answer that showed customers' personal data\n"
        "(a job, a list of jobs, a board, a customer, escalations, follow-ups,\n"
        "notifications) to whom, when, by which request, and how many jobs it showed.\n"
        "Erasures (customer forget) are listed too. TIME: 2026-12-08 14:05 (in --tz, else\n"
        "UTC), 2026-12-08T14:05+01:00, a date, today, now.\n"
        "Admins only.\n";
    static const struct option opts[] = {
        { "principal", 1, 0, 'p' }, { "job", 1, 0, 'j' },   { "phone", 1, 0, 'P' },
        { "since", 1, 0, 's' },     { "limit", 1, 0, 'l' }, { 0, 0, 0, 0 },
    };
    Fsd__AuditQuery q = FSD__AUDIT_QUERY__INIT;
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        switch (o) {
        case 'p': q.principal = optarg; break;
        case 'j': q.job_id = optarg; break;
        case 'P': q.phone = optarg; break;
        case 's':
            if (ctl_args_time(&a, optarg, NULL, &q.since))
                return a.status;
            break;
        case 'l':
            if (ctl_args_uint(&a, optarg, 1, 1000, &q.limit))
                return a.status;
            break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 0, 0, ""))
        return a.status;
    uint32_t limit = q.limit ? q.limit : 100;
    q.limit = CTL_ASK_ONE_MORE(limit);
    int rc;
    Fsd__Envelope *rep =
        ctl_fetch(c, FSD__ENVELOPE__BODY_AUDIT_QUERY, &q, FSD__ENVELOPE__BODY_AUDIT_LIST, &rc);
    if (!rep)
        return rc;
    /* newest first: a cut list loses its oldest row, the last */
    Fsd__AuditList *l = rep->audit_list;
    size_t n = l->n_rows;
    bool more = n > limit;
    if (more)
        l->n_rows = limit;
    char how[96];
    snprintf(how, sizeof how, "the newest %u shown; --limit N or --since TIME shows others", limit);
    ctl_print_cut(c, &l->base, more, how, s_print_audit_msg);
    l->n_rows = n;
    fsd__envelope__free_unpacked(rep, NULL);
    return 0;
}

int cmd_customer_forget(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl customer forget PHONE\n\n"
                        "Erases the customer's personal data: name, phone, address and problem text of\n"
                        "every closed or cancelled job of theirs, rating comments, free text in the\n"
                        "jobs' histories and follow-ups, the texts and addresses of their notifications,\n"
                        "remembered answers that name them, the phone in the access log, and the\n"
                        "customer record. States, times, territories, warranty, ratings and the events\n"
                        "stay, so reports do not change. Refused while the customer has an open job.\n"
                        "Admins only; the erasure is in the access log (without the phone).\n";
    ctl_args a;
    char name[] = "customer forget";
    argv[1] = name;
    if (ctl_args_simple(&a, c, argc - 1, argv + 1, usage, NULL, NULL, 1, "PHONE"))
        return a.status;
    Fsd__ForgetCustomer q = FSD__FORGET_CUSTOMER__INIT;
    q.phone = a.pos[0];
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_FORGET_CUSTOMER;
    env.forget_customer = &q;
    Fsd__Envelope *rep = ctl_call(c, &env);
    if (!rep)
        return 1;
    int rc = ctl_expect(c, rep, FSD__ENVELOPE__BODY_FORGET_RESULT);
    if (rc == 0) {
        const Fsd__ForgetResult *r = rep->forget_result;
        if (c->json)
            ctl_print_json(&r->base);
        else
            printf("customer %s forgotten: %u job%s erased, %u notification%s, customer record %s, "
                   "%u access-log row%s blanked\n",
                   q.phone, r->jobs, r->jobs == 1 ? "" : "s", r->notifications,
                   r->notifications == 1 ? "" : "s", r->customer ? "deleted" : "(none)", r->access_rows,
                   r->access_rows == 1 ? "" : "s");
    }
    fsd__envelope__free_unpacked(rep, NULL);
    return rc;
}
