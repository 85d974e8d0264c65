/*  privacy.h — scopes, intake desks, the access log, erasure (privacy.c). */
#ifndef FSD_PRIVACY_H
#define FSD_PRIVACY_H

#include "server.h"

/* privacy.c — scopes, intake desks, the access log, erasure */
/* Reads the principals' scopes (after the principals and providers). */
int privacy_load_scopes(server *srv);
void privacy_principal_free(principal *p);
/* Whether who's scope covers a job in territory `territory` held or
   offered by technician_id of provider_id ("" when none). */
bool privacy_in_scope(server *srv, const principal *who, const char *terr, const char *provider_id,
                      const char *technician_id);
bool privacy_tech_in_scope(server *srv, const principal *who, const technician *t);
bool privacy_territory_in_scope(const principal *who, const char *terr);
/* The filter of job lists for who (intake: its own; scoped: its scope). */
void privacy_list_scope(const principal *who, store_scope *out);
/* Before a handler: a request naming a job outside what who may see is
   answered not_found. 0 go on, 1 answered, -1 storage failure. */
int privacy_gate(call *c);
/* After a handler: drops what is outside who's scope from the reply and
   writes the access-log row of a reply showing personal data. */
int privacy_after(call *c);
/* The access log's rows waiting for a commit: how many are not yet written
   in the open transaction; write them into it; after the commit (true) or
   the rollback (false), drop the written ones or keep them waiting. */
size_t privacy_access_pending(void);
int privacy_access_write(server *srv);
void privacy_access_settled(bool committed);
/* The scope fields of an AddPrincipal: checked before (0 fine, 1
   refused), stored after store_put_principal (0, -1). */
int privacy_principal_scope(call *c, const Fsd__AddPrincipal *r);
int privacy_principal_store(call *c, const Fsd__AddPrincipal *r);

#endif
