/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers of the GStreamer tests. Every test runs with a private registry
 * (GST_REGISTRY), the plugin from the build tree (GST_PLUGIN_PATH_1_0) and
 * the system plugins (GST_PLUGIN_SYSTEM_PATH_1_0): see meson.build.
 *
 * The tests use the "memfd" provider, which works on any Linux machine: its
 * buffers are sealed memfds, mappable and writable like the dma-bufs of the
 * real providers, which need the p2pbuf module (tests/vm).
 */
#ifndef P2P_TEST_H
#define P2P_TEST_H

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gst/allocators/allocators.h>

/* 64x8 YUY2: 1024-byte frames. */
#define P2P_TEST_CAPS \
  "video/x-raw,format=YUY2,width=64,height=8,framerate=30/1"
#define P2P_TEST_FRAME 1024

/* p2psink/p2psrc with properties set (NULL-terminated name/value pairs). */
GstElement *p2p_test_element (const gchar * factory, const gchar * first, ...);

/* A bus on @element, so GST_ELEMENT_ERROR messages can be popped. */
GstBus *p2p_test_bus (GstElement * element);

/* Drop the messages left on @bus (they hold references to @element: a
 * cycle through the bus @element holds), take it from @element, unref it. */
void p2p_test_bus_free (GstElement * element, GstBus * bus);

/* The first ERROR on @bus (NULL if none), its GError in @err. */
GstMessage *p2p_test_pop_error (GstBus * bus, GError ** err);

/* A fresh directory under $TMPDIR, and a path in it. Free both. */
gchar *p2p_test_tmpdir (void);
gchar *p2p_test_path (const gchar * dir, const gchar * name);
void p2p_test_rmdir (gchar * dir);

/* Deterministic bytes: pattern @seed. */
void p2p_test_fill (guint8 * data, gsize size, guint seed);
gboolean p2p_test_check (const guint8 * data, gsize size, guint seed);

/* A system-memory buffer of @size pattern bytes. */
GstBuffer *p2p_test_sysmem_buffer (gsize size, guint seed);

/* Fill the (mappable) @buffer with pattern @seed. */
void p2p_test_fill_buffer (GstBuffer * buffer, guint seed);

/* A buffer of the pool the element behind the harness offers for
 * @caps_str (the pool is set up and activated on the first call). */
GstBuffer *p2p_test_pool_buffer (GstHarness * h, GstBufferPool ** pool,
    const gchar * caps_str);
gboolean p2p_test_check_buffer (GstBuffer * buffer, guint seed);

/* Fields of the "stats" structure of @element. */
guint64 p2p_test_stat_u64 (GstElement * element, const gchar * field);
gchar *p2p_test_stat_str (GstElement * element, const gchar * field);

/* Write @size pattern bytes made of @nblocks blocks of @block bytes
 * (pattern i for block i), then @tail bytes of pattern 99. */
gchar *p2p_test_write_file (const gchar * dir, const gchar * name,
    gsize block, guint nblocks, gsize tail);

/* Run @suite: 0 when every test passed, 1 otherwise. */
int p2p_test_run (Suite * suite, const gchar * name);

#endif /* P2P_TEST_H */
