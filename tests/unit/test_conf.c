/* The "key = value" reader (proto/conf.c) and client profiles
   (proto/profile.c): the shared configuration of fsd-server, fsdctl and
   fsd-agent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fsd/conf.h"
#include "fsd/profile.h"

static char s_dir[64];

static int s_setup(void **state)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/fsd-test-conf.XXXXXX");
    if (!mkdtemp(s_dir))
        return -1;
    setenv("XDG_CONFIG_HOME", s_dir, 1);
    unsetenv("FSD_PROFILE");
    return 0;
}

static int s_teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_read(void **state)
{
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/a.conf", s_dir);
    s_write(path, "# comment\n\n  listen =  tcp://127.0.0.1:7700  \nname=\" two words \"\n"
                  "empty =\nlisten = tcp://0.0.0.0:7700\n");
    conf c;
    assert_int_equal(conf_read(path, &c, err, sizeof err), 0);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.items[0].key, "listen");
    assert_int_equal(c.items[0].line, 3);
    /* the last one given wins; quotes keep inner spaces; empty is a value */
    assert_string_equal(conf_get(&c, "listen"), "tcp://0.0.0.0:7700");
    assert_string_equal(conf_get(&c, "name"), " two words ");
    assert_string_equal(conf_get(&c, "empty"), "");
    assert_null(conf_get(&c, "nothing"));
    conf_free(&c);
    assert_int_equal(c.n, 0);
}

static void test_read_errors(void **state)
{
    char path[128], err[512];
    conf c;
    snprintf(path, sizeof path, "%s/b.conf", s_dir);
    s_write(path, "a = 1\nno pair here\n");
    assert_int_equal(conf_read(path, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "b.conf:2: expected 'key = value'"));
    s_write(path, " = value\n");
    assert_int_equal(conf_read(path, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "b.conf:1: a value without a key"));
    snprintf(path, sizeof path, "%s/missing.conf", s_dir);
    assert_int_equal(conf_read(path, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot read"));
}

static void test_write_round_trip(void **state)
{
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/w.conf", s_dir);
    conf c = { 0 };
    conf_set(&c, "server", "tcp://x:1");
    conf_set(&c, "tz", " padded ");
    conf_set(&c, "server", "tcp://y:2");
    assert_int_equal(c.n, 2);
    assert_int_equal(conf_write(path, &c, err, sizeof err), 0);
    conf_free(&c);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(conf_read(path, &c, err, sizeof err), 0);
    assert_string_equal(conf_get(&c, "server"), "tcp://y:2");
    assert_string_equal(conf_get(&c, "tz"), " padded ");
    conf_free(&c);
}

static void test_profiles(void **state)
{
    char err[512];
    profile p, q;
    assert_true(profile_name_ok("prod-1.eu_west"));
    assert_false(profile_name_ok("../x"));
    assert_false(profile_name_ok(""));
    assert_false(profile_name_ok(".hidden"));
    /* none in use */
    assert_int_equal(profile_in_use(&p, err, sizeof err), 0);
    memset(&p, 0, sizeof p);
    strcpy(p.name, "prod");
    strcpy(p.server, "tcp://10.0.0.1:7700");
    strcpy(p.server_key, "/k/server.pub");
    strcpy(p.key, "/k/me.key");
    strcpy(p.tz, "Europe/Berlin");
    assert_int_equal(profile_save(&p, err, sizeof err), 0);
    strcpy(p.name, "test");
    p.tz[0] = 0;
    assert_int_equal(profile_save(&p, err, sizeof err), 0);
    char names[4][128];
    assert_int_equal(profile_list(names, 4, err, sizeof err), 2);
    assert_string_equal(names[0], "prod");
    assert_string_equal(names[1], "test");
    /* use, then FSD_PROFILE wins over it */
    assert_int_equal(profile_use("prod", err, sizeof err), 0);
    assert_int_equal(profile_in_use(&q, err, sizeof err), 1);
    assert_string_equal(q.name, "prod");
    assert_string_equal(q.tz, "Europe/Berlin");
    assert_string_equal(q.key, "/k/me.key");
    setenv("FSD_PROFILE", "test", 1);
    assert_int_equal(profile_in_use(&q, err, sizeof err), 1);
    assert_string_equal(q.name, "test");
    assert_string_equal(q.tz, "");
    setenv("FSD_PROFILE", "gone", 1);
    assert_int_equal(profile_in_use(&q, err, sizeof err), -1);
    assert_non_null(strstr(err, "no profile 'gone'"));
    unsetenv("FSD_PROFILE");
    assert_int_equal(profile_use("gone", err, sizeof err), -1);
    /* removing the current one clears "current" */
    assert_int_equal(profile_remove("prod", err, sizeof err), 1);
    assert_int_equal(profile_remove("prod", err, sizeof err), 0);
    assert_int_equal(profile_in_use(&q, err, sizeof err), 0);
    assert_int_equal(profile_list(names, 4, err, sizeof err), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_profiles),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
