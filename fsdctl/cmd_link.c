/*  cmd_link.c — fsdctl link JOB: the customer's link to their job, for a
    desk to read out; fsdctl portal show|cancel|rate TOKEN: what the
    customer page does with it (needs a portal key, --key portal.key). */
#include "args.h"
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/wire.h"

static void s_show_link(const Fsd__Envelope *rep, const void *arg)
{
    (void)arg;
    const Fsd__JobLink *l = rep->job_link;
    if (l->url[0])
        printf("%s\n", l->url);
    else
        printf("%s (token; the server has no --portal-url)\n", l->token);
    if (l->expires_at) {
        char at[32];
        printf("the job is over: the link works until %s\n", ctl_time(l->expires_at, at));
    }
}

int cmd_link(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl link JOB\n\n"
                        "The customer's link to the job's page (state, technician, cancel, rating), to\n"
                        "read out to them. Intake: its own jobs; dispatcher: jobs in its scope.\n";
    ctl_args a;
    if (ctl_args_simple(&a, c, argc, argv, usage, NULL, NULL, 1, "JOB"))
        return a.status;
    Fsd__GetLink g = FSD__GET_LINK__INIT;
    g.job_id = a.pos[0];
    return ctl_ask(c, FSD__ENVELOPE__BODY_GET_LINK, &g, FSD__ENVELOPE__BODY_JOB_LINK, s_show_link, NULL);
}

/* The page as text. */
static void s_show_view(const Fsd__Envelope *rep, const void *arg)
{
    (void)arg;
    const Fsd__LinkView *v = rep->link_view;
    char t[32], u[32];
    printf("job %s: %s\n", v->job_id, wire_enum_name(&fsd__job_state__descriptor, v->state));
    if (v->appliance[0])
        printf("appliance:   %s\n", v->appliance);
    if (v->technician_first_name[0])
        printf("technician:  %s\n", v->technician_first_name);
    if (v->window_start)
        printf("window:      %s%s%s\n", v->window_local[0] ? v->window_local : ctl_time(v->window_start, t),
               v->window_local[0] ? "" : " - ", v->window_local[0] ? "" : ctl_time(v->window_end, u));
    else if (v->arrive_by)
        printf("arrive by:   %s\n", ctl_time(v->arrive_by, t));
    if (v->eta)
        printf("eta:         %s\n", ctl_time(v->eta, t));
    if (v->position)
        printf("position:    %.5f,%.5f at %s\n", v->position->lat, v->position->lon,
               ctl_time(v->position->at, t));
    printf("provider:    %s, contact %s\n", v->provider_name[0] ? v->provider_name : "-", v->provider_phone);
    if (v->rating)
        printf("rating:      %u/5\n", v->rating);
    printf("can cancel:  %s\ncan rate:    %s\n", v->can_cancel ? "yes" : "no", v->can_rate ? "yes" : "no");
    if (v->expires_at)
        printf("link until:  %s\n", ctl_time(v->expires_at, t));
    for (size_t i = 0; i < v->n_timeline; i++)
        printf("  %s  %s\n", ctl_time(v->timeline[i]->at, t),
               wire_enum_name(&fsd__job_state__descriptor, v->timeline[i]->state));
}

int cmd_portal(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl --key PORTAL.key portal show TOKEN\n"
                        "       fsdctl --key PORTAL.key portal cancel TOKEN [--reason TEXT]\n"
                        "       fsdctl --key PORTAL.key portal rate TOKEN STARS [--comment TEXT]\n\n"
                        "What the customer page does with a job's link (TOKEN: the link's last part),\n"
                        "with a portal key (fsdctl keygen --role portal): show the job as the customer\n"
                        "sees it, cancel it before the visit, rate it 1-5 once completed.\n";
    ctl_args a;
    char name[32];
    const char *verb = argc >= 2 ? argv[1] : "";
    bool show = strcmp(verb, "show") == 0, cancel = strcmp(verb, "cancel") == 0,
         rate = strcmp(verb, "rate") == 0;
    if (!show && !cancel && !rate) {
        if (ctl_args_simple(&a, c, argc, argv, usage, NULL, NULL, 0, "") || argc < 2)
            return argc < 2 ? ctl_args_fail(&a, "show, cancel or rate is missing") : a.status;
        return ctl_args_fail(&a, "'%s' is not show, cancel or rate", argv[1]);
    }
    snprintf(name, sizeof name, "portal %s", verb);
    argv[1] = name;
    char *text = "";
    if (ctl_args_simple(&a, c, argc - 1, argv + 1, usage,
                        show     ? NULL
                        : cancel ? "reason"
                                 : "comment",
                        &text, rate ? 2 : 1, rate ? "TOKEN and STARS" : "TOKEN"))
        return a.status;
    if (show) {
        Fsd__LinkShow s = FSD__LINK_SHOW__INIT;
        s.token = a.pos[0];
        return ctl_ask(c, FSD__ENVELOPE__BODY_LINK_SHOW, &s, FSD__ENVELOPE__BODY_LINK_VIEW, s_show_view,
                       NULL);
    }
    if (cancel) {
        Fsd__LinkCancel r = FSD__LINK_CANCEL__INIT;
        r.token = a.pos[0];
        r.reason = text;
        return ctl_ask(c, FSD__ENVELOPE__BODY_LINK_CANCEL, &r, FSD__ENVELOPE__BODY_LINK_VIEW, s_show_view,
                       NULL);
    }
    char *end;
    long stars = strtol(a.pos[1], &end, 10);
    if (!a.pos[1][0] || *end || stars < 1 || stars > 5)
        return ctl_args_fail(&a, "STARS must be a whole number from 1 to 5, not '%s'", a.pos[1]);
    Fsd__LinkRate r = FSD__LINK_RATE__INIT;
    r.token = a.pos[0];
    r.stars = (uint32_t)stars;
    r.comment = text;
    return ctl_ask(c, FSD__ENVELOPE__BODY_LINK_RATE, &r, FSD__ENVELOPE__BODY_LINK_VIEW, s_show_view, NULL);
}
