/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * p2psrc: a file read into device memory, pushed as dma-buf memory with the
 * caps property (or as raw blocks); num-buffers, loop, errors; duration
 * and frame-addressed seeks.
 */
#include <string.h>

#include "p2p-test.h"

static GstHarness *
src_harness (GstElement * src)
{
  GstHarness *h = gst_harness_new_with_element (src, NULL, "src");

  gst_harness_play (h);
  return h;
}

/* Pull events until EOS; returns the caps seen (or NULL). */
static GstCaps *
wait_eos (GstHarness * h)
{
  GstCaps *caps = NULL;
  GstEvent *ev;

  while ((ev = gst_harness_pull_event (h))) {
    GstEventType type = GST_EVENT_TYPE (ev);

    if (type == GST_EVENT_CAPS) {
      GstCaps *c;

      gst_event_parse_caps (ev, &c);
      gst_caps_replace (&caps, c);
    }
    gst_event_unref (ev);
    if (type == GST_EVENT_EOS)
      return caps;
  }
  fail ("no EOS");
  return caps;
}

static void
check_frame (GstBuffer * buf, guint seed, guint64 index)
{
  GstMemory *mem;

  fail_unless (buf != NULL, "no buffer");
  fail_unless_equals_int (gst_buffer_get_size (buf), P2P_TEST_FRAME);
  fail_unless_equals_int (gst_buffer_n_memory (buf), 1);
  mem = gst_buffer_peek_memory (buf, 0);
  /* memfd is not a dma-buf: fd memory. */
  fail_unless (gst_is_fd_memory (mem), "not fd memory");
  fail_if (gst_is_dmabuf_memory (mem), "memfd memory wrapped as a dma-buf");
  fail_unless (p2p_test_check_buffer (buf, seed), "frame %" G_GUINT64_FORMAT
      " has the wrong bytes", index);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), index);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buf),
      gst_util_uint64_scale (index, GST_SECOND, 30));
  fail_unless (GST_BUFFER_DURATION_IS_VALID (buf));
}

GST_START_TEST (test_frames)
{
  gchar *dir = p2p_test_tmpdir ();
  /* 3 frames and a partial one, dropped. */
  gchar *path = p2p_test_write_file (dir, "in.yuv", P2P_TEST_FRAME, 3, 100);
  GstCaps *expected = gst_caps_from_string (P2P_TEST_CAPS);
  GstElement *src = p2p_test_element ("p2psrc", "provider", "memfd",
      "location", path, "caps", expected, NULL);
  GstHarness *h = src_harness (src);
  GstCaps *caps;
  gchar *str;
  guint i;

  for (i = 0; i < 3; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    check_frame (buf, i, i);
    gst_buffer_unref (buf);
  }
  caps = wait_eos (h);
  fail_unless (caps != NULL && gst_caps_is_equal (caps, expected),
      "caps %" GST_PTR_FORMAT, caps);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (src, "frames"), 3);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (src, "bytes"),
      3 * P2P_TEST_FRAME);
  str = p2p_test_stat_str (src, "provider");
  fail_unless_equals_string (str, "memfd");
  g_free (str);
  gst_caps_unref (caps);
  gst_caps_unref (expected);
  gst_harness_teardown (h);
  gst_object_unref (src);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

GST_START_TEST (test_num_buffers)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_write_file (dir, "in.yuv", P2P_TEST_FRAME, 5, 0);
  GstCaps *caps = gst_caps_from_string (P2P_TEST_CAPS);
  GstElement *src = p2p_test_element ("p2psrc", "provider", "memfd",
      "location", path, "caps", caps, "num-buffers", 2, NULL);
  GstHarness *h = src_harness (src);
  guint i;

  for (i = 0; i < 2; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    check_frame (buf, i, i);
    gst_buffer_unref (buf);
  }
  gst_caps_unref (wait_eos (h));
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  gst_object_unref (src);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

GST_START_TEST (test_loop)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_write_file (dir, "in.yuv", P2P_TEST_FRAME, 3, 10);
  GstCaps *caps = gst_caps_from_string (P2P_TEST_CAPS);
  GstElement *src = p2p_test_element ("p2psrc", "provider", "memfd",
      "location", path, "caps", caps, "loop", TRUE, "num-buffers", 8, NULL);
  GstHarness *h = src_harness (src);
  guint i;

  for (i = 0; i < 8; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    /* Timestamps and offsets keep counting across loops. */
    check_frame (buf, i % 3, i);
    gst_buffer_unref (buf);
  }
  gst_caps_unref (wait_eos (h));
  fail_unless_equals_uint64 (p2p_test_stat_u64 (src, "loops"), 2);
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  gst_object_unref (src);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

/* No caps: blocks of blocksize bytes, the last one short, byte offsets. */
GST_START_TEST (test_raw_blocks)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_write_file (dir, "in.bin", 1000, 2, 500);
  GstElement *src = p2p_test_element ("p2psrc", "provider", "memfd",
      "location", path, "blocksize", 1000, NULL);
  GstHarness *h = src_harness (src);
  const gsize sizes[] = { 1000, 1000, 500 };
  const guint seeds[] = { 0, 1, 99 };
  guint i;

  for (i = 0; i < 3; i++) {
    GstBuffer *buf = gst_harness_pull (h);

    fail_unless (buf != NULL);
    fail_unless_equals_int (gst_buffer_get_size (buf), sizes[i]);
    fail_unless (gst_is_fd_memory (gst_buffer_peek_memory (buf, 0)));
    fail_if (gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0)));
    fail_unless (p2p_test_check_buffer (buf, seeds[i]));
    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), i * 1000);
    gst_buffer_unref (buf);
  }
  fail_unless (wait_eos (h) == NULL, "raw blocks have no caps");
  fail_unless_equals_uint64 (p2p_test_stat_u64 (src, "bytes"), 2500);
  gst_harness_teardown (h);
  gst_object_unref (src);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

/* Downstream holding many buffers: the pool grows, nothing blocks. */
GST_START_TEST (test_downstream_holds)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_write_file (dir, "in.yuv", P2P_TEST_FRAME, 12, 0);
  GstCaps *caps = gst_caps_from_string (P2P_TEST_CAPS);
  GstElement *src = p2p_test_element ("p2psrc", "provider", "memfd",
      "location", path, "caps", caps, NULL);
  GstHarness *h = src_harness (src);
  GstBuffer *held[12];
  guint i;

  for (i = 0; i < 12; i++)
    held[i] = gst_harness_pull (h);
  for (i = 0; i < 12; i++) {
    check_frame (held[i], i, i);
    gst_buffer_unref (held[i]);
  }
  gst_caps_unref (wait_eos (h));
  gst_caps_unref (caps);
  gst_harness_teardown (h);
  gst_object_unref (src);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

static GError *
start_error (GstElement * element)
{
  GstBus *bus = p2p_test_bus (element);
  GstMessage *msg;
  GError *err = NULL;

  fail_unless_equals_int (gst_element_set_state (element, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  msg = p2p_test_pop_error (bus, &err);
  fail_unless (msg != NULL, "no ERROR message");
  gst_message_unref (msg);
  gst_element_set_state (element, GST_STATE_NULL);
  p2p_test_bus_free (element, bus);
  return err;
}

GST_START_TEST (test_errors)
{
  GstElement *src;
  GstCaps *caps;
  GError *err;

  src = p2p_test_element ("p2psrc", "provider", "memfd",
      "location", "/nonexistent-p2pbuf-dir/in.yuv", NULL);
  err = start_error (src);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_READ), "%s", err->message);
  g_error_free (err);
  gst_object_unref (src);

  src = p2p_test_element ("p2psrc", "provider", "memfd", NULL);
  err = start_error (src);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_FOUND), "%s", err->message);
  g_error_free (err);
  gst_object_unref (src);

  /* Raw video caps without a size cannot make frames. */
  caps = gst_caps_from_string ("video/x-raw,format=YUY2");
  src = p2p_test_element ("p2psrc", "provider", "memfd",
      "location", "/dev/null", "caps", caps, NULL);
  err = start_error (src);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS), "%s", err->message);
  g_error_free (err);
  gst_object_unref (src);
  gst_caps_unref (caps);
}

GST_END_TEST;

/* loop over a file without one whole frame: an error, not a busy loop. */
GST_START_TEST (test_loop_nothing)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_write_file (dir, "in.yuv", P2P_TEST_FRAME, 0, 100);
  GstCaps *caps = gst_caps_from_string (P2P_TEST_CAPS);
  GstElement *src = p2p_test_element ("p2psrc", "provider", "memfd",
      "location", path, "caps", caps, "loop", TRUE, NULL);
  GstBus *bus = p2p_test_bus (src);
  GstHarness *h = src_harness (src);
  GstMessage *msg;
  GError *err = NULL;

  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no ERROR");
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_READ), "%s", err->message);
  fail_unless_equals_int (gst_harness_buffers_in_queue (h), 0);
  g_error_free (err);
  gst_message_unref (msg);
  gst_harness_teardown (h);
  p2p_test_bus_free (src, bus);
  gst_object_unref (src);
  gst_caps_unref (caps);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

/* p2psrc ! fakesink, prerolled: the first buffer after a seek is the
 * last sample of the sink. */
static GstElement *
seek_pipeline (const gchar * path, GstElement ** sink)
{
  gchar *desc = g_strdup_printf ("p2psrc provider=memfd location=%s "
      "caps=\"" P2P_TEST_CAPS "\" ! fakesink name=sink sync=false", path);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);

  fail_unless (pipeline != NULL, "%s: %s", desc, error ? error->message : "");
  g_free (desc);
  *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_ASYNC);
  fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
          10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  return pipeline;
}

/* The prerolled buffer is frame @index of the file, at its time. */
static void
check_preroll (GstElement * sink, guint64 index)
{
  GstSample *sample = NULL;
  GstBuffer *buf;

  g_object_get (sink, "last-sample", &sample, NULL);
  fail_unless (sample != NULL, "nothing prerolled");
  buf = gst_sample_get_buffer (sample);
  fail_unless (buf != NULL);
  fail_unless_equals_uint64 (GST_BUFFER_OFFSET (buf), index);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buf),
      gst_util_uint64_scale (index, GST_SECOND, 30));
  fail_unless (p2p_test_check_buffer (buf, index), "frame %" G_GUINT64_FORMAT
      " has the wrong bytes", index);
  gst_sample_unref (sample);
}

static void
seek_and_check (GstElement * pipeline, GstElement * sink, GstFormat format,
    gint64 position, guint64 index)
{
  fail_unless (gst_element_seek (pipeline, 1.0, format,
          GST_SEEK_FLAG_FLUSH, GST_SEEK_TYPE_SET, position,
          GST_SEEK_TYPE_NONE, -1), "%s seek to %" G_GINT64_FORMAT " refused",
      gst_format_get_name (format), position);
  fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
          10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
  check_preroll (sink, index);
}

/* Duration: frames in the file by the frame duration; seeks land on frame
 * boundaries, in TIME, DEFAULT and BUFFERS. */
GST_START_TEST (test_duration_and_seek)
{
  gchar *dir = p2p_test_tmpdir ();
  /* 10 frames and a partial one (not counted). */
  gchar *path = p2p_test_write_file (dir, "in.yuv", P2P_TEST_FRAME, 10, 100);
  GstElement *sink, *pipeline = seek_pipeline (path, &sink);
  GstQuery *query;
  gint64 duration = -1;
  gboolean seekable = FALSE;

  fail_unless (gst_element_query_duration (pipeline, GST_FORMAT_TIME,
          &duration), "no duration in TIME");
  fail_unless_equals_int64 (duration, gst_util_uint64_scale (10, GST_SECOND,
          30));
  fail_unless (gst_element_query_duration (pipeline, GST_FORMAT_DEFAULT,
          &duration), "no duration in frames");
  fail_unless_equals_int64 (duration, 10);
  query = gst_query_new_seeking (GST_FORMAT_TIME);
  fail_unless (gst_element_query (pipeline, query));
  gst_query_parse_seeking (query, NULL, &seekable, NULL, NULL);
  fail_unless (seekable, "not seekable in TIME");
  gst_query_unref (query);

  check_preroll (sink, 0);
  /* Exactly frame 4; within frame 6; back to frame 1. */
  seek_and_check (pipeline, sink, GST_FORMAT_TIME,
      gst_util_uint64_scale (4, GST_SECOND, 30), 4);
  seek_and_check (pipeline, sink, GST_FORMAT_TIME,
      gst_util_uint64_scale (6, GST_SECOND, 30) + GST_MSECOND, 6);
  seek_and_check (pipeline, sink, GST_FORMAT_TIME,
      gst_util_uint64_scale (1, GST_SECOND, 30), 1);
  /* By frame number. */
  seek_and_check (pipeline, sink, GST_FORMAT_DEFAULT, 7, 7);
  seek_and_check (pipeline, sink, GST_FORMAT_BUFFERS, 3, 3);

  /* And it plays on from there to the end: frames 3..9. */
  {
    GstBus *bus = gst_element_get_bus (pipeline);
    GstMessage *msg;

    fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
        "no EOS after the seek");
    gst_message_unref (msg);
    gst_object_unref (bus);
    check_preroll (sink, 9);
  }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

static Suite *
src_suite (void)
{
  Suite *s = suite_create ("p2p-src");
  TCase *tc = tcase_create ("src");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_frames);
  tcase_add_test (tc, test_num_buffers);
  tcase_add_test (tc, test_loop);
  tcase_add_test (tc, test_raw_blocks);
  tcase_add_test (tc, test_downstream_holds);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_loop_nothing);
  tcase_add_test (tc, test_duration_and_seek);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  return p2p_test_run (src_suite (), "src");
}
