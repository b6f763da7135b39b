// SPDX-License-Identifier: MIT
/* The "memfd" provider: always opens, allocates page-rounded sealed memfds
 * that map and keep their data, and that no importer takes for a dma-buf. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "private.h"
#include "test.h"

int main(void)
{
	struct p2pbuf_provider_stats st;
	struct p2pbuf_provider *prov = NULL;
	struct p2pbuf_buffer *buf = NULL, *imp = NULL;
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *p = NULL;
	void *addr;
	int fd;

	CHECK_EQ(p2pbuf_provider_open("memfd", &prov), 0);
	if (!prov)
		return T_FAIL;
	CHECK_EQ(p2pbuf_provider_kind(prov), P2PBUF_SPEC_MEMFD);
	CHECK_STR(p2pbuf_provider_kind_name(P2PBUF_SPEC_MEMFD), "memfd");
	CHECK_STR(p2pbuf_provider_name(prov), "memfd");
	CHECK_EQ(p2pbuf_provider_info(prov, &st), 0);
	CHECK_EQ(st.index, -1);
	CHECK(!(st.valid & P2PBUF_STATS_NODE));
	CHECK_STR(st.name, "memfd");

	CHECK_EQ(p2pbuf_alloc(prov, (uint64_t)page + 1, 0, &buf), 0);
	if (!buf)
		return T_FAIL;
	CHECK_EQ(p2pbuf_buffer_size(buf), 2 * page);
	fd = p2pbuf_buffer_fd(buf);
	/* Fixed size, like a dma-buf. */
	CHECK(ftruncate(fd, 4 * page) < 0);

	CHECK_EQ(p2pbuf_buffer_map(buf, P2PBUF_MAP_READ | P2PBUF_MAP_WRITE, &addr), 0);
	p = addr;
	if (p) {
		memset(p, 0xa5, (size_t)(2 * page));
		CHECK_EQ(p2pbuf_buffer_unmap(buf), 0);
		CHECK_EQ(pread(fd, &p[0], 1, 2 * page - 1), 1);
		CHECK_EQ(p[0], 0xa5);
	}

	/* Not a dma-buf: importers and buffer info refuse it. */
	CHECK_EQ(p2pbuf_buffer_import(fd, 0, &imp), -EINVAL);
	{
		struct p2pbuf_buffer_desc d;

		CHECK_EQ(p2pbuf_buffer_info(buf, &d, NULL, 0), -EINVAL);
	}

	p2pbuf_buffer_free(buf);
	p2pbuf_provider_close(prov);
	return T_RESULT();
}
