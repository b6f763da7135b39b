// SPDX-License-Identifier: MIT
/*
 * Missing nodes give the documented errors: -ENODEV when /dev/p2pbuf/ctl is
 * missing (module not loaded), -ENOENT when only the provider node is,
 * -ENOTUNIQ for "pci:BDF" with several BARs. Runs against a scratch device
 * root, so it needs no kernel support.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"
#include "test.h"

static char root[256];

static void touch(const char *rel)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		exit(T_FAIL);
	}
	close(fd);
}

static void rm(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	unlink(path);
}

static int open_err(const char *spec)
{
	struct p2pbuf_provider *prov = NULL;
	int ret = p2pbuf_provider_open(spec, &prov);

	if (!ret)
		p2pbuf_provider_close(prov);
	else
		CHECK(prov == NULL);
	return ret;
}

int main(void)
{
	struct p2pbuf_provider_stats st[2];
	struct p2pbuf_route_result rr;
	struct p2pbuf_provider *prov;
	char path[PATH_MAX];
	unsigned int count = 99;
	int pfd[2];

	snprintf(root, sizeof(root), "/tmp/p2pbuf-test-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return T_FAIL;
	}
	snprintf(p2pbuf__dev_root, sizeof(p2pbuf__dev_root), "%s", root);

	/* No module: every p2pbuf spec says so. */
	CHECK_EQ(open_err("pci:0000:05:00.0/bar2"), -ENODEV);
	CHECK_EQ(open_err("pci:0000:05:00.0"), -ENODEV);
	CHECK_EQ(open_err("cmb:0000:04:00.0"), -ENODEV);
	CHECK_EQ(open_err("name:foo"), -ENODEV);
	CHECK_EQ(p2pbuf_provider_list(st, 2, &count), -ENODEV);
	CHECK_EQ(count, 99);
	CHECK_EQ(p2pbuf_route_query(0, "0000:04:00.0", &rr), -ENODEV);
	CHECK_EQ(p2pbuf_route_query(0, "junk", &rr), -EINVAL);
	CHECK_EQ(p2pbuf_route_query_name("x", "0000:04:00.0", &rr), -ENODEV);
	/* Host-memory providers: their nodes are missing too. */
	CHECK_EQ(open_err("heap:system"), -ENOENT);
	CHECK_EQ(open_err("udmabuf"), -ENOENT);

	/* Module loaded (ctl present) but no such provider. */
	snprintf(path, sizeof(path), "%s/p2pbuf", root);
	mkdir(path, 0700);
	touch("p2pbuf/ctl");
	CHECK_EQ(open_err("pci:0000:05:00.0/bar2"), -ENOENT);
	CHECK_EQ(open_err("pci:0000:05:00.0"), -ENOENT);
	CHECK_EQ(open_err("cmb:0000:04:00.0"), -ENOENT);
	CHECK_EQ(open_err("name:foo"), -ENOENT);

	/* One BAR provider: "pci:BDF" finds it, "pci:BDF/barN" names it. */
	touch("p2pbuf/0000:05:00.0-bar2");
	touch("p2pbuf/0000:05:00.00-bar0");	/* not this device */
	touch("p2pbuf/0000:05:00.0-bar2x");
	CHECK_EQ(p2pbuf_provider_open("pci:05:00.0", &prov), 0);
	if (prov) {
		CHECK_STR(p2pbuf_provider_name(prov), "0000:05:00.0-bar2");
		CHECK_EQ(p2pbuf_provider_kind(prov), P2PBUF_SPEC_PCI);
		p2pbuf_provider_close(prov);
	}
	prov = NULL;
	CHECK_EQ(p2pbuf_provider_open("pci:0000:05:00.0/bar2", &prov), 0);
	p2pbuf_provider_close(prov);
	CHECK_EQ(open_err("pci:0000:05:00.0/bar0"), -ENOENT);
	touch("p2pbuf/0000:04:00.0-p2pmem");
	CHECK_EQ(open_err("cmb:04:00.0"), 0);

	/* Two BAR providers: ambiguous. */
	touch("p2pbuf/0000:05:00.0-bar4");
	CHECK_EQ(open_err("pci:0000:05:00.0"), -ENOTUNIQ);
	CHECK_EQ(open_err("pci:0000:05:00.0/bar4"), 0);

	/* fd:N: must be an open dma-buf; the caller keeps N. */
	if (pipe2(pfd, O_CLOEXEC)) {
		perror("pipe");
		return T_FAIL;
	}
	snprintf(path, sizeof(path), "fd:%d", pfd[0]);
	CHECK_EQ(open_err(path), -EINVAL);
	CHECK(fcntl(pfd[0], F_GETFD) >= 0);
	close(pfd[0]);
	CHECK_EQ(open_err(path), -EBADF);
	close(pfd[1]);

	rm("p2pbuf/0000:05:00.0-bar2");
	rm("p2pbuf/0000:05:00.00-bar0");
	rm("p2pbuf/0000:05:00.0-bar2x");
	rm("p2pbuf/0000:05:00.0-bar4");
	rm("p2pbuf/0000:04:00.0-p2pmem");
	rm("p2pbuf/ctl");
	snprintf(path, sizeof(path), "%s/p2pbuf", root);
	rmdir(path);
	rmdir(root);
	return T_RESULT();
}
