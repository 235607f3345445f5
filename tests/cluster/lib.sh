# Shared by tests/cluster/run_slurm_*.sh (sourced, not run). Expects CONFIG (path of a study
# config) and defines REPO PY STUDY LAWS TARGETS SLURM_OPTS WORK, fail/pass, new_workdir, smk,
# watch_squeue, chunk_of, check_went_through_slurm, compare_cubes, and an exit trap that stops
# the helper loops and cancels any Slurm job of the script's working directory still queued.
#
# Environment (all scripts):
#   FMDECON_PYTHON          interpreter with fmdecon + Snakemake (default .venv/bin/python)
#   FMDECON_SLURM_JOBS      --jobs of the Slurm run (default 4)
#   FMDECON_SLURM_TIMEOUT   seconds one Snakemake run may take before it is stopped (default 420)
#   FMDECON_KEEP=1          keep the working directory (it is kept anyway on FAIL)

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${FMDECON_PYTHON:-$REPO/.venv/bin/python}
JOBS=${FMDECON_SLURM_JOBS:-4}
RUN_TIMEOUT=${FMDECON_SLURM_TIMEOUT:-420}
export PATH="$(dirname "$PY"):$PATH" # Slurm jobs inherit this environment (sbatch --export=ALL)
WORK=
BACKGROUND=() # PIDs of helper loops, stopped on exit

fail() {
    echo "FAIL: $*"
    [[ -n $WORK ]] && echo "working directory kept: $WORK"
    exit 1
}

pass() {
    echo "PASS: $*"
    if [[ ${FMDECON_KEEP:-0} == 1 ]]; then
        echo "kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit 0
}

cleanup() { # on every exit: stop helper loops, cancel jobs a stopped run left behind
    local pid ids
    for pid in "${BACKGROUND[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    ids=$(squeue -h -t PENDING,RUNNING,CONFIGURING,COMPLETING -o '%i %Z' 2>/dev/null |
        awk -v w="$WORK" 'w != "" && index($2, w) == 1 {print $1}')
    if [[ -n $ids ]]; then
        echo "cleanup: cancelling left-over Slurm jobs $ids"
        # shellcheck disable=SC2086
        scancel $ids 2>/dev/null
    fi
}
trap cleanup EXIT

[[ -x $PY ]] || fail "no python at $PY"
[[ -f $CONFIG ]] || fail "no config file $CONFIG"
timeout 10 sinfo -h >/dev/null 2>&1 || fail "sinfo does not answer: start Slurm (tests/cluster/slurm_up.sh)"

# ---- study name, laws, default targets (the metric cube of every law) -----------------------
read -r STUDY STORAGE LAWS < <("$PY" - "$CONFIG" <<'EOF'
import sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
print(cfg["study"], cfg.get("storage", "netcdf"), " ".join(cfg["laws"]))
EOF
) || fail "cannot read study/laws from $CONFIG"
read -ra LAWS <<<"$LAWS"
TARGETS=()
for law in "${LAWS[@]}"; do
    # storage: zarr -- the store is complete once its marker is written (every chunk's region)
    if [[ $STORAGE == zarr ]]; then
        TARGETS+=("results/$STUDY/metrics/$law.zarr.complete")
    else
        TARGETS+=("results/$STUDY/metrics/$law.nc")
    fi
done

new_workdir() { # name: fresh temporary working directory of this script
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/fmdecon-$1.XXXXXX")
}

# smk dir log args... : Snakemake on the repo's Snakefile in working dir `dir`, bounded in time
smk() {
    local dir=$1 log=$2
    shift 2
    (cd "$dir" && timeout -k 30 "$RUN_TIMEOUT" "$PY" -m snakemake --snakefile "$REPO/Snakefile" \
        --directory "$dir" "${TARGETS[@]}" "$@" --configfile "$CONFIG") >"$log" 2>&1
}

# Options of a run through Slurm (profiles/slurm, no accounting database on the test cluster).
SLURM_OPTS=(
    --workflow-profile "$REPO/profiles/slurm"
    --executor slurm --jobs "$JOBS"
    --slurm-status-command squeue
    --slurm-init-seconds-before-status-checks 1
    --slurm-keep-successful-logs
)

# watch_squeue file: record `id state comment` of every job of this run once a second
watch_squeue() {
    (while :; do
        squeue -h -t all -o '%i %T %k %Z' 2>/dev/null | awk -v w="$WORK" 'index($4, w) == 1 {print $1, $2, $3}'
        sleep 1
    done) >"$1" &
    BACKGROUND+=($!)
}

# chunk_of id: the chunk (law=...,group=...,block=...) a Slurm job runs, from its batch script
chunk_of() {
    scontrol write batch_script "$1" - 2>/dev/null | grep -o 'law=[^ ,]*,group=[^ ,]*,block=[^ ,"'\'']*' |
        head -n1
}

# Did the Slurm run really go through Slurm? (submissions, job logs, squeue)
check_went_through_slurm() { # log dir squeue-file
    local log=$1 dir=$2 watch=$3 submitted rulelogs seen
    submitted=$(grep -c "submitted with SLURM jobid" "$log")
    rulelogs=$(find "$dir/.snakemake/slurm_logs" -name '*.log' 2>/dev/null | wc -l)
    seen=$(awk '{print $1}' "$watch" | sort -u | wc -l)
    echo "slurm jobs: $submitted submitted, $rulelogs job logs in .snakemake/slurm_logs," \
        "$seen seen by squeue"
    if [[ -d $dir/.snakemake/slurm_logs ]]; then
        (cd "$dir/.snakemake/slurm_logs" && for d in rule_* group_*; do
            [[ -d $d ]] && echo "  $d: $(find "$d" -name '*.log' | wc -l) log(s)"
        done)
    fi
    ((submitted > 0 && rulelogs > 0)) || fail "no job went through Slurm (log: $log)"
    ! grep -q "Using executor: local\b" "$log" || fail "Slurm run used the local executor"
    SUBMITTED=$submitted
}

# compare_cubes local-dir slurm-dir: every metrics/*.nc file and *.zarr store identical
# (global attributes aside)
compare_cubes() {
    "$PY" - "$1/results/$STUDY/metrics" "$2/results/$STUDY/metrics" <<'EOF'
import sys
from pathlib import Path

import xarray as xr

from fmdecon.study.store import open_cube

a, b = map(Path, sys.argv[1:])
files = sorted(p.name for p in [*a.glob("*.nc"), *a.glob("*.zarr")])
assert files, f"no cubes in {a}"
other = sorted(p.name for p in [*b.glob("*.nc"), *b.glob("*.zarr")])
assert files == other, f"different cube files: {files} (local) vs {other} (slurm)"
for name in files:
    x, y = open_cube(a / name).load(), open_cube(b / name).load()
    x.attrs, y.attrs = {}, {}  # global attrs hold run provenance (time, host, ...)
    xr.testing.assert_identical(x, y)
    print(f"  {name}: identical ({', '.join(sorted(x.data_vars))})")
EOF
}

