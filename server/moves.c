/*  moves.c — a person's move of a job to a technician: a dispatcher's
    reassignment, and a company's assignment of a job it accepted.

    The move is judged by the matcher's own rules (dispatch_judge_one:
    territory with neighbours, skill, warranty authorisation, declined,
    offline, shift, capacity, window) before anything changes, and the
    first rule it breaks is named. Skill and warranty authorisation are
    hard (match_rule_is_hard): no one may break them. The others are the
    dispatcher's call: a move past one is refused unless it says
    `override`, and then the job's history records the rules it broke, the
    reason and who. Capacity and window are hard as well: a technician's
    day is full until another job leaves it (those two keep the capacity
    error code older clients know). Every rule broken is named, the
    decisive one in Error.rule: a hard one when there is one, so a check
    never calls a move overridable that an override could not make. */
#include "moves.h"

#include "dispatch.h"
#include "jobs.h"
#include "jobview.h"
#include "session.h"
#include "windows.h"
#include "world.h"

#include <stdio.h>
#include <string.h>
#include "fsd/lifecycle.h"
#include "fsd/wire.h"

/* The refusal code of a broken rule. */
static Fsd__ErrorCode s_code(match_rule r)
{
    if (r == MR_CAPACITY || r == MR_WINDOW)
        return FSD__ERROR_CODE__ERR_CAPACITY;
    if (match_rule_is_hard(r))
        return FSD__ERROR_CODE__ERR_RULE_BROKEN;
    return FSD__ERROR_CODE__ERR_OVERRIDE_NEEDED;
}

/* The sentence for rule r broken by t for j. */
static void s_sentence(call *c, const job *j, const technician *t, match_rule r, const dispatch_judgement *d,
                       char *buf, size_t len)
{
    const char *id = t->row->id;
    const char *terr = j->territory >= 0 ? c->srv->territories[j->territory].row->id : "?";
    uint32_t load = t->load - (j->tech == t && job_state_holds_capacity(j->state) && t->load > 0);
    char text[160];
    switch (r) {
    case MR_TERRITORY:
        snprintf(buf, len, "%s covers neither territory %s nor a neighbouring one", id, terr);
        break;
    case MR_SKILL: snprintf(buf, len, "%s lacks the skill for this appliance", id); break;
    case MR_WARRANTY:
        snprintf(buf, len, "%s's provider is not authorised for %s warranty work", id, j->brand);
        break;
    case MR_DECLINED: snprintf(buf, len, "%s declined this job before (or let its offer expire)", id); break;
    case MR_OFFLINE: snprintf(buf, len, "%s is offline (not connected)", id); break;
    case MR_SHIFT:
        if (d->shift_detail[0])
            snprintf(buf, len, "%s is not in shift: %s", id, d->shift_detail);
        else
            snprintf(buf, len, "%s is not in shift at the job's local time", id);
        break;
    case MR_CAPACITY:
        snprintf(buf, len, "%s is at capacity (%u of %u jobs)", id, load, t->row->capacity);
        break;
    case MR_WINDOW:
        snprintf(buf, len, "%s has no room in the window %s: %s", id,
                 windows_text(c->srv, j, text, sizeof text), d->window_detail);
        break;
    default: snprintf(buf, len, "%s may take the job", id); break;
    }
}

static int s_judge(call *c, const job *j, const technician *t, move_verdict *v)
{
    memset(v, 0, sizeof *v);
    const char *why;
    lifecycle_actor actor = lifecycle_actor_of(c->who->role);
    if (lifecycle_check(j->state, JS_ASSIGNED, actor, &why) < 0) {
        v->code = FSD__ERROR_CODE__ERR_INVALID_TRANSITION;
        snprintf(v->message, sizeof v->message, "%s", why);
        return 0;
    }
    dispatch_judgement d;
    if (dispatch_judge_one(c->srv, j, t, wire_now_ms(), &d) < 0)
        return -1;
    v->rule = d.rule;
    v->broken = d.broken;
    v->code = d.rule == MR_OK ? FSD__ERROR_CODE__ERR_NONE : s_code(d.rule);
    if (d.rule == MR_OK) {
        s_sentence(c, j, t, MR_OK, &d, v->message, sizeof v->message);
        return 0;
    }
    /* the decisive rule first, then the others broken */
    size_t used = 0;
    char one[400];
    s_sentence(c, j, t, d.rule, &d, one, sizeof one);
    used += (size_t)snprintf(v->message, sizeof v->message, "%s", one);
    for (int r = MR_OK + 1; r < MR_COUNT_ && used < sizeof v->message; r++)
        if ((d.broken & (1u << r)) && r != (int)d.rule) {
            s_sentence(c, j, t, (match_rule)r, &d, one, sizeof one);
            used += (size_t)snprintf(v->message + used, sizeof v->message - used, "; %s", one);
        }
    return 0;
}

static bool s_allowed(const move_verdict *v, bool override)
{
    if (v->code == FSD__ERROR_CODE__ERR_NONE)
        return true;
    return override && v->rule != MR_OK && !match_rule_is_hard(v->rule);
}

void moves_answer_check(call *c, const move_verdict *v)
{
    Fsd__MoveCheck *m = arena_alloc(c->a, sizeof *m);
    fsd__move_check__init(m);
    m->ok = v->code == FSD__ERROR_CODE__ERR_NONE;
    m->rule = (char *)match_rule_name(v->rule);
    m->message = arena_strdup(c->a, v->message);
    m->field = m->ok ? "" : v->rule == MR_OK ? "job_id" : "technician_id";
    m->code = v->code;
    m->overridable = !m->ok && v->rule != MR_OK && !match_rule_is_hard(v->rule);
    c->reply->body_case = FSD__ENVELOPE__BODY_MOVE_CHECK;
    c->reply->move_check = m;
}

static void s_refuse(call *c, const move_verdict *v, bool override)
{
    if (v->rule == MR_OK) {
        call_error(c, v->code, "job_id", "%s", v->message);
        return;
    }
    const char *how = match_rule_is_hard(v->rule) ? " (a rule no override can break)"
                      : override                  ? ""
                                                  : " (override with a reason to move it anyway)";
    call_error(c, v->code, "technician_id", "%s%s", v->message, how);
    c->reply->error->rule = (char *)match_rule_name(v->rule);
}

const char *moves_override_note(const move_verdict *v, char *buf, size_t len)
{
    if (v->rule == MR_OK || v->code == FSD__ERROR_CODE__ERR_NONE) {
        buf[0] = '\0';
        return buf;
    }
    size_t used = (size_t)snprintf(buf, len, " overriding");
    const char *sep = " ";
    for (int r = MR_OK + 1; r < MR_COUNT_ && used < len; r++)
        if (v->broken & (1u << r)) {
            used += (size_t)snprintf(buf + used, len - used, "%s%s", sep, match_rule_name((match_rule)r));
            sep = ", ";
        }
    if (used < len)
        snprintf(buf + used, len - used, " (%s)", v->message);
    return buf;
}

int moves_assign(call *c, job *j, technician *t, const char *reason)
{
    bool was_booked = j->tech == t && j->state >= JS_ASSIGNED && j->state <= JS_ON_HOLD;
    technician *old = job_state_holds_capacity(j->state) ? j->tech : NULL;
    const char *why;
    int rc = job_move(c->srv, j, JS_ASSIGNED, c->who, t, reason, &why);
    if (rc != 0) {
        if (rc < 0)
            return -1;
        call_error(c, FSD__ERROR_CODE__ERR_INVALID_TRANSITION, "job_id", "%s", why);
        return 0;
    }
    if (old && old != t && dispatch_revoke(c->srv, old, j, FSD__REVOKE_REASON__REVOKE_REASSIGNED, reason) < 0)
        return -1;
    if (!was_booked && windows_booked(c->srv, j, c->who) < 0)
        return -1;
    Fsd__JobView *v;
    if (jobview_open(c->srv, c->a, j, &v) < 0)
        return -1;
    char id[33];
    Fsd__Envelope env;
    wire_envelope_init(&env, id);
    Fsd__Assigned as = FSD__ASSIGNED__INIT;
    as.job = v;
    as.by = c->who->name;
    as.reason = (char *)reason;
    env.body_case = FSD__ENVELOPE__BODY_ASSIGNED;
    env.assigned = &as;
    return session_push(c->srv, t, &env);
}

int moves_gate(call *c, const job *j, const technician *t, bool check_only, bool override, move_verdict *v)
{
    if (s_judge(c, j, t, v) < 0)
        return -1;
    if (check_only) {
        moves_answer_check(c, v);
        return MOVE_ANSWERED;
    }
    if (!s_allowed(v, override)) {
        s_refuse(c, v, override);
        return MOVE_ANSWERED;
    }
    return MOVE_GO;
}
