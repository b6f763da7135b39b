/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What p2psink, p2psrc and the pool share: a reference-counted provider,
 * dma-buf GstMemory (fd memory for memfd) wrapping p2pbuf buffers, CPU
 * access to that memory, caps parsing and error reporting.
 */
#ifndef __GST_P2P_MEMORY_H__
#define __GST_P2P_MEMORY_H__

#include <gst/gst.h>
#include <gst/allocators/allocators.h>
#include <gst/video/video.h>
#include <p2pbuf/p2pbuf.h>

G_BEGIN_DECLS

/* The caps p2psink takes and p2psrc can describe as video. */
#define GST_P2P_VIDEO_CAPS_STR \
  GST_VIDEO_CAPS_MAKE_WITH_FEATURES (GST_CAPS_FEATURE_MEMORY_DMABUF, \
      GST_VIDEO_FORMATS_ALL) "; " \
  GST_VIDEO_CAPS_MAKE (GST_VIDEO_FORMATS_ALL)

#if GST_CHECK_VERSION(1,24,0)
#define GST_P2P_SINK_CAPS_STR GST_VIDEO_DMA_DRM_CAPS_MAKE "; " GST_P2P_VIDEO_CAPS_STR
#else
#define GST_P2P_SINK_CAPS_STR GST_P2P_VIDEO_CAPS_STR
#endif

/* Shown in property blurbs and errors. */
#define GST_P2P_PROVIDER_SPECS \
  "pci:BDF/barN, pci:BDF, cmb:BDF, name:NODE, heap:NAME, udmabuf, drm:PATH or memfd"

/**
 * GstP2pProvider:
 *
 * A p2pbuf provider shared by an element and the pools it hands out: a pool
 * may outlive the element's state (upstream keeps a reference to it).
 */
typedef struct _GstP2pProvider GstP2pProvider;

GstP2pProvider *gst_p2p_provider_open (const gchar * spec, gint * err);
GstP2pProvider *gst_p2p_provider_ref (GstP2pProvider * provider);
void gst_p2p_provider_unref (GstP2pProvider * provider);
const gchar *gst_p2p_provider_name (GstP2pProvider * provider);
const gchar *gst_p2p_provider_spec (GstP2pProvider * provider);
/* A node of the p2pbuf module: its buffers have importers and routes. */
gboolean gst_p2p_provider_is_node (GstP2pProvider * provider);

/* Its buffers are dma-bufs (everything but the memfd test provider): files
 * are written and read with O_DIRECT (gstp2pio.h). */
gboolean gst_p2p_provider_is_dmabuf (GstP2pProvider * provider);

/* Free bytes of @provider, when it reports them (p2pbuf nodes): TRUE and
 * *free_bytes; FALSE when unknown (heaps, udmabuf, memfd...). */
gboolean gst_p2p_provider_free_bytes (GstP2pProvider * provider,
    guint64 * free_bytes);

/* Posts the error for a failed gst_p2p_provider_open() on @element. */
void gst_p2p_post_open_error (GstElement * element, const gchar * spec,
    gint err);

/*
 * A GstMemory of @size bytes allocated from @provider, made by @allocator
 * from its own dup of the buffer's fd: a GstDmaBufAllocator for dma-buf
 * providers, a GstFdAllocator for the memfd test provider (not a dma-buf,
 * see gst_p2p_provider_is_dmabuf()). The memory keeps the p2pbuf buffer
 * for CPU and file access. NULL and *err = -errno on failure.
 */
GstMemory *gst_p2p_memory_alloc (GstP2pProvider * provider,
    GstAllocator * allocator, gsize size, gint * err);

/* Is @mem (or its parent) memory from gst_p2p_memory_alloc()? */
gboolean gst_p2p_is_p2p_memory (GstMemory * mem);

/*
 * The provider name (gst_p2p_provider_name()) of the provider @mem was
 * allocated from, NULL if @mem is not p2p memory.
 */
const gchar *gst_p2p_memory_provider_name (GstMemory * mem);

/*
 * Is @mem p2p memory allocated from @provider (or from another spec of the
 * same memory: same provider name)? Memory of another provider must be
 * copied by whoever needs it in @provider.
 */
gboolean gst_p2p_memory_is_from (GstMemory * mem, GstP2pProvider * provider);

/*
 * The memory of @buffer if it is a single p2p memory, else NULL (a foreign
 * buffer). Borrowed from @buffer.
 */
GstMemory *gst_p2p_buffer_peek_memory (GstBuffer * buffer);

/*
 * CPU access to a p2p memory through libp2pbuf. p2pbuf_buffer_map() is not
 * nestable, so accesses to one memory are serialized (a tee may hand one
 * buffer to two sinks). Between lock and unlock the caller may call
 * p2pbuf_buffer_map()/unmap() on the returned buffer; *offset and *size
 * describe the bytes of @mem inside it.
 */
struct p2pbuf_buffer *gst_p2p_memory_lock (GstMemory * mem, gsize * offset,
    gsize * size);
void gst_p2p_memory_unlock (GstMemory * mem);

/**
 * GstP2pRoute:
 * @checked: the kernel told us (p2pbuf nodes only)
 * @refused: an importer was refused
 * @route: enum p2pbuf_route of the first importer
 * @error: its -errno when refused
 * @importer: its device name
 */
typedef struct
{
  gboolean checked;
  gboolean refused;
  guint route;
  gint error;
  gchar importer[P2PBUF_NAME_LEN];
} GstP2pRoute;

/*
 * Ask the kernel once per memory which importers attached and by what
 * route. Returns TRUE and fills @route the first time an importer is seen
 * (or a refusal), FALSE when there is nothing new to tell (already
 * reported, no importer yet, or not a p2pbuf node).
 */
gboolean gst_p2p_memory_check_route (GstMemory * mem, GstP2pRoute * route);

/*
 * Posts the error for a refused @route (gst_p2p_memory_check_route()) on
 * @element: who was refused, by which provider, why and what to do. Takes
 * the object lock of @element: never call it with that lock held.
 */
void gst_p2p_post_route_error (GstElement * element,
    GstP2pProvider * provider, const GstP2pRoute * route);

/* GstVideoInfo from video/x-raw caps (and DMA_DRM linear caps on 1.24). */
gboolean gst_p2p_video_info_from_caps (GstVideoInfo * info,
    const GstCaps * caps);

G_END_DECLS

#endif /* __GST_P2P_MEMORY_H__ */
