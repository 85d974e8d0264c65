/*  jobnew.h — job creation, the one path every new job takes. */
#ifndef FSD_JOBNEW_H
#define FSD_JOBNEW_H

#include "server.h"

/* Makes the job c's SubmitRequest asks for: 0 made (*out, stored and
   matched), 1 refused (the error in c->reply), -1 storage failure. */
int jobnew_submit(call *c, job **out);

#endif
