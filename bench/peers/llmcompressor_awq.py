#!/usr/bin/env python3
"""Optional peer measurement (issue 14): llm-compressor's AWQ on CPU, on the same Hugging Face Llama folder
and calibration blocks as `awb quantize`, timed, and scored with `awb eval`'s perplexity protocol.

Not part of the product or its tests: it needs the scratch venv of bench/peers/README.md plus PyPI
`llmcompressor` (written against llmcompressor 0.14 / compressed-tensors 0.19). Calibration: the blocks
written by `awb calibration --save-blocks` (token ids, BOS included), given to `oneshot` as an already
tokenized dataset, in order, one block per batch. Recipe: llm-compressor's AWQModifier (the scale search
with its default Llama mappings; v_proj -> o_proj is skipped when grouped-query attention makes the shapes
differ; duo_scaling true and n_grid 20 by default, i.e. alpha 0 without and 19 alphas i/18 with duo
scaling) followed by a QuantizationModifier of W{w_bit}, asymmetric (zero point) by default, group size G,
on the decoder's Linear layers, lm_head ignored (compressed-tensors' min-max observer, whose range always
includes 0). llm-compressor's AWQ has no clip search. Pipeline: sequential, one decoder layer at a time;
fake quantization stays off in every forward inside oneshot (the grid search quantizes its trial weights
explicitly), so each layer is searched on the outputs of the earlier layers as scaled but not quantized,
i.e. the FP model's activations (awb's --feed fp); the script counts such forwards to confirm it.
After oneshot the Linear layers fake-quantize their weights in forward; the script writes those
quantized-dequantized weights into the layers, turns the fake quantization off and checks that the
logits do not change, that every group holds at most 2^w_bit distinct values, and that the weights moved.
Perplexity protocol, as transformers_eval_generate.py and awb: each non-empty stripped line of the text
encoded without BOS, cut into windows of seqlen-1 ids with BOS in front, every position after BOS scored.
search_seconds is the whole oneshot call (tracing the layers, the search, the quantization parameters).
Prints one JSON line: {"peer": "llm-compressor", versions, settings, "blocks", "block_tokens",
"search_seconds", "ppl_fp", "ppl_q", "scored_tokens", "checks"}.
"""
import argparse
import json
import os
import sys
import time

import sentencepiece as spm
import torch
from transformers import AutoModelForCausalLM

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from transformers_eval_generate import encode_lines, perplexity  # noqa: E402  (the shared eval protocol)


def quantized_linears(model):
    return [(n, m) for n, m in model.named_modules()
            if isinstance(m, torch.nn.Linear) and getattr(getattr(m, "quantization_scheme", None), "weights", None)]


def materialize_quantized_weights(model, probe, w_bit, group):
    """Write each quantized Linear's quantized-dequantized weight into the layer and switch compressed-tensors'
    fake quantization off, so the eval's forward is a plain fp32 forward on Q(W). Checks: the logits of `probe`
    are the same as with the fake-quantizing forward, each group of `group` weights holds at most 2^w_bit
    distinct values, and the weights differ from the (AWQ-scaled) fp weights the layers held."""
    from compressed_tensors.quantization import disable_quantization, forward_quantize

    with torch.inference_mode():
        logits_fake_q = model(probe).logits
    layers = quantized_linears(model)
    max_distinct, changed, total = 0, 0, 0
    with torch.no_grad():
        for _, m in layers:
            w = m.weight.data
            wq = forward_quantize(m, w, "weight", m.quantization_scheme.weights)
            g = group if group > 0 else w.shape[1]
            v = wq.reshape(w.shape[0], -1, g).sort(-1).values
            max_distinct = max(max_distinct, int(((v.diff(dim=-1) != 0).sum(-1) + 1).max()))
            changed += int((wq != w).sum())
            total += w.numel()
            m.weight.data.copy_(wq)
    model.apply(disable_quantization)
    with torch.inference_mode():
        logits_plain = model(probe).logits
    checks = {"quantized_linears": len(layers),
              "max_distinct_values_per_group": max_distinct, "limit": 2 ** w_bit,
              "share_of_weights_moved_by_quantization": changed / total,
              "max_abs_logit_diff_fake_quant_vs_materialized": float((logits_fake_q - logits_plain).abs().max())}
    if max_distinct > 2 ** w_bit or changed == 0 or checks["max_abs_logit_diff_fake_quant_vs_materialized"] > 1e-3:
        raise SystemExit(f"quantized weights check failed: {checks}")
    return checks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="Hugging Face Llama folder")
    ap.add_argument("--blocks", required=True, help="awb calibration --save-blocks JSON")
    ap.add_argument("--tokenizer", required=True, help="SentencePiece .model for the eval text (the one given to awb)")
    ap.add_argument("--text", required=True, help="eval text")
    ap.add_argument("--w-bit", type=int, default=4)
    ap.add_argument("--group-size", type=int, default=64, help="-1: per output channel")
    ap.add_argument("--zero-point", choices=["on", "off"], default="on", help="on: asymmetric (awb's default)")
    ap.add_argument("--duo-scaling", choices=["true", "false", "both"], default="true",
                    help="AWQModifier.duo_scaling (llm-compressor's default: true)")
    ap.add_argument("--n-grid", type=int, default=20, help="AWQModifier.n_grid (llm-compressor's default: 20)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seqlen", type=int, default=512, help="eval window")
    ap.add_argument("--json", help="also write the JSON line here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    # llm-compressor's AWQ pins its cached layer inputs before each grid search, to speed up host-to-GPU
    # copies (IntermediatesCache.pin_memory); without CUDA, Tensor.pin_memory fails. On CPU pinning has no
    # purpose, so make it return the tensor itself.
    torch.Tensor.pin_memory = lambda self, *args, **kwargs: self

    import compressed_tensors
    import datasets
    import llmcompressor
    import transformers
    from compressed_tensors.quantization import QuantizationArgs, QuantizationScheme
    from llmcompressor import oneshot
    from llmcompressor.modifiers.quantization import QuantizationModifier
    from llmcompressor.modifiers.transform.awq import AWQModifier

    blocks = json.load(open(a.blocks))["blocks"]
    block_len = len(blocks[0])
    if any(len(b) != block_len for b in blocks):
        raise SystemExit(f"{a.blocks}: blocks of different lengths")

    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32).eval()
    sp = spm.SentencePieceProcessor(model_file=a.tokenizer)
    bos = model.config.bos_token_id
    ids = encode_lines(sp, a.text)
    probe = torch.tensor([[bos] + ids[:a.seqlen - 1]])
    with torch.inference_mode():
        logits_fp = model(probe).logits
    start = time.perf_counter()
    ppl_fp, scored, _ = perplexity(model, ids, bos, a.seqlen)
    eval_fp_s = time.perf_counter() - start

    # What the search actually did, recorded from llm-compressor's own objects (it clears them at the end).
    seen = {}
    set_mappings, log_metrics = AWQModifier._set_resolved_mappings, AWQModifier._log_error_metrics

    def record_mappings(self, model_):
        set_mappings(self, model_)
        seen["mappings"] = [[m.smooth_name, m.balance_names] for m in self._resolved_mappings]

    def record_metrics(self):
        seen["reductions"] = [m["reduction"] for m in self._error_metrics]
        log_metrics(self)

    AWQModifier._set_resolved_mappings, AWQModifier._log_error_metrics = record_mappings, record_metrics

    # Count Linear forwards inside oneshot that run with compressed-tensors' fake quantization on: 0 means every
    # layer was calibrated on, and propagated, unquantized activations (the grid search quantizes explicitly).
    fake_q_forwards = [0, 0]

    def count_forward(m, args):
        fake_q_forwards[0] += 1
        fake_q_forwards[1] += bool(getattr(m, "quantization_enabled", False))

    hooks = [m.register_forward_pre_hook(count_forward) for m in model.modules() if isinstance(m, torch.nn.Linear)]

    awq = AWQModifier(duo_scaling={"true": True, "false": False}.get(a.duo_scaling, "both"), n_grid=a.n_grid)
    weights = QuantizationArgs(num_bits=a.w_bit, type="int", symmetric=a.zero_point == "off",
                               strategy="group" if a.group_size > 0 else "channel",
                               group_size=a.group_size if a.group_size > 0 else None)
    quant = QuantizationModifier(config_groups={"group_0": QuantizationScheme(targets=["Linear"], weights=weights)},
                                 ignore=["lm_head"])
    grid = awq._get_grid_search_params()
    calib = datasets.Dataset.from_dict({"input_ids": blocks, "attention_mask": [[1] * block_len for _ in blocks]})

    # oneshot insists on a processor whenever a dataset is given (it would load one from the model folder, which
    # for awb's synthetic folders has none), but uses it only to tokenize text datasets and to save; the blocks
    # are token ids already (their "input_ids" column skips tokenization; the truncation collator needs none).
    class NoProcessor:
        pass

    start = time.perf_counter()
    oneshot(model=model, processor=NoProcessor(), dataset=calib, recipe=[awq, quant], pipeline="sequential",
            num_calibration_samples=len(blocks), max_seq_length=block_len, batch_size=1,
            shuffle_calibration_samples=False)
    search_s = time.perf_counter() - start
    for h in hooks:
        h.remove()

    checks = materialize_quantized_weights(model, probe, a.w_bit, a.group_size)
    with torch.inference_mode():
        checks["max_abs_logit_diff_fp_vs_quantized"] = float((logits_fp - model(probe).logits).abs().max())
    checks["linear_forwards_in_oneshot"], checks["of_them_fake_quantized"] = fake_q_forwards
    start = time.perf_counter()
    ppl_q, scored_q, _ = perplexity(model, ids, bos, a.seqlen)
    eval_q_s = time.perf_counter() - start
    assert scored_q == scored

    maps = seen.get("mappings", [])
    layer0 = [mp for mp in maps if ".layers.0." in mp[0]]
    red = seen.get("reductions", [])
    res = {"peer": "llm-compressor", "llmcompressor": llmcompressor.__version__,
           "compressed_tensors": compressed_tensors.__version__, "torch": torch.__version__,
           "transformers": transformers.__version__, "threads": a.threads, "dtype": "float32",
           "model": a.model, "text": a.text, "blocks_file": a.blocks,
           "settings": {"w_bit": a.w_bit, "group_size": a.group_size, "zero_point": a.zero_point == "on",
                        "weight_observer": weights.observer, "duo_scaling": awq.duo_scaling,
                        "n_grid": awq.n_grid, "grid_points": len(grid),
                        "grid": [[round(r, 6), bool(d)] for r, d in grid],
                        "clip_search": False, "pipeline": "sequential",
                        "calibration_feed": "fp (scaled, unquantized earlier layers)" if fake_q_forwards[1] == 0
                        else "quantized",
                        "mappings": len(maps), "mappings_layer0": layer0,
                        "mean_loss_reduction": sum(red) / len(red) if red else None},
           "blocks": len(blocks), "block_tokens": block_len, "search_seconds": search_s,
           "ppl_fp": ppl_fp, "ppl_q": ppl_q, "scored_tokens": scored, "eval_seqlen": a.seqlen,
           "eval_fp_seconds": eval_fp_s, "eval_q_seconds": eval_q_s, "checks": checks}
    line = json.dumps(res)
    if a.json:
        with open(a.json, "w") as f:
            f.write(line + "\n")
    print(line)


if __name__ == "__main__":
    main()
