#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# V4L2 capture -> PCIe device memory, kept there (use case 3): without
# location p2psink keeps the last ring-size frames in device memory for
# another device (a GPU, an FPGA) to use.
#
# Prints the p2psink-stats message at EOS, e.g.
#   p2psink-stats, frames=(guint64)60, ..., imports=(guint64)60,
#     copies=(guint64)0, held=(guint64)4, path=(string)import+ring,
#     provider=(string)0000:05:00.0-bar2, route=(string)none,
#     importer=(string)vivid-000
# While it runs, 'p2pbuf-ctl stats' shows the buffers and their importer.
set -eu

PROVIDER=${PROVIDER:-pci:0000:05:00.0/bar2}
DEVICE=${DEVICE:-/dev/video0}
CAPS=${CAPS:-video/x-raw,format=YUY2,width=640,height=480}

gst-launch-1.0 -m v4l2src device="$DEVICE" io-mode=dmabuf-import num-buffers=60 ! \
	"$CAPS" ! p2psink provider="$PROVIDER" ring-size=4 |
	grep p2psink-stats
