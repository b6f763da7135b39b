/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "p2p" plugin: p2psink and p2psrc move raw video and files between
 * GStreamer and PCIe device memory exported by the p2pbuf module.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstp2psink.h"
#include "gstp2psrc.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (p2psink, plugin);
  ret |= GST_ELEMENT_REGISTER (p2psrc, plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, p2p,
    "Capture into and read files into PCIe device memory (p2pbuf dma-bufs)",
    plugin_init, VERSION, "LGPL", PACKAGE_NAME, PACKAGE_ORIGIN)
