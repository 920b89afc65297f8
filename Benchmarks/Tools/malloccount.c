/* Counts malloc, calloc, realloc and posix_memalign calls of a process and
 * prints "MALLOCS n" on stderr at exit. Used with LD_PRELOAD by
 * `make bench-allocs` to show that dxemu's per-packet path allocates
 * nothing: the count must not grow with the number of packets.
 * (ordo-one/benchmark's malloc counter reads 0 on this machine.) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
static atomic_ulong count;
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static char boot[4096]; static size_t bootused;
void *malloc(size_t n) { if (!real_malloc) real_malloc = dlsym(RTLD_NEXT, "malloc"); atomic_fetch_add(&count, 1); return real_malloc(n); }
void *calloc(size_t a, size_t b) {
  if (!real_calloc) { if (bootused + a*b > sizeof boot) return NULL; void *p = boot + bootused; bootused += (a*b + 15) & ~15; real_calloc = dlsym(RTLD_NEXT, "calloc"); return p; }
  atomic_fetch_add(&count, 1); return real_calloc(a, b); }
void *realloc(void *p, size_t n) { if (!real_realloc) real_realloc = dlsym(RTLD_NEXT, "realloc"); atomic_fetch_add(&count, 1); return real_realloc(p, n); }
int posix_memalign(void **p, size_t a, size_t n) { if (!real_posix_memalign) real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign"); atomic_fetch_add(&count, 1); return real_posix_memalign(p, a, n); }
void free(void *p) { static void (*real_free)(void *); if ((char*)p >= boot && (char*)p < boot + sizeof boot) return; if (!real_free) real_free = dlsym(RTLD_NEXT, "free"); real_free(p); }
__attribute__((destructor)) static void report(void) { char b[64]; int n = snprintf(b, sizeof b, "MALLOCS %lu\n", (unsigned long)count); write(2, b, n); }
