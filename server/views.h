/*  views.h — the store's plain rows as the wire's messages (care rows and
    the access log), and a technician's view, built in the arena for a reply. */
#ifndef FSD_VIEWS_H
#define FSD_VIEWS_H

#include "fsd.pb-c.h"
#include "store.h"

Fsd__GoodwillGrant *views_goodwill(arena *a, const store_goodwill *g);
/* n rows as an arena array of n messages. */
Fsd__FeeWaiver **views_waivers(arena *a, const store_waiver *rows, size_t n);
/* A follow-up under its printed id (F000012). */
Fsd__FollowUp *views_followup(arena *a, const store_followup *f);
Fsd__FollowUp **views_followups(arena *a, const store_followup *rows, size_t n);
Fsd__AccessRow **views_access_rows(arena *a, const store_access_row *rows, size_t n);

typedef struct server server;
typedef struct technician technician;
/* A technician as the board, lists and live events show it (strings
   shared with its row). */
Fsd__TechnicianView *views_technician(server *srv, arena *a, const technician *t, int64_t now);

#endif
