#!/bin/sh
# corpus.t - every file of tests/corpus through `vmbal --check-config`.
#
# An invalid file NAME.yaml must make vmbal exit 2, print nothing on stdout
# and exactly the line in NAME.err on stderr; a file of tests/corpus/valid
# must pass (exit 0, nothing on stderr). A file over the 1 MiB limit, and
# one of exactly 1 MiB, are generated here rather than kept in the tree.
# Each case runs under ./vmbal and build/asan/vmbal (ASan+UBSan, from
# `make build/asan/vmbal`), where any sanitizer report fails; every third
# case and every generated one also under valgrind, where any memory error
# or leak fails (see below). Missing tools skip.
# Prints TAP; run from the repository root by prove.
cd "$(dirname "$0")/../.." || exit 1

bin=./vmbal
asan=build/asan/vmbal
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmbal-corpus.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

if [ ! -x "$bin" ]; then
	echo "1..0 # skip $bin not built (make vmbal)"
	exit 0
fi
# No case may take minutes (a loader without its caps would, on the alias
# bombs below): each process gets 120 s of CPU, valgrind included.
ulimit -t 120
have_asan=no
[ -x "$asan" ] && have_asan=yes
have_vg=no
command -v valgrind > /dev/null 2>&1 && have_vg=yes

# The generated cases: one byte over the limit, and exactly at it.
limit=1048576
{
	printf 'hosts:\n  - name: h1\n'
	while echo '# padding to reach the size limit, a comment line at a time'
	do :; done 2> /dev/null
} | head -c $((limit + 1)) > "$tmp/huge.yaml"
head -c $limit "$tmp/huge.yaml" > "$tmp/exactly-1mib.yaml"
echo "vmbal: $tmp/huge.yaml:1:1: file too large: $((limit + 1)) bytes (the limit is $limit)" \
	> "$tmp/huge.err"
: > "$tmp/empty.err"

# The loader's caps (engine/ynode.h), on files too big to keep in the tree:
# alias bombs (a list of 1,000 or 3,000 names, then aliases of it to fill
# 1 MiB), 1 MiB of '[', and a file past each of the node, alias and anchor
# caps. Before the caps the bombs took minutes and gigabytes; each must now
# be refused, at the node past the cap, in bounded memory (checked below).
bomb() {	# NAMES ALIASES > FILE
	printf 'hosts: [{name: h1}]\nrules:\n  - exclude: &l ['
	i=1
	while [ $i -lt "$1" ]; do printf 'v%04d, ' $i; i=$((i + 1)); done
	printf 'v%04d]\n' "$1"
	yes '  - exclude: *l' | head -n "$2"
}
repeat() {	# TEXT COUNT: TEXT COUNT times, no newline
	yes "$1" | head -n "$2" | tr -d '\n'
}
bomb 1000 65000 > "$tmp/alias-bomb-1000.yaml"
echo "vmbal: $tmp/alias-bomb-1000.yaml:252:14: alias *l expands the document past 250000 nodes (an alias bomb?)" \
	> "$tmp/alias-bomb-1000.err"
bomb 3000 64000 > "$tmp/alias-bomb-3000.yaml"
echo "vmbal: $tmp/alias-bomb-3000.yaml:86:14: alias *l expands the document past 250000 nodes (an alias bomb?)" \
	> "$tmp/alias-bomb-3000.err"
{ printf 'hosts: '; head -c 1048000 /dev/zero | tr '\0' '['; } > "$tmp/deep-1mib.yaml"
echo "vmbal: $tmp/deep-1mib.yaml:1:71: nested too deeply: more than 64 levels of lists and mappings" \
	> "$tmp/deep-1mib.err"
{ printf 'hosts: [{name: h1}]\nmaintenance: ['; repeat 'h1,' 249999; printf 'h1]\n'; } \
	> "$tmp/nodes-250001.yaml"
echo "vmbal: $tmp/nodes-250001.yaml:2:749991: too many nodes: the document has more than 250000" \
	> "$tmp/nodes-250001.err"
{ printf 'hosts: [{name: &n h1}]\nmaintenance: ['; repeat '*n, ' 10001; printf '*n]\n'; } \
	> "$tmp/aliases-10001.yaml"
echo "vmbal: $tmp/aliases-10001.yaml:2:40015: too many aliases: more than 10000 in the file" \
	> "$tmp/aliases-10001.err"
{
	printf 'hosts: [{name: h1}]\nmaintenance:\n'
	i=1
	while [ $i -le 1001 ]; do printf '  - &a%d h1\n' $i; i=$((i + 1)); done
} > "$tmp/anchors-1001.yaml"
echo "vmbal: $tmp/anchors-1001.yaml:1003:5: too many anchors: more than 1000 in the file" \
	> "$tmp/anchors-1001.err"
# A list of 120,000 distinct names: its duplicates are found by sorting
# (it took 54 s of pairwise compares).
{
	printf 'hosts: [{name: h1}]\nmaintenance: [h0'
	seq 1 119999 | sed 's/^/, h/' | tr -d '\n'
	printf ']\n'
} > "$tmp/wide-list.yaml"
echo "vmbal: $tmp/wide-list.yaml:2:15: maintenance[0]: unknown host 'h0'" \
	> "$tmp/wide-list.err"
capped="wide-list alias-bomb-1000 alias-bomb-3000 deep-1mib nodes-250001 aliases-10001 anchors-1001"

# The cases, one a line: option, file, expected status, expected stderr.
cases=$tmp/cases
: > "$cases"
for f in tests/corpus/config/*.yaml; do
	[ -f "$f" ] && echo "-c $f 2 ${f%.yaml}.err" >> "$cases"
done
for f in tests/corpus/scenario/*.yaml; do
	[ -f "$f" ] && echo "--scenario $f 2 ${f%.yaml}.err" >> "$cases"
done
for f in tests/corpus/valid/*.yaml; do
	[ -f "$f" ] || continue
	case $f in
	*scenario*) echo "--scenario $f 0 $tmp/empty.err" >> "$cases" ;;
	*) echo "-c $f 0 $tmp/empty.err" >> "$cases" ;;
	esac
done
echo "-c $tmp/huge.yaml 2 $tmp/huge.err" >> "$cases"
echo "-c $tmp/exactly-1mib.yaml 0 $tmp/empty.err" >> "$cases"
for c in $capped; do
	echo "-c $tmp/$c.yaml 2 $tmp/$c.err" >> "$cases"
done
ncases=$(wc -l < "$cases")

# Valgrind is slow: run it in the background, one worker per CPU, while
# the other checks run; its results are reported last. Each run costs
# about 1.8 s of CPU, nearly all of it the dynamic linker relocating
# vmbal's 65 libraries; --read-inline-info=no (stack traces without the
# inlined frames; every error is still found) saves a tenth of that.
# Every case already runs under ASan+UBSan with LeakSanitizer, so
# valgrind, the second opinion, takes every third case and every
# generated one (the size limit and the loader's caps), which keeps make
# check within its time; VMBAL_CORPUS_VALGRIND=all gives it every case.
vg_all=no
[ "${VMBAL_CORPUS_VALGRIND:-}" = all ] && vg_all=yes
vg_case() {	# INDEX FILE: does valgrind take this case?
	[ $vg_all = yes ] || [ $(($1 % 3)) -eq 1 ] || case $2 in
	tests/corpus/*) return 1 ;;
	esac
}
mkdir "$tmp/vg"
if [ $have_vg = yes ]; then
	jobs=$(getconf _NPROCESSORS_ONLN 2> /dev/null || echo 2)
	[ "$jobs" -ge 1 ] 2> /dev/null || jobs=2
	w=0
	while [ $w -lt "$jobs" ]; do
		i=0
		while read -r opt file status err; do
			i=$((i + 1))
			[ $((i % jobs)) -eq $w ] || continue
			vg_case $i "$file" || continue
			valgrind --error-exitcode=99 --leak-check=full \
			    --errors-for-leak-kinds=definite,indirect -q \
			    --read-inline-info=no \
			    "$bin" --check-config "$opt" "$file" \
			    > "$tmp/vg/$i.out" 2> "$tmp/vg/$i.err"
			echo $? > "$tmp/vg/$i.rc"
		done < "$cases" &
		w=$((w + 1))
	done
fi

set -- $capped
echo "1..$((ncases * 3 + $#))"
n=0

# check LABEL RC OUT ERR STATUS EXPECTED_ERR: prints ok / not ok.
check() {
	n=$((n + 1))
	why=
	[ "$2" -eq "$5" ] || why="exit status $2, expected $5"
	if [ -z "$why" ] && ! cmp -s "$4" "$6"; then
		why="stderr differs"
	fi
	if [ -z "$why" ] && [ "$5" -ne 0 ] && [ -s "$3" ]; then
		why="stdout not empty"
	fi
	if [ -z "$why" ]; then
		echo "ok $n - $1"
		return
	fi
	echo "not ok $n - $1: $why"
	echo "#   expected: $(head -c 300 "$6")"
	head -c 2000 "$4" | sed 's/^/#   got:      /'
	head -c 300 "$3" | sed 's/^/#   stdout:   /'
}

label() {
	case $1 in
	tests/corpus/*) echo "${1#tests/corpus/}" ;;
	*) echo "generated/${1##*/}" ;;
	esac
}

while read -r opt file status err; do
	l=$(label "$file")
	"$bin" --check-config "$opt" "$file" > "$tmp/out" 2> "$tmp/err"
	check "$l: vmbal" $? "$tmp/out" "$tmp/err" "$status" "$err"
	if [ $have_asan = no ]; then
		n=$((n + 1))
		echo "ok $n # skip asan build missing"
		continue
	fi
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    "$asan" --check-config "$opt" "$file" > "$tmp/out" 2> "$tmp/err"
	check "$l: asan" $? "$tmp/out" "$tmp/err" "$status" "$err"
done < "$cases"

wait
i=0
while read -r opt file status err; do
	i=$((i + 1))
	l=$(label "$file")
	if [ $have_vg = no ]; then
		n=$((n + 1))
		echo "ok $n # skip valgrind not installed"
		continue
	fi
	if ! vg_case $i "$file"; then
		n=$((n + 1))
		echo "ok $n # skip $l: valgrind takes every third case (ASan ran it)"
		continue
	fi
	check "$l: valgrind" "$(cat "$tmp/vg/$i.rc")" "$tmp/vg/$i.out" \
	    "$tmp/vg/$i.err" "$status" "$err"
done < "$cases"

# The capped files in bounded memory: refused (exit 2) with at most 64 MiB
# resident, under a 512 MiB address-space limit and 30 s of CPU so that a
# loader without caps fails here instead of running for minutes.
for c in $capped; do
	n=$((n + 1))
	if [ ! -x /usr/bin/time ]; then
		echo "ok $n # skip /usr/bin/time not installed"
		continue
	fi
	(
		ulimit -v 524288
		ulimit -t 30
		/usr/bin/time -f '%M' -o "$tmp/rss" \
		    "$bin" --check-config -c "$tmp/$c.yaml" > /dev/null 2> "$tmp/err"
	)
	rc=$?
	rss=$(tail -1 "$tmp/rss" 2> /dev/null)
	if [ "$rc" -eq 2 ] && [ "${rss:-999999}" -le 65536 ] &&
	    cmp -s "$tmp/err" "$tmp/$c.err"; then
		echo "ok $n - generated/$c.yaml: refused with ${rss} KiB resident"
	else
		echo "not ok $n - generated/$c.yaml: exit $rc, ${rss:-?} KiB resident (at most 65536), stderr: $(head -c 200 "$tmp/err")"
	fi
done
