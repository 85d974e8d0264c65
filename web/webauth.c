/*  webauth.c — who is asking: logins, sessions, the CSRF and Origin
    checks, and the routes a session opens (web.h). A login unseals the
    user's key (webusers.h) and opens their own connection to fsd-server
    (webconn.h); every later request of the session goes on it. */
#include "web.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsd/log.h"
#include "fsd/pbjson.h"
#include "fsd/wire.h"
#include "fsd/xalloc.h"

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

webanswer web_route(webreq *r)
{
    if (strncmp(r->url, "/api/", 5) != 0)
        return web_static(r);
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
