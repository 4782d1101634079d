#!/bin/sh
# memcheck.t - headless runs of the demo under valgrind and under the
# ASan+UBSan build: no error, no leak.
cd "$(dirname "$0")/../.." || exit 1
echo "1..3"
log=$(mktemp /tmp/vmbal-memcheck.XXXXXX)
trap 'rm -f "$log"' EXIT INT TERM
if command -v valgrind >/dev/null 2>&1; then
	if valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	    ./vmbal --headless --demo --fast --duration 600 >/dev/null 2>"$log"; then
		echo "ok 1 - valgrind: headless demo, 600 simulated seconds, clean"
	else
		echo "not ok 1 - valgrind reports errors"; sed 's/^/# /' "$log" | head -40
	fi
	if valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect \
	    ./vmbal --check-config --demo >/dev/null 2>"$log"; then
		echo "ok 2 - valgrind: --check-config --demo, clean"
	else
		echo "not ok 2 - valgrind reports errors"; sed 's/^/# /' "$log" | head -40
	fi
else
	echo "ok 1 # skip valgrind not installed"
	echo "ok 2 # skip valgrind not installed"
fi
if [ -x build/asan/vmbal ]; then
	if ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    build/asan/vmbal --headless --demo --fast --duration 1800 >/dev/null 2>"$log" &&
	    [ ! -s "$log" ]; then
		echo "ok 3 - ASan+UBSan: headless demo, 1800 simulated seconds, clean"
	else
		echo "not ok 3 - sanitizer report"; sed 's/^/# /' "$log" | head -40
	fi
else
	echo "ok 3 # skip build/asan/vmbal not built"
fi
