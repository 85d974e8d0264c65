/*  load_fleet.c — fsd-load's technicians: one CURVE DEALER each, playing
    the agent session as agent/agent_session.c does (see fsd-load.c for what is
    played and measured). Their reports live in memory only: no SQLite.

    Besides the sessions: the table of jobs seen (by number, to time
    intake->offer), the heap of actions planned for later (accepts and
    walk steps), the jobs held by --hold-jobs, and the loading of the
    technicians from the key folder and the fleet CSV. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "fsd/keys.h"
#include "fsd/wire.h"
#include "load.h"

/* ----------------------------------------------------------- the state */

tech *fleet_techs;
size_t fleet_n_techs;

action *fleet_heap;
size_t fleet_n_heap;
static size_t s_cap_heap;

static jobent *s_jobs;
static size_t s_jobs_cap, s_jobs_n;

static action *s_held; /* --hold-jobs: accepted jobs, walked after the drain */
static size_t s_n_held, s_cap_held;
unsigned long fleet_completed_total;

/* ----------------------------------------------------------- job table */

/* Open addressing on the job number (Fibonacci hashing), kept at most half
   full so that probes stay short. */
jobent *fleet_job(uint64_t num, bool create)
{
    if (create && (s_jobs_n + 1) * 2 > s_jobs_cap) {
        size_t cap = s_jobs_cap ? s_jobs_cap * 2 : 1 << 16;
        jobent *g = calloc(cap, sizeof *g);
        if (!g)
            return NULL;
        for (size_t i = 0; i < s_jobs_cap; i++) {
            if (!s_jobs[i].num)
                continue;
            size_t h = (size_t)(s_jobs[i].num * 11400714819323198485ULL) & (cap - 1);
            while (g[h].num)
                h = (h + 1) & (cap - 1);
            g[h] = s_jobs[i];
        }
        free(s_jobs);
        s_jobs = g;
        s_jobs_cap = cap;
    }
    if (!s_jobs_cap)
        return NULL;
    size_t h = (size_t)(num * 11400714819323198485ULL) & (s_jobs_cap - 1);
    while (s_jobs[h].num) {
        if (s_jobs[h].num == num)
            return &s_jobs[h];
        h = (h + 1) & (s_jobs_cap - 1);
    }
    if (!create)
        return NULL;
    s_jobs[h].num = num;
    s_jobs[h].step = -1;
    s_jobs_n++;
    return &s_jobs[h];
}

/* "J000123" -> 123; 0 when not of that form. */
uint64_t fleet_job_num(const char *id)
{
    if (!id || id[0] != 'J' || id[1] < '0' || id[1] > '9')
        return 0;
    char *end;
    unsigned long long n = strtoull(id + 1, &end, 10);
    return *end ? 0 : n;
}

/* ------------------------------------------------------------- actions */

static void s_heap_push(const action *a)
{
    if (fleet_n_heap == s_cap_heap) {
        size_t cap = s_cap_heap ? s_cap_heap * 2 : 1024;
        action *g = realloc(fleet_heap, cap * sizeof *g);
        if (!g)
            return;
        fleet_heap = g;
        s_cap_heap = cap;
    }
    size_t i = fleet_n_heap++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (fleet_heap[p].due <= a->due)
            break;
        fleet_heap[i] = fleet_heap[p];
        i = p;
    }
    fleet_heap[i] = *a;
}

void fleet_heap_pop(action *out)
{
    *out = fleet_heap[0];
    action last = fleet_heap[--fleet_n_heap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        int64_t md = last.due;
        if (l < fleet_n_heap && fleet_heap[l].due < md) {
            m = l;
            md = fleet_heap[l].due;
        }
        if (r < fleet_n_heap && fleet_heap[r].due < md)
            m = r;
        if (m == i)
            break;
        fleet_heap[i] = fleet_heap[m];
        i = m;
    }
    if (fleet_n_heap)
        fleet_heap[i] = last;
}

/* ---------------------------------------------------------- technician */

/* ms ± 10 %: technicians that lost the server together do not all come
   back in the same instant. */
static int64_t s_jitter(int ms)
{
    int span = ms / 10;
    return span > 0 ? ms - span + (int64_t)(load_rand() % (uint64_t)(2 * span + 1)) : ms;
}

void fleet_connect(tech *t, uint32_t idx)
{
    int64_t now = NOW_MS();
    t->sock = load_dealer(t->pub, t->sec, -1);
    if (!t->sock || load_watch(t->sock, idx) < 0) {
        if (t->sock)
            zmq_close(t->sock);
        t->sock = NULL;
        t->reconnect_at = now + s_jitter(t->reconnect_backoff);
        return;
    }
    t->open = false;
    t->opened_at = now;
    t->last_rx = 0;
    t->next_hello = now;
    t->hello_out = false;
    t->hello_backoff = HELLO_FIRST_MS;
    for (size_t i = 0; i < t->n_reps; i++)
        t->reps[i].sent_us = 0;
}

void fleet_disconnect(tech *t, bool backoff)
{
    if (t->sock) {
        load_unwatch(t->sock);
        zmq_close(t->sock);
    }
    t->sock = NULL;
    t->open = false;
    t->reconnect_at = NOW_MS() + (backoff ? s_jitter(t->reconnect_backoff) : 0);
    if (backoff) {
        t->reconnect_backoff *= 2;
        if (t->reconnect_backoff > RECONNECT_MAX_MS)
            t->reconnect_backoff = RECONNECT_MAX_MS;
    }
}

static void s_tech_hello(tech *t)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Hello hello = FSD__HELLO__INIT;
    hello.version = FSD_PROTOCOL_VERSION;
    hello.last_seq_applied = t->applied;
    hello.build = VERSION;
    env.body_case = FSD__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    int64_t now = NOW_MS();
    if (load_send_env(t->sock, &env) < 0) {
        t->next_hello = now + RETRY_SOON_MS; /* not connected yet (ZMQ_IMMEDIATE) */
        return;
    }
    t->hello_out = true;
    t->next_hello = now + s_jitter(t->hello_backoff);
    t->hello_backoff *= 2;
    if (t->hello_backoff > HELLO_MAX_MS)
        t->hello_backoff = HELLO_MAX_MS;
}

static void s_tech_beat(tech *t)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Heartbeat beat = FSD__HEARTBEAT__INIT;
    beat.last_seq_applied = t->applied;
    env.body_case = FSD__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &beat;
    load_send_env(t->sock, &env);
    t->next_beat = NOW_MS() + t->beat_ms;
}

static void s_tech_position(tech *t)
{
    t->next_position = NOW_MS() + POSITION_MS;
    if (!t->has_pos)
        return;
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Position pos = FSD__POSITION__INIT;
    pos.lat = t->lat;
    pos.lon = t->lon;
    pos.at = wire_now_ms();
    env.body_case = FSD__ENVELOPE__BODY_POSITION;
    env.position = &pos;
    load_send_env(t->sock, &env);
}

void fleet_ack(tech *t)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Ack ack = FSD__ACK__INIT;
    ack.upto = t->applied;
    env.body_case = FSD__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    load_send_env(t->sock, &env);
}

/* Sends stored reports in seq order: never sent on this link, or sent
   before older_than (µs); stops at the first the socket will not take. */
static void s_send_reports(tech *t, int64_t older_than, uint64_t after_seq)
{
    if (!t->open || !t->sock)
        return;
    int64_t now = load_now_us();
    for (size_t i = 0; i < t->n_reps; i++) {
        report *r = &t->reps[i];
        if (r->seq <= after_seq || (r->sent_us != 0 && r->sent_us >= older_than))
            continue;
        load_sent = true;
        if (zmq_send(t->sock, r->data, r->len, ZMQ_DONTWAIT) < 0)
            break;
        r->sent_us = now;
        if (!r->first_us)
            r->first_us = now;
    }
}

/* Numbers, keeps and sends a report (env body set). */
static void s_report(tech *t, Fsd__Envelope *env, const char *job_id, int step)
{
    if (t->n_reps == t->cap_reps) {
        size_t cap = t->cap_reps ? t->cap_reps * 2 : 4;
        report *g = realloc(t->reps, cap * sizeof *g);
        if (!g)
            return;
        t->reps = g;
        t->cap_reps = cap;
    }
    report *r = &t->reps[t->n_reps];
    memset(r, 0, sizeof *r);
    r->seq = ++t->report_seq;
    wire_msg_id(r->msg_id);
    snprintf(r->job_id, sizeof r->job_id, "%s", job_id);
    r->step = step;
    r->run_step = load_cur;
    env->msg_id = r->msg_id;
    env->seq = r->seq;
    env->sent_at = wire_now_ms();
    env->version = FSD_PROTOCOL_VERSION;
    r->data = wire_encode(env, &r->len);
    if (!r->data)
        return;
    t->n_reps++;
    s_send_reports(t, load_now_us() - RESEND_MS * 1000LL, 0);
}

void fleet_offer_reply(tech *t, const char *job_id)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__OfferReply reply = FSD__OFFER_REPLY__INIT;
    reply.job_id = (char *)job_id;
    reply.accept = true;
    reply.note = "";
    env.body_case = FSD__ENVELOPE__BODY_OFFER_REPLY;
    env.offer_reply = &reply;
    s_report(t, &env, job_id, 0);
}

void fleet_job_update(tech *t, const char *job_id, int step)
{
    static const Fsd__JobState states[] = { 0, FSD__JOB_STATE__JOB_EN_ROUTE, FSD__JOB_STATE__JOB_ON_SITE,
                                            FSD__JOB_STATE__JOB_COMPLETED };
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__JobUpdate up = FSD__JOB_UPDATE__INIT;
    up.job_id = (char *)job_id;
    up.state = states[step];
    up.note = "";
    up.at = wire_now_ms();
    env.body_case = FSD__ENVELOPE__BODY_JOB_UPDATE;
    env.job_update = &up;
    s_report(t, &env, job_id, step);
}

static void s_plan(uint32_t ti, const char *job_id, int step, int64_t delay_ms)
{
    action a;
    memset(&a, 0, sizeof a);
    a.due = load_now_us() + delay_ms * 1000;
    a.tech = ti;
    a.step = step;
    snprintf(a.job_id, sizeof a.job_id, "%s", job_id);
    s_heap_push(&a);
}

/* --hold-jobs: keeps an accepted job for fleet_release. */
static void s_hold(uint32_t ti, const char *job_id)
{
    if (s_n_held == s_cap_held) {
        size_t cap = s_cap_held ? s_cap_held * 2 : 4096;
        action *g = realloc(s_held, cap * sizeof *g);
        if (!g)
            return; /* the job stays assigned; the release wait times out */
        s_held = g;
        s_cap_held = cap;
    }
    action *a = &s_held[s_n_held++];
    memset(a, 0, sizeof *a);
    a->tech = ti;
    a->step = 1;
    snprintf(a->job_id, sizeof a->job_id, "%s", job_id);
}

/* Walks every held job now; returns how many. */
size_t fleet_release(void)
{
    size_t n = s_n_held;
    for (size_t i = 0; i < n; i++)
        s_plan(s_held[i].tech, s_held[i].job_id, 1, 0);
    s_n_held = 0;
    return n;
}

static void s_welcome(tech *t, const Fsd__Envelope *env)
{
    int64_t now = NOW_MS();
    t->open = true;
    t->expect_base = true;
    if (env->body_case == FSD__ENVELOPE__BODY_WELCOME) {
        const Fsd__Welcome *w = env->welcome;
        t->beat_ms = w->heartbeat_ms >= 200 && w->heartbeat_ms <= 300000 ? (int)w->heartbeat_ms : 5000;
        if (w->last_report_seq > t->report_seq) {
            /* the server applied reports we never made (an earlier run): number after it */
            uint64_t base = w->last_report_seq;
            for (size_t i = 0; i < t->n_reps; i++) {
                Fsd__ErrorCode code;
                const char *why;
                Fsd__Envelope *e = wire_decode(t->reps[i].data, t->reps[i].len, FSD_MAX_MSG, &code, &why);
                if (!e)
                    continue;
                e->seq = t->reps[i].seq = ++base;
                free(t->reps[i].data);
                t->reps[i].data = wire_encode(e, &t->reps[i].len);
                fsd__envelope__free_unpacked(e, NULL);
            }
            t->report_seq = base;
        }
    }
    t->next_beat = now + t->beat_ms;
    t->reconnect_backoff = RECONNECT_FIRST_MS;
    t->hello_backoff = HELLO_FIRST_MS;
    t->welcomes++;
    for (size_t i = 0; i < t->n_reps; i++)
        t->reps[i].sent_us = 0;
    s_send_reports(t, load_now_us(), 0);
    s_tech_position(t);
}

/* A sequenced server message; true when an Ack is due. */
static bool s_sequenced(tech *t, uint32_t ti, const Fsd__Envelope *env, int64_t now_us)
{
    bool first = t->expect_base;
    t->expect_base = false;
    if (first && env->seq > t->applied + 1)
        t->applied = env->seq - 1; /* acknowledged by an earlier life: start from here */
    if (env->seq <= t->applied)
        return true; /* duplicate */
    if (env->seq > t->applied + 1) {
        int64_t now = now_us / 1000;
        if (now - t->last_gap_hello >= HELLO_FIRST_MS) {
            t->last_gap_hello = now;
            s_tech_hello(t);
        }
        return false;
    }
    t->applied = env->seq;
    if (env->body_case == FSD__ENVELOPE__BODY_OFFER && env->offer->job) {
        const char *job_id = env->offer->job->job_id;
        uint64_t num = fleet_job_num(job_id);
        jobent *j = num ? fleet_job(num, true) : NULL;
        if (j && !j->offer_us) {
            j->offer_us = now_us;
            if (j->submit_us && j->step >= 0) {
                stepstat *st = &load_steps[j->step];
                stats_add(&st->offer, (double)(now_us - j->submit_us) / 1000.0);
            }
            if (load_in_window && load_cur >= 0 && now_us <= load_steps[load_cur].t1)
                load_steps[load_cur].offers_in_window++;
        }
        int span = load_opt.delay_max - load_opt.delay_min;
        s_plan(ti, job_id, 0,
               load_opt.delay_min + (span > 0 ? (int64_t)(load_rand() % (uint64_t)(span + 1)) : 0));
    } else if (env->body_case == FSD__ENVELOPE__BODY_ASSIGNED && env->assigned->job) {
        if (!load_opt.hold_jobs) /* held from the answer to the accept instead */
            s_plan(ti, env->assigned->job->job_id, 1, load_opt.work_ms / 3);
    } else if (env->body_case == FSD__ENVELOPE__BODY_REVOKED) {
        /* planned actions on it will be refused with a conflict: harmless */
    }
    return true;
}

/* The answer to one of our reports. */
static void s_report_answer(tech *t, uint32_t ti, size_t idx, const Fsd__Envelope *env, int64_t now_us)
{
    report *r = &t->reps[idx];
    if (env->body_case == FSD__ENVELOPE__BODY_ACK) {
        /* gap: the server applied only up to upto; re-send after it */
        int64_t now = now_us / 1000;
        if (now - t->last_gap_resend >= GAP_RESEND_MS) {
            t->last_gap_resend = now;
            s_send_reports(t, now_us + 1, env->ack->upto);
        }
        return;
    }
    if (env->body_case == FSD__ENVELOPE__BODY_ERROR && env->error->code == FSD__ERROR_CODE__ERR_UNAVAILABLE)
        return; /* kept; re-sent later */
    if (env->body_case == FSD__ENVELOPE__BODY_JOB_VIEW) {
        const Fsd__JobView *v = env->job_view;
        if (r->step == 0 && r->run_step >= 0)
            stats_add(&load_steps[r->run_step].accept, (double)(now_us - r->first_us) / 1000.0);
        if (v->state == FSD__JOB_STATE__JOB_ASSIGNED && load_opt.hold_jobs)
            s_hold(ti, v->job_id);
        else if (v->state == FSD__JOB_STATE__JOB_ASSIGNED)
            s_plan(ti, v->job_id, 1, load_opt.work_ms / 3);
        else if (v->state == FSD__JOB_STATE__JOB_EN_ROUTE)
            s_plan(ti, v->job_id, 2, load_opt.work_ms);
        else if (v->state == FSD__JOB_STATE__JOB_ON_SITE)
            s_plan(ti, v->job_id, 3, load_opt.work_ms);
        else if (v->state == FSD__JOB_STATE__JOB_COMPLETED && load_cur >= 0) {
            load_steps[load_cur].completed++;
            fleet_completed_total++;
        }
    }
    free(r->data);
    memmove(&t->reps[idx], &t->reps[idx + 1], (t->n_reps - idx - 1) * sizeof *r);
    t->n_reps--;
}

bool fleet_envelope(tech *t, uint32_t ti, const Fsd__Envelope *env, int64_t now_us)
{
    if (load_opt.bare) {
        if (!t->open)
            s_welcome(t, env);
        return false;
    }
    if (env->body_case == FSD__ENVELOPE__BODY_WELCOME) {
        s_welcome(t, env);
        return false;
    }
    if (env->seq > 0
        && (env->body_case == FSD__ENVELOPE__BODY_OFFER || env->body_case == FSD__ENVELOPE__BODY_ASSIGNED
            || env->body_case == FSD__ENVELOPE__BODY_REVOKED))
        return s_sequenced(t, ti, env, now_us);
    if (env->reply_to && env->reply_to[0]) {
        for (size_t i = 0; i < t->n_reps; i++)
            if (strcmp(t->reps[i].msg_id, env->reply_to) == 0) {
                s_report_answer(t, ti, i, env, now_us);
                break;
            }
    }
    return false;
}

/* The DEALER's ZMQ_FD fired. Its first Hello waits for the handshake
   (ZMQ_IMMEDIATE), which ends with a command to the socket that fires the
   fd: the Hello goes out then, not on a timer that asks 10,000 sockets five
   times a second while a storm's handshakes queue. */
void fleet_link_event(tech *t)
{
    if (t->sock && !t->open && !t->hello_out)
        s_tech_hello(t);
}

/* Runs the technician's timers. */
void fleet_tick(tech *t, uint32_t ti, int64_t now)
{
    if (!t->sock) {
        if (now >= t->reconnect_at)
            fleet_connect(t, ti);
        return;
    }
    int64_t quiet = t->last_rx > t->opened_at ? t->last_rx : t->opened_at;
    if (now - quiet > 3 * (int64_t)t->beat_ms) {
        fleet_disconnect(t, true);
        return;
    }
    if (!t->open) {
        if (now >= t->next_hello)
            s_tech_hello(t);
        return;
    }
    if (now >= t->next_beat)
        s_tech_beat(t);
    if (now >= t->next_position)
        s_tech_position(t);
    if (t->n_reps)
        s_send_reports(t, load_now_us() - RESEND_MS * 1000LL, 0);
}

/* --------------------------------------- keys, positions, registration */

static int s_by_name(const void *a, const void *b)
{
    return strcmp(((const tech *)a)->name, ((const tech *)b)->name);
}

int fleet_load_keys(void)
{
    DIR *dp = opendir(load_opt.keys);
    if (!dp) {
        fprintf(stderr, "fsd-load: cannot read the key folder %s: %s\n", load_opt.keys, strerror(errno));
        return -1;
    }
    struct dirent *de;
    size_t cap = 0, n = 0;
    tech *all = NULL;
    while ((de = readdir(dp))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".key") != 0)
            continue;
        char path[PATH_MAX + 300], err[512];
        snprintf(path, sizeof path, "%s/%s", load_opt.keys, de->d_name);
        fsd_keypair kp;
        if (keys_load(path, &kp, true, err, sizeof err) < 0 || strcmp(kp.role, "agent") != 0 || !kp.name[0])
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            tech *g = realloc(all, cap * sizeof *g);
            if (!g) {
                closedir(dp);
                free(all);
                return -1;
            }
            all = g;
        }
        memset(&all[n], 0, sizeof all[n]);
        snprintf(all[n].name, sizeof all[n].name, "%s", kp.name);
        memcpy(all[n].pub, kp.pub, sizeof kp.pub);
        memcpy(all[n].sec, kp.sec, sizeof kp.sec);
        n++;
    }
    closedir(dp);
    qsort(all, n, sizeof *all, s_by_name);
    size_t from = (size_t)(load_opt.tech_offset < 0 ? 0 : load_opt.tech_offset);
    if (from > n)
        from = n;
    size_t count =
        load_opt.techs < 0 || (size_t)load_opt.techs > n - from ? n - from : (size_t)load_opt.techs;
    fleet_techs = calloc(count ? count : 1, sizeof *fleet_techs);
    if (!fleet_techs) {
        free(all);
        return -1;
    }
    memcpy(fleet_techs, all + from, count * sizeof *fleet_techs);
    fleet_n_techs = count;
    free(all);
    return 0;
}

/* --fleet CSV: id first, lat and lon the last two columns. */
void fleet_load_positions(void)
{
    FILE *f = fopen(load_opt.fleet, "r");
    if (!f) {
        fprintf(stderr, "fsd-load: cannot read %s: %s (positions not sent)\n", load_opt.fleet,
                strerror(errno));
        return;
    }
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        char *comma = strchr(line, ',');
        char *last = strrchr(line, ',');
        if (!comma || last == comma)
            continue;
        *comma = 0;
        *last = 0;
        char *prev = strrchr(comma + 1, ',');
        if (!prev)
            continue;
        double lat = atof(prev + 1), lon = atof(last + 1);
        for (size_t i = 0; i < fleet_n_techs; i++)
            if (strcmp(fleet_techs[i].name, line) == 0) {
                fleet_techs[i].lat = lat;
                fleet_techs[i].lon = lon;
                fleet_techs[i].has_pos = lat != 0 || lon != 0;
                break;
            }
    }
    fclose(f);
}

/* --register: AddPrincipal for every selected key, pipelined on one admin
   DEALER (fsdctl keygen registers one key per commit: minutes for 10,000). */
int fleet_register(const char *admin_key)
{
    fsd_keypair admin;
    char err[512];
    if (keys_load(admin_key, &admin, true, err, sizeof err) < 0) {
        fprintf(stderr, "fsd-load: %s\n", err);
        return 1;
    }
    void *sock = load_dealer(admin.pub, admin.sec, 0);
    if (!sock) {
        fprintf(stderr, "fsd-load: cannot open the admin DEALER: %s\n", zmq_strerror(errno));
        return 1;
    }
    int64_t t0 = NOW_MS();
    size_t sent = 0, answered = 0, refused = 0;
    while (answered < fleet_n_techs && NOW_MS() - t0 < (int64_t)(load_opt.connect_s * 1000) && !load_stop) {
        while (sent < fleet_n_techs) {
            char msg_id[48];
            snprintf(msg_id, sizeof msg_id, "%s-r%zu", load_run_id, sent);
            Fsd__AddPrincipal ap = FSD__ADD_PRINCIPAL__INIT;
            ap.public_key = fleet_techs[sent].pub;
            ap.name = fleet_techs[sent].name;
            ap.role = FSD__ROLE__ROLE_AGENT;
            ap.technician_id = fleet_techs[sent].name;
            Fsd__Envelope env = FSD__ENVELOPE__INIT;
            env.msg_id = msg_id;
            env.body_case = FSD__ENVELOPE__BODY_ADD_PRINCIPAL;
            env.add_principal = &ap;
            if (load_send_env(sock, &env) < 0)
                break; /* not connected yet, or full */
            sent++;
        }
        zmq_pollitem_t it = { sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&it, 1, 20) <= 0)
            continue;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        while (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) >= 0) {
            Fsd__ErrorCode code;
            const char *why;
            Fsd__Envelope *env =
                wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), FSD_MAX_MSG, &code, &why);
            if (env) {
                answered++;
                if (env->body_case == FSD__ENVELOPE__BODY_ERROR && ++refused <= 3)
                    fprintf(stderr, "fsd-load: registration refused: %s\n", env->error->message);
                fsd__envelope__free_unpacked(env, NULL);
            }
        }
        zmq_msg_close(&msg);
    }
    zmq_close(sock);
    printf("registered %zu of %zu keys in %lld ms (%zu refused)\n", answered - refused, fleet_n_techs,
           (long long)(NOW_MS() - t0), refused);
    return answered == fleet_n_techs && refused == 0 ? 0 : 1;
}
