#!/bin/sh
# probe.t - the libvirt collector against libvirt's test driver and a
# host that cannot be reached (a unix socket nobody listens on): the
# first is up with its domain every tick, the second is down, and the run
# goes on. Real libvirtd hosts are tested in tests/lab/.
cd "$(dirname "$0")/../.." || exit 1
echo "1..4"
cfg=$(mktemp /tmp/vmbal-probe.XXXXXX)
out=$(mktemp /tmp/vmbal-probe-out.XXXXXX)
trap 'rm -f "$cfg" "$out"' EXIT INT TERM
cat > "$cfg" <<YAML
hosts:
  - {name: t1, uri: "test:///default", cpus: 4}
  - {name: t2, uri: "qemu+unix:///system?socket=/tmp/vmbal-no-such-$$.sock"}
policy: {mode: observe, probe_interval_s: 0.5, analyse_interval_s: 1}
YAML
if ! timeout 30 ./vmbal --headless -c "$cfg" --ticks 3 > "$out" 2>/tmp/vmbal-probe-err.$$; then
	echo "not ok 1 - vmbal ran"; sed 's/^/# /' /tmp/vmbal-probe-err.$$
else
	echo "ok 1 - vmbal ran three ticks against a real and an unreachable host"
fi
if [ ! -s /tmp/vmbal-probe-err.$$ ]; then
	echo "ok 2 - nothing on stderr (libvirt's own messages stay quiet)"
else
	echo "not ok 2 - stderr:"; sed 's/^/# /' /tmp/vmbal-probe-err.$$
fi
rm -f /tmp/vmbal-probe-err.$$
if [ "$(jq -s '[.[] | select(.event=="sample")] | length' "$out")" = 3 ] &&
    jq -e -s 'all(.[] | select(.event=="sample");
	(.hosts[0].state=="up") and (.hosts[0].cpus==4) and (.hosts[0].mem_total_mib > 0)
	and (.hosts[1].state=="down") and (.vms | length == 1) and (.vms[0].name=="test")
	and (.vms[0].host=="t1") and (.vms[0].state=="running"))' "$out" >/dev/null; then
	echo "ok 3 - every sample: t1 up with its domain, cpus from the config; t2 down"
else
	echo "not ok 3 - samples"; head -c 1500 "$out" | sed 's/^/# /'
fi
if [ "$(tail -1 "$out" | jq -r .event)" = end ]; then
	echo "ok 4 - ends with end"
else
	echo "not ok 4 - no end line"
fi
