/*  fsdctl_main.c — fsdctl: the command line of customers' intake, dispatchers
    and admins. Global options, then one command with its own options. */
#include "ctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>
#include "fsd/pbjson.h"
#include "fsd/wire.h"

typedef struct {
    const char *name;
    int (*run)(ctl *, int, char **);
    const char *summary;
} command;

static const command s_commands[] = {
    { "request", cmd_request, "submit a repair request (or --batch FILE)" },
    { "track", cmd_track, "a job's state, technician and history" },
    { "jobs", cmd_jobs, "list jobs (--territory, --state, --agent, --phone)" },
    { "cancel", cmd_cancel, "cancel a job" },
    { "rate", cmd_rate, "rate a completed job 1-5, which closes it" },
    { "link", cmd_link, "link JOB: the customer's link to the job's page" },
    { "portal", cmd_portal, "portal show|cancel|rate TOKEN: the customer page's verbs (portal key)" },
    { "board", cmd_board, "queues and technicians of one or all territories" },
    { "watch", cmd_watch, "live view: every change of jobs and technicians until Ctrl-C" },
    { "reassign", cmd_reassign, "move a job to a technician or a territory" },
    { "offers", cmd_offers, "offers to your company (a provider dispatching its own technicians)" },
    { "offer", cmd_offer, "offer accept|decline JOB: answer an offer to your company" },
    { "assign", cmd_assign, "assign JOB TECH: give an accepted company job to your technician" },
    { "explain", cmd_explain, "why a job went to whom: every candidate and its rule" },
    { "stats", cmd_stats, "server counters" },
    { "report", cmd_report, "KPIs of a period (--from, --to, --by, --csv)" },
    { "technicians", cmd_technicians, "technicians, online status and load" },
    { "territory", cmd_load, "territory load FILE.geojson" },
    { "provider", cmd_load, "provider load FILE.csv" },
    { "agent", cmd_load, "agent load FILE.csv (technicians)" },
    { "product", cmd_load, "product load FILE.csv" },
    { "customer", cmd_customer, "customer load FILE.csv | set PHONE ... | show PHONE|JOB | forget PHONE" },
    { "keygen", cmd_keygen, "make a key pair and register it" },
    { "key", cmd_key, "key list | key revoke NAME: registered keys, revocation" },
    { "backup", cmd_backup, "online backup of the database into FILE" },
    { "restore", cmd_restore, "restore BACKUP --data DIR: put a backup in place (server stopped)" },
    { "complain", cmd_complain, "record a customer's complaint (opens a follow-up)" },
    { "followups", cmd_followups, "open follow-ups (--territory T, --all)" },
    { "followup", cmd_followup, "followup close ID --outcome T | followup visit ID" },
    { "goodwill", cmd_goodwill, "treat an out-of-warranty job as covered (--reason)" },
    { "waiver", cmd_waiver, "waiver approve|reject JOB: decide a fee waiver above the limit" },
    { "sla", cmd_load, "sla load FILE.csv (SLA policies, the whole table)" },
    { "hours", cmd_load, "hours load FILE.csv (territories' working hours and closed dates)" },
    { "escalations", cmd_escalations, "open jobs breached, at risk or escalated, most urgent first" },
    { "templates", cmd_templates, "templates load FILE | show: what customers are told" },
    { "notifications", cmd_notifications, "customer notifications and their delivery" },
    { "web", cmd_web, "web user add|passwd|remove NAME: who logs in to fsd-web" },
    { "audit", cmd_audit, "who read customers' data (--principal, --job, --since)" },
};
#define N_COMMANDS (sizeof s_commands / sizeof s_commands[0])

static void s_usage(FILE *out)
{
    fputs("usage: fsdctl [global options] COMMAND [options]\n\n"
          "Talks to fsd-server: intake, tracking, dispatching, reference data.\n\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-12s %s\n", s_commands[i].name, s_commands[i].summary);
    fputs("\nGlobal options (anywhere on the line):\n"
          "  --server EP        server endpoint (env FSD_SERVER, default tcp://127.0.0.1:7700)\n"
          "  --key FILE         your key pair (env FSD_KEY, default $FSD_HOME/keys/admin.key)\n"
          "  --server-key FILE  the server's public key (env FSD_SERVER_KEY,\n"
          "                     default $FSD_HOME/keys/server.pub); FSD_HOME defaults to ./fsd-data\n"
          "  --json             print one JSON document on stdout\n"
          "  --timeout MS       give up after MS milliseconds (default 10000)\n"
          "  -h, --help         help (also: fsdctl COMMAND --help)\n"
          "  -V, --version      the version\n"
          "\nExit status: 0 success, 1 failure, 2 usage.\n",
          out);
}

/* Takes the global options out of argv (they may stand anywhere). */
static int s_globals(ctl *c, int *argc, char **argv)
{
    int k = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const char **target = NULL;
        if (strcmp(a, "--server") == 0)
            target = &c->server;
        else if (strcmp(a, "--key") == 0)
            target = &c->key_file;
        else if (strcmp(a, "--server-key") == 0)
            target = &c->server_key;
        else if (strcmp(a, "--json") == 0) {
            c->json = true;
            continue;
        } else if (strcmp(a, "--timeout") == 0) {
            if (i + 1 >= *argc || atoi(argv[i + 1]) <= 0)
                return ctl_fail(c, 2, "usage", "--timeout needs a number of milliseconds");
            c->timeout_ms = atoi(argv[++i]);
            c->timeout_given = true;
            continue;
        }
        if (target) {
            if (i + 1 >= *argc)
                return ctl_fail(c, 2, "usage", "%s needs a value", a);
            *target = argv[++i];
            continue;
        }
        argv[k++] = argv[i];
    }
    *argc = k;
    argv[k] = NULL;
    return 0;
}

int main(int argc, char **argv)
{
    static char key_default[4096], server_key_default[4096];
    ctl c = { .timeout_ms = 10000 };
    const char *home = getenv("FSD_HOME");
    c.home = home && *home ? home : "./fsd-data";
    c.server = getenv("FSD_SERVER") && *getenv("FSD_SERVER") ? getenv("FSD_SERVER") : "tcp://127.0.0.1:7700";
    snprintf(key_default, sizeof key_default, "%s/keys/admin.key", c.home);
    snprintf(server_key_default, sizeof server_key_default, "%s/keys/server.pub", c.home);
    c.key_file = getenv("FSD_KEY") && *getenv("FSD_KEY") ? getenv("FSD_KEY") : key_default;
    c.server_key =
        getenv("FSD_SERVER_KEY") && *getenv("FSD_SERVER_KEY") ? getenv("FSD_SERVER_KEY") : server_key_default;
    int rc = s_globals(&c, &argc, argv);
    if (rc)
        return rc;
    if (argc < 2) {
        s_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        s_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("fsdctl %s (protocol %d)\n", CTL_VERSION, FSD_PROTOCOL_VERSION);
        return 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(argv[1], s_commands[i].name) != 0)
            continue;
        rc = s_commands[i].run(&c, argc - 1, argv + 1);
        if (c.sock)
            zmq_close(c.sock);
        if (c.zctx)
            zmq_ctx_term(c.zctx);
        return rc;
    }
    return ctl_fail(&c, 2, "usage", "unknown command '%s': see fsdctl --help", argv[1]);
}

/* A monitor of the handshake's outcome on c->sock (NULL when none). */
static void *s_monitor(ctl *c)
{
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://fsdctl-monitor-%p", (void *)c);
    if (zmq_socket_monitor(c->sock, endpoint,
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                               | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
        < 0)
        return NULL;
    void *mon = zmq_socket(c->zctx, ZMQ_PAIR);
    int zero = 0;
    zmq_setsockopt(mon, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_connect(mon, endpoint) < 0) {
        zmq_close(mon);
        zmq_socket_monitor(c->sock, NULL, 0);
        return NULL;
    }
    return mon;
}

/* Waits for the CURVE handshake's outcome, so that a key the server
   refuses (unknown, or revoked) is reported as such rather than as a
   silent timeout. No outcome within the timeout: no server there (the
   same message as an unanswered request). Returns -1 after printing why. */
static int s_handshake(ctl *c, void *mon)
{
    int rc = 0;
    zmq_pollitem_t item = { mon, 0, ZMQ_POLLIN, 0 };
    /* a refused key fails every handshake: the first outcome tells */
    if (zmq_poll(&item, 1, c->timeout_ms) == 1) {
        zmq_msg_t ev;
        zmq_msg_init(&ev);
        if (zmq_msg_recv(&ev, mon, 0) >= 6) {
            uint16_t event;
            uint32_t value;
            memcpy(&event, zmq_msg_data(&ev), 2);
            memcpy(&value, (char *)zmq_msg_data(&ev) + 2, 4);
            if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
                ctl_fail(c, 1, "key_refused",
                         "the server at %s refused the key %s at the handshake (status %u): the key "
                         "is not registered there, or it was revoked (an admin sees: fsdctl key list)",
                         c->server, c->key_file, value);
                rc = -1;
            } else if (event != ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
                ctl_fail(c, 1, "handshake",
                         "the CURVE handshake with %s failed: is %s that server's public key?", c->server,
                         c->server_key);
                rc = -1;
            }
        }
        zmq_msg_close(&ev);
    } else {
        ctl_fail(c, 1, "timeout",
                 "no answer from %s within %d ms: is fsd-server running there, and is your key "
                 "(%s) registered with it?",
                 c->server, c->timeout_ms, c->key_file);
        rc = -1;
    }
    zmq_socket_monitor(c->sock, NULL, 0);
    zmq_close(mon);
    return rc;
}

/* Opens the CURVE connection on first use. 0, or prints why and returns -1. */
static int s_connect(ctl *c)
{
    if (c->sock)
        return 0;
    char err[512];
    fsd_keypair server;
    if (keys_load(c->key_file, &c->me, true, err, sizeof err) < 0) {
        ctl_fail(c, 1, "no_key", "%s (give --key FILE or set FSD_KEY)", err);
        return -1;
    }
    if (keys_load(c->server_key, &server, false, err, sizeof err) < 0) {
        ctl_fail(c, 1, "no_key", "%s (give --server-key FILE or set FSD_SERVER_KEY)", err);
        return -1;
    }
    snprintf(c->server_pub, sizeof c->server_pub, "%s", server.pub);
    c->zctx = zmq_ctx_new();
    /* wire_dealer's socket, with a monitor attached before the connect */
    c->sock = zmq_socket(c->zctx, ZMQ_DEALER);
    int zero = 0, one = 1;
    int64_t max = FSD_MAX_MSG;
    zmq_setsockopt(c->sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(c->sock, ZMQ_IMMEDIATE, &one, sizeof one);
    zmq_setsockopt(c->sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    if (zmq_setsockopt(c->sock, ZMQ_CURVE_SERVERKEY, c->server_pub, 40) < 0
        || zmq_setsockopt(c->sock, ZMQ_CURVE_PUBLICKEY, c->me.pub, 40) < 0
        || zmq_setsockopt(c->sock, ZMQ_CURVE_SECRETKEY, c->me.sec, 40) < 0) {
        ctl_fail(c, 1, "connect", "cannot use the key %s: %s", c->key_file, zmq_strerror(errno));
        return -1;
    }
    void *mon = s_monitor(c);
    if (zmq_connect(c->sock, c->server) < 0) {
        ctl_fail(c, 1, "connect", "cannot connect to %s: %s", c->server, zmq_strerror(errno));
        if (mon)
            zmq_close(mon);
        return -1;
    }
    return mon ? s_handshake(c, mon) : 0;
}

int ctl_connect(ctl *c)
{
    return s_connect(c);
}

Fsd__Envelope *ctl_call(ctl *c, Fsd__Envelope *env)
{
    if (s_connect(c) < 0)
        return NULL;
    Fsd__Envelope *rep = wire_call(c->sock, env, c->retry_ms > 0 ? c->retry_ms : 2000, c->timeout_ms);
    if (!rep)
        ctl_fail(c, 1, "timeout",
                 "no answer from %s within %d ms: is fsd-server running there, and is your key "
                 "(%s) registered with it?",
                 c->server, c->timeout_ms, c->key_file);
    return rep;
}

/* The oneof member of case `which` inside an envelope. */
static void **s_member(const Fsd__Envelope *env, unsigned which)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&fsd__envelope__descriptor, which);
    return f ? (void **)((char *)env + f->offset) : NULL;
}

const ProtobufCMessage *ctl_body(const Fsd__Envelope *env)
{
    void **m = s_member(env, (unsigned)env->body_case);
    return m ? *m : NULL;
}

int ctl_ask(ctl *c, Fsd__Envelope__BodyCase body, void *msg, Fsd__Envelope__BodyCase want,
            void (*show)(const Fsd__Envelope *rep, const void *arg), const void *arg)
{
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.body_case = body;
    *s_member(&env, (unsigned)body) = msg;
    Fsd__Envelope *rep = ctl_call(c, &env);
    if (!rep)
        return 1;
    int rc = ctl_expect(c, rep, want);
    if (rc == 0) {
        if (c->json)
            ctl_print_json(ctl_body(rep));
        else
            show(rep, arg);
    }
    fsd__envelope__free_unpacked(rep, NULL);
    return rc;
}

/* show_reply as a printer of ctl_ask. */
static void s_show_reply(const Fsd__Envelope *rep, const void *arg)
{
    (void)arg;
    show_reply(rep);
}

int ctl_request(ctl *c, Fsd__Envelope__BodyCase body, void *msg, Fsd__Envelope__BodyCase want)
{
    return ctl_ask(c, body, msg, want, s_show_reply, NULL);
}

void ctl_print_json(const ProtobufCMessage *msg)
{
    json_t *j = pbjson_from_message(msg);
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (text)
        puts(text);
    free(text);
    json_decref(j);
}

int ctl_print_error(ctl *c, const Fsd__Error *e)
{
    const char *code = wire_enum_name(&fsd__error_code__descriptor, e->code);
    if (c->json) {
        json_t *err = pbjson_from_message(&e->base);
        json_object_set_new(err, "code", json_string(code));
        json_t *doc = json_pack("{s:o}", "error", err);
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        puts(text);
        free(text);
        json_decref(doc);
    } else {
        fprintf(stderr, "fsdctl: %s (%s%s%s%s%s)\n", e->message, code, e->field[0] ? ", field " : "",
                e->field, e->rule[0] ? ", rule " : "", e->rule);
    }
    return 1;
}

int ctl_fail(ctl *c, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->json) {
        json_t *doc = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        puts(text);
        free(text);
        json_decref(doc);
    } else {
        fprintf(stderr, "fsdctl: %s\n", msg);
    }
    return status;
}

int ctl_expect(ctl *c, const Fsd__Envelope *rep, Fsd__Envelope__BodyCase want)
{
    if (rep->body_case == FSD__ENVELOPE__BODY_ERROR)
        return ctl_print_error(c, rep->error);
    if (rep->body_case != want)
        return ctl_fail(c, 1, "protocol", "the server answered with an unexpected message (%d)",
                        rep->body_case);
    return 0;
}

const char *ctl_time(int64_t ms, char *buf)
{
    if (ms <= 0) {
        strcpy(buf, "-");
        return buf;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

int ctl_parse_time(const char *s, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%d", &tm);
    if (!end) {
        char *e;
        long long ms = strtoll(s, &e, 10);
        if (*e || ms < 0)
            return -1;
        *out = ms;
        return 0;
    }
    if (*end == 'T' || *end == ' ') {
        const char *more = strptime(end + 1, "%H:%M:%S", &tm);
        if (!more)
            more = strptime(end + 1, "%H:%M", &tm);
        if (!more)
            return -1;
        end = more;
    }
    if (*end == 'Z')
        end++;
    if (*end)
        return -1;
    *out = (int64_t)timegm(&tm) * 1000;
    return 0;
}
