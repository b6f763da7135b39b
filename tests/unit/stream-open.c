// SPDX-License-Identifier: MIT
/* Stream open errors that need no video device; fds are not leaked and
 * borrowed fds stay the caller's. */
#include <errno.h>
#include <fcntl.h>

#include "fake.h"
#include "test.h"

int main(void)
{
	struct p2pbuf_stream *s = (void *)1;
	int fds_before = count_fds();
	int fd;

	CHECK_EQ(p2pbuf_stream_open("/nonexistent/video0", 0, &s), -ENOENT);
	CHECK(s == NULL);
	CHECK_EQ(p2pbuf_stream_open("/dev/null", 0, &s), -ENOTTY);
	CHECK_EQ(p2pbuf_stream_open("/dev/null", 0x80, &s), -EINVAL);
	CHECK_EQ(p2pbuf_stream_open(NULL, 0, &s), -EINVAL);
	CHECK_EQ(p2pbuf_stream_open_fd(-1, 0, &s), -EBADF);

	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK_EQ(p2pbuf_stream_open_fd(fd, 0, &s), -ENOTTY);
	/* Borrowed: still open. */
	CHECK(fcntl(fd, F_GETFD) >= 0);
	close(fd);

	CHECK_EQ(count_fds(), fds_before);
	CHECK_STR(p2pbuf_stream_error(NULL), "");
	p2pbuf_stream_close(NULL);
	return T_RESULT();
}
