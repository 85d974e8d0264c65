/*  keys.h — CURVE key pairs in files.

    A key file is text, one "name = value" per line:
        public-key = <40 Z85 chars>
        secret-key = <40 Z85 chars>      (absent in a .pub file)
        role = dispatcher                (informative)
        name = dana
    Files holding a secret key are written with mode 0600 and refused on
    load when group or others can read them. */
#ifndef FSD_KEYS_H
#define FSD_KEYS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char pub[41];
    char sec[41]; /* "" when only the public half is known */
    char role[16];
    char name[64];
} fsd_keypair;

/* New random key pair (zmq_curve_keypair). 0 or -1. */
int keys_generate(fsd_keypair *kp);

/* Writes the pair (with secret, mode 0600) to path, atomically
   (temporary file then rename). 0, or -1 with err filled. */
int keys_save(const char *path, const fsd_keypair *kp, char *err, size_t errlen);
/* Writes only the public half (mode 0644). */
int keys_save_public(const char *path, const fsd_keypair *kp, char *err, size_t errlen);

/* Reads a key file. need_secret: fail unless it holds a secret key (and
   then also when its mode lets others read it). 0, or -1 with err. */
int keys_load(const char *path, fsd_keypair *kp, bool need_secret, char *err, size_t errlen);

/* True when s is 40 Z85 characters that decode to 32 bytes. */
bool keys_valid_z85(const char *s);

#endif
