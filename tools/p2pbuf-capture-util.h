// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pure helpers of p2pbuf-capture: option parsing, rate math, ring
 * placement, JSON strings. No I/O, no V4L2, no libp2pbuf: unit tested in
 * tests/unit/test-capture-*.c. Header-only so that the tool stays one
 * source file (tools/meson.build builds tools/<name>.c).
 */
#ifndef P2PBUF_CAPTURE_UTIL_H
#define P2PBUF_CAPTURE_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/videodev2.h>

/* What --set-fmt-video asked for; fields not given keep the device's value. */
struct capture_fmt {
	bool has_width, has_height, has_pixelformat, has_field, has_bytesperline;
	uint32_t width;
	uint32_t height;
	uint32_t pixelformat;	/* v4l2_fourcc(), bit 31 set for "-BE" */
	uint32_t field;		/* enum v4l2_field */
	uint32_t bytesperline;
};

/* Counters at one instant, all cumulative. */
struct capture_sample {
	uint64_t t_ns;		/* CLOCK_MONOTONIC */
	uint64_t frames;
	uint64_t bytes;
	uint64_t dropped;
};

/* What happened between two samples. */
struct capture_rate {
	double seconds;		/* length of the interval */
	uint64_t frames;	/* frames in the interval */
	uint64_t bytes;
	uint64_t dropped;
	double fps;		/* frames / seconds; 0 for an empty interval */
	double mbps;		/* bytes / seconds / 1e6 (MB = 10^6 bytes) */
};

/* Format a message into @err (if any) and return -EINVAL. */
static inline __attribute__((format(printf, 3, 4)))
int capture_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * Strict unsigned decimal in [@min, @max]: no sign, no spaces, no
 * trailing characters. Return 0 or -EINVAL (-ERANGE when out of bounds).
 */
static inline int capture_parse_u64(const char *s, uint64_t min, uint64_t max,
				    uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	const char *p = s;

	/* any base, as v4l2-ctl's strtoul(.., 0): 0x1f, 017, 15 */
	if (!s || !*s)
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return -EINVAL;
	} else if (p[0] == '0' && p[1]) {
		base = 8;
		p++;
	}
	for (; *p; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned int)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned int)(*p - 'A' + 10);
		else
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/*
 * -d as v4l2-ctl takes it: a number of up to three digits is /dev/videoN,
 * anything else a path. Writes into @buf (at least 16 bytes) when needed.
 */
static inline const char *capture_device_path(const char *arg, char *buf, size_t len)
{
	size_t n = strlen(arg), i;

	if (n == 0 || n > 3)
		return arg;
	for (i = 0; i < n; i++)
		if (arg[i] < '0' || arg[i] > '9')
			return arg;
	snprintf(buf, len, "/dev/video%s", arg);
	return buf;
}

/* "YUYV" or "YUYV-BE" (bit 31 set): four printable characters. */
static inline int capture_parse_fourcc(const char *v, uint32_t *out)
{
	size_t len = strlen(v), i;

	if (len != 4 && !(len == 7 && !strcmp(v + 4, "-BE")))
		return -EINVAL;
	for (i = 0; i < 4; i++)
		if (v[i] < 0x20 || v[i] > 0x7e)
			return -EINVAL;
	*out = v4l2_fourcc(v[0], v[1], v[2], v[3]);
	if (len == 7)
		*out |= 1U << 31;
	return 0;
}

/*
 * Parse "width=W,height=H,pixelformat=FOURCC[,field=F][,bytesperline=B]"
 * as v4l2-ctl --set-fmt-video does: keys in any order, at least one, none
 * twice. FOURCC is four characters ("YUYV", "NV12"), optionally followed
 * by "-BE" (big-endian variant, bit 31). F is a v4l2-ctl field name
 * ("any", "none", "top", "bottom", "interlaced", "seq_tb", "seq_bt",
 * "alternate", "interlaced_tb", "interlaced_bt").
 *
 * Return: 0, or -EINVAL with a message for the user in @err (may be NULL).
 */
static inline int capture_parse_fmt(const char *arg, struct capture_fmt *out,
				    char *err, size_t errlen)
{
	struct capture_fmt f;
	char tmp[256], *save = NULL, *tok;

	memset(&f, 0, sizeof(f));
	if (!arg || !*arg)
		return capture_fail(err, errlen, "empty format: give width=W,height=H,pixelformat=FOURCC");
	if (strlen(arg) >= sizeof(tmp))
		return capture_fail(err, errlen, "format too long");
	strcpy(tmp, arg);

	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *val = strchr(tok, '=');
		uint64_t n;
		bool *seen;

		if (!val || val == tok || !val[1])
			return capture_fail(err, errlen, "'%s' is not key=value", tok);
		*val++ = '\0';

		if (!strcmp(tok, "width"))
			seen = &f.has_width;
		else if (!strcmp(tok, "height"))
			seen = &f.has_height;
		else if (!strcmp(tok, "pixelformat"))
			seen = &f.has_pixelformat;
		else if (!strcmp(tok, "field"))
			seen = &f.has_field;
		else if (!strcmp(tok, "bytesperline"))
			seen = &f.has_bytesperline;
		else
			return capture_fail(err, errlen,
				    "unknown key '%s': use width, height, pixelformat, field, bytesperline",
				    tok);
		if (*seen)
			return capture_fail(err, errlen, "'%s' given twice", tok);
		*seen = true;

		if (seen == &f.has_pixelformat) {
			if (capture_parse_fourcc(val, &f.pixelformat))
				return capture_fail(err, errlen,
					    "pixelformat '%s' is not a four-character code such as YUYV or NV12 (optionally with -BE)",
					    val);
		} else if (seen == &f.has_field) {
			/* The names v4l2-ctl accepts, in enum v4l2_field order. */
			static const char *const names[] = {
				"any", "none", "top", "bottom", "interlaced", "seq_tb",
				"seq_bt", "alternate", "interlaced_tb", "interlaced_bt",
			};
			uint32_t i;

			for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (!strcmp(val, names[i]))
					break;
			if (i == sizeof(names) / sizeof(names[0]))
				return capture_fail(err, errlen,
					    "unknown field '%s': use any, none, top, bottom, interlaced, seq_tb, seq_bt, alternate, interlaced_tb or interlaced_bt",
					    val);
			f.field = i;	/* V4L2_FIELD_ANY (0) .. V4L2_FIELD_INTERLACED_BT (9) */
		} else {
			/* bytesperline=0 means "driver's choice"; sizes must be > 0. */
			uint64_t min = seen == &f.has_bytesperline ? 0 : 1;

			if (capture_parse_u64(val, min, UINT32_MAX, &n))
				return capture_fail(err, errlen, "%s=%s: expected a number %s",
					    tok, val, min ? "> 0" : ">= 0");
			if (seen == &f.has_width)
				f.width = (uint32_t)n;
			else if (seen == &f.has_height)
				f.height = (uint32_t)n;
			else
				f.bytesperline = (uint32_t)n;
		}
	}
	if (!(f.has_width || f.has_height || f.has_pixelformat || f.has_field ||
	      f.has_bytesperline))
		return capture_fail(err, errlen, "empty format: give width=W,height=H,pixelformat=FOURCC");
	*out = f;
	return 0;
}

/* "YUYV" (or "YUYV-BE"), non-printable bytes as '.'; @len >= 8. */
static inline const char *capture_fourcc_str(uint32_t fourcc, char *buf,
					     size_t len)
{
	char c[5];
	int i;

	for (i = 0; i < 4; i++) {
		unsigned char b = (fourcc >> (8 * i)) & 0xff;

		/* bit 31 is the -BE flag, not part of the last character */
		if (i == 3)
			b &= 0x7f;
		c[i] = (b >= 0x20 && b <= 0x7e) ? (char)b : '.';
	}
	c[4] = '\0';
	snprintf(buf, len, "%s%s", c, (fourcc & (1U << 31)) ? "-BE" : "");
	return buf;
}

/*
 * Rates over the interval from @prev to @now. Counters that went backwards
 * (a reset) count as 0; an interval of zero length gives rates of 0.
 */
static inline void capture_rate(const struct capture_sample *prev,
				const struct capture_sample *now,
				struct capture_rate *out)
{
#define DELTA(f) (now->f >= prev->f ? now->f - prev->f : 0)
	out->frames = DELTA(frames);
	out->bytes = DELTA(bytes);
	out->dropped = DELTA(dropped);
	out->seconds = (double)DELTA(t_ns) / 1e9;
#undef DELTA
	if (out->seconds > 0) {
		out->fps = (double)out->frames / out->seconds;
		out->mbps = (double)out->bytes / out->seconds / 1e6;
	} else {
		out->fps = 0;
		out->mbps = 0;
	}
}

/*
 * Ring placement. The n-th QBUF of the run (n = 0, 1, ...) carries ring
 * buffer capture_ring_slot(n, skip, ring): with a driver that fills buffers
 * in queue order, captured frame k (the (skip + k)-th dequeued) lands in
 * ring buffer k % ring, and the @skip frames dropped first land in the
 * buffers the last frames of the first lap will use.
 */
static inline unsigned int capture_ring_slot(uint64_t n, uint64_t skip,
					     unsigned int ring)
{
	if (ring == 0)
		return 0;
	/* (n - skip) mod ring, without going through negative numbers */
	return (unsigned int)(((n % ring) + ring - (skip % ring)) % ring);
}

/*
 * Write @s as a JSON string (with the quotes) into @buf. Return the length
 * it needs without the NUL (as snprintf); the output is truncated, still
 * NUL terminated, when that is >= @len.
 */
static inline size_t capture_json_str(char *buf, size_t len, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

#define PUT(ch) do { if (n + 1 < len) buf[n] = (ch); n++; } while (0)
	PUT('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT((char)c);
		} else if (c == '\n') {
			PUT('\\');
			PUT('n');
		} else if (c == '\t') {
			PUT('\\');
			PUT('t');
		} else if (c < 0x20 || c == 0x7f) {
			PUT('\\');
			PUT('u');
			PUT('0');
			PUT('0');
			PUT(hex[c >> 4]);
			PUT(hex[c & 0xf]);
		} else {
			PUT((char)c);
		}
	}
	PUT('"');
#undef PUT
	if (len)
		buf[n < len ? n : len - 1] = '\0';
	return n;
}

#endif /* P2PBUF_CAPTURE_UTIL_H */
