/*  care.h — the rules of customer care: follow-ups, goodwill, fee waivers.
    Pure: no clock, no I/O.

    - A rating of 1 opens a return visit, a rating of 2 a call; a complaint
      opens a return visit. Ratings of 3 to 5 open nothing.
    - Goodwill is for out-of-warranty work (expired, unregistered) that is
      not closed or cancelled; granted once. The job is then treated as
      covered: matching needs a provider authorised for the brand.
    - A technician may waive the call-out fee on a job it holds once the job
      is accepted: assigned, en_route, on_site, on_hold or completed. Up to
      the limit it applies at once; above it a dispatcher decides.
    - Amounts are integer cents; written "45", "45.5" or "45.00" (a dot, at
      most two decimals, no sign), at most 100000.00. */
#ifndef FSD_CARE_H
#define FSD_CARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fsd/domain.h"

#define CARE_CURRENCY "EUR"
#define CARE_AMOUNT_MAX_CENTS 10000000LL /* 100000.00 */

/* Same values as the wire enum FollowUpKind. */
typedef enum { FU_NONE = 0, FU_CALL = 1, FU_RETURN_VISIT = 2 } followup_kind;

/* Same values as the wire enum WaiverState. */
typedef enum { WV_NONE = 0, WV_APPLIED = 1, WV_PENDING = 2, WV_REJECTED = 3 } waiver_state;

/* Why goodwill may not be granted (GW_OK when it may). */
typedef enum { GW_OK = 0, GW_COVERED, GW_ALREADY, GW_OVER } goodwill_check;

/* Parses an amount into cents. 0, or -1 with *why (a phrase such as
   "has more than two decimals"). Zero is accepted only when allow_zero. */
int care_amount_parse(const char *s, bool allow_zero, int64_t *cents, const char **why);
/* "45.00" for 4500 into buf; returns buf. */
char *care_amount_format(int64_t cents, char *buf, size_t len);

/* The follow-up a rating of `stars` opens (FU_NONE for 3..5 or out of range). */
followup_kind care_followup_for_rating(unsigned stars);
/* The follow-up a complaint opens. */
followup_kind care_followup_for_complaint(void);
/* "call", "return_visit" ("?" otherwise). */
const char *care_followup_kind_name(followup_kind k);

/* "F000012" for 12 into buf (at least 24 bytes); returns buf. */
char *care_followup_id_format(int64_t n, char *buf, size_t len);
/* 12 for "F000012", "F12", "f12" or "12"; -1 when s is not a follow-up id. */
int64_t care_followup_id_parse(const char *s);

/* Whether the technician holding a job in state s may waive its fee. */
bool care_waiver_state_ok(job_state s);
/* True when the amount is applied at once (within the limit). */
bool care_waiver_within_limit(int64_t cents, int64_t limit_cents);

/* Whether goodwill may be granted on a job with this warranty, in this
   state, with or without goodwill already. */
goodwill_check care_goodwill_check(warranty_status w, job_state s, bool already);
/* Whether matching needs a provider authorised for the brand: warranty
   work, or goodwill. */
bool care_needs_authorisation(warranty_status w, bool goodwill);

#endif
