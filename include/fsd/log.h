/*  log.h — one line per event, key=value, to stderr (or a file: log_open).

        ts=2026-11-23T13:05:01.123Z level=info event=offer job=J000012 tech=T07

    The caller writes the key=value pairs after the event name; values with
    spaces should be quoted by the caller (log_quote helps). */
#ifndef FSD_LOG_H
#define FSD_LOG_H

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 } log_level;

void log_set_level(log_level level);
/* "debug", "info", "warn", "error"; -1 for anything else. */
int log_level_parse(const char *name);
void log_write(log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* From now on lines are appended to path (created mode 0600) instead of
   stderr. 0, or -1 with errno. */
int log_open(const char *path);
/* Opens the log_open path again (after it was renamed: log rotation) and
   goes on writing there; the old file is closed. Nothing happens without
   log_open. 0, or -1 with errno (the old file stays in use). */
int log_reopen(void);
/* The log_open path, or NULL while the log goes to stderr. */
const char *log_file(void);
/* Returns s in double quotes with " and \ escaped, in a static buffer that
   the next call of log_quote from the same slot reuses (slot 0..3). */
const char *log_quote(int slot, const char *s);

#define log_debug(ev, ...) log_write(LOG_DEBUG, ev, __VA_ARGS__)
#define log_info(ev, ...) log_write(LOG_INFO, ev, __VA_ARGS__)
#define log_warn(ev, ...) log_write(LOG_WARN, ev, __VA_ARGS__)
#define log_error(ev, ...) log_write(LOG_ERROR, ev, __VA_ARGS__)

#endif
