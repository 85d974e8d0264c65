/*  utf8.h — is this text UTF-8? Pure: no I/O.

    Reference files and the strings of every row must be UTF-8 so that
    JSON, the terminal and the store agree on every name (a Latin-1 "é"
    is one byte that no JSON encoder will write). Well-formed means RFC
    3629: no overlong forms, no surrogates, nothing above U+10FFFF. */
#ifndef FSD_UTF8_H
#define FSD_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the well-formed UTF-8 prefix of s[0..len): len when all of
   it is UTF-8, else the offset of the first byte that is not. */
size_t utf8_valid_prefix(const char *s, size_t len);

/* True when the NUL-terminated s is well-formed UTF-8 (NULL is). */
bool utf8_valid(const char *s);

#endif
