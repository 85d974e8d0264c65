/*  agent_main.c — fsd-agent's command line: options, subcommands, exit codes.

    Parses every option with getopt_long into one agent_opts, checks that
    the command got what it needs (usage errors exit 2), and hands over
    to the daemon (run), the simulator (sim) or the control client (the
    short commands). It does no networking and no storage itself. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "agent.h"
#include "fsd/version.h"
#include "fsd/care.h"
#include "fsd/log.h"
#include "fsd/profile.h"
#include "fsd/wire.h"

static const char *s_usage =
    "usage: fsd-agent [options] COMMAND [ARGS]\n"
    "\n"
    "The technician's agent: a daemon that keeps the session with fsd-server and\n"
    "stores every report locally first, plus short commands that talk to it.\n"
    "\n"
    "commands:\n"
    "  run [--lat L --lon L]        the daemon (foreground; stop with Ctrl-C)\n"
    "  jobs                         offers, jobs, pending reports, conflicts, notices\n"
    "  pending                      only the reports not yet acknowledged, and conflicts\n"
    "  accept JOB [--note T]        accept an offer\n"
    "  decline JOB --reason R [--note T]\n"
    "                               decline an offer; R: too_far, no_parts,\n"
    "                               not_my_skill, off_shift, other\n"
    "  status JOB STATE [--note T]  report en_route, on_site, on_hold or completed\n"
    "                               (accept, decline, status and waive take only jobs\n"
    "                               this device holds or was offered)\n"
    "  status                       alone: the connection (and whether another connection\n"
    "                               took the session over), offers, jobs: like 'jobs'\n"
    "  waive JOB --amount A [--reason T]\n"
    "                               waive the call-out fee (A in EUR, like 45.00) on a job\n"
    "                               you hold; above the server's limit a dispatcher decides\n"
    "  reconnect                    connect again after another connection with this\n"
    "                               device's key took the session over (the daemon then\n"
    "                               stops reconnecting; tell your dispatcher first)\n"
    "  conflicts [--all]            reports the server refused, not yet acknowledged\n"
    "                               (--all: the whole history, acknowledged ones too)\n"
    "  conflicts ack ID|--all       mark conflict ID (or every one) as read: it leaves\n"
    "                               the lists and stays in the history\n"
    "  sim --keys DIR [...]         simulate every technician whose DIR/*.key has role agent\n"
    "\n"
    "options:\n"
    "  --home DIR          agent directory (env FSD_AGENT_HOME, default ~/.fsd-agent):\n"
    "                      DIR/agent.db, DIR/agent.key, DIR/ctl.sock\n"
    "  --server EP         server endpoint (env FSD_SERVER, default tcp://127.0.0.1:7700)\n"
    "  --server-key FILE   server public key (env FSD_SERVER_KEY,\n"
    "                      default $FSD_HOME/keys/server.pub; FSD_HOME defaults to ./fsd-data)\n"
    "  --key FILE          this technician's key file (default DIR/agent.key, mode 0600)\n"
    "  --json              print one JSON document on stdout\n"
    "  --log-level LEVEL   debug, info (default) or warn; logs go to stderr\n"
    "  --help, --version\n"
    "\n"
    "sim options:\n"
    "  --keys DIR               key files of the simulated technicians\n"
    "  --accept-delay-ms MIN-MAX  time to think before answering an offer (500-3000)\n"
    "  --decline-rate P         probability of declining an offer (0.1)\n"
    "  --work-ms N              time between job steps, jittered (5000)\n"
    "  --db FILE                the simulator's store (default DIR/sim.db of --home)\n"
    "  --seed N                 random seed (default: time)\n"
    "  --duration-s N           stop after N seconds (default: until Ctrl-C)\n"
    "\n"
    "exit status: 0 ok, 1 failure, 2 usage error. The manual: man fsd-agent.\n";

/* Prints a failure as one sentence or one JSON document. */
void agent_fail(const agent_opts *o, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (o && o->json) {
        json_t *doc = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
        if (doc) {
            json_dumpf(doc, stdout, JSON_COMPACT);
            fputc('\n', stdout);
            json_decref(doc);
        }
    }
    fprintf(stderr, "fsd-agent: %s\n", msg);
}

/* The ipc endpoint of the control socket. */
int agent_ctl_endpoint(const agent_opts *o, char *out, size_t outlen)
{
    /* sun_path holds 107 characters */
    if (strlen(o->home) + strlen("/ctl.sock") > 107)
        return -1;
    snprintf(out, outlen, "ipc://%s/ctl.sock", o->home);
    return 0;
}

/* A usage error: one sentence, exit status 2. */
static int s_usage_error(const agent_opts *o, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    agent_fail(o, "invalid_argument", "%s; see 'fsd-agent --help'", msg);
    return 2;
}

/* Parses a double strictly; 0 or -1. */
static int s_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* Parses a non-negative int strictly; 0 or -1. */
static int s_parse_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > 1000000000)
        return -1;
    *out = (int)v;
    return 0;
}

/* Makes home absolute and creates it (mode 0700) when missing. 0 or -1. */
static int s_prepare_home(agent_opts *o, const char *home)
{
    char abs[PATH_MAX];
    if (home[0] != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd))
            return -1;
        if (snprintf(abs, sizeof abs, "%s/%s", cwd, home) >= (int)sizeof abs)
            return -1;
    } else {
        if (snprintf(abs, sizeof abs, "%s", home) >= (int)sizeof abs)
            return -1;
    }
    size_t n = strlen(abs);
    while (n > 1 && abs[n - 1] == '/')
        abs[--n] = 0;
    if (n > sizeof o->home - 32)
        return -1;
    memcpy(o->home, abs, n + 1);
    return 0;
}

enum {
    OPT_HOME = 256,
    OPT_SERVER,
    OPT_SERVER_KEY,
    OPT_KEY,
    OPT_JSON,
    OPT_LOG_LEVEL,
    OPT_LAT,
    OPT_LON,
    OPT_NOTE,
    OPT_REASON,
    OPT_KEYS,
    OPT_DELAY,
    OPT_DECLINE_RATE,
    OPT_WORK_MS,
    OPT_DB,
    OPT_SEED,
    OPT_DURATION,
    OPT_HELP,
    OPT_VERSION,
    OPT_AMOUNT,
    OPT_ALL
};

int main(int argc, char **argv)
{
    static struct option longopts[] = {
        { "home", required_argument, NULL, OPT_HOME },
        { "server", required_argument, NULL, OPT_SERVER },
        { "server-key", required_argument, NULL, OPT_SERVER_KEY },
        { "key", required_argument, NULL, OPT_KEY },
        { "json", no_argument, NULL, OPT_JSON },
        { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
        { "lat", required_argument, NULL, OPT_LAT },
        { "lon", required_argument, NULL, OPT_LON },
        { "note", required_argument, NULL, OPT_NOTE },
        { "reason", required_argument, NULL, OPT_REASON },
        { "keys", required_argument, NULL, OPT_KEYS },
        { "accept-delay-ms", required_argument, NULL, OPT_DELAY },
        { "decline-rate", required_argument, NULL, OPT_DECLINE_RATE },
        { "work-ms", required_argument, NULL, OPT_WORK_MS },
        { "db", required_argument, NULL, OPT_DB },
        { "seed", required_argument, NULL, OPT_SEED },
        { "duration-s", required_argument, NULL, OPT_DURATION },
        { "help", no_argument, NULL, OPT_HELP },
        { "version", no_argument, NULL, OPT_VERSION },
        { "amount", required_argument, NULL, OPT_AMOUNT },
        { "all", no_argument, NULL, OPT_ALL },
        { NULL, 0, NULL, 0 },
    };
    static agent_opts opts;
    agent_opts *o = &opts;
    const char *home = getenv("FSD_AGENT_HOME");
    const char *server = getenv("FSD_SERVER");
    const char *server_key = getenv("FSD_SERVER_KEY");
    const char *key = NULL, *db = NULL;
    bool has_lat = false, has_lon = false;
    o->delay_min_ms = 500;
    o->delay_max_ms = 3000;
    o->decline_rate = 0.1;
    o->work_ms = 5000;
    /* --json first, so that usage errors are JSON too */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--json") == 0)
            o->json = true;

    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_HOME: home = optarg; break;
        case OPT_SERVER: server = optarg; break;
        case OPT_SERVER_KEY: server_key = optarg; break;
        case OPT_KEY: key = optarg; break;
        case OPT_JSON: o->json = true; break;
        case OPT_LOG_LEVEL: {
            int level = log_level_parse(optarg);
            if (level < 0)
                return s_usage_error(o, "--log-level must be debug, info or warn");
            log_set_level((log_level)level);
            break;
        }
        case OPT_LAT:
            if (s_parse_double(optarg, &o->lat) < 0 || o->lat < -90 || o->lat > 90)
                return s_usage_error(o, "--lat must be a latitude between -90 and 90");
            has_lat = true;
            break;
        case OPT_LON:
            if (s_parse_double(optarg, &o->lon) < 0 || o->lon < -180 || o->lon > 180)
                return s_usage_error(o, "--lon must be a longitude between -180 and 180");
            has_lon = true;
            break;
        case OPT_NOTE:
            if (strlen(optarg) > 500)
                return s_usage_error(o, "--note must be at most 500 characters");
            o->note = optarg;
            break;
        case OPT_REASON: o->reason = optarg; break;
        case OPT_AMOUNT: o->amount = optarg; break;
        case OPT_ALL: o->all = true; break;
        case OPT_KEYS: o->keys_dir = optarg; break;
        case OPT_DELAY: {
            int a, b;
            char extra;
            if (sscanf(optarg, "%d-%d%c", &a, &b, &extra) == 2 && a >= 0 && b >= a) {
                o->delay_min_ms = a;
                o->delay_max_ms = b;
            } else if (s_parse_int(optarg, &a) == 0) {
                o->delay_min_ms = o->delay_max_ms = a;
            } else {
                return s_usage_error(o, "--accept-delay-ms must be MIN-MAX in milliseconds, e.g. 500-3000");
            }
            break;
        }
        case OPT_DECLINE_RATE:
            if (s_parse_double(optarg, &o->decline_rate) < 0 || o->decline_rate < 0 || o->decline_rate > 1)
                return s_usage_error(o, "--decline-rate must be a probability between 0 and 1");
            break;
        case OPT_WORK_MS:
            if (s_parse_int(optarg, &o->work_ms) < 0)
                return s_usage_error(o, "--work-ms must be a number of milliseconds");
            break;
        case OPT_DB: db = optarg; break;
        case OPT_SEED: {
            int seed;
            if (s_parse_int(optarg, &seed) < 0)
                return s_usage_error(o, "--seed must be a non-negative number");
            o->seed = (unsigned)seed;
            o->has_seed = true;
            break;
        }
        case OPT_DURATION:
            if (s_parse_int(optarg, &o->duration_s) < 0)
                return s_usage_error(o, "--duration-s must be a number of seconds");
            break;
        case 'h':
        case OPT_HELP: fputs(s_usage, stdout); return 0;
        case OPT_VERSION:
            if (o->json)
                printf("{\"version\":\"%s\",\"protocol\":%d}\n", FSD_VERSION, FSD_PROTOCOL_VERSION);
            else
                printf("fsd-agent %s (protocol %d)\n", FSD_VERSION, FSD_PROTOCOL_VERSION);
            return 0;
        default:
            return s_usage_error(o, "option '%s' is unknown or lacks its value",
                                 argv[optind - 1 > 0 ? optind - 1 : 1]);
        }
    }
    if (optind >= argc)
        return s_usage_error(o, "a command is missing");
    const char *cmd = argv[optind];
    int nargs = argc - optind - 1;
    char **args = argv + optind + 1;

    if (has_lat != has_lon)
        return s_usage_error(o, "--lat and --lon go together");
    o->has_position = has_lat && has_lon;

    /* the profile in use (fsdctl profile) names the server and its key
       when neither the line nor the environment did; the device's own
       key is never taken from it */
    profile prof;
    if (!server || !server[0] || !server_key || !server_key[0]) {
        char perr[1024];
        int prc = profile_in_use(&prof, perr, sizeof perr);
        if (prc < 0) {
            agent_fail(o, "profile", "%s", perr);
            return 1;
        }
        if (prc > 0 && (!server || !server[0]) && prof.server[0])
            server = prof.server;
        if (prc > 0 && (!server_key || !server_key[0]) && prof.server_key[0])
            server_key = prof.server_key;
    }

    char defhome[PATH_MAX];
    if (!home || !home[0]) {
        const char *h = getenv("HOME");
        snprintf(defhome, sizeof defhome, "%s/.fsd-agent", h && h[0] ? h : ".");
        home = defhome;
    }
    if (s_prepare_home(o, home) < 0) {
        agent_fail(o, "invalid_argument",
                   "cannot resolve the agent directory %s: give --home an absolute path", home);
        return 1;
    }
    int w1 = key ? snprintf(o->key, sizeof o->key, "%s", key)
                 : snprintf(o->key, sizeof o->key, "%s/agent.key", o->home);
    int w2 =
        db ? snprintf(o->db, sizeof o->db, "%s", db) : snprintf(o->db, sizeof o->db, "%s/sim.db", o->home);
    const char *fsd_home = getenv("FSD_HOME");
    int w3 = server_key && server_key[0] ? snprintf(o->server_key, sizeof o->server_key, "%s", server_key)
                                         : snprintf(o->server_key, sizeof o->server_key, "%s/keys/server.pub",
                                                    fsd_home && fsd_home[0] ? fsd_home : "./fsd-data");
    int w4 =
        snprintf(o->server, sizeof o->server, "%s", server && server[0] ? server : "tcp://127.0.0.1:7700");
    if (w1 >= (int)sizeof o->key || w2 >= (int)sizeof o->db || w3 >= (int)sizeof o->server_key
        || w4 >= (int)sizeof o->server)
        return s_usage_error(o, "a path or endpoint given is too long");

    bool is_ctl = strcmp(cmd, "jobs") == 0 || strcmp(cmd, "pending") == 0 || strcmp(cmd, "accept") == 0
                  || strcmp(cmd, "decline") == 0 || strcmp(cmd, "status") == 0 || strcmp(cmd, "waive") == 0
                  || strcmp(cmd, "reconnect") == 0 || strcmp(cmd, "conflicts") == 0;
    if (o->all && strcmp(cmd, "conflicts") != 0)
        return s_usage_error(o, "--all belongs to 'conflicts' only");
    if (o->reason && strcmp(cmd, "decline") != 0 && strcmp(cmd, "waive") != 0)
        return s_usage_error(o, "--reason belongs to 'decline' and 'waive' only");
    if (o->amount && strcmp(cmd, "waive") != 0)
        return s_usage_error(o, "--amount belongs to 'waive' only");
    if (o->note && strcmp(cmd, "accept") != 0 && strcmp(cmd, "decline") != 0 && strcmp(cmd, "status") != 0)
        return s_usage_error(o, "--note belongs to accept, decline and status only");
    if (o->has_position && strcmp(cmd, "run") != 0)
        return s_usage_error(o, "--lat and --lon belong to 'run' only");
    if (o->keys_dir && strcmp(cmd, "sim") != 0)
        return s_usage_error(o, "--keys belongs to 'sim' only");

    if (strcmp(cmd, "run") == 0) {
        if (nargs > 0)
            return s_usage_error(o, "'run' takes no arguments, got '%s'", args[0]);
        return agent_daemon_run(o);
    }
    if (strcmp(cmd, "sim") == 0) {
        if (nargs > 0)
            return s_usage_error(o, "'sim' takes no arguments, got '%s'", args[0]);
        if (!o->keys_dir)
            return s_usage_error(o, "'sim' needs --keys DIR, the folder of the technicians' key files");
        return agent_sim_run(o);
    }
    if (strcmp(cmd, "conflicts") == 0) {
        bool ack = nargs >= 1 && strcmp(args[0], "ack") == 0;
        if (nargs >= 1 && !ack)
            return s_usage_error(o,
                                 "'conflicts' lists them; 'conflicts ack ID' or 'conflicts ack --all' "
                                 "marks them read, not '%s'",
                                 args[0]);
        if (!ack && nargs != 0)
            return s_usage_error(o, "'conflicts' takes no arguments");
        if (ack && (nargs > 2 || (nargs == 2) == o->all))
            return s_usage_error(o, "'conflicts ack' needs one conflict number (as 'fsd-agent conflicts' "
                                    "shows it, e.g. 3) or --all");
        if (ack && nargs == 2) {
            const char *n = args[1][0] == '#' ? args[1] + 1 : args[1];
            char *end;
            unsigned long long id = strtoull(n, &end, 10);
            if (!n[0] || *end || id == 0 || n[0] == '-')
                return s_usage_error(o, "'%s' is not a conflict number (as 'fsd-agent conflicts' shows it)",
                                     args[1]);
        }
        return agent_ctl_main(o, cmd, nargs, args);
    }
    if (is_ctl) {
        if ((strcmp(cmd, "jobs") == 0 || strcmp(cmd, "pending") == 0 || strcmp(cmd, "reconnect") == 0)
            && nargs != 0)
            return s_usage_error(o, "'%s' takes no arguments", cmd);
        if ((strcmp(cmd, "accept") == 0 || strcmp(cmd, "decline") == 0) && nargs != 1)
            return s_usage_error(o, "'%s' needs exactly one job id, e.g. 'fsd-agent %s J000012'", cmd, cmd);
        if (strcmp(cmd, "waive") == 0) {
            const char *why;
            if (nargs != 1)
                return s_usage_error(
                    o, "'waive' needs exactly one job id, e.g. 'fsd-agent waive J000012 --amount 45.00'");
            if (!o->amount)
                return s_usage_error(o, "'waive' needs --amount, the fee waived in EUR like 45.00");
            if (care_amount_parse(o->amount, false, &o->amount_cents, &why) < 0)
                return s_usage_error(o, "--amount '%s' %s", o->amount, why);
            if (o->reason && strlen(o->reason) > 500)
                return s_usage_error(o, "--reason must be at most 500 characters");
        }
        if (strcmp(cmd, "status") == 0 && nargs != 2 && nargs != 0)
            return s_usage_error(
                o, "'status' needs a job id and a state, e.g. 'fsd-agent status J000012 en_route' "
                   "(alone it shows the connection and the jobs, like 'jobs')");
        if (strcmp(cmd, "decline") == 0) {
            if (!o->reason)
                return s_usage_error(
                    o, "'decline' needs --reason too_far|no_parts|not_my_skill|off_shift|other");
            int r = wire_enum_value(&fsd__decline_reason__descriptor, o->reason);
            if (r <= 0)
                return s_usage_error(
                    o, "--reason must be too_far, no_parts, not_my_skill, off_shift or other, not '%s'",
                    o->reason);
        }
        if (strcmp(cmd, "status") == 0 && nargs == 2) {
            const char *s = args[1];
            if (strcmp(s, "en_route") != 0 && strcmp(s, "on_site") != 0 && strcmp(s, "on_hold") != 0
                && strcmp(s, "completed") != 0)
                return s_usage_error(o, "the state must be en_route, on_site, on_hold or completed, not '%s'",
                                     s);
        }
        for (int i = 0; i < (nargs > 0 ? 1 : 0); i++) {
            size_t len = strlen(args[0]);
            if (len == 0 || len > 64 || strpbrk(args[0], " \t\n\r"))
                return s_usage_error(o, "'%s' is not a job id (1 to 64 characters without spaces)", args[0]);
        }
        return agent_ctl_main(o, cmd, nargs, args);
    }
    return s_usage_error(o, "'%s' is not a command", cmd);
}
