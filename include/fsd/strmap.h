/*  strmap.h — a string-keyed hash map of pointers (open addressing).

    Keys are copied; values are the caller's. Lookups of ids (jobs,
    technicians, principals) on the server's hot path go through here. */
#ifndef FSD_STRMAP_H
#define FSD_STRMAP_H

#include <stddef.h>

typedef struct strmap strmap;

strmap *strmap_new(void);
void strmap_destroy(strmap **self_p);
/* Inserts or replaces. 0, or -1 when out of memory. */
int strmap_put(strmap *self, const char *key, void *value);
void *strmap_get(const strmap *self, const char *key);
/* Removes and returns the value (NULL when absent). */
void *strmap_remove(strmap *self, const char *key);
size_t strmap_size(const strmap *self);
/* Slots allocated (for tests: it follows the live entries, not the churn). */
size_t strmap_capacity(const strmap *self);
/* Calls fn for every entry (order unspecified); do not modify the map inside. */
void strmap_each(const strmap *self, void (*fn)(const char *key, void *value, void *arg), void *arg);

#endif
