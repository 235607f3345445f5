# The figures of the study (Welker et al. 2012, Figs 2-9; the methods beyond the paper, 10-11;
# noise and calibration, 12-14),
# PNG for the report and PDF for print, rendered in one job (one interpreter start-up and one
# matplotlib import for all of them).


if FIGURES:

    rule figures:
        input:
            cubes=cube_files,
            curves=curve_files,
        output:
            figure_outputs(),
        log:
            f"{RESULTS}/logs/figures.log",
        benchmark:
            f"{RESULTS}/benchmarks/figures.tsv"
        conda:
            CONDA_ENV
        resources:
            mem_mb=1500,
            runtime=10,
        params:
            fmdecon=LIBRARY,
            views=VIEWS,
            stems=FIGURES,
            outdir=output_folder,
            caption=CAPTION,
            perturbed=PERTURBATIONS is not None,
        script:
            "../scripts/figures.py"
