#!/bin/sh
# install.t - make install honours PREFIX and DESTDIR: the binary, the
# demo scenario, the themes and the man pages land under DESTDIR/PREFIX, nothing else
# is touched, and the installed binary runs.
cd "$(dirname "$0")/../.." || exit 1
echo "1..4"
dest=$(mktemp -d /tmp/vmbal-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT INT TERM
if make -s install PREFIX=/opt/vmbal DESTDIR="$dest" >/dev/null 2>&1; then
	echo "ok 1 - make install PREFIX=/opt/vmbal DESTDIR=..."
else
	echo "not ok 1 - make install failed"
fi
missing=""
for f in opt/vmbal/bin/vmbal opt/vmbal/share/vmbal/scenarios/demo.yaml \
    opt/vmbal/share/man/man5/vmbal.yaml.5 opt/vmbal/share/man/man1/vmbal.1 \
    opt/vmbal/share/vmbal/themes/dark.theme \
    opt/vmbal/share/vmbal/themes/light.theme \
    opt/vmbal/share/vmbal/themes/mono.theme; do
	[ -f "$dest/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
	echo "ok 2 - binary, demo scenario, themes and both man pages installed"
else
	echo "not ok 2 - missing:$missing"
fi
stray=$(cd "$dest" && find . -mindepth 1 -maxdepth 1 ! -name opt)
if [ -z "$stray" ]; then
	echo "ok 3 - nothing outside PREFIX"
else
	echo "not ok 3 - outside PREFIX: $stray"
fi
if "$dest/opt/vmbal/bin/vmbal" --check-config --scenario \
    "$dest/opt/vmbal/share/vmbal/scenarios/demo.yaml" >/dev/null 2>&1; then
	echo "ok 4 - the installed binary validates the installed demo"
else
	echo "not ok 4 - installed binary or scenario broken"
fi
