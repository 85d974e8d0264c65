/*  webconn.h — fsd-web's connections to fsd-server, one per web user.

    Each logged-in user has their own DEALER with their own CURVE key, so
    fsd-server's rights, scopes and audit trail name the person. ZeroMQ
    sockets belong to one thread: a single connection thread owns every
    user's socket in one zmq_poll loop; the HTTP threads hand it requests
    (webconn_call) and wait for the answer, or for their timeout.

    While a user has live-event streams open, the thread also keeps that
    user's view of the board current (webevents.h) by asking the server
    for it every second over the same connection. */
#ifndef FSD_WEBCONN_H
#define FSD_WEBCONN_H

#include "fsd.pb-c.h"
#include "fsd/keys.h"
#include "webevents.h"

/* The connection of the customer pages (--portal-key) goes under this
   name, which no web user can have (fsdctl web user refuses '#'). Its
   open pages' links are asked for every LINK_POLL_MS. */
#define WEBCONN_PORTAL "#portal"
#define LINK_POLL_MS 1000

typedef struct webconn webconn;

/* Starts the connection thread. NULL with err. */
webconn *webconn_new(const char *endpoint, const char *server_pub, webevents *ev, char *err, size_t errlen);
void webconn_destroy(webconn **pc);

/* One more session of kp->name: opens the user's connection with kp on
   the first (kp->sec is copied to the socket and wiped from the copy;
   the caller wipes its own). 0, or -1 (out of memory, bad keys). */
int webconn_open(webconn *c, const fsd_keypair *kp);
/* One session fewer; the last one closes the connection. */
void webconn_close(webconn *c, const char *user);

/* Sends req (its msg_id set by wire_envelope_init) on user's connection
   and waits up to timeout_ms. The reply (free with
   fsd__envelope__free_unpacked), or NULL: *timed_out says whether the
   server did not answer in time (else the user has no connection). */
Fsd__Envelope *webconn_call(webconn *c, const char *user, const Fsd__Envelope *req, int timeout_ms,
                            bool *timed_out);

/* Sets env's oneof body to msg of case `which`. */
void webconn_set_body(Fsd__Envelope *env, Fsd__Envelope__BodyCase which, void *msg);
/* The message in env's oneof body (NULL when none). */
const ProtobufCMessage *webconn_body(const Fsd__Envelope *env);

#endif
