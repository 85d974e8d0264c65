/*  alog.c — one line per event on stderr (see alog.h). */
#include "alog.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static alog_level s_level = ALOG_INFO;

/* Sets the lowest level printed. */
void alog_set_level(alog_level level)
{
    s_level = level;
}

/* Parses a level name. */
int alog_parse_level(const char *name)
{
    if (strcmp(name, "debug") == 0)
        return ALOG_DEBUG;
    if (strcmp(name, "info") == 0)
        return ALOG_INFO;
    if (strcmp(name, "warn") == 0)
        return ALOG_WARN;
    return -1;
}

/* Prints one event line, built whole so concurrent writers do not
   interleave within a line. */
void alog(alog_level level, const char *event, const char *fmt, ...)
{
    if (level < s_level)
        return;
    static const char *names[] = { "debug", "info", "warn" };
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char line[2048];
    int n = snprintf(line, sizeof line,
                     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s event=%s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, names[level], event);
    if (fmt && n > 0 && (size_t)n < sizeof line - 3) {
        line[n] = ' ';
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line + n + 1, sizeof line - (size_t)n - 2, fmt, ap);
        va_end(ap);
    }
    size_t len = strnlen(line, sizeof line - 2);
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
}
