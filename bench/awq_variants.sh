#!/usr/bin/env bash
# AWQ variants beyond the reference algorithm, measured on held-out text (issue 3's table):
# for each setting, perplexity after quantization with the llm-awq recipe and with each variant.
# Usage: bench/awq_variants.sh [awb binary]   (prints a markdown table; ~25 s per run on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
AWB=${1:-build/app/cli/awb}
MODEL=resources/models/stories260K/stories260K-mha192.bin
HELDOUT=$(mktemp --suffix=.txt)
trap 'rm -f "$HELDOUT"' EXIT
sed -n '2401,4358p' resources/text/wiki.test.raw > "$HELDOUT" # wikitext-2 test after the eval split
# Each variant changes one thing against llm-awq's recipe (--feed fp --scaling activation); best is the default.
declare -A VARIANTS=(
  [reference]="--feed fp --scaling activation"
  [grid40]="--feed fp --scaling activation --scale-grid 40"
  [duo]="--feed fp --scaling duo"
  [clipqk]="--feed fp --scaling activation --clip-qk"
  [feedq]="--feed quantized --scaling activation"
  [best]="--feed best --scaling best"
)
echo "| setting | variant | ppl eval (lines 2001-2400) | ppl held-out (lines 2401-end) | search s |"
echo "|---|---|---|---|---|"
for setting in "4 32" "3 32" "4 64" "3 64"; do
  set -- $setting
  for name in reference grid40 duo clipqk feedq best; do
    # shellcheck disable=SC2086
    a=$("$AWB" quantize --model $MODEL --calib wikitext2 --n-samples 64 --w-bit "$1" --group-size "$2" ${VARIANTS[$name]} \
        --eval resources/text/wikitext2-eval-lines2001-2400.txt --save-results /tmp/awq_variant.h5 --json 2>/dev/null | tail -1)
    b=$("$AWB" quantize --model $MODEL --w-bit "$1" --group-size "$2" --apply-results /tmp/awq_variant.h5 \
        --eval "$HELDOUT" --json 2>/dev/null | tail -1)
    python3 - "$1" "$2" "$name" "$a" "$b" <<'PY'
import json, sys
bits, group, name, a, b = sys.argv[1:]
a, b = json.loads(a), json.loads(b)
print(f"| w{bits} g{group} | {name} | {a['ppl_q']:.4f} | {b['ppl_q']:.4f} | {a['seconds_search']:.1f} |")
PY
  done
done
