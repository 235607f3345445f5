# Metric cubes (one per force law) and the curves at the marked amplitudes. netCDF storage:
# one job per law merges the chunks' files into the cube. Zarr storage: one job per law
# creates the store's layout (metadata only), the chunk jobs write their regions into it, and
# one job per law marks it complete once every chunk's marker is there (metadata only).


if ZARR:

    rule init_store:
        output:
            directory(f"{RESULTS}/metrics/{{law}}.zarr"),
        log:
            f"{RESULTS}/logs/init_store/{{law}}.log",
        conda:
            CONDA_ENV
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            fmdecon=LIBRARY,
            study=law_study,
        script:
            "../scripts/init_store.py"

    rule finalize_store:
        input:
            chunks=chunk_files,
            store=f"{RESULTS}/metrics/{{law}}.zarr",
        output:
            f"{RESULTS}/metrics/{{law}}.zarr.complete",
        log:
            f"{RESULTS}/logs/finalize_store/{{law}}.log",
        conda:
            CONDA_ENV
        resources:
            mem_mb=1000,
            runtime=10,
        params:
            fmdecon=LIBRARY,
            study=law_study,
        script:
            "../scripts/finalize_store.py"

else:

    rule merge_metrics:
        input:
            chunk_files,
        output:
            f"{RESULTS}/metrics/{{law}}.nc",
        log:
            f"{RESULTS}/logs/merge_metrics/{{law}}.log",
        benchmark:
            f"{RESULTS}/benchmarks/merge_metrics/{{law}}.tsv"
        conda:
            CONDA_ENV
        resources:
            mem_mb=merge_mem_mb,
            runtime=10,
        params:
            fmdecon=LIBRARY,
            study=law_study,
        script:
            "../scripts/merge_metrics.py"


rule curves:
    output:
        f"{RESULTS}/curves/{{law}}.nc",
    log:
        f"{RESULTS}/logs/curves/{{law}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/curves/{{law}}.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        fmdecon=LIBRARY,
        study=curves_study,
    script:
        "../scripts/curves.py"
