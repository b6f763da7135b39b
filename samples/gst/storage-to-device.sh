#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# File -> PCIe device memory -> a consumer (use case 1). p2psrc reads the
# file into provider dma-bufs and pushes them downstream as dma-buf memory.
#
#   IN        a file of raw frames (e.g. from capture-to-storage.sh)
#   CAPS      what the frames are (must match how they were captured)
#   SINK      the consumer; default: another file through p2psink, which
#             counts the frames as imports (no copy). A V4L2 output device:
#             SINK="v4l2sink device=/dev/video1 io-mode=dmabuf-import"
#
# Prints the p2psink-stats message (with the default SINK):
#   p2psink-stats, frames=(guint64)100, ..., imports=(guint64)100,
#     copies=(guint64)0, path=(string)import+o-direct, io-path=(string)p2p, ...
# and the copy is byte-identical: cmp "$IN" "$OUT".
set -eu

PROVIDER=${PROVIDER:-pci:0000:05:00.0/bar2}
IN=${IN:-/mnt/nvme/capture.yuv}
OUT=${OUT:-/mnt/nvme/copy.yuv}
CAPS=${CAPS:-video/x-raw,format=YUY2,width=640,height=480,framerate=30/1}
SINK=${SINK:-p2psink provider=$PROVIDER location=$OUT}

# shellcheck disable=SC2086 # SINK is a pipeline fragment
gst-launch-1.0 -m p2psrc provider="$PROVIDER" location="$IN" caps="$CAPS" ! $SINK |
	grep -E 'p2psink-stats|Got EOS'
