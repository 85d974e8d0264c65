/*  care_rules.c — the rules of customer care (see include/fsd/care.h).

    Everything here is a decision on plain values: which follow-up a rating
    or a complaint opens, whether goodwill or a fee waiver is allowed, and
    how amounts and follow-up ids are written. The server (server/care.c)
    looks the facts up, records the outcome and the events.

    Deliberately not here: the clock, the store, who may ask (the rights
    table in server/loop.c), and the limit's value (a server option). */

#include <stdio.h>
#include <string.h>
#include "fsd/care.h"
#include "fsd/warranty.h"

//  Parses an amount: digits, optionally a dot and one or two digits.
int care_amount_parse(const char *s, bool allow_zero, int64_t *cents, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if (!s || !*s) {
        *why = "is empty";
        return -1;
    }
    int64_t whole = 0, frac = 0;
    int int_digits = 0, frac_digits = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (++int_digits > 9) {
            *why = "is too large (at most 100000.00)";
            return -1;
        }
        whole = whole * 10 + (*p - '0');
    }
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (++frac_digits > 2) {
                *why = "has more than two decimals";
                return -1;
            }
            frac = frac * 10 + (*p - '0');
        }
        if (frac_digits == 0) {
            *why = "needs digits after the dot";
            return -1;
        }
        if (frac_digits == 1)
            frac *= 10;
    }
    if (*p || int_digits == 0) {
        *why = "is not an amount like 45.00 (digits, a dot, at most two decimals, no sign)";
        return -1;
    }
    int64_t v = whole * 100 + frac;
    if (v > CARE_AMOUNT_MAX_CENTS) {
        *why = "is too large (at most 100000.00)";
        return -1;
    }
    if (v == 0 && !allow_zero) {
        *why = "must be more than 0.00";
        return -1;
    }
    *cents = v;
    return 0;
}

//  Writes cents as units and two decimals.
char *care_amount_format(int64_t cents, char *buf, size_t len)
{
    const char *sign = cents < 0 ? "-" : "";
    uint64_t v = cents < 0 ? (uint64_t) - (cents + 1) + 1 : (uint64_t)cents;
    snprintf(buf, len, "%s%llu.%02llu", sign, (unsigned long long)(v / 100), (unsigned long long)(v % 100));
    return buf;
}

//  A rating of 1: someone goes back; 2: someone calls.
followup_kind care_followup_for_rating(unsigned stars)
{
    return stars == 1 ? FU_RETURN_VISIT : stars == 2 ? FU_CALL : FU_NONE;
}

//  A complaint says the work is not right: someone goes back.
followup_kind care_followup_for_complaint(void)
{
    return FU_RETURN_VISIT;
}

//  The kind's name as the wire and the command line write it.
const char *care_followup_kind_name(followup_kind k)
{
    return k == FU_CALL ? "call" : k == FU_RETURN_VISIT ? "return_visit" : "?";
}

//  "F" and at least six digits.
char *care_followup_id_format(int64_t n, char *buf, size_t len)
{
    snprintf(buf, len, "F%06lld", (long long)n);
    return buf;
}

//  Accepts an optional F (either case), then 1 to 12 digits, not all zero.
int64_t care_followup_id_parse(const char *s)
{
    if (!s)
        return -1;
    if (*s == 'F' || *s == 'f')
        s++;
    size_t n = strlen(s);
    if (n == 0 || n > 12)
        return -1;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v > 0 ? v : -1;
}

//  Accepted and not yet over: the technician holds it.
bool care_waiver_state_ok(job_state s)
{
    return s == JS_ASSIGNED || s == JS_EN_ROUTE || s == JS_ON_SITE || s == JS_ON_HOLD || s == JS_COMPLETED;
}

//  Up to and including the limit.
bool care_waiver_within_limit(int64_t cents, int64_t limit_cents)
{
    return cents <= limit_cents;
}

//  Out of warranty, still open (completed included), not granted before.
goodwill_check care_goodwill_check(warranty_status w, job_state s, bool already)
{
    if (s == JS_CLOSED || s == JS_CANCELLED || s == JOB_STATE_NONE)
        return GW_OVER;
    if (already)
        return GW_ALREADY;
    if (warranty_is_covered(w))
        return GW_COVERED;
    return GW_OK;
}

//  Warranty work and goodwill both go to authorised providers.
bool care_needs_authorisation(warranty_status w, bool goodwill)
{
    return warranty_is_covered(w) || goodwill;
}
