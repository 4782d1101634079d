#!/bin/sh
# deps.sh - make sure the Debian packages vmbal builds and tests with are
# installed. As root: installs the missing ones with apt-get. Otherwise:
# prints the exact apt-get line and stops (exit 1).
set -u
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libvirt-dev libncurses-dev libyaml-dev libip4tc-dev libjansson-dev
libnetfilter-conntrack-dev libmnl-dev libxml2-dev librrd-dev rrdtool
libcmocka-dev perl jq valgrind tmux python3 wrk
libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
iproute2 iptables procps gnutls-bin openssh-client openssh-server
keepalived conntrackd conntrack dnsmasq-base"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	"install ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

line="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "vmbal: missing packages:$missing" >&2
	echo "vmbal: as root, run: apt-get update && $line" >&2
	exit 1
fi
echo "vmbal: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q && $line
