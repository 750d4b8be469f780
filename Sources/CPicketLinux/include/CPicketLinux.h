// The Linux interfaces PicketProbes' event loop needs that Swift's Glibc module leaves out.
#ifndef C_PICKET_LINUX_H
#define C_PICKET_LINUX_H

#include <sys/epoll.h>
#include <sys/eventfd.h>

/// Names the calling thread (as `top -H` and debuggers show it); at most 15 characters are kept.
void c_picket_name_thread(const char *name);

#endif
