#!/usr/bin/env bash
# Side-by-side speed of awb and its PyTorch peers on the same model, text and threads (issue 14).
# Optional: needs a scratch venv with PyPI torch, transformers and sentencepiece (bench/peers/README.md);
# nothing here is part of the product or its tests.
#
#   bench/peers/side_by_side.sh MODEL_DIR [TEXT] [THREADS]
#
# MODEL_DIR is a Hugging Face Llama folder (e.g. bench/make_synthetic_model --shape smollm2-135m).
# Token ids come from the embedded SentencePiece tokenizer on both sides (the synthetic folder has no
# tokenizer). Runs, in one go: `awb eval` vs transformers' perplexity (windows of 512), awb's decode
# steps (bench_forward: forward() with the KV cache, batch 1, as `awb generate` runs them; generate
# itself cannot decode a random model's ids with a 512-piece tokenizer) vs transformers' greedy
# generate (64 tokens), and the same decode on an AutoAWQ w4 g64 export of the model (RTN: the speed
# of quantized decode does not depend on how the scales were found).
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
timed "$BENCH_FORWARD" --model "$MODEL" --windows 1 --decode 64 | tail -1 > "$WORK/awb_gen.json"
AWB_GEN_RSS=$(rss_mb)
"$AWB" quantize --model "$MODEL" --tokenizer "$TOK" --method rtn --w-bit 4 --group-size 64 --out "$WORK/q4" >/dev/null 2>&1
timed "$BENCH_FORWARD" --model "$WORK/q4" --windows 1 --decode 64 | tail -1 > "$WORK/awb_gen_q4.json"
AWB_Q4_RSS=$(rss_mb)
timed "$PY" bench/peers/transformers_eval_generate.py --model "$MODEL" --tokenizer "$TOK" --text "$TEXT" --threads "$THREADS" 2>/dev/null | tail -1 > "$WORK/tf.json"
TF_RSS=$(rss_mb)

python3 - "$WORK" "$AWB_EVAL_RSS" "$AWB_GEN_RSS" "$AWB_Q4_RSS" "$TF_RSS" <<'PY'
import json, sys
w = sys.argv[1]
load = lambda n: json.load(open(f"{w}/{n}.json"))
ev, gen, q4, tf = load("awb_eval"), load("awb_gen"), load("awb_gen_q4"), load("tf")
rss = dict(awb_eval=int(sys.argv[2]), awb_gen=int(sys.argv[3]), awb_gen_q4=int(sys.argv[4]), transformers=int(sys.argv[5]))
awb_eval_tps = ev["scored_tokens"] / ev["seconds"]
print(f"eval      awb {awb_eval_tps:8.1f} tokens/s ({ev['seconds']:.2f} s, ppl {ev['ppl']:.6g})   "
      f"transformers {tf['eval_tokens_per_s']:8.1f} tokens/s ({tf['eval_seconds']:.2f} s, ppl {tf['ppl']:.6g})   "
      f"awb/transformers {awb_eval_tps / tf['eval_tokens_per_s']:.2f}x")
print(f"decode    awb {gen['decode_tokens_per_s']:8.1f} tokens/s   transformers {tf['decode_tokens_per_s']:8.1f} tokens/s   "
      f"awb/transformers {gen['decode_tokens_per_s'] / tf['decode_tokens_per_s']:.2f}x")
print(f"int4      awb w4g64 {q4['decode_tokens_per_s']:8.1f} tokens/s   vs awb fp {q4['decode_tokens_per_s'] / gen['decode_tokens_per_s']:.2f}x   "
      f"peak RSS {rss['awb_gen_q4']} MB vs {rss['awb_gen']} MB ({100 * rss['awb_gen_q4'] / rss['awb_gen']:.0f}%)")
print(f"peak RSS MB: {rss}")
print(json.dumps(dict(awb_eval=ev, awb_forward=gen, awb_forward_w4g64=q4, transformers=tf, peak_rss_mb=rss,
                      ratios=dict(eval=awb_eval_tps / tf["eval_tokens_per_s"],
                                  decode=gen["decode_tokens_per_s"] / tf["decode_tokens_per_s"],
                                  int4_vs_fp_decode=q4["decode_tokens_per_s"] / gen["decode_tokens_per_s"]))))
PY
