/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GstP2pBufferPool: buffers of provider dma-bufs.
 *
 * Each buffer holds one GstDmaBufAllocator memory wrapping a dup of the fd
 * of a p2pbuf_alloc() buffer, so importers (v4l2src io-mode=dmabuf-import,
 * v4l2sink io-mode=dmabuf-import, GPU elements) get device memory. The
 * memfd test provider's buffers are not dma-bufs: GstFdAllocator memory,
 * so that nobody sends them dma-buf ioctls (DMA_BUF_IOCTL_SYNC). The pool
 * grows on demand up to its max; for providers that report their free
 * bytes (p2pbuf nodes) the max is capped by what fits in them, and a
 * config whose min does not fit is refused with an error, instead of
 * overrunning a small provider at preroll. Running out otherwise is an
 * error the user sees.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>

#include <gst/allocators/allocators.h>
#include <gst/video/gstvideometa.h>
#include <gst/video/gstvideopool.h>

#include "gstp2pbufferpool.h"

GST_DEBUG_CATEGORY_STATIC (gst_p2p_buffer_pool_debug);
#define GST_CAT_DEFAULT gst_p2p_buffer_pool_debug

struct _GstP2pBufferPool
{
  GstBufferPool parent;

  GstP2pProvider *provider;
  GstAllocator *allocator;
  GWeakRef owner;
  gint error_posted;            /* atomic: one error per pool is enough */

  /* configuration */
  gsize size;
  gboolean is_video;
  GstVideoInfo info;
  gboolean add_videometa;
};

#define gst_p2p_buffer_pool_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstP2pBufferPool, gst_p2p_buffer_pool,
    GST_TYPE_BUFFER_POOL,
    GST_DEBUG_CATEGORY_INIT (gst_p2p_buffer_pool_debug, "p2pbufferpool", 0,
        "p2pbuf buffer pool"));

static const gchar **
gst_p2p_buffer_pool_get_options (GstBufferPool * pool G_GNUC_UNUSED)
{
  static const gchar *options[] = {
    GST_BUFFER_POOL_OPTION_VIDEO_META,
    GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT,
    NULL
  };

  return options;
}

static gboolean
gst_p2p_buffer_pool_set_config (GstBufferPool * pool, GstStructure * config)
{
  GstP2pBufferPool *self = GST_P2P_BUFFER_POOL (pool);
  GstCaps *caps;
  guint size, min, max, fit;
  gboolean changed = FALSE;

  if (!gst_buffer_pool_config_get_params (config, &caps, &size, &min, &max)) {
    GST_WARNING_OBJECT (self, "invalid config %" GST_PTR_FORMAT, config);
    return FALSE;
  }

  self->is_video = caps && gst_p2p_video_info_from_caps (&self->info, caps);
  if (self->is_video) {
    if (gst_buffer_pool_config_has_option (config,
            GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT)) {
      GstVideoAlignment align;

      gst_buffer_pool_config_get_video_alignment (config, &align);
      if (!gst_video_info_align (&self->info, &align))
        return FALSE;
      gst_buffer_pool_config_set_video_alignment (config, &align);
    }
    /* Upstream may ask for more (a V4L2 driver's sizeimage), never less. */
    if (size < self->info.size) {
      size = self->info.size;
      changed = TRUE;
    }
  } else if (size == 0) {
    GST_WARNING_OBJECT (self, "no size and no video caps");
    return FALSE;
  }

  /* What the provider can hold; a min beyond it is an error (posted). */
  fit = gst_p2p_buffer_pool_fit (self->provider, size, min, NULL);
  if (fit > 0 && fit < min) {
    GstElement *owner = g_weak_ref_get (&self->owner);

    if (owner && g_atomic_int_compare_and_exchange (&self->error_posted, 0,
            1))
      gst_p2p_buffer_pool_fit (self->provider, size, min, owner);
    gst_clear_object (&owner);
    return FALSE;
  }
  if (fit > 0 && (max == 0 || max > fit)) {
    max = fit;
    changed = TRUE;
  }

  self->size = size;
  self->add_videometa = self->is_video &&
      gst_buffer_pool_config_has_option (config,
      GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_buffer_pool_config_set_params (config, caps, size, min, max);
  GST_DEBUG_OBJECT (self, "size %u min %u max %u video %d meta %d", size, min,
      max, self->is_video, self->add_videometa);

  if (!GST_BUFFER_POOL_CLASS (parent_class)->set_config (pool, config))
    return FALSE;
  /* FALSE tells the caller to read back and validate the adjusted config. */
  return !changed;
}

guint
gst_p2p_buffer_pool_fit (GstP2pProvider * provider, gsize size, guint min,
    GstElement * element)
{
  guint64 free_bytes, fit;

  /* Our debug category (GST_ELEMENT_ERROR logs) is set up with the type;
   * this may run before any pool exists. */
  g_type_ensure (GST_TYPE_P2P_BUFFER_POOL);
  if (size == 0 || !gst_p2p_provider_free_bytes (provider, &free_bytes))
    return 0;
  fit = MIN (free_bytes / size, G_MAXUINT);
  if (element && fit < min) {
    GST_ELEMENT_ERROR (element, RESOURCE, NO_SPACE_LEFT,
        ("Provider \"%s\" has %" G_GUINT64_FORMAT " bytes free: not enough "
            "for the %u buffers of %" G_GSIZE_FORMAT " bytes the pipeline "
            "needs. Free memory of the provider ('p2pbuf-ctl list' shows "
            "what it holds), or lower the resolution or ring-size.",
            gst_p2p_provider_spec (provider), free_bytes, min, size),
        ("%" G_GUINT64_FORMAT " buffers fit", fit));
  }
  /* 0 means "no limit": at least 1 when the provider is nearly full. */
  return MAX (fit, 1);
}

static void
post_alloc_error (GstP2pBufferPool * self, gsize size, gint err)
{
  GstElement *owner;
  const gchar *spec = gst_p2p_provider_spec (self->provider);
  const gchar *hint = p2pbuf_error_hint (err, "alloc");

  if (!hint[0])
    hint = g_strerror (-err);
  if (!g_atomic_int_compare_and_exchange (&self->error_posted, 0, 1))
    return;
  owner = g_weak_ref_get (&self->owner);
  if (!owner)
    return;
  if (err == -ENOMEM || err == -ENOSPC) {
    GST_ELEMENT_ERROR (owner, RESOURCE, NO_SPACE_LEFT,
        ("Provider \"%s\" is full: %s.", spec, hint),
        ("allocating %" G_GSIZE_FORMAT " bytes: %s", size,
            g_strerror (-err)));
  } else {
    GST_ELEMENT_ERROR (owner, RESOURCE, FAILED,
        ("Cannot allocate from provider \"%s\": %s.", spec, hint),
        ("allocating %" G_GSIZE_FORMAT " bytes: %s", size,
            g_strerror (-err)));
  }
  gst_object_unref (owner);
}

static GstFlowReturn
gst_p2p_buffer_pool_alloc_buffer (GstBufferPool * pool, GstBuffer ** buffer,
    GstBufferPoolAcquireParams * params G_GNUC_UNUSED)
{
  GstP2pBufferPool *self = GST_P2P_BUFFER_POOL (pool);
  GstMemory *mem;
  GstBuffer *buf;
  gint err;

  mem = gst_p2p_memory_alloc (self->provider, self->allocator, self->size,
      &err);
  if (!mem) {
    post_alloc_error (self, self->size, err);
    return GST_FLOW_ERROR;
  }
  buf = gst_buffer_new ();
  gst_buffer_append_memory (buf, mem);
  if (self->add_videometa) {
    GstVideoInfo *info = &self->info;

    gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
        GST_VIDEO_INFO_FORMAT (info), GST_VIDEO_INFO_WIDTH (info),
        GST_VIDEO_INFO_HEIGHT (info), GST_VIDEO_INFO_N_PLANES (info),
        info->offset, info->stride);
  }
  *buffer = buf;
  return GST_FLOW_OK;
}

/*
 * An importer that was refused (no P2P path to the device memory) gives the
 * buffer back without ever filling it, and its own error only says
 * "Remote I/O error". Ask the kernel who was refused and say why.
 * Posting takes the owner's object lock: whoever drops the last reference
 * to a buffer of this pool must not hold it.
 */
static void
gst_p2p_buffer_pool_release_buffer (GstBufferPool * pool, GstBuffer * buffer)
{
  GstP2pBufferPool *self = GST_P2P_BUFFER_POOL (pool);
  GstMemory *mem = gst_p2p_buffer_peek_memory (buffer);
  GstP2pRoute route;

  if (mem && gst_p2p_memory_check_route (mem, &route) && route.refused &&
      g_atomic_int_compare_and_exchange (&self->error_posted, 0, 1)) {
    GstElement *owner = g_weak_ref_get (&self->owner);

    if (owner) {
      gst_p2p_post_route_error (owner, self->provider, &route);
      gst_object_unref (owner);
    }
  }
  GST_BUFFER_POOL_CLASS (parent_class)->release_buffer (pool, buffer);
}

static void
gst_p2p_buffer_pool_finalize (GObject * object)
{
  GstP2pBufferPool *self = GST_P2P_BUFFER_POOL (object);

  gst_p2p_provider_unref (self->provider);
  gst_object_unref (self->allocator);
  g_weak_ref_clear (&self->owner);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_p2p_buffer_pool_class_init (GstP2pBufferPoolClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstBufferPoolClass *pool_class = GST_BUFFER_POOL_CLASS (klass);

  gobject_class->finalize = gst_p2p_buffer_pool_finalize;
  pool_class->get_options = gst_p2p_buffer_pool_get_options;
  pool_class->set_config = gst_p2p_buffer_pool_set_config;
  pool_class->alloc_buffer = gst_p2p_buffer_pool_alloc_buffer;
  pool_class->release_buffer = gst_p2p_buffer_pool_release_buffer;
}

static void
gst_p2p_buffer_pool_init (GstP2pBufferPool * self)
{
  g_weak_ref_init (&self->owner, NULL);
}

GstBufferPool *
gst_p2p_buffer_pool_new (GstP2pProvider * provider, GstElement * owner)
{
  GstP2pBufferPool *self;

  g_return_val_if_fail (provider != NULL, NULL);
  self = g_object_new (GST_TYPE_P2P_BUFFER_POOL, NULL);
  gst_object_ref_sink (self);
  self->provider = gst_p2p_provider_ref (provider);
  self->allocator = gst_p2p_provider_is_dmabuf (provider) ?
      gst_dmabuf_allocator_new () : gst_fd_allocator_new ();
  g_weak_ref_set (&self->owner, owner);
  return GST_BUFFER_POOL (self);
}
