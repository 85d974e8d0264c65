/*  utf8.c — UTF-8 well-formedness (RFC 3629, table 3-7 of Unicode).

    A byte-at-a-time check against the ranges of the well-formed byte
    sequences; it says where the first bad byte is, so a file can be
    refused with its line. */
#include <stdint.h>
#include <string.h>
#include "fsd/utf8.h"

//  Length of the sequence starting at s (1..4), or 0 when it is not
//  well-formed; n is how many bytes are left.
static size_t s_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; //  range of the second byte
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; //  no overlong forms
        if (c == 0xED)
            hi = 0x9F; //  no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F; //  nothing above U+10FFFF
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

//  Offset of the first byte that is not well-formed UTF-8, or len.
size_t utf8_valid_prefix(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t k = s_seq(u + i, len - i);
        if (!k)
            return i;
        i += k;
    }
    return len;
}

//  True for a well-formed NUL-terminated string.
bool utf8_valid(const char *s)
{
    if (!s)
        return true;
    size_t n = strlen(s);
    return utf8_valid_prefix(s, n) == n;
}
