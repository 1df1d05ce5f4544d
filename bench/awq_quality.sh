#!/usr/bin/env bash
# AWQ quality across calibration domains (issue 15): the table that decides the search defaults.
# For each model x calibration/eval pairing x setting: perplexity on text never used for
# calibration after RTN and after the AWQ search with each feed mode, llm-awq's figure where one
# exists, and bits per weight.
#
# Usage: bench/awq_quality.sh [--quick] [--jobs N] [--out DIR] [awb binary]
#   --quick   MHA variant only, w3 g32, 16 calibration blocks
#   --jobs    awb processes at once (default 1; each runs on one thread)
#   --out     where each run's JSON is kept (default /tmp/awq_quality[-quick]); a rerun skips the
#             runs already there, so an interrupted table resumes
#   SETTINGS  override the settings, e.g. SETTINGS="3:32 4:32" (bits:group); likewise MODELS="mha",
#             PAIRINGS="self wikitext2"
#   VARIANTS  extra search variants, "name=awb options;name=options" (e.g. "auto=--feed auto")
#   BASE      the standard runs to make (default "rtn quantized fp"; BASE="" runs only VARIANTS)
# The "best" column is --feed best, which runs the fp and the quantized search and keeps the one
# with the lower calibration perplexity: it is read off those two runs (their calib_ppl_q) rather
# than searched a third time; VARIANTS="best-run=--feed best" runs it for real as a check.
# The full table (2 models x 4 pairings x 4 settings x RTN + 2 feeds, 64 blocks) is ~100 min of
# one core: a 64-block search takes ~80 s here.
set -euo pipefail
# One intra-op thread per awb: the tiny model's ops mostly wait in libgomp with two.
export OMP_NUM_THREADS=1
cd "$(dirname "$0")/.."
QUICK=0 JOBS=1 OUT=
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) QUICK=1; shift ;;
    --jobs) JOBS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) break ;;
  esac
done
AWB=$(realpath "${1:-build/app/cli/awb}")
OUT=${OUT:-/tmp/awq_quality$([[ $QUICK == 1 ]] && echo -quick)}
mkdir -p "$OUT/runs"

# TinyStories text: the bundled 'tinystories' set is the whole sample, which is also the in-domain
# eval text, so the TinyStories pairings calibrate on lines 1-9 and evaluate on lines 10-19 (the
# sample's two duplicated stories, lines 11/12 and 13/14, are both on the eval side).
TS=resources/text/tinystories-valid-sample.txt
sed -n '1,9p' "$TS" > "$OUT/ts-calib-lines1-9.txt"
sed -n '10,$p' "$TS" > "$OUT/ts-eval-lines10-19.txt"
WIKI_EVAL=resources/text/wikitext2-eval-lines2001-2400.txt

if [[ $QUICK == 1 ]]; then
  MODELS=${MODELS:-"mha"}; SETTINGS=${SETTINGS:-"3:32"}; BLOCKS=16
else
  MODELS=${MODELS:-"mha gqa"}; SETTINGS=${SETTINGS:-"3:32 4:32 3:64 4:64"}; BLOCKS=64
fi
# g128 is left out: both variants have 64 input channels in q/k/v/gate/up (g128 would be per channel).
declare -A MODEL_PATH=([mha]=resources/models/stories260K/stories260K-mha192.bin [gqa]=resources/models/stories260K/stories260K.bin)

# Self-generated calibration: FP samples at temperature 1 (seed 0), saved once per model as token
# ids so every run calibrates on the same blocks (and llm-awq can, bench/peers/llm_awq_reference.py).
for model in $MODELS; do
  blocks=$OUT/self-$model-$BLOCKS.json
  [[ -s $blocks ]] || "$AWB" calibration --model "${MODEL_PATH[$model]}" --calib self --seed 0 --n-samples "$BLOCKS" \
                        --save-blocks "$blocks" --json > /dev/null 2>&1
done

# pairing = calibration options | eval text. Self: eval on the whole TinyStories sample (the filer's
# setup in issue 15). Mixed: the TinyStories lines first (~10 blocks), wikitext-2 filling the rest
# up to 20 blocks (about half each).
PAIRINGS=${PAIRINGS:-"self tinystories wikitext2 mixed"}
calib_options() { # model pairing
  case $2 in
    self) echo "--calib $OUT/self-$1-$BLOCKS.json --n-samples $BLOCKS" ;;
    tinystories) echo "--calib $OUT/ts-calib-lines1-9.txt --long-samples split --n-samples $BLOCKS" ;;
    wikitext2) echo "--calib wikitext2 --n-samples $BLOCKS" ;;
    mixed) echo "--calib $OUT/ts-calib-lines1-9.txt,wikitext2 --long-samples split --n-samples $(( BLOCKS < 20 ? BLOCKS : 20 ))" ;;
  esac
}
declare -A EVAL=([self]=$TS [tinystories]=$OUT/ts-eval-lines10-19.txt [wikitext2]=$WIKI_EVAL [mixed]=$OUT/ts-eval-lines10-19.txt)
declare -A VARIANT=([rtn]="--method rtn" [quantized]="--feed quantized --scaling activation" [fp]="--feed fp --scaling activation")
NAMES=${BASE-"rtn quantized fp"}
IFS=';' read -ra EXTRA <<< "${VARIANTS:-}"
for e in "${EXTRA[@]}"; do
  [[ -z $e ]] && continue
  VARIANT[${e%%=*}]=${e#*=}; NAMES="$NAMES ${e%%=*}"
done

# One line per run still to do: "file awb-arguments..." (no spaces in paths); JOBS at a time.
for model in $MODELS; do
  for pairing in $PAIRINGS; do
    for setting in $SETTINGS; do
      bits=${setting%:*}; group=${setting#*:}
      for name in $NAMES; do
        file="$OUT/runs/$model.$pairing.w$bits-g$group.$name.json"
        [[ -s $file ]] && continue
        calib=$(calib_options "$model" "$pairing")
        [[ $name == rtn ]] && calib=""
        echo "$file quantize --model ${MODEL_PATH[$model]} --w-bit $bits --group-size $group $calib ${VARIANT[$name]} --eval ${EVAL[$pairing]} --json"
      done
    done
  done
done | AWB=$AWB xargs -r -P "$JOBS" -L 1 bash -c 'set -o pipefail; file=$1; shift; "$AWB" "$@" 2>/dev/null | tail -1 > "$file.tmp" && mv "$file.tmp" "$file" && echo "${file##*/} done" >&2' _

python3 - "$OUT/runs" "$NAMES" tests/data/reference_figures.json <<'PY'
import json, os, sys
runs = {}
for f in os.listdir(sys.argv[1]):
    if f.endswith(".json"):
        model, pairing, setting, name, _ = f.split(".")
        runs[(model, pairing, setting.replace("-", " "), name)] = json.load(open(os.path.join(sys.argv[1], f)))
names = sys.argv[2].split()
search = [n for n in names if n != "rtn"]
ref = json.load(open(sys.argv[3]))
# llm-awq figures (MHA variant; the full mode's blocks): wikitext-2 from ../shared/reference/stories260K.md,
# the other pairings from bench/peers/llm_awq_reference.py on the same blocks (saved by --save-blocks)
llm = {}
for pairing, key, blocks in (("wikitext2", "llm_awq", 64), ("self", "llm_awq_self_generated", 64),
                             ("tinystories", "llm_awq_tinystories", 10), ("mixed", "llm_awq_mixed", 20)):
    for f in ref.get(key, []):
        llm[("mha", pairing, f"w{f['w_bit']} g{f['group']}")] = (f["awq_ppl"], blocks)
order = ["self", "tinystories", "wikitext2", "mixed"]
cells = sorted({k[:3] for k in runs}, key=lambda r: (r[0], order.index(r[1]), r[2]))
print("| model | pairing | setting | calib blocks | bits/w | FP | RTN | " + " | ".join(f"feed {n}" for n in search)
      + " | feed best | best kept | llm-awq | best vs llm-awq | best vs fp |")
print("|---|---|---|---|---|---|---|" + "---|" * len(search) + "---|---|---|---|---|")
for m, p, s in cells:
    r = {n: runs.get((m, p, s, n)) for n in names}
    some = next(v for v in r.values() if v)
    ppl = {n: r[n]["ppl_q"] for n in search if r[n]}
    best = kept = None
    if r.get("fp") and r.get("quantized"):  # --feed best's choice: the lower calibration perplexity
        kept = "fp" if r["fp"]["calib_ppl_q"] < r["quantized"]["calib_ppl_q"] else "quantized"
        best = ppl[kept]
    blocks = max(v["calib_blocks"] for v in r.values() if v)
    ref_ppl, ref_blocks = llm.get((m, p, s), (None, 0))
    ref_ppl = ref_ppl if blocks == ref_blocks else None  # a figure holds for the blocks it was made on
    pct = lambda a, b: f"{100 * (a / b - 1):+.2f}%" if a and b else "-"
    line = [m, p, s, str(blocks), f"{some.get('bits_per_weight', 0):.3f}", f"{some['ppl_fp']:.4f}",
            f"{r['rtn']['ppl_q']:.4f}" if r.get("rtn") else "-", *[f"{ppl[n]:.4f}" if n in ppl else "-" for n in search],
            f"{best:.4f}" if best else "-", kept or "-", f"{ref_ppl:.4f}" if ref_ppl else "-", pct(best, ref_ppl), pct(best, ppl.get("fp"))]
    print("| " + " | ".join(line) + " |")
PY
