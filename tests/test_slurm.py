"""The quick study through a real Slurm, with and without faults (tests/cluster/README.md).

Opt-in: runs only with FMDECON_SLURM=1 and a Slurm that answers `sinfo`
(start one with `tests/cluster/slurm_up.sh`, as root). About 3-4 min in all on 2 cores.

- the study on Slurm equals a local run (metric cubes identical);
- a chunk job killed with `scancel` while running is resubmitted, and the study still equals the
  local run;
- a chunk job that fails on every attempt stops the run with a clear message and leaves no
  partial output.

The scripts in tests/cluster do the work and print PASS or FAIL: <reason>; the tests assert on
that. The local run is made once and shared by the two tests that compare with it.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CLUSTER = REPO / "tests" / "cluster"
CONFIG = REPO / "config" / "quick.yaml"
RUN_TIMEOUT = 240  # s, one Snakemake run (the scripts stop it and cancel its jobs after that)


def _slurm_answers() -> bool:
    if shutil.which("sinfo") is None:
        return False
    try:
        result = subprocess.run(["sinfo", "-h"], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(os.environ.get("FMDECON_SLURM") != "1", reason="set FMDECON_SLURM=1"),
    pytest.mark.skipif(
        os.environ.get("FMDECON_SLURM") == "1" and not _slurm_answers(),
        reason="sinfo does not answer (run tests/cluster/slurm_up.sh)",
    ),
]


def _active_jobs_under(prefix: str) -> list[str]:
    """Slurm jobs not yet finished whose working directory starts with ``prefix``."""
    result = subprocess.run(
        ["squeue", "-h", "-t", "PENDING,RUNNING,CONFIGURING,COMPLETING", "-o", "%i %Z"],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    return [
        line.split()[0]
        for line in result.stdout.splitlines()
        if len(line.split()) == 2 and line.split()[1].startswith(prefix)
    ]


@pytest.fixture(autouse=True)
def no_jobs_left_behind():
    """After each test, no Slurm job of the scripts' working directories may still be queued."""
    yield
    prefix = os.path.join(tempfile.gettempdir(), "fmdecon-")
    left = _active_jobs_under(prefix)
    if left:
        subprocess.run(["scancel", *left], timeout=20, check=False)
    assert not left, f"Slurm jobs left queued/running after the test (cancelled now): {left}"


@pytest.fixture(scope="module")
def local_run():
    """Working directory of the local run of the quick study, made once, removed at the end."""
    path = Path(tempfile.mkdtemp(prefix="fmdecon-local-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _run_script(script: str, *args: str, local: Path | None = None, config: Path = CONFIG) -> str:
    """Run a tests/cluster script; assert it printed PASS; return its output."""
    env = os.environ | {"FMDECON_SLURM_TIMEOUT": str(RUN_TIMEOUT)}
    if local is not None:
        env["FMDECON_LOCAL"] = str(local)
    try:
        result = subprocess.run(
            ["bash", str(CLUSTER / script), *args, str(config)],
            capture_output=True,
            text=True,
            env=env,
            timeout=2 * RUN_TIMEOUT + 120,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{script} {' '.join(args)} did not finish in {error.timeout} s")
    output = result.stdout + result.stderr
    print(output)
    verdict = next(
        (line for line in result.stdout.splitlines() if line.startswith(("PASS", "FAIL"))),
        f"no PASS/FAIL line (exit {result.returncode})",
    )
    if not (verdict.startswith("PASS") and result.returncode == 0):
        name = " ".join([script, *args])
        pytest.fail(f"{name}: {verdict}\n--- output ---\n{output}", pytrace=False)
    return output


def test_quick_study_on_slurm_equals_local_run(local_run):
    """The quick study's metric cubes from Slurm jobs equal those of a local run."""
    _run_script("run_slurm_study.sh", local=local_run)


def test_cancelled_chunk_job_is_resubmitted_and_study_equals_local_run(local_run):
    """A chunk job killed by `scancel` while running is resubmitted; same cubes as locally."""
    output = _run_script("run_slurm_study.sh", "--scancel", local=local_run)
    assert "cancelled while RUNNING, resubmitted as job" in output, output


def test_zarr_store_with_a_cancelled_chunk_job_equals_local_run(tmp_path):
    """storage: zarr on Slurm: each chunk job writes its region of the store; one cancelled by
    `scancel` while running is resubmitted and rewrites its region; same stores as locally."""
    config = yaml.safe_load(CONFIG.read_text()) | {"storage": "zarr", "study": "quick_zarr"}
    path = tmp_path / "quick_zarr.yaml"
    path.write_text(yaml.safe_dump(config))
    output = _run_script("run_slurm_study.sh", "--scancel", config=path)
    assert "cancelled while RUNNING, resubmitted as job" in output, output
    assert "morse.zarr: identical" in output, output


def test_chunk_failing_every_attempt_leaves_no_partial_output():
    """A chunk that fails on every attempt: the run stops, says why, and leaves no output."""
    output = _run_script("run_slurm_failure.sh")
    assert "no partial output, clear message" in output, output
