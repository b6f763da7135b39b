// SPDX-License-Identifier: LGPL-2.1-or-later
/* Numeric options: strict decimal within bounds, nothing else. */
#include "p2pbuf-capture-util.h"
#include "test.h"

int main(void)
{
	uint64_t v = 42;

	CHECK_EQ(capture_parse_u64("0", 0, 10, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(capture_parse_u64("32", 1, 32, &v), 0);
	CHECK_EQ(v, 32);
	CHECK_EQ(capture_parse_u64("007", 0, 10, &v), 0);
	CHECK_EQ(v, 7);
	CHECK_EQ(capture_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	CHECK(v == UINT64_MAX);

	v = 42;
	CHECK_EQ(capture_parse_u64("33", 1, 32, &v), -ERANGE);
	CHECK_EQ(capture_parse_u64("0", 1, 32, &v), -ERANGE);
	CHECK_EQ(capture_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	CHECK_EQ(capture_parse_u64("", 0, 10, &v), -EINVAL);
	CHECK_EQ(capture_parse_u64(NULL, 0, 10, &v), -EINVAL);
	CHECK_EQ(capture_parse_u64("-1", 0, 10, &v), -EINVAL);
	CHECK_EQ(capture_parse_u64("+1", 0, 10, &v), -EINVAL);
	CHECK_EQ(capture_parse_u64(" 1", 0, 10, &v), -EINVAL);
	CHECK_EQ(capture_parse_u64("1 ", 0, 10, &v), -EINVAL);
	CHECK_EQ(capture_parse_u64("0x10", 0, 100, &v), -EINVAL);
	CHECK_EQ(capture_parse_u64("1e3", 0, 10000, &v), -EINVAL);
	/* failures leave the output alone */
	CHECK_EQ(v, 42);
	return T_RESULT();
}
