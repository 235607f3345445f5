# Compare this run's cubes with a baseline results directory (config key `baseline`).


rule diff_baseline:
    input:
        cubes=cube_files,
        complete=complete_files,
        curves=curve_files,
    output:
        report(
            f"{RESULTS}/diff/baseline.md",
            caption="../report/diff.rst",
            category="Comparison with the baseline",
        ),
    log:
        f"{RESULTS}/logs/diff_baseline.log",
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        fmdecon=LIBRARY,
        baseline=config["baseline"] or "",
        rtol=config["diff"]["rtol"],
        atol=config["diff"]["atol"],
    script:
        "../scripts/diff_baseline.py"
