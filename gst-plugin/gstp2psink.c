/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-p2psink
 * @title: p2psink
 * @see_also: p2psrc, v4l2src
 *
 * p2psink takes raw video into PCIe device memory exported by the p2pbuf
 * module. It answers the ALLOCATION query with a pool of dma-bufs allocated
 * from #GstP2pSink:provider (with #GstVideoMeta), so an upstream element
 * that imports dma-bufs, `v4l2src io-mode=dmabuf-import`, captures straight
 * into device memory: no frame passes through system RAM. Buffers that do
 * not come from such a pool (`v4l2src io-mode=mmap`, videotestsrc without a
 * pool, a tee) are copied into device memory and counted as copies; a
 * warning message says so once per stream. So are dma-bufs of another
 * provider (`p2psrc provider=A ! p2psink provider=B`): the frames end up
 * in #GstP2pSink:provider, copied by libp2pbuf (p2pbuf_copy()).
 *
 * With #GstP2pSink:location set, every frame is appended to that file and
 * the file is synced at EOS and when the element stops: a failed sync at
 * EOS is an error, not the end of the stream. Without it, the last
 * #GstP2pSink:ring-size frames stay in device memory for another device to
 * use.
 *
 * The file is written with O_DIRECT straight from device memory (libp2pbuf's
 * storage I/O, io_uring): the storage controller DMAs each frame out of the
 * BAR, no CPU copy (output "o-direct", io-path "p2p"; "host" for dma-bufs in
 * system RAM such as heap:system). That needs a peer-to-peer route the
 * kernel checked between the provider and the storage's PCI device (same
 * PCIe switch, or an allow-listed host bridge). Where there is none (route
 * refused by the topology, a kernel without CONFIG_PCI_P2PDMA, a file on
 * tmpfs or the network) the element fails with an error naming the reason,
 * unless #GstP2pSink:bounce is set: then libp2pbuf copies those frames
 * through system RAM (output "bounce"). A file system without O_DIRECT is
 * also an error without #GstP2pSink:bounce.
 *
 * Direct I/O moves whole blocks: frame size, file offset and buffer offset
 * must be multiples of the file system's direct I/O alignment (512 or 4096
 * bytes; 1280x720 and 640x480 YUY2 frames are). A frame that is not is
 * written with pwrite() through the CPU mapping instead, and so are the
 * frames after it (their file offsets are no longer aligned): output
 * "pwrite", with a warning message saying why, unless #GstP2pSink:pad-frames
 * is set: then every frame is completed with zeros up to the alignment and
 * the file holds padded frames. Otherwise frames are never padded, so the
 * file is the plain concatenation of the frames: a buffer whose
 * #GstVideoMeta has other strides or plane offsets than the packed layout
 * of the caps (a V4L2 driver's bytesperline) has the visible rows of each
 * plane copied into a packed frame in device memory before it is written
 * (stats "repacked"), and bytes past the frame size of the caps (sizeimage
 * padding) are not written. p2psrc replays such a file with the frame size
 * of its caps. The "memfd"
 * test provider (not a dma-buf: its pool hands out #GstFdAllocator memory)
 * always uses pwrite(), as do pipes.
 *
 * #GstP2pSink:stats tells how the frames got there: frames, bytes, imports,
 * copies, drops (gaps in the V4L2 sequence numbers carried in the buffer
 * offsets), the path taken ("import+o-direct", "copy+pwrite",
 * "import+bounce", "import+ring"...), io-path (libp2pbuf's path of the last
 * direct write: "p2p", "host", "bounce", or "none"), the provider and, for
 * p2pbuf providers, the route the kernel gave the importer ("p2p",
 * "host-bridge"...). The same structure is
 * posted as a "p2psink-stats" element message at EOS.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 v4l2src device=/dev/video0 io-mode=dmabuf-import num-buffers=100 ! \
 *     video/x-raw,format=YUY2,width=1280,height=720 ! \
 *     p2psink provider=pci:0000:05:00.0/bar2 location=/mnt/nvme/capture.yuv
 * ]| Captures 100 frames into BAR 2 of device 0000:05:00.0 and writes them
 * to a file.
 * |[
 * gst-launch-1.0 -m videotestsrc num-buffers=30 ! \
 *     video/x-raw,format=YUY2,width=320,height=240 ! \
 *     p2psink provider=memfd location=/tmp/x.yuv
 * ]| Runs anywhere ("memfd" is the test provider) and prints the
 * p2psink-stats message: 30 frames, 4608000 bytes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>

#include <gst/video/video.h>

#include "gstp2pbufferpool.h"
#include "gstp2pio.h"
#include "gstp2pmemory.h"
#include "gstp2psink.h"

GST_DEBUG_CATEGORY_STATIC (gst_p2p_sink_debug);
#define GST_CAT_DEFAULT gst_p2p_sink_debug

#define DEFAULT_PROVIDER NULL
#define DEFAULT_LOCATION NULL
#define DEFAULT_RING_SIZE 8
#define MAX_RING_SIZE 1024
/* Buffers the pool wants beyond what we hold: one being filled upstream,
 * one in flight. Upstream adds its own (v4l2src: the driver's minimum). */
#define POOL_EXTRA_BUFFERS 2

enum
{
  PROP_0,
  PROP_PROVIDER,
  PROP_LOCATION,
  PROP_RING_SIZE,
  PROP_BOUNCE,
  PROP_PAD_FRAMES,
  PROP_STATS,
};

struct _GstP2pSink
{
  GstBaseSink parent;

  /* properties, object lock */
  gchar *provider_spec;
  gchar *location;
  guint ring_size;
  gboolean bounce;
  gboolean pad_frames;

  /* streaming state */
  GstP2pProvider *provider;
  GstP2pWriter *writer;
  GstCaps *caps;
  GstVideoInfo info;
  GstBufferPool *copy_pool;     /* for buffers that are not ours */
  gsize copy_size;
  GQueue ring;
  gboolean copy_warned;         /* once per stream: frames are copied */
  gboolean have_offset;
  guint64 last_offset;

  /* statistics, object lock */
  guint64 frames;
  guint64 bytes;
  guint64 imports;
  guint64 copies;
  guint64 drops;
  guint64 repacked;
  guint64 padding;
  guint held;
  const gchar *output;
  const gchar *io_path;
  gchar *provider_name;
  gchar *route;
  gchar *importer;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_P2P_SINK_CAPS_STR));

#define gst_p2p_sink_parent_class parent_class
G_DEFINE_TYPE (GstP2pSink, gst_p2p_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE (p2psink, "p2psink", GST_RANK_NONE,
    GST_TYPE_P2P_SINK);

/* Object lock held. */
static GstStructure *
gst_p2p_sink_stats_locked (GstP2pSink * self)
{
  const gchar *input;
  gchar *path;
  GstStructure *s;

  if (self->frames == 0)
    input = "none";
  else if (self->copies == 0)
    input = "import";
  else if (self->imports == 0)
    input = "copy";
  else
    input = "mixed";
  path = g_strdup_printf ("%s+%s", input, self->output);
  s = gst_structure_new ("p2psink-stats",
      "frames", G_TYPE_UINT64, self->frames,
      "bytes", G_TYPE_UINT64, self->bytes,
      "imports", G_TYPE_UINT64, self->imports,
      "copies", G_TYPE_UINT64, self->copies,
      "drops", G_TYPE_UINT64, self->drops,
      "repacked", G_TYPE_UINT64, self->repacked,
      "padding", G_TYPE_UINT64, self->padding,
      "held", G_TYPE_UINT64, (guint64) self->held,
      "path", G_TYPE_STRING, path,
      "input", G_TYPE_STRING, input,
      "output", G_TYPE_STRING, self->output,
      "io-path", G_TYPE_STRING, self->io_path,
      "provider", G_TYPE_STRING,
      self->provider_name ? self->provider_name : "",
      "route", G_TYPE_STRING, self->route ? self->route : "unknown",
      "importer", G_TYPE_STRING, self->importer ? self->importer : "", NULL);
  g_free (path);
  return s;
}

static void
gst_p2p_sink_reset_stats (GstP2pSink * self)
{
  GST_OBJECT_LOCK (self);
  self->frames = self->bytes = self->imports = self->copies = self->drops = 0;
  self->repacked = self->padding = 0;
  self->held = 0;
  self->output = "ring";
  self->io_path = "none";
  g_clear_pointer (&self->route, g_free);
  g_clear_pointer (&self->importer, g_free);
  GST_OBJECT_UNLOCK (self);
}

static void
gst_p2p_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstP2pSink *self = GST_P2P_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PROVIDER:
    case PROP_LOCATION:
      if (GST_STATE (self) > GST_STATE_READY) {
        g_warning ("p2psink: %s can only be changed in the NULL or READY "
            "state", pspec->name);
        break;
      }
      if (prop_id == PROP_PROVIDER) {
        g_free (self->provider_spec);
        self->provider_spec = g_value_dup_string (value);
      } else {
        g_free (self->location);
        self->location = g_value_dup_string (value);
      }
      break;
    case PROP_RING_SIZE:
      self->ring_size = g_value_get_uint (value);
      break;
    case PROP_BOUNCE:
      self->bounce = g_value_get_boolean (value);
      break;
    case PROP_PAD_FRAMES:
      self->pad_frames = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_p2p_sink_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstP2pSink *self = GST_P2P_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PROVIDER:
      g_value_set_string (value, self->provider_spec);
      break;
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_RING_SIZE:
      g_value_set_uint (value, self->ring_size);
      break;
    case PROP_BOUNCE:
      g_value_set_boolean (value, self->bounce);
      break;
    case PROP_PAD_FRAMES:
      g_value_set_boolean (value, self->pad_frames);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_p2p_sink_stats_locked (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_p2p_sink_ring_clear (GstP2pSink * self)
{
  g_queue_clear_full (&self->ring, (GDestroyNotify) gst_buffer_unref);
  GST_OBJECT_LOCK (self);
  self->held = 0;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_p2p_sink_drop_copy_pool (GstP2pSink * self)
{
  if (!self->copy_pool)
    return;
  gst_buffer_pool_set_active (self->copy_pool, FALSE);
  gst_clear_object (&self->copy_pool);
}

static gboolean
gst_p2p_sink_start (GstBaseSink * bsink)
{
  GstP2pSink *self = GST_P2P_SINK (bsink);
  gchar *spec, *location, *why = NULL;
  gboolean bounce, pad;
  gint err;

  GST_OBJECT_LOCK (self);
  spec = g_strdup (self->provider_spec);
  location = g_strdup (self->location);
  bounce = self->bounce;
  pad = self->pad_frames;
  GST_OBJECT_UNLOCK (self);

  self->provider = gst_p2p_provider_open (spec, &err);
  if (!self->provider) {
    gst_p2p_post_open_error (GST_ELEMENT (self), spec, err);
    goto fail;
  }
  if (location) {
    self->writer = gst_p2p_writer_open (location,
        gst_p2p_provider_is_dmabuf (self->provider), bounce, pad, &err,
        &why);
    if (!self->writer) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          ("Could not open file \"%s\" for writing: %s.", location,
              why ? why : g_strerror (-err)), ("open: %s", g_strerror (-err)));
      g_free (why);
      goto fail;
    }
  }
  self->have_offset = FALSE;
  self->copy_warned = FALSE;
  gst_p2p_sink_reset_stats (self);
  GST_OBJECT_LOCK (self);
  g_free (self->provider_name);
  self->provider_name = g_strdup (gst_p2p_provider_name (self->provider));
  if (self->writer)
    self->output = gst_p2p_writer_path (self->writer);
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "provider %s (%s), output %s", spec,
      gst_p2p_provider_name (self->provider),
      location ? location : "ring in device memory");
  g_free (spec);
  g_free (location);
  return TRUE;

fail:
  g_clear_pointer (&self->provider, gst_p2p_provider_unref);
  g_free (spec);
  g_free (location);
  return FALSE;
}

static gboolean
gst_p2p_sink_close_writer (GstP2pSink * self)
{
  gint err;

  if (!self->writer)
    return TRUE;
  /* Every frame rendered was written: make it durable before saying so. */
  err = gst_p2p_writer_close (self->writer);
  self->writer = NULL;
  if (err < 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, CLOSE,
        ("Could not close file \"%s\": %s.", self->location,
            g_strerror (-err)), ("fsync/close: %s", g_strerror (-err)));
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_p2p_sink_stop (GstBaseSink * bsink)
{
  GstP2pSink *self = GST_P2P_SINK (bsink);
  gboolean ret;

  gst_p2p_sink_ring_clear (self);
  ret = gst_p2p_sink_close_writer (self);
  gst_p2p_sink_drop_copy_pool (self);
  gst_clear_caps (&self->caps);
  g_clear_pointer (&self->provider, gst_p2p_provider_unref);
  return ret;
}

static gboolean
gst_p2p_sink_set_caps (GstBaseSink * bsink, GstCaps * caps)
{
  GstP2pSink *self = GST_P2P_SINK (bsink);
  GstVideoInfo info;

  if (!gst_p2p_video_info_from_caps (&info, caps)) {
    gchar *str = gst_caps_to_string (caps);

    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        ("Unsupported caps %s.", str), ("not raw video in a linear layout"));
    g_free (str);
    return FALSE;
  }
  GST_DEBUG_OBJECT (self, "caps %" GST_PTR_FORMAT ", frame size %"
      G_GSIZE_FORMAT, caps, info.size);
  if (self->caps && !gst_caps_is_equal (self->caps, caps))
    gst_p2p_sink_drop_copy_pool (self);
  gst_caps_replace (&self->caps, caps);
  self->info = info;
  return TRUE;
}

static guint
gst_p2p_sink_held_buffers (GstP2pSink * self)
{
  guint held;

  GST_OBJECT_LOCK (self);
  held = self->location ? 0 : self->ring_size;
  GST_OBJECT_UNLOCK (self);
  /* The last sample of GstBaseSink keeps one more. */
  return held + 1;
}

static gboolean
gst_p2p_sink_propose_allocation (GstBaseSink * bsink, GstQuery * query)
{
  GstP2pSink *self = GST_P2P_SINK (bsink);
  GstBufferPool *pool = NULL;
  GstStructure *config;
  GstVideoInfo info;
  GstCaps *caps;
  gboolean need_pool;
  guint size, min, max;

  gst_query_parse_allocation (query, &caps, &need_pool);
  if (!caps || !self->provider)
    return FALSE;
  if (!gst_p2p_video_info_from_caps (&info, caps))
    return FALSE;

  size = info.size;
  min = gst_p2p_sink_held_buffers (self) + POOL_EXTRA_BUFFERS;
  if (gst_query_get_n_allocation_pools (query) > 0) {
    guint qmin;

    gst_query_parse_nth_allocation_pool (query, 0, NULL, NULL, &qmin, NULL);
    min = MAX (min, qmin + POOL_EXTRA_BUFFERS);
  }
  /* Grow as upstream needs, up to what the provider has free (0: it does
   * not say; its size is the limit). Not even min: say so now rather than
   * overrun it at preroll. */
  max = gst_p2p_buffer_pool_fit (self->provider, size, min,
      GST_ELEMENT (self));
  if (max > 0 && max < min)
    return FALSE;

  if (need_pool) {
    pool = gst_p2p_buffer_pool_new (self->provider, GST_ELEMENT (self));
    config = gst_buffer_pool_get_config (pool);
    gst_buffer_pool_config_set_params (config, caps, size, min, max);
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_META);
    if (!gst_buffer_pool_set_config (pool, config)) {
      GST_WARNING_OBJECT (self, "pool refused its own config");
      gst_object_unref (pool);
      return FALSE;
    }
  }

  GST_DEBUG_OBJECT (self, "proposing pool %" GST_PTR_FORMAT " size %u min %u"
      " max %u", pool, size, min, max);
  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_set_nth_allocation_pool (query, 0, pool, size, min, max);
  else
    gst_query_add_allocation_pool (query, pool, size, min, max);
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  if (pool)
    gst_object_unref (pool);
  return TRUE;
}

static GstFlowReturn
gst_p2p_sink_ensure_copy_pool (GstP2pSink * self, gsize size)
{
  GstStructure *config;

  if (self->copy_pool && size <= self->copy_size)
    return GST_FLOW_OK;
  gst_p2p_sink_drop_copy_pool (self);
  if (!self->caps)
    return GST_FLOW_NOT_NEGOTIATED;

  size = MAX (size, self->info.size);
  self->copy_pool = gst_p2p_buffer_pool_new (self->provider,
      GST_ELEMENT (self));
  config = gst_buffer_pool_get_config (self->copy_pool);
  /* Capped by the provider's free memory; too little is an error the
   * pool posts. */
  gst_buffer_pool_config_set_params (config, self->caps, size,
      POOL_EXTRA_BUFFERS, gst_p2p_buffer_pool_fit (self->provider, size,
          POOL_EXTRA_BUFFERS, NULL));
  if (!gst_buffer_pool_set_config (self->copy_pool, config) ||
      !gst_buffer_pool_set_active (self->copy_pool, TRUE)) {
    /* The pool posted the allocation error, if that was it. */
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Cannot set up device memory for copies from provider \"%s\".",
            gst_p2p_provider_spec (self->provider)), (NULL));
    gst_clear_object (&self->copy_pool);
    return GST_FLOW_ERROR;
  }
  self->copy_size = size;
  return GST_FLOW_OK;
}

/* A buffer that is not device memory of ours: copy it into some. Memory of
 * another provider (@src_mem) is copied by libp2pbuf (p2pbuf_copy()),
 * anything else through its GstMemory mapping. */
static GstFlowReturn
gst_p2p_sink_copy (GstP2pSink * self, GstBuffer * src, GstMemory * src_mem,
    GstBuffer ** out)
{
  struct p2pbuf_buffer *pbuf;
  gsize size = gst_buffer_get_size (src);
  gsize offset, maxsize;
  GstFlowReturn ret;
  GstVideoMeta *smeta = gst_buffer_get_video_meta (src);
  GstBuffer *dst = NULL;
  GstMemory *mem;
  const gchar *what;
  void *addr;
  gint err;

  ret = gst_p2p_sink_ensure_copy_pool (self, size);
  if (ret != GST_FLOW_OK)
    return ret;
  ret = gst_buffer_pool_acquire_buffer (self->copy_pool, &dst, NULL);
  if (ret != GST_FLOW_OK)
    return ret;

  mem = gst_buffer_peek_memory (dst, 0);
  pbuf = gst_p2p_memory_lock (mem, &offset, &maxsize);
  if (src_mem) {
    struct p2pbuf_buffer *spbuf;
    gsize soffset, ssize;

    /* Two memories, two locks; @mem is ours alone (just acquired). */
    spbuf = gst_p2p_memory_lock (src_mem, &soffset, &ssize);
    err = p2pbuf_copy (pbuf, offset, spbuf, soffset, MIN (size, ssize), 0,
        NULL);
    gst_p2p_memory_unlock (src_mem);
    what = "p2pbuf_copy";
  } else {
    err = p2pbuf_buffer_map (pbuf, P2PBUF_MAP_WRITE, &addr);
    if (err == 0) {
      gst_buffer_extract (src, 0, (guint8 *) addr + offset, size);
      p2pbuf_buffer_unmap (pbuf);
    }
    what = "p2pbuf_buffer_map";
  }
  gst_p2p_memory_unlock (mem);
  if (err < 0) {
    if (src_mem)
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
          ("Cannot copy a frame from the memory of provider \"%s\" into "
              "provider \"%s\": %s. Use the same provider upstream and in "
              "p2psink to avoid the copy.",
              gst_p2p_memory_provider_name (src_mem),
              gst_p2p_provider_spec (self->provider), g_strerror (-err)),
          ("%s: %s", what, g_strerror (-err)));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
          ("Cannot write to device memory of provider \"%s\": %s.",
              gst_p2p_provider_spec (self->provider),
              p2pbuf_error_hint (err, "map")), ("%s: %s", what,
              g_strerror (-err)));
    gst_buffer_unref (dst);
    return GST_FLOW_ERROR;
  }
  gst_buffer_set_size (dst, size);
  /* Timestamps, offsets, flags of the copy. */
  gst_buffer_copy_into (dst, src, GST_BUFFER_COPY_METADATA, 0, -1);
  /* And its layout: GstVideoMeta is a "memory" meta, which
   * gst_buffer_copy_into() leaves out when it does not copy the memory. */
  if (smeta && !gst_buffer_get_video_meta (dst))
    gst_buffer_add_video_meta_full (dst, smeta->flags, smeta->format,
        smeta->width, smeta->height, smeta->n_planes, smeta->offset,
        smeta->stride);
  *out = dst;
  return GST_FLOW_OK;
}

/* Does @frame hold its picture in the packed layout of the caps (the
 * GstVideoInfo default: what the file holds, what p2psrc replays)? */
static gboolean
gst_p2p_sink_is_packed (GstP2pSink * self, GstBuffer * frame)
{
  GstVideoMeta *meta = gst_buffer_get_video_meta (frame);
  guint p;

  if (!meta)
    return TRUE;
  if (meta->n_planes != GST_VIDEO_INFO_N_PLANES (&self->info))
    return FALSE;
  for (p = 0; p < meta->n_planes; p++) {
    if (meta->offset[p] != self->info.offset[p] ||
        meta->stride[p] != self->info.stride[p])
      return FALSE;
  }
  return TRUE;
}

/*
 * The frame as the file must hold it: the visible rows of each plane,
 * packed. @frame (p2p memory of ours) has a GstVideoMeta with other
 * strides or plane offsets: its rows are copied (p2pbuf_copy(), inside our
 * device memory) into a buffer of the copy pool, laid out as the caps say.
 */
static GstFlowReturn
gst_p2p_sink_pack (GstP2pSink * self, GstBuffer * frame, GstBuffer ** out)
{
  GstVideoMeta *meta = gst_buffer_get_video_meta (frame);
  GstVideoInfo *info = &self->info;
  GstMemory *smem = gst_p2p_buffer_peek_memory (frame);
  GstMemory *dmem;
  struct p2pbuf_buffer *sbuf, *dbuf;
  gsize soff, ssize, doff, dsize;
  GstBuffer *dst = NULL;
  GstFlowReturn ret;
  void *saddr, *daddr;
  gboolean mapped = FALSE;
  gint err = 0;
  guint p;

  /* Where each row is and that it lies inside the buffer. */
  for (p = 0; p < GST_VIDEO_INFO_N_PLANES (info); p++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    guint rows;

    gst_video_format_info_component (info->finfo, p, comp);
    rows = GST_VIDEO_INFO_COMP_HEIGHT (info, comp[0]);
    if (meta->n_planes != GST_VIDEO_INFO_N_PLANES (info) ||
        meta->stride[p] <= 0 || rows == 0 ||
        meta->offset[p] + (gsize) meta->stride[p] * (rows - 1) +
        MIN ((gsize) info->stride[p], (gsize) meta->stride[p]) >
        gst_buffer_get_size (frame)) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          ("Frame layout does not fit the caps: plane %u of the GstVideoMeta "
              "(offset %" G_GSIZE_FORMAT ", stride %d, %u planes) lies "
              "outside the %" G_GSIZE_FORMAT "-byte buffer. Upstream sent "
              "a buffer that is not the frame its caps describe.", p,
              meta->offset[MIN (p, GST_VIDEO_MAX_PLANES - 1)],
              meta->stride[MIN (p, GST_VIDEO_MAX_PLANES - 1)],
              meta->n_planes, gst_buffer_get_size (frame)), (NULL));
      return GST_FLOW_ERROR;
    }
  }

  ret = gst_p2p_sink_ensure_copy_pool (self, info->size);
  if (ret != GST_FLOW_OK)
    return ret;
  ret = gst_buffer_pool_acquire_buffer (self->copy_pool, &dst, NULL);
  if (ret != GST_FLOW_OK)
    return ret;
  dmem = gst_buffer_peek_memory (dst, 0);

  sbuf = gst_p2p_memory_lock (smem, &soff, &ssize);
  dbuf = gst_p2p_memory_lock (dmem, &doff, &dsize);
  /* Both mapped: p2pbuf_copy() uses the mappings, no bracket per row. */
  err = p2pbuf_buffer_map (sbuf, P2PBUF_MAP_READ, &saddr);
  if (err == 0) {
    err = p2pbuf_buffer_map (dbuf, P2PBUF_MAP_WRITE, &daddr);
    if (err < 0)
      p2pbuf_buffer_unmap (sbuf);
    mapped = err == 0;
  }
  for (p = 0; err == 0 && p < GST_VIDEO_INFO_N_PLANES (info); p++) {
    gint comp[GST_VIDEO_MAX_COMPONENTS];
    guint rows, r;
    gsize row_bytes;

    gst_video_format_info_component (info->finfo, p, comp);
    rows = GST_VIDEO_INFO_COMP_HEIGHT (info, comp[0]);
    row_bytes = MIN ((gsize) info->stride[p], (gsize) meta->stride[p]);
    for (r = 0; err == 0 && r < rows; r++)
      err = p2pbuf_copy (dbuf, doff + info->offset[p] +
          (gsize) info->stride[p] * r, sbuf, soff + meta->offset[p] +
          (gsize) meta->stride[p] * r, row_bytes, 0, NULL);
  }
  if (mapped) {
    p2pbuf_buffer_unmap (dbuf);
    p2pbuf_buffer_unmap (sbuf);
  }
  gst_p2p_memory_unlock (dmem);
  gst_p2p_memory_unlock (smem);
  if (err < 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Cannot pack a padded frame in device memory of provider \"%s\": "
            "%s.", gst_p2p_provider_spec (self->provider),
            p2pbuf_error_hint (err, "map")), ("p2pbuf_copy: %s",
            g_strerror (-err)));
    gst_buffer_unref (dst);
    return GST_FLOW_ERROR;
  }
  gst_buffer_set_size (dst, info->size);
  *out = dst;
  return GST_FLOW_OK;
}

/* -errno of a write or sync that failed because the storage is full. */
static gboolean
gst_p2p_sink_is_no_space (gssize err)
{
  return err == -ENOSPC || err == -EDQUOT;
}

/* Append the first @len bytes of @frame to the file. */
static GstFlowReturn
gst_p2p_sink_write (GstP2pSink * self, GstBuffer * frame, gsize len)
{
  GstMemory *mem = gst_buffer_peek_memory (frame, 0);
  struct p2pbuf_buffer *pbuf;
  gsize offset, size;
  gchar *note;
  gssize n;

  pbuf = gst_p2p_memory_lock (mem, &offset, &size);
  size = MIN (size, len);
  n = gst_p2p_writer_write (self->writer, pbuf, offset, size);
  gst_p2p_memory_unlock (mem);
  GST_OBJECT_LOCK (self);
  self->output = gst_p2p_writer_path (self->writer);
  self->io_path = gst_p2p_writer_io_path (self->writer);
  self->padding = gst_p2p_writer_padding (self->writer);
  GST_OBJECT_UNLOCK (self);
  note = gst_p2p_writer_take_note (self->writer);
  if (note) {
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Frames go to \"%s\" through the CPU, not by direct I/O.",
            self->location), ("%s", note));
    g_free (note);
  }
  if (n == (gssize) size)
    return GST_FLOW_OK;

  if (n == -EREMOTEIO || n == -EFAULT) {
    /* No silent bounce: the user asks for it. */
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Cannot write frames from device memory of provider \"%s\" to "
            "\"%s\" by direct I/O: %s. Set bounce=true to copy them "
            "through system RAM (slower), or write to storage the device "
            "memory can reach (same PCIe switch).",
            gst_p2p_provider_spec (self->provider), self->location,
            gst_p2p_writer_error (self->writer)),
        ("frame %" G_GUINT64_FORMAT ": p2pbuf_io_write: %s", self->frames,
            g_strerror (-n)));
  } else if (gst_p2p_sink_is_no_space (n)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("Could not write to file \"%s\": the storage is full (%s). Free "
            "space on it or write to another file system.", self->location,
            g_strerror (-n)), ("frame %" G_GUINT64_FORMAT ", %"
            G_GSIZE_FORMAT " bytes at file offset %" G_GUINT64_FORMAT ": %s",
            self->frames, size, gst_p2p_writer_position (self->writer),
            *gst_p2p_writer_error (self->writer) ?
            gst_p2p_writer_error (self->writer) : g_strerror (-n)));
  } else if (n < 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Could not write to file \"%s\": %s.", self->location,
            *gst_p2p_writer_error (self->writer) ?
            gst_p2p_writer_error (self->writer) : g_strerror (-n)), ("frame %" G_GUINT64_FORMAT ", %" G_GSIZE_FORMAT
            " bytes at file offset %" G_GUINT64_FORMAT, self->frames, size,
            gst_p2p_writer_position (self->writer)));
  } else {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        ("Short write to file \"%s\": %" G_GSSIZE_FORMAT " of %"
            G_GSIZE_FORMAT " bytes of frame %" G_GUINT64_FORMAT
            " (file system full?).", self->location, n, size, self->frames),
        ("file offset %" G_GUINT64_FORMAT,
            gst_p2p_writer_position (self->writer)));
  }
  return GST_FLOW_ERROR;
}

/* FALSE when an importer of @mem was refused: the error is posted. */
static gboolean
gst_p2p_sink_note_route (GstP2pSink * self, GstMemory * mem)
{
  GstP2pRoute route;

  if (!gst_p2p_memory_check_route (mem, &route))
    return TRUE;
  if (route.refused) {
    /* Seen here first, the pool will not ask again: say it now. */
    gst_p2p_post_route_error (GST_ELEMENT (self), self->provider, &route);
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  g_free (self->route);
  self->route = g_strdup (p2pbuf_route_name (route.route));
  g_free (self->importer);
  self->importer = g_strdup (route.importer);
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "importer %s reaches %s by route %s",
      route.importer, gst_p2p_provider_name (self->provider),
      p2pbuf_route_name (route.route));
  return TRUE;
}

static GstFlowReturn
gst_p2p_sink_render (GstBaseSink * bsink, GstBuffer * buffer)
{
  GstP2pSink *self = GST_P2P_SINK (bsink);
  GstMemory *mem = gst_p2p_buffer_peek_memory (buffer);
  gsize size = gst_buffer_get_size (buffer);
  GSList *dropped = NULL;
  guint64 drops = 0;
  GstFlowReturn ret;
  GstBuffer *frame;
  gboolean imported;
  guint64 repacked = 0;
  guint ring_size;

  if (size == 0)
    return GST_FLOW_OK;

  imported = mem && gst_p2p_memory_is_from (mem, self->provider);
  if (imported) {
    if (!gst_p2p_sink_note_route (self, mem))
      return GST_FLOW_ERROR;
    frame = gst_buffer_ref (buffer);
  } else if (mem) {
    /* Device memory, but another provider's (p2psrc provider=A ! p2psink
     * provider=B): B is where the frames must be. */
    if (!self->copy_warned) {
      self->copy_warned = TRUE;
      GST_ELEMENT_WARNING (self, CORE, NEGOTIATION,
          ("Frames are copied from the memory of provider \"%s\" into "
              "provider \"%s\": upstream allocates from another provider. "
              "Set the same provider upstream and in p2psink to avoid the "
              "copy.", gst_p2p_memory_provider_name (mem),
              gst_p2p_provider_name (self->provider)),
          ("buffer of %" G_GSIZE_FORMAT " bytes copied by p2pbuf_copy "
              "(counted in stats \"copies\")", size));
    }
    ret = gst_p2p_sink_copy (self, buffer, mem, &frame);
    if (ret != GST_FLOW_OK)
      return ret;
  } else {
    if (!self->copy_warned) {
      self->copy_warned = TRUE;
      GST_ELEMENT_WARNING (self, CORE, NEGOTIATION,
          ("Frames are copied into device memory: upstream does not use "
              "the buffer pool p2psink offers. With v4l2src, set "
              "io-mode=dmabuf-import to capture straight into device "
              "memory."), ("buffer of %" G_GSIZE_FORMAT " bytes in %u "
              "memories not from provider \"%s\": copied (counted in "
              "stats \"copies\")", size, gst_buffer_n_memory (buffer),
              gst_p2p_provider_spec (self->provider)));
    }
    ret = gst_p2p_sink_copy (self, buffer, NULL, &frame);
    if (ret != GST_FLOW_OK)
      return ret;
  }

  /* For raw video the offset is the frame number (V4L2 sequence); without
   * caps (p2psrc raw blocks) it counts bytes. */
  if (self->caps && GST_BUFFER_OFFSET_IS_VALID (buffer)) {
    guint64 offset = GST_BUFFER_OFFSET (buffer);

    if (self->have_offset && offset > self->last_offset + 1)
      drops = offset - self->last_offset - 1;
    self->last_offset = offset;
    self->have_offset = TRUE;
  }

  if (self->writer) {
    /* The file holds plain frames: no stride padding, no sizeimage tail
     * (raw blocks without caps are written as they come). */
    if (self->caps && !gst_p2p_sink_is_packed (self, frame)) {
      GstBuffer *packed = NULL;

      ret = gst_p2p_sink_pack (self, frame, &packed);
      gst_buffer_unref (frame);
      if (ret != GST_FLOW_OK)
        return ret;
      frame = packed;
      repacked = 1;
    }
    size = gst_buffer_get_size (frame);
    if (self->caps && size > self->info.size)
      size = self->info.size;
    ret = gst_p2p_sink_write (self, frame, size);
    gst_buffer_unref (frame);
    if (ret != GST_FLOW_OK)
      return ret;
  } else {
    g_queue_push_tail (&self->ring, frame);
  }

  GST_OBJECT_LOCK (self);
  ring_size = self->ring_size;
  while (self->ring.length > ring_size)
    dropped = g_slist_prepend (dropped, g_queue_pop_head (&self->ring));
  self->held = self->ring.length;
  self->frames++;
  self->bytes += size;
  if (imported)
    self->imports++;
  else
    self->copies++;
  self->drops += drops;
  self->repacked += repacked;
  GST_OBJECT_UNLOCK (self);
  /* Back to their pool outside the lock: releasing may post an error. */
  g_slist_free_full (dropped, (GDestroyNotify) gst_buffer_unref);
  if (drops)
    GST_INFO_OBJECT (self, "%" G_GUINT64_FORMAT " frames lost before frame %"
        G_GUINT64_FORMAT, drops, GST_BUFFER_OFFSET (buffer));
  return GST_FLOW_OK;
}

static void
gst_p2p_sink_post_summary (GstP2pSink * self)
{
  GstStructure *s;

  GST_OBJECT_LOCK (self);
  s = gst_p2p_sink_stats_locked (self);
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "EOS: %" GST_PTR_FORMAT, s);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static gboolean
gst_p2p_sink_event (GstBaseSink * bsink, GstEvent * event)
{
  GstP2pSink *self = GST_P2P_SINK (bsink);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_EOS:
      if (self->writer) {
        gint err = gst_p2p_writer_sync (self->writer);

        if (err < 0) {
          /* Not the end of a good recording: no EOS, no summary. */
          if (gst_p2p_sink_is_no_space (err))
            GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
                ("Could not flush file \"%s\" to storage at the end of the "
                    "stream: the storage is full (%s). The last frames may "
                    "be lost: free space on it or write to another file "
                    "system.", self->location, g_strerror (-err)),
                ("fsync: %s", g_strerror (-err)));
          else
            GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
                ("Could not flush file \"%s\" to storage at the end of the "
                    "stream: %s. The last frames may be lost: check the "
                    "storage (kernel log) before trusting the file.",
                    self->location, g_strerror (-err)),
                ("fsync: %s", g_strerror (-err)));
          gst_event_unref (event);
          return FALSE;
        }
      }
      gst_p2p_sink_post_summary (self);
      break;
    case GST_EVENT_STREAM_START:
      self->copy_warned = FALSE;
      break;
    case GST_EVENT_FLUSH_STOP:
      self->have_offset = FALSE;
      break;
    default:
      break;
  }
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

static void
gst_p2p_sink_finalize (GObject * object)
{
  GstP2pSink *self = GST_P2P_SINK (object);

  g_free (self->provider_spec);
  g_free (self->location);
  g_free (self->provider_name);
  g_free (self->route);
  g_free (self->importer);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_p2p_sink_class_init (GstP2pSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_p2p_sink_debug, "p2psink", 0,
      "p2pbuf device-memory sink");

  gobject_class->set_property = gst_p2p_sink_set_property;
  gobject_class->get_property = gst_p2p_sink_get_property;
  gobject_class->finalize = gst_p2p_sink_finalize;

  /**
   * GstP2pSink:provider:
   *
   * The device memory to capture into, as a libp2pbuf provider spec:
   * pci:BDF/barN (a BAR bound to p2pbuf), cmb:BDF (an NVMe CMB), name:NODE
   * (/dev/p2pbuf/NODE), heap:NAME (a dma-heap), udmabuf, drm:PATH, or memfd
   * (test provider, not importable by devices). `p2pbuf-ctl list` shows the
   * p2pbuf providers.
   */
  g_object_class_install_property (gobject_class, PROP_PROVIDER,
      g_param_spec_string ("provider", "Provider",
          "Device memory to capture into: a libp2pbuf provider spec",
          DEFAULT_PROVIDER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstP2pSink:location:
   *
   * File the frames are written to (created or truncated), straight from
   * device memory. When unset, the last #GstP2pSink:ring-size frames stay in
   * device memory.
   */
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "File location",
          "File to write the frames to (unset: keep them in device memory)",
          DEFAULT_LOCATION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstP2pSink:ring-size:
   *
   * Without #GstP2pSink:location: how many of the latest frames stay in
   * device memory. The pool grows to hold them plus what upstream needs.
   */
  g_object_class_install_property (gobject_class, PROP_RING_SIZE,
      g_param_spec_uint ("ring-size", "Ring size",
          "Latest frames kept in device memory when location is unset",
          0, MAX_RING_SIZE, DEFAULT_RING_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstP2pSink:bounce:
   *
   * With #GstP2pSink:location: where the kernel reports no peer-to-peer
   * route from the device memory to the storage (or the file system has no
   * O_DIRECT), copy the frames through system RAM (output "bounce") instead
   * of failing with the reason.
   */
  g_object_class_install_property (gobject_class, PROP_BOUNCE,
      g_param_spec_boolean ("bounce", "Bounce",
          "Copy through system RAM where there is no peer-to-peer route",
          FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstP2pSink:pad-frames:
   *
   * With #GstP2pSink:location: complete every frame with zeros up to the
   * direct I/O alignment of the file (P2PBUF_IO_PAD), so that frame sizes
   * that are not a multiple of it (1920x1080 NV12, 3110400 bytes) keep
   * O_DIRECT instead of falling back to pwrite() for the rest of the
   * stream. The file then holds padded frames, not their plain
   * concatenation: each frame starts at a multiple of the alignment (4096
   * bytes where the file is not written by direct I/O: the "memfd" test
   * provider, pipes). Stats "padding" counts the zero bytes.
   */
  g_object_class_install_property (gobject_class, PROP_PAD_FRAMES,
      g_param_spec_boolean ("pad-frames", "Pad frames",
          "Pad each frame to the direct I/O alignment: the file has padded "
          "frames", FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstP2pSink:stats:
   *
   * Counters since the element started, as a "p2psink-stats" structure:
   * frames, bytes, imports (frames that arrived in our device memory),
   * copies (frames copied into it), drops (gaps in buffer offsets: V4L2
   * sequence numbers), repacked (frames with stride or plane padding
   * packed before writing; bytes counts what was stored), padding (zero
   * bytes after frames, #GstP2pSink:pad-frames), held (frames in the ring), path (input+output:
   * import|copy|mixed + ring|o-direct|bounce|pwrite), io-path
   * (p2p|host|bounce|none: how the last direct write moved), provider,
   * route and importer (p2pbuf providers: how the importing device reaches
   * the memory).
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Frame counters and data path since start (p2psink-stats)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "PCIe device memory sink", "Sink/Video/Hardware",
      "Takes raw video into PCIe device memory exported by p2pbuf: offers "
      "upstream a pool of provider dma-bufs so that "
      "'v4l2src io-mode=dmabuf-import' captures straight into device memory "
      "(other buffers are copied in), then appends the frames to a file or "
      "keeps the latest in device memory. Example: gst-launch-1.0 v4l2src "
      "io-mode=dmabuf-import ! video/x-raw,format=YUY2 ! p2psink "
      "provider=pci:0000:05:00.0/bar2 location=capture.yuv",
      "p2pbuf developers <p2pbuf@lists.invalid>");

  basesink_class->start = GST_DEBUG_FUNCPTR (gst_p2p_sink_start);
  basesink_class->stop = GST_DEBUG_FUNCPTR (gst_p2p_sink_stop);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_p2p_sink_set_caps);
  basesink_class->propose_allocation =
      GST_DEBUG_FUNCPTR (gst_p2p_sink_propose_allocation);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_p2p_sink_render);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_p2p_sink_event);
}

static void
gst_p2p_sink_init (GstP2pSink * self)
{
  self->ring_size = DEFAULT_RING_SIZE;
  self->output = "ring";
  self->io_path = "none";
  g_queue_init (&self->ring);
  /* Like filesink: storing frames has no reason to wait for the clock. */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}
