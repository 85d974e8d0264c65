/*  moves.h — a person's move of a job to a technician, judged by the
    matcher's rules before anything changes (moves.c). */
#ifndef FSD_MOVES_H
#define FSD_MOVES_H

#include "server.h"

/* The verdict on one move: the first rule it breaks (MR_OK: none), the
   error it is refused with, and a sentence naming the technician. */
typedef struct {
    match_rule rule; /* the hard rule broken, else the first soft one */
    unsigned broken; /* 1u << rule for every rule broken */
    Fsd__ErrorCode code;
    char message[900]; /* a sentence per rule broken */
} move_verdict;

/* Judges moving j to t now, by the lifecycle (code invalid_transition,
   rule MR_OK) and then the matcher's rules. 0, or -1 out of memory. */
int moves_judge(call *c, const job *j, const technician *t, move_verdict *v);
/* True when v lets the move go on: nothing broken, or a soft rule with
   override. */
bool moves_allowed(const move_verdict *v, bool override);
/* Answers a check_only request with a MoveCheck of v. */
void moves_answer_check(call *c, const move_verdict *v);
/* Refuses the request with v's error (Error.rule names the rule). */
void moves_refuse(call *c, const move_verdict *v, bool override);
/* " overriding offline, shift (T2 is offline ...)" for the move's event
   when override carried it past soft rules, else "". */
const char *moves_override_note(const move_verdict *v, char *buf, size_t len);
/* Gives j to t (state assigned): takes it back from its previous holder,
   books its window, and pushes Assigned to t's agent. 0, or -1 on a
   storage failure; an invalid transition answers the error. */
int moves_assign(call *c, job *j, technician *t, const char *reason);

#endif
