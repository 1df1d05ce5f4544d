#!/usr/bin/env bash
# AWQ quality across calibration domains (issue 15): the table that decides the search defaults.
# For each model x calibration/eval pairing x setting: perplexity on text never used for
# calibration after RTN and after the AWQ search with each feed mode, llm-awq's figure where one
# exists, and bits per weight. Runs one awb process at a time (the machine is shared).
#
# Usage: bench/awq_quality.sh [--quick] [--out DIR] [awb binary]
#   --quick   MHA variant only, w3 g32, 16 calibration blocks (~20 min on 2 loaded cores)
#   SETTINGS  override the settings, e.g. SETTINGS="3:32 4:32" (bits:group)
#   --out     where each run's JSON line is kept (default /tmp/awq_quality[-quick]); a rerun skips
#             the cells already there, so an interrupted run resumes
#   VARIANTS  extra search variants, "name=awb options;name=options" (e.g. "auto-in=--feed auto --auto-holdout 0")
# The full run (2 models x 4 pairings x 4 settings x RTN + 3 feeds, 64 blocks) takes hours on 2
# loaded cores: a 64-block search is ~2 min, self-generating 64x512 tokens ~3 min per run.
set -euo pipefail
# One intra-op thread: the tiny model's ops on 2 loaded cores mostly wait in libgomp otherwise
# (a 64-block run took >16 min with 2 threads, 6 with 1), and one core is left to the others.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
cd "$(dirname "$0")/.."
QUICK=0
OUT=
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) QUICK=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    *) break ;;
  esac
done
AWB=${1:-build/app/cli/awb}
OUT=${OUT:-/tmp/awq_quality$([[ $QUICK == 1 ]] && echo -quick)}
mkdir -p "$OUT"
RUNS=$OUT/runs.jsonl
touch "$RUNS"

# TinyStories text: the bundled 'tinystories' set is the whole sample, which is also the in-domain
# eval text, so the TinyStories pairings calibrate on lines 1-9 and evaluate on lines 10-19 (the
# sample's two duplicated stories, lines 11/12 and 13/14, are both on the eval side).
TS=resources/text/tinystories-valid-sample.txt
sed -n '1,9p' "$TS" > "$OUT/ts-calib-lines1-9.txt"
sed -n '10,$p' "$TS" > "$OUT/ts-eval-lines10-19.txt"
WIKI_EVAL=resources/text/wikitext2-eval-lines2001-2400.txt

if [[ $QUICK == 1 ]]; then
  MODELS="mha"; SETTINGS=${SETTINGS:-"3:32"}; BLOCKS=16
else
  MODELS="mha gqa"; SETTINGS=${SETTINGS:-"3:32 4:32 3:64 4:64"}; BLOCKS=64
fi
# g128 is left out: both variants have 64 input channels in q/k/v/gate/up (g128 would be per channel).
declare -A MODEL_PATH=([mha]=resources/models/stories260K/stories260K-mha192.bin [gqa]=resources/models/stories260K/stories260K.bin)
# pairing = calibration options | eval text. Self-generated: FP samples at temperature 1 (seed 0),
# eval on the whole TinyStories sample (the filer's setup in issue 15). Mixed: the TinyStories
# lines first (~10 blocks), wikitext-2 filling the rest up to 20 blocks (about half each).
PAIRINGS="self tinystories wikitext2 mixed"
declare -A CALIB=(
  [self]="--calib self --seed 0 --n-samples $BLOCKS"
  [tinystories]="--calib $OUT/ts-calib-lines1-9.txt --long-samples split --n-samples $BLOCKS"
  [wikitext2]="--calib wikitext2 --n-samples $BLOCKS"
  [mixed]="--calib $OUT/ts-calib-lines1-9.txt,wikitext2 --long-samples split --n-samples $(( BLOCKS < 20 ? BLOCKS : 20 ))"
)
declare -A EVAL=([self]=$TS [tinystories]=$OUT/ts-eval-lines10-19.txt [wikitext2]=$WIKI_EVAL [mixed]=$OUT/ts-eval-lines10-19.txt)
declare -A VARIANT=([rtn]="--method rtn" [quantized]="--feed quantized" [fp]="--feed fp" [auto]="--feed auto")
NAMES="rtn quantized fp auto"
IFS=';' read -ra EXTRA <<< "${VARIANTS:-}"
for e in "${EXTRA[@]}"; do
  [[ -z $e ]] && continue
  VARIANT[${e%%=*}]=${e#*=}; NAMES="$NAMES ${e%%=*}"
done

for model in $MODELS; do
  for pairing in $PAIRINGS; do
    for setting in $SETTINGS; do
      bits=${setting%:*}; group=${setting#*:}
      for name in $NAMES; do
        key="$model|$pairing|w$bits g$group|$name"
        grep -qF "\"key\": \"$key\"" "$RUNS" && continue
        calib=${CALIB[$pairing]}
        [[ $name == rtn ]] && calib=""
        # shellcheck disable=SC2086
        json=$("$AWB" quantize --model "${MODEL_PATH[$model]}" --w-bit "$bits" --group-size "$group" $calib ${VARIANT[$name]} \
               --eval "${EVAL[$pairing]}" --json 2>/dev/null | tail -1)
        python3 -c 'import json,sys; j=json.loads(sys.argv[2]); j["key"]=sys.argv[1]; print(json.dumps(j))' "$key" "$json" >> "$RUNS"
        echo "$key done" >&2
      done
    done
  done
done

python3 - "$RUNS" "$NAMES" tests/data/reference_figures.json <<'PY'
import json, sys
runs = {}
for line in open(sys.argv[1]):
    j = json.loads(line)
    runs[j["key"]] = j
names = sys.argv[2].split()
search = [n for n in names if n != "rtn"]
ref = json.load(open(sys.argv[3]))
# llm-awq figures: the MHA variant on wikitext-2 (../shared/reference/stories260K.md)
llm = {("mha", "wikitext2", f"w{f['w_bit']} g{f['group']}"): f["awq_ppl"] for f in ref["llm_awq"]}
llm.update({("mha", "self", s): v for s, v in ref.get("llm_awq_self_generated", {}).items()})
rows = sorted({tuple(k.split("|")[:3]) for k in runs}, key=lambda r: (r[0], ["self", "tinystories", "wikitext2", "mixed"].index(r[1]), r[2]))
print("| model | pairing | setting | calib blocks | bits/w | FP | RTN | " + " | ".join(f"feed {n}" for n in search) + " | llm-awq | best feed | auto vs fp |")
print("|---|---|---|---|---|---|---|" + "---|" * len(search) + "---|---|---|")
for m, p, s in rows:
    r = {n: runs.get(f"{m}|{p}|{s}|{n}") for n in names}
    any_ = next(v for v in r.values() if v)
    cells = [f"{r[n]['ppl_q']:.4f}" if r[n] else "-" for n in search]
    have = {n: r[n]["ppl_q"] for n in search if r[n]}
    best = min(have, key=have.get) if have else "-"
    # llm-awq's figures are for 64 calibration blocks: not shown beside a run with fewer (--quick)
    blocks = max((v["calib_blocks"] for v in r.values() if v), default=0)
    ref_ppl = llm.get((m, p, s)) if blocks == 64 else None
    vs = f"{100 * (have['auto'] / have['fp'] - 1):+.2f}%" if "auto" in have and "fp" in have else "-"
    line = [m, p, s, str(blocks), f"{any_.get('bits_per_weight', 0):.3f}", f"{any_['ppl_fp']:.4f}",
            f"{r['rtn']['ppl_q']:.4f}" if r.get("rtn") else "-", *cells,
            f"{ref_ppl:.4f}" if ref_ppl else "-", best, vs]
    print("| " + " | ".join(line) + " |")
PY
