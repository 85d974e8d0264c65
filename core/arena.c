/*  arena.c — bump allocator in chained blocks (see include/fsd/arena.h). */
#include "fsd/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} block;

struct arena {
    block *head;
};

#define BLOCK_MIN (64 * 1024)

/* A new block that fits at least size bytes; aborts when memory is out. */
static block *s_block(size_t size)
{
    size_t cap = size > BLOCK_MIN ? size : BLOCK_MIN;
    block *b = malloc(sizeof *b + cap);
    if (!b) {
        fputs("fsd: out of memory\n", stderr);
        abort();
    }
    b->next = NULL;
    b->size = cap;
    b->used = 0;
    return b;
}

arena *arena_new(void)
{
    arena *self = calloc(1, sizeof *self);
    if (self)
        self->head = s_block(BLOCK_MIN);
    return self;
}

void arena_destroy(arena **self_p)
{
    if (!self_p || !*self_p)
        return;
    block *b = (*self_p)->head;
    while (b) {
        block *next = b->next;
        free(b);
        b = next;
    }
    free(*self_p);
    *self_p = NULL;
}

void *arena_alloc(arena *self, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (self->head->used + size > self->head->size) {
        block *b = s_block(size);
        b->next = self->head;
        self->head = b;
    }
    void *p = self->head->data + self->head->used;
    self->head->used += size;
    memset(p, 0, size);
    return p;
}

char *arena_strdup(arena *self, const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *p = arena_alloc(self, n);
    memcpy(p, s ? s : "", n);
    return p;
}

char *arena_printf(arena *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = arena_alloc(self, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_reset(arena *self)
{
    block *b = self->head;
    while (b->next) {
        block *next = b->next;
        free(b);
        b = next;
    }
    b->used = 0;
    self->head = b;
}
