/*  handshake.c — a client connection's first outcome from libzmq's socket
    monitor (see handshake.h).

    The events, in the order a first connection meets them:
      CONNECT_DELAYED, then CLOSED and CONNECT_RETRIED: nothing listens
        (the TCP connect was refused; libzmq tries again in 100 ms)
      CONNECTED, then HANDSHAKE_SUCCEEDED: all is well
      CONNECTED, then HANDSHAKE_FAILED_AUTH: the ZAP handler said no
      CONNECTED, then HANDSHAKE_FAILED_PROTOCOL / _NO_DETAIL, or
        DISCONNECTED without an outcome: the server could not open our
        HELLO, which is what another server key looks like from here */
#include "fsd/handshake.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "fsd/wire.h"

/* A refused connection is final only after this long: a server that is
   being started or restarted gets that much grace (libzmq tries again
   every 100 ms meanwhile). */
#define HS_NO_SERVER_GRACE_MS 1000

struct handshake {
    void *sock, *mon;
    bool connected;  /* a TCP connection was made: a failure now is the handshake's */
    bool refused;    /* a connection was refused (within the grace) */
    int64_t started; /* when the watch began */
};

handshake *handshake_watch(void *ctx, void *sock)
{
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://fsd-handshake-%p", sock);
    int events = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED
                 | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                 | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
    if (zmq_socket_monitor(sock, endpoint, events) < 0)
        return NULL;
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    int zero = 0;
    if (!mon)
        goto fail;
    zmq_setsockopt(mon, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_connect(mon, endpoint) < 0) {
        zmq_close(mon);
        goto fail;
    }
    handshake *hs = calloc(1, sizeof *hs);
    if (!hs) {
        zmq_close(mon);
        goto fail;
    }
    hs->sock = sock;
    hs->mon = mon;
    hs->started = wire_now_ms();
    return hs;
fail:
    zmq_socket_monitor(sock, NULL, 0);
    return NULL;
}

void handshake_destroy(handshake **hs)
{
    if (!*hs)
        return;
    zmq_socket_monitor((*hs)->sock, NULL, 0);
    zmq_close((*hs)->mon);
    free(*hs);
    *hs = NULL;
}

/* The next event's number, or 0 when none came within wait_ms. */
static unsigned s_event(void *mon, int wait_ms)
{
    zmq_pollitem_t item = { mon, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll(&item, 1, wait_ms) != 1)
        return 0;
    unsigned event = 0;
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, mon, 0) >= 6) {
        uint16_t e;
        memcpy(&e, zmq_msg_data(&frame), 2);
        event = e;
    }
    /* the second frame (the endpoint) */
    while (zmq_msg_more(&frame)) {
        zmq_msg_close(&frame);
        zmq_msg_init(&frame);
        if (zmq_msg_recv(&frame, mon, 0) < 0)
            break;
    }
    zmq_msg_close(&frame);
    return event;
}

/* Reads events for up to wait_ms: the first decisive outcome, or
   HS_TIMEOUT when none came. */
static handshake_outcome s_outcome(handshake *hs, int wait_ms)
{
    int64_t until = wire_now_ms() + wait_ms;
    for (;;) {
        int64_t left = until - wire_now_ms();
        unsigned e = s_event(hs->mon, left > 0 ? (int)left : 0);
        if (e == 0) {
            /* a refusal is the answer once the grace is over, or when
               the caller's time ran out first */
            bool graced = wire_now_ms() - hs->started >= HS_NO_SERVER_GRACE_MS;
            return hs->refused && (graced || wait_ms > 0) ? HS_NO_SERVER : HS_TIMEOUT;
        }
        if (e == ZMQ_EVENT_CONNECTED)
            hs->connected = true;
        else if (e == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            return HS_OK;
        else if (e == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            return HS_KEY_REFUSED;
        else if (e == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || e == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                 || (e == ZMQ_EVENT_DISCONNECTED && hs->connected))
            return HS_WRONG_SERVER;
        else if (e == ZMQ_EVENT_CONNECT_RETRIED && !hs->connected) {
            hs->refused = true;
            if (wire_now_ms() - hs->started >= HS_NO_SERVER_GRACE_MS)
                return HS_NO_SERVER;
        }
    }
}

handshake_outcome handshake_wait(handshake **hs, int timeout_ms)
{
    if (!*hs)
        return HS_NOT_WATCHED;
    handshake_outcome out = s_outcome(*hs, timeout_ms);
    handshake_destroy(hs);
    return out;
}

handshake_outcome handshake_poll(handshake *hs)
{
    return hs ? s_outcome(hs, 0) : HS_NOT_WATCHED;
}

const char *handshake_advice(handshake_outcome o, const char *endpoint, const char *server_key_file,
                             const char *key_file, int timeout_ms, char *buf, size_t len)
{
    switch (o) {
    case HS_NO_SERVER:
        snprintf(buf, len,
                 "nothing is listening at %s: start fsd-server there, or point --server (or the "
                 "profile) at the right address",
                 endpoint);
        break;
    case HS_WRONG_SERVER:
        snprintf(
            buf, len,
            "the server at %s is not the one whose public key is in %s: copy that server's keys/server.pub "
            "(or fix --server-key or the profile)",
            endpoint, server_key_file);
        break;
    case HS_KEY_REFUSED:
        snprintf(buf, len,
                 "the server at %s refused the key %s: it is not registered there or was revoked; "
                 "ask an admin to register it (fsdctl keygen, fsdctl key list)",
                 endpoint, key_file);
        break;
    case HS_TIMEOUT:
        snprintf(buf, len,
                 "no answer from %s within %d ms: check that the address is reachable and fsd-server "
                 "is running there",
                 endpoint, timeout_ms);
        break;
    default: snprintf(buf, len, "connected to %s", endpoint); break;
    }
    return buf;
}
