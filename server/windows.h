/*  windows.h — appointment windows (windows.c). */
#ifndef FSD_WINDOWS_H
#define FSD_WINDOWS_H

#include "server.h"

/* windows.c — appointment windows. A technician's calendar
   is the open jobs with a window it holds (an open offer holds the slot),
   so declines, expiries, revocations, cancels and reassignments free a
   slot by themselves. */
/* Reads the request's window text (empty: none) in the territory's zone
   into *out. 0 ok, 1 refused (an invalid_argument error on "window"). */
int windows_intake(call *c, const char *text, int terr, int64_t now, int64_t *start, int64_t *end);
/* Stores j's window (after the job row). */
int windows_store(server *srv, const job *j);
/* Sets j's deadlines for an appointment window [start, end) after its
   SLA policy decided them (handlers.c intake). */
void windows_deadlines(job *j, int64_t start, int64_t end);
/* Reads the windows of the open jobs back into memory (after a restart). */
int windows_load(server *srv);
/* The calendar check for one match of job j (which has a window). NULL
   when out of memory. */
typedef struct windows_match windows_match;
windows_match *windows_match_new(server *srv, const job *j, int64_t now);
void windows_match_destroy(windows_match **self_p);
/* Whether t's shift covers the job's window (unknown zone: true). */
bool windows_in_shift(windows_match *self, const technician *t);
/* Whether t has room for the job in the window (per-window capacity and
   a feasible order of its day, travel included). */
bool windows_has_room(windows_match *self, const technician *t);
/* Why t failed the shift or room check in this match ("" when it did not). */
const char *windows_detail(const windows_match *self, int tech_index);
/* The job's window as "Tue 2026-11-24 14:00–16:00 Europe/Berlin" into buf. */
const char *windows_text(server *srv, const job *j, char *buf, size_t len);
/* For a dispatcher's assignment: 0 when t has room for j, 1 when not
   (why in buf), -1 out of memory. */
int windows_check_tech(server *srv, const job *j, const technician *t, int64_t now, char *why, size_t len);
/* Notes "booked: <window> <zone>" on j's history, now held by j->tech
   (a job without a window: nothing). */
int windows_booked(server *srv, job *j, const principal *who);

#endif
