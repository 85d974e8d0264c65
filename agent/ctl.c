/*  ctl.c — the short commands: jobs, pending, accept, decline, status,
    waive.

    Each one is a single request to the daemon's control socket
    (ipc://HOME/ctl.sock) and a single answer, printed for people or as
    one JSON document with --json. The request is sent once and never
    retried: the daemon would store a retried report twice. A request that
    cannot be handed to the socket within a short time means the daemon
    is not running (ZMQ_IMMEDIATE, ZMQ_LINGER 0).

    It never opens agent.db itself: the daemon owns the store. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#include "fsd/timetext.h"
#include "agent.h"
#include "fsd/care.h"
#include "fsd/pbjson.h"
#include "fsd/wire.h"

#define S_SEND_WAIT_MS 1000
#define S_ANSWER_WAIT_MS 6000

/* Prints the "daemon not running" failure. */
static int s_not_running(const agent_opts *o)
{
    agent_fail(o, "unavailable",
               "the fsd-agent daemon is not running in %s: start it with "
               "'fsd-agent run --home %s'",
               o->home, o->home);
    return 1;
}

/* Sends req to the daemon once and waits for its answer; NULL after
   printing the failure. */
static Fsd__Envelope *s_call(const agent_opts *o, Fsd__Envelope *req)
{
    char endpoint[PATH_MAX + 16], sockpath[PATH_MAX + 16];
    if (agent_ctl_endpoint(o, endpoint, sizeof endpoint) < 0) {
        s_not_running(o);
        return NULL;
    }
    snprintf(sockpath, sizeof sockpath, "%s/ctl.sock", o->home);
    struct stat st;
    if (stat(sockpath, &st) < 0) {
        s_not_running(o);
        return NULL;
    }
    void *ctx = zmq_ctx_new();
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0, one = 1;
    int64_t max = FSD_MAX_MSG;
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_IMMEDIATE, &one, sizeof one);
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    Fsd__Envelope *rep = NULL;
    if (zmq_connect(sock, endpoint) < 0) {
        s_not_running(o);
        goto done;
    }
    /* ZMQ_IMMEDIATE: the send is refused until the daemon accepts the
       connection; sent once, never twice. */
    int64_t until = wire_now_ms() + S_SEND_WAIT_MS;
    int rc;
    while ((rc = wire_send(sock, NULL, 0, req)) < 0 && errno == EAGAIN && wire_now_ms() < until) {
        struct timespec ts = { 0, 10 * 1000000 };
        nanosleep(&ts, NULL);
    }
    if (rc < 0) {
        s_not_running(o);
        goto done;
    }
    until = wire_now_ms() + S_ANSWER_WAIT_MS;
    while (!rep) {
        int64_t left = until - wire_now_ms();
        if (left <= 0)
            break;
        zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&item, 1, (long)left) <= 0)
            continue;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) >= 0) {
            Fsd__ErrorCode code;
            const char *why;
            rep = wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), FSD_MAX_MSG, &code, &why);
            if (rep && strcmp(rep->reply_to, req->msg_id) != 0)
                fsd__envelope__free_unpacked(rep, NULL), rep = NULL;
        }
        zmq_msg_close(&msg);
    }
    if (!rep)
        agent_fail(o, "unavailable",
                   "the fsd-agent daemon in %s did not answer: check its log "
                   "(a report may have been stored; see 'fsd-agent pending')",
                   o->home);
done:
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return rep;
}

/* Prints a JSON document on stdout (and frees it). */
static void s_print_json(json_t *doc)
{
    if (!doc)
        return;
    json_dumpf(doc, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    json_decref(doc);
}

/* Prints an Error answer; exit status 1. */
static int s_print_error(const agent_opts *o, const Fsd__Error *e)
{
    const char *code = wire_enum_name(&fsd__error_code__descriptor, e->code);
    const char *msg = e->message[0] ? e->message : "the request was refused";
    if (o->json)
        agent_fail(o, code[0] ? code : "internal", "%s", msg);
    else
        agent_fail(o, code[0] ? code : "internal", "%s: %s (see 'fsd-agent jobs')", code[0] ? code : "error",
                   msg);
    return 1;
}

/* A duration in ms as every duration is written ("45s", "3m 05s"). */
static void s_span(int64_t ms, char *out, size_t outlen)
{
    timetext_duration(ms < 0 ? 0 : ms, out, outlen);
}

/* One job or offer, for people. */
static void s_print_job(const Fsd__LocalJob *lj, int64_t now)
{
    const Fsd__JobView *v = lj->job;
    char left[32];
    if (lj->offer) {
        s_span(lj->expires_at - now, left, sizeof left);
        printf("  %-9s offer, %s left, %.1f km\n", v->job_id, left, lj->distance_km);
    } else {
        printf("  %-9s %s\n", v->job_id, wire_enum_name(&fsd__job_state__descriptor, v->state));
    }
    if (v->window_end)
        printf("            window:    %s %s, %s\n", v->window_local, v->window_tz,
               v->window_booked ? "booked"
               : lj->offer      ? "asked (accepting books it)"
                                : "asked");
    if (v->customer_name[0] || v->phone[0])
        printf("            customer:  %s%s%s%s\n", v->customer_name, v->phone[0] ? " (" : "", v->phone,
               v->phone[0] ? ")" : "");
    if (v->address[0])
        printf("            address:   %s\n", v->address);
    if (v->brand[0] || v->category[0] || v->model[0])
        printf("            appliance: %s %s%s%s%s%s\n", v->brand, v->category, v->model[0] ? " " : "",
               v->model, v->serial[0] ? ", serial " : "", v->serial);
    if (v->warranty)
        printf("            warranty:  %s\n", wire_enum_name(&fsd__warranty_status__descriptor, v->warranty));
    if (v->priority == FSD__PRIORITY__PRIORITY_HIGH)
        printf("            priority:  high\n");
    if (v->problem[0])
        printf("            problem:   %s\n", v->problem);
    for (size_t i = 0; i < v->n_waivers; i++) {
        char amount[32];
        care_amount_format(v->waivers[i]->amount_cents, amount, sizeof amount);
        printf("            fee:       %s %s %s\n", amount, v->waivers[i]->currency,
               wire_enum_name(&fsd__waiver_state__descriptor, v->waivers[i]->state));
    }
    if (v->goodwill)
        printf("            goodwill:  %s\n", v->goodwill->reason);
}

/* True when a comes before b in the technician's day: jobs with an
   appointment window by its start, then the others. */
static bool s_day_before(const Fsd__LocalJob *a, const Fsd__LocalJob *b)
{
    int64_t wa = a->job ? a->job->window_end ? a->job->window_start : 0 : 0;
    int64_t wb = b->job ? b->job->window_end ? b->job->window_start : 0 : 0;
    return wa && (!wb || wa < wb);
}

/* Puts the jobs in the order of the day (stable: the others keep theirs). */
static void s_day_order(Fsd__LocalJob **jobs, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        Fsd__LocalJob *x = jobs[i];
        size_t k = i;
        for (; k > 0 && s_day_before(x, jobs[k - 1]); k--)
            jobs[k] = jobs[k - 1];
        jobs[k] = x;
    }
}

/* Prints a day heading before a job when its window's day (or having no
   window) differs from the previous job's; *last keeps what was shown. */
static void s_day_heading(const Fsd__LocalJob *lj, char *last, size_t len)
{
    const Fsd__JobView *v = lj->job;
    char day[64];
    if (v->window_end && strlen(v->window_local) >= 14)
        snprintf(day, sizeof day, "%.14s (%s)", v->window_local, v->window_tz);
    else
        snprintf(day, sizeof day, "%s", last[0] ? "without a window" : "");
    if (day[0] && strcmp(day, last) != 0) {
        printf("  -- %s\n", day);
        snprintf(last, len, "%s", day);
    }
}

/* The local picture, for people (only_pending: reports and conflicts). */
/* The conflicts of a status, one line each: #id, job, report, code, message. */
static void s_print_conflicts(const Fsd__LocalStatus *ls)
{
    for (size_t i = 0; i < ls->n_conflicts; i++) {
        const Fsd__LocalConflict *c = ls->conflicts[i];
        printf("  #%-4llu %-9s %s: %s: %s%s\n", (unsigned long long)c->id, c->job_id, c->what,
               wire_enum_name(&fsd__error_code__descriptor, c->code), c->message,
               c->acknowledged_at ? " (acknowledged)" : "");
    }
}

static void s_print_status(const Fsd__LocalStatus *ls, bool only_pending)
{
    int64_t now = wire_now_ms();
    char ago[32];
    if (!only_pending) {
        printf("%s%s%s%s: ", ls->technician_id, ls->name[0] ? " (" : "", ls->name, ls->name[0] ? ")" : "");
        if (ls->superseded_at) {
            char at[32];
            timetext_local(ls->superseded_at, getenv("TZ") && *getenv("TZ") ? getenv("TZ") : "UTC", at,
                           sizeof at);
            printf("NOT CONNECTED: this device's session was taken over by another connection at %s: "
                   "tell your dispatcher.\n  The agent does not reconnect by itself; when the dispatcher "
                   "agrees: fsd-agent reconnect\n  (server: %s)\n",
                   at, ls->superseded_text);
        } else if (ls->connected)
            printf("connected to the server\n");
        else if (ls->last_contact) {
            s_span(now - ls->last_contact, ago, sizeof ago);
            printf("not connected (last contact %s ago)\n", ago);
        } else {
            printf("not connected\n");
        }
        size_t offers = 0, jobs = 0;
        for (size_t i = 0; i < ls->n_jobs; i++)
            ls->jobs[i]->offer ? offers++ : jobs++;
        printf("\nOffers (%zu):\n", offers);
        for (size_t i = 0; i < ls->n_jobs; i++)
            if (ls->jobs[i]->offer)
                s_print_job(ls->jobs[i], now);
        if (!offers)
            printf("  none\n");
        printf("\nJobs (%zu), the day in order:\n", jobs);
        char last_day[64] = "";
        for (size_t i = 0; i < ls->n_jobs; i++)
            if (!ls->jobs[i]->offer) {
                s_day_heading(ls->jobs[i], last_day, sizeof last_day);
                s_print_job(ls->jobs[i], now);
            }
        if (!jobs)
            printf("  none\n");
        printf("\n");
    }
    printf("Pending reports, stored and not yet acknowledged (%zu):\n", ls->n_pending);
    for (size_t i = 0; i < ls->n_pending; i++) {
        const Fsd__LocalReport *r = ls->pending[i];
        s_span(now - r->at, ago, sizeof ago);
        printf("  #%-4llu %-9s %s (%s ago)%s%s\n", (unsigned long long)r->seq, r->job_id, r->what, ago,
               r->note[0] ? ": " : "", r->note);
    }
    if (!ls->n_pending)
        printf("  none\n");
    if (ls->n_conflicts) {
        printf(
            "\nConflicts, reports the server refused (%zu; once read: 'fsd-agent conflicts ack ID|--all'):\n",
            ls->n_conflicts);
        s_print_conflicts(ls);
    }
    if (!only_pending && ls->n_notices) {
        printf("\nNotices:\n");
        for (size_t i = 0; i < ls->n_notices; i++)
            printf("  %s\n", ls->notices[i]);
    }
}

/* The answer to `waive`: the job's latest waiver. */
static void s_print_waiver(const Fsd__JobView *v, const char *job_id)
{
    const Fsd__FeeWaiver *w = v->n_waivers ? v->waivers[v->n_waivers - 1] : NULL;
    if (!w) {
        printf("%s: no waiver recorded\n", job_id);
        return;
    }
    char amount[32];
    care_amount_format(w->amount_cents, amount, sizeof amount);
    if (w->state == FSD__WAIVER_STATE__WAIVER_PENDING)
        printf("%s: waiver of %s %s requested; it is above the limit, a dispatcher decides\n", job_id, amount,
               w->currency);
    else
        printf("%s: call-out fee of %s %s %s\n", job_id, amount, w->currency,
               w->state == FSD__WAIVER_STATE__WAIVER_APPLIED ? "waived" : "not waived (rejected)");
}

/* jobs / pending / reconnect (the daemon answers that with the status). */
static int s_status(const agent_opts *o, bool only_pending, bool reconnect)
{
    char id[33];
    Fsd__Envelope req;
    Fsd__LocalStatusRequest body = FSD__LOCAL_STATUS_REQUEST__INIT;
    Fsd__LocalReconnect again = FSD__LOCAL_RECONNECT__INIT;
    wire_envelope_init(&req, id);
    req.body_case = FSD__ENVELOPE__BODY_LOCAL_STATUS;
    req.local_status = &body;
    if (reconnect) {
        req.body_case = FSD__ENVELOPE__BODY_LOCAL_RECONNECT;
        req.local_reconnect = &again;
    }
    Fsd__Envelope *rep = s_call(o, &req);
    if (!rep)
        return 1;
    int status = 0;
    if (rep->body_case == FSD__ENVELOPE__BODY_LOCAL_STATUS_VIEW) {
        Fsd__LocalStatus *ls = rep->local_status_view;
        s_day_order(ls->jobs, ls->n_jobs);
        size_t n_jobs = ls->n_jobs, n_notices = ls->n_notices;
        if (only_pending) {
            /* keep the document to what was asked */
            ls->n_jobs = 0;
            ls->n_notices = 0;
        }
        if (o->json) {
            json_t *doc = pbjson_from_message(&ls->base);
            if (doc)
                json_object_set_new(doc, "connected", json_boolean(ls->connected));
            s_print_json(doc);
        } else {
            s_print_status(ls, only_pending);
        }
        ls->n_jobs = n_jobs; /* give the arrays back to free_unpacked */
        ls->n_notices = n_notices;
    } else if (rep->body_case == FSD__ENVELOPE__BODY_ERROR) {
        status = s_print_error(o, rep->error);
    } else {
        agent_fail(
            o, "internal",
            "the daemon sent an unexpected answer: check that fsd-agent and its daemon are the same version");
        status = 1;
    }
    fsd__envelope__free_unpacked(rep, NULL);
    return status;
}

/* accept / decline / status. */
static int s_report(const agent_opts *o, const char *cmd, char **argv)
{
    char id[33];
    Fsd__Envelope req;
    Fsd__OfferReply reply = FSD__OFFER_REPLY__INIT;
    Fsd__JobUpdate update = FSD__JOB_UPDATE__INIT;
    Fsd__WaiveFee waive = FSD__WAIVE_FEE__INIT;
    wire_envelope_init(&req, id);
    const char *note = o->note ? o->note : "";
    if (strcmp(cmd, "waive") == 0) {
        waive.job_id = argv[0];
        waive.amount_cents = o->amount_cents;
        waive.reason = (char *)(o->reason ? o->reason : "");
        waive.at = wire_now_ms();
        req.body_case = FSD__ENVELOPE__BODY_WAIVE_FEE;
        req.waive_fee = &waive;
    } else if (strcmp(cmd, "status") == 0) {
        update.job_id = argv[0];
        int v = wire_enum_value(&fsd__job_state__descriptor, argv[1]);
        update.state = (Fsd__JobState)(v > 0 ? v : 0);
        update.note = (char *)note;
        update.at = wire_now_ms();
        req.body_case = FSD__ENVELOPE__BODY_JOB_UPDATE;
        req.job_update = &update;
    } else {
        reply.job_id = argv[0];
        reply.accept = strcmp(cmd, "accept") == 0;
        if (!reply.accept) {
            int v = wire_enum_value(&fsd__decline_reason__descriptor, o->reason);
            reply.reason = (Fsd__DeclineReason)(v > 0 ? v : 0);
        }
        reply.note = (char *)note;
        req.body_case = FSD__ENVELOPE__BODY_OFFER_REPLY;
        req.offer_reply = &reply;
    }
    Fsd__Envelope *rep = s_call(o, &req);
    if (!rep)
        return 1;
    int status = 0;
    switch (rep->body_case) {
    case FSD__ENVELOPE__BODY_JOB_VIEW: {
        const Fsd__JobView *v = rep->job_view;
        if (o->json) {
            json_t *doc = json_object();
            json_object_set_new(doc, "job", pbjson_from_message(&v->base));
            s_print_json(doc);
        } else if (strcmp(cmd, "decline") == 0) {
            printf("%s declined\n", argv[0]);
        } else if (strcmp(cmd, "waive") == 0) {
            s_print_waiver(v, argv[0]);
        } else {
            printf("%s is now %s\n", v->job_id[0] ? v->job_id : argv[0],
                   wire_enum_name(&fsd__job_state__descriptor, v->state));
        }
        break;
    }
    case FSD__ENVELOPE__BODY_LOCAL_QUEUED: {
        const Fsd__LocalQueued *q = rep->local_queued;
        if (o->json) {
            json_t *doc = json_object();
            json_t *body = pbjson_from_message(&q->base);
            if (body)
                json_object_set_new(body, "connected", json_boolean(q->connected));
            json_object_set_new(doc, "queued", body);
            s_print_json(doc);
        } else {
            printf("%s: %s\n", argv[0], q->message);
        }
        break;
    }
    case FSD__ENVELOPE__BODY_ERROR: status = s_print_error(o, rep->error); break;
    default:
        agent_fail(
            o, "internal",
            "the daemon sent an unexpected answer: check that fsd-agent and its daemon are the same version");
        status = 1;
        break;
    }
    fsd__envelope__free_unpacked(rep, NULL);
    return status;
}

/* conflicts [--all] / conflicts ack ID|--all. */
static int s_conflicts(const agent_opts *o, int argc, char **argv)
{
    char id[33];
    Fsd__Envelope req;
    Fsd__LocalStatusRequest list = FSD__LOCAL_STATUS_REQUEST__INIT;
    Fsd__LocalAckConflicts ack = FSD__LOCAL_ACK_CONFLICTS__INIT;
    wire_envelope_init(&req, id);
    bool acking = argc >= 1;
    if (acking) {
        ack.all = o->all;
        if (argc == 2)
            ack.id = strtoull(argv[1][0] == '#' ? argv[1] + 1 : argv[1], NULL, 10);
        req.body_case = FSD__ENVELOPE__BODY_LOCAL_ACK_CONFLICTS;
        req.local_ack_conflicts = &ack;
    } else {
        list.conflict_history = o->all;
        req.body_case = FSD__ENVELOPE__BODY_LOCAL_STATUS;
        req.local_status = &list;
    }
    Fsd__Envelope *rep = s_call(o, &req);
    if (!rep)
        return 1;
    int status = 0;
    if (acking && rep->body_case == FSD__ENVELOPE__BODY_LOCAL_ACK_CONFLICTS) {
        const Fsd__LocalAckConflicts *a = rep->local_ack_conflicts;
        if (o->json)
            s_print_json(json_pack("{s:i}", "acknowledged", (int)a->acknowledged));
        else if (a->all)
            printf("%u conflict%s acknowledged; 'fsd-agent conflicts --all' still shows them\n",
                   a->acknowledged, a->acknowledged == 1 ? "" : "s");
        else
            printf("conflict #%llu acknowledged; 'fsd-agent conflicts --all' still shows it\n",
                   (unsigned long long)a->id);
    } else if (!acking && rep->body_case == FSD__ENVELOPE__BODY_LOCAL_STATUS_VIEW) {
        const Fsd__LocalStatus *ls = rep->local_status_view;
        if (o->json) {
            json_t *doc = json_object();
            json_t *arr = json_array();
            for (size_t i = 0; i < ls->n_conflicts; i++)
                json_array_append_new(arr, pbjson_from_message(&ls->conflicts[i]->base));
            json_object_set_new(doc, "conflicts", arr);
            json_object_set_new(doc, "acknowledged", json_integer(ls->conflicts_acknowledged));
            s_print_json(doc);
        } else {
            if (o->all)
                printf("Conflicts, every report the server refused (%zu, newest first):\n", ls->n_conflicts);
            else
                printf("Conflicts, reports the server refused, not yet acknowledged (%zu):\n",
                       ls->n_conflicts);
            s_print_conflicts(ls);
            if (!ls->n_conflicts)
                printf("  none\n");
            if (!o->all && ls->conflicts_acknowledged)
                printf("(%u acknowledged: 'fsd-agent conflicts --all' shows them)\n",
                       ls->conflicts_acknowledged);
            else if (!o->all && ls->n_conflicts)
                printf("Once read: 'fsd-agent conflicts ack ID' or 'fsd-agent conflicts ack --all'\n");
        }
    } else if (rep->body_case == FSD__ENVELOPE__BODY_ERROR) {
        status = s_print_error(o, rep->error);
    } else {
        agent_fail(
            o, "internal",
            "the daemon sent an unexpected answer: check that fsd-agent and its daemon are the same version");
        status = 1;
    }
    fsd__envelope__free_unpacked(rep, NULL);
    return status;
}

/* The short commands. */
int agent_ctl_main(const agent_opts *o, const char *cmd, int argc, char **argv)
{
    if (strcmp(cmd, "conflicts") == 0)
        return s_conflicts(o, argc, argv);
    if (strcmp(cmd, "jobs") == 0)
        return s_status(o, false, false);
    if (strcmp(cmd, "pending") == 0)
        return s_status(o, true, false);
    if (strcmp(cmd, "reconnect") == 0)
        return s_status(o, false, true);
    if (strcmp(cmd, "status") == 0 && argc == 0)
        return s_status(o, false, false);
    return s_report(o, cmd, argv);
}
