/*  args.c — the one way fsdctl's commands read their own arguments
    (args.h): getopt_long per command, the same errors everywhere. */
#include "args.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ctl_args_begin(ctl_args *a, ctl *c, int argc, char **argv, const char *usage, const struct option *opts)
{
    memset(a, 0, sizeof *a);
    a->c = c;
    a->argc = argc;
    a->argv = argv;
    a->usage = usage;
    a->opts = opts;
    a->name = argv[0];
    a->status = 0;
    optind = 0; /* 0: getopt starts over, argv[0] is not an option */
    opterr = 0;
}

/* The first word of the command's name, for "see fsdctl NAME --help". */
static int s_top_len(const char *name)
{
    const char *sp = strchr(name, ' ');
    return sp ? (int)(sp - name) : (int)strlen(name);
}

int ctl_args_fail(ctl_args *a, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    a->status = 2;
    return ctl_fail(a->c, 2, "usage", "%s: %s (see fsdctl %.*s --help)", a->name, msg, s_top_len(a->name),
                    a->name);
}

const char *ctl_args_option(const ctl_args *a)
{
    int i = optind - 1;
    return i > 0 && i < a->argc ? a->argv[i] : "?";
}

int ctl_args_unknown(ctl_args *a)
{
    return ctl_args_fail(a, "unknown option '%s'", ctl_args_option(a));
}

int ctl_args_next(ctl_args *a)
{
    /* --help anywhere before "--" wins, as in every command before */
    if (optind == 0)
        for (int i = 1; i < a->argc && strcmp(a->argv[i], "--") != 0; i++)
            if (strcmp(a->argv[i], "--help") == 0 || strcmp(a->argv[i], "-h") == 0) {
                fputs(a->usage, stdout);
                a->status = 0;
                return -1;
            }
    int index = -1;
    int o = getopt_long(a->argc, a->argv, ":", a->opts, &index);
    if (o == -1)
        return 0;
    if (index >= 0)
        snprintf(a->current, sizeof a->current, "--%s", a->opts[index].name);
    if (o == ':') {
        ctl_args_fail(a, "%s needs a value", ctl_args_option(a));
        return -1;
    }
    if (o == '?') {
        ctl_args_unknown(a);
        return -1;
    }
    return o;
}

int ctl_args_simple(ctl_args *a, ctl *c, int argc, char **argv, const char *usage, const char *opt_name,
                    char **value, int n_pos, const char *names)
{
    const struct option opts[] = { { opt_name ? opt_name : "", 1, 0, 'v' }, { 0, 0, 0, 0 } };
    ctl_args_begin(a, c, argc, argv, usage, opt_name ? opts : opts + 1);
    int o;
    while ((o = ctl_args_next(a)) > 0) {
        if (o != 'v') {
            ctl_args_unknown(a);
            return -1;
        }
        *value = optarg;
    }
    if (o < 0 || ctl_args_tail(a, n_pos, n_pos, names))
        return -1;
    return 0;
}

int ctl_args_tail(ctl_args *a, int min, int max, const char *names)
{
    a->pos = a->argv + optind;
    a->n_pos = a->argc - optind;
    if (a->n_pos < min) {
        ctl_args_fail(a, "%s %s missing", names, min - a->n_pos > 1 || strchr(names, ' ') ? "are" : "is");
        return -1;
    }
    if (max >= 0 && a->n_pos > max) {
        ctl_args_fail(a, "unexpected argument '%s'", a->pos[max]);
        return -1;
    }
    return 0;
}

/* The option's name without its value, for messages. */
static const char *s_opt(const ctl_args *a, char *buf, size_t len)
{
    const char *o = a->current[0] ? a->current : ctl_args_option(a);
    const char *eq = strchr(o, '=');
    snprintf(buf, len, "%.*s", eq ? (int)(eq - o) : (int)strlen(o), o);
    return buf;
}

int ctl_args_uint(ctl_args *a, const char *text, uint32_t lo, uint32_t hi, uint32_t *out)
{
    char *end, name[64];
    unsigned long long v = strtoull(text, &end, 10);
    if (!*text || *end || text[0] == '-' || text[0] == '+' || v < lo || v > hi) {
        ctl_args_fail(a, "%s must be a whole number from %u to %u, not '%s'", s_opt(a, name, sizeof name), lo,
                      hi, text);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

int ctl_args_double(ctl_args *a, const char *text, double lo, double hi, double *out)
{
    char *end, name[64];
    double v = strtod(text, &end);
    if (!*text || *end || !isfinite(v) || v < lo || v > hi) {
        ctl_args_fail(a, "%s must be a number from %g to %g, not '%s'", s_opt(a, name, sizeof name), lo, hi,
                      text);
        return -1;
    }
    *out = v;
    return 0;
}

int ctl_args_time(ctl_args *a, const char *text, const char *place_tz, int64_t *out)
{
    char name[64];
    const char *why;
    if (ctl_parse_time_in(text, place_tz, out, &why) < 0) {
        ctl_args_fail(a, "%s '%s': %s", s_opt(a, name, sizeof name), text, why);
        return -1;
    }
    return 0;
}
