/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * SECTION:element-p2psrc
 * @title: p2psrc
 * @see_also: p2psink, v4l2sink
 *
 * p2psrc reads a file into PCIe device memory exported by the p2pbuf module
 * and pushes that memory downstream as dma-bufs (#GstDmaBufAllocator
 * memory), so that an element importing dma-bufs (`v4l2sink
 * io-mode=dmabuf-import`, p2psink, a GPU element) uses the device memory
 * directly. Buffers come from a pool of #GstP2pSrc:provider dma-bufs, always
 * its own: the point is that the file lands in device memory. (The "memfd"
 * test provider is not a dma-buf: its buffers are #GstFdAllocator memory.)
 *
 * With #GstP2pSrc:caps set to raw video, each buffer is one frame
 * (GstVideoInfo size), timestamped from the framerate; a partial frame at
 * the end of the file is dropped. Without caps, each buffer is a raw block
 * of #GstBaseSrc:blocksize bytes and no caps are set. #GstP2pSrc:loop starts
 * again at the beginning of the file at its end; #GstBaseSrc:num-buffers
 * bounds the run.
 *
 * For video the duration query answers the frames in the file times the
 * frame duration of the caps' framerate (DEFAULT or BUFFERS: the frames),
 * and seeks are frame-addressed: a TIME seek starts at the frame its
 * position falls in (the segment starts on that frame's boundary), a
 * DEFAULT or BUFFERS seek at frame N; flushing seeks work as usual. Raw
 * blocks seek in BYTES. Seeking needs a regular file (or block device) and,
 * for video, a framerate.
 *
 * Regular files and block devices are read with O_DIRECT straight into
 * device memory (libp2pbuf's storage I/O: the storage controller DMAs into
 * the BAR; stats path "o-direct", io-path "p2p"). Without a peer-to-peer
 * route the kernel checked, the element fails naming the reason unless
 * #GstP2pSrc:bounce is set (path "bounce"). Reads that are not whole
 * direct I/O blocks (a frame size that is not a multiple of the alignment,
 * the tail of the file) go through the CPU mapping with pread() (path
 * "read"), as everything does for the "memfd" test provider and pipes.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 p2psrc provider=pci:0000:05:00.0/bar2 location=/mnt/nvme/capture.yuv \
 *     caps="video/x-raw,format=YUY2,width=1280,height=720,framerate=30/1" ! \
 *     v4l2sink device=/dev/video1 io-mode=dmabuf-import
 * ]| Plays a file of raw frames from device memory into a V4L2 output device.
 * |[
 * gst-launch-1.0 p2psrc provider=memfd location=/tmp/x.yuv num-buffers=30 \
 *     caps="video/x-raw,format=YUY2,width=320,height=240,framerate=30/1" ! \
 *     p2psink provider=memfd location=/tmp/y.yuv
 * ]| Copies 30 frames file to file through (test) device memory: p2psink
 * counts them as imports, not copies.
 * |[
 * gst-launch-1.0 p2psrc provider=cmb:0000:04:00.0 location=blob.bin blocksize=1048576 ! fakesink
 * ]| Reads a file into an NVMe controller memory buffer, 1 MiB at a time.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>

#include <gst/video/video.h>

#include "gstp2pbufferpool.h"
#include "gstp2pio.h"
#include "gstp2pmemory.h"
#include "gstp2psrc.h"

GST_DEBUG_CATEGORY_STATIC (gst_p2p_src_debug);
#define GST_CAT_DEFAULT gst_p2p_src_debug

#define DEFAULT_PROVIDER NULL
#define DEFAULT_LOCATION NULL
#define DEFAULT_LOOP FALSE
/* One buffer being read, one downstream. */
#define POOL_MIN_BUFFERS 2

enum
{
  PROP_0,
  PROP_PROVIDER,
  PROP_LOCATION,
  PROP_CAPS,
  PROP_LOOP,
  PROP_BOUNCE,
  PROP_STATS,
};

struct _GstP2pSrc
{
  GstPushSrc parent;

  /* properties, object lock */
  gchar *provider_spec;
  gchar *location;
  GstCaps *caps;
  gboolean loop;
  gboolean bounce;

  /* streaming state */
  GstP2pProvider *provider;
  GstP2pReader *reader;
  gboolean is_video;
  GstVideoInfo info;
  gsize frame_size;
  guint64 frame_index;
  guint64 bytes_since_rewind;

  /* statistics, object lock */
  guint64 frames;
  guint64 bytes;
  guint64 loops;
  gchar *provider_name;
  const gchar *path;
  const gchar *io_path;
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS_ANY);

#define gst_p2p_src_parent_class parent_class
G_DEFINE_TYPE (GstP2pSrc, gst_p2p_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE (p2psrc, "p2psrc", GST_RANK_NONE,
    GST_TYPE_P2P_SRC);

static void
gst_p2p_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstP2pSrc *self = GST_P2P_SRC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PROVIDER:
    case PROP_LOCATION:
    case PROP_CAPS:
      if (GST_STATE (self) > GST_STATE_READY) {
        g_warning ("p2psrc: %s can only be changed in the NULL or READY "
            "state", pspec->name);
        break;
      }
      if (prop_id == PROP_PROVIDER) {
        g_free (self->provider_spec);
        self->provider_spec = g_value_dup_string (value);
      } else if (prop_id == PROP_LOCATION) {
        g_free (self->location);
        self->location = g_value_dup_string (value);
      } else {
        gst_caps_replace (&self->caps, (GstCaps *) gst_value_get_caps (value));
      }
      break;
    case PROP_LOOP:
      self->loop = g_value_get_boolean (value);
      break;
    case PROP_BOUNCE:
      self->bounce = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_p2p_src_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstP2pSrc *self = GST_P2P_SRC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PROVIDER:
      g_value_set_string (value, self->provider_spec);
      break;
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_CAPS:
      gst_value_set_caps (value, self->caps);
      break;
    case PROP_LOOP:
      g_value_set_boolean (value, self->loop);
      break;
    case PROP_BOUNCE:
      g_value_set_boolean (value, self->bounce);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_structure_new ("p2psrc-stats",
              "frames", G_TYPE_UINT64, self->frames,
              "bytes", G_TYPE_UINT64, self->bytes,
              "loops", G_TYPE_UINT64, self->loops,
              "path", G_TYPE_STRING, self->path,
              "io-path", G_TYPE_STRING, self->io_path,
              "provider", G_TYPE_STRING,
              self->provider_name ? self->provider_name : "", NULL));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_p2p_src_start (GstBaseSrc * bsrc)
{
  GstP2pSrc *self = GST_P2P_SRC (bsrc);
  gchar *spec, *location, *why = NULL;
  gboolean bounce;
  GstCaps *caps;
  gint err;

  GST_OBJECT_LOCK (self);
  spec = g_strdup (self->provider_spec);
  location = g_strdup (self->location);
  bounce = self->bounce;
  caps = self->caps ? gst_caps_ref (self->caps) : NULL;
  GST_OBJECT_UNLOCK (self);

  self->is_video = FALSE;
  if (caps && gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "video/x-raw")) {
    if (!gst_caps_is_fixed (caps) ||
        !gst_p2p_video_info_from_caps (&self->info, caps)) {
      gchar *str = gst_caps_to_string (caps);

      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("Incomplete caps \"%s\": raw video needs format, width, height "
              "(and framerate for timestamps).", str), (NULL));
      g_free (str);
      goto fail;
    }
    self->is_video = TRUE;
    self->frame_size = self->info.size;
  } else {
    self->frame_size = gst_base_src_get_blocksize (bsrc);
  }
  gst_base_src_set_format (bsrc, self->is_video ? GST_FORMAT_TIME :
      GST_FORMAT_BYTES);

  if (!location) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No file name specified for reading: set location."), (NULL));
    goto fail;
  }
  self->provider = gst_p2p_provider_open (spec, &err);
  if (!self->provider) {
    gst_p2p_post_open_error (GST_ELEMENT (self), spec, err);
    goto fail;
  }
  self->reader = gst_p2p_reader_open (location,
      gst_p2p_provider_is_dmabuf (self->provider), bounce, &err, &why);
  if (!self->reader) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not open file \"%s\" for reading: %s.", location,
            why ? why : g_strerror (-err)), ("open: %s", g_strerror (-err)));
    g_free (why);
    goto fail;
  }

  self->frame_index = 0;
  self->bytes_since_rewind = 0;
  GST_OBJECT_LOCK (self);
  self->frames = self->bytes = self->loops = 0;
  g_free (self->provider_name);
  self->provider_name = g_strdup (gst_p2p_provider_name (self->provider));
  self->path = gst_p2p_reader_path (self->reader);
  self->io_path = gst_p2p_reader_io_path (self->reader);
  GST_OBJECT_UNLOCK (self);
  GST_INFO_OBJECT (self, "reading %s into %s, %" G_GSIZE_FORMAT
      "-byte %s", location, gst_p2p_provider_name (self->provider),
      self->frame_size, self->is_video ? "frames" : "blocks");
  g_free (spec);
  g_free (location);
  gst_clear_caps (&caps);
  return TRUE;

fail:
  g_clear_pointer (&self->provider, gst_p2p_provider_unref);
  g_free (spec);
  g_free (location);
  gst_clear_caps (&caps);
  return FALSE;
}

static gboolean
gst_p2p_src_stop (GstBaseSrc * bsrc)
{
  GstP2pSrc *self = GST_P2P_SRC (bsrc);

  GST_INFO_OBJECT (self, "%" G_GUINT64_FORMAT " buffers, %" G_GUINT64_FORMAT
      " bytes, %" G_GUINT64_FORMAT " loops, path %s, io-path %s", self->frames,
      self->bytes, self->loops, self->path, self->io_path);
  g_clear_pointer (&self->reader, gst_p2p_reader_close);
  g_clear_pointer (&self->provider, gst_p2p_provider_unref);
  return TRUE;
}

static GstCaps *
gst_p2p_src_get_caps (GstBaseSrc * bsrc, GstCaps * filter)
{
  GstP2pSrc *self = GST_P2P_SRC (bsrc);
  GstCaps *caps, *result;

  GST_OBJECT_LOCK (self);
  caps = self->caps ? gst_caps_ref (self->caps) : NULL;
  GST_OBJECT_UNLOCK (self);
  if (!caps)
    caps = gst_pad_get_pad_template_caps (GST_BASE_SRC_PAD (bsrc));
  if (!filter)
    return caps;
  result = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
  gst_caps_unref (caps);
  return result;
}

/* Always our pool: the point is that the file lands in device memory. */
static gboolean
gst_p2p_src_decide_allocation (GstBaseSrc * bsrc, GstQuery * query)
{
  GstP2pSrc *self = GST_P2P_SRC (bsrc);
  GstBufferPool *pool;
  GstStructure *config;
  GstCaps *caps;
  guint size, min, max;

  gst_query_parse_allocation (query, &caps, NULL);
  size = self->frame_size;
  min = POOL_MIN_BUFFERS;
  if (gst_query_get_n_allocation_pools (query) > 0) {
    guint qmin;

    gst_query_parse_nth_allocation_pool (query, 0, NULL, NULL, &qmin, NULL);
    min = MAX (min, qmin);
  }

  pool = gst_p2p_buffer_pool_new (self->provider, GST_ELEMENT (self));
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, size, min, 0);
  if (self->is_video &&
      gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL))
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_META);
  if (!gst_buffer_pool_set_config (pool, config)) {
    /* The pool rounded the size up; take what it says. */
    config = gst_buffer_pool_get_config (pool);
    if (!gst_buffer_pool_set_config (pool, config)) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("Failed to configure the device-memory buffer pool."), (NULL));
      gst_object_unref (pool);
      return FALSE;
    }
  }
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_get_params (config, NULL, &size, &min, &max);
  gst_structure_free (config);

  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_set_nth_allocation_pool (query, 0, pool, size, min, max);
  else
    gst_query_add_allocation_pool (query, pool, size, min, max);
  gst_object_unref (pool);
  return TRUE;
}

/* Read the next @size bytes of the file into @mem; handles loop. */
static gssize
gst_p2p_src_read (GstP2pSrc * self, GstMemory * mem, gsize size)
{
  struct p2pbuf_buffer *pbuf;
  gsize offset, maxsize;
  gssize n;

  pbuf = gst_p2p_memory_lock (mem, &offset, &maxsize);
  n = gst_p2p_reader_read (self->reader, pbuf, offset, MIN (size, maxsize));
  gst_p2p_memory_unlock (mem);
  GST_OBJECT_LOCK (self);
  self->path = gst_p2p_reader_path (self->reader);
  self->io_path = gst_p2p_reader_io_path (self->reader);
  GST_OBJECT_UNLOCK (self);
  if (n > 0 && (gsize) n < size && self->is_video) {
    GST_WARNING_OBJECT (self, "ignoring the last %" G_GSSIZE_FORMAT
        " bytes of the file: not a whole frame of %" G_GSIZE_FORMAT, n, size);
    n = 0;
  }
  return n;
}

static GstFlowReturn
gst_p2p_src_fill (GstPushSrc * psrc, GstBuffer * buffer)
{
  GstP2pSrc *self = GST_P2P_SRC (psrc);
  GstMemory *mem = gst_p2p_buffer_peek_memory (buffer);
  guint64 position;
  gboolean loop;
  gssize n;

  if (!mem) {
    GST_ELEMENT_ERROR (self, CORE, FAILED,
        ("Buffer not from the p2psrc pool."), (NULL));
    return GST_FLOW_ERROR;
  }

  position = gst_p2p_reader_position (self->reader);
  n = gst_p2p_src_read (self, mem, self->frame_size);
  if (n == 0) {
    GST_OBJECT_LOCK (self);
    loop = self->loop;
    GST_OBJECT_UNLOCK (self);
    if (!loop) {
      GST_DEBUG_OBJECT (self, "end of file");
      return GST_FLOW_EOS;
    }
    if (self->bytes_since_rewind == 0) {
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("File \"%s\" holds no whole %s of %" G_GSIZE_FORMAT
              " bytes: nothing to loop over.", self->location,
              self->is_video ? "frame" : "block", self->frame_size), (NULL));
      return GST_FLOW_ERROR;
    }
    gst_p2p_reader_rewind (self->reader);
    self->bytes_since_rewind = 0;
    GST_OBJECT_LOCK (self);
    self->loops++;
    GST_OBJECT_UNLOCK (self);
    position = 0;
    n = gst_p2p_src_read (self, mem, self->frame_size);
  }
  if (n == -EREMOTEIO || n == -EFAULT) {
    /* No silent bounce: the user asks for it. */
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        ("Cannot read file \"%s\" into device memory of provider \"%s\" "
            "by direct I/O: %s. Set bounce=true to copy through system RAM "
            "(slower), or read from storage the device memory can reach "
            "(same PCIe switch).", self->location,
            gst_p2p_provider_spec (self->provider),
            gst_p2p_reader_error (self->reader)), ("at file offset %"
            G_GUINT64_FORMAT ": p2pbuf_io_read: %s", position,
            g_strerror (-n)));
    return GST_FLOW_ERROR;
  }
  if (n < 0) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        ("Could not read file \"%s\" into device memory: %s.",
            self->location, *gst_p2p_reader_error (self->reader) ?
            gst_p2p_reader_error (self->reader) : g_strerror (-n)),
        ("at file offset %" G_GUINT64_FORMAT, position));
    return GST_FLOW_ERROR;
  }
  if (n == 0)
    return GST_FLOW_EOS;

  self->bytes_since_rewind += n;
  if ((gsize) n < gst_buffer_get_size (buffer))
    gst_buffer_set_size (buffer, n);

  if (self->is_video) {
    gint fps_n = GST_VIDEO_INFO_FPS_N (&self->info);
    gint fps_d = GST_VIDEO_INFO_FPS_D (&self->info);

    GST_BUFFER_OFFSET (buffer) = self->frame_index;
    GST_BUFFER_OFFSET_END (buffer) = self->frame_index + 1;
    if (fps_n > 0) {
      GstClockTime pts = gst_util_uint64_scale (self->frame_index,
          fps_d * GST_SECOND, fps_n);

      GST_BUFFER_PTS (buffer) = pts;
      GST_BUFFER_DURATION (buffer) =
          gst_util_uint64_scale (self->frame_index + 1, fps_d * GST_SECOND,
          fps_n) - pts;
    }
  } else {
    GST_BUFFER_OFFSET (buffer) = position;
    GST_BUFFER_OFFSET_END (buffer) = position + n;
  }
  self->frame_index++;

  GST_OBJECT_LOCK (self);
  self->frames++;
  self->bytes += n;
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}

/* Whole frames (blocks) in the file, -1 if unknown. */
static gint64
gst_p2p_src_n_frames (GstP2pSrc * self)
{
  gint64 size = self->reader ? gst_p2p_reader_size (self->reader) : -1;

  if (size < 0 || self->frame_size == 0)
    return -1;
  return size / self->frame_size;
}

/* Time of frame @frame (framerate of the caps), GST_CLOCK_TIME_NONE
 * without one. */
static GstClockTime
gst_p2p_src_frame_time (GstP2pSrc * self, guint64 frame)
{
  gint fps_n = GST_VIDEO_INFO_FPS_N (&self->info);
  gint fps_d = GST_VIDEO_INFO_FPS_D (&self->info);

  if (!self->is_video || fps_n <= 0)
    return GST_CLOCK_TIME_NONE;
  return gst_util_uint64_scale (frame, fps_d * GST_SECOND, fps_n);
}

/* Frame number of @value in @format (the frame that time falls in). */
static gboolean
gst_p2p_src_to_frame (GstP2pSrc * self, GstFormat format, gint64 value,
    guint64 * frame)
{
  gint fps_n = GST_VIDEO_INFO_FPS_N (&self->info);
  gint fps_d = GST_VIDEO_INFO_FPS_D (&self->info);

  if (value < 0)
    return FALSE;
  switch (format) {
    case GST_FORMAT_DEFAULT:
    case GST_FORMAT_BUFFERS:
      *frame = value;
      return TRUE;
    case GST_FORMAT_BYTES:
      *frame = value / self->frame_size;
      return TRUE;
    case GST_FORMAT_TIME:
      if (!self->is_video || fps_n <= 0)
        return FALSE;
      /* Frame times are rounded down: the time of frame k may convert
       * back to k - 1. The frame is the last one starting at or before. */
      *frame = gst_util_uint64_scale (value, fps_n, fps_d * GST_SECOND);
      if (gst_p2p_src_frame_time (self, *frame + 1) <= (guint64) value)
        (*frame)++;
      return TRUE;
    default:
      return FALSE;
  }
}

static gboolean
gst_p2p_src_from_frame (GstP2pSrc * self, guint64 frame, GstFormat format,
    gint64 * value)
{
  switch (format) {
    case GST_FORMAT_DEFAULT:
    case GST_FORMAT_BUFFERS:
      *value = frame;
      return TRUE;
    case GST_FORMAT_BYTES:
      *value = frame * self->frame_size;
      return TRUE;
    case GST_FORMAT_TIME:
      *value = gst_p2p_src_frame_time (self, frame);
      return *value != (gint64) GST_CLOCK_TIME_NONE;
    default:
      return FALSE;
  }
}

static gboolean
gst_p2p_src_query (GstBaseSrc * bsrc, GstQuery * query)
{
  GstP2pSrc *self = GST_P2P_SRC (bsrc);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_DURATION:{
      GstFormat format;
      gint64 frames, value;

      gst_query_parse_duration (query, &format, NULL);
      /* Frames of video; bytes of raw blocks (and of video). */
      if (!self->is_video && format != GST_FORMAT_BYTES)
        break;
      frames = gst_p2p_src_n_frames (self);
      if (frames < 0)
        break;
      if (format == GST_FORMAT_BYTES && !self->is_video)
        value = gst_p2p_reader_size (self->reader);
      else if (!gst_p2p_src_from_frame (self, frames, format, &value))
        break;
      gst_query_set_duration (query, format, value);
      return TRUE;
    }
    case GST_QUERY_CONVERT:{
      GstFormat src_fmt, dest_fmt;
      gint64 src_val, dest_val;
      guint64 frame;

      if (!self->is_video)
        break;
      gst_query_parse_convert (query, &src_fmt, &src_val, &dest_fmt, NULL);
      if (src_fmt == dest_fmt || src_val == -1) {
        gst_query_set_convert (query, src_fmt, src_val, dest_fmt, src_val);
        return TRUE;
      }
      if (!gst_p2p_src_to_frame (self, src_fmt, src_val, &frame) ||
          !gst_p2p_src_from_frame (self, frame, dest_fmt, &dest_val))
        return FALSE;
      gst_query_set_convert (query, src_fmt, src_val, dest_fmt, dest_val);
      return TRUE;
    }
    default:
      break;
  }
  return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);
}

static gboolean
gst_p2p_src_is_seekable (GstBaseSrc * bsrc)
{
  GstP2pSrc *self = GST_P2P_SRC (bsrc);

  if (!self->reader || !gst_p2p_reader_seekable (self->reader))
    return FALSE;
  /* Video is addressed by frame: time needs the framerate. */
  return !self->is_video || GST_VIDEO_INFO_FPS_N (&self->info) > 0;
}

/*
 * Seeks are frame-addressed: the segment starts on the boundary of the
 * frame its start falls in, and the next buffer is that frame (raw blocks:
 * the block). TIME segments (video); DEFAULT and BUFFERS seeks arrive
 * converted by the CONVERT query.
 */
static gboolean
gst_p2p_src_do_seek (GstBaseSrc * bsrc, GstSegment * segment)
{
  GstP2pSrc *self = GST_P2P_SRC (bsrc);
  guint64 frame, position;

  if (!self->reader)
    return FALSE;
  if (segment->rate < 0) {
    GST_WARNING_OBJECT (self, "reverse playback is not supported");
    return FALSE;
  }
  if (!gst_p2p_src_to_frame (self, segment->format, segment->start, &frame))
    return segment->start == 0;
  position = frame * self->frame_size;
  if (self->is_video) {
    GstClockTime t = gst_p2p_src_frame_time (self, frame);

    if (GST_CLOCK_TIME_IS_VALID (t) && segment->format == GST_FORMAT_TIME) {
      segment->start = segment->time = segment->position = t;
    }
  } else {
    /* Raw blocks: a byte position, read from there. */
    position = segment->start;
  }
  GST_DEBUG_OBJECT (self, "seek to frame %" G_GUINT64_FORMAT ", file offset %"
      G_GUINT64_FORMAT, frame, position);
  gst_p2p_reader_seek (self->reader, position);
  self->frame_index = frame;
  self->bytes_since_rewind = position;
  return TRUE;
}

static void
gst_p2p_src_finalize (GObject * object)
{
  GstP2pSrc *self = GST_P2P_SRC (object);

  g_free (self->provider_spec);
  g_free (self->location);
  gst_clear_caps (&self->caps);
  g_free (self->provider_name);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_p2p_src_class_init (GstP2pSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_p2p_src_debug, "p2psrc", 0,
      "p2pbuf device-memory source");

  gobject_class->set_property = gst_p2p_src_set_property;
  gobject_class->get_property = gst_p2p_src_get_property;
  gobject_class->finalize = gst_p2p_src_finalize;

  /**
   * GstP2pSrc:provider:
   *
   * The device memory to read the file into, as a libp2pbuf provider spec:
   * pci:BDF/barN (a BAR bound to p2pbuf), cmb:BDF (an NVMe CMB), name:NODE
   * (/dev/p2pbuf/NODE), heap:NAME (a dma-heap), udmabuf, drm:PATH, or memfd
   * (test provider, not importable by devices). `p2pbuf-ctl list` shows the
   * p2pbuf providers.
   */
  g_object_class_install_property (gobject_class, PROP_PROVIDER,
      g_param_spec_string ("provider", "Provider",
          "Device memory to read the file into: a libp2pbuf provider spec",
          DEFAULT_PROVIDER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstP2pSrc:location:
   *
   * The file to read.
   */
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "File location",
          "File to read into device memory", DEFAULT_LOCATION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstP2pSrc:caps:
   *
   * What the file holds. Fixed video/x-raw caps (format, width, height,
   * framerate) make one timestamped buffer per frame; other caps, or none,
   * make raw blocks of #GstBaseSrc:blocksize bytes.
   */
  g_object_class_install_property (gobject_class, PROP_CAPS,
      g_param_spec_boxed ("caps", "Caps",
          "What the file holds (raw video caps: one buffer per frame)",
          GST_TYPE_CAPS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstP2pSrc:loop:
   *
   * At the end of the file, start again from its beginning
   * (#GstBaseSrc:num-buffers bounds the run).
   */
  g_object_class_install_property (gobject_class, PROP_LOOP,
      g_param_spec_boolean ("loop", "Loop",
          "Start again from the beginning at the end of the file",
          DEFAULT_LOOP,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstP2pSrc:bounce:
   *
   * Where the kernel reports no peer-to-peer route between the storage and
   * the device memory (or the file system has no O_DIRECT), copy through
   * system RAM (path "bounce") instead of failing with the reason.
   */
  g_object_class_install_property (gobject_class, PROP_BOUNCE,
      g_param_spec_boolean ("bounce", "Bounce",
          "Copy through system RAM where there is no peer-to-peer route",
          FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstP2pSrc:stats:
   *
   * Counters since the element started, as a "p2psrc-stats" structure:
   * frames (buffers pushed), bytes, loops, path (o-direct, bounce or read),
   * io-path (p2p|host|bounce|none: how the last direct read moved) and
   * provider.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Buffer counters and data path since start (p2psrc-stats)",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "PCIe device memory file source", "Source/File/Video/Hardware",
      "Reads a file into PCIe device memory exported by p2pbuf and pushes it "
      "downstream as dma-bufs, one raw video frame (caps) or one block "
      "(blocksize) per buffer, so 'v4l2sink io-mode=dmabuf-import' or a GPU "
      "element uses device memory directly. Example: gst-launch-1.0 p2psrc "
      "provider=pci:0000:05:00.0/bar2 location=capture.yuv "
      "caps=video/x-raw,format=YUY2,width=1280,height=720,framerate=30/1 ! "
      "v4l2sink io-mode=dmabuf-import",
      "p2pbuf developers <p2pbuf@lists.invalid>");

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_p2p_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_p2p_src_stop);
  basesrc_class->get_caps = GST_DEBUG_FUNCPTR (gst_p2p_src_get_caps);
  basesrc_class->decide_allocation =
      GST_DEBUG_FUNCPTR (gst_p2p_src_decide_allocation);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_p2p_src_query);
  basesrc_class->is_seekable = GST_DEBUG_FUNCPTR (gst_p2p_src_is_seekable);
  basesrc_class->do_seek = GST_DEBUG_FUNCPTR (gst_p2p_src_do_seek);
  pushsrc_class->fill = GST_DEBUG_FUNCPTR (gst_p2p_src_fill);
}

static void
gst_p2p_src_init (GstP2pSrc * self)
{
  self->loop = DEFAULT_LOOP;
  self->path = "read";
  self->io_path = "none";
}
