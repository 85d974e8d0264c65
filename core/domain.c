/*  domain.c — names of the domain's enums, the appliance catalogue and
    phone number normalisation.

    This module only translates between words and values: it knows the
    spelling used on the command line, in JSON and in the database. It
    deliberately knows nothing about which transitions are allowed
    (lifecycle.c) or what a valid territory is (geo.c), and it keeps no
    state: every table here is a constant. */

#include <string.h>
#include "fsd/domain.h"

static const char *const s_job_state_names[JS_COUNT_] = { "none",     "new",       "offered",  "assigned",
                                                          "en_route", "on_site",   "on_hold",  "completed",
                                                          "closed",   "escalated", "cancelled" };

static const char *const s_warranty_names[WS_COUNT_] = { "none", "in_warranty", "extended", "expired",
                                                         "unregistered" };

static const char *const s_priority_names[] = { "none", "normal", "high" };

static const char *const s_decline_names[DR_COUNT_] = { "none",         "too_far",   "no_parts",
                                                        "not_my_skill", "off_shift", "other" };

static const char *const s_role_names[ROLE_COUNT_] = { "none",       "agent", "intake",
                                                       "dispatcher", "admin", "portal" };

static const char *const s_categories[] = {
    "washing_machine", "dryer",     "washer_dryer", "dishwasher",   "fridge",
    "freezer",         "oven",      "hob",          "cooker_hood",  "microwave",
    "air_conditioner", "heat_pump", "boiler",       "water_heater", "coffee_machine"
};

#define S_COUNT(a) (sizeof(a) / sizeof(a)[0])

//  Name of value v in table, or "?" when v is out of range.
static const char *s_name(const char *const *table, size_t n, int v)
{
    if (v < 0 || (size_t)v >= n)
        return "?";
    return table[v];
}

//  Index of name in table (skipping entry 0, the NONE value), or 0.
static int s_parse(const char *const *table, size_t n, const char *name)
{
    if (!name)
        return 0;
    for (size_t i = 1; i < n; i++)
        if (strcmp(table[i], name) == 0)
            return (int)i;
    return 0;
}

//  Lower-case name of a job state.
const char *job_state_name(job_state s)
{
    return s_name(s_job_state_names, S_COUNT(s_job_state_names), (int)s);
}

//  Job state for a name, JOB_STATE_NONE when unknown.
job_state job_state_parse(const char *name)
{
    return (job_state)s_parse(s_job_state_names, S_COUNT(s_job_state_names), name);
}

//  Lower-case name of a warranty status.
const char *warranty_name(warranty_status w)
{
    return s_name(s_warranty_names, S_COUNT(s_warranty_names), (int)w);
}

//  Warranty status for a name, WS_NONE when unknown.
warranty_status warranty_parse(const char *name)
{
    return (warranty_status)s_parse(s_warranty_names, S_COUNT(s_warranty_names), name);
}

//  Lower-case name of a priority.
const char *priority_name(priority p)
{
    return s_name(s_priority_names, S_COUNT(s_priority_names), (int)p);
}

//  Priority for a name, PRIO_NONE when unknown.
priority priority_parse(const char *name)
{
    return (priority)s_parse(s_priority_names, S_COUNT(s_priority_names), name);
}

//  Lower-case name of a decline reason.
const char *decline_reason_name(decline_reason r)
{
    return s_name(s_decline_names, S_COUNT(s_decline_names), (int)r);
}

//  Decline reason for a name, DR_NONE when unknown.
decline_reason decline_reason_parse(const char *name)
{
    return (decline_reason)s_parse(s_decline_names, S_COUNT(s_decline_names), name);
}

//  Lower-case name of a role.
const char *role_name(role r)
{
    return s_name(s_role_names, S_COUNT(s_role_names), (int)r);
}

//  Role for a name, ROLE_NONE when unknown.
role role_parse(const char *name)
{
    return (role)s_parse(s_role_names, S_COUNT(s_role_names), name);
}

//  True while the job still needs work.
bool job_state_is_open(job_state s)
{
    switch (s) {
    case JS_NEW:
    case JS_OFFERED:
    case JS_ASSIGNED:
    case JS_EN_ROUTE:
    case JS_ON_SITE:
    case JS_ON_HOLD:
    case JS_ESCALATED: return true;
    default: return false;
    }
}

//  True while the job counts against its technician's capacity.
bool job_state_holds_capacity(job_state s)
{
    switch (s) {
    case JS_OFFERED:
    case JS_ASSIGNED:
    case JS_EN_ROUTE:
    case JS_ON_SITE:
    case JS_ON_HOLD: return true;
    default: return false;
    }
}

//  True when name is a known appliance category.
bool category_known(const char *name)
{
    if (!name)
        return false;
    for (size_t i = 0; i < S_COUNT(s_categories); i++)
        if (strcmp(s_categories[i], name) == 0)
            return true;
    return false;
}

//  The appliance catalogue and its length.
const char *const *category_list(size_t *n)
{
    if (n)
        *n = S_COUNT(s_categories);
    return s_categories;
}

//  True for the separators a phone number may contain.
static bool s_phone_separator(char c)
{
    return c == ' ' || c == '-' || c == '(' || c == ')' || c == '/' || c == '.';
}

//  Strips separators from a phone number, keeping a leading '+'.
int phone_normalize(const char *in, char *out, size_t outlen)
{
    if (!in || !out || outlen == 0)
        return -1;
    char buf[17];
    size_t len = 0, digits = 0;
    const char *p = in;
    if (*p == '+')
        buf[len++] = *p++;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (++digits > 15)
                return -1;
            buf[len++] = *p;
        } else if (!s_phone_separator(*p))
            return -1;
    }
    if (digits < 7 || len + 1 > outlen)
        return -1;
    memcpy(out, buf, len);
    out[len] = '\0';
    return 0;
}
