#!/usr/bin/env python3
"""Optional peer reference: the ORIGINAL AWQ authors' code (mit-han-lab/llm-awq) on awb's calibration blocks.

Not part of the product, its build or its tests; run it in the scratch venv of bench/peers/README.md with a
checkout of llm-awq (only its `awq/` folder is used, imported at run time; nothing is copied).

What it reproduces: llm-awq's `run_awq` (per decoder layer: capture the linears' inputs with the FP layer,
auto_scale_block, apply_scale, auto_clip_block, apply_clip; the next layer gets the output of the FP layer),
then, as llm-awq's entry.py does with --load_awq and --q_backend fake, apply_awq on a fresh FP model and
pseudo_quantize_model_weight (zero point on). RTN is the same pseudo_quantize_model_weight with no search.
Calibration: the blocks written by `awb calibration --save-blocks` (they replace llm-awq's get_calib_dataset).
The quantized fp32 weights are written back as a Hugging Face folder and scored by `awb eval`, so the
perplexity protocol is awb's. With --calib wikitext2 blocks on stories260K-mha192 this reproduces
/work/shared/reference/stories260K.md ("Reference AWQ results").

Prints and (with --json) writes {"fp_ppl", "settings": {"w4 g32": {"rtn", "awq", "awq_search_s"}, ...}, ...}.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types

import torch
import torch.nn as nn


def patch_llm_awq(llm_awq_dir):
    """Import llm-awq's modules and adapt them to a CPU-only torch and transformers 5."""
    # qmodule.py imports the CUDA kernels (only WQLinear needs them; pseudo quantization does not).
    sys.modules.setdefault("awq_inference_engine", types.ModuleType("awq_inference_engine"))
    # utils/calib_data.py imports `datasets` at module level; its loader is replaced below.
    if "datasets" not in sys.modules:
        stub = types.ModuleType("datasets")
        stub.load_dataset = None
        sys.modules["datasets"] = stub
    sys.path.insert(0, llm_awq_dir)
    from awq.quantize import pre_quant

    # llm-awq moves modules and tensors to the GPU and back; on CPU these are no-ops.
    nn.Module.cuda = lambda self, *a, **k: self
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.cuda.empty_cache = lambda: None
    pre_quant.move_embed = lambda model, device: None  # embeddings stay on CPU
    return pre_quant


def decoder_layer_returns_tuple():
    """transformers 5's LlamaDecoderLayer returns a tensor; run_awq takes `layer(...)[0]` (written for the
    tuple transformers 4 returned), which would take batch element 0. Wrap it to return a 1-tuple while
    run_awq runs (only the Catcher is reached in the model's own forward then)."""
    from transformers.models.llama.modeling_llama import LlamaDecoderLayer

    orig = LlamaDecoderLayer.forward

    def fwd(self, *a, **k):
        out = orig(self, *a, **k)
        return out if isinstance(out, tuple) else (out,)

    class Ctx:
        def __enter__(self):
            LlamaDecoderLayer.forward = fwd

        def __exit__(self, *exc):
            LlamaDecoderLayer.forward = orig

    return Ctx()


def load_fp(folder, attn="sdpa"):
    from transformers import LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation=attn).eval()
    model.config.use_cache = False  # as llm-awq's entry.py
    return model


def save_folder(model, src, dst):
    """Write the model's weights under the converted folder's tensor names; copy config and tokenizer."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    os.makedirs(dst, exist_ok=True)
    sd = model.state_dict()
    for f in os.listdir(src):
        if f.endswith(".safetensors"):
            with safe_open(os.path.join(src, f), "pt") as h:
                names = list(h.keys())
            save_file({n: sd[n].detach().contiguous() for n in names}, os.path.join(dst, f), metadata={"format": "pt"})
        else:
            shutil.copy(os.path.join(src, f), os.path.join(dst, f))


def awb_eval(awb, folder, tokenizer, text):
    out = subprocess.run([awb, "eval", "--model", folder, "--tokenizer", tokenizer, "--text", text, "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["ppl"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llm-awq", required=True, help="llm-awq checkout (the folder holding awq/)")
    ap.add_argument("--model", required=True, help="llama2.c .bin or Hugging Face folder (awb convert makes fp32 HF)")
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--blocks", required=True, help="awb calibration --save-blocks JSON")
    ap.add_argument("--text", required=True, help="eval text for awb eval")
    ap.add_argument("--settings", default="w4g32,w3g32,w4g64,w3g64")
    ap.add_argument("--awb", default="build/app/cli/awb")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--attn", default="sdpa", help="transformers attention during the search: sdpa or eager")
    ap.add_argument("--json", help="write the results here too")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    pre_quant = patch_llm_awq(os.path.abspath(a.llm_awq))
    from awq.quantize.quantizer import pseudo_quantize_model_weight
    from awq.utils import calib_data

    blocks = json.load(open(a.blocks))
    seqlen = blocks["seqlen"]
    # Replaces get_calib_dataset (run_awq imports it from the module at call time): our blocks, as [1, seqlen].
    calib_data.get_calib_dataset = lambda **k: [torch.tensor([b]) for b in blocks["blocks"]]

    tmp = tempfile.mkdtemp(prefix="llm_awq_ref_")
    fp_dir = os.path.join(tmp, "fp")
    subprocess.run([a.awb, "convert", "--model", a.model, "--tokenizer", a.tokenizer, "--out", fp_dir, "--dtype", "f32"],
                   check=True, capture_output=True)
    res = {"model": a.model, "blocks": a.blocks, "n_blocks": len(blocks["blocks"]), "text": a.text,
           "fp_ppl": awb_eval(a.awb, fp_dir, a.tokenizer, a.text), "settings": {}}
    print(json.dumps({"fp_ppl": res["fp_ppl"]}), flush=True)

    for s in a.settings.split(","):
        w_bit, group = (int(x) for x in s[1:].split("g"))
        q_config = {"zero_point": True, "q_group_size": group}
        row = {}
        # RTN: llm-awq's quantizer, no search.
        model = load_fp(fp_dir)
        pseudo_quantize_model_weight(model, w_bit=w_bit, q_config=q_config)
        save_folder(model, fp_dir, os.path.join(tmp, "q"))
        row["rtn"] = awb_eval(a.awb, os.path.join(tmp, "q"), a.tokenizer, a.text)
        # AWQ: run_awq (search), then apply_awq on a fresh FP model and pseudo-quantize (entry.py's path).
        model = load_fp(fp_dir, a.attn)
        start = time.perf_counter()
        with decoder_layer_returns_tuple():
            awq_results = pre_quant.run_awq(model, None, w_bit=w_bit, q_config=q_config,
                                            n_samples=len(blocks["blocks"]), seqlen=seqlen)
        row["awq_search_s"] = round(time.perf_counter() - start, 1)
        model = load_fp(fp_dir)
        pre_quant.apply_awq(model, awq_results)
        pseudo_quantize_model_weight(model, w_bit=w_bit, q_config=q_config)
        save_folder(model, fp_dir, os.path.join(tmp, "q"))
        row["awq"] = awb_eval(a.awb, os.path.join(tmp, "q"), a.tokenizer, a.text)
        res["settings"][f"w{w_bit} g{group}"] = row
        print(json.dumps({f"w{w_bit} g{group}": row}), flush=True)

    shutil.rmtree(tmp)
    print(json.dumps(res))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
