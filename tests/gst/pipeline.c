/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Whole pipelines, as users write them: videotestsrc into device memory and
 * a file, and a file back through device memory into another file. Skipped
 * (77) without videotestsrc (gstreamer1.0-plugins-base).
 */
#include <string.h>

#include "p2p-test.h"

#define W 320
#define H 240
#define N 30
#define FRAME (W * H * 2)
#define CAPS "video/x-raw,format=YUY2,width=320,height=240,framerate=30/1"

/* Run @desc to EOS; returns the pipeline (in NULL state) for inspection. */
static GstElement *
run (const gchar * desc)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);
  GstBus *bus;
  GstMessage *msg;

  fail_unless (pipeline != NULL, "%s: %s", desc, error ? error->message : "");
  bus = gst_element_get_bus (pipeline);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "%s: timeout", desc);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &error, &dbg);
    fail ("%s: %s (%s)", desc, error->message, dbg);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return pipeline;
}

static GstElement *
sink_of (GstElement * pipeline)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");

  fail_unless (sink != NULL);
  return sink;
}

static void
check_same_file (const gchar * a, const gchar * b, gsize size)
{
  gchar *ca = NULL, *cb = NULL;
  gsize la = 0, lb = 0;

  fail_unless (g_file_get_contents (a, &ca, &la, NULL));
  fail_unless (g_file_get_contents (b, &cb, &lb, NULL));
  fail_unless_equals_uint64 (la, size);
  fail_unless_equals_uint64 (lb, size);
  fail_unless (memcmp (ca, cb, size) == 0, "%s and %s differ", a, b);
  g_free (ca);
  g_free (cb);
}

GST_START_TEST (test_capture_to_file)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *x = p2p_test_path (dir, "x.yuv");
  gchar *ref = p2p_test_path (dir, "ref.yuv");
  gchar *desc;
  GstElement *pipeline, *sink;
  gchar *path;

  /* videotestsrc fills buffers of our pool: device memory, no copy. */
  desc = g_strdup_printf ("videotestsrc num-buffers=%d ! " CAPS " ! "
      "p2psink name=sink provider=memfd location=%s", N, x);
  pipeline = run (desc);
  g_free (desc);
  sink = sink_of (pipeline);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), N);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "bytes"),
      (guint64) N * FRAME);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "imports"), N);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "copies"), 0);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "drops"), 0);
  path = p2p_test_stat_str (sink, "path");
  fail_unless_equals_string (path, "import+pwrite");
  g_free (path);
  gst_object_unref (sink);
  gst_object_unref (pipeline);

  desc = g_strdup_printf ("videotestsrc num-buffers=%d ! " CAPS " ! "
      "filesink location=%s", N, ref);
  gst_object_unref (run (desc));
  g_free (desc);
  check_same_file (x, ref, (gsize) N * FRAME);

  g_free (x);
  g_free (ref);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

GST_START_TEST (test_file_to_file)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *x = p2p_test_path (dir, "x.yuv");
  gchar *y = p2p_test_path (dir, "y.yuv");
  GstElement *pipeline, *sink;
  gchar *desc;

  desc = g_strdup_printf ("videotestsrc num-buffers=%d pattern=ball ! " CAPS
      " ! p2psink provider=memfd location=%s", N, x);
  gst_object_unref (run (desc));
  g_free (desc);

  /* p2psrc's buffers are device memory already: p2psink imports them. */
  desc = g_strdup_printf ("p2psrc provider=memfd location=%s caps=\"" CAPS
      "\" num-buffers=%d ! p2psink name=sink provider=memfd location=%s",
      x, N, y);
  pipeline = run (desc);
  g_free (desc);
  sink = sink_of (pipeline);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), N);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "copies"), 0);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  check_same_file (x, y, (gsize) N * FRAME);

  g_free (x);
  g_free (y);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

/* A tee in front: buffers are not ours, they are copied, still identical. */
GST_START_TEST (test_copy_path)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *x = p2p_test_path (dir, "x.yuv");
  gchar *y = p2p_test_path (dir, "y.yuv");
  GstElement *pipeline, *sink;
  gchar *desc;

  desc = g_strdup_printf ("videotestsrc num-buffers=%d pattern=ball ! " CAPS
      " ! tee name=t ! queue ! p2psink name=sink provider=memfd location=%s "
      "t. ! queue ! filesink location=%s", N, x, y);
  pipeline = run (desc);
  g_free (desc);
  sink = sink_of (pipeline);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), N);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "copies"), N);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  check_same_file (x, y, (gsize) N * FRAME);

  g_free (x);
  g_free (y);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

static Suite *
pipeline_suite (void)
{
  Suite *s = suite_create ("p2p-pipeline");
  TCase *tc = tcase_create ("pipeline");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_capture_to_file);
  tcase_add_test (tc, test_file_to_file);
  tcase_add_test (tc, test_copy_path);
  return s;
}

int
main (int argc, char **argv)
{
  GstElementFactory *f;

  gst_check_init (&argc, &argv);
  f = gst_element_factory_find ("videotestsrc");
  if (!f) {
    g_printerr ("videotestsrc not found (gstreamer1.0-plugins-base): skip\n");
    return 77;
  }
  gst_object_unref (f);
  return p2p_test_run (pipeline_suite (), "pipeline");
}
