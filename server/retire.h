/*  retire.h — retiring technicians, providers and territories (retire.c).

    A retired row stays in the store and in the world (jobs, history and
    reports still name it) with retired_at set; it takes no new work. */
#ifndef FSD_RETIRE_H
#define FSD_RETIRE_H

#include "server.h"

/* Retires t now: its row is stored retired, it leaves matching at once,
   and its open jobs go back to matching through job_move (a job the
   lifecycle will not move, such as one on site, stays and is listed in
   out->kept). 0, or -1 when the store failed. */
int retire_technician(call *c, technician *t, const char *reason, Fsd__Retired *out);

/* Why the provider or territory cannot be retired now (active
   technicians or providers still use it) into why; false when it can. */
bool retire_provider_in_use(server *srv, const provider *p, char *why, size_t len);
bool retire_territory_in_use(server *srv, const territory *t, char *why, size_t len);

/* Retires a provider or territory that is not in use (a territory's open
   jobs stay in it and are listed in out->kept). 0 or -1. */
int retire_provider(call *c, provider *p, Fsd__Retired *out);
int retire_territory(call *c, territory *t, Fsd__Retired *out);

/* The Retire verb (admin). */
int retire_answer(call *c);

#endif
