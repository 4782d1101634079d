#!/bin/sh
# purity.t - the engine, model and config code include no libvirt, libiptc
# or ncurses header, and read no clock: they stay pure and testable.
cd "$(dirname "$0")/../.." || exit 1
echo "1..2"
bad=$(grep -nE '#[[:space:]]*include[[:space:]]*[<"](libvirt/|libiptc/|curses|ncurses|ncursesw/|libnetfilter)' engine/*.c engine/*.h)
if [ -z "$bad" ]; then
	echo "ok 1 - engine/ includes no libvirt, libiptc or ncurses header"
else
	echo "not ok 1 - engine/ includes a forbidden header"
	echo "$bad" | sed 's/^/# /'
fi
bad=$(grep -nE '\b(clock_gettime|gettimeofday|time\(|nanosleep|sleep\(|usleep|fopen|printf\(|fprintf|puts\()' engine/*.c | grep -v '^\S*:[0-9]*:\s*\*')
if [ -z "$bad" ]; then
	echo "ok 2 - engine/ reads no clock and prints nothing"
else
	echo "not ok 2 - engine/ reads a clock or prints"
	echo "$bad" | sed 's/^/# /'
fi
