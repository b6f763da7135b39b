// SPDX-License-Identifier: LGPL-2.1-or-later
/* Numeric options: any base as v4l2-ctl (strtoul base 0), within bounds,
 * nothing else; -d N is /dev/videoN. */
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
	CHECK_EQ(capture_parse_u64("1e3", 0, 10000, &v), -EINVAL);
	CHECK_EQ(capture_parse_u64("0x", 0, 10, &v), -EINVAL);
	CHECK_EQ(capture_parse_u64("08", 0, 10, &v), -EINVAL);
	CHECK_EQ(capture_parse_u64("0x1g", 0, 100, &v), -EINVAL);
	/* failures leave the output alone */
	CHECK_EQ(v, 42);

	CHECK_EQ(capture_parse_u64("0x10", 0, 100, &v), 0);
	CHECK_EQ(v, 16);
	CHECK_EQ(capture_parse_u64("0X1f", 0, 100, &v), 0);
	CHECK_EQ(v, 31);
	CHECK_EQ(capture_parse_u64("010", 0, 100, &v), 0);
	CHECK_EQ(v, 8);
	CHECK_EQ(capture_parse_u64("0x101", 0, 0x100, &v), -ERANGE);
	CHECK_EQ(capture_parse_u64("0xffffffffffffffff", 0, UINT64_MAX, &v), 0);
	CHECK(v == UINT64_MAX);
	CHECK_EQ(capture_parse_u64("0x10000000000000000", 0, UINT64_MAX, &v), -ERANGE);

	{
		char buf[16];

		CHECK(!strcmp(capture_device_path("0", buf, sizeof(buf)), "/dev/video0"));
		CHECK(!strcmp(capture_device_path("12", buf, sizeof(buf)), "/dev/video12"));
		CHECK(!strcmp(capture_device_path("/dev/video3", buf, sizeof(buf)), "/dev/video3"));
		CHECK(!strcmp(capture_device_path("1234", buf, sizeof(buf)), "1234"));
		CHECK(!strcmp(capture_device_path("v1", buf, sizeof(buf)), "v1"));
	}
	return T_RESULT();
}
