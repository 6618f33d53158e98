# Figures: one rule and one target per figure and grid cell (PDF + PNG), plus the summary (Fig. 6).
# Rebuild one alone with e.g. `snakemake --cores all results/figures/synthetic/gru/fig3.pdf`.



rule fig2:
    input:
        pca=f"{ANALYSIS}/pca.parquet",
        states=f"{ANALYSIS}/states.parquet",
        fixed_points=f"{ANALYSIS}/fixed_points.parquet",
        geometry=f"{ANALYSIS}/geometry.parquet",
    output:
        **figure_outputs("fig2", "Line attractor (NeurIPS 2019)"),
    params:
        plot=plot_params("fig2"),
        code=code("fig2.py"),
    log:
        "logs/figures/{dataset}/{arch}/fig2.log",
    benchmark:
        "benchmarks/figures/{dataset}/{arch}/fig2.tsv",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../../envs/figures.yaml"
    script:
        "../scripts/fig2.py"


rule fig3:
    input:
        spectra=f"{ANALYSIS}/spectra.parquet",
        geometry=f"{ANALYSIS}/geometry.parquet",
    output:
        **figure_outputs("fig3", "Line attractor (NeurIPS 2019)"),
    params:
        plot=plot_params("fig3"),
        code=code("fig3.py"),
    log:
        "logs/figures/{dataset}/{arch}/fig3.log",
    benchmark:
        "benchmarks/figures/{dataset}/{arch}/fig3.tsv",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/figures.yaml"
    script:
        "../scripts/fig3.py"


rule fig4:
    input:
        word_effects=f"{ANALYSIS}/word_effects.parquet",
        geometry=f"{ANALYSIS}/geometry.parquet",
    output:
        **figure_outputs("fig4", "Line attractor (NeurIPS 2019)"),
    params:
        plot=plot_params("fig4"),
        code=code("fig4.py"),
    log:
        "logs/figures/{dataset}/{arch}/fig4.log",
    benchmark:
        "benchmarks/figures/{dataset}/{arch}/fig4.tsv",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/figures.yaml"
    script:
        "../scripts/fig4.py"


rule fig5:
    input:
        linearised=f"{ANALYSIS}/linearised.parquet",
        states=f"{ANALYSIS}/states.parquet",
    output:
        **figure_outputs("fig5", "Line attractor (NeurIPS 2019)"),
    params:
        plot=plot_params("fig5"),
        code=code("fig5.py"),
    log:
        "logs/figures/{dataset}/{arch}/fig5.log",
    benchmark:
        "benchmarks/figures/{dataset}/{arch}/fig5.tsv",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../../envs/figures.yaml"
    script:
        "../scripts/fig5.py"


rule context_figure:
    input:
        modifiers=f"{CONTEXT}/modifiers.parquet",
        dynamics=f"{CONTEXT}/dynamics.parquet",
        subspace=f"{CONTEXT}/subspace.parquet",
        position=f"{CONTEXT}/position.parquet",
        augmented=f"{CONTEXT}/augmented_bow.parquet",
        perturbation=f"{CONTEXT}/perturbation.parquet",
    output:
        **figure_outputs("context", "Contextual processing (ICML 2020)"),
    params:
        plot=plot_params("context"),
        code=code("context_figure.py"),
    log:
        "logs/figures/{dataset}/{arch}/context.log",
    benchmark:
        "benchmarks/figures/{dataset}/{arch}/context.tsv",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../../envs/figures.yaml"
    script:
        "../scripts/context_figure.py"


rule fig6:
    input:
        table=f"{RESULTS}/tables/line_attractor.parquet",
    output:
        pdf=f"{RESULTS}/figures/fig6_summary.pdf",
        png=report(
            f"{RESULTS}/figures/fig6_summary.png",
            caption="../report/fig6.rst",
            category="Summary",
            labels={"figure": "fig6"},
        ),
    params:
        code=code("fig6.py"),
    log:
        "logs/figures/fig6.log",
    benchmark:
        "benchmarks/figures/fig6.tsv",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../../envs/figures.yaml"
    script:
        "../scripts/fig6.py"


rule figures:
    input:
        expand(
            f"{FIGURES}/{{name}}.pdf",
            dataset=DATASETS,
            arch=ARCHS,
            name=["fig2", "fig3", "fig4", "fig5", "context"],
        ),
        rules.fig6.output.pdf,
