/*  log.c — key=value event lines on stderr or a file (see include/fsd/log.h).

    Each line goes out in one write(2) on one descriptor: lines from
    several threads never interleave, and a reopen (log rotation) swaps the
    file under that descriptor with dup3, which is atomic, so no lock is
    needed and no line is lost between the two files. */
#include "fsd/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static log_level threshold = LOG_INFO;
static int log_fd = 2;
static char log_path[4096];
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
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, names[level], event);
    if (fmt && *fmt && n > 0 && (size_t)n < sizeof line - 2) {
        line[n++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
    }
    size_t len = strnlen(line, sizeof line - 1);
    line[len++] = '\n';
    ssize_t w = write(log_fd, line, len);
    (void)w; /* nowhere to report that the log cannot be written */
}

/* Opens path for appending, mode 0600 (the log names customers' jobs). */
static int s_open(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

int log_open(const char *path)
{
    if (strlen(path) >= sizeof log_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = s_open(path);
    if (fd < 0)
        return -1;
    snprintf(log_path, sizeof log_path, "%s", path);
    log_fd = fd;
    return 0;
}

int log_reopen(void)
{
    if (!log_path[0])
        return 0;
    int fd = s_open(log_path);
    if (fd < 0)
        return -1;
    int rc = dup3(fd, log_fd, O_CLOEXEC) < 0 ? -1 : 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

const char *log_file(void)
{
    return log_path[0] ? log_path : NULL;
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
