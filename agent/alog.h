/*  alog.h — the agent's log: one line per event, key=value, on stderr.

    A line looks like
        ts=2024-05-01T09:12:03.120Z level=info event=offer tech=T01 job=J000012
    The caller writes the key=value pairs after the event name with a
    printf format; values that may hold spaces are quoted by the caller.
    It does not rotate, buffer or write files: stderr is the whole story. */
#ifndef FSD_AGENT_ALOG_H
#define FSD_AGENT_ALOG_H

typedef enum { ALOG_DEBUG = 0, ALOG_INFO = 1, ALOG_WARN = 2 } alog_level;

/* Sets the lowest level printed (default info). */
void alog_set_level(alog_level level);

/* Parses "debug", "info" or "warn"; -1 when it is none of them. */
int alog_parse_level(const char *name);

/* Prints one event line when level is high enough. fmt may be NULL. */
void alog(alog_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
