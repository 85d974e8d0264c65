/*  test_keyring.c — the keys in use: connections cut on revocation (and
    only the revoked key's, even when libzmq reused an fd number), last
    seen written at most once a minute, and the takeover rule. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>
#include "../../server/keyring.c"

/* The store, as far as the keyring uses it. */
static int s_seen_writes;
int store_key_seen(store *self, const char *pub, int64_t at)
{
    (void)self, (void)pub, (void)at;
    s_seen_writes++;
    return 0;
}
int store_each_key(store *self, void (*fn)(void *, const store_key *), void *arg)
{
    (void)self;
    store_key k = { .pub = "REVOKEDKEY", .name = "old", .revoked_at = 5 };
    fn(arg, &k);
    return 0;
}

/* True when the peer of fd saw it shut down (EOF), false when still open. */
static bool s_peer_closed(int peer)
{
    char c;
    ssize_t n = recv(peer, &c, 1, MSG_DONTWAIT);
    return n == 0;
}

static void test_cut_closes_only_the_revoked_keys(void **state)
{
    (void)state;
    keyring *k = keyring_new();
    int a[2], b[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
    keyring_seen(k, "KEY_A", a[0], 1000);
    keyring_seen(k, "KEY_B", b[0], 1000);
    keyring_revoke(k, "KEY_A", "dana");
    assert_string_equal(keyring_revoked_name(k, "KEY_A"), "dana");
    assert_null(keyring_revoked_name(k, "KEY_B"));
    assert_int_equal(keyring_cut(k), 1);
    assert_true(s_peer_closed(a[1]));
    assert_false(s_peer_closed(b[1]));
    assert_int_equal(keyring_last_seen(k, "KEY_B"), 1000);
    for (int i = 0; i < 2; i++)
        close(a[i]), close(b[i]);
    keyring_destroy(&k);
    assert_null(k);
}

/* libzmq closed the revoked key's connection and the fd number went to a
   new connection that has sent nothing yet: it is not cut. */
static void test_reused_fd_is_not_cut(void **state)
{
    (void)state;
    keyring *k = keyring_new();
    int a[2], b[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    keyring_seen(k, "KEY_A", a[0], 1000);
    int old = a[0];
    close(a[0]);
    close(a[1]);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
    assert_int_equal(b[0], old); /* the lowest free number comes back */
    keyring_revoke(k, "KEY_A", "dana");
    assert_int_equal(keyring_cut(k), 0);
    assert_false(s_peer_closed(b[1]));
    close(b[0]);
    close(b[1]);
    keyring_destroy(&k);
}

/* The same fd now carries another key's messages: the last key wins. */
static void test_fd_follows_the_last_key(void **state)
{
    (void)state;
    keyring *k = keyring_new();
    int a[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    keyring_seen(k, "KEY_A", a[0], 1000);
    keyring_seen(k, "KEY_B", a[0], 1001);
    keyring_revoke(k, "KEY_A", "dana");
    assert_int_equal(keyring_cut(k), 0);
    keyring_revoke(k, "KEY_B", "desk");
    assert_int_equal(keyring_cut(k), 1);
    close(a[0]);
    close(a[1]);
    keyring_destroy(&k);
}

/* A batch that did not commit revoked nothing. */
static void test_forget(void **state)
{
    (void)state;
    keyring *k = keyring_new();
    int a[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    keyring_seen(k, "KEY_A", a[0], 1000);
    keyring_revoke(k, "KEY_A", "dana");
    keyring_forget(k);
    assert_null(keyring_revoked_name(k, "KEY_A"));
    assert_int_equal(keyring_cut(k), 0);
    assert_false(s_peer_closed(a[1]));
    close(a[0]);
    close(a[1]);
    keyring_destroy(&k);
}

/* Last seen: in memory at every message, written once a minute at most. */
static void test_last_seen_written_once_a_minute(void **state)
{
    (void)state;
    server srv;
    memset(&srv, 0, sizeof srv);
    assert_int_equal(keyring_load(&srv), 0);
    assert_string_equal(keyring_revoked_name(srv.keyring, "REVOKEDKEY"), "old");
    s_seen_writes = 0;
    for (int i = 0; i < 100; i++)
        keyring_seen(srv.keyring, "KEY_A", -1, 60000 + i);
    assert_int_equal(keyring_flush(&srv, 60100), 0);
    assert_int_equal(s_seen_writes, 1);
    keyring_seen(srv.keyring, "KEY_A", -1, 61000);
    assert_int_equal(keyring_flush(&srv, 61000), 0);
    assert_int_equal(s_seen_writes, 1); /* within the minute */
    assert_int_equal(keyring_last_seen(srv.keyring, "KEY_A"), 61000);
    assert_int_equal(keyring_flush(&srv, 120100), 0);
    assert_int_equal(s_seen_writes, 2);
    assert_int_equal(keyring_flush(&srv, 200000), 0);
    assert_int_equal(s_seen_writes, 2); /* nothing new to write */
    keyring_destroy(&srv.keyring);
}

/* The takeover rule. */
static void test_takeover_rule(void **state)
{
    (void)state;
    technician t;
    memset(&t, 0, sizeof t);
    t.just_moved = true;
    t.prev_rid_len = 5;
    t.prev_seen = 10000;
    snprintf(t.device_id, sizeof t.device_id, "%s", "dev-1");
    int64_t window = 15000;
    assert_true(keyring_takeover(&t, "dev-2", 12000, window));
    assert_true(keyring_takeover(&t, "", 12000, window));       /* no id: another device */
    assert_false(keyring_takeover(&t, "dev-1", 12000, window)); /* the same device reconnecting */
    assert_false(keyring_takeover(&t, "dev-2", 30000, window)); /* the old connection was silent */
    t.just_moved = false;
    assert_false(keyring_takeover(&t, "dev-2", 12000, window)); /* the same connection */
    t.just_moved = true;
    t.prev_rid_len = 0;
    assert_false(keyring_takeover(&t, "dev-2", 12000, window)); /* no previous connection */
    t.prev_rid_len = 5;
    t.device_id[0] = 0;
    assert_false(keyring_takeover(&t, "", 12000, window)); /* neither sends an id */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_closes_only_the_revoked_keys), cmocka_unit_test(test_reused_fd_is_not_cut),
        cmocka_unit_test(test_fd_follows_the_last_key),          cmocka_unit_test(test_forget),
        cmocka_unit_test(test_last_seen_written_once_a_minute),  cmocka_unit_test(test_takeover_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
