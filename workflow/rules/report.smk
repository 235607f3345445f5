# The paper's quantitative statements beside this pipeline's values, from the cubes.


rule paper_comparison:
    input:
        cubes=cube_files,
        curves=curve_files,
    output:
        report(
            f"{RESULTS}/paper_comparison.md",
            caption="../report/paper_comparison.rst",
            category="Comparison with the paper",
            labels={"table": "claims of Welker et al. (2012) and beyond"},
        ),
    log:
        f"{RESULTS}/logs/paper_comparison.log",
    benchmark:
        f"{RESULTS}/benchmarks/paper_comparison.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        fmdecon=LIBRARY,
        table=TABLE,
    script:
        "../scripts/paper_comparison.py"
