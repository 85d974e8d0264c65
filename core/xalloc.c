/*  xalloc.c — allocation that aborts when memory is out (fsd/xalloc.h). */
#include "fsd/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include "fsd/log.h"

static void s_out_of_memory(size_t size)
{
    log_error("out_of_memory", "bytes=%zu", size);
    abort();
}

void *fsd_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        s_out_of_memory(size);
    return p;
}

void *fsd_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        s_out_of_memory(n * size);
    return p;
}

void *fsd_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        s_out_of_memory(size);
    return q;
}

char *fsd_xstrdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *p = fsd_xmalloc(len);
    memcpy(p, s, len);
    return p;
}
