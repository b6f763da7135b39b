// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * p2pbuf-ctl: list p2pbuf providers and the PCI peers that reach them, bind
 * and unbind devices, allocate test buffers, describe live dma-bufs.
 *
 *   p2pbuf-ctl [--json] list
 *   p2pbuf-ctl [--json] stats
 *   p2pbuf-ctl bind BDF [--bar N]
 *   p2pbuf-ctl unbind BDF
 *   p2pbuf-ctl [--json] alloc SPEC SIZE [--hold SECS]
 *   p2pbuf-ctl [--json] info FD | --pid PID --fd N | --all  [--peer BDF]
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <p2pbuf/p2pbuf.h>

#define PROG		"p2pbuf-ctl"
#define SYS_PCI		"/sys/bus/pci"
#define ATTACH_MAX	64

/* ------------------------------------------------------------------------
 * JSON emitter: compact output, strings escaped per RFC 8259; bytes that are
 * not valid UTF-8 become U+FFFD so the output always parses.
 * ------------------------------------------------------------------------ */

#define JSON_MAX_DEPTH	16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

/* Length of the valid UTF-8 sequence at @s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned int c = s[0];
	size_t n, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static void json_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n;

		switch (*s) {
		case '"':  fputs("\\\"", f); s++; continue;
		case '\\': fputs("\\\\", f); s++; continue;
		case '\b': fputs("\\b", f); s++; continue;
		case '\f': fputs("\\f", f); s++; continue;
		case '\n': fputs("\\n", f); s++; continue;
		case '\r': fputs("\\r", f); s++; continue;
		case '\t': fputs("\\t", f); s++; continue;
		default:
			break;
		}
		if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (n == 0) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

static void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

/* Separator and key of the next member (@key NULL inside arrays). */
static void json_member(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		json_string(j->f, key);
		fputc(':', j->f);
	}
}

static void json_open(struct json *j, const char *key, char c)
{
	json_member(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0)
		fputc('\n', j->f);
}

static void json_str(struct json *j, const char *key, const char *v)
{
	json_member(j, key);
	json_string(j->f, v ? v : "");
}

static void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

static void json_i64(struct json *j, const char *key, int64_t v)
{
	json_member(j, key);
	fprintf(j->f, "%" PRId64, v);
}

static void json_bool(struct json *j, const char *key, bool v)
{
	json_member(j, key);
	fputs(v ? "true" : "false", j->f);
}

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static bool opt_json;

static int fail(int err, const char *op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print "p2pbuf-ctl: what: reason" and the advice; return the exit status. */
static int fail(int err, const char *op, const char *fmt, ...)
{
	const char *hint = p2pbuf_error_hint(err, op);
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err < 0 ? -err : err));
	if (hint[0])
		fprintf(stderr, PROG ": %s\n", hint);
	return 1;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '" PROG " --help'.\n");
	return 2;
}

/*
 * "4096", "64K", "1.5M", "2GiB" -> bytes (binary units). -EINVAL when
 * malformed, zero or too large.
 */
static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long whole;
	uint64_t mult = 1, frac_num = 0, frac_den = 1;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	whole = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end == '.') {
		end++;
		if (!isdigit((unsigned char)*end))
			return -EINVAL;
		while (isdigit((unsigned char)*end)) {
			if (frac_den < 1000000000) {
				frac_num = frac_num * 10 + (uint64_t)(*end - '0');
				frac_den *= 10;
			}
			end++;
		}
	}
	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K': mult = 1ULL << 10; end++; break;
	case 'M': mult = 1ULL << 20; end++; break;
	case 'G': mult = 1ULL << 30; end++; break;
	case 'T': mult = 1ULL << 40; end++; break;
	default: return -EINVAL;
	}
	if (mult > 1 && (!strcmp(end, "iB") || !strcmp(end, "B")))
		end += strlen(end);
	if (*end)
		return -EINVAL;
	if (whole > UINT64_MAX / mult)
		return -EINVAL;
	*out = whole * mult + frac_num * mult / frac_den;
	if (frac_num && mult == 1)
		return -EINVAL;		/* fractions of a byte */
	return *out ? 0 : -EINVAL;
}

static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "64.0 MiB" */
static const char *human(uint64_t v, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	unsigned int u = 0;

	while (d >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", v);
	else
		snprintf(buf, len, "%.1f %s", d, unit[u]);
	return buf;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(val);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	return (size_t)n == len ? 0 : -EIO;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Name of the driver bound to PCI device @bdf, "" if none. */
static void pci_driver(const char *bdf, char *out, size_t len)
{
	char path[PATH_MAX], target[256];
	const char *base;
	ssize_t n;

	out[0] = '\0';
	snprintf(path, sizeof(path), SYS_PCI "/devices/%s/driver", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) < len)
		memcpy(out, base, strlen(base) + 1);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* PCI devices that are not bridges (class 0x06xxxx), sorted. */
static int pci_endpoints(char ***out, unsigned int *count)
{
	DIR *d = opendir(SYS_PCI "/devices");
	char **list = NULL, cls[32], path[PATH_MAX];
	unsigned int n = 0, cap = 0;
	struct dirent *de;

	*out = NULL;
	*count = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		unsigned long c;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), SYS_PCI "/devices/%s/class", de->d_name);
		if (read_file(path, cls, sizeof(cls)))
			continue;
		c = strtoul(cls, NULL, 16);
		if ((c >> 16) == 0x06)
			continue;
		if (n == cap) {
			char **nl;

			cap = cap ? cap * 2 : 32;
			nl = realloc(list, cap * sizeof(*list));
			if (!nl)
				break;
			list = nl;
		}
		list[n] = strdup(de->d_name);
		if (list[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(list, n, sizeof(*list), cmp_str);
	*out = list;
	*count = n;
	return 0;
}

static void free_list(char **list, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* All providers; *out is malloc'ed. */
static int providers(struct p2pbuf_provider_stats **out, unsigned int *count)
{
	struct p2pbuf_provider_stats *st = NULL;
	unsigned int cap = 8, n;
	int ret;

	for (;;) {
		struct p2pbuf_provider_stats *ns = realloc(st, cap * sizeof(*st));

		if (!ns) {
			free(st);
			return -ENOMEM;
		}
		st = ns;
		ret = p2pbuf_provider_list(st, cap, &n);
		if (ret) {
			free(st);
			return ret;
		}
		if (n <= cap)
			break;
		cap = n;	/* grew meanwhile: again */
	}
	*out = st;
	*count = n;
	return 0;
}

static const char *region_kind_name(uint32_t k)
{
	switch (k) {
	case P2PBUF_KIND_BAR:		return "bar";
	case P2PBUF_KIND_PUBLISHED:	return "published";
	default:			return "unknown";
	}
}

static bool route_reaches(uint32_t route)
{
	return route == P2PBUF_ROUTE_P2P || route == P2PBUF_ROUTE_HOST_BRIDGE ||
	       route == P2PBUF_ROUTE_HOST_UNCHECKED;
}

/* ------------------------------------------------------------------------
 * list, stats
 * ------------------------------------------------------------------------ */

static int cmd_list(void)
{
	struct p2pbuf_provider_stats *st;
	char **peers = NULL, hs[32], hf[32];
	unsigned int n, npeers = 0, i, k;
	struct json j;
	int ret;

	ret = providers(&st, &n);
	if (ret)
		return fail(ret, "open", "cannot list providers");
	pci_endpoints(&peers, &npeers);

	if (opt_json) {
		json_init(&j, stdout);
		json_open(&j, NULL, '[');
	} else if (n == 0) {
		printf("no p2pbuf providers: bind a device with '" PROG " bind BDF [--bar N]'\n");
	} else {
		printf("%-24s %-12s %3s %-7s %-9s %-7s %10s %10s\n", "NAME", "PCI", "BAR",
		       "BACKEND", "KIND", "MEMTYPE", "SIZE", "FREE");
	}
	for (i = 0; i < n; i++) {
		const struct p2pbuf_provider_stats *p = &st[i];
		unsigned int reach = 0;

		if (opt_json) {
			json_open(&j, NULL, '{');
			json_str(&j, "name", p->name);
			json_str(&j, "pci_dev", p->pci_dev);
			json_u64(&j, "bar", p->bar);
			json_str(&j, "backend", p2pbuf_backend_name(p->backend));
			json_str(&j, "kind", region_kind_name(p->region_kind));
			json_str(&j, "memtype", p2pbuf_memtype_name(p->memtype));
			json_u64(&j, "size", p->size);
			json_u64(&j, "free", p->free);
			json_u64(&j, "bus_addr", p->bus_addr);
			json_u64(&j, "phys_addr", p->phys_addr);
			json_bool(&j, "revoked", p->flags & P2PBUF_PROVIDER_REVOKED);
			/* addresses are 0 without CAP_SYS_ADMIN */
			json_bool(&j, "addrs_hidden", p->flags & P2PBUF_PROVIDER_ADDRS_HIDDEN);
			json_open(&j, "peers", '[');
		} else {
			printf("%-24s %-12s %3u %-7s %-9s %-7s %10s %10s%s\n", p->name,
			       p->pci_dev, p->bar, p2pbuf_backend_name(p->backend),
			       region_kind_name(p->region_kind),
			       p2pbuf_memtype_name(p->memtype),
			       human(p->size, hs, sizeof(hs)), human(p->free, hf, sizeof(hf)),
			       (p->flags & P2PBUF_PROVIDER_REVOKED) ? " REVOKED" : "");
		}
		for (k = 0; k < npeers; k++) {
			struct p2pbuf_route_result r;

			if (!strcmp(peers[k], p->pci_dev))
				continue;
			if (p2pbuf_route_query((unsigned int)p->index, peers[k], &r))
				continue;
			if (opt_json) {
				json_open(&j, NULL, '{');
				json_str(&j, "pci_dev", peers[k]);
				json_str(&j, "route", p2pbuf_route_name(r.route));
				json_i64(&j, "error", r.error);
				json_u64(&j, "distance", r.distance);
				json_close(&j, '}');
			} else if (route_reaches(r.route)) {
				printf("%s %s (%s)", reach++ ? "," : "    reachable:", peers[k],
				       p2pbuf_route_name(r.route));
			}
		}
		if (opt_json) {
			json_close(&j, ']');
			json_close(&j, '}');
		} else {
			printf("%s\n", reach ? "" : "    reachable: no PCI peer");
		}
	}
	if (opt_json)
		json_close(&j, ']');
	free_list(peers, npeers);
	free(st);
	return 0;
}

static int cmd_stats(void)
{
	struct p2pbuf_provider_stats *st;
	char h[4][32];
	unsigned int n, i;
	struct json j;
	int ret;

	ret = providers(&st, &n);
	if (ret)
		return fail(ret, "open", "cannot list providers");
	if (opt_json) {
		json_init(&j, stdout);
		json_open(&j, NULL, '[');
	} else if (n) {
		printf("%-24s %10s %10s %10s %10s %8s %11s\n", "NAME", "SIZE", "FREE",
		       "ALLOCATED", "PEAK", "BUFFERS", "ATTACHMENTS");
	} else {
		printf("no p2pbuf providers\n");
	}
	for (i = 0; i < n; i++) {
		const struct p2pbuf_provider_stats *p = &st[i];

		if (opt_json) {
			json_open(&j, NULL, '{');
			json_str(&j, "name", p->name);
			json_u64(&j, "size", p->size);
			json_u64(&j, "free", p->free);
			json_u64(&j, "allocated", p->allocated);
			json_u64(&j, "peak", p->peak);
			json_u64(&j, "buffers", p->buffers);
			json_u64(&j, "attachments", p->attachments);
			json_bool(&j, "revoked", p->flags & P2PBUF_PROVIDER_REVOKED);
			json_close(&j, '}');
			continue;
		}
		printf("%-24s %10s %10s %10s %10s %8" PRIu64 " %11" PRIu64 "%s\n", p->name,
		       human(p->size, h[0], sizeof(h[0])), human(p->free, h[1], sizeof(h[1])),
		       human(p->allocated, h[2], sizeof(h[2])), human(p->peak, h[3], sizeof(h[3])),
		       p->buffers, p->attachments,
		       (p->flags & P2PBUF_PROVIDER_REVOKED) ? " REVOKED" : "");
	}
	if (opt_json)
		json_close(&j, ']');
	else if (n)
		printf("(also in /sys/class/misc/NAME/{size,free,allocated,peak,buffers,attachments})\n");
	free(st);
	return 0;
}

/* ------------------------------------------------------------------------
 * bind, unbind
 * ------------------------------------------------------------------------ */

/* First /dev/p2pbuf node of @bdf (BAR @bar, or any BAR if < 0). */
static bool find_node(const char *bdf, long bar, char *out, size_t len)
{
	char prefix[64];
	struct dirent *de;
	bool found = false;
	size_t plen;
	DIR *d;

	if (bar >= 0) {
		snprintf(out, len, "/dev/p2pbuf/%s-bar%ld", bdf, bar);
		return exists(out);
	}
	d = opendir("/dev/p2pbuf");
	if (!d)
		return false;
	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s-bar", bdf);
	while (!found && (de = readdir(d))) {
		if (!strncmp(de->d_name, prefix, plen)) {
			snprintf(out, len, "/dev/p2pbuf/%s", de->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

static int cmd_bind(int argc, char **argv)
{
	char bdf[P2PBUF_PCI_ADDR_LEN], path[PATH_MAX], drv[64], node[PATH_MAX];
	const char *arg = NULL;
	long bar = -1;
	int i, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--bar")) {
			if (++i == argc || parse_int(argv[i], 0, 5, &bar))
				return usage_error("bind: --bar takes 0..5");
		} else if (!arg) {
			arg = argv[i];
		} else {
			return usage_error("bind: unexpected '%s'", argv[i]);
		}
	}
	if (!arg)
		return usage_error("bind: which PCI device? (BDF like 0000:05:00.0)");
	if (p2pbuf_pci_addr_normalize(arg, bdf, sizeof(bdf)))
		return usage_error("bind: '%s' is not a PCI address (dddd:bb:dd.f)", arg);

	snprintf(path, sizeof(path), SYS_PCI "/devices/%s", bdf);
	if (!exists(path))
		return fail(-ENOENT, "bind", "no PCI device %s", bdf);
	if (!exists("/sys/module/p2pbuf") || !exists(SYS_PCI "/drivers/p2pbuf"))
		return fail(-ENODEV, "open", "cannot bind %s", bdf);
	if (bar >= 0) {
		char v[24];

		snprintf(v, sizeof(v), "%ld", bar);
		ret = write_file("/sys/module/p2pbuf/parameters/bar", v);
		if (ret)
			return fail(ret, "bind", "cannot set /sys/module/p2pbuf/parameters/bar");
	}
	snprintf(path, sizeof(path), SYS_PCI "/devices/%s/driver_override", bdf);
	ret = write_file(path, "p2pbuf");
	if (ret)
		return fail(ret, "bind", "cannot write %s", path);

	pci_driver(bdf, drv, sizeof(drv));
	if (strcmp(drv, "p2pbuf") != 0) {
		if (drv[0]) {
			snprintf(path, sizeof(path), SYS_PCI "/devices/%s/driver/unbind", bdf);
			ret = write_file(path, bdf);
			if (ret)
				return fail(ret, "bind", "cannot unbind %s from %s", bdf, drv);
		}
		ret = write_file(SYS_PCI "/drivers/p2pbuf/bind", bdf);
		if (ret)
			return fail(ret, "bind",
				    "binding %s to p2pbuf failed (dmesg tells why)", bdf);
	}
	/* The node appears once probe has registered the provider. */
	for (i = 0; i < 100; i++) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		if (find_node(bdf, bar, node, sizeof(node))) {
			printf("%s bound to p2pbuf%s%s: %s\n", bdf, drv[0] ? ", was " : "",
			       (drv[0] && strcmp(drv, "p2pbuf")) ? drv : "", node);
			return 0;
		}
		nanosleep(&ts, NULL);
	}
	if (bar >= 0)
		return fail(-ETIMEDOUT, "bind", "%s is bound but /dev/p2pbuf/%s-bar%ld did not appear",
			    bdf, bdf, bar);
	return fail(-ETIMEDOUT, "bind", "%s is bound but no /dev/p2pbuf/%s-barN node appeared",
		    bdf, bdf);
}

static int cmd_unbind(int argc, char **argv)
{
	char bdf[P2PBUF_PCI_ADDR_LEN], path[PATH_MAX], drv[64];
	int ret;

	if (argc != 1)
		return usage_error("unbind: takes one PCI address");
	if (p2pbuf_pci_addr_normalize(argv[0], bdf, sizeof(bdf)))
		return usage_error("unbind: '%s' is not a PCI address (dddd:bb:dd.f)", argv[0]);
	snprintf(path, sizeof(path), SYS_PCI "/devices/%s", bdf);
	if (!exists(path))
		return fail(-ENOENT, "unbind", "no PCI device %s", bdf);
	pci_driver(bdf, drv, sizeof(drv));
	if (strcmp(drv, "p2pbuf") != 0) {
		fprintf(stderr, PROG ": %s is not bound to p2pbuf (driver: %s)\n", bdf,
			drv[0] ? drv : "none");
		return 1;
	}
	ret = write_file(SYS_PCI "/drivers/p2pbuf/unbind", bdf);
	if (ret)
		return fail(ret, "unbind", "cannot unbind %s from p2pbuf", bdf);
	/* Let the device's own driver have it back. */
	snprintf(path, sizeof(path), SYS_PCI "/devices/%s/driver_override", bdf);
	write_file(path, "\n");
	write_file(SYS_PCI "/drivers_probe", bdf);
	pci_driver(bdf, drv, sizeof(drv));
	printf("%s unbound from p2pbuf%s%s\n", bdf, drv[0] ? ", now bound to " : "", drv);
	return 0;
}

/* ------------------------------------------------------------------------
 * alloc, info
 * ------------------------------------------------------------------------ */

static void print_desc(struct json *j, const struct p2pbuf_buffer_desc *d,
		       const struct p2pbuf_attachment *att)
{
	unsigned int n = d->attach_count < ATTACH_MAX ? d->attach_count : ATTACH_MAX;
	unsigned int i;
	char h[32];

	if (j) {
		json_str(j, "provider", d->provider);
		json_u64(j, "size", d->size);
		json_u64(j, "offset", d->offset);
		json_u64(j, "bus_addr", d->bus_addr);
		json_u64(j, "phys_addr", d->phys_addr);
		json_u64(j, "vmaps", d->vmaps);
		json_u64(j, "mmaps", d->mmaps);
		json_bool(j, "revoked", d->flags & P2PBUF_BUFFER_REVOKED);
		json_bool(j, "addrs_hidden", d->flags & P2PBUF_BUFFER_ADDRS_HIDDEN);
		json_u64(j, "attach_count", d->attach_count);
		json_open(j, "attachments", '[');
		for (i = 0; i < n; i++) {
			json_open(j, NULL, '{');
			json_str(j, "importer", att[i].importer);
			json_str(j, "bus", att[i].bus);
			json_str(j, "route", p2pbuf_route_name(att[i].route));
			json_i64(j, "error", att[i].error);
			json_u64(j, "mapped", att[i].mapped);
			json_bool(j, "revocable", att[i].flags & P2PBUF_ATTACH_REVOCABLE);
			json_bool(j, "pinned", att[i].flags & P2PBUF_ATTACH_PINNED);
			json_u64(j, "dma_addr", att[i].dma_addr);
			json_u64(j, "dma_mask", att[i].dma_mask);
			json_close(j, '}');
		}
		json_close(j, ']');
		return;
	}
	if (d->flags & P2PBUF_BUFFER_ADDRS_HIDDEN)
		printf("  provider %s, size %s, offset 0x%" PRIx64
		       ", bus and phys addresses hidden (need CAP_SYS_ADMIN)%s\n",
		       d->provider, human(d->size, h, sizeof(h)), d->offset,
		       (d->flags & P2PBUF_BUFFER_REVOKED) ? ", REVOKED" : "");
	else
		printf("  provider %s, size %s, offset 0x%" PRIx64 ", bus 0x%" PRIx64
		       ", phys 0x%" PRIx64 "%s\n", d->provider, human(d->size, h, sizeof(h)),
		       d->offset, d->bus_addr, d->phys_addr,
		       (d->flags & P2PBUF_BUFFER_REVOKED) ? ", REVOKED" : "");
	printf("  mappings: %" PRIu64 " kernel, %" PRIu64 " user; importers: %u\n",
	       d->vmaps, d->mmaps, d->attach_count);
	for (i = 0; i < n; i++) {
		printf("    %s (%s): route %s", att[i].importer, att[i].bus,
		       p2pbuf_route_name(att[i].route));
		if (att[i].route == P2PBUF_ROUTE_REFUSED)
			printf(": %s\n", strerror(att[i].error < 0 ? -att[i].error : att[i].error));
		else
			printf(", mapped %u%s%s, dma 0x%" PRIx64 ", mask 0x%" PRIx64 "\n",
			       att[i].mapped,
			       (att[i].flags & P2PBUF_ATTACH_REVOCABLE) ? ", revocable" : "",
			       (att[i].flags & P2PBUF_ATTACH_PINNED) ? ", pinned" : "",
			       att[i].dma_addr, att[i].dma_mask);
	}
	if (d->attach_count > n)
		printf("    ... %u more\n", d->attach_count - n);
}

static volatile sig_atomic_t stop_hold;

static void on_signal(int sig)
{
	(void)sig;
	stop_hold = 1;
}

static int cmd_alloc(int argc, char **argv)
{
	struct p2pbuf_attachment att[ATTACH_MAX];
	const char *spec = NULL, *size_arg = NULL;
	struct p2pbuf_buffer_desc desc;
	struct p2pbuf_provider *prov;
	struct p2pbuf_buffer *buf;
	bool have_desc;
	long hold = -1;
	uint64_t size;
	char h[32];
	int i, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--hold")) {
			if (++i == argc || parse_int(argv[i], 0, INT_MAX, &hold))
				return usage_error("alloc: --hold takes seconds (0: until a signal)");
		} else if (!spec) {
			spec = argv[i];
		} else if (!size_arg) {
			size_arg = argv[i];
		} else {
			return usage_error("alloc: unexpected '%s'", argv[i]);
		}
	}
	if (!spec || !size_arg)
		return usage_error("alloc: needs SPEC and SIZE (e.g. pci:0000:05:00.0 4M)");
	if (parse_size(size_arg, &size))
		return usage_error("alloc: bad size '%s' (bytes, or with K, M, G)", size_arg);

	ret = p2pbuf_provider_open(spec, &prov);
	if (ret)
		return fail(ret, spec, "cannot open provider %s", spec);
	ret = p2pbuf_alloc(prov, size, 0, &buf);
	if (ret) {
		fail(ret, "alloc", "cannot allocate %" PRIu64 " bytes from %s", size,
		     p2pbuf_provider_name(prov));
		p2pbuf_provider_close(prov);
		return 1;
	}
	have_desc = p2pbuf_buffer_info(buf, &desc, att, ATTACH_MAX) == 0;

	if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		json_open(&j, NULL, '{');
		json_str(&j, "spec", spec);
		json_str(&j, "kind", p2pbuf_provider_kind_name(p2pbuf_provider_kind(prov)));
		json_str(&j, "name", p2pbuf_provider_name(prov));
		json_i64(&j, "pid", getpid());
		json_i64(&j, "fd", p2pbuf_buffer_fd(buf));
		json_u64(&j, "size", p2pbuf_buffer_size(buf));
		json_bool(&j, "p2pbuf", have_desc);
		if (have_desc)
			print_desc(&j, &desc, att);
		json_close(&j, '}');
	} else {
		printf("allocated %s from %s (%s): pid %d fd %d\n",
		       human(p2pbuf_buffer_size(buf), h, sizeof(h)), p2pbuf_provider_name(prov),
		       p2pbuf_provider_kind_name(p2pbuf_provider_kind(prov)), (int)getpid(),
		       p2pbuf_buffer_fd(buf));
		if (have_desc)
			print_desc(NULL, &desc, att);
		if (hold >= 0)
			printf("holding it %s; inspect with: " PROG " info --pid %d --fd %d\n",
			       hold ? "for a while" : "until a signal", (int)getpid(),
			       p2pbuf_buffer_fd(buf));
	}
	fflush(stdout);

	if (hold >= 0) {
		struct sigaction sa;
		time_t end = time(NULL) + hold;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		while (!stop_hold && (hold == 0 || time(NULL) < end)) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	p2pbuf_buffer_free(buf);
	p2pbuf_provider_close(prov);
	return 0;
}

/* exp_name and ino of dma-buf @fd of @pid from fdinfo. false: not a dma-buf. */
static bool fdinfo_dmabuf(const char *pid, const char *fd, char *exp, size_t explen,
			  unsigned long long *ino)
{
	char path[PATH_MAX], line[256];
	bool dmabuf = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return false;
	*ino = 0;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		*v++ = '\0';
		v += strspn(v, " \t");
		v[strcspn(v, "\n")] = '\0';
		if (!strcmp(line, "exp_name")) {
			snprintf(exp, explen, "%s", v);
			dmabuf = true;
		} else if (!strcmp(line, "ino")) {
			*ino = strtoull(v, NULL, 10);
		}
	}
	fclose(f);
	return dmabuf;
}

/* A copy of fd @fd of process @pid (pidfd_getfd: needs ptrace rights). */
static int grab_fd(long pid, long fd)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
	int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	int ret;

	if (pidfd < 0)
		return -errno;
	ret = (int)syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0);
	if (ret < 0)
		ret = -errno;
	close(pidfd);
	return ret;
#else
	(void)pid;
	(void)fd;
	return -ENOSYS;
#endif
}

static void comm_of(const char *pid, char *out, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	if (read_file(path, out, len))
		snprintf(out, len, "?");
}

/* Describe dma-buf @fd held as @holder; -EINVAL if not ours. */
static int describe(int fd, struct json *j, const char *holder)
{
	struct p2pbuf_attachment att[ATTACH_MAX];
	struct p2pbuf_buffer_desc desc;
	int ret = p2pbuf_fd_info(fd, &desc, att, ATTACH_MAX);

	if (ret)
		return ret;
	if (j) {
		json_open(j, NULL, '{');
		if (holder)
			json_str(j, "holders", holder);
		print_desc(j, &desc, att);
		json_close(j, '}');
	} else {
		if (holder)
			printf("dma-buf held by %s\n", holder);
		print_desc(NULL, &desc, att);
	}
	return 0;
}

struct seen {
	unsigned long long ino;
	long pid, fd;
	char holders[1024];
};

static int cmd_info_all(void)
{
	struct seen *seen = NULL;
	unsigned int nseen = 0, i;
	struct dirent *pe;
	struct json j;
	DIR *proc;
	int shown = 0;

	proc = opendir("/proc");
	if (!proc)
		return fail(-errno, "info", "cannot read /proc");
	while ((pe = readdir(proc))) {
		char path[PATH_MAX], comm[64];
		struct dirent *fe;
		DIR *fds;

		if (!isdigit((unsigned char)pe->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fdinfo", pe->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		comm_of(pe->d_name, comm, sizeof(comm));
		while ((fe = readdir(fds))) {
			unsigned long long ino;
			char exp[64];
			struct seen *s = NULL;
			size_t len;

			if (!isdigit((unsigned char)fe->d_name[0]) ||
			    !fdinfo_dmabuf(pe->d_name, fe->d_name, exp, sizeof(exp), &ino) ||
			    strcmp(exp, "p2pbuf") != 0)
				continue;
			/* One entry per buffer (inode), listing every holder. */
			for (i = 0; i < nseen; i++) {
				if (ino && seen[i].ino == ino) {
					s = &seen[i];
					break;
				}
			}
			if (!s) {
				struct seen *ns = realloc(seen, (nseen + 1) * sizeof(*seen));

				if (!ns)
					break;
				seen = ns;
				s = &seen[nseen++];
				memset(s, 0, sizeof(*s));
				s->ino = ino;
				s->pid = strtol(pe->d_name, NULL, 10);
				s->fd = strtol(fe->d_name, NULL, 10);
			}
			len = strlen(s->holders);
			snprintf(s->holders + len, sizeof(s->holders) - len, "%s%s/%s (%s)",
				 len ? ", " : "", pe->d_name, fe->d_name, comm);
		}
		closedir(fds);
	}
	closedir(proc);

	if (opt_json) {
		json_init(&j, stdout);
		json_open(&j, NULL, '[');
	}
	for (i = 0; i < nseen; i++) {
		int fd = grab_fd(seen[i].pid, seen[i].fd);
		int ret;

		if (fd < 0) {
			fail(fd, "info", "cannot get fd %ld of pid %ld", seen[i].fd, seen[i].pid);
			continue;
		}
		ret = describe(fd, opt_json ? &j : NULL, seen[i].holders);
		close(fd);
		if (ret)
			fail(ret, "info", "cannot describe the buffer held by %s", seen[i].holders);
		else
			shown++;
	}
	if (opt_json)
		json_close(&j, ']');
	else if (nseen == 0)
		printf("no p2pbuf dma-bufs open\n");
	free(seen);
	return shown == (int)nseen ? 0 : 1;
}

/*
 * info ... --peer BDF: how PCI device BDF would reach the buffer, whoever
 * exported it (p2pbuf, or e.g. vfio-pci's BAR export: the module probes).
 */
static int describe_peer(int fd, const char *peer, struct json *j)
{
	struct p2pbuf_route_result r;
	char exporter[64];
	int ret = p2pbuf_route_query_dmabuf(fd, peer, &r, exporter, sizeof(exporter));

	if (ret == -EPERM)
		return fail(ret, "info", "probing another exporter's buffer needs CAP_SYS_ADMIN (run as root)");
	if (ret)
		return fail(ret, "info", "route from %s to the buffer", peer);
	if (j) {
		json_open(j, NULL, '{');
		json_str(j, "exporter", exporter);
		json_str(j, "peer", peer);
		json_str(j, "route", p2pbuf_route_name(r.route));
		json_i64(j, "error", r.error);
		json_u64(j, "distance", r.distance);
		json_close(j, '}');
	} else {
		printf("dma-buf exported by %s: %s reaches it by route %s", exporter, peer,
		       p2pbuf_route_name(r.route));
		if (r.route == P2PBUF_ROUTE_REFUSED)
			printf(" (%s)", strerror(r.error < 0 ? -r.error : r.error));
		printf("\n");
	}
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	long pid = -1, fdn = -1;
	const char *peer = NULL;
	bool all = false;
	struct json j;
	int i, fd, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--all")) {
			all = true;
		} else if (!strcmp(argv[i], "--pid")) {
			if (++i == argc || parse_int(argv[i], 1, INT_MAX, &pid))
				return usage_error("info: --pid takes a process id");
		} else if (!strcmp(argv[i], "--fd")) {
			if (++i == argc || parse_int(argv[i], 0, INT_MAX, &fdn))
				return usage_error("info: --fd takes a file descriptor number");
		} else if (!strcmp(argv[i], "--peer")) {
			if (++i == argc)
				return usage_error("info: --peer takes a PCI address (dddd:bb:dd.f)");
			peer = argv[i];
		} else if (fdn < 0 && !parse_int(argv[i], 0, INT_MAX, &fdn)) {
			continue;
		} else {
			return usage_error("info: unexpected '%s'", argv[i]);
		}
	}
	if (all) {
		if (pid >= 0 || fdn >= 0 || peer)
			return usage_error("info: --all takes no fd and no --peer");
		return cmd_info_all();
	}
	if (fdn < 0)
		return usage_error("info: needs FD, --pid PID --fd N, or --all");

	if (pid >= 0) {
		fd = grab_fd(pid, fdn);
		if (fd < 0)
			return fail(fd, "info", "cannot get fd %ld of pid %ld", fdn, pid);
	} else {
		fd = (int)fdn;
	}
	if (opt_json)
		json_init(&j, stdout);
	if (peer)
		ret = describe_peer(fd, peer, opt_json ? &j : NULL);
	else
		ret = describe(fd, opt_json ? &j : NULL, NULL);
	if (pid >= 0)
		close(fd);
	if (peer)
		return ret;
	if (ret && pid >= 0)
		return fail(ret, "info", "fd %ld of pid %ld", fdn, pid);
	if (ret)
		return fail(ret, "info", "fd %ld", fdn);
	return 0;
}

/* ------------------------------------------------------------------------
 * video: the V4L2 memory nodes of p2pbuf_video.ko
 * ------------------------------------------------------------------------ */

static int video_list(void)
{
	char line[256], prov[64], out[32], cap[32];
	unsigned int n = 0;
	struct json j;
	FILE *f;

	f = fopen("/sys/class/p2pbuf_video/nodes", "re");
	if (!f)
		return fail(-ENODEV, "video", "cannot read /sys/class/p2pbuf_video/nodes");
	if (opt_json) {
		json_init(&j, stdout);
		json_open(&j, NULL, '[');
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %31s %31s", prov, out, cap) != 3)
			continue;
		if (opt_json) {
			char o[40], c[40];

			snprintf(o, sizeof(o), "/dev/%s", out);
			snprintf(c, sizeof(c), "/dev/%s", cap);
			json_open(&j, NULL, '{');
			json_str(&j, "provider", prov);
			json_str(&j, "output", o);
			json_str(&j, "capture", c);
			json_close(&j, '}');
		} else {
			if (!n)
				printf("%-24s %-12s %-12s\n", "PROVIDER", "OUTPUT", "CAPTURE");
			printf("%-24s /dev/%-7s /dev/%-7s\n", prov, out, cap);
		}
		n++;
	}
	fclose(f);
	if (opt_json)
		json_close(&j, ']');
	else if (!n)
		printf("no V4L2 memory nodes: create them with '" PROG " video add PROVIDER'\n");
	return 0;
}

static int cmd_video(int argc, char **argv)
{
	char out[64], cap[64];
	int ret;

	if (argc == 1 && !strcmp(argv[0], "list"))
		return video_list();
	if (argc != 2 || (strcmp(argv[0], "add") && strcmp(argv[0], "remove")))
		return usage_error("video: list, add PROVIDER or remove PROVIDER");
	if (!strcmp(argv[0], "remove")) {
		ret = p2pbuf_video_remove(argv[1]);
		if (ret)
			return fail(ret, "video", "cannot remove the nodes of %s (see '" PROG " video list')",
				    argv[1]);
		printf("%s: nodes removed\n", argv[1]);
		return 0;
	}
	ret = p2pbuf_video_create(argv[1]);
	if (ret)
		return fail(ret, "video", "cannot create nodes for %s (a provider name from '" PROG " list', or pci:/cmb:/name: spec)",
			    argv[1]);
	ret = p2pbuf_video_find(argv[1], out, cap, sizeof(out));
	if (ret)
		return fail(ret, "video", "nodes of %s created but not listed", argv[1]);
	printf("%s: output %s, capture %s\n", argv[1], out, cap);
	return 0;
}

/* ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--json] COMMAND [ARGS]\n"
		"\n"
		"  list                       providers and the PCI peers that reach them\n"
		"  stats                      usage per provider\n"
		"  bind BDF [--bar N]         bind a PCI device to p2pbuf (export BAR N)\n"
		"  unbind BDF                 give the device back to its own driver\n"
		"  alloc SPEC SIZE [--hold S] allocate a buffer (hold it S seconds, 0: until ^C)\n"
		"  info FD                    describe a dma-buf fd inherited by " PROG "\n"
		"  info --pid PID --fd N      describe fd N of process PID\n"
		"  info ... --peer BDF        how PCI device BDF reaches that dma-buf, whoever\n"
		"                             exported it (another exporter: root only)\n"
		"  info --all                 every p2pbuf dma-buf open in the system\n"
		"  video list                 V4L2 memory nodes (p2pbuf_video.ko)\n"
		"  video add|remove PROVIDER  create or remove a provider's node pair\n"
		"\n"
		"SPEC: pci:BDF[/barN] cmb:BDF name:NODE heap:NAME udmabuf drm:PATH fd:N\n"
		"SIZE: bytes, or with K, M, G (binary)\n"
		"--json prints JSON on stdout. Errors go to stderr; exit status 1\n"
		"(2 for usage errors).\n");
}

/* main() without the name, so the unit tests can drive it. */
int p2pbuf_ctl_main(int argc, char **argv);

int p2pbuf_ctl_main(int argc, char **argv)
{
	char *args[64];
	int n = 0, i;
	const char *cmd;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			opt_json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (n < (int)(sizeof(args) / sizeof(args[0]))) {
			args[n++] = argv[i];
		} else {
			return usage_error("too many arguments");
		}
	}
	if (n == 0) {
		usage(stderr);
		return 2;
	}
	cmd = args[0];
	if (!strcmp(cmd, "list") && n == 1)
		return cmd_list();
	if (!strcmp(cmd, "stats") && n == 1)
		return cmd_stats();
	if (!strcmp(cmd, "bind"))
		return cmd_bind(n - 1, args + 1);
	if (!strcmp(cmd, "unbind"))
		return cmd_unbind(n - 1, args + 1);
	if (!strcmp(cmd, "alloc"))
		return cmd_alloc(n - 1, args + 1);
	if (!strcmp(cmd, "info"))
		return cmd_info(n - 1, args + 1);
	if (!strcmp(cmd, "video"))
		return cmd_video(n - 1, args + 1);
	if (!strcmp(cmd, "list") || !strcmp(cmd, "stats"))
		return usage_error("%s takes no arguments", cmd);
	return usage_error("unknown command '%s'", cmd);
}

#ifndef P2PBUF_CTL_NO_MAIN
int main(int argc, char **argv)
{
	return p2pbuf_ctl_main(argc, argv);
}
#endif
