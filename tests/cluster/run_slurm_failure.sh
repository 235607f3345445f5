#!/usr/bin/env bash
# A chunk job that fails on every attempt, through Slurm: the run must stop with a clear message
# and leave no partial output. Needs a running Slurm (tests/cluster/slurm_up.sh). Prints PASS
# (exit 0) or FAIL (exit 1).
#
#   tests/cluster/run_slurm_failure.sh [CONFIG]      # CONFIG default: config/quick.yaml
#
# The fault: tests/cluster/fault_sbatch.sh stands in for `sbatch` (first on PATH of this run
# only) and submits the job of one chunk (default: group g0000, block b0000 of the study's first
# law) with a file-size limit of FMDECON_FAULT_FSIZE_KB (default 64 KiB), which Slurm propagates
# to the job: the chunk's job starts, computes, and fails while writing its output ("disk quota
# exceeded"), on every attempt. No library or workflow code knows about it.
#
# Checks: Snakemake exits non-zero; the chunk was submitted 1 + retries times (profile
# `retries`), each a failed Slurm job; no Slurm job retried inside itself; the chunk left no
# output, no temporary file, and the law's cube was not made; the log names the failed chunk (its
# outputs, its rule logs and its Slurm log) and says the run stopped because a job failed, and
# that rule log holds the error.
#
# Environment (and those of tests/cluster/lib.sh):
#   FMDECON_FAULT_CHUNK     law=...,group=g....,block=b.... (default: first law, g0000, b0000)
#   FMDECON_FAULT_FSIZE_KB  file-size limit of that chunk's jobs [KiB] (default 64: above the
#                           job's logs, below the quick study's chunk files)
set -uo pipefail

CONFIG=$(realpath "${1:-$(dirname "$0")/../../config/quick.yaml}")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LAW=${LAWS[0]}
CHUNK=${FMDECON_FAULT_CHUNK:-law=$LAW,group=g0000,block=b0000}
[[ $CHUNK =~ ^law=([a-z_0-9]+),group=(g[0-9]{4}),block=(b[0-9]{4})$ ]] ||
    fail "FMDECON_FAULT_CHUNK must look like law=morse,group=g0000,block=b0000 (got '$CHUNK')"
LAW=${BASH_REMATCH[1]}
NAME=${BASH_REMATCH[2]}_${BASH_REMATCH[3]}
TARGETS=("results/$STUDY/metrics/$LAW.nc") # only the law of the failing chunk
RETRIES=$("$PY" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["retries"])' \
    "$REPO/profiles/slurm/config.yaml") || fail "cannot read 'retries' of profiles/slurm"

new_workdir slurm-failure
RUN=$WORK/run
mkdir -p "$RUN" "$WORK/bin"
printf '#!/bin/sh\nexec bash %q "$@"\n' "$REPO/tests/cluster/fault_sbatch.sh" >"$WORK/bin/sbatch"
chmod +x "$WORK/bin/sbatch"
export FMDECON_FAULT_CHUNK=$CHUNK FMDECON_FAULT_FSIZE_KB=${FMDECON_FAULT_FSIZE_KB:-64}
export FMDECON_FAULT_RECORD=$WORK/limited.txt FMDECON_REAL_SBATCH
FMDECON_REAL_SBATCH=$(command -v sbatch) || fail "sbatch not found"
: >"$FMDECON_FAULT_RECORD"
echo "study '$STUDY' ($CONFIG), target: ${TARGETS[*]}"
echo "fault: chunk $CHUNK submitted with a ${FMDECON_FAULT_FSIZE_KB} KiB file-size limit" \
    "(profiles/slurm: retries $RETRIES)"
echo "work dir: $WORK"

# ---- the Slurm run, expected to fail ---------------------------------------------------------
watch_squeue "$WORK/squeue.txt"
t=$SECONDS
PATH="$WORK/bin:$PATH" smk "$RUN" "$WORK/slurm.log" "${SLURM_OPTS[@]}"
RC=$?
T_SLURM=$((SECONDS - t))
echo "slurm run:  ${T_SLURM} s, exit $RC"
((RC == 124 || RC == 137)) && fail "Slurm run did not finish within $RUN_TIMEOUT s (log: $WORK/slurm.log)"
((RC != 0)) || fail "Slurm run succeeded although chunk $CHUNK could not write its output" \
    "(was the fault applied? limited submissions: $(wc -l <"$FMDECON_FAULT_RECORD"))"
check_went_through_slurm "$WORK/slurm.log" "$RUN" "$WORK/squeue.txt"
LOG=$WORK/slurm.log

# ---- every attempt of the chunk was a failed Slurm job ---------------------------------------
mapfile -t LIMITED <"$FMDECON_FAULT_RECORD"
echo "attempts:   chunk $CHUNK ran as Slurm job(s) ${LIMITED[*]:-none}"
((${#LIMITED[@]} == RETRIES + 1)) || fail "chunk $CHUNK was submitted ${#LIMITED[@]} time(s)," \
    "expected 1 + $RETRIES retries (log: $LOG)"
for id in "${LIMITED[@]}"; do
    grep -q "^$id FAILED " "$WORK/squeue.txt" ||
        fail "Slurm job $id of chunk $CHUNK was not seen FAILED by squeue (record: $WORK/squeue.txt)"
done
# ---- no partial output -----------------------------------------------------------------------
partial=$(cd "$RUN" && find results -path "*/$LAW/$NAME.nc" -o -name '.*.tmp' -o \
    -path "results/$STUDY/metrics/$LAW.nc" | sort)
[[ -z $partial ]] || fail "partial output left behind: ${partial//$'\n'/, }"
incomplete=$(find "$RUN/.snakemake/incomplete" -type f 2>/dev/null | wc -l)
((incomplete == 0)) || fail "$incomplete output(s) still marked incomplete in .snakemake/incomplete"
echo "output:     none of chunk $NAME ($LAW), no *.tmp, no metrics/$LAW.nc;" \
    "kept: $(cd "$RUN" && find results -name '*.nc' | sort | tr '\n' ' ')"

# ---- a clear message -------------------------------------------------------------------------
last=${LIMITED[-1]}
slurm_log=$(find "$RUN/.snakemake/slurm_logs" -name "$last.log" | head -n1)
grep -qE "^ *(message: )?Error in (group|rule) " "$LOG" ||
    fail "the run's log has no 'Error in group/rule' message (log: $LOG)"
for want in \
    "output: results/$STUDY/simulate/$LAW/$NAME.nc" \
    "output: results/$STUDY/deconvolve/$LAW/$NAME.nc" \
    "log: results/$STUDY/logs/simulate/$LAW/$NAME.log (check log file(s) for error details)" \
    "log: ${slurm_log:-<Slurm log of job $last>} (check log file(s) for error details)" \
    "Exiting because a job execution failed"; do
    grep -qF -- "$want" "$LOG" || fail "the run's log lacks '$want' (log: $LOG)"
done
rule_log=$RUN/results/$STUDY/logs/simulate/$LAW/$NAME.log
grep -q "job simulate failed" "$rule_log" 2>/dev/null ||
    fail "rule log $rule_log does not say 'job simulate failed'"
echo "message:    'Error in group/rule' naming outputs, rule logs and Slurm log $last.log;" \
    "rule log: $(grep -m1 -E '^[A-Za-z]*Error' "$rule_log")"

# ---- one attempt per Slurm job ---------------------------------------------------------------
# Rule-level `retries:` overrides the `--retries 0` the Slurm executor gives its jobs: the job
# would then retry (the group, and each rule in it) inside its own allocation, multiplying the
# attempts. Retrying is the main Snakemake's business: one attempt per Slurm job.
inner=$(grep -l "Trying to restart job" "$RUN"/.snakemake/slurm_logs/*/*.log 2>/dev/null |
    xargs -r -n1 basename | tr '\n' ' ')
[[ -z $inner ]] || fail "Slurm job log(s) ${inner}show 'Trying to restart job': jobs retried inside" \
    "their own allocation ($(grep -c "^Error in rule" "$RUN"/.snakemake/slurm_logs/*/*.log |
        awk -F: '{n += $2} END {print n}') failed rule runs for $((RETRIES + 1)) Slurm attempts)." \
    "Rule-level 'retries:' overrides the executor's '--retries 0' for jobs; set retries in the" \
    "profiles instead (logs: $RUN/.snakemake/slurm_logs)"

pass "chunk $CHUNK failed all $((RETRIES + 1)) attempts (${T_SLURM} s): no partial output," \
    "clear message"
