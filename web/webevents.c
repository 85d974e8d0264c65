/*  webevents.c — the users' live views and their event streams (webevents.h). */
#include "webevents.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "fsd/log.h"
#include "fsd/pbjson.h"
#include "fsd/strmap.h"
#include "fsd/wire.h"
#include "fsd/xalloc.h"

typedef struct {
    char *p;
    size_t len, cap;
} sbuf;

static void s_add(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = fsd_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void s_adds(sbuf *b, const char *s)
{
    s_add(b, s, strlen(s));
}

/* One cached job or technician: its JSON and its territories ("a,b"). */
typedef struct {
    char *json;
    char *terr;
    uint32_t mark;
} item;

typedef struct {
    uint64_t seq;
    char *terr; /* what a stream's filter matches against */
    char *text; /* the whole SSE event */
} event;

typedef struct userview userview;
struct webstream {
    webevents *e;
    userview *u;
    char **filter;
    size_t n_filter;
    uint64_t cursor;
    bool need_snapshot, need_resync, ping, suspended, ended;
    bool link;        /* a customer page: `update` events of one link */
    char session[65]; /* the session that opened it ("" for a customer page) */
    struct MHD_Connection *conn;
    sbuf out;
    size_t out_off;
    webstream *next;
};

struct userview {
    char name[80];   /* a user, or "c:" and a link token */
    char *link_json; /* a link's last view */
    bool ready;
    uint64_t seq;
    uint32_t mark;
    strmap *jobs, *techs;
    event ring[WEBEVENTS_BACKLOG];
    webstream *streams;
    userview *next;
};

struct webevents {
    pthread_mutex_t lock;
    userview *users;
};

webevents *webevents_new(void)
{
    webevents *e = fsd_xcalloc(1, sizeof *e);
    pthread_mutex_init(&e->lock, NULL);
    return e;
}

static void s_item_free(const char *key, void *value, void *arg)
{
    item *it = value;
    free(it->json);
    free(it->terr);
    free(it);
}

/* Empties a user's cache and backlog; a new sequence base follows, so
   that an old Last-Event-ID never resumes into a different history. */
static void s_reset(userview *u)
{
    if (u->jobs) {
        strmap_each(u->jobs, s_item_free, NULL);
        strmap_destroy(&u->jobs);
    }
    if (u->techs) {
        strmap_each(u->techs, s_item_free, NULL);
        strmap_destroy(&u->techs);
    }
    for (size_t i = 0; i < WEBEVENTS_BACKLOG; i++) {
        free(u->ring[i].terr);
        free(u->ring[i].text);
        memset(&u->ring[i], 0, sizeof u->ring[i]);
    }
    u->jobs = strmap_new();
    u->techs = strmap_new();
    free(u->link_json);
    u->link_json = NULL;
    u->ready = false;
    u->seq = (uint64_t)wire_now_ms() * 1000;
}

void webevents_destroy(webevents **pe)
{
    webevents *e = *pe;
    if (!e)
        return;
    for (userview *u = e->users, *next; u; u = next) {
        next = u->next;
        s_reset(u);
        strmap_destroy(&u->jobs);
        strmap_destroy(&u->techs);
        free(u);
    }
    pthread_mutex_destroy(&e->lock);
    free(e);
    *pe = NULL;
}

static userview *s_user(webevents *e, const char *name, bool create)
{
    for (userview *u = e->users; u; u = u->next)
        if (strcmp(u->name, name) == 0)
            return u;
    if (!create)
        return NULL;
    userview *u = fsd_xcalloc(1, sizeof *u);
    snprintf(u->name, sizeof u->name, "%s", name);
    s_reset(u);
    u->next = e->users;
    e->users = u;
    return u;
}

/* Wakes every suspended stream of u (lock held). */
static void s_wake(userview *u)
{
    for (webstream *s = u->streams; s; s = s->next)
        if (s->suspended && s->conn) {
            s->suspended = false;
            MHD_resume_connection(s->conn);
        }
}

bool webevents_wanted(webevents *e, const char *user)
{
    pthread_mutex_lock(&e->lock);
    userview *u = s_user(e, user, false);
    bool yes = u && u->streams;
    pthread_mutex_unlock(&e->lock);
    return yes;
}

/* Appends one event of kind with {"seq":N,"<field>":json} to u's backlog. */
static void s_publish(userview *u, const char *kind, const char *field, const char *json, const char *terr)
{
    uint64_t seq = ++u->seq;
    event *ev = &u->ring[seq % WEBEVENTS_BACKLOG];
    free(ev->terr);
    free(ev->text);
    sbuf b = { 0 };
    char head[160];
    snprintf(head, sizeof head, "id: %" PRIu64 "\nevent: %s\ndata: {\"seq\":%" PRIu64 ",\"%s\":", seq, kind,
             seq, field);
    s_adds(&b, head);
    s_adds(&b, json);
    s_adds(&b, "}\n\n");
    ev->seq = seq;
    ev->terr = fsd_xstrdup(terr);
    ev->text = b.p;
}

static char *s_json(const ProtobufCMessage *m)
{
    json_t *j = pbjson_from_message(m);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return text ? text : fsd_xstrdup("{}");
}

/* A job as the board needs it: what a card, the queues, the timeline, the
   map and a drag read (state, holder, territory, priority, tier, warranty,
   deadlines and SLA flags, window, appliance, place, version, company).
   History, notifications, care records and SLA policy details stay out:
   the panel fetches the whole job (GET /api/jobs/ID) when one is opened.
   With 50,000 open jobs this makes the console's snapshot a fraction of
   the size of full JobViews. */
static char *s_card_json(const Fsd__JobView *v)
{
    Fsd__JobView c = *v;
    char *none = "";
    c.customer_name = c.phone = c.address = c.serial = c.model = c.problem = none;
    c.rating_comment = c.return_visit_of = c.sla_policy = c.sla_clock = none;
    c.window_tz = c.window_utc = none;
    c.rating = 0;
    c.urgency = 0;
    c.n_history = c.n_breached = c.n_waivers = c.n_follow_ups = c.n_notifications = 0;
    c.history = NULL;
    c.breached = NULL;
    c.waivers = NULL;
    c.follow_ups = NULL;
    c.notifications = NULL;
    c.goodwill = NULL;
    json_t *j = pbjson_from_message(&c.base);
    /* pbjson prints empty lists; a card has none */
    static const char *const lists[] = { "history", "breached", "waivers", "follow_ups", "notifications" };
    for (size_t i = 0; j && i < sizeof lists / sizeof *lists; i++)
        json_object_del(j, lists[i]);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return text ? text : fsd_xstrdup("{}");
}

/* Compares one view with the cache: a new or changed one is cached and
   published. Takes json (the view as the page gets it). */
static void s_diff(userview *u, strmap *cache, const char *id, char *json, const char *terr, const char *kind,
                   const char *field)
{
    item *it = strmap_get(cache, id);
    if (it && strcmp(it->json, json) == 0) {
        it->mark = u->mark;
        free(json);
        return;
    }
    if (!it) {
        it = fsd_xcalloc(1, sizeof *it);
        strmap_put(cache, id, it);
    }
    free(it->json);
    free(it->terr);
    it->json = json;
    it->terr = fsd_xstrdup(terr);
    it->mark = u->mark;
    if (u->ready)
        s_publish(u, kind, field, json, terr);
}

typedef struct {
    userview *u;
    char **ids;
    size_t n;
    strmap *cache;
} sweep;

static void s_unmarked(const char *key, void *value, void *arg)
{
    sweep *sw = arg;
    if (((item *)value)->mark != sw->u->mark) {
        sw->ids = fsd_xrealloc(sw->ids, (sw->n + 1) * sizeof *sw->ids);
        sw->ids[sw->n++] = fsd_xstrdup(key);
    }
}

/* Drops the entries of cache not seen in the last board; returns their ids. */
static void s_sweep(userview *u, strmap *cache, char ***ids, size_t *n)
{
    sweep sw = { u, NULL, 0, cache };
    strmap_each(cache, s_unmarked, &sw);
    for (size_t i = 0; i < sw.n; i++)
        s_item_free(NULL, strmap_remove(cache, sw.ids[i]), NULL);
    *ids = sw.ids;
    *n = sw.n;
}

static void s_board_queue(userview *u, Fsd__JobView **jobs, size_t n);

static void s_diff_tech(userview *u, const Fsd__TechnicianView *t)
{
    sbuf terr = { 0 };
    for (size_t k = 0; k < t->n_territories; k++) {
        s_adds(&terr, k ? "," : "");
        s_adds(&terr, t->territories[k]);
    }
    s_diff(u, u->techs, t->id, s_json(&t->base), terr.p ? terr.p : "", "tech", "technician");
    free(terr.p);
}

/* A job that is no longer in the user's view: dropped from the cache and,
   once the page has a snapshot, told as `left`. */
static void s_left(userview *u, const char *id)
{
    item *it = strmap_remove(u->jobs, id);
    if (u->ready) {
        char json[160];
        snprintf(json, sizeof json, "\"%.100s\"", id);
        s_publish(u, "left", "job_id", json, it ? it->terr : "");
    }
    if (it)
        s_item_free(NULL, it, NULL);
}

/* The last piece of a snapshot: what it did not hold has left. */
static void s_snapshot_done(userview *u)
{
    char **gone;
    size_t n;
    sweep sw = { u, NULL, 0, u->jobs };
    strmap_each(u->jobs, s_unmarked, &sw);
    for (size_t i = 0; i < sw.n; i++) {
        s_left(u, sw.ids[i]);
        free(sw.ids[i]);
    }
    free(sw.ids);
    s_sweep(u, u->techs, &gone, &n);
    for (size_t i = 0; i < n; i++)
        free(gone[i]);
    free(gone);
    u->ready = true;
}

bool webevents_watch(webevents *e, const char *user, const Fsd__WatchEvent *w)
{
    bool again = false;
    pthread_mutex_lock(&e->lock);
    userview *u = s_user(e, user, false);
    if (!u) {
        pthread_mutex_unlock(&e->lock);
        return false;
    }
    switch (w->change_case) {
    case FSD__WATCH_EVENT__CHANGE_SNAPSHOT: {
        const Fsd__WatchSnapshot *p = w->snapshot;
        if (p->piece <= 1)
            u->mark++;
        s_board_queue(u, p->jobs, p->n_jobs);
        for (size_t i = 0; i < p->n_technicians; i++)
            s_diff_tech(u, p->technicians[i]);
        if (p->piece >= p->pieces)
            s_snapshot_done(u);
        break;
    }
    case FSD__WATCH_EVENT__CHANGE_JOB: {
        const Fsd__JobView *v = w->job;
        s_diff(u, u->jobs, v->job_id, s_card_json(v), v->territory, "job", "job");
        /* closed and cancelled jobs are told once, then gone */
        item *it = NULL;
        if (v->state == FSD__JOB_STATE__JOB_CLOSED || v->state == FSD__JOB_STATE__JOB_CANCELLED)
            it = strmap_remove(u->jobs, v->job_id);
        if (it)
            s_item_free(NULL, it, NULL);
        break;
    }
    case FSD__WATCH_EVENT__CHANGE_JOB_LEFT: s_left(u, w->job_left); break;
    case FSD__WATCH_EVENT__CHANGE_TECHNICIAN: s_diff_tech(u, w->technician); break;
    case FSD__WATCH_EVENT__CHANGE_RESYNC: again = true; break;
    default: break;
    }
    s_wake(u);
    pthread_mutex_unlock(&e->lock);
    return again;
}

static void s_board_queue(userview *u, Fsd__JobView **jobs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s_diff(u, u->jobs, jobs[i]->job_id, s_card_json(jobs[i]), jobs[i]->territory, "job", "job");
}

void webevents_board(webevents *e, const char *user, const Fsd__BoardView *b, char ***gone, size_t *n_gone)
{
    *gone = NULL;
    *n_gone = 0;
    pthread_mutex_lock(&e->lock);
    userview *u = s_user(e, user, false);
    if (!u) {
        pthread_mutex_unlock(&e->lock);
        return;
    }
    u->mark++;
    if (b) {
        s_board_queue(u, b->escalated, b->n_escalated);
        s_board_queue(u, b->waiting, b->n_waiting);
        s_board_queue(u, b->offered, b->n_offered);
        s_board_queue(u, b->assigned, b->n_assigned);
        s_board_queue(u, b->in_progress, b->n_in_progress);
        for (size_t i = 0; i < b->n_technicians; i++)
            s_diff_tech(u, b->technicians[i]);
    }
    s_sweep(u, u->jobs, gone, n_gone);
    char **techs_gone;
    size_t n_techs_gone;
    s_sweep(u, u->techs, &techs_gone, &n_techs_gone);
    for (size_t i = 0; i < n_techs_gone; i++)
        free(techs_gone[i]);
    free(techs_gone);
    if (!u->ready) {
        u->ready = true;
        for (size_t i = 0; i < *n_gone; i++)
            free((*gone)[i]);
        free(*gone);
        *gone = NULL;
        *n_gone = 0;
    }
    s_wake(u);
    pthread_mutex_unlock(&e->lock);
}

void webevents_job(webevents *e, const char *user, const Fsd__JobView *v)
{
    pthread_mutex_lock(&e->lock);
    userview *u = s_user(e, user, false);
    if (u && u->ready) {
        char *json = s_card_json(v);
        s_publish(u, "job", "job", json, v->territory);
        free(json);
        s_wake(u);
    }
    pthread_mutex_unlock(&e->lock);
}

void webevents_forget(webevents *e, const char *user)
{
    pthread_mutex_lock(&e->lock);
    userview *u = s_user(e, user, false);
    if (u) {
        for (webstream *s = u->streams; s; s = s->next)
            s->ended = true;
        s_wake(u);
        s_reset(u);
    }
    pthread_mutex_unlock(&e->lock);
}

/* Has the browser closed a waiting stream? A suspended connection is not
   watched by libmicrohttpd, and a write to a closed socket succeeds once
   before it fails: without this a closed console would count as watched
   for up to two pings. The browser sends nothing after its request, so a
   readable end of file means it is gone (lock held). */
static bool s_gone(const webstream *s)
{
    if (!s->suspended || !s->conn)
        return false;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(s->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return false;
    char c;
    return recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

size_t webevents_sessions(webevents *e, char (*ids)[65], size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&e->lock);
    for (userview *u = e->users; u; u = u->next)
        for (webstream *s = u->streams; s && n < max; s = s->next) {
            if (s->link || s->ended || !s->session[0])
                continue;
            if (s_gone(s)) {
                s->ended = true; /* resumed, it ends: its session no longer counts as watched */
                s->suspended = false;
                MHD_resume_connection(s->conn);
                continue;
            }
            bool seen = false;
            for (size_t i = 0; i < n && !seen; i++)
                seen = strcmp(ids[i], s->session) == 0;
            if (!seen)
                memcpy(ids[n++], s->session, sizeof ids[0]);
        }
    pthread_mutex_unlock(&e->lock);
    return n;
}

void webevents_end_session(webevents *e, const char *session)
{
    pthread_mutex_lock(&e->lock);
    for (userview *u = e->users; u; u = u->next) {
        for (webstream *s = u->streams; s; s = s->next)
            if (strcmp(s->session, session) == 0)
                s->ended = true;
        s_wake(u);
    }
    pthread_mutex_unlock(&e->lock);
}

void webevents_ping(webevents *e)
{
    pthread_mutex_lock(&e->lock);
    for (userview *u = e->users; u; u = u->next) {
        for (webstream *s = u->streams; s; s = s->next)
            s->ping = true;
        s_wake(u);
    }
    pthread_mutex_unlock(&e->lock);
}

webstream *webevents_open(webevents *e, const char *user, const char *session, const char *territories,
                          const char *last_id)
{
    webstream *s = fsd_xcalloc(1, sizeof *s);
    s->e = e;
    snprintf(s->session, sizeof s->session, "%s", session);
    char *list = fsd_xstrdup(territories ? territories : "");
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t && s->n_filter < 64;
         t = strtok_r(NULL, ",", &save)) {
        s->filter = fsd_xrealloc(s->filter, (s->n_filter + 1) * sizeof *s->filter);
        s->filter[s->n_filter++] = fsd_xstrdup(t);
    }
    free(list);
    pthread_mutex_lock(&e->lock);
    userview *u = s_user(e, user, true);
    s->u = u;
    s->need_snapshot = true;
    if (last_id && *last_id) {
        char *end;
        unsigned long long id = strtoull(last_id, &end, 10);
        bool known = id == u->seq
                     || (id < u->seq && u->seq - id < WEBEVENTS_BACKLOG
                         && u->ring[(id + 1) % WEBEVENTS_BACKLOG].seq == id + 1);
        if (*end == '\0' && u->ready && known) {
            s->cursor = id;
            s->need_snapshot = false;
        } else
            s->need_resync = true;
    }
    s->next = u->streams;
    u->streams = s;
    pthread_mutex_unlock(&e->lock);
    return s;
}

void webstream_bind(webstream *s, struct MHD_Connection *conn)
{
    s->conn = conn;
}

/* Does any of the comma-separated territories pass the stream's filter? */
static bool s_match(const webstream *s, const char *terr)
{
    if (s->n_filter == 0)
        return true;
    for (size_t i = 0; i < s->n_filter; i++) {
        size_t n = strlen(s->filter[i]);
        for (const char *p = terr; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
            if (strncmp(p, s->filter[i], n) == 0 && (p[n] == ',' || p[n] == '\0'))
                return true;
    }
    return false;
}

typedef struct {
    webstream *s;
    sbuf *b;
    bool first;
} snapwalk;

static void s_snap_item(const char *key, void *value, void *arg)
{
    snapwalk *w = arg;
    item *it = value;
    if (!s_match(w->s, it->terr))
        return;
    s_adds(w->b, w->first ? "" : ",");
    s_adds(w->b, it->json);
    w->first = false;
}

/* The snapshot of the stream's territories as one SSE event (lock held);
   a customer page's is its link's view. */
static void s_snapshot(webstream *s)
{
    userview *u = s->u;
    if (s->link) {
        char head[64];
        snprintf(head, sizeof head, "id: %" PRIu64 "\nevent: update\ndata: ", u->seq);
        s_adds(&s->out, head);
        s_adds(&s->out, u->link_json ? u->link_json : "{}");
        s_adds(&s->out, "\n\n");
        s->cursor = u->seq;
        return;
    }
    char head[160];
    snprintf(head, sizeof head, "id: %" PRIu64 "\nevent: snapshot\ndata: {\"seq\":%" PRIu64 ",\"jobs\":[",
             u->seq, u->seq);
    s_adds(&s->out, head);
    snapwalk w = { s, &s->out, true };
    strmap_each(u->jobs, s_snap_item, &w);
    s_adds(&s->out, "],\"technicians\":[");
    w.first = true;
    strmap_each(u->techs, s_snap_item, &w);
    s_adds(&s->out, "]}\n\n");
    s->cursor = u->seq;
}

/* Fills the stream's output with what it has not seen yet (lock held). */
static void s_fill(webstream *s)
{
    userview *u = s->u;
    if (s->need_resync) {
        s_adds(&s->out, "event: resync\ndata: {}\n\n");
        s->need_resync = false;
        s->need_snapshot = true;
    }
    if (s->need_snapshot) {
        if (!u->ready)
            return;
        s_snapshot(s);
        s->need_snapshot = false;
    }
    if (u->seq - s->cursor >= WEBEVENTS_BACKLOG) {
        /* fell behind the backlog: the page reloads its snapshot */
        s_adds(&s->out, "event: resync\ndata: {}\n\n");
        s_snapshot(s);
    }
    for (uint64_t q = s->cursor + 1; q <= u->seq; q++) {
        const event *ev = &u->ring[q % WEBEVENTS_BACKLOG];
        if (ev->seq == q && s_match(s, ev->terr))
            s_adds(&s->out, ev->text);
    }
    s->cursor = u->seq;
    if (s->ping && s->out.len == s->out_off)
        s_adds(&s->out, ": ping\n\n");
    s->ping = false;
}

ssize_t webstream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    webstream *s = cls;
    webevents *e = s->e;
    pthread_mutex_lock(&e->lock);
    if (s->out_off == s->out.len) {
        s->out.len = s->out_off = 0;
        if (s->ended) {
            pthread_mutex_unlock(&e->lock);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        s_fill(s);
    }
    size_t n = s->out.len - s->out_off;
    if (n == 0) {
        /* nothing to send: wait for the next event without a thread */
        s->suspended = true;
        MHD_suspend_connection(s->conn);
        pthread_mutex_unlock(&e->lock);
        return 0;
    }
    if (n > max)
        n = max;
    memcpy(buf, s->out.p + s->out_off, n);
    s->out_off += n;
    pthread_mutex_unlock(&e->lock);
    return (ssize_t)n;
}

/* Forgets a customer page's link once its last page closed (lock held). */
static void s_drop_user(webevents *e, userview *u)
{
    for (userview **p = &e->users; *p; p = &(*p)->next)
        if (*p == u) {
            *p = u->next;
            break;
        }
    s_reset(u);
    strmap_destroy(&u->jobs);
    strmap_destroy(&u->techs);
    free(u);
}

size_t webevents_links(webevents *e, char ***tokens)
{
    size_t n = 0;
    *tokens = NULL;
    pthread_mutex_lock(&e->lock);
    for (userview *u = e->users; u; u = u->next)
        if (strncmp(u->name, "c:", 2) == 0 && u->streams) {
            *tokens = fsd_xrealloc(*tokens, (n + 1) * sizeof **tokens);
            (*tokens)[n++] = fsd_xstrdup(u->name + 2);
        }
    pthread_mutex_unlock(&e->lock);
    return n;
}

void webevents_link(webevents *e, const char *token, const char *json)
{
    char name[80];
    snprintf(name, sizeof name, "c:%s", token);
    pthread_mutex_lock(&e->lock);
    userview *u = s_user(e, name, false);
    if (u && (!u->link_json || strcmp(u->link_json, json) != 0)) {
        free(u->link_json);
        u->link_json = fsd_xstrdup(json);
        uint64_t seq = ++u->seq;
        event *ev = &u->ring[seq % WEBEVENTS_BACKLOG];
        free(ev->terr);
        free(ev->text);
        sbuf b = { 0 };
        char head[64];
        snprintf(head, sizeof head, "id: %" PRIu64 "\nevent: update\ndata: ", seq);
        s_adds(&b, head);
        s_adds(&b, json);
        s_adds(&b, "\n\n");
        ev->seq = seq;
        ev->terr = fsd_xstrdup("");
        ev->text = b.p;
        if (!u->ready) {
            /* the first view is every page's snapshot, not an event */
            u->ready = true;
        }
        s_wake(u);
    }
    pthread_mutex_unlock(&e->lock);
}

webstream *webevents_open_link(webevents *e, const char *token)
{
    char name[80];
    snprintf(name, sizeof name, "c:%s", token);
    webstream *s = webevents_open(e, name, "", "", NULL);
    s->link = true;
    return s;
}

void webstream_free(void *cls)
{
    webstream *s = cls;
    webevents *e = s->e;
    pthread_mutex_lock(&e->lock);
    for (webstream **p = &s->u->streams; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    if (s->link && !s->u->streams)
        s_drop_user(e, s->u);
    pthread_mutex_unlock(&e->lock);
    log_debug("web_stream_closed", "user=%s", log_quote(0, s->link ? "(customer)" : s->u->name));
    for (size_t i = 0; i < s->n_filter; i++)
        free(s->filter[i]);
    free(s->filter);
    free(s->out.p);
    free(s);
}

void webevents_shutdown(webevents *e)
{
    pthread_mutex_lock(&e->lock);
    for (userview *u = e->users; u; u = u->next) {
        for (webstream *s = u->streams; s; s = s->next)
            s->ended = true;
        s_wake(u);
    }
    pthread_mutex_unlock(&e->lock);
}
