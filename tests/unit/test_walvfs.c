/*  test_walvfs.c — the WAL's gathered writes (server/walvfs.c) against
    SQLite itself: a transaction larger than the buffer and the page cache,
    frames rewritten and read back within a transaction, checkpoints that
    start the WAL over, a second connection on the default VFS that must
    see every commit at once, and a process killed right after its commits
    whose database opens with all of them. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "../../server/store/walvfs.h"

static char s_dir[] = "/tmp/fsd-test-walvfs.XXXXXX";
static char s_path[256];

static sqlite3 *s_open(const char *vfs)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(s_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
                     SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", NULL, NULL, NULL),
        SQLITE_OK);
    return db;
}

static void s_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : sqlite3_errstr(rc));
}

static int64_t s_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int s_setup(void **state)
{
    (void)state;
    strcpy(s_dir, "/tmp/fsd-test-walvfs.XXXXXX");
    if (!mkdtemp(s_dir))
        return -1;
    snprintf(s_path, sizeof s_path, "%s/t.db", s_dir);
    return walvfs_register() == SQLITE_OK ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* 20 MB in one transaction, with a page cache of 100 pages: SQLite spills
   frames before the commit, rewrites some and reads them back. */
static void test_large_transaction(void **state)
{
    (void)state;
    sqlite3 *db = s_open(WALVFS_NAME);
    s_exec(db, "PRAGMA cache_size = 100; CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)");
    s_exec(db, "BEGIN; WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 40000)"
               " INSERT INTO t SELECT x, printf('%.500c', 'x') FROM c;"
               " UPDATE t SET b = printf('%.400c', 'y') WHERE a % 3 = 0; COMMIT");
    assert_int_equal(s_int(db, "SELECT count(*) FROM t"), 40000);
    assert_int_equal(s_int(db, "SELECT sum(length(b)) FROM t"), 26667 * 500 + 13333 * 400);
    sqlite3_close(db);
    /* read again through the default VFS, checked page by page */
    db = s_open(NULL);
    assert_int_equal(s_int(db, "SELECT sum(length(b)) FROM t"), 26667 * 500 + 13333 * 400);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Small commits past many automatic checkpoints (the WAL starts over from
   its header each time), watched by a reader on the default VFS that
   must see each commit as soon as it returns. */
static void test_commits_visible_across_checkpoints(void **state)
{
    (void)state;
    sqlite3 *w = s_open(WALVFS_NAME);
    s_exec(w, "PRAGMA wal_autocheckpoint = 20; CREATE TABLE k(n INTEGER PRIMARY KEY, v TEXT)");
    sqlite3 *r = s_open(NULL);
    for (int i = 1; i <= 600; i++) {
        char sql[200];
        snprintf(sql, sizeof sql, "INSERT INTO k VALUES (%d, printf('%%.%dc', 'v'))", i, 100 + i % 900);
        s_exec(w, sql);
        if (i % 50 == 0)
            assert_int_equal(s_int(r, "SELECT count(*) FROM k"), i);
    }
    assert_int_equal(s_int(r, "SELECT max(n) FROM k"), 600);
    sqlite3_close(r);
    sqlite3_close(w);
}

/* Runs in a child: 300 commits (or, with open_tx, a transaction larger
   than the page cache, so some of it is written to the WAL, left open),
   then SIGKILL: no close, no buffer written at exit. */
static void s_child_killed(bool open_tx)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3 *c = s_open(WALVFS_NAME);
        if (open_tx) {
            sqlite3_exec(
                c,
                "PRAGMA cache_size = 50; BEGIN; WITH RECURSIVE e(x) AS (SELECT 1000 UNION ALL"
                " SELECT x + 1 FROM e WHERE x < 2999) INSERT INTO d SELECT x, printf('%.3000c', 'e') FROM e",
                NULL, NULL, NULL);
        } else {
            for (int i = 1; i <= 300; i++) {
                char sql[120];
                snprintf(sql, sizeof sql, "INSERT INTO d VALUES (%d, printf('%%.3000c', 'd'))", i);
                if (sqlite3_exec(c, sql, NULL, NULL, NULL) != SQLITE_OK)
                    _exit(2);
            }
        }
        kill(getpid(), SIGKILL);
        _exit(3);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* A process killed right after its commits returned: every one of them
   is in the database; one killed inside a transaction leaves none of it. */
static void test_killed_after_commit(void **state)
{
    (void)state;
    sqlite3 *db = s_open(WALVFS_NAME);
    s_exec(db, "CREATE TABLE d(n INTEGER PRIMARY KEY, v TEXT)");
    sqlite3_close(db);
    s_child_killed(false);
    db = s_open(NULL);
    assert_int_equal(s_int(db, "SELECT count(*) FROM d"), 300);
    sqlite3_close(db);
    s_child_killed(true);
    db = s_open(NULL);
    assert_int_equal(s_int(db, "SELECT count(*) FROM d"), 300);
    assert_int_equal(s_int(db, "SELECT count(*) FROM d WHERE n >= 1000"), 0);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_large_transaction, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_commits_visible_across_checkpoints, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_killed_after_commit, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
