/*  webapi.c — the JSON API routes that go to fsd-server (web.h).

    Each route turns a path and a JSON body into one request of
    fsd.proto, sends it on the user's own connection, and prints the
    answer as JSON (proto/pbjson.c), in the field names of fsd.proto. */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fsd/pbjson.h"
#include "fsd/wire.h"
#include "fsd/xalloc.h"

#define ID_MAX 64

/* The path's id after prefix, up to the next '/' (into id), and what follows. */
static const char *s_path_id(const char *url, const char *prefix, char id[ID_MAX + 1])
{
    size_t n = strlen(prefix);
    if (strncmp(url, prefix, n) != 0)
        return NULL;
    const char *p = url + n, *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 0 || len > ID_MAX)
        return NULL;
    memcpy(id, p, len);
    id[len] = '\0';
    return slash ? slash : "";
}

static bool s_is(const webreq *r, const char *method)
{
    return strcmp(r->method, method) == 0;
}

/* The JSON body as an object (NULL: answer 400). */
static json_t *s_body(const webreq *r)
{
    if (r->body_len == 0)
        return json_object();
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Answers the reply's JSON, or the error. */
static webanswer s_ask(webreq *r, Fsd__Envelope__BodyCase which, void *msg, Fsd__Envelope__BodyCase want)
{
    json_t *out;
    webanswer a = web_call(r, which, msg, want, &out, NULL);
    return a.resp ? a : web_json(200, out ? out : json_object());
}

/* A time argument: epoch ms, or YYYY-MM-DD (UTC). 0 when empty, -1 bad. */
static int64_t s_time_arg(const char *s)
{
    if (!*s)
        return 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end == '\0' && v >= 0)
        return v;
    struct tm tm = { 0 };
    end = strptime(s, "%Y-%m-%d", &tm);
    if (!end || *end)
        return -1;
    return (int64_t)timegm(&tm) * 1000;
}

static webanswer s_job(webreq *r, const char *id)
{
    Fsd__GetJob g = FSD__GET_JOB__INIT;
    g.job_id = (char *)id;
    json_t *out;
    webanswer a = web_call(r, FSD__ENVELOPE__BODY_GET_JOB, &g, FSD__ENVELOPE__BODY_JOB_VIEW, &out, NULL);
    if (a.resp)
        return a;
    json_t *h = json_object_get(out, "history");
    json_object_set(out, "events", h ? h : json_array());
    return web_json(200, out);
}

/* Candidates eligible first (no failed rule), then by score. */
static int s_candidate_order(const void *a, const void *b)
{
    const Fsd__Candidate *x = *(Fsd__Candidate *const *)a, *y = *(Fsd__Candidate *const *)b;
    bool ex = !x->failed[0], ey = !y->failed[0];
    if (ex != ey)
        return ex ? -1 : 1;
    return (x->score > y->score) - (x->score < y->score);
}

/* The job's explanation (ordered), as an envelope the caller frees. */
static webanswer s_explain_env(webreq *r, const char *id, Fsd__Envelope **env)
{
    Fsd__Explain x = FSD__EXPLAIN__INIT;
    x.job_id = (char *)id;
    webanswer a = web_call(r, FSD__ENVELOPE__BODY_EXPLAIN, &x, FSD__ENVELOPE__BODY_EXPLANATION, NULL, env);
    if (!a.resp && (*env)->explanation->n_candidates)
        qsort((*env)->explanation->candidates, (*env)->explanation->n_candidates, sizeof(Fsd__Candidate *),
              s_candidate_order);
    return a;
}

static webanswer s_explain(webreq *r, const char *id)
{
    Fsd__Envelope *env;
    webanswer a = s_explain_env(r, id, &env);
    if (a.resp)
        return a;
    json_t *out = pbjson_from_message(&env->explanation->base);
    fsd__envelope__free_unpacked(env, NULL);
    return web_json(200, out);
}

/* A MoveCheck as the console reads it: ok always present. */
static webanswer s_move_check(json_t *out)
{
    if (!json_object_get(out, "ok"))
        json_object_set_new(out, "ok", json_false());
    return web_json(200, out);
}

/* A move or a company's assignment: check (nothing changes), or do it,
   past the soft rules with override and a reason. */
static webanswer s_move(webreq *r, const char *id, bool company)
{
    json_t *in = s_body(r);
    if (!in)
        return web_error(400, "invalid_argument", NULL, "the body must be a JSON object");
    const char *tech = s_str(in, "technician_id"), *terr = s_str(in, "territory"),
               *reason = s_str(in, "reason");
    bool check = json_is_true(json_object_get(in, "check")),
         override = json_is_true(json_object_get(in, "override"));
    if (company ? !*tech : !*tech == !*terr) {
        json_decref(in);
        return web_error(400, "invalid_argument", "technician_id",
                         company ? "give the technician_id to assign"
                                 : "give exactly one of technician_id and territory");
    }
    if (override && !*reason) {
        json_decref(in);
        return web_error(400, "invalid_argument", "reason", "an override needs a reason");
    }
    json_t *out;
    webanswer a;
    Fsd__Reassign m = FSD__REASSIGN__INIT;
    Fsd__CompanyAssign ca = FSD__COMPANY_ASSIGN__INIT;
    if (company) {
        ca.job_id = (char *)id;
        ca.technician_id = (char *)tech;
        ca.reason = (char *)reason;
        ca.check_only = check;
        ca.override = override;
        a = web_call(r, FSD__ENVELOPE__BODY_COMPANY_ASSIGN, &ca,
                     check ? FSD__ENVELOPE__BODY_MOVE_CHECK : FSD__ENVELOPE__BODY_JOB_VIEW, &out, NULL);
    } else {
        m.job_id = (char *)id;
        m.technician_id = (char *)tech;
        m.territory = (char *)terr;
        m.reason = (char *)(*reason || check ? reason : "moved on the console");
        m.check_only = check;
        m.override = override;
        a = web_call(r, FSD__ENVELOPE__BODY_REASSIGN, &m,
                     check ? FSD__ENVELOPE__BODY_MOVE_CHECK : FSD__ENVELOPE__BODY_JOB_VIEW, &out, NULL);
    }
    json_decref(in);
    if (a.resp)
        return a;
    return check ? s_move_check(out) : web_json(200, out);
}

static webanswer s_cancel(webreq *r, const char *id)
{
    json_t *in = s_body(r);
    if (!in)
        return web_error(400, "invalid_argument", NULL, "the body must be a JSON object");
    Fsd__CancelJob m = FSD__CANCEL_JOB__INIT;
    m.job_id = (char *)id;
    m.reason = (char *)s_str(in, "reason");
    webanswer a = s_ask(r, FSD__ENVELOPE__BODY_CANCEL_JOB, &m, FSD__ENVELOPE__BODY_JOB_VIEW);
    json_decref(in);
    return a;
}

static webanswer s_decision(webreq *r, const char *id)
{
    json_t *in = s_body(r);
    if (!in)
        return web_error(400, "invalid_argument", NULL, "the body must be a JSON object");
    int action = wire_enum_value(&fsd__care_action__descriptor, s_str(in, "action"));
    if (action <= 0) {
        json_decref(in);
        return web_error(
            400, "invalid_argument", "action",
            "action must be goodwill, close_follow_up, return_visit, approve_waiver or reject_waiver");
    }
    Fsd__CareDecision m = FSD__CARE_DECISION__INIT;
    m.action = (Fsd__CareAction)action;
    m.follow_up_id = strcmp(id, "-") ? (char *)id : "";
    m.job_id = (char *)s_str(in, "job_id");
    m.reason = (char *)s_str(in, "reason");
    m.outcome = (char *)s_str(in, "outcome");
    webanswer a = s_ask(r, FSD__ENVELOPE__BODY_CARE_DECISION, &m, FSD__ENVELOPE__BODY_JOB_VIEW);
    json_decref(in);
    return a;
}

static webanswer s_report(webreq *r, bool csv);

/* A company dispatcher's answer to an offer; a decline's reason is one of
   too_far, no_parts, not_my_skill, off_shift, other (else other, with the
   text as the note). */
static webanswer s_offer_reply(webreq *r, const char *id, bool accept)
{
    json_t *in = s_body(r);
    if (!in)
        return web_error(400, "invalid_argument", NULL, "the body must be a JSON object");
    Fsd__CompanyOfferReply m = FSD__COMPANY_OFFER_REPLY__INIT;
    m.job_id = (char *)id;
    m.accept = accept;
    m.note = (char *)s_str(in, "note");
    if (!accept) {
        const char *reason = s_str(in, "reason");
        int v = wire_enum_value(&fsd__decline_reason__descriptor, reason);
        m.reason = v > 0 ? (Fsd__DeclineReason)v : FSD__DECLINE_REASON__DECLINE_OTHER;
        if (v <= 0 && !*m.note)
            m.note = (char *)reason;
    }
    webanswer a = s_ask(r, FSD__ENVELOPE__BODY_COMPANY_OFFER_REPLY, &m, FSD__ENVELOPE__BODY_JOB_VIEW);
    json_decref(in);
    return a;
}

/* A customer link token: base64url characters, of a sane length. */
static bool s_token_ok(const char *t)
{
    size_t n = strlen(t);
    return n >= 16 && n <= 48
           && strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

webanswer webapi_customer(webreq *r)
{
    char token[ID_MAX + 1];
    const char *rest = s_path_id(r->url, "/api/c/", token);
    if (!rest || !s_token_ok(token))
        return web_error(404, "not_found", NULL, "This link is unknown or has expired.");
    webanswer a;
    json_t *in = NULL;
    if (!*rest && s_is(r, "GET")) {
        Fsd__LinkShow m = FSD__LINK_SHOW__INIT;
        m.token = token;
        a = s_ask(r, FSD__ENVELOPE__BODY_LINK_SHOW, &m, FSD__ENVELOPE__BODY_LINK_VIEW);
    } else if (strcmp(rest, "/events") == 0 && s_is(r, "GET")) {
        webstream *s = webevents_open_link(r->app->ev, token);
        webstream_bind(s, r->conn);
        struct MHD_Response *resp =
            MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, webstream_read, s, webstream_free);
        MHD_add_response_header(resp, "Content-Type", "text/event-stream");
        return (webanswer){ 200, resp };
    } else if (strcmp(rest, "/cancel") == 0 && s_is(r, "POST")) {
        if (!(in = s_body(r)))
            return web_error(400, "invalid_argument", NULL, "the body must be a JSON object");
        Fsd__LinkCancel m = FSD__LINK_CANCEL__INIT;
        m.token = token;
        m.reason = (char *)s_str(in, "reason");
        a = s_ask(r, FSD__ENVELOPE__BODY_LINK_CANCEL, &m, FSD__ENVELOPE__BODY_LINK_VIEW);
    } else if (strcmp(rest, "/rate") == 0 && s_is(r, "POST")) {
        if (!(in = s_body(r)))
            return web_error(400, "invalid_argument", NULL, "the body must be a JSON object");
        json_t *stars = json_object_get(in, "stars");
        if (!json_is_integer(stars) || json_integer_value(stars) < 1 || json_integer_value(stars) > 5) {
            json_decref(in);
            return web_error(400, "invalid_argument", "stars", "stars must be a whole number from 1 to 5");
        }
        Fsd__LinkRate m = FSD__LINK_RATE__INIT;
        m.token = token;
        m.stars = (uint32_t)json_integer_value(stars);
        m.comment = (char *)s_str(in, "comment");
        a = s_ask(r, FSD__ENVELOPE__BODY_LINK_RATE, &m, FSD__ENVELOPE__BODY_LINK_VIEW);
    } else
        return web_error(404, "not_found", NULL, "nothing at %s %s", r->method, r->url);
    json_decref(in);
    if (a.status == 404) {
        MHD_destroy_response(a.resp);
        return web_error(404, "not_found", NULL, "This link is unknown or has expired.");
    }
    return a;
}

static webanswer s_jobs_routes(webreq *r)
{
    char id[ID_MAX + 1];
    const char *rest = s_path_id(r->url, "/api/jobs/", id);
    if (!rest)
        return web_error(404, "not_found", NULL, "nothing at %s", r->url);
    if (!*rest && s_is(r, "GET"))
        return s_job(r, id);
    if (strcmp(rest, "/explain") == 0 && s_is(r, "GET"))
        return s_explain(r, id);
    if (strcmp(rest, "/move") == 0 && s_is(r, "POST"))
        return s_move(r, id, false);
    if (strcmp(rest, "/cancel") == 0 && s_is(r, "POST"))
        return s_cancel(r, id);
    if (strcmp(rest, "/assign") == 0 && s_is(r, "POST"))
        return s_move(r, id, true);
    return web_error(404, "not_found", NULL, "nothing at %s %s", r->method, r->url);
}

static webanswer s_lists(webreq *r)
{
    const char *u = r->url;
    if (strcmp(u, "/api/escalations") == 0) {
        Fsd__EscalationsRequest m = FSD__ESCALATIONS_REQUEST__INIT;
        m.territory = (char *)web_arg(r, "territory");
        m.limit = (uint32_t)atoi(web_arg(r, "limit"));
        return s_ask(r, FSD__ENVELOPE__BODY_ESCALATIONS, &m, FSD__ENVELOPE__BODY_ESCALATION_LIST);
    }
    if (strcmp(u, "/api/followups") == 0) {
        Fsd__FollowUps m = FSD__FOLLOW_UPS__INIT;
        m.territory = (char *)web_arg(r, "territory");
        m.all = strcmp(web_arg(r, "all"), "1") == 0 || strcmp(web_arg(r, "all"), "true") == 0;
        return s_ask(r, FSD__ENVELOPE__BODY_FOLLOW_UPS, &m, FSD__ENVELOPE__BODY_FOLLOW_UPS);
    }
    if (strcmp(u, "/api/technicians") == 0) {
        Fsd__ListTechnicians m = FSD__LIST_TECHNICIANS__INIT;
        m.territory = (char *)web_arg(r, "territory");
        return s_ask(r, FSD__ENVELOPE__BODY_LIST_TECHNICIANS, &m, FSD__ENVELOPE__BODY_TECHNICIAN_LIST);
    }
    if (strcmp(u, "/api/board") == 0) {
        Fsd__BoardRequest m = FSD__BOARD_REQUEST__INIT;
        m.territory = (char *)web_arg(r, "territory");
        return s_ask(r, FSD__ENVELOPE__BODY_BOARD, &m, FSD__ENVELOPE__BODY_BOARD_VIEW);
    }
    if (strcmp(u, "/api/jobs") == 0) {
        Fsd__ListJobs m = FSD__LIST_JOBS__INIT;
        m.territory = (char *)web_arg(r, "territory");
        int st = *web_arg(r, "state") ? wire_enum_value(&fsd__job_state__descriptor, web_arg(r, "state")) : 0;
        if (st < 0)
            return web_error(400, "invalid_argument", "state", "unknown state %s", web_arg(r, "state"));
        m.state = (Fsd__JobState)st;
        m.technician_id = (char *)web_arg(r, "technician_id");
        m.limit = (uint32_t)atoi(web_arg(r, "limit"));
        return s_ask(r, FSD__ENVELOPE__BODY_LIST_JOBS, &m, FSD__ENVELOPE__BODY_JOB_LIST);
    }
    if (strcmp(u, "/api/report") == 0)
        return s_report(r, false);
    if (strcmp(u, "/api/report.csv") == 0)
        return s_report(r, true);
    if (strcmp(u, "/api/offers") == 0) {
        Fsd__CompanyOffers m = FSD__COMPANY_OFFERS__INIT;
        return s_ask(r, FSD__ENVELOPE__BODY_COMPANY_OFFERS, &m, FSD__ENVELOPE__BODY_COMPANY_OFFERS);
    }
    return web_error(404, "not_found", NULL, "nothing at %s", u);
}

/* One CSV cell: quoted when it holds a comma, a quote or a line break. */
static void s_csv_cell(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The report's groups and total as CSV: one column per number of KpiGroup. */
static webanswer s_report_csv(const Fsd__ReportView *v)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    const ProtobufCMessageDescriptor *d = &fsd__kpi_group__descriptor;
    for (unsigned i = 0; i < d->n_fields; i++)
        if (d->fields[i].label != PROTOBUF_C_LABEL_REPEATED)
            fprintf(f, "%s%s", i ? "," : "", d->fields[i].name);
    fputs("\r\n", f);
    const Fsd__KpiGroup *rows[v->n_groups + 1];
    size_t n = 0;
    for (size_t g = 0; g < v->n_groups; g++)
        rows[n++] = v->groups[g];
    if (v->total)
        rows[n++] = v->total;
    for (size_t g = 0; g < n; g++) {
        for (unsigned i = 0; i < d->n_fields; i++) {
            const ProtobufCFieldDescriptor *fd = &d->fields[i];
            const char *p = (const char *)rows[g] + fd->offset;
            if (fd->label == PROTOBUF_C_LABEL_REPEATED)
                continue;
            if (i)
                fputc(',', f);
            if (fd->type == PROTOBUF_C_TYPE_STRING)
                s_csv_cell(f, *(char *const *)p ? *(char *const *)p : "");
            else if (fd->type == PROTOBUF_C_TYPE_DOUBLE)
                fprintf(f, "%.2f", *(const double *)p);
            else if (fd->type == PROTOBUF_C_TYPE_UINT64)
                fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)p);
        }
        fputs("\r\n", f);
    }
    fclose(f);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "text/csv; charset=utf-8");
    MHD_add_response_header(resp, "Content-Disposition", "attachment; filename=\"fsd-report.csv\"");
    return (webanswer){ 200, resp };
}

static webanswer s_report(webreq *r, bool csv)
{
    Fsd__ReportRequest m = FSD__REPORT_REQUEST__INIT;
    m.from = s_time_arg(web_arg(r, "from"));
    m.to = s_time_arg(web_arg(r, "to"));
    if (m.from < 0 || m.to < 0)
        return web_error(400, "invalid_argument", m.from < 0 ? "from" : "to",
                         "times are epoch milliseconds or YYYY-MM-DD (UTC)");
    m.by = (char *)web_arg(r, "by");
    if (!csv)
        return s_ask(r, FSD__ENVELOPE__BODY_REPORT, &m, FSD__ENVELOPE__BODY_REPORT_VIEW);
    Fsd__Envelope *env;
    webanswer a = web_call(r, FSD__ENVELOPE__BODY_REPORT, &m, FSD__ENVELOPE__BODY_REPORT_VIEW, NULL, &env);
    if (a.resp)
        return a;
    a = s_report_csv(env->report_view);
    fsd__envelope__free_unpacked(env, NULL);
    return a;
}

webanswer webapi_route(webreq *r)
{
    char id[ID_MAX + 1];
    const char *rest;
    if (strncmp(r->url, "/api/jobs/", 10) == 0)
        return s_jobs_routes(r);
    if ((rest = s_path_id(r->url, "/api/followups/", id)) && strcmp(rest, "/decision") == 0
        && s_is(r, "POST"))
        return s_decision(r, id);
    if ((rest = s_path_id(r->url, "/api/offers/", id)) && s_is(r, "POST")
        && (strcmp(rest, "/accept") == 0 || strcmp(rest, "/decline") == 0))
        return s_offer_reply(r, id, strcmp(rest, "/accept") == 0);
    if (!s_is(r, "GET"))
        return web_error(405, "method", NULL, "%s is not allowed on %s", r->method, r->url);
    return s_lists(r);
}
