# The generated table: the paper's quantitative statements beside this study's values (and
# every method's worst case), or, for a noise or calibration study, the noise summary.


rule table:
    input:
        cubes=cube_files,
        complete=complete_files,
        curves=curve_files,
    output:
        report(
            TABLE_FILE,
            caption=(
                "../report/noise_summary.rst"
                if PERTURBATIONS
                else "../report/paper_comparison.rst"
            ),
            category="Tables",
            labels={"table": "noise summary" if PERTURBATIONS else "comparison with the paper"},
        ),
    log:
        f"{RESULTS}/logs/table.log",
    benchmark:
        f"{RESULTS}/benchmarks/table.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        fmdecon=LIBRARY,
        table=TABLE,
        caption=CAPTION,
    script:
        "../scripts/table.py"
