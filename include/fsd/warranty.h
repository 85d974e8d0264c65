/*  warranty.h — civil dates and the warranty decision. Pure: no clock.

    The decision is taken as of the day the fault is reported, in the
    territory's time zone (the caller converts), never the day someone looks.
    A warranty of N months runs from the purchase date through the same day
    number N months later, inclusive; when that month is shorter, through
    its last day (bought 2024-01-31 + 1 month: covered through 2024-02-29). */
#ifndef FSD_WARRANTY_H
#define FSD_WARRANTY_H

#include <stdbool.h>
#include "fsd/domain.h"

typedef struct {
    int y, m, d;
} civil_date;

/* Parses "YYYY-MM-DD" strictly (real calendar day, years 1900-9999).
   0 on success, -1 otherwise. */
int civil_parse(const char *s, civil_date *out);
/* Formats as "YYYY-MM-DD" into buf (at least 11 bytes). Returns buf. */
char *civil_format(civil_date d, char *buf);
bool civil_is_leap(int year);
int civil_days_in_month(int year, int month);
/* Adds months, clamping the day to the end of the target month. */
civil_date civil_add_months(civil_date d, int months);
/* <0, 0, >0 like strcmp. */
int civil_cmp(civil_date a, civil_date b);
/* Days since 1970-01-01 (may be negative), and back. */
long civil_to_days(civil_date d);
civil_date civil_from_days(long days);

typedef struct {
    civil_date purchased;
    int warranty_months; /* 0..600 */
    bool has_extended;
    civil_date extended_until; /* inclusive, when has_extended */
} warranty_terms;

/* Last covered day of the manufacturer's warranty (inclusive). */
civil_date warranty_end(const warranty_terms *t);

/* in_warranty, extended or expired for a registered product;
   pass NULL for an unregistered one (→ WS_UNREGISTERED). */
warranty_status warranty_decide(const warranty_terms *t, civil_date reported);

/* True when the status makes the job warranty work (in_warranty, extended):
   only technicians of a provider authorised for the brand may take it. */
bool warranty_is_covered(warranty_status w);

#endif
