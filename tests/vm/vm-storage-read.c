// SPDX-License-Identifier: MIT
/*
 * Read a range of a file or block device into a new buffer of a provider
 * with p2pbuf_io_read() (O_DIRECT, p2p where the route allows it), and say
 * where the bytes landed so the host can find them in the device memory's
 * backing file.
 *   vm-storage-read SPEC FILE OFFSET LENGTH p2p|bounce [SKIP]
 * SKIP: allocate a buffer of SKIP bytes first, so the one read into sits
 * above memory that later checks reuse.
 * Prints one JSON line: path, bytes, MB/s, and the buffer's offset and
 * physical address. Exit 0 ok, 1 error (the reason on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p2pbuf/p2pbuf.h>

int main(int argc, char **argv)
{
	struct p2pbuf_provider *prov;
	struct p2pbuf_buffer *buf, *skip = NULL;
	struct p2pbuf_buffer_desc d;
	struct p2pbuf_io_result r;
	struct p2pbuf_io *io;
	uint64_t off, len;
	int ret;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: %s SPEC FILE OFFSET LENGTH p2p|bounce [SKIP]\n", argv[0]);
		return 1;
	}
	off = strtoull(argv[3], NULL, 0);
	len = strtoull(argv[4], NULL, 0);
	ret = p2pbuf_provider_open(argv[1], &prov);
	if (!ret && argc == 7)
		ret = p2pbuf_alloc(prov, strtoull(argv[6], NULL, 0), 0, &skip);
	if (!ret)
		ret = p2pbuf_alloc(prov, len, 0, &buf);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(-ret));
		return 1;
	}
	ret = p2pbuf_io_open(argv[2], P2PBUF_IO_READ | (!strcmp(argv[5], "bounce") ? P2PBUF_IO_BOUNCE : 0), &io);
	if (ret) {
		fprintf(stderr, "%s: open %s: %s\n", argv[0], argv[2], strerror(-ret));
		return 1;
	}
	ret = p2pbuf_io_read(io, buf, 0, len, off, &r);
	if (ret) {
		fprintf(stderr, "%s: read: %s: %s\n", argv[0], strerror(-ret), p2pbuf_io_error(io));
		return 1;
	}
	memset(&d, 0, sizeof(d));
	p2pbuf_buffer_info(buf, &d, NULL, 0);
	printf("{\"path\":\"%s\",\"bytes\":%llu,\"requests\":%u,\"mbps\":%.3f,\"provider\":\"%s\","
	       "\"offset\":%llu,\"phys_addr\":%llu}\n", p2pbuf_io_path_name(r.path),
	       (unsigned long long)r.bytes, r.requests,
	       r.ns ? (double)r.bytes * 1e3 / (double)r.ns : 0.0, d.provider,
	       (unsigned long long)d.offset, (unsigned long long)d.phys_addr);
	p2pbuf_io_close(io);
	p2pbuf_buffer_free(buf);
	p2pbuf_buffer_free(skip);
	p2pbuf_provider_close(prov);
	return 0;
}
