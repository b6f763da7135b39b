// SPDX-License-Identifier: LGPL-2.1-or-later
/* Per-second statistics: empty, zero-length and reset intervals give 0. */
#include "p2pbuf-capture-util.h"
#include "test.h"

int main(void)
{
	struct capture_sample a = { .t_ns = 1000000000ull, .frames = 10, .bytes = 1000,
				    .dropped = 1 };
	struct capture_sample b = a;
	struct capture_rate r;

	/* No time passed: no division by zero, rates 0 */
	capture_rate(&a, &b, &r);
	CHECK(r.seconds == 0);
	CHECK(r.fps == 0 && r.mbps == 0);
	CHECK_EQ(r.frames, 0);

	/* Time passed, nothing came (the device stalls): 0, not NaN */
	b.t_ns += 1000000000ull;
	capture_rate(&a, &b, &r);
	CHECK(r.seconds == 1.0);
	CHECK(r.fps == 0 && r.mbps == 0);

	/* Frames counted but the clock did not move: still finite */
	b = a;
	b.frames += 5;
	b.bytes += 500;
	capture_rate(&a, &b, &r);
	CHECK_EQ(r.frames, 5);
	CHECK(r.fps == 0 && r.mbps == 0);

	/* Counters or clock going backwards (a reset): deltas of 0 */
	b.t_ns = a.t_ns - 1;
	b.frames = 3;
	b.bytes = 10;
	b.dropped = 0;
	capture_rate(&a, &b, &r);
	CHECK_EQ(r.frames, 0);
	CHECK_EQ(r.bytes, 0);
	CHECK_EQ(r.dropped, 0);
	CHECK(r.seconds == 0 && r.fps == 0 && r.mbps == 0);
	return T_RESULT();
}
