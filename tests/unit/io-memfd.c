// SPDX-License-Identifier: MIT
/*
 * p2pbuf_io_write/_read end to end with host-memory buffers ("memfd"
 * provider) and a scratch file in the current directory: the direct path
 * ("host") and the bounce path move the same bytes; misaligned requests
 * are refused with a reason; padding writes zeros; p2pbuf_copy copies.
 * Skips where the file system has no O_DIRECT.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "io-private.h"
#include "test.h"

#define SZ	(3u << 20)	/* three requests */

static void fill(struct p2pbuf_buffer *b, unsigned int seed)
{
	unsigned char *p;
	uint64_t i;

	if (p2pbuf_buffer_map(b, P2PBUF_MAP_WRITE, (void **)&p))
		return;
	for (i = 0; i < p2pbuf_buffer_size(b); i++)
		p[i] = (unsigned char)(i * 7 + seed + (i >> 12));
	p2pbuf_buffer_unmap(b);
}

static int same(struct p2pbuf_buffer *a, uint64_t ao, struct p2pbuf_buffer *b,
		uint64_t bo, uint64_t n)
{
	void *pa, *pb;
	int r;

	if (p2pbuf_buffer_map(a, P2PBUF_MAP_READ, &pa))
		return 0;
	if (p2pbuf_buffer_map(b, P2PBUF_MAP_READ, &pb)) {
		p2pbuf_buffer_unmap(a);
		return 0;
	}
	r = !memcmp((char *)pa + ao, (char *)pb + bo, n);
	p2pbuf_buffer_unmap(a);
	p2pbuf_buffer_unmap(b);
	return r;
}

int main(void)
{
	char path[] = "p2pbuf-io-test.XXXXXX";
	struct p2pbuf_provider *prov;
	struct p2pbuf_buffer *src, *dst;
	struct p2pbuf_io *io;
	struct p2pbuf_io_result r;
	struct p2pbuf_io_stats st;
	struct p2pbuf_copy_result cr;
	unsigned char blk[4096], *p;
	int fd, ret;

	fd = mkstemp(path);
	if (fd < 0)
		return T_SKIP;
	close(fd);
	ret = p2pbuf_io_open(path, P2PBUF_IO_READ | P2PBUF_IO_WRITE | P2PBUF_IO_TRUNCATE, &io);
	if (ret == -EINVAL) {
		unlink(path);
		printf("no O_DIRECT on this file system: skip\n");
		return T_SKIP;
	}
	CHECK_EQ(ret, 0);
	if (ret) {
		unlink(path);
		return T_FAIL;
	}
	CHECK_EQ(p2pbuf_io_stats(io, &st), 0);
	CHECK(st.align >= 1 && st.align <= 65536);
	CHECK_EQ(st.direct, 1);

	CHECK_EQ(p2pbuf_provider_open("memfd", &prov), 0);
	CHECK_EQ(p2pbuf_alloc(prov, SZ, 0, &src), 0);
	CHECK_EQ(p2pbuf_alloc(prov, SZ, 0, &dst), 0);
	fill(src, 1);
	fill(dst, 2);

	/* Direct from host memory: path "host", every byte, several requests. */
	CHECK_EQ(p2pbuf_io_write(io, src, 0, SZ, 0, &r), 0);
	CHECK_EQ(r.path, P2PBUF_IO_PATH_HOST);
	CHECK_EQ(r.bytes, SZ);
	CHECK(r.requests >= 3);
	CHECK_EQ(p2pbuf_io_read(io, dst, 0, SZ, 0, &r), 0);
	CHECK_EQ(r.bytes, SZ);
	CHECK(same(src, 0, dst, 0, SZ));

	/* A read past the end of the file is refused up front. */
	CHECK_EQ(p2pbuf_io_read(io, dst, 0, 8192, SZ - 4096, &r), -EINVAL);
	CHECK(strstr(p2pbuf_io_error(io), "past the end"));

	/* Misaligned: -EINVAL with the reason. */
	CHECK_EQ(p2pbuf_io_write(io, src, 0, 1000, 0, &r), -EINVAL);
	CHECK(strstr(p2pbuf_io_error(io), "length 1000"));
	CHECK_EQ(r.bytes, 0);
	CHECK_EQ(p2pbuf_io_write(io, src, st.align, st.align, 1, &r),
		 st.align > 1 ? -EINVAL : 0);
	CHECK_EQ(p2pbuf_io_sync(io), 0);
	CHECK_EQ(p2pbuf_io_close(io), 0);

	/* Bounce mode: same bytes, path "bounce"; padding writes zeros. */
	CHECK_EQ(p2pbuf_io_open(path, P2PBUF_IO_READ | P2PBUF_IO_WRITE | P2PBUF_IO_BOUNCE |
				P2PBUF_IO_PAD | P2PBUF_IO_SYNC, &io), 0);
	fill(src, 3);
	CHECK_EQ(p2pbuf_io_write(io, src, 0, SZ, 0, &r), 0);
	CHECK_EQ(r.path, P2PBUF_IO_PATH_BOUNCE);
	fill(dst, 4);
	CHECK_EQ(p2pbuf_io_read(io, dst, 0, SZ, 0, &r), 0);
	CHECK_EQ(r.path, P2PBUF_IO_PATH_BOUNCE);
	CHECK(same(src, 0, dst, 0, SZ));
	CHECK_EQ(p2pbuf_io_write(io, src, 0, 100, 0, &r), 0);
	CHECK_EQ(r.bytes, 100);
	CHECK_EQ(r.padded, st.align - 100);
	CHECK_EQ(p2pbuf_io_stats(io, &st), 0);
	CHECK_EQ(st.bounce_bytes, 2ull * SZ + 100);
	CHECK_EQ(p2pbuf_io_close(io), 0);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && pread(fd, blk, sizeof(blk), 0) == (ssize_t)sizeof(blk));
	close(fd);
	CHECK_EQ(p2pbuf_buffer_map(src, P2PBUF_MAP_READ, (void **)&p), 0);
	CHECK(!memcmp(blk, p, 100));
	p2pbuf_buffer_unmap(src);
	CHECK(st.align < 200 || (blk[100] == 0 && blk[st.align - 1] == 0));

	/* Open flags are checked. */
	CHECK_EQ(p2pbuf_io_open(path, 0, &io), -EINVAL);
	CHECK_EQ(p2pbuf_io_open(path, P2PBUF_IO_WRITE | P2PBUF_IO_BOUNCE | P2PBUF_IO_BOUNCE_FALLBACK, &io), -EINVAL);
	CHECK_EQ(p2pbuf_io_open(path, P2PBUF_IO_WRITE | (1u << 30), &io), -EINVAL);
	CHECK_EQ(p2pbuf_io_open(path, P2PBUF_IO_READ, &io), 0);
	CHECK_EQ(p2pbuf_io_write(io, src, 0, 4096, 0, &r), -EINVAL);
	CHECK(strstr(p2pbuf_io_error(io), "not open for writing"));
	CHECK_EQ(p2pbuf_io_close(io), 0);
	CHECK_EQ(p2pbuf_io_close(NULL), 0);

	/* Copies between buffers, overlapping ones too. */
	fill(src, 5);
	CHECK_EQ(p2pbuf_copy(dst, 4096, src, 0, SZ - 4096, 0, &cr), 0);
	CHECK_EQ(cr.method, P2PBUF_COPY_CPU);
	CHECK_EQ(cr.bytes, SZ - 4096);
	CHECK(same(src, 0, dst, 4096, SZ - 4096));
	CHECK_EQ(p2pbuf_copy(dst, 0, dst, 4096, 8192, 0, &cr), 0);
	CHECK(same(src, 0, dst, 0, 8192));
	CHECK_EQ(p2pbuf_copy(dst, 1, src, 0, SZ, 0, &cr), -EINVAL);
	CHECK_EQ(p2pbuf_copy(dst, 0, src, 0, 4096, 1, &cr), -EINVAL);

	p2pbuf_buffer_free(src);
	p2pbuf_buffer_free(dst);
	p2pbuf_provider_close(prov);
	unlink(path);
	return T_RESULT();
}
