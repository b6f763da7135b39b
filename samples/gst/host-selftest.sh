#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The p2p plugin on any Linux machine, no module needed: "memfd" is the test
# provider (sealed memfds, not importable by devices). Run from a build tree
# with `meson devenv -C build sh samples/gst/host-selftest.sh`.
#
# Prints two p2psink-stats lines and "identical", e.g.
#   p2psink-stats, frames=(guint64)30, bytes=(guint64)4608000,
#     imports=(guint64)30, copies=(guint64)0, drops=(guint64)0, ...,
#     path=(string)import+pwrite, ..., provider=(string)memfd, ...
# imports=30: videotestsrc drew straight into the sink's pool (device
# memory with a real provider); the second run re-reads the file through
# p2psrc, whose buffers p2psink imports as well.
set -eu

dir=${TMPDIR:-/tmp}
caps=video/x-raw,format=YUY2,width=320,height=240,framerate=30/1

# 30 frames of 320x240 YUY2 = 30 * 153600 = 4608000 bytes.
gst-launch-1.0 -m videotestsrc num-buffers=30 ! "$caps" ! \
	p2psink provider=memfd location="$dir/x.yuv" | grep p2psink-stats

# File -> device memory -> file.
gst-launch-1.0 -m p2psrc provider=memfd location="$dir/x.yuv" caps="$caps" num-buffers=30 ! \
	p2psink provider=memfd location="$dir/y.yuv" | grep p2psink-stats

cmp "$dir/x.yuv" "$dir/y.yuv" && echo identical
