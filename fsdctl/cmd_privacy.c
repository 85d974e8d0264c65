/*  cmd_privacy.c — fsdctl audit (the access log) and customer forget (erasure),
    both for admins. */
#include "ctl.h"

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
    printf("%-23s  %-16s  %-20s  %-8s  %-16s  %s\n", "at", "principal", "verb", "job", "phone", "count");
    for (size_t i = 0; i < l->n_rows; i++) {
        const Fsd__AccessRow *r = l->rows[i];
        printf("%-23s  %-16s  %-20s  %-8s  %-16s  %u\n", ctl_time(r->at, when), r->principal, r->verb,
               r->job_id[0] ? r->job_id : "-", r->phone[0] ? r->phone : "-", r->count);
    }
}

static void s_print_audit_reply(const Fsd__Envelope *rep, const void *arg)
{
    (void)arg;
    s_print_audit(rep->audit_list);
}

int cmd_audit(ctl *c, int argc, char **argv)
{
    const char *usage =
        "usage: fsdctl audit [--principal NAME] [--job JOB] [--phone PHONE] [--since TIME] [--limit N]\n\n"
        "The access log, newest first: every answer that showed customers' personal data\n"
        "(a job, a list of jobs, a board, a customer, escalations, follow-ups,\n"
        "notifications) to whom, when, by which request, and how many jobs it showed.\n"
        "Erasures (customer forget) are listed too. TIME: YYYY-MM-DD[THH:MM] UTC or ms.\n"
        "Admins only.\n";
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
    static const struct option opts[] = {
        { "principal", 1, 0, 'p' }, { "job", 1, 0, 'j' },   { "phone", 1, 0, 'P' },
        { "since", 1, 0, 's' },     { "limit", 1, 0, 'l' }, { 0, 0, 0, 0 },
    };
    Fsd__AuditQuery q = FSD__AUDIT_QUERY__INIT;
    int o;
    optind = 0;
    opterr = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'p': q.principal = optarg; break;
        case 'j': q.job_id = optarg; break;
        case 'P': q.phone = optarg; break;
        case 's':
            if (ctl_parse_time(optarg, &q.since) < 0)
                return ctl_fail(c, 2, "usage", "--since takes YYYY-MM-DD[THH:MM] (UTC) or ms");
            break;
        case 'l':
            if (atoi(optarg) <= 0)
                return ctl_fail(c, 2, "usage", "--limit needs a positive number");
            q.limit = (uint32_t)atoi(optarg);
            break;
        default: return ctl_fail(c, 2, "usage", "%s", usage);
        }
    }
    if (optind < argc)
        return ctl_fail(c, 2, "usage", "%s", usage);
    return ctl_ask(c, FSD__ENVELOPE__BODY_AUDIT_QUERY, &q, FSD__ENVELOPE__BODY_AUDIT_LIST,
                   s_print_audit_reply, NULL);
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
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
    if (argc != 3)
        return ctl_fail(c, 2, "usage", "%s", usage);
    Fsd__ForgetCustomer q = FSD__FORGET_CUSTOMER__INIT;
    q.phone = argv[2];
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
                   argv[2], r->jobs, r->jobs == 1 ? "" : "s", r->notifications,
                   r->notifications == 1 ? "" : "s", r->customer ? "deleted" : "(none)", r->access_rows,
                   r->access_rows == 1 ? "" : "s");
    }
    fsd__envelope__free_unpacked(rep, NULL);
    return rc;
}
