"""The latency harness: warm-up, a fixed number of timed calls, median and p90, per path and batch size."""
from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np


@dataclass
class Timing:
    path: str
    model: str
    batch: int
    median_ms: float
    p90_ms: float
    runs: int

    def as_dict(self) -> dict:
        return asdict(self)


def time_calls(fn: Callable[[], object], warmup: int = 10, runs: int = 100) -> list[float]:
    """Seconds per call of fn() (each call must finish its work before returning)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def measure(path: str, model: str, batch: int, fn, warmup: int = 10, runs: int = 100) -> Timing:
    times_ms = np.array(time_calls(fn, warmup, runs)) * 1e3
    return Timing(path, model, batch, float(statistics.median(times_ms)), float(np.percentile(times_ms, 90)), runs)


def table(timings: list[Timing]) -> str:
    lines = [f"{'model':<5} {'batch':>5}  {'path':<22} {'median ms':>10} {'p90 ms':>9}"]
    for t in sorted(timings, key=lambda t: (t.model, t.batch, t.median_ms)):
        lines.append(f"{t.model:<5} {t.batch:>5}  {t.path:<22} {t.median_ms:>10.3f} {t.p90_ms:>9.3f}")
    return "\n".join(lines)
