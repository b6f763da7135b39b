/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal interfaces of libp2pbuf. Everything here is hidden from the
 * shared object (-fvisibility=hidden); unit tests link the objects directly.
 */
#ifndef P2PBUF_PRIVATE_H
#define P2PBUF_PRIVATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

/* Public declarations, and only they, get default visibility. */
#pragma GCC visibility push(default)
#include <p2pbuf/p2pbuf.h>
#pragma GCC visibility pop

#define P2PBUF_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Root of the device nodes, "/dev"; tests point it at a scratch directory. */
extern char p2pbuf__dev_root[PATH_MAX];

/* ---- spec strings (spec.c) ---- */

struct p2pbuf__spec {
	enum p2pbuf_provider_kind kind;
	char bdf[P2PBUF_PCI_ADDR_LEN];	/* PCI, CMB: normalized */
	int bar;			/* PCI: 0..5, or -1 when not given */
	char arg[256];			/* NAME: node, HEAP: heap, DRM: path */
	int fd;				/* FD */
};

/* Pure: no file system access. -EINVAL for a malformed spec. */
int p2pbuf__spec_parse(const char *spec, struct p2pbuf__spec *out);

/* A node or heap name: non-empty, < @max, no '/', not "." or "..". */
bool p2pbuf__valid_node_name(const char *name, size_t max);

/* ---- control node (ctl.c) ---- */

/* "<dev_root>/p2pbuf/<name>" into @buf. -ENAMETOOLONG if it does not fit. */
int p2pbuf__node_path(char *buf, size_t len, const char *name);

/* Open /dev/p2pbuf/ctl: fd, or -ENODEV when missing, or -errno. */
int p2pbuf__ctl_open(void);

/* Is the module loaded (does /dev/p2pbuf/ctl exist)? */
bool p2pbuf__ctl_present(void);

/* P2PBUF_CTL_PROVIDER_INFO @index into @stats. */
int p2pbuf__ctl_provider(int ctl, unsigned int index,
			 struct p2pbuf_provider_stats *stats);

/* Find the provider named @name: fills @stats, -ENOENT if none. */
int p2pbuf__ctl_find(int ctl, const char *name, struct p2pbuf_provider_stats *stats);

/* ioctl() retried on EINTR/EAGAIN; returns 0 or -errno. */
int p2pbuf__ioctl(int fd, unsigned long req, void *arg);

/* Copy a possibly unterminated fixed-size kernel string, truncating. */
void p2pbuf__copy_str(char *dst, size_t dstlen, const char *src, size_t srclen);

/* strerror into a static-free buffer (thread safe). */
const char *p2pbuf__strerror(int err, char *buf, size_t len);

/* ---- providers (provider.c) ---- */

typedef int (*p2pbuf__alloc_fn)(struct p2pbuf_provider *prov, uint64_t size,
				int *fd);

struct p2pbuf_provider {
	enum p2pbuf_provider_kind kind;
	int fd;			/* node, heap, udmabuf or DRM fd; dup of fd:N */
	char name[256];
	p2pbuf__alloc_fn alloc;	/* NULL: cannot allocate (fd:N) */
	void *priv;		/* for alloc functions that need state (tests) */
};

/* A provider with a custom allocator (tests); takes ownership of @fd (-1 ok). */
int p2pbuf__provider_new(enum p2pbuf_provider_kind kind, int fd, const char *name,
			 p2pbuf__alloc_fn alloc, struct p2pbuf_provider **out);

/* The "memfd" provider (memfd.c): sealed memfds, for tests and CI. */
int p2pbuf__memfd_open(struct p2pbuf_provider **out);

/* ---- buffers (buffer.c) ---- */

struct p2pbuf_buffer {
	int fd;
	uint64_t size;
	void *map;		/* cached mapping, MAP_FAILED-free: NULL if none */
	int map_prot;
	unsigned int map_flags;	/* flags of the current access, 0 if none */
	bool owned;		/* by a pool or a stream */
};

/* Wrap @fd (ownership taken, closed on failure); size from lseek. */
int p2pbuf__buffer_wrap(int fd, uint64_t size_hint, struct p2pbuf_buffer **out);

/* Free a buffer, owned or not. */
void p2pbuf__buffer_destroy(struct p2pbuf_buffer *buf);

/* Is @fd a dma-buf? 0 yes, -EINVAL no, -EBADF not open. */
int p2pbuf__is_dmabuf(int fd);

/* ---- sequence numbers (seq.c) ---- */

struct p2pbuf__seq {
	bool have;
	uint32_t last;
};

void p2pbuf__seq_reset(struct p2pbuf__seq *s);

/* Frames lost between the previous sequence number and @seq. */
uint32_t p2pbuf__seq_next(struct p2pbuf__seq *s, uint32_t seq);

/* ---- stream slots (stream.c), for p2pbuf_stream_queue_buffer() ---- */

/* The planes of buffer @index if the caller holds it (dequeued), else NULL. */
struct p2pbuf_buffer **p2pbuf__stream_held_planes(struct p2pbuf_stream *s,
						  unsigned int index,
						  unsigned int *num_planes);

/* Refresh the location of buffer @index's planes and queue it. */
int p2pbuf__stream_requeue(struct p2pbuf_stream *s, unsigned int index);

#endif /* P2PBUF_PRIVATE_H */
