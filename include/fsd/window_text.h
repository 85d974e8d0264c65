/*  window_text.h — an appointment window as text, for code that keeps
    the domain's names out of its scope (server/store.c): the same text
    as calendar_window_format (calendar.h), from plain numbers. */
#ifndef FSD_WINDOW_TEXT_H
#define FSD_WINDOW_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* "Tue 2026-11-24 14:00–16:00" for the window [start, end] (UTC ms) in
   zone tz, into buf; "" when the zone is unknown. Returns buf. */
const char *window_text(int64_t start, int64_t end, const char *tz, char *buf, size_t len);

#endif
