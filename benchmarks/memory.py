"""Peak memory of a process *and its children*, sampled from /proc.

Why not ru_maxrss: dbt runs as a subprocess of the Dagster step, and DuckDB's memory
lives in whichever process opened the file, so the number that matters is the resident
set of the whole process tree at each moment. Sampling every `interval` seconds can miss
a spike shorter than that; the interval is recorded with the results.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
DEFAULT_INTERVAL = 0.05


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            kids.extend(int(p) for p in text.split())
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return kids


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return 0


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` plus all its descendants right now."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss(p)
        todo.extend(_children(p))
    return total


@dataclass
class Samples:
    """(unix time, resident bytes of the tree) pairs, in time order."""
    interval: float
    points: list[tuple[float, int]] = field(default_factory=list)

    def peak(self, start: float | None = None, end: float | None = None) -> int:
        inside = [rss for t, rss in self.points
                  if (start is None or t >= start) and (end is None or t <= end)]
        return max(inside, default=0)


class TreeSampler:
    """Samples tree_rss(pid) on a background thread until stopped."""

    def __init__(self, pid: int, interval: float = DEFAULT_INTERVAL):
        self.pid = pid
        self.samples = Samples(interval)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.points.append((time.time(), tree_rss(self.pid)))
            self._stop.wait(self.samples.interval)

    def __enter__(self) -> "TreeSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class MeasuredRun:
    returncode: int
    seconds: float
    started: float  # unix time
    samples: Samples
    stdout: str
    stderr: str
    killed_at_bytes: int | None = None  # set when the run was stopped for exceeding max_rss


def run_measured(argv: list[str], env: dict[str, str], cwd: Path, interval: float = DEFAULT_INTERVAL,
                 max_rss: int | None = None) -> MeasuredRun:
    """Run a command to completion, timing it and sampling its process tree's memory.
    With `max_rss`, a tree that grows past it is killed (the machine is shared: better a
    measured "more than X" than an out-of-memory kill of someone else's work)."""
    started = time.time()
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err, text=True, start_new_session=True)
        killed = None
        with TreeSampler(proc.pid, interval) as sampler:
            while proc.poll() is None:
                time.sleep(interval)
                if max_rss and killed is None and sampler.samples.peak(time.time() - 1) > max_rss:
                    killed = sampler.samples.peak()
                    os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        seconds = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        return MeasuredRun(proc.returncode, seconds, started, sampler.samples, out.read(), err.read(), killed)
