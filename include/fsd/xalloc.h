/*  xalloc.h — memory for the programs: out of memory is fatal.

    The rule, one for the whole server (and whatever else uses these):
    an allocation that fails logs `event=out_of_memory bytes=N` and aborts.
    A server that cannot get a few bytes cannot finish the batch it is in,
    and a half-done batch handled by a rarely run error path is worse than
    a crash: the database holds only committed batches, so a restart
    resumes from a consistent state (the SQLite and Redis way). These
    functions therefore never return NULL, and callers do not check.

    Not for: allocators handed to libraries that expect NULL on failure
    (server/sodium_heap.c, the SQLite VFS in server/walvfs.c), and sizes
    that come from the network unchecked (bound them first). */
#ifndef FSD_XALLOC_H
#define FSD_XALLOC_H

#include <stddef.h>

void *fsd_xmalloc(size_t size);
void *fsd_xcalloc(size_t n, size_t size);
void *fsd_xrealloc(void *p, size_t size);
char *fsd_xstrdup(const char *s);

#endif
