/*  fsd-flaky — a bad network between fsd-agent (or fsdctl) and fsd-server.

    A plain TCP proxy for fault tests: listens on one port, forwards every
    connection to the server, and on the way drops connections at random
    and holds bytes back for a while (order is kept). Signals cut the
    network off completely and bring it back:

      fsd-flaky --listen PORT --to PORT [--drop-rate P] [--delay-ms N] [--seed N]

      --drop-rate P   each chunk read from either side closes that
                      connection (both sides, buffered bytes lost) with
                      probability P (default 0)
      --delay-ms N    bytes are held up to N ms before they are written
                      (random per burst, default 0)
      SIGUSR1         cut: close every connection and refuse new ones
      SIGUSR2         restore
      SIGTERM/SIGINT  stop; prints one line of counts on stderr

    Everything is on 127.0.0.1. One process, one poll() loop, no threads. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define S_MAX_LINKS 512
#define S_BUF (256 * 1024)

/* Bytes on their way in one direction. */
typedef struct {
    char *data;
    size_t len;
    int64_t hold_until; /* monotonic ms; write nothing before */
} s_dir;

/* One proxied connection: client side and server side. */
typedef struct {
    int fd[2];   /* 0 = client, 1 = server */
    s_dir to[2]; /* to[i]: bytes waiting to be written to fd[i] */
} s_link;

static volatile sig_atomic_t s_stop, s_cut_wanted = -1;
static s_link s_links[S_MAX_LINKS];
static size_t s_n_links;
static uint64_t s_rng = 88172645463325252ULL;
static double s_drop_rate;
static int s_delay_ms;
static struct {
    unsigned long accepted, refused, dropped, cut;
    unsigned long long up, down;
} s_count;

static void s_on_stop(int sig)
{
    (void)sig;
    s_stop = 1;
}
static void s_on_cut(int sig)
{
    s_cut_wanted = sig == SIGUSR1;
}

static int64_t s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Uniform in [0, 1) (xorshift64). */
static double s_unit(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (double)(s_rng >> 11) / 9007199254740992.0;
}

/* Closes link i (both sides, buffers lost) and removes it. */
static void s_close(size_t i)
{
    s_link *l = &s_links[i];
    for (int k = 0; k < 2; k++) {
        close(l->fd[k]);
        free(l->to[k].data);
    }
    s_links[i] = s_links[--s_n_links];
}

/* A listening socket on 127.0.0.1:port, or -1. */
static int s_listen(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 128) < 0)
        return -1;
    return fd;
}

/* A connection to 127.0.0.1:port (blocking connect: loopback), or -1. */
static int s_dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Reads what side k of link i has; false when the link was closed. */
static bool s_read(size_t i, int k)
{
    s_link *l = &s_links[i];
    s_dir *d = &l->to[1 - k];
    if (d->len == S_BUF)
        return true; /* the other side is slow: wait */
    ssize_t n = read(l->fd[k], d->data + d->len, S_BUF - d->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (n <= 0 || (s_drop_rate > 0 && s_unit() < s_drop_rate)) {
        if (n > 0)
            s_count.dropped++;
        s_close(i);
        return false;
    }
    if (d->len == 0)
        d->hold_until = s_now() + (s_delay_ms > 0 ? (int64_t)(s_unit() * (s_delay_ms + 1)) : 0);
    d->len += (size_t)n;
    if (k == 0)
        s_count.up += (unsigned long long)n;
    else
        s_count.down += (unsigned long long)n;
    return true;
}

/* Writes what is due towards side k of link i; false when it was closed. */
static bool s_write(size_t i, int k)
{
    s_link *l = &s_links[i];
    s_dir *d = &l->to[k];
    if (d->len == 0 || s_now() < d->hold_until)
        return true;
    ssize_t n = write(l->fd[k], d->data, d->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (n <= 0) {
        s_close(i);
        return false;
    }
    memmove(d->data, d->data + n, d->len - (size_t)n);
    d->len -= (size_t)n;
    return true;
}

int main(int argc, char **argv)
{
    int listen_port = 0, to_port = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: fsd-flaky --listen PORT --to PORT [--drop-rate P] [--delay-ms N] [--seed N]\n"
                   "  SIGUSR1 cuts every connection off, SIGUSR2 restores, SIGTERM stops\n");
            return 0;
        }
        if (!v) {
            fprintf(stderr, "fsd-flaky: %s needs a value (see --help)\n", a);
            return 2;
        }
        if (strcmp(a, "--listen") == 0)
            listen_port = atoi(v);
        else if (strcmp(a, "--to") == 0)
            to_port = atoi(v);
        else if (strcmp(a, "--drop-rate") == 0)
            s_drop_rate = atof(v);
        else if (strcmp(a, "--delay-ms") == 0)
            s_delay_ms = atoi(v);
        else if (strcmp(a, "--seed") == 0)
            s_rng = strtoull(v, NULL, 10) * 2654435761ULL + 1;
        else {
            fprintf(stderr, "fsd-flaky: unknown option %s (see --help)\n", a);
            return 2;
        }
        i++;
    }
    if (listen_port <= 0 || to_port <= 0) {
        fprintf(stderr, "fsd-flaky: give --listen PORT and --to PORT\n");
        return 2;
    }
    int lfd = s_listen(listen_port);
    if (lfd < 0) {
        fprintf(stderr, "fsd-flaky: cannot listen on port %d: %s\n", listen_port, strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = { .sa_handler = s_on_stop };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = s_on_cut;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    fprintf(stderr, "fsd-flaky: listening on %d, forwarding to %d\n", listen_port, to_port);
    bool cut = false;
    static struct pollfd pfd[1 + 2 * S_MAX_LINKS];
    while (!s_stop) {
        if (s_cut_wanted >= 0) {
            cut = s_cut_wanted;
            s_cut_wanted = -1;
            if (cut) {
                s_count.cut++;
                while (s_n_links > 0)
                    s_close(0);
            }
            fprintf(stderr, "fsd-flaky: %s\n", cut ? "cut off" : "restored");
        }
        /* the poll set: the listener, then both sides of every link */
        int64_t now = s_now(), wake = -1;
        pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
        for (size_t i = 0; i < s_n_links; i++) {
            for (int k = 0; k < 2; k++) {
                s_dir *out = &s_links[i].to[k], *in = &s_links[i].to[1 - k];
                short ev = in->len < S_BUF ? POLLIN : 0;
                if (out->len > 0) {
                    if (out->hold_until <= now)
                        ev |= POLLOUT;
                    else if (wake < 0 || out->hold_until - now < wake)
                        wake = out->hold_until - now;
                }
                pfd[1 + 2 * i + k] = (struct pollfd){ .fd = s_links[i].fd[k], .events = ev };
            }
        }
        size_t n_polled = s_n_links;
        if (poll(pfd, 1 + 2 * n_polled, wake < 0 ? 200 : (int)wake + 1) < 0 && errno != EINTR)
            break;
        /* the links, from the last (s_close moves the last into the hole) */
        for (size_t i = n_polled; i-- > 0;) {
            bool alive = true;
            for (int k = 0; k < 2 && alive; k++) {
                short re = pfd[1 + 2 * i + k].revents;
                if (re & (POLLIN | POLLHUP | POLLERR))
                    alive = s_read(i, k);
            }
            for (int k = 0; k < 2 && alive; k++)
                alive = s_write(i, k);
        }
        if (pfd[0].revents & POLLIN) {
            int cfd = accept(lfd, NULL, NULL);
            if (cfd >= 0) {
                int sfd = cut || s_n_links == S_MAX_LINKS ? -1 : s_dial(to_port);
                if (sfd < 0) {
                    s_count.refused++;
                    close(cfd);
                } else {
                    int one = 1;
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    fcntl(cfd, F_SETFL, O_NONBLOCK);
                    fcntl(sfd, F_SETFL, O_NONBLOCK);
                    s_link *l = &s_links[s_n_links++];
                    *l = (s_link){ .fd = { cfd, sfd } };
                    l->to[0].data = malloc(S_BUF);
                    l->to[1].data = malloc(S_BUF);
                    s_count.accepted++;
                }
            }
        }
    }
    fprintf(stderr,
            "fsd-flaky: connections=%lu refused=%lu dropped=%lu cuts=%lu bytes_up=%llu bytes_down=%llu\n",
            s_count.accepted, s_count.refused, s_count.dropped, s_count.cut, s_count.up, s_count.down);
    while (s_n_links > 0)
        s_close(0);
    close(lfd);
    return 0;
}
