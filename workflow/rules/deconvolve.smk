# Deconvolve every curve of a chunk with each method; quality metrics per curve.


rule deconvolve:
    input:
        f"{RESULTS}/simulate/{{law}}/{{point}}_{{block}}.nc",
    output:
        f"{RESULTS}/deconvolve/{{law}}/{{point}}_{{block}}.nc",
    log:
        f"{RESULTS}/logs/deconvolve/{{law}}/{{point}}_{{block}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/deconvolve/{{law}}/{{point}}_{{block}}.tsv"
    retries: 2
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=chunk_memory_mb,
        runtime=chunk_runtime_min,
    params:
        fmdecon=LIBRARY,
        setup=law_setup,
    script:
        "../scripts/deconvolve.py"
