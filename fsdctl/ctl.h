/*  ctl.h — what fsdctl's command modules share: the connection, the
    output mode, and the conventions for success and failure.

    Exit status: 0 success, 1 failure (the server refused, no answer, rows
    refused), 2 usage. Errors go to stderr as one sentence; with --json
    every outcome is one JSON document on stdout. */
#ifndef FSD_CTL_H
#define FSD_CTL_H

#include <stdbool.h>
#include "fsd.pb-c.h"
#include "fsd/keys.h"

#define CTL_VERSION "0.1.0"

typedef struct {
    const char *server;     /* endpoint */
    const char *key_file;   /* our key pair */
    const char *server_key; /* the server's public key file */
    const char *home;       /* FSD_HOME, for the defaults above */
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
   the answer unless --json asks for the body as JSON. */
int ctl_ask(ctl *c, Fsd__Envelope__BodyCase body, void *msg, Fsd__Envelope__BodyCase want,
            void (*show)(const Fsd__Envelope *rep, const void *arg), const void *arg);
/* The message in an envelope's oneof body (NULL when none). */
const ProtobufCMessage *ctl_body(const Fsd__Envelope *env);

/* Prints an Error reply (human or JSON) and returns 1. */
int ctl_print_error(ctl *c, const Fsd__Error *e);
/* Prints a failure of our own (usage: code "usage") and returns status. */
int ctl_fail(ctl *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prints a message as JSON on stdout (with --json). */
void ctl_print_json(const ProtobufCMessage *msg);
/* The reply: an Error is printed (returns 1); a body of the expected
   case returns 0; anything else is reported as a protocol error. */
int ctl_expect(ctl *c, const Fsd__Envelope *rep, Fsd__Envelope__BodyCase want);

/* "2026-11-23 14:05 UTC" for a UTC ms time into buf (at least 32 bytes). */
const char *ctl_time(int64_t ms, char *buf);
/* Parses "2026-11-23", "2026-11-23T14:05", "2026-11-23 14:05:00" (UTC) or ms. -1 on failure. */
int ctl_parse_time(const char *s, int64_t *out);

/* Human printers (show.c); show_reply picks the one for the answer's case. */
void show_reply(const Fsd__Envelope *rep);
void show_job(const Fsd__JobView *v);
void show_job_line(const Fsd__JobView *v);
void show_board(const Fsd__BoardView *b);
void show_explanation(const Fsd__Explanation *e);
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
