/*  agent.h — what the fsd-agent commands share: the options and the
    entry point of each command family.

    agent_main.c parses the command line into an agent_opts and calls one of
    these; each returns the process exit status (0 ok, 1 failure,
    2 usage). Nothing here keeps state between calls. */
#ifndef FSD_AGENT_AGENT_H
#define FSD_AGENT_AGENT_H

#include <limits.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    char home[PATH_MAX]; /* absolute, created when needed */
    char server[256];
    char server_key[PATH_MAX];
    char key[PATH_MAX];
    bool json;
    bool has_position;
    double lat, lon;
    const char *note;   /* accept / decline / status */
    const char *reason; /* decline */
    /* sim */
    const char *keys_dir;
    int delay_min_ms, delay_max_ms;
    double decline_rate;
    int work_ms;
    char db[PATH_MAX];
    unsigned seed;
    bool has_seed;
    int duration_s;
    /* waive */
    const char *amount; /* as typed, e.g. "45.00" */
    int64_t amount_cents;
    bool all; /* conflicts: the history; conflicts ack: every open one */
} agent_opts;

/* `fsd-agent run`: the daemon, until SIGINT/SIGTERM. */
int agent_daemon_run(const agent_opts *o);

/* The short commands (jobs, pending, accept, decline, status): args are
   the command's positional arguments after its name. */
int agent_ctl_main(const agent_opts *o, const char *cmd, int argc, char **argv);

/* `fsd-agent sim`: a fleet of simulated technicians. */
int agent_sim_run(const agent_opts *o);

/* Prints a failure: one sentence on stderr, or {"error":{...}} on stdout
   with --json. code is an error code name ("not_found", "unavailable"). */
void agent_fail(const agent_opts *o, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The ipc endpoint of the daemon's control socket in o->home (into out). */
int agent_ctl_endpoint(const agent_opts *o, char *out, size_t outlen);

#endif
