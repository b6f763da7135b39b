// SPDX-License-Identifier: LGPL-2.1-or-later
/* p2pbuf-capture --dvb: chunks hold whole packets and stay O_DIRECT aligned. */
#include "p2pbuf-capture-dvb.h"
#include "test.h"

int main(void)
{
	char *argv_yes[] = { "p2pbuf-capture", "--provider", "x", "--dvb", "0", NULL };
	char *argv_eq[] = { "p2pbuf-capture", "--dvb=/dev/dvb/adapter0", NULL };
	char *argv_no[] = { "p2pbuf-capture", "-d", "/dev/video0", "--", "--dvb", NULL };
	char *argv_prefix[] = { "p2pbuf-capture", "--dvbx", NULL };
	uint64_t c;

	/* lcm(188, 4096) = 47 * 4096: 5 of them fit in 1 MiB (5120 packets). */
	CHECK_EQ(capture_dvb_chunk(1 << 20, 4096), 5 * 47 * 4096);
	CHECK_EQ(capture_dvb_chunk(188 * 4096, 4096), 188 * 4096);
	/* At least one unit, even over the limit. */
	CHECK_EQ(capture_dvb_chunk(4096, 4096), 47 * 4096);
	CHECK_EQ(capture_dvb_chunk(2 * 47 * 4096 + 5, 4096), 2 * 47 * 4096);
	CHECK_EQ(capture_dvb_chunk(1 << 20, 512), 43 * 47 * 512);
	CHECK_EQ(capture_dvb_chunk(1000, 1), 940);
	CHECK_EQ(capture_dvb_chunk(1000, 2), 940);
	CHECK_EQ(capture_dvb_chunk(1 << 20, 3000), 0);
	CHECK_EQ(capture_dvb_chunk(1 << 20, 0), 0);
	for (c = 1; c <= 65536; c <<= 1) {
		uint64_t k = capture_dvb_chunk(8 << 20, c);

		CHECK(k % 188 == 0);
		CHECK(k % c == 0);
		CHECK(k <= (8 << 20));
	}

	CHECK(capture_dvb_wanted(5, argv_yes));
	CHECK(capture_dvb_wanted(2, argv_eq));
	CHECK(!capture_dvb_wanted(5, argv_no));
	CHECK(!capture_dvb_wanted(2, argv_prefix));
	return T_RESULT();
}
