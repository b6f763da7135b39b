#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# V4L2 capture -> PCIe device memory -> file (use case 4). v4l2src imports
# the sink's dma-bufs (io-mode=dmabuf-import), so the camera DMAs into the
# device memory and the file is written from there.
#
#   PROVIDER  where the frames live: pci:BDF/barN (a BAR bound with
#             'p2pbuf-ctl bind'), cmb:BDF (NVMe CMB), heap:system, udmabuf
#   DEVICE    capture device (vivid: modprobe vivid)
#   OUT       output file (on the NVMe namespace for the P2P path)
#
# Prints the p2psink-stats message at EOS, e.g.
#   p2psink-stats, frames=(guint64)100, bytes=(guint64)61440000,
#     imports=(guint64)100, copies=(guint64)0, drops=(guint64)0,
#     path=(string)import+o-direct, io-path=(string)p2p, provider=(string)0000:05:00.0-bar2,
#     route=(string)none, importer=(string)vivid-000
# route is how the importer reaches the memory as the kernel recorded it:
# p2p, host-bridge, host-unchecked (kernel without P2PDMA), or none when it
# never mapped it for DMA (vivid's default vb2-vmalloc only vmaps; load
# vivid with allocators=1 for DMA mappings).
# copies > 0 means the frames did not arrive in device memory (io-mode not
# dmabuf-import, or a tee in between); drops > 0 are gaps in the V4L2
# sequence numbers. An import the exporter refused is an ERROR (on stderr)
# naming the importer and the reason ("route refused").
set -eu

PROVIDER=${PROVIDER:-pci:0000:05:00.0/bar2}
DEVICE=${DEVICE:-/dev/video0}
OUT=${OUT:-/mnt/nvme/capture.yuv}
FRAMES=${FRAMES:-100}
CAPS=${CAPS:-video/x-raw,format=YUY2,width=640,height=480}

gst-launch-1.0 -m v4l2src device="$DEVICE" io-mode=dmabuf-import num-buffers="$FRAMES" ! \
	"$CAPS" ! p2psink provider="$PROVIDER" location="$OUT" |
	grep p2psink-stats
