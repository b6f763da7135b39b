/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* p2psink takes raw video, in system or DMABuf memory caps, and nothing else. */
#include "p2p-test.h"

static gboolean
sink_accepts (const gchar * caps_str)
{
  GstElement *sink = p2p_test_element ("p2psink", NULL);
  GstPad *pad = gst_element_get_static_pad (sink, "sink");
  GstCaps *caps = gst_caps_from_string (caps_str);
  gboolean ret;

  fail_unless (caps != NULL);
  ret = gst_pad_query_accept_caps (pad, caps);
  gst_caps_unref (caps);
  gst_object_unref (pad);
  gst_object_unref (sink);
  return ret;
}

GST_START_TEST (test_accept_raw_video)
{
  fail_unless (sink_accepts (P2P_TEST_CAPS));
  fail_unless (sink_accepts
      ("video/x-raw,format=NV12,width=1920,height=1080,framerate=60/1"));
  fail_unless (sink_accepts
      ("video/x-raw,format=I420,width=321,height=241,framerate=0/1"));
}

GST_END_TEST;

GST_START_TEST (test_accept_dmabuf_video)
{
  fail_unless (sink_accepts ("video/x-raw(memory:DMABuf),format=YUY2,"
          "width=640,height=480,framerate=30/1"));
  fail_unless (sink_accepts ("video/x-raw(memory:DMABuf),format=NV12,"
          "width=1280,height=720,framerate=30/1"));
}

GST_END_TEST;

GST_START_TEST (test_reject_others)
{
  fail_if (sink_accepts ("audio/x-raw,format=S16LE,rate=48000,channels=2,"
          "layout=interleaved"));
  fail_if (sink_accepts ("video/x-h264,stream-format=byte-stream,"
          "alignment=au"));
  fail_if (sink_accepts ("application/octet-stream"));
  fail_if (sink_accepts ("video/x-raw(memory:GLMemory),format=RGBA,"
          "width=64,height=64,framerate=30/1"));
}

GST_END_TEST;

/* Negotiated raw video flows; rejected caps do not let buffers in. */
GST_START_TEST (test_negotiation)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd", NULL);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  GstCaps *audio = gst_caps_from_string ("audio/x-raw,format=S16LE,"
      "rate=48000,channels=2,layout=interleaved");
  GstSegment segment;

  /* Sticky: stored on our pad, refused when the buffer brings it along. */
  gst_pad_push_event (h->srcpad, gst_event_new_caps (audio));
  gst_caps_unref (audio);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (h->srcpad, gst_event_new_segment (&segment));
  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (P2P_TEST_FRAME, 1)),
      GST_FLOW_NOT_NEGOTIATED);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), 0);

  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (P2P_TEST_FRAME, 1)), GST_FLOW_OK);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), 1);
  gst_harness_teardown (h);
  gst_object_unref (sink);
}

GST_END_TEST;

/* Caps changes mid-stream: the new frame size is used for copies. */
GST_START_TEST (test_renegotiation)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd", NULL);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);

  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (P2P_TEST_FRAME, 1)), GST_FLOW_OK);
  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=YUY2,width=128,height=16,framerate=30/1");
  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (4 * P2P_TEST_FRAME, 2)), GST_FLOW_OK);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "bytes"),
      5 * P2P_TEST_FRAME);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "copies"), 2);
  gst_harness_teardown (h);
  gst_object_unref (sink);
}

GST_END_TEST;

static Suite *
caps_suite (void)
{
  Suite *s = suite_create ("p2p-caps");
  TCase *tc = tcase_create ("caps");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_accept_raw_video);
  tcase_add_test (tc, test_accept_dmabuf_video);
  tcase_add_test (tc, test_reject_others);
  tcase_add_test (tc, test_negotiation);
  tcase_add_test (tc, test_renegotiation);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  return p2p_test_run (caps_suite (), "caps");
}
