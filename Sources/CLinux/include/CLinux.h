#ifndef CLINUX_H
#define CLINUX_H
// Linux interfaces Swift's Glibc module does not expose.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/tcp.h>
#include <signal.h>

static inline int CLinux_accept4(int fd, int flags) { return accept4(fd, 0, 0, flags); }
#endif
