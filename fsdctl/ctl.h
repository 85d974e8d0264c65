/*  ctl.h — what fsdctl's command modules share: the connection, the
    output mode, and the conventions for success and failure.

    Exit status: 0 success, 1 failure (the server refused, no answer, rows
    refused), 2 usage. Errors go to stderr as one sentence; with --json
    every outcome is one JSON document on stdout. */
#ifndef FSD_CTL_H
#define FSD_CTL_H

#include <jansson.h>
#include <stdbool.h>
#include "fsd.pb-c.h"
#include "fsd/keys.h"
#include "fsd/version.h"


typedef struct {
    const char *server;     /* endpoint */
    const char *key_file;   /* our key pair */
    const char *server_key; /* the server's public key file */
    const char *home;       /* FSD_HOME, for the defaults above */
    const char *tz;         /* --tz: the zone the user reads and types times in */
    bool json;
    int timeout_ms;
    bool timeout_given; /* --timeout on the command line */
    int retry_ms;       /* resend an unanswered request after; 0: 2000 */
    void *zctx, *sock;  /* opened on first call */
    fsd_keypair me;
    char server_pub[41];
} ctl;

/* Sends env's body and waits for the answer. Returns the reply (caller
   frees with fsd__envelope__free_unpacked) or NULL after printing why
   (connection trouble). */
Fsd__Envelope *ctl_call(ctl *c, Fsd__Envelope *env);
/* Opens the connection (c->sock) when it is not open yet: for a command
   that reads more than one answer (watch). 0, or -1 after printing why. */
int ctl_connect(ctl *c);

/* One request, one printed answer: sends msg as the envelope's body of
   case `body`, expects an answer of case `want` and prints it (the body as
   JSON with --json, else show_reply). Returns the exit status. */
int ctl_request(ctl *c, Fsd__Envelope__BodyCase body, void *msg, Fsd__Envelope__BodyCase want);
/* ctl_request with a printer of the command's own: show(rep, arg) prints
   the answer unless --json asks for the body as JSON; with show NULL
   nothing is printed but an error (a step of a larger command). */
int ctl_ask(ctl *c, Fsd__Envelope__BodyCase body, void *msg, Fsd__Envelope__BodyCase want,
            void (*show)(const Fsd__Envelope *rep, const void *arg), const void *arg);
/* The message in an envelope's oneof body (NULL when none). */
const ProtobufCMessage *ctl_body(const Fsd__Envelope *env);

/* Prints an Error reply (human or JSON) and returns 1. */
int ctl_print_error(ctl *c, const Fsd__Error *e);
/* Prints a failure of our own (usage: code "usage") and returns status. */
int ctl_fail(ctl *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prints a message as JSON on stdout (with --json). Next to every time in
   epoch milliseconds (a field named *_at, *_by, at, from, to, as_of,
   since, window_start, ...) it adds NAME_text, the same instant in RFC
   3339 with the offset of the zone the time is shown in (ctl_zone of the
   enclosing object's "tz"): "created_at": 1796..., "created_at_text":
   "2026-12-08T14:05:03+01:00". */
void ctl_print_json(const ProtobufCMessage *msg);
/* The reply: an Error is printed (returns 1); a body of the expected
   case returns 0; anything else is reported as a protocol error. */
int ctl_expect(ctl *c, const Fsd__Envelope *rep, Fsd__Envelope__BodyCase want);

/* The zone the user asked to read and type times in (--tz; a client
   profile's zone plugs in here), or NULL when none was asked for. */
const char *ctl_user_zone(void);
/* Sets the zone ctl_user_zone answers (once, from the command line). */
void ctl_set_user_zone(const char *tz);
/* The zone a time of a place is shown in: the user's zone when asked for,
   else the place's (a job's or territory's IANA zone), else UTC. */
const char *ctl_zone(const char *place_tz);
/* "2026-12-08 14:05 CET" for a UTC ms time, in ctl_zone(place_tz); "-"
   for none. buf holds at least 32 bytes. */
const char *ctl_time_in(int64_t ms, const char *place_tz, char *buf);
/* The place whose zone ctl_time uses while one job's details are printed
   (its lines for care, notifications, SLA): set by show_job; NULL: none. */
void ctl_set_place_zone(const char *tz);
/* ctl_time_in in the place set by ctl_set_place_zone (the user's zone,
   else that place's, else UTC). */
const char *ctl_time(int64_t ms, char *buf);
/* A duration written one way everywhere: "14d 12h", "3h 05m", "45s"
   (buf at least 32 bytes). */
const char *ctl_duration(int64_t ms, char *buf);
/* Reads a time: RFC 3339 with an offset, a local "YYYY-MM-DD HH:MM" or a
   date in ctl_zone(place_tz), now, today, yesterday, tomorrow (and, as
   before, epoch milliseconds). 0, or -1 with *why set. */
int ctl_parse_time_in(const char *s, const char *place_tz, int64_t *out, const char **why);
/* ctl_parse_time_in without a place. */
int ctl_parse_time(const char *s, int64_t *out);

/* A page of a list: at most limit items, those after the item `after`. */
typedef struct {
    uint32_t limit;
    const char *after;
} ctl_page;
/* Lists jobs a page at a time (page.c): a header, the lines, and a last
   line naming the --after that shows the next page; with --json the jobs
   plus "more" and "next_after". Returns the exit status. */
int ctl_jobs_page(ctl *c, Fsd__ListJobs *l, const ctl_page *p);
/* The rows to ask for to show `limit` and know whether more follow; the
   server answers at most 1000, so at 1000 a cut goes unnoticed. */
#define CTL_ASK_ONE_MORE(limit) ((limit) < 1000 ? (limit) + 1 : 1000)
/* A list request sent for one more row than limit, to tell whether the
   list was cut: the answer (caller frees; NULL after printing why, *rc
   the exit status). */
Fsd__Envelope *ctl_fetch(ctl *c, Fsd__Envelope__BodyCase body, void *msg, Fsd__Envelope__BodyCase want,
                         int *rc);
/* Prints a list answer (JSON: the message plus "more"; people: show,
   then a line when it was cut, naming how to see more). */
void ctl_print_cut(ctl *c, const ProtobufCMessage *msg, bool more, const char *how,
                   void (*show)(const ProtobufCMessage *msg));
/* Prints a JSON document (stealing the reference), with RFC 3339 texts
   added next to its epoch-millisecond times (ctl_print_json). */
void ctl_print_json_doc(json_t *doc);

/* Human printers (show.c); show_reply picks the one for the answer's case. */
void show_reply(const Fsd__Envelope *rep);
void show_job(const Fsd__JobView *v);
void show_job_line(const Fsd__JobView *v);
void show_job_header(void);
void show_board(const Fsd__BoardView *b);
/* The decision, its time in zone tz (the job's; NULL: ctl_zone's default). */
void show_explanation(const Fsd__Explanation *e, const char *tz);
void show_stats(const Fsd__StatsView *s);
void show_report(const Fsd__ReportView *r);
void show_technicians(Fsd__TechnicianView **list, size_t n);
/* The escalations table, and a job's SLA lines for track (cmd_sla.c). */
void show_escalations(const Fsd__EscalationList *l);
void show_job_sla(const Fsd__JobView *v);

/* Commands; argv[0] is the command's name. */
/* cmd_jobs.c: intake and dispatcher commands */
int cmd_request(ctl *c, int argc, char **argv);
/* cmd_watch.c: the live view */
int cmd_watch(ctl *c, int argc, char **argv);
int cmd_track(ctl *c, int argc, char **argv);
int cmd_jobs(ctl *c, int argc, char **argv);
int cmd_cancel(ctl *c, int argc, char **argv);
int cmd_rate(ctl *c, int argc, char **argv);
int cmd_board(ctl *c, int argc, char **argv);
int cmd_reassign(ctl *c, int argc, char **argv);
/* cmd_company.c: company offers, and a move's check */
int cmd_offers(ctl *c, int argc, char **argv);
int cmd_offer(ctl *c, int argc, char **argv);
int cmd_assign(ctl *c, int argc, char **argv);
/* Sends a check_only move (Reassign or CompanyAssign), prints the
   MoveCheck; 0 when the move would be allowed, 1 when not. */
int ctl_move_check(ctl *c, Fsd__Envelope__BodyCase body, void *msg);
int cmd_explain(ctl *c, int argc, char **argv);
int cmd_stats(ctl *c, int argc, char **argv);
int cmd_technicians(ctl *c, int argc, char **argv);
/* cmd_restore.c: a backup in place of a stopped server's database (no server call) */
int cmd_restore(ctl *c, int argc, char **argv);
/* cmd_report.c: the KPI report */
int cmd_report(ctl *c, int argc, char **argv);
/* cmd_refdata.c: reference data, customers, keys, backups */
int cmd_load(ctl *c, int argc, char **argv);
int cmd_customer(ctl *c, int argc, char **argv);
int cmd_keygen(ctl *c, int argc, char **argv);
int cmd_backup(ctl *c, int argc, char **argv);
/* cmd_keys.c: key list | key revoke NAME */
int cmd_key(ctl *c, int argc, char **argv);
/* cmd_care.c: customer care */
int cmd_customer_show(ctl *c, int argc, char **argv);
int cmd_complain(ctl *c, int argc, char **argv);
int cmd_followups(ctl *c, int argc, char **argv);
int cmd_followup(ctl *c, int argc, char **argv);
int cmd_goodwill(ctl *c, int argc, char **argv);
int cmd_waiver(ctl *c, int argc, char **argv);
/* A job's goodwill, fee waivers, follow-ups and return-visit link (track). */
void show_job_care(const Fsd__JobView *v);
/* cmd_sla.c: open jobs breached, at risk or escalated */
int cmd_escalations(ctl *c, int argc, char **argv);
/* cmd_notify.c: templates, notifications, and track's section */
int cmd_templates(ctl *c, int argc, char **argv);
int cmd_notifications(ctl *c, int argc, char **argv);
void show_notifications(const Fsd__JobView *v);
/* cmd_privacy.c: the access log, erasing a customer */
int cmd_audit(ctl *c, int argc, char **argv);
int cmd_customer_forget(ctl *c, int argc, char **argv);
/* cmd_web.c: fsd-web's users (web user add|passwd|remove) */
int cmd_web(ctl *c, int argc, char **argv);
/* cmd_link.c: a job's customer link; the portal's verbs (portal key) */
int cmd_link(ctl *c, int argc, char **argv);
int cmd_portal(ctl *c, int argc, char **argv);

#endif
