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

/* Answers a check_only request with a MoveCheck of v. */
void moves_answer_check(call *c, const move_verdict *v);
/* What a move request asks of the gate. */
typedef enum {
    MOVE_GO = 0,       /* allowed: make the move */
    MOVE_ANSWERED = 1, /* a check's verdict or a refusal is the answer */
} move_gate_result;

/* Judges moving j to t now, by the lifecycle (code invalid_transition,
   rule MR_OK) and then the matcher's rules, and answers what is not a move to make: with
   check_only the verdict (MoveCheck), else a refusal when a rule stands
   (override passes the soft ones). MOVE_GO, MOVE_ANSWERED, or -1 out of
   memory. v holds the verdict either way. */
int moves_gate(call *c, const job *j, const technician *t, bool check_only, bool override, move_verdict *v);
/* " overriding offline, shift (T2 is offline ...)" for the move's event
   when override carried it past soft rules, else "". */
const char *moves_override_note(const move_verdict *v, char *buf, size_t len);
/* Gives j to t (state assigned): takes it back from its previous holder,
   books its window, and pushes Assigned to t's agent. 0, or -1 on a
   storage failure; an invalid transition answers the error. */
int moves_assign(call *c, job *j, technician *t, const char *reason);

#endif
