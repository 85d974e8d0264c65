/*  category.h — the catalogue of appliance categories (category.c).

    Categories are data: the built-in fifteen (washing_machine ...
    coffee_machine, with their work durations) until a categories file is
    loaded, then the file's. Each category keeps its index for good (jobs
    and technicians' skills are bits and indexes in memory): the built-in
    ones have 0..14, a new one takes the next free index, and one left out
    of a later file stays in the catalogue, inactive (unknown to new
    requests and technicians, still named by old jobs). At most
    CATEGORY_MAX categories ever (a technician's skills are a 64-bit set).
    The catalogue is process state: the server is single-threaded. */
#ifndef FSD_CATEGORY_H
#define FSD_CATEGORY_H

#include <stdbool.h>
#include <stddef.h>

#define CATEGORY_MAX 64
#define CATEGORY_DEFAULT_MIN 60 /* work on site when nothing says otherwise */

/* Back to the built-in fifteen, all active, with their durations. */
void category_reset(void);

/* Defines (or redefines) category id with its name and minutes of work
   on site, active or not, at `index` (-1: its current one, or the next
   free). Returns the index, or -1 when the catalogue is full, the index
   is taken by another id, or id is empty. */
int category_define(const char *id, const char *name, int duration_min, int index, bool active);

/* Marks every category inactive (before a file defines the active ones). */
void category_deactivate_all(void);

/* True when id is an active category (requests and skills may use it). */
bool category_known(const char *id);

/* Index of id, active or not; -1 when it was never defined. */
int category_index(const char *id);

/* The category's display name ("" when unknown) and minutes of work. */
const char *category_name(const char *id);
int category_duration_min(const char *id);

/* Ids by index (inactive ones included; NULL holes never happen below
   *n); *n receives how many indexes are in use. */
const char *const *category_list(size_t *n);

/* How many categories are active. */
size_t category_active_count(void);

#endif
