/*  sim.c — `fsd-agent sim`: a whole fleet of technicians in one process.

    Every key file DIR/NAME.key whose role is "agent" becomes one simulated
    technician (its name line is the technician id): one session each
    (agent_session.c, so the same Hello/Welcome, sequencing, acks, heartbeats
    and reconnects as `run`), all sharing one zmq context, one zmq_poll
    loop and one SQLite outbox (--db, a technician column), so their
    reports are as durable as a real agent's.

    Behaviour: an offer is answered after a random delay (--accept-delay-ms)
    with a decline (probability --decline-rate, random reason) or an
    accept; an accepted or assigned job is walked en_route → on_site →
    completed, --work-ms apart (jittered), sometimes through on_hold and
    en_route again, with a Position near the job when on site. The next
    step is taken only when the server confirmed the previous one (a
    JobView), so the simulation never runs ahead of the server; a refused
    step (conflict, revoked job) ends the job's walk. After a restart the
    walk resumes from the jobs stored in --db.

    It does not invent jobs (that is fsdctl's or the bench's work) and
    does not model travel, shifts or skills. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>
#include "agent.h"
#include "fsd/log.h"
#include "outbox.h"
#include "agent_session.h"

/* One planned action: answer an offer, or report the next state. */
typedef struct {
    size_t tech;
    char job_id[FSD_MSG_ID_MAX + 1];
    bool is_offer; /* answer an offer */
    bool accept;
    Fsd__DeclineReason reason;
    Fsd__JobState next; /* otherwise: report this state */
    double lat, lon;    /* the job's place (0,0 unknown) */
    int64_t due;        /* monotonic ms */
} s_action;

struct s_sim;

/* One simulated technician. */
typedef struct {
    struct s_sim *sim;
    size_t idx;
    fsd_keypair key;
    fsd_session_t *session;
    bool resumed;
} s_tech;

/* Structure of the simulator */
typedef struct s_sim {
    const agent_opts *opts;
    void *ctx;
    fsd_outbox_t *outbox;
    s_tech *techs;
    size_t n_techs;
    s_action *acts;
    size_t n_acts, cap_acts;
    uint64_t rng;
    struct {
        unsigned long offers, accepts, declines, steps, completed, refused;
    } count;
} s_sim;

static volatile sig_atomic_t s_stop;

/* SIGINT/SIGTERM: leave the loop. */
static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

/* xorshift64*: the simulator's own reproducible randomness. */
static uint64_t s_rand(s_sim *sim)
{
    sim->rng ^= sim->rng >> 12;
    sim->rng ^= sim->rng << 25;
    sim->rng ^= sim->rng >> 27;
    return sim->rng * 2685821657736338717ULL;
}

/* Uniform in [0, 1). */
static double s_unit(s_sim *sim)
{
    return (double)(s_rand(sim) >> 11) / 9007199254740992.0;
}

/* The work time, jittered by +/-30%. */
static int64_t s_work(s_sim *sim)
{
    double f = 0.7 + 0.6 * s_unit(sim);
    return (int64_t)(sim->opts->work_ms * f);
}

/* Removes any planned action of tech on job. */
static void s_cancel(s_sim *sim, size_t tech, const char *job_id)
{
    for (size_t i = 0; i < sim->n_acts;) {
        if (sim->acts[i].tech == tech && strcmp(sim->acts[i].job_id, job_id) == 0)
            sim->acts[i] = sim->acts[--sim->n_acts];
        else
            i++;
    }
}

/* Plans an action, replacing what was planned for the same job. */
static void s_plan(s_sim *sim, const s_action *a)
{
    s_cancel(sim, a->tech, a->job_id);
    if (sim->n_acts == sim->cap_acts) {
        size_t cap = sim->cap_acts ? sim->cap_acts * 2 : 64;
        s_action *grown = realloc(sim->acts, cap * sizeof *grown);
        if (!grown) {
            log_write(LOG_WARN, "out_of_memory", "job=%s", a->job_id);
            return;
        }
        sim->acts = grown;
        sim->cap_acts = cap;
    }
    sim->acts[sim->n_acts++] = *a;
}

/* Plans the answer to an offer. */
static void s_plan_offer(s_sim *sim, size_t tech, const char *job_id)
{
    s_action a;
    memset(&a, 0, sizeof a);
    a.tech = tech;
    snprintf(a.job_id, sizeof a.job_id, "%s", job_id);
    a.is_offer = true;
    a.accept = s_unit(sim) >= sim->opts->decline_rate;
    a.reason = (Fsd__DeclineReason)(1 + s_rand(sim) % 5);
    int span = sim->opts->delay_max_ms - sim->opts->delay_min_ms;
    a.due = fsd_session_now() + sim->opts->delay_min_ms
            + (span > 0 ? (int64_t)(s_rand(sim) % (uint64_t)(span + 1)) : 0);
    s_plan(sim, &a);
}

/* Plans the step after a job reached state (as the server confirmed). */
static void s_plan_next(s_sim *sim, size_t tech, const Fsd__JobView *v)
{
    s_action a;
    memset(&a, 0, sizeof a);
    a.tech = tech;
    snprintf(a.job_id, sizeof a.job_id, "%s", v->job_id);
    a.lat = v->lat;
    a.lon = v->lon;
    a.due = fsd_session_now() + s_work(sim);
    switch (v->state) {
    case FSD__JOB_STATE__JOB_ASSIGNED:
        a.next = FSD__JOB_STATE__JOB_EN_ROUTE;
        a.due = fsd_session_now() + s_work(sim) / 3;
        break;
    case FSD__JOB_STATE__JOB_EN_ROUTE: a.next = FSD__JOB_STATE__JOB_ON_SITE; break;
    case FSD__JOB_STATE__JOB_ON_SITE:
        a.next = s_unit(sim) < 0.15 ? FSD__JOB_STATE__JOB_ON_HOLD : FSD__JOB_STATE__JOB_COMPLETED;
        break;
    case FSD__JOB_STATE__JOB_ON_HOLD: a.next = FSD__JOB_STATE__JOB_EN_ROUTE; break;
    default:
        s_cancel(sim, tech, v->job_id);
        if (v->state == FSD__JOB_STATE__JOB_COMPLETED)
            sim->count.completed++;
        return;
    }
    s_plan(sim, &a);
}

/* True when the view is this technician's (or does not say). */
static bool s_mine(s_tech *t, const Fsd__JobView *v)
{
    const char *me = fsd_session_technician_id(t->session);
    return !me[0] || !v->technician_id[0] || strcmp(me, v->technician_id) == 0;
}

/* After the first Welcome: picks up the walk of the jobs stored in --db. */
static void s_resume(s_sim *sim, s_tech *t)
{
    Fsd__LocalStatus *ls = fsd_outbox_status(sim->outbox, fsd_session_tech(t->session), false);
    if (!ls)
        return;
    for (size_t i = 0; i < ls->n_jobs; i++) {
        const Fsd__LocalJob *lj = ls->jobs[i];
        bool waiting = false;
        for (size_t k = 0; k < ls->n_pending; k++)
            if (strcmp(ls->pending[k]->job_id, lj->job->job_id) == 0)
                waiting = true; /* its answer will drive it */
        if (waiting)
            continue;
        if (lj->offer)
            s_plan_offer(sim, t->idx, lj->job->job_id);
        else
            s_plan_next(sim, t->idx, lj->job);
    }
    fsd_outbox_status_free(&ls);
}

/* Session events of one simulated technician. */
static void s_on_session(fsd_session_t *session, fsd_session_event event, const Fsd__Envelope *env, void *arg)
{
    s_tech *t = arg;
    s_sim *sim = t->sim;
    switch (event) {
    case FSD_SESSION_WELCOME:
        if (!t->resumed) {
            t->resumed = true;
            s_resume(sim, t);
        }
        break;
    case FSD_SESSION_OFFER:
        sim->count.offers++;
        s_plan_offer(sim, t->idx, env->offer->job->job_id);
        break;
    case FSD_SESSION_ASSIGNED: s_plan_next(sim, t->idx, env->assigned->job); break;
    case FSD_SESSION_REVOKED: s_cancel(sim, t->idx, env->revoked->job_id); break;
    case FSD_SESSION_ANSWER:
        if (env->body_case == FSD__ENVELOPE__BODY_JOB_VIEW) {
            const Fsd__JobView *v = env->job_view;
            if (v->job_id[0] && s_mine(t, v))
                s_plan_next(sim, t->idx, v);
            else if (v->job_id[0])
                s_cancel(sim, t->idx, v->job_id);
        } else if (env->body_case == FSD__ENVELOPE__BODY_ERROR
                   && env->error->code != FSD__ERROR_CODE__ERR_UNAVAILABLE) {
            sim->count.refused++;
        }
        break;
    case FSD_SESSION_LOST:
    case FSD_SESSION_SUPERSEDED: /* logged by the session; a simulation does not fight back */ break;
    }
    (void)session;
}

/* Carries out an action that fell due. */
static void s_act(s_sim *sim, const s_action *a)
{
    s_tech *t = &sim->techs[a->tech];
    if (a->is_offer) {
        if (a->accept)
            sim->count.accepts++;
        else
            sim->count.declines++;
        fsd_session_offer_reply(t->session, a->job_id, a->accept, a->reason, a->accept ? "" : "simulated",
                                NULL, NULL);
        return;
    }
    if (a->next == FSD__JOB_STATE__JOB_ON_SITE && (a->lat != 0 || a->lon != 0)) {
        double dlat = (s_unit(sim) - 0.5) * 0.002, dlon = (s_unit(sim) - 0.5) * 0.002;
        fsd_session_set_position(t->session, a->lat + dlat, a->lon + dlon);
    }
    sim->count.steps++;
    fsd_session_job_update(t->session, a->job_id, a->next,
                           a->next == FSD__JOB_STATE__JOB_ON_HOLD ? "waiting for parts" : "", NULL, NULL);
}

/* Compares key pairs by name, for a stable order. */
static int s_by_name(const void *a, const void *b)
{
    return strcmp(((const s_tech *)a)->key.name, ((const s_tech *)b)->key.name);
}

/* Loads every agent key of dir into sim->techs. 0 or -1. */
static int s_load_keys(s_sim *sim, const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp) {
        agent_fail(sim->opts, "not_found",
                   "cannot read the key folder %s (%s): give --keys the folder "
                   "holding the technicians' .key files",
                   dir, strerror(errno));
        return -1;
    }
    struct dirent *de;
    size_t cap = 0;
    while ((de = readdir(dp))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".key") != 0)
            continue;
        char path[PATH_MAX + 300], err[512];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        fsd_keypair kp;
        if (keys_load(path, &kp, true, err, sizeof err) < 0) {
            log_write(LOG_WARN, "key_skipped", "file=%s why=\"%s\"", path, err);
            continue;
        }
        if (strcmp(kp.role, "agent") != 0)
            continue;
        if (!kp.name[0]) {
            log_write(LOG_WARN, "key_skipped", "file=%s why=\"no name line\"", path);
            continue;
        }
        if (sim->n_techs == cap) {
            cap = cap ? cap * 2 : 16;
            s_tech *grown = realloc(sim->techs, cap * sizeof *grown);
            if (!grown) {
                closedir(dp);
                agent_fail(sim->opts, "internal", "out of memory loading keys");
                return -1;
            }
            sim->techs = grown;
        }
        s_tech *t = &sim->techs[sim->n_techs++];
        memset(t, 0, sizeof *t);
        t->key = kp;
    }
    closedir(dp);
    if (sim->n_techs == 0) {
        agent_fail(sim->opts, "not_found",
                   "no key file with 'role = agent' in %s: make them with "
                   "'fsdctl keygen --role agent --name T01 --out %s/T01.key'",
                   dir, dir);
        return -1;
    }
    qsort(sim->techs, sim->n_techs, sizeof *sim->techs, s_by_name);
    return 0;
}

/* Runs the simulated fleet. */
int agent_sim_run(const agent_opts *o)
{
    s_sim sim;
    memset(&sim, 0, sizeof sim);
    sim.opts = o;
    sim.rng = o->has_seed ? (uint64_t)o->seed * 0x9E3779B97F4A7C15ULL + 1
                          : (uint64_t)wire_now_ms() ^ 0x5DEECE66DULL;
    if (!sim.rng)
        sim.rng = 1;
    srandom((unsigned)s_rand(&sim));
    char err[512];
    fsd_keypair server;
    if (keys_load(o->server_key, &server, false, err, sizeof err) < 0) {
        agent_fail(o, "invalid_argument", "%s; give the server's public key with --server-key FILE", err);
        return 1;
    }
    if (s_load_keys(&sim, o->keys_dir) < 0)
        return 1;
    int status = 1;
    zmq_pollitem_t *items = calloc(sim.n_techs, sizeof *items);
    size_t *owner = calloc(sim.n_techs, sizeof *owner);
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", o->db);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = 0;
        mkdir(parent, 0700); /* the default DIR/sim.db of --home; fails harmlessly when it exists */
    }
    sim.outbox = fsd_outbox_new(o->db, err, sizeof err);
    if (!items || !owner || !sim.outbox) {
        agent_fail(o, "unavailable", "%s: give --db a writable file", sim.outbox ? "out of memory" : err);
        goto done;
    }
    sim.ctx = zmq_ctx_new();
    int max_sockets = (int)sim.n_techs + 64;
    zmq_ctx_set(sim.ctx, ZMQ_MAX_SOCKETS, max_sockets);
    for (size_t i = 0; i < sim.n_techs; i++) {
        s_tech *t = &sim.techs[i];
        t->sim = &sim;
        t->idx = i;
        t->session = fsd_session_new(sim.ctx, sim.outbox, &t->key, t->key.name, o->server, server.pub,
                                     s_on_session, t);
        if (!t->session) {
            agent_fail(o, "unavailable", "cannot start the session of %s (%s): check --server and --db",
                       t->key.name, zmq_strerror(errno));
            goto done;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    log_write(LOG_INFO, "sim_started", "technicians=%zu server=%s db=%s decline_rate=%.2f work_ms=%d",
              sim.n_techs, o->server, o->db, o->decline_rate, o->work_ms);
    int64_t end = o->duration_s > 0 ? fsd_session_now() + (int64_t)o->duration_s * 1000 : 0;
    while (!s_stop) {
        int64_t now = fsd_session_now();
        if (end && now >= end)
            break;
        int64_t due = now + 1000;
        size_t n = 0;
        for (size_t i = 0; i < sim.n_techs; i++) {
            fsd_session_t *s = sim.techs[i].session;
            int64_t d = fsd_session_deadline(s);
            if (d < due)
                due = d;
            void *sock = fsd_session_socket(s);
            if (sock) {
                items[n] = (zmq_pollitem_t){ sock, 0, ZMQ_POLLIN, 0 };
                owner[n++] = i;
            }
        }
        for (size_t i = 0; i < sim.n_acts; i++)
            if (sim.acts[i].due < due)
                due = sim.acts[i].due;
        if (end && end < due)
            due = end;
        long timeout = (long)(due - now);
        if (timeout < 0)
            timeout = 0;
        int rc = zmq_poll(items, (int)n, timeout);
        if (rc < 0 && errno != EINTR) {
            log_write(LOG_WARN, "poll_failed", "error=\"%s\"", zmq_strerror(errno));
            break;
        }
        for (size_t k = 0; rc > 0 && k < n; k++)
            if (items[k].revents & ZMQ_POLLIN)
                fsd_session_handle(sim.techs[owner[k]].session);
        now = fsd_session_now();
        for (size_t i = 0; i < sim.n_techs; i++)
            if (fsd_session_deadline(sim.techs[i].session) <= now)
                fsd_session_tick(sim.techs[i].session);
        /* actions may plan more actions: take the due ones out first */
        for (size_t i = 0; i < sim.n_acts;) {
            if (sim.acts[i].due <= now) {
                s_action a = sim.acts[i];
                sim.acts[i] = sim.acts[--sim.n_acts];
                s_act(&sim, &a);
            } else {
                i++;
            }
        }
    }
    size_t pending = 0;
    for (size_t i = 0; i < sim.n_techs; i++)
        pending += fsd_session_pending(sim.techs[i].session);
    log_write(LOG_INFO, "sim_stopped",
              "offers=%lu accepts=%lu declines=%lu steps=%lu completed=%lu refused=%lu pending=%zu",
              sim.count.offers, sim.count.accepts, sim.count.declines, sim.count.steps, sim.count.completed,
              sim.count.refused, pending);
    if (o->json)
        printf("{\"technicians\":%zu,\"offers\":%lu,\"accepts\":%lu,\"declines\":%lu,\"steps\":%lu,"
               "\"completed\":%lu,\"refused\":%lu,\"pending\":%zu}\n",
               sim.n_techs, sim.count.offers, sim.count.accepts, sim.count.declines, sim.count.steps,
               sim.count.completed, sim.count.refused, pending);
    status = 0;
done:
    for (size_t i = 0; i < sim.n_techs; i++)
        fsd_session_destroy(&sim.techs[i].session);
    if (sim.ctx)
        zmq_ctx_term(sim.ctx);
    fsd_outbox_destroy(&sim.outbox);
    free(sim.techs);
    free(sim.acts);
    free(items);
    free(owner);
    return status;
}
