// SPDX-License-Identifier: LGPL-2.1-or-later
/* --set-fmt-video: the v4l2-ctl syntax is parsed into the fields given. */
#include "p2pbuf-capture-util.h"
#include "test.h"

int main(void)
{
	struct capture_fmt f;
	char err[256] = "";

	CHECK_EQ(capture_parse_fmt("width=1280,height=720,pixelformat=YUYV", &f,
				   err, sizeof(err)), 0);
	CHECK(f.has_width && f.has_height && f.has_pixelformat);
	CHECK(!f.has_field && !f.has_bytesperline);
	CHECK_EQ(f.width, 1280);
	CHECK_EQ(f.height, 720);
	CHECK_EQ(f.pixelformat, V4L2_PIX_FMT_YUYV);

	/* Any order, any subset: the rest keeps the device's value. */
	CHECK_EQ(capture_parse_fmt("pixelformat=NV12", &f, err, sizeof(err)), 0);
	CHECK(!f.has_width && !f.has_height && f.has_pixelformat);
	CHECK_EQ(f.pixelformat, V4L2_PIX_FMT_NV12);
	CHECK_EQ(capture_parse_fmt("height=480,width=640", &f, NULL, 0), 0);
	CHECK_EQ(f.width, 640);
	CHECK_EQ(f.height, 480);
	CHECK(!f.has_pixelformat);

	/* field names as v4l2-ctl spells them, and an explicit stride */
	CHECK_EQ(capture_parse_fmt("width=720,height=576,field=interlaced_bt,bytesperline=2048",
				   &f, err, sizeof(err)), 0);
	CHECK(f.has_field && f.has_bytesperline);
	CHECK_EQ(f.field, V4L2_FIELD_INTERLACED_BT);
	CHECK_EQ(f.bytesperline, 2048);
	CHECK_EQ(capture_parse_fmt("field=none", &f, NULL, 0), 0);
	CHECK_EQ(f.field, V4L2_FIELD_NONE);
	CHECK_EQ(capture_parse_fmt("field=alternate", &f, NULL, 0), 0);
	CHECK_EQ(f.field, V4L2_FIELD_ALTERNATE);
	CHECK_EQ(capture_parse_fmt("bytesperline=0", &f, NULL, 0), 0);
	CHECK(f.has_bytesperline);
	CHECK_EQ(f.bytesperline, 0);

	/* "-BE" sets the big-endian bit, as v4l2_fourcc_be() */
	CHECK_EQ(capture_parse_fmt("pixelformat=RGB3-BE", &f, NULL, 0), 0);
	CHECK_EQ(f.pixelformat, v4l2_fourcc_be('R', 'G', 'B', '3'));
	/* Codes with a space, as the kernel defines some ("Y10 " style). */
	CHECK_EQ(capture_parse_fmt("pixelformat=Y10 ", &f, NULL, 0), 0);
	CHECK_EQ(f.pixelformat, v4l2_fourcc('Y', '1', '0', ' '));

	/* The largest sizes a __u32 holds */
	CHECK_EQ(capture_parse_fmt("width=4294967295", &f, NULL, 0), 0);
	CHECK_EQ(f.width, 4294967295u);

	/* Back to text */
	{
		char b[16];

		CHECK_STR(capture_fourcc_str(V4L2_PIX_FMT_YUYV, b, sizeof(b)), "YUYV");
		CHECK_STR(capture_fourcc_str(v4l2_fourcc_be('R', 'G', 'B', '3'), b, sizeof(b)),
			  "RGB3-BE");
		CHECK_STR(capture_fourcc_str(0x01020341, b, sizeof(b)), "A...");
	}
	return T_RESULT();
}
