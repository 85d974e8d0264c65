/*  test_sla_load.c — fsdctl's reading of SLA policy and working-hours files
    (the "sla_policies" and "working_hours" kinds of fsdctl/load_file.c):
    the examples load, every row checks against the pure SLA rules the
    server applies, and syntax problems are named by line and field.
    Run from the repository root; load_file.c is compiled in here. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../fsdctl/load_file.c"
#include "fsd/sla.h"

static char s_dir[64];

/* Writes text into a new file in the temporary directory; its path. */
static const char *s_write(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads a file and fails the test on a NULL result. */
static load_file *s_load(const char *kind, const char *path)
{
    char err[256] = "";
    load_file *lf = load_file_read(kind, path, err, sizeof err);
    if (!lf)
        fail_msg("%s: %s", path, err);
    return lf;
}

/* True when some error has this line and field (prints them all if not). */
static int s_has_error(const load_file *lf, unsigned line, const char *field)
{
    for (size_t i = 0; i < load_file_error_count(lf); i++) {
        const Fsd__RowError *e = load_file_error(lf, i);
        if (e->line == line && strcmp(e->field, field) == 0)
            return 1;
    }
    for (size_t i = 0; i < load_file_error_count(lf); i++) {
        const Fsd__RowError *e = load_file_error(lf, i);
        fprintf(stderr, "  line %u field %s: %s\n", e->line, e->field, e->message);
    }
    return 0;
}

/* examples/sla.csv: 7 policies, all valid, no two with the same keys. */
static void test_examples_policies(void **state)
{
    load_file *lf = s_load("sla_policies", "examples/sla.csv");
    assert_int_equal(load_file_error_count(lf), 0);
    assert_int_equal(load_file_row_count(lf), 7);
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    load_file_attach(lf, &env);
    assert_int_equal(env.body_case, FSD__ENVELOPE__BODY_LOAD_SLA_POLICIES);
    Fsd__LoadSlaPolicies *m = env.load_sla_policies;
    assert_string_equal(m->source, "sla.csv");
    assert_int_equal(m->n_rows, 7);
    sla_table *t = sla_table_new();
    for (size_t i = 0; i < m->n_rows; i++) {
        Fsd__SlaPolicyRow *r = m->rows[i];
        assert_int_equal(r->line, i + 2);
        double minutes[SLA_N] = { r->assign_min, r->arrive_min, r->fix_min };
        sla_policy p;
        const char *field;
        char why[256];
        if (sla_policy_make(r->id, r->warranty, r->tier, r->urgency, minutes, r->clock, &p, &field, why,
                            sizeof why)
            < 0)
            fail_msg("line %u: %s: %s", r->line, field, why);
        assert_int_equal(sla_table_add(t, &p, why, sizeof why), 0);
    }
    /* a catch-all exists, so every job gets a policy */
    assert_non_null(sla_table_pick(t, WS_UNREGISTERED, false, PRIO_NORMAL));
    assert_string_equal(sla_table_pick(t, WS_IN_WARRANTY, true, PRIO_NORMAL)->id, "PRIORITY-WARRANTY");
    assert_string_equal(sla_table_pick(t, WS_EXPIRED, true, PRIO_HIGH)->id, "PRIORITY-URGENT");
    sla_table_destroy(&t);
    load_file_destroy(&lf);
}

/* examples/hours.csv: the 12 Berlin boroughs, valid hours and holidays. */
static void test_examples_hours(void **state)
{
    load_file *lf = s_load("working_hours", "examples/hours.csv");
    assert_int_equal(load_file_error_count(lf), 0);
    assert_int_equal(load_file_row_count(lf), 12);
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    load_file_attach(lf, &env);
    assert_int_equal(env.body_case, FSD__ENVELOPE__BODY_LOAD_WORKING_HOURS);
    Fsd__LoadWorkingHours *m = env.load_working_hours;
    load_file *terr = s_load("territories", "examples/territories.geojson");
    Fsd__Envelope tenv = FSD__ENVELOPE__INIT;
    load_file_attach(terr, &tenv);
    for (size_t i = 0; i < m->n_rows; i++) {
        Fsd__WorkingHoursRow *r = m->rows[i];
        int known = 0;
        for (size_t k = 0; k < tenv.load_territories->n_rows; k++)
            known += strcmp(tenv.load_territories->rows[k]->id, r->territory) == 0;
        assert_int_equal(known, 1);
        assert_true(r->n_closed >= 10);
        const char *field;
        char why[256];
        sla_hours *h =
            sla_hours_parse(r->hours, (const char *const *)r->closed, r->n_closed, &field, why, sizeof why);
        if (!h)
            fail_msg("line %u: %s: %s", r->line, field, why);
        civil_date christmas = { 2026, 12, 25 }, monday = { 2026, 11, 23 };
        assert_false(sla_hours_open(h, christmas, 10 * 60));
        assert_true(sla_hours_open(h, monday, 10 * 60));
        sla_hours_destroy(&h);
    }
    load_file_destroy(&terr);
    load_file_destroy(&lf);
}

/* Syntax: numbers, required values, columns, repeated keys. */
static void test_bad_files(void **state)
{
    const char *path = s_write("bad-sla.csv", "id,warranty,tier,urgency,assign_min,arrive_min,fix_min,clock\n"
                                              "A,*,*,*,60,240,600,business\n"
                                              "B,*,*,*,sixty,240,600,business\n"
                                              "A,*,priority,*,60,240,600,business\n"
                                              "C,*,*,,60,240,-5,24x7\n"
                                              "\n"
                                              "D,expired,*,*,1.5,2,2.5,24x7\n");
    load_file *lf = s_load("sla_policies", path);
    assert_true(s_has_error(lf, 3, "assign_min"));
    assert_true(s_has_error(lf, 4, "id"));
    assert_true(s_has_error(lf, 5, "urgency"));
    assert_true(s_has_error(lf, 5, "fix_min"));
    assert_int_equal(load_file_error_count(lf), 4);
    assert_int_equal(load_file_row_count(lf), 2); /* A and D */
    load_file_destroy(&lf);

    path = s_write("no-clock.csv", "id,warranty,tier,urgency,assign_min,arrive_min,fix_min\n"
                                   "A,*,*,*,1,2,3\n");
    lf = s_load("sla_policies", path);
    assert_true(s_has_error(lf, 1, "clock"));
    load_file_destroy(&lf);

    path = s_write("bad-hours.csv", "Territory,HOURS,closed\n"
                                    "mitte,\"mon-fri 08:00-18:00; sat 09:00-13:00\", 2026-12-24 ; 12-25 ;\n"
                                    "pankow,,\n"
                                    "mitte,24x7,\n"
                                    "spandau,24x7\n");
    lf = s_load("working_hours", path);
    assert_true(s_has_error(lf, 3, "hours"));
    assert_true(s_has_error(lf, 4, "territory"));
    assert_true(s_has_error(lf, 5, "")); /* 2 fields, the header has 3 */
    assert_int_equal(load_file_row_count(lf), 1);
    Fsd__Envelope env = FSD__ENVELOPE__INIT;
    load_file_attach(lf, &env);
    Fsd__WorkingHoursRow *r = env.load_working_hours->rows[0];
    assert_string_equal(r->hours, "mon-fri 08:00-18:00; sat 09:00-13:00");
    assert_int_equal(r->n_closed, 2);
    assert_string_equal(r->closed[0], "2026-12-24");
    assert_string_equal(r->closed[1], "12-25");
    load_file_destroy(&lf);
}

/* Removes the temporary directory and its files. */
static int s_teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Makes the temporary directory. */
static int s_setup(void **state)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/fsd-test-sla-load-XXXXXX");
    return mkdtemp(s_dir) ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_examples_policies),
        cmocka_unit_test(test_examples_hours),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
