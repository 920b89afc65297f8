#ifndef DXEMU_PREFETCH_H
#define DXEMU_PREFETCH_H

/// Asks the CPU to start loading the cache line at `address` (read, keep in all
/// cache levels). A hint only: it never faults and retires at once, so many
/// can be in flight; Swift has no spelling of its own for it.
static inline __attribute__((always_inline)) void dxemu_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
