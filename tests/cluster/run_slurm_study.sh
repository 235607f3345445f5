#!/usr/bin/env bash
# Run a study twice -- locally and through Slurm (profiles/slurm) -- check that the Slurm run
# really went through Slurm, and compare the metric cubes. Needs a running Slurm
# (tests/cluster/slurm_up.sh). Prints PASS (exit 0) or FAIL (exit 1).
#
#   tests/cluster/run_slurm_study.sh [--scancel] [CONFIG]      # CONFIG default: config/quick.yaml
#
# --scancel: fault injection. While the Slurm run goes, `scancel` one chunk job (simulate +
#   deconvolve of one chunk, one Slurm job) a few seconds after it started RUNNING. The run must
#   resubmit it (retries), complete, and still give cubes identical to the local run.
#
# Environment (and those of tests/cluster/lib.sh):
#   FMDECON_SLURM_TARGETS  targets to build (default: the metric cube of every law of the study;
#                          "all" builds everything)
#   FMDECON_LOCAL          working directory of the local run, kept and reused across calls (a
#                          finished local run is not redone); default: a fresh one per call
set -uo pipefail

SCANCEL=0
if [[ ${1:-} == --scancel ]]; then
    SCANCEL=1
    shift
fi
CONFIG=$(realpath "${1:-$(dirname "$0")/../../config/quick.yaml}")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ -n ${FMDECON_SLURM_TARGETS:-} ]]; then
    TARGETS=()
    [[ $FMDECON_SLURM_TARGETS == all ]] || read -ra TARGETS <<<"$FMDECON_SLURM_TARGETS"
fi

new_workdir slurm-study
LOCAL=${FMDECON_LOCAL:-$WORK/local}
SLURM=$WORK/slurm
mkdir -p "$LOCAL" "$SLURM"
echo "study '$STUDY' ($CONFIG), targets: ${TARGETS[*]:-all}$( ((SCANCEL)) && echo ", with scancel of one chunk job")"
echo "work dirs: $LOCAL (local), $SLURM (slurm)"

# ---- 1. local run (a no-op when FMDECON_LOCAL holds a finished one) ---------------------------
t=$SECONDS
smk "$LOCAL" "$WORK/local.log" --cores 2 || {
    tail -n 30 "$WORK/local.log"
    fail "local run failed (log: $WORK/local.log)"
}
echo "local run:  $((SECONDS - t)) s"

# ---- 2. Slurm run (squeue watcher records what Slurm ran; optional killer) -------------------
watch_squeue "$WORK/squeue.txt"

# killer: cancel the first chunk job of this run that has been RUNNING for >= 3 s (so its
# Snakemake job step is at work), once; record "slurm-id chunk" in $WORK/cancelled.txt
kill_one_chunk_job() {
    local id state comment first=() deadline=$((SECONDS + RUN_TIMEOUT))
    declare -A seen
    while ((SECONDS < deadline)); do
        while read -r id state comment; do
            [[ $comment =~ simulate|deconvolve ]] || continue
            seen[$id]=${seen[$id]:-$SECONDS}
            if ((SECONDS - seen[$id] >= 3)); then
                local chunk
                chunk=$(chunk_of "$id")
                if scancel "$id"; then # fails if the job has just finished: try the next
                    echo "$id ${chunk:-?}" >"$WORK/cancelled.txt"
                    echo "killer: scancel of RUNNING Slurm job $id (chunk ${chunk:-?})"
                    return 0
                fi
            fi
        done < <(squeue -h -t RUNNING -o '%i %T %k %Z' 2>/dev/null |
            awk -v w="$SLURM" 'index($4, w) == 1 {print $1, $2, $3}')
        sleep 0.5
    done
    echo "killer: no chunk job was RUNNING for 3 s"
}
if ((SCANCEL)); then
    kill_one_chunk_job >"$WORK/killer.log" 2>&1 &
    BACKGROUND+=($!)
fi

t=$SECONDS
smk "$SLURM" "$WORK/slurm.log" "${SLURM_OPTS[@]}"
RC=$?
T_SLURM=$((SECONDS - t))
if ((RC != 0)); then
    tail -n 30 "$WORK/slurm.log"
    ((RC == 124)) && fail "Slurm run did not finish within $RUN_TIMEOUT s (log: $WORK/slurm.log)"
    fail "Slurm run failed, exit $RC (log: $WORK/slurm.log)"
fi
echo "slurm run:  ${T_SLURM} s"

# ---- 3. did the jobs really go through Slurm? -----------------------------------------------
check_went_through_slurm "$WORK/slurm.log" "$SLURM" "$WORK/squeue.txt"

# ---- 4. the cancelled job: killed while running, then resubmitted ---------------------------
if ((SCANCEL)); then
    cat "$WORK/killer.log"
    [[ -s $WORK/cancelled.txt ]] || fail "no chunk job was cancelled: the killer never saw one" \
        "RUNNING for 3 s (squeue record: $WORK/squeue.txt)"
    read -r KILLED CHUNK <"$WORK/cancelled.txt"
    grep -q "^$KILLED CANCELLED " "$WORK/squeue.txt" ||
        fail "Slurm job $KILLED never showed as CANCELLED in squeue (record: $WORK/squeue.txt)"
    # Snakemake reports the job as failed, naming its Slurm log, which shows the cancellation
    killed_log=$(find "$SLURM/.snakemake/slurm_logs" -name "$KILLED.log" | head -n1)
    [[ -n $killed_log ]] && grep -q "JOB $KILLED ON .* CANCELLED" "$killed_log" ||
        fail "the Slurm log of job $KILLED (${killed_log:-missing}) does not show its cancellation"
    grep -q "$killed_log (check log" "$WORK/slurm.log" ||
        fail "the Slurm run's log does not report job $KILLED as failed (log: $WORK/slurm.log)"
    # ... and resubmits it: the same Snakemake job gets a new Slurm job, which runs the same chunk
    uuid=$(grep -oP "Job \K\S+(?= has been submitted with SLURM jobid $KILLED )" "$WORK/slurm.log")
    again=$(grep -oP "Job \Q$uuid\E has been submitted with SLURM jobid \K[0-9]+" "$WORK/slurm.log" |
        grep -vx "$KILLED" | head -n1)
    [[ -n $again ]] ||
        fail "Snakemake did not resubmit the cancelled job $KILLED (log: $WORK/slurm.log)"
    [[ $(chunk_of "$again") == "$CHUNK" ]] ||
        fail "Slurm job $again (resubmission of $KILLED) does not run chunk $CHUNK"
    grep -q "^$again COMPLETED " "$WORK/squeue.txt" ||
        fail "the resubmitted job $again was not seen COMPLETED by squeue (record: $WORK/squeue.txt)"
    echo "scancel:    job $KILLED (chunk $CHUNK) cancelled while RUNNING, resubmitted as job $again"
fi

# ---- 5. compare the metric cubes ------------------------------------------------------------
t=$SECONDS
compare_cubes "$LOCAL" "$SLURM" || fail "metric cubes differ"
echo "compare:    $((SECONDS - t)) s"

if ((SCANCEL)); then
    pass "Slurm run with job $KILLED cancelled ($SUBMITTED Slurm jobs, ${T_SLURM} s) equals local run"
fi
pass "Slurm run ($SUBMITTED Slurm jobs, ${T_SLURM} s) equals local run"
