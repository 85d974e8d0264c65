/*  keyring.h — the keys in use: last seen, connections, revocations (keyring.c). */
#ifndef FSD_KEYRING_H
#define FSD_KEYRING_H

#include "server.h"

/* keyring.c: the keys in use. */
typedef struct keyring keyring;
keyring *keyring_new(void);
void keyring_destroy(keyring **self_p);
/* Loads the revoked keys (at start). */
int keyring_load(server *srv);
/* A message from key pub arrived on source fd (ZMQ_SRCFD, -1: unknown). */
void keyring_seen(keyring *self, const char *pub, int fd, int64_t now);
/* Last message from the key since the server started (0: none). */
int64_t keyring_last_seen(const keyring *self, const char *pub);
/* Writes last-seen times that moved, at most once a minute per key. */
int keyring_flush(server *srv, int64_t now);
/* Key pub was revoked in this batch: its connections are cut after the commit. */
void keyring_revoke(keyring *self, const char *pub, const char *name);
/* The name of a revoked key, NULL when pub is not revoked. */
const char *keyring_revoked_name(const keyring *self, const char *pub);
/* After the commit: shuts the connections of the keys revoked; returns how many. */
size_t keyring_cut(keyring *self);
/* The batch failed: its revocations did not happen. */
void keyring_forget(keyring *self);
/* Whether a Hello carrying device_id is another connection taking over
   t's live session (its previous connection spoke within window_ms). */
bool keyring_takeover(const struct technician *t, const char *device_id, int64_t now, int64_t window_ms);

#endif
