#!/bin/bash
# lab.sh - real libvirt hosts on one machine, for vmbal's lab tests.
#
#   lab.sh up N [DIR]              N libvirtd hosts, one network namespace each
#   lab.sh down [DIR]              stop and remove everything DIR records
#   lab.sh guest K NAME DUTY [MEM_MIB]
#                                  start on host K a guest burning DUTY% of a CPU;
#                                  DUTY wN (N 1..255): one writing N MiB of its
#                                  memory over and over (burn.S WMIB), CPU busy
#   lab.sh linux-guest K NAME MODE [MEM_MIB [PORT]]
#                                  start on host K the Linux guest (below)
#                                  running memwrite MODE: idle, cpu or
#                                  mem:RATE (MiB/s), optionally ,BUF_MIB
#   lab.sh linux-image             build (or reuse) its kernel and initrd
#                                  (tests/lab/linux/build.sh), print paths
#   lab.sh kill-libvirtd K [SIG]   stop host K's libvirtd (default TERM; guests
#                                  keep running, as when a daemon dies)
#   lab.sh start-libvirtd K        start host K's libvirtd again (and its
#                                  virtlockd, with VMBAL_LAB_LOCKD=1)
#   lab.sh disk-guest K NAME DUTY [MEM_MIB]
#                                  as guest, but persistent (defined, then
#                                  started) and with a writable disk of its
#                                  own, DIR/disks/NAME.img, whose lease the
#                                  lock manager holds (VMBAL_LAB_LOCKD=1)
#   lab.sh power-off K             host K loses power: its libvirtd, virtlockd,
#                                  QEMUs (everything in its namespace) SIGKILLed
#   lab.sh cut-off K               host K is cut off but not dead: only its
#                                  libvirtd is SIGKILLed (QEMU runs on, its
#                                  disk lease held by its virtlockd)
#   lab.sh power-status K          exit 2 when host K is off (no libvirtd, no
#                                  QEMU), 0 when anything of it runs
#   lab.sh power-on K              host K back: as start-libvirtd
#   lab.sh status [DIR]            URIs and whether each libvirtd answers
#   lab.sh uri K                   print host K's URI
#   lab.sh image DUTY              build (or reuse) the floppy image, print its path
#   lab.sh tls-uri K [PKIDIR]      print host K's qemu+tls URI (?pkipath=PKIDIR,
#                                  default the lab's client directory)
#   lab.sh tls-client OUTDIR [foreign]
#                                  make a client pkipath directory: a certificate
#                                  from the lab's CA, or with `foreign` from a CA
#                                  of its own (which the hosts refuse)
#   lab.sh ssh-uri K               print host K's qemu+ssh:// URI (VMBAL_LAB_SSH=1)
#   lab.sh ssh-mode K MODE         host K's sshd: key (the default), password
#                                  (the lab key is not authorized, passwords are
#                                  asked for) or unknown (its host key is left
#                                  out of the lab's known_hosts)
#
# DIR defaults to $VMBAL_LAB_DIR or /tmp/vmbal-lab. Commands other than up and
# down take DIR from $VMBAL_LAB_DIR only (default /tmp/vmbal-lab).
#
# Host K lives in network namespace vmbal-lab-hK, reached through veth
# vmbal-lab-vK plugged into bridge vmbal-lab-br (198.18.10.1/24 on the
# machine); host K's address is 198.18.10.(10+K) and its URI is
# qemu+tcp://198.18.10.(10+K)/system. libvirtd runs in a private mount (and
# UTS) namespace inside the network namespace, with DIR/hK/{etc,run,lib,cache,
# log} bind-mounted over /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt and /var/log/libvirt. Nothing but empty mount points is
# created outside DIR (and a lock file, /run/lock/vmbal-lab.lock).
#
# Every resource is recorded in DIR before it is made, and `down` removes only
# what is recorded there, by name and PID (never by a pattern over all
# processes), so it works after a partial or failed `up` and a second `down`
# does nothing. The bridge and each namespace's eth0 carry the alias
# "vmbal-lab DIR" so that a clash with another lab names its directory.
#
# TLS (VMBAL_LAB_TLS=1 at up, needs certtool from gnutls-bin): every libvirtd
# listens for TLS too, on port 16514 of its address (tcp stays as it is, so
# qemu+tcp URIs keep working), with auth_tls = "none": a client is let in
# by its certificate alone. `up` makes a PKI with certtool (RSA 2048 keys,
# valid 30 days) in DIR/pki, laid out as libvirt's TLS documentation says:
#   DIR/pki/ca/{cacert.pem,cakey.pem}   the lab's CA
#   DIR/pki/client/{cacert.pem,clientcert.pem,clientkey.pem}
#                                       a client, for ?pkipath=DIR/pki/client
#   DIR/pki/hK/{servercert.pem,serverkey.pem}
#                                       host K's certificate: CN and IP SAN are
#                                       its address; purposes tls_www_server and
#                                       tls_www_client (QEMU uses it as both)
# libvirtd.conf points at them (ca_file, cert_file, key_file) instead of
# /etc/pki. Host K's URI over TLS is
# qemu+tls://198.18.10.(10+K)/system?pkipath=DIR/pki/client (`lab.sh
# tls-uri K`). For migrating the data over TLS (virsh migrate --tls,
# VIR_MIGRATE_TLS) each QEMU has its own directory, DIR/pki/hK/qemu with
# ca-cert.pem, server-cert.pem, server-key.pem, client-cert.pem and
# client-key.pem (the host's certificate twice), set in qemu.conf as
# default_tls_x509_cert_dir with default_tls_x509_verify = 1: the
# destination's QEMU asks the source's for its certificate. `up` checks
# that each host answers over TLS too. lab.conf records LAB_TLS=1, so the
# other commands know.
# With VMBAL_LAB_SSH=1 at `up`, each host also runs an sshd in its namespaces
# (the mount namespace too: libvirt's ssh transport runs virt-ssh-helper on
# the far end, which needs the host's /run/libvirt), listening on the host's
# address port 22 only: key authentication only, root allowed with the key,
# its own ed25519 host key in DIR/hK/sshd. The client side is all in
# DIR/ssh: a key pair, a known_hosts holding every host's key, an ssh_config
# naming both (the machine's ~/.ssh is never read or written), and a wrapper
# `DIR/ssh/ssh` that runs ssh with that config; the host's ssh URI passes
# the wrapper as libvirt's command parameter:
# qemu+ssh://root@ADDR/system?command=DIR/ssh/ssh (a vmbal configuration
# using it needs allow_ext: true). libvirtd keeps listening on TCP too, which
# the lab itself uses. sshd needs /run/sshd (made if missing, left empty).
#
# The Linux guest (linux-guest): the Debian kernel and an initramfs running
# tests/lab/linux/memwrite.c, booted directly (<kernel>, <initrd>,
# <cmdline>), 256 MiB by default, no disk, no network. Its serial console
# (where memwrite prints a numbered line every 10 ms) is a raw TCP server
# on 0.0.0.0:PORT (default 4555) inside the host's namespace: reachable at
# host K's address, and after a migration at the destination's, the same
# port (each host's QEMU listens in its own namespace). Nothing is
# buffered while no client is connected. Kernel and initrd are cached in
# build/lab-linux (VMBAL_LAB_LINUX_DIR), outside DIR, kept by down.
#
# Environment: VMBAL_LAB_PREFIX (default vmbal-lab) and VMBAL_LAB_NET (default
# 198.18.10, the first three octets; must lie in 198.18.0.0/15) allow a second
# lab beside the first; VMBAL_LAB_TIMEOUT (default 60) bounds the wait for
# each libvirtd; VMBAL_LAB_KEEP=1 keeps a failed `up` standing for inspection;
# VMBAL_LAB_TLS=1 (at up) adds TLS, above.
#
# Disk leases (VMBAL_LAB_LOCKD=1 at up): every host's qemu.conf says
# lock_manager = "lockd", and its qemu-lockd.conf gives all of them one
# file_lockspace_dir, DIR/lockspace, as hosts on shared storage would share
# it; auto_disk_leases and require_lease_for_disks are on. A root libvirtd
# does not start virtlockd itself: each host's virtlockd starts first, in
# the host's namespaces (its socket in the host's /run/libvirt), its PID in
# DIR/hK/virtlockd.pid; down stops it. A writable disk (disk-guest) then has
# a lease: a second start of the same VM on another host is refused with
# "Lockspace resource ... is locked" while the first QEMU (and its
# virtlockd) lives. lab.conf records LAB_LOCKD=1.
#
# The file may be sourced by bash to use its functions; run, it is the CLI.

LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_PREFIX=${VMBAL_LAB_PREFIX:-vmbal-lab}
LAB_NET=${VMBAL_LAB_NET:-198.18.10}
LAB_TIMEOUT=${VMBAL_LAB_TIMEOUT:-60}
LAB_TLS=${VMBAL_LAB_TLS:-0}
LAB_LOCKD=${VMBAL_LAB_LOCKD:-0}
LAB_TLS_PORT=16514
LAB_FLOPPY_BYTES=1474560
LAB_LOCKED=0

lab_say() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- helpers

lab_dir_of() {	# lab_dir_of [DIR] -> absolute, checked
	local d=${1:-${VMBAL_LAB_DIR:-/tmp/vmbal-lab}}
	case $d in
	/*) ;;
	*) d=$PWD/$d ;;
	esac
	d=$(realpath -m -- "$d") || lab_die "bad directory: $d"
	case $d in
	*[!A-Za-z0-9_./-]*) lab_die "DIR may hold only letters, digits and _ . / - : $d" ;;
	/) lab_die "DIR must not be /" ;;
	esac
	printf '%s\n' "$d"
}

lab_need_root() { [ "$(id -u)" -eq 0 ] || lab_die "needs root (namespaces, bridges, libvirtd)"; }

lab_need_tools() {
	local t missing=""
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -z "$missing" ] || lab_die "missing programs:$missing (apt-get install -y --no-install-recommends libvirt-daemon libvirt-daemon-driver-qemu qemu-system-x86 libvirt-clients iproute2 binutils)"
}

lab_check_prefix() {
	case $LAB_PREFIX in
	*[!a-z0-9-]* | "") lab_die "VMBAL_LAB_PREFIX may hold only a-z 0-9 -" ;;
	esac
	[ ${#LAB_PREFIX} -le 11 ] || lab_die "VMBAL_LAB_PREFIX too long (interface names are limited to 15 characters)"
	case $LAB_NET in
	198.1[89].[0-9] | 198.1[89].[0-9][0-9] | 198.1[89].1[0-9][0-9] | 198.1[89].2[0-4][0-9] | 198.1[89].25[0-5]) ;;
	*) lab_die "VMBAL_LAB_NET must be 198.18.X or 198.19.X (the benchmarking range): $LAB_NET" ;;
	esac
}

lab_lock() {	# one up/down at a time on this machine
	[ "$LAB_LOCKED" = 1 ] && return 0
	local f=/run/lock/vmbal-lab.lock
	[ -d /run/lock ] || f=/tmp/vmbal-lab.lock
	exec 9>>"$f" || lab_die "cannot open lock $f"
	flock -w 120 9 || lab_die "another lab.sh up/down holds $f for over 120 s"
	LAB_LOCKED=1
}

# Configuration of a lab directory: written by up, read by everything else.
lab_load() {	# lab_load DIR -> sets LAB_DIR LAB_PREFIX LAB_NET LAB_N LAB_BRIDGE
	LAB_DIR=$1
	LAB_N=0
	LAB_TLS=0
	LAB_SSH=0
	LAB_LOCKD=0
	if [ -f "$LAB_DIR/lab.conf" ]; then
		# shellcheck disable=SC1091
		. "$LAB_DIR/lab.conf"
	fi
	LAB_BRIDGE=$LAB_PREFIX-br
}

lab_ns() { printf '%s-h%s\n' "$LAB_PREFIX" "$1"; }
lab_veth() { printf '%s-v%s\n' "$LAB_PREFIX" "$1"; }
lab_addr() { printf '%s.%s\n' "$LAB_NET" $((10 + $1)); }
lab_uri() { printf 'qemu+tcp://%s/system\n' "$(lab_addr "$1")"; }
lab_tls_uri() {	# lab_tls_uri K [PKIDIR]
	printf 'qemu+tls://%s/system?pkipath=%s\n' "$(lab_addr "$1")" "${2:-$LAB_DIR/pki/client}"
}
lab_ssh_uri() { printf 'qemu+ssh://root@%s/system?command=%s/ssh/ssh\n' "$(lab_addr "$1")" "$LAB_DIR"; }
lab_hd() { printf '%s/h%s\n' "$LAB_DIR" "$1"; }

lab_host_arg() {	# validate K against the lab
	case $1 in
	'' | *[!0-9]*) lab_die "host number expected, got '$1'" ;;
	esac
	{ [ "$1" -ge 1 ] && [ "$1" -le "$LAB_N" ]; } || lab_die "no host $1 in the lab at $LAB_DIR (it has $LAB_N)"
}

# pid_is PID NEEDLE: PID is alive and its command line contains NEEDLE.
lab_pid_is() {
	local pid=$1 needle=$2 cmd
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	[ -r "/proc/$pid/cmdline" ] || return 1
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	case $cmd in *"$needle"*) return 0 ;; esac
	return 1
}

# stop_pid PID NEEDLE [SIG]: signal, wait up to 10 s, then SIGKILL.
lab_stop_pid() {
	local pid=$1 needle=$2 sig=${3:-TERM}
	lab_pid_is "$pid" "$needle" || return 0
	kill -s "$sig" "$pid" 2>/dev/null || return 0
	# (a zombie has an empty command line, so it counts as gone)
	for _ in $(seq 1 100); do
		lab_pid_is "$pid" "$needle" || return 0
		sleep 0.1
	done
	lab_say "pid $pid did not stop on SIG$sig, sending KILL"
	kill -s KILL "$pid" 2>/dev/null
	for _ in $(seq 1 50); do
		lab_pid_is "$pid" "$needle" || return 0
		sleep 0.1
	done
	lab_say "warning: pid $pid still there"
	return 1
}

lab_libvirtd_pid() {	# the PID of host K's libvirtd, if it runs
	local hd conf p
	hd=$(lab_hd "$1")
	conf=$hd/etc/libvirtd.conf
	for p in "$(cat "$hd/libvirtd.pid" 2>/dev/null)" "$(cat "$hd/libvirtd.spawn.pid" 2>/dev/null)"; do
		if lab_pid_is "$p" "$conf"; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	return 1
}

lab_virtlockd_pid() {	# the PID of host K's virtlockd, if it runs
	local hd p
	hd=$(lab_hd "$1")
	p=$(cat "$hd/virtlockd.pid" 2>/dev/null)
	lab_pid_is "$p" "$hd/virtlockd.pid" || return 1
	printf '%s\n' "$p"
}

lab_virsh() {	# lab_virsh K ARGS... (bounded)
	local k=$1
	shift
	timeout 20 virsh -q -c "$(lab_uri "$k")" "$@"
}

# ---------------------------------------------------------------- image

# lab_image DIR DUTY -> path of DIR/images/burn-DUTY.img, built when missing.
# DUTY wN: a guest writing N MiB of memory (burn.S WMIB=N, DUTY 100).
lab_image() {
	local dir=$1 duty=$2 img tmp wmib=0 tag
	case $duty in
	w[0-9]*)
		wmib=${duty#w}
		case $wmib in *[!0-9]*) lab_die "DUTY wN needs a number N, got '$duty'" ;; esac
		wmib=$((10#$wmib))
		[ "$wmib" -ge 1 ] && [ "$wmib" -le 255 ] || lab_die "DUTY wN: N must be 1..255, got $wmib"
		duty=100 ;;
	'' | *[!0-9]*) lab_die "DUTY must be a whole number 0..100 or wN, got '$duty'" ;;
	esac
	duty=$((10#$duty))
	[ "$duty" -le 100 ] || lab_die "DUTY must be 0..100, got $duty"
	tag=$duty
	[ "$wmib" -eq 0 ] || tag=w$wmib
	img=$dir/images/burn-$tag.img
	if [ -f "$img" ] && [ "$img" -nt "$LAB_HERE/guest/burn.S" ]; then
		printf '%s\n' "$img"
		return 0
	fi
	lab_need_tools as ld truncate od
	mkdir -p "$dir/images" || lab_die "cannot create $dir/images"
	tmp=$(mktemp -d "$dir/images/build.XXXXXX") || lab_die "mktemp failed"
	if ! as --32 --defsym DUTY="$duty" --defsym WMIB="$wmib" -o "$tmp/burn.o" "$LAB_HERE/guest/burn.S" ||
		! ld -m elf_i386 -Ttext 0x7c00 -e _start --oformat binary -o "$tmp/burn.bin" "$tmp/burn.o"; then
		rm -rf "$tmp"
		lab_die "assembling $LAB_HERE/guest/burn.S failed"
	fi
	if [ "$(stat -c %s "$tmp/burn.bin")" != 512 ] ||
		[ "$(od -A n -t x1 -j 510 -N 2 "$tmp/burn.bin" | tr -d ' ')" != 55aa ] ||
		[ "$(od -A n -t u1 -j 2 -N 1 "$tmp/burn.bin" | tr -d ' ')" != "$duty" ] ||
		[ "$(od -A n -t u1 -j 4 -N 1 "$tmp/burn.bin" | tr -d ' ')" != "$wmib" ]; then
		rm -rf "$tmp"
		lab_die "burn.bin is not a 512-byte boot sector with DUTY at offset 2"
	fi
	truncate -s "$LAB_FLOPPY_BYTES" "$tmp/burn.bin" && mv -f "$tmp/burn.bin" "$img"
	rm -rf "$tmp"
	printf '%s\n' "$img"
}

# ---------------------------------------------------------------- PKI

# certtool, its chatter kept in DIR/pki/certtool.log, its failure fatal.
lab_certtool() {
	certtool "$@" >>"$LAB_DIR/pki/certtool.log" 2>&1 ||
		lab_die "certtool $* failed; see $LAB_DIR/pki/certtool.log"
}

lab_pki_key() {	# lab_pki_key FILE: a fresh RSA 2048 key, mode 0600
	rm -f "$1"
	(umask 077 && lab_certtool --generate-privkey --key-type=rsa --bits=2048 --outfile "$1") || exit 1
}

# lab_pki_ca DIR CN: DIR/cakey.pem and a self-signed DIR/cacert.pem
lab_pki_ca() {
	local d=$1 cn=$2
	mkdir -p "$d" || lab_die "cannot create $d"
	printf 'cn = %s\norganization = vmbal lab\nca\ncert_signing_key\nexpiration_days = 30\n' \
		"$cn" >"$d/ca.info"
	lab_pki_key "$d/cakey.pem"
	lab_certtool --generate-self-signed --load-privkey "$d/cakey.pem" \
		--template "$d/ca.info" --outfile "$d/cacert.pem"
}

# lab_pki_cert CADIR KEY CERT INFO: KEY and CERT signed by the CA in CADIR,
# as the certtool template INFO says
lab_pki_cert() {
	local ca=$1 key=$2 cert=$3 info=$4
	lab_pki_key "$key"
	lab_certtool --generate-certificate --load-privkey "$key" \
		--load-ca-certificate "$ca/cacert.pem" --load-ca-privkey "$ca/cakey.pem" \
		--template "$info" --outfile "$cert"
}

# lab_pki_client OUTDIR CADIR: a client pkipath directory (cacert.pem,
# clientcert.pem, clientkey.pem) with a certificate from the CA in CADIR
lab_pki_client() {
	local out=$1 ca=$2
	mkdir -p "$out" || lab_die "cannot create $out"
	printf 'cn = vmbal lab client\norganization = vmbal lab\ntls_www_client\nencryption_key\nsigning_key\nexpiration_days = 30\n' \
		>"$out/client.info"
	lab_pki_cert "$ca" "$out/clientkey.pem" "$out/clientcert.pem" "$out/client.info"
	cp "$LAB_DIR/pki/ca/cacert.pem" "$out/cacert.pem" || lab_die "cannot copy the CA certificate"
}

# lab_pki_host K: host K's certificate (CN and IP SAN its address, for
# libvirtd and for its QEMU, as server and as client) and QEMU's directory
lab_pki_host() {
	local k=$1 d addr
	d=$(lab_hd "$k")/pki
	addr=$(lab_addr "$k")
	rm -rf "$d"
	mkdir -p "$d/qemu" || lab_die "cannot create $d"
	printf 'cn = %s\norganization = vmbal lab\nip_address = %s\ntls_www_server\ntls_www_client\nencryption_key\nsigning_key\nexpiration_days = 30\n' \
		"$addr" "$addr" >"$d/server.info"
	lab_pki_cert "$LAB_DIR/pki/ca" "$d/serverkey.pem" "$d/servercert.pem" "$d/server.info"
	if ! cp "$LAB_DIR/pki/ca/cacert.pem" "$d/qemu/ca-cert.pem" ||
		! cp "$d/servercert.pem" "$d/qemu/server-cert.pem" ||
		! cp "$d/servercert.pem" "$d/qemu/client-cert.pem" ||
		! (umask 077 && cp "$d/serverkey.pem" "$d/qemu/server-key.pem" &&
			cp "$d/serverkey.pem" "$d/qemu/client-key.pem"); then
		lab_die "cannot fill $d/qemu"
	fi
}

lab_pki_make() {	# lab_pki_make N: the CA, the client, hosts 1..N
	local n=$1 k
	rm -rf "$LAB_DIR/pki"
	mkdir -p "$LAB_DIR/pki" || lab_die "cannot create $LAB_DIR/pki"
	lab_pki_ca "$LAB_DIR/pki/ca" "vmbal lab CA ($LAB_DIR)"
	lab_pki_client "$LAB_DIR/pki/client" "$LAB_DIR/pki/ca"
	for k in $(seq 1 "$n"); do
		lab_pki_host "$k"
	done
}

# lab.sh tls-client OUTDIR [foreign]: a client directory for ?pkipath=.
# With `foreign` its certificate comes from a CA of its own (OUTDIR/ca),
# and its cacert.pem holds that CA and the lab's: libvirt's client-side
# check of its own certificate passes and it trusts the hosts, so it is
# the host that refuses it.
lab_tls_client() {
	local out=${1:-} kind=${2:-}
	[ -n "$out" ] || lab_die "usage: lab.sh tls-client OUTDIR [foreign]"
	lab_load "$(lab_dir_of "")"
	if [ "$LAB_TLS" != 1 ] || [ ! -f "$LAB_DIR/pki/ca/cacert.pem" ]; then
		lab_die "the lab at $LAB_DIR has no PKI (up with VMBAL_LAB_TLS=1)"
	fi
	lab_need_tools certtool
	out=$(realpath -m -- "$out")
	case $kind in
	'') lab_pki_client "$out" "$LAB_DIR/pki/ca" ;;
	foreign)
		lab_pki_ca "$out/ca" "vmbal foreign CA"
		lab_pki_client "$out" "$out/ca"
		cat "$out/ca/cacert.pem" "$LAB_DIR/pki/ca/cacert.pem" >"$out/cacert.pem" ||
			lab_die "cannot write $out/cacert.pem"
		;;
	*) lab_die "usage: lab.sh tls-client OUTDIR [foreign]" ;;
	esac
	printf '%s\n' "$out"
}

# ---------------------------------------------------------------- up

lab_ensure_users() {	# the QEMU driver looks these up even with user = "root"
	getent group kvm >/dev/null || groupadd -r kvm || lab_die "groupadd kvm failed"
	getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu || lab_die "groupadd libvirt-qemu failed"
	getent passwd libvirt-qemu >/dev/null ||
		useradd -r -g kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu ||
		lab_die "useradd libvirt-qemu failed"
}

lab_write_conf() {	# host K: copy /etc/libvirt, write libvirtd.conf and qemu.conf
	local k=$1 hd addr uuid
	hd=$(lab_hd "$k")
	addr=$(lab_addr "$k")
	# a new lab: fresh configuration, state and logs; the capabilities cache stays
	rm -rf "${hd:?}/etc" "${hd:?}/run" "${hd:?}/lib" "${hd:?}/log"
	: >"$hd/libvirtd.out"
	mkdir -p "$hd/run" "$hd/lib" "$hd/cache" "$hd/log" || return 1
	cp -a /etc/libvirt "$hd/etc" || return 1
	uuid=$(cat /proc/sys/kernel/random/uuid) || return 1
	cat >"$hd/etc/libvirtd.conf" <<-EOF || return 1
		# written by tests/lab/lab.sh for host $k of the lab in $LAB_DIR
		listen_tls = $LAB_TLS
		listen_tcp = 1
		auth_tcp = "none"
		listen_addr = "$addr"
		host_uuid = "$uuid"
		log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
	EOF
	if [ "$LAB_TLS" = 1 ]; then
		cat >>"$hd/etc/libvirtd.conf" <<-EOF || return 1
			tls_port = "$LAB_TLS_PORT"
			auth_tls = "none"
			ca_file = "$LAB_DIR/pki/ca/cacert.pem"
			cert_file = "$hd/pki/servercert.pem"
			key_file = "$hd/pki/serverkey.pem"
		EOF
	fi
	cat >"$hd/etc/qemu.conf" <<-EOF || return 1
		# written by tests/lab/lab.sh for host $k of the lab in $LAB_DIR
		user = "root"
		group = "root"
		dynamic_ownership = 0
		remember_owner = 0
		security_driver = "none"
		cgroup_controllers = [ ]
		namespaces = [ ]
		stdio_handler = "file"
		migration_address = "$addr"
		migration_host = "$addr"
	EOF
	if [ "$LAB_LOCKD" = 1 ]; then
		mkdir -p "$LAB_DIR/lockspace" || return 1
		cat >>"$hd/etc/qemu.conf" <<-EOF || return 1
			lock_manager = "lockd"
		EOF
		cat >"$hd/etc/qemu-lockd.conf" <<-EOF || return 1
			# written by tests/lab/lab.sh: one lockspace for every host of the lab
			auto_disk_leases = 1
			require_lease_for_disks = 1
			file_lockspace_dir = "$LAB_DIR/lockspace"
		EOF
	fi
	if [ "$LAB_TLS" = 1 ]; then
		cat >>"$hd/etc/qemu.conf" <<-EOF || return 1
			default_tls_x509_cert_dir = "$hd/pki/qemu"
			default_tls_x509_verify = 1
		EOF
	fi
}

# ---------------------------------------------------------------- ssh

LAB_SSHD=/usr/sbin/sshd

lab_ssh_client() {	# DIR/ssh: the client's key pair, ssh_config and wrapper
	local d=$LAB_DIR/ssh
	mkdir -p "$d" && chmod 700 "$d" || return 1
	if [ ! -f "$d/id_ed25519" ]; then
		ssh-keygen -q -t ed25519 -N '' -C "vmbal-lab $LAB_DIR" -f "$d/id_ed25519" || return 1
	fi
	: >"$d/known_hosts"
	cat >"$d/ssh_config" <<-EOF || return 1
		# written by tests/lab/lab.sh for the lab in $LAB_DIR
		Host *
		  IdentityFile $d/id_ed25519
		  IdentitiesOnly yes
		  IdentityAgent none
		  UserKnownHostsFile $d/known_hosts
		  GlobalKnownHostsFile /dev/null
		  ConnectTimeout 5
	EOF
	cat >"$d/ssh" <<-EOF || return 1
		#!/bin/sh
		# written by tests/lab/lab.sh: ssh with the lab's configuration only
		exec ssh -F $d/ssh_config "\$@"
	EOF
	chmod 755 "$d/ssh"
}

lab_sshd_conf() {	# lab_sshd_conf K MODE: host K's sshd_config for MODE
	local k=$1 mode=$2 hd sd addr pw=no root=prohibit-password ak
	hd=$(lab_hd "$k")
	sd=$hd/sshd
	addr=$(lab_addr "$k")
	ak=$sd/authorized_keys
	case $mode in
	key | unknown) ;;
	password) ak=none pw=yes root=yes ;;
	*) lab_die "ssh mode must be key, password or unknown, got '$mode'" ;;
	esac
	cat >"$sd/sshd_config" <<-EOF || return 1
		# written by tests/lab/lab.sh for host $k of the lab in $LAB_DIR (mode $mode)
		ListenAddress $addr:22
		HostKey $sd/ssh_host_ed25519_key
		PidFile $hd/sshd.pid
		AuthorizedKeysFile $ak
		PubkeyAuthentication yes
		PasswordAuthentication $pw
		KbdInteractiveAuthentication $pw
		PermitRootLogin $root
		StrictModes no
		UsePAM no
		UseDNS no
		PrintMotd no
		LogLevel VERBOSE
	EOF
	echo "$mode" >"$sd/mode"
}

lab_known_hosts() {	# DIR/ssh/known_hosts: every host's key but those in mode unknown
	local k sd f=$LAB_DIR/ssh/known_hosts
	: >"$f.new" || return 1
	for k in $(seq 1 "$LAB_N"); do
		sd=$(lab_hd "$k")/sshd
		[ -f "$sd/ssh_host_ed25519_key.pub" ] || continue
		[ "$(cat "$sd/mode" 2>/dev/null)" = unknown ] && continue
		printf '%s %s\n' "$(lab_addr "$k")" "$(cut -d' ' -f1,2 "$sd/ssh_host_ed25519_key.pub")" >>"$f.new"
	done
	mv -f "$f.new" "$f"
}

lab_ssh_setup() {	# host K: its own host key, authorized_keys, sshd_config
	local k=$1 sd
	sd=$(lab_hd "$k")/sshd
	mkdir -p "$sd" || return 1
	if [ ! -f "$sd/ssh_host_ed25519_key" ]; then
		ssh-keygen -q -t ed25519 -N '' -C "vmbal-lab host $k" -f "$sd/ssh_host_ed25519_key" || return 1
	fi
	cp "$LAB_DIR/ssh/id_ed25519.pub" "$sd/authorized_keys" || return 1
	lab_sshd_conf "$k" key
}

lab_sshd_pid() {	# the PID of host K's sshd (its listener), if it runs
	local hd p
	hd=$(lab_hd "$1")
	p=$(cat "$hd/sshd.pid" 2>/dev/null)
	lab_pid_is "$p" "$hd/sshd/sshd_config" || return 1
	printf '%s\n' "$p"
}

lab_wait_ssh() {	# bounded wait until host K answers `virsh version` over ssh
	local k=$1 uri end
	uri="$(lab_ssh_uri "$k")&no_tty=1"
	end=$(($(date +%s) + LAB_TIMEOUT))
	while :; do
		timeout 10 virsh -c "$uri" version >/dev/null 2>&1 && return 0
		if [ "$(date +%s)" -ge "$end" ]; then
			lab_say "host $k did not answer over ssh ($uri) within $LAB_TIMEOUT s; see $(lab_hd "$k")/sshd/sshd.log"
			timeout 10 virsh -c "$uri" version 2>&1 | tail -n 3 >&2
			return 1
		fi
		sleep 0.2
	done
}

lab_ssh_mode() {	# lab_ssh_mode K MODE: rewrite host K's sshd_config, HUP its sshd
	local k=$1 mode=$2 pid addr
	lab_load "$(lab_dir_of "")"
	lab_host_arg "$k"
	[ "$LAB_SSH" = 1 ] || lab_die "the lab at $LAB_DIR has no sshd (start it with VMBAL_LAB_SSH=1)"
	lab_sshd_conf "$k" "$mode" || lab_die "cannot write host $k's sshd_config"
	lab_known_hosts || lab_die "cannot write $LAB_DIR/ssh/known_hosts"
	pid=$(lab_sshd_pid "$k") || lab_die "sshd of host $k is not running"
	kill -s HUP "$pid" || lab_die "kill -s HUP $pid failed"
	# it execs itself again (same PID) and listens anew
	addr=$(lab_addr "$k")
	sleep 0.2
	for _ in $(seq 1 50); do
		timeout 1 bash -c "exec 3<>/dev/tcp/$addr/22" 2>/dev/null && return 0
		sleep 0.1
	done
	lab_die "sshd of host $k does not listen again after SIGHUP"
}

# Start host K's libvirtd in its namespaces, in the background, detached.
lab_spawn_libvirtd() {
	local k=$1 hd ns sshd_conf=""
	hd=$(lab_hd "$k")
	ns=$(lab_ns "$k")
	[ -e "/run/netns/$ns" ] || lab_die "namespace $ns is missing"
	# sshd starts in libvirtd's mount namespace, unless one still runs
	# (libvirtd restarted alone: the old sshd sees the same hK/run)
	if [ "$LAB_SSH" = 1 ] && ! lab_sshd_pid "$k" >/dev/null; then
		sshd_conf=$hd/sshd/sshd_config
		mkdir -p /run/sshd
	fi
	if lab_libvirtd_pid "$k" >/dev/null; then
		lab_say "libvirtd of host $k already runs"
		return 0
	fi
	mkdir -p /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /etc/libvirt
	rm -f "$hd/libvirtd.pid" "$hd/libvirtd.spawn.pid"
	# virtlockd first, unless one still runs (a host cut off: libvirtd
	# killed alone; its socket is in the same hK/run)
	local lockd=""
	if [ "$LAB_LOCKD" = 1 ] && ! lab_virtlockd_pid "$k" >/dev/null; then
		lockd=1
		rm -f "$hd/virtlockd.pid" "$hd/run/virtlockd-sock"
	fi
	printf '=== %s start\n' "$(date '+%F %T')" >>"$hd/libvirtd.out"
	# shellcheck disable=SC2016
	setsid ip netns exec "$ns" unshare -m -u --propagation private sh -c '
		set -e
		hd=$1
		mount --bind "$hd/etc" /etc/libvirt
		mount --bind "$hd/run" /run/libvirt
		mount --bind "$hd/lib" /var/lib/libvirt
		mount --bind "$hd/cache" /var/cache/libvirt
		mount --bind "$hd/log" /var/log/libvirt
		hostname "$2" 2>/dev/null || true
		if [ -n "$4" ]; then
			"$5" -f "$4" -E "$hd/sshd/sshd.log"
		fi
		if [ -n "$6" ]; then
			virtlockd -p "$hd/virtlockd.pid" &
			i=0
			while [ ! -S /run/libvirt/virtlockd-sock ] && [ $i -lt 100 ]; do
				sleep 0.1
				i=$((i + 1))
			done
		fi
		exec libvirtd --listen -p "$hd/libvirtd.pid" -f "$3"
	' lab-host "$hd" "$ns" "$hd/etc/libvirtd.conf" "$sshd_conf" "$LAB_SSHD" "$lockd" </dev/null >>"$hd/libvirtd.out" 2>&1 9>&- &
	echo $! >"$hd/libvirtd.spawn.pid"
}

lab_wait_libvirtd() {	# bounded wait until host K answers `virsh version`
	local k=$1 hd uri end
	hd=$(lab_hd "$k")
	uri=$(lab_uri "$k")
	end=$(($(date +%s) + LAB_TIMEOUT))
	while :; do
		if timeout 10 virsh -c "$uri" version >/dev/null 2>&1; then
			[ "$LAB_TLS" = 1 ] || return 0
			# tcp answers: the daemon is up, so TLS answers now or never
			local out
			out=$(timeout 10 virsh -c "$(lab_tls_uri "$k")" version 2>&1) && return 0
			lab_say "host $k answers over tcp but not over TLS ($(lab_tls_uri "$k")): $out"
			return 1
		fi
		if ! lab_libvirtd_pid "$k" >/dev/null; then
			lab_say "libvirtd of host $k died; last lines of $hd/libvirtd.out and log/libvirtd.log:"
			tail -n 15 "$hd/libvirtd.out" "$hd/log/libvirtd.log" >&2 2>/dev/null
			return 1
		fi
		if [ "$(date +%s)" -ge "$end" ]; then
			lab_say "host $k ($uri) did not answer 'virsh version' within $LAB_TIMEOUT s; see $hd/libvirtd.out and $hd/log/libvirtd.log"
			return 1
		fi
		sleep 0.2
	done
}

lab_owner_of() {	# lab_owner_of DEV [NETNS]: the alias of a link, or nothing
	ip ${2:+-n "$2"} -o link show dev "$1" 2>/dev/null | sed -n 's/.*alias \(.*\)$/\1/p' | head -n 1
}

# Probing QEMU's capabilities takes each new libvirtd several seconds of CPU.
# The cache (in hK/cache, kept by down) is valid for every host of the
# machine, and libvirt probes again by itself if it is stale: copy it to the
# hosts that have none.
lab_seed_caps_cache() {
	local n=$1 k src="" c
	for c in "$LAB_DIR"/h*/cache/qemu/capabilities; do
		if [ -n "$(ls -A "$c" 2>/dev/null)" ]; then
			src=$c
			break
		fi
	done
	[ -n "$src" ] || return 0
	for k in $(seq 1 "$n"); do
		c=$(lab_hd "$k")/cache/qemu/capabilities
		[ -n "$(ls -A "$c" 2>/dev/null)" ] && continue
		mkdir -p "$c" && cp -a "$src/." "$c/"
	done
}

lab_up() {
	local n=$1 k ns veth addr owner failed=0
	case $n in
	'' | *[!0-9]*) lab_die "usage: lab.sh up N [DIR]" ;;
	esac
	{ [ "$n" -ge 1 ] && [ "$n" -le 200 ]; } || lab_die "N must be 1..200"
	lab_need_root
	lab_check_prefix
	lab_need_tools ip unshare setsid flock libvirtd virsh qemu-system-x86_64 timeout
	case $LAB_TLS in
	0) ;;
	1) command -v certtool >/dev/null 2>&1 ||
		lab_die "VMBAL_LAB_TLS=1 needs certtool (apt-get install -y --no-install-recommends gnutls-bin)" ;;
	*) lab_die "VMBAL_LAB_TLS must be 0 or 1, got '$LAB_TLS'" ;;
	esac
	case $LAB_LOCKD in
	0) ;;
	1) lab_need_tools virtlockd ;;
	*) lab_die "VMBAL_LAB_LOCKD must be 0 or 1, got '$LAB_LOCKD'" ;;
	esac
	case ${VMBAL_LAB_SSH:-0} in
	0) ;;
	1)
		lab_need_tools ssh ssh-keygen
		[ -x "$LAB_SSHD" ] || lab_die "missing $LAB_SSHD (apt-get install -y --no-install-recommends openssh-server)"
		;;
	*) lab_die "VMBAL_LAB_SSH must be 0 or 1" ;;
	esac
	LAB_DIR=$(lab_dir_of "${2:-}")
	lab_lock
	mkdir -p "$LAB_DIR" || lab_die "cannot create $LAB_DIR"
	[ -f "$LAB_DIR/lab.conf" ] && lab_die "$LAB_DIR already holds a lab; run: $0 down $LAB_DIR"

	# Refuse before making anything if a name or an address is taken.
	LAB_BRIDGE=$LAB_PREFIX-br
	if ip link show "$LAB_BRIDGE" >/dev/null 2>&1; then
		owner=$(lab_owner_of "$LAB_BRIDGE")
		lab_die "bridge $LAB_BRIDGE exists${owner:+ ($owner)}: another lab is up; run: $0 down ${owner#vmbal-lab }"
	fi
	for k in $(seq 1 "$n"); do
		ns=$(lab_ns "$k")
		veth=$(lab_veth "$k")
		[ -e "/run/netns/$ns" ] && lab_die "network namespace $ns exists: another lab is up (or was killed); run lab.sh down on its DIR"
		ip link show "$veth" >/dev/null 2>&1 && lab_die "interface $veth exists"
	done
	if ip -o -4 addr show | grep -qF " inet $LAB_NET."; then
		lab_die "an address in $LAB_NET.0/24 is already in use on this machine"
	fi
	lab_ensure_users

	# Record first, then make: down undoes whatever got made.
	printf 'LAB_PREFIX=%s\nLAB_NET=%s\nLAB_N=%s\nLAB_TLS=%s\nLAB_SSH=%s\nLAB_LOCKD=%s\n' "$LAB_PREFIX" "$LAB_NET" "$n" \
		"$LAB_TLS" "${VMBAL_LAB_SSH:-0}" "$LAB_LOCKD" >"$LAB_DIR/lab.conf"
	lab_load "$LAB_DIR"
	trap 'lab_up_failed' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP

	echo "$LAB_BRIDGE" >"$LAB_DIR/bridge"
	ip link add name "$LAB_BRIDGE" type bridge forward_delay 0 stp_state 0 || exit 1
	ip link set "$LAB_BRIDGE" alias "vmbal-lab $LAB_DIR" || exit 1
	ip addr add "$LAB_NET.1/24" dev "$LAB_BRIDGE" || exit 1
	ip link set "$LAB_BRIDGE" up || exit 1

	for k in $(seq 1 "$n"); do
		hd=$(lab_hd "$k")
		ns=$(lab_ns "$k")
		veth=$(lab_veth "$k")
		addr=$(lab_addr "$k")
		mkdir -p "$hd" || exit 1
		echo "$ns" >"$hd/netns"
		ip netns add "$ns" || exit 1
		echo "$veth" >"$hd/veth"
		ip link add "$veth" type veth peer name eth0 netns "$ns" || exit 1
		ip link set "$veth" alias "vmbal-lab $LAB_DIR" || exit 1
		ip link set "$veth" master "$LAB_BRIDGE" up || exit 1
		ip -n "$ns" link set lo up || exit 1
		ip -n "$ns" link set eth0 alias "vmbal-lab $LAB_DIR" || exit 1
		ip -n "$ns" addr add "$addr/24" dev eth0 || exit 1
		ip -n "$ns" link set eth0 up || exit 1
		lab_write_conf "$k" || lab_die "cannot write the configuration of host $k"
	done
	if [ "$LAB_TLS" = 1 ]; then
		lab_pki_make "$n" || lab_die "cannot make the lab's PKI"
	fi
	if [ "$LAB_SSH" = 1 ]; then
		lab_ssh_client || lab_die "cannot write $LAB_DIR/ssh"
		for k in $(seq 1 "$n"); do
			lab_ssh_setup "$k" || lab_die "cannot set up host $k's sshd"
		done
		lab_known_hosts || lab_die "cannot write $LAB_DIR/ssh/known_hosts"
	fi
	lab_seed_caps_cache "$n"
	for k in $(seq 1 "$n"); do
		lab_spawn_libvirtd "$k"
	done
	for k in $(seq 1 "$n"); do
		lab_wait_libvirtd "$k" || failed=1
	done
	if [ "$LAB_SSH" = 1 ] && [ "$failed" = 0 ]; then
		for k in $(seq 1 "$n"); do
			lab_wait_ssh "$k" || failed=1
		done
	fi
	[ "$failed" = 0 ] || exit 1
	trap - EXIT INT TERM HUP
	echo up >"$LAB_DIR/state"
	for k in $(seq 1 "$n"); do
		lab_uri "$k"
		[ "$LAB_TLS" = 1 ] && lab_tls_uri "$k"
	done
	return 0
}

lab_up_failed() {
	local rc=$?
	trap - EXIT INT TERM HUP
	[ "$rc" = 0 ] && rc=1
	if [ "${VMBAL_LAB_KEEP:-0}" = 1 ]; then
		lab_say "up failed; kept as it is (VMBAL_LAB_KEEP=1); clean up with: $0 down $LAB_DIR"
	else
		lab_say "up failed; undoing what it made"
		lab_down_dir "$LAB_DIR"
	fi
	exit "$rc"
}

# ---------------------------------------------------------------- down

lab_netns_inode() { stat -L -c %i "/run/netns/$1" 2>/dev/null; }

lab_sweep_netns() {	# TERM, then KILL, whatever still runs in namespace NS
	local ns=$1 pids p
	pids=$(ip netns pids "$ns" 2>/dev/null)
	[ -n "$pids" ] || return 0
	lab_say "stopping what still runs in $ns: $(echo "$pids" | tr '\n' ' ')"
	for p in $pids; do kill -s TERM "$p" 2>/dev/null; done
	for _ in $(seq 1 50); do
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -s KILL "$p" 2>/dev/null; done
	for _ in $(seq 1 30); do
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	lab_say "warning: processes remain in $ns: $(ip netns pids "$ns" | tr '\n' ' ')"
}

lab_destroy_guests() {	# destroy host K's guests through libvirt, if it answers
	local k=$1 name uri
	lab_libvirtd_pid "$k" >/dev/null || return 0
	uri=$(lab_uri "$k")
	local jobs=""
	for name in $(timeout 10 virsh -q -c "$uri" list --name 2>/dev/null); do
		timeout 20 virsh -q -c "$uri" destroy "$name" >/dev/null 2>&1 &
		jobs="$jobs $!"
	done
	# shellcheck disable=SC2086
	[ -z "$jobs" ] || wait $jobs
}

lab_down_host() {	# stop host K's daemon and QEMUs, remove its network
	local k=$1 hd ns veth pid f name ino owner
	hd=$(lab_hd "$k")
	ns=$(cat "$hd/netns" 2>/dev/null)
	veth=$(cat "$hd/veth" 2>/dev/null)

	# Guests were destroyed through libvirt by lab_destroy_guests; now the daemon.
	if pid=$(lab_libvirtd_pid "$k"); then
		lab_stop_pid "$pid" "$hd/etc/libvirtd.conf" TERM
	fi
	pid=$(cat "$hd/libvirtd.spawn.pid" 2>/dev/null)
	lab_stop_pid "$pid" "$hd/etc/libvirtd.conf" KILL
	if pid=$(lab_sshd_pid "$k"); then
		lab_stop_pid "$pid" "$hd/sshd/sshd_config" TERM
	fi
	rm -f "$hd/sshd.pid"

	# QEMU processes libvirt left, by the pid files in the private /run/libvirt.
	for f in "$hd"/run/qemu/*.pid; do
		[ -f "$f" ] || continue
		name=$(basename "$f" .pid)
		pid=$(cat "$f" 2>/dev/null)
		if lab_pid_is "$pid" "guest=$name" && lab_pid_is "$pid" qemu-system; then
			ino=$(lab_netns_inode "$ns")
			if [ -z "$ino" ] || [ "$(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null)" = "$ino" ]; then
				lab_stop_pid "$pid" "guest=$name" TERM
			fi
		fi
	done

	if pid=$(lab_virtlockd_pid "$k"); then
		lab_stop_pid "$pid" "$hd/virtlockd.pid" TERM
	fi
	rm -f "$hd/virtlockd.pid"

	# A name that carries another lab's alias is not ours: leave it, forget it.
	if [ -n "$ns" ] && [ -e "/run/netns/$ns" ]; then
		owner=$(lab_owner_of eth0 "$ns")
		if [ -n "$owner" ] && [ "$owner" != "vmbal-lab $LAB_DIR" ]; then
			lab_say "warning: namespace $ns belongs to '$owner', not this lab; left alone"
		else
			# Anything still running in the namespace was started by this lab
			# (e.g. a QEMU whose pid file was never written): stop it by PID.
			lab_sweep_netns "$ns"
			ip netns del "$ns" 2>/dev/null || lab_say "warning: ip netns del $ns failed"
			[ -e "/run/netns/$ns" ] && return 1
		fi
	fi
	if [ -n "$veth" ] && ip link show "$veth" >/dev/null 2>&1; then
		owner=$(lab_owner_of "$veth")
		if [ -n "$owner" ] && [ "$owner" != "vmbal-lab $LAB_DIR" ]; then
			lab_say "warning: interface $veth belongs to '$owner', not this lab; left alone"
		else
			# (it may vanish by itself while its peer's namespace goes)
			ip link del "$veth" 2>/dev/null || ! ip link show "$veth" >/dev/null 2>&1 || return 1
		fi
	fi
	rm -f "$hd/netns" "$hd/veth" "$hd/libvirtd.pid" "$hd/libvirtd.spawn.pid"
	rm -rf "$hd/run"
	return 0
}

lab_down_dir() {
	local dir=$1 k hd left=0 br owner
	lab_load "$dir"
	[ -f "$LAB_DIR/lab.conf" ] || [ -f "$LAB_DIR/bridge" ] || {
		lab_say "nothing recorded in $LAB_DIR"
		return 0
	}
	# Every host directory that exists, not only 1..N, in case N was changed.
	local hosts=""
	for hd in "$LAB_DIR"/h[0-9]*; do
		[ -d "$hd" ] || continue
		k=${hd##*/h}
		case $k in *[!0-9]*) continue ;; esac
		hosts="$hosts $k"
	done
	# libvirt takes a second or two per destroy: all hosts at once.
	# (wait for these jobs only: after a failed up, libvirtd are children too)
	local jobs=""
	for k in $hosts; do
		lab_destroy_guests "$k" 9>&- &
		jobs="$jobs $!"
	done
	# shellcheck disable=SC2086
	[ -z "$jobs" ] || wait $jobs
	for k in $hosts; do
		lab_down_host "$k" || left=1
	done
	br=$(cat "$LAB_DIR/bridge" 2>/dev/null)
	if [ -n "$br" ] && ip link show "$br" >/dev/null 2>&1; then
		owner=$(lab_owner_of "$br")
		if [ -n "$owner" ] && [ "$owner" != "vmbal-lab $LAB_DIR" ]; then
			lab_say "warning: bridge $br belongs to '$owner', not this lab; left alone"
		else
			ip link del "$br" || left=1
		fi
	fi
	if [ "$left" = 0 ]; then
		# (the PKI's private keys go too)
		for k in $hosts; do
			rm -rf "$(lab_hd "$k")/pki"
		done
		rm -rf "$LAB_DIR/pki" "$LAB_DIR/lockspace" "$LAB_DIR/disks"
		rm -f "$LAB_DIR/bridge" "$LAB_DIR/lab.conf" "$LAB_DIR/state"
		lab_say "down: $LAB_DIR cleaned (logs and images kept)"
	else
		lab_say "down: something in $LAB_DIR could not be removed; run down again"
		return 1
	fi
}

lab_down() {
	lab_need_root
	LAB_DIR=$(lab_dir_of "${1:-}")
	lab_lock
	lab_down_dir "$LAB_DIR"
}

# ---------------------------------------------------------------- guests

lab_guest() {
	local k=$1 name=$2 duty=$3 mem=${4:-32} img xml disk="" override="" xmlns="" persist=${LAB_GUEST_PERSIST:-0}
	[ $# -ge 3 ] || lab_die "usage: lab.sh guest K NAME DUTY [MEM_MIB]"
	lab_load "$(lab_dir_of "")"
	lab_host_arg "$k"
	case $name in
	'' | *[!A-Za-z0-9_.-]*) lab_die "guest name may hold only letters, digits and _ . -" ;;
	esac
	case $mem in
	'' | *[!0-9]*) lab_die "MEM_MIB must be a number" ;;
	esac
	[ "$mem" -ge 4 ] || lab_die "MEM_MIB must be at least 4"
	img=$(lab_image "$LAB_DIR" "$duty") || exit 1
	mkdir -p "$LAB_DIR/guests"
	if [ "$persist" = 1 ]; then
		# its writable disk: what the lease guards
		mkdir -p "$LAB_DIR/disks" || lab_die "cannot create $LAB_DIR/disks"
		[ -f "$LAB_DIR/disks/$name.img" ] || truncate -s 1M "$LAB_DIR/disks/$name.img" ||
			lab_die "cannot create $LAB_DIR/disks/$name.img"
		disk="<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$LAB_DIR/disks/$name.img'/><target dev='hda' bus='ide'/><alias name='ua-lease'/></disk>"
		# share-rw on the disk's device: QEMU's own image lock would
		# refuse a second start on this machine before the lease does
		# (hosts sharing storage have no common image lock); the lease is
		# then the only guard (lab-notes)
		xmlns=" xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"
		override="<qemu:override><qemu:device alias='ua-lease'><qemu:frontend><qemu:property name='share-rw' type='bool' value='true'/></qemu:frontend></qemu:device></qemu:override>"
	fi
	xml=$LAB_DIR/guests/$name.xml
	cat >"$xml" <<-EOF
		<domain type='qemu'$xmlns>
		  <name>$name</name>
		  <memory unit='MiB'>$mem</memory>
		  <vcpu>1</vcpu>
		  <os>
		    <type arch='x86_64' machine='pc'>hvm</type>
		    <boot dev='fd'/>
		  </os>
		  <clock offset='utc'/>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>destroy</on_reboot>
		  <on_crash>destroy</on_crash>
		  <devices>
		    <emulator>$(command -v qemu-system-x86_64)</emulator>
		    <disk type='file' device='floppy'>
		      <driver name='qemu' type='raw'/>
		      <source file='$img'/>
		      <target dev='fda' bus='fdc'/>
		      <readonly/>
		    </disk>
		    $disk
		    <controller type='usb' model='none'/>
		    <memballoon model='none'/>
		  </devices>
		  $override
		</domain>
	EOF
	if [ "$persist" = 1 ]; then
		lab_virsh "$k" define "$xml" >/dev/null || lab_die "defining guest $name on host $k failed"
		lab_virsh "$k" start "$name" >/dev/null || lab_die "starting guest $name on host $k failed"
	else
		lab_virsh "$k" create "$xml" >/dev/null || lab_die "starting guest $name on host $k failed"
	fi
	case $duty in
	w*) printf '%s on %s (writing %s MiB, %s MiB)\n' "$name" "$(lab_uri "$k")" "${duty#w}" "$mem" ;;
	*) printf '%s on %s (duty %s%%, %s MiB)\n' "$name" "$(lab_uri "$k")" "$((10#$duty))" "$mem" ;;
	esac
}

lab_linux_image() {	# -> "KERNEL INITRD" on two lines (tests/lab/linux/build.sh)
	bash "$LAB_HERE/linux/build.sh" || lab_die "cannot build the Linux guest's kernel and initrd"
}

lab_linux_guest() {
	local k=$1 name=$2 mode=${3:-} mem=${4:-256} port=${5:-4555} files kernel initrd xml
	[ $# -ge 3 ] || lab_die "usage: lab.sh linux-guest K NAME MODE [MEM_MIB [PORT]]"
	lab_load "$(lab_dir_of "")"
	lab_host_arg "$k"
	case $name in
	'' | *[!A-Za-z0-9_.-]*) lab_die "guest name may hold only letters, digits and _ . -" ;;
	esac
	[[ $mode =~ ^(idle|cpu|mem:[1-9][0-9]{0,4})(,[1-9][0-9]{0,4})?$ ]] ||
		lab_die "MODE must be idle, cpu or mem:RATE, optionally ,BUF_MIB; got '$mode'"
	case $mem in
	'' | *[!0-9]*) lab_die "MEM_MIB must be a number" ;;
	esac
	[ "$mem" -ge 64 ] || lab_die "MEM_MIB must be at least 64 for the Linux guest"
	case $port in
	'' | *[!0-9]*) lab_die "PORT must be a number" ;;
	esac
	{ [ "$port" -ge 1024 ] && [ "$port" -le 65535 ]; } || lab_die "PORT must be 1024..65535"
	files=$(lab_linux_image) || exit 1
	kernel=$(printf '%s\n' "$files" | sed -n 1p)
	initrd=$(printf '%s\n' "$files" | sed -n 2p)
	mkdir -p "$LAB_DIR/guests"
	xml=$LAB_DIR/guests/$name.xml
	cat >"$xml" <<-EOF
		<domain type='qemu'>
		  <name>$name</name>
		  <memory unit='MiB'>$mem</memory>
		  <vcpu>1</vcpu>
		  <os>
		    <type arch='x86_64' machine='pc'>hvm</type>
		    <kernel>$kernel</kernel>
		    <initrd>$initrd</initrd>
		    <cmdline>console=ttyS0 quiet panic=-1 memwrite=$mode</cmdline>
		  </os>
		  <clock offset='utc'/>
		  <on_poweroff>destroy</on_poweroff>
		  <on_reboot>destroy</on_reboot>
		  <on_crash>destroy</on_crash>
		  <devices>
		    <emulator>$(command -v qemu-system-x86_64)</emulator>
		    <serial type='tcp'>
		      <source mode='bind' host='0.0.0.0' service='$port'/>
		      <protocol type='raw'/>
		      <target port='0'/>
		    </serial>
		    <controller type='usb' model='none'/>
		    <memballoon model='none'/>
		  </devices>
		</domain>
	EOF
	lab_virsh "$k" create "$xml" >/dev/null || lab_die "starting guest $name on host $k failed"
	printf '%s on %s (memwrite %s, %s MiB, serial tcp %s:%s)\n' "$name" "$(lab_uri "$k")" "$mode" \
		"$mem" "$(lab_addr "$k")" "$port"
}

lab_kill_libvirtd() {
	local k=$1 sig=${2:-TERM} pid
	lab_need_root
	lab_load "$(lab_dir_of "")"
	lab_host_arg "$k"
	pid=$(lab_libvirtd_pid "$k") || {
		lab_say "libvirtd of host $k is not running"
		return 0
	}
	sig=${sig#SIG}
	kill -s "$sig" "$pid" || lab_die "kill -s $sig $pid failed"
	local _
	for _ in $(seq 1 100); do
		lab_pid_is "$pid" "$(lab_hd "$k")/etc/libvirtd.conf" || return 0
		sleep 0.1
	done
	lab_say "libvirtd $pid still runs 10 s after SIG$sig; sending KILL"
	kill -s KILL "$pid" 2>/dev/null
	return 0
}

lab_start_libvirtd() {
	local k=$1
	lab_need_root
	lab_load "$(lab_dir_of "")"
	lab_host_arg "$k"
	lab_spawn_libvirtd "$k"
	lab_wait_libvirtd "$k" || exit 1
	lab_uri "$k"
}

# Host K's QEMU processes, by the pid files of its private /run/libvirt,
# each checked to be a QEMU of that guest in K's network namespace.
lab_qemu_pids() {
	local k=$1 hd ns ino f name pid
	hd=$(lab_hd "$k")
	ns=$(cat "$hd/netns" 2>/dev/null)
	ino=$(lab_netns_inode "$ns")
	for f in "$hd"/run/qemu/*.pid; do
		[ -f "$f" ] || continue
		name=$(basename "$f" .pid)
		pid=$(cat "$f" 2>/dev/null)
		lab_pid_is "$pid" "guest=$name" && lab_pid_is "$pid" qemu-system || continue
		[ -n "$ino" ] && [ "$(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null)" != "$ino" ] && continue
		printf '%s\n' "$pid"
	done
}

lab_power_off() {	# everything of host K SIGKILLed at once, as a power loss
	local k=${1:-} hd ns pids p
	lab_need_root
	lab_load "$(lab_dir_of "")"
	lab_host_arg "$k"
	hd=$(lab_hd "$k")
	ns=$(cat "$hd/netns" 2>/dev/null)
	pids="$(lab_libvirtd_pid "$k") $(lab_virtlockd_pid "$k") $(lab_qemu_pids "$k") $(lab_sshd_pid "$k")"
	[ -n "$ns" ] && [ -e "/run/netns/$ns" ] && pids="$pids $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')"
	# all at the same instant, as a power loss: frozen first (libvirtd
	# first, so that it never reports its QEMUs' deaths), then killed
	for p in $pids; do kill -s STOP "$p" 2>/dev/null; done
	for p in $pids; do kill -s KILL "$p" 2>/dev/null; done
	for _ in $(seq 1 50); do
		lab_power_is_off "$k" && { echo off >"$hd/power"; return 0; }
		sleep 0.1
	done
	lab_die "host $k still has processes after SIGKILL"
}

lab_power_is_off() {	# no libvirtd, no virtlockd, no QEMU of host K
	lab_libvirtd_pid "$1" >/dev/null && return 1
	lab_virtlockd_pid "$1" >/dev/null && return 1
	[ -z "$(lab_qemu_pids "$1")" ]
}

lab_power_status() {
	local k=${1:-}
	lab_load "$(lab_dir_of "")"
	lab_host_arg "$k"
	if lab_power_is_off "$k"; then
		echo off
		exit 2
	fi
	echo on
	exit 0
}

lab_status() {
	local k pid
	lab_load "$(lab_dir_of "${1:-}")"
	[ -f "$LAB_DIR/lab.conf" ] || {
		echo "no lab in $LAB_DIR"
		return 1
	}
	for k in $(seq 1 "$LAB_N"); do
		if pid=$(lab_libvirtd_pid "$k"); then
			if timeout 5 virsh -c "$(lab_uri "$k")" version >/dev/null 2>&1; then
				printf '%s libvirtd %s up\n' "$(lab_uri "$k")" "$pid"
			else
				printf '%s libvirtd %s not answering\n' "$(lab_uri "$k")" "$pid"
			fi
			if [ "$LAB_TLS" = 1 ]; then
				if timeout 5 virsh -c "$(lab_tls_uri "$k")" version >/dev/null 2>&1; then
					printf '%s libvirtd %s up\n' "$(lab_tls_uri "$k")" "$pid"
				else
					printf '%s libvirtd %s not answering\n' "$(lab_tls_uri "$k")" "$pid"
				fi
			fi
		else
			printf '%s libvirtd down\n' "$(lab_uri "$k")"
		fi
	done
}

lab_main() {
	local cmd=${1:-}
	[ $# -gt 0 ] && shift
	case $cmd in
	up) lab_up "$@" ;;
	down) lab_down "$@" ;;
	guest) lab_guest "$@" ;;
	linux-guest) lab_linux_guest "$@" ;;
	linux-image) lab_linux_image ;;
	kill-libvirtd) lab_kill_libvirtd "$@" ;;
	start-libvirtd | power-on)
		lab_start_libvirtd "$@"
		rm -f "$(lab_hd "$1")/power"
		;;
	disk-guest) LAB_GUEST_PERSIST=1 lab_guest "$@" ;;
	power-off) lab_power_off "$@" ;;
	cut-off) lab_kill_libvirtd "${1:-}" KILL ;;
	power-status) lab_power_status "$@" ;;
	status) lab_status "$@" ;;
	uri)
		lab_load "$(lab_dir_of "")"
		lab_host_arg "${1:-}"
		lab_uri "$1"
		;;
	ssh-uri)
		lab_load "$(lab_dir_of "")"
		lab_host_arg "${1:-}"
		[ "$LAB_SSH" = 1 ] || lab_die "the lab at $LAB_DIR has no sshd (start it with VMBAL_LAB_SSH=1)"
		lab_ssh_uri "$1"
		;;
	ssh-mode) lab_ssh_mode "$@" ;;
	image)
		lab_image "$(lab_dir_of "")" "${1:-}"
		;;
	tls-uri)
		lab_load "$(lab_dir_of "")"
		lab_host_arg "${1:-}"
		[ "$LAB_TLS" = 1 ] || lab_die "the lab at $LAB_DIR was not brought up with VMBAL_LAB_TLS=1"
		lab_tls_uri "$1" "${2:+$(realpath -m -- "$2")}"
		;;
	tls-client) lab_tls_client "$@" ;;
	*)
		sed -n '2,42p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
		exit 2
		;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	lab_main "$@"
fi
