/*  timetext.h — times and durations as people read and type them.

    Output: an instant is written in a named IANA zone with the zone's
    abbreviation, "2026-12-08 14:05 CET", so a reader never has to know
    which zone was meant; machines get RFC 3339 with the offset,
    "2026-12-08T14:05:00+01:00". A duration is written one way
    everywhere: the two largest units, "14d 12h", "3h 05m", "12m 30s",
    "45s".

    Input (timetext_parse) accepts, in a zone given for local times:
      RFC 3339 with an offset or Z    2026-12-08T14:05:00+01:00, 2026-12-08T13:05Z
      a local date and time           2026-12-08 14:05, 2026-12-08T14:05:30
      the same with the zone's own abbreviation, as printed
                                      2026-12-08 14:05 CET (picks the right
                                      one of an hour that happens twice)
      a local date (its midnight)     2026-12-08
      words                           now, today, yesterday, tomorrow (midnight)
    A local time skipped by daylight saving moves forward by the gap; one
    that happens twice is the first of the two unless the abbreviation
    says otherwise (calendar_local_to_utc).

    Pure: no clock (the caller passes now); the zone data is the system's
    tzdata (tzone.h). */
#ifndef FSD_TIMETEXT_H
#define FSD_TIMETEXT_H

#include <stddef.h>
#include <stdint.h>

/* Room enough for any text below. */
#define TIMETEXT_LEN 48

/* "2026-12-08 14:05 CET" for utc_ms in zone tz; "-" when utc_ms <= 0 (no
   such time); in UTC ("... UTC") when the zone is unknown. Returns buf. */
const char *timetext_local(int64_t utc_ms, const char *tz, char *buf, size_t len);

/* "2026-12-08T14:05:00+01:00" (RFC 3339, the zone's offset; "Z" for
   UTC); "" when utc_ms <= 0. Returns buf. */
const char *timetext_rfc3339(int64_t utc_ms, const char *tz, char *buf, size_t len);

/* "14d 12h", "3h 05m", "12m 30s", "45s", "0s"; a negative duration gets
   a leading "-". Whole seconds (rounded down). Returns buf. */
const char *timetext_duration(int64_t ms, char *buf, size_t len);

/* Reads a time (the forms above) with local times in zone tz, as of now.
   0, or -1 with *why set to a static sentence saying what is accepted. */
int timetext_parse(const char *text, const char *tz, int64_t now, int64_t *out, const char **why);

#endif
