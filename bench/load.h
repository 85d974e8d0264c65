/*  load.h — what the files of fsd-load share (the tool is described in
    fsd-load.c).

    fsd-load.c owns the options, the ZeroMQ context, the epoll set, the
    clock and the random numbers, the customers' stream and the loop that
    drives everything; load_fleet.c plays the technicians; load_stats.c
    keeps the samples and writes what was measured. One thread runs it all,
    so what crosses files is plain globals, no locks. */
#ifndef FSD_LOAD_H
#define FSD_LOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "fsd/wire.h"

#define VERSION "fsd-load 1.0"
/* The agent session's timings (as agent/agent_session.c has them). */
#define HELLO_FIRST_MS 2000
#define HELLO_MAX_MS 10000
#define RECONNECT_FIRST_MS 1000
#define RECONNECT_MAX_MS 10000
#define RETRY_SOON_MS 1000 /* a backstop: the link's ZMQ_FD event retries at once */
#define RESEND_MS 3000
#define GAP_RESEND_MS 500
#define POSITION_MS 30000
/* At most this many rates (--rates). */
#define MAX_STEPS 32

/* --------------------------------------------------------------- types */

/* float samples, grown as needed */
typedef struct {
    float *v;
    size_t n, cap;
} samples;

typedef struct {
    uint64_t seq;
    char msg_id[40];
    char job_id[24];
    int step;     /* 0 accept, 1 en_route, 2 on_site, 3 completed */
    int run_step; /* rate step current when the accept was sent */
    uint8_t *data;
    size_t len;
    int64_t first_us, sent_us; /* first send; last send (0 = not on this link) */
} report;

typedef struct {
    char name[64];
    char pub[41], sec[41];
    void *sock;
    bool open, expect_base, ack_due, has_pos;
    bool hello_out; /* a Hello went out on this DEALER */
    uint64_t applied, report_seq;
    int64_t opened_at, last_rx, next_hello, next_beat, next_position, reconnect_at;
    int64_t last_gap_hello, last_gap_resend;
    int hello_backoff, reconnect_backoff, beat_ms;
    double lat, lon;
    report *reps;
    size_t n_reps, cap_reps;
    unsigned welcomes; /* Welcomes seen since the last reconnect signal */
} tech;

typedef struct {
    int64_t due;
    uint32_t tech;
    int step; /* 0 accept, 1.. walk */
    char job_id[24];
} action;

typedef struct {
    uint64_t num; /* 0 = free */
    int64_t submit_us, offer_us;
    int16_t step;
} jobent;

typedef struct {
    double rate;
    int64_t t0, t1; /* window */
    unsigned long sent, acked_in_window, offers_in_window, answered, errors, completed;
    samples ack, offer, accept;
    unsigned long long cpu0, cpu1;   /* the server's (--watch-pid) */
    unsigned long long mcpu0, mcpu1; /* its main thread's: the dispatch loop */
    unsigned long long lcpu0, lcpu1; /* this process's: the two share the machine */
    long rss_max;
} stepstat;

typedef struct {
    const char *server, *server_key, *keys, *intake_key, *fleet, *csv;
    long techs, tech_offset;
    int intakes;
    double rates[MAX_STEPS];
    int n_rates;
    double step_s, drain_s, duration_s, stop_below, settle_s, connect_s;
    int delay_min, delay_max, work_ms;
    int watch_pid;
    bool bare, quiet, hold_jobs;
} load_options;

/* ---------------------------------------------------------- fsd-load.c */

extern load_options load_opt;
extern volatile sig_atomic_t load_stop; /* SIGINT, SIGTERM */
extern bool load_sent;                  /* something was sent: drain that socket (ZMQ_FD is edge-like) */
extern char load_run_id[12];            /* this run's prefix of the msg_ids it makes */
extern stepstat load_steps[MAX_STEPS];  /* one per rate of --rates */
extern int load_cur;                    /* current rate step, -1 none */
extern bool load_in_window;             /* the current rate's window is open: answers and offers count */

int64_t load_now_us(void);
#define NOW_MS() (load_now_us() / 1000)
/* xorshift: cheap, and good enough to spread requests and delays. */
uint64_t load_rand(void);

/* A CURVE DEALER to the server (hwm < 0: ZeroMQ's default); NULL and errno. */
void *load_dealer(const char *pub, const char *sec, int hwm);
/* Registers the socket's signalling fd with epoll; data = index. */
int load_watch(void *sock, uint32_t idx);
void load_unwatch(void *sock);
/* Sends env (msg_id fresh unless set) on sock; 0 or -1. */
int load_send_env(void *sock, Fsd__Envelope *env);

/* -------------------------------------------------------- load_fleet.c */

/* The technicians, one per selected agent key, sorted by name; a socket's
   epoll index below fleet_n_techs is its technician's. */
extern tech *fleet_techs;
extern size_t fleet_n_techs;
/* Actions planned for later (accept, walk steps): a min-heap on due (µs). */
extern action *fleet_heap;
extern size_t fleet_n_heap;
extern unsigned long fleet_completed_total;

/* The job of that number (NULL when absent and !create, or out of memory). */
jobent *fleet_job(uint64_t num, bool create);
/* "J000123" -> 123; 0 when not of that form. */
uint64_t fleet_job_num(const char *id);
void fleet_heap_pop(action *out);

void fleet_connect(tech *t, uint32_t idx);
void fleet_disconnect(tech *t, bool backoff);
void fleet_ack(tech *t);
void fleet_offer_reply(tech *t, const char *job_id);
void fleet_job_update(tech *t, const char *job_id, int step);
/* --hold-jobs: walks every held job now; returns how many. */
size_t fleet_release(void);
/* A message for technician ti; true when an Ack is due. */
bool fleet_envelope(tech *t, uint32_t ti, const Fsd__Envelope *env, int64_t now_us);
/* Runs the technician's timers. */
void fleet_link_event(tech *t);
void fleet_tick(tech *t, uint32_t ti, int64_t now);

/* Fills fleet_techs from --keys (the --tech-offset, --techs slice); 0 or -1. */
int fleet_load_keys(void);
/* --fleet CSV: the technicians' positions. */
void fleet_load_positions(void);
/* --register: AddPrincipal for every technician; the exit status. */
int fleet_register(const char *admin_key);

/* -------------------------------------------------------- load_stats.c */

void stats_add(samples *s, double ms);
void stats_sort(samples *s);
/* p in [0,1] of sorted samples (stats_sort); NAN when empty. */
double stats_pct(samples *s, double p);

/* The rate's line on stdout and its --csv row (samples sorted). */
void stats_rate_line(stepstat *st, double win);
void stats_csv_header(FILE *f);
void stats_csv_row(FILE *f, stepstat *st, double secs);

#endif
