/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals of the storage I/O (io.c) that unit tests reach: the pure
 * decisions (alignment, path, PCI device of a sysfs path), no I/O.
 */
#ifndef P2PBUF_IO_PRIVATE_H
#define P2PBUF_IO_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "private.h"

/* Route values beside enum p2pbuf_route for p2pbuf__io_choose_path(). */
#define P2PBUF__ROUTE_NO_PCI	(-1)	/* no PCI device behind the target */
#define P2PBUF__ROUTE_UNKNOWN	(-2)	/* the module could not answer */

/*
 * How a range splits for direct I/O of alignment @align.
 * @body:	bytes moved by whole blocks on the chosen path
 * @tail:	bytes of a last partial block (only with @pad)
 */
struct p2pbuf__io_span {
	uint64_t body;
	uint64_t tail;
};

/*
 * Check a request against the direct I/O rules. @limit is the size of the
 * target a request must stay within (reads: the target size; writes: the
 * size of a block device), 0 for no limit; a padded request's whole last
 * block must fit in a write's limit, its data in a read's.
 * Return 0 and fill @span, or -EINVAL / -ENOSPC with the reason in @why.
 */
int p2pbuf__io_check(uint32_t align, uint64_t buf_size, uint64_t buf_off,
		     uint64_t len, uint64_t file_off, uint64_t limit, bool write,
		     bool pad, struct p2pbuf__io_span *span, char *why, size_t whylen);

/*
 * Which path moves the bytes. @device_mem: the buffer is a p2pbuf buffer
 * (device memory). @route: enum p2pbuf_route, or P2PBUF__ROUTE_NO_PCI /
 * P2PBUF__ROUTE_UNKNOWN. Return enum p2pbuf_io_path, or -EREMOTEIO with
 * the reason in @why.
 */
int p2pbuf__io_choose_path(uint32_t flags, bool device_mem, int route,
			   char *why, size_t whylen);

/*
 * The PCI device nearest to the end of a sysfs device path
 * ("/sys/devices/pci0000:00/0000:00:10.0/0000:03:00.0/nvme/nvme1/nvme1n1"
 * -> "0000:03:00.0"). 0, or -ENOENT if the path holds none.
 */
int p2pbuf__io_pci_of_path(const char *syspath, char *out, size_t outlen);

/* Round @v up to a multiple of @align (a power of two or not). */
static inline uint64_t p2pbuf__round_up(uint64_t v, uint64_t align)
{
	return align ? (v + align - 1) / align * align : v;
}

#endif /* P2PBUF_IO_PRIVATE_H */
