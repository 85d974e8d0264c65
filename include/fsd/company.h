/*  company.h — company dispatch: where a job offered to a provider as a
    company stands, and what its dispatchers may do then. Pure: no I/O,
    no clock (the caller passes now).

    A provider that takes offers as a company is offered the job instead
    of its technician: state offered, held by the provider, no
    technician, with the offer's expiry. Its dispatchers accept (the job
    stays offered, held by the company, without an expiry; the assign-by
    SLA still runs) or decline within that time; an expiry or a decline
    sends the job back to the queue without that provider. An accepted job
    waits for the company to assign one of its technicians (offered →
    assigned, a dispatcher's move in the lifecycle table), and from then
    on it is worked like any other. */
#ifndef FSD_COMPANY_H
#define FSD_COMPANY_H

#include <stdbool.h>
#include <stdint.h>
#include "fsd/domain.h"

typedef enum {
    COMPANY_NONE = 0, /* not held by a company */
    COMPANY_OFFERED,  /* offered to the company, not answered yet */
    COMPANY_ACCEPTED, /* accepted, no technician assigned yet */
} company_phase;

typedef enum { COMPANY_ACCEPT, COMPANY_DECLINE, COMPANY_ASSIGN } company_action;

/* The phase of a job in `state`, held by a technician or not, by a
   company or not, accepted or not. */
company_phase company_phase_of(job_state state, bool has_technician, bool has_company, bool accepted);

/* NULL when a company dispatcher may take `act` on a job in phase p at
   `now` (the offer's expiry: expires_at); else the sentence why not. */
const char *company_refusal(company_phase p, company_action act, int64_t now, int64_t expires_at);

/* "offered", "accepted" or "" for the phase. */
const char *company_phase_name(company_phase p);

#endif
