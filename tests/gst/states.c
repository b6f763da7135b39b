/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * State changes and flushing seeks, over and over: p2psrc ! p2psink
 * through NULL, PLAYING, PAUSED, READY, with flushing seeks while paused
 * and playing. Nothing may fail, hang or leak (the leaks-* tests run this
 * program, and the others, under the leaks tracer).
 */
#include <string.h>

#include "p2p-test.h"

#define FRAMES 30
#define CYCLES 5

/* No ERROR (or WARNING) message on @bus so far. */
static void
check_quiet (GstBus * bus, guint cycle)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus,
              GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gchar *dbg = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &err, &dbg);
    else
      gst_message_parse_warning (msg, &err, &dbg);
    fail ("cycle %u: %s from %s: %s (%s)", cycle,
        GST_MESSAGE_TYPE_NAME (msg), GST_OBJECT_NAME (msg->src),
        err->message, dbg);
  }
}

static void
set_state (GstElement * pipeline, GstState state, guint cycle)
{
  GstStateChangeReturn ret = gst_element_set_state (pipeline, state);

  fail_if (ret == GST_STATE_CHANGE_FAILURE, "cycle %u: to %s failed", cycle,
      gst_element_state_get_name (state));
  fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
          10 * GST_SECOND), state == GST_STATE_PAUSED ||
      state == GST_STATE_PLAYING ? GST_STATE_CHANGE_SUCCESS : ret);
}

static void
flush_seek (GstElement * pipeline, guint frame, guint cycle)
{
  fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_DEFAULT,
          GST_SEEK_FLAG_FLUSH, frame), "cycle %u: seek to frame %u refused",
      cycle, frame);
  fail_unless_equals_int (gst_element_get_state (pipeline, NULL, NULL,
          10 * GST_SECOND), GST_STATE_CHANGE_SUCCESS);
}

static void
run_cycles (const gchar * sink_props)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *in = p2p_test_write_file (dir, "in.yuv", P2P_TEST_FRAME, FRAMES, 0);
  gchar *desc;
  GstElement *pipeline, *sink;
  GError *error = NULL;
  GstBus *bus;
  guint c;

  /* Playing as fast as it can, looping: seeks land while frames flow. */
  desc = g_strdup_printf ("p2psrc provider=memfd loop=true location=%s "
      "caps=\"" P2P_TEST_CAPS "\" ! p2psink name=sink provider=memfd %s",
      in, sink_props);
  pipeline = gst_parse_launch (desc, &error);
  fail_unless (pipeline != NULL, "%s: %s", desc, error ? error->message : "");
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  bus = gst_element_get_bus (pipeline);

  for (c = 0; c < CYCLES; c++) {
    set_state (pipeline, GST_STATE_PLAYING, c);
    flush_seek (pipeline, (c * 7) % FRAMES, c);
    g_usleep (10 * 1000);
    set_state (pipeline, GST_STATE_PAUSED, c);
    flush_seek (pipeline, (c * 11 + 3) % FRAMES, c);
    flush_seek (pipeline, 0, c);
    fail_unless (p2p_test_stat_u64 (sink, "frames") > 0,
        "cycle %u: nothing rendered", c);
    set_state (pipeline, GST_STATE_READY, c);
    check_quiet (bus, c);
    if (c % 2)
      set_state (pipeline, GST_STATE_NULL, c);
  }
  set_state (pipeline, GST_STATE_NULL, c);
  check_quiet (bus, c);

  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (in);
  p2p_test_rmdir (dir);
}

/* Frames kept in device memory (the ring). */
GST_START_TEST (test_cycles_ring)
{
  run_cycles ("ring-size=4");
}

GST_END_TEST;

/* Frames written to a file. */
GST_START_TEST (test_cycles_file)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *out = p2p_test_path (dir, "out.yuv");
  gchar *props = g_strdup_printf ("location=%s", out);

  run_cycles (props);
  g_free (props);
  g_free (out);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

static Suite *
states_suite (void)
{
  Suite *s = suite_create ("p2p-states");
  TCase *tc = tcase_create ("states");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_cycles_ring);
  tcase_add_test (tc, test_cycles_file);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  return p2p_test_run (states_suite (), "states");
}
