#!/usr/bin/env python3
"""Regenerates the tokenizer.json test fixtures and their expected token ids.

OPTIONAL developer tool. It needs the Hugging Face `tokenizers` Python package, installed in a
scratch virtual environment outside the project, e.g.

    python3 -m venv /tmp/bpevenv && /tmp/bpevenv/bin/pip install tokenizers
    /tmp/bpevenv/bin/python bench/tools/make_tokenizer_fixtures.py \
        --tinystories /path/to/tinystories-valid-sample.txt --wikitext /path/to/wiki.test.raw

It is never a build or runtime dependency: the C++ tokenizer (core/tokenizer/bpe_tokenizer.cpp) is tested
against the files this script wrote once, which are committed under tests/data/tokenizers/:

  bytelevel/tokenizer.json      byte-level BPE as Llama-3 ships it (Split(Llama-3 regex) +
                                ByteLevel, ignore_merges, <|begin_of_text|> template, merges as
                                [a, b] pairs)
  sentencepiece/tokenizer.json  SentencePiece-style BPE as Llama-2 ships it (Prepend("▁") +
                                Replace(" ", "▁") normalizer, byte_fallback with the 256 <0xNN>
                                tokens, <s> template, merges as "a b" strings)
  expected_ids.json             the ids the real library gives for a set of test strings
                                (add_special_tokens=False), the decoded text
                                (skip_special_tokens=True), and "variants": small patches of the two
                                files (other regexes, Metaspace pre-tokenizers, no byte fallback,
                                added-token flags) with their own expected ids, so that the C++ test
                                can write the patched file and check it without Python; plus
                                "decode_cases": id sequences encode() never returns (cut characters,
                                special and unknown ids) with the library's decoded text.

The tokenizers are trained on the two fixture texts so that vocabularies and merges are realistic
(~1000 entries each, files well under 150 KB); the byte-level vocabulary gets a few hand-added whole
words so that ignore_merges and the regex's corner cases show in the ids (see train_bytelevel).
Reruns give byte-identical files (tokenizers 0.23.3); the expected ids are always computed from the
files as written, so a rerun with another version stays self-consistent. The default input paths
are the shared fixture checkout's; pass --tinystories/--wikitext elsewhere.
"""
import argparse
import copy
import json
import os
import sys

try:
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    import tokenizers
except ImportError:  # keep the message actionable: this is an optional tool
    sys.exit("make_tokenizer_fixtures.py needs `pip install tokenizers` (use a scratch venv)")

LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
               r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
GPT2_REGEX = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"

TEST_STRINGS = [
    "Hello world",
    "Once upon a time, there was a little girl named Lily.",
    "She liked to play outside in the park with her friends.",
    "The quick brown fox jumps over the lazy dog.",
    "I'm sure you'll love it, won't you? They've done it; we'd go.",
    "IT'S ALL CAPS AND IT'LL WORK, WE'VE SEEN IT'D",
    "don't stop 'til you get enough",
    "Tom's cat's toy",
    "The year 2024 had 12345 events and 3.14159 pies.",
    "1234567890",
    "Mixed: abc123def 4five6",
    "multiple   spaces    here",
    "  leading spaces",
    "trailing spaces   ",
    "line one\nline two\n\nline four",
    "tabs\tand\ttabs\t\tdouble",
    "end  \n  next\t \n\nlast",
    "The end.\nThe next!\r\n\nDone.\n",
    "windows\r\nline endings\r\n",
    "   \n   \n",
    "",
    " ",
    "\n",
    "a",
    "Punctuation!!! What?! ...and -- dashes; (parens) [brackets] {braces} @#$%^&*",
    "email: someone@example.com, url: https://example.org/path?q=1&r=2",
    "Café déjà vu, naïve façade, Ærøskøbing, Straße",
    "Ελληνικά: γειά σου κόσμε",
    "Русский текст: привет, мир!",
    "中文测试：你好，世界。",
    "日本語のテキスト、カタカナとひらがな。",
    "한국어 텍스트입니다",
    "Arabic: مرحبا بالعالم",
    "Hebrew: שלום עולם",
    "Hindi: नमस्ते दुनिया",
    "Digits: ٣٤٥ and ४५६ and ７８９",
    "x² + y³ = z½, Ⅻ o'clock",
    "Combining: e\u0301 vs \u00e9",
    "Non-breaking\u00a0space and\u2003em space\u3000ideographic",
    "zero\u200bwidth",
    "Emoji: 😀🎉 and 👍🏽 ok",
    "it'ſ the long s, it'ſx",
    "a\u00a0\u00a0b and a\u00a0b",
    "<|begin_of_text|>Hello<|end_of_text|>",
    "Hello <|begin_of_text|> world <s> there </s>",
    "<s>Hi</s>",
    " = Robert Boulter = \n Robert Boulter is an English film , television and theatre actor . "
    "He had a guest @-@ starring role on the television series The Bill in 2000 .",
]


def bytes_to_unicode():
    """GPT-2's byte-to-unicode alphabet (the ByteLevel pre-tokenizer's)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_TO_UNICODE = bytes_to_unicode()


def read_corpus(tinystories, wikitext, wiki_lines):
    lines = []
    with open(tinystories, encoding="utf-8") as f:
        lines += [line.rstrip("\n") for line in f if line.strip()]
    with open(wikitext, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= wiki_lines:
                break
            if line.strip():
                lines.append(line.rstrip("\n"))
    return lines


def train_bytelevel(lines, vocab_size):
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(lines, trainer)
    # Llama-3's vocabulary (converted from tiktoken) holds words that its merges cannot build in one
    # piece; ignore_merges emits those whole. The trainer only makes reachable tokens, so add a few
    # whole words by hand to give the ignore_merges path something to do.
    # Two more make the pre-tokenizer's choices visible in the ids: "'ſ" is one pre-token only if
    # (?i:'s) folds the long s, and "\u00a0b" only if U+00A0 counts as \s.
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    # And "  \n" is one pre-token only through \s*[\r\n]+, ".\n" only through [^\s\p{L}\p{N}]+[\r\n]*.
    for word in ["Hello", " world", " quick", " Boulter", " spaces", "'\u017f", "\u00a0b", "  \n",
                 ".\n"]:
        mapped = "".join(BYTE_TO_UNICODE[b] for b in word.encode("utf-8"))
        if mapped not in vocab:
            vocab[mapped] = len(vocab)
    tok = Tokenizer.from_str(json.dumps(data, ensure_ascii=False))
    # As in Llama-3 the special tokens live after the model vocabulary.
    tok.add_special_tokens(["<|begin_of_text|>", "<|end_of_text|>"])
    data = json.loads(tok.to_str())
    bos = tok.token_to_id("<|begin_of_text|>")
    data["post_processor"] = {
        "type": "Sequence",
        "processors": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                        {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                      {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}},
                      {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [bos],
                                                      "tokens": ["<|begin_of_text|>"]}}},
        ],
    }
    return data


def train_sentencepiece(lines, vocab_size):
    byte_tokens = ["<0x%02X>" % b for b in range(256)]
    specials = ["<unk>", "<s>", "</s>"]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    # Train on whitespace-split words as SentencePiece does, then ship the Llama-2 layout (no
    # pre-tokenizer, the whole text is one word) below.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                                  special_tokens=specials + byte_tokens)
    tok.train_from_iterator(lines, trainer)
    data = json.loads(tok.to_str())
    # Llama-2 lists only <unk>, <s>, </s> as added tokens; the byte tokens are plain vocabulary.
    data["added_tokens"] = [t for t in data["added_tokens"] if t["content"] in specials]
    for t in data["added_tokens"]:
        t["normalized"] = False
    data["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "▁"},
        {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
    ]}
    data["pre_tokenizer"] = None
    data["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
        {"type": "ByteFallback"},
        {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0},
    ]}
    bos = data["model"]["vocab"]["<s>"]
    data["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
        "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {"<s>": {"id": "<s>", "ids": [bos], "tokens": ["<s>"]}},
    }
    # Llama-2 files carry legacy "a b" merge strings; the byte-level file keeps [a, b] pairs.
    data["model"]["merges"] = [m if isinstance(m, str) else " ".join(m) for m in data["model"]["merges"]]
    return data


def added(content, tid, special=False, normalized=True, lstrip=False, rstrip=False, single_word=False):
    return {"id": tid, "content": content, "single_word": single_word, "lstrip": lstrip,
            "rstrip": rstrip, "normalized": normalized, "special": special}


def variants(bl, sp):
    """Patches (dotted key -> new value) of the two base files, each checked against the library."""
    bl_next = max(t["id"] for t in bl["added_tokens"]) + 1
    sp_next = len(sp["model"]["vocab"])
    llama2_decoder = sp["decoder"]
    return {
        "bytelevel-gpt2-regex": {"base": "bytelevel", "patch": {
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                              "use_regex": True},
            "model.ignore_merges": False}},
        "bytelevel-gpt2-prefix-space": {"base": "bytelevel", "patch": {
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                              "use_regex": True}}},
        "bytelevel-qwen2-regex": {"base": "bytelevel", "patch": {
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": QWEN2_REGEX}, "behavior": "Isolated", "invert": False},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]}}},
        "bytelevel-no-ignore-merges": {"base": "bytelevel", "patch": {"model.ignore_merges": False}},
        "bytelevel-added-token-flags": {"base": "bytelevel", "patch": {
            "added_tokens": bl["added_tokens"] + [
                added("<|sep|>", bl_next, normalized=False, lstrip=True, rstrip=True),
                added("secret", bl_next + 1, single_word=True),
                added("ab", bl_next + 2, special=False, normalized=True),
            ]}, "extra_strings": ["a <|sep|>  b", "x<|sep|>y", "secret secrets mysecret secret.",
                                  "abab cab about"]},
        "sentencepiece-metaspace-first": {"base": "sentencepiece", "patch": {
            "normalizer": None,
            "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first",
                              "split": False},
            "decoder": llama2_decoder}},
        "sentencepiece-metaspace-always-split": {"base": "sentencepiece", "patch": {
            "normalizer": None,
            "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True},
            "decoder": {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True}}},
        "sentencepiece-no-byte-fallback": {"base": "sentencepiece", "patch": {
            "model.byte_fallback": False}},
        "sentencepiece-no-byte-fallback-nofuse": {"base": "sentencepiece", "patch": {
            "model.byte_fallback": False, "model.fuse_unk": False}},
        "sentencepiece-added-tokens": {"base": "sentencepiece", "patch": {
            "added_tokens": sp["added_tokens"] + [
                added("<x>", sp_next, special=False, normalized=True),
                added("<y>", sp_next + 1, special=True, normalized=False, rstrip=True),
            ]}, "extra_strings": ["a <x> b", "<x>", "a<y>   b <y>", "<y>"]},
    }


def apply_patch(data, patch):
    data = copy.deepcopy(data)
    for key, value in patch.items():
        node = data
        parts = key.split(".")
        for p in parts[:-1]:
            node = node[p]
        node[parts[-1]] = value
    return data


def cases(tok, strings):
    out = []
    for s in strings:
        ids = tok.encode(s, add_special_tokens=False).ids
        decoded = tok.decode(ids, skip_special_tokens=True)
        out.append({"text": s, "ids": ids, "decoded": decoded})
    return out


def decode_cases(tok, text):
    """Decoding of id sequences that encode() never returns: cut characters, special and unknown ids."""
    ids = tok.encode(text, add_special_tokens=False).ids
    specials = tok.encode("", add_special_tokens=True).ids
    sequences = [ids[:k] for k in range(1, len(ids))] + [ids[1:], ids[::-1], specials + ids + specials,
                                                          ids[:2] + [10 ** 6] + ids[2:]]
    return [{"ids": seq, "decoded": tok.decode(seq, skip_special_tokens=True)} for seq in sequences]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tinystories", default="/work/shared/fixtures/tinystories-sample/tinystories-valid-sample.txt")
    ap.add_argument("--wikitext", default="/work/shared/fixtures/wikitext-2-raw/wiki.test.raw")
    ap.add_argument("--wiki-lines", type=int, default=2000)
    ap.add_argument("--vocab-size", type=int, default=1000)
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "data", "tokenizers"))
    args = ap.parse_args()

    lines = read_corpus(args.tinystories, args.wikitext, args.wiki_lines)
    bases = {"bytelevel": train_bytelevel(lines, args.vocab_size),
             "sentencepiece": train_sentencepiece(lines, args.vocab_size)}
    expected = {"tokenizers_version": tokenizers.__version__, "add_special_tokens": False,
                "skip_special_tokens": True, "files": {}, "variants": {}}
    for name, data in bases.items():
        os.makedirs(os.path.join(args.out, name), exist_ok=True)
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        path = os.path.join(args.out, name, "tokenizer.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        tok = Tokenizer.from_str(text)
        expected["files"][name] = {
            "path": name + "/tokenizer.json",
            "bos": tok.encode("", add_special_tokens=True).ids,
            "cases": cases(tok, TEST_STRINGS),
            "decode_cases": decode_cases(tok, "\u00e9\U0001F600 ok \u4e16"),
        }
        print(f"{path}: {len(text)} bytes, vocab {tok.get_vocab_size()}")
    for name, v in variants(bases["bytelevel"], bases["sentencepiece"]).items():
        data = apply_patch(bases[v["base"]], v["patch"])
        tok = Tokenizer.from_str(json.dumps(data, ensure_ascii=False))
        if "added_tokens" in v["patch"]:
            # The library ignores the ids written in added_tokens (an added token that is already in
            # the vocabulary keeps that id, others follow the vocabulary): write the ids it uses.
            for t in v["patch"]["added_tokens"]:
                t["id"] = tok.token_to_id(t["content"])
            data = apply_patch(bases[v["base"]], v["patch"])
            tok = Tokenizer.from_str(json.dumps(data, ensure_ascii=False))
        expected["variants"][name] = {"base": v["base"], "patch": v["patch"],
                                      "cases": cases(tok, TEST_STRINGS + v.get("extra_strings", []))}
    path = os.path.join(args.out, "expected_ids.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
