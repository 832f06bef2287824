"""The paper's protocol on a small task: digital training, HWAT, programming, drift, in a run folder.

Run: python examples/04_evaluate.py   (about a minute on a laptop CPU)
"""

from dataclasses import replace

from memtwin.experiments import ExperimentConfig, run_experiment

cfg = ExperimentConfig.for_task("digits", device="hfs2-xhameni2025", repetitions=3, times_s=(1.0, 86400.0))
cfg = replace(cfg, digital=cfg.digital.replace(epochs=10), hwat=cfg.hwat.replace(epochs=1))
results = run_experiment(cfg, "runs/example-04", overwrite=True)
print(f"digital: {100 * results['digital_accuracy']:.2f} %")
for row in results["analog"]:
    print(
        f"{row['mode']:>12} {row['variant']:>8} t={row['time_s']:>7.0f} s: "
        f"{100 * row['accuracy_mean']:.2f} ± {100 * row['accuracy_std']:.2f} %"
    )
