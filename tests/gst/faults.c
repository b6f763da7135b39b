/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Faults this host cannot produce, injected by interposition: this program
 * defines fsync() and exports it (export_dynamic in meson.build), so the
 * plugin's calls land here first. Disarmed, it calls the real one (dlsym
 * RTLD_NEXT).
 *
 * - fsync() of the output file fails: the end of the stream is an error,
 *   not a success.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "p2p-test.h"

/* Armed by the tests; every test runs in its own (forked) process. */
static const gchar *fsync_fail_path;
static gint fsync_fail_errno;

int
fsync (int fd)
{
  static int (*real_fsync) (int);
  gchar link[64], target[PATH_MAX];
  gssize n;

  if (fsync_fail_path) {
    g_snprintf (link, sizeof (link), "/proc/self/fd/%d", fd);
    n = readlink (link, target, sizeof (target) - 1);
    if (n > 0) {
      target[n] = '\0';
      if (strcmp (target, fsync_fail_path) == 0) {
        errno = fsync_fail_errno;
        return -1;
      }
    }
  }
  if (!real_fsync)
    real_fsync = (int (*)(int)) dlsym (RTLD_NEXT, "fsync");
  return real_fsync (fd);
}

/* EOS after a failed final fsync: @errnum, expected error @code. */
static void
check_eos_sync_failure (gint errnum, GstResourceError code)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_path (dir, "x.yuv");
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "location", path, NULL);
  GstBus *bus = p2p_test_bus (sink);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  GstMessage *msg;
  GError *err = NULL;

  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (P2P_TEST_FRAME, 1)), GST_FLOW_OK);

  fsync_fail_path = path;
  fsync_fail_errno = errnum;
  fail_if (gst_harness_push_event (h, gst_event_new_eos ()),
      "EOS accepted although the file could not be synced");
  fsync_fail_path = NULL;

  msg = p2p_test_pop_error (bus, &err);
  fail_unless (msg != NULL, "failed fsync at EOS not posted as an error");
  GST_INFO ("%s", err->message);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR, code), "%s",
      err->message);
  fail_unless (strstr (err->message, path) != NULL, "%s", err->message);
  fail_unless (strstr (err->message, g_strerror (errnum)) != NULL, "%s",
      err->message);
  g_error_free (err);
  gst_message_unref (msg);
  /* No success: neither the EOS message nor the end-of-stream summary. */
  fail_if ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_EOS)) != NULL,
      "EOS posted after a failed fsync");
  fail_if ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) != NULL,
      "p2psink-stats posted after a failed fsync");

  gst_harness_teardown (h);
  gst_object_unref (bus);
  gst_object_unref (sink);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_START_TEST (test_eos_sync_failure)
{
  check_eos_sync_failure (EIO, GST_RESOURCE_ERROR_WRITE);
  check_eos_sync_failure (ENOSPC, GST_RESOURCE_ERROR_NO_SPACE_LEFT);
}

GST_END_TEST;

static Suite *
faults_suite (void)
{
  Suite *s = suite_create ("p2p-faults");
  TCase *tc = tcase_create ("faults");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_eos_sync_failure);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  return p2p_test_run (faults_suite (), "faults");
}
