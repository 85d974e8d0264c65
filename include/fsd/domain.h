/*  domain.h — the words of the domain, as plain C enums.

    The numeric values are the same as the wire enums in proto/fsd.proto, so
    a value can be cast between the two; pure logic (lifecycle, matcher,
    warranty) uses these and never includes generated protobuf code. */
#ifndef FSD_DOMAIN_H
#define FSD_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    JOB_STATE_NONE = 0,
    JS_NEW = 1,
    JS_OFFERED = 2,
    JS_ASSIGNED = 3,
    JS_EN_ROUTE = 4,
    JS_ON_SITE = 5,
    JS_ON_HOLD = 6,
    JS_COMPLETED = 7,
    JS_CLOSED = 8,
    JS_ESCALATED = 9,
    JS_CANCELLED = 10,
    JS_COUNT_ = 11
} job_state;

typedef enum {
    WS_NONE = 0,
    WS_IN_WARRANTY = 1,
    WS_EXTENDED = 2,
    WS_EXPIRED = 3,
    WS_UNREGISTERED = 4,
    WS_COUNT_ = 5
} warranty_status;

typedef enum { PRIO_NONE = 0, PRIO_NORMAL = 1, PRIO_HIGH = 2 } priority;

typedef enum {
    DR_NONE = 0,
    DR_TOO_FAR = 1,
    DR_NO_PARTS = 2,
    DR_NOT_MY_SKILL = 3,
    DR_OFF_SHIFT = 4,
    DR_OTHER = 5,
    DR_COUNT_ = 6
} decline_reason;

typedef enum {
    ROLE_NONE = 0,
    ROLE_AGENT_ = 1,
    ROLE_INTAKE_ = 2,
    ROLE_DISPATCHER_ = 3,
    ROLE_ADMIN_ = 4,
    ROLE_PORTAL_ = 5, /* the customer pages' key: customer-link verbs only */
    ROLE_COUNT_ = 6
} role;

/* Names as used on the command line, in JSON and in the database
   ("new", "en_route", "in_warranty", "too_far", "dispatcher" ...).
   The *_name functions return "?" for a value out of range; the
   *_parse functions return 0 (the NONE value) for an unknown name. */
const char *job_state_name(job_state s);
job_state job_state_parse(const char *name);
const char *warranty_name(warranty_status w);
warranty_status warranty_parse(const char *name);
const char *priority_name(priority p);
priority priority_parse(const char *name);
const char *decline_reason_name(decline_reason r);
decline_reason decline_reason_parse(const char *name);
const char *role_name(role r);
role role_parse(const char *name);

/* True for states in which the job still needs work (not completed,
   closed or cancelled). */
bool job_state_is_open(job_state s);
/* True when the job holds a technician's capacity (offered, assigned,
   en_route, on_site, on_hold). */
bool job_state_holds_capacity(job_state s);

/* True when `name` is in the built-in catalogue of appliance categories
   ("washing_machine", "dryer", "fridge", "boiler" ...). */
bool category_known(const char *name);
/* The catalogue itself, in a fixed order; *n receives its length. */
const char *const *category_list(size_t *n);

/* Normalises a phone number: an optional leading '+', then digits and the
   separators ' ', '-', '(', ')', '/', '.', which are dropped; 7 to 15
   digits. Writes e.g. "+49301234567" into out and returns 0, or -1 when
   the input is malformed or out is too small. */
int phone_normalize(const char *in, char *out, size_t outlen);

#endif
