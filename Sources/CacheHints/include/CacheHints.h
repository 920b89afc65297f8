// CPU hints for the hot paths: a prefetch of the state a known future
// packet will touch, issued while the current one is handled, and the pause
// of a spin-wait. Swift has neither; both inline into the caller.
#ifndef DXEMU_CACHE_HINTS_H
#define DXEMU_CACHE_HINTS_H

/// Starts loading the cache line at `address` for a coming write.
static inline __attribute__((always_inline)) void dxemu_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

/// Tells the core it is in a spin-wait loop (x86 `pause`): it saves power
/// and leaves the other hyperthread its share while waiting.
static inline __attribute__((always_inline)) void dxemu_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
