/*  webusers.c — the users file and the password seal (webusers.h). */
#include "webusers.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct webusers {
    sqlite3 *db;
};

static const char *s_schema = "CREATE TABLE IF NOT EXISTS web_users ("
                              " name TEXT PRIMARY KEY,"
                              " public_key TEXT NOT NULL,"
                              " salt BLOB NOT NULL, nonce BLOB NOT NULL, sealed BLOB NOT NULL,"
                              " ops INTEGER NOT NULL, mem INTEGER NOT NULL,"
                              " role TEXT NOT NULL DEFAULT '',"
                              " provider TEXT NOT NULL DEFAULT '',"
                              " territories TEXT NOT NULL DEFAULT '',"
                              " prefs TEXT NOT NULL DEFAULT '',"
                              " created_at INTEGER NOT NULL)";

int webseal_seal(webseal *s, const char *sec, const char *password)
{
    uint8_t key[crypto_secretbox_KEYBYTES];
    if (sodium_init() < 0)
        return -1;
    s->ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    s->mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    randombytes_buf(s->salt, sizeof s->salt);
    randombytes_buf(s->nonce, sizeof s->nonce);
    if (crypto_pwhash(key, sizeof key, password, strlen(password), s->salt, s->ops, s->mem,
                      crypto_pwhash_ALG_ARGON2ID13)
        != 0)
        return -1;
    crypto_secretbox_easy(s->box, (const uint8_t *)sec, 40, s->nonce, key);
    sodium_memzero(key, sizeof key);
    return 0;
}

int webseal_open(const webseal *s, const char *password, char sec[41])
{
    uint8_t key[crypto_secretbox_KEYBYTES];
    if (sodium_init() < 0)
        return -1;
    /* a stored cost far above the interactive one would let a changed file
       make every login take minutes: refuse it */
    if (s->ops > 16 * crypto_pwhash_OPSLIMIT_INTERACTIVE || s->mem > 16 * crypto_pwhash_MEMLIMIT_INTERACTIVE
        || s->ops < crypto_pwhash_OPSLIMIT_MIN || s->mem < crypto_pwhash_MEMLIMIT_MIN)
        return -1;
    if (crypto_pwhash(key, sizeof key, password, strlen(password), s->salt, s->ops, s->mem,
                      crypto_pwhash_ALG_ARGON2ID13)
        != 0)
        return -1;
    int rc = crypto_secretbox_open_easy((uint8_t *)sec, s->box, sizeof s->box, s->nonce, key);
    sodium_memzero(key, sizeof key);
    sec[40] = '\0';
    if (rc != 0) {
        sodium_memzero(sec, 41);
        return -1;
    }
    return 0;
}

webusers *webusers_open(const char *path, bool create, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open the users file %s: %s%s", path,
                 db ? sqlite3_errmsg(db) : "no memory", create ? "" : " (make it with fsdctl web user add)");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    /* the seals resist guessing, but only as long as nobody may try: the
       file is its owner's alone (fsdctl tightens it, fsd-web refuses it looser) */
    struct stat st;
    if (create)
        chmod(path, 0600);
    else if (stat(path, &st) == 0 && (st.st_mode & 077)) {
        snprintf(err, errlen, "the users file %s can be read by others (mode %03o): chmod 600 it", path,
                 (unsigned)(st.st_mode & 0777));
        sqlite3_close(db);
        return NULL;
    }
    char *msg = NULL;
    if (sqlite3_exec(db, s_schema, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s is not a users file: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    webusers *u = calloc(1, sizeof *u);
    if (!u) {
        sqlite3_close(db);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    u->db = db;
    return u;
}

void webusers_close(webusers **pu)
{
    if (!*pu)
        return;
    sqlite3_close((*pu)->db);
    free(*pu);
    *pu = NULL;
}

int webusers_put(webusers *u, const webuser *who, const char *sec, const char *password, bool replace,
                 char *err, size_t errlen)
{
    webseal s;
    if (webseal_seal(&s, sec, password) < 0) {
        snprintf(err, errlen, "cannot seal the key (out of memory for the password hash?)");
        return -1;
    }
    const char *sql = replace
                          ? "UPDATE web_users SET public_key=?2, salt=?3, nonce=?4, sealed=?5, ops=?6, mem=?7"
                            " WHERE name=?1"
                          : "INSERT INTO web_users (name, public_key, salt, nonce, sealed, ops, mem, role,"
                            " provider, territories, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(u->db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "users file: %s", sqlite3_errmsg(u->db));
        return -1;
    }
    sqlite3_bind_text(st, 1, who->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, who->pub, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, s.salt, sizeof s.salt, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, s.nonce, sizeof s.nonce, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, s.box, sizeof s.box, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)s.ops);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)s.mem);
    if (!replace) {
        sqlite3_bind_text(st, 8, who->role, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, who->provider, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, who->territories, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 11, (sqlite3_int64)time(NULL) * 1000);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, rc == SQLITE_CONSTRAINT ? "a web user %s exists already" : "users file: %s",
                 rc == SQLITE_CONSTRAINT ? who->name : sqlite3_errmsg(u->db));
        return -1;
    }
    if (replace && sqlite3_changes(u->db) == 0) {
        snprintf(err, errlen, "no web user %s", who->name);
        return -1;
    }
    return 0;
}

static void s_copy(char *dst, size_t n, const unsigned char *src)
{
    snprintf(dst, n, "%s", src ? (const char *)src : "");
}

int webusers_get(webusers *u, const char *name, webuser *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            u->db, "SELECT name, public_key, role, provider, territories FROM web_users WHERE name=?1", -1,
            &st, NULL)
        != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        s_copy(out->name, sizeof out->name, sqlite3_column_text(st, 0));
        s_copy(out->pub, sizeof out->pub, sqlite3_column_text(st, 1));
        s_copy(out->role, sizeof out->role, sqlite3_column_text(st, 2));
        s_copy(out->provider, sizeof out->provider, sqlite3_column_text(st, 3));
        s_copy(out->territories, sizeof out->territories, sqlite3_column_text(st, 4));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

/* Reads the seal of name; 0, 1 unknown, -1 error. */
static int s_seal_of(webusers *u, const char *name, webseal *s, char pub[41])
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(u->db,
                           "SELECT salt, nonce, sealed, ops, mem, public_key FROM web_users WHERE name=?1",
                           -1, &st, NULL)
        != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), out = rc == SQLITE_DONE ? 1 : -1;
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == WEBSEAL_SALT
        && sqlite3_column_bytes(st, 1) == WEBSEAL_NONCE && sqlite3_column_bytes(st, 2) == WEBSEAL_BOX) {
        memcpy(s->salt, sqlite3_column_blob(st, 0), WEBSEAL_SALT);
        memcpy(s->nonce, sqlite3_column_blob(st, 1), WEBSEAL_NONCE);
        memcpy(s->box, sqlite3_column_blob(st, 2), WEBSEAL_BOX);
        s->ops = (uint64_t)sqlite3_column_int64(st, 3);
        s->mem = (uint64_t)sqlite3_column_int64(st, 4);
        s_copy(pub, 41, sqlite3_column_text(st, 5));
        out = 0;
    }
    sqlite3_finalize(st);
    return out;
}

int webusers_unseal(webusers *u, const char *name, const char *password, fsd_keypair *kp)
{
    webseal s;
    memset(kp, 0, sizeof *kp);
    int rc = s_seal_of(u, name, &s, kp->pub);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        /* the same work for an unknown name: its answer comes no sooner */
        memset(&s, 0, sizeof s);
        s.ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        s.mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
        webseal_open(&s, password, kp->sec);
        memset(kp, 0, sizeof *kp);
        return 1;
    }
    if (webseal_open(&s, password, kp->sec) < 0)
        return 1;
    snprintf(kp->name, sizeof kp->name, "%s", name);
    return 0;
}

int webusers_remove(webusers *u, const char *name)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(u->db, "DELETE FROM web_users WHERE name=?1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return -1;
    return sqlite3_changes(u->db) ? 0 : 1;
}

int webusers_prefs_get(webusers *u, const char *name, char *out)
{
    sqlite3_stmt *st;
    out[0] = '\0';
    if (sqlite3_prepare_v2(u->db, "SELECT prefs FROM web_users WHERE name=?1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(out, WEBUSER_PREFS_MAX + 1, "%s",
                 sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int webusers_prefs_put(webusers *u, const char *name, const char *json)
{
    sqlite3_stmt *st;
    if (strlen(json) > WEBUSER_PREFS_MAX)
        return -1;
    if (sqlite3_prepare_v2(u->db, "UPDATE web_users SET prefs=?2 WHERE name=?1", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE && sqlite3_changes(u->db) ? 0 : -1;
}
