#!/usr/bin/env bash
# Run a study twice -- locally and through Slurm (profiles/slurm) -- in two fresh temporary working
# directories, check that the Slurm run really went through Slurm, and compare the metric cubes.
# Needs a running Slurm (tests/cluster/slurm_up.sh). Prints PASS (exit 0) or FAIL (exit 1).
#
#   tests/cluster/run_slurm_study.sh [CONFIG]          # CONFIG default: config/quick.yaml
#
# Environment:
#   FMDECON_SLURM_TARGETS  targets to build (default: the metric cube of every law of the study;
#                          "all" builds everything)
#   FMDECON_SLURM_JOBS     --jobs of the Slurm run (default 4)
#   FMDECON_KEEP=1         keep the working directories (they are kept anyway on FAIL)
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${FMDECON_PYTHON:-$REPO/.venv/bin/python}
CONFIG=$(realpath "${1:-$REPO/config/quick.yaml}")
JOBS=${FMDECON_SLURM_JOBS:-4}
export PATH="$(dirname "$PY"):$PATH" # Slurm jobs inherit this environment (sbatch --export=ALL)

fail() {
    echo "FAIL: $*"
    [[ -n ${WORK:-} ]] && echo "working directories kept: $WORK"
    exit 1
}
[[ -x $PY ]] || fail "no python at $PY"
[[ -f $CONFIG ]] || fail "no config file $CONFIG"
timeout 10 sinfo -h >/dev/null 2>&1 || fail "sinfo does not answer: start Slurm (tests/cluster/slurm_up.sh)"

# ---- targets: the metric cube of every law, unless told otherwise --------------------------
read -r STUDY TARGETS < <("$PY" - "$CONFIG" <<'EOF'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
print(cfg["study"], " ".join(f"results/{cfg['study']}/metrics/{law}.nc" for law in cfg["laws"]))
EOF
) || fail "cannot read study/laws from $CONFIG"
TARGETS=${FMDECON_SLURM_TARGETS:-$TARGETS}
[[ $TARGETS == all ]] && TARGETS= # default target
read -ra TARGETS <<<"$TARGETS"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fmdecon-slurm-study.XXXXXX")
LOCAL=$WORK/local
SLURM=$WORK/slurm
mkdir -p "$LOCAL" "$SLURM"
echo "study '$STUDY' ($CONFIG), targets: ${TARGETS[*]:-all}"
echo "work dirs: $WORK/{local,slurm}"

smk() { # dir log args... : run Snakemake on the repo's Snakefile in working dir `dir`
    local dir=$1 log=$2
    shift 2
    (cd "$dir" && "$PY" -m snakemake --snakefile "$REPO/Snakefile" --directory "$dir" \
        "${TARGETS[@]}" "$@" --configfile "$CONFIG") >"$log" 2>&1
}

# ---- 1. local run ---------------------------------------------------------------------------
t=$SECONDS
smk "$LOCAL" "$WORK/local.log" --cores 2 || {
    tail -n 30 "$WORK/local.log"
    fail "local run failed (log: $WORK/local.log)"
}
T_LOCAL=$((SECONDS - t))
echo "local run:  ${T_LOCAL} s"

# ---- 2. Slurm run (squeue watcher records what Slurm ran) -----------------------------------
(while :; do
    squeue -h -o '%i %j %T' 2>/dev/null
    sleep 1
done) >"$WORK/squeue.txt" &
WATCH=$!
t=$SECONDS
smk "$SLURM" "$WORK/slurm.log" \
    --workflow-profile "$REPO/profiles/slurm" \
    --executor slurm --jobs "$JOBS" \
    --slurm-status-command squeue \
    --slurm-init-seconds-before-status-checks 1 \
    --slurm-keep-successful-logs
RC=$?
T_SLURM=$((SECONDS - t))
kill "$WATCH" 2>/dev/null
wait "$WATCH" 2>/dev/null
if ((RC != 0)); then
    tail -n 30 "$WORK/slurm.log"
    fail "Slurm run failed (log: $WORK/slurm.log)"
fi
echo "slurm run:  ${T_SLURM} s"

# ---- 3. did the jobs really go through Slurm? -----------------------------------------------
submitted=$(grep -c "submitted with SLURM jobid" "$WORK/slurm.log")
rulelogs=$(find "$SLURM/.snakemake/slurm_logs" -name '*.log' 2>/dev/null | wc -l)
seen=$(awk '{print $1}' "$WORK/squeue.txt" | sort -u | wc -l)
echo "slurm jobs: $submitted submitted, $rulelogs job logs in .snakemake/slurm_logs," \
    "$seen seen by squeue"
if [[ -d $SLURM/.snakemake/slurm_logs ]]; then
    (cd "$SLURM/.snakemake/slurm_logs" && for d in rule_*; do
        echo "  $d: $(find "$d" -name '*.log' | wc -l) log(s)"
    done)
fi
((submitted > 0 && rulelogs > 0)) || fail "no job went through Slurm"
grep -q "Using executor: local\b" "$WORK/slurm.log" && fail "Slurm run used the local executor"

# ---- 4. compare the metric cubes ------------------------------------------------------------
t=$SECONDS
"$PY" - "$LOCAL/results/$STUDY/metrics" "$SLURM/results/$STUDY/metrics" <<'EOF' || fail "metric cubes differ"
import sys
from pathlib import Path

import xarray as xr

a, b = map(Path, sys.argv[1:])
files = sorted(p.name for p in a.glob("*.nc"))
assert files, f"no cubes in {a}"
assert files == sorted(p.name for p in b.glob("*.nc")), "different cube files"
for name in files:
    with xr.open_dataset(a / name) as x, xr.open_dataset(b / name) as y:
        x.attrs, y.attrs = {}, {}  # global attrs hold run provenance (time, host, ...)
        xr.testing.assert_identical(x.load(), y.load())
    print(f"  {name}: identical ({', '.join(sorted(x.data_vars))})")
EOF
T_CMP=$((SECONDS - t))
echo "compare:    ${T_CMP} s"

echo "PASS: Slurm run ($submitted Slurm jobs, ${T_SLURM} s) equals local run (${T_LOCAL} s)"
[[ ${FMDECON_KEEP:-0} == 1 ]] && echo "kept: $WORK" || rm -rf "$WORK"
