/*  test_codec.c — the wire library: envelopes, decoding limits, enum names,
    protobuf→JSON, and CURVE key files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsd/keys.h"
#include "fsd/pbjson.h"
#include "fsd/wire.h"

/* A SubmitRequest survives encode → decode unchanged. */
static void test_round_trip(void **state)
{
    (void)state;
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    Fsd__SubmitRequest r = FSD__SUBMIT_REQUEST__INIT;
    r.customer_name = "Jürgen Lehmann";
    r.phone = "+49301234567";
    r.lat = 52.5;
    r.lon = 13.4;
    r.problem = "drum does not turn, smells of burning";
    env.body_case = FSD__ENVELOPE__BODY_SUBMIT_REQUEST;
    env.submit_request = &r;
    env.seq = 42;
    size_t len;
    uint8_t *buf = wire_encode(&env, &len);
    assert_non_null(buf);
    Fsd__ErrorCode code;
    const char *why;
    Fsd__Envelope *back = wire_decode(buf, len, FSD_MAX_MSG, &code, &why);
    assert_non_null(back);
    assert_int_equal(code, FSD__ERROR_CODE__ERR_NONE);
    assert_string_equal(back->msg_id, id);
    assert_int_equal(back->version, FSD_PROTOCOL_VERSION);
    assert_int_equal(back->seq, 42);
    assert_int_equal(back->body_case, FSD__ENVELOPE__BODY_SUBMIT_REQUEST);
    assert_string_equal(back->submit_request->customer_name, "Jürgen Lehmann");
    assert_true(back->submit_request->lat == 52.5);
    assert_string_equal(back->submit_request->serial, ""); /* absent string is "" */
    fsd__envelope__free_unpacked(back, NULL);
    free(buf);
}

/* Message ids are 32 hex characters and do not repeat. */
static void test_msg_ids(void **state)
{
    (void)state;
    char a[33], b[33];
    wire_msg_id(a);
    wire_msg_id(b);
    assert_int_equal(strlen(a), 32);
    assert_string_not_equal(a, b);
    for (int i = 0; i < 32; i++)
        assert_non_null(strchr("0123456789abcdef", a[i]));
}

static int s_cmp_id(const void *x, const void *y)
{
    return memcmp(x, y, 33);
}

/* 200,000 ids in a row (most within the same millisecond) are all
   different, and sort in the order they were made, by their time. */
static void test_msg_ids_unique(void **state)
{
    (void)state;
    enum { N = 200000 };
    char(*ids)[33] = malloc(sizeof *ids * N);
    assert_non_null(ids);
    for (int i = 0; i < N; i++) {
        wire_msg_id(ids[i]);
        if (i > 0)
            assert_true(memcmp(ids[i - 1], ids[i], 12) <= 0);
    }
    qsort(ids, N, sizeof *ids, s_cmp_id);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(ids[i - 1], ids[i]);
    free(ids);
}

/* Garbage, oversized frames, other versions and empty ids are refused with their code. */
static void test_decode_refuses(void **state)
{
    (void)state;
    Fsd__ErrorCode code;
    const char *why;
    uint8_t junk[64];
    for (int i = 0; i < 64; i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    assert_null(wire_decode(junk, sizeof junk, FSD_MAX_MSG, &code, &why));
    assert_int_equal(code, FSD__ERROR_CODE__ERR_MALFORMED);
    assert_non_null(why);

    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    size_t len;
    uint8_t *buf = wire_encode(&env, &len);
    assert_null(wire_decode(buf, len, len - 1, &code, &why));
    assert_int_equal(code, FSD__ERROR_CODE__ERR_TOO_LARGE);
    free(buf);

    env.version = 7;
    buf = wire_encode(&env, &len);
    assert_null(wire_decode(buf, len, FSD_MAX_MSG, &code, &why));
    assert_int_equal(code, FSD__ERROR_CODE__ERR_BAD_VERSION);
    free(buf);

    env.version = FSD_PROTOCOL_VERSION;
    env.msg_id = "";
    buf = wire_encode(&env, &len);
    assert_null(wire_decode(buf, len, FSD_MAX_MSG, &code, &why));
    assert_int_equal(code, FSD__ERROR_CODE__ERR_MALFORMED);
    free(buf);

    /* a truncated valid frame is malformed, never a crash */
    wire_envelope_init(&env, id);
    Fsd__GetJob g = FSD__GET_JOB__INIT;
    g.job_id = "J000001";
    env.body_case = FSD__ENVELOPE__BODY_GET_JOB;
    env.get_job = &g;
    buf = wire_encode(&env, &len);
    for (size_t cut = 1; cut < len; cut++) {
        Fsd__Envelope *e = wire_decode(buf, cut, FSD_MAX_MSG, &code, &why);
        if (e)
            fsd__envelope__free_unpacked(e, NULL);
    }
    free(buf);
}

/* An envelope of n empty JobViews, hand-made as 0a 00 pairs (field 1 of
   JobList, length 0) under field 22 (job_list); *len set. */
static uint8_t *s_bomb(size_t n, size_t *len)
{
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    size_t head = fsd__envelope__get_packed_size(&env), inner = 2 * n;
    uint8_t *buf = malloc(head + 16 + inner);
    size_t k = fsd__envelope__pack(&env, buf);
    buf[k++] = 0xb2; /* (22 << 3 | 2) as a varint */
    buf[k++] = 0x01;
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

/* Decoding is held to a budget in proportion to the frame: a frame of
   empty repeated sub-messages (cheap to send, a struct each to decode)
   is refused as too large, while a large ordinary load decodes. Run under
   the sanitizers, a refused decode leaks nothing. */
static void test_decode_budget(void **state)
{
    (void)state;
    Fsd__ErrorCode code;
    const char *why;
    size_t len;
    uint8_t *buf = s_bomb(500000, &len); /* ~1 MB on the wire, ~200 MB decoded */
    assert_true(len < FSD_MAX_MSG);
    assert_null(wire_decode_within(buf, len, FSD_MAX_MSG, wire_decode_budget(len), &code, &why));
    assert_int_equal(code, FSD__ERROR_CODE__ERR_TOO_LARGE);
    assert_non_null(strstr(why, "memory"));
    /* the same frame is well-formed: with room enough it decodes */
    Fsd__Envelope *e = wire_decode_within(buf, len, FSD_MAX_MSG, (size_t)1 << 30, &code, &why);
    assert_non_null(e);
    assert_int_equal(e->body_case, FSD__ENVELOPE__BODY_JOB_LIST);
    assert_int_equal(e->job_list->n_jobs, 500000);
    fsd__envelope__free_unpacked(e, NULL);
    free(buf);

    /* 20,000 customers (~1.3 MB): an ordinary admin load fits its budget */
    enum { N = 20000 };
    Fsd__CustomerRow *rows = calloc(N, sizeof *rows), **ptrs = calloc(N, sizeof *ptrs);
    char(*phones)[24] = calloc(N, sizeof *phones);
    for (size_t i = 0; i < N; i++) {
        fsd__customer_row__init(&rows[i]);
        snprintf(phones[i], sizeof phones[i], "+49 30 %07zu", i);
        rows[i].line = (uint32_t)i + 2;
        rows[i].phone = phones[i];
        rows[i].name = "Jürgen Lehmann";
        rows[i].tier = "standard";
        rows[i].language = "de";
        ptrs[i] = &rows[i];
    }
    Fsd__LoadCustomers lc = FSD__LOAD_CUSTOMERS__INIT;
    lc.rows = ptrs;
    lc.n_rows = N;
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.body_case = FSD__ENVELOPE__BODY_LOAD_CUSTOMERS;
    env.load_customers = &lc;
    buf = wire_encode(&env, &len);
    assert_true(len > 1000000);
    e = wire_decode_within(buf, len, FSD_MAX_MSG, wire_decode_budget(len), &code, &why);
    assert_non_null(e);
    assert_int_equal(code, FSD__ERROR_CODE__ERR_NONE);
    assert_int_equal(e->load_customers->n_rows, N);
    assert_string_equal(e->load_customers->rows[N - 1]->phone, phones[N - 1]);
    fsd__envelope__free_unpacked(e, NULL);
    /* cut to a hundredth of what it needs, it is refused, not half-made */
    assert_null(wire_decode_within(buf, len, FSD_MAX_MSG, len / 100, &code, &why));
    assert_int_equal(code, FSD__ERROR_CODE__ERR_TOO_LARGE);
    free(buf);
    free(rows);
    free(ptrs);
    free(phones);
}

/* A refusal names the request: the msg_id is read from the top level of
   a frame without decoding it, also when the frame is too large to
   decode or of another version; a frame whose top level is broken has
   none. */
static void test_peek_msg_id(void **state)
{
    (void)state;
    char out[FSD_MSG_ID_MAX + 1];
    size_t len;
    uint8_t *buf = s_bomb(1000, &len);
    Fsd__Envelope *e = fsd__envelope__unpack(NULL, len, buf);
    assert_non_null(e);
    assert_true(wire_peek_msg_id(buf, len, out));
    assert_string_equal(out, e->msg_id);
    fsd__envelope__free_unpacked(e, NULL);
    assert_false(wire_peek_msg_id(buf, len - 1, out)); /* cut inside job_list */
    assert_string_equal(out, "");
    free(buf);

    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    env.version = 99;
    env.msg_id = "old-client-7";
    buf = wire_encode(&env, &len);
    assert_true(wire_peek_msg_id(buf, len, out));
    assert_string_equal(out, "old-client-7");
    free(buf);

    char longid[FSD_MSG_ID_MAX + 2];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = 0;
    env.msg_id = longid; /* one over the limit */
    buf = wire_encode(&env, &len);
    assert_false(wire_peek_msg_id(buf, len, out));
    free(buf);

    uint8_t junk[] = { 0xff, 0xff, 0xff };
    assert_false(wire_peek_msg_id(junk, sizeof junk, out));
    assert_false(wire_peek_msg_id("", 0, out));
}

/* Enum values print without their shared prefix, and parse back. */
static void test_enum_names(void **state)
{
    (void)state;
    assert_string_equal(wire_enum_name(&fsd__job_state__descriptor, FSD__JOB_STATE__JOB_EN_ROUTE),
                        "en_route");
    assert_string_equal(wire_enum_name(&fsd__error_code__descriptor, FSD__ERROR_CODE__ERR_NOT_FOUND),
                        "not_found");
    assert_string_equal(wire_enum_name(&fsd__warranty_status__descriptor, 1), "in_warranty");
    assert_string_equal(wire_enum_name(&fsd__role__descriptor, FSD__ROLE__ROLE_DISPATCHER), "dispatcher");
    assert_string_equal(wire_enum_name(&fsd__job_state__descriptor, 999), "");
    assert_int_equal(wire_enum_value(&fsd__decline_reason__descriptor, "no_parts"),
                     FSD__DECLINE_REASON__DECLINE_NO_PARTS);
    assert_int_equal(wire_enum_value(&fsd__role__descriptor, "nobody"), -1);
}

/* A view as JSON: names as in the proto, enums by name, empty fields left out. */
static void test_json(void **state)
{
    (void)state;
    Fsd__JobView v = FSD__JOB_VIEW__INIT;
    v.job_id = "J000007";
    v.state = FSD__JOB_STATE__JOB_ON_HOLD;
    v.lat = 52.5;
    v.created_at = 1795441404946LL;
    Fsd__JobEvent e = FSD__JOB_EVENT__INIT, *ep = &e;
    e.to = FSD__JOB_STATE__JOB_NEW;
    e.actor = "desk";
    v.history = &ep;
    v.n_history = 1;
    json_t *j = pbjson_from_message(&v.base);
    assert_string_equal(json_string_value(json_object_get(j, "job_id")), "J000007");
    assert_string_equal(json_string_value(json_object_get(j, "state")), "on_hold");
    assert_true(json_real_value(json_object_get(j, "lat")) == 52.5);
    assert_true(json_integer_value(json_object_get(j, "created_at")) == 1795441404946LL);
    assert_null(json_object_get(j, "territory")); /* empty string left out */
    assert_null(json_object_get(j, "warranty"));  /* unset enum left out */
    json_t *h = json_object_get(j, "history");
    assert_int_equal(json_array_size(h), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 0), "to")), "new");
    json_decref(j);
}

/* Key files: written 0600, read back, refused when others may read them. */
static void test_key_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/fsd-keys-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], pub[256], err[512];
    snprintf(path, sizeof path, "%s/a.key", dir);
    snprintf(pub, sizeof pub, "%s/a.pub", dir);
    fsd_keypair kp, back;
    assert_int_equal(keys_generate(&kp), 0);
    assert_true(keys_valid_z85(kp.pub));
    strcpy(kp.role, "dispatcher");
    strcpy(kp.name, "dana");
    assert_int_equal(keys_save(path, &kp, err, sizeof err), 0);
    assert_int_equal(keys_save_public(pub, &kp, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(keys_load(path, &back, true, err, sizeof err), 0);
    assert_string_equal(back.pub, kp.pub);
    assert_string_equal(back.sec, kp.sec);
    assert_string_equal(back.name, "dana");
    /* a public file has no secret */
    assert_int_equal(keys_load(pub, &back, false, err, sizeof err), 0);
    assert_int_equal(keys_load(pub, &back, true, err, sizeof err), -1);
    /* readable by others: refused, and the message says how to fix it */
    chmod(path, 0644);
    assert_int_equal(keys_load(path, &back, true, err, sizeof err), -1);
    assert_non_null(strstr(err, "chmod 600"));
    assert_false(keys_valid_z85("short"));
    assert_false(keys_valid_z85("0123456789012345678901234567890123456789~"));
    unlink(path);
    unlink(pub);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_msg_ids),
        cmocka_unit_test(test_msg_ids_unique), cmocka_unit_test(test_decode_refuses),
        cmocka_unit_test(test_decode_budget),  cmocka_unit_test(test_peek_msg_id),
        cmocka_unit_test(test_enum_names),     cmocka_unit_test(test_json),
        cmocka_unit_test(test_key_files),
    };
    return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
