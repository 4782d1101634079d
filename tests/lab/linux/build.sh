#!/bin/bash
# build.sh - build (or reuse) the lab's Linux guest: the Debian kernel and an
# initramfs running tests/lab/linux/memwrite.c.
#
#   build.sh [OUTDIR]     prints two lines: the kernel's path, the initrd's
#
# OUTDIR defaults to $VMBAL_LAB_LINUX_DIR or build/lab-linux at the top of
# the repository (not committed). Nothing is installed: the kernel package
# that linux-image-amd64 depends on (apt-cache depends) and busybox-static
# are fetched with `apt-get download` and unpacked with `dpkg-deb -x`; only
# OUTDIR/vmlinuz-PKG and OUTDIR/busybox-PKG are kept (the .deb files and the
# unpacked trees are removed). The initramfs (OUTDIR/initrd.cpio, newc,
# written by mkcpio.py) holds /init (tests/lab/linux/init, run by busybox
# sh), /bin/busybox, /bin/memwrite (gcc -static) and /dev/console; it is
# rebuilt when one of its sources is newer. Needs apt-get, apt-cache,
# dpkg-deb, gcc with a static libc, python3, and the package lists (apt-get
# update) to resolve and fetch.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
OUT=${1:-${VMBAL_LAB_LINUX_DIR:-$ROOT/build/lab-linux}}

die() { printf 'linux-image: error: %s\n' "$*" >&2; exit 1; }

for t in apt-get apt-cache dpkg-deb gcc python3; do
	command -v "$t" >/dev/null 2>&1 || die "missing program $t"
done
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)

# fetch PKG FILE DEST: apt-get download PKG, take FILE out of it as DEST.
fetch() {
	local pkg=$1 file=$2 dest=$3 tmp deb
	[ -s "$dest" ] && return 0
	tmp=$(mktemp -d "$OUT/fetch.XXXXXX") || die "mktemp failed"
	# (as root apt downloads as _apt, which cannot write into $tmp)
	if ! (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >&2); then
		rm -rf "$tmp"
		die "apt-get download $pkg failed (package lists missing? run apt-get update)"
	fi
	deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ] || ! dpkg-deb -x "$deb" "$tmp/x" || [ ! -s "$tmp/x/$file" ]; then
		rm -rf "$tmp"
		die "$pkg: no $file in the package"
	fi
	cp "$tmp/x/$file" "$dest.tmp" && mv -f "$dest.tmp" "$dest" || die "cannot write $dest"
	rm -rf "$tmp"
}

kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64's kernel package (apt-cache depends; run apt-get update)"
kver=${kpkg#linux-image-}
kernel=$OUT/vmlinuz-$kver
fetch "$kpkg" "boot/vmlinuz-$kver" "$kernel"

bver=$(apt-cache policy busybox-static 2>/dev/null | sed -n 's/^ *Candidate: //p' | tr -c 'A-Za-z0-9.+~\n-' _)
{ [ -n "$bver" ] && [ "$bver" != "_none_" ]; } || die "no busybox-static candidate (apt-cache policy; run apt-get update)"
busybox=$OUT/busybox-$bver
fetch busybox-static bin/busybox "$busybox"
chmod 755 "$busybox"

initrd=$OUT/initrd.cpio
mw=$OUT/memwrite
if [ ! -x "$mw" ] || [ "$HERE/memwrite.c" -nt "$mw" ]; then
	gcc -static -O2 -std=c11 -Wall -Wextra -Werror -o "$mw.tmp" "$HERE/memwrite.c" &&
		mv -f "$mw.tmp" "$mw" || die "building memwrite failed (gcc -static needs libc6-dev)"
fi
stale=0
for f in "$mw" "$busybox" "$HERE/init" "$HERE/mkcpio.py"; do
	[ "$f" -nt "$initrd" ] && stale=1
done
if [ ! -s "$initrd" ] || [ "$stale" = 1 ]; then
	python3 "$HERE/mkcpio.py" "$initrd.tmp" \
		dir:bin:755 dir:dev:755 dir:proc:755 dir:sys:755 dir:tmp:1777 \
		nod:dev/console:600:c:5:1 nod:dev/ttyS0:660:c:4:64 \
		file:init:755:"$HERE/init" \
		file:bin/busybox:755:"$busybox" \
		slink:bin/sh:busybox \
		file:bin/memwrite:755:"$mw" &&
		mv -f "$initrd.tmp" "$initrd" || die "writing $initrd failed"
fi
printf '%s\n%s\n' "$kernel" "$initrd"
