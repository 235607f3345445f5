# The figures of the study, as the figure registry fmdecon.figures.FIGURES lists them (the paper's
# Figs 2-9, fmdecon.welker2012; beyond the paper, 10, 11 and 15, fmdecon.beyond; noise and
# calibration, 12-14, fmdecon.robustness), PNG for the report (each with the caption beside
# its registry entry) and PDF for print. Rendering is most of a small study's cost after the
# numbers: the figures are shared among FIGURE_JOBS jobs (one interpreter start-up and one
# matplotlib import each), which run side by side on a 2-core machine.


for part, stems in enumerate(figure_parts()):

    rule:
        name:
            f"figures_{part}"
        input:
            cubes=cube_files,
            complete=complete_files,
            curves=curve_files,
        output:
            figure_outputs(stems),
        log:
            f"{RESULTS}/logs/figures_{part}.log",
        benchmark:
            f"{RESULTS}/benchmarks/figures_{part}.tsv"
        conda:
            CONDA_ENV
        resources:
            mem_mb=1500,
            runtime=10,
        params:
            fmdecon=LIBRARY,
            views=VIEWS,
            stems=stems,
            outdir=output_folder,
            caption=CAPTION,
        script:
            "../scripts/figures.py"
