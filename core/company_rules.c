/*  company_rules.c — company dispatch phases and what a company may do in each
    (see company.h). */
#include "fsd/company.h"

#include <stddef.h>

//  A company holds a job offered to no technician.
company_phase company_phase_of(job_state state, bool has_technician, bool has_company, bool accepted)
{
    if (state != JS_OFFERED || has_technician || !has_company)
        return COMPANY_NONE;
    return accepted ? COMPANY_ACCEPTED : COMPANY_OFFERED;
}

//  Answer an offer while it stands; assign once it was accepted.
const char *company_refusal(company_phase p, company_action act, int64_t now, int64_t expires_at)
{
    if (p == COMPANY_NONE)
        return "the job is not offered to a company";
    if (act == COMPANY_ASSIGN)
        return p == COMPANY_ACCEPTED ? NULL : "the offer is not accepted yet: accept it first, then assign";
    if (p == COMPANY_ACCEPTED)
        return "the company accepted this job already: assign one of its technicians";
    if (expires_at > 0 && now >= expires_at)
        return "the offer expired";
    return NULL;
}

const char *company_phase_name(company_phase p)
{
    return p == COMPANY_OFFERED ? "offered" : p == COMPANY_ACCEPTED ? "accepted" : "";
}
