"""Shared helpers for the bench scripts: building qkv in release mode and finding the configs."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CONFIGS = os.path.join(HERE, "configs")

# The three canonical sizes of the performance issue: vocab max(8, T), d_ff 2·D, causal, scaled, residual,
# positional. Each has a config file in bench/configs.
SIZES = ["t8_d16_h2", "t32_d64_h4", "t128_d256_h8"]


def config_path(size):
    return os.path.join(CONFIGS, size + ".json")


def build_qkv(scratch_path=None):
    """Builds qkv in release mode (quietly) and returns the path of the binary."""
    args = ["swift", "build", "-c", "release", "--product", "qkv"]
    if scratch_path:
        args += ["--scratch-path", scratch_path]
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("swift build failed:\n" + result.stdout + result.stderr)
    where = subprocess.run(args + ["--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True)
    return os.path.join(where.stdout.strip(), "qkv")


def steps_per_second(output):
    """The figure of a bench's last line, `N steps/s`."""
    last = output.strip().splitlines()[-1]
    number, unit = last.split()[:2]
    if unit != "steps/s":
        raise ValueError("unexpected last line: " + last)
    return float(number)


def steps_taken(output):
    """The step count of a bench's `N steps in S s` line."""
    return int([line for line in output.splitlines() if " steps in " in line][-1].split()[0])
