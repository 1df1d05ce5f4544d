#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds, and opens the workbench on the embedded default model.
# Without a display it says so and runs the workbench's demo headless under xvfb-run instead
# (w3/w4 × g32/g64 AWQ points on stories260K), writing screenshots of the window and of each view
# into ./workbench-screenshots/ (override with AWB_SCREENSHOT_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
./packaging/setup-debian.sh
./packaging/build.sh
gui=build/app/gui/awq-workbench
if [ ! -x "$gui" ]; then
  echo "awq-workbench was not built (AWB_BUILD_GUI=OFF?): running the headless CLI demo 'awb demo' instead." >&2
  exec build/app/cli/awb demo
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$gui" "$@"
fi
out=${AWB_SCREENSHOT_DIR:-workbench-screenshots}
mkdir -p "$out"
echo "No display here (DISPLAY and WAYLAND_DISPLAY are unset): running the workbench demo headless under xvfb-run;" >&2
echo "screenshots and the drift report go to $out/." >&2
exec xvfb-run -a -s "-screen 0 1600x1000x24" "$gui" --run-demo --window-size 1600x1000 \
  --screenshot "$out/workbench.png" --screenshot-views "$out" --report "$out/drift-report.pdf"
