/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * MPEG transport stream bookkeeping for the DVB reader (dvb.c): packet
 * alignment and continuity counters. Pure: no I/O. Hidden from the shared
 * object; unit tested in tests/unit/ts-*.c.
 */
#ifndef P2PBUF_TS_H
#define P2PBUF_TS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P2PBUF__TS_PACKET	188
#define P2PBUF__TS_SYNC		0x47
#define P2PBUF__TS_NULL_PID	0x1fff
#define P2PBUF__TS_PIDS		0x2000

/* Bytes of whole packets in @len: @len rounded down to a multiple of 188. */
static inline uint64_t p2pbuf__ts_whole(uint64_t len)
{
	return len - len % P2PBUF__TS_PACKET;
}

/* Per-PID continuity state: 8192 bytes. */
struct p2pbuf__ts_cc {
	uint8_t state[P2PBUF__TS_PIDS];	/* 0: unseen; else 0x10 | last cc, 0x20: dup seen */
};

void p2pbuf__ts_cc_reset(struct p2pbuf__ts_cc *cc);

/*
 * Account one packet given its first 6 bytes (header and the first byte of
 * the adaptation field, if any). Return 1 when its continuity counter shows
 * lost (or twice repeated) packets on its PID, else 0. As ISO/IEC 13818-1
 * 2.4.3.3: packets without payload do not advance the counter; one
 * duplicate is allowed; the discontinuity indicator resets it; null packets
 * and packets with transport_error_indicator set are not checked.
 */
int p2pbuf__ts_cc_packet(struct p2pbuf__ts_cc *cc, const uint8_t hdr[6]);

#endif /* P2PBUF_TS_H */
