"""Draws one latency-over-time PNG per scenario from bench-results/latest.json's samples file."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

samples_file, out_dir = sys.argv[1], sys.argv[2]
samples = json.load(open(samples_file))
for scenario, pipelines in samples.items():
    fig, axes = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
    for pipeline, color in (("keyflow", "tab:green"), ("sync-baseline", "tab:red")):
        points = pipelines.get(pipeline, [])
        if not points:
            continue
        t = [p[0] for p in points]
        axes[0].scatter(t, [p[1] for p in points], s=6, color=color, label=pipeline, alpha=0.6)
        acks = [(p[0], p[2]) for p in points if p[2] is not None]
        axes[1].scatter([a[0] for a in acks], [a[1] for a in acks], s=6, color=color, label=pipeline, alpha=0.6)
        # A stepped scenario (capacity) marks where each step starts and the rate it offers.
        for start, rate, _ in pipelines.get(f"{pipeline} steps", []):
            axes[0].axvline(start, color=color, linestyle=":", linewidth=1)
            axes[0].annotate(f"{rate:g}/s", (start, 1), xytext=(2, 0), textcoords="offset points", color=color, fontsize=8)
    # The p99 targets, so a reader sees at a glance which points are over them.
    axes[0].axhline(1000, linestyle="--", color="gray", linewidth=1, label="p99 target (1 s)")
    axes[1].axhline(50, linestyle="--", color="gray", linewidth=1, label="p99 target (50 ms)")
    axes[0].set_ylabel("paid → delivered (ms)")
    axes[1].set_ylabel("callback ack (ms)")
    for axis in axes:
        # symlog keeps a 0 ms point drawable; latencies are never negative, so no axis below 0.
        axis.set_yscale("symlog", linthresh=1)
        axis.set_ylim(bottom=0)
    axes[1].set_xlabel("seconds since the scenario started")
    axes[0].legend()
    axes[1].legend()
    axes[0].set_title(f"Keyflow vs synchronous baseline — {scenario}")
    fig.tight_layout()
    fig.savefig(f"{out_dir}/{scenario}.png", dpi=100)
    plt.close(fig)
