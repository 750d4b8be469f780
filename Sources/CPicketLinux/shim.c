#define _GNU_SOURCE
#include <pthread.h>
#include "CPicketLinux.h"

void c_picket_name_thread(const char *name) {
    pthread_setname_np(pthread_self(), name);
}
