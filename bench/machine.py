"""The machine a benchmark ran on, recorded beside its figures."""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

#: CPU features that change the figures: deep mode's bfloat16 products ran 2.3 times as fast on a
#: Xeon with AMX as on an EPYC with AVX-512 BF16 alone (BENCHMARKS.md, "Speed on another machine").
_CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8")


def cpu() -> dict:
    """The CPU's model name and its vector and matrix extensions, from /proc/cpuinfo where there is one."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {"model": platform.processor() or platform.machine()}
    first = info.split("\n\n", 1)[0]  # the first processor's block
    fields = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in first.splitlines())}
    flags = set(fields.get("flags", "").split())
    return {"model": fields.get("model name", platform.machine()),
            "extensions": [f for f in _CPU_FLAGS if f in flags]}


def machine() -> dict:
    """Date, platform, CPU (see :func:`cpu`), core counts and Python version, as JSON-ready data."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu": cpu(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": affinity,
        "python": platform.python_version(),
    }
