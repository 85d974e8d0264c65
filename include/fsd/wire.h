/*  wire.h — envelopes on ZeroMQ: ids, encode/decode, sockets, calls.

    The small library every fsd program links. It knows the Envelope and
    ZeroMQ; it knows nothing of jobs. Decoding checks the size before
    protobuf-c sees the bytes (protobuf-c has no limit of its own). */
#ifndef FSD_WIRE_H
#define FSD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fsd.pb-c.h"
#include "fsd/keys.h"

#define FSD_PROTOCOL_VERSION 1
#define FSD_MSG_ID_MAX 64
/* Hard cap on any frame (ZMQ_MAXMSGSIZE); reference-data loads are the
   large ones. Requests from other roles are held to FSD_SMALL_MSG_MAX. */
#define FSD_MAX_MSG (8 * 1024 * 1024)
#define FSD_SMALL_MSG_MAX (64 * 1024)

/* UTC milliseconds now. */
int64_t wire_now_ms(void);

/* A fresh random message id (32 hex characters) into out[33]. */
void wire_msg_id(char out[33]);

/* Prepares an envelope: version, sent_at, a fresh msg_id written into
   id_buf (which must outlive the envelope). */
void wire_envelope_init(Fsd__Envelope *env, char id_buf[33]);

/* Encodes into a malloc'd buffer; *len set. NULL on allocation failure. */
uint8_t *wire_encode(const Fsd__Envelope *env, size_t *len);

/* What decoding a frame of len bytes may hold in memory at once:
   FSD_DECODE_FACTOR times its size plus FSD_DECODE_SLACK. The example
   reference loads and requests take 2.9 to 3.8 times their size (malloc's
   rounding included: a short string costs a 24-byte chunk and a pointer);
   a frame of empty repeated sub-messages (2 bytes each on the wire, a
   struct of up to 416 bytes in memory) takes over a hundred times, and is
   refused when it reaches the budget instead of after. An 8 MiB admin
   load gets 65 MiB at most; a 64 KiB request 1.5 MiB, so the slack alone
   covers every role but the admin's. */
#define FSD_DECODE_FACTOR 8
#define FSD_DECODE_SLACK (1024 * 1024)
/* The clients' (fsdctl, fsd-agent) budget for the server's answers:
   generous, since they only read what their server sends. */
#define FSD_CLIENT_DECODE_FACTOR 64
#define FSD_CLIENT_DECODE_SLACK (16 * 1024 * 1024)

/* The server's decode budget for a frame of len bytes (see above). */
size_t wire_decode_budget(size_t len);

/* Decodes a frame, allocating at most `budget` bytes. NULL when it is too
   large (> max, or its decoding would take more than the budget), not an
   Envelope, or of another protocol version; *code and *why then say which
   (FSD__ERROR_CODE__ERR_MALFORMED / _TOO_LARGE / _BAD_VERSION). Free the
   result with fsd__envelope__free_unpacked(env, NULL). */
Fsd__Envelope *wire_decode_within(const void *data, size_t len, size_t max, size_t budget,
                                  Fsd__ErrorCode *code, const char **why);

/* wire_decode_within with the clients' generous budget. */
Fsd__Envelope *wire_decode(const void *data, size_t len, size_t max, Fsd__ErrorCode *code, const char **why);

/* The msg_id of a frame without decoding it: scans the Envelope's top
   level only (no allocation, one pass), so that a refusal can name the
   request it answers even when the frame is too large, of another
   version or from an unknown key. True, with the id in out, when the top
   level is well-formed and holds a msg_id of 1 to FSD_MSG_ID_MAX bytes. */
bool wire_peek_msg_id(const void *data, size_t len, char out[FSD_MSG_ID_MAX + 1]);

/* Sends an envelope on a DEALER (rid NULL) or ROUTER (rid = routing id).
   Non-blocking: 0 sent, -1 with errno (EAGAIN, EHOSTUNREACH...). */
int wire_send(void *sock, const void *rid, size_t rid_len, const Fsd__Envelope *env);

/* A DEALER connected to `endpoint` with CURVE (client keys `me`, server
   public key `server_pub`, both Z85), linger 0, size cap, and
   ZMQ_IMMEDIATE. NULL with errno on failure. */
void *wire_dealer(void *ctx, const char *endpoint, const fsd_keypair *me, const char *server_pub);

/* One request, one answer: sends `req` (its msg_id set by
   wire_envelope_init) and waits for the envelope whose reply_to matches,
   re-sending the same msg_id every retry_ms (the server answers a
   duplicate with the original result) until timeout_ms. Returns the reply
   (caller frees) or NULL on timeout (errno ETIMEDOUT). */
Fsd__Envelope *wire_call(void *sock, const Fsd__Envelope *req, int retry_ms, int timeout_ms);

/* Name of an enum value for people and JSON: the value's name, lower
   case, without the prefix its enum shares ("JOB_EN_ROUTE" → "en_route",
   "ERR_NOT_FOUND" → "not_found"). "" for an unknown value. */
const char *wire_enum_name(const ProtobufCEnumDescriptor *d, int value);
/* The reverse; -1 if unknown. */
int wire_enum_value(const ProtobufCEnumDescriptor *d, const char *name);

#endif
