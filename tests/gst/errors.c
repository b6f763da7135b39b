/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Errors a user can act on: a provider that cannot be opened (with
 * libp2pbuf's hint), a file that cannot be written (full file system, short
 * write), device memory that cannot be allocated.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <p2pbuf/p2pbuf.h>

#include "p2p-test.h"

/* Start @element alone; expect failure and return the first error. */
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

static void
check_provider_error (const gchar * factory, const gchar * spec)
{
  struct p2pbuf_provider *prov = NULL;
  GstElement *e = p2p_test_element (factory, "provider", spec,
      "location", "/dev/null", NULL);
  const gchar *hint;
  GError *err;
  gint ret;

  ret = p2pbuf_provider_open (spec, &prov);
  fail_unless (ret < 0, "%s opened: this test needs a provider that is "
      "missing everywhere", spec);
  hint = p2pbuf_error_hint (ret, spec);
  err = start_error (e);
  GST_INFO ("%s: %s", spec, err->message);
  fail_unless (err->domain == GST_RESOURCE_ERROR);
  fail_unless (strstr (err->message, spec) != NULL,
      "'%s' does not name the provider", err->message);
  if (hint[0])
    fail_unless (strstr (err->message, hint) != NULL,
        "'%s' lacks the hint '%s'", err->message, hint);
  g_error_free (err);
  gst_object_unref (e);
}

GST_START_TEST (test_provider_missing)
{
  /* No module here (ENODEV), or no such node (ENOENT) in the VM. */
  check_provider_error ("p2psink", "name:p2pbuf-test-no-such-node");
  check_provider_error ("p2psink", "pci:0000:ff:1f.7/bar5");
  check_provider_error ("p2psrc", "name:p2pbuf-test-no-such-node");
  check_provider_error ("p2psink", "heap:p2pbuf-test-no-such-heap");
}

GST_END_TEST;

GST_START_TEST (test_provider_malformed)
{
  GstElement *e = p2p_test_element ("p2psink", "provider", "pci:zz", NULL);
  GError *err = start_error (e);

  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS));
  fail_unless (strstr (err->message, "pci:zz") != NULL);
  g_error_free (err);
  gst_object_unref (e);

  e = p2p_test_element ("p2psink", "provider", "bogus", NULL);
  err = start_error (e);
  fail_unless (strstr (err->message, "memfd") != NULL,
      "'%s' does not list the specs", err->message);
  g_error_free (err);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_provider_unset)
{
  GstElement *e = p2p_test_element ("p2psink", NULL);
  GError *err = start_error (e);

  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS));
  fail_unless (strstr (err->message, "provider") != NULL);
  g_error_free (err);
  gst_object_unref (e);

  e = p2p_test_element ("p2psrc", "location", "/dev/null", NULL);
  err = start_error (e);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS));
  g_error_free (err);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_location_unwritable)
{
  GstElement *e = p2p_test_element ("p2psink", "provider", "memfd",
      "location", "/nonexistent-p2pbuf-dir/x.yuv", NULL);
  GError *err = start_error (e);

  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_OPEN_WRITE));
  fail_unless (strstr (err->message, "/nonexistent-p2pbuf-dir/x.yuv") != NULL);
  g_error_free (err);
  gst_object_unref (e);
}

GST_END_TEST;

/* A full file system: the frame is not written, the pipeline errors out
 * with NO_SPACE_LEFT and says the storage is full. */
GST_START_TEST (test_disk_full)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "location", "/dev/full", NULL);
  GstBus *bus = p2p_test_bus (sink);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  GstMessage *msg;
  GError *err = NULL;

  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (P2P_TEST_FRAME, 1)), GST_FLOW_ERROR);
  msg = p2p_test_pop_error (bus, &err);
  fail_unless (msg != NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NO_SPACE_LEFT), "%s", err->message);
  fail_unless (strstr (err->message, "/dev/full") != NULL);
  fail_unless (strstr (err->message, "storage is full") != NULL, "%s",
      err->message);
  fail_unless (strstr (err->message, g_strerror (ENOSPC)) != NULL);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), 0);
  g_error_free (err);
  gst_message_unref (msg);
  gst_harness_teardown (h);
  p2p_test_bus_free (sink, bus);
  gst_object_unref (sink);
}

GST_END_TEST;

/* A file size limit cuts the second frame short: a short write is an error
 * and the first frame is on disk in full. */
GST_START_TEST (test_short_write)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_path (dir, "short.yuv");
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "location", path, NULL);
  GstBus *bus = p2p_test_bus (sink);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  struct rlimit old, lim;
  GstMessage *msg;
  GError *err = NULL;
  gchar *contents = NULL;
  gsize len = 0;

  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (P2P_TEST_FRAME, 1)), GST_FLOW_OK);

  /* After the first frame: the limit also applies to memfd sizes. */
  signal (SIGXFSZ, SIG_IGN);
  fail_unless (getrlimit (RLIMIT_FSIZE, &old) == 0);
  lim = old;
  lim.rlim_cur = P2P_TEST_FRAME + P2P_TEST_FRAME / 2;
  fail_unless (setrlimit (RLIMIT_FSIZE, &lim) == 0);
  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (P2P_TEST_FRAME, 2)), GST_FLOW_ERROR);
  fail_unless (setrlimit (RLIMIT_FSIZE, &old) == 0);

  msg = p2p_test_pop_error (bus, &err);
  fail_unless (msg != NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_WRITE), "%s", err->message);
  fail_unless (strstr (err->message, "Short write") != NULL, "%s",
      err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_harness_teardown (h);

  fail_unless (g_file_get_contents (path, &contents, &len, NULL));
  fail_unless (len >= P2P_TEST_FRAME);
  fail_unless (p2p_test_check ((guint8 *) contents, P2P_TEST_FRAME, 1));
  g_free (contents);
  p2p_test_bus_free (sink, bus);
  gst_object_unref (sink);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

/* Device memory cannot be allocated (here: no fd left for a new buffer):
 * the error names the provider and says what to do. */
GST_START_TEST (test_alloc_failure)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd", NULL);
  GstBus *bus = p2p_test_bus (sink);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  struct rlimit old, lim;
  GstMessage *msg;
  GError *err = NULL;
  gint lowest;
  guint i;

  /* The ring keeps both buffers the copy pool starts with: the third
   * frame needs a new one. */
  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  for (i = 0; i < 2; i++)
    fail_unless_equals_int (gst_harness_push (h,
            p2p_test_sysmem_buffer (P2P_TEST_FRAME, i)), GST_FLOW_OK);
  lowest = dup (0);
  fail_unless (lowest >= 0);
  close (lowest);
  fail_unless (getrlimit (RLIMIT_NOFILE, &old) == 0);
  lim = old;
  lim.rlim_cur = lowest;
  fail_unless (setrlimit (RLIMIT_NOFILE, &lim) == 0);
  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (P2P_TEST_FRAME, 2)), GST_FLOW_ERROR);
  fail_unless (setrlimit (RLIMIT_NOFILE, &old) == 0);

  msg = p2p_test_pop_error (bus, &err);
  fail_unless (msg != NULL);
  fail_unless (err->domain == GST_RESOURCE_ERROR);
  fail_unless (strstr (err->message, "\"memfd\"") != NULL, "%s",
      err->message);
  fail_unless (strstr (err->message, p2pbuf_error_hint (-EMFILE, "alloc"))
      != NULL, "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_harness_teardown (h);
  p2p_test_bus_free (sink, bus);
  gst_object_unref (sink);
}

GST_END_TEST;

static Suite *
errors_suite (void)
{
  Suite *s = suite_create ("p2p-errors");
  TCase *tc = tcase_create ("errors");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_provider_missing);
  tcase_add_test (tc, test_provider_malformed);
  tcase_add_test (tc, test_provider_unset);
  tcase_add_test (tc, test_location_unwritable);
  tcase_add_test (tc, test_disk_full);
  tcase_add_test (tc, test_short_write);
  tcase_add_test (tc, test_alloc_failure);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  return p2p_test_run (errors_suite (), "errors");
}
