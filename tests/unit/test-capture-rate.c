// SPDX-License-Identifier: LGPL-2.1-or-later
/* Per-second statistics: fps and MB/s over the last interval only. */
#include <math.h>

#include "p2pbuf-capture-util.h"
#include "test.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9 * (fabs(b) + 1))

int main(void)
{
	/* 1280x720 YUYV at 30 fps: 1843200 bytes per frame. */
	struct capture_sample s0 = { .t_ns = 5000000000ull, .frames = 100,
				     .bytes = 100ull * 1843200, .dropped = 2 };
	struct capture_sample s1 = { .t_ns = 6000000000ull, .frames = 130,
				     .bytes = 130ull * 1843200, .dropped = 3 };
	struct capture_sample s2 = { .t_ns = 7500000000ull, .frames = 145,
				     .bytes = 145ull * 1843200, .dropped = 3 };
	struct capture_rate r;

	capture_rate(&s0, &s1, &r);
	CHECK(NEAR(r.seconds, 1.0));
	CHECK_EQ(r.frames, 30);
	CHECK_EQ(r.bytes, 30ull * 1843200);
	CHECK_EQ(r.dropped, 1);
	CHECK(NEAR(r.fps, 30.0));
	/* MB is 10^6 bytes */
	CHECK(NEAR(r.mbps, 30.0 * 1843200 / 1e6));

	/* The interval, not the whole run: 15 frames in 1.5 s is 10 fps. */
	capture_rate(&s1, &s2, &r);
	CHECK(NEAR(r.seconds, 1.5));
	CHECK_EQ(r.frames, 15);
	CHECK_EQ(r.dropped, 0);
	CHECK(NEAR(r.fps, 10.0));
	CHECK(NEAR(r.mbps, 15.0 * 1843200 / 1.5 / 1e6));

	/* The whole run is one interval from a zero sample (the summary). */
	{
		struct capture_sample start = { .t_ns = 1000000000ull };

		capture_rate(&start, &s2, &r);
		CHECK(NEAR(r.seconds, 6.5));
		CHECK_EQ(r.frames, 145);
		CHECK(NEAR(r.fps, 145 / 6.5));
	}

	/* Large counters keep their precision in the difference. */
	{
		struct capture_sample a = { .t_ns = UINT64_C(1) << 62,
					    .bytes = UINT64_C(1) << 60 };
		struct capture_sample b = { .t_ns = (UINT64_C(1) << 62) + 2000000000ull,
					    .bytes = (UINT64_C(1) << 60) + 3000000 };

		capture_rate(&a, &b, &r);
		CHECK_EQ(r.bytes, 3000000);
		CHECK(NEAR(r.mbps, 1.5));
	}
	return T_RESULT();
}
