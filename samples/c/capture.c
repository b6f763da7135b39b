// SPDX-License-Identifier: MIT
/*
 * The minimal capture loop: a V4L2 device writes its frames straight into
 * PCIe device memory (a p2pbuf provider), the program only learns where
 * each frame landed. Nothing is copied through system RAM.
 *
 *   p2pbuf-sample-capture DEVICE PROVIDER FRAMES
 *   p2pbuf-sample-capture /dev/video0 pci:0000:05:00.0/bar2 30
 *
 * Prints one line per frame (sequence, bytes, where in the provider) and
 * the counters at the end; frames the driver dropped are counted and shown.
 * Build: cc capture.c $(pkg-config --cflags --libs libp2pbuf)
 */
#include <stdio.h>
#include <stdlib.h>

#include <p2pbuf/p2pbuf.h>

/* Print what failed, the reason and what to do about it. */
static int fail(int err, const char *op, const char *what)
{
	const char *hint = p2pbuf_error_hint(err, op);

	fprintf(stderr, "capture: %s: error %d%s%s\n", what, err, *hint ? ": " : "", hint);
	return 1;
}

int main(int argc, char **argv)
{
	struct p2pbuf_provider *prov = NULL;
	struct p2pbuf_stream *stream = NULL;
	struct p2pbuf_stream_stats st;
	struct p2pbuf_frame f;
	struct p2pbuf_format fmt;
	long frames, i;
	int ret, rc = 1;

	if (argc != 4 || (frames = strtol(argv[3], NULL, 0)) <= 0) {
		fprintf(stderr, "usage: %s DEVICE PROVIDER FRAMES\n", argv[0]);
		return 2;
	}
	ret = p2pbuf_provider_open(argv[2], &prov);
	if (ret)
		return fail(ret, argv[2], "cannot open the provider");
	ret = p2pbuf_stream_open(argv[1], 0, &stream);
	if (ret) {
		fail(ret, "stream", "cannot open the capture device");
		goto out;
	}
	/* The device's current format; set it with p2pbuf_stream_set_format(). */
	ret = p2pbuf_stream_get_format(stream, &fmt);
	if (!ret)
		ret = p2pbuf_stream_setup(stream, prov, 4, 0);
	if (!ret)
		ret = p2pbuf_stream_start(stream);
	if (ret) {
		fprintf(stderr, "capture: %s\n", p2pbuf_stream_error(stream));
		fail(ret, "stream", "cannot start capturing into the provider");
		goto out;
	}
	printf("%ux%u, %u bytes per frame, into %s\n", fmt.width, fmt.height,
	       fmt.sizeimage[0], p2pbuf_provider_name(prov));

	for (i = 0; i < frames; i++) {
		ret = p2pbuf_stream_dequeue(stream, &f, 2000);
		if (ret) {
			fail(ret, "stream", "no frame");
			goto out;
		}
		printf("frame %ld: sequence %u, %u bytes at offset 0x%llx", i, f.sequence,
		       f.bytesused[0], (unsigned long long)f.offset[0]);
		if (f.dropped)
			printf(", %u dropped before it", f.dropped);
		printf("\n");
		/* The frame is in device memory now: hand it on, then give it back. */
		ret = p2pbuf_stream_queue(stream, f.index);
		if (ret) {
			fail(ret, "stream", "cannot queue the buffer back");
			goto out;
		}
	}
	p2pbuf_stream_stats(stream, &st);
	printf("%llu frames, %llu bytes, %llu dropped\n", (unsigned long long)st.frames,
	       (unsigned long long)st.bytes, (unsigned long long)st.dropped);
	rc = 0;
out:
	p2pbuf_stream_close(stream);
	p2pbuf_provider_close(prov);
	return rc;
}
