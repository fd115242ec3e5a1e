"""BENCHMARKS.md: each benchmark owns one section between `<!-- bench:NAME -->` markers and rewrites only that."""

from __future__ import annotations

import os
import platform
import re
import sys
from pathlib import Path

import django
from django.db import connection

HEADER = "# Benchmarks\n\nFigures written by `make bench`; each section is rewritten by the benchmark that owns it.\n"


def write_section(path: Path, name: str, body: str) -> None:
    """Replace the section `name` in `path`, or append it; every other section stays as it was."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def load_average() -> str:
    """1, 5 and 15 minute load averages: on a shared machine, what else was running is part of the figures."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def _cpuinfo() -> tuple[str, int]:
    """The CPU model and logical core count from /proc/cpuinfo, or what platform knows elsewhere."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine(), os.cpu_count() or 0
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    cores = len(re.findall(r"^processor\s*:", text, re.M))
    return (found.group(1).strip() if found else platform.machine()), cores


def _ram_gib() -> float | None:
    try:
        found = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    except OSError:
        return None
    return int(found.group(1)) / 1024**2 if found else None


def machine() -> dict[str, str]:
    """What the figures depend on: CPU, memory, load, the database server and the settings that matter here."""
    cpu, cores = _cpuinfo()
    ram = _ram_gib()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings"
            " WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'max_parallel_workers_per_gather',"
            " 'jit', 'random_page_cost', 'fsync', 'synchronous_commit', 'full_page_writes', 'max_wal_size')"
            " ORDER BY name"
        )
        settings = [f"{name}={value}" for name, value in cursor.fetchall()]
    return {
        "CPU": f"{cpu}, {cores} logical cores",
        "RAM": f"{ram:.1f} GiB" if ram else "unknown",
        "OS": platform.platform(),
        "PostgreSQL": f"{server}; {', '.join(settings)}",
        "Python": f"{platform.python_version()} ({sys.implementation.name}), Django {django.get_version()}",
    }
