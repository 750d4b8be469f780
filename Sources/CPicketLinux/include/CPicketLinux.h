// The Linux interfaces PicketProbes' event loop needs that Swift's Glibc module leaves out.
#ifndef C_PICKET_LINUX_H
#define C_PICKET_LINUX_H

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/types.h>

/// Names the calling thread (as `top -H` and debuggers show it); at most 15 characters are kept.
void c_picket_name_thread(const char *name);

/// Asks the kernel to stamp every segment `fd` receives with the time it arrived (SO_TIMESTAMPNS);
/// 0, or -1 with errno set.
int c_picket_stamp_arrivals(int fd);

/// `recv`, and the arrival time of the last segment read (CLOCK_REALTIME nanoseconds) in `*arrived`
/// when the kernel stamped it; `*arrived` is left as it is otherwise.
ssize_t c_picket_recv_stamped(int fd, void *buffer, size_t length, int64_t *arrived);

#endif
