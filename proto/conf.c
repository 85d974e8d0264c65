/*  conf.c — the "key = value" reader and writer (see conf.h). */
#include "fsd/conf.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Out of memory is fatal here as in the rest of fsd (libfsdwire does not
   link libfsdcore's fsd_x* helpers). */
static void *s_check(void *p)
{
    if (!p) {
        fputs("fsd: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* s without its leading and trailing spaces (in place). */
static char *s_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

static void s_add(conf *c, const char *key, const char *value, unsigned line)
{
    c->items = s_check(realloc(c->items, (c->n + 1) * sizeof *c->items));
    c->items[c->n++] = (conf_entry){ s_check(strdup(key)), s_check(strdup(value)), line };
}

int conf_read(const char *path, conf *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char buf[8192];
    unsigned line = 0;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        if (!strchr(buf, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%u: the line is longer than %zu characters", path, line,
                     sizeof buf - 2);
            goto fail;
        }
        char *s = s_trim(buf);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%u: expected 'key = value', not '%.80s'", path, line, s);
            goto fail;
        }
        *eq = 0;
        char *key = s_trim(s), *value = s_trim(eq + 1);
        if (!*key) {
            snprintf(err, errlen, "%s:%u: a value without a key", path, line);
            goto fail;
        }
        size_t vl = strlen(value);
        if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
            value[vl - 1] = 0;
            value++;
        }
        s_add(c, key, value, line);
    }
    fclose(f);
    return 0;
fail:
    fclose(f);
    conf_free(c);
    return -1;
}

const char *conf_get(const conf *c, const char *key)
{
    for (size_t i = c->n; i-- > 0;)
        if (strcmp(c->items[i].key, key) == 0)
            return c->items[i].value;
    return NULL;
}

void conf_set(conf *c, const char *key, const char *value)
{
    for (size_t i = c->n; i-- > 0;)
        if (strcmp(c->items[i].key, key) == 0) {
            free(c->items[i].value);
            c->items[i].value = s_check(strdup(value));
            return;
        }
    s_add(c, key, value, 0);
}

int conf_write(const char *path, const conf *c, char *err, size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    for (size_t i = 0; i < c->n; i++) {
        const char *v = c->items[i].value;
        bool quote = *v && (isspace((unsigned char)v[0]) || isspace((unsigned char)v[strlen(v) - 1]));
        fprintf(f, quote ? "%s = \"%s\"\n" : "%s = %s\n", c->items[i].key, v);
    }
    bool bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad = fclose(f) != 0 || bad;
    if (bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

void conf_free(conf *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].key);
        free(c->items[i].value);
    }
    free(c->items);
    c->items = NULL;
    c->n = 0;
}
