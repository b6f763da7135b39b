// SPDX-License-Identifier: MIT
/*
 * A peer device reads a p2pbuf buffer by DMA, and revocation reaches it.
 *
 *   vm-edu-import PROVIDER_BDF PROVIDER_NODE p2p|host|refused
 *
 * The importer is tests/kmod/p2pbuf_edu.ko on QEMU's edu device: a dynamic
 * dma-buf importer (peer2peer, with an invalidation callback) whose DMA
 * engine fetches bytes from the address p2pbuf hands out. Steps:
 *  1. allocate 4 MiB, fill it through mmap with a seeded pattern;
 *  2. attach edu and map: the route p2pbuf reports for edu must be the one
 *     expected (p2p: the PCI bus address through the switch; host: the
 *     CPU physical address; refused: no map); edu reads 2 KiB at several
 *     offsets by DMA (2 KiB each) and gets the pattern;
 *  3. unbind the provider (revocation): edu is told (one invalidation, its
 *     mapping dropped), a map after that fails with ENODEV on kernels where
 *     p2pbuf is a dynamic exporter (7.1+); on 6.12 the dma-buf core keeps
 *     the mapping it cached at attach, and the test says so;
 *  4. a new attachment to the revoked buffer: on 7.1+ attach succeeds and
 *     map fails with ENODEV; on 6.12 the core's attach-time map fails the
 *     attach with ENODEV.
 * The caller rebinds the provider afterwards. Exit 0 pass, 1 fail.
 */
#define _GNU_SOURCE /* close_range */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/p2pbuf.h>

#include "p2pbuf_edu.h"

#define LEN (4u << 20)
#define EDU "/dev/p2pbuf-edu"

static uint8_t pattern(uint32_t seed, size_t off)
{
	uint32_t x = seed ^ (uint32_t)(off / 4096 * 2654435761u);

	x ^= (uint32_t)off * 40503u;
	x ^= x >> 13;
	return (uint8_t)(x * 0x9e3779b1u >> 24);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* p2pbuf is a dynamic exporter from Linux 7.1 (kernel/p2pbuf_compat.h). */
static int dynamic_exporter(void)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return 0;
	return maj > 7 || (maj == 7 && min >= 1);
}

static int edu_open_attach(int buf_fd, int *err)
{
	int fd = open(EDU, O_RDWR | O_CLOEXEC);
	__s32 bfd = buf_fd;

	*err = 0;
	if (fd < 0) {
		fprintf(stderr, "vm-edu-import: cannot open %s (is p2pbuf_edu.ko loaded?): %s\n",
			EDU, strerror(errno));
		exit(1);
	}
	if (ioctl(fd, P2PEDU_ATTACH, &bfd))
		*err = errno;
	return fd;
}

/* The attachment p2pbuf records for edu: route, flags, DMA address. */
static int edu_attachment(int cfd, int buf_fd, struct p2pbuf_buffer_info *bi,
			  struct p2pbuf_attach_info *out)
{
	struct p2pbuf_attach_info ai[8];
	unsigned int i;

	memset(bi, 0, sizeof(*bi));
	bi->fd = buf_fd;
	bi->attach_cap = 8;
	bi->attach_ptr = (uintptr_t)ai;
	bi->attach_size = sizeof(ai[0]);
	if (ioctl(cfd, P2PBUF_CTL_BUFFER_INFO, bi)) {
		fprintf(stderr, "vm-edu-import: P2PBUF_CTL_BUFFER_INFO: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < bi->attach_count && i < 8; i++) {
		if (strcmp(ai[i].bus, "pci") == 0 && ai[i].route != P2PBUF_ROUTE_REFUSED) {
			*out = ai[i];
			return 0;
		}
	}
	for (i = 0; i < bi->attach_count && i < 8; i++) {
		if (strcmp(ai[i].bus, "pci") == 0) {
			*out = ai[i];
			return 0;
		}
	}
	fprintf(stderr, "vm-edu-import: p2pbuf lists no PCI importer for the buffer\n");
	return -1;
}

static const char *route_name(unsigned int r)
{
	switch (r) {
	case P2PBUF_ROUTE_P2P: return "p2p";
	case P2PBUF_ROUTE_HOST_BRIDGE: return "host-bridge";
	case P2PBUF_ROUTE_HOST_UNCHECKED: return "host-unchecked";
	case P2PBUF_ROUTE_REFUSED: return "refused";
	default: return "?";
	}
}

static int unbind(const char *bdf)
{
	double t0 = now();
	char path[256];
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind", bdf);
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "vm-edu-import: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	ok = write(fd, bdf, strlen(bdf)) == (ssize_t)strlen(bdf);
	if (!ok)
		fprintf(stderr, "vm-edu-import: unbind %s: %s\n", bdf, strerror(errno));
	close(fd);
	if (ok)
		printf("unbind took %.0f ms\n", (now() - t0) * 1000);
	return ok ? 0 : -1;
}

/*
 * Unbind from a child: on kernels where the dma-buf core keeps a dynamic
 * importer's mapping until it detaches (6.12), a P2PDMA unbind waits for
 * that mapping, which this process gives back only later.
 */
static pid_t unbind_async(const char *bdf)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* the parent's files (the buffer, edu's attachment) are not ours to keep */
		close_range(3, ~0U, 0);
		_exit(unbind(bdf) ? 1 : 0);
	}
	return pid;
}

static int wait_revoked(int cfd, int buf_fd)
{
	struct p2pbuf_buffer_info bi;
	int i;

	for (i = 0; i < 300; i++) {
		memset(&bi, 0, sizeof(bi));
		bi.fd = buf_fd;
		if (ioctl(cfd, P2PBUF_CTL_BUFFER_INFO, &bi) == 0 && (bi.flags & P2PBUF_BUFFER_REVOKED))
			return 0;
		usleep(100000);
	}
	fprintf(stderr, "FAIL: the buffer is not revoked 30 s after the unbind began\n");
	return -1;
}

int main(int argc, char **argv)
{
	static const size_t offs[] = { 0, 65536 + 512, (2u << 20) + 8192, LEN - P2PEDU_MAX_READ };
	struct p2pbuf_alloc_data a = { .len = LEN, .fd_flags = O_RDWR | O_CLOEXEC };
	struct p2pbuf_attach_info at;
	struct p2pbuf_buffer_info bi;
	struct p2pedu_status st;
	struct p2pedu_map m;
	uint8_t got[P2PEDU_MAX_READ], *p;
	const char *expect;
	int cfd, pfd, bfd, efd, efd2, err, status, done, dyn = dynamic_exporter();
	pid_t child;
	uint32_t seed = (uint32_t)time(NULL) * 2654435761u;
	unsigned int i;
	size_t k;
	double t0;

	if (argc != 4) {
		fprintf(stderr, "usage: %s PROVIDER_BDF /dev/p2pbuf/PROVIDER p2p|host|refused\n", argv[0]);
		return 2;
	}
	expect = argv[3];
	setvbuf(stdout, NULL, _IOLBF, 0);
	cfd = open("/dev/p2pbuf/ctl", O_RDWR | O_CLOEXEC);
	pfd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (cfd < 0 || pfd < 0) {
		fprintf(stderr, "vm-edu-import: cannot open /dev/p2pbuf/ctl or %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if (ioctl(pfd, P2PBUF_IOCTL_ALLOC, &a)) {
		fprintf(stderr, "vm-edu-import: allocation of %u bytes failed: %s\n", LEN, strerror(errno));
		return 1;
	}
	bfd = (int)a.fd;
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, bfd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "vm-edu-import: mmap: %s\n", strerror(errno));
		return 1;
	}
	for (k = 0; k < LEN; k++)
		p[k] = pattern(seed, k);
	printf("p2pbuf is a %s exporter on this kernel\n", dyn ? "dynamic" : "static");

	/* 2. attach, map, read by DMA */
	efd = edu_open_attach(bfd, &err);
	if (strcmp(expect, "refused") == 0) {
		if (!err) {
			if (ioctl(efd, P2PEDU_MAP, &m) == 0) {
				fprintf(stderr, "FAIL: edu mapped the buffer (dma %#llx), but no route may exist\n",
					(unsigned long long)m.dma_addr);
				return 1;
			}
			err = errno;
		}
		if (err != EREMOTEIO) {
			fprintf(stderr, "FAIL: a refused route failed with %s, want EREMOTEIO\n", strerror(err));
			return 1;
		}
		printf("edu refused as it must be: %s\n", strerror(err));
		return 0;
	}
	if (err) {
		fprintf(stderr, "FAIL: edu could not attach: %s\n", strerror(err));
		return 1;
	}
	if (ioctl(efd, P2PEDU_MAP, &m)) {
		fprintf(stderr, "FAIL: edu could not map the buffer: %s\n", strerror(errno));
		return 1;
	}
	if (edu_attachment(cfd, bfd, &bi, &at))
		return 1;
	printf("edu %s: route %s, flags %#x, %u segments, dma %#llx (buffer bus %#llx, phys %#llx)\n",
	       at.importer, route_name(at.route), at.flags, m.nents,
	       (unsigned long long)m.dma_addr, (unsigned long long)bi.bus_addr,
	       (unsigned long long)bi.phys_addr);
	if (m.length != LEN) {
		fprintf(stderr, "FAIL: the mapping covers %llu bytes, want %u\n",
			(unsigned long long)m.length, LEN);
		return 1;
	}
	if (!(at.flags & P2PBUF_ATTACH_REVOCABLE)) {
		fprintf(stderr, "FAIL: p2pbuf does not list edu as a revocable (dynamic) importer\n");
		return 1;
	}
	if (strcmp(expect, "p2p") == 0) {
		if (at.route != P2PBUF_ROUTE_P2P || m.dma_addr != bi.bus_addr) {
			fprintf(stderr, "FAIL: want route p2p at the PCI bus address %#llx\n",
				(unsigned long long)bi.bus_addr);
			return 1;
		}
	} else if (m.dma_addr != bi.phys_addr) {
		fprintf(stderr, "FAIL: want the CPU physical address %#llx (no IOMMU)\n",
			(unsigned long long)bi.phys_addr);
		return 1;
	}
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		struct p2pedu_read r = { .offset = offs[i], .length = sizeof(got), .data = (uintptr_t)got };

		memset(got, 0, sizeof(got));
		if (ioctl(efd, P2PEDU_READ, &r)) {
			fprintf(stderr, "FAIL: edu DMA read at offset %zu: %s\n", offs[i], strerror(errno));
			return 1;
		}
		for (k = 0; k < sizeof(got); k++) {
			if (got[k] != pattern(seed, offs[i] + k)) {
				fprintf(stderr, "FAIL: edu read byte %zu at offset %zu as %#x, the buffer holds %#x\n",
					k, offs[i], got[k], pattern(seed, offs[i] + k));
				return 1;
			}
		}
	}
	printf("edu read %zu x %d bytes by DMA from the buffer: all bytes match\n",
	       sizeof(offs) / sizeof(offs[0]), P2PEDU_MAX_READ);

	/* 3. revoke */
	child = unbind_async(argv[1]);
	if (child < 0 || wait_revoked(cfd, bfd))
		return 1;
	if (ioctl(efd, P2PEDU_STATUS, &st)) {
		fprintf(stderr, "vm-edu-import: P2PEDU_STATUS: %s\n", strerror(errno));
		return 1;
	}
	printf("edu after revocation: %u invalidation(s), mapped %u\n", st.invalidations, st.mapped);
	if (st.invalidations < 1 || st.mapped) {
		fprintf(stderr, "FAIL: the revocation did not reach edu (invalidations %u, mapped %u)\n",
			st.invalidations, st.mapped);
		return 1;
	}
	err = ioctl(efd, P2PEDU_MAP, &m) ? errno : 0;
	if (dyn && err != ENODEV) {
		fprintf(stderr, "FAIL: a map after revocation gave %s, want ENODEV\n",
			err ? strerror(err) : "a mapping");
		return 1;
	}
	if (!dyn)
		printf("6.12: the core returns the mapping it cached at attach (%s); documented limit\n",
		       err ? strerror(err) : "mapped");
	else
		printf("map after revocation: %s (as it must)\n", strerror(err));

	/* 4. a new importer on the revoked buffer */
	efd2 = edu_open_attach(bfd, &err);
	if (dyn) {
		if (err) {
			fprintf(stderr, "FAIL: attach to a revoked buffer failed (%s); it must succeed\n",
				strerror(err));
			return 1;
		}
		err = ioctl(efd2, P2PEDU_MAP, &m) ? errno : 0;
	}
	if (err != ENODEV) {
		fprintf(stderr, "FAIL: mapping a revoked buffer gave %s, want ENODEV\n",
			err ? strerror(err) : "a mapping");
		return 1;
	}
	printf("new importer on the revoked buffer: %s fails with ENODEV\n", dyn ? "map" : "attach (6.12 maps at attach)");
	close(efd2);
	/* a bound BAR's mappings hold no pages: the unbind need not wait for edu */
	usleep(200000);
	done = waitpid(child, &status, WNOHANG) == child;
	t0 = now();
	close(efd);
	if ((!done && waitpid(child, &status, 0) != child) || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "FAIL: the unbind failed\n");
		return 1;
	}
	if (done)
		printf("unbind completed while edu still held its attachment%s; this process still holds the buffer fd and its mapping\n",
		       dyn ? "" : " and the mapping the 6.12 core cached");
	else
		printf("unbind complete %.0f ms after edu detached; this process still holds the buffer fd and its mapping\n",
		       (now() - t0) * 1000);
	munmap(p, LEN);
	close(bfd);
	return 0;
}
