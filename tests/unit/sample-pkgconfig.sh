#!/bin/sh
# SPDX-License-Identifier: MIT
# The C samples build out of the tree, as a user builds them: their own
# Makefile, libp2pbuf found by pkg-config (the build tree's uninstalled
# .pc), -Wall -Wextra -Werror; each prints its usage (exit 2) without
# arguments.
# usage: sample-pkgconfig.sh SRCDIR BUILDDIR
set -eu
src=$1 build=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$src"/samples/c/*.c "$src"/samples/c/Makefile "$tmp"/
PKG_CONFIG_PATH=$build/meson-uninstalled make -s -C "$tmp" ||
	{ echo "the samples do not build with pkg-config libp2pbuf"; exit 1; }
for s in p2pbuf-sample-capture p2pbuf-sample-capture-to-file p2pbuf-sample-file-to-output \
	p2pbuf-sample-dvb-to-file p2pbuf-sample-frame-to-drm; do
	rc=0
	LD_LIBRARY_PATH=$build/libp2pbuf "$tmp/$s" > "$tmp/out" 2>&1 || rc=$?
	[ $rc = 2 ] && grep -q '^usage:' "$tmp/out" ||
		{ echo "$s without arguments: exit $rc, want 2 and its usage:"; cat "$tmp/out"; exit 1; }
	echo "$s: built with pkg-config, usage ok"
done
