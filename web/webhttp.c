/*  webhttp.c — fsd-web's answers: JSON and errors, calls to fsd-server
    answered as JSON, and the static files (web.h). */
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

webanswer web_static(webreq *r)
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
