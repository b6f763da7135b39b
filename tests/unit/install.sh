#!/bin/sh
# SPDX-License-Identifier: MIT
# `meson install` puts things where they are used: the GStreamer plugin in
# GStreamer's own plugin directory (gstreamer-1.0.pc pluginsdir), the udev
# rule in udev's rules.d, the library and its pkg-config file under the
# prefix. Installed into a DESTDIR, gst-inspect-1.0 finds p2psink there.
# usage: install.sh BUILDDIR
set -eu
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet > "$dest.log" 2>&1 ||
	{ cat "$dest.log"; rm -f "$dest.log"; echo "meson install failed"; exit 1; }
rm -f "$dest.log"
plugins=$(pkg-config --variable=pluginsdir gstreamer-1.0)
rules=$(pkg-config --variable=udevdir udev)/rules.d
fail=0
for f in "$plugins/libgstp2p.so" "$rules/60-p2pbuf.rules"; do
	if [ -e "$dest$f" ]; then echo "installed: $f"; else echo "missing: $f"; fail=1; fi
done
lib=$(find "$dest" -name 'libp2pbuf.so.0' | head -1)
pc=$(find "$dest" -name 'libp2pbuf.pc' | head -1)
[ -n "$lib" ] && [ -n "$pc" ] || { echo "libp2pbuf.so.0 or libp2pbuf.pc not installed"; fail=1; }
[ $fail = 0 ] || exit 1
# the installed plugin, with the installed library, as GStreamer loads it
GST_PLUGIN_SYSTEM_PATH_1_0=$dest$plugins GST_PLUGIN_PATH_1_0= GST_REGISTRY_1_0=$dest/registry.bin \
LD_LIBRARY_PATH=$(dirname "$lib") gst-inspect-1.0 p2psink > "$dest/inspect.log" 2>&1 ||
	{ cat "$dest/inspect.log"; echo "gst-inspect-1.0 does not find the installed p2psink"; exit 1; }
grep -m1 "Filename" "$dest/inspect.log"
echo "gst-inspect-1.0 p2psink: found in $plugins"
