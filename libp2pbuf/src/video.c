// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The V4L2 memory nodes of a provider (p2pbuf_video.ko): find, open,
 * create and remove them through /sys/class/p2pbuf_video.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#define VIDEO_CLASS "/sys/class/p2pbuf_video"

/* The kernel's provider name for @provider: a name, or a p2pbuf spec. */
static int video_provider_name(const char *provider, char *name, size_t len)
{
	struct p2pbuf_provider *prov;
	int ret;

	if (!provider || !*provider)
		return -EINVAL;
	if (strncmp(provider, "pci:", 4) && strncmp(provider, "cmb:", 4) &&
	    strncmp(provider, "name:", 5)) {
		/* a name such as 0000:05:00.0-bar2 */
		if (strlen(provider) >= len)
			return -ENAMETOOLONG;
		strcpy(name, provider);
		return 0;
	}
	ret = p2pbuf_provider_open(provider, &prov);
	if (ret)
		return ret;
	if (p2pbuf_provider_kind(prov) != P2PBUF_SPEC_PCI &&
	    p2pbuf_provider_kind(prov) != P2PBUF_SPEC_CMB &&
	    p2pbuf_provider_kind(prov) != P2PBUF_SPEC_NAME) {
		p2pbuf_provider_close(prov);
		return -EINVAL;
	}
	ret = snprintf(name, len, "%s", p2pbuf_provider_name(prov)) >= (int)len ?
	      -ENAMETOOLONG : 0;
	p2pbuf_provider_close(prov);
	return ret;
}

int p2pbuf_video_find(const char *provider, char *output, char *capture, size_t len)
{
	char name[P2PBUF_NAME_LEN], line[256], p[P2PBUF_NAME_LEN], o[32], c[32];
	int ret = video_provider_name(provider, name, sizeof(name));
	FILE *f;

	if (ret)
		return ret;
	f = fopen(VIDEO_CLASS "/nodes", "re");
	if (!f)
		return -ENODEV;
	ret = -ENOENT;
	while (ret == -ENOENT && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %31s %31s", p, o, c) != 3 || strcmp(p, name))
			continue;
		ret = 0;
		if ((output && snprintf(output, len, "/dev/%s", o) >= (int)len) ||
		    (capture && snprintf(capture, len, "/dev/%s", c) >= (int)len))
			ret = -ENAMETOOLONG;
	}
	fclose(f);
	return ret;
}

int p2pbuf_video_open(const char *provider, enum p2pbuf_video_dir dir, int flags)
{
	char out[64], cap[64];
	int fd, ret;

	if (dir != P2PBUF_VIDEO_OUTPUT && dir != P2PBUF_VIDEO_CAPTURE)
		return -EINVAL;
	ret = p2pbuf_video_find(provider, out, cap, sizeof(out));
	if (ret)
		return ret;
	fd = open(dir == P2PBUF_VIDEO_OUTPUT ? out : cap, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int video_write(const char *file, const char *provider)
{
	char name[P2PBUF_NAME_LEN];
	int fd, ret = video_provider_name(provider, name, sizeof(name));
	ssize_t n;

	if (ret)
		return ret;
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	n = write(fd, name, strlen(name));
	ret = n < 0 ? -errno : (size_t)n == strlen(name) ? 0 : -EIO;
	close(fd);
	return ret;
}

int p2pbuf_video_create(const char *provider)
{
	return video_write(VIDEO_CLASS "/add", provider);
}

int p2pbuf_video_remove(const char *provider)
{
	return video_write(VIDEO_CLASS "/remove", provider);
}
