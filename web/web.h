/*  web.h — what fsd-web's modules share: the program's settings and
    state, one HTTP request being answered, and the answers' helpers. */
#ifndef FSD_WEB_H
#define FSD_WEB_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include "fsd.pb-c.h"
#include "webconn.h"
#include "webevents.h"
#include "websession.h"
#include "webusers.h"

/* Request bodies above this are refused (413) without being kept. */
#define WEB_BODY_MAX (64 * 1024)

typedef struct {
    /* settings */
    const char *listen;
    const char *server;
    const char *server_key;
    const char *users_path;
    const char *static_dir;
    const char *tls_cert, *tls_key;
    const char *portal_key;
    const char *territories_path;
    double idle_min, session_hours;
    int timeout_ms;
    bool tls;
    /* state */
    webusers *users;
    websessions *sessions;
    webratelimit *rl_user, *rl_addr;
    webconn *conn;
    webevents *ev;
    json_t *territories; /* the GeoJSON of --territories, or NULL */
} webapp;

typedef struct {
    webapp *app;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    const char *body;
    size_t body_len;
    bool authed;
    websession s;          /* when authed */
    const char *user_note; /* who, for the log line */
} webreq;

/* An answer: status and a response (with the common headers added by
   the caller). */
typedef struct {
    unsigned status;
    struct MHD_Response *resp;
} webanswer;

/* JSON answers; web_json takes the reference of j. */
webanswer web_json(unsigned status, json_t *j);
webanswer web_error(unsigned status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A query argument ("" when absent). */
const char *web_arg(const webreq *r, const char *name);

/* Sends msg as the envelope body `which` on the user's connection. The
   reply's body message as JSON in *out (answer.status 200), or an error
   answer (fsd-server's Error, or 504 when it did not answer). want: the
   expected reply case. *env_out, when not NULL, receives the envelope
   (caller frees) for callers that read the message itself. */
webanswer web_call(webreq *r, Fsd__Envelope__BodyCase which, void *msg, Fsd__Envelope__BodyCase want,
                   json_t **out, Fsd__Envelope **env_out);

/* webhttp.c: a static file (the console, its libraries, the customer page). */
webanswer web_static(webreq *r);
/* webauth.c: every request's route: login, the session's checks, then the
   routes of a session (webapi_route) or of a customer page. */
webanswer web_route(webreq *r);

/* webapi.c: every /api route of a session that goes to fsd-server. */
webanswer webapi_route(webreq *r);
/* webapi.c: the customer page's routes (/api/c/TOKEN...), on the portal
   connection; the caller checked a POST's Origin and X-Requested-With. */
webanswer webapi_customer(webreq *r);

#endif
