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
    char (*ids)[33] = malloc(sizeof *ids * N);
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

/* Enum values print without their shared prefix, and parse back. */
static void test_enum_names(void **state)
{
    (void)state;
    assert_string_equal(wire_enum_name(&fsd__job_state__descriptor, FSD__JOB_STATE__JOB_EN_ROUTE), "en_route");
    assert_string_equal(wire_enum_name(&fsd__error_code__descriptor, FSD__ERROR_CODE__ERR_NOT_FOUND), "not_found");
    assert_string_equal(wire_enum_name(&fsd__warranty_status__descriptor, 1), "in_warranty");
    assert_string_equal(wire_enum_name(&fsd__role__descriptor, FSD__ROLE__ROLE_DISPATCHER), "dispatcher");
    assert_string_equal(wire_enum_name(&fsd__job_state__descriptor, 999), "");
    assert_int_equal(wire_enum_value(&fsd__decline_reason__descriptor, "no_parts"), FSD__DECLINE_REASON__DECLINE_NO_PARTS);
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
    assert_null(json_object_get(j, "territory"));   /* empty string left out */
    assert_null(json_object_get(j, "warranty"));    /* unset enum left out */
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
        cmocka_unit_test(test_round_trip), cmocka_unit_test(test_msg_ids), cmocka_unit_test(test_msg_ids_unique),
        cmocka_unit_test(test_decode_refuses), cmocka_unit_test(test_enum_names),
        cmocka_unit_test(test_json), cmocka_unit_test(test_key_files),
    };
    return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
