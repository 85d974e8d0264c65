/*  test_template.c — customer message templates: what loads, what renders. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "fsd/template.h"

static template_values s_vals(void)
{
    template_values v = { { 0 } };
    v.value[TP_CUSTOMER] = "Piotr Kowalczyk";
    v.value[TP_JOB] = "J000001";
    v.value[TP_TECHNICIAN] = "Tobias Krüger";
    v.value[TP_ETA] = "14:35";
    v.value[TP_WINDOW] = "16:00";
    v.value[TP_APPLIANCE] = "washing machine";
    v.value[TP_BRAND] = "AEG";
    v.value[TP_MODEL] = "L7FE8E7";
    v.value[TP_ADDRESS] = "Manteuffelstraße 12, 12103 Berlin";
    return v;
}

/* Renders text with vals and compares. */
static void s_expect(const char *text, const template_values *vals, const char *want)
{
    char out[TEMPLATE_OUT_MAX + 1];
    int n = template_render(text, vals, out, sizeof out);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(out, want);
}

/* A template that must be refused, with a sentence containing `part`. */
static void s_refused(const char *text, const char *part)
{
    char why[256];
    assert_int_equal(template_check(text, why, sizeof why), -1);
    if (!strstr(why, part))
        fail_msg("'%s' refused with '%s', which does not mention '%s'", text, why, part);
    char out[64];
    assert_int_equal(template_render(text, NULL, out, sizeof out), -1);
    assert_string_equal(out, "");
}

static void test_placeholders(void **state)
{
    (void)state;
    template_values v = s_vals();
    s_expect(
        "Hello {customer}, {technician} comes for {job} ({brand} {model} {appliance}) at {eta}, by {window}; {address}.",
        &v,
        "Hello Piotr Kowalczyk, Tobias Krüger comes for J000001 (AEG L7FE8E7 washing machine) at 14:35, "
        "by 16:00; Manteuffelstraße 12, 12103 Berlin.");
    s_expect("no placeholders at all", &v, "no placeholders at all");
    s_expect("{job}{job}", &v, "J000001J000001");
    s_expect("Grüße, {customer}!\nBis {eta}.", &v, "Grüße, Piotr Kowalczyk!\nBis 14:35.");
}

static void test_unknown_placeholder_refused(void **state)
{
    (void)state;
    char why[256];
    assert_int_equal(template_check("Hi {tech}, see you", why, sizeof why), -1);
    assert_non_null(strstr(why, "unknown placeholder {tech} at position 4"));
    assert_non_null(strstr(why, "{technician}")); /* says what is known */
    s_refused("{Customer}", "unknown placeholder {Customer}");
    s_refused("{job }", "not closed");
    s_refused("{rate_command}", "unknown placeholder");
}

static void test_braces_refused(void **state)
{
    (void)state;
    s_refused("price {", "does not start a placeholder");
    s_refused("a { b", "does not start a placeholder");
    s_refused("a } b", "closes nothing");
    s_refused("{job", "not closed");
    s_refused("{job|soon", "not closed");
    s_refused("{job|so{on}", "not closed");
    s_refused("", "needs text");
    s_refused(NULL, "needs text");
}

static void test_text_rules(void **state)
{
    (void)state;
    char big[TEMPLATE_TEXT_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    s_refused(big, "longer than");
    big[TEMPLATE_TEXT_MAX] = 0;
    assert_int_equal(template_check(big, NULL, 0), 0);
    s_refused("bad \xff byte", "not valid UTF-8 (byte 5)");
    s_refused("cut \xc3", "not valid UTF-8");
    s_refused("bell \a", "control character 0x07");
    assert_int_equal(template_check("tab\tand\nnew line", NULL, 0), 0);
}

static void test_escaping(void **state)
{
    (void)state;
    template_values v = s_vals();
    s_expect("{{job}} is written {job}", &v, "{job} is written J000001");
    s_expect("}}{{", &v, "}{");
    s_expect("{{{job}}}", &v, "{J000001}");
    /* a value is never read as a template */
    v.value[TP_CUSTOMER] = "{job} }} {{";
    s_expect("Hi {customer}", &v, "Hi {job} }} {{");
    /* control characters in a value become spaces; the template's own stay */
    v.value[TP_CUSTOMER] = "Evil\nName\r\x1b[31m";
    s_expect("Hi {customer}\nbye", &v, "Hi Evil Name  [31m\nbye");
}

static void test_missing_values(void **state)
{
    (void)state;
    template_values v = { { 0 } };
    s_expect("{technician|Your technician} arrives {eta|soon}.", &v, "Your technician arrives soon.");
    s_expect("[{technician}]", &v, "[]");
    s_expect("[{technician|}]", &v, "[]");
    s_expect("{eta|}", NULL, "");
    v.value[TP_TECHNICIAN] = "";
    s_expect("{technician|someone}", &v, "someone");
    v.value[TP_TECHNICIAN] = "Li";
    s_expect("{technician|someone}", &v, "Li");
    s_expect("{eta|at 14:00, or later}", &v, "at 14:00, or later");
}

static void test_lengths(void **state)
{
    (void)state;
    template_values v = { { 0 } };
    /* the output is cut on a character boundary, never inside "ü" */
    char out[8];
    assert_int_equal(template_render("abcdefü", &v, out, sizeof out), 6);
    assert_string_equal(out, "abcdef");
    char out2[9];
    assert_int_equal(template_render("abcdefü", &v, out2, sizeof out2), 8);
    assert_string_equal(out2, "abcdefü");
    /* a long value is cut at TEMPLATE_VALUE_MAX bytes, on a boundary */
    char name[400];
    memset(name, 'x', 199);
    strcpy(name + 199, "ü and more");
    v.value[TP_CUSTOMER] = name;
    char big[TEMPLATE_OUT_MAX + 1];
    assert_int_equal(template_render("{customer}", &v, big, sizeof big), 199);
}

static void test_builtins(void **state)
{
    (void)state;
    template_values v = s_vals();
    for (int e = 0; e < NE_COUNT_; e++) {
        const char *t = template_builtin((notify_event)e);
        assert_non_null(t);
        assert_int_equal(template_check(t, NULL, 0), 0);
        if (template_is_off(t)) {
            assert_int_equal(e, NE_RECEIVED);
            continue;
        }
        char out[TEMPLATE_OUT_MAX + 1];
        assert_true(template_render(t, &v, out, sizeof out) > 0);
        assert_null(strchr(out, '{'));
        assert_non_null(strstr(out, "J000001"));
        /* and with nothing known, still a sentence without holes */
        template_values none = { { 0 } };
        assert_true(template_render(t, &none, out, sizeof out) > 0);
    }
    char out[TEMPLATE_OUT_MAX + 1];
    template_render(template_builtin(NE_ACCEPTED), &v, out, sizeof out);
    assert_non_null(strstr(out, "Tobias Krüger will repair your AEG washing machine (job J000001) by 16:00"));
    template_render(template_builtin(NE_COMPLETED), &v, out, sizeof out);
    assert_non_null(strstr(out, "Rate the visit from 1 to 5 stars"));
    assert_true(template_is_off("-"));
    assert_false(template_is_off("- "));
}

static void test_names(void **state)
{
    (void)state;
    for (int e = 0; e < NE_COUNT_; e++)
        assert_int_equal(notify_event_parse(notify_event_name((notify_event)e)), e);
    assert_int_equal(notify_event_parse("at_risk"), -1);
    assert_int_equal(notify_event_parse(NULL), -1);
    assert_string_equal(notify_event_name(NE_EN_ROUTE), "en_route");
    assert_string_equal(notify_event_name((notify_event)99), "?");
    assert_string_equal(template_field_name(TP_ETA), "eta");
    assert_non_null(strstr(template_field_list(), "{customer} {job} {technician}"));
}

static void test_languages(void **state)
{
    (void)state;
    const char *good[] = { "en", "de", "tr", "pt-BR", "es-419", "fil", "zh-Hant" };
    const char *bad[] = {
        "", "e", "EN", "english", "de-", "de_DE", "de-x", "de-BR-x", "d1", "de-toolongtag"
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (!template_language_valid(good[i]))
            fail_msg("%s refused", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (template_language_valid(bad[i]))
            fail_msg("%s accepted", bad[i]);
    assert_false(template_language_valid(NULL));
}

static void test_words(void **state)
{
    (void)state;
    char out[32];
    template_category_words("washing_machine", out, sizeof out);
    assert_string_equal(out, "washing machine");
    template_category_words("air_conditioner", out, 8);
    assert_string_equal(out, "air con");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholders),   cmocka_unit_test(test_unknown_placeholder_refused),
        cmocka_unit_test(test_braces_refused), cmocka_unit_test(test_text_rules),
        cmocka_unit_test(test_escaping),       cmocka_unit_test(test_missing_values),
        cmocka_unit_test(test_lengths),        cmocka_unit_test(test_builtins),
        cmocka_unit_test(test_names),          cmocka_unit_test(test_languages),
        cmocka_unit_test(test_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
