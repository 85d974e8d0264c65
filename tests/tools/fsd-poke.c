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
      fsd-poke ... --envelope job-update  a JobUpdate (--job, --state N, --seq N)
      fsd-poke ... --envelope offer-reply an OfferReply (--job, --reason N, --accept, --seq N)
      fsd-poke ... --envelope rate        a RateJob (--job, --stars N)
      fsd-poke ... --envelope position    a Position (--lat, --lon)
      fsd-poke ... --envelope technician  a LoadTechnicians of one row (--capacity N, --lat, --lon)
      fsd-poke ... --envelope stats       a StatsRequest
      fsd-poke ... --envelope get-job     a GetJob (--job)
      fsd-poke ... --envelope bomb        ~8 MiB: an Envelope whose JobList holds ~4M empty JobViews
                                          (2 bytes each on the wire, hundreds in memory)
      fsd-poke ... --envelope hello       an agent's Hello (--device-id ID, --seq N: last applied)
      fsd-poke ... --envelope add-principal  an AddPrincipal of a dispatcher (--public-key Z85, --name N)
      fsd-poke ... --pause MS             with --repeat: wait MS between sends; a send the
                                          connection cannot take (it was closed) prints
                                          {"dropped":true} and ends with status 3
      fsd-poke ... --linger MS            the same as --listen MS
      fsd-poke ... --msg-id ID            the envelope's msg_id (to replay an old message)
      fsd-poke ... --truncate N           send only the first N bytes of the frame
      fsd-poke ... --prefix-frame HEX     send a frame of these bytes before the envelope, as
                                          part of the same multipart message (repeatable)
      fsd-poke ... --frames N             one message of N frames: N-1 frames "junk" and the envelope
      fsd-poke ... --routing-id TEXT      the DEALER's ZMQ_ROUTING_ID (the server routes by it)
      fsd-poke ... --listen MS            after the replies, print whatever else arrives within MS
      fsd-poke ... --between CMD          with --repeat: run CMD (sh -c) after each reply but the last
      fsd-poke ... --repeat N             send the same frame (same msg_id) N times, print every reply
      fsd-poke ... --repeat N --burst     the same, all N sent before waiting for any reply
      fsd-poke ... --flood N              N connections at once, each sends the frame once; prints
                                          "replies=R of N" and exits 0 when every one was answered
                                          (without a frame: N connections opened and closed)

    With --repeat each send waits for the previous reply (a retry after a
    lost answer), with --burst they may land in one batch; every reply is
    printed on its own line; the exit status is 3 unless all N came. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
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

/* Fields of the hand-made envelopes (options). */
static struct {
    const char *job, *msg_id, *device_id, *public_key, *name;
    int state, reason, accept, stars, capacity, has_pos;
    long long seq;
    double lat, lon;
} s_opt = { .job = "J000001", .stars = 5, .capacity = 2 };

/* An Envelope whose JobList holds as many empty JobViews as fit in just
   under FSD_MAX_MSG: each is the 2 bytes 0a 00 (field 1, length 0). Built
   by hand: 4M JobView structs to pack would be the very cost it is made
   to cause. */
static uint8_t *s_bomb(Fsd__Envelope *env, size_t *len)
{
    env->body_case = FSD__ENVELOPE__BODY__NOT_SET;
    size_t head = fsd__envelope__get_packed_size(env);
    size_t room = FSD_MAX_MSG - head - 4096; /* a little under the frame cap */
    size_t n = room / 2, inner = 2 * n;
    uint8_t *buf = malloc(head + 16 + inner);
    size_t k = fsd__envelope__pack(env, buf);
    buf[k++] = ((22 << 3 | 2) & 0x7f) | 0x80; /* field 22 (job_list), length-delimited */
    buf[k++] = (22 << 3 | 2) >> 7;
    for (size_t v = inner;; v >>= 7) {
        buf[k++] = (uint8_t)(v & 0x7f) | (v >> 7 ? 0x80 : 0);
        if (!(v >> 7))
            break;
    }
    for (size_t i = 0; i < n; i++) {
        buf[k++] = 0x0a;
        buf[k++] = 0x00;
    }
    *len = k;
    return buf;
}

/* One of the canned envelopes, malformed or made from the options. */
static uint8_t *s_envelope(const char *kind, size_t *len, int *two_frames)
{
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    if (s_opt.msg_id)
        env.msg_id = (char *)s_opt.msg_id;
    env.seq = (uint64_t)s_opt.seq;
    Fsd__JobUpdate ju = FSD__JOB_UPDATE__INIT;
    Fsd__OfferReply orp = FSD__OFFER_REPLY__INIT;
    Fsd__RateJob rj = FSD__RATE_JOB__INIT;
    Fsd__Position pos = FSD__POSITION__INIT;
    Fsd__StatsRequest st = FSD__STATS_REQUEST__INIT;
    Fsd__Hello hello = FSD__HELLO__INIT;
    Fsd__AddPrincipal ap = FSD__ADD_PRINCIPAL__INIT;
    Fsd__TechnicianRow tr = FSD__TECHNICIAN_ROW__INIT;
    Fsd__TechnicianRow *rows[] = { &tr };
    Fsd__LoadTechnicians lt = FSD__LOAD_TECHNICIANS__INIT;
    char *terrs[] = { "mitte" }, *skills[] = { "washing_machine" };
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
        r.lat = s_opt.has_pos ? s_opt.lat : 52.5358;
        r.lon = s_opt.has_pos ? s_opt.lon : 13.3813;
        r.brand = "Siemens";
        r.category = "washing_machine";
        r.problem = "sent twice on purpose";
        env.body_case = FSD__ENVELOPE__BODY_SUBMIT_REQUEST;
        env.submit_request = &r;
    } else if (strcmp(kind, "job-update") == 0) {
        ju.job_id = (char *)s_opt.job;
        ju.state = s_opt.state;
        ju.note = "fsd-poke";
        env.body_case = FSD__ENVELOPE__BODY_JOB_UPDATE;
        env.job_update = &ju;
    } else if (strcmp(kind, "offer-reply") == 0) {
        orp.job_id = (char *)s_opt.job;
        orp.accept = s_opt.accept;
        orp.reason = s_opt.reason;
        env.body_case = FSD__ENVELOPE__BODY_OFFER_REPLY;
        env.offer_reply = &orp;
    } else if (strcmp(kind, "rate") == 0) {
        rj.job_id = (char *)s_opt.job;
        rj.stars = (uint32_t)s_opt.stars;
        env.body_case = FSD__ENVELOPE__BODY_RATE_JOB;
        env.rate_job = &rj;
    } else if (strcmp(kind, "position") == 0) {
        pos.lat = s_opt.lat;
        pos.lon = s_opt.lon;
        env.body_case = FSD__ENVELOPE__BODY_POSITION;
        env.position = &pos;
    } else if (strcmp(kind, "hello") == 0) {
        hello.version = FSD_PROTOCOL_VERSION;
        hello.last_seq_applied = (uint64_t)s_opt.seq;
        hello.build = "fsd-poke";
        hello.device_id = (char *)(s_opt.device_id ? s_opt.device_id : "");
        env.body_case = FSD__ENVELOPE__BODY_HELLO;
        env.hello = &hello;
    } else if (strcmp(kind, "add-principal") == 0) {
        ap.public_key = (char *)(s_opt.public_key ? s_opt.public_key : "");
        ap.name = (char *)(s_opt.name ? s_opt.name : "poked");
        ap.role = FSD__ROLE__ROLE_DISPATCHER;
        env.body_case = FSD__ENVELOPE__BODY_ADD_PRINCIPAL;
        env.add_principal = &ap;
    } else if (strcmp(kind, "stats") == 0) {
        env.body_case = FSD__ENVELOPE__BODY_STATS;
        env.stats = &st;
    } else if (strcmp(kind, "technician") == 0) {
        tr.line = 2;
        tr.id = "X9";
        tr.name = "Xaver Neun";
        tr.provider_id = "P-NORD";
        tr.territories = terrs;
        tr.n_territories = 1;
        tr.skills = skills;
        tr.n_skills = 1;
        tr.capacity = (uint32_t)s_opt.capacity;
        tr.shift = "24h";
        tr.lat = s_opt.has_pos ? s_opt.lat : 52.53;
        tr.lon = s_opt.has_pos ? s_opt.lon : 13.38;
        lt.rows = rows;
        lt.n_rows = 1;
        env.body_case = FSD__ENVELOPE__BODY_LOAD_TECHNICIANS;
        env.load_technicians = &lt;
    } else if (strcmp(kind, "get-job") == 0) {
        g.job_id = (char *)s_opt.job;
        env.body_case = FSD__ENVELOPE__BODY_GET_JOB;
        env.get_job = &g;
    } else if (strcmp(kind, "bomb") == 0) {
        return s_bomb(&env, len);
    } else if (strcmp(kind, "frames") == 0) {
        env.body_case = FSD__ENVELOPE__BODY_GET_JOB;
        env.get_job = &g;
        *two_frames = 1;
    } else {
        return NULL;
    }
    return wire_encode(&env, len);
}

/* Prints a reply as JSON; 0 when it was an Envelope. */
static int s_print(zmq_msg_t *msg)
{
    Fsd__Envelope *rep = fsd__envelope__unpack(NULL, zmq_msg_size(msg), zmq_msg_data(msg));
    if (!rep)
        return 3;
    json_t *j = pbjson_from_message(&rep->base);
    char *text = json_dumps(j, JSON_COMPACT);
    puts(text);
    fflush(stdout);
    free(text);
    json_decref(j);
    fsd__envelope__free_unpacked(rep, NULL);
    return 0;
}

/* N connections at once; each sends the frame (when there is one) and
   waits for its answer. Returns 0 when all N were answered (or, without a
   frame, once all N were opened and closed). */
static int s_flood(void *ctx, int n, const char *server, const fsd_keypair *me, const char *server_pub,
                   const uint8_t *frame, size_t len, int timeout)
{
    void **socks = calloc((size_t)n, sizeof *socks);
    int zero = 0, opened = 0;
    for (int i = 0; i < n; i++) {
        void *s = zmq_socket(ctx, ZMQ_DEALER);
        zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
        zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server_pub, 40);
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, me->pub, 40);
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, me->sec, 40);
        if (zmq_connect(s, server) < 0) {
            zmq_close(s);
            continue;
        }
        if (frame)
            zmq_send(s, frame, len, ZMQ_DONTWAIT); /* queued until the handshake is done */
        socks[opened++] = s;
    }
    int replies = 0;
    if (frame) {
        zmq_pollitem_t *items = calloc((size_t)opened, sizeof *items);
        int *done = calloc((size_t)opened, sizeof *done);
        for (int i = 0; i < opened; i++)
            items[i] = (zmq_pollitem_t){ socks[i], 0, ZMQ_POLLIN, 0 };
        int64_t deadline = wire_now_ms() + timeout;
        while (replies < opened && wire_now_ms() < deadline) {
            if (zmq_poll(items, opened, (long)(deadline - wire_now_ms())) <= 0)
                break;
            for (int i = 0; i < opened; i++) {
                if (!(items[i].revents & ZMQ_POLLIN))
                    continue;
                zmq_msg_t msg;
                zmq_msg_init(&msg);
                if (zmq_msg_recv(&msg, socks[i], ZMQ_DONTWAIT) >= 0 && !done[i]) {
                    done[i] = 1;
                    replies++;
                }
                zmq_msg_close(&msg);
            }
        }
        free(items);
        free(done);
    } else {
        zmq_pollitem_t none = { NULL, 0, 0, 0 };
        zmq_poll(&none, 0, timeout); /* let the handshakes happen */
    }
    for (int i = 0; i < opened; i++)
        zmq_close(socks[i]);
    free(socks);
    if (frame) {
        printf("replies=%d of %d\n", replies, n);
        return replies == n ? 0 : 3;
    }
    printf("opened=%d of %d\n", opened, n);
    return opened == n ? 0 : 3;
}

int main(int argc, char **argv)
{
    const char *key = NULL, *server_key = NULL, *server = "tcp://127.0.0.1:7700", *file = NULL, *kind = NULL;
    int garbage = 0, timeout = 3000, two_frames = 0, repeat = 1, burst = 0, flood = 0;
    int frames = 0, listen_ms = 0, n_prefix = 0;
    const char *routing_id = NULL, *between = NULL;
    static uint8_t prefix[64][256];
    static size_t prefix_len[64];
    int pause_ms = 0;
    long truncate = -1;
    static const struct option opts[] = {
        { "key", 1, 0, 'k' },      { "server-key", 1, 0, 's' },
        { "server", 1, 0, 'e' },   { "file", 1, 0, 'f' },
        { "garbage", 1, 0, 'g' },  { "envelope", 1, 0, 'n' },
        { "timeout", 1, 0, 't' },  { "repeat", 1, 0, 'r' },
        { "burst", 0, 0, 'b' },    { "msg-id", 1, 0, 'm' },
        { "seq", 1, 0, 'q' },      { "job", 1, 0, 'j' },
        { "state", 1, 0, 'S' },    { "reason", 1, 0, 'R' },
        { "accept", 0, 0, 'a' },   { "stars", 1, 0, 'x' },
        { "capacity", 1, 0, 'c' }, { "lat", 1, 0, 'y' },
        { "lon", 1, 0, 'z' },      { "truncate", 1, 0, 'T' },
        { "flood", 1, 0, 'F' },    { "prefix-frame", 1, 0, 'P' },
        { "frames", 1, 0, 'N' },   { "routing-id", 1, 0, 'I' },
        { "listen", 1, 0, 'L' },   { "between", 1, 0, 'B' },
        { "pause", 1, 0, 'W' },    { "device-id", 1, 0, 'D' },
        { "linger", 1, 0, 'L' },   { "public-key", 1, 0, 'K' },
        { "name", 1, 0, 'A' },     { 0, 0, 0, 0 },
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
        case 'm': s_opt.msg_id = optarg; break;
        case 'q': s_opt.seq = atoll(optarg); break;
        case 'j': s_opt.job = optarg; break;
        case 'S': s_opt.state = atoi(optarg); break;
        case 'R': s_opt.reason = atoi(optarg); break;
        case 'a': s_opt.accept = 1; break;
        case 'x': s_opt.stars = atoi(optarg); break;
        case 'c': s_opt.capacity = atoi(optarg); break;
        case 'y':
            s_opt.lat = atof(optarg);
            s_opt.has_pos = 1;
            break;
        case 'z':
            s_opt.lon = atof(optarg);
            s_opt.has_pos = 1;
            break;
        case 'T': truncate = atol(optarg); break;
        case 'F': flood = atoi(optarg); break;
        case 'N': frames = atoi(optarg); break;
        case 'I': routing_id = optarg; break;
        case 'L': listen_ms = atoi(optarg); break;
        case 'B': between = optarg; break;
        case 'P': {
            size_t hex = strlen(optarg);
            if (n_prefix == 64 || hex % 2 || hex / 2 > sizeof prefix[0]) {
                fprintf(stderr, "fsd-poke: --prefix-frame takes up to 256 bytes in hex, 64 times at most\n");
                return 2;
            }
            for (size_t i = 0; i < hex / 2; i++) {
                unsigned b;
                if (sscanf(optarg + 2 * i, "%2x", &b) != 1) {
                    fprintf(stderr, "fsd-poke: --prefix-frame %s is not hex\n", optarg);
                    return 2;
                }
                prefix[n_prefix][i] = (uint8_t)b;
            }
            prefix_len[n_prefix++] = hex / 2;
            break;
        }
        case 'W': pause_ms = atoi(optarg); break;
        case 'D': s_opt.device_id = optarg; break;
        case 'K': s_opt.public_key = optarg; break;
        case 'A': s_opt.name = optarg; break;
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
    if (frame && truncate >= 0 && (size_t)truncate < len)
        len = (size_t)truncate;
    if (flood > 0) {
        void *ctx = zmq_ctx_new();
        int max = flood + 64;
        zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, max);
        int rc = s_flood(ctx, flood, server, &me, srv.pub, frame, len, timeout);
        free(frame);
        zmq_ctx_term(ctx);
        return rc;
    }
    if (!frame) {
        fprintf(stderr, "fsd-poke: nothing to send\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    void *sock = NULL;
    if (routing_id) { /* set before connecting: the server learns it at the handshake */
        sock = zmq_socket(ctx, ZMQ_DEALER);
        int zero = 0, one = 1;
        int64_t max = FSD_MAX_MSG;
        zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
        zmq_setsockopt(sock, ZMQ_IMMEDIATE, &one, sizeof one);
        zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
        zmq_setsockopt(sock, ZMQ_ROUTING_ID, routing_id, strlen(routing_id));
        zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, srv.pub, 40);
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, me.pub, 40);
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, me.sec, 40);
        if (zmq_connect(sock, server) < 0) {
            fprintf(stderr, "fsd-poke: cannot connect to %s: %s\n", server, zmq_strerror(errno));
            return 2;
        }
    } else {
        sock = wire_dealer(ctx, server, &me, srv.pub);
    }
    int rc = 0;
    for (int k = 0; k < repeat; k++) {
        if (k > 0 && between && system(between) != 0) {
            fprintf(stderr, "fsd-poke: --between command failed: %s\n", between);
            rc = 2;
            break;
        }
        if (k > 0 && pause_ms > 0) {
            zmq_poll(NULL, 0, pause_ms);
            if (zmq_send(sock, frame, len, ZMQ_DONTWAIT) < 0) {
                puts("{\"dropped\":true}");
                rc = 3;
                break;
            }
        } else
            for (int n = 0; n < (burst ? (k == 0 ? repeat : 0) : 1); n++) {
                for (int i = 0; i < n_prefix; i++)
                    zmq_send(sock, prefix[i], prefix_len[i], ZMQ_SNDMORE);
                for (int i = 1; i < frames; i++)
                    zmq_send(sock, "junk", 4, ZMQ_SNDMORE);
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
        if (s_print(&msg) != 0)
            rc = 3;
        zmq_msg_close(&msg);
    }
    /* anything else the server sends this connection (nothing, normally) */
    for (int64_t until = wire_now_ms() + listen_ms; listen_ms > 0 && wire_now_ms() < until;) {
        zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&item, 1, (long)(until - wire_now_ms())) <= 0)
            continue;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, 0) >= 0 && s_print(&msg) != 0)
            puts("{\"unreadable\":true}");
        zmq_msg_close(&msg);
    }
    free(frame);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return rc;
}
