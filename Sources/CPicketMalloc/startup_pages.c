// Gives back the memory start-up left resident: the code pages it touched once, and the heap it freed.
#define _GNU_SOURCE
#include "CPicketMalloc.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void picket_return_free_heap(void) {
    malloc_trim(0);
}

static long resident_kib(void) {
    long pages = 0, resident = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (!statm) return -1;
    if (fscanf(statm, "%ld %ld", &pages, &resident) != 2) resident = -1;
    fclose(statm);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// Code mappings (r-xp) of files whose pages are all still the file's (no private copy: "Anonymous: 0"):
// dropping them loses nothing, and a page used again is mapped back from the page cache. Writable and
// relocated mappings are never touched.
picket_released_memory picket_release_startup_pages(void) {
    picket_released_memory result = { .resident_before_kib = resident_kib(), .resident_after_kib = -1, .code_mappings = 0 };
    enum { most = 1024 };
    unsigned long starts[most], ends[most];
    int count = 0;
    FILE *smaps = fopen("/proc/self/smaps", "r");
    if (smaps) {
        char line[1024], perms[8] = "", path[16] = "";
        unsigned long start = 0, end = 0;
        long anonymous;
        while (fgets(line, sizeof line, smaps)) {
            unsigned long a, b;
            char p[8], name[16] = "";
            if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %15s", &a, &b, p, name) >= 3 && strlen(p) == 4) {
                start = a; end = b;
                strcpy(perms, p);
                strcpy(path, name);
            } else if (sscanf(line, "Anonymous: %ld kB", &anonymous) == 1) {
                if (strcmp(perms, "r-xp") == 0 && path[0] == '/' && anonymous == 0 && count < most) {
                    starts[count] = start;
                    ends[count] = end;
                    count++;
                }
            }
        }
        fclose(smaps);
    }
    for (int i = 0; i < count; i++) {
        if (madvise((void *)starts[i], ends[i] - starts[i], MADV_DONTNEED) == 0) result.code_mappings++;
    }
    picket_return_free_heap();
    result.resident_after_kib = resident_kib();
    return result;
}
