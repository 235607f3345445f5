# Figures 2-9 of Welker et al. (2012), PNG for the report and PDF for print.


rule figure:
    input:
        cubes=cube_files,
        curves=curve_files,
    output:
        png=report(
            f"{RESULTS}/figures/{{figure}}.png",
            caption="../report/{figure}.rst",
            category="Figures",
        ),
        pdf=f"{RESULTS}/figures/{{figure}}.pdf",
    params:
        fmdecon=LIBRARY,
        setup=study_setup,
    log:
        f"{RESULTS}/logs/figures/{{figure}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/{{figure}}.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/figure.py"
