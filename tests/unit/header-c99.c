// SPDX-License-Identifier: MIT
/* The public header stands alone and compiles as strict C99 (-Wpedantic). */
#include <p2pbuf/p2pbuf.h>

int main(void)
{
	struct p2pbuf_frame f = { 0 };
	struct p2pbuf_format fmt = { 0 };

	/* Fixed-size arrays users index by plane. */
	return (sizeof(f.planes) / sizeof(f.planes[0]) == P2PBUF_MAX_PLANES &&
		sizeof(fmt.sizeimage) / sizeof(fmt.sizeimage[0]) == P2PBUF_MAX_PLANES) ? 0 : 1;
}
