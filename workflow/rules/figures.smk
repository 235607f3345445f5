# Figures 2-9 of Welker et al. (2012), PNG for the report and PDF for print.


rule figure:
    input:
        cubes=cube_files,
        curves=curve_files,
    output:
        png=report(
            f"{RESULTS}/figures/{{figure}}.png",
            caption="../report/figure.rst",
            category="Figures",
        ),
        pdf=f"{RESULTS}/figures/{{figure}}.pdf",
    log:
        f"{RESULTS}/logs/figures/{{figure}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/figures/{{figure}}.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        fmdecon=LIBRARY,
        setup=study_setup,
        caption=figure_caption,
    script:
        "../scripts/figure.py"
