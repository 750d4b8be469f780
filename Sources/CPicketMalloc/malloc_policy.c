// Picket's malloc policy, set before main.
//
// One arena for the whole process, so that no thread gets an arena of its own first. glibc otherwise
// gives each thread that allocates its own arena (up to 8 per core), and each keeps what it once held:
// with the probe engine, the control loop, the state writer and NIO all allocating, that cost ~7 MiB of
// RSS at 5,000 backends. Small allocations come from per-thread caches either way.
//
// A fixed mmap threshold (glibc's initial 128 KiB), so that large short-lived blocks (a minute's rollup
// sketches, the first round's effects, a status document for thousands of backends) are mapped and
// returned whole. By default glibc raises the threshold to the size of each mapped block freed, up to
// 32 MiB, and with it the trim threshold: after start-up those blocks were carved from the heap, and the
// holes they left could not be returned (8 MiB of 21 MiB free at 5,000 backends). Setting it also keeps
// the trim threshold where it is set here.
//
// MALLOC_ARENA_MAX / MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ in the environment do the same, but
// only if set by whoever starts Picket.
#include <malloc.h>

__attribute__((constructor)) static void picket_malloc_policy(void) {
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
}
