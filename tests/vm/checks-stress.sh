# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# The stress run (not a test, not in any VM group: it took 18.5 min on the
# debug kernel). Run it by name:
#   tools/p2pbuf-vm run --kernel debug --timeout 3600 -- \
#       tests/vm/guest-suite.sh build switch stress
# STRESS_MINUTES (10) of 3 processes allocating, mapping, touching and
# freeing plus a capture importing (vivid attaches and vmaps) in a loop;
# then allocation until ENOMEM and free all; then STRESS_CYCLES (100)
# unbind/rebind cycles under a streaming capture and an mmap holder. The
# boot fails on any KASAN, lockdep or kmemleak report (p2pbuf-vm's scan).

t_stress() {
	local mins=${STRESS_MINUTES:-10} cycles=${STRESS_CYCLES:-100}
	local node=/dev/p2pbuf/$IVS-bar2 end i rc=0 caps=0 capfail=0 times= pids=
	vivid_load || return 1
	for i in 1 2 3; do
		"$BUILD/tests/vm/vm-alloc-churn" "$node" $((mins * 60)) > "$OUT/stress-churn$i.out" 2>&1 &
		pids="$pids $!"
	done
	end=$(($(date +%s) + mins * 60))
	while [ "$(date +%s)" -lt $end ]; do
		if "$CAP" -d /dev/video0 --set-fmt-video="$FMT" --provider "pci:$IVS/bar2" \
			--buffers 4 --stream-count 30 --quiet > /dev/null 2> "$OUT/stress-cap.err"; then
			caps=$((caps + 1))
		else
			capfail=$((capfail + 1))
			cat "$OUT/stress-cap.err"
		fi
	done
	for i in $pids; do wait "$i" || rc=1; done
	echo "phase 1, $mins min: $caps captures of 30 frames ($capfail failed) beside 3 allocators:"
	cat "$OUT"/stress-churn[123].out
	[ $capfail = 0 ] || rc=1

	echo "phase 2: allocation until ENOMEM, then free all"
	"$BUILD/tests/vm/vm-fill" "$node" "/sys/class/misc/$IVS-bar2" 1048576 || rc=1

	echo "phase 3: $cycles unbind/rebind cycles under a streaming capture and an mmap holder"
	for i in $(seq "$cycles"); do
		revoke_cycle "$i" || { rc=1; break; }
		times="$times $UNBIND_MS"
	done
	echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "unbind (ms) over %d cycles: min %d, median %d, max %d\n", NR, v[1], v[int((NR + 1) / 2)], v[NR] }'
	return $rc
}

bench stress --only-named --only-group switch -- t_stress
