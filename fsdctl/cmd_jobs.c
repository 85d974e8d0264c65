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
#include "args.h"
#include "load_file.h"

static const char *s_request_usage =
    "usage: fsdctl request --name NAME --phone PHONE --address TEXT --lat LAT --lon LON\n"
    "                      --brand BRAND --category CATEGORY [--serial SERIAL] [--model MODEL]\n"
    "                      --problem TEXT [--reported-at TIME] [--urgency normal|high]\n"
    "                      [--window WHEN]\n"
    "       fsdctl request --batch FILE.csv [--rate PER_SECOND]\n\n"
    "Submits a repair request; answers with the job id, territory, warranty status,\n"
    "priority and SLA deadlines. Categories: washing_machine dryer washer_dryer\n"
    "dishwasher fridge freezer oven hob cooker_hood microwave air_conditioner\n"
    "heat_pump boiler water_heater coffee_machine (built in), or those an admin\n"
    "loaded with 'fsdctl category load'.\n"
    "--reported-at: when the fault was reported (the SLA clock starts there; default now).\n"
    "--urgency high: an urgent fault (high priority, and the SLA policies for urgency high).\n"
    "--window asks for an appointment window in the place's local time: \"Tue 14:00-16:00\"\n"
    "(the next Tuesday whose window is ahead), \"today 15:00-17:00\", \"tomorrow 09:00-12:00\"\n"
    "or \"2026-11-24 14:00-16:00\"; 30 minutes to 12 hours, within 90 days. The job is\n"
    "then booked only with a technician whose shift and calendar have room in it.\n"
    "--batch submits every row of a CSV file (columns name,phone,address,lat,lon,\n"
    "brand,category,serial,model,problem and an optional window) and prints one line\n"
    "per row; it exits with 1 when a row was refused, naming FILE:LINE on stderr.\n";

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
            fprintf(stderr, "%s:%u: %s%s%s\n", path, line, rep->error->field,
                    rep->error->field[0] ? ": " : "", rep->error->message);
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
    if (refused) /* a script must see that some rows did not become jobs */
        fprintf(stderr, "fsdctl: %zu of %zu requests of %s were refused (lines above)\n", refused, n, path);
    return refused ? 1 : 0;
}

int cmd_request(ctl *c, int argc, char **argv)
{
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
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, s_request_usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        switch (o) {
        case 'n': r.customer_name = optarg; break;
        case 'p': r.phone = optarg; break;
        case 'a': r.address = optarg; break;
        case 'y':
            if (ctl_args_double(&a, optarg, -90, 90, &r.lat))
                return a.status;
            has_lat = true;
            break;
        case 'x':
            if (ctl_args_double(&a, optarg, -180, 180, &r.lon))
                return a.status;
            has_lon = true;
            break;
        case 'b': r.brand = optarg; break;
        case 'c': r.category = optarg; break;
        case 's': r.serial = optarg; break;
        case 'm': r.model = optarg; break;
        case 'P': r.problem = optarg; break;
        case 'r':
            if (ctl_args_time(&a, optarg, NULL, &r.reported_at))
                return a.status;
            break;
        case 'B': batch = optarg; break;
        case 'U':
            if (strcmp(optarg, "normal") != 0 && strcmp(optarg, "high") != 0)
                return ctl_args_fail(&a, "--urgency is normal or high, not '%s'", optarg);
            r.urgency = (Fsd__Priority)priority_parse(optarg);
            break;
        case 'W': r.window = optarg; break;
        case 'R':
            if (ctl_args_double(&a, optarg, 0, 100000, &rate))
                return a.status;
            break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 0, 0, ""))
        return a.status;
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
        return ctl_args_fail(&a, "%s is required", missing);
    return ctl_request(c, FSD__ENVELOPE__BODY_SUBMIT_REQUEST, &r, FSD__ENVELOPE__BODY_JOB_VIEW);
}

int cmd_track(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl track JOB [--phone PHONE]\n\n"
                        "Shows the job's state, technician and full history. An intake desk names the\n"
                        "customer's phone too: without it (or with another) the job is not found.\n"
                        "Times are in the job's zone (or --tz), with the zone shown.\n";
    Fsd__GetJob g = FSD__GET_JOB__INIT;
    ctl_args a;
    if (ctl_args_simple(&a, c, argc, argv, usage, "phone", &g.phone, 1, "JOB"))
        return a.status;
    g.job_id = a.pos[0];
    return ctl_request(c, FSD__ENVELOPE__BODY_GET_JOB, &g, FSD__ENVELOPE__BODY_JOB_VIEW);
}

int cmd_jobs(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl jobs [--territory T] [--state S] [--agent TECH] [--phone P]\n"
                        "                   [--limit N] [--after JOB]\n\n"
                        "Jobs, newest first, one line each under a header. An intake desk lists the\n"
                        "requests it submitted; a scoped dispatcher the jobs in its scope (see fsdctl\n"
                        "keygen --help). --agent: the technician. --limit N (1-1000, default 50) shows\n"
                        "one page; when more follow, the last line says so and names the --after JOB\n"
                        "that shows the next page.\n";
    static const struct option opts[] = {
        { "territory", 1, 0, 't' },  { "state", 1, 0, 's' }, { "agent", 1, 0, 'a' },
        { "technician", 1, 0, 'a' }, { "phone", 1, 0, 'p' }, { "limit", 1, 0, 'l' },
        { "after", 1, 0, 'A' },      { 0, 0, 0, 0 },
    };
    Fsd__ListJobs l = FSD__LIST_JOBS__INIT;
    ctl_page page = { .limit = 50 };
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        switch (o) {
        case 't': l.territory = optarg; break;
        case 's':
            if (!(l.state = (Fsd__JobState)job_state_parse(optarg)))
                return ctl_args_fail(&a, "unknown state '%s'", optarg);
            break;
        case 'a': l.technician_id = optarg; break;
        case 'p': l.phone = optarg; break;
        case 'l':
            if (ctl_args_uint(&a, optarg, 1, 1000, &page.limit))
                return a.status;
            break;
        case 'A': page.after = optarg; break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 0, 0, ""))
        return a.status;
    return ctl_jobs_page(c, &l, &page);
}

int cmd_cancel(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl cancel JOB [--reason TEXT]\n\n"
                        "Customers may cancel before the technician is on site; dispatchers any open job.\n";
    Fsd__CancelJob cj = FSD__CANCEL_JOB__INIT;
    ctl_args a;
    if (ctl_args_simple(&a, c, argc, argv, usage, "reason", &cj.reason, 1, "JOB"))
        return a.status;
    cj.job_id = a.pos[0];
    return ctl_request(c, FSD__ENVELOPE__BODY_CANCEL_JOB, &cj, FSD__ENVELOPE__BODY_JOB_VIEW);
}

int cmd_rate(ctl *c, int argc, char **argv)
{
    const char *usage =
        "usage: fsdctl rate JOB STARS [--comment TEXT]\n\nRates a completed job 1-5; this closes it.\n";
    Fsd__RateJob r = FSD__RATE_JOB__INIT;
    ctl_args a;
    if (ctl_args_simple(&a, c, argc, argv, usage, "comment", &r.comment, 2, "JOB and STARS"))
        return a.status;
    r.job_id = a.pos[0];
    char *end;
    long stars = strtol(a.pos[1], &end, 10);
    if (!a.pos[1][0] || *end || stars < 1 || stars > 5)
        return ctl_args_fail(&a, "STARS must be a whole number from 1 to 5, not '%s'", a.pos[1]);
    r.stars = (uint32_t)stars;
    return ctl_request(c, FSD__ENVELOPE__BODY_RATE_JOB, &r, FSD__ENVELOPE__BODY_JOB_VIEW);
}

int cmd_reassign(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl reassign JOB (--agent TECH | --territory T) --reason TEXT\n"
                        "                         [--check | --override]\n\n"
                        "Gives the job to a technician (--agent, also --technician) directly, or moves\n"
                        "it to another territory to be matched there; the previous holder is told the\n"
                        "job was revoked. A move to a technician is judged by the matcher's rules\n"
                        "(territory, skill, warranty, declined, offline, shift, capacity, window) and a\n"
                        "refusal names the rule.\n"
                        "  --check     only ask whether the move would be allowed (exit 0) or which\n"
                        "              rule it breaks (exit 1); nothing changes, --reason optional\n"
                        "  --override  move past the soft rules (territory, declined, offline, shift;\n"
                        "              never skill, warranty, capacity, window); the job's history\n"
                        "              records the rules, the reason and who\n";
    static const struct option opts[] = {
        { "agent", 1, 0, 'a' },  { "technician", 1, 0, 'a' }, { "territory", 1, 0, 't' },
        { "reason", 1, 0, 'r' }, { "check", 0, 0, 'c' },      { "override", 0, 0, 'o' },
        { 0, 0, 0, 0 },
    };
    Fsd__Reassign r = FSD__REASSIGN__INIT;
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        switch (o) {
        case 'a': r.technician_id = optarg; break;
        case 't': r.territory = optarg; break;
        case 'r': r.reason = optarg; break;
        case 'c': r.check_only = true; break;
        case 'o': r.override = true; break;
        default: return ctl_args_unknown(&a);
        }
    }
    if (o < 0 || ctl_args_tail(&a, 1, 1, "JOB"))
        return a.status;
    if (r.check_only && r.override)
        return ctl_args_fail(&a, "give --check or --override, not both");
    if (!r.technician_id[0] == !r.territory[0] || (!r.reason[0] && !r.check_only))
        return ctl_args_fail(&a, "give --agent or --territory (one of them) and --reason");
    r.job_id = a.pos[0];
    if (r.check_only)
        return ctl_move_check(c, FSD__ENVELOPE__BODY_REASSIGN, &r);
    return ctl_request(c, FSD__ENVELOPE__BODY_REASSIGN, &r, FSD__ENVELOPE__BODY_JOB_VIEW);
}

int cmd_board(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl board [--territory T]\n\n"
                        "Open jobs, each once, in its most urgent queue (escalated, breached, at risk,\n"
                        "waiting, offered, assigned, in progress) with its next deadline and age, and\n"
                        "the technicians.\n";
    Fsd__BoardRequest b = FSD__BOARD_REQUEST__INIT;
    ctl_args a;
    if (ctl_args_simple(&a, c, argc, argv, usage, "territory", &b.territory, 0, ""))
        return a.status;
    return ctl_request(c, FSD__ENVELOPE__BODY_BOARD, &b, FSD__ENVELOPE__BODY_BOARD_VIEW);
}

int cmd_technicians(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl technicians [--territory T]\n\nTechnicians, online status and load.\n";
    Fsd__ListTechnicians l = FSD__LIST_TECHNICIANS__INIT;
    ctl_args a;
    if (ctl_args_simple(&a, c, argc, argv, usage, "territory", &l.territory, 0, ""))
        return a.status;
    return ctl_request(c, FSD__ENVELOPE__BODY_LIST_TECHNICIANS, &l, FSD__ENVELOPE__BODY_TECHNICIAN_LIST);
}

/* The zone of a job's territory into tz ("" when it cannot be read). */
static void s_job_zone(ctl *c, const char *job, char *tz, size_t len)
{
    char id[33];
    Fsd__GetJob g = FSD__GET_JOB__INIT;
    g.job_id = (char *)job;
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_GET_JOB;
    env.get_job = &g;
    Fsd__Envelope *rep = ctl_call(c, &env);
    if (rep && rep->body_case == FSD__ENVELOPE__BODY_JOB_VIEW)
        snprintf(tz, len, "%s", rep->job_view->tz);
    if (rep)
        fsd__envelope__free_unpacked(rep, NULL);
}

/* show_explanation as a printer of ctl_ask; arg: the job's zone. */
static void s_show_explanation(const Fsd__Envelope *rep, const void *arg)
{
    show_explanation(rep->explanation, arg);
}

int cmd_explain(ctl *c, int argc, char **argv)
{
    const char *usage = "usage: fsdctl explain JOB\n\n"
                        "The last matching decision for the job: the eligible technicians first, best\n"
                        "score first (lower is better), then the others nearest first, each with the\n"
                        "rule that excluded it (territory, skill, warranty, declined, offline, shift,\n"
                        "capacity, window: no room in the job's appointment window). \"neighbour\":\n"
                        "covers a neighbouring territory only.\n";
    ctl_args a;
    if (ctl_args_simple(&a, c, argc, argv, usage, NULL, NULL, 1, "JOB"))
        return a.status;
    Fsd__Explain e = FSD__EXPLAIN__INIT;
    e.job_id = a.pos[0];
    char tz[64] = "";
    if (!c->json)
        s_job_zone(c, a.pos[0], tz, sizeof tz);
    return ctl_ask(c, FSD__ENVELOPE__BODY_EXPLAIN, &e, FSD__ENVELOPE__BODY_EXPLANATION, s_show_explanation,
                   tz);
}

int cmd_stats(ctl *c, int argc, char **argv)
{
    ctl_args a;
    if (ctl_args_simple(&a, c, argc, argv, "usage: fsdctl stats\n\nThe server's counters since it started.\n",
                        NULL, NULL, 0, ""))
        return a.status;
    Fsd__StatsRequest s = FSD__STATS_REQUEST__INIT;
    return ctl_request(c, FSD__ENVELOPE__BODY_STATS, &s, FSD__ENVELOPE__BODY_STATS_VIEW);
}
