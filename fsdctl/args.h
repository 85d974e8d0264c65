/*  args.h — the one way fsdctl's commands read their own arguments.

    Every command runs getopt_long over its own options through this, then
    ends with ctl_args_tail, which takes the positional arguments it expects
    and refuses any more. So every command behaves the same: --help prints
    the command's usage and exits 0; an unknown option, an option without
    its value, a missing or an extra argument, or a bad number is one line
    on stderr (one JSON document with --json) and exit status 2.

        ctl_args a;
        ctl_args_begin(&a, c, argc, argv, usage, opts);
        int o;
        while ((o = ctl_args_next(&a)) > 0) {
            switch (o) {
            case 'p': g.phone = optarg; break;
            case 'l': if (ctl_args_uint(&a, optarg, 1, 1000, &n)) return a.status; break;
            default: return ctl_args_unknown(&a);
            }
        }
        if (o < 0 || ctl_args_tail(&a, 1, 1, "JOB"))
            return a.status;
        const char *job = a.pos[0];

    Options may stand before or after the positional arguments; "--" ends
    the options (a job id that starts with a dash). */
#ifndef FSD_CTL_ARGS_H
#define FSD_CTL_ARGS_H

#include <getopt.h>
#include <stdint.h>
#include "ctl.h"

typedef struct {
    ctl *c;
    int argc;
    char **argv;
    const char *usage; /* the command's --help text; its first line names the form */
    const struct option *opts;
    const char *name; /* argv[0]: the command */
    int status;       /* after a stop: 0 (--help) or 2 (usage error) */
    char current[64]; /* the option ctl_args_next returned, "--limit" */
    char **pos;       /* after ctl_args_tail: the positional arguments */
    int n_pos;
} ctl_args;

/* Starts reading argv (argv[0] is the command's name) with options opts
   (terminated by a zero row). */
void ctl_args_begin(ctl_args *a, ctl *c, int argc, char **argv, const char *usage, const struct option *opts);

/* The next option's value (the `val` of its row, > 0), 0 when the options
   are done, or -1 when the command must stop with a->status: --help
   printed the usage (0), or an unknown option or a missing value was
   reported (2). optarg holds the option's value. */
int ctl_args_next(ctl_args *a);

/* The common shape in one call: a command with at most one option that
   takes a value (opt_name, e.g. "phone", into *value; NULL: no option)
   and exactly n_pos positional arguments (a->pos). 0 to go on, or -1:
   stop with a->status (0 after --help, 2 after a usage error). */
int ctl_args_simple(ctl_args *a, ctl *c, int argc, char **argv, const char *usage, const char *opt_name,
                    char **value, int n_pos, const char *names);

/* Takes the positional arguments: at least min, at most max (-1: any).
   `names` says what they are for the error ("JOB STARS"). 0, or -1 after
   reporting (a->status 2). */
int ctl_args_tail(ctl_args *a, int min, int max, const char *names);

/* Reports a usage error about this command: one line, a->status = 2,
   returns 2. */
int ctl_args_fail(ctl_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For an option the command's switch does not handle: reports it, returns 2. */
int ctl_args_unknown(ctl_args *a);

/* Reads the value of the current option as a whole number in [lo, hi].
   0, or -1 after reporting ("--limit must be a whole number from 1 to
   1000, not 'x'"). */
int ctl_args_uint(ctl_args *a, const char *text, uint32_t lo, uint32_t hi, uint32_t *out);
/* The same for a number with a fraction, in [lo, hi]. */
int ctl_args_double(ctl_args *a, const char *text, double lo, double hi, double *out);
/* The same for a time (ctl_parse_time: RFC 3339, local date and time,
   a date, now, today), in the zone ctl_zone gives for place_tz. */
int ctl_args_time(ctl_args *a, const char *text, const char *place_tz, int64_t *out);

/* The name of the current option as typed ("--limit"). */
const char *ctl_args_option(const ctl_args *a);

#endif
