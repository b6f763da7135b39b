/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <unistd.h>

#include <gst/allocators/allocators.h>

#include "gstp2pmemory.h"

GST_DEBUG_CATEGORY_STATIC (gst_p2p_memory_debug);
#define GST_CAT_DEFAULT gst_p2p_memory_debug

struct _GstP2pProvider
{
  struct p2pbuf_provider *prov;
  gchar *spec;
};

static void
ensure_debug_category (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (gst_p2p_memory_debug, "p2pmemory", 0,
        "p2pbuf providers and memory");
    g_once_init_leave (&done, 1);
  }
}

GstP2pProvider *
gst_p2p_provider_open (const gchar * spec, gint * err)
{
  struct p2pbuf_provider *prov = NULL;
  GstP2pProvider *provider;
  gint ret;

  ensure_debug_category ();
  ret = spec ? p2pbuf_provider_open (spec, &prov) : -EINVAL;
  if (ret < 0) {
    GST_DEBUG ("cannot open provider %s: %s", GST_STR_NULL (spec),
        g_strerror (-ret));
    *err = ret;
    return NULL;
  }
  provider = g_atomic_rc_box_new0 (GstP2pProvider);
  provider->prov = prov;
  provider->spec = g_strdup (spec);
  GST_DEBUG ("opened provider %s (%s)", spec, p2pbuf_provider_name (prov));
  *err = 0;
  return provider;
}

GstP2pProvider *
gst_p2p_provider_ref (GstP2pProvider * provider)
{
  return g_atomic_rc_box_acquire (provider);
}

static void
provider_clear (GstP2pProvider * provider)
{
  /* Buffers allocated from it stay valid: a dma-buf lives on its own. */
  p2pbuf_provider_close (provider->prov);
  g_free (provider->spec);
}

void
gst_p2p_provider_unref (GstP2pProvider * provider)
{
  g_atomic_rc_box_release_full (provider, (GDestroyNotify) provider_clear);
}

const gchar *
gst_p2p_provider_name (GstP2pProvider * provider)
{
  return p2pbuf_provider_name (provider->prov);
}

const gchar *
gst_p2p_provider_spec (GstP2pProvider * provider)
{
  return provider->spec;
}

gboolean
gst_p2p_provider_is_node (GstP2pProvider * provider)
{
  switch (p2pbuf_provider_kind (provider->prov)) {
    case P2PBUF_SPEC_PCI:
    case P2PBUF_SPEC_CMB:
    case P2PBUF_SPEC_NAME:
      return TRUE;
    default:
      return FALSE;
  }
}

gboolean
gst_p2p_provider_is_dmabuf (GstP2pProvider * provider)
{
  return p2pbuf_provider_kind (provider->prov) != P2PBUF_SPEC_MEMFD;
}

gboolean
gst_p2p_provider_free_bytes (GstP2pProvider * provider, guint64 * free_bytes)
{
  struct p2pbuf_provider_stats st;

  if (p2pbuf_provider_info (provider->prov, &st) < 0 ||
      !(st.valid & P2PBUF_STATS_NODE))
    return FALSE;
  *free_bytes = st.free;
  return TRUE;
}

void
gst_p2p_post_open_error (GstElement * element, const gchar * spec, gint err)
{
  const gchar *hint;

  if (!spec) {
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
        ("No provider set: set the provider property to one of "
            GST_P2P_PROVIDER_SPECS "."),
        ("'p2pbuf-ctl list' shows the p2pbuf providers"));
    return;
  }
  hint = p2pbuf_error_hint (err, spec);
  if (!hint[0] && err == -EINVAL)
    hint = "use one of " GST_P2P_PROVIDER_SPECS;
  else if (!hint[0])
    hint = g_strerror (-err);

  switch (err) {
    case -EINVAL:
      GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
          ("Invalid provider \"%s\": %s.", spec, hint),
          ("p2pbuf_provider_open: %s", g_strerror (-err)));
      break;
    case -EACCES:
    case -EPERM:
      GST_ELEMENT_ERROR (element, RESOURCE, NOT_AUTHORIZED,
          ("Cannot open provider \"%s\": %s.", spec, hint),
          ("p2pbuf_provider_open: %s", g_strerror (-err)));
      break;
    case -EBUSY:
      GST_ELEMENT_ERROR (element, RESOURCE, BUSY,
          ("Provider \"%s\" is busy: %s.", spec, hint),
          ("p2pbuf_provider_open: %s", g_strerror (-err)));
      break;
    default:
      GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND,
          ("Cannot open provider \"%s\": %s.", spec, hint),
          ("p2pbuf_provider_open: %s", g_strerror (-err)));
      break;
  }
}

/* ---- memory ---- */

typedef struct
{
  struct p2pbuf_buffer *buf;
  gchar *provider_name;         /* p2pbuf_provider_name() of its provider */
  gboolean is_node;
  GMutex lock;
  gint route_done;              /* atomic */
} GstP2pMemData;

static GQuark
gst_p2p_memory_quark (void)
{
  static GQuark quark = 0;

  if (!quark)
    quark = g_quark_from_static_string ("GstP2pMemData");
  return quark;
}

static void
mem_data_free (GstP2pMemData * data)
{
  p2pbuf_buffer_free (data->buf);
  g_free (data->provider_name);
  g_mutex_clear (&data->lock);
  g_free (data);
}

GstMemory *
gst_p2p_memory_alloc (GstP2pProvider * provider,
    GstAllocator * allocator, gsize size, gint * err)
{
  struct p2pbuf_buffer *buf = NULL;
  GstP2pMemData *data;
  GstMemory *mem;
  gint ret, fd;

  ensure_debug_category ();
  ret = p2pbuf_alloc (provider->prov, size, 0, &buf);
  if (ret < 0) {
    GST_WARNING ("allocating %" G_GSIZE_FORMAT " bytes from %s failed: %s",
        size, provider->spec, g_strerror (-ret));
    *err = ret;
    return NULL;
  }
  /* The allocator takes ownership of the fd it is given: give it a dup. */
  fd = p2pbuf_buffer_dup_fd (buf);
  if (fd < 0) {
    p2pbuf_buffer_free (buf);
    *err = fd;
    return NULL;
  }
  /* A GstDmaBufAllocator is a GstFdAllocator: this serves both. */
  mem = gst_fd_allocator_alloc (allocator, fd, size, GST_FD_MEMORY_FLAG_NONE);
  if (!mem) {
    close (fd);
    p2pbuf_buffer_free (buf);
    *err = -ENOMEM;
    return NULL;
  }
  data = g_new0 (GstP2pMemData, 1);
  data->buf = buf;
  data->provider_name = g_strdup (gst_p2p_provider_name (provider));
  data->is_node = gst_p2p_provider_is_node (provider);
  g_mutex_init (&data->lock);
  gst_mini_object_set_qdata (GST_MINI_OBJECT (mem), gst_p2p_memory_quark (),
      data, (GDestroyNotify) mem_data_free);
  GST_LOG ("allocated %" G_GSIZE_FORMAT " bytes (fd %d) from %s", size,
      fd, provider->spec);
  *err = 0;
  return mem;
}

static GstP2pMemData *
mem_data (GstMemory * mem)
{
  /* Shared sub-memories keep the parent's fd and absolute offset. */
  while (mem) {
    GstP2pMemData *data = gst_mini_object_get_qdata (GST_MINI_OBJECT (mem),
        gst_p2p_memory_quark ());

    if (data)
      return data;
    mem = mem->parent;
  }
  return NULL;
}

gboolean
gst_p2p_is_p2p_memory (GstMemory * mem)
{
  return mem_data (mem) != NULL;
}

const gchar *
gst_p2p_memory_provider_name (GstMemory * mem)
{
  GstP2pMemData *data = mem_data (mem);

  return data ? data->provider_name : NULL;
}

gboolean
gst_p2p_memory_is_from (GstMemory * mem, GstP2pProvider * provider)
{
  const gchar *name = gst_p2p_memory_provider_name (mem);

  /* Two specs of one memory (pci:BDF/bar2 and name:NODE, or two opens of
   * "memfd") have one name: the same memory. */
  return name && g_strcmp0 (name, gst_p2p_provider_name (provider)) == 0;
}

GstMemory *
gst_p2p_buffer_peek_memory (GstBuffer * buffer)
{
  GstMemory *mem;

  if (gst_buffer_n_memory (buffer) != 1)
    return NULL;
  mem = gst_buffer_peek_memory (buffer, 0);
  return gst_p2p_is_p2p_memory (mem) ? mem : NULL;
}

struct p2pbuf_buffer *
gst_p2p_memory_lock (GstMemory * mem, gsize * offset, gsize * size)
{
  GstP2pMemData *data = mem_data (mem);

  g_return_val_if_fail (data != NULL, NULL);
  g_mutex_lock (&data->lock);
  *offset = mem->offset;
  *size = mem->size;
  return data->buf;
}

void
gst_p2p_memory_unlock (GstMemory * mem)
{
  GstP2pMemData *data = mem_data (mem);

  g_mutex_unlock (&data->lock);
}

#define ROUTE_ATTACH_MAX 4

gboolean
gst_p2p_memory_check_route (GstMemory * mem, GstP2pRoute * route)
{
  GstP2pMemData *data = mem_data (mem);
  struct p2pbuf_attachment att[ROUTE_ATTACH_MAX];
  struct p2pbuf_buffer_desc desc;
  guint i, n;
  gint ret;

  memset (route, 0, sizeof (*route));
  if (!data || !data->is_node || g_atomic_int_get (&data->route_done))
    return FALSE;
  ret = p2pbuf_buffer_info (data->buf, &desc, att, ROUTE_ATTACH_MAX);
  if (ret < 0) {
    GST_DEBUG ("p2pbuf_buffer_info: %s", g_strerror (-ret));
    /* Not ours to describe (or no ctl node): stop asking. */
    g_atomic_int_set (&data->route_done, 1);
    return FALSE;
  }
  n = MIN (desc.attach_count, ROUTE_ATTACH_MAX);
  if (n == 0)
    return FALSE;
  /* A refusal wins: it is the one thing the user must hear about. */
  for (i = 0; i < n; i++) {
    if (att[i].route == P2PBUF_ROUTE_REFUSED)
      break;
  }
  if (i == n)
    i = 0;
  route->checked = TRUE;
  route->refused = att[i].route == P2PBUF_ROUTE_REFUSED;
  route->route = att[i].route;
  route->error = att[i].error;
  g_strlcpy (route->importer, att[i].importer, sizeof (route->importer));
  g_atomic_int_set (&data->route_done, 1);
  return TRUE;
}

void
gst_p2p_post_route_error (GstElement * element, GstP2pProvider * provider,
    const GstP2pRoute * route)
{
  gint err = route->error < 0 ? route->error : -EREMOTEIO;

  GST_ELEMENT_ERROR (element, RESOURCE, FAILED,
      ("%s cannot reach the memory of provider \"%s\": route refused (%s). "
          "%s.", route->importer, gst_p2p_provider_name (provider),
          g_strerror (-err), p2pbuf_error_hint (-EREMOTEIO, "route")),
      ("importer %s refused by the p2pbuf exporter of %s", route->importer,
          gst_p2p_provider_spec (provider)));
}

gboolean
gst_p2p_video_info_from_caps (GstVideoInfo * info, const GstCaps * caps)
{
#if GST_CHECK_VERSION(1,24,0)
  if (gst_video_is_dma_drm_caps (caps)) {
    GstVideoInfoDmaDrm drm_info;

    /* Only linear layouts: the file holds plain frames. */
    if (!gst_video_info_dma_drm_from_caps (&drm_info, caps) ||
        drm_info.drm_modifier != 0)
      return FALSE;
    return gst_video_info_dma_drm_to_video_info (&drm_info, info);
  }
#endif
  return gst_video_info_from_caps (info, caps);
}
