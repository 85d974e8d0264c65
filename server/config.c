/*  config.c — the configuration file as options (see config.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/conf.h"
#include "fsd/xalloc.h"

/* The merged argv, kept for the life of the process: the options point
   into it. */
static char **s_merged;

/* The file given by --config FILE or --config=FILE in argv, or NULL. */
static const char *s_file(int argc, char **argv)
{
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            file = argv[i] + 9;
    }
    return file;
}

static const struct option *s_find(const struct option *opts, const char *name)
{
    for (; opts->name; opts++)
        if (strcmp(opts->name, name) == 0)
            return opts;
    return NULL;
}

int config_merge(const struct option *opts, int *argc, char ***argv, char *err, size_t errlen)
{
    const char *path = s_file(*argc, *argv);
    if (!path)
        return 0;
    conf c;
    if (conf_read(path, &c, err, errlen) < 0)
        return -1;
    char **av = fsd_xcalloc(c.n + (size_t)*argc + 1, sizeof *av);
    int n = 0;
    av[n++] = (*argv)[0];
    for (size_t i = 0; i < c.n; i++) {
        const conf_entry *e = &c.items[i];
        const struct option *o = s_find(opts, e->key);
        if (!o || strcmp(e->key, "config") == 0 || strcmp(e->key, "help") == 0
            || strcmp(e->key, "version") == 0) {
            snprintf(err, errlen,
                     "%s:%u: unknown key '%s': the keys are fsd-server's long options (see fsd-server(8))",
                     path, e->line, e->key);
            goto fail;
        }
        size_t len = strlen(e->key) + strlen(e->value) + 4;
        char *arg = fsd_xmalloc(len);
        if (o->has_arg == no_argument) {
            if (strcmp(e->value, "true") == 0 || strcmp(e->value, "yes") == 0 || strcmp(e->value, "1") == 0)
                snprintf(arg, len, "--%s", e->key);
            else if (strcmp(e->value, "false") == 0 || strcmp(e->value, "no") == 0
                     || strcmp(e->value, "0") == 0) {
                free(arg);
                continue;
            } else {
                snprintf(err, errlen, "%s:%u: %s is true or false, not '%s'", path, e->line, e->key,
                         e->value);
                free(arg);
                goto fail;
            }
        } else {
            snprintf(arg, len, "--%s=%s", e->key, e->value);
        }
        av[n++] = arg;
    }
    for (int i = 1; i < *argc; i++)
        av[n++] = (*argv)[i];
    av[n] = NULL;
    conf_free(&c);
    free(s_merged);
    s_merged = av;
    *argc = n;
    *argv = av;
    return 0;
fail:
    for (int i = 1; i < n; i++)
        free(av[i]);
    free(av);
    conf_free(&c);
    return -1;
}
