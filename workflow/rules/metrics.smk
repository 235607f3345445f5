# Metric cubes (one per force law) and the curves at the marked amplitudes.


rule merge_metrics:
    input:
        chunk_files,
    output:
        f"{RESULTS}/metrics/{{law}}.nc",
    params:
        fmdecon=LIBRARY,
        setup=law_setup,
    log:
        f"{RESULTS}/logs/merge_metrics/{{law}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/merge_metrics/{{law}}.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/merge_metrics.py"


rule curves:
    output:
        f"{RESULTS}/curves/{{law}}.nc",
    params:
        fmdecon=LIBRARY,
        setup=curves_setup,
    log:
        f"{RESULTS}/logs/curves/{{law}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/curves/{{law}}.tsv"
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/curves.py"
