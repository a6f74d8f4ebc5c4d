#!/usr/bin/python3
"""write + fdatasync latency per CPU (docs/benchmarks.md, "Node API").

Like a node request: 25 ms of busy CPU (the engine's share), then one ~940-byte append
and fdatasync (the audit entry), pinned in turn to each CPU, alternating, ROUNDS times.
A CPU that does not take the disk's completion interrupts pays a cross-CPU wake-up on
every flush; bench/node_load.sh pins its 1-core node accordingly.

  /usr/bin/python3 bench/fsync_by_cpu.py [DIR (out)] [ROUNDS (2)] [N per run (300)]
"""
import os
import statistics
import sys
import time

directory = sys.argv[1] if len(sys.argv) > 1 else "out"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
n = int(sys.argv[3]) if len(sys.argv) > 3 else 300
os.makedirs(directory, exist_ok=True)
path = os.path.join(directory, f"fsync_by_cpu.{os.getpid()}")
cpus = sorted(os.sched_getaffinity(0))
for r in range(rounds):
    for cpu in cpus:
        os.sched_setaffinity(0, {cpu})
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        ms = []
        try:
            for _ in range(n):
                end = time.perf_counter() + 0.025
                while time.perf_counter() < end:
                    pass
                t = time.perf_counter()
                os.write(fd, b"y" * 940)
                os.fdatasync(fd)
                ms.append((time.perf_counter() - t) * 1e3)
        finally:
            os.close(fd)
            os.unlink(path)
        ms.sort()
        print(f"round {r + 1} cpu {cpu}: p50 {ms[n // 2]:.3f} ms  p90 {ms[int(n * 0.9)]:.3f} ms  "
              f"mean {statistics.mean(ms):.3f} ms", flush=True)
