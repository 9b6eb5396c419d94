#!/usr/bin/env python3
"""Allocations in a training step: none, at every size. Counts malloc calls of `qkv bench` runs of 1 s and 3 s.

    python3 bench/allocations.py            # the three sizes of bench/configs
    python3 bench/allocations.py --sizes t128_d256_h8

A counter is preloaded into qkv (LD_PRELOAD; it is compiled here with the C compiler of the Swift toolchain,
clang, or cc). The count after 3 s of training must equal the count after 1 s: the first steps may allocate
(buffers, the helper thread), later ones must not. Exits 1 when a longer run allocated more. Linux only.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from common import SIZES, build_qkv, config_path, steps_taken

COUNTER = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
static atomic_long calls;
static void *(*real_malloc)(size_t);
void *malloc(size_t n) {
  if (!real_malloc) real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
  atomic_fetch_add(&calls, 1);
  return real_malloc(n);
}
__attribute__((destructor)) static void report(void) { fprintf(stderr, "malloc calls: %ld\n", calls); }
"""


def build_counter(directory):
    compiler = shutil.which("clang") or shutil.which("cc") or sys.exit("no C compiler (clang or cc) found")
    source, library = os.path.join(directory, "count.c"), os.path.join(directory, "count.so")
    with open(source, "w") as f:
        f.write(COUNTER)
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", source, "-o", library, "-ldl"], check=True)
    return library


def count(qkv, counter, config, seconds):
    """(steps, malloc calls) of one `qkv bench` run."""
    run = subprocess.run([qkv, "bench", "--config", config, "--seconds", str(seconds)], capture_output=True,
                         text=True, env={**os.environ, "LD_PRELOAD": counter})
    if run.returncode != 0:
        sys.exit(f"qkv bench failed: {run.stderr}")
    steps = steps_taken(run.stdout)
    calls = int([line for line in run.stderr.splitlines() if line.startswith("malloc calls:")][-1].split()[-1])
    return steps, calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated config names in bench/configs")
    parser.add_argument("--bin", help="a built qkv binary (default: swift build -c release)")
    args = parser.parse_args()
    qkv = args.bin or build_qkv()
    failed = False
    with tempfile.TemporaryDirectory() as directory:
        counter = build_counter(directory)
        for size in args.sizes.split(","):
            (short_steps, short), (long_steps, long) = (count(qkv, counter, config_path(size), s) for s in (1, 3))
            verdict = "ok" if long == short else "FAIL: a training step allocates"
            failed |= long != short
            print(f"{size}: {short:,} malloc calls after {short_steps:,} steps, {long:,} after {long_steps:,} — {verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
