/*  log.c — key=value event lines on stderr (see include/fsd/log.h). */
#include "fsd/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static log_level threshold = LOG_INFO;
static const char *names[] = { "debug", "info", "warn", "error" };

void log_set_level(log_level level)
{
    threshold = level;
}

int log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

void log_write(log_level level, const char *event, const char *fmt, ...)
{
    if (level < threshold)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char line[2048];
    int n = snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s event=%s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, names[level], event);
    if (fmt && *fmt && n > 0 && (size_t)n < sizeof line - 2) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
    }
    fprintf(stderr, "%s\n", line);
}

const char *log_quote(int slot, const char *s)
{
    static char buf[4][512];
    char *out = buf[slot & 3];
    size_t k = 0;
    out[k++] = '"';
    for (; s && *s && k < sizeof buf[0] - 3; s++) {
        if (*s == '"' || *s == '\\')
            out[k++] = '\\';
        out[k++] = (*s == '\n') ? ' ' : *s;
    }
    out[k++] = '"';
    out[k] = 0;
    return out;
}
