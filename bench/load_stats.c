/*  load_stats.c — fsd-load's measurements: latency samples and their
    percentiles, and the per-rate line and CSV row they end up in (the
    CPU and memory of a process come from proc.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "load.h"

/* ------------------------------------------------------------- samples */

void stats_add(samples *s, double ms)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        float *g = realloc(s->v, cap * sizeof *g);
        if (!g)
            return;
        s->v = g;
        s->cap = cap;
    }
    s->v[s->n++] = (float)ms;
}
static int s_cmpf(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}
void stats_sort(samples *s)
{
    if (s->n)
        qsort(s->v, s->n, sizeof *s->v, s_cmpf);
}
/* p in [0,1] of sorted samples (stats_sort); NAN when empty. */
double stats_pct(samples *s, double p)
{
    if (!s->n)
        return NAN;
    size_t k = (size_t)ceil(p * (double)s->n);
    if (k < 1)
        k = 1;
    if (k > s->n)
        k = s->n;
    return s->v[k - 1];
}

/* ------------------------------------------------------------- results */

/* CPU ticks a..b over secs, in % of one core; NaN without --watch-pid
   when watched is set. */
static double s_cpu_pct(unsigned long long a, unsigned long long b, double secs, bool watched)
{
    if (watched && !load_opt.watch_pid)
        return NAN;
    return (double)(b - a) / (double)sysconf(_SC_CLK_TCK) / secs * 100.0;
}

/* win: the window in seconds; the samples sorted (stats_sort). */
void stats_rate_line(stepstat *st, double win)
{
    double acked = (double)st->acked_in_window / win;
    double cpu = s_cpu_pct(st->cpu0, st->cpu1, win, true);
    double loop_cpu = s_cpu_pct(st->mcpu0, st->mcpu1, win, true);
    double lcpu = s_cpu_pct(st->lcpu0, st->lcpu1, win, false);
    printf("rate offered=%.0f sent=%.0f acked=%.0f offers=%.0f ack_ms=%.2f/%.2f/%.2f "
           "offer_ms=%.2f/%.2f/%.2f accept_ms=%.2f/%.2f/%.2f errors=%lu unanswered=%lu "
           "completed=%lu server_cpu=%.0f%% server_loop_cpu=%.0f%% server_rss_kib=%ld load_cpu=%.0f%%\n",
           st->rate, (double)st->sent / win, acked, (double)st->offers_in_window / win,
           stats_pct(&st->ack, 0.5), stats_pct(&st->ack, 0.99), stats_pct(&st->ack, 0.999),
           stats_pct(&st->offer, 0.5), stats_pct(&st->offer, 0.99), stats_pct(&st->offer, 0.999),
           stats_pct(&st->accept, 0.5), stats_pct(&st->accept, 0.99), stats_pct(&st->accept, 0.999),
           st->errors, st->sent - st->answered, st->completed, cpu, loop_cpu, st->rss_max, lcpu);
}

/* The column names of stats_csv_row, for a new file. */
void stats_csv_header(FILE *f)
{
    fprintf(f, "offered_per_s,sent_per_s,acked_per_s,offers_per_s,ack_p50_ms,ack_p99_ms,ack_p999_ms,"
               "offer_p50_ms,offer_p99_ms,offer_p999_ms,accept_p50_ms,accept_p99_ms,accept_p999_ms,"
               "errors,unanswered,server_cpu_pct,server_rss_kib,load_cpu_pct,server_loop_cpu_pct\n");
}

void stats_csv_row(FILE *f, stepstat *st, double secs)
{
    double win = (double)(st->t1 - st->t0) / 1e6;
    fprintf(f,
            "%.0f,%.1f,%.1f,%.1f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%lu,%lu,%.1f,%ld,%.1f,%.1f\n",
            st->rate, (double)st->sent / win, (double)st->acked_in_window / win,
            (double)st->offers_in_window / win, stats_pct(&st->ack, 0.5), stats_pct(&st->ack, 0.99),
            stats_pct(&st->ack, 0.999), stats_pct(&st->offer, 0.5), stats_pct(&st->offer, 0.99),
            stats_pct(&st->offer, 0.999), stats_pct(&st->accept, 0.5), stats_pct(&st->accept, 0.99),
            stats_pct(&st->accept, 0.999), st->errors, st->sent - st->answered,
            s_cpu_pct(st->cpu0, st->cpu1, secs, true), st->rss_max,
            s_cpu_pct(st->lcpu0, st->lcpu1, secs, false), s_cpu_pct(st->mcpu0, st->mcpu1, secs, true));
}
