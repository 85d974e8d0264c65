/*  webusers.h — fsd-web's users file: one row per person, their CURVE key
    pair with the secret half sealed by their password.

    The file is a small SQLite database of its own (web-users.db), written
    by `fsdctl web user add|passwd|remove` and read by fsd-web at login.
    Sealing: key = crypto_pwhash(argon2id, password, salt), then
    crypto_secretbox(secret key, nonce, key); the plaintext key and the
    derived key are wiped (sodium_memzero) as soon as they are used. The
    role, provider and territories are what fsd-server was told when the
    key was registered: shown on the console, never trusted by it (the
    server decides with the key). */
#ifndef FSD_WEBUSERS_H
#define FSD_WEBUSERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fsd/keys.h"

#define WEBUSER_NAME_MAX 64
#define WEBUSER_PREFS_MAX 4096
#define WEBUSER_PASSWORD_MIN 8

typedef struct webusers webusers;

typedef struct {
    char name[WEBUSER_NAME_MAX];
    char pub[41];
    char role[16];
    char provider[64];
    char territories[1024]; /* comma-separated; "" unscoped */
} webuser;

/* Opens (creating when asked) the users file. NULL with err filled. */
webusers *webusers_open(const char *path, bool create, char *err, size_t errlen);
void webusers_close(webusers **pu);

/* Seals sec (40 Z85 chars) with password into a new row (or replaces the
   row's key and seal with `replace`). 0, or -1 with err. */
int webusers_put(webusers *u, const webuser *who, const char *sec, const char *password, bool replace,
                 char *err, size_t errlen);
/* The row of name (without unsealing). 0 found, 1 unknown, -1 error. */
int webusers_get(webusers *u, const char *name, webuser *out);
/* Checks the password and unseals the row's key pair into kp (pub and
   sec). 0 right, 1 unknown user or wrong password (the same answer, and
   the same work: an unknown name is hashed too), -1 error. The caller
   wipes kp->sec with sodium_memzero after use. */
int webusers_unseal(webusers *u, const char *name, const char *password, fsd_keypair *kp);
/* Removes a row. 0 removed, 1 unknown, -1 error. */
int webusers_remove(webusers *u, const char *name);
/* The saved preferences (JSON text, "" none) into out[WEBUSER_PREFS_MAX+1]. */
int webusers_prefs_get(webusers *u, const char *name, char *out);
int webusers_prefs_put(webusers *u, const char *name, const char *json);

/* The sealing alone (for the unit tests and the file above): seals the 40
   secret characters into box (40 + crypto_secretbox_MACBYTES bytes) with
   a fresh salt and nonce; unseal reverses it. 0, or -1 (wrong password,
   out of memory). */
#define WEBSEAL_SALT 16
#define WEBSEAL_NONCE 24
#define WEBSEAL_BOX (40 + 16)
typedef struct {
    uint8_t salt[WEBSEAL_SALT];
    uint8_t nonce[WEBSEAL_NONCE];
    uint8_t box[WEBSEAL_BOX];
    uint64_t ops;
    uint64_t mem;
} webseal;
int webseal_seal(webseal *s, const char *sec, const char *password);
int webseal_open(const webseal *s, const char *password, char sec[41]);

#endif
