/*  proc.h — what /proc says of a process: the benchmark tools read the
    server's CPU and memory from outside, as `top` would. */
#ifndef FSD_BENCH_PROC_H
#define FSD_BENCH_PROC_H

/* User + system CPU of pid so far, in clock ticks (sysconf(_SC_CLK_TCK));
   0 when it cannot be read. */
unsigned long long proc_cpu_ticks(int pid);

/* The same for pid's main thread alone (in fsd-server, the dispatch loop;
   libzmq's I/O threads are the others). */
unsigned long long proc_main_thread_cpu_ticks(int pid);

/* Resident memory of pid (VmRSS) in KiB; 0 when it cannot be read. */
long proc_rss_kib(int pid);

#endif
