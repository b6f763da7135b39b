/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Property defaults, ranges, flags and documentation of p2psink and p2psrc. */
#include <string.h>

#include "p2p-test.h"

GST_START_TEST (test_sink_defaults)
{
  GstElement *sink = p2p_test_element ("p2psink", NULL);
  gchar *provider = NULL, *location = NULL, *path;
  GstStructure *stats = NULL;
  gboolean sync;
  guint ring;

  g_object_get (sink, "provider", &provider, "location", &location,
      "ring-size", &ring, "sync", &sync, "stats", &stats, NULL);
  fail_unless (provider == NULL);
  fail_unless (location == NULL);
  fail_unless_equals_int (ring, 8);
  fail_unless (!sync, "a storage sink should not sync on the clock");
  fail_unless (stats != NULL);
  fail_unless (gst_structure_has_name (stats, "p2psink-stats"));
  fail_unless (gst_structure_has_field (stats, "drops"));
  fail_unless (gst_structure_has_field (stats, "provider"));
  fail_unless (gst_structure_has_field (stats, "route"));
  gst_structure_free (stats);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), 0);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "copies"), 0);
  path = p2p_test_stat_str (sink, "path");
  fail_unless_equals_string (path, "none+ring");
  g_free (path);
  gst_object_unref (sink);
}

GST_END_TEST;

GST_START_TEST (test_sink_ring_size_range)
{
  GstElement *sink = p2p_test_element ("p2psink", NULL);
  GParamSpec *pspec;
  GValue v = G_VALUE_INIT;
  guint ring;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (sink),
      "ring-size");
  fail_unless (pspec != NULL);
  fail_unless_equals_int (G_PARAM_SPEC_UINT (pspec)->minimum, 0);
  fail_unless_equals_int (G_PARAM_SPEC_UINT (pspec)->maximum, 1024);
  g_value_init (&v, G_TYPE_UINT);
  g_value_set_uint (&v, 5000);
  fail_unless (g_param_value_validate (pspec, &v), "5000 frames accepted");
  g_value_unset (&v);

  ASSERT_WARNING (g_object_set (sink, "ring-size", 5000, NULL));
  g_object_get (sink, "ring-size", &ring, NULL);
  fail_unless_equals_int (ring, 8);
  g_object_set (sink, "ring-size", 0, NULL);
  g_object_get (sink, "ring-size", &ring, NULL);
  fail_unless_equals_int (ring, 0);
  gst_object_unref (sink);
}

GST_END_TEST;

GST_START_TEST (test_sink_stats_read_only)
{
  GstElement *sink = p2p_test_element ("p2psink", NULL);
  GParamSpec *pspec;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (sink), "stats");
  fail_unless (pspec != NULL);
  fail_unless (pspec->flags & G_PARAM_READABLE);
  fail_unless (!(pspec->flags & G_PARAM_WRITABLE));
  fail_unless (G_PARAM_SPEC_VALUE_TYPE (pspec) == GST_TYPE_STRUCTURE);
  gst_object_unref (sink);
}

GST_END_TEST;

/* provider and location are fixed while running; ring-size is not. */
GST_START_TEST (test_sink_mutable_ready)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd", NULL);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  GParamSpec *pspec;
  gchar *provider;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (sink),
      "provider");
  fail_unless (pspec->flags & GST_PARAM_MUTABLE_READY);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (sink),
      "location");
  fail_unless (pspec->flags & GST_PARAM_MUTABLE_READY);

  gst_harness_play (h);
  ASSERT_WARNING (g_object_set (sink, "provider", "heap:system", NULL));
  g_object_get (sink, "provider", &provider, NULL);
  fail_unless_equals_string (provider, "memfd");
  g_free (provider);
  g_object_set (sink, "ring-size", 2, NULL);
  gst_harness_teardown (h);
  gst_object_unref (sink);
}

GST_END_TEST;

GST_START_TEST (test_src_defaults)
{
  GstElement *src = p2p_test_element ("p2psrc", NULL);
  gchar *provider = NULL, *location = NULL, *path;
  GstCaps *caps = NULL, *expected;
  gboolean loop;
  gint num_buffers;
  guint blocksize;

  g_object_get (src, "provider", &provider, "location", &location,
      "caps", &caps, "loop", &loop, "num-buffers", &num_buffers,
      "blocksize", &blocksize, NULL);
  fail_unless (provider == NULL);
  fail_unless (location == NULL);
  fail_unless (caps == NULL);
  fail_unless (!loop);
  fail_unless_equals_int (num_buffers, -1);
  fail_unless_equals_int (blocksize, 4096);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (src, "frames"), 0);
  path = p2p_test_stat_str (src, "path");
  fail_unless_equals_string (path, "read");
  g_free (path);

  expected = gst_caps_from_string (P2P_TEST_CAPS);
  g_object_set (src, "caps", expected, NULL);
  g_object_get (src, "caps", &caps, NULL);
  fail_unless (caps != NULL);
  fail_unless (gst_caps_is_equal (caps, expected));
  gst_caps_unref (caps);
  gst_caps_unref (expected);
  gst_object_unref (src);
}

GST_END_TEST;

/* What gst-inspect-1.0 shows: descriptions with examples, property blurbs. */
GST_START_TEST (test_docs)
{
  const gchar *factories[] = { "p2psink", "p2psrc" };
  const gchar *props[] = { "provider", "location", "stats" };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (factories); i++) {
    GstElementFactory *f = gst_element_factory_find (factories[i]);
    GstPlugin *plugin;
    const gchar *desc;
    GstElement *e;

    fail_unless (f != NULL);
    desc = gst_element_factory_get_metadata (f,
        GST_ELEMENT_METADATA_DESCRIPTION);
    fail_unless (strstr (desc, "gst-launch-1.0") != NULL,
        "%s: no example in '%s'", factories[i], desc);
    fail_unless (strstr (desc, "provider=") != NULL);
    plugin = gst_plugin_feature_get_plugin (GST_PLUGIN_FEATURE (f));
    fail_unless_equals_string (gst_plugin_get_name (plugin), "p2p");
    gst_object_unref (plugin);

    e = gst_element_factory_create (f, NULL);
    for (j = 0; j < G_N_ELEMENTS (props); j++) {
      GParamSpec *pspec =
          g_object_class_find_property (G_OBJECT_GET_CLASS (e), props[j]);

      fail_unless (pspec != NULL, "%s has no %s", factories[i], props[j]);
      fail_unless (strlen (g_param_spec_get_blurb (pspec)) > 20,
          "%s::%s: blurb too short", factories[i], props[j]);
    }
    gst_object_unref (e);
    gst_object_unref (f);
  }
}

GST_END_TEST;

/* GStreamer style: each property's blurb is one short line, a phrase that
 * starts with a capital and has no final period; authors are "Name
 * <email>" (gst-inspect-1.0 shows both as they are). */
#define MAX_BLURB 72
#define AUTHOR_RE "[^<>,]+ <[^<>@ ]+@[^<> ]+>"

GST_START_TEST (test_style)
{
  const gchar *factories[] = { "p2psink", "p2psrc" };
  GRegex *author_re = g_regex_new ("^" AUTHOR_RE "(, " AUTHOR_RE ")*$", 0, 0,
      NULL);
  guint i, j, n;

  fail_unless (author_re != NULL);
  for (i = 0; i < G_N_ELEMENTS (factories); i++) {
    GstElementFactory *f = gst_element_factory_find (factories[i]);
    const gchar *author;
    GParamSpec **pspecs;
    GstElement *e;

    fail_unless (f != NULL);
    author = gst_element_factory_get_metadata (f, GST_ELEMENT_METADATA_AUTHOR);
    fail_unless (author != NULL);
    fail_unless (g_regex_match (author_re, author, 0, NULL),
        "%s: author '%s' is not \"Name <email>\"", factories[i], author);

    e = gst_element_factory_create (f, NULL);
    pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (e), &n);
    for (j = 0; j < n; j++) {
      const gchar *blurb = g_param_spec_get_blurb (pspecs[j]);
      gsize len;

      /* Only ours: GstBaseSink/GstBaseSrc have their own. */
      if (pspecs[j]->owner_type != G_OBJECT_TYPE (e))
        continue;
      fail_unless (blurb != NULL, "%s::%s: no blurb", factories[i],
          pspecs[j]->name);
      len = strlen (blurb);
      fail_if (strchr (blurb, '\n') != NULL, "%s::%s: blurb '%s' has a "
          "newline", factories[i], pspecs[j]->name, blurb);
      fail_unless (len > 0 && len <= MAX_BLURB, "%s::%s: blurb of %"
          G_GSIZE_FORMAT " characters (one line: at most %d): '%s'",
          factories[i], pspecs[j]->name, len, MAX_BLURB, blurb);
      fail_unless (g_ascii_isupper (blurb[0]), "%s::%s: blurb '%s' does not "
          "start with a capital", factories[i], pspecs[j]->name, blurb);
      fail_if (blurb[len - 1] == '.', "%s::%s: blurb '%s' ends with a period",
          factories[i], pspecs[j]->name, blurb);
    }
    g_free (pspecs);
    gst_object_unref (e);
    gst_object_unref (f);
  }
  g_regex_unref (author_re);
}

GST_END_TEST;

static Suite *
props_suite (void)
{
  Suite *s = suite_create ("p2p-props");
  TCase *tc = tcase_create ("props");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_sink_defaults);
  tcase_add_test (tc, test_sink_ring_size_range);
  tcase_add_test (tc, test_sink_stats_read_only);
  tcase_add_test (tc, test_sink_mutable_ready);
  tcase_add_test (tc, test_src_defaults);
  tcase_add_test (tc, test_docs);
  tcase_add_test (tc, test_style);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  return p2p_test_run (props_suite (), "props");
}
