#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build p2pbuf.ko (or another module: tests/kmod's test importer) out of
# tree against one kernel build tree, with W=1 and warnings as errors, in a
# private copy so the source tree stays clean.
# usage: build-module.sh SRCDIR KDIR WORKDIR OUTPUT.ko [MODULE_NAME [MODULE2 OUTPUT2.ko]...]
# (further modules of the same Kbuild, e.g. p2pbuf_video beside p2pbuf)
# A KDIR of the form ROOT/usr/src/linux-headers-* where ROOT/.p2pbuf-chroot
# exists (the "newest" kernel of tools/p2pbuf-vm fetch-newest: its gcc and
# kbuild tools need a newer glibc than the host's) is built inside that
# chroot: the sources are copied into ROOT/tmp, make runs under chroot ROOT,
# and the module and the log come back to WORKDIR. objtool needs /proc: it
# is mounted in a private mount namespace (unshare), so it goes away with
# the build and nothing stays mounted on the host.
set -euo pipefail
src=$1 kdir=$2 work=$3 out=$4 mod=${5:-p2pbuf}
shift $(($# < 5 ? $# : 5))
extra=("$@")	# MODULE2 OUTPUT2.ko ...
mods=("$mod")
for ((i = 0; i < ${#extra[@]}; i += 2)); do mods+=("${extra[i]}"); done
mkdir -p "$work"
for f in "$src"/*.c "$src"/*.h "$src"/Kbuild; do
	cmp -s "$f" "$work/$(basename "$f")" || cp "$f" "$work/"
done
if [ -d "$src/include" ]; then ln -sfn "$src/include" "$work/include"; fi

croot=
case $kdir in
*/usr/src/linux-headers-*)
	r=${kdir%/usr/src/linux-headers-*}
	[ -n "$r" ] && [ -f "$r/.p2pbuf-chroot" ] && croot=$r ;;
esac

if [ -n "$croot" ]; then
	ckdir=${kdir#"$croot"}
	cwork=$(mktemp -d "$croot/tmp/p2pbuf-build.XXXXXX")
	trap 'rm -rf "$cwork"' EXIT
	cp "$work"/*.c "$work"/*.h "$work/Kbuild" "$cwork/"
	if [ -d "$src/include" ]; then cp -r "$src/include" "$cwork/include"; fi
	rc=0
	unshare --mount --pid --fork --mount-proc="$croot/proc" \
		chroot "$croot" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
		make -s -C "$ckdir" M="${cwork#"$croot"}" W=1 KCFLAGS=-Werror modules \
		>"$work/build.log" 2>&1 || rc=$?
	if [ $rc = 0 ]; then
		for m in "${mods[@]}"; do cp "$cwork/$m.ko" "$work/$m.ko"; done
	fi
else
	rc=0
	make -s -C "$kdir" M="$work" W=1 KCFLAGS=-Werror modules >"$work/build.log" 2>&1 || rc=$?
fi
if [ $rc != 0 ]; then
	cat "$work/build.log" >&2
	echo "build-module.sh: $mod.ko failed to build against $kdir${croot:+ (in the chroot $croot)} (log: $work/build.log)" >&2
	exit 1
fi
if grep -q 'warning:' "$work/build.log"; then
	grep 'warning:' "$work/build.log" >&2
	echo "build-module.sh: warnings building $mod.ko against $kdir" >&2
	exit 1
fi
cp "$work/$mod.ko" "$out"
for ((i = 0; i < ${#extra[@]}; i += 2)); do cp "$work/${extra[i]}.ko" "${extra[i + 1]}"; done
