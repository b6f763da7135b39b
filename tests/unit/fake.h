/* SPDX-License-Identifier: MIT */
/*
 * A fake provider whose "dma-bufs" are memfds: enough for the logic that
 * does not need a real exporter (pools, mapping brackets). It can be told
 * to fail the Nth allocation.
 */
#ifndef P2PBUF_TEST_FAKE_H
#define P2PBUF_TEST_FAKE_H

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "private.h"

struct fake {
	unsigned int allocs;		/* successful allocations */
	unsigned int fail_at;		/* fail the allocation with this number (1-based), 0 never */
	int fail_err;
};

static inline int fake_alloc(struct p2pbuf_provider *prov, uint64_t size, int *fd)
{
	struct fake *f = prov->priv;
	int mfd;

	if (f->fail_at && f->allocs + 1 == f->fail_at)
		return f->fail_err;
	mfd = memfd_create("p2pbuf-fake", MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	if (ftruncate(mfd, (off_t)size) < 0) {
		close(mfd);
		return -errno;
	}
	f->allocs++;
	*fd = mfd;
	return 0;
}

static inline struct p2pbuf_provider *fake_provider(struct fake *f)
{
	struct p2pbuf_provider *prov;

	if (p2pbuf__provider_new(P2PBUF_SPEC_NAME, -1, "fake", fake_alloc, &prov))
		return NULL;
	prov->priv = f;
	return prov;
}

/* Number of open fds, to catch leaks. */
static inline int count_fds(void)
{
	int n = 0, fd;

	for (fd = 0; fd < 1024; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	}
	return n;
}

#endif
