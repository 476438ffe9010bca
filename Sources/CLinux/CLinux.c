// _GNU_SOURCE is set here, in this file alone (see CLinux.h).
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/prctl.h>
#include "CLinux.h"

int CLinux_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) { return accept4(fd, address, length, flags); }

void CLinux_name_this_thread(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }
