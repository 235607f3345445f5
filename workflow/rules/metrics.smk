# Metric cubes (one per force law) and the curves at the marked amplitudes.


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
