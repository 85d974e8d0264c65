/*  fsdctl_main.c — fsdctl: the command line of customers' intake, dispatchers
    and admins. Global options, then one command with its own options. */
#include "cmd_profile.h"
#include "ctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>
#include "fsd/handshake.h"
#include "fsd/pbjson.h"
#include "fsd/timetext.h"
#include "fsd/tzone.h"
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
    { "technician", cmd_load, "technician load FILE.csv [--replace] [--check] | retire ID (also: agent)" },
    { "agent", cmd_load, "agent load FILE.csv: technicians, as technician load" },
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
    { "category", cmd_load, "category load FILE.csv (appliance categories: id,name,duration_min)" },
    { "escalations", cmd_escalations, "open jobs breached, at risk or escalated, most urgent first" },
    { "templates", cmd_templates, "templates load FILE | show: what customers are told" },
    { "notifications", cmd_notifications, "customer notifications and their delivery" },
    { "web", cmd_web, "web user add|passwd|remove NAME: who logs in to fsd-web" },
    { "audit", cmd_audit, "who read customers' data (--principal, --job, --since)" },
    { "profile", cmd_profile, "profile add|use|list|show|remove: named servers and keys" },
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
          "  --tz ZONE          show and read times in ZONE (e.g. Europe/Berlin; default: the\n"
          "                     job's or territory's zone, shown with every time)\n"
          "  -h, --help         help (also: fsdctl COMMAND --help)\n"
          "  -V, --version      the version\n"
          "\nExit status: 0 success, 1 failure, 2 usage. The manual: man fsdctl; files: man 5 fsd-files.\n",
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
        else if (strcmp(a, "--tz") == 0)
            target = &c->tz;
        else if (strcmp(a, "--json") == 0) {
            c->json = true;
            continue;
        } else if (strcmp(a, "--timeout") == 0) {
            char *end = NULL;
            long ms = i + 1 < *argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (i + 1 >= *argc || *end || ms < 1 || ms > 3600000)
                return ctl_fail(c, 2, "usage",
                                "--timeout must be a number of milliseconds from 1 to 3600000");
            c->timeout_ms = (int)ms;
            i++;
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
    const char *env_server = c.server, *env_key = c.key_file, *env_server_key = c.server_key;
    int rc = s_globals(&c, &argc, argv);
    if (rc)
        return rc;
    /* the profile in use fills what neither the line nor the environment gave */
    unsigned given = (c.server != env_server ? PROFILE_GIVEN_SERVER : 0)
                     | (c.key_file != env_key ? PROFILE_GIVEN_KEY : 0)
                     | (c.server_key != env_server_key ? PROFILE_GIVEN_SERVER_KEY : 0);
    bool profile_cmd = argc >= 2 && strcmp(argv[1], "profile") == 0;
    if (!profile_cmd && (rc = ctl_profile_defaults(&c, given)) != 0)
        return rc;
    if (c.tz && !tzone_valid(c.tz))
        return ctl_fail(&c, 2, "usage",
                        "--tz '%s' is not a time zone known here (an IANA name such as "
                        "Europe/Berlin, or UTC)",
                        c.tz);
    ctl_set_user_zone(c.tz);
    if (argc < 2) {
        s_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        s_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("fsdctl %s (protocol %d)\n", FSD_VERSION, FSD_PROTOCOL_VERSION);
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

/* Waits for the first connection's outcome, so that a server that is not
   there, a server key that is not the server's, and a key the server
   refuses are each told at once, with what to do, rather than as one
   silent timeout. Returns -1 after printing why. */
static int s_handshake(ctl *c, handshake *hs)
{
    static const char *const codes[] = {
        [HS_NO_SERVER] = "no_server",
        [HS_WRONG_SERVER] = "wrong_server_key",
        [HS_KEY_REFUSED] = "key_refused",
        [HS_TIMEOUT] = "timeout",
    };
    handshake_outcome o = handshake_wait(&hs, c->timeout_ms);
    if (o == HS_OK || o == HS_NOT_WATCHED)
        return 0;
    char advice[1024];
    handshake_advice(o, c->server, c->server_key, c->key_file, c->timeout_ms, advice, sizeof advice);
    ctl_fail(c, 1, codes[o], "%s", advice);
    return -1;
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
    handshake *hs = handshake_watch(c->zctx, c->sock);
    if (zmq_connect(c->sock, c->server) < 0) {
        ctl_fail(c, 1, "connect", "cannot connect to %s: %s", c->server, zmq_strerror(errno));
        handshake_destroy(&hs);
        return -1;
    }
    return s_handshake(c, hs);
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
    if (rc == 0 && show) {
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

/* True for a field that holds a time in epoch milliseconds. */
static bool s_time_field(const char *key, json_t *v)
{
    static const char *const names[] = { "at",        "from",         "to",         "as_of",
                                         "since",     "until",        "last_seen",  "window_from",
                                         "window_to", "window_start", "window_end", "due" };
    /* after 1973-03-03 in ms: counts and durations are far smaller */
    if (!json_is_integer(v) || json_integer_value(v) < 100000000000LL)
        return false;
    size_t len = strlen(key);
    if (len > 3 && (strcmp(key + len - 3, "_at") == 0 || strcmp(key + len - 3, "_by") == 0))
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(key, names[i]) == 0)
            return true;
    return false;
}

/* Adds NAME_text (RFC 3339) after each time field of j and its children,
   in the zone of the nearest object's "tz". */
static void s_add_time_texts(json_t *j, const char *tz)
{
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) s_add_time_texts(v, tz);
        return;
    }
    if (!json_is_object(j))
        return;
    json_t *own = json_object_get(j, "tz");
    if (json_is_string(own) && json_string_value(own)[0])
        tz = json_string_value(own);
    /* collected first: adding keys while iterating is not allowed */
    const char *keys[64];
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (s_time_field(key, v) && n < 64)
            keys[n++] = key;
        else
            s_add_time_texts(v, tz);
    }
    for (size_t i = 0; i < n; i++) {
        char name[128], text[TIMETEXT_LEN];
        snprintf(name, sizeof name, "%s_text", keys[i]);
        timetext_rfc3339(json_integer_value(json_object_get(j, keys[i])), ctl_zone(tz), text, sizeof text);
        json_object_set_new(j, name, json_string(text));
    }
}

void ctl_print_json_doc(json_t *doc)
{
    s_add_time_texts(doc, NULL);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (text)
        puts(text);
    free(text);
    json_decref(doc);
}

void ctl_print_json(const ProtobufCMessage *msg)
{
    ctl_print_json_doc(pbjson_from_message(msg));
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

static const char *s_user_zone; /* --tz */

const char *ctl_user_zone(void)
{
    return s_user_zone;
}

void ctl_set_user_zone(const char *tz)
{
    s_user_zone = tz && *tz ? tz : NULL;
}

const char *ctl_zone(const char *place_tz)
{
    if (s_user_zone)
        return s_user_zone;
    return place_tz && *place_tz ? place_tz : "UTC";
}

const char *ctl_time_in(int64_t ms, const char *place_tz, char *buf)
{
    return timetext_local(ms, ctl_zone(place_tz), buf, 32);
}

static const char *s_place_zone; /* the job being printed */

void ctl_set_place_zone(const char *tz)
{
    s_place_zone = tz && *tz ? tz : NULL;
}

const char *ctl_time(int64_t ms, char *buf)
{
    return ctl_time_in(ms, s_place_zone, buf);
}

const char *ctl_duration(int64_t ms, char *buf)
{
    return timetext_duration(ms, buf, 32);
}

int ctl_parse_time_in(const char *s, const char *place_tz, int64_t *out, const char **why)
{
    /* epoch milliseconds, as scripts have given them before */
    size_t digits = strspn(s, "0123456789");
    if (digits >= 12 && !s[digits]) {
        *out = strtoll(s, NULL, 10);
        return 0;
    }
    return timetext_parse(s, ctl_zone(place_tz), wire_now_ms(), out, why);
}

int ctl_parse_time(const char *s, int64_t *out)
{
    const char *why;
    return ctl_parse_time_in(s, NULL, out, &why);
}
