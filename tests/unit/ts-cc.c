// SPDX-License-Identifier: MIT
/* Continuity counters and packet alignment of the DVB reader (src/ts.c). */
#include "ts.h"
#include "test.h"

/* Header of a packet on @pid: @afc adaptation_field_control, @cc counter. */
static void pkt(uint8_t h[6], unsigned int pid, unsigned int afc, unsigned int cc,
		bool discontinuity)
{
	h[0] = 0x47;
	h[1] = (uint8_t)(pid >> 8);
	h[2] = (uint8_t)pid;
	h[3] = (uint8_t)((afc << 4) | cc);
	h[4] = (afc & 2) ? 7 : 0;
	h[5] = (afc & 2) && discontinuity ? 0x80 : 0;
}

static int feed(struct p2pbuf__ts_cc *s, unsigned int pid, unsigned int afc,
		unsigned int cc, bool disc)
{
	uint8_t h[6];

	pkt(h, pid, afc, cc, disc);
	return p2pbuf__ts_cc_packet(s, h);
}

int main(void)
{
	static struct p2pbuf__ts_cc s;
	unsigned int i, errs = 0;
	uint8_t h[6];

	CHECK_EQ(p2pbuf__ts_whole(0), 0);
	CHECK_EQ(p2pbuf__ts_whole(187), 0);
	CHECK_EQ(p2pbuf__ts_whole(188), 188);
	CHECK_EQ(p2pbuf__ts_whole(188 * 4096 + 100), 188 * 4096);

	p2pbuf__ts_cc_reset(&s);
	/* 40 packets in order, wrapping at 15: no error. */
	for (i = 0; i < 40; i++)
		errs += (unsigned int)feed(&s, 0x111, 1, i & 15, false);
	CHECK_EQ(errs, 0);
	/* A gap: 40 & 15 = 8 expected, 10 comes. */
	CHECK_EQ(feed(&s, 0x111, 1, 10, false), 1);
	CHECK_EQ(feed(&s, 0x111, 1, 11, false), 0);
	/* One duplicate is allowed, a second is not. */
	CHECK_EQ(feed(&s, 0x111, 1, 11, false), 0);
	CHECK_EQ(feed(&s, 0x111, 1, 11, false), 1);
	CHECK_EQ(feed(&s, 0x111, 1, 12, false), 0);
	/* Adaptation field only (PCR): the counter does not advance. */
	CHECK_EQ(feed(&s, 0x111, 2, 12, false), 0);
	CHECK_EQ(feed(&s, 0x111, 3, 13, false), 0);
	/* Discontinuity indicator: any value starts afresh. */
	CHECK_EQ(feed(&s, 0x111, 3, 5, true), 0);
	CHECK_EQ(feed(&s, 0x111, 1, 6, false), 0);
	/* PIDs are independent; the first packet of a PID sets the counter. */
	CHECK_EQ(feed(&s, 0x200, 1, 9, false), 0);
	CHECK_EQ(feed(&s, 0x111, 1, 7, false), 0);
	CHECK_EQ(feed(&s, 0x200, 1, 10, false), 0);
	/* Null packets and transport errors are not checked. */
	CHECK_EQ(feed(&s, 0x1fff, 1, 3, false), 0);
	CHECK_EQ(feed(&s, 0x1fff, 1, 9, false), 0);
	pkt(h, 0x200, 1, 0, false);
	h[1] |= 0x80;
	CHECK_EQ(p2pbuf__ts_cc_packet(&s, h), 0);
	CHECK_EQ(feed(&s, 0x200, 1, 11, false), 0);
	/* Reset forgets every PID. */
	p2pbuf__ts_cc_reset(&s);
	CHECK_EQ(feed(&s, 0x200, 1, 3, false), 0);
	CHECK_EQ(feed(&s, 0x111, 1, 0, false), 0);
	return T_RESULT();
}
