#!/usr/bin/env bash
# Sweep benchmark (issue 11): an N-point `awb sweep` against the same N points as separate
# `awb quantize --eval` runs, side by side in one run, on the embedded stories260K model.
# Both calibrate on the same bundled set with the same blocks and evaluate the same text; the sweep
# does more per point (KL, top-1, entropy, per-layer error besides perplexity) and still shares the
# FP model, its eval logits, the calibration set and F's block inputs, and runs points on every core.
# Usage: bench/sweep_vs_quantize.sh [build dir] [reps]   (default build, 1 rep; prints a ratio per rep)
set -euo pipefail
BUILD=${1:-build}
REPS=${2:-1}
AWB="$BUILD/app/cli/awb"
EVAL=resources/text/tinystories-valid-sample.txt
CALIB=(--calib tinystories --n-samples 32 --seqlen 512)
WBITS=(3 4)
GROUPS_=(32 64)
ZPS=(on off)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
now() { date +%s.%N; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq 1 "$REPS"); do
  t0=$(now)
  "$AWB" sweep "${CALIB[@]}" --eval "$EVAL" --w-bit 3,4 --group-size 32,64 --zero-point on,off \
    --out "$TMP/sweep-$rep.h5" --json 2>/dev/null | tail -1 > "$TMP/sweep-$rep.json"
  t1=$(now)
  for w in "${WBITS[@]}"; do for g in "${GROUPS_[@]}"; do for z in "${ZPS[@]}"; do
    zp=--zero-point; [ "$z" = off ] && zp=--no-zero-point
    "$AWB" quantize "${CALIB[@]}" --eval "$EVAL" --w-bit "$w" --group-size "$g" "$zp" --json 2>/dev/null | tail -1 >> "$TMP/quantize-$rep.json"
  done; done; done
  t2=$(now)
  python3 - "$TMP/sweep-$rep.json" "$TMP/quantize-$rep.json" "$t0" "$t1" "$t2" <<'PY'
import json, sys
sweep = json.load(open(sys.argv[1]))
runs = [json.loads(l) for l in open(sys.argv[2])]
t0, t1, t2 = map(float, sys.argv[3:6])
s, q = t1 - t0, t2 - t1
print(f"sweep: {len(sweep['points'])} points in {s:.1f} s ({sweep['workers']} workers x {sweep['threads_per_worker']} threads); "
      f"separate quantize --eval: {len(runs)} runs in {q:.1f} s; speedup {q / s:.2f}x")
print("shared once by the sweep:", ", ".join(f"{x['stage']} {x['seconds']:.1f} s" for x in sweep["shared_seconds"]))
for p, r in zip(sweep["points"], runs):
    print(f"  {p['key']:<28} ppl sweep {p['ppl_q']:.4f}  quantize {r['ppl_q']:.4f}")
PY
done
