// Cache hints for the per-packet paths: a prefetch of the state a known
// future packet will touch, issued while the current one is handled. Swift
// has no prefetch of its own; this inlines into the caller.
#ifndef DXEMU_CACHE_HINTS_H
#define DXEMU_CACHE_HINTS_H

/// Starts loading the cache line at `address` for a coming write.
static inline __attribute__((always_inline)) void dxemu_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
