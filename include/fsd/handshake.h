/*  handshake.h — what became of a client's CURVE connection, told apart.

    A DEALER that connects to fsd-server can fail in three ways that look
    the same from the socket (nothing arrives): nothing listens at the
    endpoint, the server is not the one whose public key we hold, or the
    server's ZAP handler refuses our key. libzmq's socket monitor tells
    them apart within a round trip; handshake_wait reads it. */
#ifndef FSD_HANDSHAKE_H
#define FSD_HANDSHAKE_H

#include <stddef.h>

typedef enum {
    HS_OK = 0,       /* the CURVE handshake succeeded */
    HS_NO_SERVER,    /* connection refused: nothing listens there */
    HS_WRONG_SERVER, /* connected, but the handshake failed or was cut: another server key */
    HS_KEY_REFUSED,  /* the server's ZAP refused our key: unregistered or revoked */
    HS_TIMEOUT,      /* no outcome in time (a host that drops packets, a busy server) */
    HS_NOT_WATCHED   /* no monitor could be attached: nothing known */
} handshake_outcome;

typedef struct handshake handshake;

/* Attaches a monitor to sock (before its zmq_connect); NULL when libzmq
   cannot (then handshake_wait says HS_NOT_WATCHED). */
handshake *handshake_watch(void *ctx, void *sock);

/* Waits up to timeout_ms for the outcome of the first connection, then
   detaches and frees the monitor (*hs set to NULL). */
handshake_outcome handshake_wait(handshake **hs, int timeout_ms);

/* What the events so far tell, without waiting: HS_TIMEOUT while they
   tell nothing yet (for a loop that cannot block: fsd-agent's daemon). */
handshake_outcome handshake_poll(handshake *hs);

/* Detaches and frees without waiting (*hs set to NULL; NULL is fine). */
void handshake_destroy(handshake **hs);

/* One sentence saying what to do, for a failed outcome, into buf. */
const char *handshake_advice(handshake_outcome o, const char *endpoint, const char *server_key_file,
                             const char *key_file, int timeout_ms, char *buf, size_t len);

#endif
