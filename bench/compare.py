#!/usr/bin/env python3
"""qkv against PyTorch (eager) and JAX (jit), float64, at the three sizes of the performance issue.

    python3 bench/compare.py                    # build qkv (release), then measure everything
    python3 bench/compare.py --seconds 3 --repeat 5
    python3 bench/compare.py --bin PATH/TO/qkv  # skip the build

Each figure is train steps per second (forward + backward + SGD) of the same block. The runs of one size are
interleaved (qkv, PyTorch, JAX, qkv, …) and each program keeps its best run, so all of them see the same
machine: on a shared machine the ratios are the meaningful numbers. A peer that is not installed is shown as
"—" (pip install torch / pip install jax); qkv itself needs nothing.
"""

import argparse
import importlib.util
import os
import subprocess
import sys

from common import SIZES, build_qkv, config_path, steps_per_second

HERE = os.path.dirname(os.path.abspath(__file__))

# The targets of the performance issue: (size, peer, ratio qkv must reach).
TARGETS = {"t8_d16_h2": ("jax", 5.0), "t32_d64_h4": ("jax", 1.0), "t128_d256_h8": ("torch", 1.5)}
NAMES = {"qkv": "qkv", "torch": "PyTorch eager", "jax": "JAX jit"}


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(" ".join(command) + " failed:\n" + result.stderr[-2000:])
    return steps_per_second(result.stdout)


def label(size):
    t, d, h = size.split("_")
    return f"{t.upper()} {d.upper()} {h.upper()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per run (default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per program and size; the best counts (default 3)")
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated config names in bench/configs")
    parser.add_argument("--bin", help="a built qkv binary (default: swift build -c release)")
    parser.add_argument("--scratch-path", help="swift build --scratch-path for the build")
    parser.add_argument("--peers", default="torch,jax", help="peers to run (default torch,jax)")
    parser.add_argument("--per-head", action="store_true",
                        help="PyTorch computes attention one head at a time (as the golden generator), not batched")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target ratio is missed")
    args = parser.parse_args()

    qkv = args.bin or build_qkv(args.scratch_path)
    peers = [p for p in args.peers.split(",") if p and importlib.util.find_spec(p) is not None]
    missing = [p for p in args.peers.split(",") if p and p not in peers]
    programs = {"qkv": lambda size: [qkv, "bench", "--config", config_path(size), "--seconds", str(args.seconds)]}
    for peer in peers:
        extra = ["--per-head"] if args.per_head and peer == "torch" else []
        programs[peer] = lambda size, peer=peer, extra=extra: [
            sys.executable, os.path.join(HERE, "peers.py"), peer, "--config", config_path(size),
            "--seconds", str(args.seconds)] + extra

    rows, missed = [], []
    for size in args.sizes.split(","):
        best = {}
        for _ in range(args.repeat):
            for name, command in programs.items():
                best[name] = max(best.get(name, 0.0), run(command(size)))
        rows.append((size, best))
        print(f"{label(size)}: " + ", ".join(f"{NAMES[n]} {v:,.0f}" for n, v in best.items()), file=sys.stderr)

    header = ["size", "qkv steps/s", "PyTorch eager f64", "JAX jit f64", "qkv / PyTorch", "qkv / JAX", "target"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for size, best in rows:
        cells = [label(size), f"{best['qkv']:,.0f}"]
        for peer in ("torch", "jax"):
            cells.append(f"{best[peer]:,.0f}" if peer in best else "—")
        for peer in ("torch", "jax"):
            cells.append(f"{best['qkv'] / best[peer]:.2f}×" if peer in best else "—")
        target = TARGETS.get(size)
        if target and target[0] in best:
            ratio = best["qkv"] / best[target[0]]
            met = ratio >= target[1]
            cells.append(f"≥ {target[1]:g}× {NAMES[target[0]]}: {'met' if met else 'MISSED'}")
            if not met:
                missed.append(size)
        else:
            cells.append("—")
        lines.append("| " + " | ".join(cells) + " |")
    print("\n".join(lines))
    if missing:
        print(f"\n(not installed: {', '.join(missing)} — pip install {' '.join(missing)})")
    if args.check and missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
