#!/usr/bin/env bash
# Merges the shard stores that awb-sweep-array.sh wrote into OUT_DIR/sweep.h5 and writes the points
# with their Pareto flags to OUT_DIR/sweep.csv (docs/sweeps.md). Refuses shards of different plans.
#   sbatch --dependency=afterok:$jid packaging/slurm/awb-sweep-merge.sh OUT_DIR
#SBATCH --job-name=awb-sweep-merge
#SBATCH --cpus-per-task=1
#SBATCH --output=awb-sweep-merge-%j.log
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: awb-sweep-merge.sh OUT_DIR" >&2
  exit 2
fi
OUT=$1
shopt -s nullglob
shards=("$OUT"/shard-*-of-*.h5)
if [ ${#shards[@]} -eq 0 ]; then
  echo "awb-sweep-merge.sh: no shard stores (shard-K-of-N.h5) in $OUT" >&2
  exit 1
fi
exec "${AWB:-awb}" merge "${shards[@]}" --out "$OUT/sweep.h5" --csv "$OUT/sweep.csv" --json
