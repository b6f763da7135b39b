// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p2pbuf-capture --dvb: read a DVB transport stream straight into
 * device-memory buffers (libp2pbuf's DVB reader: read() from the dvr device
 * into the buffer's mapping), and write every full buffer to --stream-to.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/dvb/frontend.h>

#include <p2pbuf/p2pbuf.h>

#include "p2pbuf-capture-dvb.h"
#include "p2pbuf-capture-util.h"

#define PROG			"p2pbuf-capture"
#define EXIT_USAGE		2
#define EXIT_DROPS		3

#define DVB_ALIGN		4096		/* O_DIRECT-friendly chunk and offset */
#define DVB_CHUNK_MAX		(1u << 20)	/* 5 * 47 * 4096 = 962560 bytes */
#define DVB_DEFAULT_RING	4
#define DVB_MAX_RING		1024
#define DVB_DEFAULT_KERNEL_BUF	(8u << 20)
#define DVB_LOCK_MS		10000
#define TICK_NS			1000000000ull
#define READ_WAIT_MS		200

struct dvb_options {
	const char *adapter;
	unsigned int frontend, demux, dvr;
	bool tune;
	uint32_t frequency;
	uint32_t delsys;		/* 0: the frontend's first */
	uint32_t bandwidth_hz;
	uint32_t symbol_rate;
	uint16_t pids[P2PBUF_DVB_MAX_PIDS];
	unsigned int num_pids;		/* 0: the whole TS */
	uint64_t duration_s;		/* 0: until Ctrl-C */
	uint64_t kernel_buf;
	const char *provider;
	const char *stream_to;
	uint64_t stream_offset;
	bool have_offset;
	unsigned int ring;
	bool have_max_drops;
	uint64_t max_drops;
	uint64_t timeout_s;
	bool json;
	bool quiet;
};

struct dvb_capture {
	const struct dvb_options *o;
	struct p2pbuf_provider *prov;
	struct p2pbuf_dvb *dvb;
	struct p2pbuf_buffer **ring;
	uint64_t chunk;
	struct p2pbuf_dvb_frontend fe;
	bool have_fe;
	int out_fd;
	uint64_t written;		/* bytes written to --stream-to */
	uint64_t chunks;		/* chunks filled (full or the last partial) */
	bool have_range;
	uint64_t off_min, off_end;	/* where the ring lives in the provider */
	uint64_t t_start_ns, t_end_ns, t_last_data_ns;
	const char *stopped;
};

static volatile sig_atomic_t dvb_stop_signal;

static void dvb_on_signal(int sig)
{
	dvb_stop_signal = sig;
}

static uint64_t dvb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- messages ---- */

static bool dvb_json;

static void __attribute__((format(printf, 3, 4)))
dvb_report(int err, const char *op, const char *fmt, ...)
{
	char what[512], line[1024], s[1100];
	const char *hint = err ? p2pbuf_error_hint(err, op) : "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err)
		snprintf(line, sizeof(line), "%s: %s", what, strerror(err < 0 ? -err : err));
	else
		snprintf(line, sizeof(line), "%s", what);
	fprintf(stderr, "%s: %s\n", PROG, line);
	if (*hint)
		fprintf(stderr, "  what to do: %s\n", hint);
	if (dvb_json) {
		capture_json_str(s, sizeof(s), line);
		printf("{\"event\":\"error\",\"message\":%s}\n", s);
		fflush(stdout);
	}
}

static void dvb_advice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void dvb_advice(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  what to do: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

/* ---- command line ---- */

static void dvb_usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " --dvb ADAPTER --provider SPEC [options]\n"
"Read a DVB transport stream straight into device memory (read() from the\n"
"dvr device into the buffers' mapping) and write the buffers to storage.\n"
"\n"
"      --dvb ADAPTER          /dev/dvb/adapterN or N\n"
"      --dvb-frontend N, --dvb-demux N, --dvb-dvr N   device numbers (default 0)\n"
"      --dvb-frequency HZ     tune first (Hz; kHz for satellite) and wait for\n"
"                             the lock; without it the adapter must be tuned\n"
"                             already (e.g. by dvbv5-zap)\n"
"      --dvb-delsys NAME      dvbt, dvbt2, dvbc, dvbs, dvbs2, isdbt, atsc\n"
"                             (default: the frontend's first)\n"
"      --dvb-bandwidth HZ     DTV_BANDWIDTH_HZ (default: driver's choice)\n"
"      --dvb-symbol-rate N    DTV_SYMBOL_RATE (cable, satellite)\n"
"      --dvb-pids P[,P...]    PIDs to keep (decimal or 0x hex; default: all)\n"
"      --dvb-duration SECS    stop after SECS seconds (default 0: Ctrl-C)\n"
"      --dvb-kernel-buffer B  the kernel's dvr ring in bytes (default %u)\n"
"      --provider SPEC        where the buffers live (required), as for V4L2\n"
"      --ring N               device-memory buffers of %u bytes (whole\n"
"                             packets and 4 KiB multiples), used in turn\n"
"                             (default %d)\n"
"      --stream-to FILE       write every buffer to FILE (a file or a block\n"
"                             device)\n"
"      --stream-offset BYTES  write at this offset (a multiple of 4096); the\n"
"                             file is not truncated\n"
"      --max-drops N          exit 3 if more than N losses (dvr overflows plus\n"
"                             continuity errors)\n"
"      --timeout SEC          fail when no data comes for SEC seconds\n"
"      --json                 progress and summary as JSON lines on stdout\n"
"      --quiet                no progress; no summary unless --json\n"
"  -h, --help                 this help\n"
"\n"
"Exit status: 0 done (or stopped by Ctrl-C), 1 error, 2 usage error,\n"
"3 more losses than --max-drops. See " PROG "(1).\n",
		DVB_DEFAULT_KERNEL_BUF, (unsigned int)capture_dvb_chunk(DVB_CHUNK_MAX, DVB_ALIGN),
		DVB_DEFAULT_RING);
}

static int __attribute__((format(printf, 1, 2))) dvb_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --dvb X --help'.\n", PROG);
	return EXIT_USAGE;
}

enum {
	O_DVB = 0x200,
	O_FRONTEND,
	O_DEMUX,
	O_DVR,
	O_FREQUENCY,
	O_DELSYS,
	O_BANDWIDTH,
	O_SYMBOL_RATE,
	O_PIDS,
	O_DURATION,
	O_KERNEL_BUF,
	O_PROVIDER,
	O_RING,
	O_STREAM_TO,
	O_STREAM_OFFSET,
	O_MAX_DROPS,
	O_TIMEOUT,
	O_JSON,
	O_QUIET,
};

static const struct option dvb_long_options[] = {
	{ "dvb",		required_argument, NULL, O_DVB },
	{ "dvb-frontend",	required_argument, NULL, O_FRONTEND },
	{ "dvb-demux",		required_argument, NULL, O_DEMUX },
	{ "dvb-dvr",		required_argument, NULL, O_DVR },
	{ "dvb-frequency",	required_argument, NULL, O_FREQUENCY },
	{ "dvb-delsys",		required_argument, NULL, O_DELSYS },
	{ "dvb-bandwidth",	required_argument, NULL, O_BANDWIDTH },
	{ "dvb-symbol-rate",	required_argument, NULL, O_SYMBOL_RATE },
	{ "dvb-pids",		required_argument, NULL, O_PIDS },
	{ "dvb-duration",	required_argument, NULL, O_DURATION },
	{ "dvb-kernel-buffer",	required_argument, NULL, O_KERNEL_BUF },
	{ "provider",		required_argument, NULL, O_PROVIDER },
	{ "ring",		required_argument, NULL, O_RING },
	{ "stream-to",		required_argument, NULL, O_STREAM_TO },
	{ "stream-offset",	required_argument, NULL, O_STREAM_OFFSET },
	{ "max-drops",		required_argument, NULL, O_MAX_DROPS },
	{ "timeout",		required_argument, NULL, O_TIMEOUT },
	{ "json",		no_argument,	   NULL, O_JSON },
	{ "quiet",		no_argument,	   NULL, O_QUIET },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct {
	const char *name;
	uint32_t value;
} dvb_delsys_names[] = {
	{ "dvbt", SYS_DVBT }, { "dvbt2", SYS_DVBT2 }, { "dvbc", SYS_DVBC_ANNEX_A },
	{ "dvbs", SYS_DVBS }, { "dvbs2", SYS_DVBS2 }, { "isdbt", SYS_ISDBT },
	{ "atsc", SYS_ATSC },
};

static const char *dvb_delsys_name(uint32_t v)
{
	size_t i;

	for (i = 0; i < sizeof(dvb_delsys_names) / sizeof(dvb_delsys_names[0]); i++)
		if (dvb_delsys_names[i].value == v)
			return dvb_delsys_names[i].name;
	return "other";
}

static int dvb_number(const char *opt, const char *arg, uint64_t min, uint64_t max,
		      uint64_t *out)
{
	int ret = capture_parse_u64(arg, min, max, out);

	if (ret == -ERANGE)
		return dvb_usage_error("--%s %s: out of range %llu..%llu", opt, arg,
				       (unsigned long long)min, (unsigned long long)max);
	if (ret)
		return dvb_usage_error("--%s %s: not a number", opt, arg);
	return 0;
}

static int parse_pids(const char *arg, struct dvb_options *o)
{
	char tmp[512], *save = NULL, *tok, *end;
	unsigned long v;

	if (strlen(arg) >= sizeof(tmp))
		return dvb_usage_error("--dvb-pids: too long");
	strcpy(tmp, arg);
	o->num_pids = 0;
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		errno = 0;
		v = strtoul(tok, &end, 0);
		if (errno || *end || end == tok || *tok == '-' || v > 0x1fff)
			return dvb_usage_error("--dvb-pids: '%s' is not a PID (0..0x1fff)", tok);
		if (o->num_pids == P2PBUF_DVB_MAX_PIDS)
			return dvb_usage_error("--dvb-pids: at most %d PIDs", P2PBUF_DVB_MAX_PIDS);
		o->pids[o->num_pids++] = (uint16_t)v;
	}
	if (!o->num_pids)
		return dvb_usage_error("--dvb-pids: no PID given");
	return 0;
}

/* 0, EXIT_USAGE, or -1 after --help. */
static int dvb_parse_args(int argc, char **argv, struct dvb_options *o)
{
	uint64_t n;
	size_t i;
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->ring = DVB_DEFAULT_RING;
	o->kernel_buf = DVB_DEFAULT_KERNEL_BUF;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", dvb_long_options, NULL)) != -1) {
		ret = 0;
		switch (c) {
		case O_DVB:
			o->adapter = optarg;
			break;
		case O_FRONTEND:
			ret = dvb_number("dvb-frontend", optarg, 0, 255, &n);
			o->frontend = (unsigned int)n;
			break;
		case O_DEMUX:
			ret = dvb_number("dvb-demux", optarg, 0, 255, &n);
			o->demux = (unsigned int)n;
			break;
		case O_DVR:
			ret = dvb_number("dvb-dvr", optarg, 0, 255, &n);
			o->dvr = (unsigned int)n;
			break;
		case O_FREQUENCY:
			ret = dvb_number("dvb-frequency", optarg, 1, UINT32_MAX, &n);
			o->frequency = (uint32_t)n;
			o->tune = true;
			break;
		case O_DELSYS:
			for (i = 0; i < sizeof(dvb_delsys_names) / sizeof(dvb_delsys_names[0]); i++)
				if (!strcmp(optarg, dvb_delsys_names[i].name))
					break;
			if (i == sizeof(dvb_delsys_names) / sizeof(dvb_delsys_names[0]))
				return dvb_usage_error("--dvb-delsys %s: one of dvbt, dvbt2, dvbc, dvbs, dvbs2, isdbt, atsc", optarg);
			o->delsys = dvb_delsys_names[i].value;
			break;
		case O_BANDWIDTH:
			ret = dvb_number("dvb-bandwidth", optarg, 1, UINT32_MAX, &n);
			o->bandwidth_hz = (uint32_t)n;
			break;
		case O_SYMBOL_RATE:
			ret = dvb_number("dvb-symbol-rate", optarg, 1, UINT32_MAX, &n);
			o->symbol_rate = (uint32_t)n;
			break;
		case O_PIDS:
			ret = parse_pids(optarg, o);
			break;
		case O_DURATION:
			ret = dvb_number("dvb-duration", optarg, 0, 86400 * 365, &o->duration_s);
			break;
		case O_KERNEL_BUF:
			ret = dvb_number("dvb-kernel-buffer", optarg, 4096, 1u << 30, &o->kernel_buf);
			break;
		case O_PROVIDER:
			o->provider = optarg;
			break;
		case O_RING:
			ret = dvb_number("ring", optarg, 1, DVB_MAX_RING, &n);
			o->ring = (unsigned int)n;
			break;
		case O_STREAM_TO:
			o->stream_to = optarg;
			break;
		case O_STREAM_OFFSET:
			ret = dvb_number("stream-offset", optarg, 0, INT64_MAX, &o->stream_offset);
			if (!ret && o->stream_offset % DVB_ALIGN)
				return dvb_usage_error("--stream-offset %s: not a multiple of %d", optarg, DVB_ALIGN);
			o->have_offset = true;
			break;
		case O_MAX_DROPS:
			ret = dvb_number("max-drops", optarg, 0, UINT64_MAX, &o->max_drops);
			o->have_max_drops = true;
			break;
		case O_TIMEOUT:
			ret = dvb_number("timeout", optarg, 0, 86400, &o->timeout_s);
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case 'h':
			dvb_usage(stdout);
			return -1;
		case ':':
			return dvb_usage_error("%s needs an argument", argv[optind - 1]);
		default:
			return dvb_usage_error("%s is not an option of --dvb mode", argv[optind - 1]);
		}
		if (ret)
			return ret;
	}
	if (optind < argc)
		return dvb_usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->provider)
		return dvb_usage_error("--provider SPEC is required (e.g. pci:0000:05:00.0/bar2, cmb:0000:03:00.0, heap:system)");
	if (o->stream_to && !strcmp(o->stream_to, "-"))
		return dvb_usage_error("--stream-to -: writing to stdout is not supported, give a file");
	if (o->have_offset && !o->stream_to)
		return dvb_usage_error("--stream-offset needs --stream-to");
	return 0;
}

/* ---- storage ---- */

/*
 * Write the first @len bytes of @buf at the current position of --stream-to.
 * The one place bytes leave device memory for storage.
 */
static int write_chunk(struct dvb_capture *c, struct p2pbuf_buffer *buf, uint64_t len)
{
	uint64_t off = c->o->stream_offset + c->written, done = 0;
	void *addr;
	ssize_t n;
	int ret;

	ret = p2pbuf_buffer_map(buf, P2PBUF_MAP_READ, &addr);
	if (ret) {
		dvb_report(ret, "map", "cannot map chunk %llu for --stream-to",
			   (unsigned long long)c->chunks);
		return -1;
	}
	while (done < len) {
		n = pwrite(c->out_fd, (const char *)addr + done, (size_t)(len - done),
			   (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (uint64_t)n;
	}
	ret = done == len ? 0 : n < 0 ? -errno : -ENOSPC;
	p2pbuf_buffer_unmap(buf);
	if (ret) {
		dvb_report(ret, NULL, "writing chunk %llu (%llu bytes at offset %llu) to %s",
			   (unsigned long long)c->chunks, (unsigned long long)len,
			   (unsigned long long)off, c->o->stream_to);
		if (ret == -EFAULT)
			dvb_advice("the file system cannot write from this mapping (device memory without struct pages, or a 9p share): write to a local file system or block device");
		return -1;
	}
	c->written += len;
	return 0;
}

/* ---- progress and summary ---- */

static void dvb_progress(const struct dvb_capture *c, const struct capture_sample *prev,
			 const struct capture_sample *now, const struct p2pbuf_dvb_stats *st)
{
	struct capture_rate r;
	double elapsed = (double)(now->t_ns - c->t_start_ns) / 1e9;

	if (c->o->quiet)
		return;
	capture_rate(prev, now, &r);
	if (c->o->json) {
		printf("{\"event\":\"progress\",\"elapsed_s\":%.3f,\"mbps\":%.3f,\"bytes\":%llu,"
		       "\"packets\":%llu,\"overflows\":%llu,\"cc_errors\":%llu,\"sync_losses\":%llu,"
		       "\"written\":%llu}\n", elapsed, r.mbps, (unsigned long long)st->bytes,
		       (unsigned long long)st->packets, (unsigned long long)st->overflows,
		       (unsigned long long)st->cc_errors, (unsigned long long)st->sync_losses,
		       (unsigned long long)c->written);
		fflush(stdout);
	} else {
		fprintf(stderr, "%7.1f s %8.2f MB/s  packets %llu  overflows %llu  cc errors %llu%s\n",
			elapsed, r.mbps, (unsigned long long)st->packets,
			(unsigned long long)st->overflows, (unsigned long long)st->cc_errors,
			st->sync_losses ? "  SYNC LOST" : "");
	}
}

static void dvb_summary(const struct dvb_capture *c, const struct p2pbuf_dvb_stats *st)
{
	struct capture_sample t0 = { .t_ns = c->t_start_ns }, t1 = {
		.t_ns = c->t_end_ns, .frames = st->packets, .bytes = st->bytes };
	struct capture_rate r;
	char s_prov[512], s_stop[128], s_fe[300], s_to[1100];

	capture_rate(&t0, &t1, &r);
	if (c->o->json) {
		capture_json_str(s_prov, sizeof(s_prov), p2pbuf_provider_name(c->prov));
		capture_json_str(s_stop, sizeof(s_stop), c->stopped);
		capture_json_str(s_fe, sizeof(s_fe), c->have_fe ? c->fe.name : "");
		capture_json_str(s_to, sizeof(s_to), c->o->stream_to ? c->o->stream_to : "");
		printf("{\"event\":\"summary\",\"mode\":\"dvb\",\"bytes\":%llu,\"packets\":%llu,"
		       "\"reads\":%llu,\"overflows\":%llu,\"cc_errors\":%llu,\"sync_losses\":%llu,"
		       "\"transport_errors\":%llu,\"elapsed_s\":%.3f,\"mbps\":%.3f,\"chunk\":%llu,"
		       "\"chunks\":%llu,\"ring\":%u,\"provider\":%s,\"frontend\":%s,"
		       "\"frequency\":%u,\"stream_to\":%s,\"stream_offset\":%llu,\"written\":%llu",
		       (unsigned long long)st->bytes, (unsigned long long)st->packets,
		       (unsigned long long)st->reads, (unsigned long long)st->overflows,
		       (unsigned long long)st->cc_errors, (unsigned long long)st->sync_losses,
		       (unsigned long long)st->transport_errors, r.seconds, r.mbps,
		       (unsigned long long)c->chunk, (unsigned long long)c->chunks, c->o->ring,
		       s_prov, s_fe, c->have_fe ? c->fe.frequency : 0, s_to,
		       (unsigned long long)c->o->stream_offset, (unsigned long long)c->written);
		if (c->have_range)
			printf(",\"offset_min\":%llu,\"offset_end\":%llu",
			       (unsigned long long)c->off_min, (unsigned long long)c->off_end);
		printf(",\"stopped\":%s}\n", s_stop);
		fflush(stdout);
		return;
	}
	if (c->o->quiet)
		return;
	printf("packets:   %llu (%llu bytes), %s\n", (unsigned long long)st->packets,
	       (unsigned long long)st->bytes, c->stopped);
	printf("overflows: %llu%s\n", (unsigned long long)st->overflows,
	       st->overflows ? " (the kernel's dvr ring overflowed: packets LOST)" : "");
	printf("cc errors: %llu%s\n", (unsigned long long)st->cc_errors,
	       st->cc_errors ? " (continuity counter gaps: packets lost)" : "");
	if (st->sync_losses || st->transport_errors)
		printf("corrupt:   %llu packets without sync byte, %llu with transport error\n",
		       (unsigned long long)st->sync_losses,
		       (unsigned long long)st->transport_errors);
	printf("elapsed:   %.3f s\n", r.seconds);
	printf("average:   %.2f MB/s\n", r.mbps);
	if (c->have_fe)
		printf("frontend:  %s, %s, %u\n", c->fe.name, dvb_delsys_name(c->fe.delivery_system),
		       c->fe.frequency);
	printf("provider:  %s (%s)\n", p2pbuf_provider_name(c->prov),
	       p2pbuf_provider_kind_name(p2pbuf_provider_kind(c->prov)));
	if (c->have_range)
		printf("buffers:   %u of %llu bytes at offsets 0x%llx-0x%llx\n", c->o->ring,
		       (unsigned long long)c->chunk, (unsigned long long)c->off_min,
		       (unsigned long long)c->off_end);
	else
		printf("buffers:   %u of %llu bytes\n", c->o->ring, (unsigned long long)c->chunk);
	if (c->o->stream_to)
		printf("written:   %s (%llu bytes at offset %llu)\n", c->o->stream_to,
		       (unsigned long long)c->written, (unsigned long long)c->o->stream_offset);
	fflush(stdout);
}

/* ---- setup and loop ---- */

static int dvb_setup(struct dvb_capture *c)
{
	const struct dvb_options *o = c->o;
	struct p2pbuf_buffer_desc d;
	unsigned int i;
	int ret;

	c->chunk = capture_dvb_chunk(DVB_CHUNK_MAX, DVB_ALIGN);
	ret = p2pbuf_provider_open(o->provider, &c->prov);
	if (ret) {
		dvb_report(ret, ret == -EINVAL ? "spec:" : o->provider, "cannot open provider %s",
			   o->provider);
		return -1;
	}
	c->ring = calloc(o->ring, sizeof(*c->ring));
	if (!c->ring) {
		dvb_report(-ENOMEM, NULL, "ring of %u buffers", o->ring);
		return -1;
	}
	for (i = 0; i < o->ring; i++) {
		ret = p2pbuf_alloc(c->prov, c->chunk, 0, &c->ring[i]);
		if (ret) {
			dvb_report(ret, "alloc", "allocating buffer %u of %u (%llu bytes) from %s", i,
				   o->ring, (unsigned long long)c->chunk, p2pbuf_provider_name(c->prov));
			return -1;
		}
		if (!p2pbuf_buffer_info(c->ring[i], &d, NULL, 0)) {
			if (!c->have_range || d.offset < c->off_min)
				c->off_min = d.offset;
			if (!c->have_range || d.offset + d.size > c->off_end)
				c->off_end = d.offset + d.size;
			c->have_range = true;
		}
	}

	ret = p2pbuf_dvb_open(o->adapter, o->frontend, o->demux, o->dvr, 0, &c->dvb);
	if (ret) {
		dvb_report(ret, NULL, "cannot open DVB adapter %s (demux%u, dvr%u)", o->adapter,
			   o->demux, o->dvr);
		if (ret == -ENOENT)
			dvb_advice("check ls /dev/dvb; for the virtual test adapter: modprobe dvb-vidtv-bridge");
		else if (ret == -EBUSY)
			dvb_advice("another program reads the dvr device: stop it");
		return -1;
	}
	if (o->tune) {
		struct p2pbuf_dvb_tuning t = {
			.delivery_system = o->delsys, .frequency = o->frequency,
			.bandwidth_hz = o->bandwidth_hz, .symbol_rate = o->symbol_rate,
		};

		ret = p2pbuf_dvb_tune(c->dvb, &t, DVB_LOCK_MS);
		c->have_fe = !p2pbuf_dvb_frontend_info(c->dvb, &c->fe);
		if (ret) {
			dvb_report(ret, NULL, "cannot tune frontend%u of %s to %u (status 0x%x)",
				   o->frontend, o->adapter, o->frequency, c->have_fe ? c->fe.status : 0);
			if (ret == -ETIMEDOUT)
				dvb_advice("no lock: check the frequency (dvbv5-scan lists the channels) and the antenna");
			else if (ret == -EBUSY)
				dvb_advice("another program holds the frontend: tune with it and leave out --dvb-frequency");
			return -1;
		}
	} else {
		c->have_fe = !p2pbuf_dvb_frontend_info(c->dvb, &c->fe);
	}
	ret = p2pbuf_dvb_set_buffer_size(c->dvb, o->kernel_buf);
	if (ret) {
		dvb_report(ret, NULL, "cannot set the dvr ring to %llu bytes",
			   (unsigned long long)o->kernel_buf);
		return -1;
	}
	if (o->stream_to) {
		c->out_fd = open(o->stream_to, O_WRONLY | O_CREAT | O_CLOEXEC |
				 (o->have_offset ? 0 : O_TRUNC), 0644);
		if (c->out_fd < 0) {
			dvb_report(-errno, NULL, "cannot open --stream-to %s", o->stream_to);
			return -1;
		}
	}
	if (sigaction(SIGINT, &(struct sigaction){ .sa_handler = dvb_on_signal,
						   .sa_flags = SA_RESETHAND }, NULL) ||
	    sigaction(SIGTERM, &(struct sigaction){ .sa_handler = dvb_on_signal,
						    .sa_flags = SA_RESETHAND }, NULL)) {
		dvb_report(-errno, NULL, "sigaction");
		return -1;
	}
	ret = p2pbuf_dvb_set_pids(c->dvb, o->num_pids ? o->pids : NULL, o->num_pids);
	if (ret) {
		dvb_report(ret, NULL, "cannot start the demux filter on %s", o->adapter);
		return -1;
	}
	if (!o->quiet && !o->json)
		fprintf(stderr, "%s: %s%s%s into %s (%u buffers of %llu bytes)%s\n", PROG,
			o->adapter, c->have_fe ? ": " : "", c->have_fe ? c->fe.name : "",
			p2pbuf_provider_name(c->prov), o->ring, (unsigned long long)c->chunk,
			o->duration_s ? "" : "; Ctrl-C stops");
	return 0;
}

static int dvb_run(struct dvb_capture *c)
{
	const struct dvb_options *o = c->o;
	struct capture_sample prev, now;
	struct p2pbuf_dvb_stats st;
	uint64_t next_tick, fill = 0, t;
	struct p2pbuf_buffer *buf = c->ring[0];
	int64_t n;

	c->t_start_ns = c->t_last_data_ns = dvb_now_ns();
	prev = (struct capture_sample){ .t_ns = c->t_start_ns };
	next_tick = c->t_start_ns + TICK_NS;
	c->stopped = "done";

	for (;;) {
		t = dvb_now_ns();
		if (dvb_stop_signal) {
			c->stopped = dvb_stop_signal == SIGINT ? "interrupted (SIGINT)"
							       : "terminated (SIGTERM)";
			break;
		}
		if (o->duration_s && t - c->t_start_ns >= o->duration_s * 1000000000ull) {
			c->stopped = "duration reached";
			break;
		}
		if (t >= next_tick) {
			p2pbuf_dvb_stats(c->dvb, &st);
			now = (struct capture_sample){ .t_ns = t, .frames = st.packets,
						       .bytes = st.bytes };
			dvb_progress(c, &prev, &now, &st);
			prev = now;
			next_tick += TICK_NS * ((t - next_tick) / TICK_NS + 1);
		}
		if (o->timeout_s && t - c->t_last_data_ns >= o->timeout_s * 1000000000ull) {
			dvb_report(-ETIMEDOUT, NULL, "no data from %s for %llu s", o->adapter,
				   (unsigned long long)o->timeout_s);
			c->stopped = "stopped by an error";
			return -1;
		}
		n = p2pbuf_dvb_read(c->dvb, buf, fill, c->chunk - fill, READ_WAIT_MS);
		if (n == -ETIMEDOUT || n == -EAGAIN || n == -EINTR)
			continue;
		if (n < 0) {
			dvb_report((int)n, "map", "reading %s into %s failed", o->adapter,
				   p2pbuf_provider_name(c->prov));
			c->stopped = "stopped by an error";
			return -1;
		}
		c->t_last_data_ns = dvb_now_ns();
		fill += (uint64_t)n;
		if (fill < c->chunk)
			continue;
		if (o->stream_to && write_chunk(c, buf, fill)) {
			c->stopped = "stopped by an error";
			return -1;
		}
		c->chunks++;
		buf = c->ring[c->chunks % o->ring];
		fill = 0;
	}
	/* The last, partial chunk: whole packets, not a multiple of 4096. */
	if (fill) {
		if (o->stream_to && write_chunk(c, buf, fill))
			return -1;
		c->chunks++;
	}
	return 0;
}

int capture_dvb_main(int argc, char **argv)
{
	struct dvb_capture c = { .out_fd = -1 };
	struct p2pbuf_dvb_stats st;
	struct dvb_options o;
	int ret, status = EXIT_SUCCESS;
	unsigned int i;
	bool started = false;

	ret = dvb_parse_args(argc, argv, &o);
	if (ret < 0)
		return EXIT_SUCCESS;
	if (ret)
		return ret;
	c.o = &o;
	dvb_json = o.json;

	if (dvb_setup(&c)) {
		status = EXIT_FAILURE;
	} else {
		started = true;
		if (dvb_run(&c))
			status = EXIT_FAILURE;
		c.t_end_ns = dvb_now_ns();
	}
	if (c.out_fd >= 0) {
		/* A block device keeps the data in its page cache until then. */
		if (fsync(c.out_fd) && errno != EINVAL) {
			dvb_report(-errno, NULL, "flushing --stream-to %s", o.stream_to);
			status = EXIT_FAILURE;
		}
		if (close(c.out_fd)) {
			dvb_report(-errno, NULL, "closing --stream-to %s", o.stream_to);
			status = EXIT_FAILURE;
		}
	}
	if (started) {
		p2pbuf_dvb_stats(c.dvb, &st);
		dvb_summary(&c, &st);
		if (status == EXIT_SUCCESS && o.have_max_drops &&
		    st.overflows + st.cc_errors > o.max_drops) {
			dvb_report(0, NULL, "%llu losses (%llu overflows, %llu continuity errors), more than --max-drops %llu",
				   (unsigned long long)(st.overflows + st.cc_errors),
				   (unsigned long long)st.overflows, (unsigned long long)st.cc_errors,
				   (unsigned long long)o.max_drops);
			dvb_advice("a larger --dvb-kernel-buffer, more --ring buffers, or faster storage");
			status = EXIT_DROPS;
		}
	}
	p2pbuf_dvb_close(c.dvb);
	if (c.ring) {
		for (i = 0; i < o.ring; i++)
			p2pbuf_buffer_free(c.ring[i]);
	}
	free(c.ring);
	p2pbuf_provider_close(c.prov);
	return status;
}
