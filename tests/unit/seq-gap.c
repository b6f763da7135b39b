// SPDX-License-Identifier: MIT
/* Dropped frames are counted from gaps in V4L2 sequence numbers. */
#include "private.h"
#include "test.h"

int main(void)
{
	struct p2pbuf__seq s;

	p2pbuf__seq_reset(&s);
	/* The first frame tells nothing, whatever its number. */
	CHECK_EQ(p2pbuf__seq_next(&s, 7), 0);
	CHECK_EQ(p2pbuf__seq_next(&s, 8), 0);
	CHECK_EQ(p2pbuf__seq_next(&s, 9), 0);
	CHECK_EQ(p2pbuf__seq_next(&s, 12), 2);
	CHECK_EQ(p2pbuf__seq_next(&s, 13), 0);
	/* Second field of an alternate-field frame shares the number. */
	CHECK_EQ(p2pbuf__seq_next(&s, 13), 0);
	CHECK_EQ(p2pbuf__seq_next(&s, 113), 99);

	/* Wrap at 2^32. */
	p2pbuf__seq_reset(&s);
	CHECK_EQ(p2pbuf__seq_next(&s, UINT32_MAX - 1), 0);
	CHECK_EQ(p2pbuf__seq_next(&s, UINT32_MAX), 0);
	CHECK_EQ(p2pbuf__seq_next(&s, 0), 0);
	CHECK_EQ(p2pbuf__seq_next(&s, 3), 2);
	p2pbuf__seq_reset(&s);
	CHECK_EQ(p2pbuf__seq_next(&s, UINT32_MAX - 1), 0);
	CHECK_EQ(p2pbuf__seq_next(&s, 1), 2);

	/* Backwards (driver restarted): no drop counted, tracking resumes. */
	p2pbuf__seq_reset(&s);
	CHECK_EQ(p2pbuf__seq_next(&s, 1000), 0);
	CHECK_EQ(p2pbuf__seq_next(&s, 0), 0);
	CHECK_EQ(p2pbuf__seq_next(&s, 1), 0);
	CHECK_EQ(p2pbuf__seq_next(&s, 5), 3);

	/* Reset forgets the previous number. */
	p2pbuf__seq_reset(&s);
	CHECK_EQ(p2pbuf__seq_next(&s, 500), 0);
	CHECK_EQ(p2pbuf__seq_next(&s, 501), 0);
	return T_RESULT();
}
