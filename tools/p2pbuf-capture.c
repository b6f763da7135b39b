// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p2pbuf-capture: capture V4L2 frames straight into device memory
 * (V4L2_MEMORY_DMABUF into dma-bufs of a libp2pbuf provider), report the
 * rate and where every frame landed, optionally write the frames to a file.
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
#include <sys/stat.h>
#include <unistd.h>
#include <linux/videodev2.h>

#include <p2pbuf/p2pbuf.h>

#include "p2pbuf-capture-dvb.h"
#include "p2pbuf-capture-util.h"

#define PROG			"p2pbuf-capture"

#define EXIT_USAGE		2
#define EXIT_DROPS		3

#define DEFAULT_DEVICE		"/dev/video0"
#define DEFAULT_BUFFERS		4
#define MAX_BUFFERS		32	/* p2pbuf_stream_setup()'s limit */
#define MAX_RING		65536
#define ATTACH_CAP		8
#define TICK_NS			1000000000ull
#define QUIET_WARN_S		5	/* warn after this long without a frame */

struct options {
	const char *device;
	char device_buf[16];	/* "-d 0": /dev/video0 */
	const char *provider;
	const char *stream_to;
	uint64_t stream_offset;	/* where the first frame goes in --stream-to */
	bool bounce;		/* --bounce: copy through system RAM */
	bool fsync;		/* --fsync: flush --stream-to at the end */
	bool pad;		/* --pad: pad each plane to the DIO alignment */
	const char *manifest;
	bool set_fmt;
	struct capture_fmt fmt;
	uint64_t count;		/* 0: until interrupted */
	uint64_t skip;
	unsigned int buffers;
	unsigned int ring;	/* 0: no ring, the stream's own buffers */
	bool have_max_drops;
	uint64_t max_drops;
	uint64_t timeout_s;	/* 0: wait for frames forever */
	bool json;
	bool quiet;
};

struct capture {
	const struct options *o;
	struct p2pbuf_provider *prov;
	struct p2pbuf_stream *stream;
	struct p2pbuf_format fmt;
	unsigned int slots;		/* V4L2 buffers the driver granted */
	bool p2pbuf;			/* buffers are p2pbuf dma-bufs (have a location) */

	/* --ring: ring[r * num_planes + p]; slot_ring[index] = r now in the slot */
	struct p2pbuf_buffer **ring;
	unsigned int *slot_ring;
	uint64_t qbufs;			/* VIDIOC_QBUFs so far, setup's included */

	/* --stream-to: the storage I/O handle, next offset, what was written */
	struct p2pbuf_io *io;
	uint32_t io_align;
	uint64_t out_off;
	uint64_t written_frames;
	uint64_t written_bytes;		/* payload bytes, padding not counted */
	uint64_t write_ns;
	uint32_t io_paths;		/* bit per enum p2pbuf_io_path used */
	FILE *manifest;

	/* counters of captured frames (not the skipped ones) */
	uint64_t dequeued;
	uint64_t frames;
	uint64_t bytes;
	uint64_t dropped;
	uint64_t errors;
	uint64_t t_start_ns, t_end_ns, t_last_frame_ns;

	/* where the frames landed */
	bool have_range;
	uint64_t off_min, off_end;
	char route[512];

	const char *stopped;		/* why the loop ended */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- messages ---- */

static bool json_mode;

static void json_error(const char *msg)
{
	char s[1024];

	if (!json_mode)
		return;
	capture_json_str(s, sizeof(s), msg);
	printf("{\"event\":\"error\",\"message\":%s}\n", s);
	fflush(stdout);
}

/*
 * "p2pbuf-capture: <what>: <strerror>", then the library's detail and the
 * advice for @err (p2pbuf_error_hint with @op), each on its own line.
 */
static void __attribute__((format(printf, 4, 5)))
report(int err, const char *op, const char *detail, const char *fmt, ...)
{
	char what[512], line[1024];
	const char *hint = p2pbuf_error_hint(err, op);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s: %s", what, strerror(err < 0 ? -err : err));
	fprintf(stderr, "%s: %s\n", PROG, line);
	if (detail && *detail)
		fprintf(stderr, "  reason: %s\n", detail);
	if (*hint)
		fprintf(stderr, "  what to do: %s\n", hint);
	json_error(line);
}

/* An error that is not an errno: message and advice. */
static void __attribute__((format(printf, 2, 3)))
report_msg(const char *hint, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", PROG, what);
	if (hint && *hint)
		fprintf(stderr, "  what to do: %s\n", hint);
	json_error(what);
}

/* ---- command line ---- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " --provider SPEC [options]\n"
"Capture V4L2 frames straight into device memory (V4L2_MEMORY_DMABUF).\n"
"\n"
"  -d, --device PATH          V4L2 capture device (default " DEFAULT_DEVICE ")\n"
"      --provider SPEC        where the buffers live (required): pci:BDF[/barN],\n"
"                             cmb:BDF, name:NODE, heap:NAME, udmabuf, drm:PATH\n"
"  -v, --set-fmt-video=width=W,height=H,pixelformat=FOURCC[,field=F][,bytesperline=B]\n"
"                             set the format first, as v4l2-ctl (keys optional)\n"
"      --stream-count N       capture N frames (default 0: until Ctrl-C)\n"
"      --stream-skip N        drop the first N frames (requeued, not counted)\n"
"      --stream-to FILE       write every frame's bytes to FILE (a file or a block\n"
"                             device) with O_DIRECT, straight from device memory\n"
"                             where the PCI route allows it\n"
"      --stream-offset N      write the first frame at byte N of FILE (default 0)\n"
"      --bounce               copy frames through system RAM before writing\n"
"                             (for routes that cannot do peer-to-peer DMA)\n"
"      --fsync                flush FILE to stable storage at the end\n"
"      --pad                  pad each frame with zeros to the direct I/O\n"
"                             alignment (else such frame sizes are refused)\n"
"      --buffers N            V4L2 queue depth, 1..%d (default %d)\n"
"      --ring N               spread frames over N device-memory buffers\n"
"                             (N >= --buffers): frame k lands in buffer k %% N\n"
"      --manifest FILE        one JSON line per frame: where it landed\n"
"      --max-drops N          exit 3 if more than N frames were dropped\n"
"      --timeout SEC          fail when no frame comes for SEC seconds\n"
"                             (default 0: keep waiting, warn every %d s)\n"
"      --json                 progress and summary as JSON lines on stdout\n"
"      --quiet                no progress; no summary unless --json\n"
"  -h, --help                 this help\n"
"\n"
"      --dvb ADAPTER          DVB mode: a transport stream into device memory\n"
"                             and storage (" PROG " --dvb X --help)\n"
"\n"
"Exit status: 0 done (or stopped by Ctrl-C), 1 error, 2 usage error,\n"
"3 more frames dropped than --max-drops.\n"
"See " PROG "(1).\n", MAX_BUFFERS, DEFAULT_BUFFERS, QUIET_WARN_S);
}

static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", PROG);
	return EXIT_USAGE;
}

enum {
	OPT_PROVIDER = 0x100,
	OPT_STREAM_COUNT,
	OPT_STREAM_SKIP,
	OPT_STREAM_TO,
	OPT_STREAM_OFFSET,
	OPT_BOUNCE,
	OPT_FSYNC,
	OPT_PAD,
	OPT_BUFFERS,
	OPT_RING,
	OPT_MANIFEST,
	OPT_MAX_DROPS,
	OPT_TIMEOUT,
	OPT_JSON,
	OPT_QUIET,
};

static const struct option long_options[] = {
	{ "device",		required_argument, NULL, 'd' },
	{ "set-fmt-video",	required_argument, NULL, 'v' },
	{ "provider",		required_argument, NULL, OPT_PROVIDER },
	{ "stream-count",	required_argument, NULL, OPT_STREAM_COUNT },
	{ "stream-skip",	required_argument, NULL, OPT_STREAM_SKIP },
	{ "stream-to",		required_argument, NULL, OPT_STREAM_TO },
	{ "stream-offset",	required_argument, NULL, OPT_STREAM_OFFSET },
	{ "bounce",		no_argument,	   NULL, OPT_BOUNCE },
	{ "fsync",		no_argument,	   NULL, OPT_FSYNC },
	{ "pad",		no_argument,	   NULL, OPT_PAD },
	{ "buffers",		required_argument, NULL, OPT_BUFFERS },
	{ "ring",		required_argument, NULL, OPT_RING },
	{ "manifest",		required_argument, NULL, OPT_MANIFEST },
	{ "max-drops",		required_argument, NULL, OPT_MAX_DROPS },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "json",		no_argument,	   NULL, OPT_JSON },
	{ "quiet",		no_argument,	   NULL, OPT_QUIET },
	{ "help",		no_argument,	   NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int number(const char *opt, const char *arg, uint64_t min, uint64_t max,
		  uint64_t *out)
{
	int ret = capture_parse_u64(arg, min, max, out);

	if (ret == -ERANGE)
		return usage_error("--%s %s: out of range %llu..%llu", opt, arg,
				   (unsigned long long)min, (unsigned long long)max);
	if (ret)
		return usage_error("--%s %s: not a number", opt, arg);
	return 0;
}

/* 0, EXIT_USAGE, or -1 after --help (exit 0). */
static int parse_args(int argc, char **argv, struct options *o)
{
	uint64_t n;
	char err[256];
	int c, ret;
	bool have_buffers = false;

	memset(o, 0, sizeof(*o));
	o->device = DEFAULT_DEVICE;
	o->buffers = DEFAULT_BUFFERS;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:v:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->device = capture_device_path(optarg, o->device_buf, sizeof(o->device_buf));
			break;
		case 'v':
			if (capture_parse_fmt(optarg, &o->fmt, err, sizeof(err)))
				return usage_error("--set-fmt-video %s: %s", optarg, err);
			o->set_fmt = true;
			break;
		case OPT_PROVIDER:
			o->provider = optarg;
			break;
		case OPT_STREAM_COUNT:
			if ((ret = number("stream-count", optarg, 0, UINT64_MAX, &o->count)))
				return ret;
			break;
		case OPT_STREAM_SKIP:
			if ((ret = number("stream-skip", optarg, 0, UINT64_MAX, &o->skip)))
				return ret;
			break;
		case OPT_STREAM_TO:
			o->stream_to = optarg;
			break;
		case OPT_STREAM_OFFSET:
			if ((ret = number("stream-offset", optarg, 0, INT64_MAX, &o->stream_offset)))
				return ret;
			break;
		case OPT_BOUNCE:
			o->bounce = true;
			break;
		case OPT_FSYNC:
			o->fsync = true;
			break;
		case OPT_PAD:
			o->pad = true;
			break;
		case OPT_BUFFERS:
			if ((ret = number("buffers", optarg, 1, MAX_BUFFERS, &n)))
				return ret;
			o->buffers = (unsigned int)n;
			have_buffers = true;
			break;
		case OPT_RING:
			if ((ret = number("ring", optarg, 1, MAX_RING, &n)))
				return ret;
			o->ring = (unsigned int)n;
			break;
		case OPT_MANIFEST:
			o->manifest = optarg;
			break;
		case OPT_MAX_DROPS:
			if ((ret = number("max-drops", optarg, 0, UINT64_MAX, &o->max_drops)))
				return ret;
			o->have_max_drops = true;
			break;
		case OPT_TIMEOUT:
			if ((ret = number("timeout", optarg, 0, 86400, &o->timeout_s)))
				return ret;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case ':':
			return usage_error("%s needs an argument", argv[optind - 1]);
		default:
			if (optopt)
				return usage_error("unknown option -%c", optopt);
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->provider)
		return usage_error("--provider SPEC is required (e.g. pci:0000:05:00.0/bar2, cmb:0000:03:00.0, heap:system)");
	if (o->ring && o->ring < o->buffers)
		return usage_error("--ring %u must be at least --buffers %u%s", o->ring,
				   o->buffers, have_buffers ? "" : " (the default)");
	if (o->stream_to && !strcmp(o->stream_to, "-"))
		return usage_error("--stream-to -: writing frames to stdout is not supported, give a file");
	if (o->stream_to && o->manifest && !strcmp(o->stream_to, o->manifest))
		return usage_error("--stream-to and --manifest name the same file");
	if (!o->stream_to && (o->bounce || o->fsync || o->pad || o->stream_offset))
		return usage_error("--stream-offset, --bounce, --fsync and --pad need --stream-to FILE");
	return 0;
}

/* ---- setup ---- */

/*
 * --stream-to: O_DIRECT through libp2pbuf's storage I/O. Every plane of a
 * frame must be a whole number of direct I/O blocks (or --pad), so that the
 * frames sit at the offsets the manifest reports and nothing is bounced
 * behind the user's back.
 */
static int open_stream_to(struct capture *c)
{
	const struct options *o = c->o;
	uint32_t flags = P2PBUF_IO_WRITE | P2PBUF_IO_CREATE;
	struct p2pbuf_io_stats st;
	unsigned int p;
	int ret;

	if (o->bounce)
		flags |= P2PBUF_IO_BOUNCE;
	if (o->fsync)
		flags |= P2PBUF_IO_SYNC;
	if (o->pad)
		flags |= P2PBUF_IO_PAD;
	ret = p2pbuf_io_open(o->stream_to, flags, &c->io);
	if (ret == -EINVAL && !o->bounce) {
		report(ret, NULL, "the file system has no O_DIRECT (a 9p or FUSE share?)",
		       "cannot open --stream-to %s for direct I/O", o->stream_to);
		fprintf(stderr, "  what to do: write to a local file system or a block device, or add --bounce\n");
		return -1;
	}
	if (ret) {
		report(ret, NULL, NULL, "cannot open --stream-to %s", o->stream_to);
		return -1;
	}
	p2pbuf_io_stats(c->io, &st);
	c->io_align = st.align;
	if (o->stream_offset % st.align) {
		report_msg("give an offset that is a multiple of the alignment",
			   "--stream-offset %llu is not a multiple of the direct I/O alignment %u of %s",
			   (unsigned long long)o->stream_offset, st.align, o->stream_to);
		return -1;
	}
	for (p = 0; p < c->fmt.num_planes && !o->pad; p++) {
		if (c->fmt.sizeimage[p] % st.align) {
			report_msg("add --pad to pad each frame with zeros to the alignment, or choose a format whose frame size is a multiple of it",
				   "frame size %u bytes%s is not a multiple of the direct I/O alignment %u of %s",
				   c->fmt.sizeimage[p], c->fmt.num_planes > 1 ? " (a plane)" : "",
				   st.align, o->stream_to);
			return -1;
		}
	}
	/* A regular file ends where the frames start; a block device is
	 * written in place. */
	{
		struct stat sb;

		if (fstat(p2pbuf_io_fd(c->io), &sb) == 0 && S_ISREG(sb.st_mode) &&
		    ftruncate(p2pbuf_io_fd(c->io), (off_t)o->stream_offset)) {
			report(-errno, NULL, NULL, "cannot truncate --stream-to %s", o->stream_to);
			return -1;
		}
	}
	c->out_off = o->stream_offset;
	return 0;
}

static int open_outputs(struct capture *c)
{
	const struct options *o = c->o;

	if (o->stream_to && open_stream_to(c))
		return -1;
	if (o->manifest) {
		c->manifest = fopen(o->manifest, "we");
		if (!c->manifest) {
			report(-errno, NULL, NULL, "cannot create --manifest %s", o->manifest);
			return -1;
		}
	}
	return 0;
}

static int set_format(struct capture *c)
{
	const struct capture_fmt *want = &c->o->fmt;
	struct p2pbuf_format f;
	char a[16], b[16];
	int ret;

	ret = p2pbuf_stream_get_format(c->stream, &f);
	if (ret) {
		report(ret, "stream", p2pbuf_stream_error(c->stream),
		       "cannot read the format of %s", c->o->device);
		return -1;
	}
	if (c->o->set_fmt) {
		if (want->has_width)
			f.width = want->width;
		if (want->has_height)
			f.height = want->height;
		if (want->has_pixelformat)
			f.pixelformat = want->pixelformat;
		if (want->has_field)
			f.field = want->field;
		/* The old stride would pin the line length of the old width. */
		f.bytesperline[0] = want->has_bytesperline ? want->bytesperline : 0;
		ret = p2pbuf_stream_set_format(c->stream, &f);
		if (ret) {
			report(ret, "stream", p2pbuf_stream_error(c->stream),
			       "cannot set the format of %s", c->o->device);
			return -1;
		}
		if (!c->o->quiet &&
		    ((want->has_width && f.width != want->width) ||
		     (want->has_height && f.height != want->height) ||
		     (want->has_pixelformat && f.pixelformat != want->pixelformat)))
			fprintf(stderr, "%s: note: the driver chose %ux%u %s instead of %ux%u %s\n",
				PROG, f.width, f.height, capture_fourcc_str(f.pixelformat, a, sizeof(a)),
				want->has_width ? want->width : f.width,
				want->has_height ? want->height : f.height,
				capture_fourcc_str(want->has_pixelformat ? want->pixelformat
									 : f.pixelformat, b, sizeof(b)));
	}
	c->fmt = f;
	return 0;
}

/*
 * The ring: ring buffer r is used by the n-th QBUF when
 * capture_ring_slot(n, skip, ring) == r. Setup queued slot i as QBUF number
 * i with the stream's own buffers: those become the ring buffers of their
 * numbers (the tool keeps a dup of each, the stream drops its own at the
 * first replacement); the others are allocated here.
 */
static int setup_ring(struct capture *c)
{
	unsigned int np = c->fmt.num_planes, r, i, p;
	struct p2pbuf_buffer *src;
	int ret;

	c->ring = calloc((size_t)c->o->ring * np, sizeof(*c->ring));
	c->slot_ring = calloc(c->slots, sizeof(*c->slot_ring));
	if (!c->ring || !c->slot_ring) {
		report(-ENOMEM, NULL, NULL, "ring of %u buffers", c->o->ring);
		return -1;
	}
	for (i = 0; i < c->slots; i++) {
		r = capture_ring_slot(i, c->o->skip, c->o->ring);
		c->slot_ring[i] = r;
		for (p = 0; p < np; p++) {
			src = p2pbuf_stream_buffer(c->stream, i, p);
			ret = src ? p2pbuf_buffer_import(p2pbuf_buffer_fd(src), 0,
							 &c->ring[r * np + p]) : -EINVAL;
			if (ret) {
				report(ret, "import", NULL, "keeping stream buffer %u", i);
				return -1;
			}
		}
	}
	for (r = 0; r < c->o->ring; r++) {
		for (p = 0; p < np; p++) {
			if (c->ring[r * np + p])
				continue;
			ret = p2pbuf_alloc(c->prov, c->fmt.sizeimage[p], 0, &c->ring[r * np + p]);
			if (ret) {
				report(ret, "alloc", NULL,
				       "allocating ring buffer %u of %u (%u bytes) from %s",
				       r, c->o->ring, c->fmt.sizeimage[p], p2pbuf_provider_name(c->prov));
				return -1;
			}
		}
	}
	return 0;
}

static void free_ring(struct capture *c)
{
	size_t i;

	if (c->ring) {
		for (i = 0; i < (size_t)c->o->ring * c->fmt.num_planes; i++)
			p2pbuf_buffer_free(c->ring[i]);
	}
	free(c->ring);
	free(c->slot_ring);
}

/* ---- route of the importer ---- */

static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/*
 * How the importer reaches one buffer: its attachments' routes, and
 * "vmap (cpu)" when the driver maps it into the kernel (vb2-vmalloc
 * drivers such as vivid write with the CPU, no DMA attachment).
 */
static void describe_route(const struct p2pbuf_buffer_desc *d,
			   const struct p2pbuf_attachment *att, char *out, size_t len)
{
	unsigned int i, n = d->attach_count < ATTACH_CAP ? d->attach_count : ATTACH_CAP;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct p2pbuf_attachment *a = &att[i];

		append(out, len, "%s%s (%s): %s", out[0] ? "; " : "", a->importer, a->bus,
		       p2pbuf_route_name(a->route));
		if (a->route == P2PBUF_ROUTE_REFUSED)
			append(out, len, " (%s)", strerror(a->error ? -a->error : EREMOTEIO));
		else if (a->dma_addr)
			append(out, len, ", dma 0x%llx", (unsigned long long)a->dma_addr);
	}
	if (d->vmaps)
		append(out, len, "%svmap (cpu)", out[0] ? "; " : "");
}

/* Look at the buffers in the driver's slots now; keep the route seen last. */
static void sample_route(struct capture *c)
{
	struct p2pbuf_attachment att[ATTACH_CAP];
	struct p2pbuf_buffer_desc d;
	char s[sizeof(c->route)];
	unsigned int i;

	if (!c->p2pbuf)
		return;
	for (i = 0; i < c->slots; i++) {
		struct p2pbuf_buffer *b = p2pbuf_stream_buffer(c->stream, i, 0);

		if (!b || p2pbuf_buffer_info(b, &d, att, ATTACH_CAP))
			continue;
		describe_route(&d, att, s, sizeof(s));
		if (s[0]) {
			snprintf(c->route, sizeof(c->route), "%s", s);
			return;
		}
	}
}

/* ---- frames ---- */

static struct p2pbuf_buffer *frame_plane(struct capture *c,
					 const struct p2pbuf_frame *f, unsigned int p)
{
	/* The tool's own ring handles keep their mapping from frame to frame. */
	if (c->ring)
		return c->ring[c->slot_ring[f->index] * c->fmt.num_planes + p];
	return f->planes[p];
}

static uint32_t payload(const struct p2pbuf_frame *f, unsigned int p)
{
	/* V4L2: data_offset is part of bytesused */
	return f->bytesused[p] > f->data_offset[p] ? f->bytesused[p] - f->data_offset[p] : 0;
}

/*
 * Each plane goes to --stream-to whole (O_DIRECT, several requests in
 * flight) at the next offset; the offset moves only when the library says
 * every byte is there, so the file holds exactly the frames counted as
 * written. The plane's file offset is kept for the manifest.
 */
static int write_frame(struct capture *c, const struct p2pbuf_frame *f,
		       uint64_t *file_off)
{
	unsigned int p;
	int ret;

	for (p = 0; p < f->num_planes; p++) {
		struct p2pbuf_buffer *b = frame_plane(c, f, p);
		uint32_t len = payload(f, p);
		uint64_t size = p2pbuf_buffer_size(b);
		struct p2pbuf_io_result r;

		file_off[p] = c->out_off;
		if ((uint64_t)f->data_offset[p] + len > size) {
			report_msg("a driver bug: report it with the format (v4l2-ctl --all)",
				   "frame %llu plane %u: %u bytes at offset %u do not fit its %llu-byte buffer",
				   (unsigned long long)c->frames, p, len, f->data_offset[p],
				   (unsigned long long)size);
			return -1;
		}
		if (!len)
			continue;
		ret = p2pbuf_io_write(c->io, b, f->data_offset[p], len, c->out_off, &r);
		c->write_ns += r.ns;
		if (ret) {
			const char *hint = ret == -EREMOTEIO || ret == -EFAULT ? "add --bounce to copy the frames through system RAM (slower), or write to storage the device memory can reach (same PCIe switch)" :
					   ret == -EINVAL ? "see --pad and --stream-offset" :
					   p2pbuf_error_hint(ret, "io");

			fprintf(stderr, "%s: writing frame %llu to %s: %s\n", PROG,
				(unsigned long long)c->frames, c->o->stream_to, strerror(-ret));
			fprintf(stderr, "  reason: %s\n", p2pbuf_io_error(c->io));
			if (r.bytes)
				fprintf(stderr, "  frame %llu is incomplete: %llu of %u bytes at offset %llu; the %llu frames before it are whole\n",
					(unsigned long long)c->frames, (unsigned long long)r.bytes, len,
					(unsigned long long)c->out_off,
					(unsigned long long)c->written_frames);
			if (hint && *hint)
				fprintf(stderr, "  what to do: %s\n", hint);
			json_error(p2pbuf_io_error(c->io));
			return -1;
		}
		c->io_paths |= 1U << r.path;
		c->out_off += r.bytes + r.padded;
		c->written_bytes += len;
	}
	c->written_frames++;
	return 0;
}

static void manifest_location(FILE *m, const struct p2pbuf_frame *f, unsigned int p)
{
	if (!(f->location_valid & (1U << p)))
		return;
	fprintf(m, ",\"offset\":%llu,\"bus_addr\":%llu,\"phys_addr\":%llu",
		(unsigned long long)f->offset[p], (unsigned long long)f->bus_addr[p],
		(unsigned long long)f->phys_addr[p]);
}

static int manifest_frame(struct capture *c, const struct p2pbuf_frame *f,
			  uint64_t bytes, const uint64_t *file_off)
{
	FILE *m = c->manifest;
	char prov[512];
	unsigned int p;

	capture_json_str(prov, sizeof(prov), p2pbuf_provider_name(c->prov));
	fprintf(m, "{\"frame\":%llu,\"sequence\":%u,\"bytes\":%llu,\"provider\":%s",
		(unsigned long long)c->frames, f->sequence, (unsigned long long)bytes, prov);
	manifest_location(m, f, 0);
	if (c->io)
		fprintf(m, ",\"file_offset\":%llu", (unsigned long long)file_off[0]);
	fprintf(m, ",\"size\":%llu", (unsigned long long)p2pbuf_buffer_size(frame_plane(c, f, 0)));
	if (c->ring)
		fprintf(m, ",\"ring\":%u", c->slot_ring[f->index]);
	if (f->dropped)
		fprintf(m, ",\"dropped_before\":%u", f->dropped);
	if (f->flags & V4L2_BUF_FLAG_ERROR)
		fprintf(m, ",\"error\":true");
	fprintf(m, ",\"timestamp_ns\":%llu", (unsigned long long)f->timestamp_ns);
	if (f->num_planes > 1) {
		fprintf(m, ",\"planes\":[");
		for (p = 0; p < f->num_planes; p++) {
			fprintf(m, "%s{\"bytes\":%u", p ? "," : "", payload(f, p));
			manifest_location(m, f, p);
			if (c->io)
				fprintf(m, ",\"file_offset\":%llu", (unsigned long long)file_off[p]);
			fprintf(m, ",\"size\":%llu}",
				(unsigned long long)p2pbuf_buffer_size(frame_plane(c, f, p)));
		}
		fprintf(m, "]");
	}
	fprintf(m, "}\n");
	/* Line by line: the manifest is current if the tool dies or the
	 * storage goes away, and other processes can follow it. */
	fflush(m);
	if (ferror(m)) {
		report(-EIO, NULL, NULL, "writing --manifest %s", c->o->manifest);
		return -1;
	}
	return 0;
}

static void track_location(struct capture *c, const struct p2pbuf_frame *f)
{
	unsigned int p;

	for (p = 0; p < f->num_planes; p++) {
		uint64_t end;

		if (!(f->location_valid & (1U << p)))
			continue;
		end = f->offset[p] + p2pbuf_buffer_size(frame_plane(c, f, p));
		if (!c->have_range || f->offset[p] < c->off_min)
			c->off_min = f->offset[p];
		if (!c->have_range || end > c->off_end)
			c->off_end = end;
		c->have_range = true;
	}
}

/* Give slot @index back: the next ring buffer, or the same buffers. */
static int requeue(struct capture *c, unsigned int index)
{
	unsigned int np = c->fmt.num_planes;
	int ret;

	if (c->ring) {
		unsigned int r = capture_ring_slot(c->qbufs, c->o->skip, c->o->ring);

		ret = p2pbuf_stream_queue_buffer(c->stream, index, &c->ring[r * np], np);
		if (!ret)
			c->slot_ring[index] = r;
	} else {
		ret = p2pbuf_stream_queue(c->stream, index);
	}
	if (ret) {
		report(ret, "stream", p2pbuf_stream_error(c->stream),
		       "cannot queue buffer %u back to %s", index, c->o->device);
		return -1;
	}
	c->qbufs++;
	return 0;
}

static int handle_frame(struct capture *c, const struct p2pbuf_frame *f)
{
	uint64_t bytes = 0, file_off[P2PBUF_MAX_PLANES] = { 0 };
	unsigned int p;

	for (p = 0; p < f->num_planes; p++)
		bytes += payload(f, p);
	if (c->io && write_frame(c, f, file_off))
		return -1;
	if (c->manifest && manifest_frame(c, f, bytes, file_off))
		return -1;
	track_location(c, f);
	if (c->frames == 0)
		sample_route(c);
	c->frames++;
	c->bytes += bytes;
	c->dropped += f->dropped;
	if (f->flags & V4L2_BUF_FLAG_ERROR)
		c->errors++;
	return 0;
}

/* ---- progress and summary ---- */

static void sample(const struct capture *c, uint64_t t, struct capture_sample *s)
{
	s->t_ns = t;
	s->frames = c->frames;
	s->bytes = c->bytes;
	s->dropped = c->dropped;
}

static void progress(const struct capture *c, const struct capture_sample *prev,
		     const struct capture_sample *now)
{
	struct capture_rate r;
	double elapsed = (double)(now->t_ns - c->t_start_ns) / 1e9;

	if (c->o->quiet)
		return;
	capture_rate(prev, now, &r);
	if (c->o->json) {
		printf("{\"event\":\"progress\",\"elapsed_s\":%.3f,\"fps\":%.3f,\"frames\":%llu,"
		       "\"dropped\":%llu,\"mbps\":%.3f,\"interval_s\":%.3f,"
		       "\"interval_frames\":%llu,\"interval_dropped\":%llu}\n",
		       elapsed, r.fps, (unsigned long long)now->frames,
		       (unsigned long long)now->dropped, r.mbps, r.seconds,
		       (unsigned long long)r.frames, (unsigned long long)r.dropped);
		fflush(stdout);
	} else {
		fprintf(stderr, "%7.1f s %9.2f fps %9.2f MB/s  frames %llu  dropped %llu\n",
			elapsed, r.fps, r.mbps, (unsigned long long)now->frames,
			(unsigned long long)now->dropped);
	}
}

/* Where the frames landed, in words. */
static void location_text(const struct capture *c, char *out, size_t len)
{
	unsigned int held = c->ring ? c->o->ring : c->slots;

	if (!c->frames) {
		snprintf(out, len, "no frame captured");
		return;
	}
	if (!c->have_range) {
		snprintf(out, len, "%s (%s): host memory, no device offsets",
			 p2pbuf_provider_name(c->prov),
			 p2pbuf_provider_kind_name(p2pbuf_provider_kind(c->prov)));
		return;
	}
	snprintf(out, len, "%s offsets 0x%llx-0x%llx, %u buffers%s",
		 p2pbuf_provider_name(c->prov), (unsigned long long)c->off_min,
		 (unsigned long long)c->off_end, held,
		 c->frames <= held ? ", every frame in its own buffer"
				   : ", the last frames overwrote the first");
}

/* How the frames went to --stream-to: "p2p", "bounce", "host", mixed, or "none". */
static const char *io_path_text(const struct capture *c)
{
	switch (c->io_paths) {
	case 0:
		return "none";
	case 1U << P2PBUF_IO_PATH_P2P:
		return "p2p";
	case 1U << P2PBUF_IO_PATH_BOUNCE:
		return "bounce";
	case 1U << P2PBUF_IO_PATH_HOST:
		return "host";
	default:
		return "mixed";
	}
}

static void summary(const struct capture *c)
{
	struct capture_sample t0 = { .t_ns = c->t_start_ns }, t1;
	struct capture_rate r;
	char loc[512], fourcc[16];
	const char *route = c->route[0] ? c->route :
			    c->p2pbuf ? "none seen (no importer attached or mapped)" :
					"unknown (not a p2pbuf provider)";

	sample(c, c->t_end_ns, &t1);
	capture_rate(&t0, &t1, &r);
	location_text(c, loc, sizeof(loc));
	capture_fourcc_str(c->fmt.pixelformat, fourcc, sizeof(fourcc));

	if (c->o->json) {
		char s_prov[512], s_route[1100], s_loc[1100], s_stop[128], s_fmt[64];

		capture_json_str(s_prov, sizeof(s_prov), p2pbuf_provider_name(c->prov));
		capture_json_str(s_route, sizeof(s_route), route);
		capture_json_str(s_loc, sizeof(s_loc), loc);
		capture_json_str(s_stop, sizeof(s_stop), c->stopped);
		capture_json_str(s_fmt, sizeof(s_fmt), fourcc);
		printf("{\"event\":\"summary\",\"frames\":%llu,\"bytes\":%llu,\"dropped\":%llu,"
		       "\"errors\":%llu,\"skipped\":%llu,\"elapsed_s\":%.3f,\"fps\":%.3f,\"mbps\":%.3f,"
		       "\"width\":%u,\"height\":%u,\"pixelformat\":%s,\"planes\":%u,\"buffers\":%u,"
		       "\"ring\":%u,\"provider\":%s,\"route\":%s,\"location\":%s",
		       (unsigned long long)c->frames, (unsigned long long)c->bytes,
		       (unsigned long long)c->dropped, (unsigned long long)c->errors,
		       (unsigned long long)(c->dequeued - c->frames), r.seconds, r.fps, r.mbps,
		       c->fmt.width, c->fmt.height, s_fmt, c->fmt.num_planes, c->slots,
		       c->o->ring, s_prov, s_route, s_loc);
		if (c->have_range)
			printf(",\"offset_min\":%llu,\"offset_end\":%llu",
			       (unsigned long long)c->off_min, (unsigned long long)c->off_end);
		if (c->io)
			printf(",\"written_frames\":%llu,\"written_bytes\":%llu,\"file_offset\":%llu,"
			       "\"file_end\":%llu,\"write_path\":\"%s\",\"write_mbps\":%.3f,\"fsync\":%s",
			       (unsigned long long)c->written_frames,
			       (unsigned long long)c->written_bytes,
			       (unsigned long long)c->o->stream_offset, (unsigned long long)c->out_off,
			       io_path_text(c),
			       c->write_ns ? (double)c->written_bytes * 1e3 / (double)c->write_ns : 0.0,
			       c->o->fsync ? "true" : "false");
		printf(",\"stopped\":%s}\n", s_stop);
		fflush(stdout);
		return;
	}
	if (c->o->quiet)
		return;
	printf("frames:    %llu", (unsigned long long)c->frames);
	if (c->o->count)
		printf(" of %llu", (unsigned long long)c->o->count);
	if (c->dequeued > c->frames)
		printf(" (%llu skipped first)", (unsigned long long)(c->dequeued - c->frames));
	printf(", %s\n", c->stopped);
	printf("bytes:     %llu\n", (unsigned long long)c->bytes);
	printf("dropped:   %llu%s\n", (unsigned long long)c->dropped,
	       c->dropped ? " (gaps in the V4L2 sequence numbers)" : "");
	if (c->errors)
		printf("errors:    %llu frames flagged V4L2_BUF_FLAG_ERROR (data may be corrupt)\n",
		       (unsigned long long)c->errors);
	printf("elapsed:   %.3f s\n", r.seconds);
	printf("average:   %.2f fps, %.2f MB/s\n", r.fps, r.mbps);
	printf("format:    %ux%u %s, %u plane%s, %u V4L2 buffers\n", c->fmt.width,
	       c->fmt.height, fourcc, c->fmt.num_planes, c->fmt.num_planes == 1 ? "" : "s",
	       c->slots);
	printf("provider:  %s (%s)\n", p2pbuf_provider_name(c->prov),
	       p2pbuf_provider_kind_name(p2pbuf_provider_kind(c->prov)));
	printf("route:     %s\n", route);
	printf("frames at: %s\n", loc);
	if (c->io) {
		printf("written:   %s: %llu frames, %llu bytes at offsets %llu-%llu, path %s, %.2f MB/s%s\n",
		       c->o->stream_to, (unsigned long long)c->written_frames,
		       (unsigned long long)c->written_bytes,
		       (unsigned long long)c->o->stream_offset, (unsigned long long)c->out_off,
		       io_path_text(c), c->write_ns ? (double)c->written_bytes * 1e3 / (double)c->write_ns : 0.0,
		       c->o->fsync ? ", fsync" : "");
	}
	if (c->o->manifest)
		printf("manifest:  %s\n", c->o->manifest);
	fflush(stdout);
}

/* ---- main loop ---- */

static int run(struct capture *c)
{
	const struct options *o = c->o;
	struct capture_sample prev, now;
	uint64_t next_tick, warned_at = 0;
	struct p2pbuf_frame f;
	int ret;

	c->t_start_ns = now_ns();
	c->t_last_frame_ns = c->t_start_ns;
	sample(c, c->t_start_ns, &prev);
	next_tick = c->t_start_ns + TICK_NS;
	c->stopped = "done";

	while (!o->count || c->frames < o->count) {
		uint64_t t = now_ns();
		int wait_ms;

		if (stop_signal) {
			c->stopped = stop_signal == SIGINT ? "interrupted (SIGINT)"
							   : "terminated (SIGTERM)";
			break;
		}
		if (t >= next_tick) {
			sample(c, t, &now);
			progress(c, &prev, &now);
			sample_route(c);
			prev = now;
			next_tick += TICK_NS * ((t - next_tick) / TICK_NS + 1);
		}
		if (o->timeout_s && t - c->t_last_frame_ns >= o->timeout_s * 1000000000ull) {
			report(-ETIMEDOUT, "stream", NULL, "no frame from %s for %llu s", o->device,
			       (unsigned long long)o->timeout_s);
			c->stopped = "stopped by an error";
			return -1;
		}
		if (!o->timeout_s && t - c->t_last_frame_ns >= QUIET_WARN_S * 1000000000ull &&
		    t - warned_at >= QUIET_WARN_S * 1000000000ull && !o->quiet) {
			fprintf(stderr, "%s: no frame from %s for %llu s: %s\n", PROG, o->device,
				(unsigned long long)((t - c->t_last_frame_ns) / 1000000000ull),
				p2pbuf_error_hint(-ETIMEDOUT, "stream"));
			warned_at = t;
		}
		/* Short waits: Ctrl-C and the once-a-second line stay timely. */
		wait_ms = (int)((next_tick - t) / 1000000) + 1;
		if (wait_ms > 250)
			wait_ms = 250;
		ret = p2pbuf_stream_dequeue(c->stream, &f, wait_ms);
		if (ret == -ETIMEDOUT || ret == -EAGAIN || ret == -EINTR)
			continue;
		if (ret) {
			report(ret, "stream", p2pbuf_stream_error(c->stream),
			       "capture from %s failed after %llu frames", o->device,
			       (unsigned long long)c->frames);
			c->stopped = "stopped by an error";
			return -1;
		}
		c->t_last_frame_ns = now_ns();
		c->dequeued++;
		if (c->dequeued > o->skip) {
			if (handle_frame(c, &f)) {
				c->stopped = "stopped by an error";
				return -1;
			}
		}
		/* The last frame stays dequeued: nothing more will be captured. */
		if (o->count && c->frames >= o->count)
			break;
		/* No buffer for frames past the count: with --ring >= --stream-count
		 * every captured frame keeps its own place in device memory. */
		if (o->count && c->qbufs >= o->skip + o->count)
			continue;
		if (requeue(c, f.index)) {
			c->stopped = "stopped by an error";
			return -1;
		}
	}
	return 0;
}

static int setup(struct capture *c)
{
	const struct options *o = c->o;
	struct p2pbuf_stream_stats st;
	struct p2pbuf_buffer_desc d;
	struct p2pbuf_buffer *b0;
	int ret;

	ret = p2pbuf_provider_open(o->provider, &c->prov);
	if (ret) {
		/* The hint names the spec syntax for any op with a ':' in it. */
		report(ret, ret == -EINVAL ? "spec:" : o->provider, NULL,
		       "cannot open provider %s", o->provider);
		return -1;
	}
	ret = p2pbuf_stream_open(o->device, 0, &c->stream);
	if (ret) {
		report(ret, "stream", NULL, "cannot open %s", o->device);
		return -1;
	}
	if (set_format(c))
		return -1;
	ret = p2pbuf_stream_setup(c->stream, c->prov, o->buffers, 0);
	if (ret) {
		report(ret, "stream", p2pbuf_stream_error(c->stream),
		       "cannot set up %u buffers of %s in %s", o->buffers, o->device,
		       p2pbuf_provider_name(c->prov));
		return -1;
	}
	/* The driver may round the format at REQBUFS: read back what is used. */
	ret = p2pbuf_stream_get_format(c->stream, &c->fmt);
	if (!ret)
		ret = p2pbuf_stream_stats(c->stream, &st);
	if (ret) {
		report(ret, "stream", p2pbuf_stream_error(c->stream), "cannot read back %s",
		       o->device);
		return -1;
	}
	c->slots = st.buffers;
	c->qbufs = c->slots;
	if (o->ring && o->ring < c->slots) {
		report_msg("give a --ring at least as large",
			   "--ring %u is smaller than the %u buffers the driver of %s needs",
			   o->ring, c->slots, o->device);
		return -1;
	}
	b0 = p2pbuf_stream_buffer(c->stream, 0, 0);
	c->p2pbuf = b0 && !p2pbuf_buffer_info(b0, &d, NULL, 0);
	if (o->ring && setup_ring(c))
		return -1;
	if (open_outputs(c))
		return -1;

	if (sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_signal,
						   .sa_flags = SA_RESETHAND }, NULL) ||
	    sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_signal,
						    .sa_flags = SA_RESETHAND }, NULL)) {
		report(-errno, NULL, NULL, "sigaction");
		return -1;
	}
	ret = p2pbuf_stream_start(c->stream);
	if (ret) {
		report(ret, "stream", p2pbuf_stream_error(c->stream),
		       "cannot start streaming from %s into %s", o->device,
		       p2pbuf_provider_name(c->prov));
		return -1;
	}
	if (!o->quiet && !o->json) {
		char fourcc[16];

		fprintf(stderr, "%s: %s %ux%u %s into %s (%u buffers%s)%s\n", PROG, o->device,
			c->fmt.width, c->fmt.height,
			capture_fourcc_str(c->fmt.pixelformat, fourcc, sizeof(fourcc)),
			p2pbuf_provider_name(c->prov), c->slots, o->ring ? ", ring" : "",
			o->count ? "" : "; Ctrl-C stops");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct capture c = { 0 };
	struct options o;
	int ret, status = EXIT_SUCCESS;
	bool started = false;

	if (capture_dvb_wanted(argc, argv))
		return capture_dvb_main(argc, argv);
	ret = parse_args(argc, argv, &o);
	if (ret < 0)
		return EXIT_SUCCESS;
	if (ret)
		return ret;
	c.o = &o;
	json_mode = o.json;

	if (setup(&c)) {
		status = EXIT_FAILURE;
	} else {
		started = true;
		if (run(&c))
			status = EXIT_FAILURE;
		c.t_end_ns = now_ns();
		/* Routes are visible while the driver still holds buffers. */
		if (!c.route[0])
			sample_route(&c);
		ret = p2pbuf_stream_stop(c.stream);
		if (ret) {
			report(ret, "stream", p2pbuf_stream_error(c.stream),
			       "cannot stop streaming on %s", o.device);
			status = EXIT_FAILURE;
		}
	}

	if (c.io) {
		/* With --fsync this flushes: an error means frames may be lost. */
		ret = p2pbuf_io_close(c.io);
		if (ret) {
			report(ret, NULL, NULL, "%s --stream-to %s", o.fsync ? "flushing" : "closing",
			       o.stream_to);
			status = EXIT_FAILURE;
		}
	}
	if (c.manifest && fclose(c.manifest)) {
		report(-errno, NULL, NULL, "writing --manifest %s", o.manifest);
		status = EXIT_FAILURE;
	}
	if (started) {
		summary(&c);
		if (status == EXIT_SUCCESS && o.have_max_drops && c.dropped > o.max_drops) {
			report_msg("lower the frame rate or resolution, use more --buffers, or write less per frame",
				   "%llu frames dropped, more than --max-drops %llu",
				   (unsigned long long)c.dropped, (unsigned long long)o.max_drops);
			status = EXIT_DROPS;
		}
	}
	p2pbuf_stream_close(c.stream);
	free_ring(&c);
	p2pbuf_provider_close(c.prov);
	return status;
}
