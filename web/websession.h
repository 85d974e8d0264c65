/*  websession.h — fsd-web's sessions, cookies and login rate limit.

    A session is a 256-bit random id (randombytes_buf, 64 hex characters)
    held only here, with the user it belongs to, a CSRF token of its own,
    and two expiries: idle (no request for idle_ms) and absolute (abs_ms
    after login). Times are passed in (ms), so the expiry is tested without
    waiting. Every function takes the table's lock: HTTP threads share it. */
#ifndef FSD_WEBSESSION_H
#define FSD_WEBSESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEBSESSION_ID_LEN 64 /* hex of 32 bytes */

typedef struct websessions websessions;

typedef struct {
    char id[WEBSESSION_ID_LEN + 1];
    char csrf[WEBSESSION_ID_LEN + 1];
    char user[64];
    int64_t created_at, used_at;
} websession;

websessions *websessions_new(int64_t idle_ms, int64_t abs_ms);
void websessions_destroy(websessions **ps);

/* A new session for user; its id and CSRF token copied into out. */
int websessions_create(websessions *t, const char *user, int64_t now, websession *out);
/* Finds id; refreshes its idle clock. 0 found (copied into out), 1
   unknown or expired (an expired one is dropped). */
int websessions_touch(websessions *t, const char *id, int64_t now, websession *out);
/* Ends session id. Returns 1 when it was the user's last session (its
   user copied into user[64]), 0 when others remain, -1 unknown. */
int websessions_end(websessions *t, const char *id, char *user);
/* Drops expired sessions, passing each one's id and user to gone(id,
   user, arg) (called with the table's lock held). Returns how many were
   dropped. */
int websessions_sweep(websessions *t, int64_t now, void (*gone)(const char *id, const char *user, void *arg),
                      void *arg);
/* Open sessions of user (all users when user is NULL). */
int websessions_count(websessions *t, const char *user);

/* Cookies. secure: the __Host- name with Secure (TLS); else "fsd" for
   plain HTTP on loopback. Writes "NAME=VALUE; Path=/; [Secure; ]HttpOnly;
   SameSite=Strict" (max_age >= 0 adds Max-Age) into out. */
const char *webcookie_name(bool secure);
int webcookie_build(char *out, size_t len, bool secure, const char *value, long max_age);
/* The session id in a Cookie header for our cookie name; false if none. */
bool webcookie_find(const char *header, bool secure, char id[WEBSESSION_ID_LEN + 1]);

/* Login attempts: at most `limit` failures per key (a user name, an
   address) within window_ms. */
typedef struct webratelimit webratelimit;
webratelimit *webratelimit_new(int limit, int64_t window_ms);
void webratelimit_destroy(webratelimit **pr);
/* True when key may try now. */
bool webratelimit_allowed(webratelimit *r, const char *key, int64_t now);
void webratelimit_fail(webratelimit *r, const char *key, int64_t now);
void webratelimit_clear(webratelimit *r, const char *key);

/* Two strings compared in time independent of where they differ. */
bool websession_equal(const char *a, const char *b);

#endif
