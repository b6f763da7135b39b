// SPDX-License-Identifier: MIT
/* Error hints and enum names: never NULL, specific where it matters. */
#include <errno.h>

#include "private.h"
#include "test.h"

static void has(int err, const char *op, const char *needle)
{
	const char *h = p2pbuf_error_hint(err, op);

	if (!h || !strstr(h, needle)) {
		fprintf(stderr, "hint(%d, %s) = \"%s\", expected to mention \"%s\"\n",
			err, op ? op : "NULL", h ? h : "(null)", needle);
		t_failures++;
	}
}

int main(void)
{
	int e;

	has(-ENODEV, NULL, "modprobe p2pbuf");
	has(-ENODEV, "pci:0000:05:00.0", "modprobe p2pbuf");
	has(ENODEV, "open", "modprobe p2pbuf");		/* positive accepted */
	has(-ENODEV, "heap:system", "CONFIG_DMABUF_HEAPS");
	has(-ENOENT, "pci:0000:05:00.0/bar2", "p2pbuf-ctl bind");
	has(-ENOENT, "cmb:0000:04:00.0", "CONFIG_PCI_P2PDMA");
	has(-ENOENT, "heap:system", "/dev/dma_heap");
	has(-ENOENT, "udmabuf", "udmabuf");
	has(-ENOTUNIQ, "pci:0000:05:00.0", "/barN");
	has(-EINVAL, "pci:junk", "malformed provider spec");
	has(-EREMOTEIO, "stream", "PCIe switch");
	has(-EOPNOTSUPP, "alloc", "cannot allocate");
	has(-EAGAIN, "pool", "release");
	has(-EACCES, "open", "root");
	has(-E2BIG, NULL, "module");

	/* Unknown errors: empty, never NULL. */
	CHECK_STR(p2pbuf_error_hint(-EXDEV, NULL), "");
	CHECK_STR(p2pbuf_error_hint(0, NULL), "");
	for (e = -200; e <= 200; e++)
		CHECK(p2pbuf_error_hint(e, "x") != NULL);

	CHECK_STR(p2pbuf_route_name(P2PBUF_ROUTE_NONE), "none");
	CHECK_STR(p2pbuf_route_name(P2PBUF_ROUTE_P2P), "p2p");
	CHECK_STR(p2pbuf_route_name(P2PBUF_ROUTE_HOST_BRIDGE), "host-bridge");
	CHECK_STR(p2pbuf_route_name(P2PBUF_ROUTE_HOST_UNCHECKED), "host-unchecked");
	CHECK_STR(p2pbuf_route_name(P2PBUF_ROUTE_REFUSED), "refused");
	CHECK_STR(p2pbuf_route_name(99), "unknown");
	CHECK_STR(p2pbuf_backend_name(P2PBUF_BACKEND_P2PDMA), "p2pdma");
	CHECK_STR(p2pbuf_backend_name(P2PBUF_BACKEND_DEVMEM), "devmem");
	CHECK_STR(p2pbuf_backend_name(P2PBUF_BACKEND_PFNMAP), "pfnmap");
	CHECK_STR(p2pbuf_backend_name(0), "unknown");
	CHECK_STR(p2pbuf_memtype_name(P2PBUF_MEMTYPE_UC_MINUS), "uc-");
	CHECK_STR(p2pbuf_memtype_name(P2PBUF_MEMTYPE_WC), "wc");
	CHECK_STR(p2pbuf_provider_kind_name(P2PBUF_SPEC_CMB), "cmb");
	CHECK_STR(p2pbuf_provider_kind_name(P2PBUF_SPEC_FD), "fd");
	CHECK_STR(p2pbuf_provider_kind_name(0), "unknown");
	return T_RESULT();
}
