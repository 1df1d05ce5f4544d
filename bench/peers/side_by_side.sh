#!/usr/bin/env bash
# Side-by-side speed of awb and its PyTorch peers on the same model, text and threads (issue 14).
# Optional: needs a scratch venv with PyPI torch, transformers and sentencepiece (bench/peers/README.md);
# nothing here is part of the product or its tests.
#
#   bench/peers/side_by_side.sh MODEL_DIR [TEXT] [THREADS]
#
# MODEL_DIR is a Hugging Face Llama folder (e.g. bench/make_synthetic_model --shape smollm2-135m).
# Token ids come from the embedded SentencePiece tokenizer on both sides (the synthetic folder has no
# tokenizer). Runs, in one go: `awb eval` vs transformers' perplexity (windows of 512); awb's decode
# steps (bench_forward --prefill 0: forward() with the KV cache, batch 1, as `awb generate` runs them;
# generate itself cannot decode a random model's ids with a 512-piece tokenizer) on the model as
# stored, on its fp32 conversion (`awb convert --dtype f32`) and on an AutoAWQ w4 g64 export (RTN: the
# speed of quantized decode does not depend on how the scales were found), each with the peak RSS of
# decoding alone, the three forms alternated DECODE_REPS times (default 3) and the medians compared
# (one run of each swings by a third with the host's memory bandwidth); transformers' greedy
# generate (64 tokens).
# AWQ=1 also runs the AWQ search side by side: `awb quantize --method awq` and llm-compressor's AWQ
# (llmcompressor_awq.py; its venv needs `llmcompressor`) on the same 16 blocks of 512 wikitext-2
# tokens, w4 g64 with zero point, awb with llm-compressor's kind of search (--feed fp --scaling duo
# --no-clip; see bench/peers/README.md), and once more with the optional --scale-screen 4 (each alpha
# ranked on a quarter of the windows); at the 135M shape that takes tens of minutes.
# Prints each figure and the ratios; one JSON line at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:?usage: side_by_side.sh MODEL_DIR [TEXT] [THREADS]}
TEXT=${2:-resources/text/tinystories-valid-sample.txt}
THREADS=${3:-2}
PY=${PEERS_PYTHON:-/tmp/peers/bin/python}
AWB=${AWB:-build/app/cli/awb}
TOK=resources/models/stories260K/tok512.model
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OMP_NUM_THREADS=$THREADS

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $THREADS threads, load $(cut -d' ' -f1-3 /proc/loadavg)"
timed() { /usr/bin/time -f "%M" -o "$WORK/rss" "$@"; }
rss_mb() { echo $(( $(cat "$WORK/rss") / 1024 )); }

timed "$AWB" eval --model "$MODEL" --tokenizer "$TOK" --text "$TEXT" --json 2>/dev/null | tail -1 > "$WORK/awb_eval.json"
AWB_EVAL_RSS=$(rss_mb)
BENCH_FORWARD=${BENCH_FORWARD:-build/bench/bench_forward}
"$AWB" convert --model "$MODEL" --tokenizer "$TOK" --dtype f32 --out "$WORK/f32" >/dev/null 2>&1
"$AWB" quantize --model "$MODEL" --tokenizer "$TOK" --method rtn --w-bit 4 --group-size 64 --out "$WORK/q4" >/dev/null 2>&1
for rep in $(seq "${DECODE_REPS:-3}"); do
  for form in stored f32 q4; do
    dir=$WORK/$form; [ $form = stored ] && dir=$MODEL
    "$BENCH_FORWARD" --model "$dir" --prefill 0 --decode 64 | tail -1 >> "$WORK/awb_gen_$form.jsonl"
  done
done
timed "$PY" bench/peers/transformers_eval_generate.py --model "$MODEL" --tokenizer "$TOK" --text "$TEXT" --threads "$THREADS" 2>/dev/null | tail -1 > "$WORK/tf.json"
TF_RSS=$(rss_mb)
echo '{}' > "$WORK/awb_awq.json"; echo '{}' > "$WORK/awb_awq_screen.json"; echo '{}' > "$WORK/lc_awq.json"
if [ "${AWQ:-0}" = 1 ]; then
  "$AWB" calibration --model "$MODEL" --tokenizer "$TOK" --calib wikitext2 --n-samples 16 --seqlen 512 \
    --save-blocks "$WORK/blocks.json" >/dev/null
  "$AWB" quantize --model "$MODEL" --tokenizer "$TOK" --calib "$WORK/blocks.json" --n-samples 16 --seqlen 512 --w-bit 4 \
    --group-size 64 --feed fp --scaling duo --no-clip --eval "$TEXT" --json 2>/dev/null | tail -1 > "$WORK/awb_awq.json"
  "$AWB" quantize --model "$MODEL" --tokenizer "$TOK" --calib "$WORK/blocks.json" --n-samples 16 --seqlen 512 --w-bit 4 \
    --group-size 64 --feed fp --scaling duo --no-clip --scale-screen 4 --eval "$TEXT" --json 2>/dev/null | tail -1 > "$WORK/awb_awq_screen.json"
  "$PY" bench/peers/llmcompressor_awq.py --model "$MODEL" --blocks "$WORK/blocks.json" --tokenizer "$TOK" --text "$TEXT" \
    --w-bit 4 --group-size 64 --threads "$THREADS" 2>/dev/null | tail -1 > "$WORK/lc_awq.json"
fi

python3 - "$WORK" "$AWB_EVAL_RSS" "$TF_RSS" <<'PY'
import json, statistics, sys
w = sys.argv[1]
load = lambda n: json.load(open(f"{w}/{n}.json"))
ev, tf = load("awb_eval"), load("tf")
def decode_runs(form):
    """The median run's figures (by tokens/s), with every run's tokens/s and the largest peak RSS."""
    runs = sorted((json.loads(line) for line in open(f"{w}/awb_gen_{form}.jsonl")), key=lambda r: r["decode_tokens_per_s"])
    median = dict(runs[(len(runs) - 1) // 2])
    median["decode_tokens_per_s"] = statistics.median(r["decode_tokens_per_s"] for r in runs)
    median["decode_tokens_per_s_runs"] = [r["decode_tokens_per_s"] for r in runs]
    median["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return median
gen = {form: decode_runs(form) for form in ("stored", "f32", "q4")}
rss = dict(awb_eval=int(sys.argv[2]), transformers=int(sys.argv[3]))
awb_eval_tps = ev["scored_tokens"] / ev["seconds"]
tps = lambda form: gen[form]["decode_tokens_per_s"]
print(f"eval      awb {awb_eval_tps:8.1f} tokens/s ({ev['seconds']:.2f} s, ppl {ev['ppl']:.6g})   "
      f"transformers {tf['eval_tokens_per_s']:8.1f} tokens/s ({tf['eval_seconds']:.2f} s, ppl {tf['ppl']:.6g})   "
      f"awb/transformers {awb_eval_tps / tf['eval_tokens_per_s']:.2f}x")
print(f"decode    awb {gen['stored']['weights']} {tps('stored'):8.1f} tokens/s   transformers fp32 {tf['decode_tokens_per_s']:8.1f} tokens/s   "
      f"awb/transformers {tps('stored') / tf['decode_tokens_per_s']:.2f}x")
for form in ("stored", "f32", "q4"):
    runs = gen[form]["decode_tokens_per_s_runs"]
    print(f"decode    awb {gen[form]['weights']:12s} {tps(form):8.1f} tokens/s (median of {len(runs)}: {min(runs):.1f}-{max(runs):.1f})   "
          f"peak RSS {gen[form]['peak_rss_mb']:6.0f} MB")
ratios = dict(eval=awb_eval_tps / tf["eval_tokens_per_s"], decode=tps("stored") / tf["decode_tokens_per_s"],
              int4_vs_fp32_decode=tps("q4") / tps("f32"), int4_vs_stored_decode=tps("q4") / tps("stored"),
              int4_vs_fp32_rss=gen["q4"]["peak_rss_mb"] / gen["f32"]["peak_rss_mb"])
print(f"int4      vs fp32 {ratios['int4_vs_fp32_decode']:.2f}x (RSS {100 * ratios['int4_vs_fp32_rss']:.0f}%)   "
      f"vs {gen['stored']['weights']} {ratios['int4_vs_stored_decode']:.2f}x")
awq, screen, lc = load("awb_awq"), load("awb_awq_screen"), load("lc_awq")
if awq and lc:
    for key, run, what in (("", awq, "awb search"), ("_screened", screen, "awb --scale-screen 4")):
        ratios["awq_search" + key + "_vs_llm_compressor"] = lc["search_seconds"] / run["seconds_search"]
        print(f"AWQ       {what} {run['seconds_search']:.1f} s (ppl {run['ppl_q']:.6g})   llm-compressor {lc['search_seconds']:.1f} s "
              f"(ppl {lc['ppl_q']:.6g})   llm-compressor/awb {lc['search_seconds'] / run['seconds_search']:.2f}x   (FP ppl {run['ppl_fp']:.6g})")
print(f"peak RSS MB: {rss}")
print(json.dumps(dict(awb_eval=ev, awb_decode=gen, transformers=tf, awb_awq=awq, awb_awq_screened=screen, llm_compressor_awq=lc, peak_rss_mb=rss,
                      ratios=ratios)))
PY
