#!/usr/bin/env python3
"""Optional peer measurement (issue 14): transformers' perplexity and greedy decode on the same
Hugging Face folder, text, protocol and threads as `awb eval` / `awb generate`.

Not part of the product or its tests: it needs a scratch venv with PyPI `torch`, `transformers` and
`sentencepiece` (bench/peers/README.md). Protocol, as awb's (core/eval/perplexity.cpp,
core/tokenizer/text_source.cpp): each non-empty stripped line of the text is encoded without BOS, the
ids are concatenated and cut into windows of seqlen-1 ids, each with BOS in front; every position
after BOS is scored. Greedy decode: the prompt with BOS, then --max-tokens argmax steps with the KV
cache (model.generate, do_sample=False).
Prints one JSON line: {"ppl", "scored_tokens", "eval_seconds", "eval_tokens_per_s", "decode_tokens_per_s", ...}.
"""
import argparse
import json
import math
import time

import sentencepiece as spm
import torch
from transformers import AutoModelForCausalLM


def encode_lines(sp, path):
    ids = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if s:
                ids.extend(sp.encode(s))
    return ids


def perplexity(model, ids, bos, seqlen, batch=1):
    """awb's window protocol: ids cut into windows of seqlen-1 with BOS in front, every position after BOS
    scored; `batch` windows of equal length per forward. Returns (ppl, scored tokens, windows)."""
    step = seqlen - 1
    windows = [[bos] + ids[i:i + step] for i in range(0, len(ids), step)]
    nll, scored = 0.0, 0
    with torch.inference_mode():
        i = 0
        while i < len(windows):
            x = torch.tensor([w for w in windows[i:i + batch] if len(w) == len(windows[i])])
            logp = torch.log_softmax(model(x).logits[:, :-1].float(), -1)
            nll -= logp.gather(-1, x[:, 1:].unsqueeze(-1)).double().sum().item()
            scored += x[:, 1:].numel()
            i += x.shape[0]
    return math.exp(nll / scored), scored, len(windows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokenizer", required=True, help="SentencePiece .model (the one given to awb)")
    ap.add_argument("--text", required=True)
    ap.add_argument("--seqlen", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dtype", default="float32", help="float32 (awb computes in fp32) or auto (transformers' default)")
    ap.add_argument("--batch", type=int, default=1, help="eval windows per forward")
    ap.add_argument("--prompt", default="Once upon a time")
    ap.add_argument("--max-tokens", type=int, default=64)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    dtype = torch.float32 if a.dtype == "float32" else "auto"
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=dtype).eval()
    sp = spm.SentencePieceProcessor(model_file=a.tokenizer)
    bos = model.config.bos_token_id
    ids = encode_lines(sp, a.text)
    start = time.perf_counter()
    ppl, scored, windows = perplexity(model, ids, bos, a.seqlen, a.batch)
    eval_s = time.perf_counter() - start

    prompt = torch.tensor([[bos] + sp.encode(a.prompt)])
    with torch.inference_mode():
        model.generate(prompt, max_new_tokens=4, do_sample=False)  # warm-up
        start = time.perf_counter()
        out = model.generate(prompt, max_new_tokens=a.max_tokens, min_new_tokens=a.max_tokens, do_sample=False)
        gen_s = time.perf_counter() - start
    new = out.shape[1] - prompt.shape[1]
    print(json.dumps({"peer": "transformers", "torch": torch.__version__, "dtype": str(model.dtype), "threads": a.threads,
                      "ppl": ppl, "scored_tokens": scored, "windows": windows,
                      "eval_seconds": eval_s, "eval_tokens_per_s": scored / eval_s,
                      "decode_tokens": new, "decode_seconds": gen_s, "decode_tokens_per_s": new / gen_s,
                      "greedy_ids": out[0, prompt.shape[1]:].tolist()}))


if __name__ == "__main__":
    main()
