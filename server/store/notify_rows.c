/*  notify_rows.c — customer notifications (the durable outbox), their
    templates (kept in memory once read) and customers' languages. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/xalloc.h"

/* --------------------------------------------------- notifications */

/* Fills a store_notification from a row of NOTIFY_COLUMNS (strings point
   into the statement). */
static void s_notification_from_row(sqlite3_stmt *st, store_notification *n)
{
#define T(i) ((const char *)sqlite3_column_text(st, i))
    n->id = sqlite3_column_int64(st, 0);
    n->job_id = T(1);
    n->event = T(2);
    n->phone = T(3);
    n->customer_name = T(4);
    n->language = T(5);
    n->technician_id = T(6);
    n->text = T(7);
    n->created_at = sqlite3_column_int64(st, 8);
    n->status = sqlite3_column_int(st, 9);
    n->attempts = sqlite3_column_int(st, 10);
    n->next_at = sqlite3_column_int64(st, 11);
    n->sent_at = sqlite3_column_int64(st, 12);
    n->last_error = T(13);
#undef T
}

int store_notification_put(store *self, const store_notification *n, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(self, Q_NOTIFY_PUT);
    if (!st)
        return -1;
    store_bind_text(st, 1, n->job_id);
    store_bind_text(st, 2, n->event);
    store_bind_text(st, 3, n->phone);
    store_bind_text(st, 4, n->customer_name);
    store_bind_text(st, 5, n->language);
    store_bind_text(st, 6, n->technician_id);
    store_bind_text(st, 7, n->text);
    sqlite3_bind_int64(st, 8, n->created_at);
    if (store_done(self, st) < 0)
        return -1;
    if (id)
        *id = sqlite3_last_insert_rowid(self->db);
    return 0;
}

/* Steps st, calling fn for each notification row. */
static int s_each_notification(store *self, sqlite3_stmt *st, void (*fn)(void *, const store_notification *),
                               void *arg)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_notification n;
        s_notification_from_row(st, &n);
        fn(arg, &n);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_notification_each_pending(store *self, unsigned max, void (*fn)(void *, const store_notification *),
                                    void *arg)
{
    sqlite3_stmt *st = store_stmt(self, Q_NOTIFY_DUE);
    if (!st)
        return -1;
    sqlite3_bind_int(st, 1, (int)max);
    return s_each_notification(self, st, fn, arg);
}

int store_notification_sent(store *self, int64_t id, int attempts, int64_t at)
{
    sqlite3_stmt *st = store_stmt(self, Q_NOTIFY_SENT);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, attempts);
    sqlite3_bind_int64(st, 3, at);
    return store_done(self, st);
}

int store_notification_retry(store *self, int64_t id, int attempts, int64_t next_at, bool failed,
                             const char *error)
{
    sqlite3_stmt *st = store_stmt(self, Q_NOTIFY_RETRY);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, attempts);
    sqlite3_bind_int64(st, 3, next_at);
    store_bind_text(st, 4, error);
    sqlite3_bind_int(st, 5, failed ? 2 : 0);
    return store_done(self, st);
}

int store_notification_list(store *self, const char *job_id, int status, unsigned limit,
                            void (*fn)(void *, const store_notification *), void *arg)
{
    int q = job_id && job_id[0] ? Q_NOTIFY_LIST : status >= 0 ? Q_NOTIFY_LIST_STATUS : Q_NOTIFY_LIST_ALL;
    sqlite3_stmt *st = store_stmt(self, q);
    if (!st)
        return -1;
    if (q == Q_NOTIFY_LIST)
        store_bind_text(st, 1, job_id);
    sqlite3_bind_int(st, 2, status);
    sqlite3_bind_int(st, 3, (int)limit);
    return s_each_notification(self, st, fn, arg);
}

int store_notification_summary(store *self, uint64_t *pending, uint64_t *failed, int64_t *oldest_pending)
{
    sqlite3_stmt *st = store_stmt(self, Q_NOTIFY_SUMMARY);
    if (!st)
        return -1;
    *pending = *failed = 0;
    *oldest_pending = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 0) == 0) {
            *pending = (uint64_t)sqlite3_column_int64(st, 1);
            *oldest_pending = sqlite3_column_int64(st, 2);
        } else {
            *failed = (uint64_t)sqlite3_column_int64(st, 1);
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_template_put(store *self, const char *event, const char *language, const char *text)
{
    sqlite3_stmt *st = store_stmt(self, Q_TEMPLATE_PUT);
    if (!st)
        return -1;
    store_bind_text(st, 1, event);
    store_bind_text(st, 2, language);
    store_bind_text(st, 3, text);
    store_templates_forget(self);
    return store_done(self, st);
}

int store_template_clear(store *self)
{
    sqlite3_stmt *st = store_stmt(self, Q_TEMPLATE_CLEAR);
    store_templates_forget(self);
    return st ? store_done(self, st) : -1;
}

/* Copies column 0 of the single-row query st into out; 1 found, 0 not, -1. */
static int s_text_get(store *self, sqlite3_stmt *st, char *out, size_t outlen)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, outlen, "%s", t ? (const char *)t : "");
    } else if (outlen) {
        out[0] = 0;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return rc == SQLITE_ROW;
}

/* "event\x1flanguage": the key of a template in memory. */
static void s_template_key(const char *event, const char *language, char *key, size_t len)
{
    snprintf(key, len, "%s\x1f%s", event, language);
}

/* Reads every template into memory (a few dozen rows). */
static int s_templates_read(store *self)
{
    self->templates = strmap_new();
    sqlite3_stmt *st = self->templates ? store_stmt(self, Q_TEMPLATE_EACH) : NULL;
    if (!st) {
        store_templates_forget(self);
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char key[128];
        s_template_key((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
                       key, sizeof key);
        char *text = fsd_xstrdup((const char *)sqlite3_column_text(st, 2));
        if (!text || strmap_put(self->templates, key, text) < 0) {
            free(text);
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_templates_forget(self);
        return store_fail(self);
    }
    return 0;
}

int store_template_get(store *self, const char *event, const char *language, char *out, size_t outlen)
{
    if (!self->templates && s_templates_read(self) < 0)
        return -1;
    char key[128];
    s_template_key(event, language, key, sizeof key);
    const char *text = strmap_get(self->templates, key);
    if (outlen)
        snprintf(out, outlen, "%s", text ? text : "");
    return text != NULL;
}

int store_template_each(store *self,
                        void (*fn)(void *, const char *event, const char *language, const char *text),
                        void *arg)
{
    sqlite3_stmt *st = store_stmt(self, Q_TEMPLATE_EACH);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_customer_set_language(store *self, const char *phone, const char *language)
{
    sqlite3_stmt *st = store_stmt(self, Q_CUSTOMER_LANG_SET);
    if (!st)
        return -1;
    store_bind_text(st, 1, phone);
    store_bind_text(st, 2, language);
    if (language && language[0])
        self->languages_used = 1;
    return store_done(self, st);
}

int store_customer_language(store *self, const char *phone, char *out, size_t outlen)
{
    if (self->languages_used < 0) {
        sqlite3_stmt *any;
        if (sqlite3_prepare_v2(self->db, "SELECT EXISTS(SELECT 1 FROM customers WHERE language != '')", -1,
                               &any, NULL)
            != SQLITE_OK)
            return store_fail(self);
        int rc = sqlite3_step(any);
        self->languages_used = rc == SQLITE_ROW ? sqlite3_column_int(any, 0) : -1;
        sqlite3_finalize(any);
        if (rc != SQLITE_ROW)
            return store_fail(self);
    }
    if (!self->languages_used) { /* nobody has one: no read per message */
        if (outlen)
            out[0] = 0;
        return 0;
    }
    sqlite3_stmt *st = store_stmt(self, Q_CUSTOMER_LANG_GET);
    if (!st)
        return -1;
    store_bind_text(st, 1, phone);
    return s_text_get(self, st, out, outlen);
}
