/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gstdio.h>
#include <string.h>

#include "p2p-test.h"

GstElement *
p2p_test_element (const gchar * factory, const gchar * first, ...)
{
  GstElement *element = gst_element_factory_make (factory, NULL);
  va_list args;

  fail_unless (element != NULL, "no %s: is the plugin on GST_PLUGIN_PATH?",
      factory);
  va_start (args, first);
  if (first)
    g_object_set_valist (G_OBJECT (element), first, args);
  va_end (args);
  return element;
}

GstBus *
p2p_test_bus (GstElement * element)
{
  GstBus *bus = gst_bus_new ();

  gst_element_set_bus (element, bus);
  return bus;
}

void
p2p_test_bus_free (GstElement * element, GstBus * bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_element_set_bus (element, NULL);
  gst_object_unref (bus);
}

GstMessage *
p2p_test_pop_error (GstBus * bus, GError ** err)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

  if (msg && err)
    gst_message_parse_error (msg, err, NULL);
  return msg;
}

gchar *
p2p_test_tmpdir (void)
{
  GError *error = NULL;
  gchar *dir = g_dir_make_tmp ("p2p-gst-XXXXXX", &error);

  fail_unless (dir != NULL, "g_dir_make_tmp: %s", error ? error->message : "");
  return dir;
}

gchar *
p2p_test_path (const gchar * dir, const gchar * name)
{
  return g_build_filename (dir, name, NULL);
}

void
p2p_test_rmdir (gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *path = g_build_filename (dir, name, NULL);

    g_unlink (path);
    g_free (path);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (dir);
  g_free (dir);
}

void
p2p_test_fill (guint8 * data, gsize size, guint seed)
{
  gsize i;

  for (i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + seed * 31 + (i >> 8));
}

gboolean
p2p_test_check (const guint8 * data, gsize size, guint seed)
{
  gsize i;

  for (i = 0; i < size; i++) {
    if (data[i] != (guint8) (i * 7 + seed * 31 + (i >> 8)))
      return FALSE;
  }
  return TRUE;
}

GstBuffer *
p2p_test_sysmem_buffer (gsize size, guint seed)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, size, NULL);

  p2p_test_fill_buffer (buffer, seed);
  return buffer;
}

void
p2p_test_fill_buffer (GstBuffer * buffer, guint seed)
{
  GstMapInfo map;

  fail_unless (gst_buffer_map (buffer, &map, GST_MAP_WRITE));
  p2p_test_fill (map.data, map.size, seed);
  gst_buffer_unmap (buffer, &map);
}

gboolean
p2p_test_check_buffer (GstBuffer * buffer, guint seed)
{
  GstMapInfo map;
  gboolean ok;

  fail_unless (gst_buffer_map (buffer, &map, GST_MAP_READ));
  ok = p2p_test_check (map.data, map.size, seed);
  gst_buffer_unmap (buffer, &map);
  return ok;
}

guint64
p2p_test_stat_u64 (GstElement * element, const gchar * field)
{
  GstStructure *s = NULL;
  guint64 v = 0;

  g_object_get (element, "stats", &s, NULL);
  fail_unless (s != NULL);
  fail_unless (gst_structure_get_uint64 (s, field, &v), "no %s in %"
      GST_PTR_FORMAT, field, s);
  gst_structure_free (s);
  return v;
}

gchar *
p2p_test_stat_str (GstElement * element, const gchar * field)
{
  GstStructure *s = NULL;
  gchar *v;

  g_object_get (element, "stats", &s, NULL);
  fail_unless (s != NULL);
  v = g_strdup (gst_structure_get_string (s, field));
  fail_unless (v != NULL, "no %s in %" GST_PTR_FORMAT, field, s);
  gst_structure_free (s);
  return v;
}

gchar *
p2p_test_write_file (const gchar * dir, const gchar * name, gsize block,
    guint nblocks, gsize tail)
{
  gsize size = block * nblocks + tail;
  guint8 *data = g_malloc (size ? size : 1);
  gchar *path = p2p_test_path (dir, name);
  GError *error = NULL;
  guint i;

  for (i = 0; i < nblocks; i++)
    p2p_test_fill (data + i * block, block, i);
  p2p_test_fill (data + block * nblocks, tail, 99);
  fail_unless (g_file_set_contents (path, (gchar *) data, size, &error),
      "%s", error ? error->message : "");
  g_free (data);
  return path;
}

int
p2p_test_run (Suite * suite, const gchar * name)
{
  return gst_check_run_suite (suite, name, __FILE__) == 0 ? 0 : 1;
}

GstBuffer *
p2p_test_pool_buffer (GstHarness * h, GstBufferPool ** pool,
    const gchar * caps_str)
{
  GstBuffer *buf = NULL;

  if (!*pool) {
    GstCaps *caps = gst_caps_from_string (caps_str);
    GstQuery *query = gst_query_new_allocation (caps, TRUE);
    GstStructure *config;

    fail_unless (gst_pad_peer_query (h->srcpad, query));
    gst_query_parse_nth_allocation_pool (query, 0, pool, NULL, NULL, NULL);
    fail_unless (*pool != NULL);
    config = gst_buffer_pool_get_config (*pool);
    fail_unless (gst_buffer_pool_set_config (*pool, config));
    fail_unless (gst_buffer_pool_set_active (*pool, TRUE));
    gst_query_unref (query);
    gst_caps_unref (caps);
  }
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (*pool, &buf, NULL),
      GST_FLOW_OK);
  return buf;
}
