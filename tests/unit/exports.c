// SPDX-License-Identifier: MIT
/* The shared library exports the public API, versioned, and nothing else. */
#define _GNU_SOURCE
#include <dlfcn.h>

#include "test.h"

static const char *const public[] = {
	"p2pbuf_provider_open", "p2pbuf_provider_close", "p2pbuf_provider_info",
	"p2pbuf_provider_list", "p2pbuf_route_query", "p2pbuf_alloc",
	"p2pbuf_buffer_import", "p2pbuf_buffer_map", "p2pbuf_buffer_info",
	"p2pbuf_pool_create", "p2pbuf_pool_acquire", "p2pbuf_stream_open",
	"p2pbuf_stream_dequeue", "p2pbuf_stream_error", "p2pbuf_error_hint",
};

static const char *const internal[] = {
	"p2pbuf__spec_parse", "p2pbuf__seq_next", "p2pbuf__ctl_open",
	"p2pbuf__buffer_wrap", "p2pbuf__dev_root", "p2pbuf__ioctl",
};

int main(int argc, char **argv)
{
	unsigned int i;
	void *h;

	if (argc != 2) {
		fprintf(stderr, "usage: %s path/to/libp2pbuf.so\n", argv[0]);
		return T_FAIL;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return T_FAIL;
	}
	for (i = 0; i < sizeof(public) / sizeof(public[0]); i++) {
		if (!dlvsym(h, public[i], "LIBP2PBUF_0.1")) {
			fprintf(stderr, "%s not exported as LIBP2PBUF_0.1\n", public[i]);
			t_failures++;
		}
	}
	for (i = 0; i < sizeof(internal) / sizeof(internal[0]); i++) {
		if (dlsym(h, internal[i])) {
			fprintf(stderr, "internal %s is exported\n", internal[i]);
			t_failures++;
		}
	}
	dlclose(h);
	return T_RESULT();
}
