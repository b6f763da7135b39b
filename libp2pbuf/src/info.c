// SPDX-License-Identifier: LGPL-2.1-or-later
/* P2PBUF_CTL_BUFFER_INFO: where a buffer lives and who imports it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

int p2pbuf_fd_info(int fd, struct p2pbuf_buffer_desc *desc,
		   struct p2pbuf_attachment *att, unsigned int cap)
{
	struct p2pbuf_attach_info *ai = NULL;
	struct p2pbuf_buffer_info bi;
	unsigned int i, n;
	int ctl, ret;

	if (!desc || (cap && !att))
		return -EINVAL;
	/* Not a dma-buf at all: say so even without the module. */
	ret = p2pbuf__is_dmabuf(fd);
	if (ret)
		return ret;
	if (cap) {
		ai = calloc(cap, sizeof(*ai));
		if (!ai)
			return -ENOMEM;
	}
	memset(&bi, 0, sizeof(bi));
	bi.fd = fd;
	bi.attach_cap = cap;
	bi.attach_ptr = (uint64_t)(uintptr_t)ai;
	bi.attach_size = sizeof(*ai);

	ctl = p2pbuf__ctl_open();
	if (ctl < 0) {
		free(ai);
		return ctl;
	}
	ret = p2pbuf__ioctl(ctl, P2PBUF_CTL_BUFFER_INFO, &bi);
	close(ctl);
	if (ret) {
		free(ai);
		return ret;
	}

	memset(desc, 0, sizeof(*desc));
	p2pbuf__copy_str(desc->provider, sizeof(desc->provider), bi.provider, sizeof(bi.provider));
	desc->flags = bi.flags;
	desc->attach_count = bi.attach_count;
	desc->size = bi.size;
	desc->offset = bi.offset;
	desc->bus_addr = bi.bus_addr;
	desc->phys_addr = bi.phys_addr;
	desc->vmaps = bi.vmaps;
	desc->mmaps = bi.mmaps;

	n = bi.attach_count < cap ? bi.attach_count : cap;
	for (i = 0; i < n; i++) {
		memset(&att[i], 0, sizeof(att[i]));
		p2pbuf__copy_str(att[i].importer, sizeof(att[i].importer), ai[i].importer,
			 sizeof(ai[i].importer));
		p2pbuf__copy_str(att[i].bus, sizeof(att[i].bus), ai[i].bus, sizeof(ai[i].bus));
		att[i].route = ai[i].route;
		att[i].error = ai[i].error;
		att[i].mapped = ai[i].mapped;
		att[i].flags = ai[i].flags;
		att[i].dma_addr = ai[i].dma_addr;
		att[i].dma_mask = ai[i].dma_mask;
	}
	free(ai);
	return 0;
}

int p2pbuf_buffer_info(const struct p2pbuf_buffer *buf,
		       struct p2pbuf_buffer_desc *desc,
		       struct p2pbuf_attachment *att, unsigned int cap)
{
	if (!buf)
		return -EINVAL;
	return p2pbuf_fd_info(buf->fd, desc, att, cap);
}
