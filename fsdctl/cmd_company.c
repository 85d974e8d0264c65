/*  cmd_company.c — fsdctl for providers that dispatch their own
    technicians (company offers), and the answer to a move's check.

    `fsdctl offers` lists the offers to the caller's company (open ones
    and accepted ones waiting for a technician); `fsdctl offer accept|decline
    JOB` answers one; `fsdctl assign JOB TECH` gives an accepted job to one
    of the company's technicians, judged by the matcher's rules like any
    dispatcher's move (--check asks without changing anything, --override
    --reason moves past a soft rule). */
#include "args.h"
#include "ctl.h"

#include <stdio.h>
#include <string.h>
#include "fsd/wire.h"

/* Prints a MoveCheck for people. */
static void s_show_check(const Fsd__MoveCheck *m)
{
    if (m->ok)
        printf("allowed: %s\n", m->message);
    else if (m->rule[0])
        printf("refused by rule %s%s: %s\n", m->rule,
               m->overridable ? " (--override --reason may move it)" : "", m->message);
    else
        printf("refused: %s\n", m->message);
}

int ctl_move_check(ctl *c, Fsd__Envelope__BodyCase body, void *msg)
{
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.body_case = body;
    if (body == FSD__ENVELOPE__BODY_REASSIGN)
        env.reassign = msg;
    else
        env.company_assign = msg;
    Fsd__Envelope *rep = ctl_call(c, &env);
    if (!rep)
        return 1;
    int rc = ctl_expect(c, rep, FSD__ENVELOPE__BODY_MOVE_CHECK);
    if (rc == 0) {
        if (c->json)
            ctl_print_json(&rep->move_check->base);
        else
            s_show_check(rep->move_check);
        rc = rep->move_check->ok ? 0 : 1;
    }
    fsd__envelope__free_unpacked(rep, NULL);
    return rc;
}

/* One line per company offer. */
static void s_show_offers(const Fsd__Envelope *rep, const void *arg)
{
    (void)arg;
    const Fsd__CompanyOffers *o = rep->company_offers;
    if (o->n_jobs == 0) {
        printf("no offers to your company\n");
        return;
    }
    printf("%-9s %-9s %-12s %-10s %-14s %-12s %s\n", "JOB", "COMPANY", "STATE", "TERRITORY", "APPLIANCE",
           "EXPIRES", "PROBLEM");
    for (size_t i = 0; i < o->n_jobs; i++) {
        const Fsd__JobView *v = o->jobs[i];
        char when[32], appliance[64];
        snprintf(appliance, sizeof appliance, "%s %s", v->brand, v->category);
        printf("%-9s %-9s %-12s %-10s %-14s %-12s %s\n", v->job_id, v->company_id,
               v->company_accepted ? "accepted" : "offered", v->territory, appliance,
               v->company_accepted ? "-" : ctl_time(v->offer_expires_at, when) + 11, v->problem);
    }
}

int cmd_offers(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl offers\n\n"
                        "The jobs offered to your company (a provider that dispatches its own\n"
                        "technicians): open offers, to accept or decline before they expire, and\n"
                        "accepted ones waiting for `fsdctl assign JOB TECH`.\n";
    ctl_args a;
    if (ctl_args_simple(&a, c, argc, argv, usage, NULL, NULL, 0, ""))
        return a.status;
    Fsd__CompanyOffers q = FSD__COMPANY_OFFERS__INIT;
    return ctl_ask(c, FSD__ENVELOPE__BODY_COMPANY_OFFERS, &q, FSD__ENVELOPE__BODY_COMPANY_OFFERS,
                   s_show_offers, NULL);
}

int cmd_offer(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl offer accept|decline JOB [--reason R] [--note TEXT]\n\n"
                        "Answers an offer to your company within its time. A decline needs a reason:\n"
                        "too_far, no_parts, not_my_skill, off_shift or other; the job then goes on to\n"
                        "the next candidate, never to your company again.\n";
    static const struct option opts[] = { { "reason", 1, 0, 'r' }, { "note", 1, 0, 'n' }, { 0, 0, 0, 0 } };
    Fsd__CompanyOfferReply r = FSD__COMPANY_OFFER_REPLY__INIT;
    const char *reason = NULL;
    ctl_args a;
    char name[32];
    bool accept = argc >= 2 && strcmp(argv[1], "accept") == 0;
    if (!accept && !(argc >= 2 && strcmp(argv[1], "decline") == 0)) {
        if (ctl_args_simple(&a, c, argc, argv, usage, NULL, NULL, 0, "") || argc < 2)
            return argc < 2 ? ctl_args_fail(&a, "accept or decline is missing") : a.status;
        return ctl_args_fail(&a, "'%s' is not accept or decline", argv[1]);
    }
    snprintf(name, sizeof name, "offer %s", argv[1]);
    argv[1] = name;
    ctl_args_begin(&a, c, argc - 1, argv + 1, usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        switch (o) {
        case 'r': reason = optarg; break;
        case 'n': r.note = optarg; break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 1, 1, "JOB"))
        return a.status;
    r.job_id = a.pos[0];
    if (accept) {
        if (reason)
            return ctl_args_fail(&a, "--reason belongs to 'offer decline'");
        r.accept = true;
    } else {
        int v = reason ? wire_enum_value(&fsd__decline_reason__descriptor, reason) : -1;
        if (!reason)
            return ctl_args_fail(&a, "needs --reason too_far, no_parts, not_my_skill, off_shift or other");
        if (v <= 0)
            return ctl_args_fail(
                &a, "--reason is too_far, no_parts, not_my_skill, off_shift or other, not '%s'", reason);
        r.reason = (Fsd__DeclineReason)v;
    }
    return ctl_request(c, FSD__ENVELOPE__BODY_COMPANY_OFFER_REPLY, &r, FSD__ENVELOPE__BODY_JOB_VIEW);
}

int cmd_assign(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl assign JOB TECH [--reason TEXT] [--check | --override]\n\n"
                        "Gives a job your company accepted to one of its technicians, judged by the\n"
                        "matcher's rules (territory, skill, warranty, declined, offline, shift, capacity,\n"
                        "window); a refusal names the rule. --check only asks (exit 1 when refused);\n"
                        "--override --reason TEXT assigns past a soft rule (not skill, warranty,\n"
                        "capacity or window).\n";
    static const struct option opts[] = {
        { "reason", 1, 0, 'r' },
        { "check", 0, 0, 'c' },
        { "override", 0, 0, 'o' },
        { 0, 0, 0, 0 },
    };
    Fsd__CompanyAssign m = FSD__COMPANY_ASSIGN__INIT;
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        switch (o) {
        case 'r': m.reason = optarg; break;
        case 'c': m.check_only = true; break;
        case 'o': m.override = true; break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 2, 2, "JOB and TECH"))
        return a.status;
    if (m.check_only && m.override)
        return ctl_args_fail(&a, "give --check or --override, not both");
    if (m.override && !m.reason[0])
        return ctl_args_fail(&a, "--override needs --reason: the job's history records why");
    m.job_id = a.pos[0];
    m.technician_id = a.pos[1];
    if (m.check_only)
        return ctl_move_check(c, FSD__ENVELOPE__BODY_COMPANY_ASSIGN, &m);
    return ctl_request(c, FSD__ENVELOPE__BODY_COMPANY_ASSIGN, &m, FSD__ENVELOPE__BODY_JOB_VIEW);
}
