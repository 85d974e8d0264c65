/*  wire.c — envelopes on ZeroMQ (see include/fsd/wire.h). */
#include "fsd/wire.h"

#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

int64_t wire_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The 64 bits after a message id's time: splitmix64 over a counter from a
   random start (one getrandom per thread). glibc 2.36's arc4random_buf,
   used before, is a getrandom system call on every id (~4 per request in
   the server's loop). An id needs to be unique, not secret: the de-dup
   table keys it by the sender, so a guessed id can only collide with the
   guesser's own. splitmix64 is a bijection of the counter, so one
   thread's ids never repeat; two processes' starts are random. */
static uint64_t s_id_bits(void)
{
    static _Thread_local uint64_t counter;
    static _Thread_local bool seeded;
    if (!seeded) {
        arc4random_buf(&counter, sizeof counter);
        seeded = true;
    }
    uint64_t z = (counter += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* 32 hex digits: the time in milliseconds (12 digits), 16 bits of the
   thread's start and the 64 bits above. Ids that sort by time let the
   server's de-dup table grow at its right edge: a batch of replies then
   touches a page or two instead of one random page per message (each a
   4 KiB write to the WAL). */
void wire_msg_id(char out[33])
{
    static const char hex[] = "0123456789abcdef";
    static _Thread_local uint16_t start;
    uint8_t raw[16];
    uint64_t ms = (uint64_t)wire_now_ms();
    uint64_t bits = s_id_bits();
    if (start == 0)
        start = (uint16_t)(bits >> 48) | 1;
    for (int i = 0; i < 6; i++)
        raw[i] = (uint8_t)(ms >> (40 - 8 * i));
    raw[6] = (uint8_t)(start >> 8);
    raw[7] = (uint8_t)start;
    for (int i = 0; i < 8; i++)
        raw[8 + i] = (uint8_t)(bits >> (56 - 8 * i));
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[32] = '\0';
}

void wire_envelope_init(Fsd__Envelope *env, char id_buf[33])
{
    fsd__envelope__init(env);
    wire_msg_id(id_buf);
    env->msg_id = id_buf;
    env->sent_at = wire_now_ms();
    env->version = FSD_PROTOCOL_VERSION;
}

uint8_t *wire_encode(const Fsd__Envelope *env, size_t *len)
{
    size_t n = fsd__envelope__get_packed_size(env);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return NULL;
    *len = fsd__envelope__pack(env, buf);
    return buf;
}

/* protobuf-c allocates as it decodes: a struct per sub-message, an array
   per repeated field, a copy per string, and scratch for the fields it has
   scanned (freed after each message). An empty sub-message is 2 bytes on
   the wire but a struct of up to a few hundred bytes in memory, so the
   bytes alone do not bound the cost; this allocator does. It keeps the
   bytes live at once (as malloc_usable_size counts them, so scratch freed
   along the way does not count twice) and refuses once they would pass
   the budget, which makes fsd__envelope__unpack fail cleanly. It
   allocates with malloc, so what it returns is freed by the default
   allocator (free_unpacked(env, NULL)). */
typedef struct {
    size_t live, budget;
    bool over;
} s_budget;

static void *s_budget_alloc(void *data, size_t size)
{
    s_budget *b = data;
    if (size > b->budget - b->live) {
        b->over = true;
        return NULL;
    }
    void *p = malloc(size ? size : 1);
    if (!p)
        return NULL;
    size_t got = malloc_usable_size(p);
    if (got > b->budget - b->live) {
        free(p);
        b->over = true;
        return NULL;
    }
    b->live += got;
    return p;
}

static void s_budget_free(void *data, void *ptr)
{
    s_budget *b = data;
    if (ptr)
        b->live -= malloc_usable_size(ptr);
    free(ptr);
}

size_t wire_decode_budget(size_t len)
{
    return FSD_DECODE_FACTOR * len + FSD_DECODE_SLACK;
}

Fsd__Envelope *wire_decode_within(const void *data, size_t len, size_t max, size_t budget,
                                  Fsd__ErrorCode *code, const char **why)
{
    if (len > max) {
        *code = FSD__ERROR_CODE__ERR_TOO_LARGE;
        *why = "message is larger than this sender may send";
        return NULL;
    }
    s_budget b = { 0, budget, false };
    ProtobufCAllocator alloc = { s_budget_alloc, s_budget_free, &b };
    Fsd__Envelope *env = fsd__envelope__unpack(&alloc, len, data);
    if (!env) {
        *code = b.over ? FSD__ERROR_CODE__ERR_TOO_LARGE : FSD__ERROR_CODE__ERR_MALFORMED;
        *why = b.over ? "message would take more memory to decode than its size allows"
                      : "message is not a valid fsd Envelope";
        return NULL;
    }
    if (env->version != FSD_PROTOCOL_VERSION) {
        fsd__envelope__free_unpacked(env, NULL);
        *code = FSD__ERROR_CODE__ERR_BAD_VERSION;
        *why = "protocol version not supported: this server speaks version 1";
        return NULL;
    }
    if (!env->msg_id[0] || strlen(env->msg_id) > FSD_MSG_ID_MAX) {
        fsd__envelope__free_unpacked(env, NULL);
        *code = FSD__ERROR_CODE__ERR_MALFORMED;
        *why = "msg_id must be 1 to 64 characters";
        return NULL;
    }
    *code = FSD__ERROR_CODE__ERR_NONE;
    *why = NULL;
    return env;
}

Fsd__Envelope *wire_decode(const void *data, size_t len, size_t max, Fsd__ErrorCode *code, const char **why)
{
    return wire_decode_within(data, len, max, FSD_CLIENT_DECODE_FACTOR * len + FSD_CLIENT_DECODE_SLACK, code,
                              why);
}

/* A base-128 varint at *p (below end); false when cut off or over 64 bits. */
static bool s_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t byte = *(*p)++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

static bool s_peek(const void *data, size_t len, char out[FSD_MSG_ID_MAX + 1])
{
    const uint8_t *p = data, *end = p + len;
    out[0] = 0;
    bool found = false;
    while (p < end) {
        uint64_t key, n;
        if (!s_varint(&p, end, &key) || key >> 3 == 0)
            return false;
        switch (key & 7) {
        case 0: /* varint */
            if (!s_varint(&p, end, &n))
                return false;
            break;
        case 1: /* 64-bit */
            if (end - p < 8)
                return false;
            p += 8;
            break;
        case 5: /* 32-bit */
            if (end - p < 4)
                return false;
            p += 4;
            break;
        case 2: /* length-delimited */
            if (!s_varint(&p, end, &n) || n > (uint64_t)(end - p))
                return false;
            if (key >> 3 == 1) { /* Envelope.msg_id: the last one counts */
                found = n >= 1 && n <= FSD_MSG_ID_MAX && !memchr(p, 0, (size_t)n);
                if (found) {
                    memcpy(out, p, (size_t)n);
                    out[n] = 0;
                }
            }
            p += n;
            break;
        default: /* groups are not used by fsd.proto */ return false;
        }
    }
    return found;
}

bool wire_peek_msg_id(const void *data, size_t len, char out[FSD_MSG_ID_MAX + 1])
{
    if (s_peek(data, len, out))
        return true;
    out[0] = 0; /* an id before a broken field does not count */
    return false;
}

int wire_send(void *sock, const void *rid, size_t rid_len, const Fsd__Envelope *env)
{
    size_t len;
    uint8_t *buf = wire_encode(env, &len);
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    int rc = 0;
    if (rid && zmq_send(sock, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        rc = -1;
    else if (zmq_send(sock, buf, len, ZMQ_DONTWAIT) < 0)
        rc = -1;
    int saved = errno;
    free(buf);
    errno = saved;
    return rc;
}

void *wire_dealer(void *ctx, const char *endpoint, const fsd_keypair *me, const char *server_pub)
{
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    if (!sock)
        return NULL;
    int zero = 0, one = 1;
    int64_t max = FSD_MAX_MSG;
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(sock, ZMQ_IMMEDIATE, &one, sizeof one);
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_pub, 40) < 0
        || zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, me->pub, 40) < 0
        || zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, me->sec, 40) < 0 || zmq_connect(sock, endpoint) < 0) {
        int saved = errno;
        zmq_close(sock);
        errno = saved;
        return NULL;
    }
    return sock;
}

/* Receives one envelope within timeout_ms; NULL on timeout or a frame that
   does not decode (which a well-behaved server never sends). */
static Fsd__Envelope *s_recv(void *sock, int timeout_ms)
{
    zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll(&item, 1, timeout_ms) <= 0)
        return NULL;
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&msg);
        return NULL;
    }
    Fsd__ErrorCode code;
    const char *why;
    Fsd__Envelope *env = wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), FSD_MAX_MSG, &code, &why);
    zmq_msg_close(&msg);
    return env;
}

Fsd__Envelope *wire_call(void *sock, const Fsd__Envelope *req, int retry_ms, int timeout_ms)
{
    int64_t deadline = wire_now_ms() + timeout_ms;
    while (wire_now_ms() < deadline) {
        /* with ZMQ_IMMEDIATE a send fails until the handshake is done:
           wait for the socket to become writable rather than a whole retry */
        int64_t writable_by = wire_now_ms() + retry_ms;
        while (wire_send(sock, NULL, 0, req) < 0) {
            if (errno != EAGAIN || wire_now_ms() >= writable_by || wire_now_ms() >= deadline)
                break;
            zmq_pollitem_t out = { sock, 0, ZMQ_POLLOUT, 0 };
            zmq_poll(&out, 1, 20);
        }
        int64_t next = wire_now_ms() + retry_ms;
        if (next > deadline)
            next = deadline;
        int64_t left;
        while ((left = next - wire_now_ms()) > 0) {
            Fsd__Envelope *rep = s_recv(sock, (int)left);
            if (!rep)
                continue;
            if (strcmp(rep->reply_to, req->msg_id) == 0)
                return rep;
            fsd__envelope__free_unpacked(rep, NULL); /* a stale answer */
        }
    }
    errno = ETIMEDOUT;
    return NULL;
}

/* Length of the prefix (up to and including an underscore) that all of
   the enum's value names share. */
static size_t s_enum_prefix(const ProtobufCEnumDescriptor *d)
{
    if (d->n_values == 0)
        return 0;
    const char *first = d->values[0].name;
    size_t len = strlen(first);
    for (unsigned i = 1; i < d->n_values; i++) {
        const char *other = d->values[i].name;
        size_t k = 0;
        while (k < len && first[k] == other[k])
            k++;
        len = k;
    }
    while (len > 0 && first[len - 1] != '_')
        len--;
    return len;
}

const char *wire_enum_name(const ProtobufCEnumDescriptor *d, int value)
{
    /* Names are lowered once per value into a small cache keyed by the
       value's name pointer; the set of enums is fixed and small. */
    static struct {
        const char *key;
        char low[48];
    } cache[256];
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
    if (!v)
        return "";
    for (size_t i = 0; i < sizeof cache / sizeof cache[0]; i++) {
        if (cache[i].key == v->name)
            return cache[i].low;
        if (!cache[i].key) {
            const char *src = v->name + s_enum_prefix(d);
            size_t k = 0;
            for (; src[k] && k < sizeof cache[i].low - 1; k++)
                cache[i].low[k] = (char)(src[k] >= 'A' && src[k] <= 'Z' ? src[k] + 32 : src[k]);
            cache[i].low[k] = 0;
            cache[i].key = v->name;
            return cache[i].low;
        }
    }
    return "";
}

int wire_enum_value(const ProtobufCEnumDescriptor *d, const char *name)
{
    for (unsigned i = 0; i < d->n_values; i++)
        if (strcmp(wire_enum_name(d, d->values[i].value), name) == 0)
            return d->values[i].value;
    return -1;
}
