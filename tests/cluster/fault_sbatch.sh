#!/usr/bin/env bash
# Test-only stand-in for `sbatch`, put first on PATH by tests/cluster/run_slurm_failure.sh.
# Submits every job unchanged, except the job(s) of one chunk: those are submitted under a small
# file-size limit (ulimit -f), which Slurm propagates to the job (PropagateResourceLimits=ALL, the
# default) -- a "disk quota exceeded" that hits that chunk, and only it, on every attempt, while it
# writes its output. Root ignores file permissions; RLIMIT_FSIZE it does not.
#
# Environment: FMDECON_FAULT_CHUNK    e.g. law=morse,group=g0000,block=b0000 (as in --target-jobs)
#              FMDECON_FAULT_FSIZE_KB file-size limit of that chunk's jobs [KiB]
#              FMDECON_FAULT_RECORD   file that gets the Slurm job id of every limited submission
#              FMDECON_REAL_SBATCH    the real sbatch
set -uo pipefail

if [[ "$*" == *"$FMDECON_FAULT_CHUNK "* || "$*" == *"$FMDECON_FAULT_CHUNK"[\'\"]* ]]; then
    ulimit -S -f "$FMDECON_FAULT_FSIZE_KB" || exit 1
    out=$("$FMDECON_REAL_SBATCH" "$@") || exit
    echo "$out" >>"$FMDECON_FAULT_RECORD"
    echo "$out"
    exit 0
fi
exec "$FMDECON_REAL_SBATCH" "$@"
