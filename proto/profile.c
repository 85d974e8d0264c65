/*  profile.c — client profiles (see profile.h). */
#include "fsd/profile.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsd/conf.h"

int profile_dir(char *out, size_t len)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        return snprintf(out, len, "%s/fsd", xdg) < (int)len ? 0 : -1;
    if (home && home[0])
        return snprintf(out, len, "%s/.config/fsd", home) < (int)len ? 0 : -1;
    return -1;
}

bool profile_name_ok(const char *name)
{
    if (!name[0] || strlen(name) >= 100 || name[0] == '.')
        return false;
    for (const char *s = name; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.'
              || *s == '-' || *s == '_'))
            return false;
    return true;
}

void profile_current(char *out, size_t len, bool *from_env)
{
    const char *env = getenv("FSD_PROFILE");
    *from_env = env && env[0];
    out[0] = 0;
    if (*from_env) {
        snprintf(out, len, "%s", env);
        return;
    }
    char dir[4096], path[4200];
    if (profile_dir(dir, sizeof dir) < 0)
        return;
    snprintf(path, sizeof path, "%s/current", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (!fgets(out, (int)len, f))
        out[0] = 0;
    out[strcspn(out, "\r\n")] = 0;
    fclose(f);
}

/* DIR/profiles/NAME.conf into out. */
static int s_path(const char *name, char *out, size_t len, char *err, size_t errlen)
{
    char dir[4000];
    if (!profile_name_ok(name)) {
        snprintf(err, errlen, "'%.100s' is not a profile name: letters, digits, '.', '-' and '_'", name);
        return -1;
    }
    if (profile_dir(dir, sizeof dir) < 0) {
        snprintf(err, errlen, "neither XDG_CONFIG_HOME nor HOME is set: no place for profiles");
        return -1;
    }
    snprintf(out, len, "%s/profiles/%s.conf", dir, name);
    return 0;
}

int profile_load(const char *name, profile *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (s_path(name, p->path, sizeof p->path, err, errlen) < 0)
        return -1;
    snprintf(p->name, sizeof p->name, "%s", name);
    if (access(p->path, F_OK) < 0)
        return 0;
    conf c;
    if (conf_read(p->path, &c, err, errlen) < 0)
        return -1;
    static const char *const known[] = { "server", "server_key", "key", "tz" };
    for (size_t i = 0; i < c.n; i++) {
        bool ok = false;
        for (size_t k = 0; k < 4; k++)
            ok |= strcmp(c.items[i].key, known[k]) == 0;
        if (!ok) {
            snprintf(err, errlen, "%s:%u: unknown key '%s': a profile has server, server_key, key and tz",
                     p->path, c.items[i].line, c.items[i].key);
            conf_free(&c);
            return -1;
        }
    }
    const char *v;
    if ((v = conf_get(&c, "server")))
        snprintf(p->server, sizeof p->server, "%s", v);
    if ((v = conf_get(&c, "server_key")))
        snprintf(p->server_key, sizeof p->server_key, "%s", v);
    if ((v = conf_get(&c, "key")))
        snprintf(p->key, sizeof p->key, "%s", v);
    if ((v = conf_get(&c, "tz")))
        snprintf(p->tz, sizeof p->tz, "%s", v);
    conf_free(&c);
    return 1;
}

int profile_in_use(profile *p, char *err, size_t errlen)
{
    char name[128];
    bool from_env;
    profile_current(name, sizeof name, &from_env);
    if (!name[0])
        return 0;
    int rc = profile_load(name, p, err, errlen);
    if (rc == 0) {
        snprintf(err, errlen, "there is no profile '%s' (named by %s): see fsdctl profile list", name,
                 from_env ? "FSD_PROFILE" : "~/.config/fsd/current");
        return -1;
    }
    return rc;
}

/* mkdir -p of the profiles' folder, 0700. */
static int s_mkdirs(char *err, size_t errlen)
{
    char dir[4096], sub[4200];
    if (profile_dir(dir, sizeof dir) < 0) {
        snprintf(err, errlen, "neither XDG_CONFIG_HOME nor HOME is set: no place for profiles");
        return -1;
    }
    for (char *s = dir + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            mkdir(dir, 0700);
            *s = '/';
        }
    mkdir(dir, 0700);
    snprintf(sub, sizeof sub, "%s/profiles", dir);
    if (mkdir(sub, 0700) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", sub, strerror(errno));
        return -1;
    }
    return 0;
}

int profile_save(const profile *p, char *err, size_t errlen)
{
    char path[4200];
    if (s_path(p->name, path, sizeof path, err, errlen) < 0 || s_mkdirs(err, errlen) < 0)
        return -1;
    conf c = { 0 };
    conf_set(&c, "server", p->server);
    conf_set(&c, "server_key", p->server_key);
    conf_set(&c, "key", p->key);
    if (p->tz[0])
        conf_set(&c, "tz", p->tz);
    int rc = conf_write(path, &c, err, errlen);
    conf_free(&c);
    return rc;
}

int profile_use(const char *name, char *err, size_t errlen)
{
    char path[4200], dir[4096];
    if (s_path(name, path, sizeof path, err, errlen) < 0)
        return -1;
    if (access(path, F_OK) < 0) {
        snprintf(err, errlen, "there is no profile '%s': see fsdctl profile list", name);
        return -1;
    }
    profile_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/current", dir);
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%s\n", name) < 0 || fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int profile_remove(const char *name, char *err, size_t errlen)
{
    char path[4200], dir[4096], cur[128];
    if (s_path(name, path, sizeof path, err, errlen) < 0)
        return -1;
    if (unlink(path) < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
        return -1;
    }
    /* the current file, whatever FSD_PROFILE says */
    if (profile_dir(dir, sizeof dir) < 0)
        return 1;
    snprintf(path, sizeof path, "%s/current", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    if (!fgets(cur, sizeof cur, f))
        cur[0] = 0;
    fclose(f);
    cur[strcspn(cur, "\r\n")] = 0;
    if (strcmp(cur, name) == 0)
        unlink(path);
    return 1;
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

int profile_list(char names[][128], int max, char *err, size_t errlen)
{
    char dir[4200];
    if (profile_dir(dir, sizeof dir - 16) < 0) {
        snprintf(err, errlen, "neither XDG_CONFIG_HOME nor HOME is set: no place for profiles");
        return -1;
    }
    strcat(dir, "/profiles");
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".conf") != 0 || len - 5 >= 128)
            continue;
        if (n < max) {
            memcpy(names[n], e->d_name, len - 5);
            names[n][len - 5] = 0;
        }
        n++;
    }
    closedir(d);
    qsort(names, (size_t)(n < max ? n : max), sizeof names[0], s_cmp);
    return n;
}
