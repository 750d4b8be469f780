// One malloc arena for the whole process, set before main so that no thread gets an arena of its own
// first. glibc otherwise gives each thread that allocates its own arena (up to 8 per core), and each
// keeps what it once held: with the probe engine, the control loop, the state writer and NIO all
// allocating, that cost ~7 MiB of RSS at 5,000 backends. Small allocations come from per-thread caches
// either way. (MALLOC_ARENA_MAX=1 in the environment does the same, but only if set by whoever starts
// Picket.)
#include <malloc.h>

__attribute__((constructor)) static void picket_one_malloc_arena(void) {
    mallopt(M_ARENA_MAX, 1);
}
