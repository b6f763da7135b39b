#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build p2pbuf.ko out of tree against one kernel build tree, with W=1 and
# warnings as errors, in a private copy so the source tree stays clean.
# usage: build-module.sh SRCDIR KDIR WORKDIR OUTPUT.ko
set -euo pipefail
src=$1 kdir=$2 work=$3 out=$4
mkdir -p "$work"
for f in "$src"/*.c "$src"/*.h "$src"/Kbuild; do
	cmp -s "$f" "$work/$(basename "$f")" || cp "$f" "$work/"
done
ln -sfn "$src/include" "$work/include"
if ! make -s -C "$kdir" M="$work" W=1 KCFLAGS=-Werror modules >"$work/build.log" 2>&1; then
	cat "$work/build.log" >&2
	echo "build-module.sh: p2pbuf.ko failed to build against $kdir (log: $work/build.log)" >&2
	exit 1
fi
if grep -q 'warning:' "$work/build.log"; then
	grep 'warning:' "$work/build.log" >&2
	echo "build-module.sh: warnings building p2pbuf.ko against $kdir" >&2
	exit 1
fi
cp "$work/p2pbuf.ko" "$out"
