#!/usr/bin/env bash
# One shard of an `awb sweep`, as a task of a Slurm job array (docs/sweeps.md). Every task runs
# every N-th point of the same plan into its own store; awb-sweep-merge.sh then combines them.
#
#   jid=$(sbatch --parsable --array=1-8 packaging/slurm/awb-sweep-array.sh OUT_DIR -- SWEEP ARGS...)
#   sbatch --dependency=afterok:$jid packaging/slurm/awb-sweep-merge.sh OUT_DIR
#
# SWEEP ARGS are those of `awb sweep` without --out and --shard (e.g. --model M --calib wikitext2
# --eval E --w-bit 3,4 --group-size 32,64,128). A task that is killed or preempted loses only the
# point it was computing: requeue it (or run the array again) and it resumes its own store.
# AWB names the binary (default: awb on PATH).
#SBATCH --job-name=awb-sweep
#SBATCH --cpus-per-task=8
#SBATCH --output=awb-sweep-%A_%a.log
set -euo pipefail
if [ $# -lt 2 ] || [ "$2" != "--" ]; then
  echo "usage: awb-sweep-array.sh OUT_DIR -- SWEEP ARGS..." >&2
  exit 2
fi
OUT=$1
shift 2
: "${SLURM_ARRAY_TASK_ID:?run as a Slurm array task (sbatch --array=1-N), or set SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT}"
: "${SLURM_ARRAY_TASK_COUNT:?run as a Slurm array task (sbatch --array=1-N)}"
K=$SLURM_ARRAY_TASK_ID
N=$SLURM_ARRAY_TASK_COUNT
mkdir -p "$OUT"
exec "${AWB:-awb}" sweep "$@" --shard "$K/$N" --out "$OUT/shard-$K-of-$N.h5" --json
