// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p2pbuf-capture --dvb: a DVB transport stream into device memory, then to
 * storage (p2pbuf-capture-dvb.c). main() of p2pbuf-capture.c hands over
 * when --dvb is on the command line. The pure helpers below are unit
 * tested in tests/unit/test-capture-dvb-*.c.
 */
#ifndef P2PBUF_CAPTURE_DVB_H
#define P2PBUF_CAPTURE_DVB_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define CAPTURE_DVB_PACKET	188

/* The whole of DVB mode: parses @argv itself; returns the exit status. */
int capture_dvb_main(int argc, char **argv);

/* Is DVB mode asked for (--dvb or --dvb=...)? Stops at "--". */
static inline bool capture_dvb_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "--dvb") || !strncmp(argv[i], "--dvb=", 6))
			return true;
	}
	return false;
}

/*
 * Bytes per device-memory chunk: whole 188-byte packets and a multiple of
 * @align (a power of two: the O_DIRECT alignment), as many units of
 * lcm(188, @align) as fit in @max, at least one. 0 if @align is not a
 * power of two. 962560 (5120 packets) for 1 MiB and 4 KiB.
 */
static inline uint64_t capture_dvb_chunk(uint64_t max, uint64_t align)
{
	uint64_t unit;

	if (!align || (align & (align - 1)))
		return 0;
	/* 188 = 4 * 47 */
	unit = 47 * (align > 4 ? align : 4);
	return max < unit ? unit : max - max % unit;
}

#endif /* P2PBUF_CAPTURE_DVB_H */
