# Deconvolve every curve of a chunk with each method; quality metrics per curve. With zarr
# storage the job writes its region of the law's store, then its marker (the output).


rule deconvolve:
    input:
        simulated=f"{RESULTS}/simulate/{{law}}/{{group}}_{{block}}.nc",
        store=store_input,
    output:
        CHUNK_OUTPUT,
    log:
        f"{RESULTS}/logs/deconvolve/{{law}}/{{group}}_{{block}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/deconvolve/{{law}}/{{group}}_{{block}}.tsv"
    priority: 1  # the critical path: before the curves of the marked amplitudes
    group:
        "chunk"
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=chunk_memory_mb,
        runtime=chunk_runtime_min,
    params:
        fmdecon=LIBRARY,
        study=law_study,
    script:
        "../scripts/deconvolve.py"
