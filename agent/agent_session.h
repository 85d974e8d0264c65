/*  agent_session.h — one technician's session with fsd-server.

    Owns one CURVE DEALER to the server and runs the agent side of the
    session protocol (proto/fsd.proto, "agent session"):
      - Hello{last_seq_applied} on every (re)connect, re-sent with backoff
        (2 s doubling to 10 s, jittered) until Welcome arrives;
      - server messages with seq: applied only when seq == applied+1,
        through the outbox in one transaction; duplicates and gaps are
        ignored (the server re-sends after the next Hello); every batch
        is answered with Ack{upto=applied};
      - reports (OfferReply, JobUpdate): stored in the outbox first, sent
        in seq order while the session is open, re-sent every 3 s until
        answered and all of them again after each Welcome; Ack{upto=U}
        in reply to a report means "gap": everything after U is re-sent;
      - Heartbeat every heartbeat_ms; nothing received for 3 beats means
        the link is lost: the DEALER is closed and reopened after a
        backoff (1 s doubling to 10 s, jittered);
      - Position on open, every 30 s and on change.

    It never blocks: the owner polls fsd_session_socket() (which changes
    across reconnects, and is NULL while waiting to reconnect), calls
    fsd_session_handle() when it is readable and fsd_session_tick() when
    fsd_session_deadline() has passed. Several sessions can share one
    process, one zmq context and one outbox (the simulator does). What
    happens is told to the owner through one callback. */
#ifndef FSD_AGENT_SESSION_H
#define FSD_AGENT_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include "fsd/keys.h"
#include "fsd/wire.h"
#include "outbox.h"

typedef struct _fsd_session_t fsd_session_t;

typedef enum {
    FSD_SESSION_WELCOME,   /* the session is open (env: the Welcome) */
    FSD_SESSION_LOST,      /* the link was declared lost (env NULL) */
    FSD_SESSION_OFFER,     /* a new offer was stored (env: the Offer) */
    FSD_SESSION_ASSIGNED,  /* a job was given to us (env: the Assigned) */
    FSD_SESSION_REVOKED,   /* a job/offer was withdrawn (env: the Revoked) */
    FSD_SESSION_ANSWER,    /* the server answered a report: env->reply_to
                               is its msg_id, body JobView or Error */
    FSD_SESSION_SUPERSEDED /* another connection with this key took the
                               session over (env: the Superseded); the
                               session stays disconnected until resumed */
} fsd_session_event;

typedef void(fsd_session_fn)(fsd_session_t *session, fsd_session_event event, const Fsd__Envelope *env,
                             void *arg);

/* A session for the technician whose key is `key` (tech: its label in
   the outbox). Opens the DEALER at once. NULL when the outbox cannot be
   read or the socket cannot be made. */
fsd_session_t *fsd_session_new(void *ctx, fsd_outbox_t *outbox, const fsd_keypair *key, const char *tech,
                               const char *server, const char *server_pub, fsd_session_fn *fn, void *arg);

/* Closes the DEALER and frees the session; *self_p becomes NULL. */
void fsd_session_destroy(fsd_session_t **self_p);

/* The DEALER to poll for input, or NULL while disconnected. */
void *fsd_session_socket(fsd_session_t *self);

/* Reads and handles everything waiting on the DEALER. */
void fsd_session_handle(fsd_session_t *self);

/* Runs the timers that are due (Hello, heartbeat, resends, liveness,
   reconnect, position). */
void fsd_session_tick(fsd_session_t *self);

/* When the next timer falls due (monotonic ms, see fsd_session_now). */
int64_t fsd_session_deadline(fsd_session_t *self);

/* The monotonic clock the session uses, in ms. */
int64_t fsd_session_now(void);

/* Stores and sends an OfferReply. reason matters only when declining.
   On 0, *seq and msg_id (33 bytes) say which report it is. */
int fsd_session_offer_reply(fsd_session_t *self, const char *job_id, bool accept, Fsd__DeclineReason reason,
                            const char *note, uint64_t *seq, char *msg_id);

/* Stores and sends a JobUpdate (en_route, on_site, on_hold, completed). */
int fsd_session_job_update(fsd_session_t *self, const char *job_id, Fsd__JobState state, const char *note,
                           uint64_t *seq, char *msg_id);

/* Stores and sends a WaiveFee: the call-out fee of a job the technician
   holds, in cents. */
int fsd_session_waive(fsd_session_t *self, const char *job_id, int64_t amount_cents, const char *reason,
                      uint64_t *seq, char *msg_id);

/* Records the technician's position and sends it when the session is open. */
void fsd_session_set_position(fsd_session_t *self, double lat, double lon);

/* True once Welcome arrived on the current connection. */
bool fsd_session_is_open(fsd_session_t *self);

/* When another connection took this session over (wall-clock ms; 0 when
   not, or resumed since), with the server's sentence in *text. */
int64_t fsd_session_superseded(fsd_session_t *self, const char **text);

/* Watches each new connection's handshake and logs at once why one
   cannot work (no server, another server's key, a refused key): for the
   daemon. The simulator's thousands of sessions go without (a monitor is
   two more sockets each). */
void fsd_session_watch(fsd_session_t *self);

/* After a takeover: connect again (true), or nothing to resume (false). */
bool fsd_session_resume(fsd_session_t *self);

/* Wall-clock ms of the last message from the server (0: never). */
int64_t fsd_session_last_contact(fsd_session_t *self);

/* The outbox label of this technician. */
const char *fsd_session_tech(fsd_session_t *self);

/* The technician id announced by the server ("" until the first Welcome). */
const char *fsd_session_technician_id(fsd_session_t *self);

/* Number of reports stored and not yet answered. */
size_t fsd_session_pending(fsd_session_t *self);

#endif
