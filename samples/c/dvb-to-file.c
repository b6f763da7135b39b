// SPDX-License-Identifier: MIT
/*
 * A DVB transport stream into PCIe device memory, and from there to a file
 * by direct I/O. DVB has no DMABUF import: the library read()s the dvr
 * device into the buffer's mapping (the CPU copies from the kernel's dvr
 * ring into device memory), checks every packet (sync byte, continuity
 * counters), and the storage controller takes the bytes from device
 * memory.
 *
 *   p2pbuf-sample-dvb-to-file ADAPTER FREQUENCY_HZ SECONDS PROVIDER FILE
 *   p2pbuf-sample-dvb-to-file /dev/dvb/adapter0 474000000 10 pci:0000:05:00.0/bar2 ts.ts
 *
 * Tunes DVB-T at FREQUENCY_HZ, takes the whole transport stream, and says
 * at the end how many packets came, how many were lost (continuity gaps,
 * ring overflows) and how many bytes are in FILE.
 * Build: cc dvb-to-file.c $(pkg-config --cflags --libs libp2pbuf)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <linux/dvb/frontend.h>

#include <p2pbuf/p2pbuf.h>

#define CHUNK	(188 * 4096)	/* whole packets and whole 4 KiB blocks */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct p2pbuf_dvb_tuning tuning = { .delivery_system = SYS_DVBT };
	struct p2pbuf_provider *prov = NULL;
	struct p2pbuf_buffer *buf = NULL;
	struct p2pbuf_dvb_stats st;
	struct p2pbuf_dvb *dvb = NULL;
	struct p2pbuf_io *io = NULL;
	uint64_t written = 0;
	double end;
	int ret;

	if (argc != 6) {
		fprintf(stderr, "usage: %s ADAPTER FREQUENCY_HZ SECONDS PROVIDER FILE\n", argv[0]);
		return 2;
	}
	tuning.frequency = (uint32_t)strtoul(argv[2], NULL, 0);
	end = now() + strtod(argv[3], NULL);
	ret = p2pbuf_provider_open(argv[4], &prov);
	if (!ret)
		ret = p2pbuf_alloc(prov, CHUNK, 0, &buf);
	if (!ret)
		ret = p2pbuf_io_open(argv[5], P2PBUF_IO_WRITE | P2PBUF_IO_CREATE | P2PBUF_IO_TRUNCATE |
				     P2PBUF_IO_BOUNCE_FALLBACK | P2PBUF_IO_SYNC | P2PBUF_IO_PAD, &io);
	if (ret) {
		fprintf(stderr, "dvb-to-file: cannot set up %s -> %s: %s\n", argv[4], argv[5],
			p2pbuf_error_hint(ret, "alloc"));
		return 1;
	}
	ret = p2pbuf_dvb_open(argv[1], 0, 0, 0, 0, &dvb);
	if (!ret)
		ret = p2pbuf_dvb_tune(dvb, &tuning, 5000);
	if (!ret)
		ret = p2pbuf_dvb_set_buffer_size(dvb, 8 << 20);
	if (!ret)
		ret = p2pbuf_dvb_set_pids(dvb, NULL, 0);	/* the whole stream */
	if (ret) {
		fprintf(stderr, "dvb-to-file: cannot tune %s to %u Hz: %s\n", argv[1],
			tuning.frequency, p2pbuf_error_hint(ret, "dvb"));
		goto out;
	}
	while (!ret && now() < end) {
		struct p2pbuf_io_result r;
		/* packets into device memory, then from there to the file */
		int64_t n = p2pbuf_dvb_read(dvb, buf, 0, CHUNK, 5000);

		if (n < 0) {	/* -ETIMEDOUT: nothing for 5 s, the stream stopped */
			ret = (int)n;
			fprintf(stderr, "dvb-to-file: reading the stream failed: %s\n",
				p2pbuf_error_hint(ret, "dvb"));
			break;
		}
		/* a chunk cut short (the stream stalled for 5 s) is padded to the
		 * block size and ends the file */
		ret = p2pbuf_io_write(io, buf, 0, (uint64_t)n, written, &r);
		if (ret)
			fprintf(stderr, "dvb-to-file: %s\n", p2pbuf_io_error(io));
		else if (!written)
			printf("writing with path %s\n", p2pbuf_io_path_name(r.path));
		written += (uint64_t)n;
		if (!ret && (uint64_t)n % 4096) {	/* keep the file offsets aligned */
			if (ftruncate(p2pbuf_io_fd(io), (off_t)written))
				ret = -1;
			break;
		}
	}
	p2pbuf_dvb_stats(dvb, &st);
	printf("%llu packets, %llu continuity gaps, %llu overflows, %llu sync losses; %llu bytes in %s\n",
	       (unsigned long long)st.packets, (unsigned long long)st.cc_errors,
	       (unsigned long long)st.overflows, (unsigned long long)st.sync_losses,
	       (unsigned long long)written, argv[5]);
out:
	p2pbuf_dvb_close(dvb);
	if (p2pbuf_io_close(io) && !ret)
		ret = -1;
	p2pbuf_buffer_free(buf);
	p2pbuf_provider_close(prov);
	return ret ? 1 : 0;
}
