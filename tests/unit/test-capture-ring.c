// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * --ring: the n-th QBUF carries ring buffer capture_ring_slot(n, skip, N);
 * with frames filled in queue order, captured frame k lands in buffer k % N
 * and the buffers queued at once are distinct.
 */
#include "p2pbuf-capture-util.h"
#include "test.h"

/* Simulate: @slots buffers queued first, each dequeue requeues the next. */
static void simulate(unsigned int slots, unsigned int ring, uint64_t skip,
		     uint64_t frames)
{
	uint64_t n, k;

	for (n = skip; n < skip + frames; n++) {
		k = n - skip;	/* the n-th dequeue is captured frame k */
		if (capture_ring_slot(n, skip, ring) != k % ring) {
			fprintf(stderr, "slots %u ring %u skip %llu: frame %llu in %u\n",
				slots, ring, (unsigned long long)skip,
				(unsigned long long)k, capture_ring_slot(n, skip, ring));
			t_failures++;
			return;
		}
	}
	/* Any @slots consecutive QBUFs name distinct buffers. */
	for (n = 0; n < skip + frames; n++) {
		uint64_t m;

		for (m = n + 1; m < n + slots; m++) {
			if (capture_ring_slot(n, skip, ring) == capture_ring_slot(m, skip, ring)) {
				fprintf(stderr, "QBUF %llu and %llu share buffer %u\n",
					(unsigned long long)n, (unsigned long long)m,
					capture_ring_slot(n, skip, ring));
				t_failures++;
				return;
			}
		}
	}
}

int main(void)
{
	unsigned int slots, ring;
	uint64_t skip;

	CHECK_EQ(capture_ring_slot(0, 0, 8), 0);
	CHECK_EQ(capture_ring_slot(9, 0, 8), 1);
	/* Skipped frames use the end of the first lap. */
	CHECK_EQ(capture_ring_slot(0, 2, 8), 6);
	CHECK_EQ(capture_ring_slot(1, 2, 8), 7);
	CHECK_EQ(capture_ring_slot(2, 2, 8), 0);
	/* Skip larger than the ring, and huge counters */
	CHECK_EQ(capture_ring_slot(21, 21, 8), 0);
	CHECK_EQ(capture_ring_slot(UINT64_MAX, UINT64_MAX - 3, 10), 3);
	CHECK_EQ(capture_ring_slot(5, 0, 1), 0);
	CHECK_EQ(capture_ring_slot(5, 0, 0), 0);

	for (slots = 1; slots <= 6; slots++)
		for (ring = slots; ring <= 12; ring++)
			for (skip = 0; skip <= 25; skip++)
				simulate(slots, ring, skip, 40);
	return T_RESULT();
}
