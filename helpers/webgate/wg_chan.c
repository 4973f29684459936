/*
 * One message of the socket pair between the two sides (webgate.h). It is
 * SOCK_SEQPACKET: a message longer than the buffer would be cut silently
 * and the cut text parsed as if whole, so a cut message is refused.
 */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>

#include "webgate.h"

ssize_t wg_chan_recv(int fd, void *buf, size_t cap, int flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(fd, &mh, flags);

	if (n >= 0 && (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}
