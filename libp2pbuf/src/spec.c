// SPDX-License-Identifier: LGPL-2.1-or-later
/* Provider spec strings and PCI addresses: pure parsing, no I/O. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* Parse 1..@maxdigits hex digits at *p; advance *p. */
static bool parse_hex(const char **p, unsigned int maxdigits, unsigned long *val)
{
	const char *s = *p;
	unsigned long v = 0;
	unsigned int n = 0;

	while (isxdigit((unsigned char)*s) && n < maxdigits) {
		v = v * 16 + (unsigned long)(isdigit((unsigned char)*s) ?
			*s - '0' : tolower((unsigned char)*s) - 'a' + 10);
		s++;
		n++;
	}
	if (n == 0 || isxdigit((unsigned char)*s))
		return false;
	*p = s;
	*val = v;
	return true;
}

int p2pbuf_pci_addr_normalize(const char *in, char *out, size_t outlen)
{
	unsigned long dom = 0, bus, dev, fn;
	const char *p = in;
	const char *colon;
	int n;

	if (!in || !out)
		return -EINVAL;
	/* "dddd:bb:dd.f" has two colons, "bb:dd.f" one. */
	colon = strchr(p, ':');
	if (colon && strchr(colon + 1, ':')) {
		if (!parse_hex(&p, 8, &dom) || *p++ != ':')
			return -EINVAL;
	}
	if (!parse_hex(&p, 2, &bus) || *p++ != ':')
		return -EINVAL;
	if (!parse_hex(&p, 2, &dev) || dev > 0x1f || *p++ != '.')
		return -EINVAL;
	if (!parse_hex(&p, 1, &fn) || fn > 7 || *p != '\0')
		return -EINVAL;
	n = snprintf(out, outlen, "%04lx:%02lx:%02lx.%lx", dom, bus, dev, fn);
	if (n < 0 || (size_t)n >= outlen)
		return -EINVAL;
	return 0;
}

bool p2pbuf__valid_node_name(const char *name, size_t max)
{
	size_t len = strlen(name);

	return len > 0 && len < max && !strchr(name, '/') &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static int parse_pci(const char *rest, struct p2pbuf__spec *out, bool allow_bar)
{
	char bdf[P2PBUF_PCI_ADDR_LEN];
	const char *slash = strchr(rest, '/');
	size_t len = slash ? (size_t)(slash - rest) : strlen(rest);

	if (len == 0 || len >= sizeof(bdf))
		return -EINVAL;
	memcpy(bdf, rest, len);
	bdf[len] = '\0';
	if (p2pbuf_pci_addr_normalize(bdf, out->bdf, sizeof(out->bdf)))
		return -EINVAL;
	out->bar = -1;
	if (slash) {
		const char *b = slash + 1;

		if (!allow_bar || strncmp(b, "bar", 3) != 0)
			return -EINVAL;
		b += 3;
		if (b[0] < '0' || b[0] > '5' || b[1] != '\0')
			return -EINVAL;
		out->bar = b[0] - '0';
	}
	return 0;
}

int p2pbuf__spec_parse(const char *spec, struct p2pbuf__spec *out)
{
	memset(out, 0, sizeof(*out));
	out->bar = -1;
	out->fd = -1;
	if (!spec)
		return -EINVAL;

	if (!strncmp(spec, "pci:", 4)) {
		out->kind = P2PBUF_SPEC_PCI;
		return parse_pci(spec + 4, out, true);
	}
	if (!strncmp(spec, "cmb:", 4)) {
		out->kind = P2PBUF_SPEC_CMB;
		return parse_pci(spec + 4, out, false);
	}
	if (!strncmp(spec, "name:", 5)) {
		out->kind = P2PBUF_SPEC_NAME;
		if (!p2pbuf__valid_node_name(spec + 5, P2PBUF_NAME_LEN) ||
		    !strcmp(spec + 5, "ctl"))
			return -EINVAL;
		strcpy(out->arg, spec + 5);
		return 0;
	}
	if (!strncmp(spec, "heap:", 5)) {
		out->kind = P2PBUF_SPEC_HEAP;
		if (!p2pbuf__valid_node_name(spec + 5, sizeof(out->arg)))
			return -EINVAL;
		strcpy(out->arg, spec + 5);
		return 0;
	}
	if (!strcmp(spec, "memfd")) {
		out->kind = P2PBUF_SPEC_MEMFD;
		return 0;
	}
	if (!strcmp(spec, "udmabuf")) {
		out->kind = P2PBUF_SPEC_UDMABUF;
		return 0;
	}
	if (!strncmp(spec, "drm:", 4)) {
		size_t len = strlen(spec + 4);

		out->kind = P2PBUF_SPEC_DRM;
		if (len == 0 || len >= sizeof(out->arg))
			return -EINVAL;
		strcpy(out->arg, spec + 4);
		return 0;
	}
	if (!strncmp(spec, "fd:", 3)) {
		const char *s = spec + 3;
		char *end;
		long v;

		out->kind = P2PBUF_SPEC_FD;
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || *end != '\0' || v > INT_MAX)
			return -EINVAL;
		out->fd = (int)v;
		return 0;
	}
	out->kind = 0;
	return -EINVAL;
}
