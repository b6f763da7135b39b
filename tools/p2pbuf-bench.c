// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p2pbuf-bench: how fast bytes move into, out of and between device
 * memory, and between device memory and storage (O_DIRECT straight from
 * device memory vs bounced through system RAM). A benchmark measures; it
 * does not test.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p2pbuf/p2pbuf.h>

#define PROG		"p2pbuf-bench"
#define EXIT_USAGE	2

struct options {
	const char *provider;
	const char *dst_provider;
	const char *file;
	uint64_t size;
	uint64_t offset;
	unsigned int iterations;
	bool allow_unchecked;
	bool json;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: " PROG " --provider SPEC [options]\n"
"Measure memcpy into and out of device memory, device-to-device copies and,\n"
"with --file, O_DIRECT writes and reads between device memory and storage\n"
"(straight \"p2p\" where the route allows it, and \"bounce\" through RAM).\n"
"\n"
"      --provider SPEC      device memory to measure (pci:BDF[/barN], cmb:BDF, ...)\n"
"      --dst-provider SPEC  destination of the device-to-device copy\n"
"                           (default: a second buffer of --provider)\n"
"      --size BYTES         bytes per transfer, suffix k, m or g (default 16m)\n"
"      --iterations N       repetitions; the best and the mean are shown (default 3)\n"
"      --file PATH          file or block device for the O_DIRECT runs. Its bytes\n"
"                           at --offset .. --offset + --size are OVERWRITTEN\n"
"      --offset BYTES       where in --file (default 0)\n"
"      --allow-unchecked    O_DIRECT from device memory on kernels that cannot\n"
"                           check the route (no CONFIG_PCI_P2PDMA)\n"
"      --json               one JSON line per measurement\n"
"  -h, --help               this help\n"
"\n"
"MB/s are 10^6 bytes per second. Exit status: 0, 1 error, 2 usage error.\n");
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

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -EINVAL;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: return -EINVAL;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "dst-provider", required_argument, NULL, 'P' },
		{ "size", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "file", required_argument, NULL, 'f' },
		{ "offset", required_argument, NULL, 'o' },
		{ "allow-unchecked", no_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t n;
	int c;

	memset(o, 0, sizeof(*o));
	o->size = 16u << 20;
	o->iterations = 3;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': o->provider = optarg; break;
		case 'P': o->dst_provider = optarg; break;
		case 'f': o->file = optarg; break;
		case 'u': o->allow_unchecked = true; break;
		case 'j': o->json = true; break;
		case 's':
			if (parse_size(optarg, &o->size) || !o->size)
				return usage_error("--size %s: a positive size (suffix k, m, g)", optarg);
			break;
		case 'o':
			if (parse_size(optarg, &o->offset))
				return usage_error("--offset %s: a size (suffix k, m, g)", optarg);
			break;
		case 'n':
			if (parse_size(optarg, &n) || n < 1 || n > 1000)
				return usage_error("--iterations %s: 1..1000", optarg);
			o->iterations = (unsigned int)n;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case ':':
			return usage_error("%s needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!o->provider)
		return usage_error("--provider SPEC is required");
	return 0;
}

/* ---- results ---- */

struct meas {
	const char *name;
	const char *how;	/* method or path */
	uint64_t bytes;
	unsigned int runs;
	uint64_t best_ns, total_ns;
	char note[512];
};

static void meas_add(struct meas *m, uint64_t ns)
{
	if (!m->runs || ns < m->best_ns)
		m->best_ns = ns;
	m->total_ns += ns;
	m->runs++;
}

static double mbps(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes * 1e3 / (double)ns : 0.0;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_meas(const struct options *o, const struct meas *m)
{
	if (o->json) {
		printf("{\"name\":");
		json_str(m->name);
		printf(",\"how\":");
		json_str(m->how);
		printf(",\"bytes\":%llu,\"runs\":%u", (unsigned long long)m->bytes, m->runs);
		if (m->runs)
			printf(",\"best_mbps\":%.3f,\"mean_mbps\":%.3f",
			       mbps(m->bytes, m->best_ns), mbps(m->bytes * m->runs, m->total_ns));
		printf(",\"note\":");
		json_str(m->note);
		printf("}\n");
	} else if (m->runs) {
		printf("%-22s %-12s %10.1f %10.1f  %s\n", m->name, m->how,
		       mbps(m->bytes, m->best_ns), mbps(m->bytes * m->runs, m->total_ns), m->note);
	} else {
		printf("%-22s %-12s %10s %10s  %s\n", m->name, m->how, "-", "-", m->note);
	}
	fflush(stdout);
}

/* ---- measurements ---- */

static int bench_memcpy(const struct options *o, struct p2pbuf_buffer *dev, char *ram,
			bool to_dev)
{
	struct meas m = { .name = to_dev ? "ram-to-device" : "device-to-ram",
			  .how = "cpu-memcpy", .bytes = o->size };
	unsigned int i;
	void *addr;
	int ret;

	/* Run 0 warms up (first touch of the pages, the mapping): not counted. */
	for (i = 0; i <= o->iterations; i++) {
		uint64_t t0 = now_ns();

		ret = p2pbuf_buffer_map(dev, to_dev ? P2PBUF_MAP_WRITE : P2PBUF_MAP_READ, &addr);
		if (ret) {
			snprintf(m.note, sizeof(m.note), "map failed: %s", strerror(-ret));
			break;
		}
		if (to_dev)
			memcpy(addr, ram, o->size);
		else
			memcpy(ram, addr, o->size);
		p2pbuf_buffer_unmap(dev);
		if (i)
			meas_add(&m, now_ns() - t0);
	}
	print_meas(o, &m);
	return m.runs ? 0 : -1;
}

static int bench_copy(const struct options *o, struct p2pbuf_buffer *dst,
		      struct p2pbuf_buffer *src, const char *dst_name)
{
	struct meas m = { .name = "device-to-device", .how = "none", .bytes = o->size };
	struct p2pbuf_copy_result r;
	unsigned int i;
	int ret;

	snprintf(m.note, sizeof(m.note), "to %s", dst_name);
	for (i = 0; i <= o->iterations; i++) {
		ret = p2pbuf_copy(dst, 0, src, 0, o->size, 0, &r);
		if (ret) {
			snprintf(m.note, sizeof(m.note), "p2pbuf_copy failed: %s", strerror(-ret));
			break;
		}
		m.how = p2pbuf_copy_method_name(r.method);
		if (i)
			meas_add(&m, r.ns);
	}
	print_meas(o, &m);
	return m.runs ? 0 : -1;
}

/* O_DIRECT write or read of the whole buffer, p2p (or what the route gives) or bounce. */
static int bench_io(const struct options *o, struct p2pbuf_buffer *buf, bool write,
		    bool bounce)
{
	struct meas m = { .name = write ? "device-to-storage" : "storage-to-device",
			  .how = bounce ? "bounce" : "p2p", .bytes = o->size };
	uint32_t flags = (write ? P2PBUF_IO_WRITE | P2PBUF_IO_CREATE : P2PBUF_IO_READ) |
			 (bounce ? P2PBUF_IO_BOUNCE : 0) |
			 (o->allow_unchecked ? P2PBUF_IO_ALLOW_UNCHECKED : 0);
	struct p2pbuf_io_result r;
	struct p2pbuf_io *io;
	unsigned int i;
	int ret;

	ret = p2pbuf_io_open(o->file, flags, &io);
	if (ret) {
		snprintf(m.note, sizeof(m.note), "cannot open %s: %s", o->file, strerror(-ret));
		print_meas(o, &m);
		return -1;
	}
	for (i = 0; i < o->iterations; i++) {
		ret = write ? p2pbuf_io_write(io, buf, 0, o->size, o->offset, &r)
			    : p2pbuf_io_read(io, buf, 0, o->size, o->offset, &r);
		if (ret) {
			snprintf(m.note, sizeof(m.note), "%s: %s", strerror(-ret), p2pbuf_io_error(io));
			break;
		}
		m.how = p2pbuf_io_path_name(r.path);
		meas_add(&m, r.ns);
	}
	if (!ret && write) {
		/* Time to stable storage is part of a write's cost: say it. */
		uint64_t t0 = now_ns();

		ret = p2pbuf_io_sync(io);
		snprintf(m.note, sizeof(m.note), "fdatasync after: %.1f ms%s",
			 (double)(now_ns() - t0) / 1e6, ret ? " (failed)" : "");
	}
	p2pbuf_io_close(io);
	print_meas(o, &m);
	return m.runs ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct p2pbuf_provider *prov = NULL, *dprov = NULL;
	struct p2pbuf_buffer *a = NULL, *b = NULL;
	struct options o;
	int ret, status = EXIT_FAILURE;
	char *ram = NULL;

	ret = parse_args(argc, argv, &o);
	if (ret < 0)
		return EXIT_SUCCESS;
	if (ret)
		return ret;

	ret = p2pbuf_provider_open(o.provider, &prov);
	if (ret) {
		fprintf(stderr, "%s: cannot open provider %s: %s\n", PROG, o.provider, strerror(-ret));
		if (*p2pbuf_error_hint(ret, o.provider))
			fprintf(stderr, "  what to do: %s\n", p2pbuf_error_hint(ret, o.provider));
		return EXIT_FAILURE;
	}
	if (o.dst_provider) {
		ret = p2pbuf_provider_open(o.dst_provider, &dprov);
		if (ret) {
			fprintf(stderr, "%s: cannot open provider %s: %s\n", PROG, o.dst_provider,
				strerror(-ret));
			goto out;
		}
	}
	ret = p2pbuf_alloc(prov, o.size, 0, &a);
	if (!ret)
		ret = p2pbuf_alloc(dprov ? dprov : prov, o.size, 0, &b);
	if (ret) {
		fprintf(stderr, "%s: cannot allocate 2 x %llu bytes: %s\n", PROG,
			(unsigned long long)o.size, strerror(-ret));
		if (*p2pbuf_error_hint(ret, "alloc"))
			fprintf(stderr, "  what to do: %s\n", p2pbuf_error_hint(ret, "alloc"));
		goto out;
	}
	ram = aligned_alloc(4096, (o.size + 4095) / 4096 * 4096);
	if (!ram) {
		fprintf(stderr, "%s: out of memory\n", PROG);
		goto out;
	}
	memset(ram, 0x5a, o.size);

	if (!o.json) {
		printf("%s: %llu bytes per transfer, %u iterations, provider %s\n", PROG,
		       (unsigned long long)o.size, o.iterations, p2pbuf_provider_name(prov));
		printf("%-22s %-12s %10s %10s  %s\n", "transfer", "how", "best MB/s", "mean MB/s", "note");
	}
	status = EXIT_SUCCESS;
	if (bench_memcpy(&o, a, ram, true) || bench_memcpy(&o, a, ram, false) ||
	    bench_copy(&o, b, a, p2pbuf_provider_name(dprov ? dprov : prov)))
		status = EXIT_FAILURE;
	if (o.file) {
		/* Refusals are results too (the route says no): not failures. */
		bench_io(&o, a, true, false);
		bench_io(&o, a, true, true);
		bench_io(&o, a, false, false);
		bench_io(&o, a, false, true);
	}
out:
	free(ram);
	p2pbuf_buffer_free(a);
	p2pbuf_buffer_free(b);
	p2pbuf_provider_close(dprov);
	p2pbuf_provider_close(prov);
	return status;
}
