/*  fsd-poke — sends one raw frame to fsd-server and prints what comes back.

    For tests of hostile input: the frame is read from a file (or made by
    --garbage N / --envelope KIND), sent over a CURVE DEALER with the given
    key, and the reply Envelope is printed as JSON. Exit 0 when a reply
    came, 3 when none came within the timeout.

      fsd-poke --key K --server-key S --server EP --file FRAME
      fsd-poke ... --garbage 100          100 random bytes
      fsd-poke ... --envelope version     an Envelope of protocol version 99
      fsd-poke ... --envelope empty       an Envelope with no body
      fsd-poke ... --envelope reply       an Envelope whose body is an answer (JobView)
      fsd-poke ... --envelope big         a SubmitRequest with a 100 kB problem text
      fsd-poke ... --envelope frames      a valid GetJob sent as two frames
      fsd-poke ... --envelope submit      a valid SubmitRequest (Siemens washing machine, Berlin-Mitte)
      fsd-poke ... --repeat N             send the same frame (same msg_id) N times, print every reply
      fsd-poke ... --repeat N --burst     the same, all N sent before waiting for any reply

    With --repeat each send waits for the previous reply (a retry after a
    lost answer), with --burst they may land in one batch; every reply is
    printed on its own line; the exit status is 3 unless all N came. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "fsd/keys.h"
#include "fsd/pbjson.h"
#include "fsd/wire.h"

/* Reads a whole file. */
static uint8_t *s_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(buf, 1, n > 0 ? (size_t)n : 0, f);
    fclose(f);
    return buf;
}

/* One of the canned malformed envelopes. */
static uint8_t *s_envelope(const char *kind, size_t *len, int *two_frames)
{
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    Fsd__GetJob g = FSD__GET_JOB__INIT;
    g.job_id = "J000001";
    Fsd__JobView v = FSD__JOB_VIEW__INIT;
    Fsd__SubmitRequest r = FSD__SUBMIT_REQUEST__INIT;
    static char big[100 * 1024];
    if (strcmp(kind, "version") == 0) {
        env.version = 99;
        env.body_case = FSD__ENVELOPE__BODY_GET_JOB;
        env.get_job = &g;
    } else if (strcmp(kind, "empty") == 0) {
        /* no body */
    } else if (strcmp(kind, "reply") == 0) {
        env.body_case = FSD__ENVELOPE__BODY_JOB_VIEW;
        env.job_view = &v;
    } else if (strcmp(kind, "big") == 0) {
        memset(big, 'x', sizeof big - 1);
        r.problem = big;
        env.body_case = FSD__ENVELOPE__BODY_SUBMIT_REQUEST;
        env.submit_request = &r;
    } else if (strcmp(kind, "submit") == 0) {
        r.customer_name = "Poke Customer";
        r.phone = "+49 30 5550001";
        r.address = "Invalidenstraße 1, Berlin";
        r.lat = 52.5358;
        r.lon = 13.3813;
        r.brand = "Siemens";
        r.category = "washing_machine";
        r.problem = "sent twice on purpose";
        env.body_case = FSD__ENVELOPE__BODY_SUBMIT_REQUEST;
        env.submit_request = &r;
    } else if (strcmp(kind, "frames") == 0) {
        env.body_case = FSD__ENVELOPE__BODY_GET_JOB;
        env.get_job = &g;
        *two_frames = 1;
    } else {
        return NULL;
    }
    return wire_encode(&env, len);
}

int main(int argc, char **argv)
{
    const char *key = NULL, *server_key = NULL, *server = "tcp://127.0.0.1:7700", *file = NULL, *kind = NULL;
    int garbage = 0, timeout = 3000, two_frames = 0, repeat = 1, burst = 0;
    static const struct option opts[] = {
        { "key", 1, 0, 'k' }, { "server-key", 1, 0, 's' }, { "server", 1, 0, 'e' },
        { "file", 1, 0, 'f' }, { "garbage", 1, 0, 'g' }, { "envelope", 1, 0, 'n' },
        { "timeout", 1, 0, 't' }, { "repeat", 1, 0, 'r' }, { "burst", 0, 0, 'b' },
        { 0, 0, 0, 0 },
    };
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'k': key = optarg; break;
        case 's': server_key = optarg; break;
        case 'e': server = optarg; break;
        case 'f': file = optarg; break;
        case 'g': garbage = atoi(optarg); break;
        case 'n': kind = optarg; break;
        case 't': timeout = atoi(optarg); break;
        case 'b': burst = 1; break;
        case 'r': repeat = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
        default: return 2;
        }
    }
    fsd_keypair me, srv;
    char err[512];
    if (!key || !server_key || keys_load(key, &me, true, err, sizeof err) < 0
        || keys_load(server_key, &srv, false, err, sizeof err) < 0) {
        fprintf(stderr, "fsd-poke: need --key and --server-key (%s)\n", err);
        return 2;
    }
    size_t len = 0;
    uint8_t *frame = NULL;
    if (file)
        frame = s_read(file, &len);
    else if (garbage > 0) {
        frame = malloc((size_t)garbage);
        srand(42);
        for (int i = 0; i < garbage; i++)
            frame[i] = (uint8_t)rand();
        len = (size_t)garbage;
    } else if (kind)
        frame = s_envelope(kind, &len, &two_frames);
    if (!frame) {
        fprintf(stderr, "fsd-poke: nothing to send\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *sock = wire_dealer(ctx, server, &me, srv.pub);
    int rc = 0;
    for (int k = 0; k < repeat; k++) {
        for (int n = 0; n < (burst ? (k == 0 ? repeat : 0) : 1); n++) {
            if (two_frames)
                zmq_send(sock, frame, len, ZMQ_SNDMORE);
            zmq_send(sock, frame, len, 0);
        }
        zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&item, 1, timeout) <= 0) {
            rc = 3;
            break;
        }
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        zmq_msg_recv(&msg, sock, 0);
        Fsd__Envelope *rep = fsd__envelope__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
        if (rep) {
            json_t *j = pbjson_from_message(&rep->base);
            char *text = json_dumps(j, JSON_COMPACT);
            puts(text);
            fflush(stdout);
            free(text);
            json_decref(j);
            fsd__envelope__free_unpacked(rep, NULL);
        } else {
            rc = 3;
        }
        zmq_msg_close(&msg);
    }
    free(frame);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return rc;
}
