#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Mutation check of the VM test suite (not part of the normal test run):
# shows that the checks can fail. Each mutation (tests/mutations/
# mutations.py) is a deliberate fault put into a scratch copy of the tree
# (git-tracked files as in the working tree, plus untracked files git does
# not ignore; never build dirs), which is then built (meson + ninja, the
# kernel module for each available kernel) and run through only the VM
# checks that should catch the fault (tests/vm/run-group.py --only). The
# unmutated copy runs the same checks first (the baseline).
#
#   tests/mutate.sh [--only MUTATION[,...]] [--list] [--keep-dir] [--dir DIR]
#                   [--results PREFIX] [--no-baseline] [--wait-debug MINUTES]
#
# --dir        scratch directory, default /var/cache/p2pbuf-mutate (or
#              $P2PBUF_MUTATE_DIR): orig/ (the snapshot), src/ (mutated),
#              build/, vm/ (VM keep dirs), logs/ (per run: TAP, run-group
#              output, the guest's suite.log; per mutation: its diff)
# --keep-dir   keep src/, build/ and the VM keep dirs (removed otherwise;
#              logs/ and the results always stay)
# --results    PREFIX.tsv and PREFIX.md, default DIR/results
# --wait-debug wait for a debug kernel that is still being built
#
# Prints one line per mutation: CAUGHT (by which check, its first failure
# line), NOT CAUGHT (why: a check passed, another check failed, the failure
# was not the expected one, the mutation no longer applies or does not
# build) or NOT RUN (kernel missing). Exit 0 only when every baseline run
# passed and every mutation was caught; 1 otherwise; 2 for usage errors.
set -eu
exec python3 "$(dirname "$(readlink -f "$0")")/mutations/mutate.py" "$@"
