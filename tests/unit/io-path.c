// SPDX-License-Identifier: MIT
/*
 * Which path a transfer takes (p2pbuf__io_choose_path): device memory goes
 * straight to storage only over a checked route; anything else is refused
 * with a reason unless the caller asked for bounce mode.
 */
#include <errno.h>

#include "io-private.h"
#include "test.h"

static int choose(uint32_t flags, bool dev, int route, char *why)
{
	return p2pbuf__io_choose_path(flags, dev, route, why, 256);
}

int main(void)
{
	char why[256];

	/* System RAM: O_DIRECT as usual, whatever the route. */
	CHECK_EQ(choose(0, false, P2PBUF_ROUTE_REFUSED, why), P2PBUF_IO_PATH_HOST);
	CHECK_EQ(choose(P2PBUF_IO_BOUNCE, false, 0, why), P2PBUF_IO_PATH_BOUNCE);

	/* Checked routes. */
	CHECK_EQ(choose(0, true, P2PBUF_ROUTE_P2P, why), P2PBUF_IO_PATH_P2P);
	CHECK_EQ(choose(0, true, P2PBUF_ROUTE_HOST_BRIDGE, why), P2PBUF_IO_PATH_P2P);
	CHECK_EQ(choose(P2PBUF_IO_BOUNCE_FALLBACK, true, P2PBUF_ROUTE_P2P, why), P2PBUF_IO_PATH_P2P);
	/* Explicit bounce wins even over a good route. */
	CHECK_EQ(choose(P2PBUF_IO_BOUNCE, true, P2PBUF_ROUTE_P2P, why), P2PBUF_IO_PATH_BOUNCE);

	/* Stock kernel: refused unless allowed or bounced. */
	CHECK_EQ(choose(0, true, P2PBUF_ROUTE_HOST_UNCHECKED, why), -EREMOTEIO);
	CHECK(strstr(why, "no CONFIG_PCI_P2PDMA"));
	CHECK(strstr(why, "use bounce mode"));
	CHECK_EQ(choose(P2PBUF_IO_ALLOW_UNCHECKED, true, P2PBUF_ROUTE_HOST_UNCHECKED, why), P2PBUF_IO_PATH_P2P);
	CHECK_EQ(choose(P2PBUF_IO_BOUNCE_FALLBACK, true, P2PBUF_ROUTE_HOST_UNCHECKED, why), P2PBUF_IO_PATH_BOUNCE);

	/* Split topology. */
	CHECK_EQ(choose(0, true, P2PBUF_ROUTE_REFUSED, why), -EREMOTEIO);
	CHECK(strstr(why, "route refused by the PCI topology"));
	CHECK_EQ(choose(P2PBUF_IO_ALLOW_UNCHECKED, true, P2PBUF_ROUTE_REFUSED, why), -EREMOTEIO);
	CHECK_EQ(choose(P2PBUF_IO_BOUNCE, true, P2PBUF_ROUTE_REFUSED, why), P2PBUF_IO_PATH_BOUNCE);

	/* No PCI device behind the target (tmpfs), module cannot tell. */
	CHECK_EQ(choose(0, true, P2PBUF__ROUTE_NO_PCI, why), -EREMOTEIO);
	CHECK(strstr(why, "not behind a PCI device"));
	CHECK_EQ(choose(0, true, P2PBUF__ROUTE_UNKNOWN, why), -EREMOTEIO);
	CHECK_EQ(choose(0, true, P2PBUF_ROUTE_NONE, why), -EREMOTEIO);
	CHECK_EQ(choose(0, true, 99, why), -EREMOTEIO);

	CHECK_STR(p2pbuf_io_path_name(P2PBUF_IO_PATH_P2P), "p2p");
	CHECK_STR(p2pbuf_io_path_name(P2PBUF_IO_PATH_BOUNCE), "bounce");
	CHECK_STR(p2pbuf_io_path_name(P2PBUF_IO_PATH_HOST), "host");
	CHECK_STR(p2pbuf_io_path_name(77), "unknown");
	CHECK_STR(p2pbuf_copy_method_name(P2PBUF_COPY_CPU), "cpu-memcpy");
	return T_RESULT();
}
