// SPDX-License-Identifier: LGPL-2.1-or-later
/* Transport stream packet alignment and continuity counters (see ts.h). */
#include <string.h>

#include "ts.h"

#define CC_SEEN		0x10
#define CC_DUP		0x20

void p2pbuf__ts_cc_reset(struct p2pbuf__ts_cc *cc)
{
	memset(cc->state, 0, sizeof(cc->state));
}

int p2pbuf__ts_cc_packet(struct p2pbuf__ts_cc *cc, const uint8_t hdr[6])
{
	unsigned int pid = ((hdr[1] & 0x1fu) << 8) | hdr[2];
	unsigned int afc = (hdr[3] >> 4) & 3u;
	unsigned int c = hdr[3] & 0xfu;
	uint8_t *st = &cc->state[pid];
	unsigned int last;

	if (pid == P2PBUF__TS_NULL_PID || (hdr[1] & 0x80))
		return 0;
	/* An adaptation field with discontinuity_indicator: start afresh. */
	if ((afc & 2) && hdr[4] > 0 && (hdr[5] & 0x80)) {
		*st = (uint8_t)(CC_SEEN | c);
		return 0;
	}
	if (!(afc & 1))		/* no payload: the counter does not advance */
		return 0;
	if (!(*st & CC_SEEN)) {
		*st = (uint8_t)(CC_SEEN | c);
		return 0;
	}
	last = *st & 0xfu;
	if (c == last) {
		if (*st & CC_DUP)
			return 1;	/* a second duplicate */
		*st |= CC_DUP;
		return 0;
	}
	*st = (uint8_t)(CC_SEEN | c);
	return c == ((last + 1) & 0xfu) ? 0 : 1;
}
