/*  web_main.c — fsd-web: the browser console's server.

    libmicrohttpd (internal polling threads with epoll, suspend/resume for
    the event streams) serves the static pages, the JSON API and the live
    events; every API call goes to fsd-server on the logged-in user's own
    connection (webconn.h). This file holds the options, the HTTP plumbing
    (headers, bodies, static files), logins and sessions. */
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
    "  --session-hours N    and N hours after login at the latest (default 12)\n"
    "  --timeout MS         answer 504 when fsd-server is silent for MS (default 10000)\n"
    "  --log-level L        debug, info, warn, error (default info)\n"
    "  -h, --help           this help;  -V, --version  the version\n\n"
    "Log lines go to stderr as key=value. Stops on SIGINT or SIGTERM.\n";

static volatile sig_atomic_t s_stop;
static void s_on_signal(int sig)
{
    s_stop = sig;
}

/* ------------------------------------------------------------ answers */

webanswer web_json(unsigned status, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text)
        text = fsd_xstrdup("{}");
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    return (webanswer){ status, resp };
}

webanswer web_error(unsigned status, const char *code, const char *field, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *e = json_pack("{s:s, s:s}", "code", code, "message", msg);
    if (field && *field)
        json_object_set_new(e, "field", json_string(field));
    return web_json(status, json_pack("{s:o}", "error", e));
}

const char *web_arg(const webreq *r, const char *name)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
    return v ? v : "";
}

/* fsd's error codes as HTTP statuses. */
static unsigned s_http_status(Fsd__ErrorCode code)
{
    switch (code) {
    case FSD__ERROR_CODE__ERR_FORBIDDEN: return 403;
    case FSD__ERROR_CODE__ERR_NOT_FOUND: return 404;
    case FSD__ERROR_CODE__ERR_INVALID_TRANSITION:
    case FSD__ERROR_CODE__ERR_CONFLICT:
    case FSD__ERROR_CODE__ERR_CAPACITY:
    case FSD__ERROR_CODE__ERR_CUSTOMER_BLOCKED:
    case FSD__ERROR_CODE__ERR_OUT_OF_AREA:
    case FSD__ERROR_CODE__ERR_RULE_BROKEN:
    case FSD__ERROR_CODE__ERR_OVERRIDE_NEEDED: return 409;
    case FSD__ERROR_CODE__ERR_RATE_LIMITED: return 429;
    case FSD__ERROR_CODE__ERR_UNAVAILABLE: return 503;
    case FSD__ERROR_CODE__ERR_INTERNAL: return 500;
    default: return 400;
    }
}

webanswer web_call(webreq *r, Fsd__Envelope__BodyCase which, void *msg, Fsd__Envelope__BodyCase want,
                   json_t **out, Fsd__Envelope **env_out)
{
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    webconn_set_body(&env, which, msg);
    bool timed_out;
    Fsd__Envelope *rep = webconn_call(r->app->conn, r->s.user, &env, r->app->timeout_ms, &timed_out);
    if (out)
        *out = NULL;
    if (env_out)
        *env_out = NULL;
    if (!rep && timed_out)
        return web_error(504, "timeout", NULL, "fsd-server did not answer within %d ms; try again",
                         r->app->timeout_ms);
    if (!rep)
        return web_error(503, "unavailable", NULL,
                         "no connection to fsd-server for this session; log in again");
    webanswer a = { 200, NULL };
    if (rep->body_case == FSD__ENVELOPE__BODY_ERROR) {
        const Fsd__Error *e = rep->error;
        a = web_error(s_http_status(e->code), wire_enum_name(&fsd__error_code__descriptor, e->code), e->field,
                      "%s", e->message);
    } else if (rep->body_case != want)
        a = web_error(502, "protocol", NULL, "fsd-server answered with something unexpected");
    else if (out)
        *out = pbjson_from_message(webconn_body(rep));
    if (env_out && a.status == 200)
        *env_out = rep;
    else
        fsd__envelope__free_unpacked(rep, NULL);
    return a;
}

/* ------------------------------------------------------------ static */

static const char *s_mime(const char *path)
{
    static const char *types[][2] = {
        { ".html", "text/html; charset=utf-8" },
        { ".js", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" },
        { ".json", "application/json" },
        { ".geojson", "application/geo+json" },
        { ".svg", "image/svg+xml" },
        { ".png", "image/png" },
        { ".ico", "image/x-icon" },
        { ".map", "application/json" },
        { ".txt", "text/plain; charset=utf-8" },
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i][0]) == 0)
            return types[i][1];
    return "application/octet-stream";
}

/* A file under dir: rel must be plain path characters without "..". */
static webanswer s_file(const char *dir, const char *rel)
{
    if (!*rel || rel[0] == '/' || strstr(rel, "..")
        || strspn(rel, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789._-/")
               != strlen(rel))
        return web_error(404, "not_found", NULL, "no such file");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return web_error(404, "not_found", NULL, "no such file");
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    MHD_add_response_header(resp, "Content-Type", s_mime(rel));
    return (webanswer){ 200, resp };
}

static webanswer s_static(webreq *r)
{
    const char *u = r->url;
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
        return web_error(405, "method", NULL, "only GET here");
    if (strcmp(u, "/") == 0 || strcmp(u, "/index.html") == 0)
        return s_file(r->app->static_dir, "index.html");
    if (strncmp(u, "/static/", 8) == 0)
        return s_file(r->app->static_dir, u + 8);
    if (strncmp(u, "/lib/leaflet/", 13) == 0)
        return s_file("/usr/share/javascript/leaflet", u + 13);
    if (strncmp(u, "/lib/chart.js/", 14) == 0)
        return s_file("/usr/share/javascript/chart.js", u + 14);
    if (strncmp(u, "/c/", 3) == 0 && u[3] && !strchr(u + 3, '/'))
        return s_file(r->app->static_dir, "customer.html");
    return web_error(404, "not_found", NULL, "nothing at %s", u);
}

/* ------------------------------------------------------ login, session */

static bool s_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* The POST came from a page of ours: Origin is our own scheme and host. */
static bool s_origin_ok(const webreq *r)
{
    const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
    if (!origin || !host)
        return false;
    char want[512];
    snprintf(want, sizeof want, "%s://%s", r->app->tls ? "https" : "http", host);
    return strcmp(origin, want) == 0;
}

static void s_client_addr(const webreq *r, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, len, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)len);
}

/* The user as the console shows them: login's and /api/me's answer. */
static json_t *s_me(webreq *r, bool with_prefs)
{
    webuser w;
    json_t *me = json_object();
    json_object_set_new(me, "user", json_string(r->s.user));
    if (webusers_get(r->app->users, r->s.user, &w) == 0) {
        json_object_set_new(me, "role", json_string(w.role));
        json_object_set_new(me, "provider", json_string(w.provider));
        json_t *ts = json_array();
        char *list = fsd_xstrdup(w.territories);
        for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
            json_array_append_new(ts, json_string(t));
        free(list);
        json_object_set_new(me, "territories", ts);
    }
    json_object_set_new(me, "csrf", json_string(r->s.csrf));
    if (with_prefs) {
        char *prefs = fsd_xmalloc(WEBUSER_PREFS_MAX + 1);
        json_t *p = NULL;
        if (webusers_prefs_get(r->app->users, r->s.user, prefs) == 0 && prefs[0])
            p = json_loads(prefs, 0, NULL);
        json_object_set_new(me, "prefs", p ? p : json_object());
        free(prefs);
    }
    return me;
}

static webanswer s_with_cookie(webanswer a, const webapp *app, const char *value, long max_age)
{
    char cookie[256];
    webcookie_build(cookie, sizeof cookie, app->tls, value, max_age);
    MHD_add_response_header(a.resp, "Set-Cookie", cookie);
    return a;
}

static webanswer s_login(webreq *r)
{
    webapp *app = r->app;
    json_error_t jerr;
    json_t *in = json_loadb(r->body, r->body_len, 0, &jerr);
    const char *user = NULL, *password = NULL;
    if (!in || json_unpack(in, "{s:s, s:s}", "user", &user, "password", &password) != 0 || !*user
        || strlen(user) >= WEBUSER_NAME_MAX) {
        json_decref(in);
        return web_error(400, "invalid_argument", "user", "send {\"user\": NAME, \"password\": PASSWORD}");
    }
    char addr[64], ukey[96], akey[96];
    s_client_addr(r, addr, sizeof addr);
    snprintf(ukey, sizeof ukey, "u:%s", user);
    snprintf(akey, sizeof akey, "a:%s", addr);
    int64_t now = wire_now_ms();
    if (!webratelimit_allowed(app->rl_user, ukey, now) || !webratelimit_allowed(app->rl_addr, akey, now)) {
        log_warn("web_login_limited", "user=%s addr=%s", log_quote(0, user), addr);
        json_decref(in);
        webanswer a =
            web_error(429, "rate_limited", NULL, "too many failed logins; wait a minute and try again");
        MHD_add_response_header(a.resp, "Retry-After", "60");
        return a;
    }
    fsd_keypair kp;
    int rc = webusers_unseal(app->users, user, password, &kp);
    if (rc != 0) {
        webratelimit_fail(app->rl_user, ukey, now);
        webratelimit_fail(app->rl_addr, akey, now);
        log_warn("web_login_failed", "user=%s addr=%s", log_quote(0, user), addr);
        json_decref(in);
        if (rc < 0)
            return web_error(500, "internal", NULL, "the users file cannot be read");
        return web_error(401, "unauthorized", NULL, "wrong user name or password");
    }
    webratelimit_clear(app->rl_user, ukey);
    if (websessions_create(app->sessions, user, now, &r->s) < 0) {
        sodium_memzero(&kp, sizeof kp);
        json_decref(in);
        return web_error(503, "unavailable", NULL, "too many open sessions; try again later");
    }
    webconn_open(app->conn, &kp);
    sodium_memzero(&kp, sizeof kp);
    r->authed = true;
    log_info("web_login", "user=%s addr=%s", log_quote(0, user), addr);
    json_decref(in);
    return s_with_cookie(web_json(200, s_me(r, false)), app, r->s.id, -1);
}

static webanswer s_logout(webreq *r)
{
    char user[64];
    if (websessions_end(r->app->sessions, r->s.id, user) >= 0) {
        webevents_end_session(r->app->ev, r->s.id);
        webconn_close(r->app->conn, user);
        log_info("web_logout", "user=%s", log_quote(0, user));
    }
    return s_with_cookie(web_json(200, json_pack("{s:b}", "ok", 1)), r->app, "", 0);
}

static webanswer s_prefs(webreq *r)
{
    if (r->body_len > WEBUSER_PREFS_MAX)
        return web_error(413, "too_large", "prefs", "preferences are limited to %d bytes", WEBUSER_PREFS_MAX);
    json_t *in = json_loadb(r->body, r->body_len, 0, NULL);
    if (!in)
        return web_error(400, "invalid_argument", "prefs", "the preferences must be JSON");
    char *text = json_dumps(in, JSON_COMPACT);
    json_decref(in);
    int rc = text ? webusers_prefs_put(r->app->users, r->s.user, text) : -1;
    free(text);
    if (rc < 0)
        return web_error(500, "internal", NULL, "the preferences could not be saved");
    return web_json(200, json_pack("{s:b}", "ok", 1));
}

/* Live events: a stream over this session's user's board. */
static webanswer s_events(webreq *r)
{
    const char *last = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Last-Event-ID");
    webstream *s = webevents_open(r->app->ev, r->s.user, r->s.id, web_arg(r, "territory"), last);
    webstream_bind(s, r->conn);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, webstream_read, s, webstream_free);
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    return (webanswer){ 200, resp };
}

static webanswer s_territories(webreq *r)
{
    if (!r->app->territories)
        return web_error(501, "not_implemented", NULL,
                         "no territories here: start fsd-web with --territories FILE.geojson");
    webuser w;
    bool scoped = webusers_get(r->app->users, r->s.user, &w) == 0 && w.territories[0];
    json_t *out = json_array();
    json_t *features = json_object_get(r->app->territories, "features");
    size_t i;
    json_t *f;
    json_array_foreach(features, i, f)
    {
        const char *id = json_string_value(json_object_get(json_object_get(f, "properties"), "id"));
        char pad[1100];
        snprintf(pad, sizeof pad, ",%s,", w.territories);
        char needle[128];
        snprintf(needle, sizeof needle, ",%s,", id ? id : "");
        if (!scoped || (id && strstr(pad, needle)))
            json_array_append(out, f);
    }
    return web_json(200, json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", out));
}

/* Routes of a session; the POST/PUT ones checked for CSRF and Origin. */
static webanswer s_session_routes(webreq *r)
{
    const char *cookie = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Cookie");
    char id[WEBSESSION_ID_LEN + 1];
    if (!cookie || !webcookie_find(cookie, r->app->tls, id)
        || websessions_touch(r->app->sessions, id, wire_now_ms(), &r->s) != 0)
        return web_error(401, "unauthorized", NULL, "not logged in, or the session expired; log in again");
    r->authed = true;
    bool writes = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0;
    if (writes) {
        const char *csrf = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
        if (!csrf || !websession_equal(csrf, r->s.csrf))
            return web_error(403, "csrf", NULL, "missing or wrong X-CSRF-Token header; reload the page");
        if (!s_origin_ok(r))
            return web_error(403, "origin", NULL, "the request's Origin is not this server");
    }
    if (strcmp(r->url, "/api/logout") == 0 && writes)
        return s_logout(r);
    if (strcmp(r->url, "/api/me") == 0)
        return web_json(200, s_me(r, true));
    if (strcmp(r->url, "/api/prefs") == 0 && strcmp(r->method, "PUT") == 0)
        return s_prefs(r);
    if (strcmp(r->url, "/api/events") == 0)
        return s_events(r);
    if (strcmp(r->url, "/api/territories") == 0)
        return s_territories(r);
    return webapi_route(r);
}

static webanswer s_route(webreq *r)
{
    if (strncmp(r->url, "/api/", 5) != 0)
        return s_static(r);
    if (strcmp(r->url, "/api/login") == 0) {
        if (strcmp(r->method, "POST") != 0)
            return web_error(405, "method", NULL, "log in with POST");
        if (!s_origin_ok(r))
            return web_error(403, "origin", NULL, "the request's Origin is not this server");
        return s_login(r);
    }
    if (strncmp(r->url, "/api/c/", 7) == 0) {
        if (!r->app->portal_key)
            return web_error(501, "not_implemented", NULL,
                             "customer pages are off here: start fsd-web with --portal-key FILE");
        if (strcmp(r->method, "POST") == 0) {
            const char *xr = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Requested-With");
            if (!s_origin_ok(r) || !xr || strcmp(xr, "fsd") != 0)
                return web_error(403, "origin", NULL, "this request did not come from the customer page");
        }
        snprintf(r->s.user, sizeof r->s.user, "%s", WEBCONN_PORTAL);
        return webapi_customer(r);
    }
    return s_session_routes(r);
}

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
                      : s_route(&r);
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
        { "listen", 1, 0, 'l' },
        { "server", 1, 0, 's' },
        { "server-key", 1, 0, 'k' },
        { "users", 1, 0, 'u' },
        { "static", 1, 0, 'S' },
        { "tls-cert", 1, 0, 'c' },
        { "tls-key", 1, 0, 'K' },
        { "portal-key", 1, 0, 'p' },
        { "territories", 1, 0, 't' },
        { "idle-min", 1, 0, 'i' },
        { "session-hours", 1, 0, 'H' },
        { "idle-s", 1, 0, 'I' },
        { "timeout", 1, 0, 'T' },
        { "log-level", 1, 0, 'L' },
        { "help", 0, 0, 'h' },
        { "version", 0, 0, 'V' },
        { 0, 0, 0, 0 },
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
        webconn_destroy(&app.conn);
        return 1;
    }
    log_info("listening", "addr=%s tls=%s server=%s static=%s", app.listen, app.tls ? "yes" : "no",
             log_quote(0, app.server), log_quote(1, app.static_dir));
    for (int tick = 0; !s_stop; tick++) {
        usleep(250 * 1000);
        websessions_sweep(app.sessions, wire_now_ms(), s_session_gone, &app);
        if (tick % 60 == 59)
            webevents_ping(app.ev); /* every 15 s */
    }
    log_info("stopping", "signal=%d", (int)s_stop);
    webevents_shutdown(app.ev);
    usleep(100 * 1000);
    MHD_stop_daemon(d);
    webconn_destroy(&app.conn);
    webevents_destroy(&app.ev);
    websessions_destroy(&app.sessions);
    webratelimit_destroy(&app.rl_user);
    webratelimit_destroy(&app.rl_addr);
    webusers_close(&app.users);
    json_decref(app.territories);
    if (key) {
        sodium_memzero(key, strlen(key));
        free(key);
    }
    free(cert);
    return 0;
}
