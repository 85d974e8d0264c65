/*  outbox.h — the agent's durable store (SQLite, WAL, synchronous=FULL).

    One file holds, per technician (a label: the key file's name, so the
    simulator can keep a whole fleet in one file):
      - the session counters: the highest server seq applied, the last
        report seq handed out, the identity the server announced, the
        last known position;
      - the outbox: every report (OfferReply, JobUpdate) as the encoded
        Envelope that goes on the wire, stored and committed BEFORE it is
        sent, deleted only when the server answered it;
      - the technician's jobs and open offers as last known;
      - conflicts (reports the server refused) and notices (revocations).

    Each server message is applied together with the new "applied" counter
    in one transaction, and each answer removes its report together with
    its effect, so a crash at any point leaves a consistent store.

    It does not talk to the network, keep timers or decide when to send:
    that is the session's work (agent_session.h). */
#ifndef FSD_AGENT_OUTBOX_H
#define FSD_AGENT_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fsd/wire.h"

typedef struct _fsd_outbox_t fsd_outbox_t;

/* What the store knows of one technician's session. */
typedef struct {
    uint64_t applied;       /* highest server seq applied */
    uint64_t report_seq;    /* last agent seq handed out */
    char technician_id[64]; /* as announced by Welcome; "" until then */
    char name[128];
    bool has_position;
    double lat, lon;
    uint64_t generation; /* of the server's database at the last Welcome (0: none yet) */
    int snapshot_due;    /* a resync's JobSnapshot not applied yet: 1 asked for, 2 after a restore */
} fsd_outbox_state;

/* Called for each stored report, in seq order. */
typedef void(fsd_outbox_fn)(uint64_t seq, const char *msg_id, const uint8_t *data, size_t len, void *arg);

/* Opens (creating and migrating) the store at path. NULL with err. */
fsd_outbox_t *fsd_outbox_new(const char *path, char *err, size_t errlen);

/* Closes the store; *self_p becomes NULL. */
void fsd_outbox_destroy(fsd_outbox_t **self_p);

/* The last SQLite error, for logs. */
const char *fsd_outbox_error(fsd_outbox_t *self);

/* Reads the session counters of tech (creating its row). 0 or -1. */
int fsd_outbox_state_get(fsd_outbox_t *self, const char *tech, fsd_outbox_state *st);

/* Records the identity the server announced in Welcome. 0 or -1. */
int fsd_outbox_set_identity(fsd_outbox_t *self, const char *tech, const char *technician_id,
                            const char *name);

/* Records the technician's last known position. 0 or -1. */
int fsd_outbox_set_position(fsd_outbox_t *self, const char *tech, double lat, double lon);

/* Stores a report: gives env the next agent seq (env->seq), encodes it and
   commits it with the description shown by `jobs` (job_id, what, note,
   at). On return 0 the report is on disk; -1 means nothing was stored. */
int fsd_outbox_put(fsd_outbox_t *self, const char *tech, Fsd__Envelope *env, const char *job_id,
                   const char *what, const char *note, int64_t at);

/* Calls fn for every stored report of tech in seq order. 0 or -1. */
int fsd_outbox_each(fsd_outbox_t *self, const char *tech, fsd_outbox_fn *fn, void *arg);

/* Number of stored reports of tech (-1 on error). */
int fsd_outbox_count(fsd_outbox_t *self, const char *tech);

/* Applies a sequenced server message (Offer, Assigned, Revoked) when its
   seq is exactly applied+1, together with the new counter. Returns 1
   applied, 0 ignored (duplicate or gap), -1 storage error. *applied is set
   to the counter after the call. */
int fsd_outbox_apply(fsd_outbox_t *self, const char *tech, const Fsd__Envelope *env, uint64_t *applied);

/* Sets the "applied" counter of tech to applied (used when the server's
   first message of a session shows it acknowledged more than this store
   remembers: a new or restored agent.db). 0 or -1. */
int fsd_outbox_rebase(fsd_outbox_t *self, const char *tech, uint64_t applied);

/* The report direction's counterpart: when Welcome says the server has
   applied reports up to server_seq, beyond the last seq this store handed
   out, every stored report is given a new seq after server_seq (and a new
   msg_id) in one transaction, so it is not mistaken for one already
   applied. Returns the number renumbered, or -1. */
int fsd_outbox_renumber(fsd_outbox_t *self, const char *tech, uint64_t server_seq);

/* After a Welcome that announces a JobSnapshot, in one transaction: the
   "applied" counter becomes applied (the server's last seq: the snapshot
   stands for everything before), the generation is kept, the snapshot is
   due until fsd_outbox_snapshot; and when renumber (the server's database
   was restored: its numbering went back), every stored report gets a new
   seq after server_report_seq (and a new msg_id) and the report counter
   continues from there. Returns the number renumbered, or -1. */
int fsd_outbox_resync(fsd_outbox_t *self, const char *tech, uint64_t generation, uint64_t applied,
                      uint64_t server_report_seq, bool renumber);

/* Records the server's database generation (first Welcome). 0 or -1. */
int fsd_outbox_set_generation(fsd_outbox_t *self, const char *tech, uint64_t generation);

/* Replaces the technician's job list with the server's snapshot (open
   offers and held jobs), forgets the departures, clears snapshot_due, adds a notice (restored:
   the server's database was restored; else this store is new, and an
   empty snapshot needs no notice). Returns the number of jobs kept
   (*offers of them offers), or -1. */
int fsd_outbox_snapshot(fsd_outbox_t *self, const char *tech, const Fsd__JobSnapshot *snap, bool restored,
                        size_t *offers);

/* What the store knows of job_id: 2 held, offered, reported on or
   completed by this technician, 1 it left this technician (revoked,
   cancelled, closed, declined), 0 never heard of, -1 on error. */
int fsd_outbox_job_known(fsd_outbox_t *self, const char *tech, const char *job_id);

/* Marks conflict id (or all when all) acknowledged: it leaves the list and
   stays in the history. The number marked, or -1. */
int fsd_outbox_ack_conflicts(fsd_outbox_t *self, const char *tech, uint64_t id, bool all);

/* Resolves the report whose msg_id the reply answers: a JobView removes
   it and updates the local job; an Error other than ERR_UNAVAILABLE
   removes it and records a conflict. Returns 1 resolved, 0 nothing to do
   (unknown msg_id, or ERR_UNAVAILABLE: keep it), -1 storage error. */
int fsd_outbox_answer(fsd_outbox_t *self, const char *tech, const char *msg_id, const Fsd__Envelope *reply,
                      const char *technician_id);

/* This device's id for tech: made once (16 random bytes, hex) and kept,
   sent in every Hello so that the server tells a reconnect of this device
   from another connection with the same key. 0 or -1. */
int fsd_outbox_device_id(fsd_outbox_t *self, const char *tech, char *out, size_t outlen);

/* Adds a notice for the technician (shown by `fsd-agent jobs`). 0 or -1. */
int fsd_outbox_notice(fsd_outbox_t *self, const char *tech, const char *text);

/* The technician's local picture for `fsd-agent jobs` (connected and
   last_contact are left for the caller); conflict_history: acknowledged
   conflicts too. NULL on error. Free with fsd_outbox_status_free. */
Fsd__LocalStatus *fsd_outbox_status(fsd_outbox_t *self, const char *tech, bool conflict_history);

/* Frees a status from fsd_outbox_status; *st_p becomes NULL. */
void fsd_outbox_status_free(Fsd__LocalStatus **st_p);

#endif
