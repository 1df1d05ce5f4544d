#!/usr/bin/env bash
# Builds the .deb from an up-to-date build dir, unpacks it into a temporary root and runs the
# installed awb there with AWB_RESOURCES unset: the binary must pick share/awq-workbench/resources
# beside itself over the source tree it was built from (checked through the model path that
# `awb inspect` reports). Usage: tst_deb_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
(cd "$build" && cpack -G DEB -B "$root/pkg" >"$root/cpack.log" 2>&1) || { cat "$root/cpack.log"; exit 1; }
deb=$(ls "$root"/pkg/*.deb)
echo "package: $(basename "$deb")"
dpkg-deb -f "$deb" Depends | grep -q libopenblas0-pthread || { echo "Depends lacks libopenblas0-pthread"; exit 1; }
dpkg-deb -f "$deb" Depends | grep -q libtorch || { echo "Depends lacks libtorch"; exit 1; }
dpkg -x "$deb" "$root/install"
bin="$root/install/usr/bin"
test -x "$bin/awb"
res="$root/install/usr/share/awq-workbench/resources"
test -f "$res/models/stories260K/stories260K.bin"
if [ -x "$build/app/gui/awq-workbench" ]; then
  test -x "$bin/awq-workbench"
  test -f "$root/install/usr/share/applications/awq-workbench.desktop"
  test -f "$root/install/usr/share/icons/hicolor/128x128/apps/awq-workbench.png"
fi
unset AWB_RESOURCES
cd "$root"
"$bin/awb" --version
# The model it loads by default must be the installed copy, not the source tree's.
"$bin/awb" inspect --json | tail -1 | grep -q "$res/models/stories260K/stories260K.bin" \
  || { echo "awb inspect did not use the installed resources:"; "$bin/awb" inspect --json | tail -1 | head -c 400; exit 1; }
out=$("$bin/awb" eval --text "$res/text/tinystories-valid-sample.txt" --seqlen 256 --json | tail -1)
echo "$out"
echo "$out" | grep -Eq '"ppl": ?[0-9]+\.[0-9]+' || { echo "awb eval printed no perplexity"; exit 1; }
echo "installed awb ran from $root/install"
