/*  web_main.c — fsd-web: the browser console's server.

    libmicrohttpd (internal polling threads with epoll, suspend/resume for
    the event streams) serves the static pages, the JSON API and the live
    events; every API call goes to fsd-server on the logged-in user's own
    connection (webconn.h). This file holds the options, the start (loopback
    or TLS), the HTTP plumbing (headers, bodies) and the housekeeping loop;
    webauth.c the logins and sessions, webhttp.c the answers and static
    files, webapi.c the API routes. */
#include "web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsd/keys.h"
#include "fsd/log.h"
#include "fsd/pbjson.h"
#include "fsd/wire.h"
#include "fsd/xalloc.h"

#define WEB_VERSION "0.1.0"
#define LOGIN_FAILS_PER_MIN 5

static const char *s_usage =
    "usage: fsd-web --server EP --server-key FILE --users FILE --static DIR [options]\n\n"
    "The dispatchers' console in the browser: static pages, a JSON API and live\n"
    "events; each user's requests go to fsd-server with that user's own key.\n\n"
    "  --listen ADDR:PORT   where to listen (default 127.0.0.1:8080; [::1]:8080 for IPv6).\n"
    "                       Plain HTTP only on loopback; any other address needs TLS\n"
    "  --server EP          fsd-server's endpoint (env FSD_SERVER, default tcp://127.0.0.1:7700)\n"
    "  --server-key FILE    fsd-server's public key (env FSD_SERVER_KEY)\n"
    "  --users FILE         the web users (fsdctl web user add), e.g. DATA/web-users.db\n"
    "  --static DIR         the console's files (web/static)\n"
    "  --tls-cert FILE      TLS certificate (PEM) ...\n"
    "  --tls-key FILE       ... and its key: HTTPS, and the __Host- cookie with Secure\n"
    "  --portal-key FILE    the key fsd-web speaks with for customers' pages (role portal)\n"
    "  --territories FILE   territories GeoJSON for the map (/api/territories)\n"
    "  --idle-min N         a session ends after N idle minutes (default 30; fractions allowed)\n"
    "  --idle-s N           the same in seconds (for tests)\n"
    "  --session-hours N    and N hours after login at the latest (default 12); an open\n"
    "                       console (its event stream) counts as activity, not past this\n"
    "  --session-s N        the same in seconds (for tests)\n"
    "  --timeout MS         answer 504 when fsd-server is silent for MS (default 10000)\n"
    "  --log-level L        debug, info, warn, error (default info)\n"
    "  -h, --help           this help;  -V, --version  the version\n\n"
    "Log lines go to stderr as key=value. Stops on SIGINT or SIGTERM.\n";

static volatile sig_atomic_t s_stop;
static void s_on_signal(int sig)
{
    s_stop = sig;
}

static bool s_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* The POST came from a page of ours: Origin is our own scheme and host. */
/* ------------------------------------------------------------ plumbing */

typedef struct {
    char *body;
    size_t len;
    bool too_large;
    int64_t started;
} reqstate;

static void s_headers(struct MHD_Response *resp, bool api)
{
    MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'self'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (api)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
}

static enum MHD_Result s_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                 const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    reqstate *st = *con_cls;
    if (!st) {
        st = fsd_xcalloc(1, sizeof *st);
        st->started = wire_now_ms();
        *con_cls = st;
        return MHD_YES;
    }
    if (*upload_size) {
        if (st->len + *upload_size > WEB_BODY_MAX)
            st->too_large = true;
        if (!st->too_large) {
            st->body = fsd_xrealloc(st->body, st->len + *upload_size + 1);
            memcpy(st->body + st->len, upload, *upload_size);
            st->len += *upload_size;
            st->body[st->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    webreq r = { .app = cls,
                 .conn = conn,
                 .method = method,
                 .url = url,
                 .body = st->body ? st->body : "",
                 .body_len = st->len };
    webanswer a = st->too_large
                      ? web_error(413, "too_large", NULL, "the body is larger than %d bytes", WEB_BODY_MAX)
                      : web_route(&r);
    bool api = strncmp(url, "/api/", 5) == 0;
    s_headers(a.resp, api);
    enum MHD_Result rc = MHD_queue_response(conn, a.status, a.resp);
    MHD_destroy_response(a.resp);
    if (api)
        log_info("http", "method=%s path=%s status=%u user=%s ms=%lld", method, log_quote(0, url), a.status,
                 r.authed ? log_quote(1, r.s.user) : "-", (long long)(wire_now_ms() - st->started));
    return rc;
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    reqstate *st = *con_cls;
    if (!st)
        return;
    free(st->body);
    free(st);
    *con_cls = NULL;
}

/* Parses "host:port" or "[v6]:port" into a socket address. */
static int s_listen_addr(const char *text, struct sockaddr_storage *ss, char *host, size_t hostlen, bool *v6)
{
    const char *colon = strrchr(text, ':');
    if (!colon)
        return -1;
    int port = atoi(colon + 1);
    if (port <= 0 || port > 65535)
        return -1;
    size_t n = (size_t)(colon - text);
    if (text[0] == '[' && n >= 2 && text[n - 1] == ']') {
        text++;
        n -= 2;
    }
    if (n == 0 || n >= hostlen)
        return -1;
    memcpy(host, text, n);
    host[n] = '\0';
    if (strcmp(host, "localhost") == 0)
        snprintf(host, hostlen, "127.0.0.1");
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *v6 = false;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *v6 = true;
        return 0;
    }
    return -1;
}

static char *s_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            buf = fsd_xrealloc(buf, cap);
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

static void s_session_gone(const char *id, const char *user, void *arg)
{
    webapp *app = arg;
    webevents_end_session(app->ev, id);
    webconn_close(app->conn, user);
    log_info("web_session_expired", "user=%s", log_quote(0, user));
}

/* A console left open and watched is in use: every session with an open
   event stream has its idle clock refreshed (once a second). The absolute
   expiry still ends it. */
static void s_watched(webapp *app)
{
    static char ids[256][65];
    size_t n = webevents_sessions(app->ev, ids, 256);
    websession s;
    for (size_t i = 0; i < n; i++)
        websessions_touch(app->sessions, ids[i], wire_now_ms(), &s);
    sodium_memzero(ids, sizeof ids);
    sodium_memzero(&s, sizeof s);
}

static int s_fail(const char *fmt, const char *arg)
{
    fprintf(stderr, "fsd-web: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 2;
}

static int s_options(webapp *app, int argc, char **argv)
{
    static const struct option opts[] = {
        { "listen", 1, 0, 'l' },    { "server", 1, 0, 's' },        { "server-key", 1, 0, 'k' },
        { "users", 1, 0, 'u' },     { "static", 1, 0, 'S' },        { "tls-cert", 1, 0, 'c' },
        { "tls-key", 1, 0, 'K' },   { "portal-key", 1, 0, 'p' },    { "territories", 1, 0, 't' },
        { "idle-min", 1, 0, 'i' },  { "session-hours", 1, 0, 'H' }, { "idle-s", 1, 0, 'I' },
        { "session-s", 1, 0, 'A' }, { "timeout", 1, 0, 'T' },       { "log-level", 1, 0, 'L' },
        { "help", 0, 0, 'h' },      { "version", 0, 0, 'V' },       { 0, 0, 0, 0 },
    };
    int o;
    while ((o = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
        switch (o) {
        case 'l': app->listen = optarg; break;
        case 's': app->server = optarg; break;
        case 'k': app->server_key = optarg; break;
        case 'u': app->users_path = optarg; break;
        case 'S': app->static_dir = optarg; break;
        case 'c': app->tls_cert = optarg; break;
        case 'K': app->tls_key = optarg; break;
        case 'p': app->portal_key = optarg; break;
        case 't': app->territories_path = optarg; break;
        case 'i': app->idle_min = atof(optarg); break;
        case 'I': app->idle_min = atof(optarg) / 60; break;
        case 'H': app->session_hours = atof(optarg); break;
        case 'A': app->session_hours = atof(optarg) / 3600; break;
        case 'T': app->timeout_ms = atoi(optarg); break;
        case 'L':
            if (log_level_parse(optarg) < 0)
                return s_fail("--log-level must be debug, info, warn or error, not %s", optarg);
            log_set_level((log_level)log_level_parse(optarg));
            break;
        case 'h': fputs(s_usage, stdout); exit(0);
        case 'V': printf("fsd-web %s (protocol %d)\n", WEB_VERSION, FSD_PROTOCOL_VERSION); exit(0);
        default: fputs(s_usage, stderr); return 2;
        }
    }
    if (optind < argc)
        return s_fail("unexpected argument %s (see fsd-web --help)", argv[optind]);
    if (!app->server_key || !app->users_path || !app->static_dir)
        return s_fail("%s", "--server-key, --users and --static are needed (see fsd-web --help)");
    if (app->idle_min <= 0 || app->session_hours <= 0 || app->timeout_ms <= 0)
        return s_fail("%s", "--idle-min, --session-hours and --timeout must be positive numbers");
    if (!app->tls_cert != !app->tls_key)
        return s_fail("%s", "--tls-cert and --tls-key go together");
    app->tls = app->tls_cert != NULL;
    return 0;
}

/* Loads what the options name; 0 or an exit status after saying why. */
static int s_load(webapp *app, char *server_pub, fsd_keypair *portal)
{
    char err[512];
    fsd_keypair sk;
    if (keys_load(app->server_key, &sk, false, err, sizeof err) < 0)
        return s_fail("%s", err);
    snprintf(server_pub, 41, "%s", sk.pub);
    app->users = webusers_open(app->users_path, false, err, sizeof err);
    if (!app->users)
        return s_fail("%s", err);
    char index[4096];
    snprintf(index, sizeof index, "%s/index.html", app->static_dir);
    if (access(index, R_OK) != 0)
        log_warn("web_static_missing", "path=%s", log_quote(0, index));
    if (app->territories_path) {
        json_error_t jerr;
        app->territories = json_load_file(app->territories_path, 0, &jerr);
        if (!app->territories || !json_is_array(json_object_get(app->territories, "features")))
            return s_fail("--territories: %s is not a GeoJSON FeatureCollection", app->territories_path);
    }
    if (app->portal_key && keys_load(app->portal_key, portal, true, err, sizeof err) < 0)
        return s_fail("--portal-key: %s", err);
    return 0;
}

static struct MHD_Daemon *s_start(webapp *app, const char *cert, const char *key)
{
    struct sockaddr_storage ss;
    char host[256];
    bool v6;
    if (s_listen_addr(app->listen, &ss, host, sizeof host, &v6) < 0) {
        s_fail("--listen %s: give ADDRESS:PORT, e.g. 127.0.0.1:8080 or [::1]:8080", app->listen);
        return NULL;
    }
    if (!s_loopback(host) && !app->tls) {
        s_fail("refusing plain HTTP on %s: a non-loopback address needs --tls-cert and --tls-key",
               app->listen);
        return NULL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME
                     | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0) | (app->tls ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls_opts[] = {
        { app->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)cert },
        { MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key },
        { MHD_OPTION_END, 0, NULL },
    };
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, s_handler, app, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_NOTIFY_COMPLETED, s_completed, NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)4,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)200, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!d)
        s_fail("cannot listen on %s (in use, or the TLS files are not a certificate and key)", app->listen);
    return d;
}

/* What main made, undone (after a failed start too). */
static void s_teardown(webapp *app)
{
    webconn_destroy(&app->conn);
    webevents_destroy(&app->ev);
    websessions_destroy(&app->sessions);
    webratelimit_destroy(&app->rl_user);
    webratelimit_destroy(&app->rl_addr);
    webusers_close(&app->users);
    json_decref(app->territories);
    app->territories = NULL;
}

int main(int argc, char **argv)
{
    webapp app = { .listen = "127.0.0.1:8080", .idle_min = 30, .session_hours = 12, .timeout_ms = 10000 };
    app.server =
        getenv("FSD_SERVER") && *getenv("FSD_SERVER") ? getenv("FSD_SERVER") : "tcp://127.0.0.1:7700";
    app.server_key = getenv("FSD_SERVER_KEY") && *getenv("FSD_SERVER_KEY") ? getenv("FSD_SERVER_KEY") : NULL;
    int rc = s_options(&app, argc, argv);
    char server_pub[41], err[512];
    fsd_keypair portal;
    if (rc || (rc = s_load(&app, server_pub, &portal)))
        return rc;
    if (sodium_init() < 0)
        return s_fail("%s", "libsodium does not start");
    char *cert = NULL, *key = NULL;
    if (app.tls && (!(cert = s_read_file(app.tls_cert)) || !(key = s_read_file(app.tls_key))))
        return s_fail("cannot read the TLS certificate or key (%s)", app.tls_cert);
    app.sessions = websessions_new((int64_t)(app.idle_min * 60000), (int64_t)(app.session_hours * 3600000));
    app.rl_user = webratelimit_new(LOGIN_FAILS_PER_MIN, 60000);
    app.rl_addr = webratelimit_new(LOGIN_FAILS_PER_MIN * 4, 60000);
    app.ev = webevents_new();
    app.conn = webconn_new(app.server, server_pub, app.ev, err, sizeof err);
    if (!app.conn)
        return s_fail("%s", err);
    if (app.portal_key) {
        snprintf(portal.name, sizeof portal.name, "%s", WEBCONN_PORTAL);
        webconn_open(app.conn, &portal);
        sodium_memzero(&portal, sizeof portal);
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    struct MHD_Daemon *d = s_start(&app, cert, key);
    if (!d) {
        s_teardown(&app);
        return 1;
    }
    log_info("listening", "addr=%s tls=%s server=%s static=%s", app.listen, app.tls ? "yes" : "no",
             log_quote(0, app.server), log_quote(1, app.static_dir));
    for (int tick = 0; !s_stop; tick++) {
        usleep(250 * 1000);
        if (tick % 4 == 0)
            s_watched(&app);
        websessions_sweep(app.sessions, wire_now_ms(), s_session_gone, &app);
        if (tick % 60 == 59)
            webevents_ping(app.ev); /* every 15 s */
    }
    log_info("stopping", "signal=%d", (int)s_stop);
    webevents_shutdown(app.ev);
    usleep(100 * 1000);
    MHD_stop_daemon(d);
    s_teardown(&app);
    if (key) {
        sodium_memzero(key, strlen(key));
        free(key);
    }
    free(cert);
    return 0;
}
