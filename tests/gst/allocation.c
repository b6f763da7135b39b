/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ALLOCATION answer of p2psink: a pool of provider dma-bufs with
 * GstVideoMeta, sized from GstVideoInfo, and what happens to buffers from
 * that pool (imports) and to others (copies).
 */
#include <string.h>

#include "p2p-test.h"

static GstHarness *
sink_harness (GstElement * sink, const gchar * caps)
{
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);

  gst_harness_set_src_caps_str (h, caps);
  return h;
}

/* Ask the sink; returns its pool (ref), fills size/min/max. */
static GstBufferPool *
query_pool (GstHarness * h, const gchar * caps_str, guint * size, guint * min,
    guint * max, gboolean * has_meta, guint qmin)
{
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstBufferPool *pool = NULL;

  if (qmin)
    gst_query_add_allocation_pool (query, NULL, 0, qmin, 0);
  fail_unless (gst_pad_peer_query (h->srcpad, query), "ALLOCATION refused");
  fail_unless (gst_query_get_n_allocation_pools (query) >= 1);
  gst_query_parse_nth_allocation_pool (query, 0, &pool, size, min, max);
  *has_meta = gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE,
      NULL);
  gst_query_unref (query);
  gst_caps_unref (caps);
  fail_unless (pool != NULL, "no pool proposed");
  return pool;
}

static void
activate (GstBufferPool * pool, gboolean video_meta)
{
  GstStructure *config = gst_buffer_pool_get_config (pool);

  if (video_meta)
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_META);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
}

GST_START_TEST (test_answer)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd", NULL);
  GstHarness *h = sink_harness (sink, P2P_TEST_CAPS);
  GstBufferPool *pool;
  guint size, min, max;
  gboolean meta;

  pool = query_pool (h, P2P_TEST_CAPS, &size, &min, &max, &meta, 0);
  fail_unless_equals_string (G_OBJECT_TYPE_NAME (pool), "GstP2pBufferPool");
  fail_unless_equals_int (size, P2P_TEST_FRAME);
  /* ring (8) + last sample (1) + 2 for upstream */
  fail_unless_equals_int (min, 11);
  fail_unless_equals_int (max, 0);
  fail_unless (meta, "GstVideoMeta not advertised");
  gst_object_unref (pool);
  gst_harness_teardown (h);
  gst_object_unref (sink);
}

GST_END_TEST;

/* Writing to a file holds no frame: fewer buffers. Upstream's min counts. */
GST_START_TEST (test_answer_min)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "location", "/dev/null", NULL);
  GstHarness *h = sink_harness (sink, P2P_TEST_CAPS);
  GstBufferPool *pool;
  guint size, min, max;
  gboolean meta;

  pool = query_pool (h, P2P_TEST_CAPS, &size, &min, &max, &meta, 0);
  fail_unless_equals_int (min, 3);
  gst_object_unref (pool);
  pool = query_pool (h, P2P_TEST_CAPS, &size, &min, &max, &meta, 6);
  fail_unless_equals_int (min, 8);
  gst_object_unref (pool);
  gst_harness_teardown (h);
  gst_object_unref (sink);
}

GST_END_TEST;

/* Buffers of the pool: one fd memory (memfd is not a dma-buf: not
 * GstDmaBufAllocator memory), GstVideoMeta of GstVideoInfo. */
static void
check_pool_layout (const gchar * caps_str)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd", NULL);
  GstHarness *h = sink_harness (sink, caps_str);
  GstCaps *caps = gst_caps_from_string (caps_str);
  GstBufferPool *pool;
  GstBuffer *buf = NULL;
  GstVideoMeta *vmeta;
  GstVideoInfo info;
  guint size, min, max, i;
  gboolean meta;

  fail_unless (gst_video_info_from_caps (&info, caps));
  pool = query_pool (h, caps_str, &size, &min, &max, &meta, 0);
  fail_unless_equals_int (size, info.size);
  activate (pool, TRUE);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf, NULL),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_buffer_n_memory (buf), 1);
  fail_unless (gst_is_fd_memory (gst_buffer_peek_memory (buf, 0)));
  fail_if (gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0)),
      "memfd memory wrapped as a dma-buf");
  fail_unless (gst_fd_memory_get_fd (gst_buffer_peek_memory (buf, 0)) >= 0);
  fail_unless_equals_int (gst_buffer_get_size (buf), info.size);
  vmeta = gst_buffer_get_video_meta (buf);
  fail_unless (vmeta != NULL, "no GstVideoMeta");
  fail_unless_equals_int (vmeta->format, GST_VIDEO_INFO_FORMAT (&info));
  fail_unless_equals_int (vmeta->width, GST_VIDEO_INFO_WIDTH (&info));
  fail_unless_equals_int (vmeta->height, GST_VIDEO_INFO_HEIGHT (&info));
  fail_unless_equals_int (vmeta->n_planes, GST_VIDEO_INFO_N_PLANES (&info));
  for (i = 0; i < vmeta->n_planes; i++) {
    fail_unless_equals_int (vmeta->stride[i], info.stride[i]);
    fail_unless_equals_int (vmeta->offset[i], info.offset[i]);
  }
  gst_buffer_unref (buf);
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  gst_object_unref (sink);
}

GST_START_TEST (test_pool_layout)
{
  check_pool_layout (P2P_TEST_CAPS);
  check_pool_layout ("video/x-raw,format=I420,width=322,height=242,"
      "framerate=30/1");
  check_pool_layout ("video/x-raw,format=NV12,width=1280,height=720,"
      "framerate=30/1");
  check_pool_layout ("video/x-raw(memory:DMABuf),format=NV12,width=640,"
      "height=480,framerate=30/1");
}

GST_END_TEST;

/* Upstream asks for padding (GstVideoAlignment) or a bigger size (a V4L2
 * driver's sizeimage): the pool grows its buffers and says so. */
GST_START_TEST (test_pool_alignment)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd", NULL);
  GstHarness *h = sink_harness (sink, P2P_TEST_CAPS);
  GstCaps *caps = gst_caps_from_string (P2P_TEST_CAPS);
  GstBufferPool *pool;
  GstStructure *config;
  GstVideoAlignment align;
  GstVideoInfo info;
  GstBuffer *buf = NULL;
  guint size, min, max, csize;
  gboolean meta;

  pool = query_pool (h, P2P_TEST_CAPS, &size, &min, &max, &meta, 0);

  /* A driver that wants more per frame than GstVideoInfo says. */
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, P2P_TEST_FRAME + 4096, 2,
      0);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_get_params (config, NULL, &csize, NULL, NULL);
  gst_structure_free (config);
  fail_unless_equals_int (csize, P2P_TEST_FRAME + 4096);

  /* Padding: the config comes back adjusted, valid for the caller. */
  gst_video_alignment_reset (&align);
  align.padding_bottom = 8;
  align.padding_right = 16;
  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_set_params (config, caps, P2P_TEST_FRAME, 2, 0);
  gst_buffer_pool_config_add_option (config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_buffer_pool_config_add_option (config,
      GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT);
  gst_buffer_pool_config_set_video_alignment (config, &align);
  fail_if (gst_buffer_pool_set_config (pool, config),
      "a grown size must be reported");
  config = gst_buffer_pool_get_config (pool);
  fail_unless (gst_buffer_pool_config_validate_params (config, caps,
          P2P_TEST_FRAME, 2, 0));
  fail_unless (gst_buffer_pool_set_config (pool, config));

  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless (gst_video_info_align (&info, &align));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf, NULL),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_buffer_get_size (buf), info.size);
  fail_unless_equals_int (gst_buffer_get_video_meta (buf)->stride[0],
      info.stride[0]);
  gst_buffer_unref (buf);
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  gst_object_unref (sink);
}

GST_END_TEST;

/* A buffer of the pool is device memory already: no copy. Others are. */
GST_START_TEST (test_import_and_copy)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd", NULL);
  GstHarness *h = sink_harness (sink, P2P_TEST_CAPS);
  GstBufferPool *pool;
  GstBuffer *buf = NULL;
  guint size, min, max;
  gboolean meta;
  gchar *str;

  pool = query_pool (h, P2P_TEST_CAPS, &size, &min, &max, &meta, 0);
  activate (pool, TRUE);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf, NULL),
      GST_FLOW_OK);
  p2p_test_fill_buffer (buf, 1);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "imports"), 1);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "copies"), 0);
  str = p2p_test_stat_str (sink, "path");
  fail_unless_equals_string (str, "import+ring");
  g_free (str);
  str = p2p_test_stat_str (sink, "provider");
  fail_unless_equals_string (str, "memfd");
  g_free (str);

  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (P2P_TEST_FRAME, 2)), GST_FLOW_OK);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "imports"), 1);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "copies"), 1);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), 2);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "bytes"),
      2 * P2P_TEST_FRAME);
  str = p2p_test_stat_str (sink, "input");
  fail_unless_equals_string (str, "mixed");
  g_free (str);

  gst_harness_teardown (h);
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
  gst_object_unref (sink);
}

GST_END_TEST;

/* Without location the latest ring-size frames stay referenced. */
GST_START_TEST (test_ring)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "ring-size", 2, "enable-last-sample", FALSE, NULL);
  GstHarness *h = sink_harness (sink, P2P_TEST_CAPS);
  GstBufferPool *pool;
  GstBuffer *bufs[5];
  guint size, min, max, i;
  gboolean meta;

  pool = query_pool (h, P2P_TEST_CAPS, &size, &min, &max, &meta, 0);
  fail_unless_equals_int (min, 2 + 1 + 2);
  activate (pool, FALSE);
  for (i = 0; i < 5; i++) {
    fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &bufs[i],
            NULL), GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (bufs[i])),
        GST_FLOW_OK);
  }
  for (i = 0; i < 3; i++)
    ASSERT_BUFFER_REFCOUNT (bufs[i], "dropped from the ring", 1);
  for (i = 3; i < 5; i++)
    ASSERT_BUFFER_REFCOUNT (bufs[i], "in the ring", 2);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "held"), 0 + 2);

  g_object_set (sink, "ring-size", 0, NULL);
  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (P2P_TEST_FRAME, 9)), GST_FLOW_OK);
  ASSERT_BUFFER_REFCOUNT (bufs[4], "out of the ring", 1);

  for (i = 0; i < 5; i++)
    gst_buffer_unref (bufs[i]);
  gst_harness_teardown (h);
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
  gst_object_unref (sink);
}

GST_END_TEST;

/* Gaps in the buffer offsets (V4L2 sequence numbers) are drops. */
GST_START_TEST (test_drops)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd", NULL);
  GstHarness *h = sink_harness (sink, P2P_TEST_CAPS);
  guint64 offsets[] = { 10, 11, 14, 15, 20, 3 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (offsets); i++) {
    GstBuffer *buf = p2p_test_sysmem_buffer (P2P_TEST_FRAME, i);

    GST_BUFFER_OFFSET (buf) = offsets[i];
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  }
  /* 12, 13 and 16..19; going back (a restart) is not a drop. */
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "drops"), 6);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), 6);
  gst_harness_teardown (h);
  gst_object_unref (sink);
}

GST_END_TEST;

/* Counts what GstDmaBufAllocator logs when its DMA_BUF_IOCTL_SYNC fails. */
static void
count_dmabuf_warnings (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file G_GNUC_UNUSED, const gchar * function G_GNUC_UNUSED,
    gint line G_GNUC_UNUSED, GObject * object G_GNUC_UNUSED,
    GstDebugMessage * message G_GNUC_UNUSED, gpointer user_data)
{
  if (level <= GST_LEVEL_WARNING &&
      strcmp (gst_debug_category_get_name (category), "dmabuf") == 0)
    g_atomic_int_inc ((gint *) user_data);
}

/* memfd buffers are no dma-bufs: mapping them sends no dma-buf ioctl,
 * so nothing fails and nothing is logged. */
GST_START_TEST (test_memfd_map_quiet)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd", NULL);
  GstHarness *h = sink_harness (sink, P2P_TEST_CAPS);
  GstBufferPool *pool;
  GstBuffer *buf = NULL;
  guint size, min, max, i;
  gboolean meta;
  gint warnings = 0;

  gst_debug_set_threshold_for_name ("dmabuf", GST_LEVEL_WARNING);
  gst_debug_add_log_function (count_dmabuf_warnings, &warnings, NULL);
  pool = query_pool (h, P2P_TEST_CAPS, &size, &min, &max, &meta, 0);
  activate (pool, TRUE);
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf, NULL),
      GST_FLOW_OK);
  fail_unless (gst_is_fd_memory (gst_buffer_peek_memory (buf, 0)));
  fail_if (gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0)),
      "memfd memory wrapped as a dma-buf");
  for (i = 0; i < 3; i++) {
    p2p_test_fill_buffer (buf, i);
    fail_unless (p2p_test_check_buffer (buf, i));
  }
  gst_debug_remove_log_function (count_dmabuf_warnings);
  fail_unless_equals_int (g_atomic_int_get (&warnings), 0);

  gst_buffer_unref (buf);
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
  gst_harness_teardown (h);
  gst_object_unref (sink);
}

GST_END_TEST;

/* The WARNING messages on @bus; the last one's GError in @err. */
static guint
pop_warnings (GstBus * bus, GError ** err)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    if (err) {
      g_clear_error (err);
      gst_message_parse_warning (msg, err, NULL);
    }
    gst_message_unref (msg);
    n++;
  }
  return n;
}

/* Upstream ignores the pool (v4l2src io-mode=mmap, a tee): every frame is
 * copied. Said once per stream, with the way out. */
GST_START_TEST (test_copy_warning)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd", NULL);
  GstBus *bus = p2p_test_bus (sink);
  GstHarness *h = sink_harness (sink, P2P_TEST_CAPS);
  GstBufferPool *pool;
  GstBuffer *buf = NULL;
  GError *err = NULL;
  guint size, min, max, i;
  gboolean meta;

  /* Frames in our pool: nothing to say. */
  pool = query_pool (h, P2P_TEST_CAPS, &size, &min, &max, &meta, 0);
  activate (pool, TRUE);
  for (i = 0; i < 2; i++) {
    fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf,
            NULL), GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  }
  fail_unless_equals_int (pop_warnings (bus, NULL), 0);

  for (i = 0; i < 3; i++)
    fail_unless_equals_int (gst_harness_push (h,
            p2p_test_sysmem_buffer (P2P_TEST_FRAME, i)), GST_FLOW_OK);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "copies"), 3);
  fail_unless_equals_int (pop_warnings (bus, &err), 1);
  GST_INFO ("%s", err->message);
  fail_unless (strstr (err->message, "copied") != NULL, "%s", err->message);
  fail_unless (strstr (err->message, "io-mode=dmabuf-import") != NULL, "%s",
      err->message);
  g_clear_error (&err);

  /* A new stream: said again, once. */
  fail_unless (gst_harness_push_event (h,
          gst_event_new_stream_start ("second")));
  for (i = 0; i < 2; i++)
    fail_unless_equals_int (gst_harness_push (h,
            p2p_test_sysmem_buffer (P2P_TEST_FRAME, i)), GST_FLOW_OK);
  fail_unless_equals_int (pop_warnings (bus, NULL), 1);

  gst_harness_teardown (h);
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
  p2p_test_bus_free (sink, bus);
  gst_object_unref (sink);
}

GST_END_TEST;

static Suite *
allocation_suite (void)
{
  Suite *s = suite_create ("p2p-allocation");
  TCase *tc = tcase_create ("allocation");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_answer);
  tcase_add_test (tc, test_answer_min);
  tcase_add_test (tc, test_pool_layout);
  tcase_add_test (tc, test_pool_alignment);
  tcase_add_test (tc, test_import_and_copy);
  tcase_add_test (tc, test_ring);
  tcase_add_test (tc, test_drops);
  tcase_add_test (tc, test_memfd_map_quiet);
  tcase_add_test (tc, test_copy_warning);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  return p2p_test_run (allocation_suite (), "allocation");
}
