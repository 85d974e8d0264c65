/*  daemon.c — `fsd-agent run`: the technician's daemon.

    One loop (zmq_poll) over two sockets: the session's DEALER to the
    server and a ROUTER bound to ipc://HOME/ctl.sock for the short
    commands. A report from a short command is stored in the outbox
    first (committed), then sent; the command is answered with the
    server's JobView or Error when it arrives within 2 s, otherwise with
    LocalQueued (the report waits in the outbox and is re-sent by the
    session). LocalStatusRequest is answered from the outbox alone, so
    `fsd-agent jobs` works offline.

    One daemon per home directory (an flock on HOME/agent.lock); the
    control socket is created with umask 077 so only its owner can talk
    to it. It does not fork into the background, rotate logs or read a
    configuration file: the command line is the configuration. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>
#include "agent.h"
#include "fsd/log.h"
#include "outbox.h"
#include "agent_session.h"

#define S_ANSWER_WAIT_MS 2000
#define S_MAX_WAITERS 256

/* A short command waiting for the server's answer to its report. */
typedef struct {
    uint8_t rid[256];
    size_t rid_len;
    char ctl_id[FSD_MSG_ID_MAX + 1]; /* the command's msg_id */
    char report_id[33];              /* the report's msg_id on the wire */
    uint64_t seq;
    int64_t deadline; /* monotonic ms */
} s_waiter;

/* Structure of the daemon */
typedef struct {
    const agent_opts *opts;
    void *ctx;
    void *ctl;
    fsd_outbox_t *outbox;
    fsd_session_t *session;
    char tech[64];
    s_waiter waiters[S_MAX_WAITERS];
    size_t n_waiters;
} s_daemon;

static volatile sig_atomic_t s_stop;

/* SIGINT/SIGTERM: leave the loop. */
static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

/* Sends an envelope to a short command (reply_to its msg_id). */
static void s_reply(s_daemon *d, const uint8_t *rid, size_t rid_len, const char *ctl_id, Fsd__Envelope *env)
{
    char id[33];
    wire_msg_id(id);
    env->msg_id = id;
    env->sent_at = wire_now_ms();
    env->version = FSD_PROTOCOL_VERSION;
    env->reply_to = (char *)ctl_id;
    if (wire_send(d->ctl, rid, rid_len, env) < 0)
        log_write(LOG_DEBUG, "ctl_reply_failed", "error=\"%s\"", zmq_strerror(errno));
}

/* Answers a short command with an Error. */
static void s_reply_error(s_daemon *d, const uint8_t *rid, size_t rid_len, const char *ctl_id,
                          Fsd__ErrorCode code, const char *field, const char *message)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__Error err = FSD__ERROR__INIT;
    err.code = code;
    err.message = (char *)message;
    err.field = (char *)(field ? field : "");
    env.body_case = FSD__ENVELOPE__BODY_ERROR;
    env.error = &err;
    s_reply(d, rid, rid_len, ctl_id, &env);
}

/* Answers a short command with LocalQueued for report seq. */
static void s_reply_queued(s_daemon *d, const uint8_t *rid, size_t rid_len, const char *ctl_id, uint64_t seq)
{
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    Fsd__LocalQueued q = FSD__LOCAL_QUEUED__INIT;
    char text[200];
    q.seq = seq;
    q.connected = fsd_session_is_open(d->session);
    if (q.connected)
        snprintf(text, sizeof text,
                 "stored as report %llu; the server has not answered yet, "
                 "it will be re-sent until it does",
                 (unsigned long long)seq);
    else
        snprintf(text, sizeof text, "stored as report %llu; will be sent when the server is reachable",
                 (unsigned long long)seq);
    q.message = text;
    env.body_case = FSD__ENVELOPE__BODY_LOCAL_QUEUED;
    env.local_queued = &q;
    s_reply(d, rid, rid_len, ctl_id, &env);
}

/* Removes waiter i. */
static void s_waiter_remove(s_daemon *d, size_t i)
{
    d->waiters[i] = d->waiters[--d->n_waiters];
}

/* Session events: answers waiting short commands. */
static void s_on_session(fsd_session_t *session, fsd_session_event event, const Fsd__Envelope *env, void *arg)
{
    s_daemon *d = arg;
    if (event == FSD_SESSION_SUPERSEDED) {
        /* kept in the notices (the history); the status view shows it
           while the daemon stays disconnected */
        char text[400];
        snprintf(text, sizeof text, "session taken over by another connection: %s", env->superseded->message);
        if (fsd_outbox_notice(d->outbox, d->tech, text) < 0)
            log_write(LOG_WARN, "store_failed", "tech=%s error=\"%s\"", d->tech, fsd_outbox_error(d->outbox));
    }
    if (event == FSD_SESSION_LOST || event == FSD_SESSION_SUPERSEDED) {
        /* nobody will answer soon: tell every waiting command it is queued */
        while (d->n_waiters > 0) {
            s_waiter *w = &d->waiters[0];
            s_reply_queued(d, w->rid, w->rid_len, w->ctl_id, w->seq);
            s_waiter_remove(d, 0);
        }
        return;
    }
    if (event != FSD_SESSION_ANSWER)
        return;
    for (size_t i = 0; i < d->n_waiters; i++) {
        s_waiter *w = &d->waiters[i];
        if (strcmp(w->report_id, env->reply_to) != 0)
            continue;
        if (env->body_case == FSD__ENVELOPE__BODY_ERROR
            && env->error->code == FSD__ERROR_CODE__ERR_UNAVAILABLE) {
            s_reply_queued(d, w->rid, w->rid_len, w->ctl_id, w->seq);
        } else {
            /* forward the server's JobView or Error as it is */
            Fsd__Envelope copy = *env;
            copy.seq = 0;
            s_reply(d, w->rid, w->rid_len, w->ctl_id, &copy);
        }
        s_waiter_remove(d, i);
        return;
    }
}

/* LocalStatusRequest: the local picture, from the outbox. */
static void s_on_status(s_daemon *d, const uint8_t *rid, size_t rid_len, const char *ctl_id,
                        bool conflict_history)
{
    Fsd__LocalStatus *ls = fsd_outbox_status(d->outbox, d->tech, conflict_history);
    if (!ls) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot read the local store: %s", fsd_outbox_error(d->outbox));
        s_reply_error(d, rid, rid_len, ctl_id, FSD__ERROR_CODE__ERR_UNAVAILABLE, NULL, msg);
        return;
    }
    ls->connected = fsd_session_is_open(d->session);
    ls->last_contact = fsd_session_last_contact(d->session);
    const char *text;
    ls->superseded_at = fsd_session_superseded(d->session, &text);
    if (ls->superseded_at)
        ls->superseded_text = (char *)text; /* the session's; not freed with ls */
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    env.body_case = FSD__ENVELOPE__BODY_LOCAL_STATUS_VIEW;
    env.local_status_view = ls;
    s_reply(d, rid, rid_len, ctl_id, &env);
    fsd_outbox_status_free(&ls);
}

/* True when s is a plausible job id: 1..64 printable characters, no spaces. */
static bool s_valid_job_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 127)
            return false;
    return true;
}

/* OfferReply or JobUpdate from a short command: store, send, wait. */
static void s_on_report(s_daemon *d, const uint8_t *rid, size_t rid_len, const Fsd__Envelope *req)
{
    const char *job_id, *note;
    if (req->body_case == FSD__ENVELOPE__BODY_OFFER_REPLY) {
        job_id = req->offer_reply->job_id;
        note = req->offer_reply->note;
    } else if (req->body_case == FSD__ENVELOPE__BODY_WAIVE_FEE) {
        job_id = req->waive_fee->job_id;
        note = req->waive_fee->reason;
    } else {
        job_id = req->job_update->job_id;
        note = req->job_update->note;
    }
    if (!s_valid_job_id(job_id)) {
        s_reply_error(d, rid, rid_len, req->msg_id, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "job_id",
                      "the job id must be 1 to 64 characters without spaces");
        return;
    }
    /* Only jobs this device holds or was offered: anything else would be
       refused by the server anyway, and its conflict would stay on the
       device. Refused here, before anything is stored or sent. */
    int known = fsd_outbox_job_known(d->outbox, d->tech, job_id);
    if (known < 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot read the local store: %s", fsd_outbox_error(d->outbox));
        s_reply_error(d, rid, rid_len, req->msg_id, FSD__ERROR_CODE__ERR_UNAVAILABLE, NULL, msg);
        return;
    }
    if (known < 2) {
        char msg[300];
        if (known == 1)
            snprintf(msg, sizeof msg,
                     "job %s is no longer yours (it was withdrawn, cancelled or closed; "
                     "see the notices in 'fsd-agent jobs'): nothing was stored or sent",
                     job_id);
        else
            snprintf(msg, sizeof msg,
                     "this device neither holds nor was offered a job %s "
                     "('fsd-agent jobs' lists yours): nothing was stored or sent",
                     job_id);
        s_reply_error(d, rid, rid_len, req->msg_id,
                      known == 1 ? FSD__ERROR_CODE__ERR_CONFLICT : FSD__ERROR_CODE__ERR_NOT_FOUND, "job_id",
                      msg);
        return;
    }
    if (strlen(note) > 500) {
        s_reply_error(d, rid, rid_len, req->msg_id, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "note",
                      "the note must be at most 500 characters");
        return;
    }
    uint64_t seq = 0;
    char report_id[33];
    int rc;
    if (req->body_case == FSD__ENVELOPE__BODY_OFFER_REPLY) {
        const Fsd__OfferReply *r = req->offer_reply;
        if (!r->accept
            && (r->reason <= FSD__DECLINE_REASON__DECLINE_UNSPECIFIED
                || r->reason > FSD__DECLINE_REASON__DECLINE_OTHER)) {
            s_reply_error(d, rid, rid_len, req->msg_id, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "reason",
                          "a decline needs a reason: too_far, no_parts, not_my_skill, off_shift or other");
            return;
        }
        rc = fsd_session_offer_reply(d->session, job_id, r->accept, r->reason, note, &seq, report_id);
    } else if (req->body_case == FSD__ENVELOPE__BODY_WAIVE_FEE) {
        int64_t cents = req->waive_fee->amount_cents;
        if (cents <= 0 || cents > 10000000) {
            s_reply_error(d, rid, rid_len, req->msg_id, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "amount_cents",
                          "the amount must be 0.01 to 100000.00");
            return;
        }
        rc = fsd_session_waive(d->session, job_id, cents, note, &seq, report_id);
    } else {
        Fsd__JobState s = req->job_update->state;
        if (s != FSD__JOB_STATE__JOB_EN_ROUTE && s != FSD__JOB_STATE__JOB_ON_SITE
            && s != FSD__JOB_STATE__JOB_ON_HOLD && s != FSD__JOB_STATE__JOB_COMPLETED) {
            s_reply_error(d, rid, rid_len, req->msg_id, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "state",
                          "the state must be en_route, on_site, on_hold or completed");
            return;
        }
        rc = fsd_session_job_update(d->session, job_id, s, note, &seq, report_id);
    }
    if (rc < 0) {
        char msg[PATH_MAX + 400];
        if (snprintf(msg, sizeof msg,
                     "the report could not be stored in %s/agent.db (%s): nothing was sent, "
                     "free disk space and try again",
                     d->opts->home, fsd_outbox_error(d->outbox))
            < 0)
            msg[0] = 0;
        s_reply_error(d, rid, rid_len, req->msg_id, FSD__ERROR_CODE__ERR_UNAVAILABLE, NULL, msg);
        return;
    }
    if (!fsd_session_is_open(d->session) || d->n_waiters == S_MAX_WAITERS
        || rid_len > sizeof d->waiters[0].rid) {
        s_reply_queued(d, rid, rid_len, req->msg_id, seq);
        return;
    }
    s_waiter *w = &d->waiters[d->n_waiters++];
    memcpy(w->rid, rid, rid_len);
    w->rid_len = rid_len;
    snprintf(w->ctl_id, sizeof w->ctl_id, "%s", req->msg_id);
    snprintf(w->report_id, sizeof w->report_id, "%s", report_id);
    w->seq = seq;
    w->deadline = fsd_session_now() + S_ANSWER_WAIT_MS;
}

/* LocalAckConflicts: marks conflicts read (they stay in the history). */
static void s_on_ack_conflicts(s_daemon *d, const uint8_t *rid, size_t rid_len, const Fsd__Envelope *req)
{
    const Fsd__LocalAckConflicts *a = req->local_ack_conflicts;
    if (!a->all && a->id == 0) {
        s_reply_error(d, rid, rid_len, req->msg_id, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "id",
                      "name the conflict to acknowledge by its number, or all of them");
        return;
    }
    int n = fsd_outbox_ack_conflicts(d->outbox, d->tech, a->id, a->all);
    if (n < 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot write the local store: %s", fsd_outbox_error(d->outbox));
        s_reply_error(d, rid, rid_len, req->msg_id, FSD__ERROR_CODE__ERR_UNAVAILABLE, NULL, msg);
        return;
    }
    if (n == 0 && !a->all) {
        char msg[160];
        snprintf(msg, sizeof msg, "there is no open conflict #%llu ('fsd-agent conflicts' lists them)",
                 (unsigned long long)a->id);
        s_reply_error(d, rid, rid_len, req->msg_id, FSD__ERROR_CODE__ERR_NOT_FOUND, "id", msg);
        return;
    }
    log_write(LOG_INFO, "conflicts_acknowledged", "tech=%s id=%llu all=%d count=%d", d->tech,
              (unsigned long long)a->id, a->all, n);
    Fsd__LocalAckConflicts body = FSD__LOCAL_ACK_CONFLICTS__INIT;
    body.id = a->id;
    body.all = a->all;
    body.acknowledged = (uint32_t)n;
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    env.body_case = FSD__ENVELOPE__BODY_LOCAL_ACK_CONFLICTS;
    env.local_ack_conflicts = &body;
    s_reply(d, rid, rid_len, req->msg_id, &env);
}

/* Reads and answers what waits on the control socket. */
static void s_on_ctl(s_daemon *d)
{
    for (int n = 0; n < 100; n++) {
        uint8_t rid[256];
        int rid_len = zmq_recv(d->ctl, rid, sizeof rid, ZMQ_DONTWAIT);
        if (rid_len < 0)
            return;
        int more = 0;
        size_t more_len = sizeof more;
        zmq_getsockopt(d->ctl, ZMQ_RCVMORE, &more, &more_len);
        if (!more || rid_len > (int)sizeof rid)
            continue;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, d->ctl, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            continue;
        }
        /* drop any further frames of a malformed multipart */
        while (zmq_msg_more(&msg)) {
            zmq_msg_close(&msg);
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, d->ctl, ZMQ_DONTWAIT) < 0)
                break;
        }
        Fsd__ErrorCode code;
        const char *why;
        Fsd__Envelope *env =
            wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), FSD_SMALL_MSG_MAX, &code, &why);
        zmq_msg_close(&msg);
        if (!env) {
            s_reply_error(d, rid, (size_t)rid_len, "", code, NULL, why);
            continue;
        }
        switch (env->body_case) {
        case FSD__ENVELOPE__BODY_LOCAL_STATUS:
            s_on_status(d, rid, (size_t)rid_len, env->msg_id, env->local_status->conflict_history);
            break;
        case FSD__ENVELOPE__BODY_LOCAL_ACK_CONFLICTS: s_on_ack_conflicts(d, rid, (size_t)rid_len, env); break;
        case FSD__ENVELOPE__BODY_LOCAL_RECONNECT:
            /* after a takeover: the technician asks to connect again */
            fsd_session_resume(d->session);
            s_on_status(d, rid, (size_t)rid_len, env->msg_id, false);
            break;
        case FSD__ENVELOPE__BODY_OFFER_REPLY:
        case FSD__ENVELOPE__BODY_JOB_UPDATE:
        case FSD__ENVELOPE__BODY_WAIVE_FEE: s_on_report(d, rid, (size_t)rid_len, env); break;
        default:
            s_reply_error(
                d, rid, (size_t)rid_len, env->msg_id, FSD__ERROR_CODE__ERR_UNKNOWN_MESSAGE, NULL,
                "the fsd-agent daemon answers LocalStatusRequest, LocalAckConflicts, LocalReconnect, OfferReply, "
                "JobUpdate and WaiveFee only");
            break;
        }
        fsd__envelope__free_unpacked(env, NULL);
    }
}

/* Answers LocalQueued to commands that waited long enough. */
static void s_expire_waiters(s_daemon *d)
{
    int64_t now = fsd_session_now();
    for (size_t i = 0; i < d->n_waiters;) {
        s_waiter *w = &d->waiters[i];
        if (now >= w->deadline) {
            s_reply_queued(d, w->rid, w->rid_len, w->ctl_id, w->seq);
            s_waiter_remove(d, i);
        } else {
            i++;
        }
    }
}

/* Takes the home's lock; the fd, or -1 when another daemon holds it. */
static int s_lock(const agent_opts *o)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/agent.lock", o->home);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        agent_fail(o, "unavailable", "cannot create %s (%s): check that %s is writable", path,
                   strerror(errno), o->home);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        agent_fail(o, "unavailable",
                   "another fsd-agent daemon is already running in %s: "
                   "stop it first, or give this one its own --home",
                   o->home);
        close(fd);
        return -1;
    }
    return fd;
}

/* Runs the daemon until SIGINT/SIGTERM. */
int agent_daemon_run(const agent_opts *o)
{
    char err[512];
    char endpoint[PATH_MAX + 16];
    if (agent_ctl_endpoint(o, endpoint, sizeof endpoint) < 0) {
        agent_fail(o, "invalid_argument",
                   "the agent directory %s is too long for a control socket: "
                   "use a shorter --home",
                   o->home);
        return 1;
    }
    if (mkdir(o->home, 0700) < 0 && errno != EEXIST) {
        agent_fail(o, "unavailable",
                   "cannot create the agent directory %s (%s): "
                   "choose another with --home",
                   o->home, strerror(errno));
        return 1;
    }
    /* it holds the key and agent.db (customers' names, phones, addresses):
       the owner's only, like the key, also when it was made by hand */
    struct stat hs;
    if (stat(o->home, &hs) == 0 && (hs.st_mode & 077) && hs.st_uid == geteuid() && chmod(o->home, 0700) < 0) {
        agent_fail(o, "unavailable", "cannot make the agent directory %s private (%s)", o->home,
                   strerror(errno));
        return 1;
    }
    fsd_keypair key, server;
    if (keys_load(o->key, &key, true, err, sizeof err) < 0) {
        if (access(o->key, F_OK) < 0)
            agent_fail(o, "invalid_argument",
                       "%s; an administrator makes one with "
                       "'fsdctl keygen --role agent --name TECH --out %s'",
                       err, o->key);
        else
            agent_fail(o, "invalid_argument", "%s", err);
        return 1;
    }
    if (keys_load(o->server_key, &server, false, err, sizeof err) < 0) {
        agent_fail(o, "invalid_argument", "%s; give the server's public key with --server-key FILE", err);
        return 1;
    }
    int lock_fd = s_lock(o);
    if (lock_fd < 0)
        return 1;

    s_daemon d;
    memset(&d, 0, sizeof d);
    d.opts = o;
    snprintf(d.tech, sizeof d.tech, "%s", key.name[0] ? key.name : "agent");
    int status = 1;
    char dbpath[PATH_MAX + 16];
    snprintf(dbpath, sizeof dbpath, "%s/agent.db", o->home);
    d.outbox = fsd_outbox_new(dbpath, err, sizeof err);
    if (!d.outbox) {
        agent_fail(o, "unavailable", "%s: check the directory's permissions and free space", err);
        goto done;
    }
    d.ctx = zmq_ctx_new();
    d.session = fsd_session_new(d.ctx, d.outbox, &key, d.tech, o->server, server.pub, s_on_session, &d);
    if (!d.session) {
        agent_fail(o, "invalid_argument", "cannot start a session with %s (%s): check --server", o->server,
                   zmq_strerror(errno));
        goto done;
    }
    fsd_session_watch(d.session);
    if (o->has_position)
        fsd_session_set_position(d.session, o->lat, o->lon);

    d.ctl = zmq_socket(d.ctx, ZMQ_ROUTER);
    int zero = 0;
    int64_t max = FSD_SMALL_MSG_MAX;
    zmq_setsockopt(d.ctl, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(d.ctl, ZMQ_MAXMSGSIZE, &max, sizeof max);
    char sockpath[PATH_MAX + 16];
    snprintf(sockpath, sizeof sockpath, "%s/ctl.sock", o->home);
    unlink(sockpath); /* a stale one from a killed daemon; we hold the lock */
    mode_t old_mask = umask(077);
    int brc = zmq_bind(d.ctl, endpoint);
    umask(old_mask);
    if (brc < 0) {
        agent_fail(o, "unavailable", "cannot open the control socket %s (%s): check %s", endpoint,
                   zmq_strerror(errno), o->home);
        goto done;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    log_write(LOG_INFO, "started", "tech=%s home=%s server=%s pending=%zu", d.tech, o->home, o->server,
              fsd_session_pending(d.session));
    while (!s_stop) {
        zmq_pollitem_t items[2] = {
            { d.ctl, 0, ZMQ_POLLIN, 0 },
            { fsd_session_socket(d.session), 0, ZMQ_POLLIN, 0 },
        };
        int n_items = items[1].socket ? 2 : 1;
        int64_t now = fsd_session_now();
        int64_t due = fsd_session_deadline(d.session);
        for (size_t i = 0; i < d.n_waiters; i++)
            if (d.waiters[i].deadline < due)
                due = d.waiters[i].deadline;
        long timeout = (long)(due - now);
        if (timeout < 0)
            timeout = 0;
        if (timeout > 1000)
            timeout = 1000;
        int rc = zmq_poll(items, n_items, timeout);
        if (rc < 0 && errno != EINTR) {
            log_write(LOG_WARN, "poll_failed", "error=\"%s\"", zmq_strerror(errno));
            break;
        }
        if (rc > 0 && n_items == 2 && (items[1].revents & ZMQ_POLLIN))
            fsd_session_handle(d.session);
        if (rc > 0 && (items[0].revents & ZMQ_POLLIN))
            s_on_ctl(&d);
        fsd_session_tick(d.session);
        s_expire_waiters(&d);
    }
    log_write(LOG_INFO, "stopped", "tech=%s pending=%zu", d.tech,
              d.session ? fsd_session_pending(d.session) : 0);
    status = 0;
done:
    if (d.ctl) {
        zmq_close(d.ctl);
        unlink(sockpath);
    }
    fsd_session_destroy(&d.session);
    if (d.ctx)
        zmq_ctx_term(d.ctx);
    fsd_outbox_destroy(&d.outbox);
    close(lock_fd);
    return status;
}
