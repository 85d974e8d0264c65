/*  cmd_profile.c — client profiles on the command line, like kubectl's
    contexts: `fsdctl profile add prod --server tcp://... --server-key
    FILE --key FILE --use`, then plain `fsdctl board` from any directory.

    Where a connection setting comes from, first that applies: the
    command line, the environment (FSD_SERVER, FSD_KEY, FSD_SERVER_KEY),
    the profile in use, the files under FSD_HOME (./fsd-data). */
#include "cmd_profile.h"
#include "args.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fsd/profile.h"

static bool s_env(const char *name)
{
    const char *v = getenv(name);
    return v && v[0];
}

int ctl_profile_defaults(ctl *c, unsigned given)
{
    static profile p;
    char err[1024];
    int rc = profile_in_use(&p, err, sizeof err);
    if (rc < 0)
        return ctl_fail(c, 1, "profile", "%s", err);
    if (rc == 0)
        return 0;
    if (!(given & PROFILE_GIVEN_SERVER) && !s_env("FSD_SERVER") && p.server[0])
        c->server = p.server;
    if (!(given & PROFILE_GIVEN_KEY) && !s_env("FSD_KEY") && p.key[0])
        c->key_file = p.key;
    if (!(given & PROFILE_GIVEN_SERVER_KEY) && !s_env("FSD_SERVER_KEY") && p.server_key[0])
        c->server_key = p.server_key;
    /* the profile's zone, unless --tz gave one (kept: c->tz outlives p) */
    static char zone[sizeof p.tz];
    if (p.tz[0] && !c->tz) {
        snprintf(zone, sizeof zone, "%s", p.tz);
        c->tz = zone;
    }
    return 0;
}

static const char *s_usage =
    "usage: fsdctl profile add NAME [--server EP] [--server-key FILE] [--key FILE] [--tz ZONE] [--use]\n"
    "       fsdctl profile use NAME | list | show [NAME] | remove NAME\n\n"
    "A profile names a server, its public key and your key, so that fsdctl works from\n"
    "any directory: ~/.config/fsd/profiles/NAME.conf ($XDG_CONFIG_HOME). 'add' takes\n"
    "the connection fsdctl would use now (the options given win), with absolute file\n"
    "names. The profile in use: $FSD_PROFILE, else the one 'use' chose. The command\n"
    "line and FSD_SERVER, FSD_KEY, FSD_SERVER_KEY still win over it. man fsdctl.\n";

/* An existing file's absolute name into out, or -1 after printing why. */
static int s_abs(ctl *c, const char *what, const char *file, char *out, size_t len)
{
    char buf[PATH_MAX];
    if (!realpath(file, buf))
        return ctl_fail(c, 1, "not_found", "the %s %s does not exist: give its file with --%s", what, file,
                        strcmp(what, "key") == 0 ? "key" : "server-key"),
               -1;
    snprintf(out, len, "%s", buf);
    return 0;
}

static int s_add(ctl *c, int argc, char **argv)
{
    static const struct option opts[] = { { "use", 0, 0, 'u' }, { 0, 0, 0, 0 } };
    bool use = false;
    ctl_args a;
    ctl_args_begin(&a, c, argc, argv, s_usage, opts);
    int o;
    while ((o = ctl_args_next(&a)) > 0) {
        if (o != 'u')
            return ctl_args_unknown(&a);
        use = true;
    }
    if (o < 0 || ctl_args_tail(&a, 1, 1, "NAME"))
        return a.status;
    const char *name = a.pos[0];
    /* --server, --key, --server-key and --tz are fsdctl's own options, read
       before the command: the connection in c is what they gave */
    const char *tz = c->tz;
    if (!profile_name_ok(name))
        return ctl_args_fail(&a, "'%s' is not a profile name: letters, digits, '.', '-' and '_'", name);
    profile p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", name);
    snprintf(p.server, sizeof p.server, "%s", c->server);
    if (s_abs(c, "server's public key", c->server_key, p.server_key, sizeof p.server_key) < 0
        || s_abs(c, "key", c->key_file, p.key, sizeof p.key) < 0)
        return 1;
    if (tz) {
        char zone[4200];
        snprintf(zone, sizeof zone, "/usr/share/zoneinfo/%s", tz);
        if (!tz[0] || strstr(tz, "..") || access(zone, R_OK) < 0)
            return ctl_args_fail(&a, "--tz needs an IANA time zone like Europe/Berlin, not '%s'", tz);
        snprintf(p.tz, sizeof p.tz, "%s", tz);
    }
    char err[1024];
    if (profile_save(&p, err, sizeof err) < 0 || (use && profile_use(name, err, sizeof err) < 0))
        return ctl_fail(c, 1, "profile", "%s", err);
    if (c->json) {
        json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "name", p.name, "server", p.server, "server_key",
                              p.server_key, "key", p.key, "tz", p.tz, "current", use);
        char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(t);
        free(t);
        json_decref(j);
    } else {
        printf("profile %s: %s with %s%s\n", name, p.server, p.key, use ? " (in use now)" : "");
    }
    return 0;
}

static void s_show_one(ctl *c, const profile *p, bool current)
{
    if (c->json) {
        json_t *j =
            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "name", p->name, "file", p->path, "server", p->server,
                      "server_key", p->server_key, "key", p->key, "tz", p->tz, "current", current);
        char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(t);
        free(t);
        json_decref(j);
        return;
    }
    printf(
        "profile     %s%s\nfile        %s\nserver      %s\nserver key  %s\nkey         %s\ntz          %s\n",
        p->name, current ? " (in use)" : "", p->path, p->server, p->server_key, p->key,
        p->tz[0] ? p->tz : "-");
}

static int s_list(ctl *c)
{
    static char names[256][128];
    char err[1024], cur[128];
    bool from_env;
    int n = profile_list(names, 256, err, sizeof err);
    if (n < 0)
        return ctl_fail(c, 1, "profile", "%s", err);
    profile_current(cur, sizeof cur, &from_env);
    json_t *arr = json_array();
    if (!c->json)
        printf("%-2s%-20s %s\n", "", "NAME", "SERVER");
    for (int i = 0; i < n && i < 256; i++) {
        profile p;
        if (profile_load(names[i], &p, err, sizeof err) <= 0)
            snprintf(p.server, sizeof p.server, "(unreadable: %.400s)", err);
        bool is_cur = strcmp(cur, names[i]) == 0;
        if (c->json)
            json_array_append_new(
                arr, json_pack("{s:s,s:s,s:b}", "name", names[i], "server", p.server, "current", is_cur));
        else
            printf("%-2s%-20s %s\n", is_cur ? "*" : "", names[i], p.server);
    }
    if (c->json) {
        json_t *doc = json_pack("{s:o,s:s}", "profiles", arr, "current", cur);
        char *t = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(t);
        free(t);
        json_decref(doc);
    } else {
        json_decref(arr);
        if (n == 0)
            printf("(no profiles: fsdctl profile add NAME --server EP --server-key FILE --key FILE)\n");
    }
    return 0;
}

int cmd_profile(ctl *c, int argc, char **argv)
{
    static const char *const verbs[] = { "add", "use", "list", "show", "remove" };
    const char *verb = argc >= 2 ? argv[1] : "";
    bool known = false;
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        known = known || strcmp(verb, verbs[i]) == 0;
    ctl_args a;
    if (!known) {
        if (ctl_args_simple(&a, c, argc, argv, s_usage, NULL, NULL, 0, "") || argc < 2)
            return argc < 2 ? ctl_args_fail(&a, "add, use, list, show or remove is missing") : a.status;
        return ctl_args_fail(&a, "'%s' is not add, use, list, show or remove", verb);
    }
    char name[32];
    snprintf(name, sizeof name, "profile %s", verb);
    argv[1] = name;
    argc--;
    argv++;
    char err[1024];
    if (strcmp(verb, "add") == 0)
        return s_add(c, argc, argv);
    if (strcmp(verb, "list") == 0) {
        if (ctl_args_simple(&a, c, argc, argv, s_usage, NULL, NULL, 0, ""))
            return a.status;
        return s_list(c);
    }
    if (strcmp(verb, "use") == 0 || strcmp(verb, "remove") == 0) {
        if (ctl_args_simple(&a, c, argc, argv, s_usage, NULL, NULL, 1, "NAME"))
            return a.status;
        const char *which = a.pos[0];
        if (verb[0] == 'u') {
            if (profile_use(which, err, sizeof err) < 0)
                return ctl_fail(c, 1, "profile", "%s", err);
            if (!c->json)
                printf("profile %s in use%s\n", which,
                       getenv("FSD_PROFILE") && getenv("FSD_PROFILE")[0] ? " (FSD_PROFILE still wins here)"
                                                                         : "");
        } else {
            int rc = profile_remove(which, err, sizeof err);
            if (rc < 0)
                return ctl_fail(c, 1, "profile", "%s", err);
            if (rc == 0)
                return ctl_fail(c, 1, "not_found", "there is no profile '%s': see fsdctl profile list",
                                which);
            if (!c->json)
                printf("profile %s removed\n", which);
        }
        if (c->json)
            puts("{}");
        return 0;
    }
    /* show [NAME] */
    static const struct option none[] = { { 0, 0, 0, 0 } };
    ctl_args_begin(&a, c, argc, argv, s_usage, none);
    int o = ctl_args_next(&a);
    if (o > 0)
        return ctl_args_unknown(&a);
    if (o < 0 || ctl_args_tail(&a, 0, 1, "NAME"))
        return a.status;
    char cur[128];
    bool from_env;
    profile_current(cur, sizeof cur, &from_env);
    const char *show = a.n_pos == 1 ? a.pos[0] : cur;
    if (!show[0])
        return ctl_fail(c, 1, "not_found", "no profile is in use: fsdctl profile use NAME, or FSD_PROFILE");
    profile p;
    int rc = profile_load(show, &p, err, sizeof err);
    if (rc < 0)
        return ctl_fail(c, 1, "profile", "%s", err);
    if (rc == 0)
        return ctl_fail(c, 1, "not_found", "there is no profile '%s': see fsdctl profile list", show);
    s_show_one(c, &p, strcmp(show, cur) == 0);
    return 0;
}
