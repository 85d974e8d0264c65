/*  notify.c — what the customer is told, and when.

    When a job is accepted, when its technician is on the way, when it is
    at risk of missing its SLA deadline ("late"), when it is done and when
    it is cancelled, the customer gets a message. The message is rendered
    from the template for that event in the customer's language and
    written as a row of the notifications table (the durable outbox) in
    the same transaction as the change that caused it: the hooks are in
    job_move (jobs.c), s_risk (dispatch.c) and the intake (handlers.c).
    So a crash can neither lose a notification whose change committed, nor
    invent one for a change that did not. notify_send.c delivers the rows.

    Which words: the template for (event, the customer's language), then
    for the language without its region ("pt" for "pt-BR"), then the
    operator's default wording (language ""), then the built-in English
    (fsd/template.h). The text "-" means the event is not sent.

    Also here: the requests about notifications (templates load and list,
    the notification list), the job's notifications on `fsdctl track`, and
    the counters of `fsdctl stats`.

    Deliberately not here: delivery (notify_send.c), SQL (store.c). */
#include "notify.h"

#include "link.h"
#include "notify_send.h"
#include "server.h"
#include "verbs.h"
#include "jobview.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/log.h"
#include "fsd/timetext.h"
#include "fsd/wire.h"

#define LANG_MAX 16

/* ------------------------------------------------------------ queueing */

/* The template text for event e in language lang, by the fallbacks above. */
static int s_template(server *srv, notify_event e, const char *lang, char *out, size_t outlen)
{
    const char *event = notify_event_name(e);
    char base[LANG_MAX];
    snprintf(base, sizeof base, "%s", lang);
    char *dash = strchr(base, '-');
    if (dash)
        *dash = 0;
    const char *tries[3] = { lang, dash ? base : NULL, "" };
    for (int i = 0; i < 3; i++) {
        if (!tries[i] || (i < 2 && !tries[i][0]))
            continue;
        int rc = store_template_get(srv->store, event, tries[i], out, outlen);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    snprintf(out, outlen, "%s", srv->cfg.link.base ? template_builtin_linked(e) : template_builtin(e));
    return 0;
}

/* The zone of the job's territory ("UTC" when it has none). */
static const char *s_job_zone(server *srv, const job *j)
{
    return j->territory >= 0 && (size_t)j->territory < srv->n_territories
               ? srv->territories[j->territory].row->tz
               : "UTC";
}

/* A time as the customer reads it: in the job's territory, with the zone
   shown ("2026-12-09 01:46 CET"), as fsdctl writes times (timetext.h). */
static void s_local_time(server *srv, const job *j, int64_t at, char *out, size_t outlen)
{
    timetext_local(at, s_job_zone(srv, j), out, outlen);
}

/* The booked appointment window with its zone's abbreviation at the
   start: "Sat 2026-11-28 14:00–16:00 CET". */
static void s_window_text(const Fsd__JobView *v, char *out, size_t outlen)
{
    char start[TIMETEXT_LEN];
    timetext_local(v->window_start, v->window_tz, start, sizeof start);
    const char *abbr = strrchr(start, ' ');
    snprintf(out, outlen, "%s%s", v->window_local, abbr ? abbr : "");
}

/* When the technician should arrive: now plus the travel time from their
   last known position (accepted, en route), else the arrive-by promise. */
static int64_t s_eta(server *srv, const job *j, notify_event e, const technician *tech, int64_t now)
{
    if (tech && (e == NE_ACCEPTED || e == NE_EN_ROUTE) && geo_valid(tech->pos) && geo_valid(j->at)
        && !(tech->pos.lat == 0 && tech->pos.lon == 0) && srv->cfg.match.speed_kmh > 0) {
        double min = geo_distance_km(tech->pos, j->at) / srv->cfg.match.speed_kmh * 60.0;
        return now + (int64_t)ceil(min) * 60000;
    }
    return j->arrive_by;
}

int64_t notify_eta(server *srv, const job *j, const technician *tech, int64_t now)
{
    return s_eta(srv, j, NE_EN_ROUTE, tech, now);
}

int notify_job_event(server *srv, const job *j, notify_event e, const technician *tech, int64_t now)
{
    if (srv->cfg.notify.off)
        return 0;
    Fsd__JobView *v;
    if (jobview_open(srv, srv->arena, j, &v) < 0)
        return -1;
    char lang[LANG_MAX];
    if (store_customer_language(srv->store, v->phone, lang, sizeof lang) < 0)
        return -1;
    char text[TEMPLATE_TEXT_MAX + 1];
    if (s_template(srv, e, lang, text, sizeof text) < 0)
        return -1;
    if (template_is_off(text))
        return 0;

    char eta[TIMETEXT_LEN], window[128], appliance[64];
    s_local_time(srv, j, s_eta(srv, j, e, tech, now), eta, sizeof eta);
    if (v->window_end && v->window_local[0])
        s_window_text(v, window, sizeof window);
    else
        s_local_time(srv, j, j->arrive_by, window, sizeof window);
    template_category_words(v->category, appliance, sizeof appliance);
    template_values vals = { { 0 } };
    vals.value[TP_CUSTOMER] = v->customer_name;
    vals.value[TP_JOB] = j->id;
    vals.value[TP_TECHNICIAN] = tech ? tech->row->name : "";
    vals.value[TP_ETA] = eta;
    /* the booked appointment window when the customer asked for one, else the arrive-by promise */
    vals.value[TP_WINDOW] = window;
    vals.value[TP_APPLIANCE] = appliance;
    vals.value[TP_BRAND] = v->brand;
    vals.value[TP_MODEL] = v->model;
    vals.value[TP_ADDRESS] = v->address;
    /* the link goes in when the message leaves (link.h): the outbox keeps the marker */
    if (srv->cfg.link.base) {
        vals.value[TP_LINK] = LINK_MARKER;
        if (link_ensure(srv, j->id) < 0)
            return -1;
    }
    char msg[TEMPLATE_OUT_MAX + 1];
    if (template_render(text, &vals, msg, sizeof msg) < 0) {
        /* stored templates are checked when loaded: only a damaged row gets here */
        log_error("notify_template", "event=%s language=%s error=unusable_template", notify_event_name(e),
                  lang[0] ? lang : "-");
        template_render(template_builtin(e), &vals, msg, sizeof msg);
    }
    store_notification n = {
        .job_id = j->id,
        .event = notify_event_name(e),
        .phone = v->phone,
        .customer_name = v->customer_name,
        .language = lang,
        .technician_id = tech ? tech->row->id : "",
        .text = msg,
        .created_at = now,
    };
    int64_t id;
    if (store_notification_put(srv->store, &n, &id) < 0)
        return -1;
    if (srv->notifier)
        notify_queued(srv->notifier, now);
    log_info("notify_queued", "id=%lld job=%s event=%s phone=%s", (long long)id, j->id, n.event, n.phone);
    return 0;
}

int notify_job_moved(server *srv, const job *j, job_state to, const technician *after, int64_t now)
{
    notify_event e;
    switch (to) {
    case JS_ASSIGNED:
        /* a new holder; not a dispatcher's move that keeps the same one */
        if (!after || (j->tech == after && j->state != JS_OFFERED && job_state_holds_capacity(j->state)))
            return 0;
        e = NE_ACCEPTED;
        break;
    case JS_EN_ROUTE: e = NE_EN_ROUTE; break;
    case JS_COMPLETED: e = NE_COMPLETED; break;
    case JS_CANCELLED: e = NE_CANCELLED; break;
    default: return 0;
    }
    return notify_job_event(srv, j, e, after, now);
}

/* ------------------------------------------------------------- views */

static const char *s_status_names[] = { "pending", "sent", "failed" };

/* "pending", "sent", "failed" → 0, 1, 2; "" → -1 (any); else -2. */
static int s_status_parse(const char *s)
{
    if (!s[0])
        return -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(s, s_status_names[i]) == 0)
            return i;
    return -2;
}

typedef struct {
    call *c;
    Fsd__NotificationView **list;
    size_t n, cap;
} s_views;

/* One stored notification as a view in the arena (store callback). */
static void s_view(void *arg, const store_notification *sn)
{
    s_views *vs = arg;
    arena *a = vs->c->a;
    if (vs->n == vs->cap) {
        size_t cap = vs->cap ? vs->cap * 2 : 16;
        Fsd__NotificationView **bigger = arena_alloc(a, cap * sizeof *bigger);
        if (vs->n)
            memcpy(bigger, vs->list, vs->n * sizeof *bigger);
        vs->list = bigger;
        vs->cap = cap;
    }
    Fsd__NotificationView *v = arena_alloc(a, sizeof *v);
    fsd__notification_view__init(v);
    v->id = (uint64_t)sn->id;
    v->job_id = arena_strdup(a, sn->job_id);
    v->event = arena_strdup(a, sn->event);
    v->phone = arena_strdup(a, sn->phone);
    v->customer_name = arena_strdup(a, sn->customer_name);
    v->language = arena_strdup(a, sn->language);
    v->text = arena_strdup(a, sn->text);
    v->status = (char *)(sn->status >= 0 && sn->status < 3 ? s_status_names[sn->status] : "?");
    v->attempts = (uint32_t)sn->attempts;
    v->created_at = sn->created_at;
    v->next_at = sn->status == 0 ? sn->next_at : 0;
    v->sent_at = sn->sent_at;
    v->last_error = arena_strdup(a, sn->last_error);
    v->technician_id = arena_strdup(a, sn->technician_id);
    vs->list[vs->n++] = v;
}

int notify_attach(call *c, Fsd__JobView *v)
{
    s_views vs = { .c = c };
    if (store_notification_list(c->srv->store, v->job_id, -1, 1000, s_view, &vs) < 0)
        return -1;
    v->notifications = vs.list;
    v->n_notifications = vs.n;
    return 0;
}

int notify_list_notifications(call *c)
{
    const Fsd__ListNotifications *r = c->req->list_notifications;
    int status = s_status_parse(r->status);
    if (status == -2) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "status",
                   "status '%.40s' is not pending, sent or failed", r->status);
        return 0;
    }
    if (strlen(r->job_id) > 40) {
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_ARGUMENT, "job_id", "job_id is longer than 40 characters");
        return 0;
    }
    unsigned limit = r->limit == 0 ? 100 : r->limit > 1000 ? 1000 : r->limit;
    s_views vs = { .c = c };
    if (store_notification_list(c->srv->store, r->job_id, status, limit, s_view, &vs) < 0)
        return -1;
    Fsd__NotificationList *l = arena_alloc(c->a, sizeof *l);
    fsd__notification_list__init(l);
    l->notifications = vs.list;
    l->n_notifications = vs.n;
    c->reply->body_case = FSD__ENVELOPE__BODY_NOTIFICATION_LIST;
    c->reply->notification_list = l;
    return 0;
}

/* Appends one counter to s (its array has room: see notify_stats). */
static void s_counter(call *c, Fsd__StatsView *s, const char *name, uint64_t value)
{
    Fsd__Counter *k = arena_alloc(c->a, sizeof *k);
    fsd__counter__init(k);
    k->name = (char *)name;
    k->value = value;
    s->counters[s->n_counters++] = k;
}

int notify_stats(call *c, Fsd__StatsView *s)
{
    enum { MORE = 8 };
    Fsd__Counter **list = arena_alloc(c->a, (s->n_counters + MORE) * sizeof *list);
    if (s->n_counters)
        memcpy(list, s->counters, s->n_counters * sizeof *list);
    s->counters = list;
    uint64_t queued = 0, sent = 0, retries = 0, failed = 0, in_flight = 0, pending, failed_total;
    int64_t oldest;
    if (c->srv->notifier)
        notify_counts(c->srv->notifier, &queued, &sent, &retries, &failed, &in_flight);
    if (store_notification_summary(c->srv->store, &pending, &failed_total, &oldest) < 0)
        return -1;
    int64_t now = wire_now_ms();
    /* since the server started, like the other counters */
    s_counter(c, s, "notify_queued", queued);
    s_counter(c, s, "notify_sent", sent);
    s_counter(c, s, "notify_retries", retries);
    s_counter(c, s, "notify_failed", failed);
    /* now, from the outbox */
    s_counter(c, s, "notify_pending", pending);
    s_counter(c, s, "notify_in_flight", in_flight);
    s_counter(c, s, "notify_oldest_pending_s",
              oldest && now > oldest ? (uint64_t)((now - oldest) / 1000) : 0);
    s_counter(c, s, "notify_failed_total", failed_total);
    return 0;
}

/* ----------------------------------------------------------- templates */

typedef struct {
    call *c;
    Fsd__RowError **errors;
    size_t n, cap;
} s_bad_rows;

/* Records a refused row. */
static void s_bad(s_bad_rows *b, uint32_t line, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void s_bad(s_bad_rows *b, uint32_t line, const char *field, const char *fmt, ...)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        Fsd__RowError **bigger = arena_alloc(b->c->a, cap * sizeof *bigger);
        if (b->n)
            memcpy(bigger, b->errors, b->n * sizeof *bigger);
        b->errors = bigger;
        b->cap = cap;
    }
    Fsd__RowError *e = arena_alloc(b->c->a, sizeof *e);
    fsd__row_error__init(e);
    e->line = line;
    e->field = (char *)field;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e->message = arena_strdup(b->c->a, msg);
    b->errors[b->n++] = e;
}

/* Checks one template row against the rules and the rows before it. */
static void s_check_template(s_bad_rows *b, const Fsd__LoadTemplates *m, size_t i)
{
    const Fsd__TemplateRow *r = m->rows[i];
    if (notify_event_parse(r->event) < 0)
        s_bad(b, r->line, "event",
              "unknown event '%.40s' (received, accepted, en_route, late, completed, cancelled)", r->event);
    if (r->language[0] && !template_language_valid(r->language))
        s_bad(b, r->line, "language",
              "'%.40s' is not a language tag (like en, de, pt-BR); leave it empty for the default wording",
              r->language);
    char why[400];
    if (template_check(r->text, why, sizeof why) < 0)
        s_bad(b, r->line, "text", "%s", why);
    for (size_t k = 0; k < i; k++)
        if (strcmp(m->rows[k]->event, r->event) == 0 && strcmp(m->rows[k]->language, r->language) == 0) {
            s_bad(b, r->line, "event", "%.40s%s%.40s appears twice (first on line %u)", r->event,
                  r->language[0] ? "/" : "", r->language, m->rows[k]->line);
            break;
        }
}

int notify_load_templates(call *c)
{
    const Fsd__LoadTemplates *m = c->req->load_templates;
    s_bad_rows b = { .c = c };
    if (m->n_rows == 0)
        s_bad(&b, 0, "", "the file holds no rows");
    for (size_t i = 0; i < m->n_rows && i < 1000; i++)
        s_check_template(&b, m, i);
    if (m->n_rows > 1000)
        s_bad(&b, 0, "", "more than 1000 templates (6 events in up to 166 languages)");
    if (b.n == 0 && !m->check_only) {
        if (m->replace && store_template_clear(c->srv->store) < 0)
            return -1;
        for (size_t i = 0; i < m->n_rows; i++)
            if (store_template_put(c->srv->store, m->rows[i]->event, m->rows[i]->language, m->rows[i]->text)
                < 0)
                return -1;
        log_info("templates_loaded", "rows=%zu replace=%d source=%s", m->n_rows, m->replace ? 1 : 0,
                 log_quote(0, m->source));
    }
    Fsd__LoadResult *r = arena_alloc(c->a, sizeof *r);
    fsd__load_result__init(r);
    r->kind = "templates";
    r->loaded = b.n || m->check_only ? 0 : (uint32_t)m->n_rows;
    r->errors = b.errors;
    r->n_errors = b.n;
    if (b.n) { /* refused rows: counted and logged like any rejection */
        c->srv->counters[C_INVALID]++;
        c->srv->counters[C_REJECTED]++;
        log_warn("rejected", "from=%s kind=load_templates code=rows_refused field=%s rows=%zu line=%u why=%s",
                 c->who->name, b.errors[0]->field[0] ? b.errors[0]->field : "-", b.n, b.errors[0]->line,
                 log_quote(0, b.errors[0]->message));
    }
    c->reply->body_case = FSD__ENVELOPE__BODY_LOAD_RESULT;
    c->reply->load_result = r;
    return 0;
}

typedef struct {
    call *c;
    Fsd__TemplateView **list;
    size_t n, cap;
    bool defaults;     /* this pass: language "" only, else the others */
    const char *event; /* the default pass: this event */
    bool found;
} s_tpl_scan;

/* Adds a template view to the list. */
static void s_tpl_add(s_tpl_scan *ts, const char *event, const char *language, const char *text, bool builtin)
{
    arena *a = ts->c->a;
    if (ts->n == ts->cap) {
        size_t cap = ts->cap ? ts->cap * 2 : 16;
        Fsd__TemplateView **bigger = arena_alloc(a, cap * sizeof *bigger);
        if (ts->n)
            memcpy(bigger, ts->list, ts->n * sizeof *bigger);
        ts->list = bigger;
        ts->cap = cap;
    }
    Fsd__TemplateView *v = arena_alloc(a, sizeof *v);
    fsd__template_view__init(v);
    v->event = arena_strdup(a, event);
    v->language = arena_strdup(a, language);
    v->text = arena_strdup(a, text);
    v->builtin = builtin;
    ts->list[ts->n++] = v;
}

/* store_template_each callback: the stored rows the pass wants. */
static void s_tpl_stored(void *arg, const char *event, const char *language, const char *text)
{
    s_tpl_scan *ts = arg;
    if (ts->defaults) {
        if (!language[0] && strcmp(event, ts->event) == 0) {
            s_tpl_add(ts, event, language, text, false);
            ts->found = true;
        }
    } else if (language[0]) {
        s_tpl_add(ts, event, language, text, false);
    }
}

int notify_list_templates(call *c)
{
    s_tpl_scan ts = { .c = c };
    for (int e = 0; e < NE_COUNT_; e++) {
        ts.defaults = true;
        ts.event = notify_event_name((notify_event)e);
        ts.found = false;
        if (store_template_each(c->srv->store, s_tpl_stored, &ts) < 0)
            return -1;
        if (!ts.found)
            s_tpl_add(&ts, ts.event, "", template_builtin((notify_event)e), true);
    }
    ts.defaults = false;
    if (store_template_each(c->srv->store, s_tpl_stored, &ts) < 0)
        return -1;
    Fsd__TemplateList *l = arena_alloc(c->a, sizeof *l);
    fsd__template_list__init(l);
    l->templates = ts.list;
    l->n_templates = ts.n;
    l->placeholders = arena_alloc(c->a, TP_COUNT_ * sizeof *l->placeholders);
    for (int f = 0; f < TP_COUNT_; f++)
        l->placeholders[l->n_placeholders++] = (char *)template_field_name((template_field)f);
    c->reply->body_case = FSD__ENVELOPE__BODY_TEMPLATE_LIST;
    c->reply->template_list = l;
    return 0;
}
