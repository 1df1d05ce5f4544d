#!/usr/bin/env python3
"""Writes the conformance models of tests/data/conformance/ and the logits transformers computes.

OPTIONAL developer tool. It needs `transformers` and `torch` in a scratch virtual environment
outside the project; it is never a build or runtime dependency: tests/core/tst_conformance.cpp
reads only the files this script wrote once and that are committed. The committed files were
written with Debian 12's python3-torch 1.13.1 and transformers 4.46.3 (the newest release that
still runs on torch 1.13 and already has the llama3 and yarn RoPE types), e.g.

    apt-get install python3-torch
    python3 -m venv --system-site-packages /tmp/fid-venv
    /tmp/fid-venv/bin/pip install transformers==4.46.3
    /tmp/fid-venv/bin/python bench/tools/make_conformance_models.py --out tests/data/conformance

Each variant is a tiny random model (hidden 32, 2 layers, 4 heads, 2 kv heads) built by
transformers itself from its config class, with weights rounded to bf16 (so the stored bf16
weights are exactly the ones transformers ran in fp32), saved with save_pretrained, and the fp32
logits of the eager forward for fixed ids saved to expected/<variant>.safetensors
("input_ids" int64 [T], "logits" f32 [T, vocab]).

Variants in the transformers-5 layout ("rope_parameters" instead of top-level rope_theta /
rope_scaling, "dtype" instead of "torch_dtype") cannot be written by transformers 4.46: this script
writes them by rewriting the classic config.json the same model was saved with (see to_t5_layout);
the weights and logits stay that model's.

Two variants carry a tokenizer and the companion files of a real chat checkpoint (made from
tests/data/tokenizers/bytelevel/tokenizer.json):
  llama32-tied   Llama-3.2 shaped: rope_scaling llama3, eos list [<|end_of_text|>, <|eot_id|>] in
                 config.json and generation_config.json, tied embeddings, chat_template inside
                 tokenizer_config.json, special_tokens_map.json.
  smollm2-t5     SmolLM2-Instruct shaped: transformers-5 layout with rope_theta 100000,
                 <|endoftext|> = 0 and <|im_end|> = 2 with eos_token_id 2 in config.json (the
                 tokenizer.json heuristic alone would pick 0), chat_template.jinja, no
                 generation_config.json.
"""
import argparse
import json
import os
import shutil
import sys

try:
    import torch
    import transformers
    from safetensors.torch import save_file
except ImportError:
    sys.exit("make_conformance_models.py needs torch and transformers (use a scratch venv, see the docstring)")

HERE = os.path.dirname(os.path.abspath(__file__))
BYTELEVEL = os.path.join(HERE, "..", "..", "tests", "data", "tokenizers", "bytelevel", "tokenizer.json")

BASE = dict(hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, vocab_size=128, max_position_embeddings=64, rms_norm_eps=1e-5,
            tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)

# name: (config class, overrides, layout, sequence length, extras)
VARIANTS = {
    "llama-default": ("llama", dict(rope_theta=10000.0), "classic", 20, {}),
    "llama-linear": ("llama", dict(rope_theta=10000.0, rope_scaling={"type": "linear", "factor": 2.0}), "classic", 20, {}),
    # dynamic NTK changes the frequencies only past max_position_embeddings: 24 tokens > 16
    "llama-dynamic": ("llama", dict(rope_theta=10000.0, max_position_embeddings=16,
                                    rope_scaling={"rope_type": "dynamic", "factor": 2.0}), "classic", 24, {}),
    "llama3-classic": ("llama", dict(rope_theta=500000.0, rope_scaling={
        "rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8}), "classic", 20, {}),
    "llama3-t5": ("llama", dict(rope_theta=500000.0, tie_word_embeddings=True, rope_scaling={
        "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 16}), "t5", 20, {}),
    "llama-yarn": ("llama", dict(rope_theta=10000.0, rope_scaling={
        "rope_type": "yarn", "factor": 4.0, "beta_fast": 32.0, "beta_slow": 1.0}), "classic", 20, {}),
    "mistral": ("mistral", dict(rope_theta=1000000.0, sliding_window=4096), "classic", 20, {}),
    "qwen2": ("qwen2", dict(rope_theta=1000000.0, tie_word_embeddings=True, use_sliding_window=False), "classic", 20, {}),
    "qwen2-yarn-t5": ("qwen2", dict(rope_theta=1000000.0, use_sliding_window=False, rope_scaling={
        "type": "yarn", "factor": 2.0, "attention_factor": 1.25}), "t5", 20, {}),
    "llama32-tied": ("llama", dict(rope_theta=500000.0, tie_word_embeddings=True, vocab_size=1012,
                                   bos_token_id=1009, eos_token_id=[1010, 1011], rope_scaling={
        "rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8}), "classic", 8, {"tokenizer": "llama32"}),
    "smollm2-t5": ("llama", dict(rope_theta=100000.0, tie_word_embeddings=True, vocab_size=1012,
                                 bos_token_id=1, eos_token_id=2), "t5", 8, {"tokenizer": "smollm2"}),
}

CONFIG_CLASSES = {"llama": transformers.LlamaConfig, "mistral": transformers.MistralConfig,
                  "qwen2": transformers.Qwen2Config}
MODEL_CLASSES = {"llama": transformers.LlamaForCausalLM, "mistral": transformers.MistralForCausalLM,
                 "qwen2": transformers.Qwen2ForCausalLM}


def randomize(model, seed):
    """Weights with O(1) activations (the default init's std 0.02 gives near-uniform logits), norms
    and biases random too, all rounded to bf16 so the saved bf16 file holds exactly these values."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                v = 1.0 + 0.1 * torch.randn(p.shape, generator=g)
            elif name.endswith(".bias"):
                v = 0.1 * torch.randn(p.shape, generator=g)
            else:
                v = torch.randn(p.shape, generator=g) / (p.shape[-1] ** 0.5) * 1.5
            p.copy_(v.to(torch.bfloat16).to(torch.float32))


def to_t5_layout(config):
    """transformers 5 keeps RoPE settings in rope_parameters and writes dtype, not torch_dtype."""
    params = {"rope_theta": config.pop("rope_theta")}
    scaling = config.pop("rope_scaling", None) or {}
    scaling = dict(scaling)
    params["rope_type"] = scaling.pop("rope_type", scaling.pop("type", "default"))
    params.update(scaling)
    config["rope_parameters"] = params
    config["dtype"] = config.pop("torch_dtype")
    return config


def bytelevel_tokenizer():
    with open(BYTELEVEL, encoding="utf-8") as f:
        return json.load(f)


def write_llama32_tokenizer(out):
    tok = bytelevel_tokenizer()
    tok["added_tokens"].append({"id": 1011, "content": "<|eot_id|>", "single_word": False, "lstrip": False,
                                "rstrip": False, "normalized": False, "special": True})
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    decoder = {str(t["id"]): {k: v for k, v in t.items() if k != "id"} for t in tok["added_tokens"]}
    template = ("{{ bos_token }}{% for message in messages %}<|start_header_id|>{{ message['role'] }}"
                "<|end_header_id|>\n\n{{ message['content'] }}<|eot_id|>{% endfor %}")
    with open(os.path.join(out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"added_tokens_decoder": decoder, "bos_token": "<|begin_of_text|>", "chat_template": template,
                   "clean_up_tokenization_spaces": True, "eos_token": "<|eot_id|>", "model_max_length": 131072,
                   "tokenizer_class": "PreTrainedTokenizerFast"}, f, indent=2)
    with open(os.path.join(out, "special_tokens_map.json"), "w", encoding="utf-8") as f:
        json.dump({"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}, f, indent=2)
    with open(os.path.join(out, "generation_config.json"), "w", encoding="utf-8") as f:
        json.dump({"bos_token_id": 1009, "do_sample": True, "eos_token_id": [1010, 1011], "temperature": 0.6,
                   "top_p": 0.9, "transformers_version": transformers.__version__}, f, indent=2)


def write_smollm2_tokenizer(out):
    """SmolLM2's special tokens sit at ids 0..2; the byte-level vocabulary moves up by 3."""
    tok = bytelevel_tokenizer()
    tok["model"]["vocab"] = {k: v + 3 for k, v in tok["model"]["vocab"].items()}
    names = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    # as in SmolLM2's file, the special tokens are vocabulary entries too (the library numbers added
    # tokens missing from the vocabulary after it, whatever id the file writes)
    tok["model"]["vocab"].update({n: i for i, n in enumerate(names)})
    tok["added_tokens"] = [{"id": i, "content": n, "single_word": False, "lstrip": False, "rstrip": False,
                            "normalized": False, "special": True} for i, n in enumerate(names)]
    tok["post_processor"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)
    decoder = {str(t["id"]): {k: v for k, v in t.items() if k != "id"} for t in tok["added_tokens"]}
    with open(os.path.join(out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"added_tokens_decoder": decoder, "bos_token": "<|im_start|>", "eos_token": "<|im_end|>",
                   "additional_special_tokens": ["<|im_start|>", "<|im_end|>"], "model_max_length": 8192,
                   "tokenizer_class": "GPT2Tokenizer", "unk_token": "<|endoftext|>"}, f, indent=2)
    with open(os.path.join(out, "special_tokens_map.json"), "w", encoding="utf-8") as f:
        json.dump({"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "unk_token": "<|endoftext|>"}, f, indent=2)
    with open(os.path.join(out, "chat_template.jinja"), "w", encoding="utf-8") as f:
        f.write("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
                "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    expected_dir = os.path.join(args.out, "expected")
    os.makedirs(expected_dir, exist_ok=True)
    manifest = {"generator": "bench/tools/make_conformance_models.py", "transformers": transformers.__version__,
                "torch": torch.__version__, "variants": []}
    for seed, (name, (kind, overrides, layout, T, extras)) in enumerate(sorted(VARIANTS.items())):
        settings = dict(BASE)
        settings.update(overrides)
        config = CONFIG_CLASSES[kind](**settings, attn_implementation="eager")
        torch.manual_seed(seed)
        model = MODEL_CLASSES[kind](config).eval()
        randomize(model, 1000 + seed)
        g = torch.Generator().manual_seed(2000 + seed)
        ids = torch.randint(3, min(config.vocab_size, 1000), (T,), generator=g)
        with torch.no_grad():
            logits = model(ids.unsqueeze(0)).logits[0].float().contiguous()
        out = os.path.join(args.out, name)
        shutil.rmtree(out, ignore_errors=True)
        model.to(torch.bfloat16).save_pretrained(out, safe_serialization=True)
        # save_pretrained writes a generation_config.json derived from config.json; only the
        # variants that ship one (written below) keep it, so the others test config.json's ids
        gen = os.path.join(out, "generation_config.json")
        if os.path.exists(gen):
            os.remove(gen)
        with open(os.path.join(out, "config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
        cfg.pop("attn_implementation", None)
        cfg.pop("_attn_implementation_autoset", None)
        if layout == "t5":
            cfg = to_t5_layout(cfg)
        with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
            json.dump(cfg, f, indent=2, sort_keys=True)
            f.write("\n")
        if extras.get("tokenizer") == "llama32":
            write_llama32_tokenizer(out)
        elif extras.get("tokenizer") == "smollm2":
            write_smollm2_tokenizer(out)
        save_file({"input_ids": ids.to(torch.int64).contiguous(), "logits": logits},
                  os.path.join(expected_dir, name + ".safetensors"), metadata={"source": "transformers " + transformers.__version__})
        scaling = overrides.get("rope_scaling") or {}
        manifest["variants"].append({"name": name, "model_type": kind, "layout": layout, "seq_len": T,
                                     "rope_type": scaling.get("rope_type", scaling.get("type", "default")),
                                     "tokenizer": "tokenizer" in extras})
        print(name, tuple(logits.shape), float(logits.abs().mean()))
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
