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
        ),
    params:
        fmdecon=LIBRARY,
        setup=study_setup,
    log:
        f"{RESULTS}/logs/paper_comparison.log",
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/paper_comparison.py"
