/*  arena.h — bump allocation for one batch's replies.

    A reply is a tree of protobuf-c structs and strings; building it in an
    arena and dropping the arena after the batch is sent is simpler and
    faster than freeing each node. Allocation failure aborts the process:
    there is no sensible way to answer without memory. */
#ifndef FSD_ARENA_H
#define FSD_ARENA_H

#include <stddef.h>

typedef struct arena arena;

arena *arena_new(void);
void arena_destroy(arena **self_p);
/* Zeroed, 16-byte aligned memory living until arena_reset. */
void *arena_alloc(arena *self, size_t size);
char *arena_strdup(arena *self, const char *s);
char *arena_printf(arena *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees everything allocated since creation (keeps the first block). */
void arena_reset(arena *self);

#endif
