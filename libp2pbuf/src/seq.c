// SPDX-License-Identifier: LGPL-2.1-or-later
/* Dropped-frame accounting from V4L2 sequence numbers. */
#include "private.h"

void p2pbuf__seq_reset(struct p2pbuf__seq *s)
{
	s->have = false;
	s->last = 0;
}

uint32_t p2pbuf__seq_next(struct p2pbuf__seq *s, uint32_t seq)
{
	uint32_t gap;

	if (!s->have) {
		s->have = true;
		s->last = seq;
		return 0;
	}
	/* Unsigned difference: correct across the 2^32 wrap. */
	gap = seq - s->last;
	s->last = seq;
	/* Same number: the second field of V4L2_FIELD_ALTERNATE. */
	if (gap == 0)
		return 0;
	/* Backwards: the driver restarted counting; nothing known lost. */
	if (gap > UINT32_C(0x80000000))
		return 0;
	return gap - 1;
}
