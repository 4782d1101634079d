#!/bin/sh
# own_lease.sh - runs one test (a unit test binary or a .t script) with a
# lease directory of its own, removed after: `make check` runs the tests
# that are not labs two at a time, and two runs of --demo or of one
# scenario would otherwise share /run/vmbal and one would only observe.
# Usage: sh tests/own_lease.sh TEST (prove --exec).
dir=$(mktemp -d "${TMPDIR:-/tmp}/vmbal-lease.XXXXXX") || exit 1
VMBAL_LEASE_DIR=$dir "$@"
rc=$?
rm -rf "$dir"
exit $rc
