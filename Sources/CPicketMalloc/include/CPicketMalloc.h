// Picket's memory policy. Linking this target sets the malloc policy before main (malloc_policy.c).
#ifndef C_PICKET_MALLOC_H
#define C_PICKET_MALLOC_H

typedef struct {
    long resident_before_kib;
    long resident_after_kib;
    int code_mappings;
} picket_released_memory;

/// Drops the process's clean code pages from its page tables (they come back from the page cache as they
/// are used) and returns free heap pages to the system. Meant once, after start-up: what start-up ran
/// (config parsing, the first render, nginx's config scan) is most of the code resident, and the steady
/// state uses a few MiB of it. Resident memory in KiB before and after; -1 where it could not be read.
picket_released_memory picket_release_startup_pages(void);

/// Returns the heap's free pages to the system (malloc_trim): after a burst's buffers are let go, the
/// holes they leave in the heap are not returned on their own.
void picket_return_free_heap(void);

#endif
