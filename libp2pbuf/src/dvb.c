// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DVB transport stream reader into device memory. DVB has no DMABUF
 * import, so the dvr device is read() straight into the buffer's mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/dvb/dmx.h>
#include <linux/dvb/frontend.h>

#include "private.h"
#include "ts.h"

/* A packet begun when the time ran out gets this long to complete. */
#define FINISH_PACKET_MS	1000
#define LOCK_POLL_MS		50

struct p2pbuf_dvb {
	char dir[PATH_MAX];		/* /dev/dvb/adapterN */
	unsigned int frontend;
	int fe_fd;			/* -1 until p2pbuf_dvb_tune() */
	int demux_fd;
	int dvr_fd;
	bool filtering;
	struct p2pbuf_dvb_stats stats;
	struct p2pbuf__ts_cc cc;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int dev_path(const struct p2pbuf_dvb *dvb, char *buf, size_t len,
		    const char *kind, unsigned int n)
{
	int r = snprintf(buf, len, "%s/%s%u", dvb->dir, kind, n);

	return r < 0 || (size_t)r >= len ? -ENAMETOOLONG : 0;
}

static int open_dev(const struct p2pbuf_dvb *dvb, const char *kind, unsigned int n,
		    int flags)
{
	char path[PATH_MAX + 32];
	int fd, ret;

	ret = dev_path(dvb, path, sizeof(path), kind, n);
	if (ret)
		return ret;
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* "/dev/dvb/adapterN" or "N" into @dvb->dir. */
static int adapter_dir(const char *adapter, char *dir, size_t len)
{
	const char *p;
	int r;

	if (!adapter || !*adapter)
		return -EINVAL;
	for (p = adapter; *p >= '0' && *p <= '9'; p++)
		;
	if (!*p) {
		if (p - adapter > 6)
			return -EINVAL;
		r = snprintf(dir, len, "%s/dvb/adapter%s", p2pbuf__dev_root, adapter);
	} else {
		r = snprintf(dir, len, "%s", adapter);
	}
	if (r < 0 || (size_t)r >= len)
		return -ENAMETOOLONG;
	/* No trailing slash: device paths are appended with one. */
	for (r = (int)strlen(dir); r > 1 && dir[r - 1] == '/'; r--)
		dir[r - 1] = '\0';
	return 0;
}

int p2pbuf_dvb_open(const char *adapter, unsigned int frontend, unsigned int demux,
		    unsigned int dvr, uint32_t flags, struct p2pbuf_dvb **out)
{
	struct p2pbuf_dvb *dvb;
	int ret;

	if (!out || flags)
		return -EINVAL;
	*out = NULL;
	dvb = calloc(1, sizeof(*dvb));
	if (!dvb)
		return -ENOMEM;
	dvb->fe_fd = dvb->demux_fd = dvb->dvr_fd = -1;
	dvb->frontend = frontend;
	p2pbuf__ts_cc_reset(&dvb->cc);
	ret = adapter_dir(adapter, dvb->dir, sizeof(dvb->dir));
	if (ret)
		goto err;
	ret = open_dev(dvb, "demux", demux, O_RDWR | O_NONBLOCK);
	if (ret < 0)
		goto err;
	dvb->demux_fd = ret;
	ret = open_dev(dvb, "dvr", dvr, O_RDONLY | O_NONBLOCK);
	if (ret < 0)
		goto err;
	dvb->dvr_fd = ret;
	*out = dvb;
	return 0;
err:
	p2pbuf_dvb_close(dvb);
	return ret;
}

void p2pbuf_dvb_close(struct p2pbuf_dvb *dvb)
{
	if (!dvb)
		return;
	if (dvb->demux_fd >= 0) {
		if (dvb->filtering)
			ioctl(dvb->demux_fd, DMX_STOP);
		close(dvb->demux_fd);
	}
	if (dvb->dvr_fd >= 0)
		close(dvb->dvr_fd);
	if (dvb->fe_fd >= 0)
		close(dvb->fe_fd);
	free(dvb);
}

int p2pbuf_dvb_fd(const struct p2pbuf_dvb *dvb)
{
	return dvb ? dvb->dvr_fd : -EINVAL;
}

int p2pbuf_dvb_stats(const struct p2pbuf_dvb *dvb, struct p2pbuf_dvb_stats *stats)
{
	if (!dvb || !stats)
		return -EINVAL;
	*stats = dvb->stats;
	return 0;
}

/* ---- frontend ---- */

static int fe_get(int fd, struct dtv_property *props, unsigned int n)
{
	struct dtv_properties p = { .num = n, .props = props };

	return p2pbuf__ioctl(fd, FE_GET_PROPERTY, &p);
}

static int fe_set(int fd, struct dtv_property *props, unsigned int n)
{
	struct dtv_properties p = { .num = n, .props = props };

	return p2pbuf__ioctl(fd, FE_SET_PROPERTY, &p);
}

static int frontend_info(int fd, struct p2pbuf_dvb_frontend *fe)
{
	struct dvb_frontend_info info;
	struct dtv_property props[3] = {
		{ .cmd = DTV_ENUM_DELSYS },
		{ .cmd = DTV_DELIVERY_SYSTEM },
		{ .cmd = DTV_FREQUENCY },
	};
	enum fe_status status = 0;
	unsigned int i;
	int ret;

	memset(fe, 0, sizeof(*fe));
	memset(&info, 0, sizeof(info));
	ret = p2pbuf__ioctl(fd, FE_GET_INFO, &info);
	if (ret)
		return ret;
	p2pbuf__copy_str(fe->name, sizeof(fe->name), info.name, sizeof(info.name));
	ret = fe_get(fd, props, P2PBUF_ARRAY_SIZE(props));
	if (ret)
		return ret;
	for (i = 0; i < props[0].u.buffer.len && i < P2PBUF_ARRAY_SIZE(fe->delsys); i++)
		fe->delsys[i] = props[0].u.buffer.data[i];
	fe->num_delsys = i;
	fe->delivery_system = props[1].u.data;
	fe->frequency = props[2].u.data;
	ret = p2pbuf__ioctl(fd, FE_READ_STATUS, &status);
	if (ret)
		return ret;
	fe->status = status;
	return 0;
}

int p2pbuf_dvb_frontend_info(struct p2pbuf_dvb *dvb, struct p2pbuf_dvb_frontend *fe)
{
	int fd, ret;

	if (!dvb || !fe)
		return -EINVAL;
	if (dvb->fe_fd >= 0)
		return frontend_info(dvb->fe_fd, fe);
	fd = open_dev(dvb, "frontend", dvb->frontend, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	ret = frontend_info(fd, fe);
	close(fd);
	return ret;
}

int p2pbuf_dvb_tune(struct p2pbuf_dvb *dvb, const struct p2pbuf_dvb_tuning *t,
		    int timeout_ms)
{
	struct p2pbuf_dvb_frontend fe;
	struct dtv_property props[8];
	enum fe_status status;
	unsigned int n = 0;
	uint64_t deadline;
	uint32_t delsys;
	int ret;

	if (!dvb || !t || timeout_ms < 0)
		return -EINVAL;
	if (dvb->fe_fd < 0) {
		ret = open_dev(dvb, "frontend", dvb->frontend, O_RDWR | O_NONBLOCK);
		if (ret < 0)
			return ret;
		dvb->fe_fd = ret;
	}
	delsys = t->delivery_system;
	if (delsys == SYS_UNDEFINED) {
		ret = frontend_info(dvb->fe_fd, &fe);
		if (ret)
			return ret;
		if (!fe.num_delsys)
			return -EINVAL;
		delsys = fe.delsys[0];
	}
	memset(props, 0, sizeof(props));
	props[n++].cmd = DTV_CLEAR;
	props[n].cmd = DTV_DELIVERY_SYSTEM;
	props[n++].u.data = delsys;
	props[n].cmd = DTV_FREQUENCY;
	props[n++].u.data = t->frequency;
	props[n].cmd = DTV_INVERSION;
	props[n++].u.data = INVERSION_AUTO;
	if (t->bandwidth_hz) {
		props[n].cmd = DTV_BANDWIDTH_HZ;
		props[n++].u.data = t->bandwidth_hz;
	}
	if (t->symbol_rate) {
		props[n].cmd = DTV_SYMBOL_RATE;
		props[n++].u.data = t->symbol_rate;
	}
	props[n++].cmd = DTV_TUNE;
	ret = fe_set(dvb->fe_fd, props, n);
	if (ret)
		return ret;

	deadline = now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		status = 0;
		ret = p2pbuf__ioctl(dvb->fe_fd, FE_READ_STATUS, &status);
		if (ret)
			return ret;
		if ((status & FE_HAS_LOCK) || !timeout_ms)
			return 0;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		poll(NULL, 0, LOCK_POLL_MS);
	}
}

/* ---- demux ---- */

int p2pbuf_dvb_set_buffer_size(struct p2pbuf_dvb *dvb, uint64_t bytes)
{
	if (!dvb || !bytes || bytes > ULONG_MAX)
		return -EINVAL;
	return p2pbuf__ioctl(dvb->dvr_fd, DMX_SET_BUFFER_SIZE, (void *)(unsigned long)bytes);
}

int p2pbuf_dvb_set_pids(struct p2pbuf_dvb *dvb, const uint16_t *pids, unsigned int count)
{
	static const uint16_t all = P2PBUF_DVB_ALL_PIDS;
	struct dmx_pes_filter_params f;
	unsigned int i;
	uint16_t pid;
	int ret;

	if (!dvb || count > P2PBUF_DVB_MAX_PIDS || (count && !pids))
		return -EINVAL;
	if (!count) {
		pids = &all;
		count = 1;
	}
	for (i = 0; i < count; i++) {
		if (pids[i] > P2PBUF_DVB_ALL_PIDS ||
		    (pids[i] == P2PBUF_DVB_ALL_PIDS && count > 1))
			return -EINVAL;
	}
	if (dvb->filtering) {
		ioctl(dvb->demux_fd, DMX_STOP);
		dvb->filtering = false;
	}
	memset(&f, 0, sizeof(f));
	f.pid = pids[0];
	f.input = DMX_IN_FRONTEND;
	f.output = DMX_OUT_TS_TAP;
	f.pes_type = DMX_PES_OTHER;
	f.flags = DMX_IMMEDIATE_START;
	ret = p2pbuf__ioctl(dvb->demux_fd, DMX_SET_PES_FILTER, &f);
	if (ret)
		return ret;
	dvb->filtering = true;
	for (i = 1; i < count; i++) {
		pid = pids[i];
		ret = p2pbuf__ioctl(dvb->demux_fd, DMX_ADD_PID, &pid);
		if (ret) {
			ioctl(dvb->demux_fd, DMX_STOP);
			dvb->filtering = false;
			return ret;
		}
	}
	p2pbuf__ts_cc_reset(&dvb->cc);
	return 0;
}

/* ---- reading ---- */

/* Check the packets that became complete in [@from, @to) of @base. */
static void account_packets(struct p2pbuf_dvb *dvb, const uint8_t *base,
			    uint64_t from, uint64_t to)
{
	uint8_t hdr[6];
	uint64_t p;

	for (p = from; p + P2PBUF__TS_PACKET <= to; p += P2PBUF__TS_PACKET) {
		/* One small copy per packet: device memory is read in one go. */
		memcpy(hdr, base + p, sizeof(hdr));
		dvb->stats.packets++;
		if (hdr[0] != P2PBUF__TS_SYNC) {
			dvb->stats.sync_losses++;
			continue;
		}
		if (hdr[1] & 0x80)
			dvb->stats.transport_errors++;
		dvb->stats.cc_errors += (uint64_t)p2pbuf__ts_cc_packet(&dvb->cc, hdr);
	}
}

static int wait_readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	r = poll(&pfd, 1, ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	/* POLLERR: the ring overflowed; read() reports it as EOVERFLOW. */
	return r;
}

int64_t p2pbuf_dvb_read(struct p2pbuf_dvb *dvb, struct p2pbuf_buffer *buf, uint64_t off,
			uint64_t len, int timeout_ms)
{
	uint64_t size, done = 0, checked = 0, deadline = 0, finish_by = 0, t;
	bool finishing = false;
	uint8_t *base;
	void *addr;
	int ret = 0, unmap, wait;

	if (!dvb || !buf || timeout_ms < -1 || !dvb->filtering)
		return -EINVAL;
	size = p2pbuf_buffer_size(buf);
	len = p2pbuf__ts_whole(len);
	if (!len || off > size || len > size - off || len > SSIZE_MAX)
		return -EINVAL;
	ret = p2pbuf_buffer_map(buf, P2PBUF_MAP_WRITE, &addr);
	if (ret)
		return ret;
	base = (uint8_t *)addr + off;
	if (timeout_ms > 0)
		deadline = now_ms() + (uint64_t)timeout_ms;

	while (done < len) {
		ssize_t n = read(dvb->dvr_fd, base + done, (size_t)(len - done));

		if (n > 0) {
			done += (uint64_t)n;
			dvb->stats.reads++;
			account_packets(dvb, base, checked, done);
			checked = p2pbuf__ts_whole(done);
			continue;
		}
		if (n == 0) {		/* the adapter went away */
			ret = -ENODEV;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EOVERFLOW) {
			/* The kernel flushed its ring: count the loss, go on. */
			dvb->stats.overflows++;
			p2pbuf__ts_cc_reset(&dvb->cc);
			continue;
		}
		if (errno != EAGAIN) {
			ret = -errno;
			break;
		}
		/* Nothing buffered now. */
		t = now_ms();
		if (done != checked) {
			/* Half a packet in hand: give the rest a moment. */
			if (!finishing) {
				finishing = true;
				finish_by = t + FINISH_PACKET_MS;
			}
			if (t >= finish_by) {
				dvb->stats.sync_losses++;
				done = checked;
				break;
			}
			wait = (int)(finish_by - t);
		} else if (timeout_ms == 0 || (timeout_ms > 0 && t >= deadline)) {
			break;
		} else {
			wait = timeout_ms < 0 ? -1 : (int)(deadline - t);
		}
		ret = wait_readable(dvb->dvr_fd, wait);
		if (ret < 0)
			break;
		ret = 0;
	}
	/* A partial packet left by an error is not handed out. */
	done = p2pbuf__ts_whole(done);
	unmap = p2pbuf_buffer_unmap(buf);
	if (done) {
		dvb->stats.bytes += done;
		/* The data first; a lasting error shows again on the next call. */
		return (int64_t)done;
	}
	if (ret < 0)
		return ret;
	if (unmap)
		return unmap;
	return timeout_ms == 0 ? -EAGAIN : -ETIMEDOUT;
}
