# Exact frequency-shift curves of one chunk (law, group of parameter points, amplitude block).


rule simulate:
    output:
        (
            f"{RESULTS}/simulate/{{law}}/{{group}}_{{block}}.nc"
            if config["curves"]["store_all"]
            else temp(f"{RESULTS}/simulate/{{law}}/{{group}}_{{block}}.nc")
        ),
    log:
        f"{RESULTS}/logs/simulate/{{law}}/{{group}}_{{block}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/simulate/{{law}}/{{group}}_{{block}}.tsv"
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
        "../scripts/simulate.py"
