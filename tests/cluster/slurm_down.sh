#!/usr/bin/env bash
# Stop exactly the daemons tests/cluster/slurm_up.sh started (by their recorded PIDs) and remove
# its state dir. Packages, /etc/slurm/slurm.conf and the munge key stay (slurm_up.sh reuses them).
set -uo pipefail

STATE=${FMDECON_SLURM_STATE:-/tmp/fmdecon-slurm}
PIDS=$STATE/pids

if [[ ! -d $PIDS ]]; then
    echo "slurm_down: nothing to stop ($PIDS does not exist)" >&2
    rm -rf "$STATE"
    exit 0
fi

stop() { # name: TERM, wait up to 15 s, then KILL
    local name=$1 pid
    [[ -s $PIDS/$name.pid ]] || return 0
    pid=$(cat "$PIDS/$name.pid")
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "slurm_down: $name (pid $pid) was not running" >&2
        return 0
    fi
    kill -TERM "$pid"
    for _ in $(seq 75); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "slurm_down: $name (pid $pid) ignored TERM, sending KILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "slurm_down: stopped $name (pid $pid)" >&2
    # the daemon's own pid file outlives `-D` mode; a stale /run/slurmctld.pid makes the
    # package's prerm run scancel and fail, which blocks `apt-get remove slurmctld`
    [[ -f /run/$name.pid && $(cat "/run/$name.pid" 2>/dev/null) == "$pid" ]] && rm -f "/run/$name.pid"
    return 0
}

# compute daemon first, controller next, authentication last
stop slurmd
stop slurmctld
stop munged
rm -rf "$STATE"
