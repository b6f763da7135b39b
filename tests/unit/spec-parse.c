// SPDX-License-Identifier: MIT
/* Provider spec strings and PCI addresses: valid ones parse, others -EINVAL. */
#include <errno.h>

#include "private.h"
#include "test.h"

static void valid(const char *spec, enum p2pbuf_provider_kind kind,
		  const char *bdf, int bar, const char *arg, int fd)
{
	struct p2pbuf__spec s;
	int ret = p2pbuf__spec_parse(spec, &s);

	if (ret) {
		fprintf(stderr, "\"%s\": %d, expected 0\n", spec, ret);
		t_failures++;
		return;
	}
	CHECK_EQ(s.kind, kind);
	if (bdf)
		CHECK_STR(s.bdf, bdf);
	CHECK_EQ(s.bar, bar);
	if (arg)
		CHECK_STR(s.arg, arg);
	CHECK_EQ(s.fd, fd);
}

static void invalid(const char *spec)
{
	struct p2pbuf__spec s;
	struct p2pbuf_provider *prov = (void *)1;
	int ret = p2pbuf__spec_parse(spec, &s);

	if (ret != -EINVAL) {
		fprintf(stderr, "\"%s\": %d, expected -EINVAL\n", spec ? spec : "(null)", ret);
		t_failures++;
	}
	/* The public entry point refuses it before touching any node. */
	ret = p2pbuf_provider_open(spec, &prov);
	if (ret != -EINVAL) {
		fprintf(stderr, "open \"%s\": %d, expected -EINVAL\n", spec ? spec : "(null)", ret);
		t_failures++;
	}
	CHECK(prov == NULL);
}

int main(void)
{
	char out[P2PBUF_PCI_ADDR_LEN];

	valid("pci:0000:03:00.0", P2PBUF_SPEC_PCI, "0000:03:00.0", -1, NULL, -1);
	valid("pci:0000:05:00.0/bar2", P2PBUF_SPEC_PCI, "0000:05:00.0", 2, NULL, -1);
	valid("pci:05:1F.7/bar0", P2PBUF_SPEC_PCI, "0000:05:1f.7", 0, NULL, -1);
	valid("pci:10000:00:02.0/bar5", P2PBUF_SPEC_PCI, "10000:00:02.0", 5, NULL, -1);
	valid("cmb:0000:04:00.0", P2PBUF_SPEC_CMB, "0000:04:00.0", -1, NULL, -1);
	valid("name:0000:05:00.0-bar2", P2PBUF_SPEC_NAME, NULL, -1, "0000:05:00.0-bar2", -1);
	valid("heap:system", P2PBUF_SPEC_HEAP, NULL, -1, "system", -1);
	valid("udmabuf", P2PBUF_SPEC_UDMABUF, NULL, -1, NULL, -1);
	valid("drm:/dev/dri/card0", P2PBUF_SPEC_DRM, NULL, -1, "/dev/dri/card0", -1);
	valid("fd:0", P2PBUF_SPEC_FD, NULL, -1, NULL, 0);
	valid("fd:42", P2PBUF_SPEC_FD, NULL, -1, NULL, 42);
	valid("memfd", P2PBUF_SPEC_MEMFD, NULL, -1, NULL, -1);

	invalid(NULL);
	invalid("");
	invalid("pci");
	invalid("pci:");
	invalid("PCI:0000:03:00.0");
	invalid("pci:0000:03:00");
	invalid("pci:0000:03:00.8");		/* function > 7 */
	invalid("pci:0000:03:20.0");		/* device > 0x1f */
	invalid("pci:0000:003:00.0");		/* bus: 3 digits */
	invalid("pci:0000:03:00.0/");
	invalid("pci:0000:03:00.0/bar");
	invalid("pci:0000:03:00.0/bar6");
	invalid("pci:0000:03:00.0/bar12");
	invalid("pci:0000:03:00.0/bar-1");
	invalid("pci:0000:03:00.0/BAR2");
	invalid("pci:0000:03:00.0x");
	invalid("pci: 0000:03:00.0");
	invalid("pci:123456789:03:00.0");	/* domain: 9 digits */
	invalid("cmb:0000:04:00.0/bar2");	/* no BAR for published memory */
	invalid("cmb:");
	invalid("name:");
	invalid("name:ctl");
	invalid("name:.");
	invalid("name:..");
	invalid("name:a/b");
	invalid("name:0123456789012345678901234567890123456789012345678901234567890123");
	invalid("heap:");
	invalid("heap:../udmabuf");
	invalid("udmabuf:x");
	invalid("udmabuf ");
	invalid("drm:");
	invalid("fd:");
	invalid("fd:-1");
	invalid("fd:+3");
	invalid("fd:3x");
	invalid("fd: 3");
	invalid("fd:99999999999999999999");
	invalid("system");
	invalid("memfd:");
	invalid("memfd:x");

	CHECK_EQ(p2pbuf_pci_addr_normalize("0000:03:00.0", out, sizeof(out)), 0);
	CHECK_STR(out, "0000:03:00.0");
	CHECK_EQ(p2pbuf_pci_addr_normalize("3:0.1", out, sizeof(out)), 0);
	CHECK_STR(out, "0000:03:00.1");
	CHECK_EQ(p2pbuf_pci_addr_normalize("ABCD:EF:1f.7", out, sizeof(out)), 0);
	CHECK_STR(out, "abcd:ef:1f.7");
	CHECK_EQ(p2pbuf_pci_addr_normalize("0000:03:00.0", out, 12), -EINVAL);
	CHECK_EQ(p2pbuf_pci_addr_normalize("g0:00.0", out, sizeof(out)), -EINVAL);
	CHECK_EQ(p2pbuf_pci_addr_normalize("0000:03:00.0:1", out, sizeof(out)), -EINVAL);
	CHECK_EQ(p2pbuf_pci_addr_normalize(NULL, out, sizeof(out)), -EINVAL);
	return T_RESULT();
}
