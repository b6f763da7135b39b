/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p2psink location=...: every frame, imported or copied, lands in the file
 * byte for byte; EOS posts the statistics.
 */
#include <string.h>

#include "p2p-test.h"

static GstBuffer *
pool_buffer (GstHarness * h, GstBufferPool ** pool, guint seed)
{
  GstBuffer *buf = p2p_test_pool_buffer (h, pool, P2P_TEST_CAPS);

  p2p_test_fill_buffer (buf, seed);
  return buf;
}

static void
drop_pool (GstBufferPool * pool)
{
  if (!pool)
    return;
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
}

GST_START_TEST (test_file_identical)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_path (dir, "frames.yuv");
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "location", path, NULL);
  GstBus *bus = p2p_test_bus (sink);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  GstBufferPool *pool = NULL;
  /* imported, copied, copied with sizeimage padding, imported */
  const gsize sizes[] = { P2P_TEST_FRAME, P2P_TEST_FRAME, P2P_TEST_FRAME + 256,
    P2P_TEST_FRAME
  };
  const gboolean ours[] = { TRUE, FALSE, FALSE, TRUE };
  gsize total = 0, off = 0, len = 0;
  GstMessage *msg;
  gchar *contents = NULL, *str;
  guint i;

  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    GstBuffer *buf = ours[i] ? pool_buffer (h, &pool, i) :
        p2p_test_sysmem_buffer (sizes[i], i);

    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
    /* Past the frame size of the caps is padding (a driver's sizeimage):
     * not part of the file. */
    total += MIN (sizes[i], P2P_TEST_FRAME);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), 4);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "bytes"), total);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "imports"), 2);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "copies"), 2);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "held"), 0);
  str = p2p_test_stat_str (sink, "path");
  fail_unless_equals_string (str, "mixed+pwrite");
  g_free (str);

  /* The summary at EOS. */
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL, "no element message at EOS");
  fail_unless (gst_message_has_name (msg, "p2psink-stats"));
  {
    guint64 frames = 0;

    fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg),
            "frames", &frames));
    fail_unless_equals_uint64 (frames, 4);
  }
  gst_message_unref (msg);
  fail_if (p2p_test_pop_error (bus, NULL) != NULL);

  gst_harness_teardown (h);
  drop_pool (pool);

  fail_unless (g_file_get_contents (path, &contents, &len, NULL));
  fail_unless_equals_uint64 (len, total);
  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    fail_unless (p2p_test_check ((guint8 *) contents + off, P2P_TEST_FRAME,
            i), "frame %u differs in the file", i);
    off += P2P_TEST_FRAME;
  }
  g_free (contents);
  p2p_test_bus_free (sink, bus);
  gst_object_unref (sink);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

/* The file is complete when the element stops, even without EOS. */
GST_START_TEST (test_file_complete_on_stop)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_path (dir, "frames.yuv");
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "location", path, NULL);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  GstBufferPool *pool = NULL;
  gchar *contents = NULL;
  gsize len = 0;
  guint i;

  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  for (i = 0; i < 10; i++)
    fail_unless_equals_int (gst_harness_push (h, pool_buffer (h, &pool, i)),
        GST_FLOW_OK);
  gst_harness_teardown (h);
  drop_pool (pool);
  fail_unless (g_file_get_contents (path, &contents, &len, NULL));
  fail_unless_equals_uint64 (len, 10 * P2P_TEST_FRAME);
  for (i = 0; i < 10; i++)
    fail_unless (p2p_test_check ((guint8 *) contents + i * P2P_TEST_FRAME,
            P2P_TEST_FRAME, i));
  g_free (contents);
  gst_object_unref (sink);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

/* An existing file is replaced, like filesink. */
GST_START_TEST (test_file_truncated)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_write_file (dir, "old.yuv", 4096, 4, 0);
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "location", path, NULL);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  gchar *contents = NULL;
  gsize len = 0;

  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (P2P_TEST_FRAME, 3)), GST_FLOW_OK);
  gst_harness_teardown (h);
  fail_unless (g_file_get_contents (path, &contents, &len, NULL));
  fail_unless_equals_uint64 (len, P2P_TEST_FRAME);
  fail_unless (p2p_test_check ((guint8 *) contents, len, 3));
  g_free (contents);
  gst_object_unref (sink);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

#define PAD_BYTE 0xee
#define ROWS 8
#define ROW 128                 /* 64 YUY2 pixels */

/* Row @r of frame @seed, as the file must hold it. */
static void
fill_row (guint8 * data, guint seed, guint r)
{
  p2p_test_fill (data, ROW, seed * ROWS + r);
}

/* A system-memory frame laid out with @stride and plane @offset, padded
 * with PAD_BYTE, and @tail bytes after it (sizeimage padding). */
static GstBuffer *
padded_sysmem_frame (guint seed, gint stride, gsize offset, gsize tail)
{
  gsize size = offset + (gsize) stride * ROWS + tail;
  GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);
  gsize offsets[GST_VIDEO_MAX_PLANES] = { offset };
  gint strides[GST_VIDEO_MAX_PLANES] = { stride };
  GstMapInfo map;
  guint r;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  memset (map.data, PAD_BYTE, size);
  for (r = 0; r < ROWS; r++)
    fill_row (map.data + offset + (gsize) stride * r, seed, r);
  gst_buffer_unmap (buf, &map);
  gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_FORMAT_YUY2, 64, ROWS, 1, offsets, strides);
  return buf;
}

/* Fill a frame through its GstVideoMeta (what upstream does). */
static void
fill_through_meta (GstBuffer * buf, guint seed)
{
  GstVideoMeta *meta = gst_buffer_get_video_meta (buf);
  GstMapInfo map;
  guint r;

  fail_unless (meta != NULL);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  memset (map.data, PAD_BYTE, map.size);
  for (r = 0; r < ROWS; r++)
    fill_row (map.data + meta->offset[0] + (gsize) meta->stride[0] * r,
        seed, r);
  gst_buffer_unmap (buf, &map);
}

/* Buffers whose GstVideoMeta has a padded layout (a driver's bytesperline,
 * a plane offset, a sizeimage tail), copied and imported: the file holds
 * the visible rows only, packed, frame after frame. */
GST_START_TEST (test_file_packed)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_path (dir, "frames.yuv");
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "location", path, NULL);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  GstCaps *caps = gst_caps_from_string (P2P_TEST_CAPS);
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  GstBufferPool *pool = NULL;
  GstStructure *config;
  GstVideoAlignment align;
  GstBuffer *buf = NULL;
  gchar *contents = NULL;
  gsize len = 0;
  guint i, r;

  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  /* Copied: stride 192 instead of 128, 64 bytes before the plane, 512
   * bytes of sizeimage padding. */
  fail_unless_equals_int (gst_harness_push (h,
          padded_sysmem_frame (0, 192, 64, 512)), GST_FLOW_OK);
  /* Copied: packed rows, sizeimage padding only. */
  fail_unless_equals_int (gst_harness_push (h,
          padded_sysmem_frame (1, ROW, 0, 300)), GST_FLOW_OK);

  /* Imported: our pool, asked for 16 pixels of padding on the right and
   * 2 rows below (GstVideoAlignment, as a V4L2 driver's format). */
  fail_unless (gst_pad_peer_query (h->srcpad, query));
  gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, NULL, NULL);
  fail_unless (pool != NULL);
  config = gst_buffer_pool_get_config (pool);
  gst_video_alignment_reset (&align);
  align.padding_right = 16;
  align.padding_bottom = 2;
  gst_buffer_pool_config_add_option (config,
      GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_buffer_pool_config_add_option (config,
      GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT);
  gst_buffer_pool_config_set_video_alignment (config, &align);
  if (!gst_buffer_pool_set_config (pool, config)) {
    config = gst_buffer_pool_get_config (pool);
    fail_unless (gst_buffer_pool_set_config (pool, config));
  }
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf, NULL),
      GST_FLOW_OK);
  fail_unless (gst_buffer_get_video_meta (buf)->stride[0] > ROW,
      "the pool did not pad the rows");
  fill_through_meta (buf, 2);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);

  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), 3);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "bytes"),
      3 * P2P_TEST_FRAME);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "repacked"), 2);
  gst_harness_teardown (h);
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);

  fail_unless (g_file_get_contents (path, &contents, &len, NULL));
  fail_unless_equals_uint64 (len, 3 * P2P_TEST_FRAME);
  for (i = 0; i < 3; i++) {
    for (r = 0; r < ROWS; r++) {
      guint8 row[ROW];

      fill_row (row, i, r);
      fail_unless (memcmp (contents + i * P2P_TEST_FRAME + r * ROW, row,
              ROW) == 0, "frame %u row %u is not where a packed frame has "
          "it", i, r);
    }
  }
  g_free (contents);
  gst_query_unref (query);
  gst_caps_unref (caps);
  gst_object_unref (sink);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

/* pad-frames without direct I/O (memfd): the file looks as a direct
 * writer's would, every frame completed with zeros to 4096 bytes. */
GST_START_TEST (test_pad_frames)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_path (dir, "frames.yuv");
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "location", path, "pad-frames", TRUE, NULL);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  gchar *contents = NULL;
  gsize len = 0, j;
  guint i;

  /* 960-byte frames. */
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=YUY2,width=60,height=8,framerate=30/1");
  for (i = 0; i < 3; i++)
    fail_unless_equals_int (gst_harness_push (h,
            p2p_test_sysmem_buffer (960, i)), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "bytes"), 3 * 960);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "padding"),
      3 * (4096 - 960));
  gst_harness_teardown (h);

  fail_unless (g_file_get_contents (path, &contents, &len, NULL));
  fail_unless_equals_uint64 (len, 3 * 4096);
  for (i = 0; i < 3; i++) {
    fail_unless (p2p_test_check ((guint8 *) contents + i * 4096, 960, i),
        "frame %u differs in the file", i);
    for (j = 960; j < 4096; j++)
      fail_unless (contents[i * 4096 + j] == 0, "frame %u: padding byte %"
          G_GSIZE_FORMAT " is not zero", i, j);
  }
  g_free (contents);
  gst_object_unref (sink);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

static Suite *
write_suite (void)
{
  Suite *s = suite_create ("p2p-write");
  TCase *tc = tcase_create ("write");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_file_identical);
  tcase_add_test (tc, test_file_complete_on_stop);
  tcase_add_test (tc, test_file_truncated);
  tcase_add_test (tc, test_file_packed);
  tcase_add_test (tc, test_pad_frames);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  return p2p_test_run (write_suite (), "write");
}
