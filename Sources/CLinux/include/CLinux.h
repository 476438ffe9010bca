#ifndef CLINUX_H
#define CLINUX_H
// Linux interfaces Swift's Glibc module does not expose.
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/tcp.h>
#include <signal.h>

// accept4 is declared only under _GNU_SOURCE, which would change how system headers look to
// this module and clash with other modules' view of them; CLinux.c defines it privately.
int CLinux_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
// Names the calling thread (up to 15 bytes are kept) for top -H, perf and debuggers; prctl is
// variadic, which Swift cannot call.
void CLinux_name_this_thread(const char *name);
#endif
