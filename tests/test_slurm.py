"""End-to-end run of the quick study through a real Slurm (tests/cluster/README.md).

Opt-in: runs only with FMDECON_SLURM=1 and a Slurm that answers `sinfo`
(start one with `tests/cluster/slurm_up.sh`, as root).
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "tests" / "cluster" / "run_slurm_study.sh"


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


def test_quick_study_on_slurm_equals_local_run():
    """The quick study's metric cubes from Slurm jobs equal those of a local run."""
    result = subprocess.run(
        ["bash", str(SCRIPT), str(REPO / "config" / "quick.yaml")],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, output
    assert "PASS" in result.stdout, output
