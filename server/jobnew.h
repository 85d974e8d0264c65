/*  jobnew.h — job creation, the one path every new job takes: a
    customer's request (intake) and a return visit (care) alike are
    validated, placed, given their warranty and SLA, stored, announced to
    the customer and matched here. */
#ifndef FSD_JOBNEW_H
#define FSD_JOBNEW_H

#include "server.h"

/* What a new job is made from; every field is checked by jobnew_create. */
typedef struct {
    const char *customer_name, *phone, *address;
    double lat, lon;
    const char *brand, *category, *serial, *model, *problem;
    int64_t reported_at; /* 0: now; the SLA clock starts here */
    int urgency;         /* as the wire's Priority: unspecified, normal or high */
    const char *window;  /* the appointment window as the customer said it; "" none */
} jobnew_request;

typedef enum {
    JOBNEW_FAILED = -1, /* storage or memory failure: roll the batch back */
    JOBNEW_MADE = 0,    /* stored, announced and matched: *out */
    JOBNEW_REFUSED = 1, /* nothing recorded; the error is in c->reply */
} jobnew_result;

/* Makes the job r asks for, on behalf of c's principal (its creator). */
jobnew_result jobnew_create(call *c, const jobnew_request *r, job **out);
/* The same for c's SubmitRequest. */
jobnew_result jobnew_submit(call *c, job **out);

#endif
