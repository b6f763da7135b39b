# SPDX-License-Identifier: MIT
# Sourced by guest-suite.sh: a DVB transport stream (vidtv) into device
# memory and on to storage (use case 4, DVB). The stream goes to the LAST
# 256 MiB of the storage namespace (other checks use it from offset 0);
# the host checks that range of nvme-store.img with verify-ts.py. On the
# debug kernel: Debian's kernels (6.12 and 7.x) are built without vidtv.

DVB_OFFSET=$((768 << 20))
DVB_SECONDS=${P2PBUF_DVB_SECONDS:-15}

t_dvb() {
	local name=dvb-ts-$KERNEL adapter=/dev/dvb/adapter0 len
	modprobe dvb-vidtv-bridge || { echo "modprobe dvb-vidtv-bridge failed"; return 1; }
	for _ in $(seq 50); do [ -e $adapter/dvr0 ] && break; sleep 0.1; done
	[ -e $adapter/dvr0 ] || { echo "no $adapter/dvr0 after modprobe"; return 1; }
	# vidtv's DVB-T channel: 474 MHz (vidtv_bridge.c vidtv_valid_dvb_t_freqs)
	"$CAP" --dvb $adapter --dvb-frequency 474000000 --dvb-delsys dvbt \
		--dvb-duration "$DVB_SECONDS" --provider "pci:$IVS/bar2" --ring 4 \
		--stream-to "$P2PBUF_VM_STORE_NS" --stream-offset $DVB_OFFSET --max-drops 0 \
		--json > "$OUT/$name.json" 2> "$OUT/$name.err"
	local rc=$?
	cat "$OUT/$name.err"
	grep '"event":"progress"' "$OUT/$name.json" | tail -3
	grep '"event":"summary"' "$OUT/$name.json"
	# vidtv stays loaded: unloading it leaks its platform device's name
	# ("vidtv.0", kmemleak on 6.12), a driver bug that would fail the run.
	[ $rc = 0 ] || { echo "p2pbuf-capture --dvb exit $rc"; return 1; }
	len=$(python3 -c "
import json,sys
s=[json.loads(l) for l in open('$OUT/$name.json') if '\"summary\"' in l][0]
assert s['written']==s['bytes'], 'written %d != read %d' % (s['written'], s['bytes'])
print(s['written'])") || return 1
	[ "$len" -gt 0 ] && [ "$len" -le $((256 << 20)) ] || { echo "written $len bytes: not in (0, 256 MiB]"; return 1; }
	# in the guest, through the block device (page cache dropped first)
	echo 3 > /proc/sys/vm/drop_caches
	python3 "$SRC/tests/vm/verify-ts.py" --offset $DVB_OFFSET --length "$len" "$P2PBUF_VM_STORE_NS" || return 1
	# and from the host, in the namespace's backing file
	host_check dvb "$name" nvme-store.img $DVB_OFFSET "$len"
}

check dvb-ts-to-storage --only-kernel debug --only-group switch --host -- t_dvb
