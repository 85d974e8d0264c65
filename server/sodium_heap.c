/*  sodium_heap.c — libsodium's guarded allocator, replaced by the heap for
    libzmq's CURVE message buffers.

    libzmq 4.3, built with libsodium (as Debian builds it), allocates the
    plaintext of every CURVE message it encrypts or decrypts with
    sodium_allocarray and frees it with sodium_free. That memory is guarded:
    each allocation is an mmap, three mprotects and an mlock, each free an
    munlock and an munmap, whose TLB shootdown interrupts the process's other
    threads. At ~12 messages per request that was ~5 % of the server's CPU.
    The guard protects nothing here: the same plaintext sits in ordinary
    heap messages (zmq_msg_t) before it is encrypted and after it is
    decrypted.

    fsd-server defines the two symbols itself; the dynamic linker binds
    libzmq's calls to the executable's definitions before libsodium's. The
    memory is wiped before it is freed, as sodium_free does. Nothing else in
    the process uses libsodium's allocator: fsd's own keys are plain files
    read into ordinary buffers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *sodium_allocarray(size_t count, size_t size);
void *sodium_malloc(size_t size);
void sodium_free(void *ptr);

/* Each block starts with its size, so the free can wipe it; 16 bytes keep
   the caller's part aligned as malloc's is. */
#define HEADER 16

void *sodium_malloc(size_t size)
{
    if (size > SIZE_MAX - HEADER)
        return NULL;
    unsigned char *base = malloc(HEADER + size);
    if (!base)
        return NULL;
    memcpy(base, &size, sizeof size);
    return base + HEADER;
}

void *sodium_allocarray(size_t count, size_t size)
{
    if (count > 0 && size >= SIZE_MAX / count)
        return NULL;
    return sodium_malloc(count * size);
}

void sodium_free(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *base = (unsigned char *)ptr - HEADER;
    size_t size;
    memcpy(&size, base, sizeof size);
    explicit_bzero(base, HEADER + size);
    free(base);
}
