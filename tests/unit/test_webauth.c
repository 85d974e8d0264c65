/*  test_webauth.c — fsd-web's pure parts: the password seal, the users
    file, the session table's expiry, cookies and the login rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../web/websession.h"
#include "../../web/webusers.h"

static const char *SEC = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

static void test_seal_round_trip(void **state)
{
    webseal s;
    char out[41];
    assert_int_equal(webseal_seal(&s, SEC, "correct horse"), 0);
    assert_int_equal(webseal_open(&s, "correct horse", out), 0);
    assert_string_equal(out, SEC);
    assert_int_equal(webseal_open(&s, "correct horsE", out), -1);
    assert_string_equal(out, ""); /* nothing of the key left on failure */
    s.box[3] ^= 1;                /* a changed seal does not open */
    assert_int_equal(webseal_open(&s, "correct horse", out), -1);
}

static void test_users_file(void **state)
{
    char path[] = "/tmp/test_webauth_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    char err[256];
    webusers *u = webusers_open(path, true, err, sizeof err);
    assert_non_null(u);
    webuser w = { .name = "dana",
                  .pub = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
                  .role = "dispatcher",
                  .territories = "mitte,pankow" };
    assert_int_equal(webusers_put(u, &w, SEC, "s3cret-pass", false, err, sizeof err), 0);
    assert_int_equal(webusers_put(u, &w, SEC, "s3cret-pass", false, err, sizeof err), -1); /* twice */
    fsd_keypair kp;
    assert_int_equal(webusers_unseal(u, "dana", "s3cret-pass", &kp), 0);
    assert_string_equal(kp.sec, SEC);
    assert_string_equal(kp.pub, w.pub);
    assert_int_equal(webusers_unseal(u, "dana", "wrong-pass", &kp), 1);
    assert_int_equal(webusers_unseal(u, "nobody", "s3cret-pass", &kp), 1);
    webuser got;
    assert_int_equal(webusers_get(u, "dana", &got), 0);
    assert_string_equal(got.territories, "mitte,pankow");
    char prefs[WEBUSER_PREFS_MAX + 1];
    assert_int_equal(webusers_prefs_put(u, "dana", "{\"state\":\"offered\"}"), 0);
    assert_int_equal(webusers_prefs_get(u, "dana", prefs), 0);
    assert_string_equal(prefs, "{\"state\":\"offered\"}");
    assert_int_equal(webusers_remove(u, "dana"), 0);
    assert_int_equal(webusers_remove(u, "dana"), 1);
    webusers_close(&u);
    unlink(path);
}

static int s_gone;
static void s_count_gone(const char *id, const char *user, void *arg)
{
    s_gone++;
}

static void test_session_expiry(void **state)
{
    websessions *t = websessions_new(1000, 5000); /* idle 1 s, absolute 5 s */
    websession a, b, got;
    assert_int_equal(websessions_create(t, "dana", 0, &a), 0);
    assert_int_equal(websessions_create(t, "dana", 0, &b), 0);
    assert_int_equal(strlen(a.id), 64);
    assert_string_not_equal(a.id, b.id);
    assert_string_not_equal(a.id, a.csrf);
    /* used every 900 ms: alive past the idle time, dead at the absolute one */
    for (int64_t now = 900; now < 5000; now += 900)
        assert_int_equal(websessions_touch(t, a.id, now, &got), 0);
    assert_int_equal(websessions_touch(t, a.id, 5000, &got), 1);
    /* b was idle */
    assert_int_equal(websessions_touch(t, b.id, 1500, &got), 1);
    s_gone = 0;
    assert_int_equal(websessions_sweep(t, 5000, s_count_gone, NULL), 2);
    assert_int_equal(s_gone, 2);
    assert_int_equal(websessions_count(t, NULL), 0);
    /* ending: the last session of its user says so */
    char user[64];
    assert_int_equal(websessions_create(t, "dana", 0, &a), 0);
    assert_int_equal(websessions_create(t, "dana", 0, &b), 0);
    assert_int_equal(websessions_end(t, a.id, user), 0);
    assert_int_equal(websessions_end(t, b.id, user), 1);
    assert_string_equal(user, "dana");
    assert_int_equal(websessions_end(t, b.id, user), -1);
    websessions_destroy(&t);
}

static void test_cookies(void **state)
{
    char c[256], id[65];
    const char *v = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    assert_int_equal(webcookie_build(c, sizeof c, true, v, -1), 0);
    assert_string_equal(
        c, "__Host-fsd=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff; Path=/; "
           "Secure; HttpOnly; SameSite=Strict");
    assert_int_equal(webcookie_build(c, sizeof c, false, "", 0), 0);
    assert_string_equal(c, "fsd=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    char header[300];
    snprintf(header, sizeof header, "other=1; fsd=%s; x=y", v);
    assert_true(webcookie_find(header, false, id));
    assert_string_equal(id, v);
    assert_false(webcookie_find(header, true, id)); /* TLS wants __Host-fsd */
    assert_false(webcookie_find("fsd=zz; fsd=", false, id));
    assert_false(webcookie_find("", false, id));
}

static void test_rate_limit(void **state)
{
    webratelimit *r = webratelimit_new(5, 60000);
    for (int i = 0; i < 5; i++) {
        assert_true(webratelimit_allowed(r, "u:dana", 1000));
        webratelimit_fail(r, "u:dana", 1000);
    }
    assert_false(webratelimit_allowed(r, "u:dana", 2000));
    assert_true(webratelimit_allowed(r, "u:olga", 2000));
    assert_true(webratelimit_allowed(r, "u:dana", 61000)); /* a minute later */
    webratelimit_fail(r, "u:olga", 0);
    webratelimit_clear(r, "u:olga");
    assert_true(webratelimit_allowed(r, "u:olga", 1));
    webratelimit_destroy(&r);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seal_round_trip), cmocka_unit_test(test_users_file),
        cmocka_unit_test(test_session_expiry),  cmocka_unit_test(test_cookies),
        cmocka_unit_test(test_rate_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
