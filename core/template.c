/*  template.c — customer messages from templates (see fsd/template.h).

    One walker reads a template from left to right: literal text is copied,
    {{ and }} become single braces, {name} and {name|fallback} are looked
    up among the known placeholders. template_check runs it without
    values and without output, so what loads is exactly what renders.

    Deliberately not here: where templates are stored, which language a
    customer reads, the clock, how times are written (they arrive as text). */
#include "fsd/template.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const s_events[NE_COUNT_] = {
    "received", "accepted", "en_route", "late", "completed", "cancelled",
};

static const char *const s_fields[TP_COUNT_] = {
    "customer", "job", "technician", "eta", "window", "appliance", "brand", "model", "address", "link",
};

/* The built-in wording, plain English; "-" = not sent unless an operator
   loads a template for it. */
static const char *const s_builtin[NE_COUNT_] = {
    [NE_RECEIVED] = "-",
    [NE_ACCEPTED] = "Good news, {customer|dear customer}: {technician|a technician} will repair your"
                    " {brand} {appliance} (job {job}) by {window}. We will tell you when they are on"
                    " the way.",
    [NE_EN_ROUTE] = "{technician|Your technician} is on the way to {address} for your {brand}"
                    " {appliance} (job {job}) and should arrive around {eta}.",
    [NE_LATE] = "Sorry, {customer|dear customer}: your {brand} {appliance} repair (job {job}) is"
                " running late. We are on it and will keep you posted.",
    [NE_COMPLETED] = "Your {brand} {appliance} is repaired (job {job}). Thank you, {customer|dear"
                     " customer}! How did we do? Rate the visit from 1 to 5 stars: reply with the"
                     " number, or call us quoting {job}.",
    [NE_CANCELLED] = "Your repair request {job} for your {brand} {appliance} has been cancelled. If"
                     " this is a mistake, call us quoting {job}.",
};

const char *notify_event_name(notify_event e)
{
    return (int)e >= 0 && e < NE_COUNT_ ? s_events[e] : "?";
}

int notify_event_parse(const char *name)
{
    for (int i = 0; name && i < NE_COUNT_; i++)
        if (strcmp(name, s_events[i]) == 0)
            return i;
    return -1;
}

const char *template_field_name(template_field f)
{
    return (int)f >= 0 && f < TP_COUNT_ ? s_fields[f] : "?";
}

const char *template_field_list(void)
{
    static char list[256];
    if (!list[0]) {
        size_t n = 0;
        for (int i = 0; i < TP_COUNT_; i++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s{%s}", i ? " " : "", s_fields[i]);
    }
    return list;
}

const char *template_builtin(notify_event e)
{
    return (int)e >= 0 && e < NE_COUNT_ ? s_builtin[e] : "-";
}

/* The built-in wording where the customer has a page to follow or rate
   the job on: the same words, and the link. */
static const char *const s_builtin_linked[NE_COUNT_] = {
    [NE_RECEIVED] = "-",
    [NE_ACCEPTED] = "Good news, {customer|dear customer}: {technician|a technician} will repair your"
                    " {brand} {appliance} (job {job}) by {window}. Follow it here: {link}",
    [NE_EN_ROUTE] = "{technician|Your technician} is on the way to {address} for your {brand}"
                    " {appliance} (job {job}) and should arrive around {eta}. Follow it here: {link}",
    [NE_LATE] = "Sorry, {customer|dear customer}: your {brand} {appliance} repair (job {job}) is"
                " running late. We are on it and will keep you posted: {link}",
    [NE_COMPLETED] = "Your {brand} {appliance} is repaired (job {job}). Thank you, {customer|dear"
                     " customer}! How did we do? Rate the visit from 1 to 5 stars here: {link}",
    [NE_CANCELLED] = "Your repair request {job} for your {brand} {appliance} has been cancelled. If"
                     " this is a mistake, call us quoting {job}.",
};

const char *template_builtin_linked(notify_event e)
{
    return (int)e >= 0 && e < NE_COUNT_ ? s_builtin_linked[e] : "-";
}

bool template_is_off(const char *text)
{
    return text && strcmp(text, "-") == 0;
}

/* ----------------------------------------------------------- output */

typedef struct {
    char *out; /* NULL: check only */
    size_t cap, len;
    bool full; /* cut: nothing more is written */
} s_buf;

/* Length of the longest prefix of s[0..n) that ends on a character
   boundary (never splits a UTF-8 sequence). */
static size_t s_boundary(const char *s, size_t n, size_t whole)
{
    while (n > 0 && n < whole && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Appends n bytes of s; control characters become spaces when `clean`. */
static void s_put(s_buf *b, const char *s, size_t n, bool clean)
{
    if (!b->out || b->full || n == 0)
        return;
    size_t room = b->cap - 1 - b->len;
    size_t take = n;
    if (take > room) {
        take = s_boundary(s, room, n);
        b->full = true;
    }
    for (size_t i = 0; i < take; i++) {
        unsigned char c = (unsigned char)s[i];
        b->out[b->len++] = clean && (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    b->out[b->len] = 0;
}

/* --------------------------------------------------------- the walker */

/* The placeholder named s[0..n), or -1. */
static int s_field(const char *s, size_t n)
{
    for (int i = 0; i < TP_COUNT_; i++)
        if (strlen(s_fields[i]) == n && memcmp(s_fields[i], s, n) == 0)
            return i;
    return -1;
}

static bool s_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Reads text once: writes into b (when b->out) and checks every brace.
   0, or -1 with a sentence in why. Positions are 1-based bytes. */
static int s_walk(const char *text, const template_values *vals, s_buf *b, char *why, size_t whylen)
{
    size_t i = 0;
    while (text[i]) {
        char c = text[i];
        if (c == '{' && text[i + 1] == '{') {
            s_put(b, "{", 1, false);
            i += 2;
            continue;
        }
        if (c == '}') {
            if (text[i + 1] == '}') {
                s_put(b, "}", 1, false);
                i += 2;
                continue;
            }
            snprintf(why, whylen, "'}' at position %zu closes nothing: write }} for a literal brace", i + 1);
            return -1;
        }
        if (c != '{') {
            size_t run = i;
            while (text[run] && text[run] != '{' && text[run] != '}')
                run++;
            s_put(b, text + i, run - i, false);
            i = run;
            continue;
        }
        size_t start = i + 1, j = start;
        while (s_name_char(text[j]))
            j++;
        if (j == start) {
            snprintf(why, whylen,
                     "'{' at position %zu does not start a placeholder: write {{ for a literal brace", i + 1);
            return -1;
        }
        int f = s_field(text + start, j - start);
        if (f < 0) {
            snprintf(why, whylen, "unknown placeholder {%.*s} at position %zu; known: %s",
                     (int)(j - start > 40 ? 40 : j - start), text + start, i + 1, template_field_list());
            return -1;
        }
        const char *fallback = NULL;
        size_t fallback_len = 0;
        if (text[j] == '|') {
            size_t k = j + 1;
            while (text[k] && text[k] != '}' && text[k] != '{')
                k++;
            fallback = text + j + 1;
            fallback_len = k - j - 1;
            j = k;
        }
        if (text[j] != '}') {
            snprintf(why, whylen, "placeholder {%s at position %zu is not closed with '}'", s_fields[f],
                     i + 1);
            return -1;
        }
        const char *v = vals ? vals->value[f] : NULL;
        if (v && *v) {
            size_t n = strlen(v);
            s_put(b, v, n > TEMPLATE_VALUE_MAX ? s_boundary(v, TEMPLATE_VALUE_MAX, n) : n, true);
        } else if (fallback) {
            s_put(b, fallback, fallback_len, false);
        }
        i = j + 1;
    }
    return 0;
}

/* True when s is valid UTF-8; *at is the 1-based position of the first
   bad byte otherwise. */
static bool s_utf8(const char *s, size_t *at)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (p[i]) {
        unsigned char c = p[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4)) {
            *at = i + 1;
            return false;
        }
        for (size_t k = 1; k < n; k++)
            if ((p[i + k] & 0xC0) != 0x80) {
                *at = i + 1;
                return false;
            }
        i += n;
    }
    return true;
}

int template_check(const char *text, char *why, size_t whylen)
{
    char scratch[8];
    if (!why || whylen == 0) {
        why = scratch;
        whylen = sizeof scratch;
    }
    why[0] = 0;
    if (!text || !text[0]) {
        snprintf(why, whylen, "a template needs text (or \"-\" to send nothing for this event)");
        return -1;
    }
    size_t n = strlen(text);
    if (n > TEMPLATE_TEXT_MAX) {
        snprintf(why, whylen, "the template is %zu bytes, longer than %d", n, TEMPLATE_TEXT_MAX);
        return -1;
    }
    size_t at;
    if (!s_utf8(text, &at)) {
        snprintf(why, whylen, "the template is not valid UTF-8 (byte %zu)", at);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
            snprintf(why, whylen,
                     "control character 0x%02x at position %zu (only new lines and tabs are allowed)", c,
                     i + 1);
            return -1;
        }
    }
    if (template_is_off(text))
        return 0;
    s_buf none = { 0 };
    return s_walk(text, NULL, &none, why, whylen);
}

int template_render(const char *text, const template_values *vals, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return -1;
    out[0] = 0;
    char why[256];
    if (template_check(text, why, sizeof why) < 0)
        return -1;
    s_buf b = { .out = out, .cap = outlen };
    if (s_walk(text, vals, &b, why, sizeof why) < 0) {
        out[0] = 0;
        return -1;
    }
    return (int)b.len;
}

/* ---------------------------------------------------------- languages */

bool template_language_valid(const char *lang)
{
    if (!lang)
        return false;
    size_t i = 0;
    while (lang[i] >= 'a' && lang[i] <= 'z')
        i++;
    if (i < 2 || i > 3)
        return false;
    if (lang[i] == 0)
        return true;
    if (lang[i] != '-')
        return false;
    size_t start = ++i;
    while ((lang[i] >= 'a' && lang[i] <= 'z') || (lang[i] >= 'A' && lang[i] <= 'Z')
           || (lang[i] >= '0' && lang[i] <= '9'))
        i++;
    return lang[i] == 0 && i - start >= 2 && i - start <= 8;
}

/* -------------------------------------------------------------- words */

void template_category_words(const char *category, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return;
    snprintf(out, outlen, "%s", category ? category : "");
    for (char *p = out; *p; p++)
        if (*p == '_')
            *p = ' ';
}
