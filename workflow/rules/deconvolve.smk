# Deconvolve every curve of a chunk with each method; quality metrics per curve.


rule deconvolve:
    input:
        f"{RESULTS}/simulate/{{law}}/{{point}}_{{block}}.nc",
    output:
        f"{RESULTS}/deconvolve/{{law}}/{{point}}_{{block}}.nc",
    params:
        fmdecon=LIBRARY,
        setup=law_setup,
    log:
        f"{RESULTS}/logs/deconvolve/{{law}}/{{point}}_{{block}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/deconvolve/{{law}}/{{point}}_{{block}}.tsv"
    threads: 1
    resources:
        mem_mb=chunk_memory_mb,
        runtime=chunk_runtime_min,
    retries: 2
    conda:
        CONDA_ENV
    script:
        "../scripts/deconvolve.py"
