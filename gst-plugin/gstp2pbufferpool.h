/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef __GST_P2P_BUFFER_POOL_H__
#define __GST_P2P_BUFFER_POOL_H__

#include <gst/gst.h>

#include "gstp2pmemory.h"

G_BEGIN_DECLS

#define GST_TYPE_P2P_BUFFER_POOL (gst_p2p_buffer_pool_get_type ())
G_DECLARE_FINAL_TYPE (GstP2pBufferPool, gst_p2p_buffer_pool, GST,
    P2P_BUFFER_POOL, GstBufferPool)

/*
 * A pool of dma-buf buffers from @provider (one GstMemory each), with
 * GstVideoMeta when the config has GST_BUFFER_POOL_OPTION_VIDEO_META and
 * video caps. Allocation failures and refused imports are posted as errors
 * on @owner (weak reference).
 */
GstBufferPool *gst_p2p_buffer_pool_new (GstP2pProvider * provider,
    GstElement * owner);

/*
 * How many buffers of @size bytes fit in the free memory of @provider: the
 * pool's maximum. 0 when the provider does not report its free bytes (no
 * limit known). With @element, a @min that does not fit is posted on it as
 * an error (RESOURCE NO_SPACE_LEFT) and the result is still the fit.
 */
guint gst_p2p_buffer_pool_fit (GstP2pProvider * provider, gsize size,
    guint min, GstElement * element);

G_END_DECLS

#endif /* __GST_P2P_BUFFER_POOL_H__ */
