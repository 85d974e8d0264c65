/*  cmd_jobs.c — fsdctl's intake and dispatcher commands.

    Each command parses its own options (getopt_long), builds one request,
    sends it with ctl_call and prints the answer: a table for people, the
    message as JSON with --json. */
#include "ctl.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fsd/domain.h"
#include "fsd/wire.h"
#include "load_file.h"

/* Resets getopt for a command's own argument vector. */
static void s_getopt_reset(void)
{
    optind = 0;
    opterr = 0;
}

/* True when the command was asked for --help (prints usage). */
static bool s_help(int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return true;
        }
    return false;
}

/* Parses a double option; false on junk. */
static bool s_double(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return *s && !*end && isfinite(*out);
}

static const char *s_request_usage =
    "usage: fsdctl request --name NAME --phone PHONE --address TEXT --lat LAT --lon LON\n"
    "                      --brand BRAND --category CATEGORY [--serial SERIAL] [--model MODEL]\n"
    "                      --problem TEXT [--reported-at TIME] [--urgency normal|high]\n"
    "                      [--window WHEN]\n"
    "       fsdctl request --batch FILE.csv [--rate PER_SECOND]\n\n"
    "Submits a repair request; answers with the job id, territory, warranty status,\n"
    "priority and SLA deadlines. Categories: washing_machine dryer washer_dryer\n"
    "dishwasher fridge freezer oven hob cooker_hood microwave air_conditioner\n"
    "heat_pump boiler water_heater coffee_machine.\n"
    "--reported-at: when the fault was reported (the SLA clock starts there; default now).\n"
    "--urgency high: an urgent fault (high priority, and the SLA policies for urgency high).\n"
    "--window asks for an appointment window in the place's local time: \"Tue 14:00-16:00\"\n"
    "(the next Tuesday whose window is ahead), \"today 15:00-17:00\", \"tomorrow 09:00-12:00\"\n"
    "or \"2026-11-24 14:00-16:00\"; 30 minutes to 12 hours, within 90 days. The job is\n"
    "then booked only with a technician whose shift and calendar have room in it.\n"
    "--batch submits every row of a CSV file (columns name,phone,address,lat,lon,\n"
    "brand,category,serial,model,problem and an optional window) and prints one line\n"
    "per row.\n";

/* Submits every request of a CSV file, one line of output each. */
static int s_request_batch(ctl *c, const char *path, double rate)
{
    char err[512];
    load_file *f = load_file_read("requests", path, err, sizeof err);
    if (!f)
        return ctl_fail(c, 1, "file", "%s", err);
    if (load_file_error_count(f) > 0) {
        for (size_t i = 0; i < load_file_error_count(f); i++) {
            const Fsd__RowError *e = load_file_error(f, i);
            fprintf(stderr, "%s:%u: %s: %s\n", path, e->line, e->field, e->message);
        }
        load_file_destroy(&f);
        return ctl_fail(c, 1, "rows_refused", "%s has bad rows: nothing was submitted", path);
    }
    size_t ok = 0, refused = 0, n = load_file_row_count(f);
    int64_t start = wire_now_ms();
    for (size_t i = 0; i < n; i++) {
        unsigned line;
        Fsd__SubmitRequest *r = load_file_request(f, i, &line);
        if (rate > 0) {
            int64_t due = start + (int64_t)(1000.0 * (double)i / rate), now = wire_now_ms();
            if (due > now)
                usleep((useconds_t)(due - now) * 1000);
        }
        char id[33];
        Fsd__Envelope env;
        wire_envelope_init(&env, id);
        env.body_case = FSD__ENVELOPE__BODY_SUBMIT_REQUEST;
        env.submit_request = r;
        Fsd__Envelope *rep = ctl_call(c, &env);
        if (!rep) {
            load_file_destroy(&f);
            return 1;
        }
        if (rep->body_case == FSD__ENVELOPE__BODY_JOB_VIEW) {
            ok++;
            const Fsd__JobView *v = rep->job_view;
            if (c->json)
                printf(
                    "{\"line\":%u,\"job_id\":\"%s\",\"territory\":\"%s\",\"warranty\":\"%s\",\"state\":\"%s\"}\n",
                    line, v->job_id, v->territory, warranty_name((warranty_status)v->warranty),
                    job_state_name((job_state)v->state));
            else
                printf("line %-4u %s  %-26s %-13s %-8s %s\n", line, v->job_id, v->territory,
                       warranty_name((warranty_status)v->warranty), priority_name((priority)v->priority),
                       job_state_name((job_state)v->state));
        } else if (rep->body_case == FSD__ENVELOPE__BODY_ERROR) {
            refused++;
            const char *code = wire_enum_name(&fsd__error_code__descriptor, rep->error->code);
            if (c->json)
                printf("{\"line\":%u,\"error\":{\"code\":\"%s\"}}\n", line, code);
            else
                printf("line %-4u refused: %s (%s)\n", line, rep->error->message, code);
            if (rep->error->code == FSD__ERROR_CODE__ERR_FORBIDDEN && strcmp(rep->error->field, "key") == 0) {
                /* the key itself is refused: no later row would be taken */
                fflush(stdout);
                int rc = ctl_print_error(c, rep->error);
                fprintf(stderr, "fsdctl: stopped at line %u: %zu of %zu requests were accepted, none after\n",
                        line, ok, n);
                fsd__envelope__free_unpacked(rep, NULL);
                load_file_destroy(&f);
                return rc;
            }
        }
        fflush(stdout);
        fsd__envelope__free_unpacked(rep, NULL);
    }
    if (!c->json)
        printf("%zu requests: %zu accepted, %zu refused\n", n, ok, refused);
    load_file_destroy(&f);
    return 0;
}

int cmd_request(ctl *c, int argc, char **argv)
{
    if (s_help(argc, argv, s_request_usage))
        return 0;
    static const struct option opts[] = {
        { "name", 1, 0, 'n' },        { "phone", 1, 0, 'p' },
        { "address", 1, 0, 'a' },     { "lat", 1, 0, 'y' },
        { "lon", 1, 0, 'x' },         { "brand", 1, 0, 'b' },
        { "category", 1, 0, 'c' },    { "serial", 1, 0, 's' },
        { "model", 1, 0, 'm' },       { "problem", 1, 0, 'P' },
        { "reported-at", 1, 0, 'r' }, { "batch", 1, 0, 'B' },
        { "rate", 1, 0, 'R' },        { "urgency", 1, 0, 'U' },
        { "window", 1, 0, 'W' },      { 0, 0, 0, 0 },
    };
    Fsd__SubmitRequest r = FSD__SUBMIT_REQUEST__INIT;
    const char *batch = NULL;
    double rate = 0;
    bool has_lat = false, has_lon = false;
    int o;
    s_getopt_reset();
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'n': r.customer_name = optarg; break;
        case 'p': r.phone = optarg; break;
        case 'a': r.address = optarg; break;
        case 'y':
            if (!s_double(optarg, &r.lat))
                return ctl_fail(c, 2, "usage", "--lat needs a number");
            has_lat = true;
            break;
        case 'x':
            if (!s_double(optarg, &r.lon))
                return ctl_fail(c, 2, "usage", "--lon needs a number");
            has_lon = true;
            break;
        case 'b': r.brand = optarg; break;
        case 'c': r.category = optarg; break;
        case 's': r.serial = optarg; break;
        case 'm': r.model = optarg; break;
        case 'P': r.problem = optarg; break;
        case 'r':
            if (ctl_parse_time(optarg, &r.reported_at) < 0)
                return ctl_fail(c, 2, "usage", "--reported-at takes YYYY-MM-DD[THH:MM] (UTC)");
            break;
        case 'B': batch = optarg; break;
        case 'U':
            if (strcmp(optarg, "normal") != 0 && strcmp(optarg, "high") != 0)
                return ctl_fail(c, 2, "usage", "--urgency is normal or high");
            r.urgency = (Fsd__Priority)priority_parse(optarg);
            break;
        case 'W': r.window = optarg; break;
        case 'R':
            if (!s_double(optarg, &rate) || rate < 0)
                return ctl_fail(c, 2, "usage", "--rate needs a number");
            break;
        default:
            return ctl_fail(c, 2, "usage", "unknown option %s: see fsdctl request --help", argv[optind - 1]);
        }
    }
    if (batch)
        return s_request_batch(c, batch, rate);
    const char *missing = !r.customer_name[0] ? "--name"
                          : !r.phone[0]       ? "--phone"
                          : !r.address[0]     ? "--address"
                          : !has_lat          ? "--lat"
                          : !has_lon          ? "--lon"
                          : !r.brand[0]       ? "--brand"
                          : !r.category[0]    ? "--category"
                          : !r.problem[0]     ? "--problem"
                                              : NULL;
    if (missing)
        return ctl_fail(c, 2, "usage", "%s is required: see fsdctl request --help", missing);
    return ctl_request(c, FSD__ENVELOPE__BODY_SUBMIT_REQUEST, &r, FSD__ENVELOPE__BODY_JOB_VIEW);
}

/* The single JOB argument of a command, or a usage error. */
static const char *s_job_arg(ctl *c, int argc, char **argv, const char *usage)
{
    if (optind >= argc) {
        ctl_fail(c, 2, "usage", "%s", usage);
        return NULL;
    }
    return argv[optind];
}

int cmd_track(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl track JOB [--phone PHONE]\n\n"
                        "Shows the job's state, technician and full history. An intake desk names the\n"
                        "customer's phone too: without it (or with another) the job is not found.\n";
    if (s_help(argc, argv, usage))
        return 0;
    static const struct option opts[] = { { "phone", 1, 0, 'p' }, { 0, 0, 0, 0 } };
    Fsd__GetJob g = FSD__GET_JOB__INIT;
    int o;
    s_getopt_reset();
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'p')
            g.phone = optarg;
        else
            return ctl_fail(c, 2, "usage", "%s", usage);
    }
    const char *job = s_job_arg(c, argc, argv, usage);
    if (!job)
        return 2;
    g.job_id = (char *)job;
    return ctl_request(c, FSD__ENVELOPE__BODY_GET_JOB, &g, FSD__ENVELOPE__BODY_JOB_VIEW);
}

int cmd_jobs(ctl *c, int argc, char **argv)
{
    const char *usage =
        "usage: fsdctl jobs [--territory T] [--state S] [--agent TECH] [--phone P] [--limit N]\n\n"
        "Jobs, newest first. An intake desk lists the requests it submitted; a scoped\n"
        "dispatcher the jobs in its scope (see fsdctl keygen --help).\n";
    if (s_help(argc, argv, usage))
        return 0;
    static const struct option opts[] = {
        { "territory", 1, 0, 't' }, { "state", 1, 0, 's' }, { "agent", 1, 0, 'a' },
        { "phone", 1, 0, 'p' },     { "limit", 1, 0, 'l' }, { 0, 0, 0, 0 },
    };
    Fsd__ListJobs l = FSD__LIST_JOBS__INIT;
    int o;
    s_getopt_reset();
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 't': l.territory = optarg; break;
        case 's':
            if (!(l.state = (Fsd__JobState)job_state_parse(optarg)))
                return ctl_fail(c, 2, "usage", "unknown state '%s'", optarg);
            break;
        case 'a': l.technician_id = optarg; break;
        case 'p': l.phone = optarg; break;
        case 'l': l.limit = (uint32_t)atoi(optarg); break;
        default: return ctl_fail(c, 2, "usage", "%s", usage);
        }
    }
    return ctl_request(c, FSD__ENVELOPE__BODY_LIST_JOBS, &l, FSD__ENVELOPE__BODY_JOB_LIST);
}

int cmd_cancel(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl cancel JOB [--reason TEXT]\n\n"
                        "Customers may cancel before the technician is on site; dispatchers any open job.\n";
    if (s_help(argc, argv, usage))
        return 0;
    static const struct option opts[] = { { "reason", 1, 0, 'r' }, { 0, 0, 0, 0 } };
    Fsd__CancelJob cj = FSD__CANCEL_JOB__INIT;
    int o;
    s_getopt_reset();
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'r')
            cj.reason = optarg;
        else
            return ctl_fail(c, 2, "usage", "%s", usage);
    }
    const char *job = s_job_arg(c, argc, argv, usage);
    if (!job)
        return 2;
    cj.job_id = (char *)job;
    return ctl_request(c, FSD__ENVELOPE__BODY_CANCEL_JOB, &cj, FSD__ENVELOPE__BODY_JOB_VIEW);
}

int cmd_rate(ctl *c, int argc, char **argv)
{
    const char *usage =
        "usage: fsdctl rate JOB STARS [--comment TEXT]\n\nRates a completed job 1-5; this closes it.\n";
    if (s_help(argc, argv, usage))
        return 0;
    static const struct option opts[] = { { "comment", 1, 0, 'c' }, { 0, 0, 0, 0 } };
    Fsd__RateJob r = FSD__RATE_JOB__INIT;
    int o;
    s_getopt_reset();
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'c')
            r.comment = optarg;
        else
            return ctl_fail(c, 2, "usage", "%s", usage);
    }
    if (argc - optind != 2 || atoi(argv[optind + 1]) < 1 || atoi(argv[optind + 1]) > 5)
        return ctl_fail(c, 2, "usage", "%s", usage);
    r.job_id = argv[optind];
    r.stars = (uint32_t)atoi(argv[optind + 1]);
    return ctl_request(c, FSD__ENVELOPE__BODY_RATE_JOB, &r, FSD__ENVELOPE__BODY_JOB_VIEW);
}

int cmd_reassign(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl reassign JOB (--agent TECH | --territory T) --reason TEXT\n"
                        "                         [--check | --override]\n\n"
                        "Gives the job to a technician directly, or moves it to another territory to be\n"
                        "matched there; the previous holder is told the job was revoked. A move to a\n"
                        "technician is judged by the matcher's rules (territory, skill, warranty,\n"
                        "declined, offline, shift, capacity, window) and a refusal names the rule.\n"
                        "  --check     only ask whether the move would be allowed (exit 0) or which\n"
                        "              rule it breaks (exit 1); nothing changes, --reason optional\n"
                        "  --override  move past the soft rules (territory, declined, offline, shift;\n"
                        "              never skill, warranty, capacity, window); the job's history\n"
                        "              records the rules, the reason and who\n";
    if (s_help(argc, argv, usage))
        return 0;
    static const struct option opts[] = {
        { "agent", 1, 0, 'a' }, { "territory", 1, 0, 't' }, { "reason", 1, 0, 'r' },
        { "check", 0, 0, 'c' }, { "override", 0, 0, 'o' },  { 0, 0, 0, 0 },
    };
    Fsd__Reassign r = FSD__REASSIGN__INIT;
    int o;
    s_getopt_reset();
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'a': r.technician_id = optarg; break;
        case 't': r.territory = optarg; break;
        case 'r': r.reason = optarg; break;
        case 'c': r.check_only = true; break;
        case 'o': r.override = true; break;
        default: return ctl_fail(c, 2, "usage", "%s", usage);
        }
    }
    const char *job = s_job_arg(c, argc, argv, usage);
    if (!job)
        return 2;
    if (r.check_only && r.override)
        return ctl_fail(c, 2, "usage", "give --check or --override, not both");
    if (!r.technician_id[0] == !r.territory[0] || (!r.reason[0] && !r.check_only))
        return ctl_fail(c, 2, "usage", "give --agent or --territory (one of them) and --reason");
    r.job_id = (char *)job;
    if (r.check_only)
        return ctl_move_check(c, FSD__ENVELOPE__BODY_REASSIGN, &r);
    return ctl_request(c, FSD__ENVELOPE__BODY_REASSIGN, &r, FSD__ENVELOPE__BODY_JOB_VIEW);
}

/* Parses an optional --territory T for board and technicians. */
static int s_territory_opt(ctl *c, int argc, char **argv, const char *usage, char **out)
{
    static const struct option opts[] = { { "territory", 1, 0, 't' }, { 0, 0, 0, 0 } };
    int o;
    s_getopt_reset();
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 't')
            *out = optarg;
        else
            return ctl_fail(c, 2, "usage", "%s", usage);
    }
    return 0;
}

int cmd_board(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl board [--territory T]\n\n"
                        "Queues (escalated, waiting, offered, assigned, in progress) and technicians.\n";
    if (s_help(argc, argv, usage))
        return 0;
    Fsd__BoardRequest b = FSD__BOARD_REQUEST__INIT;
    int rc = s_territory_opt(c, argc, argv, usage, &b.territory);
    if (rc)
        return rc;
    return ctl_request(c, FSD__ENVELOPE__BODY_BOARD, &b, FSD__ENVELOPE__BODY_BOARD_VIEW);
}

int cmd_technicians(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl technicians [--territory T]\n";
    if (s_help(argc, argv, usage))
        return 0;
    Fsd__ListTechnicians l = FSD__LIST_TECHNICIANS__INIT;
    int rc = s_territory_opt(c, argc, argv, usage, &l.territory);
    if (rc)
        return rc;
    return ctl_request(c, FSD__ENVELOPE__BODY_LIST_TECHNICIANS, &l, FSD__ENVELOPE__BODY_TECHNICIAN_LIST);
}

int cmd_explain(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl explain JOB\n\n"
                        "The last matching decision for the job: every technician considered, the rule\n"
                        "that excluded it (offline, shift, territory, skill, warranty, declined, capacity,\n"
                        "window: no room in the job's appointment window) or its score (lower is better).\n";
    if (s_help(argc, argv, usage))
        return 0;
    s_getopt_reset();
    optind = 1;
    const char *job = s_job_arg(c, argc, argv, usage);
    if (!job)
        return 2;
    Fsd__Explain e = FSD__EXPLAIN__INIT;
    e.job_id = (char *)job;
    return ctl_request(c, FSD__ENVELOPE__BODY_EXPLAIN, &e, FSD__ENVELOPE__BODY_EXPLANATION);
}

int cmd_stats(ctl *c, int argc, char **argv)
{
    if (s_help(argc, argv, "usage: fsdctl stats\n\nThe server's counters since it started.\n"))
        return 0;
    Fsd__StatsRequest s = FSD__STATS_REQUEST__INIT;
    return ctl_request(c, FSD__ENVELOPE__BODY_STATS, &s, FSD__ENVELOPE__BODY_STATS_VIEW);
}
