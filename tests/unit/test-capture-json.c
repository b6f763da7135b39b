// SPDX-License-Identifier: LGPL-2.1-or-later
/* JSON strings in --json and --manifest output are escaped and bounded. */
#include "p2pbuf-capture-util.h"
#include "test.h"

int main(void)
{
	char b[64];

	CHECK_EQ(capture_json_str(b, sizeof(b), "0000:05:00.0-bar2"), 19);
	CHECK_STR(b, "\"0000:05:00.0-bar2\"");
	capture_json_str(b, sizeof(b), "/dev/dri/card0");
	CHECK_STR(b, "\"/dev/dri/card0\"");
	capture_json_str(b, sizeof(b), "a\"b\\c");
	CHECK_STR(b, "\"a\\\"b\\\\c\"");
	capture_json_str(b, sizeof(b), "l1\nl2\tx\x01\x1f");
	CHECK_STR(b, "\"l1\\nl2\\tx\\u0001\\u001f\"");
	capture_json_str(b, sizeof(b), "");
	CHECK_STR(b, "\"\"");
	/* UTF-8 passes through */
	capture_json_str(b, sizeof(b), "caf\xc3\xa9");
	CHECK_STR(b, "\"caf\xc3\xa9\"");

	/* Truncation: returns the full length, output terminated */
	{
		char s[6];

		CHECK_EQ(capture_json_str(s, sizeof(s), "abcdefgh"), 10);
		CHECK_STR(s, "\"abcd");
		CHECK_EQ(capture_json_str(s, sizeof(s), "\"\"\""), 8);
		CHECK_EQ(strlen(s), 5);
		CHECK_EQ(capture_json_str(NULL, 0, "abc"), 5);
	}
	return T_RESULT();
}
