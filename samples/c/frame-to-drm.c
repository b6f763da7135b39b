// SPDX-License-Identifier: MIT
/*
 * Hand a frame captured into PCIe device memory to a DRM device: the
 * frame's dma-buf is imported by the GPU driver with PRIME (libdrm's
 * drmPrimeFDToHandle), no copy. The program then shows what the driver
 * holds: p2pbuf records the driver as an importer (with the route it gets),
 * and the handle exported back (drmPrimeHandleToFD) is the same dma-buf,
 * read here through that fd and compared with what the capture wrote. A
 * GPU would now sample or scan out the frame from device memory. In the
 * emulated machine the DRM device is vgem (modprobe vgem), which cannot
 * map imported buffers itself (DRM refuses dumb mappings of imports).
 *
 *   p2pbuf-sample-frame-to-drm VIDEO_DEVICE PROVIDER DRM_DEVICE
 *   p2pbuf-sample-frame-to-drm /dev/video0 pci:0000:05:00.0/bar2 /dev/dri/card0
 *
 * Build: cc frame-to-drm.c $(pkg-config --cflags --libs libp2pbuf libdrm)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xf86drm.h>

#include <p2pbuf/p2pbuf.h>

/* FNV-1a over @len bytes: the same frame gives the same sum. */
static uint64_t checksum(const volatile uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

int main(int argc, char **argv)
{
	struct p2pbuf_provider *prov = NULL;
	struct p2pbuf_stream *stream = NULL;
	struct p2pbuf_frame f;
	uint64_t sum_capture, sum_drm;
	struct p2pbuf_buffer_desc desc;
	struct p2pbuf_attachment att[4];
	struct stat st_back, st_frame;
	uint32_t handle, i;
	void *cpu, *gpu;
	int drm, ret, back;
	bool same;

	if (argc != 4) {
		fprintf(stderr, "usage: %s VIDEO_DEVICE PROVIDER DRM_DEVICE\n", argv[0]);
		return 2;
	}
	ret = p2pbuf_provider_open(argv[2], &prov);
	if (!ret)
		ret = p2pbuf_stream_open(argv[1], 0, &stream);
	if (!ret)
		ret = p2pbuf_stream_setup(stream, prov, 2, 0);
	if (!ret)
		ret = p2pbuf_stream_start(stream);
	if (!ret)
		ret = p2pbuf_stream_dequeue(stream, &f, 2000);
	if (ret) {
		fprintf(stderr, "frame-to-drm: no frame from %s into %s: %s %s\n", argv[1], argv[2],
			stream ? p2pbuf_stream_error(stream) : "", p2pbuf_error_hint(ret, "stream"));
		return 1;
	}
	/* what the capture wrote, read through p2pbuf's mapping */
	ret = p2pbuf_buffer_map(f.planes[0], P2PBUF_MAP_READ, &cpu);
	if (ret) {
		fprintf(stderr, "frame-to-drm: cannot map the frame: %s\n", p2pbuf_error_hint(ret, "map"));
		return 1;
	}
	sum_capture = checksum(cpu, f.bytesused[0]);
	p2pbuf_buffer_unmap(f.planes[0]);
	printf("frame: sequence %u, %u bytes at offset 0x%llx, checksum %016llx\n", f.sequence,
	       f.bytesused[0], (unsigned long long)f.offset[0], (unsigned long long)sum_capture);

	/* the same memory, imported by the DRM driver */
	drm = open(argv[3], O_RDWR | O_CLOEXEC);
	if (drm < 0) {
		fprintf(stderr, "frame-to-drm: cannot open %s: %s (modprobe vgem for a virtual one)\n",
			argv[3], strerror(errno));
		return 1;
	}
	if (drmPrimeFDToHandle(drm, p2pbuf_buffer_fd(f.planes[0]), &handle)) {
		fprintf(stderr, "frame-to-drm: %s cannot import the frame's dma-buf: %s\n", argv[3],
			strerror(errno));
		return 1;
	}
	/* who imports the frame now, as the p2pbuf module recorded it */
	if (!p2pbuf_fd_info(p2pbuf_buffer_fd(f.planes[0]), &desc, att, 4))
		for (i = 0; i < desc.attach_count && i < 4; i++)
			printf("importer %s: route %s\n", att[i].importer,
			       p2pbuf_route_name(att[i].route));
	/* the driver's handle, exported back: the same dma-buf, not a copy */
	if (drmPrimeHandleToFD(drm, handle, DRM_CLOEXEC | DRM_RDWR, &back) ||
	    fstat(back, &st_back) || fstat(p2pbuf_buffer_fd(f.planes[0]), &st_frame)) {
		fprintf(stderr, "frame-to-drm: cannot export the handle back: %s\n", strerror(errno));
		return 1;
	}
	gpu = mmap(NULL, f.bytesused[0], PROT_READ, MAP_SHARED, back, 0);
	if (gpu == MAP_FAILED) {
		fprintf(stderr, "frame-to-drm: cannot map the driver's dma-buf: %s\n", strerror(errno));
		return 1;
	}
	sum_drm = checksum(gpu, f.bytesused[0]);
	munmap(gpu, f.bytesused[0]);
	same = st_back.st_ino == st_frame.st_ino && sum_drm == sum_capture;
	printf("through %s (PRIME handle %u, %s dma-buf): checksum %016llx: %s\n", argv[3],
	       handle, st_back.st_ino == st_frame.st_ino ? "the same" : "ANOTHER",
	       (unsigned long long)sum_drm, same ? "the same frame" : "DIFFERENT");
	close(back);
	drmCloseBufferHandle(drm, handle);
	close(drm);
	p2pbuf_stream_close(stream);
	p2pbuf_provider_close(prov);
	return same ? 0 : 1;
}
