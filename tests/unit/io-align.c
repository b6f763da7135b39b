// SPDX-License-Identifier: MIT
/* Direct I/O alignment rules of p2pbuf_io_write/_read (p2pbuf__io_check). */
#include <errno.h>

#include "io-private.h"
#include "test.h"

int main(void)
{
	struct p2pbuf__io_span sp;
	char why[256];
	const uint64_t frame = 1280 * 720 * 2;	/* 1843200 = 450 * 4096 */

	/* A YUYV 720p frame from offset 0 of a page-rounded buffer. */
	CHECK_EQ(p2pbuf__io_check(4096, 1843200, 0, frame, 0, 0, true, false, &sp, why, sizeof(why)), 0);
	CHECK_EQ(sp.body, frame);
	CHECK_EQ(sp.tail, 0);
	CHECK_EQ(p2pbuf__io_check(512, 1 << 20, 512, 1024, 4096 + 512, 0, true, false, &sp, why, sizeof(why)), 0);

	/* Misaligned pieces, each named. */
	CHECK_EQ(p2pbuf__io_check(4096, 1 << 20, 100, 4096, 0, 0, true, false, &sp, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "buffer offset 100"));
	CHECK_EQ(p2pbuf__io_check(4096, 1 << 20, 0, 4096, 512, 0, true, false, &sp, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "file offset 512"));
	CHECK_EQ(p2pbuf__io_check(4096, 1 << 20, 0, 1000, 0, 0, true, false, &sp, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "length 1000"));
	CHECK(strstr(why, "P2PBUF_IO_PAD"));

	/* Padding only when asked: whole blocks plus a tail. */
	CHECK_EQ(p2pbuf__io_check(4096, 1 << 20, 0, 10000, 0, 0, true, true, &sp, why, sizeof(why)), 0);
	CHECK_EQ(sp.body, 8192);
	CHECK_EQ(sp.tail, 10000 - 8192);
	CHECK_EQ(p2pbuf__io_check(4096, 1 << 20, 0, 100, 0, 0, false, true, &sp, why, sizeof(why)), 0);
	CHECK_EQ(sp.body, 0);
	CHECK_EQ(sp.tail, 100);

	/* Outside the buffer, zero length, overflow. */
	CHECK_EQ(p2pbuf__io_check(4096, 8192, 4096, 8192, 0, 0, true, false, &sp, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "outside the 8192-byte buffer"));
	CHECK_EQ(p2pbuf__io_check(4096, 8192, 0, 0, 0, 0, true, false, &sp, why, sizeof(why)), -EINVAL);
	CHECK_EQ(p2pbuf__io_check(4096, UINT64_MAX, 4096, UINT64_MAX - 4095, 0, 0, true, false, &sp, why, sizeof(why)), -EINVAL);
	CHECK_EQ(p2pbuf__io_check(4096, 1 << 20, 0, 4096, UINT64_MAX - 4095, 0, true, false, &sp, why, sizeof(why)), -EINVAL);

	/* Limits: a write past a block device's end, a read past the target's. */
	CHECK_EQ(p2pbuf__io_check(4096, 1 << 20, 0, 8192, 1 << 20, (1 << 20) + 4096, true, false, &sp, why, sizeof(why)), -ENOSPC);
	CHECK_EQ(p2pbuf__io_check(4096, 1 << 20, 0, 4096, 1 << 20, (1 << 20) + 4096, true, false, &sp, why, sizeof(why)), 0);
	/* A padded write must fit its whole last block. */
	CHECK_EQ(p2pbuf__io_check(4096, 1 << 20, 0, 100, 4096, 4096 + 100, true, true, &sp, why, sizeof(why)), -ENOSPC);
	CHECK_EQ(p2pbuf__io_check(4096, 1 << 20, 0, 4096, 8192, 10000, false, false, &sp, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "past the end"));
	/* A padded read of a file's unaligned end is fine. */
	CHECK_EQ(p2pbuf__io_check(4096, 1 << 20, 0, 10000 - 8192, 8192, 10000, false, true, &sp, why, sizeof(why)), 0);

	/* Alignment 0 (unknown) behaves as 1. */
	CHECK_EQ(p2pbuf__io_check(0, 100, 3, 7, 5, 0, true, false, &sp, why, sizeof(why)), 0);
	CHECK_EQ(p2pbuf__round_up(1843200, 4096), 1843200);
	CHECK_EQ(p2pbuf__round_up(1, 4096), 4096);
	CHECK_EQ(p2pbuf__round_up(1000, 0), 1000);
	return T_RESULT();
}
