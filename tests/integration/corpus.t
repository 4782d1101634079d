#!/bin/sh
# corpus.t - every file of tests/corpus through `vmbal --check-config`.
#
# An invalid file NAME.yaml must make vmbal exit 2, print nothing on stdout
# and exactly the line in NAME.err on stderr; a file of tests/corpus/valid
# must pass (exit 0, nothing on stderr). A file over the 1 MiB limit, and
# one of exactly 1 MiB, are generated here rather than kept in the tree.
# Each case runs three times: ./vmbal; build/asan/vmbal (ASan+UBSan, from
# `make build/asan/vmbal`), where any sanitizer report fails; and ./vmbal
# under valgrind, where any memory error or leak fails. Missing tools skip.
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
ncases=$(wc -l < "$cases")

# Valgrind is slow: run it in the background, one worker per CPU, while
# the other checks run; its results are reported last.
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
			valgrind --error-exitcode=99 --leak-check=full \
			    --errors-for-leak-kinds=definite,indirect -q \
			    "$bin" --check-config "$opt" "$file" \
			    > "$tmp/vg/$i.out" 2> "$tmp/vg/$i.err"
			echo $? > "$tmp/vg/$i.rc"
		done < "$cases" &
		w=$((w + 1))
	done
fi

echo "1..$((ncases * 3))"
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
	check "$l: valgrind" "$(cat "$tmp/vg/$i.rc")" "$tmp/vg/$i.out" \
	    "$tmp/vg/$i.err" "$status" "$err"
done < "$cases"
