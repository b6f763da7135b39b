// SPDX-License-Identifier: LGPL-2.1-or-later
/* --set-fmt-video: malformed formats are refused with a message, untouched. */
#include "p2pbuf-capture-util.h"
#include "test.h"

static void rejects(const char *arg, const char *why)
{
	struct capture_fmt f;
	char err[256] = "";

	memset(&f, 0xa5, sizeof(f));
	if (capture_parse_fmt(arg, &f, err, sizeof(err)) != -EINVAL) {
		fprintf(stderr, "accepted \"%s\" (%s)\n", arg, why);
		t_failures++;
		return;
	}
	if (!err[0]) {
		fprintf(stderr, "no message for \"%s\"\n", arg);
		t_failures++;
	}
	/* The output is written only on success. */
	CHECK_EQ(f.width, 0xa5a5a5a5u);
}

int main(void)
{
	char small[8];
	struct capture_fmt f;
	char big[300];

	rejects("", "empty");
	rejects(",", "only a separator");
	rejects("width", "no value");
	rejects("width=", "empty value");
	rejects("=640", "empty key");
	rejects("width=abc", "not a number");
	rejects("width=-640", "negative");
	rejects("width=+640", "sign");
	rejects("width= 640", "space");
	rejects("width=640x", "trailing garbage");
	rejects("width=0", "zero width");
	rejects("height=0", "zero height");
	rejects("width=4294967296", "above __u32");
	rejects("width=99999999999999999999999", "above uint64");
	rejects("width=640,width=320", "key twice");
	rejects("depth=8", "unknown key");
	rejects("Width=640", "keys are case sensitive");
	rejects("pixelformat=YUY", "three characters");
	rejects("pixelformat=YUYV2", "five characters");
	rejects("pixelformat=YUYV-LE", "only -BE");
	rejects("pixelformat=1", "format index: give the code");
	rejects("pixelformat=YU\tV", "control character");
	rejects("field=progressive", "unknown field name");
	rejects("bytesperline=-1", "negative stride");

	memset(big, 'w', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rejects(big, "too long");

	/* A short message buffer is still terminated. */
	CHECK_EQ(capture_parse_fmt("depth=8", &f, small, sizeof(small)), -EINVAL);
	CHECK_EQ(strlen(small), sizeof(small) - 1);
	return T_RESULT();
}
