# fmdecon: one command to set up and run the paper's study, one to test.
#   make results   - create .venv with pinned dependencies, run the paper's study (config/config.yaml)
#   make test      - create .venv with pinned dependencies, run the test suite
# Other targets: make bench, make lint, make format, make report, make lock, make clean

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2
CONFIG ?= config/config.yaml
STUDY = $(shell $(BIN)/python -c 'import yaml; print(yaml.safe_load(open("$(CONFIG)"))["study"])')
# --configfile takes several values: it always comes last
SNAKEMAKE := $(BIN)/python -m snakemake --cores $(CORES)

.PHONY: all venv test results noise report unlock baseline bench docs slurm-deps lint format lock clean

all: results

$(STAMP): requirements/lock.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "fmdecon needs Python >= 3.11; set PYTHON=python3.11 (got " + sys.version.split()[0] + ")")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

# the study (cubes, figures, comparison table), then the HTML report of it
results: $(STAMP)
	$(SNAKEMAKE) --configfile $(CONFIG)
	$(SNAKEMAKE) --report results/$(STUDY)/report.html --configfile $(CONFIG)

# the noise and calibration studies (docs/physics.md sections 7-8): ~12 min on 2 cores
noise: $(STAMP)
	$(SNAKEMAKE) --configfile config/noise.yaml
	$(SNAKEMAKE) --configfile config/calibration.yaml

report: $(STAMP)
	$(SNAKEMAKE) --report results/$(STUDY)/report.html --configfile $(CONFIG)

# the optional Slurm executor plugin (pinned), for --workflow-profile profiles/slurm
slurm-deps: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/slurm.txt

# after a run was killed (power cut, SIGKILL): release Snakemake's lock, then `make results`
unlock: $(STAMP)
	$(SNAKEMAKE) --unlock --configfile $(CONFIG)

# Refresh the regression baseline (tests/data/quick) ON PURPOSE, after a change that is meant
# to alter the numbers; commit it with a note saying why.
baseline: $(STAMP)
	rm -rf .baseline-run
	$(SNAKEMAKE) --snakefile $(CURDIR)/Snakefile --directory .baseline-run \
	  results/quick/metrics/morse.nc results/quick/metrics/lennard_jones.nc \
	  results/quick/curves/morse.nc results/quick/curves/lennard_jones.nc \
	  --configfile $(CURDIR)/config/quick.yaml
	mkdir -p tests/data/quick/metrics tests/data/quick/curves
	cp .baseline-run/results/quick/metrics/*.nc tests/data/quick/metrics/
	cp .baseline-run/results/quick/curves/*.nc tests/data/quick/curves/
	rm -rf .baseline-run

bench: $(STAMP)
	mkdir -p results
	$(BIN)/python benchmarks/kernels.py | tee results/bench_kernels.txt
	$(BIN)/python benchmarks/scaling.py | tee results/bench_scaling.txt
	$(BIN)/python benchmarks/batched.py | tee results/bench_batched.txt
	$(BIN)/python benchmarks/measured_batch.py | tee results/bench_measured_batch.txt
	$(BIN)/python benchmarks/regularized.py | tee results/bench_regularized.md
	$(BIN)/python benchmarks/planning.py | tee results/bench_planning.txt
	$(BIN)/python benchmarks/long_curves.py | tee results/bench_long_curves.txt
	$(BIN)/python benchmarks/grid.py | tee results/bench_grid.txt

# copy the paper study's figures and comparison table (docs/figures, docs/comparison.md), the
# last benchmarks (docs/benchmarks.md) and the noise and calibration studies' figures and
# summaries when they were run (docs/*_summary.md), the bad-input table (docs/bad_input.md,
# from tests/bad_input_cases.py) and the synthetic grid's figure of the README and
# docs/grids.md (tools/grid_example.py); run after `make results` (and `make bench`,
# `make noise`)
docs: $(STAMP)
	$(BIN)/python tools/grid_example.py --output docs/images/grid_example.png
	$(BIN)/python tools/update_docs.py --study paper \
	  $$(test -f results/bench_kernels.txt && echo --bench results/bench_kernels.txt) \
	  $$(test -f results/bench_scaling.txt && echo --scaling results/bench_scaling.txt) \
	  $$(test -f results/bench_batched.txt && echo --batched results/bench_batched.txt) \
	  $$(test -f results/bench_measured_batch.txt && echo --measured-batch results/bench_measured_batch.txt) \
	  $$(test -f results/bench_regularized.md && echo --regularized results/bench_regularized.md) \
	  $$(test -f results/bench_planning.txt && echo --planning results/bench_planning.txt) \
	  $$(test -f results/bench_long_curves.txt && echo --long-curves results/bench_long_curves.txt) \
	  $$(test -f results/bench_grid.txt && echo --grid results/bench_grid.txt) \
	  $$(test -f results/noise/noise_summary.md && echo --summary-study noise) \
	  $$(test -f results/calibration/noise_summary.md && echo --summary-study calibration)
	$(BIN)/python tools/bad_input_table.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/snakefmt Snakefile workflow

lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet -e ".[dev,slurm]" setuptools wheel
	{ echo "# Pinned environment for make test / make results (pip freeze of a working .venv)."; \
	  echo "# Refresh on purpose with: make lock"; \
	  .venv-lock/bin/python -m pip freeze --all --exclude-editable \
	  | grep -vE "^(pip|fmdecon|snakemake-executor-plugin-slurm|snakemake-executor-plugin-slurm-jobstep)=="; \
	} > requirements/lock.txt
	{ echo "# Optional: the Slurm executor plugin (pip install -e '.[slurm]' resolves the same)."; \
	  echo "# Installed by 'make slurm-deps' and by .ci/run before the real-Slurm test."; \
	  .venv-lock/bin/python -m pip freeze --all \
	  | grep -E "^(snakemake-executor-plugin-slurm|snakemake-executor-plugin-slurm-jobstep)=="; \
	} > requirements/slurm.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
