# Exact frequency-shift curves of one chunk (law, parameter point, amplitude block).


rule simulate:
    output:
        (
            f"{RESULTS}/simulate/{{law}}/{{point}}_{{block}}.nc"
            if config["curves"]["store_all"]
            else temp(f"{RESULTS}/simulate/{{law}}/{{point}}_{{block}}.nc")
        ),
    log:
        f"{RESULTS}/logs/simulate/{{law}}/{{point}}_{{block}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/simulate/{{law}}/{{point}}_{{block}}.tsv"
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
        "../scripts/simulate.py"
