/*  strmap.c — string-keyed hash map with linear probing and tombstones.
    Rehashes at 70 % load (tombstones included), so probes stay short; the
    new size is set by the live entries alone, so a map that keeps taking
    and dropping keys (open jobs) does not grow with every key it held. */
#include "fsd/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key; /* NULL: empty; TOMB: deleted */
    void *value;
} slot;

struct strmap {
    slot *slots;
    size_t cap, used, live;
};

static char tomb_mark;
#define TOMB (&tomb_mark)

/* FNV-1a, good enough for short ids. */
static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
    return h;
}

strmap *strmap_new(void)
{
    strmap *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cap = 64;
    self->slots = calloc(self->cap, sizeof(slot));
    if (!self->slots) {
        free(self);
        return NULL;
    }
    return self;
}

void strmap_destroy(strmap **self_p)
{
    if (!self_p || !*self_p)
        return;
    strmap *self = *self_p;
    for (size_t i = 0; i < self->cap; i++)
        if (self->slots[i].key && self->slots[i].key != TOMB)
            free(self->slots[i].key);
    free(self->slots);
    free(self);
    *self_p = NULL;
}

/* Index of key's slot, or of the empty slot where it would go. */
static size_t s_find(const strmap *self, const char *key, int *found)
{
    size_t mask = self->cap - 1, i = s_hash(key) & mask, first_tomb = SIZE_MAX;
    for (;;) {
        slot *s = &self->slots[i];
        if (!s->key) {
            *found = 0;
            return first_tomb != SIZE_MAX ? first_tomb : i;
        }
        if (s->key == TOMB) {
            if (first_tomb == SIZE_MAX)
                first_tomb = i;
        } else if (strcmp(s->key, key) == 0) {
            *found = 1;
            return i;
        }
        i = (i + 1) & mask;
    }
}

/* Re-inserts the live entries into a table they fill to under 35 %: twice
   the size when they are many, the same size when tombstones filled it. */
static int s_rehash(strmap *self)
{
    slot *old = self->slots;
    size_t oldcap = self->cap, cap = 64;
    while ((self->live + 1) * 100 >= cap * 35)
        cap *= 2;
    self->slots = calloc(cap, sizeof(slot));
    if (!self->slots) {
        self->slots = old;
        return -1;
    }
    self->cap = cap;
    self->used = self->live = 0;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].key || old[i].key == TOMB)
            continue;
        int found;
        size_t k = s_find(self, old[i].key, &found);
        self->slots[k] = old[i];
        self->used++;
        self->live++;
    }
    free(old);
    return 0;
}

int strmap_put(strmap *self, const char *key, void *value)
{
    if ((self->used + 1) * 10 >= self->cap * 7 && s_rehash(self) < 0)
        return -1;
    int found;
    size_t i = s_find(self, key, &found);
    if (found) {
        self->slots[i].value = value;
        return 0;
    }
    char *copy = strdup(key);
    if (!copy)
        return -1;
    if (self->slots[i].key != TOMB)
        self->used++;
    self->slots[i].key = copy;
    self->slots[i].value = value;
    self->live++;
    return 0;
}

void *strmap_get(const strmap *self, const char *key)
{
    int found;
    size_t i = s_find(self, key, &found);
    return found ? self->slots[i].value : NULL;
}

void *strmap_remove(strmap *self, const char *key)
{
    int found;
    size_t i = s_find(self, key, &found);
    if (!found)
        return NULL;
    void *value = self->slots[i].value;
    free(self->slots[i].key);
    self->slots[i].key = TOMB;
    self->slots[i].value = NULL;
    self->live--;
    return value;
}

size_t strmap_size(const strmap *self)
{
    return self->live;
}

size_t strmap_capacity(const strmap *self)
{
    return self->cap;
}

void strmap_each(const strmap *self, void (*fn)(const char *, void *, void *), void *arg)
{
    for (size_t i = 0; i < self->cap; i++)
        if (self->slots[i].key && self->slots[i].key != TOMB)
            fn(self->slots[i].key, self->slots[i].value, arg);
}
