/*  test_utf8.c — UTF-8 well-formedness: what a file may hold. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "fsd/utf8.h"

//  ASCII, German, Japanese and an emoji are UTF-8.
static void test_valid(void **state)
{
    (void)state;
    assert_true(utf8_valid(""));
    assert_true(utf8_valid(NULL));
    assert_true(utf8_valid("Anna Eins"));
    assert_true(utf8_valid("Teststra\xc3\x9f"
                           "e, M\xc3\xbcller"));
    assert_true(utf8_valid("\xe6\x9d\xb1\xe4\xba\xac"));
    assert_true(utf8_valid("\xf0\x9f\x94\xa7 repair"));
}

//  Latin-1, overlong forms, surrogates, truncated sequences are not;
//  the prefix says where the first bad byte is.
static void test_invalid(void **state)
{
    (void)state;
    const char *latin1 = "Ren\xe9 M\xfcller"; //  "René Müller" saved as Latin-1
    assert_false(utf8_valid(latin1));
    assert_int_equal(utf8_valid_prefix(latin1, strlen(latin1)), 3);
    assert_false(utf8_valid("\xc0\xaf"));         //  overlong '/'
    assert_false(utf8_valid("\xe0\x80\xaf"));     //  overlong, 3 bytes
    assert_false(utf8_valid("\xed\xa0\x80"));     //  a surrogate
    assert_false(utf8_valid("\xf4\x90\x80\x80")); //  above U+10FFFF
    assert_false(utf8_valid("ab\xc3"));           //  cut short
    assert_int_equal(utf8_valid_prefix("ab\xc3", 3), 2);
    assert_false(utf8_valid("\x80"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
