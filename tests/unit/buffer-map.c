// SPDX-License-Identifier: MIT
/* Buffer handles: size, fd ownership, cached mapping with paired
 * map/unmap; import refuses what is not a dma-buf. */
#include <errno.h>
#include <fcntl.h>

#include "fake.h"
#include "test.h"

int main(void)
{
	struct fake f = { 0 };
	struct p2pbuf_provider *prov = fake_provider(&f);
	struct p2pbuf_buffer *buf = NULL, *imp = (void *)1;
	void *a = NULL, *b = NULL;
	int fds_before, fd, dfd;

	if (!prov)
		return T_FAIL;
	fds_before = count_fds();

	CHECK_EQ(p2pbuf_alloc(prov, 0, 0, &buf), -EINVAL);
	CHECK_EQ(p2pbuf_alloc(prov, 4096, 2, &buf), -EINVAL);
	CHECK_EQ(p2pbuf_alloc(prov, 10000, 0, &buf), 0);
	if (!buf)
		return T_FAIL;
	/* Size comes from the fd (lseek SEEK_END), not the request. */
	CHECK_EQ(p2pbuf_buffer_size(buf), 10000);
	fd = p2pbuf_buffer_fd(buf);
	CHECK(fd >= 3);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);

	dfd = p2pbuf_buffer_dup_fd(buf);
	CHECK(dfd >= 0 && dfd != fd);
	CHECK(fcntl(dfd, F_GETFD) & FD_CLOEXEC);
	close(dfd);

	CHECK_EQ(p2pbuf_buffer_unmap(buf), -EINVAL);
	CHECK_EQ(p2pbuf_buffer_map(buf, 0, &a), -EINVAL);
	CHECK_EQ(p2pbuf_buffer_map(buf, 4, &a), -EINVAL);
	CHECK_EQ(p2pbuf_buffer_map(buf, P2PBUF_MAP_WRITE, &a), 0);
	CHECK(a != NULL);
	CHECK_EQ(p2pbuf_buffer_map(buf, P2PBUF_MAP_READ, &b), -EBUSY);
	if (a)
		memset(a, 0x5a, 10000);
	CHECK_EQ(p2pbuf_buffer_unmap(buf), 0);
	CHECK_EQ(p2pbuf_buffer_unmap(buf), -EINVAL);
	/* Cached: same address again, data still there. */
	CHECK_EQ(p2pbuf_buffer_map(buf, P2PBUF_MAP_READ, &b), 0);
	CHECK(a == b);
	if (b)
		CHECK_EQ(((unsigned char *)b)[9999], 0x5a);
	/* Freed while mapped: unmapped and closed without complaint. */
	p2pbuf_buffer_free(buf);
	CHECK(fcntl(fd, F_GETFD) < 0);

	/* Import: only dma-bufs; a memfd is not one. */
	fd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	CHECK_EQ(p2pbuf_buffer_import(fd, 0, &imp), -EINVAL);
	CHECK(imp == NULL);
	close(fd);
	CHECK_EQ(p2pbuf_buffer_import(fd, 0, &imp), -EBADF);
	CHECK_EQ(p2pbuf_buffer_import(0, 1, &imp), -EINVAL);

	/* Info needs the module (or a p2pbuf buffer): never success here. */
	{
		struct p2pbuf_buffer_desc d;

		CHECK_EQ(p2pbuf_fd_info(-1, &d, NULL, 0), -EBADF);
	}

	/* A provider that cannot allocate (what "fd:N" opens). */
	{
		struct p2pbuf_provider *noalloc;

		CHECK_EQ(p2pbuf__provider_new(P2PBUF_SPEC_FD, -1, "fd:9", NULL, &noalloc), 0);
		buf = (void *)1;
		CHECK_EQ(p2pbuf_alloc(noalloc, 4096, 0, &buf), -EOPNOTSUPP);
		CHECK(buf == NULL);
		p2pbuf_provider_close(noalloc);
	}

	CHECK_EQ(count_fds(), fds_before);
	p2pbuf_buffer_free(NULL);
	p2pbuf_provider_close(prov);
	return T_RESULT();
}
