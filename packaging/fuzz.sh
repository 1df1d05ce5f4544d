#!/usr/bin/env bash
# libFuzzer targets of the file parsers (tests/fuzz, CMake option AWB_FUZZ).
#   packaging/fuzz.sh --list            builds the targets into build-fuzz/, prints their names
#   packaging/fuzz.sh TARGET SECONDS    runs one for SECONDS; exits non-zero on a finding
#   packaging/fuzz.sh --all SECONDS     runs every target in turn for SECONDS each (CI: 60)
#   AWB_FUZZ_RUNS=N                     also stop a run after N executions (the 10-million runs)
# Findings (crashing inputs) land in build-fuzz/findings/. The corpus of each target starts from the
# real fixtures (model headers, config.json files, tokenizers, stores awb wrote) and grows in build-fuzz/corpus/.
# Over-allocation is a finding too: libFuzzer's -rss_limit_mb/-malloc_limit_mb (2 GiB).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${AWB_FUZZ_BUILD_DIR:-$root/build-fuzz}"

if ! command -v clang++ >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # libFuzzer's runtime is in libclang-rt-dev, only a recommendation of clang
  $SUDO apt-get install -y -qq --no-install-recommends clang libclang-rt-dev >/dev/null
fi

build_targets() {
  if [ ! -f "$build/build.ninja" ]; then
    CXX=clang++ CC=clang cmake -Wno-dev -S "$root" -B "$build" -G Ninja -DAWB_FUZZ=ON -DBUILD_TESTING=OFF \
      -DAWB_BUILD_GUI=OFF -DAWB_WITH_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  # quiet when it builds; the build's own errors when it does not (CI shows them)
  if ! cmake --build "$build" --target awb_fuzz >"$build/build.log" 2>&1; then
    grep -E -A12 'FAILED|error' "$build/build.log" | head -n 80 >&2
    echo "fuzz.sh: building the fuzz targets failed (whole log: $build/build.log)" >&2
    exit 1
  fi
}

# Seeds from the real files each parser reads.
seed() {
  local target="$1" dir="$build/seeds/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  case "$target" in
    fuzz_safetensors_header) # each fixture's real header over a data section shrunk to 8 bytes per
      # tensor (shapes to match), so inputs stay small and the fuzzer still starts from valid files
      for f in "$root"/tests/data/conformance/*/model.safetensors; do
        python3 - "$f" "$dir/$(basename "$(dirname "$f")").safetensors" <<'PY'
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
offset = 0
for name, entry in header.items():
    if name == "__metadata__":
        continue
    size = {"F64": 8, "I64": 8, "F32": 4, "I32": 4, "F16": 2, "BF16": 2, "I16": 2}.get(entry["dtype"], 1)
    entry["shape"] = [8 // size] if entry["shape"] else []
    nbytes = size * (entry["shape"][0] if entry["shape"] else 1)
    entry["data_offsets"] = [offset, offset + nbytes]
    offset += nbytes
text = json.dumps(header, separators=(",", ":")).encode()
open(sys.argv[2], "wb").write(struct.pack("<Q", len(text)) + text + bytes(offset))
PY
      done ;;
    fuzz_llama2c_header) # the 28-byte header and the real file size (see fuzz_llama2c_header.cpp)
      for f in "$root"/resources/models/stories260K/*.bin; do
        python3 -c 'import os,sys,struct; p=sys.argv[1]; sys.stdout.buffer.write(open(p,"rb").read(28)+struct.pack("<Q",os.path.getsize(p)))' \
          "$f" >"$dir/$(basename "$f" .bin).hdr"
      done ;;
    fuzz_hf_config)
      for f in "$root"/tests/data/conformance/*/config.json; do cp "$f" "$dir/$(basename "$(dirname "$f")").json"; done ;;
    fuzz_bpe_tokenizer) # each test tokenizer whole (~20 KB), and cut to its first 300 ids and the
      # merges among them (~4 KB): a mutation of the small one runs many times faster
      for f in "$root"/tests/data/tokenizers/*/tokenizer.json; do
        cp "$f" "$dir/$(basename "$(dirname "$f")").json"
        python3 - "$f" "$dir/$(basename "$(dirname "$f")")-300.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1], encoding="utf-8"))
vocab = {k: v for k, v in t["model"]["vocab"].items() if v < 300}
def kept(m):
    a, b = m.split(" ", 1) if isinstance(m, str) else m
    return a in vocab and b in vocab and a + b in vocab
t["model"]["vocab"] = vocab
t["model"]["merges"] = [m for m in t["model"]["merges"] if kept(m)]
for i, a in enumerate(x for x in t["added_tokens"] if x["id"] >= 300):  # ids after the cut vocabulary
    a["id"] = 300 + i
open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(t, ensure_ascii=False, separators=(",", ":")))
PY
      done ;;
    fuzz_sentencepiece)
      cp "$root"/resources/models/stories260K/tok512.model "$dir/" ;;
    fuzz_shard_index) # each conformance model's tensors split over two shards, as from_pretrained writes them
      for f in "$root"/tests/data/conformance/*/model.safetensors; do
        python3 - "$f" "$dir/$(basename "$(dirname "$f")").index.json" <<'PY'
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
names = sorted(k for k in json.loads(raw[8:8 + struct.unpack("<Q", raw[:8])[0]]) if k != "__metadata__")
shard = lambda i: "model-%05d-of-00002.safetensors" % (1 + 2 * i // len(names))
index = {"metadata": {"total_size": len(raw)}, "weight_map": {n: shard(i) for i, n in enumerate(names)}}
open(sys.argv[2], "w").write(json.dumps(index, indent=2))
PY
      done ;;
    fuzz_workspace) # what the workbench saves (saveWorkspace), with relative and bundled sources
      cat >"$dir/workspace.json" <<'JSON'
{"format": "awb-workspace", "version": 1, "model": "models/stories260K.bin",
 "calibration": {"sources": [{"source": "tinystories", "checked": true}, {"source": "wikitext2", "checked": false},
                             {"source": "self", "checked": true}, {"source": "../text/my calib.txt", "checked": true}],
                 "blocks": 8, "seqlen": 256, "long_samples": "split", "target_text": ""},
 "sweep_store": "/tmp/sweep.h5"}
JSON
      ;;
    fuzz_probe_set) # the shipped probe set (9 KB)
      cp "$root"/resources/probes/*.json "$dir/" ;;
    fuzz_result_store) # stores written by awb of a one-block model (tests/data/README.md)
      cp "$root"/tests/data/stores/*-result.h5 "$dir/" ;;
    fuzz_sweep_store)
      cp "$root"/tests/data/stores/*-sweep-*.h5 "$dir/" ;;
    fuzz_store_tree) # edit scripts (fuzz_store_tree.cpp); the stores they edit are built in. One byte
      # chooses a store, with no edit: each store as awb wrote it
      for i in 0 1 2; do printf "\\x0$i" >"$dir/store-$i"; done ;;
    *) echo "fuzz.sh: no seeds for $target" >&2; exit 2 ;;
  esac
}

if [ "${1:-}" = "--list" ]; then
  build_targets
  cat "$build/tests/fuzz/targets.txt"
  exit 0
fi
if [ "${1:-}" = "--all" ] && [ $# -eq 2 ]; then
  build_targets
  while read -r target; do
    log="$build/$target.log"
    if ! "$0" "$target" "$2" >"$log" 2>&1 </dev/null; then
      tail -n 40 "$log" >&2
      echo "fuzz.sh: finding in $target (input in $build/findings/)" >&2
      exit 1
    fi
    # the last count: the store readers' forked children print their own stats before the fuzzer's
    echo "$target: $(grep -o 'number_of_executed_units: *[0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$') executions in $2 s, no finding"
  done <"$build/tests/fuzz/targets.txt"
  exit 0
fi
if [ $# -ne 2 ]; then
  echo "usage: $0 --list | --all SECONDS | TARGET SECONDS" >&2
  exit 2
fi
target="$1" seconds="$2"
build_targets
if ! grep -qx "$target" "$build/tests/fuzz/targets.txt"; then
  echo "fuzz.sh: unknown target $target (see --list)" >&2
  exit 2
fi
seed "$target"
mkdir -p "$build/corpus/$target" "$build/findings"
# -max_len: the largest seed, at least 32 KB (libFuzzer would otherwise pick 4 KB).
max_len=$(find "$build/seeds/$target" -type f -printf '%s\n' | sort -n | tail -n 1)
[ "$max_len" -gt 32768 ] || max_len=32768
# -timeout: well past the 3 s after which the HDF5 readers' sandboxed child is stopped (hdf5_vetting.h)
exec "$build/tests/fuzz/$target" "$build/corpus/$target" "$build/seeds/$target" \
  -max_total_time="$seconds" -max_len="$max_len" -timeout=30 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$build/findings/$target-" ${AWB_FUZZ_RUNS:+-runs=$AWB_FUZZ_RUNS}
