/*  link.c — the customer's link: its token (see link.h for why it is a
    keyed hash) and the verbs of the customer pages.

    A ROLE_PORTAL key (the web front end that serves the customer pages)
    may use only link_show, link_cancel and link_rate; the token is the
    right, so nothing else is checked against the key: what a token opens
    is its own job, shown as a LinkView that holds only what the customer
    needs (no phone, address, problem or any other job). An unknown token
    and the token of a job closed or cancelled more than --link-days ago
    get the same not_found. Failed lookups are counted and logged; past
    --link-fail-limit in a minute every lookup is refused (rate_limited)
    until the minute is over, so guessing costs time as well as odds.
    Cancel and rate run the intake's own code (intake_cancel_job,
    intake_rate_job): the same rules, follow-ups and notifications.

    Also here: GetLink, the link a desk reads out to the customer. */
#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsd/lifecycle.h"
#include "fsd/log.h"
#include "fsd/wire.h"
#include "jobview.h"
#include "notify.h"
#include "verbs.h"
#include "world.h"

#define DAY_MS 86400000LL
#define SECRET_FILE "link.key"

/* ------------------------------------------------------------ the token */

/* Reads exactly the secret from fd. */
static int s_read_secret(int fd, uint8_t secret[32])
{
    uint8_t buf[33];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, buf + got, sizeof buf - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got == sizeof buf)
            break;
    }
    if (got != 32)
        return -1;
    memcpy(secret, buf, 32);
    sodium_memzero(buf, sizeof buf);
    return 0;
}

/* Makes a new secret in path (written aside, then renamed into place). */
static int s_new_secret(const char *path, uint8_t secret[32], char *err, size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    randombytes_buf(secret, 32);
    int fd = open(tmp, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, secret, 32) != 32 || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
        snprintf(err, errlen,
                 "cannot write the link secret %.512s (%s): fix the data directory's permissions", path,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        return -1;
    }
    log_info("link_secret_created", "file=%s", path);
    return 0;
}

int link_open(link_config *cfg, const char *data_dir, char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium cannot start (no source of random numbers?)");
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", data_dir, SECRET_FILE);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return s_new_secret(path, cfg->secret, err, errlen);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read the link secret %.512s (%s)", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    int rc = fstat(fd, &sb) == 0 ? s_read_secret(fd, cfg->secret) : -1;
    close(fd);
    if (rc < 0) {
        snprintf(
            err, errlen,
            "%.512s is not a link secret (32 bytes): restore it from a backup, or delete it to end every "
            "customer link given out so far",
            path);
        return -1;
    }
    if (sb.st_mode & 077)
        log_warn("link_secret_mode", "file=%s mode=%03o hint=chmod_600", path, (unsigned)(sb.st_mode & 0777));
    return 0;
}

void link_token(const link_config *cfg, const char *job_id, char out[LINK_TOKEN_LEN + 1])
{
    /* a label first: the secret signs nothing else, now or later */
    static const char label[] = "fsd customer link v1";
    crypto_auth_hmacsha256_state st;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, cfg->secret, sizeof cfg->secret);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)label, sizeof label);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)job_id, strlen(job_id));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(out, LINK_TOKEN_LEN + 1, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* The hash the store keeps of a token. */
static void s_hash(const char *token, uint8_t out[STORE_LINK_HASH])
{
    crypto_hash_sha256(out, (const uint8_t *)token, strlen(token));
}

void link_url(const link_config *cfg, const char *job_id, char *out, size_t outlen)
{
    if (!cfg->base || !cfg->base[0]) {
        snprintf(out, outlen, "%s", "");
        return;
    }
    char token[LINK_TOKEN_LEN + 1];
    link_token(cfg, job_id, token);
    size_t n = strlen(cfg->base);
    snprintf(out, outlen, "%s%s%s", cfg->base, n && cfg->base[n - 1] == '/' ? "" : "/", token);
}

char *link_expand(const link_config *cfg, const char *job_id, const char *text)
{
    const char *at = strstr(text, LINK_MARKER);
    if (!at)
        return NULL;
    char url[1200];
    link_url(cfg, job_id, url, sizeof url);
    size_t marks = 0;
    for (const char *p = at; p; p = strstr(p + 1, LINK_MARKER))
        marks++;
    size_t len = strlen(text) + marks * strlen(url) + 1;
    char *out = malloc(len), *o = out;
    if (!out)
        return NULL;
    for (const char *p = text; *p;) {
        if (strncmp(p, LINK_MARKER, sizeof LINK_MARKER - 1) == 0) {
            o = stpcpy(o, url);
            p += sizeof LINK_MARKER - 1;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    return out;
}

int link_ensure(server *srv, const char *job_id)
{
    char token[LINK_TOKEN_LEN + 1];
    uint8_t hash[STORE_LINK_HASH];
    link_token(&srv->cfg.link, job_id, token);
    s_hash(token, hash);
    sodium_memzero(token, sizeof token);
    return store_link_put(srv->store, hash, job_id);
}

/* ------------------------------------------------------------ lookups */

/* A token is 43 characters of base64url; anything else names no job. */
static bool s_token_shape(const char *t)
{
    size_t n = strlen(t);
    if (n != LINK_TOKEN_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = t[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'
              || ch == '_'))
            return false;
    }
    return true;
}

/* When the link of a job in state `state`, changed last at `changed_at`,
   stops working (0: not while the job is open). */
static int64_t s_expires(const server *srv, int state, int64_t changed_at)
{
    return job_state_is_open((job_state)state) ? 0 : changed_at + (int64_t)srv->cfg.link.days * DAY_MS;
}

/* When job_id's link stops working, into *out (0: open, or no link). */
static int s_expiry(call *c, const char *job_id, int64_t *out)
{
    char token[LINK_TOKEN_LEN + 1];
    uint8_t hash[STORE_LINK_HASH];
    link_token(&c->srv->cfg.link, job_id, token);
    s_hash(token, hash);
    store_link l;
    int rc = store_link_find(c->srv->store, hash, &l);
    *out = rc > 0 ? s_expires(c->srv, l.state, l.changed_at) : 0;
    return rc < 0 ? -1 : 0;
}

/* The job the token opens: 1 with l set, 0 answered (not_found,
   rate_limited), -1 storage failure. */
static int s_find(call *c, const char *token, store_link *l)
{
    server *srv = c->srv;
    int64_t now = wire_now_ms();
    if (now - srv->link_fail_minute >= 60000) {
        srv->link_fail_minute = now;
        srv->link_fails_minute = 0;
    }
    if (srv->cfg.link.fail_limit > 0 && srv->link_fails_minute >= (unsigned)srv->cfg.link.fail_limit) {
        call_error(c, FSD__ERROR_CODE__ERR_RATE_LIMITED, "token",
                   "too many unknown links in the last minute: retry in %lld s",
                   (long long)((srv->link_fail_minute + 60000 - now + 999) / 1000));
        return 0;
    }
    int rc = 0;
    if (s_token_shape(token)) {
        uint8_t hash[STORE_LINK_HASH];
        s_hash(token, hash);
        if ((rc = store_link_find(srv->store, hash, l)) < 0)
            return -1;
        int64_t expires = rc ? s_expires(srv, l->state, l->changed_at) : 0;
        if (expires && now >= expires)
            rc = 0; /* expired: answered as unknown, so neither tells which */
    }
    if (rc == 0) {
        srv->link_fails++;
        srv->link_fails_minute++;
        log_warn("link_unknown", "from=%s failed=%llu this_minute=%u", c->who->name,
                 (unsigned long long)srv->link_fails, srv->link_fails_minute);
        call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "token", "no such link (it may have expired)");
    }
    return rc;
}

/* ------------------------------------------------------------ the view */

/* The states the customer sees as steps; the others (offered, escalated)
   are the office's business and read as "new". */
static Fsd__JobState s_step_state(Fsd__JobState s)
{
    return s == FSD__JOB_STATE__JOB_OFFERED || s == FSD__JOB_STATE__JOB_ESCALATED ? FSD__JOB_STATE__JOB_NEW
                                                                                  : s;
}

static void s_step(arena *a, Fsd__LinkView *lv, Fsd__JobState s, int64_t at)
{
    s = s_step_state(s);
    if (lv->n_timeline && lv->timeline[lv->n_timeline - 1]->state == s)
        return;
    Fsd__LinkStep *st = arena_alloc(a, sizeof *st);
    fsd__link_step__init(st);
    st->state = s;
    st->at = at;
    lv->timeline[lv->n_timeline++] = st;
}

/* The timeline: the request, then each change of state the customer sees. */
static void s_timeline(arena *a, const Fsd__JobView *v, Fsd__LinkView *lv)
{
    lv->timeline = arena_alloc(a, (v->n_history + 1) * sizeof *lv->timeline);
    s_step(a, lv, FSD__JOB_STATE__JOB_NEW, v->created_at);
    for (size_t i = 0; i < v->n_history; i++)
        s_step(a, lv, v->history[i]->to, v->history[i]->at);
}

/* What the technician is shown as: the first name only. */
static char *s_first_name(arena *a, const char *name)
{
    size_t n = strcspn(name, " \t");
    char *out = arena_alloc(a, n + 1);
    memcpy(out, name, n);
    out[n] = 0;
    return out;
}

/* Where the technician is and when they should arrive, for an open job. */
static void s_on_the_way(call *c, const Fsd__JobView *v, Fsd__LinkView *lv)
{
    job *j = world_job(c->srv, v->job_id);
    technician *t = j && j->tech ? j->tech : NULL;
    if (!t || (v->state != FSD__JOB_STATE__JOB_ASSIGNED && v->state != FSD__JOB_STATE__JOB_EN_ROUTE))
        return;
    lv->eta = notify_eta(c->srv, j, t, wire_now_ms());
    /* the position only while on the way: never where they are otherwise */
    if (v->state == FSD__JOB_STATE__JOB_EN_ROUTE && t->pos_at && geo_valid(t->pos)) {
        Fsd__Position *p = arena_alloc(c->a, sizeof *p);
        fsd__position__init(p);
        p->lat = t->pos.lat;
        p->lon = t->pos.lon;
        p->at = t->pos_at;
        lv->position = p;
    }
}

/* Answers with job_id's LinkView. */
static int s_reply(call *c, const char *job_id)
{
    Fsd__JobView *v;
    int rc = jobview_get(c->srv, c->a, job_id, true, &v);
    if (rc <= 0) {
        if (rc == 0)
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "token", "no such link (it may have expired)");
        return rc < 0 ? -1 : 0;
    }
    Fsd__LinkView *lv = arena_alloc(c->a, sizeof *lv);
    fsd__link_view__init(lv);
    lv->job_id = v->job_id;
    lv->state = v->state;
    s_timeline(c->a, v, lv);
    technician *t = v->technician_id[0] ? world_tech(c->srv, v->technician_id) : NULL;
    if (t)
        lv->technician_first_name = s_first_name(c->a, t->row->name);
    if (v->window_booked) {
        lv->window_start = v->window_start;
        lv->window_end = v->window_end;
        lv->window_local = v->window_local;
    } else if (job_state_is_open((job_state)v->state)) {
        lv->arrive_by = v->arrive_by;
    }
    s_on_the_way(c, v, lv);
    provider *p = v->provider_id[0] ? strmap_get(c->srv->provider_by_id, v->provider_id) : NULL;
    if (p)
        lv->provider_name = p->row->name;
    lv->provider_phone = (char *)care_contact(c->srv);
    lv->can_cancel = lifecycle_check((job_state)v->state, JS_CANCELLED, ACTOR_INTAKE, NULL) == 0;
    lv->can_rate = v->state == FSD__JOB_STATE__JOB_COMPLETED;
    char words[64], appliance[160];
    template_category_words(v->category, words, sizeof words);
    snprintf(appliance, sizeof appliance, "%s%s%s", v->brand, v->brand[0] ? " " : "", words);
    lv->appliance = arena_strdup(c->a, appliance);
    lv->rating = v->rating;
    lv->version = v->version;
    if (s_expiry(c, job_id, &lv->expires_at) < 0)
        return -1;
    c->reply->body_case = FSD__ENVELOPE__BODY_LINK_VIEW;
    c->reply->link_view = lv;
    return 0;
}

/* fsdctl stats: the failed lookups since the server started. */
void link_stats(call *c, Fsd__StatsView *s)
{
    Fsd__Counter **list = arena_alloc(c->a, (s->n_counters + 1) * sizeof *list);
    if (s->n_counters)
        memcpy(list, s->counters, s->n_counters * sizeof *list);
    Fsd__Counter *k = arena_alloc(c->a, sizeof *k);
    fsd__counter__init(k);
    k->name = "link_lookups_failed";
    k->value = c->srv->link_fails;
    list[s->n_counters++] = k;
    s->counters = list;
}

/* ------------------------------------------------------------ the verbs */

int link_show(call *c)
{
    store_link l;
    int rc = s_find(c, c->req->link_show->token, &l);
    return rc <= 0 ? rc : s_reply(c, l.job_id);
}

int link_cancel(call *c)
{
    const Fsd__LinkCancel *r = c->req->link_cancel;
    store_link l;
    int rc = s_find(c, r->token, &l);
    if (rc <= 0)
        return rc;
    if ((rc = intake_cancel_job(c, l.job_id, r->reason[0] ? r->reason : "cancelled by the customer")) != 0)
        return rc < 0 ? -1 : 0;
    return s_reply(c, l.job_id);
}

int link_rate(call *c)
{
    const Fsd__LinkRate *r = c->req->link_rate;
    store_link l;
    int rc = s_find(c, r->token, &l);
    if (rc <= 0)
        return rc;
    if ((rc = intake_rate_job(c, l.job_id, r->stars, r->comment)) != 0)
        return rc < 0 ? -1 : 0;
    return s_reply(c, l.job_id);
}

int link_get(call *c)
{
    const char *id = c->req->get_link->job_id;
    Fsd__JobView *v;
    int rc = jobview_get(c->srv, c->a, id, false, &v);
    if (rc <= 0) {
        if (rc == 0)
            call_error(c, FSD__ERROR_CODE__ERR_NOT_FOUND, "job_id", "no job %s", id);
        return rc < 0 ? -1 : 0;
    }
    if (link_ensure(c->srv, v->job_id) < 0)
        return -1;
    Fsd__JobLink *jl = arena_alloc(c->a, sizeof *jl);
    fsd__job_link__init(jl);
    jl->job_id = v->job_id;
    char token[LINK_TOKEN_LEN + 1], url[1200];
    link_token(&c->srv->cfg.link, v->job_id, token);
    link_url(&c->srv->cfg.link, v->job_id, url, sizeof url);
    jl->token = arena_strdup(c->a, token);
    jl->url = arena_strdup(c->a, url);
    if (s_expiry(c, v->job_id, &jl->expires_at) < 0)
        return -1;
    c->reply->body_case = FSD__ENVELOPE__BODY_JOB_LINK;
    c->reply->job_link = jl;
    return 0;
}
