/*  tzone.h — local time in an IANA zone, and technicians' shifts.

    A territory has an IANA time zone; "today", shifts and report dates are
    computed there, never in the server's zone. tzone_* switches the
    process's TZ (the server is single-threaded) and caches the last zone
    so a run of lookups in one zone costs a localtime_r each. */
#ifndef FSD_TZONE_H
#define FSD_TZONE_H

#include <stdbool.h>
#include <stdint.h>
#include "fsd/warranty.h"

typedef struct {
    civil_date date;
    int dow;    /* 0 = Monday .. 6 = Sunday */
    int minute; /* minute of the day, 0..1439 */
} tzone_local;

/* True when `name` is a zone this machine knows (tzdata present). */
bool tzone_valid(const char *name);

/* The C library's broken-down local time of `utc_ms` in zone `name`,
   with tm_zone ("CET") and tm_gmtoff. 0 or -1 (unknown zone). */
struct tm;
int tzone_localtime(const char *name, int64_t utc_ms, struct tm *out);

/* Local date, weekday and minute of `utc_ms` in zone `name`. 0 or -1. */
int tzone_localize(const char *name, int64_t utc_ms, tzone_local *out);

/* A weekly shift: days mask (bit 0 = Monday .. bit 6 = Sunday) and a
   window [start, end) in local minutes. end <= start means the shift runs
   past midnight into the next day (22:00-06:00); start 0, end 1440 is all day. */
typedef struct {
    uint8_t days;
    int start_min;
    int end_min;
} shift;

/* Parses "Mon-Fri 08:00-17:00", "Mon,Wed,Sat 07:30-15:30", "daily 22:00-06:00",
   "08:00-17:00" (every day), "24h" (always). 0 or -1, with *why set to a
   static sentence on failure. */
int shift_parse(const char *text, shift *out, const char **why);

/* True when local time `at` falls in the shift. A shift past midnight
   belongs to the day it starts on (Fri 22:00-06:00 covers Sat 03:00). */
bool shift_covers(const shift *s, const tzone_local *at);

#endif
