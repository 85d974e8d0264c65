/*  world.h — the world in memory: reference data, technicians, open jobs (world.c). */
#ifndef FSD_WORLD_H
#define FSD_WORLD_H

#include "server.h"

/* world.c */
int world_load_reference(server *srv, char *err, size_t errlen);
int world_load_jobs(server *srv);
void world_free(server *srv);
territory *world_territory(server *srv, const char *id);
int world_territory_at(server *srv, geo_point p);
technician *world_tech(server *srv, const char *id);
int world_category(const char *name);
bool world_tech_covers(const technician *t, int territory);
/* Whether t covers territory `terr` (*own) or one of its neighbours. */
bool world_tech_reaches(server *srv, const technician *t, int terr, bool *own);
/* Lowest recent-jobs count over the fleet (recent only grows, so an old
   floor stays a lower bound; refreshed by the timers and on reload). */
void world_recent_floor(server *srv);
/* Tells the grid how much t's load and recent jobs add to its score, in
   km of travel (never within reach while offline or full); called after
   every change of t's online, load or recent. The grid's ring search then
   passes over technicians who cannot beat the best found so far. */
void world_tech_weigh(server *srv, const technician *t);
void world_weigh_all(server *srv);
bool world_provider_authorised(const provider *p, const char *brand);
bool world_tech_in_shift(server *srv, const technician *t, int territory, int64_t now);
job *world_job(server *srv, const char *id);
void world_job_free(job *j);
void world_recount_load(server *srv);
const char *world_actor_name(const principal *who);

#endif
