/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Faults this host cannot produce, injected by interposition: this program
 * defines fsync(), p2pbuf_provider_kind() and p2pbuf_buffer_info() and
 * exports them (export_dynamic in meson.build), so the plugin's calls land
 * here first. Disarmed, each calls the real function (dlsym RTLD_NEXT).
 *
 * - fsync() of the output file fails: the end of the stream is an error,
 *   not a success.
 * - The memfd provider poses as a p2pbuf node whose kernel reports an
 *   importer refused (no peer-to-peer route): an error naming the importer,
 *   whether the refusal is first seen when p2psink renders the buffer or
 *   when the buffer goes back to its pool.
 * - The memfd provider poses as a dma-buf heap (fake_heap): p2psink writes
 *   its buffers with libp2pbuf's O_DIRECT (from system RAM: io-path
 *   "host"), as it would a heap's.
 * - The memfd provider reports free bytes (fake_free_bytes), as a p2pbuf
 *   node does (p2pbuf_provider_info()).
 * - A second memfd provider: the spec "memfd:second" opens the memfd
 *   provider under the name "memfd-second", so that memory of two
 *   providers can be told apart; p2pbuf_alloc() counts the buffers
 *   allocated from it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <p2pbuf/p2pbuf.h>

#include "p2p-test.h"

#define REFUSED_IMPORTER "0000:03:00.0"

/* Armed by the tests; every test runs in its own (forked) process. */
static const gchar *fsync_fail_path;
static gint fsync_fail_errno;
static gboolean fake_node;
static gboolean fake_refused;
static gboolean fake_heap;
static guint64 fake_free_bytes;
/* "memfd:second" opens this one; buffers allocated from it. */
#define SECOND_SPEC "memfd:second"
#define SECOND_NAME "memfd-second"
static const struct p2pbuf_provider *second_provider;
static gint second_allocs;

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

enum p2pbuf_provider_kind
p2pbuf_provider_kind (const struct p2pbuf_provider *prov)
{
  static enum p2pbuf_provider_kind (*real) (const struct p2pbuf_provider *);

  if (!real)
    real = (enum p2pbuf_provider_kind (*)(const struct p2pbuf_provider *))
        dlsym (RTLD_NEXT, "p2pbuf_provider_kind");
  if (fake_node && real (prov) == P2PBUF_SPEC_MEMFD)
    return P2PBUF_SPEC_NAME;
  if (fake_heap && real (prov) == P2PBUF_SPEC_MEMFD)
    return P2PBUF_SPEC_HEAP;
  return real (prov);
}

int
p2pbuf_buffer_info (const struct p2pbuf_buffer *buf,
    struct p2pbuf_buffer_desc *desc, struct p2pbuf_attachment *att,
    unsigned int cap)
{
  static int (*real) (const struct p2pbuf_buffer *,
      struct p2pbuf_buffer_desc *, struct p2pbuf_attachment *, unsigned int);

  if (!real)
    real = (int (*)(const struct p2pbuf_buffer *,
            struct p2pbuf_buffer_desc *, struct p2pbuf_attachment *,
            unsigned int)) dlsym (RTLD_NEXT, "p2pbuf_buffer_info");
  if (!fake_node)
    return real (buf, desc, att, cap);
  /* No importer yet, or one that the exporter refused. */
  memset (desc, 0, sizeof (*desc));
  g_strlcpy (desc->provider, "memfd", sizeof (desc->provider));
  desc->attach_count = fake_refused ? 1 : 0;
  if (fake_refused && cap > 0) {
    memset (&att[0], 0, sizeof (att[0]));
    g_strlcpy (att[0].importer, REFUSED_IMPORTER, sizeof (att[0].importer));
    g_strlcpy (att[0].bus, "pci", sizeof (att[0].bus));
    att[0].route = P2PBUF_ROUTE_REFUSED;
    att[0].error = -EREMOTEIO;
  }
  return 0;
}

int
p2pbuf_provider_info (const struct p2pbuf_provider *prov,
    struct p2pbuf_provider_stats *stats)
{
  static int (*real) (const struct p2pbuf_provider *,
      struct p2pbuf_provider_stats *);
  int ret;

  if (!real)
    real = (int (*)(const struct p2pbuf_provider *,
            struct p2pbuf_provider_stats *)) dlsym (RTLD_NEXT,
        "p2pbuf_provider_info");
  ret = real (prov, stats);
  if (ret == 0 && fake_free_bytes) {
    stats->valid |= P2PBUF_STATS_NODE;
    stats->free = fake_free_bytes;
  }
  return ret;
}

int
p2pbuf_provider_open (const char *spec, struct p2pbuf_provider **out)
{
  static int (*real) (const char *, struct p2pbuf_provider **);
  int ret;

  if (!real)
    real = (int (*)(const char *, struct p2pbuf_provider **))
        dlsym (RTLD_NEXT, "p2pbuf_provider_open");
  if (g_strcmp0 (spec, SECOND_SPEC) != 0)
    return real (spec, out);
  ret = real ("memfd", out);
  if (ret == 0)
    second_provider = *out;
  return ret;
}

const char *
p2pbuf_provider_name (const struct p2pbuf_provider *prov)
{
  static const char *(*real) (const struct p2pbuf_provider *);

  if (!real)
    real = (const char *(*)(const struct p2pbuf_provider *))
        dlsym (RTLD_NEXT, "p2pbuf_provider_name");
  if (prov && prov == second_provider)
    return SECOND_NAME;
  return real (prov);
}

int
p2pbuf_alloc (struct p2pbuf_provider *prov, uint64_t size, uint32_t flags,
    struct p2pbuf_buffer **out)
{
  static int (*real) (struct p2pbuf_provider *, uint64_t, uint32_t,
      struct p2pbuf_buffer **);
  int ret;

  if (!real)
    real = (int (*)(struct p2pbuf_provider *, uint64_t, uint32_t,
            struct p2pbuf_buffer **)) dlsym (RTLD_NEXT, "p2pbuf_alloc");
  ret = real (prov, size, flags, out);
  if (ret == 0 && prov && prov == second_provider)
    g_atomic_int_inc (&second_allocs);
  return ret;
}

/* A buffer of the pool p2psink proposes for the test caps. */
static GstBuffer *
pool_buffer (GstHarness * h, GstBufferPool ** pool)
{
  return p2p_test_pool_buffer (h, pool, P2P_TEST_CAPS);
}

/* 960-byte frames: not a multiple of any direct I/O alignment. */
#define PAD_CAPS "video/x-raw,format=YUY2,width=60,height=8,framerate=30/1"
#define PAD_FRAME 960

static void
drop_pool (GstBufferPool * pool)
{
  if (!pool)
    return;
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
}

/* The error of a refused route names importer, provider and the remedy. */
static void
check_route_error (GstBus * bus)
{
  GstMessage *msg;
  GError *err = NULL;

  msg = p2p_test_pop_error (bus, &err);
  fail_unless (msg != NULL, "refused route not posted as an error");
  GST_INFO ("%s", err->message);
  fail_unless (err->domain == GST_RESOURCE_ERROR, "%s", err->message);
  fail_unless (strstr (err->message, REFUSED_IMPORTER) != NULL, "%s",
      err->message);
  fail_unless (strstr (err->message, "\"memfd\"") != NULL, "%s",
      err->message);
  fail_unless (strstr (err->message, "route refused") != NULL, "%s",
      err->message);
  fail_unless (strstr (err->message, p2pbuf_error_hint (-EREMOTEIO,
              "route")) != NULL, "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  fail_if (p2p_test_pop_error (bus, NULL) != NULL, "more than one error");
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
  p2p_test_bus_free (sink, bus);
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

/* The storage (or any importer) is refused when p2psink gets the buffer:
 * the frame is not taken and the user hears why. */
GST_START_TEST (test_route_refused_at_render)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd", NULL);
  GstBus *bus = p2p_test_bus (sink);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  GstBufferPool *pool = NULL;
  GstBuffer *buf;

  fake_node = TRUE;
  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  buf = pool_buffer (h, &pool);
  /* A provider of real dma-bufs: GstDmaBufAllocator memory. */
  fail_unless (gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0)));
  /* Upstream filled it; an importer was refused meanwhile. */
  fake_refused = TRUE;
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_ERROR);
  check_route_error (bus);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), 0);

  gst_harness_teardown (h);
  drop_pool (pool);
  p2p_test_bus_free (sink, bus);
  gst_object_unref (sink);
}

GST_END_TEST;

typedef struct
{
  GstHarness *h;
  GstBuffer *buf;
  GstFlowReturn ret;
  gboolean done;
  GMutex lock;
  GCond cond;
} PushData;

static gpointer
push_thread (gpointer user_data)
{
  PushData *d = user_data;
  GstFlowReturn ret = gst_harness_push (d->h, d->buf);

  g_mutex_lock (&d->lock);
  d->ret = ret;
  d->done = TRUE;
  g_cond_signal (&d->cond);
  g_mutex_unlock (&d->lock);
  return NULL;
}

/* A frame leaves the ring and goes back to its pool, which finds the
 * refusal then and posts it: that must not happen under the sink's object
 * lock (posting takes it: a deadlock). */
GST_START_TEST (test_ring_release_unlocked)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "ring-size", 1, "enable-last-sample", FALSE, NULL);
  GstBus *bus = p2p_test_bus (sink);
  GstHarness *h = gst_harness_new_with_element (sink, "sink", NULL);
  GstBufferPool *pool = NULL;
  PushData d = { 0 };
  GThread *thread;
  gint64 deadline;

  fake_node = TRUE;
  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  /* A copied frame first: the copy pool is set up before any refusal. */
  fail_unless_equals_int (gst_harness_push (h,
          p2p_test_sysmem_buffer (P2P_TEST_FRAME, 0)), GST_FLOW_OK);
  /* No importer yet when this one is rendered: nothing to say. */
  fail_unless_equals_int (gst_harness_push (h, pool_buffer (h, &pool)),
      GST_FLOW_OK);
  fail_if (p2p_test_pop_error (bus, NULL) != NULL);

  /* Then one is refused; the next frame (copied: not checked) pushes the
   * first out of the ring and back to the pool. */
  fake_refused = TRUE;
  g_mutex_init (&d.lock);
  g_cond_init (&d.cond);
  d.h = h;
  d.buf = p2p_test_sysmem_buffer (P2P_TEST_FRAME, 2);
  thread = g_thread_new ("push", push_thread, &d);
  deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;
  g_mutex_lock (&d.lock);
  while (!d.done && g_cond_wait_until (&d.cond, &d.lock, deadline));
  g_mutex_unlock (&d.lock);
  fail_unless (d.done, "rendering deadlocked: a buffer dropped from the ring "
      "was released with the object lock held");
  g_thread_join (thread);
  fail_unless_equals_int (d.ret, GST_FLOW_OK);
  check_route_error (bus);

  fake_refused = FALSE;
  gst_harness_teardown (h);
  drop_pool (pool);
  g_mutex_clear (&d.lock);
  g_cond_clear (&d.cond);
  p2p_test_bus_free (sink, bus);
  gst_object_unref (sink);
}

GST_END_TEST;

/* Run @desc to EOS (failing on an error); the pipeline, stopped. */
static GstElement *
run_pipeline (const gchar * desc)
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

/* p2psrc provider=A ! p2psink provider=B: the frames must end up in B,
 * copied (and counted so), not written from A's memory while the stats
 * name B. */
GST_START_TEST (test_other_provider_copied)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *in = p2p_test_write_file (dir, "in.yuv", P2P_TEST_FRAME, 5, 0);
  gchar *out = p2p_test_path (dir, "out.yuv");
  gchar *desc, *str, *a = NULL, *b = NULL;
  GstElement *pipeline, *sink;
  gsize la = 0, lb = 0;

  desc = g_strdup_printf ("p2psrc provider=memfd location=%s caps=\""
      P2P_TEST_CAPS "\" ! p2psink name=sink provider=" SECOND_SPEC
      " location=%s", in, out);
  pipeline = run_pipeline (desc);
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless (sink != NULL);
  fail_unless (second_provider != NULL, "the sink did not open its provider");

  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "frames"), 5);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "copies"), 5);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "imports"), 0);
  str = p2p_test_stat_str (sink, "provider");
  fail_unless_equals_string (str, SECOND_NAME);
  g_free (str);
  str = p2p_test_stat_str (sink, "input");
  fail_unless_equals_string (str, "copy");
  g_free (str);
  /* The copies are the sink's provider's memory. */
  fail_unless (g_atomic_int_get (&second_allocs) > 0,
      "no frame was put in the sink's provider");

  fail_unless (g_file_get_contents (in, &a, &la, NULL));
  fail_unless (g_file_get_contents (out, &b, &lb, NULL));
  fail_unless_equals_uint64 (lb, la);
  fail_unless (memcmp (a, b, la) == 0, "the copied frames differ");

  g_free (a);
  g_free (b);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (in);
  g_free (out);
  p2p_test_rmdir (dir);
}

GST_END_TEST;

/* pad-frames with direct I/O: frames of 960 bytes (not a multiple of any
 * direct I/O alignment) from the sink's pool stay on O_DIRECT, each padded
 * with zeros to the alignment; without it they fall back to pwrite(). The
 * memfd provider poses as a dma-buf heap, so the writer uses libp2pbuf's
 * O_DIRECT (path "host": system RAM) on a file in $TMPDIR. */
static void
check_pad_frames_direct (gboolean pad)
{
  gchar *dir = p2p_test_tmpdir ();
  gchar *path = p2p_test_path (dir, "x.yuv");
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "location", path, "pad-frames", pad, NULL);
  GstHarness *h;
  GstBufferPool *pool = NULL;
  gchar *contents = NULL, *str;
  gsize len = 0, stride, j;
  guint i;

  /* Before the sink starts: it opens the writer then. */
  fake_heap = TRUE;
  h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_harness_set_src_caps_str (h, PAD_CAPS);
  /* The plan: direct I/O. */
  str = p2p_test_stat_str (sink, "output");
  fail_unless_equals_string (str, "o-direct");
  g_free (str);
  for (i = 0; i < 3; i++) {
    GstBuffer *buf = p2p_test_pool_buffer (h, &pool, PAD_CAPS);

    fail_unless (gst_is_dmabuf_memory (gst_buffer_peek_memory (buf, 0)));
    p2p_test_fill_buffer (buf, i);
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  str = p2p_test_stat_str (sink, "output");
  if (!pad) {
    /* What pad-frames is for: pwrite() from the first frame on. */
    fail_unless_equals_string (str, "pwrite");
    g_free (str);
    goto out;
  }
  fail_unless_equals_string (str, "o-direct");
  g_free (str);
  str = p2p_test_stat_str (sink, "io-path");
  fail_unless_equals_string (str, "host");
  g_free (str);
  gst_harness_teardown (h);
  h = NULL;

  fail_unless (g_file_get_contents (path, &contents, &len, NULL));
  fail_unless (len % 3 == 0, "file of %" G_GSIZE_FORMAT " bytes", len);
  stride = len / 3;
  fail_unless (stride > PAD_FRAME && stride % 512 == 0 && stride <= 4096,
      "frames padded to %" G_GSIZE_FORMAT " bytes", stride);
  fail_unless_equals_uint64 (p2p_test_stat_u64 (sink, "padding"),
      3 * (stride - PAD_FRAME));
  for (i = 0; i < 3; i++) {
    fail_unless (p2p_test_check ((guint8 *) contents + i * stride, PAD_FRAME,
            i), "frame %u differs", i);
    for (j = PAD_FRAME; j < stride; j++)
      fail_unless (contents[i * stride + j] == 0, "frame %u: padding byte %"
          G_GSIZE_FORMAT " is not zero", i, j);
  }
  g_free (contents);

out:
  if (h)
    gst_harness_teardown (h);
  fake_heap = FALSE;
  drop_pool (pool);
  gst_object_unref (sink);
  g_free (path);
  p2p_test_rmdir (dir);
}

GST_START_TEST (test_pad_frames_direct)
{
  check_pad_frames_direct (FALSE);
  check_pad_frames_direct (TRUE);
}

GST_END_TEST;

/* An allocation query for P2P_TEST_CAPS; the answer (or FALSE). */
static gboolean
allocation_query (GstHarness * h, GstBufferPool ** pool, guint * min,
    guint * max)
{
  GstCaps *caps = gst_caps_from_string (P2P_TEST_CAPS);
  GstQuery *query = gst_query_new_allocation (caps, TRUE);
  gboolean ok = gst_pad_peer_query (h->srcpad, query);

  if (ok && gst_query_get_n_allocation_pools (query) > 0)
    gst_query_parse_nth_allocation_pool (query, 0, pool, NULL, min, max);
  else
    ok = FALSE;
  gst_query_unref (query);
  gst_caps_unref (caps);
  return ok;
}

/* A provider with room for 6 frames: the pool p2psink offers stops at 6
 * (its min, 4 with ring-size 1, fits), and does not allocate a 7th. */
GST_START_TEST (test_pool_capped_by_free_memory)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "ring-size", 1, NULL);
  GstBus *bus = p2p_test_bus (sink);
  GstHarness *h;
  GstBufferPool *pool = NULL;
  GstBufferPoolAcquireParams params = { 0 };
  GstBuffer *bufs[6], *extra = NULL;
  GstStructure *config;
  guint min = 0, max = 0, cmax = 0, i;

  fake_free_bytes = 6 * P2P_TEST_FRAME;
  h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  fail_unless (allocation_query (h, &pool, &min, &max));
  fail_unless (pool != NULL);
  fail_unless (min <= 6, "min %u", min);
  fail_unless_equals_int (max, 6);
  config = gst_buffer_pool_get_config (pool);
  fail_unless (gst_buffer_pool_config_get_params (config, NULL, NULL, NULL,
          &cmax));
  fail_unless_equals_int (cmax, 6);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  for (i = 0; i < 6; i++)
    fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &bufs[i],
            NULL), GST_FLOW_OK);
  params.flags = GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;
  fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &extra,
          &params), GST_FLOW_EOS);
  for (i = 0; i < 6; i++)
    gst_buffer_unref (bufs[i]);
  fail_if (p2p_test_pop_error (bus, NULL) != NULL);

  gst_harness_teardown (h);
  drop_pool (pool);
  fake_free_bytes = 0;
  p2p_test_bus_free (sink, bus);
  gst_object_unref (sink);
}

GST_END_TEST;

/* Room for 2 frames, the pipeline needs 4: no pool, an error that says
 * what is missing and what to do. */
GST_START_TEST (test_pool_provider_too_small)
{
  GstElement *sink = p2p_test_element ("p2psink", "provider", "memfd",
      "ring-size", 1, NULL);
  GstBus *bus = p2p_test_bus (sink);
  GstHarness *h;
  GstBufferPool *pool = NULL;
  GstMessage *msg;
  GError *err = NULL;
  guint min = 0, max = 0;

  fake_free_bytes = 2 * P2P_TEST_FRAME;
  h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_harness_set_src_caps_str (h, P2P_TEST_CAPS);
  fail_if (allocation_query (h, &pool, &min, &max),
      "pool of min %u max %u offered by a provider with room for 2", min, max);
  msg = p2p_test_pop_error (bus, &err);
  fail_unless (msg != NULL, "no error");
  GST_INFO ("%s", err->message);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NO_SPACE_LEFT), "%s", err->message);
  fail_unless (strstr (err->message, "\"memfd\"") != NULL, "%s",
      err->message);
  fail_unless (strstr (err->message, "2048 bytes free") != NULL, "%s",
      err->message);
  g_error_free (err);
  gst_message_unref (msg);

  gst_harness_teardown (h);
  gst_clear_object (&pool);
  fake_free_bytes = 0;
  p2p_test_bus_free (sink, bus);
  gst_object_unref (sink);
}

GST_END_TEST;

static Suite *
faults_suite (void)
{
  Suite *s = suite_create ("p2p-faults");
  TCase *tc = tcase_create ("faults");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_eos_sync_failure);
  tcase_add_test (tc, test_route_refused_at_render);
  tcase_add_test (tc, test_ring_release_unlocked);
  tcase_add_test (tc, test_other_provider_copied);
  tcase_add_test (tc, test_pad_frames_direct);
  tcase_add_test (tc, test_pool_capped_by_free_memory);
  tcase_add_test (tc, test_pool_provider_too_small);
  return s;
}

int
main (int argc, char **argv)
{
  gst_check_init (&argc, &argv);
  return p2p_test_run (faults_suite (), "faults");
}
