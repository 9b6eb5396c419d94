#!/usr/bin/env python3
"""Memory of a long training run: peak RSS at lesson size, and RSS at the start and the end of 10⁶ steps.

    python3 bench/memory.py                 # 10⁶ steps of the lesson-size block (T8 D16 H2)
    python3 bench/memory.py --steps 100000  # a shorter run
    python3 bench/memory.py --config bench/configs/t32_d64_h4.json --steps 20000 --max-peak-mb 0

Runs `qkv bench` for as long as the steps take and samples its /proc status. Exits 1 if the resident set grew
between the first sample after warm-up and the last one (beyond --tolerance-kb), if the run took fewer steps
than asked, or if the peak exceeds --max-peak-mb (0: no limit). Linux only (it reads /proc).
"""

import argparse
import subprocess
import sys
import time

from common import build_qkv, config_path, steps_taken


def status(pid):
    """VmRSS and VmHWM of a process, in kB (None once it has exited)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (FileNotFoundError, KeyError, ProcessLookupError):
        return None


def bench(qkv, config, seconds, sample_every=0.05):
    """Runs qkv bench; returns (steps, samples of (time, rss, hwm))."""
    process = subprocess.Popen([qkv, "bench", "--config", config, "--seconds", str(seconds)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    start, samples = time.monotonic(), []
    while process.poll() is None:
        sample = status(process.pid)
        if sample:
            samples.append((time.monotonic() - start, *sample))
        time.sleep(sample_every)
    out, err = process.communicate()
    if process.returncode != 0:
        sys.exit(f"qkv bench failed: {err}")
    return steps_taken(out), samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1_000_000, help="training steps (default 10⁶)")
    parser.add_argument("--config", default=config_path("t8_d16_h2"), help="block config (default lesson size)")
    parser.add_argument("--bin", help="a built qkv binary (default: swift build -c release)")
    parser.add_argument("--tolerance-kb", type=int, default=256, help="allowed RSS growth (default 256 kB)")
    parser.add_argument("--max-peak-mb", type=float, default=30, help="peak RSS limit in MB (default 30; 0: none)")
    args = parser.parse_args()
    qkv = args.bin or build_qkv()

    # A short run measures the rate, so the long run can be timed to reach the steps asked for.
    probe_steps, _ = bench(qkv, args.config, 1.0)
    seconds = max(2.0, args.steps / probe_steps * 1.15 + 0.5)
    steps, samples = bench(qkv, args.config, seconds)
    if len(samples) < 4:
        sys.exit("too few samples: the run ended too soon")
    # The start: the first sample after the warm-up (qkv bench warms up for ≤ 0.5 s) plus a margin.
    settled = [s for s in samples if s[0] >= 1.0] or samples[len(samples) // 4:]
    first, last = settled[0], settled[-1]
    peak = max(s[2] for s in samples)
    growth = last[1] - first[1]

    print(f"config {args.config}")
    print(f"steps {steps:,} in {seconds:.1f} s")
    print(f"RSS at {first[0]:.1f} s: {first[1]:,} kB; at {last[0]:.1f} s: {last[1]:,} kB; growth {growth:+,} kB")
    print(f"peak RSS {peak:,} kB ({peak / 1024:.1f} MB)")
    failures = []
    if growth > args.tolerance_kb:
        failures.append(f"RSS grew by {growth:,} kB (> {args.tolerance_kb} kB)")
    if steps < args.steps:
        failures.append(f"only {steps:,} of {args.steps:,} steps ran")
    if args.max_peak_mb and peak > args.max_peak_mb * 1024:
        failures.append(f"peak RSS {peak / 1024:.1f} MB > {args.max_peak_mb:g} MB")
    print("FAIL: " + "; ".join(failures) if failures else "ok: flat")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
