/*  cmd_watch.c — fsdctl watch: a terminal dispatcher's live view. Asks
    fsd-server for a live subscription (Watch), prints how many open jobs
    and technicians the snapshot holds, then one line per change until
    Ctrl-C; renews the lease every third of it, and reloads the snapshot
    when the server says the events were not complete (resync). */
#include "args.h"
#include "ctl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <zmq.h>
#include "fsd/pbjson.h"
#include "fsd/wire.h"

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

typedef struct {
    ctl *c;
    Fsd__Watch req;
    long count;          /* exit after this many changes (0: never) */
    long printed;        /* changes printed so far */
    long renew_ms;       /* -1: every third of the lease; 0: never */
    uint64_t last;       /* the newest seq received */
    uint32_t lease_ms;   /* from the last Watching */
    char pending_id[33]; /* the msg_id of the Watch awaiting its answer */
    uint32_t snap_jobs;  /* counted over the snapshot's pieces */
    uint32_t snap_techs;
} watch_run;

/* Prints one JSON document on one line. */
static void s_json_line(const ProtobufCMessage *msg)
{
    json_t *j = pbjson_from_message(msg);
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (text)
        puts(text);
    free(text);
    json_decref(j);
    fflush(stdout);
}

/* Sends the Watch (snapshot or resuming after the last seq). 0, or -1. */
static int s_send_watch(watch_run *w, bool snapshot)
{
    Fsd__Envelope env;
    wire_envelope_init(&env, w->pending_id);
    w->req.snapshot = snapshot;
    w->req.resume_after = snapshot ? 0 : w->last;
    env.body_case = FSD__ENVELOPE__BODY_WATCH;
    env.watch = &w->req;
    int64_t until = wire_now_ms() + w->c->timeout_ms;
    while (wire_send(w->c->sock, NULL, 0, &env) < 0) {
        if (errno != EAGAIN || wire_now_ms() >= until)
            return -1;
        zmq_pollitem_t out = { w->c->sock, 0, ZMQ_POLLOUT, 0 };
        zmq_poll(&out, 1, 20);
    }
    return 0;
}

static Fsd__Envelope *s_recv(void *sock, int timeout_ms)
{
    zmq_pollitem_t in = { sock, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll(&in, 1, timeout_ms) <= 0)
        return NULL;
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m);
        return NULL;
    }
    Fsd__ErrorCode code;
    const char *why;
    Fsd__Envelope *env = wire_decode(zmq_msg_data(&m), zmq_msg_size(&m), FSD_MAX_MSG, &code, &why);
    zmq_msg_close(&m);
    return env;
}

static void s_job_line(uint64_t seq, const Fsd__JobView *v)
{
    printf("%llu job %s %s %s %s v%llu%s%s\n", (unsigned long long)seq, v->job_id,
           wire_enum_name(&fsd__job_state__descriptor, v->state), v->territory[0] ? v->territory : "-",
           v->technician_id[0] ? v->technician_id : "-", (unsigned long long)v->version,
           v->at_risk ? " at_risk" : "", v->overdue ? " breached" : "");
}

static void s_tech_line(uint64_t seq, const Fsd__TechnicianView *t)
{
    printf("%llu tech %s %s load %u/%u at %.5f,%.5f\n", (unsigned long long)seq, t->id,
           t->online ? "online" : "offline", t->load, t->capacity, t->lat, t->lon);
}

/* One pushed event: 1 a change printed, 0 nothing to count, -1 stop. */
static int s_event(watch_run *w, const Fsd__WatchEvent *ev)
{
    if (ev->n_events) {
        /* one batch's changes in one frame: each on its own line */
        int printed = 0;
        for (size_t i = 0; i < ev->n_events; i++) {
            int rc = s_event(w, ev->events[i]);
            if (rc < 0)
                return -1;
            printed += rc;
            if (w->count && w->printed + printed >= w->count)
                break;
        }
        return printed;
    }
    if (ev->change_case == FSD__WATCH_EVENT__CHANGE_SNAPSHOT) {
        const Fsd__WatchSnapshot *p = ev->snapshot;
        w->snap_jobs += (uint32_t)p->n_jobs;
        w->snap_techs += (uint32_t)p->n_technicians;
        if (w->c->json)
            s_json_line(&ev->base);
        else if (p->piece == p->pieces)
            printf("snapshot %u jobs %u technicians as of %llu\n", w->snap_jobs, w->snap_techs,
                   (unsigned long long)ev->seq);
        fflush(stdout);
        if (ev->seq > w->last)
            w->last = ev->seq;
        return 0;
    }
    if (ev->seq <= w->last && ev->change_case != FSD__WATCH_EVENT__CHANGE_RESYNC)
        return 0; /* sent again across a renewal */
    w->last = ev->seq > w->last ? ev->seq : w->last;
    if (w->c->json)
        s_json_line(&ev->base);
    else if (ev->change_case == FSD__WATCH_EVENT__CHANGE_JOB)
        s_job_line(ev->seq, ev->job);
    else if (ev->change_case == FSD__WATCH_EVENT__CHANGE_JOB_LEFT)
        printf("%llu left %s\n", (unsigned long long)ev->seq, ev->job_left);
    else if (ev->change_case == FSD__WATCH_EVENT__CHANGE_TECHNICIAN)
        s_tech_line(ev->seq, ev->technician);
    else if (ev->change_case == FSD__WATCH_EVENT__CHANGE_RESYNC)
        printf("%llu resync %s\n", (unsigned long long)ev->seq, ev->resync->reason);
    fflush(stdout);
    if (ev->change_case == FSD__WATCH_EVENT__CHANGE_RESYNC) {
        /* the events were not complete: the snapshot again */
        w->snap_jobs = w->snap_techs = 0;
        return s_send_watch(w, true) < 0 ? -1 : 1;
    }
    return 1;
}

/* The answer to a Watch: 0 fine, 1 refused (printed). */
static int s_answer(watch_run *w, const Fsd__Envelope *rep)
{
    if (rep->body_case == FSD__ENVELOPE__BODY_ERROR)
        return ctl_print_error(w->c, rep->error);
    if (rep->body_case != FSD__ENVELOPE__BODY_WATCHING)
        return 0;
    const Fsd__Watching *a = rep->watching;
    w->lease_ms = a->lease_ms;
    w->pending_id[0] = 0;
    if (w->c->json)
        s_json_line(&a->base);
    if (a->snapshot_pieces == 0 && a->seq > w->last && !a->resent && !a->resync)
        w->last = a->seq;
    return 0;
}

/* Receives until Ctrl-C, --count changes, or trouble; renews the lease. */
static int s_loop(watch_run *w)
{
    int64_t renew_at = 0, asked_at = wire_now_ms();
    while (!s_stop) {
        int64_t now = wire_now_ms();
        if (w->pending_id[0] && now - asked_at > w->c->timeout_ms)
            return ctl_fail(w->c, 1, "timeout",
                            "no answer from %s within %d ms: is fsd-server running there, and is your key "
                            "(%s) a dispatcher's or an admin's?",
                            w->c->server, w->c->timeout_ms, w->c->key_file);
        if (!w->pending_id[0] && w->lease_ms && w->renew_ms != 0) {
            int64_t every = w->renew_ms > 0 ? w->renew_ms : w->lease_ms / 3;
            if (!renew_at)
                renew_at = now + every;
            if (now >= renew_at) {
                if (s_send_watch(w, false) < 0)
                    return ctl_fail(w->c, 1, "send", "cannot renew the watch: %s", zmq_strerror(errno));
                asked_at = now;
                renew_at = now + every;
            }
        }
        Fsd__Envelope *env = s_recv(w->c->sock, 100);
        if (!env)
            continue;
        int rc = 0;
        if (env->body_case == FSD__ENVELOPE__BODY_WATCH_EVENT) {
            rc = s_event(w, env->watch_event);
            if (rc > 0 && w->count && (w->printed += rc) >= w->count)
                s_stop = 1;
            rc = rc < 0 ? 1 : 0;
            if (env->watch_event->change_case == FSD__WATCH_EVENT__CHANGE_RESYNC)
                asked_at = wire_now_ms();
        } else if (strcmp(env->reply_to, w->pending_id) == 0) {
            rc = s_answer(w, env);
        }
        fsd__envelope__free_unpacked(env, NULL);
        if (rc)
            return rc;
    }
    return 0;
}

/* Ends the subscription at once (its lease would end it anyway). */
static void s_unwatch(watch_run *w)
{
    Fsd__Unwatch u = FSD__UNWATCH__INIT;
    u.stream = w->req.stream;
    Fsd__Envelope env;
    char id[33];
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_UNWATCH;
    env.unwatch = &u;
    wire_send(w->c->sock, NULL, 0, &env);
    zmq_pollitem_t in = { w->c->sock, 0, ZMQ_POLLIN, 0 };
    int64_t until = wire_now_ms() + 500;
    /* wait briefly for its answer, so the message leaves before the socket closes */
    while (wire_now_ms() < until && zmq_poll(&in, 1, 50) >= 0) {
        Fsd__Envelope *rep = s_recv(w->c->sock, 0);
        bool done = rep && strcmp(rep->reply_to, id) == 0;
        if (rep)
            fsd__envelope__free_unpacked(rep, NULL);
        if (done)
            break;
    }
}

static const struct option s_opts[] = {
    { "territory", 1, 0, 't' },
    { "stream", 1, 0, 's' },
    { "resume-after", 1, 0, 'r' },
    { "count", 1, 0, 'n' },
    { "renew-ms", 1, 0, 'w' },
    { "no-batch", 0, 0, 'b' },
    { 0, 0, 0, 0 },
};

/* Reads watch's options into w (territories into terr). 0, or -1: stop
   with a->status (0 after --help, 2 after a usage error). */
static int s_options(ctl_args *a, watch_run *w, char **terr)
{
    int o;
    uint32_t n;
    while ((o = ctl_args_next(a)) > 0) {
        switch (o) {
        case 't': terr[w->req.n_territories++] = optarg; break;
        case 's': w->req.stream = optarg; break;
        case 'b': w->req.batch = false; break;
        case 'r': {
            char *end;
            w->last = strtoull(optarg, &end, 10);
            if (!optarg[0] || *end || optarg[0] == '-' || optarg[0] == '+' || !w->last) {
                ctl_args_fail(a, "--resume-after must be a sequence number above 0, not '%s'", optarg);
                return -1;
            }
            break;
        }
        case 'n':
            if (ctl_args_uint(a, optarg, 1, UINT32_MAX, &n))
                return -1;
            w->count = n;
            break;
        case 'w':
            if (ctl_args_uint(a, optarg, 0, 86400000, &n))
                return -1;
            w->renew_ms = n;
            break;
        default: ctl_args_unknown(a); return -1;
        }
    }
    return o < 0 || ctl_args_tail(a, 0, 0, "") ? -1 : 0;
}

int cmd_watch(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl watch [--territory T]... [--stream NAME] [--resume-after SEQ]\n"
                        "                    [--count N] [--renew-ms MS] [--no-batch] [--json]\n\n"
                        "A live view: prints how many open jobs and technicians are in view, then one\n"
                        "line per change until Ctrl-C:\n"
                        "  SEQ job ID STATE TERRITORY TECHNICIAN vVERSION [at_risk] [breached]\n"
                        "  SEQ left ID                  (the job moved out of your scope or territories)\n"
                        "  SEQ tech ID online|offline load L/C at LAT,LON\n"
                        "  SEQ resync REASON            (events were lost: the snapshot is loaded again)\n"
                        "Only what your key's scope shows; --territory narrows it (repeatable). Needs a\n"
                        "dispatcher's or admin's key. --resume-after SEQ: no snapshot, the changes after\n"
                        "SEQ (with --stream, the name of the watch to take over). --count N: exit after N\n"
                        "changes. --renew-ms: renew the lease this often (default a third of it; 0 never).\n"
                        "--no-batch: ask for one message per change (as clients that do not batch).\n"
                        "--json: every answer and event as one JSON line.\n";
    watch_run w = { .c = c, .renew_ms = -1 };
    fsd__watch__init(&w.req);
    w.req.batch = true;
    char **terr = calloc((size_t)argc + 1, sizeof *terr);
    char stream[33];
    wire_msg_id(stream);
    w.req.stream = stream;
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, usage, s_opts);
    if (s_options(&a, &w, terr) < 0) {
        free(terr);
        return a.status;
    }
    w.req.territories = terr;
    int rc = 1;
    if (ctl_connect(c) == 0) {
        struct sigaction sa = { 0 };
        sa.sa_handler = s_on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        if (s_send_watch(&w, w.last == 0) < 0)
            rc = ctl_fail(c, 1, "send", "cannot send to %s: %s", c->server, zmq_strerror(errno));
        else if ((rc = s_loop(&w)) == 0)
            s_unwatch(&w);
    }
    free(terr);
    return rc;
}
